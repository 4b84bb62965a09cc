import numpy as np
import pytest
import scipy.sparse
import scipy.sparse.linalg
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trustopt import CGStatus, conjugate_gradient


def spd(n, seed, cond=100.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eig = np.logspace(0, np.log10(cond), n)
    return (Q * eig) @ Q.T, rng.standard_normal(n)


def model(A, b, x):
    return 0.5 * x @ A @ x - b @ x


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), seed=st.integers(0, 2**31), log_cond=st.floats(0, 6))
def test_agrees_with_dense_solve_on_random_spd(n, seed, log_cond):
    A, b = spd(n, seed, 10**log_cond)
    res = conjugate_gradient(A, b, rtol=1e-12)
    assert res.status is CGStatus.CONVERGED
    x_star = np.linalg.solve(A, b)
    assert np.linalg.norm(res.x - x_star) <= 1e-7 * 10**log_cond * np.linalg.norm(x_star) + 1e-12
    assert res.model_value == pytest.approx(model(A, b, res.x), rel=1e-9, abs=1e-12)
    assert res.residual_norms[-1] <= 1e-12 * np.linalg.norm(b) * 1.0000001


@pytest.mark.parametrize("kind", ["array", "sparse", "linear_operator", "callable"])
def test_operator_kinds_give_the_same_answer(kind):
    A, b = spd(12, 1)
    op = {
        "array": A,
        "sparse": scipy.sparse.csr_matrix(A),
        "linear_operator": scipy.sparse.linalg.aslinearoperator(A),
        "callable": lambda v: A @ v,
    }[kind]
    res = conjugate_gradient(op, b, rtol=1e-12)
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-8)


def test_damping_solves_shifted_system():
    A, b = spd(10, 2)
    res = conjugate_gradient(A, b, damping=0.7, rtol=1e-12)
    np.testing.assert_allclose(res.x, np.linalg.solve(A + 0.7 * np.eye(10), b), rtol=1e-9)


def test_preconditioner_reduces_iterations_and_keeps_answer():
    rng = np.random.default_rng(3)
    d = np.logspace(0, 5, 200)
    A = np.diag(d) + 0.01 * np.ones((200, 200))
    b = rng.standard_normal(200)
    plain = conjugate_gradient(A, b, rtol=1e-10)
    jacobi = conjugate_gradient(A, b, rtol=1e-10, preconditioner=lambda r: r / np.diag(A))
    np.testing.assert_allclose(jacobi.x, np.linalg.solve(A, b), rtol=1e-6)
    assert jacobi.nit < plain.nit / 3


def test_x0_warm_start_and_maxiter_status():
    A, b = spd(20, 4, cond=1e4)
    res = conjugate_gradient(A, b, maxiter=3)
    assert res.status is CGStatus.MAXITER and res.nit == 3
    warm = conjugate_gradient(A, b, x0=res.x, rtol=1e-12)
    np.testing.assert_allclose(warm.x, np.linalg.solve(A, b), rtol=1e-6)
    assert warm.model_value == pytest.approx(model(A, b, warm.x), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 20), seed=st.integers(0, 2**31), radius=st.floats(1e-3, 10.0))
# Found by hypothesis: 16 iterations in, a norm tracked by scalar recurrences had drifted by 2e-7.
@example(n=19, seed=858626, radius=2.0)
def test_steihaug_stays_inside_and_stops_exactly_on_boundary(n, seed, radius):
    A, b = spd(n, seed, cond=1e3)
    res = conjugate_gradient(A, b, radius=radius, rtol=1e-12)
    norm = np.linalg.norm(res.x)
    if res.status is CGStatus.BOUNDARY:
        assert res.on_boundary
        assert norm == pytest.approx(radius, rel=1e-10)
    else:
        assert res.status is CGStatus.CONVERGED
        assert norm <= radius * (1 + 1e-12)
    assert res.model_value == pytest.approx(model(A, b, res.x), rel=1e-8, abs=1e-14)
    # The truncated step is never worse than the Cauchy point.
    g = -b
    t = min(radius / np.linalg.norm(g), (g @ g) / (g @ A @ g))
    assert res.model_value <= model(A, b, -t * g) + 1e-12 * abs(model(A, b, -t * g))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 15), seed=st.integers(0, 2**31), radius=st.floats(1e-2, 10.0))
def test_steihaug_reports_negative_curvature_on_indefinite_matrices(n, seed, radius):
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((n, n))
    A = M + M.T - (np.abs(np.linalg.eigvalsh(M + M.T)).max() + 1) * np.diag(rng.random(n) < 0.5)
    b = rng.standard_normal(n)
    if np.linalg.eigvalsh(A).min() >= 0:
        return
    res = conjugate_gradient(A, b, radius=radius, rtol=1e-12, maxiter=10 * n)
    if res.status is CGStatus.NEGATIVE_CURVATURE:
        assert res.direction is not None
        d = res.direction
        assert d @ A @ d <= 1e-10 * (d @ d) * np.abs(A).max()
        assert np.linalg.norm(res.x) == pytest.approx(radius, rel=1e-10)
    else:
        assert res.status is CGStatus.BOUNDARY
    assert res.model_value == pytest.approx(model(A, b, res.x), rel=1e-8, abs=1e-12)


def test_negative_curvature_without_radius_returns_direction():
    A = np.diag([1.0, -1.0])
    res = conjugate_gradient(A, np.array([1.0, 1.0]))
    assert res.status is CGStatus.NEGATIVE_CURVATURE
    assert res.direction @ A @ res.direction <= 0


def test_preconditioned_steihaug_measures_radius_in_preconditioner_norm():
    A, b = spd(15, 5, cond=1e3)
    P = np.diag(np.linspace(1.0, 50.0, 15))
    res = conjugate_gradient(A, b, radius=0.05, preconditioner=np.linalg.inv(P))
    assert res.status is CGStatus.BOUNDARY
    assert np.sqrt(res.x @ P @ res.x) == pytest.approx(0.05, rel=1e-10)
    assert res.model_value == pytest.approx(model(A, b, res.x), rel=1e-9)


def test_nonfinite_operator_is_a_status():
    res = conjugate_gradient(lambda v: v * np.nan, np.ones(3))
    assert res.status is CGStatus.NONFINITE
    assert np.all(np.isfinite(res.x))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"damping": -1.0}, "damping"),
        ({"radius": -1.0}, "radius"),
        ({"radius": 1.0, "x0": np.zeros(2)}, "x0"),
        ({"maxiter": -1}, "maxiter"),
    ],
)
def test_bad_arguments_raise_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        conjugate_gradient(np.eye(2), np.ones(2), **kwargs)


def test_shape_mismatch_names_A():
    with pytest.raises(ValueError, match="A must have shape"):
        conjugate_gradient(np.eye(3), np.ones(2))
