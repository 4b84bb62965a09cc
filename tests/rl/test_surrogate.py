import autograd.numpy as anp
import gymnasium as gym
import numpy as np
import pytest
from autograd import grad, hessian_vector_product

from rl.policies import Policy
from rl.surrogate import PolicyStep

OBS = gym.spaces.Box(-np.inf, np.inf, (4,))
SPACES = [gym.spaces.Discrete(3), gym.spaces.Box(-1.0, 1.0, (2,))]


def make_step(act_space, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    policy = Policy(OBS, act_space, hidden=(16, 16))
    theta = policy.init(rng) + 0.3 * rng.standard_normal(policy.n_params)
    obs = rng.standard_normal((60, 4))
    actions, _ = policy.act(theta, obs, rng)
    adv = rng.standard_normal(60)
    return policy, theta, obs, actions, adv, PolicyStep(policy, theta, obs, actions, adv, **kwargs)


@pytest.mark.parametrize("act_space", SPACES, ids=["categorical", "gaussian"])
def test_gauss_newton_fisher_product_equals_autograd_hessian_of_mean_kl(act_space):
    policy, theta, obs, actions, adv, step = make_step(act_space)
    rng = np.random.default_rng(1)
    hvp = hessian_vector_product(step._mean_kl)
    for _ in range(3):
        v = rng.standard_normal(theta.size)
        ref = hvp(theta, v)
        np.testing.assert_allclose(step.divergence.metric_vp(v), ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())


@pytest.mark.parametrize("act_space", SPACES, ids=["categorical", "gaussian"])
def test_surrogate_at_anchor_and_its_gradient(act_space):
    policy, theta, obs, actions, adv, step = make_step(act_space, entropy_coef=0.05)
    # At θ_old the ratio is 1, so −L = −mean(A) − c·mean(entropy).
    entropy = np.mean(policy.dist.entropy(policy.dist_params_np(theta, obs)))
    assert step.fun0 == pytest.approx(-np.mean(adv) - 0.05 * entropy, rel=1e-12)
    # ∇L(θ_old) is the policy gradient: mean A ∇log π (plus the entropy term).
    def pg_objective(t):
        logp = policy.log_prob(t, obs, actions)
        return -anp.mean(logp * adv) - 0.05 * anp.mean(policy.dist.entropy(policy.dist_params(t, obs)))

    np.testing.assert_allclose(step.grad0, grad(pg_objective)(theta), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(step.objective.grad(theta), step.grad0, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("act_space", SPACES, ids=["categorical", "gaussian"])
def test_kl_is_zero_at_anchor_positive_elsewhere_and_one_pass_agrees(act_space):
    policy, theta, obs, actions, adv, step = make_step(act_space)
    assert step.divergence.value(theta) == pytest.approx(0.0, abs=1e-14)
    rng = np.random.default_rng(2)
    for scale in (1e-3, 1e-1, 1.0):
        t = theta + scale * rng.standard_normal(theta.size)
        f, d = step.fun_and_divergence(t)
        assert d > 0
        assert f == pytest.approx(step.objective.value(t), rel=1e-12)
        assert d == pytest.approx(step.divergence.value(t), rel=1e-12)


def test_small_steps_kl_matches_quadratic_model():
    policy, theta, obs, actions, adv, step = make_step(SPACES[0])
    v = np.random.default_rng(3).standard_normal(theta.size)
    v *= 1e-3 / np.linalg.norm(v)
    model = 0.5 * v @ step.divergence.metric_vp(v)
    assert step.divergence.value(theta + v) == pytest.approx(model, rel=1e-2)


def test_fisher_subsampling_uses_a_subset_and_stays_psd():
    policy, theta, obs, actions, adv, step = make_step(SPACES[0], fisher_fraction=0.5, rng=np.random.default_rng(4))
    v = np.random.default_rng(5).standard_normal(theta.size)
    assert v @ step.divergence.metric_vp(v) > 0
    with pytest.raises(ValueError, match="rng"):
        make_step(SPACES[0], fisher_fraction=0.5)
    with pytest.raises(ValueError, match="fisher_fraction"):
        make_step(SPACES[0], fisher_fraction=0.0)


def test_length_mismatch_is_an_error():
    rng = np.random.default_rng(0)
    policy = Policy(OBS, SPACES[0], hidden=(8,))
    theta = policy.init(rng)
    with pytest.raises(ValueError, match="same length"):
        PolicyStep(policy, theta, rng.standard_normal((5, 4)), np.zeros(5, dtype=int), np.zeros(4))
