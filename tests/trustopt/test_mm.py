import autograd.numpy as anp
import numpy as np
import pytest

from trustopt.lbfgs import LBFGS
from trustopt.mm import MM, QuadraticUpperBound
from trustopt.objective import Objective
from trustopt.result import Status

LAM = 1e-3


def logistic(seed=0, n_data=400, d=6):
    rng = np.random.default_rng(seed)
    A = np.column_stack([np.ones(n_data), rng.standard_normal((n_data, d - 1))])
    y = (rng.random(n_data) < 1 / (1 + np.exp(-A @ (2 * rng.standard_normal(d) / np.sqrt(d))))).astype(float)

    def nll(w):
        z = anp.dot(A, w)
        return anp.mean(anp.logaddexp(0.0, z) - y * z) + 0.5 * LAM * anp.dot(w, w)

    bohning = A.T @ A / (4 * n_data) + LAM * np.eye(d)
    return nll, bohning, d


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bohning_mm_decreases_nll_every_iteration_and_reaches_the_lbfgs_optimum(seed):
    nll, B, d = logistic(seed)
    f = Objective(nll)
    res = MM(gtol=1e-8).minimize(f, QuadraticUpperBound(B), np.zeros(d))
    assert res.status is Status.GTOL and res.grad_norm <= 1e-8
    fun = res.history["fun"]
    assert np.all(np.diff(fun) <= 0) and fun[-1] < fun[0]
    # Majorization: the true f never exceeds the surrogate's value at the new point.
    assert np.all(fun[1:] <= res.history["surrogate_fun"][1:] + 1e-15)
    ref = LBFGS(gtol=1e-11, ftol=0.0).minimize(Objective(nll), np.zeros(d))
    np.testing.assert_allclose(res.x, ref.x, atol=1e-6)
    assert res.fun == pytest.approx(ref.fun, abs=1e-12)
    # One evaluation of f (with its gradient) per iteration: the surrogates never touch f.
    assert res.nfev == res.njev == res.nit + 1
    assert res.info["inner_nfev"] > 0


def test_quadratic_upper_bound_touches_and_majorizes():
    nll, B, d = logistic()
    f = Objective(nll)
    rng = np.random.default_rng(4)
    xk = rng.standard_normal(d)
    fk, gk = f.value_and_grad(xk)
    g = QuadraticUpperBound(B)(xk, fk, gk)
    assert g.value(xk) == fk
    np.testing.assert_array_equal(g.grad(xk), gk)
    for _ in range(50):
        x = xk + rng.standard_normal(d) * rng.uniform(0.01, 5)
        assert g.value(x) >= f.value(x)
    np.testing.assert_array_equal(g.hessian(xk), B)


def test_a_surrogate_that_does_not_majorize_is_caught():
    # B far below the Hessian: minimizing the surrogate overshoots and f rises.
    nll, B, d = logistic()
    f = Objective(nll)
    res = MM(maxiter=200).minimize(f, QuadraticUpperBound(B / 100), np.zeros(d))
    assert res.status is Status.NOT_MAJORIZER and not res.success
    fun = res.history["fun"]
    assert np.all(np.diff(fun) <= 0)
    assert res.fun == fun[-1] == pytest.approx(f.value(res.x))


def test_a_plain_function_is_a_surrogate_and_the_proximal_majorizer_works():
    # For an L-smooth f, f(x_k) + ∇f(x_k)ᵀ(x − x_k) + (L/2)‖x − x_k‖² majorizes f:
    # MM then is gradient descent with step 1/L.
    A = np.diag([1.0, 3.0])
    f = Objective(lambda x: 0.5 * anp.dot(x, anp.dot(A, x)))

    def proximal(xk, fk, gk):
        return Objective(lambda x: fk + anp.dot(gk, x - xk) + 1.5 * anp.sum((x - xk) ** 2))

    res = MM(maxiter=3, gtol=0.0).minimize(f, proximal, np.array([1.0, 1.0]))
    np.testing.assert_allclose(res.x, [(2 / 3) ** 3, 0.0], atol=1e-9)


def test_nonfinite_and_callback_and_validation():
    f = Objective(lambda x: anp.where(x[0] < -0.5, np.nan, anp.sum(x**2) + x[0]))
    # The surrogate with a tiny curvature steps straight into the NaN region.
    res = MM().minimize(f, QuadraticUpperBound(0.01 * np.eye(2)), np.array([1.0, 0.0]))
    assert res.status is Status.NONFINITE and np.array_equal(res.x, [1.0, 0.0])
    nll, B, d = logistic()
    res = MM(callback=lambda r: r.nit == 2).minimize(Objective(nll), QuadraticUpperBound(B), np.zeros(d))
    assert res.status is Status.CALLBACK and res.nit == 2
    with pytest.raises(TypeError, match="inner"):
        MM(inner=3)
    with pytest.raises(ValueError, match="gtol"):
        MM(gtol=-1.0)
    with pytest.raises(ValueError, match="n must be given"):
        QuadraticUpperBound(lambda v: v)


@pytest.mark.parametrize(
    "B, match",
    [
        (np.zeros((3, 3)), "positive definite; its smallest eigenvalue is 0"),
        (np.diag([1.0, -2.0, 1.0]), "positive definite; its smallest eigenvalue is -2"),
        (np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), "symmetric"),
        (np.diag([1.0, np.inf, 1.0]), "finite"),
    ],
)
def test_a_dense_bound_that_is_not_symmetric_positive_definite_is_refused(B, match):
    with pytest.raises(ValueError, match=match):
        QuadraticUpperBound(B)


def test_a_bound_symmetric_only_to_rounding_is_accepted():
    # A bound assembled in floating point may differ from its transpose in the last bits.
    nll, B, d = logistic()
    noise = np.random.default_rng(1).standard_normal((d, d)) * 1e-14 * np.max(np.abs(B))
    assert np.any(B + noise != (B + noise).T)
    g = QuadraticUpperBound(B + noise)(np.zeros(d), 0.0, np.ones(d))
    np.testing.assert_array_equal(g.hessian(np.zeros(d)), B + noise)


def test_a_surrogate_that_does_not_move_the_iterate_is_a_failure_not_convergence():
    # A zero bound given as an operator (not checkable up front): the surrogate is linear,
    # unbounded below, and the inner solver returns x_k; the report had FTOL, success.
    f = Objective(lambda x: 0.5 * anp.sum(x**2))
    x0 = np.full(3, 5.0)
    res = MM().minimize(f, QuadraticUpperBound(lambda v: 0.0 * v, n=3), x0)
    assert res.status is Status.NO_STEP_ACCEPTED and not res.success
    assert "did not move the iterate" in res.message and "iteration 1" in res.message
    np.testing.assert_array_equal(res.x, x0)
    assert res.grad_norm == 5.0 and res.fun == 37.5


def test_ftol_stops_only_after_a_real_decrease_and_success_needs_it():
    nll, B, d = logistic()
    res = MM(ftol=1e-3).minimize(Objective(nll), QuadraticUpperBound(B), np.zeros(d))
    assert res.status is Status.FTOL and res.success
    fun = res.history["fun"]
    # The last step decreased f, by no more than ftol relative to |f|.
    assert 0 < fun[-2] - fun[-1] <= 1e-3 * max(abs(fun[-2]), 1.0)
    assert res.grad_norm > 1e-5
