"""Mathematics of rl.distributions: normalization, closed forms, KL, Fisher."""

import itertools

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.special
import scipy.stats
from autograd import grad, hessian
from autograd.test_util import check_grads
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rl.distributions import Bernoulli, Categorical, DiagGaussian, MultiCategorical, log_softmax

finite = st.floats(-20.0, 20.0, allow_nan=False, allow_infinity=False)


def gaussian_params(rng, n, d, shared=True):
    log_std = rng.normal(0.0, 0.5, d if shared else (n, d))
    return (rng.normal(0.0, 1.0, (n, d)), log_std)


# ---------------------------------------------------------------- log-softmax


def test_log_softmax_is_stable_and_shift_invariant():
    x = np.array([[1000.0, 999.0, -1000.0], [-5e4, -5e4, -5e4]])
    y = log_softmax(x)
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, scipy.special.log_softmax(x, axis=-1), atol=1e-12)
    np.testing.assert_allclose(log_softmax(x + 7.0), y, atol=1e-12)


def test_log_softmax_derivatives_match_finite_differences():
    x = np.random.default_rng(0).normal(size=(3, 4))
    w = np.random.default_rng(1).normal(size=(3, 4))
    check_grads(lambda z: anp.sum(w * log_softmax(z)), modes=["rev", "fwd"], order=2)(x)


# ---------------------------------------------------------------- Categorical


def test_categorical_log_prob_normalizes():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (6, 5))
    dist = Categorical(5)
    probs = np.stack([np.exp(dist.log_prob(logits, np.full(6, a))) for a in range(5)], axis=1)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(probs, scipy.special.softmax(logits, axis=1), atol=1e-14)


def test_categorical_log_prob_gradient_is_onehot_minus_probs():
    rng = np.random.default_rng(10)
    logits = rng.normal(size=(4, 3))
    actions = np.array([0, 2, 1, 2])
    g = grad(lambda z: anp.sum(Categorical(3).log_prob(z, actions)))(logits)
    np.testing.assert_allclose(g, np.eye(3)[actions] - scipy.special.softmax(logits, axis=1), rtol=1e-12)


def test_categorical_entropy_closed_form():
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 2, (4, 6))
    p = scipy.special.softmax(logits, axis=1)
    np.testing.assert_allclose(Categorical(6).entropy(logits), -np.sum(p * np.log(p), axis=1), rtol=1e-12)
    np.testing.assert_allclose(Categorical(6).entropy(np.zeros((2, 6))), np.log(6.0), rtol=1e-14)


def test_categorical_kl_closed_form_and_self():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 2, (2, 5, 4))
    p, q = scipy.special.softmax(a, axis=1), scipy.special.softmax(b, axis=1)
    dist = Categorical(4)
    np.testing.assert_allclose(dist.kl(a, b), np.sum(p * np.log(p / q), axis=1), rtol=1e-12)
    np.testing.assert_allclose(dist.kl(a, a), 0.0, atol=1e-15)
    # KL(p‖q) = −H(p) − E_p log q
    expected = -dist.entropy(a) - np.sum(p * dist_log_probs(dist, b), axis=1)
    np.testing.assert_allclose(dist.kl(a, b), expected, rtol=1e-12)


def dist_log_probs(dist, logits):
    n = logits.shape[0]
    return np.stack([dist.log_prob(logits, np.full(n, a)) for a in range(dist.n)], axis=1)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (3, 4), elements=finite), arrays(np.float64, (3, 4), elements=finite))
def test_categorical_kl_nonnegative(a, b):
    kl = Categorical(4).kl(a, b)
    assert np.all(kl >= -1e-12)
    np.testing.assert_allclose(Categorical(4).kl(a, a), 0.0, atol=1e-12)


def test_categorical_sample_frequencies_and_mode():
    rng = np.random.default_rng(3)
    logits = np.log(np.array([[0.1, 0.2, 0.7]]))
    n = 40000
    actions = Categorical(3).sample(np.repeat(logits, n, axis=0), rng)
    freq = np.bincount(actions, minlength=3) / n
    p = np.array([0.1, 0.2, 0.7])
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / n))
    assert Categorical(3).mode(logits)[0] == 2


def test_categorical_fisher_product_equals_kl_hessian():
    rng = np.random.default_rng(4)
    n, k = 5, 4
    old = rng.normal(0, 1.5, (n, k))
    u = rng.normal(size=(n, k))
    dist = Categorical(k)
    h = hessian(lambda z: anp.sum(dist.kl(old, z)))(old).reshape(n * k, n * k)
    np.testing.assert_allclose(dist.fisher_vector_product(old, u), (h @ u.ravel()).reshape(n, k), atol=1e-8)
    # ... and equals E_a[s sᵀ] u, the covariance of the score s = ∇ log π(a).
    p = scipy.special.softmax(old, axis=1)
    scores = np.eye(k)[None, :, :] - p[:, None, :]  # (n, a, k)
    expected = np.einsum("na,nak,naj,nj->nk", p, scores, scores, u)
    np.testing.assert_allclose(dist.fisher_vector_product(old, u), expected, atol=1e-12)


# ---------------------------------------------------------------- DiagGaussian


def test_gaussian_log_prob_and_entropy_match_scipy():
    rng = np.random.default_rng(5)
    mean, log_std = gaussian_params(rng, 7, 3)
    actions = rng.normal(size=(7, 3))
    dist = DiagGaussian(3)
    ref = scipy.stats.norm.logpdf(actions, mean, np.exp(log_std)).sum(axis=1)
    np.testing.assert_allclose(dist.log_prob((mean, log_std), actions), ref, rtol=1e-12)
    ent = scipy.stats.norm.entropy(np.zeros(3), np.exp(log_std)).sum()
    np.testing.assert_allclose(dist.entropy((mean, log_std)), np.full(7, ent), rtol=1e-12)
    per_state = np.tile(log_std, (7, 1)) + rng.normal(0, 0.1, (7, 3))
    ref = scipy.stats.norm.logpdf(actions, mean, np.exp(per_state)).sum(axis=1)
    np.testing.assert_allclose(dist.log_prob((mean, per_state), actions), ref, rtol=1e-12)
    ent = scipy.stats.norm.entropy(np.zeros((7, 3)), np.exp(per_state)).sum(axis=1)
    np.testing.assert_allclose(dist.entropy((mean, per_state)), ent, rtol=1e-12)


@pytest.mark.parametrize("shared", [True, False])
def test_gaussian_fused_log_prob_and_vjp_agree_with_the_separate_forms(shared):
    # the minibatch path's fused form: log_prob's numbers to the bit, and autograd's gradient
    rng = np.random.default_rng(9)
    dist = DiagGaussian(3)
    params = gaussian_params(rng, 5, 3, shared)
    actions = rng.normal(size=(5, 3))
    logp, vjp = dist.log_prob_and_vjp(params, actions)
    np.testing.assert_array_equal(logp, dist.log_prob(params, actions))
    g = rng.normal(size=5)
    want = grad(lambda p: anp.sum(g * dist.log_prob(p, actions)))(params)
    for got, ref in zip(vjp(g), want, strict=True):
        assert got.shape == np.shape(ref)
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


def test_gaussian_log_prob_normalizes():
    dist = DiagGaussian(1)
    a = np.linspace(-12, 12, 20001)[:, None]
    params = (np.full((a.shape[0], 1), 0.3), np.array([0.4]))
    density = np.exp(dist.log_prob(params, a))
    np.testing.assert_allclose(np.trapezoid(density, a[:, 0]), 1.0, atol=1e-9)


def test_gaussian_kl_self_zero_and_monte_carlo():
    rng = np.random.default_rng(6)
    dist = DiagGaussian(2)
    old = (np.array([[0.3, -0.2]]), np.array([0.1, -0.3]))
    new = (np.array([[0.1, 0.4]]), np.array([0.3, -0.1]))
    np.testing.assert_allclose(dist.kl(old, old), 0.0, atol=1e-15)
    n = 200000
    old_n = (np.repeat(old[0], n, axis=0), old[1])
    new_n = (np.repeat(new[0], n, axis=0), new[1])
    a = dist.sample(old_n, rng)
    ratio = dist.log_prob(old_n, a) - dist.log_prob(new_n, a)
    stderr = ratio.std() / np.sqrt(n)
    assert abs(ratio.mean() - dist.kl(old, new)[0]) < 5 * stderr


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.float64, (3, 2), elements=st.floats(-5, 5)),
    arrays(np.float64, (3, 2), elements=st.floats(-5, 5)),
    arrays(np.float64, (2,), elements=st.floats(-3, 3)),
    arrays(np.float64, (2,), elements=st.floats(-3, 3)),
)
def test_gaussian_kl_nonnegative(m1, m2, s1, s2):
    dist = DiagGaussian(2)
    assert np.all(dist.kl((m1, s1), (m2, s2)) >= -1e-12)
    np.testing.assert_allclose(dist.kl((m1, s1), (m1, s1)), 0.0, atol=1e-12)


def test_gaussian_sample_moments_and_mode():
    rng = np.random.default_rng(7)
    n = 100000
    mean = np.tile([[1.0, -2.0]], (n, 1))
    log_std = np.log([0.5, 2.0])
    a = DiagGaussian(2).sample((mean, log_std), rng)
    np.testing.assert_allclose(a.mean(axis=0), [1.0, -2.0], atol=5 * 2.0 / np.sqrt(n))
    np.testing.assert_allclose(a.std(axis=0), [0.5, 2.0], rtol=0.02)
    np.testing.assert_array_equal(DiagGaussian(2).mode((mean[:3], log_std)), mean[:3])


@pytest.mark.parametrize("shared", [True, False])
def test_gaussian_fisher_product_equals_kl_hessian(shared):
    """M·u equals the Hessian of Σ_i KL(old_i ‖ p_i) in (mean, log_std), shared or per state."""
    rng = np.random.default_rng(8)
    n, d = 4, 3
    dist = DiagGaussian(d)
    old = gaussian_params(rng, n, d, shared)
    std_shape = old[1].shape

    def unpack(z):
        return (anp.reshape(z[: n * d], (n, d)), anp.reshape(z[n * d :], std_shape))

    z0 = np.concatenate([old[0].ravel(), old[1].ravel()])
    h = hessian(lambda z: anp.sum(dist.kl(old, unpack(z))))(z0)
    u = (rng.normal(size=(n, d)), rng.normal(size=std_shape))
    mu_mean, mu_std = dist.fisher_vector_product(old, u)
    hu = h @ np.concatenate([u[0].ravel(), u[1].ravel()])
    np.testing.assert_allclose(mu_mean, hu[: n * d].reshape(n, d), atol=1e-8)
    np.testing.assert_allclose(mu_std, hu[n * d :].reshape(std_shape), atol=1e-8)
    if shared:
        np.testing.assert_allclose(mu_std, 2.0 * n * u[1])


def test_gaussian_log_prob_gradient_closed_form():
    rng = np.random.default_rng(9)
    mean, log_std = gaussian_params(rng, 5, 2)
    a = rng.normal(size=(5, 2))
    dist = DiagGaussian(2)
    g_mean = grad(lambda m: anp.sum(dist.log_prob((m, log_std), a)))(mean)
    np.testing.assert_allclose(g_mean, (a - mean) / np.exp(2 * log_std), rtol=1e-12)
    g_std = grad(lambda s: anp.sum(dist.log_prob((mean, s), a)))(log_std)
    np.testing.assert_allclose(g_std, np.sum((a - mean) ** 2 / np.exp(2 * log_std) - 1.0, axis=0), rtol=1e-12)


@pytest.mark.parametrize("cls", [Categorical, DiagGaussian])
def test_invalid_size_rejected(cls):
    with pytest.raises(ValueError, match="positive integer"):
        cls(0)


# ------------------------------------------------- MultiCategorical, Bernoulli

NVEC = (2, 3, 4)


def all_actions(dist):
    """Every joint action of a small MultiCategorical / Bernoulli, (A, k)."""
    sizes = dist.nvec if isinstance(dist, MultiCategorical) else (2,) * dist.d
    return np.array(list(itertools.product(*(range(n) for n in sizes))))


def product_params(dist, rng, n=5, scale=2.0):
    width = dist.n_logits if isinstance(dist, MultiCategorical) else dist.d
    return rng.normal(0.0, scale, (n, width))


def enumerated_probs(dist, params):
    """(N, A) probabilities of every joint action, from log_prob."""
    acts = all_actions(dist)
    n = params.shape[0]
    return np.stack([np.exp(dist.log_prob(params, np.tile(a, (n, 1)))) for a in acts], axis=1)


def reference_probs(dist, params):
    """(N, A) probabilities as products of per-component probabilities, computed independently."""
    acts = all_actions(dist)
    if isinstance(dist, MultiCategorical):
        blocks = np.split(params, np.cumsum(dist.nvec)[:-1], axis=1)
        comp = [scipy.special.softmax(b, axis=1) for b in blocks]
        return np.stack([np.prod([comp[j][:, a[j]] for j in range(dist.k)], axis=0) for a in acts], axis=1)
    p1 = scipy.special.expit(params)
    return np.stack([np.prod(np.where(a == 1, p1, 1.0 - p1), axis=1) for a in acts], axis=1)


PRODUCT_DISTS = [MultiCategorical(NVEC), Bernoulli(3)]
PRODUCT_IDS = ["multicategorical", "bernoulli"]


def test_product_distributions_validate_their_size():
    for bad in ([], [2, 0], [[2, 3]], [1.5]):
        with pytest.raises(ValueError, match="nvec"):
            MultiCategorical(bad)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="d must"):
            Bernoulli(bad)


@pytest.mark.parametrize("dist", PRODUCT_DISTS, ids=PRODUCT_IDS)
def test_product_log_prob_normalizes_and_factorizes(dist):
    params = product_params(dist, np.random.default_rng(0))
    probs = enumerated_probs(dist, params)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-13)
    np.testing.assert_allclose(probs, reference_probs(dist, params), rtol=1e-12)


@pytest.mark.parametrize("dist", PRODUCT_DISTS, ids=PRODUCT_IDS)
def test_product_entropy_and_kl_match_enumeration(dist):
    rng = np.random.default_rng(1)
    old, new = product_params(dist, rng), product_params(dist, rng)
    p_old, p_new = reference_probs(dist, old), reference_probs(dist, new)
    np.testing.assert_allclose(dist.entropy(old), -np.sum(p_old * np.log(p_old), axis=1), rtol=1e-12)
    kl = dist.kl(old, new)
    np.testing.assert_allclose(kl, np.sum(p_old * np.log(p_old / p_new), axis=1), rtol=1e-10)
    assert np.all(kl > 0)
    np.testing.assert_allclose(dist.kl(old, old), 0.0, atol=1e-14)


@pytest.mark.parametrize("dist", PRODUCT_DISTS, ids=PRODUCT_IDS)
def test_product_kl_is_nonnegative_everywhere(dist):
    @settings(max_examples=40, deadline=None)
    @given(st.integers(0, 2**32 - 1), st.floats(0.01, 30.0))
    def check(seed, scale):
        rng = np.random.default_rng(seed)
        old, new = product_params(dist, rng, 3, scale), product_params(dist, rng, 3, scale)
        assert np.all(np.asarray(dist.kl(old, new)) >= -1e-12)
        np.testing.assert_allclose(dist.kl(old, old), 0.0, atol=1e-12)

    check()


@pytest.mark.parametrize("dist", PRODUCT_DISTS, ids=PRODUCT_IDS)
def test_product_fisher_product_is_hessian_of_summed_kl(dist):
    rng = np.random.default_rng(2)
    params = product_params(dist, rng, n=4)
    hess = hessian(lambda p: anp.sum(dist.kl(params, p)))(params).reshape(params.size, params.size)
    for _ in range(3):
        u = rng.normal(size=params.shape)
        got = dist.fisher_vector_product(params, u)
        assert got.shape == params.shape
        np.testing.assert_allclose(got.ravel(), hess @ u.ravel(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dist", PRODUCT_DISTS, ids=PRODUCT_IDS)
def test_product_log_prob_vjp_equals_autograd_gradient(dist):
    rng = np.random.default_rng(3)
    params = product_params(dist, rng, n=6)
    acts = all_actions(dist)
    actions = acts[rng.integers(len(acts), size=6)]
    g = rng.normal(size=6)
    want = grad(lambda p: anp.sum(g * dist.log_prob(p, actions)))(params)
    np.testing.assert_allclose(dist.log_prob_vjp(params, actions, g), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dist", PRODUCT_DISTS, ids=PRODUCT_IDS)
def test_product_log_prob_and_entropy_derivatives_match_finite_differences(dist):
    rng = np.random.default_rng(4)
    params = product_params(dist, rng, n=3)
    acts = all_actions(dist)
    actions = acts[rng.integers(len(acts), size=3)]
    check_grads(lambda p: anp.sum(dist.log_prob(p, actions)), modes=["rev"], order=2)(params)
    check_grads(lambda p: anp.sum(dist.entropy(p)), modes=["rev"], order=2)(params)


@pytest.mark.parametrize("dist", PRODUCT_DISTS, ids=PRODUCT_IDS)
def test_product_sampling_frequencies_match_probabilities(dist):
    rng = np.random.default_rng(5)
    params = np.repeat(product_params(dist, rng, n=1, scale=1.0), 40_000, axis=0)
    samples = dist.sample(params, np.random.default_rng(6))
    acts = all_actions(dist)
    assert samples.shape == (40_000, acts.shape[1]) and samples.dtype == np.int64
    freq = np.array([np.mean(np.all(samples == a, axis=1)) for a in acts])
    p = reference_probs(dist, params[:1])[0]
    # five binomial standard deviations per joint action: a false alarm is about one in 10⁵ runs
    assert np.all(np.abs(freq - p) <= 5.0 * np.sqrt(p * (1 - p) / 40_000))
    again = dist.sample(params[:50], np.random.default_rng(6))
    np.testing.assert_array_equal(again, samples[:50])


@pytest.mark.parametrize("dist", PRODUCT_DISTS, ids=PRODUCT_IDS)
def test_product_mode_is_most_probable_action(dist):
    params = product_params(dist, np.random.default_rng(7), n=8)
    probs = reference_probs(dist, params)
    np.testing.assert_array_equal(dist.mode(params), all_actions(dist)[probs.argmax(axis=1)])


def test_bernoulli_is_stable_for_large_logits():
    dist = Bernoulli(2)
    x = np.array([[800.0, -800.0], [-800.0, 800.0]])
    ones = np.ones((2, 2), dtype=np.int64)
    logp = dist.log_prob(x, ones)
    np.testing.assert_allclose(logp, [-800.0, -800.0])
    assert np.all(np.isfinite(dist.entropy(x))) and np.all(np.isfinite(dist.kl(x, -x)))
    # each entry: p_old ≈ 1, so KL ≈ −log σ(−800) = 800
    np.testing.assert_allclose(dist.kl(x, -x), [1600.0, 1600.0], rtol=1e-12)
    np.testing.assert_allclose(dist.fisher_vector_product(x, np.ones((2, 2))), 0.0, atol=1e-300)
