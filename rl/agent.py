"""An agent: policy and value networks, their parameters, the observation
normalizer, the algorithm's carried state and the training counters —
everything a checkpoint holds.

A checkpoint is a folder with ``config.json`` (the :class:`~rl.config.Config`)
and ``checkpoint.npz`` (θ, φ, normalizer statistics, the algorithm's state,
counters and the random generator's state; no pickled objects). Both are
written to a temporary file and renamed into place, so a run killed mid-save
leaves the previous checkpoint intact.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

import gymnasium
import numpy as np

from .config import Config
from .policies import Policy, ValueFunction
from .sampler import RunningMeanStd
from .spaces import make_vec, normalizes_by_default
from .updates import UPDATES

__all__ = ["Agent", "CheckpointError", "atomic_write_bytes", "check_env_id", "spaces_of"]

CHECKPOINT = "checkpoint.npz"
CONFIG = "config.json"
TMP_SUFFIX = ".tmp"


class CheckpointError(ValueError):
    """A checkpoint or config file that cannot be read; the message names the file and why."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
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


def check_env_id(env_id: str, allow_import: bool) -> None:
    """Refuse gymnasium's ``module:Env-v0`` form unless the user allowed the import.

    gymnasium imports ``module`` to register the environment; a run folder from
    someone else must not run code because its config.json names a module.
    """
    if ":" in env_id and not allow_import:
        module = env_id.split(":", 1)[0]
        raise ValueError(
            f"env_id {env_id!r} would import the Python module {module!r}; pass --allow-import to trust it"
        )


def spaces_of(env_id: str, env_kwargs: dict[str, Any] | None = None) -> tuple[gymnasium.Space, gymnasium.Space]:
    """(observation space, action space) of a registered environment."""
    try:
        env = gymnasium.make(env_id, **(env_kwargs or {}))
    except TypeError as exc:
        raise ValueError(f"env_kwargs {env_kwargs!r} do not fit {env_id}: {exc}") from None
    try:
        return env.observation_space, env.action_space
    finally:
        env.close()


class Agent:
    """Policy π_θ, value function V_φ, observation normalizer, algorithm state and counters.

    Build one with :meth:`create` (fresh parameters from the config's seed) or
    :meth:`load` (from a checkpoint folder).
    """

    def __init__(self, config: Config, policy: Policy, value_function: ValueFunction, theta: np.ndarray,
                 phi: np.ndarray, obs_rms: RunningMeanStd, rng: np.random.Generator,
                 algo_state: dict[str, np.ndarray], steps: int = 0, iteration: int = 0,
                 best_eval: float = -np.inf, reward_rms: RunningMeanStd | None = None) -> None:
        self.config = config
        self.policy = policy
        self.value_function = value_function
        self.theta = theta
        self.phi = phi
        self.obs_rms = obs_rms
        self.reward_rms = RunningMeanStd(()) if reward_rms is None else reward_rms  # config.norm_reward's statistics
        self.rng = rng
        self.algo_state = algo_state
        self.steps = steps
        self.iteration = iteration
        self.best_eval = best_eval  # best deterministic evaluation return so far (−inf before any)

    @classmethod
    def create(cls, config: Config, *, allow_import: bool = False) -> Agent:
        """A fresh agent for ``config.env_id`` with parameters drawn from ``config.seed``."""
        check_env_id(config.env_id, allow_import)
        obs_space, act_space = spaces_of(config.env_id, config.env_kwargs)
        policy = Policy(obs_space, act_space, hidden=config.hidden, activation=config.activation,
                        log_std_init=config.log_std_init)
        vf = ValueFunction(obs_space, hidden=config.vf_hidden, activation=config.activation)
        rng = np.random.default_rng(config.seed)
        theta, phi = policy.init(rng), vf.init(rng)
        state = UPDATES[config.algo].initial_state(config, policy.n_params)
        return cls(config, policy, vf, theta, phi, RunningMeanStd(tuple(policy.input_space.shape)), rng, state)

    @property
    def normalizes(self) -> bool:
        if self.config.normalize_obs is None:
            return normalizes_by_default(self.policy.obs_space)
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
        """Environment actions for raw observations (n, *policy.input_space.shape): a Box's as they
        are, any other space flattened as ``rl.spaces`` describes."""
        actions, _ = self.policy.act(self.theta, self.normalize(obs), self.rng, deterministic=deterministic)
        return self.policy.env_action(actions)

    def evaluate(self, n_episodes: int = 10, deterministic: bool = True, seed: int | None = None,
                 max_episode_steps: int = 100_000) -> np.ndarray:
        """Undiscounted returns of ``n_episodes`` fresh episodes (normalizer frozen).

        Runs ``n_episodes`` environments side by side, one episode each, seeded
        from ``seed`` (default: a seed not used in training, config.seed + 10⁶).
        An episode still running after ``max_episode_steps`` steps (an
        environment without a time limit) is cut there.
        """
        if n_episodes < 1:
            raise ValueError(f"n_episodes must be ≥ 1; got {n_episodes}")
        if not np.all(np.isfinite(self.theta)):
            raise ValueError("the policy parameters θ are not finite; this checkpoint cannot act")
        seed = self.config.seed + 1_000_000 if seed is None else seed
        env, _ = make_vec(self.config.env_id, n_episodes, "sync", env_kwargs=self.config.env_kwargs)
        rng = np.random.default_rng(seed)
        normalize = self.normalizer()
        try:
            obs, _ = env.reset(seed=seed)
            returns = np.zeros(n_episodes)
            running = np.ones(n_episodes, dtype=bool)
            for _ in range(max_episode_steps):
                actions, _ = self.policy.act(self.theta, normalize(np.asarray(obs, dtype=np.float64)), rng,
                                             deterministic=deterministic)
                obs, rewards, terminated, truncated, _ = env.step(self.policy.env_action(actions))
                returns += np.where(running, rewards, 0.0)
                running &= ~(terminated | truncated)
                if not running.any():
                    break
        finally:
            env.close()
        return returns

    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``config.json`` and ``checkpoint.npz`` into ``folder`` atomically."""
        folder = Path(folder)
        state = {"steps": self.steps, "iteration": self.iteration, "rng": self.rng.bit_generator.state,
                 "algo": self.config.algo, "best_eval": self.best_eval if np.isfinite(self.best_eval) else None}
        buf = io.BytesIO()
        arrays = {f"algo_{k}": v for k, v in self.algo_state.items()}
        np.savez(buf, theta=self.theta, phi=self.phi, obs_mean=self.obs_rms.mean, obs_var=self.obs_rms.var,
                 obs_count=np.asarray(self.obs_rms.count), reward_mean=self.reward_rms.mean,
                 reward_var=self.reward_rms.var, reward_count=np.asarray(self.reward_rms.count),
                 state=np.asarray(json.dumps(state)), **arrays)
        atomic_write_bytes(folder / CONFIG, (json.dumps(self.config.to_dict(), indent=2) + "\n").encode())
        atomic_write_bytes(folder / CHECKPOINT, buf.getvalue())
        return folder

    @staticmethod
    def read_config(folder: str | os.PathLike[str]) -> Config:
        """The Config in ``folder/config.json``; a CheckpointError naming the file if it cannot be read."""
        path = Path(folder) / CONFIG
        if not path.is_file():
            raise CheckpointError(f"{path} does not exist: {folder} is not a run folder")
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CheckpointError(f"{path} is not valid JSON ({exc})") from None
        try:
            return Config.from_dict(data, source=str(path))
        except ValueError as exc:
            raise CheckpointError(str(exc)) from None

    @classmethod
    def load(cls, folder: str | os.PathLike[str], *, allow_import: bool = False) -> Agent:
        """Rebuild an agent saved by :meth:`save`; a CheckpointError says which file is bad and why."""
        folder = Path(folder)
        config = cls.read_config(folder)
        agent = cls.create(config, allow_import=allow_import)
        path = folder / CHECKPOINT
        if not path.is_file():
            raise CheckpointError(f"{path} does not exist")
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: np.array(data[key]) for key in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as exc:
            reason = "it holds pickled objects, which are never loaded" if "pickle" in str(exc) else str(exc)
            raise CheckpointError(f"{path} is not a readable checkpoint ({reason or type(exc).__name__})") from None
        try:
            agent._restore(arrays)
        except (KeyError, ValueError, TypeError) as exc:
            raise CheckpointError(f"{path} does not match {folder / CONFIG}: {exc}") from None
        return agent

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        for key in ("theta", "phi", "obs_mean", "obs_var", "obs_count", "reward_mean", "reward_var", "reward_count",
                    "state"):
            if key not in arrays:
                raise KeyError(f"missing array {key!r}")
        theta, phi = arrays["theta"].astype(np.float64), arrays["phi"].astype(np.float64)
        if theta.shape != self.theta.shape or phi.shape != self.phi.shape:
            raise ValueError(f"θ has shape {theta.shape} and φ {phi.shape}; the config's networks need "
                             f"{self.theta.shape} and {self.phi.shape}")
        if arrays["obs_mean"].shape != self.obs_rms.mean.shape or arrays["obs_var"].shape != self.obs_rms.var.shape:
            raise ValueError("the normalizer statistics do not match the observation space")
        state = json.loads(str(arrays["state"]))
        if state.get("algo", self.config.algo) != self.config.algo:
            raise ValueError(f"the checkpoint was written by {state['algo']!r}, the config says {self.config.algo!r}")
        algo_state = {}
        for key, initial in self.algo_state.items():
            stored = arrays.get(f"algo_{key}")
            if stored is None or stored.shape != initial.shape:
                raise ValueError(f"the {self.config.algo} state {key!r} is missing or has the wrong shape")
            algo_state[key] = stored.astype(np.float64)
        self.theta, self.phi, self.algo_state = theta, phi, algo_state
        self.obs_rms = RunningMeanStd.from_dict(
            {"mean": arrays["obs_mean"], "var": arrays["obs_var"], "count": arrays["obs_count"]}
        )
        self.reward_rms = RunningMeanStd.from_dict(
            {"mean": arrays["reward_mean"], "var": arrays["reward_var"], "count": arrays["reward_count"]}
        )
        self.steps, self.iteration = int(state["steps"]), int(state["iteration"])
        self.best_eval = -np.inf if state.get("best_eval") is None else float(state["best_eval"])
        self.rng.bit_generator.state = state["rng"]
