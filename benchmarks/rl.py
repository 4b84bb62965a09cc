"""The policy-update family on CartPole-v1 and Pendulum-v1, beside SB3's PPO in the same run.

For every algorithm (TRPO, NPG, PPO, PPO-penalty, VPG with their defaults,
plus the Pendulum preset) and seed: the environment steps until the mean
return of the last 10 training episodes first reaches the task's bar
(475 / −250), a deterministic evaluation over 10 fresh episodes at the end of
the budget (100k / 200k steps), and throughput in steps per wall-second and
per CPU-second of the training process. SB3's PPO with its library defaults
runs the same protocol when stable-baselines3 is installed (the ``bench``
extra); otherwise the script says it skipped it. Last, the cost of one
Fisher-vector product against one surrogate gradient on a CartPole batch.

Runs are spread over ``--jobs`` worker processes (default 2, one per core),
each on one BLAS thread with the allocator tuned as the command line does and
sampling in that process (n_workers=1; "auto" would fork workers per run);
CPU-seconds are the fair speed figure on a shared machine.

Usage:  python benchmarks/rl.py [--seeds 5] [--jobs 2] [--only cartpole|pendulum|fvp] [--algos ppo,trpo] [--no-peer]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

# This script is named rl.py: take its own folder off the import path so that
# `import rl` below finds the package, not this file.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from rl import surrogates  # noqa: E402
from rl.agent import Agent  # noqa: E402
from rl.config import ALGORITHM_NAMES, make_config  # noqa: E402
from rl.loop import train  # noqa: E402
from rl.problem import PolicyBatch  # noqa: E402
from rl.runtime import tune_allocator  # noqa: E402

TASKS = {
    "cartpole": ("CartPole-v1", 100_000, 475.0),
    "pendulum": ("Pendulum-v1", 200_000, -250.0),
}
PEER = "sb3:PPO"


def run_ours(algo: str, env_id: str, budget: int, bar: float, seed: int) -> dict:
    tune_allocator()
    with threadpool_limits(limits=1):
        # n_workers=1: the run samples in its own process, so its CPU-seconds are all of them
        agent = Agent.create(make_config(algo, env_id=env_id, total_steps=budget, seed=seed, n_workers=1))
        reached: list[int] = []

        def watch(row: dict) -> None:
            if not reached and row["return_mean10"] >= bar:
                reached.append(row["steps"])

        t, c = time.perf_counter(), time.process_time()
        rows = train(agent, on_iteration=watch)
        elapsed, cpu = time.perf_counter() - t, time.process_time() - c
        evaluation = agent.evaluate(10)
    return {"system": algo, "seed": seed, "reached": reached[0] if reached else None, "eval": float(evaluation.mean()),
            "wall_sps": agent.steps / elapsed, "cpu_sps": agent.steps / cpu,
            "sample_share": sum(r["time_sample"] for r in rows) / elapsed}


def run_sb3_ppo(env_id: str, budget: int, bar: float, seed: int) -> dict:
    """SB3's PPO with its library defaults (MlpPolicy, one env), evaluated by the same protocol."""
    import gymnasium
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback

    torch.set_num_threads(1)
    reached: list[int] = []
    recent: list[float] = []

    class Watch(BaseCallback):
        def _on_step(self) -> bool:
            for info in self.locals.get("infos", []):
                if "episode" in info:
                    recent.append(float(info["episode"]["r"]))
                    del recent[:-10]
                    if not reached and len(recent) == 10 and np.mean(recent) >= bar:
                        reached.append(self.num_timesteps)
            return True

    model = PPO("MlpPolicy", env_id, seed=seed, device="cpu", verbose=0)
    t, c = time.perf_counter(), time.process_time()
    model.learn(total_timesteps=budget, callback=Watch())
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    env = gymnasium.make(env_id)
    returns = []
    for episode in range(10):
        obs, _ = env.reset(seed=seed + 1_000_000 + episode)
        done, total = False, 0.0
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, r, term, trunc, _ = env.step(action)
            total += float(r)
            done = term or trunc
        returns.append(total)
    steps = model.num_timesteps
    return {"system": PEER, "seed": seed, "reached": reached[0] if reached else None, "eval": float(np.mean(returns)),
            "wall_sps": steps / elapsed, "cpu_sps": steps / cpu, "sample_share": float("nan")}


def _job(spec: tuple) -> dict:
    system, env_id, budget, bar, seed = spec
    if system == PEER:
        return run_sb3_ppo(env_id, budget, bar, seed)
    return run_ours(system, env_id, budget, bar, seed)


def peer_available() -> bool:
    try:
        import stable_baselines3  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def task_table(name: str, systems: list[str], seeds: int, jobs: int) -> None:
    env_id, budget, bar = TASKS[name]
    specs = [(system, env_id, budget, bar, seed) for system in systems for seed in range(seeds)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(_job, specs))
    print(f"\n{env_id}: {budget:,} steps per seed, bar {bar:g} (mean of last 10 training episodes); "
          f"final evaluation: 10 episodes, deterministic")
    print(f"{'system':<12} {'steps to bar per seed':<44} {'median':>8} {'final eval per seed':<40} "
          f"{'steps/s':>8} {'steps/CPU-s':>11} {'sampling':>8}")
    for system in systems:
        rs = [r for r in results if r["system"] == system]
        hits = [r["reached"] for r in rs]
        median = f"{statistics.median(hits):,.0f}" if all(h is not None for h in hits) else "n/a"
        hit_text = " ".join(f"{h:,}" if h is not None else "—" for h in hits)
        evals = " ".join(f"{r['eval']:.0f}" for r in rs)
        share = statistics.median(r["sample_share"] for r in rs)
        print(f"{system:<12} {hit_text:<44} {median:>8} {evals:<40} {statistics.median(r['wall_sps'] for r in rs):>8,.0f} "
              f"{statistics.median(r['cpu_sps'] for r in rs):>11,.0f} {'' if share != share else f'{100 * share:.0f}%':>8}",
              flush=True)


def fvp_cost(batch_sizes: tuple[int, ...] = (1024, 5000), repeats: int = 30) -> None:
    print("\nFisher-vector product vs surrogate gradient (CartPole policy, 64-64 tanh), best of "
          f"{repeats} calls, ms:")
    print(f"{'N':>6} {'FVP (GN, reused)':>17} {'grad (linearized)':>18} {'build problem':>14} {'FVP / grad':>11}")
    agent = Agent.create(make_config("trpo", total_steps=1))
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

        def build():
            return PolicyBatch(agent.policy, agent.theta, obs, actions, adv).divergence_problem(surrogates.ratio)

        t_build = best(build)
        problem = build()
        fvp = problem.divergence.metric_operator()
        v = rng.standard_normal(agent.theta.size)
        t_fvp = best(lambda: fvp(v))
        t_grad = best(lambda: problem.objective.value_and_grad(agent.theta))
        print(f"{n:>6} {t_fvp:>17.3f} {t_grad:>18.3f} {t_build:>14.3f} {t_fvp / t_grad:>11.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", choices=[*TASKS, "fvp"], default=None)
    ap.add_argument("--algos", default=",".join(ALGORITHM_NAMES))
    ap.add_argument("--no-peer", action="store_true", help="skip SB3's PPO")
    args = ap.parse_args()
    systems = args.algos.split(",")
    if not args.no_peer:
        if peer_available():
            systems.append(PEER)
        else:
            print("SB3's PPO skipped: stable-baselines3 is not installed (pip install -e '.[bench]')")
    tune_allocator()
    for name in TASKS:
        if args.only in (None, name):
            task_table(name, systems, args.seeds, args.jobs)
    if args.only in (None, "fvp"):
        with threadpool_limits(limits=1):
            fvp_cost()


if __name__ == "__main__":
    main()
