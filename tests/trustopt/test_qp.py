"""The Goldfarb–Idnani QP: its answer satisfies the KKT conditions and agrees with scipy."""

import numpy as np
import pytest
from scipy.optimize import minimize

from trustopt.qp import solve_qp


@pytest.mark.parametrize("seed", range(40))
def test_random_qps_meet_kkt_and_match_slsqp(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 7))
    m_eq, m_in = int(rng.integers(0, n)), int(rng.integers(0, 9))
    M = rng.normal(size=(n, n))
    B = M @ M.T + 0.1 * np.eye(n)
    g = rng.normal(size=n)
    feasible = rng.normal(size=n)
    A_eq, A_in = rng.normal(size=(m_eq, n)), rng.normal(size=(m_in, n))
    b_eq, b_in = A_eq @ feasible, A_in @ feasible - rng.random(m_in)
    res = solve_qp(B, g, A_eq, b_eq, A_in, b_in)
    assert res.feasible
    p, u_eq, u_in = res.p, res.eq_multipliers, res.ineq_multipliers
    np.testing.assert_allclose(B @ p + g, A_eq.T @ u_eq + A_in.T @ u_in, atol=1e-8)
    np.testing.assert_allclose(A_eq @ p, b_eq, atol=1e-8)
    slack = A_in @ p - b_in
    assert np.all(slack >= -1e-8) and np.all(u_in >= 0)
    np.testing.assert_allclose(u_in * slack, 0.0, atol=1e-8)
    cons = [c for c, m in (({"type": "eq", "fun": lambda q: A_eq @ q - b_eq}, m_eq),
                           ({"type": "ineq", "fun": lambda q: A_in @ q - b_in}, m_in)) if m]
    ref = minimize(lambda q: 0.5 * q @ B @ q + g @ q, feasible, jac=lambda q: B @ q + g, method="SLSQP",
                   constraints=cons, options={"ftol": 1e-14, "maxiter": 500})
    assert 0.5 * p @ B @ p + g @ p == pytest.approx(ref.fun, abs=1e-7 * (1 + abs(ref.fun)))


def test_inconsistent_constraints_are_reported_infeasible():
    # x ≥ 1 and −x ≥ 0 cannot both hold.
    res = solve_qp(np.eye(2), np.zeros(2), np.zeros((0, 2)), np.zeros(0),
                   np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([1.0, 0.0]))
    assert not res.feasible


def test_dependent_consistent_equalities_are_fine():
    A_eq = np.array([[1.0, 1.0], [2.0, 2.0]])
    res = solve_qp(np.eye(2), np.zeros(2), A_eq, np.array([1.0, 2.0]), np.zeros((0, 2)), np.zeros(0))
    assert res.feasible
    np.testing.assert_allclose(res.p, [0.5, 0.5])
