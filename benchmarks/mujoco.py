"""MuJoCo locomotion at 1M steps: rl's TRPO and PPO beside sb3-contrib's TRPO and SB3's PPO (issue 10).

For every environment (default Hopper-v5 and HalfCheetah-v5; any gymnasium id
with ``--envs``) and seed, each system trains for ``--steps`` environment
steps, two runs at a time (``--jobs``, one per core; each run on one thread and,
for rl, one sampling process, so runs do not compete for cores).  Every
``--eval-every`` steps the policy is evaluated deterministically over 5 fresh
episodes with the training normalization frozen; at the end over 10.  The same
evaluation code and episode seeds (seed + 10⁶ + k) serve every system.

Systems:
  trpo, ppo        ``python -m rl train --algo …`` with rl's defaults (the
                   continuous-control rule applies: Box actions), n_workers = 1.
  sb3-trpo         sb3-contrib's TRPO with the rl-baselines3-zoo
                   hyperparameters for Hopper (hyperparams/trpo.yml).
  sb3-ppo          SB3's PPO with the rl-baselines3-zoo hyperparameters for
                   Hopper (hyperparams/ppo.yml).  Peers need the ``bench`` extra.

Speed is environment steps per CPU-second of training (evaluation CPU excluded
for every system; measured in the run's own process), the fair figure on a
shared machine; wall time is given too.

Each finished run is stored as JSON in ``--out`` (default
benchmarks/results/mujoco) and reused by later invocations with the same
settings, so the table can be built up over several calls; ``--fresh`` reruns
(the old file is moved aside, never deleted).  Invocations sharing ``--out``
split the runs between them: a running run holds a claim file with its pid, and
a claim whose process has died is taken over.  SIGTERM or Ctrl-C stops the
running runs too; they store nothing and release their claims.  The script prints the table
and writes one PNG per environment (mean and min–max range over seeds of the
evaluation return against steps, every system overlaid).

Usage:
  python benchmarks/mujoco.py                                # the issue's protocol (≈ 2 h on 2 cores)
  python benchmarks/mujoco.py --envs Walker2d-v5 --systems trpo,ppo --seeds 3
  python benchmarks/mujoco.py --systems trpo --tag lam95 --set lam=0.95   # a variant, stored apart
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import signal
import statistics
import sys
import time
from multiprocessing.connection import wait
from pathlib import Path

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]  # a script here is named rl.py

import numpy as np  # noqa: E402

OURS = ("trpo", "ppo")
PEERS = ("sb3-trpo", "sb3-ppo")
FINAL_EPISODES = 10
CURVE_EPISODES = 5

#: rl-baselines3-zoo's tuned hyperparameters for Hopper (trpo.yml / ppo.yml, the
#: Hopper-v3/v4 entries; "normalize: true" is VecNormalize on observations and rewards).
ZOO = {
    "sb3-trpo": {"n_envs": 2, "kwargs": dict(batch_size=128, n_steps=1024, gamma=0.99, gae_lambda=0.95,
                                             sub_sampling_factor=1, cg_max_steps=25, cg_damping=0.1,
                                             n_critic_updates=20, learning_rate=1e-3)},
    "sb3-ppo": {"n_envs": 1, "kwargs": dict(batch_size=32, n_steps=512, gamma=0.999, learning_rate=9.80828e-05,
                                            ent_coef=0.00229519, clip_range=0.2, n_epochs=5, gae_lambda=0.99,
                                            max_grad_norm=0.7, vf_coef=0.835671),
                "policy_kwargs": dict(log_std_init=-2, ortho_init=False, activation="relu",
                                      net_arch=dict(pi=[256, 256], vf=[256, 256]))},
}


def _cpu_seconds() -> float:
    """CPU-seconds (user + system) of this process and the children it waited for."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def evaluate(act, env_id: str, seed: int, episodes: int) -> list[float]:
    """Undiscounted returns of ``episodes`` episodes, episode k reset with seed + 10⁶ + k; act(obs) → action."""
    import gymnasium

    env = gymnasium.make(env_id)
    returns = []
    for k in range(episodes):
        obs, _ = env.reset(seed=seed + 1_000_000 + k)
        total, done = 0.0, False
        while not done:
            obs, r, term, trunc, _ = env.step(act(obs))
            total += float(r)
            done = term or trunc
        returns.append(total)
    env.close()
    return returns


class _Clock:
    """Training CPU and wall time with evaluation time taken out."""

    def __init__(self) -> None:
        self.cpu0, self.wall0, self.eval_cpu, self.eval_wall = _cpu_seconds(), time.perf_counter(), 0.0, 0.0

    def evaluation(self, fn):
        c, w = _cpu_seconds(), time.perf_counter()
        out = fn()
        self.eval_cpu += _cpu_seconds() - c
        self.eval_wall += time.perf_counter() - w
        return out

    def totals(self) -> tuple[float, float]:
        return (_cpu_seconds() - self.cpu0 - self.eval_cpu, time.perf_counter() - self.wall0 - self.eval_wall)


def run_ours(algo: str, env_id: str, steps: int, seed: int, eval_every: int, overrides: dict) -> dict:
    from threadpoolctl import threadpool_limits

    from rl.agent import Agent
    from rl.config import make_config
    from rl.loop import train
    from rl.runtime import tune_allocator

    tune_allocator()
    with threadpool_limits(limits=1):
        cfg = make_config(algo, env_id=env_id, total_steps=steps, seed=seed, n_workers=1, **overrides)
        agent = Agent.create(cfg)

        def act(obs):
            return agent.act(obs[None])[0]

        clock, curve = _Clock(), []

        def watch(row: dict) -> None:
            if row["steps"] // eval_every > (row["steps"] - cfg.batch_size) // eval_every:
                curve.append((row["steps"], float(np.mean(clock.evaluation(
                    lambda: evaluate(act, env_id, seed, CURVE_EPISODES))))))

        train(agent, on_iteration=watch)
        cpu, wall = clock.totals()
        final = evaluate(act, env_id, seed, FINAL_EPISODES)
    return {"steps": agent.steps, "cpu": cpu, "wall": wall, "curve": curve, "final": final, "config": cfg.to_dict()}


def run_peer(system: str, env_id: str, steps: int, seed: int, eval_every: int, overrides: dict) -> dict:
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    torch.set_num_threads(1)
    zoo = ZOO[system]
    env = VecNormalize(make_vec_env(env_id, n_envs=zoo["n_envs"], seed=seed), gamma=zoo["kwargs"]["gamma"])
    policy_kwargs = dict(zoo.get("policy_kwargs", {}))
    if policy_kwargs.get("activation") == "relu":
        policy_kwargs.pop("activation")
        policy_kwargs["activation_fn"] = torch.nn.ReLU
    kwargs = {**zoo["kwargs"], **overrides}
    if system == "sb3-trpo":
        from sb3_contrib import TRPO as algo_class
    else:
        algo_class = PPO
    model = algo_class("MlpPolicy", env, seed=seed, device="cpu", verbose=0, policy_kwargs=policy_kwargs or None,
                       **kwargs)

    def act(obs):
        action, _ = model.predict(env.normalize_obs(obs[None]), deterministic=True)
        return action[0]

    clock, curve = _Clock(), []

    class Watch(BaseCallback):
        def _on_step(self) -> bool:
            n = self.num_timesteps
            if n // eval_every > (n - self.training_env.num_envs) // eval_every:
                curve.append((n, float(np.mean(clock.evaluation(lambda: evaluate(act, env_id, seed, CURVE_EPISODES))))))
            return True

    model.learn(total_timesteps=steps, callback=Watch())
    cpu, wall = clock.totals()
    final = evaluate(act, env_id, seed, FINAL_EPISODES)
    return {"steps": int(model.num_timesteps), "cpu": cpu, "wall": wall, "curve": curve, "final": final,
            "config": {"n_envs": zoo["n_envs"], **kwargs, "policy_kwargs": zoo.get("policy_kwargs")}}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        pass
    return True


def _claim(claim: Path) -> bool:
    """Create ``claim`` holding this process's pid; False if a live process holds it.

    The pid is written to a private file first and linked into place, so a claim
    never exists without its pid. A claim whose process has died (a SIGKILL, a
    machine restart) is stale: it is renamed aside (one rename wins if two
    invocations find it at once) and taken.
    """
    mine = claim.with_name(f"{claim.name}.{os.getpid()}")
    mine.write_text(str(os.getpid()))
    try:
        for _ in range(2):
            try:
                os.link(mine, claim)
                return True
            except FileExistsError:
                pass
            try:
                pid = int(claim.read_text())
            except FileNotFoundError:
                continue  # released meanwhile: try again
            except ValueError:
                return False  # no pid: an older invocation's claim, held while it runs
            if _alive(pid):
                return False
            stale = claim.with_name(f"{claim.name}.stale-{os.getpid()}")
            try:
                os.rename(claim, stale)
                stale.unlink()
            except FileNotFoundError:
                pass
        return False
    finally:
        mine.unlink()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _job(spec: dict) -> dict | None:
    """Run one spec and store its result; None if another invocation has claimed it."""
    path = Path(spec["path"])
    claim = path.with_suffix(".running")
    # A run stopped by SIGTERM (the invocation's own, passed on below) releases its claim
    # and stores nothing.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if not _claim(claim):  # two invocations sharing --out split the runs between them
        return None
    if path.exists():  # finished by another invocation after this one listed it
        claim.unlink()
        return None
    try:
        runner = run_ours if spec["system"] in OURS else run_peer
        result = runner(spec["system"], spec["env"], spec["steps"], spec["seed"], spec["eval_every"], spec["overrides"])
        result.update(spec)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result) + "\n")
        os.replace(tmp, path)
    finally:
        claim.unlink()
    return result


def _job_process(spec: dict) -> None:
    """_job in a process of its own: exit code 0 stored a result, 3 found the run claimed elsewhere."""
    sys.exit(0 if _job(spec) is not None else 3)


def _run_all(todo: list[dict], jobs: int) -> None:
    """Run the specs, ``jobs`` processes at a time, each printed as it ends.

    SIGTERM or Ctrl-C stops the running ones too (each releases its claim and
    stores nothing); a run that fails is reported and the others go on.
    """
    pending, running = list(todo), {}
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        while pending or running:
            while pending and len(running) < jobs:
                spec = pending.pop(0)
                process = multiprocessing.Process(target=_job_process, args=(spec,))
                process.start()
                running[process.sentinel] = (process, spec)
            for sentinel in wait(list(running)):
                process, spec = running.pop(sentinel)
                process.join()
                name = f"{spec['env']} {_label(spec['system'], spec['tag'])} seed {spec['seed']}"
                if process.exitcode == 0:
                    result = json.loads(Path(spec["path"]).read_text())
                    print(f"  {name}: {np.mean(result['final']):,.0f} in {result['wall']:,.0f} s", flush=True)
                elif process.exitcode != 3:
                    print(f"  {name}: failed (exit code {process.exitcode}; its traceback is above)", flush=True)
    except BaseException:
        for process, _ in running.values():
            process.terminate()
        for process, _ in running.values():
            process.join()
        raise


def _label(system: str, tag: str) -> str:
    return f"{system}[{tag}]" if tag else system


def table(results: list[dict]) -> None:
    print(f"\n{'env':<16} {'system':<20} {'final deterministic return per seed (mean ± sd over 10 episodes)':<90} "
          f"{'median':>7} {'min':>6} {'wall s':>7} {'steps/CPU-s':>11}")
    for env in dict.fromkeys(r["env"] for r in results):
        for label in dict.fromkeys(_label(r["system"], r["tag"]) for r in results if r["env"] == env):
            rs = sorted((r for r in results if r["env"] == env and _label(r["system"], r["tag"]) == label),
                        key=lambda r: r["seed"])
            means = [float(np.mean(r["final"])) for r in rs]
            per_seed = "  ".join(f"{np.mean(r['final']):,.0f}±{np.std(r['final']):,.0f}" for r in rs)
            print(f"{env:<16} {label:<20} {per_seed:<90} {statistics.median(means):>7,.0f} {min(means):>6,.0f} "
                  f"{statistics.median(r['wall'] for r in rs):>7,.0f} "
                  f"{statistics.median(r['steps'] / r['cpu'] for r in rs):>11,.0f}")


def plot(results: list[dict], out: Path, suffix: str = "") -> list[Path]:
    """One PNG per environment, out/ENV{suffix}.png: every system's evaluation curve, mean and range over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for env in dict.fromkeys(r["env"] for r in results):
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for label in dict.fromkeys(_label(r["system"], r["tag"]) for r in results if r["env"] == env):
            rs = [r for r in results if r["env"] == env and _label(r["system"], r["tag"]) == label]
            n = min(len(r["curve"]) for r in rs)
            if n == 0:
                continue
            x = np.array([s for s, _ in rs[0]["curve"][:n]])
            y = np.array([[v for _, v in r["curve"][:n]] for r in rs])
            line, = ax.plot(x, y.mean(axis=0), label=f"{label} ({len(rs)} seeds)")
            ax.fill_between(x, y.min(axis=0), y.max(axis=0), color=line.get_color(), alpha=0.2)
        ax.set_xlabel("environment steps")
        ax.set_ylabel(f"deterministic evaluation return ({CURVE_EPISODES} episodes)")
        ax.set_title(f"{env}: mean and range over seeds")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        path = out / f"{env}{suffix}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def _parse_set(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"mujoco.py: error: --set expects KEY=VALUE, got {item!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--envs", default="Hopper-v5,HalfCheetah-v5")
    ap.add_argument("--systems", default=",".join(OURS + PEERS))
    ap.add_argument("--steps", type=int, default=1_000_000)
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0…N−1 for rl's systems (default 5)")
    ap.add_argument("--peer-seeds", type=int, default=3, help="seeds for the SB3 peers (default 3)")
    ap.add_argument("--peer-envs", default="Hopper-v5", help="environments the peers run on (zoo's Hopper settings)")
    ap.add_argument("--eval-every", type=int, default=50_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a config override for rl's systems (JSON value); use with --tag")
    ap.add_argument("--tag", default="", help="name of this variant; its runs are stored and shown apart")
    ap.add_argument("--out", default=os.path.join(_HERE, "results", "mujoco"))
    ap.add_argument("--fresh", action="store_true", help="rerun runs already stored (old files are kept as .old)")
    ap.add_argument("--table-only", action="store_true", help="run nothing: table and plots from what is stored")
    args = ap.parse_args()
    systems = [s for s in args.systems.split(",") if s]
    unknown = sorted(set(systems) - set(OURS + PEERS))
    if unknown:
        ap.error(f"--systems: unknown {unknown}; choose from {', '.join(OURS + PEERS)}")
    if args.set and not args.tag:
        ap.error("--set needs a --tag, so the variant's runs are not mixed with the defaults'")
    overrides = _parse_set(args.set)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    envs = [e for e in args.envs.split(",") if e]
    peer_envs = set(args.peer_envs.split(","))
    specs = []
    # Seeds outermost: a run cut short leaves every (env, system) cell with about as many seeds.
    for seed in range(max(args.seeds, args.peer_seeds)):
        for env in envs:
            for system in systems:
                peer = system in PEERS
                if (peer and env not in peer_envs) or seed >= (args.peer_seeds if peer else args.seeds):
                    continue
                tag = "" if peer else args.tag
                name = f"{env}_{_label(system, tag)}_s{seed}_{args.steps}.json"
                specs.append({"system": system, "env": env, "seed": seed, "steps": args.steps, "tag": tag,
                              "eval_every": args.eval_every, "overrides": {} if peer else overrides,
                              "path": str(out / name)})
    todo = []
    for spec in specs:
        path = Path(spec["path"])
        if path.exists() and args.fresh:
            os.replace(path, path.with_suffix(".json.old"))
        if not path.exists() and not args.table_only:
            todo.append(spec)
    if todo:
        print(f"running {len(todo)} runs, {args.jobs} at a time …", flush=True)
        t = time.perf_counter()
        _run_all(todo, args.jobs)
        print(f"done in {time.perf_counter() - t:,.0f} s")
    results = [json.loads(Path(s["path"]).read_text()) for s in specs if Path(s["path"]).exists()]
    if not results:
        print("no results stored yet")
        return
    table(results)
    # One PNG per environment for the default protocol; a --tag, another --steps or --seeds gets
    # its own name, so a variant's, a short run's or a wider run's plot never replaces the main one.
    suffix = ((f"_{args.tag}" if args.tag else "") + ("" if args.steps == 1_000_000 else f"_{args.steps}")
              + ("" if args.seeds == 5 else f"_{args.seeds}seeds"))
    for path in plot(results, out, suffix):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
