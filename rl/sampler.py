"""Collect fixed-size batches of experience from a gymnasium vector environment.

Every ``collect`` call runs T = ``n_steps`` steps in each of the n_envs
environments, evaluating the policy once per step for all environments at
once, and returns a ``Batch`` of time-major (T, n_envs, …) arrays.

Episode boundaries.  Gymnasium ≥ 1.0 vector environments reset a finished
sub-environment on the *next* ``step`` call by default, which would make one
stored "transition" per episode span two episodes.  The sampler instead runs
the vector environment in ``AutoresetMode.SAME_STEP``: a finished
sub-environment is reset inside the step that finished it, the step returns
the reset observation, and the true final observation arrives in
``infos["final_obs"]``.  So every stored transition (obs[t], actions[t],
rewards[t], next_obs[t]) lies within one episode, and on truncation
``next_obs[t]`` is the real final observation, the one to bootstrap from.

Observations that are not a ``Box`` (Discrete, Dict, …) are flattened in
every sub-environment as ``rl.spaces`` describes; batches hold the flat
vectors.  Observation normalization.  With ``normalize_obs`` (the default for
``Box`` observations only) observations are mapped to clip((x − μ) / √(σ² + ε), ±clip_obs)
with running statistics that stay frozen while a batch is collected and are
updated from the batch's raw observations afterwards, as OpenAI baselines'
TRPO does.  A batch therefore holds exactly the observations the policy saw,
all normalized with the same statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv

from rl import spaces as rl_spaces


class NonFiniteData(RuntimeError):
    """An environment returned a non-finite observation or reward; the message names the env and step."""


class ActingPolicy(Protocol):
    """What the sampler needs from a policy (``rl.policies.Policy`` has it)."""

    def act(
        self, theta: np.ndarray, obs: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Actions and their log-probabilities for a batch of observations."""
        ...

    def env_action(self, actions: np.ndarray) -> np.ndarray:
        """The actions in the form env.step accepts."""
        ...


class RunningMeanStd:
    """Running mean and (population) variance of arrays of a fixed shape.

    Batches are merged with the parallel form of Welford's algorithm (Chan,
    Golub & LeVeque 1979), so the statistics equal np.mean / np.var (ddof=0)
    over all data seen, whatever the batching.  Before any data, mean = 0 and
    var = 1, so normalizing is the identity.

    shape: shape of one sample, e.g. (obs_dim,).
    """

    def __init__(self, shape: tuple[int, ...] = ()) -> None:
        self.shape = tuple(shape)
        self.mean = np.zeros(self.shape)
        self.var = np.ones(self.shape)
        self.count = 0

    def update(self, x: np.ndarray) -> None:
        """Add the samples x of shape (B, *shape)."""
        x = np.asarray(x, dtype=np.float64).reshape((-1, *self.shape))
        if x.shape[0]:
            self.update_from_moments(x.mean(axis=0), x.var(axis=0), x.shape[0])

    def update_from_moments(self, batch_mean: np.ndarray, batch_var: np.ndarray, batch_count: int) -> None:
        """Merge a batch given by its mean, population variance and size."""
        total = self.count + batch_count
        delta = batch_mean - self.mean
        m2 = self.var * self.count + batch_var * batch_count + delta * delta * (self.count * batch_count / total)
        self.mean = self.mean + delta * (batch_count / total)
        self.var = m2 / total
        self.count = total

    def normalize(self, x: np.ndarray, clip: float = 10.0, eps: float = 1e-8) -> np.ndarray:
        """clip((x − mean) / √(var + eps), −clip, clip); x of shape (…, *shape)."""
        return self.normalizer(clip, eps)(x)

    def normalizer(self, clip: float = 10.0, eps: float = 1e-8) -> Callable[[np.ndarray], np.ndarray]:
        """``normalize`` with the current statistics frozen (later updates do not affect it).

        Precomputes 1/√(var + eps) so each call is four cheap ufuncs.
        """
        mean, inv_std = self.mean.copy(), 1.0 / np.sqrt(self.var + eps)

        def normalize(x: np.ndarray) -> np.ndarray:
            z = x - mean
            z *= inv_std
            np.minimum(z, clip, out=z)
            return np.maximum(z, -clip, out=z)

        return normalize

    def to_dict(self) -> dict[str, np.ndarray]:
        """The state as arrays (e.g. for ``np.savez``): mean, var, count."""
        return {"mean": self.mean.copy(), "var": self.var.copy(), "count": np.asarray(self.count)}

    def copy(self) -> RunningMeanStd:
        """An independent copy (later updates of either leave the other alone)."""
        return RunningMeanStd.from_dict(self.to_dict())

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> RunningMeanStd:
        """Rebuild from ``to_dict``'s output."""
        mean = np.array(state["mean"], dtype=np.float64)
        rms = cls(mean.shape)
        rms.mean = mean
        rms.var = np.array(state["var"], dtype=np.float64)
        rms.count = int(state["count"])
        return rms


@dataclass(frozen=True)
class Batch:
    """T steps from each of n_envs environments, time-major.

    obs:          (T, n_envs, *obs_shape) float64, observations as the policy saw
                  them (normalized if the sampler normalizes).
    actions:      (T, n_envs) int64 (Discrete) or (T, n_envs, d) float64 (Box,
                  unclipped samples).
    log_probs:    (T, n_envs) log π_old(actions | obs) of the sampling policy.
    rewards:      (T, n_envs) raw rewards.
    terminated:   (T, n_envs) bool, the step reached a terminal state.
    truncated:    (T, n_envs) bool, the episode was cut off (e.g. time limit).
    next_obs:     (T, n_envs, *obs_shape) the observation that followed each step,
                  normalized like obs; where the step ended an episode it is
                  that episode's final observation (not the reset one).
                  next_obs[t] == obs[t+1] wherever the episode goes on.
    last_obs:     (n_envs, *obs_shape) the observation the next batch starts from.
    episode_returns: (E,) undiscounted raw returns of the episodes that ended in
                  this batch (including steps taken in earlier batches).
    episode_lengths: (E,) their lengths in steps.
    """

    obs: np.ndarray
    actions: np.ndarray
    log_probs: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    next_obs: np.ndarray
    last_obs: np.ndarray
    episode_returns: np.ndarray
    episode_lengths: np.ndarray

    @property
    def n_steps(self) -> int:
        """T, steps per environment."""
        return self.rewards.shape[0]

    @property
    def n_envs(self) -> int:
        """Number of environments."""
        return self.rewards.shape[1]

    @property
    def size(self) -> int:
        """T · n_envs transitions."""
        return self.rewards.size


class Sampler:
    """Runs a policy in a vector environment, ``n_steps`` steps per environment per call.

    env: a gymnasium id, made with ``rl.spaces.make_vec(env, n_envs,
        vectorization_mode, vector_kwargs={"autoreset_mode": SAME_STEP, "copy": False})``
        (non-Box observations flattened in each sub-environment); or a callable
        returning a ``VectorEnv`` that must use ``AutoresetMode.SAME_STEP`` and
        have Box observations (ValueError otherwise).
    n_envs: number of environments for an id (default 8); for a callable, if
        given, it must match the environment's ``num_envs``.
    n_steps: T, steps per environment per ``collect`` (default 256).
    seed: passed to the first ``reset`` (sub-environment i gets seed + i).
    vectorization_mode: "sync" (default) or "async", for an id.
    normalize_obs: running observation normalization; default: on when the
        environment's own observation space is a Box, off for a flattened one.
    clip_obs: clip normalized observations to ±clip_obs (default 10, as in
        OpenAI baselines' VecNormalize).
    env_kwargs: keyword arguments for the environment constructor, for an id.
    """

    #: No worker process to run a side task in (``rl.workers.ParallelSampler.offloads``).
    offloads = False

    def __init__(
        self,
        env: str | Callable[[], VectorEnv],
        n_envs: int | None = None,
        n_steps: int = 256,
        seed: int | None = None,
        vectorization_mode: str = "sync",
        normalize_obs: bool | None = None,
        clip_obs: float = 10.0,
        env_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if n_steps < 1:
            raise ValueError(f"n_steps must be ≥ 1, got {n_steps}")
        if not clip_obs > 0:
            raise ValueError(f"clip_obs must be positive, got {clip_obs}")
        if isinstance(env, str):
            n_envs = 8 if n_envs is None else n_envs
            if n_envs < 1:
                raise ValueError(f"n_envs must be ≥ 1, got {n_envs}")
            if vectorization_mode not in ("sync", "async"):
                raise ValueError(f"vectorization_mode must be 'sync' or 'async', got {vectorization_mode!r}")
            self.env, self.env_observation_space = rl_spaces.make_vec(
                env,
                n_envs,
                vectorization_mode,
                vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP, "copy": False},
                env_kwargs=env_kwargs,
            )
        elif callable(env):
            self.env = env()
            self.env_observation_space = self.env.single_observation_space
            if n_envs is not None and n_envs != self.env.num_envs:
                raise ValueError(f"n_envs={n_envs} does not match the environment's num_envs={self.env.num_envs}")
            if not isinstance(self.env_observation_space, gymnasium.spaces.Box):
                self.env.close()
                raise ValueError(
                    f"env returned a VectorEnv with observation space {self.env_observation_space!r}: a callable "
                    "env must give Box observations (wrap its sub-environments in "
                    "gymnasium.wrappers.FlattenObservation), or pass a gymnasium id"
                )
        else:
            raise ValueError(f"env must be a gymnasium id or a callable returning a VectorEnv, got {env!r}")
        mode = self.env.metadata.get("autoreset_mode")
        if mode != AutoresetMode.SAME_STEP:
            self.env.close()
            raise ValueError(
                f"env must use AutoresetMode.SAME_STEP (got {mode!r}): with next-step autoreset a stored "
                "transition would span two episodes"
            )
        self.n_envs = self.env.num_envs
        self.n_steps = int(n_steps)
        self.seed = seed
        self.observation_space = self.env.single_observation_space
        self.action_space = self.env.single_action_space
        if normalize_obs is None:
            normalize_obs = rl_spaces.normalizes_by_default(self.env_observation_space)
        self.normalize_obs = bool(normalize_obs)
        self.clip_obs = float(clip_obs)
        self.obs_shape = tuple(self.observation_space.shape)
        self.obs_rms = RunningMeanStd(self.obs_shape)
        self._obs: np.ndarray | None = None
        self._ep_return = np.zeros(self.n_envs)
        self._ep_length = np.zeros(self.n_envs, dtype=np.int64)
        self._pending: Batch | None = None

    def close(self) -> None:
        """Close the environments."""
        self.env.close()

    def __enter__(self) -> Sampler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, policy: ActingPolicy, theta: np.ndarray, rng: np.random.Generator) -> None:
        """``collect``, kept for ``finish`` (the interface rl.loop uses to overlap work with sampling)."""
        self._pending = self.collect(policy, theta, rng)

    def finish(self) -> Batch:
        """The Batch of the last ``start``."""
        batch = self._pending
        if batch is None:
            raise RuntimeError("finish called without start")
        self._pending = None
        return batch

    def collect(self, policy: ActingPolicy, theta: np.ndarray, rng: np.random.Generator) -> Batch:
        """Run T = n_steps steps in every environment and return the Batch.

        policy: has ``act(theta, obs (n_envs, …), rng) -> (actions, log_probs)``
            and ``env_action(actions)``, e.g. ``rl.policies.Policy``.
        theta: the policy parameters.  rng: draws the actions.
        The environments carry on from where the previous call left them; the
        first call resets them with ``seed``.  The same seed and the same rng
        state give the same batch.
        """
        if self._obs is None:
            obs, _ = self.env.reset(seed=self.seed)
            self._obs = np.array(obs, dtype=np.float64)
        T, n = self.n_steps, self.n_envs
        normalize = self.obs_rms.normalizer(self.clip_obs) if self.normalize_obs else None
        raw = np.empty((T + 1, n, *self.obs_shape))
        raw[0] = self._obs
        rewards = np.empty((T, n))
        terminated = np.empty((T, n), dtype=bool)
        truncated = np.empty((T, n), dtype=bool)
        actions, log_probs = [], []
        finals: list[tuple[int, np.ndarray, np.ndarray]] = []
        for t in range(T):
            a, logp = policy.act(theta, normalize(raw[t]) if normalize else raw[t], rng)
            actions.append(a)
            log_probs.append(logp)
            obs, rewards[t], terminated[t], truncated[t], info = self.env.step(policy.env_action(a))
            raw[t + 1] = obs
            if "final_obs" in info:  # present only on steps where some episode ended
                idx = np.flatnonzero(info["_final_obs"])
                finals.append((t, idx, np.stack(info["final_obs"][idx])))
        next_raw = raw[1:].copy()
        for t, idx, final in finals:
            next_raw[t, idx] = final
        # Checked before the normalizer sees the batch: one NaN would poison its mean for good.
        self._check_finite("observation", next_raw.reshape(T, n, -1))
        self._check_finite("reward", rewards.reshape(T, n, 1))
        self._obs = raw[T].copy()
        episode_returns, episode_lengths = self._episode_stats(rewards, terminated | truncated)
        if normalize is None:
            normalize = np.asarray
        batch = Batch(
            obs=normalize(raw[:T]),
            actions=np.stack(actions),
            log_probs=np.stack(log_probs),
            rewards=rewards,
            terminated=terminated,
            truncated=truncated,
            next_obs=normalize(next_raw),
            last_obs=normalize(raw[T]),
            episode_returns=episode_returns,
            episode_lengths=episode_lengths,
        )
        if self.normalize_obs:
            self.obs_rms.update(raw[:T])
        return batch

    def _check_finite(self, what: str, values: np.ndarray) -> None:
        """Raise NonFiniteData at the first (step, env) whose ``values`` (T, n, k) are not all finite."""
        bad = ~np.isfinite(values).all(axis=2)
        if bad.any():
            t, i = np.argwhere(bad)[0]
            self._obs = None  # the environments' state is unusable; a new collect resets them
            raise NonFiniteData(f"environment {i} returned a non-finite {what} at step {t + 1} of this batch")

    def _episode_stats(self, rewards: np.ndarray, done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Returns and lengths of the episodes ending in this batch, in (t, env) order.

        Carries the partial return and length of unfinished episodes over to
        the next batch.  Done after the loop, so the per-step loop stays lean.
        """
        returns, lengths = [], []
        ep_return, ep_length = self._ep_return, self._ep_length
        start = np.zeros(self.n_envs, dtype=np.int64)
        for t, i in zip(*np.nonzero(done)):
            returns.append(ep_return[i] + rewards[start[i] : t + 1, i].sum())
            lengths.append(ep_length[i] + t + 1 - start[i])
            ep_return[i], ep_length[i], start[i] = 0.0, 0, t + 1
        for i in range(self.n_envs):
            ep_return[i] += rewards[start[i] :, i].sum()
            ep_length[i] += rewards.shape[0] - start[i]
        return np.asarray(returns, dtype=np.float64), np.asarray(lengths, dtype=np.int64)
