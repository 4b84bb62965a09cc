import math
from collections import Counter

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustopt.divergence import Divergence
from trustopt.divergence_problem import DivergenceProblem, DivergenceStep, Trial
from trustopt.natural_gradient import DivergenceTrustRegion, NaturalGradient
from trustopt.objective import Objective
from trustopt.result import Status


def problem(f, D, **kw):
    return DivergenceProblem(f, D, **kw)


def assert_no_step_report(res, f0, delta, n_trials):
    """The report of a solve that returned x₀."""
    r = res.report
    assert isinstance(r, DivergenceStep)
    assert (r.fun, r.divergence, r.max_divergence) == (f0, 0.0, delta)
    assert (r.expected_improvement, r.actual_improvement, r.step_fraction, r.model_divergence) == (0, 0, 0, 0)
    assert math.isnan(r.ratio)
    assert r.backtracks == len(r.trials) == n_trials


# --- NaturalGradient -------------------------------------------------------

@pytest.mark.parametrize("delta", [1e-4, 0.01, 0.7])
def test_natural_gradient_closed_form_on_linear_f_and_quadratic_d(cases, delta):
    c = cases.linear_problem()
    res = NaturalGradient(max_divergence=delta, cg_iters=60, cg_damping=0.0, cg_rtol=1e-14).minimize(c.problem)
    Ainv_g = np.linalg.solve(c.A, c.g)
    expected = -math.sqrt(2 * delta / (c.g @ Ainv_g)) * Ainv_g
    assert res.status is Status.STEP_ACCEPTED
    np.testing.assert_allclose(res.x - c.x0, expected, rtol=1e-8, atol=1e-12)
    assert c.D.value(res.x) == pytest.approx(delta, abs=1e-8 * max(delta, 1.0))
    r = res.report
    # f is linear, so the linear model is exact: actual = expected = sqrt(2δ gᵀA⁻¹g).
    assert r.actual_improvement == pytest.approx(math.sqrt(2 * delta * (c.g @ Ainv_g)), rel=1e-9)
    assert r.expected_improvement == pytest.approx(r.actual_improvement, rel=1e-9)
    assert r.ratio == pytest.approx(1.0, rel=1e-9)
    assert r.model_divergence == pytest.approx(delta, rel=1e-12)
    assert r.divergence == pytest.approx(c.D.value(res.x), rel=1e-12) and r.fun == res.fun == c.f.value(res.x)
    assert (r.max_divergence, r.step_fraction, r.backtracks) == (delta, 1.0, 0)
    assert len(r.trials) == 1 and r.trials[0].rejected_by is None
    # History stays as the plotting table: one row, the report without its trials.
    assert res.history.records == [r.row()]


def test_natural_gradient_fixed_step_size_is_eta_times_the_cg_direction(cases):
    c = cases.linear_problem()
    res = NaturalGradient(step_size=0.3, cg_iters=60, cg_damping=0.0, cg_rtol=1e-14).minimize(c.problem)
    s = -np.linalg.solve(c.A, c.g)
    np.testing.assert_allclose(res.x - c.x0, 0.3 * s, rtol=1e-8)
    assert math.isnan(res.report.max_divergence)
    assert res.report.model_divergence == pytest.approx(0.5 * 0.09 * s @ c.A @ s, rel=1e-8)


def test_natural_gradient_damped_cg_solves_the_damped_system(cases):
    c = cases.linear_problem()
    res = NaturalGradient(step_size=1.0, cg_iters=60, cg_damping=0.5, cg_rtol=1e-14).minimize(c.problem)
    np.testing.assert_allclose(res.x - c.x0, -np.linalg.solve(c.A + 0.5 * np.eye(len(c.g)), c.g), rtol=1e-8)


def test_metric_operator_built_once_and_cg_budget_respected(cases):
    rng = np.random.default_rng(5)
    n = 30
    A, g, x0 = cases.spd(n, rng, cond=1e4), rng.standard_normal(n), np.zeros(n)
    res = NaturalGradient(cg_iters=10).minimize(problem(Objective(lambda x: anp.dot(g, x)), Divergence.from_matrix(A, x0)))
    assert res.report.cg_iterations == 10
    assert res.nhev == res.info["nmvp"] == 11  # ten CG products and one for sᵀFs
    assert res.report.cg_residual > 0


def test_natural_gradient_nonpositive_metric_returns_x0():
    x0 = np.array([1.0, 2.0, 3.0])
    f = Objective(lambda x: anp.sum(x**2))
    zero = Divergence(lambda x: 0.0 * anp.sum(x), x0, metric_vp=lambda v: np.zeros_like(v))
    res = NaturalGradient().minimize(problem(f, zero))
    assert res.status is Status.NOT_POSITIVE_DEFINITE and np.array_equal(res.x, x0) and not res.success
    assert_no_step_report(res, f.value(x0), 0.01, 0)
    assert res.report.cg_iterations >= 1 and len(res.history) == 0
    negative = Divergence(lambda x: 0.0 * anp.sum(x), x0, metric_vp=lambda v: -v)
    res = NaturalGradient(cg_damping=0.0).minimize(problem(f, negative))
    assert res.status is Status.NOT_POSITIVE_DEFINITE and np.array_equal(res.x, x0)


def test_natural_gradient_nonfinite_metric_or_value_returns_x0(cases):
    x0 = np.array([1.0, 2.0])
    f = Objective(lambda x: anp.sum(x**2))
    nan_metric = Divergence(lambda x: anp.sum((x - x0) ** 2), x0, metric_vp=lambda v: np.full_like(v, np.nan))
    res = NaturalGradient().minimize(problem(f, nan_metric))
    assert res.status is Status.NONFINITE and np.array_equal(res.x, x0)
    nan_f = Objective(lambda x: anp.where(anp.abs(x[0] - x0[0]) > 1e-6, np.nan, 1.0) + anp.sum(x**2))
    res = NaturalGradient().minimize(problem(nan_f, cases.exp_divergence(x0)))
    assert res.status is Status.NONFINITE and res.x.tobytes() == x0.tobytes()
    # The one trial is kept, with its reason.
    assert_no_step_report(res, nan_f.value(x0), 0.01, 1)
    assert res.report.trials[0].rejected_by == "nonfinite" and math.isnan(res.report.trials[0].fun)


def test_zero_gradient_returns_x0_with_gtol(cases):
    x0 = np.zeros(3)
    res = DivergenceTrustRegion().minimize(problem(Objective(lambda x: anp.sum(x**2)), cases.exp_divergence(x0)))
    assert res.status is Status.GTOL and np.array_equal(res.x, x0)
    assert_no_step_report(res, 0.0, 0.01, 0)
    assert res.report.cg_iterations == 0 and math.isnan(res.report.cg_residual)


# --- DivergenceTrustRegion -------------------------------------------------

def test_trpo_defaults_follow_spinning_up_and_modular_rl():
    s = DivergenceTrustRegion()
    assert (s.max_divergence, s.backtrack_factor, s.backtrack_iters, s.cg_iters, s.cg_damping) == (0.01, 0.8, 10, 10, 0.1)
    assert s.accept_ratio is None


def random_problem(cases, data, nonlinear):
    n = data.draw(st.integers(1, 8), label="n")
    seed = data.draw(st.integers(0, 2**31 - 1), label="seed")
    delta = data.draw(st.floats(1e-4, 2.0), label="delta")
    rng = np.random.default_rng(seed)
    H = cases.spd(n, rng, 10 ** rng.uniform(0, 3)) * rng.choice([-1.0, 1.0])  # concave f too
    b, x0 = rng.standard_normal(n) * 10 ** rng.uniform(-2, 2), rng.standard_normal(n)
    if nonlinear:
        c = rng.uniform(0.1, 3.0)
        f = Objective(lambda x: anp.dot(b, x) + 0.5 * anp.dot(x, anp.dot(H, x)) + anp.sum(anp.sin(c * x)))
        D = cases.exp_divergence(x0, scale=rng.uniform(0.5, 3.0))
    else:
        f = Objective(lambda x: anp.dot(b, x) + 0.5 * anp.dot(x, anp.dot(H, x)))
        D = Divergence.from_matrix(cases.spd(n, rng, 10 ** rng.uniform(0, 4)), x0)
    return f, D, x0, delta


@settings(max_examples=60, deadline=None)
@given(data=st.data(), nonlinear=st.booleans())
def test_trust_region_step_is_feasible_and_never_worse(cases, data, nonlinear):
    f, D, x0, delta = random_problem(cases, data, nonlinear)
    solver = DivergenceTrustRegion(max_divergence=delta, accept_ratio=data.draw(st.sampled_from([None, 0.1])))
    res = solver.minimize(problem(f, D))
    f0 = f.value(x0)
    assert np.all(np.isfinite(res.x))
    assert D.value(res.x) <= delta * (1 + 1e-12)
    assert f.value(res.x) <= f0
    if res.success:
        assert f.value(res.x) < f0 and res.fun == f.value(res.x) == res.report.fun
        assert res.report.trials[-1].rejected_by is None
        assert all(t.rejected_by is not None for t in res.report.trials[:-1])
    else:
        assert res.x.tobytes() == x0.tobytes()


def test_failed_line_search_returns_x0_bit_for_bit_and_says_why(cases):
    # f rises steeply off the anchor: no trial decreases it.
    x0 = np.array([0.1, -0.3, 1e-300, -0.0])
    f = Objective(lambda x: anp.sum(x) + 1e6 * anp.sum((x - x0) ** 2))
    res = DivergenceTrustRegion().minimize(problem(f, cases.exp_divergence(x0)))
    assert res.status is Status.NO_STEP_ACCEPTED and not res.success
    assert res.x.tobytes() == x0.tobytes()
    assert res.fun == f.value(x0)
    assert Counter(t.rejected_by for t in res.report.trials) == {"no_decrease": 10}
    assert "f did not decrease at 10" in res.message
    assert_no_step_report(res, f.value(x0), 0.01, 10)
    assert res.report.cg_iterations >= 1 and res.history.records == [res.report.row()]


def test_infeasible_at_every_trial():
    # D's true curvature is far above its metric: every trial overshoots δ.
    x0 = np.zeros(3)
    D = Divergence(lambda x: 0.5 * anp.sum(x**2) + 1e9 * anp.sum(x**2) ** 2, x0)
    f = Objective(lambda x: anp.sum(x))
    res = DivergenceTrustRegion(max_divergence=0.5).minimize(problem(f, D))
    assert res.status is Status.INFEASIBLE and np.array_equal(res.x, x0)
    assert all(t.divergence > 0.5 and t.rejected_by == "divergence" for t in res.report.trials)
    assert_no_step_report(res, 0.0, 0.5, 10)


def test_backtracking_fractions_and_first_acceptance():
    # D = ½‖d‖² + ‖d‖⁴ grows faster than its model, so the full step is infeasible.
    x0 = np.zeros(2)
    D = Divergence(lambda x: 0.5 * anp.sum(x**2) + anp.sum(x**2) ** 2, x0)
    f = Objective(lambda x: anp.dot(np.array([1.0, 2.0]), x))
    res = DivergenceTrustRegion(max_divergence=0.5, cg_iters=5).minimize(problem(f, D))
    r = res.report
    fractions = [t.step_fraction for t in r.trials]
    np.testing.assert_allclose(fractions, 0.8 ** np.arange(len(fractions)))
    assert all(t.rejected_by == "divergence" for t in r.trials[:-1])
    assert r.backtracks == len(fractions) - 1 > 0 and r.divergence <= 0.5
    assert r.step_fraction == fractions[-1] and r.divergence == r.trials[-1].divergence == D.value(res.x)
    # Model divergence of the step tΔ is t²δ; the true one is larger here.
    assert r.model_divergence == pytest.approx(fractions[-1] ** 2 * 0.5)
    assert r.divergence > r.model_divergence


def test_accept_ratio_rejects_poorly_predicted_steps():
    # f = gᵀx + ½c‖x‖²: the ratio actual/expected at fraction t is 1 − c·t·‖Δ‖²/(2·(−gᵀΔ)).
    x0 = np.zeros(2)
    g = np.array([1.0, 0.0])
    D = Divergence.from_matrix(np.eye(2), x0)  # Δ = −sqrt(2δ)·g/‖g‖
    delta, c = 0.5, 1.6  # full step: ratio = 1 − c·‖Δ‖/2 = 0.2
    f = Objective(lambda x: anp.dot(g, x) + 0.5 * c * anp.sum(x**2))
    plain = DivergenceTrustRegion(max_divergence=delta, cg_damping=0.0).minimize(problem(f, D))
    assert plain.report.step_fraction == 1.0
    assert plain.report.ratio == pytest.approx(0.2)
    strict = DivergenceTrustRegion(max_divergence=delta, cg_damping=0.0, accept_ratio=0.5).minimize(problem(f, D))
    t = strict.report.step_fraction
    assert strict.report.ratio >= 0.5 and t < 1.0
    assert strict.report.ratio == pytest.approx(1 - 0.8 * t)
    assert strict.report.trials[0].rejected_by == "ratio"
    # No trial reaching the ratio: NO_STEP_ACCEPTED, and the message names the ratio.
    none = DivergenceTrustRegion(max_divergence=delta, cg_damping=0.0, accept_ratio=0.99, backtrack_iters=2)
    res = none.minimize(problem(f, D))
    assert res.status is Status.NO_STEP_ACCEPTED and "improvement ratio < 0.99 at 2" in res.message


def test_joint_evaluation_and_precomputed_gradient_are_used(cases):
    c = cases.linear_problem()
    calls = []

    def joint(x):
        calls.append(x)
        d = x - c.x0
        return float(c.g @ x), 0.5 * float(d @ c.A @ d)

    p = DivergenceProblem(c.f, c.D, grad0=c.g, fun0=float(c.g @ c.x0), fun_and_divergence=joint)
    res = DivergenceTrustRegion(cg_iters=60).minimize(p)
    assert res.success and len(calls) == len(res.report.trials)
    assert c.f.nfev == 0 and c.f.njev == 0 and c.D.ndev == 0
    assert res.nfev == len(calls) and res.njev == 0 and res.info["ndev"] == len(calls)


def test_nan_in_f_or_d_never_reaches_x(cases):
    x0 = np.zeros(3)
    g = np.array([1.0, -1.0, 0.5])
    # f is NaN beyond a small ball: the full step lands there; backtracking must escape.
    f = Objective(lambda x: anp.where(anp.sum(x**2) > 0.05, np.nan, anp.dot(g, x)))
    res = DivergenceTrustRegion(max_divergence=0.1).minimize(problem(f, cases.exp_divergence(x0)))
    assert res.success and np.all(np.isfinite(res.x)) and np.isfinite(f.value(res.x))
    assert res.report.trials[0].rejected_by == "nonfinite"
    # D is NaN everywhere but at the anchor: nothing acceptable, x0 back.
    D = Divergence(lambda x: anp.where(anp.sum(x**2) > 0, np.nan, 0.0), x0, metric_vp=lambda v: v)
    res = DivergenceTrustRegion().minimize(problem(Objective(lambda x: anp.dot(g, x)), D))
    assert res.status is Status.NONFINITE and np.array_equal(res.x, x0)
    assert_no_step_report(res, 0.0, 0.01, 10)
    # A NaN gradient at x0.
    res = DivergenceTrustRegion().minimize(problem(Objective(lambda x: anp.dot(g, x)), D, grad0=np.full(3, np.nan)))
    assert res.status is Status.NONFINITE and np.array_equal(res.x, x0)
    assert_no_step_report(res, 0.0, 0.01, 0)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: NaturalGradient(max_divergence=-0.1), "max_divergence"),
        (lambda: NaturalGradient(max_divergence=0.1, step_size=0.1), "not both"),
        (lambda: NaturalGradient(step_size=0.0), "step_size"),
        (lambda: NaturalGradient(cg_iters=0), "cg_iters"),
        (lambda: NaturalGradient(cg_damping=-1.0), "cg_damping"),
        (lambda: DivergenceTrustRegion(max_divergence=math.inf), "max_divergence"),
        (lambda: DivergenceTrustRegion(backtrack_factor=1.0), "backtrack_factor"),
        (lambda: DivergenceTrustRegion(backtrack_iters=0), "backtrack_iters"),
        (lambda: DivergenceTrustRegion(accept_ratio=1.5), "accept_ratio"),
    ],
)
def test_invalid_parameters_fail_at_construction(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_per_call_bound_override(cases):
    c = cases.linear_problem()
    res = DivergenceTrustRegion(cg_iters=60, cg_damping=0.0).minimize(c.problem, max_divergence=0.3)
    # The full step is accepted although rounding may put D a few ε above δ.
    assert res.report.step_fraction == 1.0 and res.report.max_divergence == 0.3
    assert c.D.value(res.x) == pytest.approx(0.3, rel=1e-8)
    with pytest.raises(ValueError, match="max_divergence"):
        DivergenceTrustRegion().minimize(c.problem, max_divergence=-1.0)
    with pytest.raises(ValueError, match="step_size"):
        NaturalGradient(step_size=1.0).minimize(c.problem, max_divergence=0.3)


def test_trial_and_step_reports_are_frozen(cases):
    res = DivergenceTrustRegion().minimize(cases.linear_problem().problem)
    assert isinstance(res.report.trials[0], Trial)
    with pytest.raises(AttributeError):
        res.report.fun = 0.0
