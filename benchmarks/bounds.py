"""trustopt's bound-constrained solvers against scipy's L-BFGS-B on every bound-only problem.

The problems: :mod:`trustopt.problems_bounded` (L-BFGS-B's driver1 and the
bounded MGH variants) and the Hock–Schittkowski problems of
:mod:`trustopt.problems_hs` whose only constraints are bounds. Every solver
gets the same autograd value-and-gradient function (one call counted once in
nfev and once in njev), scipy's default tolerances (gtol 1e-5 on the
projected gradient, ftol 2.2e-9) and x0 projected onto the box. Solved means
|f − f*| ≤ 1e-6·max(1, |f*|) with bound violation ≤ 1e-6 (the issue's
criterion). The cost ratio is (nfev + njev) of the trustopt solver over
scipy's, its median taken over the problems both solve; the trust region's
Hessian-vector products are listed beside it (hvp), not in the ratio. BLAS
runs on one thread (see DESIGN.md's performance notes).

Usage:  python benchmarks/bounds.py
"""

from __future__ import annotations

import statistics
from typing import Any, Callable

import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

from trustopt import LBFGSB, BoundedTrustRegion, Objective
from trustopt.problems_bounded import bounded_suite

try:
    from trustopt.problems_hs import hs_suite
except ImportError:  # the HS collection lives on another branch until it is merged
    hs_suite = None


def problems() -> list[Any]:
    found = list(bounded_suite())
    if hs_suite is not None:
        found += [p for p in hs_suite() if p.kind == "bounds"]
    return found


def bounds_of(p: Any) -> list[tuple[float, float]]:
    return list(zip(np.asarray(p.lower).tolist(), np.asarray(p.upper).tolist()))


def violation(p: Any, x: np.ndarray) -> float:
    return float(np.max(np.maximum(np.maximum(p.lower - x, x - p.upper), 0.0)))


def solved(p: Any, f: float, x: np.ndarray) -> bool:
    return abs(f - p.f_star) <= 1e-6 * max(1.0, abs(p.f_star)) and violation(p, x) <= 1e-6


def run(p: Any, solve: Callable[[Objective, np.ndarray, list], Any]) -> dict:
    obj = Objective(p.fun)
    x0 = np.clip(p.x0, p.lower, p.upper)
    r = solve(obj, x0, bounds_of(p))
    x = np.asarray(r.x, dtype=float)
    return dict(cost=obj.nfev + obj.njev, nhev=obj.nhev, fun=float(r.fun), solved=solved(p, float(r.fun), x))


def trustopt_lbfgsb(obj: Objective, x0: np.ndarray, bounds: list) -> Any:
    return LBFGSB().minimize(obj, x0, bounds)


def trustopt_bounded_tr(obj: Objective, x0: np.ndarray, bounds: list) -> Any:
    return BoundedTrustRegion().minimize(obj, x0, bounds)


def scipy_lbfgsb(obj: Objective, x0: np.ndarray, bounds: list) -> Any:
    return scipy.optimize.minimize(obj.value_and_grad, x0, jac=True, method="L-BFGS-B", bounds=bounds)


SOLVERS: dict[str, Callable[[Objective, np.ndarray, list], Any]] = {
    "trustopt LBFGSB": trustopt_lbfgsb,
    "trustopt BoundedTrustRegion": trustopt_bounded_tr,
}


def main() -> None:
    reference = "scipy L-BFGS-B"
    names = list(SOLVERS)
    print(f"{'problem':<34}{'n':>4} | {reference:>22} | " + " | ".join(f"{name:>34}" for name in names))
    print(f"{'':<38} | {'cost':>6}{'f − f*':>12}{'':>4} | "
          + " | ".join(f"{'cost':>6}{'hvp':>6}{'f − f*':>12}{'':>3}{'ratio':>7}" for _ in names))
    totals = {name: [0, []] for name in [reference, *names]}
    for p in problems():
        ref = run(p, scipy_lbfgsb)
        totals[reference][0] += ref["solved"]
        line = f"{p.name:<34}{p.n:>4} | {ref['cost']:>6}{ref['fun'] - p.f_star:>12.2e}{'ok' if ref['solved'] else '--':>4} | "
        cells = []
        for name in names:
            row = run(p, SOLVERS[name])
            totals[name][0] += row["solved"]
            ratio = row["cost"] / ref["cost"]
            if row["solved"] and ref["solved"]:
                totals[name][1].append(ratio)
            cells.append(f"{row['cost']:>6}{row['nhev']:>6}{row['fun'] - p.f_star:>12.2e}"
                         f"{'ok' if row['solved'] else '--':>3}{ratio:>7.2f}")
        print(line + " | ".join(cells))
    count = len(problems())
    print()
    print(f"{reference}: solved {totals[reference][0]}/{count}")
    for name in names:
        ratios = totals[name][1]
        median = statistics.median(ratios) if ratios else float("nan")
        print(f"{name}: solved {totals[name][0]}/{count}; median cost ratio over both-solved ({len(ratios)}): {median:.3f}")


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
