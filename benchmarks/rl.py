"""TRPO on CartPole-v1 and Pendulum-v1: sample efficiency, final returns, speed.

For each seed: the environment steps until the mean return of the last 10
training episodes first reaches the task's bar (475 / −250), and a
deterministic evaluation over 10 fresh episodes at the end of the budget
(100k / 200k steps). Throughput is end-to-end training steps per second
(sampling + policy step + value fit), printed beside a raw gymnasium rollout
with random actions measured in the same process. Last, the cost of one
Fisher-vector product against one surrogate gradient on a CartPole batch.

Everything runs on one BLAS thread with the allocator tuned as the command
line does (DESIGN.md, performance notes).

Usage:  python benchmarks/rl.py [--seeds 5] [--only cartpole|pendulum|fvp]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

# This script is named rl.py: take its own folder off the import path so that
# `import rl` below finds the package, not this file.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import gymnasium  # noqa: E402
import numpy as np  # noqa: E402
from gymnasium.vector import AutoresetMode  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from rl.agent import Agent
from rl.algorithms import PRESETS, Config, train
from rl.runtime import tune_allocator
from rl.surrogate import PolicyStep

TASKS = {
    "cartpole": ("CartPole-v1", 100_000, 475.0),
    "pendulum": ("Pendulum-v1", 200_000, -250.0),
}


def raw_rollout_speed(env_id: str, n_envs: int, steps: int = 40_000) -> float:
    """Steps per second of a gymnasium vector env driven by random actions."""
    env = gymnasium.make_vec(env_id, num_envs=n_envs, vectorization_mode="sync",
                             vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP})
    env.reset(seed=0)
    env.action_space.seed(0)
    t = time.perf_counter()
    for _ in range(steps // n_envs):
        env.step(env.action_space.sample())
    elapsed = time.perf_counter() - t
    env.close()
    return steps / elapsed


def run_seed(env_id: str, budget: int, bar: float, seed: int) -> dict:
    cfg = Config(env_id=env_id, total_steps=budget, seed=seed, **PRESETS.get(env_id, {}))
    agent = Agent.create(cfg)
    reached: list[int] = []

    def watch(row: dict) -> None:
        if not reached and row["return_mean10"] >= bar:
            reached.append(row["steps"])

    t = time.perf_counter()
    rows = train(agent, on_iteration=watch)
    elapsed = time.perf_counter() - t
    evaluation = agent.evaluate(10)
    return {
        "seed": seed,
        "reached": reached[0] if reached else None,
        "eval": float(evaluation.mean()),
        "steps_per_second": agent.steps / elapsed,
        "time": elapsed,
        "sample_share": sum(r["time_sample"] for r in rows) / elapsed,
    }


def task_table(name: str, seeds: int) -> None:
    env_id, budget, bar = TASKS[name]
    print(f"\n{env_id}: {budget:,} steps per seed, bar {bar:g} (mean of last 10 training episodes)")
    print(f"{'seed':>4} {'steps to bar':>13} {'final eval (10 ep, det.)':>25} {'steps/s':>9} {'time s':>7} {'sampling':>9}")
    results = []
    for seed in range(seeds):
        r = run_seed(env_id, budget, bar, seed)
        results.append(r)
        reached = f"{r['reached']:,}" if r["reached"] is not None else "not reached"
        print(f"{seed:>4} {reached:>13} {r['eval']:>25.1f} {r['steps_per_second']:>9,.0f} {r['time']:>7.1f} "
              f"{100 * r['sample_share']:>8.0f}%", flush=True)
    hits = [r["reached"] for r in results if r["reached"] is not None]
    passed_eval = sum(r["eval"] >= bar for r in results)
    median_hit = f"{statistics.median(hits):,.0f}" if len(hits) == len(results) else "n/a (not all reached)"
    print(f"seeds reaching the bar in training: {len(hits)}/{len(results)}; median steps: {median_hit}")
    print(f"seeds whose final deterministic evaluation ≥ {bar:g}: {passed_eval}/{len(results)}")
    print(f"end-to-end training: median {statistics.median(r['steps_per_second'] for r in results):,.0f} steps/s; "
          f"raw gymnasium random-action rollout, same process: "
          f"{raw_rollout_speed(env_id, 8):,.0f} steps/s (8 envs), {raw_rollout_speed(env_id, 1, 20_000):,.0f} (1 env)")


def fvp_cost(batch_sizes: tuple[int, ...] = (1024, 5000), repeats: int = 30) -> None:
    print("\nFisher-vector product vs surrogate gradient (CartPole policy, 64-64 tanh), best of "
          f"{repeats} calls, ms:")
    print(f"{'N':>6} {'FVP (GN, reused)':>17} {'grad (autograd)':>16} {'grad (linearized)':>18} "
          f"{'build linearization':>20} {'FVP / autograd grad':>20}")
    agent = Agent.create(Config(total_steps=1))
    rng = np.random.default_rng(0)
    for n in batch_sizes:
        obs = rng.standard_normal((n, agent.policy.obs_dim))
        actions, _ = agent.policy.act(agent.theta, obs, rng)
        adv = rng.standard_normal(n)

        def best(fn) -> float:
            times = []
            for _ in range(repeats):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            return 1e3 * min(times)

        build = best(lambda: PolicyStep(agent.policy, agent.theta, obs, actions, adv))
        step = PolicyStep(agent.policy, agent.theta, obs, actions, adv)
        fvp = step.divergence.metric_operator()
        v = rng.standard_normal(agent.theta.size)
        t_fvp = best(lambda: fvp(v))
        t_grad = best(lambda: step.objective.grad(agent.theta))
        _, _, vjp = agent.policy.linearize(agent.theta, obs)
        u = rng.standard_normal((n, agent.policy.dist.n))
        t_vjp = best(lambda: vjp(u))
        print(f"{n:>6} {t_fvp:>17.3f} {t_grad:>16.3f} {t_vjp:>18.3f} {build:>20.3f} {t_fvp / t_grad:>20.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--only", choices=[*TASKS, "fvp"], default=None)
    args = ap.parse_args()
    tune_allocator()
    with threadpool_limits(limits=1):
        for name in TASKS:
            if args.only in (None, name):
                task_table(name, args.seeds)
        if args.only in (None, "fvp"):
            fvp_cost()


if __name__ == "__main__":
    main()
