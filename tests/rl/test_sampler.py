"""rl.sampler: episode boundaries, bootstrapping observations, seeding, normalization."""

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from hypothesis import given, settings
from hypothesis import strategies as st

from rl.policies import Policy
from rl.sampler import RunningMeanStd, Sampler

COUNTER_ID = "TrustoptTestCounter-v0"
LENGTHS = (2, 9, 3, 5, 1, 7)  # episode k terminates after LENGTHS[k % 6] steps ...
TIME_LIMIT = 5  # ... unless the TimeLimit wrapper truncates it first (5 does both at once)


class CounterEnv(gymnasium.Env):
    """Observation [episode, step]; reward = step + 10·action; dynamics ignore the action.

    A seeded reset draws the first episode number from the seed, so different
    seeds give different data.
    """

    observation_space = spaces.Box(0.0, np.inf, (2,), np.float64)
    action_space = spaces.Discrete(2)

    def __init__(self):
        self._episode = -1

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._episode = int(self.np_random.integers(0, 6)) if seed is not None else self._episode + 1
        self._step = 0
        return self._obs(), {}

    def step(self, action):
        self._step += 1
        terminated = self._step >= LENGTHS[self._episode % len(LENGTHS)]
        return self._obs(), float(self._step + 10 * int(action)), terminated, False, {}

    def _obs(self):
        return np.array([self._episode, self._step], dtype=np.float64)


if COUNTER_ID not in gymnasium.registry:
    gymnasium.register(COUNTER_ID, entry_point=CounterEnv, max_episode_steps=TIME_LIMIT)


def collect(sampler, n_batches, seed=0, **policy_kwargs):
    policy = Policy(sampler.observation_space, sampler.action_space, hidden=(8,), **policy_kwargs)
    rng = np.random.default_rng(seed)
    theta = policy.init(rng)
    return policy, theta, [sampler.collect(policy, theta, rng) for _ in range(n_batches)]


def test_no_transition_spans_two_episodes():
    with Sampler(COUNTER_ID, n_envs=3, n_steps=7, seed=11, normalize_obs=False) as sampler:
        _, _, batches = collect(sampler, 4)
    for prev, nxt in zip(batches[:-1], batches[1:]):
        np.testing.assert_array_equal(nxt.obs[0], prev.last_obs)
    cat = {k: np.concatenate([getattr(b, k) for b in batches]) for k in
           ("obs", "next_obs", "actions", "rewards", "terminated", "truncated")}
    T = cat["rewards"].shape[0]
    seen = {"terminated": 0, "truncated": 0, "both": 0}
    for i in range(3):
        for t in range(T):
            episode, step = cat["obs"][t, i]
            term, trunc = cat["terminated"][t, i], cat["truncated"][t, i]
            # the stored next observation is the true successor, in the same episode
            np.testing.assert_array_equal(cat["next_obs"][t, i], [episode, step + 1])
            assert cat["rewards"][t, i] == step + 1 + 10 * cat["actions"][t, i]
            assert term == (step + 1 == LENGTHS[int(episode) % 6])
            assert trunc == (step + 1 == TIME_LIMIT)
            seen["terminated"] += term and not trunc
            seen["truncated"] += trunc and not term
            seen["both"] += term and trunc
            if t + 1 < T:
                expected = [episode + 1, 0] if term or trunc else cat["next_obs"][t, i]
                np.testing.assert_array_equal(cat["obs"][t + 1, i], expected)
    assert min(seen.values()) > 0, seen


def test_episode_returns_and_lengths_are_sums_over_completed_episodes():
    with Sampler(COUNTER_ID, n_envs=2, n_steps=6, seed=3, normalize_obs=False) as sampler:
        _, _, batches = collect(sampler, 5)
    returns, lengths = [], []
    running, count = np.zeros(2), np.zeros(2, dtype=int)
    for b in batches:
        for t in range(b.n_steps):
            running += b.rewards[t]
            count += 1
            for i in np.flatnonzero(b.terminated[t] | b.truncated[t]):
                returns.append(running[i])
                lengths.append(count[i])
                running[i], count[i] = 0.0, 0
    np.testing.assert_array_equal(np.concatenate([b.episode_returns for b in batches]), returns)
    np.testing.assert_array_equal(np.concatenate([b.episode_lengths for b in batches]), lengths)
    assert len(returns) > 5


def assert_batches_equal(a, b):
    for field in a.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


def test_same_seed_same_batches():
    runs = []
    for seed in (5, 5, 6):
        with Sampler("CartPole-v1", n_envs=3, n_steps=40, seed=seed) as sampler:
            runs.append(collect(sampler, 2, seed=seed)[2])
    for a, b in zip(runs[0], runs[1]):
        assert_batches_equal(a, b)
    assert not np.array_equal(runs[0][0].obs, runs[2][0].obs)


def test_cartpole_batch_shapes_and_log_probs():
    with Sampler("CartPole-v1", n_envs=4, n_steps=30, seed=0) as sampler:
        policy, theta, (batch,) = collect(sampler, 1)
    assert batch.obs.shape == batch.next_obs.shape == (30, 4, 4)
    assert batch.actions.shape == batch.log_probs.shape == (30, 4) and batch.size == 120
    assert batch.obs.dtype == np.float64 and batch.actions.dtype == np.int64
    logp = policy.log_prob(theta, batch.obs.reshape(-1, 4), batch.actions.ravel())
    np.testing.assert_allclose(batch.log_probs.ravel(), logp, rtol=1e-13)


def test_box_actions_stored_unclipped_and_time_limit_truncates():
    with Sampler("Pendulum-v1", n_envs=2, n_steps=205, seed=0) as sampler:
        policy, theta, (batch,) = collect(sampler, 1, log_std_init=1.0)
    assert batch.actions.shape == (205, 2, 1)
    assert np.abs(batch.actions).max() > 2.0  # Pendulum's bound; the env got clipped actions
    np.testing.assert_allclose(
        batch.log_probs.ravel(), policy.log_prob(theta, batch.obs.reshape(-1, 3), batch.actions.reshape(-1, 1))
    )
    assert not batch.terminated.any()
    np.testing.assert_array_equal(np.flatnonzero(batch.truncated[:, 0]), [199])
    assert not np.array_equal(batch.next_obs[199], batch.obs[200])  # final obs kept, not the reset one


def test_observation_normalization_uses_frozen_running_statistics():
    """Counter dynamics ignore actions, so raw observations are the same with or without normalization."""
    with Sampler(COUNTER_ID, n_envs=2, n_steps=9, seed=1, normalize_obs=False) as raw_sampler:
        raw = collect(raw_sampler, 3)[2]
    with Sampler(COUNTER_ID, n_envs=2, n_steps=9, seed=1, clip_obs=1e6) as sampler:
        assert sampler.normalize_obs
        norm = collect(sampler, 3)[2]
    for k in range(3):
        seen = np.concatenate([b.obs for b in raw[:k]]).reshape(-1, 2) if k else None
        mean = seen.mean(axis=0) if k else 0.0
        std = np.sqrt(seen.var(axis=0) + 1e-8) if k else np.sqrt(1.0 + 1e-8)
        for field in ("obs", "next_obs", "last_obs"):
            np.testing.assert_allclose(getattr(norm[k], field), (getattr(raw[k], field) - mean) / std, atol=1e-12)
    all_obs = np.concatenate([b.obs for b in raw]).reshape(-1, 2)
    np.testing.assert_allclose(sampler.obs_rms.mean, all_obs.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sampler.obs_rms.var, all_obs.var(axis=0), rtol=1e-12)
    assert sampler.obs_rms.count == all_obs.shape[0]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=6), st.integers(0, 1000))
def test_running_mean_std_matches_numpy(chunks, seed):
    rng = np.random.default_rng(seed)
    data = rng.normal(3.0, 2.0, (sum(chunks), 3)) * [1.0, 10.0, 0.1]
    rms = RunningMeanStd((3,))
    start = 0
    for c in chunks:
        rms.update(data[start : start + c])
        start += c
    np.testing.assert_allclose(rms.mean, data.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(rms.var, data.var(axis=0), rtol=1e-10, atol=1e-14)
    assert rms.count == len(data)
    restored = RunningMeanStd.from_dict({k: np.asarray(v) for k, v in rms.to_dict().items()})
    for key in ("mean", "var"):
        np.testing.assert_array_equal(getattr(restored, key), getattr(rms, key))
    assert restored.count == rms.count
    copy = rms.copy()
    copy.update(np.full((5, 3), 100.0))  # a copy moves on alone
    np.testing.assert_array_equal(rms.mean, restored.mean)
    assert copy.count == rms.count + 5 and not np.allclose(copy.mean, rms.mean)


def test_normalize_clips():
    rms = RunningMeanStd((2,))
    rms.update(np.array([[0.0, 0.0], [2.0, 2.0]]))
    np.testing.assert_allclose(rms.normalize(np.array([[1.0, 100.0]]), clip=10.0), [[0.0, 10.0]])


def counter_vector_env(mode):
    return lambda: SyncVectorEnv([lambda: gymnasium.make(COUNTER_ID)] * 2, autoreset_mode=mode)


def test_env_factory_must_autoreset_on_the_same_step():
    with pytest.raises(ValueError, match="SAME_STEP"):
        Sampler(counter_vector_env(AutoresetMode.NEXT_STEP))
    with pytest.raises(ValueError, match="n_envs"):
        Sampler(counter_vector_env(AutoresetMode.SAME_STEP), n_envs=3)
    with Sampler(counter_vector_env(AutoresetMode.SAME_STEP), n_steps=6, seed=2, normalize_obs=False) as s:
        from_factory = collect(s, 2)[2]
    with Sampler(COUNTER_ID, n_envs=2, n_steps=6, seed=2, normalize_obs=False) as s:
        from_id = collect(s, 2)[2]
    for a, b in zip(from_factory, from_id):
        assert_batches_equal(a, b)


def test_async_equals_sync():
    batches = []
    for mode in ("sync", "async"):
        with Sampler(COUNTER_ID, n_envs=2, n_steps=8, seed=4, vectorization_mode=mode) as s:
            batches.append(collect(s, 2)[2])
    for a, b in zip(*batches):
        assert_batches_equal(a, b)
