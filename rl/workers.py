"""Sampling on several cores: each worker steps its own block of the environments.

``ParallelSampler`` has ``Sampler``'s interface (``collect(policy, theta, rng)
-> Batch``, or ``start`` then ``finish``; ``obs_rms``) and splits the n_envs
environments into W contiguous blocks [lo, hi).  With W = 1 the main process
steps them all.  With W ≥ 2 each block runs in its own worker process, with its
own environments, evaluating the policy locally; ``start`` sends
the work and returns at once, so the caller can do something else meanwhile
(``rl.loop`` fits the value function of the previous batch) before ``finish``
gathers the batch.  Per iteration each worker receives θ, the frozen normalizer
statistics and one integer of entropy, and sends back its whole block in one
message: no traffic per step.

The batch for a given seed does not depend on W:

- environment i (global index) is reset with seed + i;
- its actions are drawn from its own Generator, SeedSequence(entropy,
  spawn_key=(i,)) — exactly the i-th child of SeedSequence(entropy).spawn —
  where entropy is one draw from the caller's rng per iteration;
- the policy is evaluated on an n_envs-row matrix with the block's rows in
  their global places (zeros elsewhere): BLAS kernels' results for a row
  depend on the row count and the row's place in the kernel's tile, so this is
  what makes each row's floating-point value the one a single process gets;
- the normalizer merges per-environment (count, mean, M2) in global order
  (Chan, Golub & LeVeque 1979), a fixed order whatever the blocks.

Failures.  Non-finite data raises ``NonFiniteData`` naming the global env
index; an environment that raises stops the run with ``EnvError`` naming its
index and the exception; a worker process that dies raises ``WorkerError``
naming it within ``poll_seconds`` of its death, never a hang.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from .sampler import ActingPolicy, Batch, NonFiniteData, RunningMeanStd
from .spaces import flat_env


class EnvError(RuntimeError):
    """An environment raised inside a sampler; the message names its global index and the exception."""


class WorkerError(RuntimeError):
    """A sampling worker (process or Ray actor) died or stopped answering; the message names it."""


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def blocks(n_envs: int, n_workers: int) -> list[tuple[int, int]]:
    """Contiguous [lo, hi) blocks of n_envs environments for n_workers workers, sizes differing by ≤ 1."""
    if not 1 <= n_workers <= n_envs:
        raise ValueError(f"n_workers must be in [1, n_envs={n_envs}], got {n_workers}")
    q, r = divmod(n_envs, n_workers)
    bounds = np.cumsum([0] + [q + (k < r) for k in range(n_workers)])
    return [(int(bounds[k]), int(bounds[k + 1])) for k in range(n_workers)]


def merge_moments(parts: Sequence[tuple[int, np.ndarray, np.ndarray]]) -> tuple[int, np.ndarray, np.ndarray]:
    """(count, mean, M2) of the union of samples given by each part's (count, mean, M2).

    Chan, Golub & LeVeque (1979): n = n_a + n_b, δ = μ_b − μ_a,
    μ = μ_a + δ n_b / n, M2 = M2_a + M2_b + δ² n_a n_b / n.  Merged left to right.
    """
    count, mean, m2 = parts[0]
    for n_b, mean_b, m2_b in parts[1:]:
        total = count + n_b
        delta = mean_b - mean
        mean = mean + delta * (n_b / total)
        m2 = m2 + m2_b + delta * delta * (count * n_b / total)
        count = total
    return count, mean, m2


def _frozen_normalizer(mean: np.ndarray, var: np.ndarray, clip: float) -> Callable[[np.ndarray], np.ndarray]:
    """``RunningMeanStd.normalizer`` for the statistics (mean, var), so every block normalizes identically."""
    rms = RunningMeanStd(mean.shape)
    rms.mean, rms.var = mean, var
    return rms.normalizer(clip)


class _RowGenerators:
    """Stands in for a Generator inside ``policy.act``: a draw of shape (N, …) takes
    row lo + j from generators[j] and leaves the other rows 0 (padding, discarded).

    Only draws whose shape comes from ``size`` (or, for the standard_* and
    ``random`` methods, the first positional argument) are supported.  Called once
    per environment step, so each method's draw function is built once, and the
    methods that can write into an array (``out=``) fill their rows in place.
    """

    # the methods whose first positional argument is the size, which are also the ones with out=
    _SIZE_FIRST = ("random", "standard_normal", "standard_exponential")

    def __init__(self, generators: list[np.random.Generator], lo: int, n_rows: int) -> None:
        self._generators, self._lo, self._n_rows = generators, lo, n_rows

    def __getattr__(self, name: str) -> Callable[..., np.ndarray]:
        if name.startswith("_"):
            raise AttributeError(name)
        methods = [getattr(g, name) for g in self._generators]
        rows = range(self._lo, self._lo + len(methods))
        size_first, n_rows = name in self._SIZE_FIRST, self._n_rows

        def draw(*args: Any, size: Any = None, **kwargs: Any) -> np.ndarray:
            if size is None and args and size_first:
                size, args = args[0], args[1:]
            shape = () if size is None else (size,) if isinstance(size, (int, np.integer)) else tuple(size)
            if not shape or shape[0] != n_rows:
                raise TypeError(f"per-environment streams need draws of shape (n_envs={n_rows}, …); "
                                f"got {name}(size={size!r})")
            out = np.zeros(shape)
            if size_first and len(shape) > 1 and not args and not kwargs:  # rows are arrays, not scalars
                for i, method in zip(rows, methods):
                    method(out=out[i])  # the row's draws, the same numbers as method(size=shape[1:])
            else:
                for i, method in zip(rows, methods):
                    out[i] = method(*args, size=shape[1:], **kwargs)
            return out

        self.__dict__[name] = draw  # later lookups find it without __getattr__
        return draw


class _IndexedEnv(gymnasium.Wrapper):
    """Turns any exception of the wrapped environment into EnvError naming its global index."""

    def __init__(self, env: gymnasium.Env, index: int) -> None:
        super().__init__(env)
        self.index = index

    def reset(self, **kwargs: Any) -> Any:
        try:
            return self.env.reset(**kwargs)
        except Exception as exc:
            raise EnvError(f"environment {self.index} raised in reset: {exc!r}") from exc

    def step(self, action: Any) -> Any:
        try:
            return self.env.step(action)
        except Exception as exc:
            raise EnvError(f"environment {self.index} raised in step: {exc!r}") from exc


class _EnvBlock:
    """Environments stepped one after another in this process, with same-step autoreset.

    What ``SyncVectorEnv(copy=False, autoreset_mode=SAME_STEP)`` does for this
    sampler, and the same numbers (observations cast to the space's dtype, then
    stacked), without its per-step merging of every environment's info dict,
    which the sampler does not read: a finished environment's last observation
    is kept and the environment reset (unseeded) in the same step.
    """

    def __init__(self, envs: list[gymnasium.Env]) -> None:
        self.envs = envs
        self.single_observation_space = envs[0].observation_space
        self.single_action_space = envs[0].action_space
        self._dtype = self.single_observation_space.dtype

    def reset(self, seed: int | None) -> np.ndarray:
        """Reset environment j with seed + j (all unseeded when seed is None); the stacked observations."""
        return np.stack([np.asarray(env.reset(seed=None if seed is None else seed + j)[0], dtype=self._dtype)
                         for j, env in enumerate(self.envs)])

    def step(self, actions: Any, obs: np.ndarray, rewards: np.ndarray, terminated: np.ndarray,
             truncated: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """Step environment j with actions[j], writing its row of obs, rewards and the flags.

        Returns (j, last observation) for each environment whose episode ended; its row of
        obs holds the first observation of the next episode.
        """
        finals = []
        for j, env in enumerate(self.envs):
            o, rewards[j], terminated[j], truncated[j], _ = env.step(actions[j])
            if terminated[j] or truncated[j]:
                finals.append((j, np.asarray(o, dtype=self._dtype)))
                o, _ = env.reset()
            obs[j] = np.asarray(o, dtype=self._dtype)
        return finals

    def close(self) -> None:
        for env in self.envs:
            env.close()


@dataclass(frozen=True)
class BlockSpec:
    """What a worker needs to build its block: env id, kwargs, [lo, hi) of n_envs, T, seed."""

    env_id: str
    env_kwargs: dict[str, Any]
    lo: int
    hi: int
    n_envs: int
    n_steps: int
    seed: int | None


class BlockSampler:
    """Steps environments lo…hi−1 of n_envs for T steps; used in-process, in worker processes and Ray actors.

    ``collect`` returns a dict of this block's arrays (time-major, block
    columns), already normalized with the statistics it was given, plus the
    per-environment raw-observation moments and the episodes that ended,
    as (t, global env, return, length).
    """

    def __init__(self, spec: BlockSpec) -> None:
        self.spec = spec
        self.env = _EnvBlock([_IndexedEnv(flat_env(gymnasium.make(spec.env_id, **spec.env_kwargs)), i)
                              for i in range(spec.lo, spec.hi)])
        self.obs_shape = tuple(self.env.single_observation_space.shape)
        self._obs: np.ndarray | None = None
        self._policy: ActingPolicy | None = None
        width = spec.hi - spec.lo
        self._ep_return = np.zeros(width)
        self._ep_length = np.zeros(width, dtype=np.int64)

    def set_policy(self, policy: ActingPolicy) -> None:
        """The policy used by later ``collect`` calls (sent once, not per iteration)."""
        self._policy = policy

    def close(self) -> None:
        """Close the environments."""
        self.env.close()

    def collect(self, theta: np.ndarray, norm: tuple[np.ndarray, np.ndarray, float] | None,
                entropy: int) -> dict[str, Any]:
        """One block of a batch.  norm: (mean, var, clip) frozen for this batch, or None."""
        spec, policy = self.spec, self._policy
        assert policy is not None, "set_policy before collect"
        if self._obs is None:
            self._obs = self.env.reset(None if spec.seed is None else spec.seed + spec.lo).astype(np.float64)
        T, lo, hi, n = spec.n_steps, spec.lo, spec.hi, spec.n_envs
        width = hi - lo
        normalize = _frozen_normalizer(*norm) if norm is not None else None
        rng = _RowGenerators([np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(i,)))
                              for i in range(lo, hi)], lo, n)
        raw = np.empty((T + 1, width, *self.obs_shape))
        raw[0] = self._obs
        padded = np.zeros((n, *self.obs_shape))
        rewards = np.empty((T, width))
        terminated = np.empty((T, width), dtype=bool)
        truncated = np.empty((T, width), dtype=bool)
        actions, log_probs = [], []
        finals: list[tuple[int, int, np.ndarray]] = []
        for t in range(T):
            padded[lo:hi] = normalize(raw[t]) if normalize else raw[t]
            a, logp = policy.act(theta, padded, rng)
            a, logp = a[lo:hi], logp[lo:hi]
            actions.append(a)
            log_probs.append(logp)
            ended = self.env.step(policy.env_action(a), raw[t + 1], rewards[t], terminated[t], truncated[t])
            finals += [(t, j, final) for j, final in ended]
        next_raw = raw[1:].copy()
        for t, j, final in finals:
            next_raw[t, j] = final
        self._check_finite("observation", next_raw.reshape(T, width, -1))
        self._check_finite("reward", rewards.reshape(T, width, 1))
        self._obs = raw[T].copy()
        if normalize is None:
            normalize = np.asarray
        x = raw[:T]
        mean = x.mean(axis=0)
        m2 = ((x - mean) ** 2).sum(axis=0)
        return {
            "obs": normalize(x), "actions": np.stack(actions), "log_probs": np.stack(log_probs),
            "rewards": rewards, "terminated": terminated, "truncated": truncated,
            "next_obs": normalize(next_raw), "last_obs": normalize(raw[T]),
            "episodes": self._episodes(rewards, terminated | truncated),
            "moments": [(T, mean[j], m2[j]) for j in range(width)],
        }

    def _check_finite(self, what: str, values: np.ndarray) -> None:
        bad = ~np.isfinite(values).all(axis=2)
        if bad.any():
            t, j = np.argwhere(bad)[0]
            self._obs = None  # the environments' state is unusable; the next collect resets them
            raise NonFiniteData(f"environment {self.spec.lo + j} returned a non-finite {what} "
                                f"at step {t + 1} of this batch")

    def _episodes(self, rewards: np.ndarray, done: np.ndarray) -> list[tuple[int, int, float, int]]:
        """(t, global env, return, length) of each episode ending here; carries unfinished ones over."""
        out = []
        ep_return, ep_length = self._ep_return, self._ep_length
        start = np.zeros(len(ep_return), dtype=np.int64)
        for t, j in zip(*np.nonzero(done)):
            out.append((int(t), self.spec.lo + int(j), float(ep_return[j] + rewards[start[j]: t + 1, j].sum()),
                        int(ep_length[j] + t + 1 - start[j])))
            ep_return[j], ep_length[j], start[j] = 0.0, 0, t + 1
        for j in range(len(ep_return)):
            ep_return[j] += rewards[start[j]:, j].sum()
            ep_length[j] += rewards.shape[0] - start[j]
        return out


def _run_block(block: BlockSampler, message: tuple) -> tuple:
    """Answer one request; exceptions become ("error", kind, text) so the caller re-raises them."""
    try:
        return ("ok", block.collect(*message[1:]))
    except NonFiniteData as exc:
        return ("error", "nonfinite", str(exc))
    except EnvError as exc:
        return ("error", "env", str(exc))
    except Exception as exc:
        return ("error", "worker", f"{exc!r}\n{traceback.format_exc()}")


def _run_side(side: Callable[..., Any] | None, args: tuple) -> tuple:
    """Run the side task on ``args``; exceptions become ("error", "worker", text) as in ``_run_block``."""
    try:
        if side is None:
            raise RuntimeError("no side task was set before the workers started")
        return ("ok", side(*args))
    except Exception as exc:
        return ("error", "worker", f"side task: {exc!r}\n{traceback.format_exc()}")


def _worker_main(conn: Connection, spec: BlockSpec, policy: ActingPolicy,
                 side: Callable[..., Any] | None = None) -> None:
    try:
        block = BlockSampler(spec)
        block.set_policy(policy)
    except Exception as exc:
        conn.send(("error", "env" if isinstance(exc, EnvError) else "worker", repr(exc)))
        return
    conn.send(("ok", None))
    while True:
        try:
            message = conn.recv()
        except EOFError:  # the main process went away
            break
        if message[0] == "close":
            break
        conn.send(_run_side(side, message[1]) if message[0] == "side" else _run_block(block, message))
    block.close()


def raise_remote(kind: str, text: str, worker: str) -> None:
    """Re-raise a block's error in the caller: NonFiniteData, EnvError, or WorkerError naming ``worker``."""
    if kind == "nonfinite":
        raise NonFiniteData(text)
    if kind == "env":
        raise EnvError(text)
    raise WorkerError(f"{worker} failed: {text}")


def assemble(parts: list[dict[str, Any]], obs_rms: RunningMeanStd, normalize_obs: bool) -> Batch:
    """The Batch from the blocks' parts in block order; merges the normalizer statistics in global env order."""
    cat = {k: np.concatenate([p[k] for p in parts], axis=1) for k in
           ("obs", "actions", "log_probs", "rewards", "terminated", "truncated", "next_obs")}
    episodes = sorted(e for p in parts for e in p["episodes"])  # (t, global env) order, as Sampler
    if normalize_obs:
        count, mean, m2 = merge_moments([m for p in parts for m in p["moments"]])
        obs_rms.update_from_moments(mean, m2 / count, count)
    return Batch(last_obs=np.concatenate([p["last_obs"] for p in parts], axis=0),
                 episode_returns=np.array([e[2] for e in episodes], dtype=np.float64),
                 episode_lengths=np.array([e[3] for e in episodes], dtype=np.int64), **cat)


class ParallelSampler:
    """``Sampler``'s interface over W processes; the batch for a seed is the same for every W.

    env: a gymnasium id (workers build their own environments from it).
    n_envs: number of environments (default 8).
    n_steps: T, steps per environment per ``collect`` (default 256).
    seed: environment i's first reset gets seed + i.
    n_workers: W in [1, n_envs] (default 1); W = 1: the main process steps
        every environment; W ≥ 2: W worker processes, one block each.
    normalize_obs: running observation normalization; default: on for Box observations.
    clip_obs: clip normalized observations to ±clip_obs (default 10, baselines' VecNormalize).
    env_kwargs: keyword arguments for the environment constructor.
    poll_seconds: how often a waiting main process checks its workers are alive (default 1).

    Workers are forked at the first ``collect`` (and again if the policy object
    changes), so they inherit the policy and any environment registered at run
    time; W > 1 therefore needs the "fork" start method (Linux, macOS).

    A side task (``set_side_task``) lets the caller use an idle worker between
    batches: ``submit(*args)`` runs it in the last worker and returns at once,
    ``side_result()`` waits for its value (``offloads`` says whether there are
    workers to run it; with W = 1 there are none).
    """

    def __init__(self, env: str, n_envs: int = 8, n_steps: int = 256, seed: int | None = None,
                 n_workers: int = 1, normalize_obs: bool | None = None, clip_obs: float = 10.0,
                 env_kwargs: dict[str, Any] | None = None, poll_seconds: float = 1.0) -> None:
        if not isinstance(env, str):
            raise ValueError(f"env must be a gymnasium id, got {env!r}")
        if n_envs < 1:
            raise ValueError(f"n_envs must be ≥ 1, got {n_envs}")
        if n_steps < 1:
            raise ValueError(f"n_steps must be ≥ 1, got {n_steps}")
        if not clip_obs > 0:
            raise ValueError(f"clip_obs must be positive, got {clip_obs}")
        if not poll_seconds > 0:
            raise ValueError(f"poll_seconds must be positive, got {poll_seconds}")
        if n_workers > 1 and "fork" not in mp.get_all_start_methods():
            raise ValueError("n_workers > 1 needs the 'fork' start method; use sampler_backend='ray' here")
        self.n_envs, self.n_steps, self.seed, self.n_workers = int(n_envs), int(n_steps), seed, int(n_workers)
        self.clip_obs, self.poll_seconds = float(clip_obs), float(poll_seconds)
        specs = [BlockSpec(env, dict(env_kwargs or {}), lo, hi, self.n_envs, self.n_steps, seed)
                 for lo, hi in blocks(self.n_envs, self.n_workers)]
        # W = 1: the main process steps every environment; W ≥ 2: every block is a worker's.
        self._local = BlockSampler(specs[0]) if self.n_workers == 1 else None
        probe = self._local or BlockSampler(BlockSpec(env, dict(env_kwargs or {}), 0, 1, 1, 1, None))
        self.observation_space = probe.env.single_observation_space
        self.action_space = probe.env.single_action_space
        if probe is not self._local:
            probe.close()
        if normalize_obs is None:
            normalize_obs = isinstance(self.observation_space, spaces.Box)
        self.normalize_obs = bool(normalize_obs)
        self.obs_shape = tuple(self.observation_space.shape)
        self.obs_rms = RunningMeanStd(self.obs_shape)
        self._policy: ActingPolicy | None = None
        self._specs = specs
        self._conns: list[Connection] = []
        self._procs: list[Any] = []
        # Between start and finish: what finish calls for the blocks' parts (the main process's
        # part, or gathering the workers' answers).
        self._pending: Callable[[], list[dict[str, Any]]] | None = None
        self._side: Callable[..., Any] | None = None
        self._side_pending = False

    @property
    def offloads(self) -> bool:
        """True when ``submit`` runs the side task in a worker process (W ≥ 2)."""
        return self._local is None

    def set_side_task(self, fn: Callable[..., Any]) -> None:
        """The callable ``submit`` runs; workers inherit it when forked, so set it before the first ``start``."""
        if self._procs:
            raise RuntimeError("set_side_task must come before the workers start")
        self._side = fn

    def submit(self, *args: Any) -> None:
        """Run the side task on ``args`` in the last worker (between batches); ``side_result`` returns its value."""
        if self._pending is not None or self._side_pending:
            raise RuntimeError("submit needs the last batch finished and the last side task's result taken")
        if not self._procs:
            raise RuntimeError("submit needs running workers (W ≥ 2, after the first start)")
        k = len(self._conns) - 1
        try:
            self._conns[k].send(("side", args))
        except (BrokenPipeError, OSError):
            raise WorkerError(f"{self._name(k)} died (exit code {self._procs[k].exitcode})") from None
        self._side_pending = True

    def side_result(self) -> Any:
        """The value of the last ``submit``'s side task (its exception re-raised as WorkerError naming the worker)."""
        if not self._side_pending:
            raise RuntimeError("side_result called without submit")
        self._side_pending = False
        return self._gather([len(self._conns) - 1])[0]

    def _start_workers(self, policy: ActingPolicy) -> None:
        """Fork the W workers with ``policy`` (forked, not pickled: policies hold autograd closures)."""
        self._stop_workers()
        if self._local is not None:
            self._local.set_policy(policy)
            self._policy = policy
            return
        ctx = mp.get_context("fork")
        try:
            for k, spec in enumerate(self._specs, start=1):
                parent, child = ctx.Pipe()
                proc = ctx.Process(target=_worker_main, args=(child, spec, policy, self._side), daemon=True,
                                   name=f"rl-sampler-worker-{k}")
                proc.start()
                child.close()
                self._conns.append(parent)
                self._procs.append(proc)
            self._gather()
        except BaseException:
            self._stop_workers()
            raise
        self._policy = policy

    def _name(self, k: int) -> str:
        proc, spec = self._procs[k], self._specs[k]
        return f"sampler worker {k + 1} (pid {proc.pid}, environments {spec.lo}–{spec.hi - 1})"

    def _gather(self, which: Sequence[int] | None = None) -> list[Any]:
        """Each worker's answer (of the workers ``which``, default all), in order; raises as soon as one failed or died."""
        which = range(len(self._conns)) if which is None else which
        answers: dict[int, Any] = {}
        pending = set(which)
        while pending:
            ready = wait([self._conns[k] for k in pending] + [self._procs[k].sentinel for k in pending],
                         timeout=self.poll_seconds)
            for k in sorted(pending):
                conn, proc = self._conns[k], self._procs[k]
                if conn in ready:
                    try:
                        answer = conn.recv()
                    except (EOFError, OSError):
                        answer = None
                    if answer is None:
                        raise WorkerError(f"{self._name(k)} died (exit code {proc.exitcode})")
                    if answer[0] == "error":
                        raise_remote(answer[1], answer[2], self._name(k))
                    answers[k] = answer[1]
                    pending.discard(k)
                elif proc.sentinel in ready or not proc.is_alive():
                    proc.join(0.1)
                    raise WorkerError(f"{self._name(k)} died (exit code {proc.exitcode})")
        return [answers[k] for k in which]

    def _send(self, message: tuple) -> None:
        for k, conn in enumerate(self._conns):
            try:
                conn.send(message)
            except (BrokenPipeError, OSError):
                raise WorkerError(f"{self._name(k)} died (exit code {self._procs[k].exitcode})") from None

    def collect(self, policy: ActingPolicy, theta: np.ndarray, rng: np.random.Generator) -> Batch:
        """Run T = n_steps steps in every environment and return the Batch (as ``Sampler.collect``).

        rng: one integer drawn from it per call seeds every environment's action stream.
        """
        self.start(policy, theta, rng)
        return self.finish()

    def start(self, policy: ActingPolicy, theta: np.ndarray, rng: np.random.Generator) -> None:
        """Begin a ``collect``: with workers, send them the work and return at once; ``finish`` gathers it."""
        if self._pending is not None or self._side_pending:
            raise RuntimeError("start called twice without finish, or before the side task's result was taken")
        if policy is not self._policy:
            self._start_workers(policy)
        entropy = int(rng.integers(2**63))
        norm = (self.obs_rms.mean.copy(), self.obs_rms.var.copy(), self.clip_obs) if self.normalize_obs else None
        message = ("collect", np.asarray(theta), norm, entropy)
        if self._local is None:
            self._send(message)
            self._pending = self._gather
            return
        local = _run_block(self._local, message)
        if local[0] == "error":
            raise_remote(local[1], local[2], "the sampler (main process)")
        self._pending = lambda part=local[1]: [part]

    def finish(self) -> Batch:
        """The Batch of the last ``start``."""
        if self._pending is None:
            raise RuntimeError("finish called without start")
        parts, self._pending = self._pending, None
        return assemble(parts(), self.obs_rms, self.normalize_obs)

    def close(self) -> None:
        """Stop the workers (after a started collect, once they have answered) and close the environments."""
        pending, self._pending = self._pending, None
        if pending is not None and self._local is None:
            try:
                pending()  # a worker blocked sending its block would otherwise be killed after a timeout
            except (WorkerError, EnvError, NonFiniteData):
                pass
        if self._side_pending:
            try:
                self.side_result()
            except WorkerError:
                pass
        self._stop_workers()
        if self._local is not None:
            self._local.close()

    def _stop_workers(self) -> None:
        for conn in self._conns:
            try:
                conn.send(("close",))
            except (BrokenPipeError, OSError):
                pass
        for proc in self._procs:
            proc.join(2.0)
            if proc.is_alive():
                proc.terminate()
        for conn in self._conns:
            conn.close()
        self._conns, self._procs = [], []

    def __enter__(self) -> ParallelSampler:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def auto_workers(n_envs: int) -> int:
    """W for n_workers="auto": min(available cores, n_envs); 1 on one core (the in-process sampler).

    Workers pay even where a step is cheap: while they step the next batch,
    this process fits the value function.  On 2 cores, TRPO end-to-end
    (benchmarks/scale.py, 3 interleaved rounds) ran 1.29× (1.13–1.32) faster
    with W = 2 on CartPole-v1 (≈ 10 µs a step), ≈ 1.3× on Pendulum-v1 and
    Acrobot-v1, and 1.5–1.75× on Hopper-v5 (≈ 140 µs).  W only chooses where
    the environments step, never the batch (identical for every W).
    """
    return max(1, min(available_cores(), n_envs))


def make_sampler(config: Any, seed: int, normalize_obs: bool | None) -> Any:
    """The sampler a ``rl.config.Config`` asks for: its backend, W workers (resolving "auto"), its envs.

    vectorization="async" keeps gymnasium's one-process-per-env ``rl.sampler.Sampler`` (no blocks).
    """
    from .sampler import Sampler

    common = dict(n_envs=config.n_envs, n_steps=config.n_steps, seed=seed, normalize_obs=normalize_obs,
                  clip_obs=config.clip_obs, env_kwargs=config.env_kwargs)
    if config.vectorization == "async":
        return Sampler(config.env_id, vectorization_mode="async", **common)
    n_workers = auto_workers(config.n_envs) if config.n_workers == "auto" else config.n_workers
    if config.sampler_backend == "ray":
        from .ray_backend import RaySampler

        return RaySampler(config.env_id, n_workers=n_workers, **common)
    return ParallelSampler(config.env_id, n_workers=n_workers, **common)
