"""An agent: policy and value networks, their parameters, the observation
normalizer and the training counters — everything a checkpoint holds.

A checkpoint is a folder with ``config.json`` (the :class:`~rl.algorithms.Config`)
and ``checkpoint.npz`` (θ, φ, normalizer statistics, counters and the random
generator's state). Both are written to a temporary file and renamed into
place, so a run killed mid-save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import gymnasium
import numpy as np

from .policies import Policy, ValueFunction
from .sampler import RunningMeanStd

if TYPE_CHECKING:
    from .algorithms import Config

__all__ = ["Agent", "atomic_write_bytes"]

CHECKPOINT = "checkpoint.npz"
CONFIG = "config.json"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def spaces_of(env_id: str, env_kwargs: dict[str, Any] | None = None) -> tuple[gymnasium.Space, gymnasium.Space]:
    """(observation space, action space) of a registered environment."""
    env = gymnasium.make(env_id, **(env_kwargs or {}))
    try:
        return env.observation_space, env.action_space
    finally:
        env.close()


class Agent:
    """Policy π_θ, value function V_φ, observation normalizer and counters.

    Build one with :meth:`create` (fresh parameters from the config's seed) or
    :meth:`load` (from a checkpoint folder).
    """

    def __init__(
        self,
        config: Config,
        policy: Policy,
        value_function: ValueFunction,
        theta: np.ndarray,
        phi: np.ndarray,
        obs_rms: RunningMeanStd,
        rng: np.random.Generator,
        steps: int = 0,
        iteration: int = 0,
    ) -> None:
        self.config = config
        self.policy = policy
        self.value_function = value_function
        self.theta = theta
        self.phi = phi
        self.obs_rms = obs_rms
        self.rng = rng
        self.steps = steps
        self.iteration = iteration

    @classmethod
    def create(cls, config: Config) -> Agent:
        """A fresh agent for ``config.env_id`` with parameters drawn from ``config.seed``."""
        obs_space, act_space = spaces_of(config.env_id, config.env_kwargs)
        policy = Policy(obs_space, act_space, hidden=config.hidden, activation=config.activation,
                        log_std_init=config.log_std_init)
        vf = ValueFunction(obs_space, hidden=config.vf_hidden, activation=config.activation)
        rng = np.random.default_rng(config.seed)
        theta, phi = policy.init(rng), vf.init(rng)
        return cls(config, policy, vf, theta, phi, RunningMeanStd(tuple(obs_space.shape)), rng)

    @property
    def normalizes(self) -> bool:
        if self.config.normalize_obs is None:
            return isinstance(self.policy.obs_space, gymnasium.spaces.Box)
        return self.config.normalize_obs

    def normalizer(self) -> Callable[[np.ndarray], np.ndarray]:
        """raw observations ↦ what the policy sees, with the statistics as they are now."""
        if not self.normalizes:
            return np.asarray
        return self.obs_rms.normalizer(self.config.clip_obs)

    def normalize(self, obs: np.ndarray) -> np.ndarray:
        """Observations as the policy sees them (normalized with the saved statistics)."""
        return self.normalizer()(np.asarray(obs, dtype=np.float64))

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        """Environment actions for raw observations (n, *obs_shape)."""
        actions, _ = self.policy.act(self.theta, self.normalize(obs), self.rng, deterministic=deterministic)
        return self.policy.env_action(actions)

    def evaluate(self, n_episodes: int = 10, deterministic: bool = True, seed: int | None = None) -> np.ndarray:
        """Undiscounted returns of ``n_episodes`` fresh episodes (normalizer frozen).

        Runs ``n_episodes`` environments side by side, one episode each, seeded
        from ``seed`` (default: a seed not used in training, config.seed + 10⁶).
        """
        if n_episodes < 1:
            raise ValueError(f"n_episodes must be ≥ 1; got {n_episodes}")
        seed = self.config.seed + 1_000_000 if seed is None else seed
        env = gymnasium.make_vec(self.config.env_id, num_envs=n_episodes, vectorization_mode="sync",
                                 **(self.config.env_kwargs or {}))
        rng = np.random.default_rng(seed)
        normalize = self.normalizer()
        try:
            obs, _ = env.reset(seed=seed)
            returns = np.zeros(n_episodes)
            running = np.ones(n_episodes, dtype=bool)
            while running.any():
                actions, _ = self.policy.act(self.theta, normalize(np.asarray(obs, dtype=np.float64)), rng,
                                             deterministic=deterministic)
                obs, rewards, terminated, truncated, _ = env.step(self.policy.env_action(actions))
                returns += np.where(running, rewards, 0.0)
                running &= ~(terminated | truncated)
        finally:
            env.close()
        return returns

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``config.json`` and ``checkpoint.npz`` into ``folder`` atomically."""
        folder = Path(folder)
        state = {"steps": self.steps, "iteration": self.iteration, "rng": self.rng.bit_generator.state}
        buf = io.BytesIO()
        np.savez(
            buf, theta=self.theta, phi=self.phi,
            obs_mean=self.obs_rms.mean, obs_var=self.obs_rms.var, obs_count=np.asarray(self.obs_rms.count),
            state=np.asarray(json.dumps(state)),
        )
        atomic_write_bytes(folder / CHECKPOINT, buf.getvalue())
        atomic_write_bytes(folder / CONFIG, (json.dumps(asdict(self.config), indent=2) + "\n").encode())
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Agent:
        """Rebuild an agent saved by :meth:`save`."""
        from .algorithms import Config

        folder = Path(folder)
        if not (folder / CHECKPOINT).is_file() or not (folder / CONFIG).is_file():
            raise FileNotFoundError(f"{folder} holds no checkpoint ({CONFIG} and {CHECKPOINT} expected)")
        config = Config.from_dict(json.loads((folder / CONFIG).read_text()))
        agent = cls.create(config)
        with np.load(folder / CHECKPOINT) as data:
            theta, phi = np.array(data["theta"]), np.array(data["phi"])
            if theta.shape != agent.theta.shape or phi.shape != agent.phi.shape:
                raise ValueError(f"checkpoint in {folder} does not match its config's networks")
            agent.theta, agent.phi = theta, phi
            agent.obs_rms = RunningMeanStd.from_dict(
                {"mean": data["obs_mean"], "var": data["obs_var"], "count": data["obs_count"]}
            )
            state = json.loads(str(data["state"]))
        agent.steps, agent.iteration = int(state["steps"]), int(state["iteration"])
        agent.rng.bit_generator.state = state["rng"]
        return agent
