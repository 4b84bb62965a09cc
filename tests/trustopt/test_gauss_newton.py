"""GaussNewton: s·JᵀMJv + μv against the dense matrix, from dense J and from autograd products."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import jacobian
from autograd.differential_operators import make_jvp_reversemode, make_vjp

from trustopt.gauss_newton import GaussNewton


def residual(x):
    return anp.stack([anp.sin(x[0]) * x[1], x[0] ** 2 - x[2], anp.exp(0.3 * x[1]) + x[2] * x[0]])


def test_dense_operator_with_metric_scale_and_damping_matches_the_matrix():
    rng = np.random.default_rng(0)
    J = rng.standard_normal((5, 3))
    A = rng.standard_normal((5, 5))
    M = A @ A.T
    G = GaussNewton.from_jacobian(J, metric=M.__matmul__, scale=0.25, damping=0.1)
    v = rng.standard_normal(3)
    expected = 0.25 * J.T @ M @ J + 0.1 * np.eye(3)
    np.testing.assert_allclose(G(v), expected @ v, rtol=1e-12)
    assert G.curvature(v) == pytest.approx(v @ expected @ v, rel=1e-12)
    np.testing.assert_allclose(G.with_damping(0.0)(v), 0.25 * J.T @ M @ J @ v, rtol=1e-12)


def test_autograd_products_match_the_dense_jacobian():
    x = np.array([0.3, -1.2, 0.7])
    J = jacobian(residual)(x)
    vjp, _ = make_vjp(residual)(x)
    G = GaussNewton(make_jvp_reversemode(residual)(x), vjp, n_out=3)
    for v in np.eye(3):
        np.testing.assert_allclose(G(v), J.T @ J @ v, rtol=1e-12)


def test_matrix_valued_outputs_are_flattened():
    # Outputs shaped (states, parameters), as a policy's distribution parameters are.
    J = np.arange(12.0).reshape(6, 2)
    G = GaussNewton(lambda v: (J @ v).reshape(3, 2), lambda u: J.T @ u, n_out=6)
    np.testing.assert_allclose(G(np.array([1.0, -2.0])), J.T @ J @ np.array([1.0, -2.0]))


def test_invalid_arguments_are_rejected():
    J = np.ones((2, 2))
    with pytest.raises(TypeError, match="jvp"):
        GaussNewton(None, J.T.__matmul__, n_out=2)
    with pytest.raises(ValueError, match="n_out"):
        GaussNewton(J.__matmul__, J.T.__matmul__, n_out=0)
    with pytest.raises(ValueError, match="scale"):
        GaussNewton.from_jacobian(J, scale=-1.0)
    with pytest.raises(ValueError, match="damping"):
        GaussNewton.from_jacobian(J, damping=float("nan"))
    with pytest.raises(ValueError, match="n_out says"):
        GaussNewton(J.__matmul__, J.T.__matmul__, n_out=3)(np.ones(2))
