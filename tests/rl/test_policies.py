"""rl.policies: distribution choice, sampling path, and the Gauss–Newton Fisher product."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import make_vjp
from autograd.differential_operators import hessian_vector_product, make_jvp_reversemode
from gymnasium import spaces

from rl.distributions import Bernoulli, Categorical, DiagGaussian, MultiCategorical
from rl.networks import linearize
from rl.policies import Policy, ValueFunction

OBS = spaces.Box(-np.inf, np.inf, (4,), np.float64)
ACT_SPACES = [spaces.Discrete(3), spaces.Box(-1, 1, (2,)), spaces.MultiDiscrete([2, 3]), spaces.MultiBinary(3)]


def make(act_space, seed=0):
    policy = Policy(OBS, act_space, hidden=(16, 16))
    rng = np.random.default_rng(seed)
    theta = policy.init(rng)
    # move away from the tiny-output initialization so the test is not degenerate
    theta = theta + 0.3 * rng.normal(size=theta.size)
    return policy, theta, rng.normal(size=(7, 4)), rng


def test_distribution_choice():
    assert isinstance(Policy(OBS, spaces.Discrete(3)).dist, Categorical)
    gauss = Policy(OBS, spaces.Box(-1, 1, (2,)), hidden=(8,))
    assert isinstance(gauss.dist, DiagGaussian)
    assert gauss.n_params == gauss.mlp.n_params + 2
    np.testing.assert_array_equal(gauss.init(np.random.default_rng(0))[-2:], 0.0)
    multi = Policy(OBS, spaces.MultiDiscrete([2, 3]), hidden=(8,))
    assert isinstance(multi.dist, MultiCategorical) and multi.dist.nvec == (2, 3)
    assert multi.n_params == multi.mlp.n_params and multi.mlp.sizes[-1] == 5
    bits = Policy(OBS, spaces.MultiBinary((2, 2)), hidden=(8,))
    assert isinstance(bits.dist, Bernoulli) and bits.dist.d == 4 and bits.mlp.sizes[-1] == 4


@pytest.mark.parametrize(
    "space", [spaces.Box(-1, 1, (2, 2)), spaces.Text(3), spaces.Tuple((spaces.Discrete(2),))]
)
def test_unsupported_action_space(space):
    with pytest.raises(ValueError, match="act_space .* supported actions: Discrete, MultiDiscrete, MultiBinary"):
        Policy(OBS, space)


@pytest.mark.parametrize("space", [spaces.Text(4), spaces.Dict({"a": spaces.Discrete(2), "t": spaces.Text(3)})])
def test_unsupported_observation_space(space):
    with pytest.raises(ValueError, match="obs_space .* supported observations: Box"):
        Policy(space, spaces.Discrete(2))
    with pytest.raises(ValueError, match="obs_space"):
        ValueFunction(space)


@pytest.mark.parametrize("act_space", ACT_SPACES)
def test_act_log_probs_and_mode(act_space):
    policy, theta, obs, rng = make(act_space)
    actions, logp = policy.act(theta, obs, rng)
    np.testing.assert_allclose(logp, policy.log_prob(theta, obs, actions), rtol=1e-13)
    mode, _ = policy.act(theta, obs, rng, deterministic=True)
    np.testing.assert_array_equal(mode, policy.dist.mode(policy.dist_params(theta, obs)))
    a1, _ = policy.act(theta, obs, np.random.default_rng(5))
    a2, _ = policy.act(theta, obs, np.random.default_rng(5))
    np.testing.assert_array_equal(a1, a2)


@pytest.mark.parametrize("space", [
    spaces.MultiDiscrete([2, 3], start=[-1, 5]),
    spaces.MultiDiscrete([[2, 3], [4, 2]], start=[[0, 1], [-2, 0]]),
    spaces.MultiBinary(3),
    spaces.MultiBinary((2, 2)),
])
def test_product_env_actions_lie_in_the_space(space):
    policy, theta, obs, rng = make(space)
    for deterministic in (False, True):
        actions, _ = policy.act(theta, obs, rng, deterministic=deterministic)
        env_actions = policy.env_action(actions)
        assert env_actions.shape == (obs.shape[0], *space.shape)
        assert all(space.contains(a) for a in env_actions)


def test_product_env_action_offsets_and_dtype():
    policy, *_ = make(spaces.MultiDiscrete([2, 3], start=[-1, 5]))
    np.testing.assert_array_equal(policy.env_action(np.array([[0, 2], [1, 0]])), [[-1, 7], [0, 5]])
    bits, *_ = make(spaces.MultiBinary(3))
    out = bits.env_action(np.array([[1, 0, 1]]))
    assert out.dtype == np.int8
    np.testing.assert_array_equal(out, [[1, 0, 1]])


def test_discrete_and_dict_observations_are_read_flattened():
    obs_space = spaces.Dict({"pos": spaces.Discrete(3), "vel": spaces.Box(-1, 1, (2,))})
    policy = Policy(obs_space, spaces.Discrete(2), hidden=(8,))
    assert policy.obs_space is obs_space and policy.obs_dim == 5
    assert policy.input_space == spaces.flatten_space(obs_space)
    vf = ValueFunction(spaces.Discrete(6), hidden=(8,))
    phi = vf.init(np.random.default_rng(0))
    assert vf.obs_dim == 6 and vf.predict_np(phi, np.eye(6)[[0, 3]].reshape(2, 1, 6)).shape == (2, 1)


def test_env_action():
    policy, theta, obs, rng = make(spaces.Discrete(3, start=-1))
    np.testing.assert_array_equal(policy.env_action(np.array([0, 2])), [-1, 1])
    box, *_ = make(spaces.Box(-1, 1, (2,)))
    np.testing.assert_array_equal(box.env_action(np.array([[3.0, -0.5]])), [[1.0, -0.5]])


@pytest.mark.parametrize("act_space", ACT_SPACES)
def test_gauss_newton_fisher_product_equals_mean_kl_hessian(act_space):
    """(1/N) Jᵀ M J v from linearize + the analytic M equals ∇²_θ mean-KL(θ_old ‖ θ) · v at θ_old."""
    policy, theta, obs, rng = make(act_space)
    n = obs.shape[0]
    old = policy.dist_params(theta, obs)

    def mean_kl(t):
        return anp.mean(policy.dist.kl(old, policy.dist_params(t, obs)))

    params, jvp, vjp = policy.linearize(theta, obs)
    for _ in range(2):
        v = rng.normal(size=theta.size)
        fvp = vjp(policy.dist.fisher_vector_product(params, jvp(v))) / n
        np.testing.assert_allclose(fvp, hessian_vector_product(mean_kl)(theta, v), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("act_space", ACT_SPACES)
def test_linearize_matches_autograd(act_space):
    policy, theta, obs, rng = make(act_space)
    params, jvp, vjp = policy.linearize(theta, obs)
    ref_params, ref_jvp, ref_vjp = linearize(lambda t: policy.dist_params(t, obs), theta)
    v = rng.normal(size=theta.size)
    u = ref_jvp(rng.normal(size=theta.size))  # a cotangent shaped like params
    parts = (lambda x: list(x)) if policy.gaussian else (lambda x: [x])
    for got, want in ((params, ref_params), (jvp(v), ref_jvp(v))):
        for a, b in zip(parts(got), parts(want), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(vjp(u), ref_vjp(u), rtol=1e-12, atol=1e-13)


def test_autograd_operators_work_through_gaussian_params():
    policy, theta, obs, rng = make(spaces.Box(-1, 1, (2,)))
    f = lambda t: policy.dist_params(t, obs)  # noqa: E731
    v = rng.normal(size=theta.size)
    mean_dot, std_dot = make_jvp_reversemode(f)(theta)(v)
    eps = 1e-6
    plus, minus = f(theta + eps * v), f(theta - eps * v)
    np.testing.assert_allclose(mean_dot, (plus[0] - minus[0]) / (2 * eps), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(std_dot, v[-2:], rtol=1e-12)
    vjp, _ = make_vjp(f)(theta)
    u = (rng.normal(size=(7, 2)), rng.normal(size=2))
    g = vjp(u)
    np.testing.assert_allclose(g[-2:], u[1])
    np.testing.assert_allclose(g @ v, np.sum(u[0] * mean_dot) + u[1] @ std_dot, rtol=1e-10)


def test_value_function():
    vf = ValueFunction(OBS, hidden=(8,))
    rng = np.random.default_rng(0)
    phi = vf.init(rng)
    obs = rng.normal(size=(3, 5, 4))
    v = vf.predict_np(phi, obs)
    assert v.shape == (3, 5)
    np.testing.assert_allclose(v.ravel(), vf.predict(phi, obs.reshape(15, 4)), rtol=1e-14)


@pytest.mark.parametrize("act_space", ACT_SPACES)
def test_forward_backward_is_linearize_to_the_bit(act_space):
    policy, theta, obs, rng = make(act_space)
    params, _, vjp = policy.linearize(theta, obs)
    params_fb, vjp_fb = policy.forward_backward(theta, obs)
    parts = (lambda x: list(x)) if policy.gaussian else (lambda x: [x])
    for a, b in zip(parts(params_fb), parts(params), strict=True):
        np.testing.assert_array_equal(a, b)
    u = policy.linearize(theta, obs)[1](rng.normal(size=theta.size))  # a cotangent shaped like params
    np.testing.assert_array_equal(vjp_fb(u), vjp(u))
