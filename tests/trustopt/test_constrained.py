import math

import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustopt.constrained import (
    AdaptiveBound,
    DivergenceTrustRegion,
    NaturalGradient,
    PenaltyMethod,
    adapt_penalty,
)
from trustopt.divergence import Divergence
from trustopt.first_order import Adam, MeanObjective
from trustopt.objective import Objective
from trustopt.radius import RadiusRule
from trustopt.result import Status


def spd(n, rng, cond=100.0):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * np.logspace(0, np.log10(cond), n)) @ Q.T


def linear_problem(n=6, seed=0):
    rng = np.random.default_rng(seed)
    A, g, x0 = spd(n, rng), rng.standard_normal(n), rng.standard_normal(n)
    return Objective(lambda x: anp.dot(g, x)), Divergence.from_matrix(A, x0), A, g, x0


def exp_divergence(x0, scale=1.0):
    """D(x) = Σ exp(c·dᵢ) − 1 − c·dᵢ with d = x − x₀: ≥ 0, zero with zero gradient at x₀, F = c²I."""
    return Divergence(lambda x: anp.sum(anp.exp(scale * (x - x0)) - 1.0 - scale * (x - x0)), x0)


# --- NaturalGradient -------------------------------------------------------

@pytest.mark.parametrize("delta", [1e-4, 0.01, 0.7])
def test_natural_gradient_closed_form_on_linear_f_and_quadratic_d(delta):
    f, D, A, g, x0 = linear_problem()
    res = NaturalGradient(max_divergence=delta, cg_iters=60, cg_damping=0.0, cg_rtol=1e-14).minimize(f, D)
    Ainv_g = np.linalg.solve(A, g)
    expected = -math.sqrt(2 * delta / (g @ Ainv_g)) * Ainv_g
    assert res.status is Status.STEP_ACCEPTED
    np.testing.assert_allclose(res.x - x0, expected, rtol=1e-8, atol=1e-12)
    assert D.value(res.x) == pytest.approx(delta, abs=1e-8 * max(delta, 1.0))
    row = res.history.records[0]
    # f is linear, so the linear model is exact: actual = expected = sqrt(2δ gᵀA⁻¹g).
    assert row["actual_improvement"] == pytest.approx(math.sqrt(2 * delta * (g @ Ainv_g)), rel=1e-9)
    assert row["ratio"] == pytest.approx(1.0, rel=1e-9)


def test_natural_gradient_fixed_step_size_is_eta_times_the_cg_direction():
    f, D, A, g, x0 = linear_problem()
    res = NaturalGradient(step_size=0.3, cg_iters=60, cg_damping=0.0, cg_rtol=1e-14).minimize(f, D)
    np.testing.assert_allclose(res.x - x0, -0.3 * np.linalg.solve(A, g), rtol=1e-8)


def test_natural_gradient_damped_cg_solves_the_damped_system():
    f, D, A, g, x0 = linear_problem()
    res = NaturalGradient(step_size=1.0, cg_iters=60, cg_damping=0.5, cg_rtol=1e-14).minimize(f, D)
    np.testing.assert_allclose(res.x - x0, -np.linalg.solve(A + 0.5 * np.eye(len(g)), g), rtol=1e-8)


def test_metric_operator_built_once_and_cg_budget_respected():
    rng = np.random.default_rng(5)
    n = 30
    A, g, x0 = spd(n, rng, cond=1e4), rng.standard_normal(n), np.zeros(n)
    f = Objective(lambda x: anp.dot(g, x))
    D = Divergence.from_matrix(A, x0)
    res = NaturalGradient(cg_iters=10).minimize(f, D)
    assert res.info["cg_iterations"] == 10
    assert res.nhev == 11  # ten CG products and one for sᵀFs
    assert res.history.records[0]["cg_residual"] > 0


def test_natural_gradient_nonpositive_metric_returns_x0():
    x0 = np.array([1.0, 2.0, 3.0])
    f = Objective(lambda x: anp.sum(x**2))
    zero = Divergence(lambda x: 0.0 * anp.sum(x), x0, metric_vp=lambda v: np.zeros_like(v))
    res = NaturalGradient().minimize(f, zero)
    assert res.status is Status.NOT_POSITIVE_DEFINITE and np.array_equal(res.x, x0) and not res.success
    negative = Divergence(lambda x: 0.0 * anp.sum(x), x0, metric_vp=lambda v: -v)
    res = NaturalGradient(cg_damping=0.0).minimize(f, negative)
    assert res.status is Status.NOT_POSITIVE_DEFINITE and np.array_equal(res.x, x0)


def test_natural_gradient_nonfinite_metric_or_value_returns_x0():
    x0 = np.array([1.0, 2.0])
    f = Objective(lambda x: anp.sum(x**2))
    nan_metric = Divergence(lambda x: anp.sum((x - x0) ** 2), x0, metric_vp=lambda v: np.full_like(v, np.nan))
    res = NaturalGradient().minimize(f, nan_metric)
    assert res.status is Status.NONFINITE and np.array_equal(res.x, x0)
    nan_f = Objective(lambda x: anp.where(anp.abs(x[0] - x0[0]) > 1e-6, np.nan, 1.0) + anp.sum(x**2))
    res = NaturalGradient().minimize(nan_f, exp_divergence(x0))
    assert res.status is Status.NONFINITE and np.array_equal(res.x, x0)


def test_zero_gradient_returns_x0_with_gtol():
    x0 = np.zeros(3)
    res = DivergenceTrustRegion().minimize(Objective(lambda x: anp.sum(x**2)), exp_divergence(x0))
    assert res.status is Status.GTOL and np.array_equal(res.x, x0)


# --- DivergenceTrustRegion -------------------------------------------------

def test_trpo_defaults_follow_spinning_up_and_modular_rl():
    s = DivergenceTrustRegion()
    assert (s.max_divergence, s.backtrack_factor, s.backtrack_iters, s.cg_iters, s.cg_damping) == (0.01, 0.8, 10, 10, 0.1)
    assert s.accept_ratio is None


def random_problem(data, nonlinear):
    n = data.draw(st.integers(1, 8), label="n")
    seed = data.draw(st.integers(0, 2**31 - 1), label="seed")
    delta = data.draw(st.floats(1e-4, 2.0), label="delta")
    rng = np.random.default_rng(seed)
    H = spd(n, rng, 10 ** rng.uniform(0, 3)) * rng.choice([-1.0, 1.0])  # concave f too
    b, x0 = rng.standard_normal(n) * 10 ** rng.uniform(-2, 2), rng.standard_normal(n)
    if nonlinear:
        c = rng.uniform(0.1, 3.0)
        f = Objective(lambda x: anp.dot(b, x) + 0.5 * anp.dot(x, anp.dot(H, x)) + anp.sum(anp.sin(c * x)))
        D = exp_divergence(x0, scale=rng.uniform(0.5, 3.0))
    else:
        f = Objective(lambda x: anp.dot(b, x) + 0.5 * anp.dot(x, anp.dot(H, x)))
        D = Divergence.from_matrix(spd(n, rng, 10 ** rng.uniform(0, 4)), x0)
    return f, D, x0, delta


@settings(max_examples=60, deadline=None)
@given(data=st.data(), nonlinear=st.booleans())
def test_trust_region_step_is_feasible_and_never_worse(data, nonlinear):
    f, D, x0, delta = random_problem(data, nonlinear)
    solver = DivergenceTrustRegion(max_divergence=delta, accept_ratio=data.draw(st.sampled_from([None, 0.1])))
    res = solver.minimize(f, D)
    f0 = f.value(x0)
    assert np.all(np.isfinite(res.x))
    assert D.value(res.x) <= delta
    assert f.value(res.x) <= f0
    if res.success:
        assert f.value(res.x) < f0 and res.fun == f.value(res.x)
    else:
        assert res.x.tobytes() == x0.tobytes()


def test_failed_line_search_returns_x0_bit_for_bit_and_says_why():
    # f rises steeply off the anchor: no trial decreases it.
    x0 = np.array([0.1, -0.3, 1e-300, -0.0])
    f = Objective(lambda x: anp.sum(x) + 1e6 * anp.sum((x - x0) ** 2))
    res = DivergenceTrustRegion().minimize(f, exp_divergence(x0))
    assert res.status is Status.NO_STEP_ACCEPTED and not res.success
    assert res.x.tobytes() == x0.tobytes()
    assert res.fun == f.value(x0)
    assert res.info["rejections"] == {"no_decrease": 10}
    assert "f did not decrease at 10" in res.message
    assert res.history.records[0]["backtracks"] == 10


def test_infeasible_at_every_trial():
    # D's true curvature is far above its metric: every trial overshoots δ.
    x0 = np.zeros(3)
    D = Divergence(lambda x: 0.5 * anp.sum(x**2) + 1e9 * anp.sum(x**2) ** 2, x0)
    f = Objective(lambda x: anp.sum(x))
    res = DivergenceTrustRegion(max_divergence=0.5).minimize(f, D)
    assert res.status is Status.INFEASIBLE and np.array_equal(res.x, x0)
    assert all(t["divergence"] > 0.5 for t in res.info["trials"])


def test_backtracking_fractions_and_first_acceptance():
    # D = ½‖d‖² + ‖d‖⁴ grows faster than its model, so the full step is infeasible.
    x0 = np.zeros(2)
    D = Divergence(lambda x: 0.5 * anp.sum(x**2) + anp.sum(x**2) ** 2, x0)
    f = Objective(lambda x: anp.dot(np.array([1.0, 2.0]), x))
    res = DivergenceTrustRegion(max_divergence=0.5, cg_iters=5).minimize(f, D)
    fractions = [t["step_fraction"] for t in res.info["trials"]]
    np.testing.assert_allclose(fractions, 0.8 ** np.arange(len(fractions)))
    assert all(t["rejected_by"] == "divergence" for t in res.info["trials"][:-1])
    row = res.history.records[0]
    assert row["backtracks"] == len(fractions) - 1 > 0 and row["divergence"] <= 0.5
    # Model divergence of the step tΔ is t²δ; the true one is larger here.
    assert row["model_divergence"] == pytest.approx(fractions[-1] ** 2 * 0.5)
    assert row["divergence"] > row["model_divergence"]


def test_accept_ratio_rejects_poorly_predicted_steps():
    # f = gᵀx + ½c‖x‖²: the ratio actual/expected at fraction t is 1 − c·t·‖Δ‖²/(2·(−gᵀΔ)).
    x0 = np.zeros(2)
    g = np.array([1.0, 0.0])
    D = Divergence.from_matrix(np.eye(2), x0)  # Δ = −sqrt(2δ)·g/‖g‖
    delta, c = 0.5, 1.6  # full step: ratio = 1 − c·‖Δ‖/2 = 0.2
    f = Objective(lambda x: anp.dot(g, x) + 0.5 * c * anp.sum(x**2))
    plain = DivergenceTrustRegion(max_divergence=delta, cg_damping=0.0).minimize(f, D)
    assert plain.history.records[0]["step_fraction"] == 1.0
    assert plain.history.records[0]["ratio"] == pytest.approx(0.2)
    strict = DivergenceTrustRegion(max_divergence=delta, cg_damping=0.0, accept_ratio=0.5).minimize(f, D)
    t = strict.history.records[0]["step_fraction"]
    assert strict.history.records[0]["ratio"] >= 0.5 and t < 1.0
    assert strict.history.records[0]["ratio"] == pytest.approx(1 - 0.8 * t)


def test_joint_evaluation_and_precomputed_gradient_are_used():
    f, D, A, g, x0 = linear_problem()
    calls = []

    def joint(x):
        calls.append(x)
        d = x - x0
        return float(g @ x), 0.5 * float(d @ A @ d)

    res = DivergenceTrustRegion(cg_iters=60).minimize(f, D, grad0=g, fun0=float(g @ x0), fun_and_divergence=joint)
    assert res.success and len(calls) == len(res.info["trials"])
    assert f.nfev == 0 and f.njev == 0 and D.ndev == 0
    assert res.nfev == len(calls) and res.njev == 0


def test_nan_in_f_or_d_never_reaches_x():
    x0 = np.zeros(3)
    g = np.array([1.0, -1.0, 0.5])
    # f is NaN beyond a small ball: the full step lands there; backtracking must escape.
    f = Objective(lambda x: anp.where(anp.sum(x**2) > 0.05, np.nan, anp.dot(g, x)))
    res = DivergenceTrustRegion(max_divergence=0.1).minimize(f, exp_divergence(x0))
    assert res.success and np.all(np.isfinite(res.x)) and np.isfinite(f.value(res.x))
    assert res.info["trials"][0]["rejected_by"] == "nonfinite"
    # D is NaN everywhere but at the anchor: nothing acceptable, x0 back.
    D = Divergence(lambda x: anp.where(anp.sum(x**2) > 0, np.nan, 0.0), x0, metric_vp=lambda v: v)
    res = DivergenceTrustRegion().minimize(Objective(lambda x: anp.dot(g, x)), D)
    assert res.status is Status.NONFINITE and np.array_equal(res.x, x0)
    # A NaN gradient at x0.
    res = DivergenceTrustRegion().minimize(Objective(lambda x: anp.dot(g, x)), D, grad0=np.full(3, np.nan))
    assert res.status is Status.NONFINITE and np.array_equal(res.x, x0)


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
        (lambda: PenaltyMethod(beta=0.0), "beta"),
        (lambda: PenaltyMethod(max_outer=0), "max_outer"),
        (lambda: PenaltyMethod(factor=1.0), "factor"),
        (lambda: PenaltyMethod(inner=object()), "inner"),
        (lambda: AdaptiveBound(delta=-1.0), "delta"),
        (lambda: AdaptiveBound(delta=10.0), "delta"),
    ],
)
def test_invalid_parameters_fail_at_construction(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_per_call_bound_override():
    f, D, A, g, x0 = linear_problem()
    res = DivergenceTrustRegion(cg_iters=60, cg_damping=0.0).minimize(f, D, max_divergence=0.3)
    assert D.value(res.x) == pytest.approx(0.3, rel=1e-8)
    with pytest.raises(ValueError, match="max_divergence"):
        DivergenceTrustRegion().minimize(f, D, max_divergence=-1.0)
    with pytest.raises(ValueError, match="step_size"):
        NaturalGradient(step_size=1.0).minimize(f, D, max_divergence=0.3)


# --- PenaltyMethod ---------------------------------------------------------

def test_adapt_penalty_is_ppos_rule():
    assert adapt_penalty(1.0, 0.016, 0.01) == 2.0
    assert adapt_penalty(1.0, 0.006, 0.01) == 0.5
    assert adapt_penalty(1.0, 0.01, 0.01) == 1.0
    assert adapt_penalty(1.0, 0.015, 0.01) == 1.0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("beta", [1e-3, 1.0, 1e3])
def test_penalty_method_ends_feasible_in_the_band(seed, beta):
    rng = np.random.default_rng(seed)
    n, delta = 5, 0.05
    b, x0 = rng.standard_normal(n), rng.standard_normal(n)
    f = Objective(lambda x: anp.dot(b, x) + 0.1 * anp.sum(x**4))
    D = exp_divergence(x0)
    res = PenaltyMethod(max_divergence=delta, beta=beta, max_outer=30).minimize(f, D)
    d = D.value(res.x)
    assert res.status is Status.STEP_ACCEPTED
    assert delta / 1.5**2 <= d <= delta
    assert res.fun == pytest.approx(f.value(res.x)) and res.fun < f.value(x0)
    # The β handed back keeps D in the band on the next call.
    assert adapt_penalty(res.info["beta"], d, delta / 1.5) == res.info["beta"]


def test_penalty_method_without_a_feasible_iterate():
    x0 = np.zeros(2)
    f = Objective(lambda x: anp.dot(np.array([1.0, 1.0]), x))
    D = Divergence.from_matrix(np.eye(2), x0)
    # One outer iteration with a tiny β: the penalized minimizer is far outside.
    res = PenaltyMethod(max_divergence=1e-3, beta=1e-3, max_outer=1).minimize(f, D)
    assert res.status is Status.INFEASIBLE and np.array_equal(res.x, x0)
    assert res.info["beta"] == 2e-3
    loose = PenaltyMethod(max_divergence=1e-3, beta=1e-3, max_outer=1, require_feasible=False).minimize(f, D)
    assert loose.status is Status.INFEASIBLE
    np.testing.assert_allclose(loose.x, -np.ones(2) / 1e-3, rtol=1e-6)  # argmin of 1ᵀx + β/2‖x‖²


def test_penalty_method_with_minibatch_adam_inner_solver():
    rng = np.random.default_rng(0)
    n_data, n = 64, 3
    targets = rng.standard_normal((n_data, n))
    x0 = np.zeros(n)
    D = Divergence.from_matrix(np.eye(n), x0)

    def loss(x, idx):
        return anp.mean(anp.sum((x - targets[idx]) ** 2, axis=1))

    f = Objective(lambda x: loss(x, np.arange(n_data)))

    def penalized(beta):
        return MeanObjective(lambda x, idx: loss(x, idx) + beta * 0.5 * anp.sum(x**2), n_data)

    inner = Adam(learning_rate=0.05, batch_size=16, maxiter=40, seed=1)
    res = PenaltyMethod(max_divergence=0.05, inner=inner, max_outer=20).minimize(f, D, penalized=penalized)
    assert res.success and D.value(res.x) <= 0.05 and res.fun < f.value(x0)


def test_penalty_method_nan_never_reaches_x():
    x0 = np.zeros(2)
    f = Objective(lambda x: anp.where(anp.sum(x**2) > 0.5, np.nan, anp.sum(x)))
    res = PenaltyMethod(max_divergence=10.0, beta=1e-3).minimize(f, Divergence.from_matrix(np.eye(2), x0))
    assert np.all(np.isfinite(res.x)) and np.isfinite(f.value(res.x))


# --- AdaptiveBound ---------------------------------------------------------

def test_adaptive_bound_applies_the_radius_rule_to_sqrt_2delta():
    f, D, A, g, x0 = linear_problem()
    bound = AdaptiveBound(delta=0.01)
    # Linear f: ratio 1 and the step reaches the bound, so r doubles and δ quadruples.
    res = DivergenceTrustRegion(cg_iters=60).minimize(f, D, max_divergence=bound.delta)
    assert bound.update(res) == pytest.approx(0.04)
    # No step accepted: ρ counts as NaN and r shrinks by ¼, so δ by 16.
    failed = DivergenceTrustRegion().minimize(Objective(lambda x: anp.dot(g, x) + 1e9 * anp.sum((x - x0) ** 2)), D,
                                              max_divergence=bound.delta)
    assert not failed.success
    assert bound.update(failed) == pytest.approx(0.04 / 16)
    # Growth stops at the rule's maximum radius.
    capped = AdaptiveBound(delta=0.4, rule=RadiusRule(max_radius=1.0))
    capped.update(res)
    assert capped.delta == pytest.approx(0.5)
    tiny = AdaptiveBound(delta=1e-25)
    assert tiny.exhausted
