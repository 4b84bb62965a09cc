"""rl.advantages: GAE against hand-worked numbers and its λ = 0 / λ = 1 limits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rl.advantages import RewardScaler, discounted_returns, gae, standardize
from rl.sampler import RunningMeanStd


def test_gae_hand_worked_truncation_and_termination():
    # env 0: truncated at t=1 (bootstrap V(final)=8), terminated at t=3 (next value 100 ignored)
    # env 1: runs past the end of the batch (bootstrap next_values[3] = 2)
    rewards = np.array([[1.0, 1.0], [2.0, 1.0], [3.0, 1.0], [4.0, 1.0]])
    values = np.array([[10.0, 0.0], [20.0, 0.0], [30.0, 0.0], [40.0, 0.0]])
    next_values = np.array([[20.0, 0.0], [8.0, 0.0], [40.0, 0.0], [100.0, 2.0]])
    terminated = np.array([[0, 0], [0, 0], [0, 0], [1, 0]], dtype=bool)
    truncated = np.array([[0, 0], [1, 0], [0, 0], [0, 0]], dtype=bool)
    adv, ret = gae(rewards, values, next_values, terminated, truncated, gamma=0.5, lam=0.5)
    # env 0: δ = [1 + 10 − 10, 2 + 4 − 20, 3 + 20 − 30, 4 − 40] = [1, −14, −7, −36]
    #        A3 = −36, A2 = −7 + ¼(−36) = −16, A1 = −14 (cut), A0 = 1 + ¼(−14) = −2.5
    # env 1: δ = [1, 1, 1, 2]; A3 = 2, A2 = 1.5, A1 = 1.375, A0 = 1.34375
    np.testing.assert_allclose(adv[:, 0], [-2.5, -14.0, -16.0, -36.0])
    np.testing.assert_allclose(adv[:, 1], [1.34375, 1.375, 1.5, 2.0])
    np.testing.assert_allclose(ret, adv + values)


def test_discounted_returns_hand_worked():
    rewards = np.array([[1.0], [1.0], [1.0], [1.0]])
    terminated = np.array([[0], [1], [0], [0]], dtype=bool)
    truncated = np.zeros((4, 1), dtype=bool)
    np.testing.assert_allclose(discounted_returns(rewards, terminated, truncated, 0.9)[:, 0], [1.9, 1.0, 1.9, 1.0])
    next_values = np.full((4, 1), 10.0)
    np.testing.assert_allclose(
        discounted_returns(rewards, terminated, truncated, 0.9, next_values)[:, 0], [1.9, 1.0, 1 + 0.9 * 10.0, 1 + 0.9 * 10.0]
    )


def random_batch(seed, T=30, n=3):
    """Random data whose next_values are consistent: next_values[t] = values[t+1] inside an episode."""
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=(T, n))
    values = rng.normal(size=(T, n))
    terminated = rng.random((T, n)) < 0.1
    truncated = rng.random((T, n)) < 0.1
    next_values = rng.normal(size=(T, n))  # V(final obs) where an episode ends, V(last_obs) at T−1
    goes_on = ~(terminated | truncated)
    next_values[:-1][goes_on[:-1]] = values[1:][goes_on[:-1]]
    return rewards, values, next_values, terminated, truncated


def gae_reference(rewards, values, next_values, terminated, truncated, gamma, lam):
    """A_t = Σ_l (γλ)^l δ_{t+l}, summed until the episode (or the batch) ends."""
    T, n = rewards.shape
    delta = rewards + gamma * (~terminated) * next_values - values
    adv = np.zeros((T, n))
    for i in range(n):
        for t in range(T):
            for k in range(t, T):
                adv[t, i] += (gamma * lam) ** (k - t) * delta[k, i]
                if terminated[k, i] or truncated[k, i]:
                    break
    return adv


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_gae_equals_its_definition(seed, gamma, lam):
    batch = random_batch(seed)
    adv, _ = gae(*batch, gamma=gamma, lam=lam)
    np.testing.assert_allclose(adv, gae_reference(*batch, gamma, lam), rtol=1e-10, atol=1e-10)


def test_gae_lambda_one_is_discounted_return_minus_value():
    rewards, values, next_values, terminated, truncated = random_batch(1)
    adv, ret = gae(rewards, values, next_values, terminated, truncated, gamma=0.95, lam=1.0)
    expected = discounted_returns(rewards, terminated, truncated, 0.95, next_values)
    np.testing.assert_allclose(ret, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(adv, expected - values, rtol=1e-12, atol=1e-12)


def test_gae_lambda_zero_is_td_residual():
    rewards, values, next_values, terminated, truncated = random_batch(2)
    adv, ret = gae(rewards, values, next_values, terminated, truncated, gamma=0.9, lam=0.0)
    np.testing.assert_allclose(adv, rewards + 0.9 * np.where(terminated, 0.0, next_values) - values)
    np.testing.assert_allclose(ret, rewards + 0.9 * np.where(terminated, 0.0, next_values))


def test_discounted_returns_monte_carlo_per_episode():
    rewards, _, _, terminated, truncated = random_batch(3, T=40, n=2)
    g = discounted_returns(rewards, terminated, truncated, 0.8)
    for i in range(2):
        for t in range(40):
            expected, k = 0.0, t
            while True:
                expected += 0.8 ** (k - t) * rewards[k, i]
                if terminated[k, i] or truncated[k, i] or k == 39:
                    break
                k += 1
            assert g[t, i] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_standardize():
    x = np.random.default_rng(4).normal(3.0, 5.0, (20, 3))
    z = standardize(x)
    assert abs(z.mean()) < 1e-12 and z.std() == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_array_equal(standardize(np.ones(4)), 0.0)


def test_invalid_arguments():
    rewards, values, next_values, terminated, truncated = random_batch(5)
    with pytest.raises(ValueError, match="gamma"):
        gae(rewards, values, next_values, terminated, truncated, gamma=1.5)
    with pytest.raises(ValueError, match="lam"):
        gae(rewards, values, next_values, terminated, truncated, lam=-0.1)
    with pytest.raises(ValueError, match="values"):
        gae(rewards, values[:-1], next_values, terminated, truncated)
    with pytest.raises(ValueError, match="rewards"):
        discounted_returns(rewards[:, 0], terminated[:, 0], truncated[:, 0])


def _vecnormalize_returns(rewards, done, gamma):
    """The running discounted return of each env, step by step, reset after an episode ends."""
    out, running = np.empty_like(rewards), np.zeros(rewards.shape[1])
    for t in range(rewards.shape[0]):
        for i in range(rewards.shape[1]):
            running[i] = gamma * running[i] + rewards[t, i]
            out[t, i] = running[i]
            if done[t, i]:
                running[i] = 0.0
    return out


def test_reward_scaler_divides_by_the_std_of_all_running_returns_seen():
    rng = np.random.default_rng(0)
    T, n, gamma = 50, 3, 0.9
    rewards = rng.normal(1.0, 2.0, size=(2 * T, n))
    term = rng.random((2 * T, n)) < 0.05
    trunc = rng.random((2 * T, n)) < 0.05
    scaler = RewardScaler(RunningMeanStd(()), gamma, clip=100.0)
    first = scaler(rewards[:T], term[:T], trunc[:T])
    second = scaler(rewards[T:], term[T:], trunc[T:])
    returns = _vecnormalize_returns(rewards, term | trunc, gamma)
    np.testing.assert_allclose(first, rewards[:T] / np.sqrt(returns[:T].var() + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(second, rewards[T:] / np.sqrt(returns.var() + 1e-8), rtol=1e-12)
    assert scaler.rms.count == 2 * T * n
    np.testing.assert_allclose(scaler.rms.var, returns.var(), rtol=1e-12)


def test_reward_scaler_keeps_signs_and_clips():
    scaler = RewardScaler(RunningMeanStd(()), 0.99, clip=1.0)
    rewards = np.array([[1e-3, -1e-3], [50.0, -50.0]])
    out = scaler(rewards, np.zeros((2, 2), bool), np.zeros((2, 2), bool))
    np.testing.assert_array_equal(np.sign(out), np.sign(rewards))
    assert out.max() == 1.0 and out.min() == -1.0  # 50 / std ≈ 1.41 is clipped


def test_reward_scaler_rejects_mismatched_flags():
    with pytest.raises(ValueError, match="terminated"):
        RewardScaler(RunningMeanStd(()), 0.99)(np.ones((4, 2)), np.zeros((4, 3), bool), np.zeros((4, 2), bool))
