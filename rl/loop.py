"""The training loop shared by every algorithm (Schulman et al. 2015, Algorithm 1, practical form):

    for each iteration:
        1. sample     n_envs × n_steps transitions with π_θ         (rl.workers.make_sampler)
        2. estimate   advantages by GAE(γ, λ) with the current V_φ               (gae)
                      (rewards first scaled by the running return std if norm_reward: RewardScaler)
        3. update     θ by the algorithm's surrogate and trustopt solver         (rl.updates)
        4. fit        V_φ to the λ-returns                                       (rl.value)
        5. log        one row: returns, KL, entropy, the update's diagnostics, timings

Steps 3 and 4 need only this batch, and the next batch needs only the new θ.
With sampling workers (rl.workers, W ≥ 2) and a value fit that draws no random
numbers (L-BFGS), a worker fits V_φ while this process updates θ: the two
cores are busy on the update, then on the next batch.  With an Adam fit
(minibatches drawn after the update's draws) the next batch is started before
step 4 instead, and the workers step their environments while this process
fits V_φ.  The order of every computation and random draw is the same for any
number of workers, so is the run.

The algorithms differ only in step 3. Each step is a function that takes what
it uses and returns what it changes; :func:`train` threads the agent's fields
through them and writes them back once per iteration.
"""

from __future__ import annotations

import functools
import math
import time
from typing import Any, Callable

import numpy as np
from threadpoolctl import threadpool_limits

from .advantages import RewardScaler, gae, standardize
from .agent import Agent
from .config import Config
from .policies import ValueFunction
from .problem import PolicyBatch
from .runlog import RunFolder
from .sampler import Batch, NonFiniteData
from .updates import DIAGNOSTICS, UPDATES
from .value import fit_value_function
from .workers import EnvError, WorkerError, make_sampler

__all__ = ["LOG_FIELDS", "train", "advantages_and_returns", "NonFiniteData", "EnvError", "WorkerError"]

#: Columns of a run's per-iteration log, in order.
LOG_FIELDS = (
    "iteration", "steps", "return_mean10", "episode_length_mean", "episodes",
    *DIAGNOSTICS, "explained_variance", "vf_loss", "time_sample", "time_update", "steps_per_second",
    "eval_return", "eval_return_std", "eval_return_stochastic",
)

BEST = "best"


def _evaluation(agent: Agent) -> dict[str, float]:
    """Deterministic and stochastic returns on separate seeded envs, normalization frozen."""
    n = agent.config.eval_episodes
    det = agent.evaluate(n, deterministic=True)
    stoch = agent.evaluate(n, deterministic=False, seed=agent.config.seed + 2_000_000)
    return {"eval_return": float(det.mean()), "eval_return_std": float(det.std()),
            "eval_return_stochastic": float(stoch.mean())}


def advantages_and_returns(batch: Batch, value_function: ValueFunction, phi: np.ndarray,
                           config: Config, rewards: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 2: (advantages (N,), λ-returns (N,), V(s) (N,)) flattened over time and environments.

    rewards: (T, n_envs) rewards to use instead of the batch's raw ones (the scaled ones with norm_reward).
    """
    values = value_function.predict_np(phi, batch.obs)
    next_values = value_function.predict_np(phi, batch.next_obs)
    adv, returns = gae(batch.rewards if rewards is None else rewards, values, next_values, batch.terminated,
                       batch.truncated, config.gamma, config.lam)
    return adv.reshape(-1), returns.reshape(-1), values.reshape(-1)


def _explained_variance(returns: np.ndarray, values: np.ndarray) -> float:
    var = float(np.var(returns))
    return 1.0 - float(np.var(returns - values)) / var if var > 0 else float("nan")


def train(agent: Agent, *, run: RunFolder | None = None, on_iteration: Callable[[dict[str, Any]], Any] | None = None,
          checkpoint_every: int = 1) -> list[dict[str, Any]]:
    """Train ``agent`` until it has taken ``agent.config.total_steps`` environment steps.

    With ``run``, every iteration appends its row to the run's log and then
    (every ``checkpoint_every`` iterations, and at the end or on an interrupt)
    writes the checkpoint. ``on_iteration`` receives each row; returning True
    ends training early. Returns the rows of this call. BLAS runs on one
    thread (faster on these small matrices, and results do not depend on the
    thread count). Non-finite observations or rewards raise
    :class:`NonFiniteData` naming the environment and step, an environment
    that raises :class:`EnvError` naming it, a dead sampling worker
    :class:`WorkerError` naming it; in each case the last checkpoint is kept.
    """
    cfg = agent.config
    update = UPDATES[cfg.algo]
    rows: list[dict[str, Any]] = []
    # A resumed run reseeds its environments so it does not replay episodes.
    sampler = make_sampler(cfg, seed=cfg.seed + 7919 * agent.iteration, normalize_obs=agent.normalizes)
    sampler.obs_rms = agent.obs_rms
    # The scaler works on a copy: the agent's statistics change only when an iteration completes.
    scale_rewards = RewardScaler(agent.reward_rms.copy(), cfg.gamma, cfg.clip_reward) if cfg.norm_reward else None
    recent_returns: list[float] = []
    recent_lengths: list[float] = []
    saved_iteration = agent.iteration
    # A worker fits V while this process updates θ (an Adam fit draws from agent.rng after the update does).
    offload = getattr(sampler, "offloads", False) and cfg.vf_optimizer == "lbfgs"
    if offload:
        # submit(φ, obs, targets) then runs step 4 in the worker; the L-BFGS fit takes no rng
        sampler.set_side_task(functools.partial(fit_value_function, agent.value_function, config=cfg, rng=None))
    try:
        with threadpool_limits(limits=1):
            if run is not None and agent.iteration == 0:
                agent.save(run.path)
            started, time_started = False, 0.0
            while agent.steps < cfg.total_steps:
                t0 = time.perf_counter()
                if not started:
                    sampler.start(agent.policy, agent.theta, agent.rng)
                batch = sampler.finish()
                t1 = time.perf_counter()
                time_sample = t1 - t0 + time_started
                rewards = scale_rewards(batch.rewards, batch.terminated, batch.truncated) if scale_rewards else None
                adv, returns, values = advantages_and_returns(batch, agent.value_function, agent.phi, cfg, rewards)
                obs = batch.obs.reshape(batch.size, -1)
                actions = batch.actions.reshape(batch.size, *batch.actions.shape[2:])
                if offload:
                    sampler.submit(agent.phi, obs, returns)
                policy_batch = PolicyBatch(agent.policy, agent.theta, obs, actions,
                                           standardize(adv) if cfg.normalize_advantages else adv)
                theta, algo_state, diag = update.update(policy_batch, agent.theta, agent.algo_state,
                                                        cfg.at_step(agent.steps), agent.rng)
                started = agent.steps + batch.size < cfg.total_steps
                if offload:
                    phi, vf_loss = sampler.side_result()
                # The next batch needs only θ: start it now (the same order of rng draws for every W),
                # so that without the offload the workers step their environments while this process fits V.
                t2 = time.perf_counter()
                if started:
                    sampler.start(agent.policy, theta, agent.rng)
                t3 = time.perf_counter()
                time_started = t3 - t2
                if not offload:
                    phi, vf_loss = fit_value_function(agent.value_function, agent.phi, obs, returns, cfg, agent.rng)
                time_update = (t2 - t1) + (time.perf_counter() - t3)
                agent.theta, agent.algo_state, agent.phi = theta, algo_state, phi
                agent.obs_rms = sampler.obs_rms
                if scale_rewards is not None:
                    agent.reward_rms = scale_rewards.rms.copy()
                agent.steps += batch.size
                agent.iteration += 1
                recent_returns = (recent_returns + batch.episode_returns.tolist())[-10:]
                recent_lengths = (recent_lengths + batch.episode_lengths.tolist())[-10:]
                row = {
                    "iteration": agent.iteration,
                    "steps": agent.steps,
                    "return_mean10": float(np.mean(recent_returns)) if recent_returns else math.nan,
                    "episode_length_mean": float(np.mean(recent_lengths)) if recent_lengths else math.nan,
                    "episodes": int(batch.episode_returns.size),
                    **diag,
                    "explained_variance": _explained_variance(returns, values),
                    "vf_loss": vf_loss,
                    "time_sample": time_sample,
                    "time_update": time_update,
                    "steps_per_second": batch.size / (time_sample + time_update),
                }
                if cfg.eval_every and agent.steps // cfg.eval_every > (agent.steps - batch.size) // cfg.eval_every:
                    row.update(_evaluation(agent))
                    if run is not None and row["eval_return"] > agent.best_eval:
                        agent.best_eval = row["eval_return"]
                        agent.save(run.path / BEST)
                rows.append(row)
                if run is not None:
                    run.append(row)
                    if agent.iteration % checkpoint_every == 0:
                        agent.save(run.path)
                        saved_iteration = agent.iteration
                if on_iteration is not None and on_iteration(row):
                    break
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM: the agent holds the last completed iteration, which the log has too.
        if run is not None and saved_iteration != agent.iteration:
            agent.save(run.path)
        raise
    finally:
        sampler.close()
    if run is not None and saved_iteration != agent.iteration:
        agent.save(run.path)
    return rows
