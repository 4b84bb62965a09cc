"""SQP and the augmented Lagrangian on problems whose KKT point is known in closed form."""

import math

import autograd.numpy as anp
import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint

from trustopt import AugmentedLagrangian, ConstrainedReport, Objective, SQP, Status, as_constraints, minimize
from trustopt.minimize import default_method

SOLVERS = {"sqp": SQP, "auglag": AugmentedLagrangian}


@pytest.fixture(params=sorted(SOLVERS))
def solver(request):
    return SOLVERS[request.param]()


def test_active_inequality_on_a_circle(solver):
    # min x + y s.t. x² + y² ≤ 2: x* = (−1, −1), ∇f + λ∇c = 0 gives λ = 1/2; the constraint is active.
    res = solver.minimize(Objective(lambda x: x[0] + x[1]), [0.5, 0.2],
                          constraints=lambda x: x[0] ** 2 + x[1] ** 2 - 2.0)
    assert res.success, res
    np.testing.assert_allclose(res.x, [-1.0, -1.0], atol=1e-6)
    np.testing.assert_allclose(res.report.ineq_multipliers, [0.5], atol=1e-6)
    report = res.report
    assert isinstance(report, ConstrainedReport)
    assert report.active_inequalities.tolist() == [0]
    assert report.constraint_violation <= 1e-6 and report.kkt_residual <= 1e-6


def test_equality_with_an_inactive_inequality(solver):
    # min (x−2)² + (y−1)² s.t. x + y = 1, x − y ≤ 10: x* = (1, 0); (−2, −2) + ν(1, 1) = 0 gives ν = 2, λ = 0.
    res = solver.minimize(Objective(lambda x: (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2), [3.0, 3.0],
                          constraints=[LinearConstraint([[1.0, 1.0]], 1.0, 1.0),
                                       {"type": "ineq", "fun": lambda x: 10.0 - x[0] + x[1]}])
    assert res.success, res
    np.testing.assert_allclose(res.x, [1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(res.report.eq_multipliers, [2.0], atol=1e-6)
    np.testing.assert_allclose(res.report.ineq_multipliers, [0.0], atol=1e-6)
    assert res.report.active_inequalities.tolist() == []


def test_bound_multipliers_and_no_iterate_outside_the_box(solver):
    # min (x−3)² + (y+1)² on 0 ≤ x ≤ 2, y ≥ 0, with x·y ≤ 10 inactive: x* = (2, 0),
    # z_u = −∂f/∂x = 2 on x, z_l = ∂f/∂y = 2 on y.
    seen = []

    def f(x):
        seen.append(np.array(getattr(x, "_value", x), dtype=float))  # autograd passes a box
        return (x[0] - 3.0) ** 2 + (x[1] + 1.0) ** 2

    res = solver.minimize(Objective(f), [0.5, 4.0], bounds=Bounds([0.0, 0.0], [2.0, np.inf]),
                          constraints=lambda x: x[0] * x[1] - 10.0)
    assert res.success, res
    np.testing.assert_allclose(res.x, [2.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(res.report.upper_bound_multipliers, [2.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(res.report.lower_bound_multipliers, [0.0, 2.0], atol=1e-6)
    points = np.array(seen)
    assert np.all(points[:, 0] >= 0.0) and np.all(points[:, 0] <= 2.0) and np.all(points[:, 1] >= 0.0)


def test_x0_outside_the_bounds_is_projected_with_a_note(solver):
    res = solver.minimize(Objective(lambda x: anp.sum(x ** 2)), [5.0, -5.0], bounds=[(1.0, 3.0), (None, None)],
                          constraints=lambda x: -x[1] - 10.0)
    assert res.success and "projected" in res.message
    np.testing.assert_allclose(res.x, [1.0, 0.0], atol=1e-6)


def test_hs071_matches_its_documented_solution(solver):
    # Hock & Schittkowski (1981) problem 71: f* = 17.0140173, both constraints active.
    res = solver.minimize(Objective(lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]), [1.0, 5.0, 5.0, 1.0],
                          bounds=[(1.0, 5.0)] * 4,
                          constraints=[{"type": "ineq", "fun": lambda x: x[0] * x[1] * x[2] * x[3] - 25.0},
                                       {"type": "eq", "fun": lambda x: anp.sum(x ** 2) - 40.0}])
    assert res.success, res
    # The book prints x* to 7 digits; f is flat to second order, so x is checked to 1e-5 and f to 1e-6.
    np.testing.assert_allclose(res.x, [1.0, 4.7429994, 3.8211503, 1.3794082], atol=1e-5)
    assert res.fun == pytest.approx(17.0140173, abs=1e-6)
    assert res.report.active_inequalities.tolist() == [0]


def test_an_infeasible_problem_ends_infeasible_at_the_least_infeasible_point(solver):
    # x₀² + 1 ≤ 0 and x₁² + 2 = 0 cannot hold; every measure of violation is least at x = 0
    # (‖·‖∞ = 2 there).
    res = solver.minimize(Objective(lambda x: (x[0] - 5.0) ** 2 + (x[1] - 1.0) ** 2), [3.0, 1.0],
                          constraints=[lambda x: x[0] ** 2 + 1.0, {"type": "eq", "fun": lambda x: x[1] ** 2 + 2.0}])
    assert res.status is Status.INFEASIBLE and not res.success
    assert res.report.constraint_violation == pytest.approx(2.0, abs=1e-6)
    np.testing.assert_allclose(res.x, [0.0, 0.0], atol=1e-3)


def test_nan_in_f_or_c_is_a_failure_at_a_finite_point(solver):
    # The constrained minimizer (½, ½) lies where f (then c) is NaN.
    f = lambda x: anp.sum(x ** 2) + anp.where(x[0] > 0.9, 0.0, anp.nan)  # noqa: E731
    res = solver.minimize(Objective(f), [1.0, 1.0], constraints={"type": "ineq", "fun": lambda x: x[0] + x[1] - 1.0})
    assert res.status is Status.NONFINITE
    assert np.all(np.isfinite(res.x)) and math.isfinite(res.fun) and res.fun == pytest.approx(float(f(res.x)))
    c = lambda x: anp.where(x[0] > 0.9, 1.0 - x[0] - x[1], anp.nan)  # noqa: E731
    res = solver.minimize(Objective(lambda x: anp.sum(x ** 2)), [1.0, 1.0], constraints=c)
    assert res.status is Status.NONFINITE and np.all(np.isfinite(res.x)) and res.x[0] > 0.9


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_nan_at_x0_returns_x0(solver):
    x0 = np.array([0.3, 0.7])
    res = solver.minimize(Objective(lambda x: anp.sum(x ** 2)), x0, constraints=lambda x: anp.log(x[0] - 1.0))
    assert res.status is Status.NONFINITE
    np.testing.assert_array_equal(res.x, x0)


def test_minimize_default_picks_sqp_for_small_and_auglag_for_large_problems():
    assert default_method(frozenset({"constraints"}), 10) == "sqp"
    assert default_method(frozenset({"constraints", "bounds"}), 5000) == "auglag"
    res = minimize(lambda x: x[0] + x[1], [0.5, 0.2], constraints=lambda x: x[0] ** 2 + x[1] ** 2 - 2.0)
    np.testing.assert_allclose(res.x, [-1.0, -1.0], atol=1e-6)
    with pytest.raises(ValueError, match="cannot handle constraints"):
        minimize(lambda x: x[0], [0.0], method="lbfgs", constraints=lambda x: x[0] - 1.0)


def test_auglag_is_matrix_free():
    # min Σ(xᵢ − ½)² s.t. Σxᵢ = 1, Σxᵢ² ≤ 1 (inactive): x = 1/n, ν = 1 − 2/n; solved without ever
    # forming a constraint Jacobian (only transposed products).
    n = 300
    cons = as_constraints([{"type": "eq", "fun": lambda x: anp.sum(x) - 1.0}, lambda x: anp.sum(x ** 2) - 1.0], n)

    def no_dense_jacobians(x):
        raise AssertionError("the augmented Lagrangian formed a dense Jacobian")

    cons.jacobians = no_dense_jacobians
    res = AugmentedLagrangian().minimize(Objective(lambda x: anp.sum((x - 0.5) ** 2)), np.zeros(n), constraints=cons)
    assert res.success, res
    np.testing.assert_allclose(res.x, np.full(n, 1.0 / n), atol=1e-6)
    np.testing.assert_allclose(res.report.eq_multipliers, [1.0 - 2.0 / n], atol=1e-6)
    np.testing.assert_allclose(res.report.ineq_multipliers, [0.0], atol=1e-6)


def test_invalid_options_fail_at_construction():
    with pytest.raises(ValueError, match="armijo"):
        SQP(armijo=0.7)
    with pytest.raises(ValueError, match="gamma"):
        AugmentedLagrangian(gamma=1.0)


@pytest.mark.parametrize("method", ["sqp", "auglag", None])
def test_the_constrained_report_is_the_results_typed_report(method):
    # min (x−1)² + (y−2)² s.t. x + y ≤ 1 (active): x* = (0, 1), λ = 2. The report, in Result.report only,
    # carries the multipliers, a KKT residual recomputed here from the closed-form gradients, and the
    # constraint counts of the Constraints object the solver was given.
    cons = as_constraints(lambda x: x[0] + x[1] - 1.0, 2)
    res = minimize(lambda x: (x[0] - 1.0) ** 2 + (x[1] - 2.0) ** 2, [2.0, 2.0], method=method, constraints=cons)
    assert res.success, res
    report = res.report
    assert isinstance(report, ConstrainedReport)
    assert "report" not in res.info and "ineq_multipliers" not in res.info
    np.testing.assert_allclose(report.ineq_multipliers, [2.0], atol=1e-5)
    x, lam = res.x, report.ineq_multipliers[0]
    stationarity = np.array([2.0 * (x[0] - 1.0), 2.0 * (x[1] - 2.0)]) + lam * np.ones(2)
    c = x[0] + x[1] - 1.0
    assert report.kkt_residual == pytest.approx(max(np.max(np.abs(stationarity)), abs(lam * c)), abs=1e-12)
    assert report.constraint_violation == pytest.approx(max(c, 0.0), abs=1e-15)
    assert (report.ncev, report.njcev) == (cons.counts()["ncev"], cons.counts()["njcev"]) and report.ncev > 0
    assert report.outer_iterations == res.nit


@pytest.mark.parametrize("maxfev", [1, 300, 2000])
def test_auglag_maxfev_bounds_the_total_evaluations_including_inner_solves(maxfev):
    # hs075 is hard for the augmented Lagrangian (its inner solves once spent ~125k values against a 20k
    # budget). Each inner solve now gets the remaining budget; L-BFGS-B checks it before each iteration,
    # and one iteration runs at most two line searches of max_ls trials, plus one value at its last point.
    from trustopt.compare_constrained import _box, _constraints
    from trustopt.lbfgsb import LBFGSB
    from trustopt.problems_hs import get_hs

    problem = get_hs("hs075")
    objective = Objective(problem.fun)
    res = AugmentedLagrangian(maxfev=maxfev).minimize(objective, np.array(problem.x0), bounds=_box(problem),
                                                      constraints=_constraints(problem))
    assert res.status is Status.MAXFEV and not res.success
    assert objective.nfev == res.nfev <= maxfev + 2 * LBFGSB().max_ls + 1
    # The point returned is what the result says it is, and no outer iterate was less infeasible (none
    # is feasible to ctol here, so "best" is the least infeasible).
    assert res.fun == pytest.approx(float(problem.fun(res.x)), rel=1e-12)
    assert res.report.constraint_violation == pytest.approx(problem.violation(res.x), abs=1e-12)
    seen = [problem.violation(np.array(problem.x0))] + [row["constraint_violation"] for row in res.history]
    assert res.report.constraint_violation == pytest.approx(min(seen), abs=1e-12)
    assert min(seen) > AugmentedLagrangian().ctol


@pytest.mark.parametrize("maxiter", [1, 2, 3, 4])
def test_auglag_maxiter_ends_at_the_best_outer_iterate(maxiter):
    # hs071 from (1, 5, 5, 1): the outer iterates approach the constraints from outside. Cut off
    # early, the run must return the feasible iterate of least f if there is one, else the least
    # infeasible one, and say so, as MAXFEV does.
    fun = lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2]  # noqa: E731
    cons = [{"type": "ineq", "fun": lambda x: x[0] * x[1] * x[2] * x[3] - 25.0},
            {"type": "eq", "fun": lambda x: anp.sum(x ** 2) - 40.0}]
    x0 = np.array([1.0, 5.0, 5.0, 1.0])
    solver = AugmentedLagrangian(maxiter=maxiter)
    res = solver.minimize(Objective(fun), x0, bounds=[(1.0, 5.0)] * 4, constraints=cons)
    assert res.status is Status.MAXITER and not res.success and res.nit == maxiter
    assert "best outer iterate" in res.message
    assert res.fun == pytest.approx(float(fun(res.x)), rel=1e-12)
    viol = max(abs(float(np.sum(x0 ** 2)) - 40.0), max(0.0, 25.0 - float(np.prod(x0))))
    seen = [(viol, float(fun(x0)))] + [(row["constraint_violation"], row["fun"]) for row in res.history]
    assert len(seen) == maxiter + 1
    feasible = [f for v, f in seen if v <= solver.ctol]
    if feasible:
        assert res.report.constraint_violation <= solver.ctol and res.fun == pytest.approx(min(feasible), rel=1e-12)
    else:
        assert res.report.constraint_violation == pytest.approx(min(v for v, _ in seen), rel=1e-9, abs=1e-15)


def test_sqp_first_update_starts_from_the_measured_curvature():
    # B₀ = (sᵀy/sᵀs)·I has the Rayleigh quotient of the first pair along s; with no curvature measured
    # (sᵀy ≤ 0) it stays I. After the damped update from it, the secant equation B s = y holds exactly
    # (sᵀy ≥ 0.2·sᵀB₀s, so no damping).
    from trustopt.sqp import _damped_bfgs, _scaled_identity

    rng = np.random.default_rng(3)
    A = rng.standard_normal((4, 4))
    H = A @ A.T + 4 * np.eye(4)
    s = rng.standard_normal(4)
    y = H @ s
    B0 = _scaled_identity(s, y, 4)
    assert s @ B0 @ s == pytest.approx(s @ y, rel=1e-12)
    np.testing.assert_allclose(B0, B0[0, 0] * np.eye(4))
    np.testing.assert_allclose(_damped_bfgs(B0, s, y) @ s, y, rtol=1e-10)
    np.testing.assert_array_equal(_scaled_identity(s, -y, 4), np.eye(4))


def test_sqp_on_badly_scaled_hs064_costs_about_what_slsqp_does():
    # hs064: ∇f ~ 5·10⁴ at x₀, so the unit first step with B = I overshoots by far; SQP used to spend
    # ~3.4× SLSQP's evaluations here. The cost is measured on the same counters as scipy's SLSQP.
    from trustopt.compare_constrained import run_constrained_one
    from trustopt.problems_hs import get_hs

    ours = run_constrained_one(get_hs("hs064"), "trustopt-sqp")
    slsqp = run_constrained_one(get_hs("hs064"), "scipy-slsqp")
    assert ours.solved and slsqp.solved
    assert ours.cost <= 1.5 * slsqp.cost
