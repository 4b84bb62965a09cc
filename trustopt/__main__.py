"""Command line: ``python -m trustopt compare [options]``.

Runs trustopt's solvers and their scipy counterparts over a problem set,
prints a table and a per-solver summary, and writes ``runs.csv``,
``performance_profile.png`` and one ``convergence_<problem>.png`` per
``--plot`` problem into ``--out``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from . import compare


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


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
                     help="comma-separated solver names, 'default' or 'all'; known: "
                          + ", ".join([*compare.TRUSTOPT_SOLVERS, *compare.SCIPY_SOLVERS]))
    cmp.add_argument("--out", type=Path, default=Path("compare-out"),
                     help="output folder for the CSV and plots (default: compare-out)")
    cmp.add_argument("--gtol", type=float, default=1e-5, help="gradient tolerance for every solver (default: 1e-5)")
    cmp.add_argument("--rtol", type=float, default=1e-6,
                     help="relative tolerance on f - f* for 'solved' (default: 1e-6)")
    cmp.add_argument("--maxiter", type=int, default=None, help="iteration limit for every solver (default: each solver's own)")
    cmp.add_argument("--max-dense-n", type=int, default=200,
                     help="skip solvers holding an n-by-n matrix (dense Hessian, BFGS) on problems larger than this (default: 200; 0 never skips)")
    cmp.add_argument("--plot", default="rosenbrock",
                     help="comma-separated problems to draw convergence plots for (default: rosenbrock; '' for none)")
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

    if args.problems.strip().lower().startswith("hs"):
        return _compare_hs(args, parser)
    try:
        problems = compare.resolve_problems(args.problems)
        solvers = compare.resolve_solvers(args.solvers)
    except (KeyError, ValueError) as exc:
        parser.exit(2, f"{parser.prog} compare: error: {exc.args[0] if exc.args else exc}\n")
    if not args.gtol > 0 or not args.rtol > 0:
        parser.exit(2, f"{parser.prog} compare: error: --gtol and --rtol must be positive\n")
    plots = [name.strip() for name in args.plot.split(",") if name.strip()]
    names = {p.name for p in problems}
    plots = [name for name in plots if name in names]
    args.out.mkdir(parents=True, exist_ok=True)

    total = len(problems) * len(solvers)
    with tqdm(total=total, desc="compare", unit="run", file=sys.stderr, disable=args.no_progress) as bar:
        def advance(run: compare.Run | None) -> None:
            if run is not None:
                bar.set_postfix_str(f"{run.problem} / {run.solver}", refresh=False)
            bar.update()

        runs = compare.run_comparison(
            problems, solvers, gtol=args.gtol, rtol=args.rtol, maxiter=args.maxiter,
            max_dense_n=args.max_dense_n or None, on_run=advance,
        )
    if args.table == "full":
        print(compare.format_table(runs))
        print()
    print(compare.summarize(runs))
    written = [compare.write_csv(runs, args.out / "runs.csv"),
               compare.performance_profile(runs, args.out / "performance_profile.png")]
    written += [compare.convergence_plot(runs, name, args.out / f"convergence_{name}.png") for name in plots]
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
