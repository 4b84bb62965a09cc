import autograd.numpy as anp
import gymnasium as gym
import numpy as np
import pytest
from autograd import grad, hessian_vector_product

from rl import surrogates
from rl.policies import Policy
from rl.problem import PolicyBatch

OBS = gym.spaces.Box(-np.inf, np.inf, (4,))
SPACES = [gym.spaces.Discrete(3), gym.spaces.Box(-1.0, 1.0, (2,)), gym.spaces.MultiDiscrete([2, 3]),
          gym.spaces.MultiBinary(3)]
IDS = ["categorical", "gaussian", "multicategorical", "bernoulli"]


def make_batch(act_space, seed=0):
    rng = np.random.default_rng(seed)
    policy = Policy(OBS, act_space, hidden=(16, 16))
    theta = policy.init(rng) + 0.3 * rng.standard_normal(policy.n_params)
    obs = rng.standard_normal((60, 4))
    actions, _ = policy.act(theta, obs, rng)
    adv = rng.standard_normal(60)
    return policy, theta, obs, actions, adv, PolicyBatch(policy, theta, obs, actions, adv)


def mean_kl(policy, theta_old, obs):
    params_old = policy.dist_params_np(theta_old, obs)
    return lambda t: anp.mean(policy.dist.kl(params_old, policy.dist_params(t, obs)))


@pytest.mark.parametrize("act_space", SPACES, ids=IDS)
def test_gauss_newton_fisher_product_equals_autograd_hessian_of_mean_kl(act_space):
    policy, theta, obs, actions, adv, batch = make_batch(act_space)
    rng = np.random.default_rng(1)
    hvp = hessian_vector_product(mean_kl(policy, theta, obs))
    divergence = batch.divergence()
    for _ in range(3):
        v = rng.standard_normal(theta.size)
        ref = hvp(theta, v)
        np.testing.assert_allclose(divergence.metric_vp(v), ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())


@pytest.mark.parametrize("act_space", SPACES, ids=IDS)
def test_surrogate_at_anchor_and_its_gradient(act_space):
    policy, theta, obs, actions, adv, batch = make_batch(act_space)
    problem = batch.divergence_problem(surrogates.ratio, entropy_coef=0.05)
    # At θ_old the ratio is 1, so −L = −mean(A) − c·mean(entropy).
    entropy = np.mean(policy.dist.entropy(policy.dist_params_np(theta, obs)))
    assert problem.fun0 == pytest.approx(-np.mean(adv) - 0.05 * entropy, rel=1e-12)

    # ∇L(θ_old) is the policy gradient: mean A ∇log π (plus the entropy term).
    def pg_objective(t):
        logp = policy.log_prob(t, obs, actions)
        return -anp.mean(logp * adv) - 0.05 * anp.mean(policy.dist.entropy(policy.dist_params(t, obs)))

    np.testing.assert_allclose(problem.grad0, grad(pg_objective)(theta), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(problem.objective.grad(theta), problem.grad0, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("act_space", SPACES, ids=IDS)
def test_objective_gradients_away_from_the_anchor_match_autograd(act_space):
    policy, theta, obs, actions, adv, batch = make_batch(act_space)
    clip = surrogates.clipped_ratio(0.2)
    params_old = policy.dist_params_np(theta, obs)
    logp_old = policy.dist.log_prob(params_old, actions)
    idx = np.arange(10, 40)

    def reference(t):
        p = policy.dist_params(t, obs[idx])
        loss = -clip(policy.dist.log_prob(p, actions[idx]), logp_old[idx], adv[idx])
        old = params_old[idx] if not isinstance(params_old, tuple) else (params_old[0][idx], params_old[1])
        return loss + 0.7 * anp.mean(policy.dist.kl(old, p))

    t = theta + 0.05 * np.random.default_rng(3).standard_normal(theta.size)
    f, g = batch.mean_objective(clip, kl_weight=0.7).value_and_grad(t, idx)
    assert f == pytest.approx(float(reference(t)), rel=1e-12)
    np.testing.assert_allclose(g, grad(reference)(t), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("act_space", SPACES, ids=IDS)
def test_kl_is_zero_at_anchor_positive_elsewhere_and_one_pass_agrees(act_space):
    policy, theta, obs, actions, adv, batch = make_batch(act_space)
    problem = batch.divergence_problem(surrogates.ratio)
    assert problem.divergence.value(theta) == pytest.approx(0.0, abs=1e-14)
    rng = np.random.default_rng(2)
    for scale in (1e-3, 1e-1, 1.0):
        t = theta + scale * rng.standard_normal(theta.size)
        f, d = problem.fun_and_divergence(t)
        assert d > 0
        assert f == pytest.approx(problem.objective.value(t), rel=1e-12)
        assert d == pytest.approx(problem.divergence.value(t), rel=1e-12)
        assert d == pytest.approx(float(mean_kl(policy, theta, obs)(t)), rel=1e-12)
        np.testing.assert_allclose(problem.divergence.grad(t), grad(mean_kl(policy, theta, obs))(t),
                                   rtol=1e-9, atol=1e-12)


def test_small_steps_kl_matches_quadratic_model():
    policy, theta, obs, actions, adv, batch = make_batch(SPACES[0])
    v = np.random.default_rng(3).standard_normal(theta.size)
    v *= 1e-3 / np.linalg.norm(v)
    divergence = batch.divergence()
    model = 0.5 * v @ divergence.metric_vp(v)
    assert divergence.value(theta + v) == pytest.approx(model, rel=1e-2)


def test_fisher_subsampling_uses_a_subset_and_stays_psd():
    policy, theta, obs, actions, adv, batch = make_batch(SPACES[0])
    v = np.random.default_rng(5).standard_normal(theta.size)
    assert v @ batch.divergence(0.5, np.random.default_rng(4)).metric_vp(v) > 0
    with pytest.raises(ValueError, match="rng"):
        batch.divergence(0.5)
    with pytest.raises(ValueError, match="fisher_fraction"):
        batch.divergence(0.0)


def test_length_mismatch_is_an_error():
    rng = np.random.default_rng(0)
    policy = Policy(OBS, SPACES[0], hidden=(8,))
    theta = policy.init(rng)
    with pytest.raises(ValueError, match="same length"):
        PolicyBatch(policy, theta, rng.standard_normal((5, 4)), np.zeros(5, dtype=int), np.zeros(4))


@pytest.mark.parametrize("act_space", SPACES, ids=IDS)
@pytest.mark.parametrize("name", ["ratio", "clipped", "log_prob"])
def test_closed_form_minibatch_gradients_equal_autograd(act_space, name):
    """The hot path (closed-form ∂S/∂logp and ∂logp/∂params) agrees with autograd through the network."""
    surrogate = {"ratio": surrogates.ratio, "clipped": surrogates.clipped_ratio(0.1),
                 "log_prob": surrogates.log_prob}[name]
    policy, theta, obs, actions, adv, batch = make_batch(act_space)
    logp_old = policy.dist.log_prob(policy.dist_params_np(theta, obs), actions)
    idx = np.arange(5, 45)

    def reference(t):
        return -surrogate(policy.log_prob(t, obs[idx], actions[idx]), logp_old[idx], adv[idx])

    t = theta + 0.2 * np.random.default_rng(4).standard_normal(theta.size)
    f, g = batch.mean_objective(surrogate).value_and_grad(t, idx)
    assert f == pytest.approx(float(reference(t)), rel=1e-12)
    np.testing.assert_allclose(g, grad(reference)(t), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("act_space", SPACES, ids=IDS)
def test_batch_statistics_from_one_forward_pass_match_their_definitions(act_space):
    policy, theta, obs, actions, adv, batch = make_batch(act_space)
    t = theta + 0.1 * np.random.default_rng(6).standard_normal(theta.size)
    stats = batch.statistics(t)
    params = policy.dist_params_np(t, obs)
    log_ratio = policy.dist.log_prob(params, actions) - policy.dist.log_prob(policy.dist_params_np(theta, obs), actions)
    assert stats.kl == pytest.approx(batch.mean_kl(t), rel=1e-12)
    assert stats.entropy == pytest.approx(float(np.mean(policy.dist.entropy(params))), rel=1e-12)
    np.testing.assert_allclose(stats.log_ratio, log_ratio, rtol=1e-12, atol=1e-14)
    assert stats.approx_kl == pytest.approx(float(np.mean(np.exp(log_ratio) - 1 - log_ratio)), rel=1e-10)
    assert batch.statistics(theta).kl == pytest.approx(0.0, abs=1e-14)
