"""Where the default constrained method switches from SQP to the augmented Lagrangian.

A scalable problem, min Σ (xᵢ − i/n)² + Σ xᵢxᵢ₊₁ s.t. Σ xᵢ² ≤ 1 (active), Σ xᵢ = ½, from x = 0,
solved by trustopt's SQP and AugmentedLagrangian for growing n; prints seconds and the cost
nfev + njev + ncev + njcev of each. Run: PYTHONPATH=. python benchmarks/constrained_crossover.py
"""

import time

import autograd.numpy as anp
import numpy as np
from threadpoolctl import threadpool_limits

from trustopt import SQP, AugmentedLagrangian, Objective, as_constraints


def problem(n):
    target = np.arange(1, n + 1) / n
    f = lambda x: anp.sum((x - target) ** 2) + anp.sum(x[:-1] * x[1:])  # noqa: E731
    cons = [lambda x: anp.sum(x ** 2) - 1.0, {"type": "eq", "fun": lambda x: anp.sum(x) - 0.5}]
    return f, cons


def main():
    print(f"{'n':>5} {'solver':8} {'status':8} {'f':>14} {'cost':>7} {'seconds':>8}")
    with threadpool_limits(1):
        for n in (25, 50, 100, 200, 400):
            f, cons = problem(n)
            for name, solver in (("sqp", SQP()), ("auglag", AugmentedLagrangian())):
                objective, constraints = Objective(f), as_constraints(cons, n)
                t0 = time.perf_counter()
                res = solver.minimize(objective, np.zeros(n), constraints=constraints)
                seconds = time.perf_counter() - t0
                cost = res.nfev + res.njev + res.report.ncev + res.report.njcev
                print(f"{n:5d} {name:8} {res.status.name:8} {res.fun:14.8g} {cost:7d} {seconds:8.2f}", flush=True)


if __name__ == "__main__":
    main()
