"""trustopt's L-BFGS against scipy's L-BFGS-B on the test-problem suite.

Both solvers get the same autograd value-and-gradient function (one call
returns f and ∇f, counted once in nfev and once in njev for both), the same
gtol on the gradient ∞-norm and the same relative-reduction ftol. A problem
counts as solved when f − f* ≤ 1e-6·max(1, |f*|) for one of its documented
minima. BLAS runs on one thread (see DESIGN.md's performance notes).

Usage:  python benchmarks/unconstrained.py [--gtol 1e-5] [--ftol 2.2e-9] [--big 10000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

from trustopt import LBFGS, Objective
from trustopt.problems import Problem, all_problems, chained_rosenbrock


def run_trustopt(p: Problem, gtol: float, ftol: float, maxiter: int) -> dict:
    obj = Objective(p.fun)
    t = time.perf_counter()
    r = LBFGS(gtol=gtol, ftol=ftol, maxiter=maxiter, maxfev=maxiter * 2).minimize(obj, p.x0)
    return dict(nit=r.nit, nfev=obj.nfev, njev=obj.njev, fun=r.fun, time=time.perf_counter() - t)


def run_scipy(p: Problem, gtol: float, ftol: float, maxiter: int) -> dict:
    obj = Objective(p.fun)
    t = time.perf_counter()
    r = scipy.optimize.minimize(
        obj.value_and_grad, p.x0, jac=True, method="L-BFGS-B",
        options={"gtol": gtol, "ftol": ftol, "maxiter": maxiter, "maxfun": maxiter * 2, "maxcor": 10},
    )
    return dict(nit=r.nit, nfev=obj.nfev, njev=obj.njev, fun=float(r.fun), time=time.perf_counter() - t)


def gap(p: Problem, f: float) -> float:
    return f - p.nearest_minimum(f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gtol", type=float, default=1e-5, help="gradient ∞-norm tolerance (scipy's default)")
    ap.add_argument("--ftol", type=float, default=2.2e-9, help="relative-reduction tolerance (scipy's default)")
    ap.add_argument("--maxiter", type=int, default=15000)
    ap.add_argument("--big", type=int, default=10000, help="n of the chained-Rosenbrock timing run")
    ap.add_argument("--big-iters", type=int, default=1000, help="iterations of the timing run")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of the timing run (best kept)")
    args = ap.parse_args()

    rows = []
    header = (f"{'problem':<30}{'n':>6} | {'nit':>6}{'nfev':>7}{'njev':>7}{'f-f*':>11}{'ms':>9} |"
              f" {'nit':>6}{'nfev':>7}{'njev':>7}{'f-f*':>11}{'ms':>9} | {'cost ratio':>10}")
    print(f"{'':<37}| {'trustopt LBFGS':^40} | {'scipy L-BFGS-B':^40} |")
    print(header)
    print("-" * len(header))
    # Overflow inside exp() at far trial points is expected: the line searches shrink past it.
    with threadpool_limits(1), np.errstate(all="ignore"):
        for p in all_problems():
            ours, ref = run_trustopt(p, args.gtol, args.ftol, args.maxiter), run_scipy(p, args.gtol, args.ftol, args.maxiter)
            ours["solved"], ref["solved"] = p.solved(ours["fun"]), p.solved(ref["fun"])
            ratio = (ours["nfev"] + ours["njev"]) / (ref["nfev"] + ref["njev"])
            rows.append((p, ours, ref, ratio))

            def cells(r: dict) -> str:
                mark = " " if r["solved"] else "*"
                return (f" {r['nit']:>6}{r['nfev']:>7}{r['njev']:>7}{gap(p, r['fun']):>10.2e}{mark}"
                        f"{1e3 * r['time']:>9.1f}")

            print(f"{p.name:<30}{p.n:>6} |{cells(ours)} |{cells(ref)} | {ratio:>10.2f}")

        n_ours = sum(r[1]["solved"] for r in rows)
        n_ref = sum(r[2]["solved"] for r in rows)
        missed = [r[0].name for r in rows if r[2]["solved"] and not r[1]["solved"]]
        tot = {k: (sum(r[1][k] for r in rows), sum(r[2][k] for r in rows)) for k in ("nit", "nfev", "njev", "time")}
        print("-" * len(header))
        print(f"totals: nit {tot['nit'][0]} vs {tot['nit'][1]}; nfev {tot['nfev'][0]} vs {tot['nfev'][1]}; "
              f"njev {tot['njev'][0]} vs {tot['njev'][1]}; time {tot['time'][0]:.2f}s vs {tot['time'][1]:.2f}s")
        print(f"solved (* = not solved): trustopt {n_ours}/{len(rows)}, scipy {n_ref}/{len(rows)}")
        print(f"solved by L-BFGS-B but not by trustopt: {missed or 'none'}")
        print(f"median (nfev+njev) ratio trustopt/scipy: {statistics.median(r[3] for r in rows):.3f}")

        big = chained_rosenbrock(args.big)
        ours_t, ref_t = [], []
        for _ in range(args.repeats):
            o = run_trustopt(big, args.gtol, args.ftol, args.big_iters)
            s = run_scipy(big, args.gtol, args.ftol, args.big_iters)
            ours_t.append(o["time"] / max(o["nit"], 1))
            ref_t.append(s["time"] / max(s["nit"], 1))
        print(f"chained Rosenbrock n={args.big}: trustopt nit {o['nit']}, {1e3 * min(ours_t):.3f} ms/iter; "
              f"L-BFGS-B nit {s['nit']}, {1e3 * min(ref_t):.3f} ms/iter; "
              f"ratio {min(ours_t) / min(ref_t):.2f} (best of {args.repeats})")


if __name__ == "__main__":
    main()
