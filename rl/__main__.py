"""Command line: ``python -m rl train | evaluate | plot``.

    python -m rl train --algo trpo --env CartPole-v1 --steps 100000 --seed 0 --out runs/cartpole
    python -m rl train --resume runs/cartpole --steps 200000
    python -m rl evaluate runs/cartpole --episodes 10
    python -m rl plot runs/a runs/b --out curves.png

A bad flag value, an unknown environment id or an unsupported space ends with
one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any, NoReturn

import gymnasium

from .agent import Agent
from .algorithms import ALGORITHMS, PRESETS, Config, train
from .plotting import plot_runs
from .runtime import tune_allocator


class UsageError(Exception):
    """A problem with what the user asked for (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _build_parser() -> _Parser:
    parser = _Parser(prog="python -m rl", description="TRPO and natural policy gradient on gymnasium tasks.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    tr = sub.add_parser("train", help="train an agent; writes config, log.csv, checkpoint and a learning curve")
    tr.add_argument("--algo", choices=ALGORITHMS, default=None, help="default trpo")
    tr.add_argument("--env", default=None, help="gymnasium id, default CartPole-v1")
    tr.add_argument("--steps", type=_positive_int, default=None, help="total environment steps (default 100000)")
    tr.add_argument("--seed", type=int, default=None, help="default 0")
    tr.add_argument("--out", default=None, help="run folder (default runs/<env>-<algo>-s<seed>)")
    tr.add_argument("--resume", metavar="RUN_DIR", default=None,
                    help="continue a run from its checkpoint (--steps sets the new total)")
    tr.add_argument("--no-preset", action="store_true",
                    help=f"ignore the per-environment preset (presets exist for: {', '.join(PRESETS)})")
    tr.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                    help="any Config field, e.g. --set max_kl=0.02 --set hidden=[32,32] (JSON values)")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")

    ev = sub.add_parser("evaluate", help="run a saved agent for some episodes")
    ev.add_argument("run_dir")
    ev.add_argument("--episodes", type=_positive_int, default=10)
    ev.add_argument("--stochastic", action="store_true", help="sample actions instead of taking the mode")
    ev.add_argument("--seed", type=int, default=None)

    pl = sub.add_parser("plot", help="overlay learning curves of several runs")
    pl.add_argument("run_dirs", nargs="+")
    pl.add_argument("--out", default="learning_curves.png")
    pl.add_argument("--y", default="return_mean10", help="log column to plot (default return_mean10)")
    return parser


def _parse_sets(items: list[str]) -> dict[str, Any]:
    known = {f.name for f in fields(Config)}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        if key not in known:
            raise UsageError(f"--set: unknown config field {key!r}")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def _make_agent(args: argparse.Namespace) -> tuple[Agent, Path]:
    overrides = _parse_sets(args.set)
    if args.resume:
        if args.algo or args.env or args.seed is not None or overrides:
            raise UsageError("--resume continues a run as configured; only --steps and --out may be given")
        agent = Agent.load(args.resume)
        if args.steps is not None:
            agent.config.total_steps = args.steps
        return agent, Path(args.out or args.resume)
    flags = {"algo": args.algo, "env_id": args.env, "total_steps": args.steps, "seed": args.seed}
    overrides.update({k: v for k, v in flags.items() if v is not None})
    env_id = overrides.get("env_id", Config.env_id)
    base = {} if args.no_preset else dict(PRESETS.get(env_id, {}))
    config = Config(**{**base, **overrides})
    out = Path(args.out or f"runs/{config.env_id}-{config.algo}-s{config.seed}")
    return Agent.create(config), out


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    try:
        agent, out = _make_agent(args)
    except (ValueError, FileNotFoundError, gymnasium.error.Error) as exc:
        raise UsageError(str(exc)) from None
    cfg = agent.config
    start_steps = agent.steps
    bar = tqdm(total=cfg.total_steps, initial=start_steps, unit="step", disable=args.quiet,
               dynamic_ncols=True, file=sys.stderr)
    first_solved: list[int] = []

    threshold = _threshold(cfg)

    def progress(row: dict[str, Any]) -> None:
        bar.update(min(row["steps"], cfg.total_steps) - bar.n)
        bar.set_postfix(ret=f"{row['return_mean10']:.1f}", kl=f"{row['kl']:.4f}", refresh=False)
        if not first_solved and row["return_mean10"] >= threshold:
            first_solved.append(row["steps"])

    t0 = time.perf_counter()
    rows = train(agent, out_dir=out, on_iteration=progress)
    elapsed = time.perf_counter() - t0
    bar.close()
    curve = plot_runs([out], out / "learning_curve.png", title=f"{cfg.algo.upper()} on {cfg.env_id}, seed {cfg.seed}")
    returns = agent.evaluate(10)
    steps = agent.steps - start_steps
    print(f"{cfg.algo.upper()} on {cfg.env_id} (seed {cfg.seed}): {steps} steps in {elapsed:.1f} s "
          f"({steps / max(elapsed, 1e-9):,.0f} steps/s), {len(rows)} iterations")
    if rows:
        last = rows[-1]
        print(f"  last 10 training episodes: mean return {last['return_mean10']:.1f}; "
              f"KL {last['kl']:.4f}, entropy {last['entropy']:.3f}, explained variance {last['explained_variance']:.2f}")
    if threshold < float("inf"):
        reached = f"after {first_solved[0]} steps" if first_solved else "not reached"
        print(f"  mean return ≥ {threshold:g} (10 episodes): {reached}")
    print(f"  deterministic evaluation, 10 episodes: {returns.mean():.1f} ± {returns.std():.1f}")
    print(f"  run folder {out}: config.json, log.csv, checkpoint.npz, {curve.name}")
    return 0


def _threshold(cfg: Config) -> float:
    """The return at which gymnasium considers the task solved (inf when unset)."""
    spec = gymnasium.spec(cfg.env_id)
    return float(spec.reward_threshold) if spec.reward_threshold is not None else float("inf")


def _evaluate(args: argparse.Namespace) -> int:
    try:
        agent = Agent.load(args.run_dir)
    except (ValueError, FileNotFoundError, gymnasium.error.Error) as exc:
        raise UsageError(str(exc)) from None
    returns = agent.evaluate(args.episodes, deterministic=not args.stochastic, seed=args.seed)
    print(f"{agent.config.algo.upper()} on {agent.config.env_id} after {agent.steps} steps: "
          f"mean return {returns.mean():.2f} ± {returns.std():.2f} over {args.episodes} episodes "
          f"(min {returns.min():.1f}, max {returns.max():.1f})")
    return 0


def _plot(args: argparse.Namespace) -> int:
    try:
        out = plot_runs(args.run_dirs, args.out, y=args.y)
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from None
    print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _build_parser().parse_args(argv)
        tune_allocator()
        return {"train": _train, "evaluate": _evaluate, "plot": _plot}[args.command](args)
    except UsageError as exc:
        print(f"python -m rl: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("python -m rl: interrupted; the last checkpoint is kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
