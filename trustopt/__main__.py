"""Command line: ``python -m trustopt compare [options]``.

Runs trustopt's solvers and their scipy counterparts over a problem set,
prints a table and a per-solver summary, and writes ``runs.csv``,
``performance_profile.png`` and one ``convergence_<problem>.png`` per
``--plot`` problem into ``--out``. A bad flag, value or output folder is one
line on stderr and exit status 2, before any solver runs.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Callable, NoReturn, Sequence

from . import compare


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number; got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be finite and > 0; got {text!r}")
    return value


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer; got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be an integer ≥ {low}; got {text!r}")
        return value

    return parse


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m trustopt", description="trustopt command line")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    cmp = commands.add_parser(
        "compare",
        help="benchmark trustopt solvers against scipy on test problems",
        description=(
            "Run solvers over test problems from their standard starts. Costs are "
            "nfev + njev + nhev counted on one autograd Objective per run; 'solved' "
            "means f reached a documented minimum within --rtol."
        ),
    )
    cmp.add_argument("--problems", default="mgh",
                     help="mgh, scalable, all, hs (Hock–Schittkowski, constrained solvers), or comma-separated "
                          "problem names (default: mgh)")
    cmp.add_argument("--solvers", default="default",
                     help="comma-separated solver names, 'default', 'lsq' (the least-squares solvers, on "
                          "problems with residuals) or 'all'; known: "
                          + ", ".join([*compare.TRUSTOPT_SOLVERS, *compare.SCIPY_SOLVERS,
                                       *compare.LEAST_SQUARES_SOLVERS]))
    cmp.add_argument("--out", type=Path, default=Path("compare-out"),
                     help="output folder for the CSV and plots (default: compare-out)")
    cmp.add_argument("--gtol", type=_positive_float, default=1e-5,
                     help="gradient tolerance for every solver (default: 1e-5)")
    cmp.add_argument("--rtol", type=_positive_float, default=1e-6,
                     help="relative tolerance on f - f* for 'solved' (default: 1e-6)")
    cmp.add_argument("--maxiter", type=_int_at_least(0), default=None,
                     help="iteration limit for every solver (default: each solver's own)")
    cmp.add_argument("--max-dense-n", type=_int_at_least(0), default=200,
                     help="skip solvers holding an n-by-n matrix (dense Hessian, BFGS) on problems larger than this (default: 200; 0 never skips)")
    cmp.add_argument("--plot", default=None,
                     help="comma-separated problems, among those run, to draw convergence plots for "
                          "(default: rosenbrock when it is run; '' for none)")
    cmp.add_argument("--workers", type=_int_at_least(1), default=1,
                     help="processes solving problem-solver pairs at once; the table is the same as a "
                          "serial run's except the time column (default: 1)")
    cmp.add_argument("--table", choices=["full", "summary"], default="full",
                     help="print every run, or only the per-solver summary (default: full)")
    cmp.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _compare_hs(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``--problems hs`` (or hsNNN names): the constrained solvers of :mod:`trustopt.compare_constrained`."""
    from tqdm import tqdm

    from . import compare_constrained

    try:
        problems = compare_constrained.resolve_hs(args.problems)
    except ValueError as exc:
        parser.exit(2, f"{parser.prog} compare: error: {exc}\n")
    with tqdm(desc="compare", unit="run", file=sys.stderr, disable=args.no_progress) as bar:
        def advance(run: compare_constrained.ConstrainedRun) -> None:
            bar.set_postfix_str(f"{run.problem} / {run.solver}", refresh=False)
            bar.update()

        try:
            text, png = compare_constrained.main_hs(problems, args.solvers, args.out, rtol=args.rtol,
                                                    table=args.table, progress=advance)
        except ValueError as exc:
            parser.exit(2, f"{parser.prog} compare: error: {exc}\n")
    print(text)
    print()
    print(f"wrote {args.out / 'compare_hs.csv'}, {png}")
    return 0


def _compare(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from tqdm import tqdm

    def fail(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog} compare: error: {message}\n")

    if args.problems.strip().lower().startswith("hs"):
        return _compare_hs(args, parser)
    try:
        problems = compare.resolve_problems(args.problems)
    except (KeyError, ValueError) as exc:
        fail(f"--problems: {exc.args[0] if exc.args else exc}")
    try:
        solvers = compare.resolve_solvers(args.solvers)
    except ValueError as exc:
        fail(f"--solvers: {exc}")
    names = [p.name for p in problems]
    if args.plot is None:
        plots = ["rosenbrock"] if "rosenbrock" in names else []
    else:
        plots = [name.strip() for name in args.plot.split(",") if name.strip()]
        missing = [name for name in plots if name not in names]
        if missing:
            fail(f"--plot: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not among the problems run "
                 f"({', '.join(names[:8])}{', ...' if len(names) > 8 else ''})")
    if args.out.exists() and not args.out.is_dir():
        fail(f"--out {args.out}: exists and is not a folder")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"--out {args.out}: cannot create the folder ({exc.strerror or exc})")

    total = len(problems) * len(solvers)
    with tqdm(total=total, desc="compare", unit="run", file=sys.stderr, disable=args.no_progress) as bar:
        def advance(run: compare.Run | None) -> None:
            if run is not None:
                bar.set_postfix_str(f"{run.problem} / {run.solver}", refresh=False)
            bar.update()

        runs = compare.run_comparison(
            problems, solvers, gtol=args.gtol, rtol=args.rtol, maxiter=args.maxiter,
            max_dense_n=args.max_dense_n or None, on_run=advance, workers=args.workers,
        )
    if args.table == "full":
        print(compare.format_table(runs))
        print()
    print(compare.summarize(runs))
    try:
        written = [compare.write_csv(runs, args.out / "runs.csv"),
                   compare.performance_profile(runs, args.out / "performance_profile.png")]
        written += [compare.convergence_plot(runs, name, args.out / f"convergence_{name}.png") for name in plots]
    except OSError as exc:
        fail(f"--out {args.out}: cannot write {exc.filename or 'the results'} ({exc.strerror or exc})")
    print()
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "compare":
        return _compare(args, parser)
    return 2


if __name__ == "__main__":
    sys.exit(main())
