"""Command line: ``python -m rl train | evaluate | plot | config``.

    python -m rl train --algo ppo --env CartPole-v1 --steps 100000 --seed 0 --out runs/cartpole
    python -m rl train --resume runs/cartpole --steps 200000
    python -m rl evaluate runs/cartpole --episodes 10
    python -m rl plot runs/a runs/b --out curves.png
    python -m rl config --algo ppo          # every field, its default and its source

A bad flag, value, path or file ends with one line on stderr and exit code 2;
a run stopped by non-finite environment data ends with one line and exit
code 1, its last checkpoint kept.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import gymnasium

from .agent import Agent, CheckpointError
from .config import ALGORITHM_NAMES, PRESETS, describe, make_config, parse_value
from .loop import LOG_FIELDS, EnvError, NonFiniteData, WorkerError, train
from .plotting import plot_runs, read_log
from .runlog import RunFolder, RunFolderError
from .runtime import tune_allocator
from .spaces import SUPPORTED_SPACES
from .updates import UPDATES

SPACES = SUPPORTED_SPACES


class UsageError(Exception):
    """A problem with what the user asked for (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _int_at_least(low: int) -> Any:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer ≥ {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer ≥ {low}, got {text!r}")
        return value

    return parse


def _build_parser() -> _Parser:
    parser = _Parser(prog="python -m rl",
                     description=f"TRPO, NPG, PPO, PPO-penalty and VPG on gymnasium tasks ({SPACES}).")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    tr = sub.add_parser("train", help="train an agent; writes config, log.csv, checkpoint and a learning curve",
                        description="Train an agent. Algorithms: " + "; ".join(
                            f"{name} — {u.summary}" for name, u in UPDATES.items())
                        + f". Supported spaces: {SPACES}. 'python -m rl config --algo A' lists every field.")
    tr.add_argument("--algo", choices=ALGORITHM_NAMES, default=None, help="default trpo")
    tr.add_argument("--env", default=None, help="gymnasium id, default CartPole-v1")
    tr.add_argument("--steps", type=_int_at_least(1), default=None, help="total environment steps (default 100000)")
    tr.add_argument("--seed", type=_int_at_least(0), default=None, help="default 0")
    tr.add_argument("--eval-every", type=_int_at_least(0), default=None, metavar="STEPS",
                    help="evaluate every STEPS environment steps (deterministic and stochastic, separate seeded envs); "
                         "the best evaluated checkpoint is kept in RUN/best")
    tr.add_argument("--out", default=None, help="run folder (default runs/<env>-<algo>-s<seed>); never overwritten")
    tr.add_argument("--overwrite", action="store_true", help="move an existing --out folder aside instead of refusing")
    tr.add_argument("--resume", metavar="RUN_DIR", default=None,
                    help="continue a run from its checkpoint (--steps sets the new total; --out copies it)")
    tr.add_argument("--allow-import", action="store_true",
                    help="allow a module:Env-v0 id to import its module (off: a config cannot run code)")
    tr.add_argument("--no-preset", action="store_true",
                    help=f"ignore the per-environment preset (presets exist for: {', '.join(PRESETS)})")
    tr.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                    help="any config field, e.g. --set max_kl=0.02 --set hidden=[32,32] (JSON values)")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    tr.add_argument("--ray-address", default=None, metavar="ADDRESS",
                    help="sample on Ray actors in this cluster (e.g. auto, or ray://head:10001); "
                         "implies sampler_backend=ray (the batches do not depend on it)")

    ev = sub.add_parser("evaluate", help="run a saved agent for some episodes")
    ev.add_argument("run_dir")
    ev.add_argument("--episodes", type=_int_at_least(1), default=10)
    ev.add_argument("--stochastic", action="store_true", help="sample actions instead of taking the mode")
    ev.add_argument("--seed", type=_int_at_least(0), default=None)
    ev.add_argument("--allow-import", action="store_true", help="as for train")
    ev.add_argument("--record", metavar="DIR", default=None,
                    help="also write one deterministic episode as an animated GIF into DIR "
                         "(MuJoCo renders headless: MUJOCO_GL=egl is set unless given)")

    pl = sub.add_parser("plot", help="overlay learning curves of several runs")
    pl.add_argument("run_dirs", nargs="+")
    pl.add_argument("--out", default="learning_curves.png", help="a .png file, or a folder to write learning_curves.png in")
    pl.add_argument("--y", default="return_mean10", help=f"log column to plot (default return_mean10; one of {', '.join(LOG_FIELDS[2:])})")

    cf = sub.add_parser("config", help="list the config fields with their defaults and sources")
    cf.add_argument("--algo", choices=ALGORITHM_NAMES, default=None, help="only the fields this algorithm uses")
    cf.add_argument("--env", default=None, help="the defaults this environment gets (its family's rule, e.g. MuJoCo, "
                    "and its preset)")
    return parser


def _parse_sets(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            out[key] = parse_value(key, raw)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return out


def _threshold(env_id: str) -> float:
    """The return at which gymnasium considers the task solved (inf when unset or unknown)."""
    try:
        spec = gymnasium.spec(env_id)
    except Exception:  # noqa: BLE001 - any failure only means "no threshold known"
        return float("inf")
    return float(spec.reward_threshold) if spec.reward_threshold is not None else float("inf")


def _prepare(args: argparse.Namespace) -> tuple[Agent, RunFolder]:
    overrides = _parse_sets(args.set)
    if args.resume:
        if (args.algo or args.env or args.seed is not None or overrides or args.no_preset or args.overwrite
                or args.eval_every is not None):
            raise UsageError("--resume continues a run as configured; only --steps, --out and --allow-import may be given")
        agent = Agent.load(args.resume, allow_import=args.allow_import)
        if args.steps is not None:
            agent.config.total_steps = args.steps
        if args.ray_address is not None:
            agent.config.sampler_backend = "ray"
        if agent.steps >= agent.config.total_steps:
            raise UsageError(f"nothing to train: {args.resume} already has {agent.steps} steps "
                             f"(total {agent.config.total_steps}); pass --steps with a larger total")
        run = RunFolder.resume(args.resume, LOG_FIELDS, agent.iteration, out=args.out)
        return agent, run
    flags = {"env_id": args.env, "total_steps": args.steps, "seed": args.seed, "eval_every": args.eval_every,
             "sampler_backend": "ray" if args.ray_address is not None else None}
    overrides.update({k: v for k, v in flags.items() if v is not None})
    if "algo" in overrides and args.algo is not None:
        raise UsageError("give the algorithm once: --algo or --set algo=")
    algo = args.algo or overrides.pop("algo", "trpo")
    if not isinstance(algo, str) or algo not in ALGORITHM_NAMES:
        raise UsageError(f"algo must be one of {', '.join(ALGORITHM_NAMES)}; got {algo!r}")
    config = make_config(algo, preset=not args.no_preset, **overrides)
    agent = Agent.create(config, allow_import=args.allow_import)
    out = Path(args.out or f"runs/{config.env_id.replace(':', '_')}-{config.algo}-s{config.seed}")
    return agent, RunFolder.new(out, LOG_FIELDS, overwrite=args.overwrite)


def _train(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    agent, run = _prepare(args)
    cfg = agent.config
    if args.ray_address is not None:
        import ray

        ray.init(address=args.ray_address)
    start_steps = agent.steps
    bar = tqdm(total=cfg.total_steps, initial=start_steps, unit="step", disable=args.quiet,
               dynamic_ncols=True, file=sys.stderr)

    def progress(row: dict[str, Any]) -> None:
        bar.update(min(row["steps"], cfg.total_steps) - bar.n)
        bar.set_postfix(ret=f"{row['return_mean10']:.1f}", kl=f"{row['kl']:.4f}", refresh=False)

    t0 = time.perf_counter()
    try:
        rows = train(agent, run=run, on_iteration=progress)
    finally:
        bar.close()
    elapsed = time.perf_counter() - t0
    out = run.path
    curve = plot_runs([out], out / "learning_curve.png", title=f"{cfg.algo.upper()} on {cfg.env_id}, seed {cfg.seed}")
    returns = agent.evaluate(10)
    steps = agent.steps - start_steps
    print(f"{cfg.algo.upper()} on {cfg.env_id} (seed {cfg.seed}): {steps} steps in {elapsed:.1f} s "
          f"({steps / max(elapsed, 1e-9):,.0f} steps/s), {len(rows)} iterations")
    if rows:
        last = rows[-1]
        print(f"  last 10 training episodes: mean return {last['return_mean10']:.1f}; "
              f"KL {last['kl']:.4f}, entropy {last['entropy']:.3f}, explained variance {last['explained_variance']:.2f}")
    threshold = _threshold(cfg.env_id)
    if threshold < float("inf"):
        log = read_log(out)
        reached = [s for s, r in zip(log["steps"], log["return_mean10"]) if r >= threshold]
        print(f"  mean return ≥ {threshold:g} (10 episodes): "
              + (f"first after {int(reached[0])} steps" if reached else "not reached"))
    print(f"  deterministic evaluation, 10 episodes: {returns.mean():.1f} ± {returns.std():.1f}")
    if cfg.eval_every:
        print(f"  best evaluation during training: {agent.best_eval:.1f} (checkpoint in {out / 'best'})")
    print(f"  run folder {out}: config.json, log.csv, checkpoint.npz, {curve.name}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    agent = Agent.load(args.run_dir, allow_import=args.allow_import)
    if args.record is not None:
        from .record import record_episode

        folder = Path(args.record)
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--record {folder} is a file, not a folder")
        os.environ.setdefault("MUJOCO_GL", "egl")
        try:
            path, total, steps = record_episode(agent, folder)
        except gymnasium.error.DependencyNotInstalled as exc:
            raise UsageError(f"--record needs rendering support: {exc} (pip install -e '.[record]')") from None
        except OSError as exc:
            raise UsageError(f"--record {folder}: {exc.strerror or exc}") from None
        print(f"recorded one deterministic episode ({steps} steps, return {total:.1f}) to {path}")
    returns = agent.evaluate(args.episodes, deterministic=not args.stochastic, seed=args.seed)
    print(f"{agent.config.algo.upper()} on {agent.config.env_id} after {agent.steps} steps: "
          f"mean return {returns.mean():.2f} ± {returns.std():.2f} over {args.episodes} episodes "
          f"(min {returns.min():.1f}, max {returns.max():.1f})")
    return 0


def _plot(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.is_dir():
        out = out / "learning_curves.png"
    elif out.suffix.lower() != ".png":
        raise UsageError(f"--out {args.out}: give a .png file or an existing folder")
    if not out.parent.is_dir():
        raise UsageError(f"--out {args.out}: folder {out.parent} does not exist")
    if args.y not in LOG_FIELDS:
        raise UsageError(f"--y {args.y!r} is not a log column; columns: {', '.join(LOG_FIELDS)}")
    written = plot_runs(args.run_dirs, out, y=args.y)
    print(f"wrote {written}")
    return 0


def _config(args: argparse.Namespace) -> int:
    rows = describe(args.algo, args.env)
    width = max(len(name) for name, *_ in rows)
    for name, default, help_text, source in rows:
        print(f"{name:<{width}}  {default:<12}  {help_text}" + (f"  [{source}]" if source else ""))
    return 0


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        args = _build_parser().parse_args(argv)
        tune_allocator()
        return {"train": _train, "evaluate": _evaluate, "plot": _plot, "config": _config}[args.command](args)
    except (UsageError, ValueError, FileNotFoundError, CheckpointError, RunFolderError, gymnasium.error.Error) as exc:
        print(f"python -m rl: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (NonFiniteData, EnvError, WorkerError) as exc:
        print(f"python -m rl: training stopped: {_one_line(exc)}; the last checkpoint is kept", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("python -m rl: interrupted; the checkpoint of the last completed iteration is saved", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
