import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize

from trustopt import LBFGS, Objective, Status, minimize
from trustopt.lbfgs import PairMemory
from trustopt.problems import all_problems, chained_rosenbrock

SUITE = [p for p in all_problems() if p.n <= 1000]


@pytest.mark.parametrize("problem", SUITE, ids=lambda p: p.name)
def test_reaches_a_documented_minimum(problem):
    res = LBFGS(gtol=1e-8, ftol=0.0, maxiter=20000, maxfev=40000).minimize(Objective(problem.fun), problem.x0)
    assert np.all(np.isfinite(res.x))
    assert res.fun == pytest.approx(problem.fun(res.x))
    assert problem.solved(res.fun), (res, problem.f_star)


def test_two_loop_equals_explicit_bfgs_inverse_update():
    rng = np.random.default_rng(0)
    n, m = 6, 4
    A = rng.standard_normal((n, n))
    A = A @ A.T + n * np.eye(n)
    mem = PairMemory(m)
    pairs = []
    for _ in range(m):
        s = rng.standard_normal(n)
        y = A @ s
        assert mem.add(s, y)
        pairs.append((s, y))
    s, y = pairs[-1]
    H = (s @ y) / (y @ y) * np.eye(n)
    for s, y in pairs:
        rho = 1 / (s @ y)
        V = np.eye(n) - rho * np.outer(y, s)
        H = V.T @ H @ V + rho * np.outer(s, s)
    g = rng.standard_normal(n)
    np.testing.assert_allclose(mem.inverse_hessian_times(g), H @ g, rtol=1e-10)


def test_curvature_pairs_without_positive_curvature_are_skipped():
    mem = PairMemory(3)
    assert not mem.add(np.array([1.0, 0.0]), np.array([-1.0, 0.0]))
    assert len(mem) == 0


def test_iterates_decrease_monotonically_and_history_is_consistent():
    p = chained_rosenbrock(20)
    res = LBFGS().minimize(Objective(p.fun), p.x0)
    f = res.history["fun"]
    assert np.all(np.diff(f) <= 0)
    assert len(res.history) == res.nit + 1
    assert f[-1] == res.fun


def test_agrees_with_scipy_minimizer():
    p = chained_rosenbrock(30)
    ours = LBFGS(gtol=1e-9, ftol=0).minimize(Objective(p.fun), p.x0)
    obj = Objective(p.fun)
    ref = scipy.optimize.minimize(obj.value_and_grad, p.x0, jac=True, method="L-BFGS-B",
                                  options={"gtol": 1e-9, "ftol": 0, "maxiter": 5000})
    np.testing.assert_allclose(ours.x, ref.x, atol=1e-6)
    assert ours.grad_norm <= 1e-9


def test_nan_objective_gives_failure_and_finite_x():
    def f(x):  # NaN once the iterate walks past x0 = 1
        return anp.where(x[0] < 1.0, anp.nan, 0.0) + anp.sum((x - 0.5) ** 2)

    res = LBFGS().minimize(Objective(f), np.array([3.0, 3.0]))
    # The minimizer (0.5, 0.5) lies in the NaN region: the run must end unsuccessfully
    # at a finite point on the finite side, never at NaN.
    assert not res.success
    assert np.all(np.isfinite(res.x)) and np.isfinite(res.fun)
    assert res.x[0] >= 1.0 and res.fun == pytest.approx(f(res.x))

    always_nan = LBFGS().minimize(Objective(lambda x: anp.sum(x) * anp.nan), np.ones(2))
    assert not always_nan.success and always_nan.status is Status.NONFINITE
    np.testing.assert_array_equal(always_nan.x, np.ones(2))


def test_callback_can_stop_the_run_by_return_or_stopiteration():
    p = chained_rosenbrock(10)
    seen = []

    def stop_after_three(r):
        seen.append((r.nit, r.status))
        return r.nit >= 3

    res = LBFGS(callback=stop_after_three).minimize(Objective(p.fun), p.x0)
    assert res.status is Status.CALLBACK and res.nit == 3 and not res.success
    assert seen[0] == (1, Status.IN_PROGRESS)

    def raiser(r):
        if r.nit == 2:
            raise StopIteration

    assert LBFGS(callback=raiser).minimize(Objective(p.fun), p.x0).nit == 2


def test_identical_inputs_give_identical_results():
    p = chained_rosenbrock(40)
    a = LBFGS().minimize(Objective(p.fun), p.x0)
    b = LBFGS().minimize(Objective(p.fun), p.x0)
    np.testing.assert_array_equal(a.x, b.x)
    assert (a.nit, a.nfev, a.fun) == (b.nit, b.nfev, b.fun)


def test_limits_are_statuses():
    p = chained_rosenbrock(10)
    assert LBFGS(maxiter=2).minimize(Objective(p.fun), p.x0).status is Status.MAXITER
    r = LBFGS(maxfev=5).minimize(Objective(p.fun), p.x0)
    assert r.status is Status.MAXFEV and r.nfev >= 5


def test_minimize_front_door_and_errors():
    p = chained_rosenbrock(4)
    res = minimize(p.fun, p.x0, method="L-BFGS", tol=1e-9)
    assert res.success and res.grad_norm <= 1e-9 or res.status is Status.FTOL
    with pytest.raises(ValueError, match="unknown method"):
        minimize(p.fun, p.x0, method="nelder-mead-ish")
    with pytest.raises(ValueError, match="memroy"):
        minimize(p.fun, p.x0, memroy=5)
    with pytest.raises(ValueError, match="x0"):
        minimize(p.fun, [[1.0, 2.0]])


@pytest.mark.parametrize("kwargs", [{"memory": 0}, {"gtol": -1}, {"c1": 0.95}, {"maxfev": 0}])
def test_bad_parameters_fail_at_construction(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        LBFGS(**kwargs)
