"""Constraints: scipy's forms and callables in one canonical c(x) ≤ 0, h(x) = 0, with counted derivatives."""

import autograd.numpy as anp
import numpy as np
import pytest
from scipy.optimize import LinearConstraint, NonlinearConstraint

from trustopt.constraints import as_constraints, kkt_measures

X = np.array([0.5, -0.3, 2.0])


def _fd_jacobian(fun, x, eps=1e-7):
    return np.column_stack([(fun(x + eps * e) - fun(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


def test_every_form_maps_to_the_documented_signs():
    cons = as_constraints(
        [
            lambda x: x[0] ** 2 + x[1] ** 2 - 1.0,                          # c ≤ 0 as written
            {"type": "ineq", "fun": lambda x: x[2] - 1.0},                    # scipy: g ≥ 0, so c = −g
            {"type": "eq", "fun": lambda x, a: x[0] * x[2] - a, "args": (0.25,)},
            NonlinearConstraint(lambda x: anp.array([x[0] * x[1], x[2]]), [-1.0, 3.0], [2.0, 3.0]),
            LinearConstraint([[1.0, 2.0, 0.0]], -np.inf, 4.0),
        ],
        3,
    )
    c, h = cons.values(X)
    a, b = X[0] * X[1], X[2]
    expected_c = [X[0] ** 2 + X[1] ** 2 - 1.0, 1.0 - X[2], -1.0 - a, a - 2.0, X[0] + 2 * X[1] - 4.0]
    np.testing.assert_allclose(c, expected_c)
    np.testing.assert_allclose(h, [X[0] * X[2] - 0.25, b - 3.0])
    assert (cons.m_ineq, cons.m_eq) == (5, 2)


def test_jacobians_match_finite_differences_and_user_jacobians_are_used():
    calls = []

    def user_jac(x):
        calls.append(1)
        return np.array([[2 * x[0], 0.0, 0.0]])

    cons = as_constraints(
        [
            NonlinearConstraint(lambda x: x[0] ** 2, -np.inf, 1.0, jac=user_jac),
            {"type": "ineq", "fun": lambda x: anp.sin(x[1]) * x[2]},
            {"type": "eq", "fun": lambda x: anp.array([x[0] * x[1] * x[2], x[2] ** 3])},
        ],
        3,
    )
    Jc, Jh = cons.jacobians(X)
    np.testing.assert_allclose(Jc, _fd_jacobian(lambda z: cons.__class__(3, cons.pieces).values(z)[0], X), atol=1e-6)
    np.testing.assert_allclose(Jh, _fd_jacobian(lambda z: cons.__class__(3, cons.pieces).values(z)[1], X), atol=1e-6)
    assert calls, "the NonlinearConstraint's own jac was not called"


def test_vjp_is_the_transposed_jacobian_product_and_counts_per_point():
    cons = as_constraints([lambda x: anp.array([x[0] * x[1], anp.exp(x[2])]),
                           {"type": "eq", "fun": lambda x: x[0] - x[1] ** 2}], 3)
    u, v = np.array([0.3, -1.2]), np.array([2.0])
    product = cons.vjp(X, u, v)
    fresh = as_constraints([lambda x: anp.array([x[0] * x[1], anp.exp(x[2])]),
                            {"type": "eq", "fun": lambda x: x[0] - x[1] ** 2}], 3)
    Jc, Jh = fresh.jacobians(X)
    np.testing.assert_allclose(product, Jc.T @ u + Jh.T @ v)
    assert cons.counts() == {"ncev": 1, "njcev": 1}
    cons.values(X.copy())
    assert cons.ncev == 1, "a second ask at the same point must be served from the cache"
    cons.values(X + 1.0)
    assert cons.ncev == 2


def test_bad_constraints_raise_naming_the_item():
    with pytest.raises(ValueError, match=r"constraints\[0\].*'type'"):
        as_constraints([{"type": "ge", "fun": lambda x: x[0]}], 2)
    with pytest.raises(TypeError, match=r"constraints\[1\]"):
        as_constraints([lambda x: x[0], 3.0], 2)
    bad = as_constraints(NonlinearConstraint(lambda x: x[0], 2.0, 1.0), 2)
    with pytest.raises(ValueError, match="lower bound exceeds"):
        bad.values(np.zeros(2))


def test_kkt_measures_split_the_residual_into_bound_multipliers():
    # min x0 + x1 on 0 ≤ x ≤ 1: at x = 0 the gradient (1, 1) is all lower-bound multiplier.
    x = np.zeros(2)
    viol, kkt, z_l, z_u = kkt_measures(np.ones(2), np.zeros(0), np.zeros(0), np.zeros(2), np.zeros(0),
                                       x, np.zeros(2), np.ones(2))
    assert viol == 0.0 and kkt == 0.0
    np.testing.assert_allclose(z_l, [1.0, 1.0])
    np.testing.assert_allclose(z_u, [0.0, 0.0])
    # At the upper bound the same gradient is not cancelled: residual 1.
    _, kkt, _, _ = kkt_measures(np.ones(2), np.zeros(0), np.zeros(0), np.zeros(2), np.zeros(0),
                                np.ones(2), np.zeros(2), np.ones(2))
    assert kkt == 1.0
