"""Run trustopt solvers and their scipy counterparts over test problems.

:func:`run_comparison` solves every (problem, solver) pair from the
problem's standard start and returns one :class:`Run` per pair;
:func:`format_table`, :func:`summarize`, :func:`write_csv`,
:func:`performance_profile` and :func:`convergence_plot` report them. The
command line ``python -m trustopt compare`` (see :mod:`trustopt.__main__`)
strings these together.

Fairness. Every run, trustopt's or scipy's, gets a fresh
:class:`~trustopt.objective.Objective` for the problem, so all of them use
the same autograd gradient, Hessian-vector product and dense Hessian, and all
counts come from that Objective's counters (what was actually called): a
Hessian-vector product counts one ``nhev``, a dense Hessian also one. The
cost of a run is nfev + njev + nhev. scipy solvers get the same ``gtol``;
note that scipy's trust-region methods test the Euclidean norm of the
gradient while trustopt, L-BFGS-B and BFGS test the ∞-norm. A run counts as
*solved* when its final f reaches a documented minimum value,
``problem.solved(f, rtol)``, whatever status it reports.
"""

from __future__ import annotations

import csv
import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

from .gltr import GLTR
from .lbfgs import LBFGS
from .least_squares import least_squares
from .objective import Objective
from .problems import Problem, all_problems, get_problem, mgh_suite, scalable_suite
from .subproblems import CauchyPoint, Dogleg, Exact, Steihaug
from .trust_region import TrustRegion

__all__ = [
    "Run",
    "TRUSTOPT_SOLVERS",
    "LEAST_SQUARES_SOLVERS",
    "SCIPY_SOLVERS",
    "DEFAULT_SOLVERS",
    "resolve_problems",
    "resolve_solvers",
    "run_one",
    "run_comparison",
    "format_table",
    "summarize",
    "write_csv",
    "performance_ratios",
    "performance_profile",
    "convergence_plot",
]

#: trustopt solvers by name: name -> (gtol, maxiter) -> solver.
TRUSTOPT_SOLVERS: dict[str, Callable[[float, int | None], Any]] = {
    "trust-steihaug": lambda gtol, maxiter: TrustRegion(Steihaug(), gtol=gtol, maxiter=maxiter),
    "trust-exact": lambda gtol, maxiter: TrustRegion(Exact(), gtol=gtol, maxiter=maxiter),
    "trust-krylov": lambda gtol, maxiter: TrustRegion(GLTR(), gtol=gtol, maxiter=maxiter),
    "dogleg": lambda gtol, maxiter: TrustRegion(Dogleg(), gtol=gtol, maxiter=maxiter),
    "trust-cauchy": lambda gtol, maxiter: TrustRegion(CauchyPoint(), gtol=gtol, maxiter=maxiter),
    "lbfgs": lambda gtol, maxiter: LBFGS(gtol=gtol, **({} if maxiter is None else {"maxiter": maxiter})),
}

#: scipy.optimize.minimize methods by name, with the derivative each one is given.
SCIPY_SOLVERS: dict[str, tuple[str, str | None]] = {
    "scipy:L-BFGS-B": ("L-BFGS-B", None),
    "scipy:BFGS": ("BFGS", None),
    "scipy:trust-ncg": ("trust-ncg", "hessp"),
    "scipy:trust-krylov": ("trust-krylov", "hessp"),
    "scipy:trust-exact": ("trust-exact", "hess"),
    "scipy:dogleg": ("dogleg", "hess"),
}

#: Least-squares solvers of ½‖r‖² (problems with residuals only): name -> (library, method).
#: Each runs with its library's default tolerances (ftol = xtol = gtol = 1e-8 for both
#: libraries; the trust-region driver's gtol for "dogleg"/"steihaug" is on ‖Jᵀr‖₂), so the
#: comparison's ``gtol`` and ``maxiter`` do not apply; J is autograd's dense Jacobian for all
#: but lsq-steihaug, which uses J·v and vᵀJ products (counted as nhev). nfev counts residual
#: evaluations, njev Jacobian evaluations.
LEAST_SQUARES_SOLVERS: dict[str, tuple[str, str]] = {
    "lsq-lm": ("trustopt", "lm"),
    "lsq-dogleg": ("trustopt", "dogleg"),
    "lsq-steihaug": ("trustopt", "steihaug"),
    "scipy:lsq-lm": ("scipy", "lm"),
    "scipy:lsq-trf": ("scipy", "trf"),
}

#: What ``python -m trustopt compare`` runs without ``--solvers``.
DEFAULT_SOLVERS: tuple[str, ...] = (
    "trust-steihaug", "trust-krylov", "trust-exact", "dogleg", "lbfgs",
    "scipy:trust-ncg", "scipy:trust-krylov", "scipy:trust-exact", "scipy:dogleg",
    "scipy:L-BFGS-B", "scipy:BFGS",
)

#: Solvers that hold an n×n matrix: a dense Hessian at every point, BFGS's inverse approximation,
#: or a dense Jacobian (autograd builds it from one reverse pass per residual).
_DENSE = {"trust-exact", "dogleg", "scipy:trust-exact", "scipy:dogleg", "scipy:BFGS",
          "lsq-lm", "lsq-dogleg", "scipy:lsq-lm", "scipy:lsq-trf"}


@dataclass
class Run:
    """One solver on one problem.

    ``cost`` is nfev + njev + nhev; ``gap`` is f − f*[0] (global minimum);
    ``trace`` holds (cost so far, f) at every function evaluation, for
    convergence plots; ``status`` is the solver's own word for why it stopped.
    """

    problem: str
    n: int
    solver: str
    solved: bool
    status: str
    nit: int
    nfev: int
    njev: int
    nhev: int
    fun: float
    f_star: float
    time: float
    message: str = ""
    trace: list[tuple[int, float]] = field(default_factory=list, repr=False)

    @property
    def cost(self) -> int:
        return self.nfev + self.njev + self.nhev

    @property
    def gap(self) -> float:
        return self.fun - self.f_star


class _TracedObjective(Objective):
    """An Objective that records (evaluations so far, f) at every function value."""

    def __init__(self, fun: Callable[[np.ndarray], Any]) -> None:
        super().__init__(fun)
        self.trace: list[tuple[int, float]] = []

    def _cost(self) -> int:
        return self.nfev + self.njev + self.nhev

    def value(self, x: np.ndarray) -> float:
        f = super().value(x)
        self.trace.append((self._cost(), f))
        return f

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = super().value_and_grad(x)
        self.trace.append((self._cost(), f))
        return f, g


def _no_duplicates(names: Sequence[str], what: str) -> None:
    # A pair run twice would be counted twice in the summary and the profile.
    repeated = sorted({name for name in names if list(names).count(name) > 1})
    if repeated:
        raise ValueError(f"{what} named more than once: {', '.join(repeated)}")


def _least_squares_problems() -> list[Problem]:
    return [p for p in all_problems() if p.residuals is not None]


def resolve_problems(spec: str | Sequence[str]) -> list[Problem]:
    """Problems from "mgh", "scalable", "all", "lsq" (those with residuals), or distinct problem names
    (a list or a comma-separated string)."""
    if isinstance(spec, str):
        suites = {"mgh": mgh_suite, "scalable": scalable_suite, "all": all_problems, "lsq": _least_squares_problems}
        if spec in suites:
            return suites[spec]()
        spec = [name.strip() for name in spec.split(",") if name.strip()]
    if not spec:
        raise ValueError("problems must name a suite (mgh, scalable, all) or at least one problem")
    _no_duplicates(spec, "problem(s)")
    return [get_problem(name) for name in spec]


def resolve_solvers(spec: str | Sequence[str]) -> list[str]:
    """Distinct solver names from a list or comma-separated string; "default", "lsq" (every
    least-squares solver) and "all" are shorthands."""
    if isinstance(spec, str):
        if spec == "default":
            return list(DEFAULT_SOLVERS)
        if spec == "lsq":
            return list(LEAST_SQUARES_SOLVERS)
        if spec == "all":
            return [*TRUSTOPT_SOLVERS, *SCIPY_SOLVERS, *LEAST_SQUARES_SOLVERS]
        spec = [name.strip() for name in spec.split(",") if name.strip()]
    known = [*TRUSTOPT_SOLVERS, *SCIPY_SOLVERS, *LEAST_SQUARES_SOLVERS]
    unknown = [name for name in spec if name not in known]
    if unknown or not spec:
        raise ValueError(f"unknown solver(s) {unknown or spec}; known: {', '.join(known)}")
    _no_duplicates(spec, "solver(s)")
    return list(spec)


def _run_least_squares(problem: Problem, solver: str, rtol: float) -> Run:
    """One least-squares solver on ``problem``'s residuals, counting residual and Jacobian calls."""
    from autograd import jacobian

    if problem.residuals is None:
        raise ValueError(f"{solver} needs residuals; problem {problem.name!r} has none")
    library, method = LEAST_SQUARES_SOLVERS[solver]
    calls = {"residual": 0, "jacobian": 0}
    trace: list[tuple[int, float]] = []
    dense_jacobian = jacobian(problem.residuals)

    def residual(x: np.ndarray) -> Any:
        calls["residual"] += 1
        r = problem.residuals(x)
        if isinstance(r, np.ndarray):
            trace.append((calls["residual"] + calls["jacobian"], float(np.sum(r * r))))
        return r

    def jac(x: np.ndarray) -> np.ndarray:
        calls["jacobian"] += 1
        return np.asarray(dense_jacobian(x), dtype=np.float64)

    x0 = np.array(problem.x0)
    start = time.perf_counter()
    nhev = 0
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if library == "trustopt":
            # Steihaug's products come from autograd tracing the residual itself (counted by the solver).
            res = least_squares(residual, x0, method=method, jac=None if method == "steihaug" else jac)
            cost, nit, status, message = res.cost, res.nit, res.status.name, res.message
            nfev, njev, nhev = res.nfev, res.njev, res.nhev
        else:
            res = scipy.optimize.least_squares(residual, x0, jac=jac, method=method)
            # scipy reports no iteration count; each trial is one residual evaluation after x0's.
            cost, nit, message = float(res.cost), int(res.nfev) - 1, str(res.message)
            status = "success" if res.success else f"status {res.status}"
            nfev, njev = calls["residual"], calls["jacobian"]
    elapsed = time.perf_counter() - start
    fun = 2.0 * cost  # the Problem's f is ‖r‖²
    solved = math.isfinite(fun) and problem.solved(fun, rtol)
    return Run(problem.name, problem.n, solver, solved, status, nit, nfev, njev, nhev, fun, problem.f_star[0],
               elapsed, message, trace)


def run_one(problem: Problem, solver: str, *, gtol: float = 1e-5, rtol: float = 1e-6, maxiter: int | None = None) -> Run:
    """Solve ``problem`` with the solver called ``solver`` (one BLAS thread).

    Least-squares solvers (:data:`LEAST_SQUARES_SOLVERS`) ignore ``gtol`` and ``maxiter``.
    """
    if solver in LEAST_SQUARES_SOLVERS:
        return _run_least_squares(problem, solver, rtol)
    objective = _TracedObjective(problem.fun)
    x0 = np.array(problem.x0)
    start = time.perf_counter()
    with threadpool_limits(1), warnings.catch_warnings():
        # scipy warns on every failed run; the status column already says it.
        warnings.simplefilter("ignore")
        if solver in TRUSTOPT_SOLVERS:
            res = TRUSTOPT_SOLVERS[solver](gtol, maxiter).minimize(objective, x0)
            fun, nit, status, message = res.fun, res.nit, res.status.name, res.message
        elif solver in SCIPY_SOLVERS:
            method, second = SCIPY_SOLVERS[solver]
            extra: dict[str, Any] = {}
            if second == "hessp":
                extra["hessp"] = objective.hvp
            elif second == "hess":
                extra["hess"] = objective.hessian
            options: dict[str, Any] = {"gtol": gtol}
            if maxiter is not None:
                options["maxiter"] = maxiter
            try:
                res = scipy.optimize.minimize(
                    objective.value, x0, jac=objective.grad, method=method, options=options, **extra
                )
                fun, nit = float(res.fun), int(res.nit)
                status, message = ("success" if res.success else f"status {res.status}"), str(res.message)
            except (ValueError, np.linalg.LinAlgError) as exc:
                # scipy's dogleg raises where the Hessian is not positive definite.
                fun, nit, status, message = math.nan, 0, "exception", f"{type(exc).__name__}: {exc}"
        else:
            raise ValueError(f"unknown solver {solver!r}; known: {', '.join([*TRUSTOPT_SOLVERS, *SCIPY_SOLVERS])}")
    elapsed = time.perf_counter() - start
    solved = math.isfinite(fun) and problem.solved(fun, rtol)
    return Run(
        problem.name, problem.n, solver, solved, status, nit, objective.nfev, objective.njev, objective.nhev,
        fun, problem.f_star[0], elapsed, message, objective.trace,
    )


def run_comparison(
    problems: Iterable[Problem],
    solvers: Sequence[str],
    *,
    gtol: float = 1e-5,
    rtol: float = 1e-6,
    maxiter: int | None = None,
    max_dense_n: int | None = 200,
    on_run: Callable[[Run | None], None] | None = None,
    workers: int = 1,
) -> list[Run]:
    """Every solver on every problem, in order (problem-major), whatever ``workers`` is.

    Parameters
    ----------
    problems, solvers : what to run (see :func:`resolve_problems`, :func:`resolve_solvers`).
    gtol : gradient tolerance handed to every solver. Default 1e-5.
    rtol : relative tolerance of ``problem.solved``. Default 1e-6.
    maxiter : iteration limit for every solver; None keeps each solver's default.
    Least-squares solvers are skipped on problems without residuals.
    max_dense_n : skip solvers that hold an n×n matrix (trust-exact and
        dogleg of both libraries, scipy's BFGS) on problems with more
        variables than this: assembling Hessians from n products each, or
        BFGS's O(n²) update, made single runs take minutes at n = 1000
        (scipy's BFGS: 440 s on chained Rosenbrock). Default 200; None never skips.
    on_run : called after each pair with its Run (None for a skipped pair),
        e.g. to advance a progress bar; with workers, in order of completion.
    workers : processes solving pairs at once. Default 1 (in this process).
        Above 1, a pool of the standard library's ``ProcessPoolExecutor``
        (spawned processes, so no thread or lock state of this one is
        inherited) runs each pair independently, each on one BLAS thread;
        every run is deterministic, so the rows are those of a serial run
        except ``time``. Problems cross to the workers by name (their
        autograd closures do not pickle), so each must be one that
        :func:`~trustopt.problems.get_problem` builds.
    """
    if not (isinstance(workers, int) and not isinstance(workers, bool) and workers >= 1):
        raise ValueError(f"workers must be an integer ≥ 1; got {workers!r}")
    problems = list(problems)
    pairs: list[tuple[Problem, str] | None] = []
    for problem in problems:
        for solver in solvers:
            too_big = max_dense_n is not None and solver in _DENSE and problem.n > max_dense_n
            skip = too_big or (solver in LEAST_SQUARES_SOLVERS and problem.residuals is None)
            pairs.append(None if skip else (problem, solver))
    options = {"gtol": gtol, "rtol": rtol, "maxiter": maxiter}
    if workers == 1:
        runs = []
        for pair in pairs:
            run = None if pair is None else run_one(*pair, **options)
            if run is not None:
                runs.append(run)
            if on_run is not None:
                on_run(run)
        return runs
    for problem in problems:
        _check_rebuildable(problem)
    return _run_in_pool(pairs, options, workers, on_run)


def _check_rebuildable(problem: Problem) -> None:
    try:
        twin = get_problem(problem.name)
    except KeyError:
        twin = None
    if twin is None or twin.n != problem.n or not np.array_equal(twin.x0, problem.x0):
        raise ValueError(
            f"workers > 1 rebuilds each problem by name in the worker, and problem {problem.name!r} is not "
            "one get_problem builds; run it with workers=1"
        )


def _run_by_name(problem: str, solver: str, options: dict[str, Any]) -> Run:
    return run_one(get_problem(problem), solver, **options)


def _run_in_pool(
    pairs: Sequence[tuple[Problem, str] | None],
    options: dict[str, Any],
    workers: int,
    on_run: Callable[[Run | None], None] | None,
) -> list[Run]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    results: dict[int, Run] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {}
        for index, pair in enumerate(pairs):
            if pair is None:
                if on_run is not None:
                    on_run(None)
                continue
            problem, solver = pair
            futures[pool.submit(_run_by_name, problem.name, solver, options)] = index
        try:
            for future in as_completed(futures):
                run = future.result()
                results[futures[future]] = run
                if on_run is not None:
                    on_run(run)
        except BaseException:
            # An error (or Ctrl-C) ends the comparison now, not after every queued pair.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [results[index] for index in sorted(results)]


def format_table(runs: Sequence[Run]) -> str:
    """One line per run: solved, nit, nfev, njev, nhev, f − f*, time, status."""
    name_w = max([len("problem"), *(len(r.problem) for r in runs)])
    solver_w = max([len("solver"), *(len(r.solver) for r in runs)])
    header = (
        f"{'problem':<{name_w}}  {'solver':<{solver_w}}  solved  {'nit':>6}  {'nfev':>6}  "
        f"{'njev':>6}  {'nhev':>7}  {'f - f*':>10}  {'time[s]':>7}  status"
    )
    lines = [header, "-" * len(header)]
    for r in runs:
        lines.append(
            f"{r.problem:<{name_w}}  {r.solver:<{solver_w}}  {'yes' if r.solved else 'NO':>6}  {r.nit:>6}  "
            f"{r.nfev:>6}  {r.njev:>6}  {r.nhev:>7}  {r.gap:>10.2e}  {r.time:>7.2f}  {r.status}"
        )
    return "\n".join(lines)


def summarize(runs: Sequence[Run]) -> str:
    """Per solver: problems solved, and medians of cost and nit over the problems it solved."""
    solvers = list(dict.fromkeys(r.solver for r in runs))
    width = max([len("solver"), *(len(s) for s in solvers)])
    header = f"{'solver':<{width}}  solved  {'median cost':>11}  {'median nit':>10}  {'total time[s]':>13}"
    lines = [header, "-" * len(header)]
    for solver in solvers:
        mine = [r for r in runs if r.solver == solver]
        good = [r for r in mine if r.solved]
        cost = float(np.median([r.cost for r in good])) if good else math.nan
        nit = float(np.median([r.nit for r in good])) if good else math.nan
        total = sum(r.time for r in mine)
        lines.append(f"{solver:<{width}}  {len(good):>3}/{len(mine):<2}  {cost:>11.1f}  {nit:>10.1f}  {total:>13.2f}")
    return "\n".join(lines)


_CSV_FIELDS = ["problem", "n", "solver", "solved", "status", "nit", "nfev", "njev", "nhev", "cost",
               "fun", "f_star", "gap", "time", "message"]


def write_csv(runs: Sequence[Run], path: str | Path) -> Path:
    """Write one row per run (columns: ``_CSV_FIELDS``); return the path."""
    path = Path(path)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=_CSV_FIELDS)
        writer.writeheader()
        for r in runs:
            row = {k: v for k, v in asdict(r).items() if k in _CSV_FIELDS}
            row.update(cost=r.cost, gap=repr(r.gap), fun=repr(r.fun), f_star=repr(r.f_star), time=f"{r.time:.4f}")
            writer.writerow(row)
    return path


def performance_ratios(runs: Sequence[Run]) -> dict[str, np.ndarray]:
    """Dolan–Moré ratios r_{p,s} = cost_{p,s} / min_s cost_{p,s} (inf where s failed on p).

    Only problems every listed solver was run on count, and a problem no
    solver solved is left out (Dolan & Moré, "Benchmarking optimization
    software with performance profiles", Math. Program. 91, 2002).
    """
    solvers = list(dict.fromkeys(r.solver for r in runs))
    by_problem: dict[str, dict[str, Run]] = {}
    for r in runs:
        by_problem.setdefault(r.problem, {})[r.solver] = r
    ratios: dict[str, list[float]] = {s: [] for s in solvers}
    for table in by_problem.values():
        if set(table) != set(solvers):
            continue
        costs = {s: (float(table[s].cost) if table[s].solved else math.inf) for s in solvers}
        best = min(costs.values())
        if not math.isfinite(best):
            continue
        for s in solvers:
            ratios[s].append(costs[s] / best)
    return {s: np.array(v) for s, v in ratios.items()}


def performance_profile(runs: Sequence[Run], path: str | Path) -> Path:
    """Plot ρ_s(τ) = fraction of problems with ratio ≤ τ against log₂ τ; return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = performance_ratios(runs)
    finite = [v[np.isfinite(v)] for v in ratios.values() if v.size]
    tau_max = max([2.0, *(float(v.max()) for v in finite if v.size)]) * 1.1
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for solver, r in ratios.items():
        if not r.size:
            continue
        taus = np.concatenate([[1.0], np.sort(r[np.isfinite(r)]), [tau_max]])
        frac = np.array([np.mean(r <= t) for t in taus])
        ax.step(np.log2(taus), frac, where="post", label=solver, linestyle="--" if solver.startswith("scipy:") else "-")
    count = max((v.size for v in ratios.values()), default=0)
    ax.set_xlabel("log2 τ  (cost within a factor τ of the best; cost = nfev + njev + nhev)")
    ax.set_ylabel("fraction of problems")
    ax.set_title(f"Performance profile over {count} problems")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def convergence_plot(runs: Sequence[Run], problem: str, path: str | Path) -> Path:
    """Plot the best f − f* so far against evaluations (nfev + njev + nhev) for ``problem``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mine = [r for r in runs if r.problem == problem]
    if not mine:
        raise ValueError(f"no runs on problem {problem!r}")
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in mine:
        if not r.trace:
            continue
        cost, f = np.array(r.trace, dtype=float).T
        best = np.minimum.accumulate(np.where(np.isfinite(f), f, np.inf))
        ax.semilogy(cost, np.maximum(best - r.f_star, 1e-16), label=r.solver,
                    linestyle="--" if r.solver.startswith("scipy:") else "-")
    ax.set_xlabel("evaluations (nfev + njev + nhev)")
    ax.set_ylabel("best f − f* so far")
    ax.set_title(f"{problem} (n = {mine[0].n})")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
