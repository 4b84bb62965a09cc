"""The Ray backend of the sampler: each block of environments lives in a Ray actor.

``RaySampler`` has ``ParallelSampler``'s interface and returns the same batch
for the same seed (the blocks run the same ``rl.workers.BlockSampler``); Ray
does the placement, the transport and the fault reporting.  ``ray.init()`` is
called, local, only if Ray is not initialized yet — to join a cluster, call
``ray.init(address=...)`` first (the CLI's ``--ray-address`` does).
Install with ``pip install -e '.[ray]'``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from .sampler import ActingPolicy, Batch, RunningMeanStd
from .workers import BlockSampler, BlockSpec, WorkerError, _run_block, _run_side, assemble, blocks, raise_remote


class _BlockActor:
    """A BlockSampler inside a Ray actor; answers as ``rl.workers._run_block`` does (errors as data)."""

    def __init__(self, spec: BlockSpec) -> None:
        from threadpoolctl import threadpool_limits

        # One BLAS thread, as the training loop: the actor shares the cores with its peers.
        self._limits = threadpool_limits(limits=1)
        self.block = BlockSampler(spec)
        self.side_task: Callable[..., Any] | None = None

    def set_side_task(self, fn: Callable[..., Any]) -> None:
        self.side_task = fn

    def side(self, *args: Any) -> tuple:
        return _run_side(self.side_task, args)

    def set_policy(self, policy: ActingPolicy) -> None:
        self.block.set_policy(policy)

    def collect(self, theta: np.ndarray, norm: Any, entropy: int) -> tuple:
        return _run_block(self.block, ("collect", theta, norm, entropy))

    def close(self) -> None:
        self.block.close()


class RaySampler:
    """``Sampler``'s interface over W Ray actors, one block of environments each.

    env, n_envs, n_steps, seed, normalize_obs, clip_obs, env_kwargs: as ``rl.workers.ParallelSampler``.
    n_workers: W actors in [1, n_envs] (default 2), one CPU each.

    ``set_side_task`` / ``submit`` / ``side_result`` run a side task in the
    last actor between batches, as ``ParallelSampler``'s do (``offloads`` is
    always True: every block is remote).
    """

    def __init__(self, env: str, n_envs: int = 8, n_steps: int = 256, seed: int | None = None,
                 n_workers: int = 2, normalize_obs: bool | None = None, clip_obs: float = 10.0,
                 env_kwargs: dict[str, Any] | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise ValueError("sampler_backend='ray' needs Ray: pip install -e '.[ray]'") from None
        if not isinstance(env, str):
            raise ValueError(f"env must be a gymnasium id, got {env!r}")
        if n_steps < 1:
            raise ValueError(f"n_steps must be ≥ 1, got {n_steps}")
        if not clip_obs > 0:
            raise ValueError(f"clip_obs must be positive, got {clip_obs}")
        self._ray = ray
        if not ray.is_initialized():
            ray.init(include_dashboard=False, logging_level="warning")
        self.n_envs, self.n_steps, self.seed, self.n_workers = int(n_envs), int(n_steps), seed, int(n_workers)
        self.clip_obs = float(clip_obs)
        specs = [BlockSpec(env, dict(env_kwargs or {}), lo, hi, self.n_envs, self.n_steps, seed)
                 for lo, hi in blocks(self.n_envs, self.n_workers)]
        probe = BlockSampler(BlockSpec(env, dict(env_kwargs or {}), 0, 1, 1, 1, None))
        self.observation_space = probe.env.single_observation_space
        self.action_space = probe.env.single_action_space
        probe.close()
        if normalize_obs is None:
            normalize_obs = isinstance(self.observation_space, spaces.Box)
        self.normalize_obs = bool(normalize_obs)
        self.obs_shape = tuple(self.observation_space.shape)
        self.obs_rms = RunningMeanStd(self.obs_shape)
        actor = ray.remote(num_cpus=1)(_BlockActor)
        self._specs = specs
        self._actors = [actor.options(name=None).remote(spec) for spec in specs]
        self._policy: ActingPolicy | None = None
        self._pending: list[Any] | None = None  # the actors' answers to the last start
        self._side_ref: Any = None  # the last actor's answer to the last submit

    offloads = True

    def set_side_task(self, fn: Callable[..., Any]) -> None:
        """The callable ``submit`` runs in the last actor (cloudpickled to it once, now)."""
        self._get([self._actors[-1].set_side_task.remote(fn)], [len(self._actors) - 1])

    def submit(self, *args: Any) -> None:
        """Run the side task on ``args`` in the last actor; ``side_result`` returns its value."""
        if self._pending is not None or self._side_ref is not None:
            raise RuntimeError("submit needs the last batch finished and the last side task's result taken")
        self._side_ref = self._actors[-1].side.remote(*args)

    def side_result(self) -> Any:
        """The value of the last ``submit``'s side task (its exception re-raised as WorkerError naming the actor)."""
        if self._side_ref is None:
            raise RuntimeError("side_result called without submit")
        ref, self._side_ref = self._side_ref, None
        return self._answers([ref], [len(self._actors) - 1])[0]

    def _name(self, k: int) -> str:
        lo, hi = self._specs[k].lo, self._specs[k].hi
        return f"Ray sampler actor {k} (actor id {self._actors[k]._actor_id.hex()}, environments {lo}–{hi - 1})"

    def _get(self, refs: list[Any], which: Sequence[int] | None = None) -> list[Any]:
        """ray.get each answer (refs[i] from actor which[i], default i); a dead actor becomes WorkerError naming it."""
        out = []
        for k, ref in zip(range(len(refs)) if which is None else which, refs):
            try:
                out.append(self._ray.get(ref))
            except (self._ray.exceptions.RayActorError, self._ray.exceptions.WorkerCrashedError) as exc:
                raise WorkerError(f"{self._name(k)} died: {type(exc).__name__}") from exc
            except self._ray.exceptions.RayTaskError as exc:
                raise WorkerError(f"{self._name(k)} failed: {exc}") from exc
        return out

    def collect(self, policy: ActingPolicy, theta: np.ndarray, rng: np.random.Generator) -> Batch:
        """Run T = n_steps steps in every environment and return the Batch (as ``ParallelSampler.collect``)."""
        self.start(policy, theta, rng)
        return self.finish()

    def _answers(self, refs: list[Any], which: Sequence[int] | None = None) -> list[Any]:
        """The values of ("ok", value) answers, as ``_get``; an ("error", …) answer is re-raised naming its actor."""
        which = range(len(refs)) if which is None else which
        out = []
        for k, answer in zip(which, self._get(refs, which)):
            if answer[0] == "error":
                raise_remote(answer[1], answer[2], self._name(k))
            out.append(answer[1])
        return out

    def start(self, policy: ActingPolicy, theta: np.ndarray, rng: np.random.Generator) -> None:
        """Submit a ``collect`` to the actors and return at once; ``finish`` gathers it."""
        if self._pending is not None or self._side_ref is not None:
            raise RuntimeError("start called twice without finish, or before the side task's result was taken")
        if policy is not self._policy:
            self._get([a.set_policy.remote(policy) for a in self._actors])
            self._policy = policy
        entropy = int(rng.integers(2**63))
        norm = (self.obs_rms.mean.copy(), self.obs_rms.var.copy(), self.clip_obs) if self.normalize_obs else None
        theta_ref = self._ray.put(np.asarray(theta))
        self._pending = [a.collect.remote(theta_ref, norm, entropy) for a in self._actors]

    def finish(self) -> Batch:
        """The Batch of the last ``start``."""
        if self._pending is None:
            raise RuntimeError("finish called without start")
        refs, self._pending = self._pending, None
        return assemble(self._answers(refs), self.obs_rms, self.normalize_obs)

    def close(self) -> None:
        """Stop the actors (Ray itself stays up for the caller)."""
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors, self._pending = [], None

    def __enter__(self) -> RaySampler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
