import autograd.numpy as anp
import numpy as np
import pytest
import scipy.sparse
import scipy.sparse.linalg
from autograd.scipy.special import logsumexp

from trustopt.divergence import Divergence


def spd(n, seed):
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((n, n))
    return Q @ Q.T + n * np.eye(n)


def softmax_kl(anchor):
    """KL(p_anchor ‖ p_x) for p = softmax(x): its Hessian at the anchor is diag(p) − ppᵀ."""
    lp0 = anchor - logsumexp(anchor)

    def kl(x):
        return anp.sum(anp.exp(lp0) * (lp0 - (x - logsumexp(x))))

    return kl


def test_autograd_metric_is_the_hessian_at_the_anchor_fisher_of_softmax():
    x0 = np.array([0.3, -1.0, 0.5, 2.0])
    D = Divergence(softmax_kl(x0), x0)
    p = np.exp(x0 - logsumexp(x0))
    fisher = np.diag(p) - np.outer(p, p)
    F = D.metric_operator()
    columns = np.column_stack([F(e) for e in np.eye(4)])
    np.testing.assert_allclose(columns, fisher, atol=1e-14)
    assert D.value(x0) == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(D.grad(x0), 0.0, atol=1e-15)
    assert D.nmvp == 4


def test_quadratic_model_of_the_divergence_near_the_anchor():
    # D(x0 + εv) = ½ε²·vᵀFv + O(ε³).
    rng = np.random.default_rng(3)
    x0 = rng.standard_normal(5)
    D = Divergence(softmax_kl(x0), x0)
    v = rng.standard_normal(5)
    quad = 0.5 * v @ D.metric_vp(v)
    for eps in (1e-2, 1e-3):
        assert D.value(x0 + eps * v) == pytest.approx(eps**2 * quad, rel=30 * eps)


def test_autograd_linearization_is_traced_once():
    x0 = np.array([0.1, 0.2, 0.3])
    calls = []

    def kl(x):
        calls.append(1)
        return softmax_kl(x0)(x)

    D = Divergence(kl, x0)
    F = D.metric_operator()
    for _ in range(5):
        F(np.ones(3))
    D.metric_vp(np.ones(3))
    assert len(calls) == 1


def test_user_metric_product_is_used_and_counted():
    x0 = np.zeros(3)
    A = spd(3, 0)
    seen = []

    def fvp(v):
        seen.append(v.copy())
        return A @ v

    D = Divergence(lambda x: 0.5 * anp.dot(x, anp.dot(A, x)), x0, metric_vp=fvp)
    np.testing.assert_allclose(D.metric_vp(np.array([1.0, 2.0, 3.0])), A @ [1.0, 2.0, 3.0])
    assert len(seen) == 1 and D.counts() == {"ndev": 0, "ngdev": 0, "nmvp": 1}


@pytest.mark.parametrize("kind", ["dense", "sparse", "operator", "callable"])
def test_from_matrix_is_half_the_mahalanobis_distance(kind):
    n = 6
    A = spd(n, 1)
    x0 = np.arange(n, dtype=float)
    op = {
        "dense": A,
        "sparse": scipy.sparse.csr_matrix(A),
        "operator": scipy.sparse.linalg.aslinearoperator(A),
        "callable": lambda v: A @ v,
    }[kind]
    D = Divergence.from_matrix(op, x0)
    x = x0 + np.linspace(-1, 1, n)
    d = x - x0
    assert D.value(x) == pytest.approx(0.5 * d @ A @ d, rel=1e-14)
    np.testing.assert_allclose(D.grad(x), A @ d, rtol=1e-13)
    np.testing.assert_allclose(D.metric_vp(d), A @ d, rtol=1e-13)
    assert D.value(x0) == 0.0


def test_anchor_is_a_read_only_copy():
    x0 = np.array([1.0, 2.0])
    D = Divergence.from_matrix(np.eye(2), x0)
    x0[0] = 5.0
    assert D.anchor[0] == 1.0
    with pytest.raises(ValueError):
        D.anchor[0] = 3.0


@pytest.mark.parametrize(
    "A, match",
    [
        (np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (np.array([[1.0, 0.0], [0.0, -1.0]]), "positive definite"),
        (np.eye(3), "shape"),
    ],
)
def test_from_matrix_rejects_bad_matrices(A, match):
    with pytest.raises(ValueError, match=match):
        Divergence.from_matrix(A, np.zeros(2))


def test_invalid_anchor_and_metric_are_named():
    with pytest.raises(ValueError, match="anchor"):
        Divergence(lambda x: 0.0, np.array([np.nan, 1.0]))
    with pytest.raises(TypeError, match="metric_vp"):
        Divergence(lambda x: 0.0, np.zeros(2), metric_vp=3)
    D = Divergence(lambda x: 0.0, np.zeros(2), grad=lambda x: np.zeros(2))
    with pytest.raises(ValueError, match="metric_vp"):
        D.metric_vp(np.ones(2))
    bad = Divergence(lambda x: 0.0, np.zeros(2), metric_vp=lambda v: np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        bad.metric_vp(np.ones(2))
