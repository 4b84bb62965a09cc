import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustopt import Objective, armijo_backtracking, backtrack, strong_wolfe


def _mt1(x):  # Moré & Thuente (1994), function 1 along the first coordinate
    return -x[0] / (x[0] ** 2 + 2.0) + anp.sum(x[1:] ** 2)


def _mt2(x):  # Moré & Thuente (1994), function 2
    return (x[0] + 0.004) ** 5 - 2 * (x[0] + 0.004) ** 4 + anp.sum(x[1:] ** 2)


BANK = {
    "rosenbrock": (lambda x: anp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2), np.array([-1.2, 1.0, -1.2, 1.0])),
    "quadratic": (lambda x: anp.sum(anp.arange(1, 6) * x**2), np.ones(5)),
    "exp_sum": (lambda x: anp.sum(anp.exp(x)) - anp.sum(x) * 3.0, np.array([2.0, -1.0, 0.5])),
    "quartic": (lambda x: anp.sum(x**4) + 0.1 * anp.sum(x**2), np.array([3.0, -2.0])),
    "more_thuente_1": (_mt1, np.array([0.0, 0.0])),
    "more_thuente_2": (_mt2, np.array([0.0, 0.0])),
    "logsumexp": (lambda x: anp.log(anp.sum(anp.exp(3 * x))) + 0.05 * anp.sum(x**2), np.array([1.0, 2.0, -0.5])),
}


def _direction(obj, x):
    g = obj.grad(x)
    if np.all(g == 0):
        g = np.ones_like(x)
    return -g if np.any(g) else -np.ones_like(x)


@pytest.mark.parametrize("name", sorted(BANK))
@pytest.mark.parametrize("alpha0", [1e-3, 1.0, 10.0])
@pytest.mark.parametrize("c2", [0.1, 0.9])
def test_accepted_steps_satisfy_both_strong_wolfe_conditions(name, alpha0, c2):
    fun, x0 = BANK[name]
    obj = Objective(fun)
    f0, g0 = obj.value_and_grad(x0)
    p = -g0 if np.any(g0) else -np.ones_like(x0)
    if g0 @ p >= 0:  # MT functions start at a stationary-in-rest point; use a descent direction
        p = np.zeros_like(x0)
        p[0] = -np.sign(g0[0]) or 1.0
    c1 = 1e-4
    res = strong_wolfe(obj, x0, p, f0, g0, alpha0=alpha0, c1=c1, c2=c2, maxiter=40)
    assert res.success, res.message
    f, g = obj.value_and_grad(x0 + res.alpha * p)
    assert f == pytest.approx(res.fun)
    np.testing.assert_allclose(g, res.grad)
    assert f <= f0 + c1 * res.alpha * (g0 @ p)
    assert abs(g @ p) <= c2 * abs(g0 @ p)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**31), scale=st.floats(1e-3, 1e3))
def test_strong_wolfe_on_random_convex_quadratics(seed, scale):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((6, 6))
    A = M @ M.T + 0.1 * np.eye(6)
    x0 = rng.standard_normal(6)
    obj = Objective(lambda x: 0.5 * x @ A @ x, grad=lambda x: A @ x)
    f0, g0 = obj.value_and_grad(x0)
    p = -scale * g0
    res = strong_wolfe(obj, x0, p, f0, g0, maxiter=40)
    assert res.success
    f, g = obj.value_and_grad(res.x)
    assert f <= f0 + 1e-4 * res.alpha * (g0 @ p)
    assert abs(g @ p) <= 0.9 * abs(g0 @ p)


def test_nan_region_shrinks_the_step_instead_of_failing():
    # f is NaN for x > 1: a unit step from 0 along +1 lands there.
    obj = Objective(lambda x: anp.where(x[0] > 1.0, anp.nan, (x[0] - 0.8) ** 2))
    x0 = np.array([0.0])
    f0, g0 = obj.value_and_grad(x0)
    res = strong_wolfe(obj, x0, np.array([2.0]), f0, g0)
    assert res.success and np.isfinite(res.fun) and res.x[0] <= 1.0
    arm = armijo_backtracking(obj, x0, np.array([2.0]), f0, g0)
    assert arm.success and np.isfinite(arm.fun) and arm.x[0] <= 1.0


def test_failed_search_returns_start_point_unchanged():
    obj = Objective(lambda x: anp.nan * anp.sum(x) if True else 0.0, grad=lambda x: np.full_like(x, np.nan))
    x0 = np.array([1.0, 2.0])
    g0 = np.array([1.0, 1.0])
    res = strong_wolfe(obj, x0, -g0, 5.0, g0, maxiter=5)
    assert not res.success and res.alpha == 0.0 and res.x is x0 and res.fun == 5.0
    arm = armijo_backtracking(obj, x0, -g0, 5.0, g0, maxiter=5)
    assert not arm.success and arm.x is x0 and arm.fun == 5.0


def test_ascent_direction_is_refused():
    obj = Objective(lambda x: anp.sum(x**2))
    x0 = np.ones(2)
    f0, g0 = obj.value_and_grad(x0)
    assert not strong_wolfe(obj, x0, g0, f0, g0).success
    assert not armijo_backtracking(obj, x0, g0, f0, g0).success


def test_armijo_accepts_first_sufficient_step():
    obj = Objective(lambda x: anp.sum(x**2))
    x0 = np.array([1.0])
    f0, g0 = obj.value_and_grad(x0)
    # Along p = -20: α = 1, ½, ¼, ⅛ overshoot past x = -1; α = 1/16 gives x = -0.25.
    p = -10 * g0
    res = armijo_backtracking(obj, x0, p, f0, g0)
    assert res.success and res.alpha == 1 / 16 and res.n_trials == 5
    assert res.fun <= f0 + 1e-4 * res.alpha * (g0 @ p)
    assert obj.value(x0 + 2 * res.alpha * p) > f0 + 1e-4 * 2 * res.alpha * (g0 @ p)


def test_backtrack_counts_trials_and_reports_last_info():
    seen = []

    def accept(a):
        seen.append(a)
        return a < 0.3, a

    alpha, trials, info = backtrack(accept, alpha0=1.0, shrink=0.5, maxiter=10)
    assert alpha == 0.25 and trials == 3 and seen == [1.0, 0.5, 0.25] and info == 0.25
    alpha, trials, info = backtrack(lambda a: (False, a), maxiter=4)
    assert alpha is None and trials == 4 and info == 0.125


@pytest.mark.parametrize("kwargs", [{"shrink": 1.0}, {"alpha0": 0.0}, {"maxiter": 0}])
def test_backtrack_validates(kwargs):
    with pytest.raises(ValueError):
        backtrack(lambda a: (True, None), **kwargs)


def test_strong_wolfe_validates_constants():
    obj = Objective(lambda x: anp.sum(x**2))
    with pytest.raises(ValueError, match="c1"):
        strong_wolfe(obj, np.ones(1), -np.ones(1), 1.0, np.ones(1), c1=0.5, c2=0.4)


def test_capped_step_is_accepted_only_when_asked_and_growth_has_a_floor():
    # f = −x falls forever: no step meets the curvature condition, so only the cap can end the search.
    obj = Objective(lambda x: -x[0])
    x, p = np.zeros(1), np.ones(1)
    capped = strong_wolfe(obj, x, p, 0.0, -np.ones(1), alpha0=1.0, alpha_max=30.0, accept_at_max=True)
    assert capped.success and capped.alpha == 30.0
    assert not strong_wolfe(obj, x, p, 0.0, -np.ones(1), alpha0=1.0, alpha_max=30.0).success
    # With no cubic minimizer the trials grow by exactly min_growth: 1, 5, 25, then the cap at 30.
    fivefold = strong_wolfe(obj, x, p, 0.0, -np.ones(1), alpha0=1.0, alpha_max=30.0, accept_at_max=True,
                            min_growth=5.0)
    assert fivefold.success and fivefold.n_trials == 4 and capped.n_trials == 6
    with pytest.raises(ValueError, match="min_growth"):
        strong_wolfe(obj, x, p, 0.0, -np.ones(1), min_growth=1.0)


def test_zoom_works_at_tiny_step_scales():
    # p = 10²⁰ puts the minimizer at α = 10⁻²⁰: the bracket is far narrower than 1e-14 in absolute
    # terms from the start, and the zoom must still shrink it rather than give up.
    obj = Objective(lambda x: (x[0] - 1.0) ** 2)
    x, p = np.zeros(1), np.array([1e20])
    res = strong_wolfe(obj, x, p, 1.0, np.array([-2.0]), alpha0=3e-20)
    assert res.success and abs(res.x[0] - 1.0) < 0.5
