"""BoundedTrustRegion: feasibility, KKT and active set, the Cauchy decrease, agreement with L-BFGS-B."""

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize

from trustopt import BoundedTrustRegion, Box, LBFGSB, Objective, Status, minimize
from trustopt.bounded_trust_region import _cauchy_step, _subspace_steps
from trustopt.problems import get_problem
from trustopt.problems_bounded import bounded_suite, get_bounded


class RecordingObjective(Objective):
    """An Objective that remembers every point f was evaluated at."""

    def __init__(self, fun):
        super().__init__(fun)
        self.points = []

    def value(self, x):
        self.points.append(np.array(x))
        return super().value(x)

    def value_and_grad(self, x):
        self.points.append(np.array(x))
        return super().value_and_grad(x)


@pytest.mark.parametrize("problem", bounded_suite(), ids=lambda p: p.name)
def test_feasible_evaluations_and_at_least_what_lbfgsb_solves(problem):
    objective = RecordingObjective(problem.fun)
    res = BoundedTrustRegion().minimize(objective, problem.x0, problem.bounds)
    box = Box(problem.lower, problem.upper)
    assert all(box.contains(x) for x in objective.points)
    reference = LBFGSB().minimize(Objective(problem.fun), problem.x0, problem.bounds)
    if problem.solved(reference.fun):
        assert problem.solved(res.fun, problem.violation(res.x)), (res, problem.f_star)


@pytest.mark.parametrize("name", ["rosenbrock_bounded", "beale_bounded", "bard_bounded", "wood_bounded",
                                  "trigonometric_n10_bounded", "variably_dimensioned_n10_bounded"])
def test_kkt_and_documented_active_set(name):
    problem = get_bounded(name)
    res = BoundedTrustRegion(gtol=1e-9).minimize(Objective(problem.fun), problem.x0, problem.bounds)
    assert res.status is Status.GTOL
    box = Box(problem.lower, problem.upper)
    assert np.max(np.abs(box.projected_gradient(res.x, res.jac))) <= 1e-9
    assert tuple(np.flatnonzero(res.x == problem.lower)) == problem.active_lower
    assert tuple(np.flatnonzero(res.x == problem.upper)) == problem.active_upper


def test_cauchy_step_gives_the_sufficient_decrease_and_cg_only_improves_it():
    rng = np.random.default_rng(1)
    for _ in range(20):
        Q = rng.standard_normal((6, 6))
        H = Q @ Q.T - 2.0 * np.eye(6)  # often indefinite
        g = rng.standard_normal(6)
        lo, hi = -rng.uniform(0.1, 2.0, 6), rng.uniform(0.1, 2.0, 6)

        def model(s):
            return g @ s + 0.5 * s @ H @ s

        s_c, Hs_c = _cauchy_step(g, lambda v: H @ v, lo, hi, float(np.max(hi - lo)))
        np.testing.assert_allclose(Hs_c, H @ s_c, atol=1e-12)
        assert np.all(s_c >= lo) and np.all(s_c <= hi)
        assert model(s_c) <= 0.01 * (g @ s_c) < 0
        s, Hs, _ = _subspace_steps(g, lambda v: H @ v, lo, hi, s_c, Hs_c, 1e-10, 100)
        assert np.all(s >= lo) and np.all(s <= hi)
        np.testing.assert_allclose(Hs, H @ s, atol=1e-9)
        assert model(s) <= model(s_c) + 1e-12


def test_box_qp_reaches_the_lsq_linear_solution():
    rng = np.random.default_rng(0)
    Q = rng.standard_normal((8, 8))
    A = Q @ Q.T + np.eye(8)
    b = 3.0 * rng.standard_normal(8)
    res = BoundedTrustRegion(gtol=1e-10).minimize(Objective(lambda x: 0.5 * x @ A @ x - b @ x), np.zeros(8),
                                                  [(-1.0, 1.0)] * 8)
    L = np.linalg.cholesky(A)
    reference = scipy.optimize.lsq_linear(L.T, np.linalg.solve(L, b), bounds=(-1.0, 1.0), tol=1e-14)
    np.testing.assert_allclose(res.x, reference.x, atol=1e-8)


def test_without_bounds_it_converges_like_newton():
    problem = get_problem("rosenbrock")
    res = BoundedTrustRegion(gtol=1e-10).minimize(Objective(problem.fun), problem.x0)
    assert res.status is Status.GTOL and problem.solved(res.fun)
    grad_norms = res.history["projected_grad_norm"]
    # Quadratic convergence at the end: the last accepted steps square the gradient norm (roughly).
    tail = grad_norms[np.isfinite(grad_norms)][-3:]
    assert tail[-1] <= 10.0 * tail[-2] ** 1.5


def test_x0_note_nan_and_callback():
    f = lambda x: anp.sum((x - 0.5) ** 2)  # noqa: E731
    res = BoundedTrustRegion().minimize(Objective(f), np.array([3.0, -3.0]), [(0.0, 1.0)] * 2)
    assert res.info["x0_projected"] and "projected" in res.message
    np.testing.assert_allclose(res.x, [0.5, 0.5])

    def nan_beyond(x):
        return anp.where(x[0] < 1.0, anp.nan, 0.0) + anp.sum((x - 0.5) ** 2)

    bad = BoundedTrustRegion().minimize(Objective(nan_beyond), np.ones(2), [(0.0, 2.0)] * 2)
    assert not bad.success and np.all(np.isfinite(bad.x)) and bad.x[0] >= 1.0
    at_x0 = BoundedTrustRegion().minimize(Objective(lambda x: anp.sum(x) * anp.nan), np.ones(2))
    assert at_x0.status is Status.NONFINITE

    stopped = BoundedTrustRegion(callback=lambda r: r.nit == 2).minimize(
        Objective(get_problem("rosenbrock").fun), get_problem("rosenbrock").x0, [(-2.0, 0.5), (None, None)])
    assert stopped.status is Status.CALLBACK and stopped.nit == 2


def test_registered_for_minimize_with_bounds():
    res = minimize(lambda x: anp.sum((x - 2.0) ** 2), np.zeros(2), method="trust-bounded",
                   bounds=[(None, 1.0), (0.0, None)])
    np.testing.assert_allclose(res.x, [1.0, 2.0])
    with pytest.raises(ValueError, match="initial_radius"):
        BoundedTrustRegion(initial_radius=0.0)
