"""End-to-end training throughput against the number of sampling workers (issue 11).

For each task (CartPole-v1; Hopper-v5 when mujoco is installed) and sampler
(one process; W = 2 worker blocks; n_workers "auto"; 2 Ray actors when ray is
installed), TRPO trains for a few iterations with the task's default batch
(what ``python -m rl train --env ID`` uses: 8 × 128 on CartPole-v1, 8 × 256 on
Hopper-v5 by the MuJoCo family rule; ``--n-steps`` forces one) from the same
seed; the table gives environment steps per wall-second over the
iterations after the first (which forks the workers / starts the actors),
the ratio to one process, the share of wall time spent sampling vs updating,
CPU-seconds of the main process and of its forked workers (whole run; wall
time on a shared machine measures the other tenants too), and the final θ's
agreement with the one-process run (the batch for a seed does not depend on W
or the backend).  With --repeats R every sampler runs R times in interleaved
rounds (1 process, W = 2, auto, Ray, 1 process, ...): each ratio is taken
against the one-process run of its own round, and the table shows the median
and the range, since a single round on a shared machine can be off by 20%.  Beside it, in the same run: a raw
single-env random rollout (steps/s of gymnasium alone).

Usage:  python benchmarks/scale.py [--iterations 6] [--repeats R] [--only cartpole|hopper] [--no-ray] [--n-steps T]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import resource
import sys
import time

# benchmarks/ holds a script named rl.py: take this folder off the import path so
# that `import rl` finds the package.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import gymnasium  # noqa: E402
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from rl.agent import Agent  # noqa: E402
from rl.config import make_config  # noqa: E402
from rl.loop import train  # noqa: E402
from rl.runtime import tune_allocator  # noqa: E402
from rl.workers import auto_workers  # noqa: E402

TASKS = {"cartpole": "CartPole-v1", "hopper": "Hopper-v5"}


def raw_rollout(env_id: str, n_steps: int = 5000) -> float:
    """Steps/s of one environment under uniformly random actions."""
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    env.action_space.seed(0)
    t0 = time.perf_counter()
    for _ in range(n_steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    return n_steps / (time.perf_counter() - t0)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def train_run(env_id: str, iterations: int, n_steps: int | None, **sampler: object) -> dict:
    """Steps/s over iterations 2…, shares of sampling and updating, CPU-s of the main process and its workers.

    TRPO's default config for env_id (n_steps forced when given), for ``iterations`` batches.
    """
    cfg = make_config("trpo", env_id=env_id, seed=0, **({} if n_steps is None else {"n_steps": n_steps}), **sampler)
    cfg = dataclasses.replace(cfg, total_steps=iterations * cfg.batch_size)
    agent = Agent.create(cfg)
    cpu0, children0 = time.process_time(), _children_cpu()
    rows = train(agent)[1:]  # the first iteration also forks the workers or starts the actors
    sample = sum(r["time_sample"] for r in rows)
    update = sum(r["time_update"] for r in rows)
    # whole run (all iterations): the forked workers are reaped when train closes its sampler
    return {"steps_per_s": cfg.batch_size * len(rows) / (sample + update), "sample": sample / (sample + update),
            "update": update / (sample + update), "cpu_main": time.process_time() - cpu0,
            "cpu_workers": _children_cpu() - children0, "theta": agent.theta, "batch": cfg.batch_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=1,
                        help="rounds of every sampler, interleaved; the table gives medians and the ratio's range")
    parser.add_argument("--only", choices=sorted(TASKS), default=None)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--n-steps", type=int, default=None, help="steps per env per iteration (default: the task's)")
    args = parser.parse_args()
    if args.iterations < 2 or args.repeats < 1:
        parser.error("--iterations must be at least 2 and --repeats at least 1")
    tune_allocator()
    use_ray = not args.no_ray and importlib.util.find_spec("ray") is not None
    if use_ray:
        import ray

        ray.init(include_dashboard=False, logging_level="error")
    tasks = [args.only] if args.only else list(TASKS)
    if "hopper" in tasks and importlib.util.find_spec("mujoco") is None:
        print("Hopper-v5 skipped: mujoco not installed (pip install -e '.[mujoco]')")
        tasks.remove("hopper")
    print(f"TRPO, the task's default batch, {args.iterations} iterations (first excluded), seed 0, one BLAS thread; "
          f"{args.repeats} interleaved round(s): medians, and the range of the per-round ratio to one process")
    print(f"{'task':<12} {'batch':>7} {'sampler':<16} {'steps/s':>9} {'× 1 proc':>9} {'range':>11} {'sample':>7} "
          f"{'update':>7} {'main CPU s':>10} {'worker CPU s':>12} {'same θ':>7}")
    with threadpool_limits(limits=1):
        for task in tasks:
            env_id = TASKS[task]
            auto = auto_workers(8)
            variants = [("1 process", {"n_workers": 1}), ("W = 2", {"n_workers": 2}),
                        (f"auto (W = {auto})", {"n_workers": "auto"})]
            if use_ray:
                variants.append(("Ray, 2 actors", {"n_workers": 2, "sampler_backend": "ray"}))
            runs: dict[str, list[dict]] = {name: [] for name, _ in variants}
            for _ in range(args.repeats):
                for name, sampler in variants:
                    runs[name].append(train_run(env_id, args.iterations, args.n_steps, **sampler))
            base = runs[variants[0][0]]
            for name, sampler in variants:
                rs = runs[name]
                ratios = [r["steps_per_s"] / b["steps_per_s"] for r, b in zip(rs, base)]
                med = {key: float(np.median([r[key] for r in rs]))
                       for key in ("steps_per_s", "sample", "update", "cpu_main", "cpu_workers")}
                same = all(np.array_equal(r["theta"], base[0]["theta"]) for r in rs)
                ray_row = sampler.get("sampler_backend") == "ray"  # actors are not our children: CPU unknown
                workers = "–" if ray_row else f"{med['cpu_workers']:.2f}"
                spread = f"{min(ratios):.2f}–{max(ratios):.2f}"
                print(f"{env_id:<12} {rs[0]['batch']:>7,} {name:<16} {med['steps_per_s']:>9,.0f} "
                      f"{float(np.median(ratios)):>8.2f}× {spread:>11} {med['sample']:>6.0%} {med['update']:>6.0%} "
                      f"{med['cpu_main']:>10.2f} {workers:>12} {str(same):>7}")
            print(f"{env_id:<12} {'':>7} {'raw 1-env rollout':<16} {raw_rollout(env_id):>9,.0f}")


if __name__ == "__main__":
    main()
