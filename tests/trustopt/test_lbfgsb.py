"""L-BFGS-B: feasibility of every evaluation, KKT at the solution, agreement with scipy and with L-BFGS."""

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize

from trustopt import LBFGS, LBFGSB, Box, Objective, Status, minimize
from trustopt.problems import get_problem
from trustopt.problems_bounded import bounded_suite, get_bounded

SUITE = bounded_suite()


class RecordingObjective(Objective):
    """An Objective that remembers every point it was evaluated at."""

    def __init__(self, fun):
        super().__init__(fun)
        self.points = []

    def value_and_grad(self, x):
        self.points.append(np.array(x))
        return super().value_and_grad(x)


def scipy_lbfgsb(problem):
    objective = Objective(problem.fun)
    return scipy.optimize.minimize(objective.value_and_grad, np.clip(problem.x0, problem.lower, problem.upper),
                                   jac=True, method="L-BFGS-B", bounds=problem.bounds)


@pytest.mark.parametrize("problem", SUITE, ids=lambda p: p.name)
def test_never_evaluates_outside_the_box_and_solves_what_scipy_solves(problem):
    objective = RecordingObjective(problem.fun)
    res = LBFGSB().minimize(objective, problem.x0, problem.bounds)
    box = Box(problem.lower, problem.upper)
    assert all(box.contains(x) for x in objective.points)
    assert res.fun == problem.fun(res.x)
    reference = scipy_lbfgsb(problem)
    if problem.solved(reference.fun):
        assert problem.solved(res.fun, problem.violation(res.x)), (res, reference.fun, problem.f_star)


# Nondegenerate, well-conditioned problems, where the default tolerances determine the active set.
KKT_CASES = ["rosenbrock_bounded", "beale_bounded", "helical_valley_bounded", "box_3d_bounded", "wood_bounded",
             "bard_bounded", "trigonometric_n10_bounded", "variably_dimensioned_n10_bounded"]


@pytest.mark.parametrize("name", KKT_CASES)
def test_kkt_and_documented_active_set_at_the_solution(name):
    problem = get_bounded(name)
    res = LBFGSB(gtol=1e-7, ftol=0.0).minimize(Objective(problem.fun), problem.x0, problem.bounds)
    assert res.status is Status.GTOL
    box = Box(problem.lower, problem.upper)
    assert np.max(np.abs(box.projected_gradient(res.x, res.jac))) <= 1e-7
    tol = 1e-8 * np.maximum(1.0, np.abs(res.x))
    assert tuple(np.flatnonzero(res.x - problem.lower <= tol)) == problem.active_lower
    assert tuple(np.flatnonzero(problem.upper - res.x <= tol)) == problem.active_upper
    # Strict complementarity: the multiplier of each active bound has the right sign and is not zero.
    assert np.all(res.jac[list(problem.active_lower)] > 1e-6)
    assert np.all(res.jac[list(problem.active_upper)] < -1e-6)


def test_box_constrained_quadratic_matches_its_kkt_point():
    rng = np.random.default_rng(0)
    Q = rng.standard_normal((8, 8))
    A = Q @ Q.T + np.eye(8)
    b = 3.0 * rng.standard_normal(8)
    lower, upper = -np.ones(8), np.ones(8)
    res = LBFGSB(gtol=1e-10, ftol=0.0).minimize(Objective(lambda x: 0.5 * x @ A @ x - b @ x), np.zeros(8),
                                                list(zip(lower, upper)))
    reference = scipy.optimize.lsq_linear(np.linalg.cholesky(A).T, np.linalg.solve(np.linalg.cholesky(A), b),
                                          bounds=(lower, upper), tol=1e-14)
    np.testing.assert_allclose(res.x, reference.x, atol=1e-8)
    assert 0 < np.sum((res.x == lower) | (res.x == upper)) < 8  # the case exercises both sets


@pytest.mark.parametrize("name", ["rosenbrock", "wood", "beale", "extended_rosenbrock_n10"])
def test_without_bounds_it_is_lbfgs(name):
    problem = get_problem(name)
    ours = LBFGSB().minimize(Objective(problem.fun), problem.x0)
    plain = LBFGS().minimize(Objective(problem.fun), problem.x0)
    # Compact form and two-loop recursion are the same matrix: the iterates agree until rounding grows.
    k = min(8, len(ours.history), len(plain.history))
    np.testing.assert_allclose(ours.history["fun"][:k], plain.history["fun"][:k], rtol=1e-8)
    assert ours.fun == pytest.approx(plain.fun, rel=1e-6, abs=1e-10)


def test_x0_outside_is_projected_with_a_note():
    res = LBFGSB().minimize(Objective(lambda x: anp.sum((x - 0.5) ** 2)), np.array([5.0, -5.0]),
                            [(0.0, 1.0), (0.0, 1.0)])
    assert res.info["x0_projected"] and "projected" in res.message
    np.testing.assert_allclose(res.x, [0.5, 0.5])
    inside = LBFGSB().minimize(Objective(lambda x: anp.sum((x - 0.5) ** 2)), np.array([0.2, 0.2]),
                               [(0.0, 1.0), (0.0, 1.0)])
    assert not inside.info["x0_projected"] and "projected" not in inside.message


def test_infeasible_bounds_are_an_error_naming_the_index():
    with pytest.raises(ValueError, match=r"lower\[1\]"):
        LBFGSB().minimize(Objective(lambda x: anp.sum(x**2)), np.zeros(2), [(0, 1), (2, 1)])
    with pytest.raises(ValueError, match=r"lower\[0\]"):
        minimize(lambda x: anp.sum(x**2), np.zeros(1), bounds=scipy.optimize.Bounds([1.0], [0.0]))


def test_nan_ends_with_failure_at_the_last_finite_point():
    def f(x):  # NaN beyond x0 = 1 toward the minimizer at 0.5
        return anp.where(x[0] < 1.0, anp.nan, 0.0) + anp.sum((x - 0.5) ** 2)

    res = LBFGSB().minimize(Objective(f), np.ones(2), [(0.0, 2.0), (0.0, 2.0)])
    assert not res.success and np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
    assert res.x[0] >= 1.0
    at_x0 = LBFGSB().minimize(Objective(lambda x: anp.sum(x) * anp.nan), np.ones(2), [(0.0, 2.0)] * 2)
    assert at_x0.status is Status.NONFINITE
    np.testing.assert_array_equal(at_x0.x, np.ones(2))


def test_callback_sees_monotone_feasible_iterates_and_can_stop():
    problem = get_bounded("wood_bounded")
    seen = []

    def callback(intermediate):
        seen.append((intermediate.fun, intermediate.x.copy()))
        return len(seen) == 5

    res = LBFGSB(callback=callback).minimize(Objective(problem.fun), problem.x0, problem.bounds)
    assert res.status is Status.CALLBACK and res.nit == 5
    values = [fun for fun, _ in seen]
    assert all(b <= a for a, b in zip(values, values[1:]))
    assert all(Box(problem.lower, problem.upper).contains(x) for _, x in seen)


def test_minimize_picks_lbfgsb_for_bounds_and_refuses_methods_that_cannot():
    def f(x):
        return anp.sum((x - 2.0) ** 2)

    res = minimize(f, np.zeros(2), bounds=[(None, 1.0), (0.0, None)])
    np.testing.assert_allclose(res.x, [1.0, 2.0])
    assert minimize(f, np.zeros(2), method="L-BFGS-B", bounds=scipy.optimize.Bounds(0.0, 1.5)).x.tolist() == [1.5, 1.5]
    np.testing.assert_allclose(minimize(f, np.zeros(2), bounds=[(None, None)] * 2, method="dogleg").x, [2.0, 2.0])
    with pytest.raises(ValueError, match="cannot handle bounds"):
        minimize(f, np.zeros(2), method="lbfgs", bounds=[(0, 1)] * 2)


def test_invalid_parameters_fail_at_construction():
    with pytest.raises(ValueError, match="memory"):
        LBFGSB(memory=0)
    with pytest.raises(ValueError, match="gtol"):
        LBFGSB(gtol=-1.0)
