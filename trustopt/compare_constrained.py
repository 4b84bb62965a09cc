"""Constrained solvers against scipy's on the Hock–Schittkowski problems.

:func:`run_constrained` solves every (problem, solver) pair from the
problem's standard start; :func:`format_constrained_table`,
:func:`summarize_constrained` and :func:`constrained_profile` report the runs.
``python -m trustopt compare --problems hs`` calls :func:`main_hs`.

Fairness. Every run gets a fresh :class:`~trustopt.objective.Objective` and
a fresh :class:`~trustopt.constraints.Constraints` for the problem, so all
solvers use the same autograd derivatives and all counts come from the same
counters: ``nfev`` values of f, ``njev`` gradients, ``ncev`` evaluations of
the whole constraint vector at a new point and ``njcev`` of its Jacobians
(scipy asks for the inequality and equality parts separately at one point;
the second ask is served from the cache and not counted, as trustopt's
solvers are served). The cost is nfev + njev + ncev + njcev. trust-constr
gets BFGS Hessian approximations for f and constraints (the quasi-Newton
footing SLSQP and trustopt's SQP stand on). A run is *solved* when
|f − f*| ≤ rtol·max(1, |f*|) and the violation ≤ vtol, whatever it reports.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

from .augmented_lagrangian import AugmentedLagrangian
from .bounds import Box
from .constraints import Constraints, as_constraints
from .lbfgsb import LBFGSB
from .minimize import minimize
from .objective import Objective
from .problems_hs import ConstrainedProblem, get_hs, hs_suite
from .sqp import SQP

__all__ = [
    "ConstrainedRun", "CONSTRAINED_SOLVERS", "run_constrained_one", "run_constrained",
    "format_constrained_table", "summarize_constrained", "constrained_profile", "main_hs",
]


@dataclass
class ConstrainedRun:
    """One solver on one constrained problem."""

    problem: str
    kind: str
    n: int
    solver: str
    fun: float
    violation: float
    solved: bool
    status: str
    nit: int
    nfev: int
    njev: int
    ncev: int
    njcev: int
    seconds: float

    @property
    def cost(self) -> int:
        return self.nfev + self.njev + self.ncev + self.njcev


def _constraints(problem: ConstrainedProblem) -> Constraints:
    items: list[Any] = []
    if problem.ineq is not None:
        items.append(problem.ineq)
    if problem.eq is not None:
        items.append({"type": "eq", "fun": problem.eq})
    return as_constraints(items, problem.n)


def _box(problem: ConstrainedProblem) -> Box | None:
    box = Box(problem.lower, problem.upper)
    return None if box.unbounded else box


def _scipy(method: str) -> Callable[[ConstrainedProblem, Objective, Constraints], tuple[np.ndarray, str, int]]:
    def run(problem: ConstrainedProblem, objective: Objective, cons: Constraints) -> tuple[np.ndarray, str, int]:
        bounds = scipy.optimize.Bounds(problem.lower, problem.upper) if _box(problem) is not None else None
        kw: dict[str, Any] = {}
        if method == "SLSQP":
            parts = []
            if problem.ineq is not None:
                parts.append({"type": "ineq", "fun": lambda x: -cons.values(x)[0], "jac": lambda x: -cons.jacobians(x)[0]})
            if problem.eq is not None:
                parts.append({"type": "eq", "fun": lambda x: cons.values(x)[1], "jac": lambda x: cons.jacobians(x)[1]})
            kw["constraints"] = parts
        elif method == "trust-constr":
            parts = []
            if problem.ineq is not None:
                parts.append(scipy.optimize.NonlinearConstraint(
                    lambda x: cons.values(x)[0], -np.inf, 0.0, jac=lambda x: cons.jacobians(x)[0],
                    hess=scipy.optimize.BFGS()))
            if problem.eq is not None:
                parts.append(scipy.optimize.NonlinearConstraint(
                    lambda x: cons.values(x)[1], 0.0, 0.0, jac=lambda x: cons.jacobians(x)[1],
                    hess=scipy.optimize.BFGS()))
            kw["constraints"] = parts
            kw["hess"] = scipy.optimize.BFGS()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = scipy.optimize.minimize(objective.value, np.array(problem.x0), jac=objective.grad,
                                          method=method, bounds=bounds, **kw)
        return np.asarray(res.x, dtype=np.float64), f"scipy:{res.status}", int(getattr(res, "nit", 0))
    return run


def _trustopt(build: Callable[[], Any] | None) -> Callable[[ConstrainedProblem, Objective, Constraints], tuple[np.ndarray, str, int]]:
    def run(problem: ConstrainedProblem, objective: Objective, cons: Constraints) -> tuple[np.ndarray, str, int]:
        if build is None:
            res = minimize(objective, np.array(problem.x0), bounds=_box(problem), constraints=cons)
        elif isinstance(built := build(), LBFGSB):
            res = built.minimize(objective, np.array(problem.x0), bounds=_box(problem))
        else:
            res = built.minimize(objective, np.array(problem.x0), bounds=_box(problem), constraints=cons)
        return res.x, res.status.name, res.nit
    return run


#: Solvers by name; "l-bfgs-b" and "trustopt-lbfgsb" run on bound-only problems only.
CONSTRAINED_SOLVERS: dict[str, Callable[[ConstrainedProblem, Objective, Constraints], tuple[np.ndarray, str, int]]] = {
    "trustopt-default": _trustopt(None),
    "trustopt-sqp": _trustopt(SQP),
    "trustopt-auglag": _trustopt(AugmentedLagrangian),
    "trustopt-lbfgsb": _trustopt(LBFGSB),
    "scipy-slsqp": _scipy("SLSQP"),
    "scipy-trust-constr": _scipy("trust-constr"),
    "scipy-l-bfgs-b": _scipy("L-BFGS-B"),
}
_BOUNDS_ONLY = {"trustopt-lbfgsb", "scipy-l-bfgs-b"}


def run_constrained_one(problem: ConstrainedProblem, solver: str, *, rtol: float = 1e-6, vtol: float = 1e-6) -> ConstrainedRun:
    """Solve ``problem`` with ``solver`` from its standard start and measure the outcome."""
    objective, cons = Objective(problem.fun), _constraints(problem)
    t0 = time.perf_counter()
    try:
        x, status, nit = CONSTRAINED_SOLVERS[solver](problem, objective, cons)
    except (ValueError, np.linalg.LinAlgError, ArithmeticError) as exc:
        x, status, nit = np.array(problem.x0), f"error: {type(exc).__name__}", 0
    seconds = time.perf_counter() - t0
    with np.errstate(all="ignore"):
        fun = float(problem.fun(x))
        violation = problem.violation(x)
    solved = bool(math.isfinite(fun) and problem.solved(fun, violation, rtol, vtol))
    counts = cons.counts()
    return ConstrainedRun(problem.name, problem.kind, problem.n, solver, fun, violation, solved, status, nit,
                          objective.nfev, objective.njev, counts["ncev"], counts["njcev"], seconds)


def run_constrained(problems: Iterable[ConstrainedProblem], solvers: Sequence[str], *, rtol: float = 1e-6,
                    vtol: float = 1e-6, progress: Callable[[ConstrainedRun], None] | None = None) -> list[ConstrainedRun]:
    """Every (problem, solver) pair, with one BLAS thread; bound-only solvers skip constrained problems."""
    runs = []
    with threadpool_limits(1):
        for problem in problems:
            for solver in solvers:
                if solver in _BOUNDS_ONLY and problem.kind != "bounds":
                    continue
                run = run_constrained_one(problem, solver, rtol=rtol, vtol=vtol)
                runs.append(run)
                if progress is not None:
                    progress(run)
    return runs


def format_constrained_table(runs: Sequence[ConstrainedRun]) -> str:
    """One line per run: problem, solver, solved, f, violation, cost and its parts, status."""
    head = f"{'problem':8} {'kind':9} {'n':>3} {'solver':20} {'ok':2} {'f':>14} {'viol':>8} {'cost':>6} " \
           f"{'nfev':>5} {'njev':>5} {'ncev':>5} {'njcev':>5}  status"
    lines = [head, "-" * len(head)]
    for r in runs:
        lines.append(f"{r.problem:8} {r.kind:9} {r.n:3d} {r.solver:20} {'y' if r.solved else '-':2} {r.fun:14.7g} "
                     f"{r.violation:8.1e} {r.cost:6d} {r.nfev:5d} {r.njev:5d} {r.ncev:5d} {r.njcev:5d}  {r.status}")
    return "\n".join(lines)


def summarize_constrained(runs: Sequence[ConstrainedRun]) -> str:
    """Per solver: problems run and solved, median cost over its solved problems, and the
    median cost ratio against each scipy solver over the problems both solve."""
    solvers = list(dict.fromkeys(r.solver for r in runs))
    by = {(r.problem, r.solver): r for r in runs}
    lines = [f"{'solver':20} {'run':>4} {'solved':>6} {'median cost':>11}  median cost ratio vs (both solved)"]
    for s in solvers:
        mine = [r for r in runs if r.solver == s]
        solved = [r.cost for r in mine if r.solved]
        ratios = []
        for ref in ("scipy-slsqp", "scipy-trust-constr", "scipy-l-bfgs-b"):
            if ref == s:
                continue
            pairs = [(r.cost, by[(r.problem, ref)].cost) for r in mine
                     if r.solved and (r.problem, ref) in by and by[(r.problem, ref)].solved]
            if pairs:
                mine_med = float(np.median([a for a, _ in pairs]))
                ref_med = float(np.median([b for _, b in pairs]))
                ratios.append(f"{ref}: {mine_med:.0f}/{ref_med:.0f} = {mine_med / ref_med:.2f} on {len(pairs)}")
        med = f"{np.median(solved):.0f}" if solved else "-"
        lines.append(f"{s:20} {len(mine):4d} {len(solved):6d} {med:>11}  " + "; ".join(ratios))
    return "\n".join(lines)


def constrained_profile(runs: Sequence[ConstrainedRun], path: str | Path, solvers: Sequence[str] | None = None) -> Path:
    """Dolan–Moré performance profile of cost over the problems every listed solver ran; returns the path.

    ρ_s(τ) is the fraction of problems that solver s solved at cost ≤ τ × the
    cheapest solver's cost on that problem.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(solvers) if solvers is not None else list(dict.fromkeys(r.solver for r in runs))
    by = {(r.problem, r.solver): r for r in runs}
    problems = [p for p in dict.fromkeys(r.problem for r in runs) if all((p, s) in by for s in names)]
    ratios: dict[str, list[float]] = {s: [] for s in names}
    for p in problems:
        costs = {s: by[(p, s)].cost if by[(p, s)].solved else math.inf for s in names}
        best = min(costs.values())
        for s in names:
            ratios[s].append(costs[s] / best if math.isfinite(best) and math.isfinite(costs[s]) else math.inf)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    finite = [v for vals in ratios.values() for v in vals if math.isfinite(v)]
    top = max(2.0, max(finite, default=2.0)) * 1.1
    taus = np.logspace(0, math.log10(top), 200)
    for s in names:
        vals = np.array(ratios[s])
        ax.step(np.log2(taus), [(vals <= t).mean() if vals.size else 0.0 for t in taus], where="post", label=s)
    ax.set_xlabel("log₂ τ  (cost = nfev + njev + ncev + njcev, relative to the best solver)")
    ax.set_ylabel("fraction of problems solved")
    ax.set_title(f"Performance profile over {len(problems)} Hock–Schittkowski problems")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def resolve_hs(spec: str) -> list[ConstrainedProblem]:
    """``"hs"`` for the whole collection, or comma-separated names such as ``"hs071,hs035"``."""
    if spec.strip().lower() == "hs":
        return hs_suite()
    return [get_hs(name.strip()) for name in spec.split(",") if name.strip()]


def main_hs(problems: str | Sequence[ConstrainedProblem], solvers: str, out: Path, *, rtol: float = 1e-6, table: str = "full",
            progress: Callable[[ConstrainedRun], None] | None = None) -> tuple[str, Path]:
    """Run the HS comparison; write the CSV and the profile PNG into ``out``; return (report text, PNG path).

    ``problems`` is a spec for :func:`resolve_hs` or the problems themselves;
    ``solvers`` "default"/"all" or comma-separated names of :data:`CONSTRAINED_SOLVERS`.
    """
    import csv
    from dataclasses import asdict

    names = list(CONSTRAINED_SOLVERS) if solvers in ("default", "all") else [s.strip() for s in solvers.split(",")]
    unknown = sorted(set(names) - set(CONSTRAINED_SOLVERS))
    if unknown:
        raise ValueError(f"unknown constrained solver(s) {unknown}; known: {sorted(CONSTRAINED_SOLVERS)}")
    chosen = resolve_hs(problems) if isinstance(problems, str) else list(problems)
    runs = run_constrained(chosen, names, rtol=rtol, progress=progress)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "compare_hs.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*asdict(runs[0]).keys(), "cost"])
        writer.writeheader()
        for r in runs:
            writer.writerow({**asdict(r), "cost": r.cost})
    general = [s for s in names if s not in _BOUNDS_ONLY]
    png = constrained_profile(runs, out / "profile_hs.png", general)
    text = (format_constrained_table(runs) + "\n\n" if table == "full" else "") + summarize_constrained(runs)
    return text, png
