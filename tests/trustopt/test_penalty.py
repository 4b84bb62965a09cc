import math

import autograd.numpy as anp
import numpy as np
import pytest

from trustopt.divergence import Divergence
from trustopt.divergence_problem import DivergenceProblem, PenaltyStep
from trustopt.first_order import Adam, MeanObjective
from trustopt.objective import Objective
from trustopt.penalty import PenaltyMethod, adapt_penalty
from trustopt.result import Status


def test_adapt_penalty_is_ppos_rule():
    assert adapt_penalty(1.0, 0.016, 0.01) == 2.0
    assert adapt_penalty(1.0, 0.006, 0.01) == 0.5
    assert adapt_penalty(1.0, 0.01, 0.01) == 1.0
    assert adapt_penalty(1.0, 0.015, 0.01) == 1.0


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("beta", [1e-3, 1.0, 1e3])
def test_penalty_method_ends_feasible_in_the_band(cases, seed, beta):
    rng = np.random.default_rng(seed)
    n, delta = 5, 0.05
    b, x0 = rng.standard_normal(n), rng.standard_normal(n)
    f = Objective(lambda x: anp.dot(b, x) + 0.1 * anp.sum(x**4))
    D = cases.exp_divergence(x0)
    res = PenaltyMethod(max_divergence=delta, beta=beta, max_outer=30).minimize(DivergenceProblem(f, D))
    d = D.value(res.x)
    assert res.status is Status.STEP_ACCEPTED
    assert delta / 1.5**2 <= d <= delta
    assert res.fun == pytest.approx(f.value(res.x)) and res.fun < f.value(x0)
    r = res.report
    assert isinstance(r, PenaltyStep) and r.feasible and r.divergence == pytest.approx(d) and r.fun == res.fun
    assert r.outer_iterations == res.nit == len(res.history) and r.inner_iterations == sum(res.history["inner_nit"])
    # In the band the rule keeps β: the β handed back is the one that solved.
    assert r.next_beta == r.beta == adapt_penalty(r.beta, d, delta / 1.5)


def test_penalty_method_without_a_feasible_iterate():
    x0 = np.zeros(2)
    f = Objective(lambda x: anp.dot(np.array([1.0, 1.0]), x))
    D = Divergence.from_matrix(np.eye(2), x0)
    # One outer iteration with a tiny β: the penalized minimizer is far outside.
    res = PenaltyMethod(max_divergence=1e-3, beta=1e-3, max_outer=1).minimize(DivergenceProblem(f, D))
    assert res.status is Status.INFEASIBLE and np.array_equal(res.x, x0)
    r = res.report
    # x₀ itself is feasible (D = 0): ``feasible`` describes the returned point, the status the search.
    assert (r.beta, r.next_beta, r.outer_iterations, r.feasible, r.divergence, r.fun) == (1e-3, 2e-3, 1, True, 0.0, 0.0)
    assert r.inner_status.success and r.inner_iterations >= 1
    loose = PenaltyMethod(max_divergence=1e-3, beta=1e-3, max_outer=1, require_feasible=False)
    res = loose.minimize(DivergenceProblem(f, D))
    assert res.status is Status.INFEASIBLE
    np.testing.assert_allclose(res.x, -np.ones(2) / 1e-3, rtol=1e-6)  # argmin of 1ᵀx + β/2‖x‖²
    assert res.report.divergence == pytest.approx(D.value(res.x)) and not res.report.feasible


@pytest.mark.parametrize("beta", [1.0, 1e9])
def test_penalty_method_reaches_the_band_when_beta_must_exceed_1e4(cases, beta):
    # f = gᵀx, D = ½xᵀAx (cond 10⁴): D(x_β) = gᵀA⁻¹g / (2β²), so the band needs
    # β ≈ sqrt(gᵀA⁻¹g·1.5 / (2δ)) ≈ 2·10⁵ here; ten doublings of β = 1 reach only 1024
    # (and ten halvings of 10⁹ only 10⁶).
    rng = np.random.default_rng(3)
    n, delta = 8, 1e-8
    A, g, x0 = cases.spd(n, rng, cond=1e4), 10 * rng.standard_normal(n), np.zeros(n)
    needed = math.sqrt(g @ np.linalg.solve(A, g) * 1.5 / (2 * delta))
    assert needed > 1e5
    D = Divergence.from_matrix(A, x0)
    res = PenaltyMethod(max_divergence=delta, beta=beta).minimize(DivergenceProblem(Objective(lambda x: anp.dot(g, x)), D))
    assert res.status is Status.STEP_ACCEPTED
    assert delta / 1.5**2 <= D.value(res.x) <= delta and res.report.feasible
    assert res.report.beta == pytest.approx(needed, rel=0.25)
    if beta == 1.0:
        # D ∝ 1/β² exactly here, so the estimate from the first solve lands on the band's centre δ/1.5.
        # (From β = 10⁹ the first inner solution, ~10⁻⁹ from x₀, is only as accurate as L-BFGS's
        # absolute gtol, so there the estimate takes a few more solves.)
        # The claim is about β; D(x) is only as exact as the inner solve at β ≈ 2·10⁵ (x ~ 10⁻⁴, held
        # by L-BFGS's absolute gtol): 0.2% off on one machine (BLAS rounding), hence 1% on D.
        assert res.report.outer_iterations == 2 and res.report.beta == pytest.approx(needed, rel=1e-3)
        assert D.value(res.x) == pytest.approx(delta / 1.5, rel=1e-2)
        # The inner solution is the penalized minimizer −A⁻¹g/β, to the inner solve's accuracy
        # (in norm: its small components carry the absolute gtol's error; 0.13% measured).
        exact = -np.linalg.solve(A, g) / res.report.beta
        assert np.linalg.norm(res.x - exact) <= 1e-2 * np.linalg.norm(exact)


def toy_ppo(n_data=64, n=3, seed=0):
    """f = mean ½‖x − tᵢ‖², D = ½‖x − x₀‖²: L + β·KL as a minibatch MeanObjective."""
    targets = np.random.default_rng(seed).standard_normal((n_data, n))
    x0 = np.zeros(n)

    def loss(x, idx):
        return anp.mean(0.5 * anp.sum((x - targets[idx]) ** 2, axis=1))

    def penalized(beta):
        return MeanObjective(lambda x, idx: loss(x, idx) + beta * 0.5 * anp.sum(x**2), n_data)

    f = Objective(lambda x: loss(x, np.arange(n_data)))
    return DivergenceProblem(f, Divergence.from_matrix(np.eye(n), x0), penalized=penalized), targets


def test_penalty_method_with_minibatch_adam_inner_solver():
    problem, _ = toy_ppo()
    inner = Adam(learning_rate=0.05, batch_size=16, maxiter=40, seed=1)
    res = PenaltyMethod(max_divergence=0.05, inner=inner, max_outer=20).minimize(problem)
    assert res.success and problem.divergence.value(res.x) <= 0.05 and res.fun < problem.objective.value(problem.anchor)
    # Inner iterations of a first-order solver are epochs: 40 per outer iteration.
    assert res.report.inner_iterations == 40 * res.report.outer_iterations


def test_ppo_adaptive_kl_is_one_outer_iteration_per_call():
    # Schulman et al. 2017 §4: d < d_targ/1.5 → β/2, d > 1.5·d_targ → β·2, else β.
    problem, _ = toy_ppo()
    inner = Adam(learning_rate=0.05, batch_size=16, maxiter=10, seed=1)

    def ppo(d_targ, beta):
        solver = PenaltyMethod(max_divergence=1.5 * d_targ, max_outer=1, require_feasible=False, inner=inner)
        return solver.minimize(problem, beta=beta)

    beta = 0.5
    d = ppo(1.0, beta).report.divergence  # the update does not depend on d_targ
    assert d > 0
    for d_targ, expected in [(d / 2, 2 * beta), (2 * d, beta / 2), (d, beta), (d / 1.4, beta), (d * 1.4, beta)]:
        res = ppo(d_targ, beta)
        r = res.report
        assert r.outer_iterations == 1 and r.beta == beta and r.divergence == d
        assert r.next_beta == expected, (d_targ, r)
        # The update is kept even when it overshoots the target.
        assert problem.divergence.value(res.x) == d and not np.array_equal(res.x, problem.anchor)
    # β is the caller's state: the next call solves with report.next_beta.
    first = ppo(d / 2, beta)
    second = ppo(d / 2, first.report.next_beta)
    assert second.report.beta == 2 * beta and second.report.divergence < d


def test_penalty_method_nan_never_reaches_x():
    x0 = np.zeros(2)
    f = Objective(lambda x: anp.where(anp.sum(x**2) > 0.5, np.nan, anp.sum(x)))
    p = DivergenceProblem(f, Divergence.from_matrix(np.eye(2), x0))
    res = PenaltyMethod(max_divergence=10.0, beta=1e-3).minimize(p)
    assert np.all(np.isfinite(res.x)) and np.isfinite(f.value(res.x))
    # The inner solver stops at its last finite point; that point is what comes back.
    assert not res.report.inner_status.success
    assert res.report.fun == f.value(res.x) and res.report.divergence == pytest.approx(0.5 * res.x @ res.x)


def test_penalty_method_nonfinite_at_an_inner_solution_returns_x0():
    x0 = np.zeros(2)
    f = Objective(lambda x: anp.sum(x))
    # D is finite for the inner solver's own objective but not when checked jointly.
    p = DivergenceProblem(f, Divergence.from_matrix(np.eye(2), x0), fun_and_divergence=lambda x: (float(np.sum(x)), np.nan))
    res = PenaltyMethod().minimize(p)
    assert res.status is Status.NONFINITE and res.x.tobytes() == x0.tobytes()
    assert res.report.fun == 0.0 and res.report.divergence == 0.0 and res.report.outer_iterations == 1


def test_callback_stops_the_outer_loop():
    x0 = np.zeros(2)
    f = Objective(lambda x: anp.dot(np.array([1.0, 1.0]), x))
    seen = []
    solver = PenaltyMethod(max_divergence=1e-3, beta=1e-6, callback=lambda r: seen.append(r.report) or True)
    res = solver.minimize(DivergenceProblem(f, Divergence.from_matrix(np.eye(2), x0)))
    assert res.status is Status.CALLBACK and len(seen) == 1 and seen[0].outer_iterations == 1


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: PenaltyMethod(beta=0.0), "beta"),
        (lambda: PenaltyMethod(max_outer=0), "max_outer"),
        (lambda: PenaltyMethod(factor=1.0), "factor"),
        (lambda: PenaltyMethod(tolerance=1.0), "tolerance"),
        (lambda: PenaltyMethod(inner=object()), "inner"),
        (lambda: PenaltyMethod(max_divergence=-1.0), "max_divergence"),
    ],
)
def test_invalid_parameters_fail_at_construction(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_per_call_beta_is_checked():
    x0 = np.zeros(2)
    p = DivergenceProblem(Objective(lambda x: anp.sum(x)), Divergence.from_matrix(np.eye(2), x0))
    with pytest.raises(ValueError, match="beta"):
        PenaltyMethod().minimize(p, beta=-1.0)


def test_beta_leaving_the_float_range_ends_the_run():
    # f is constant: every inner solution stays at x₀ (D = 0, below any band), so β only shrinks.
    x0 = np.zeros(2)
    p = DivergenceProblem(Objective(lambda x: 0.0 * anp.sum(x) + 1.0), Divergence.from_matrix(np.eye(2), x0))
    res = PenaltyMethod(max_outer=500).minimize(p)
    assert "floating-point range" in res.message and res.report.outer_iterations < 500
    assert res.status is Status.STEP_ACCEPTED and res.x.tobytes() == x0.tobytes() and res.report.feasible
