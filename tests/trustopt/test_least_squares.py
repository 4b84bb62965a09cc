"""least_squares: Jacobians vs finite differences, LM's two limits, MGH problems as scipy's lm solves them."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize
from autograd import jacobian

from trustopt import Status
from trustopt.least_squares import LeastSquaresObjective, least_squares, levenberg_marquardt_model
from trustopt.problems import get_problem, mgh_suite
from trustopt.subproblems import Exact

SMALL = [p for p in mgh_suite() if p.residuals is not None and p.n <= 12]


def finite_difference_jacobian(residual, x, h=1e-5):
    r0 = np.asarray(residual(x), float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h * max(1.0, abs(x[i]))
        cols.append((np.asarray(residual(x + e), float) - np.asarray(residual(x - e), float)) / (2 * e[i]))
    return np.column_stack(cols).reshape(r0.size, x.size)


@pytest.mark.parametrize("problem", SMALL, ids=lambda p: p.name)
def test_jacobians_agree_with_central_differences(problem):
    x = np.array(problem.x0) + 0.01
    fd = finite_difference_jacobian(problem.residuals, x)
    dense = LeastSquaresObjective(problem.residuals)
    _, J, r = dense.linearization(x)
    # Central differences err by O(h²) in truncation and by about ε‖r‖/h in rounding.
    rounding = 1e-15 * max(1.0, np.abs(r).max()) / 1e-5
    np.testing.assert_allclose(J, fd, atol=1e-6 * max(1.0, np.abs(fd).max()) + rounding, rtol=1e-5)
    # The matrix-free route (autograd's J·v and vᵀJ) applies the same JᵀJ.
    products = LeastSquaresObjective(problem.residuals, dense=False)
    op = products.linearization(x)[0]
    v = np.random.default_rng(0).standard_normal(problem.n)
    np.testing.assert_allclose(op(v), J.T @ (J @ v), rtol=1e-9, atol=1e-9 * np.abs(J.T @ J).max())
    np.testing.assert_allclose(products.grad(x), J.T @ r, rtol=1e-10, atol=1e-12)


def lm_case():
    rng = np.random.default_rng(1)
    J = rng.standard_normal((7, 4)) * np.array([1.0, 10.0, 0.1, 3.0])
    r = rng.standard_normal(7)
    scale = np.linalg.norm(J, axis=0)
    return J, r, scale


def test_lm_step_is_gauss_newton_as_lambda_goes_to_zero():
    J, r, scale = lm_case()
    gauss_newton = np.linalg.lstsq(J, -r, rcond=None)[0]
    step = Exact().solve(levenberg_marquardt_model(J, r, scale), 1e6)
    assert step.info["lambda"] == 0.0 and not step.on_boundary
    np.testing.assert_allclose(step.step / scale, gauss_newton, rtol=1e-8)


def test_lm_step_is_scaled_gradient_descent_as_lambda_goes_to_infinity():
    J, r, scale = lm_case()
    descent = -(J.T @ r) / scale**2
    step = Exact().solve(levenberg_marquardt_model(J, r, scale), 1e-7)
    p = step.step / scale
    assert step.info["lambda"] > 1e5
    cosine = p @ descent / (np.linalg.norm(p) * np.linalg.norm(descent))
    assert cosine == pytest.approx(1.0, abs=1e-9)
    # Between the limits p solves (JᵀJ + λD²)p = −Jᵀr with the reported λ.
    mid = Exact(k_easy=1e-10).solve(levenberg_marquardt_model(J, r, scale), 0.3)
    lam, pm = mid.info["lambda"], mid.step / scale
    np.testing.assert_allclose((J.T @ J + lam * np.diag(scale**2)) @ pm, -J.T @ r, atol=1e-8 * np.abs(J.T @ r).max())


def scipy_lm(problem):
    jac = jacobian(problem.residuals)
    return scipy.optimize.least_squares(problem.residuals, np.array(problem.x0), jac=jac, method="lm")


@pytest.mark.parametrize("name", ["rosenbrock", "beale", "helical_valley", "bard", "box_3d", "kowalik_osborne",
                                  "osborne1", "watson_n6", "brown_badly_scaled"])
def test_lm_solves_what_scipys_lm_solves(name):
    problem = get_problem(name)
    theirs = scipy_lm(problem)
    ours = least_squares(problem.residuals, problem.x0)
    assert problem.solved(2 * theirs.cost)
    assert ours.success and problem.solved(2 * ours.cost)
    np.testing.assert_allclose(ours.grad, ours.jac.T @ ours.fun)
    assert ours.optimality == pytest.approx(np.max(np.abs(ours.grad)))
    assert ours.cost == pytest.approx(0.5 * float(ours.fun @ ours.fun))


def test_lm_reaches_biggs_exp6s_global_minimum():
    # The problem whose standard start leads trust-exact on ½‖r‖²'s full Hessian to f ≈ 0.2427.
    problem = get_problem("biggs_exp6")
    res = least_squares(problem.residuals, problem.x0)
    assert res.success and 2 * res.cost < 1e-20


@pytest.mark.parametrize("method", ["dogleg", "steihaug"])
def test_driver_methods_solve_rosenbrock_and_cost_falls(method):
    problem = get_problem("rosenbrock")
    res = least_squares(problem.residuals, problem.x0, method=method, gtol=1e-10)
    assert res.success and res.cost < 1e-18
    costs = res.history["fun"]
    assert np.all(np.diff(costs) <= 0)


def test_lm_cost_never_increases_and_counts_are_consistent():
    problem = get_problem("meyer")
    res = least_squares(problem.residuals, problem.x0)
    costs = res.history["cost"]
    assert np.all(np.diff(costs) <= 0)
    assert res.nfev == res.nit + 1 and res.njev <= res.nfev


def test_user_jacobian_is_used():
    def residual(x):
        return anp.array([x[0] - 1.0, 10.0 * (x[1] - x[0] ** 2)])

    def jac(x):
        return np.array([[1.0, 0.0], [-20.0 * x[0], 10.0]])

    res = least_squares(residual, [-1.2, 1.0], jac=jac)
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-8)


def test_nonfinite_trials_shrink_the_radius_and_never_become_the_answer():
    def residual(x):
        # log(x) is NaN for x < 0; the minimizer x = e lies where the first long step overshoots.
        return anp.array([anp.log(x[0]) - 1.0, 0.1 * (x[0] - 3.0)])

    res = least_squares(residual, [0.5])
    assert np.all(np.isfinite(res.x)) and res.x[0] > 0
    assert res.success


def test_max_nfev_and_bad_input():
    problem = get_problem("meyer")
    res = least_squares(problem.residuals, problem.x0, max_nfev=5)
    assert res.status is Status.MAXFEV and res.nfev == 5
    with pytest.raises(ValueError, match="method"):
        least_squares(problem.residuals, problem.x0, method="trf")
    with pytest.raises(ValueError, match="x0"):
        least_squares(problem.residuals, [np.nan, 1.0, 1.0])
    with pytest.raises(ValueError, match="ftol"):
        least_squares(problem.residuals, problem.x0, ftol=-1.0)
