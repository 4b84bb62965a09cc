"""Augmented Lagrangian with ALGENCAN's safeguarded updates; inner problems by a bound-constrained solver.

    minimize f(x)  subject to  c(x) ≤ 0,  h(x) = 0,  l ≤ x ≤ u.

Each outer iteration k minimizes, over the box only, the Powell–Hestenes–
Rockafellar augmented Lagrangian (Birgin & Martínez, *Practical Augmented
Lagrangian Methods for Constrained Optimization*, SIAM 2014, Algorithm 4.1)

    L_ρ(x; ν̄, λ̄) = f(x) + ρ/2 · ( ‖h(x) + ν̄/ρ‖² + ‖max(0, c(x) + λ̄/ρ)‖² )

whose gradient ∇f + J_hᵀ(ν̄ + ρh) + J_cᵀ max(0, λ̄ + ρc) needs only one
transposed Jacobian product per evaluation (matrix-free). Then

    ν ← ν̄ + ρh(x),   λ ← max(0, λ̄ + ρc(x)),

the safeguarded estimates ν̄, λ̄ are these projected onto [−ν_max, ν_max] and
[0, λ_max], and ρ ← γρ unless the infeasibility-complementarity measure
max(‖h‖∞, ‖min(−c, λ̄/ρ)‖∞) fell by the factor τ. The inner tolerance falls
geometrically to ``gtol``. An infeasible problem shows as ρ exceeding
``rho_max`` while the violation stays above ``ctol``: it ends INFEASIBLE at
the least infeasible outer iterate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .bounds import Box, as_box
from .constraints import as_constraints, kkt_measures
from .lbfgs import LBFGS
from .objective import Objective, as_flat_vector
from .result import Callback, History, Result, Status, check_callback_stop
from .sqp import constrained_result

__all__ = ["AugmentedLagrangian", "default_inner_solver"]

#: Builds the inner solver for one tolerance and evaluation budget:
#: ``(gtol, maxfev) -> solver`` with ``minimize(objective, x0, bounds=Box | None) -> Result``
#: that stops (status MAXFEV) once it has spent ``maxfev`` values of its objective.
InnerFactory = Callable[[float, int], Any]


class _Unbounded:
    """L-BFGS behind the inner-solver interface, for problems without bounds."""

    def __init__(self, gtol: float, maxfev: int) -> None:
        self.solver = LBFGS(gtol=gtol, ftol=0.0, maxfev=maxfev)

    def minimize(self, objective: Objective, x0: np.ndarray, bounds: Box | None = None) -> Result:
        if bounds is not None and not bounds.unbounded:
            raise ValueError("this inner solver cannot take bounds; give AugmentedLagrangian a bound-constrained inner")
        return self.solver.minimize(objective, x0)


def default_inner_solver(gtol: float, maxfev: int) -> Any:
    """trustopt's bound-constrained L-BFGS-B when available, else L-BFGS (unbounded problems only).

    Both check ``maxfev`` before each iteration, so an inner solve overruns it
    by at most one line search.
    """
    try:
        from .lbfgsb import LBFGSB
    except ImportError:
        return _Unbounded(gtol, maxfev)
    return LBFGSB(gtol=gtol, ftol=0.0, maxfev=maxfev)


@dataclass
class AugmentedLagrangian:
    """ALGENCAN-style augmented Lagrangian (Birgin & Martínez 2014, Algorithm 4.1).

    Parameters
    ----------
    gtol : stop when the KKT residual is ≤ gtol·max(1, ‖∇f‖∞) … Default 1e-6
        (the inner L-BFGS-B line search cannot resolve much below that at |f| ~ 10–100).
    ctol : … and the constraint violation ≤ ctol. Default 1e-7 (as SQP).
    inner_tol0 : the first inner tolerance; each outer iteration divides it by
        10, down to gtol. Default 1e-2.
    tau : required decrease factor of the infeasibility measure before ρ is
        kept. Default 0.5 (Birgin & Martínez 2014, §4.1).
    gamma : penalty growth factor. Default 10 (ibid.).
    rho_max : above this ρ, a still-infeasible problem is declared INFEASIBLE.
        Default 1e12.
    multiplier_max : safeguard bound on |ν̄| and λ̄. Default 1e20 (ibid.).
    maxiter : outer iterations. Default 50; the run then ends MAXITER at the
        best outer iterate, chosen as for maxfev.
    maxfev : values of f, inner evaluations included. Each inner solve gets
        what is left of it as its own limit, so the total exceeds maxfev by at
        most one inner iteration's evaluations (its line search) and one more
        value at the inner solver's last point; the run then ends MAXFEV at
        the best outer iterate (the feasible one of least f, else the least
        infeasible). Default 20000.
    inner : ``(gtol, maxfev) -> solver`` with ``minimize(objective, x0,
        bounds=)``, stopping once it has spent ``maxfev`` values of its
        objective. Default :func:`default_inner_solver` (L-BFGS-B).
    callback : receives the intermediate Result after each outer iteration.
    """

    gtol: float = 1e-6
    ctol: float = 1e-7
    inner_tol0: float = 1e-2
    tau: float = 0.5
    gamma: float = 10.0
    rho_max: float = 1e12
    multiplier_max: float = 1e20
    maxiter: int = 50
    maxfev: int = 20000
    inner: InnerFactory = default_inner_solver
    callback: Callback | None = None

    def __post_init__(self) -> None:
        for name in ("gtol", "ctol"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be ≥ 0; got {getattr(self, name)}")
        if not self.inner_tol0 > 0:
            raise ValueError(f"inner_tol0 must be > 0; got {self.inner_tol0}")
        if not 0 < self.tau < 1:
            raise ValueError(f"tau must be in (0, 1); got {self.tau}")
        if not self.gamma > 1:
            raise ValueError(f"gamma must be > 1; got {self.gamma}")
        if not (self.rho_max > 0 and self.multiplier_max > 0):
            raise ValueError("rho_max and multiplier_max must be > 0")
        if self.maxiter < 1 or self.maxfev < 1:
            raise ValueError(f"maxiter and maxfev must be ≥ 1; got {self.maxiter}, {self.maxfev}")
        if not callable(self.inner):
            raise TypeError("inner must be callable: gtol -> solver")

    def minimize(self, objective: Objective, x0: Any, bounds: Any = None, constraints: Any = None) -> Result:
        """Minimize ``objective`` from ``x0`` subject to ``bounds`` and ``constraints``.

        The result's ``report`` is a :class:`~trustopt.constraints.ConstrainedReport`
        (multipliers, ``constraint_violation``, ``kkt_residual``, constraint
        counts); ``info`` holds the final ``penalty`` ρ and the total
        ``inner_iterations``.
        """
        x = as_flat_vector(x0, "x0")
        n = x.size
        box = as_box(bounds, n)
        cons = as_constraints(constraints, n)
        lb = np.full(n, -np.inf) if box is None else np.asarray(box.lower, dtype=np.float64)
        ub = np.full(n, np.inf) if box is None else np.asarray(box.upper, dtype=np.float64)
        note = ""
        if box is not None and not box.contains(x):
            x, note = box.project(x), "x0 was projected onto the bounds. "
        start, cstart = objective.counts(), cons.counts()
        history = History()
        inner_steps = 0

        f, g = objective.value_and_grad(x)
        c, h = cons.values(x)
        lam, nu = np.zeros(c.size), np.zeros(h.size)

        def result(status: Status, nit: int, message: str = "") -> Result:
            out = constrained_result(objective, cons, start, cstart, x=x, f=f, g=g, lam=lam, nu=nu, lb=lb, ub=ub,
                                     status=status, nit=nit, message=note + (message or status.description),
                                     history=history, kkt_tol=self.ctol)
            out.info.update(penalty=rho, inner_iterations=inner_steps)
            return out

        rho = 0.0
        if not (math.isfinite(f) and np.all(np.isfinite(g)) and np.all(np.isfinite(c)) and np.all(np.isfinite(h))):
            g = None
            return result(Status.NONFINITE, 0, "f, its gradient or a constraint is not finite at x0")
        sq = 0.5 * (float(np.sum(h * h)) + float(np.sum(np.maximum(c, 0.0) ** 2)))
        rho = max(1e-8, min(10.0 * max(1.0, abs(f)) / max(1.0, sq), 1e8))  # Birgin & Martínez 2014, §12.4
        lam_bar, nu_bar = lam.copy(), nu.copy()
        previous_measure = math.inf
        inner_tol = self.inner_tol0
        # Outer iterates to fall back on, with their multipliers: the least infeasible (for INFEASIBLE and
        # NONFINITE) and the feasible one of least f (for MAXFEV and MAXITER, which prefer it to the least
        # infeasible).
        best = (self._violation(c, h), x, f, g, lam, nu)
        best_feasible = best if best[0] <= self.ctol else None
        # The last finite evaluation of the inner objective, so its point needs no re-evaluation.
        seen: dict[str, Any] = {}

        def penalized(z: np.ndarray, want_grad: bool) -> tuple[float, np.ndarray | None]:
            if want_grad:
                fz, gz = objective.value_and_grad(z)
            else:
                fz, gz = objective.value(z), None
            cz, hz = cons.values(z)
            shifted_h = hz + nu_bar / rho
            shifted_c = np.maximum(0.0, cz + lam_bar / rho)
            value = fz + 0.5 * rho * (float(shifted_h @ shifted_h) + float(shifted_c @ shifted_c))
            if not math.isfinite(value):
                seen["nonfinite"] = True
                return math.nan, (None if gz is None else np.full(n, np.nan))
            if gz is None:
                return value, None
            grad = gz + cons.vjp(z, rho * shifted_c, rho * shifted_h)
            if np.all(np.isfinite(grad)):
                seen.update(x=np.array(z), f=fz, g=gz)
            return value, grad

        inner_objective = Objective(lambda z: penalized(z, False)[0],
                                    value_and_grad=lambda z: penalized(z, True))  # type: ignore[arg-type,return-value]
        def out_of_budget(status: Status, nit: int) -> Result:
            nonlocal x, f, g, lam, nu
            _, x, f, g, lam, nu = best_feasible if best_feasible is not None else best
            return result(status, nit, f"{status.description}; returned the best outer iterate (the feasible "
                          "one of least f, else the least infeasible)")

        for k in range(1, self.maxiter + 1):
            # Each inner solve may spend what is left of maxfev, and stops (MAXFEV) when it is gone.
            remaining = self.maxfev - (objective.nfev - start["nfev"])
            if remaining < 1:
                return out_of_budget(Status.MAXFEV, k - 1)
            solver = self.inner(max(inner_tol, self.gtol), remaining)
            seen["nonfinite"] = False
            inner = solver.minimize(inner_objective, x, bounds=box)
            inner_steps += inner.nit
            if "x" in seen and np.array_equal(seen["x"], inner.x):
                x, f, g = inner.x, seen["f"], seen["g"]
            else:
                x = inner.x
                f, g = objective.value_and_grad(x)
            c, h = cons.values(x)
            if not (math.isfinite(f) and np.all(np.isfinite(g)) and np.all(np.isfinite(c)) and np.all(np.isfinite(h))):
                _, x, f, g, lam, nu = best
                return result(Status.NONFINITE, k)
            nu = nu_bar + rho * h
            lam = np.maximum(0.0, lam_bar + rho * c)
            viol = self._violation(c, h)
            if viol < best[0]:
                best = (viol, x, f, g, lam, nu)
            if viol <= self.ctol and (best_feasible is None or f < best_feasible[2]):
                best_feasible = (viol, x, f, g, lam, nu)
            Jt = cons.vjp(x, lam, nu)
            viol_all, kkt, _, _ = kkt_measures(g, c, h, Jt, lam, x, lb, ub, tol=self.ctol)
            measure = max(float(np.max(np.abs(h), initial=0.0)),
                          float(np.max(np.abs(np.minimum(-c, lam_bar / rho)), initial=0.0)))
            history.append(fun=f, constraint_violation=viol_all, kkt_residual=kkt, penalty=rho,
                           inner_iterations=inner.nit, inner_status=inner.status.name)
            # An inner solve that failed after meeting NaN/inf (its line search may report it either way).
            if inner.status is Status.NONFINITE or (not inner.success and seen["nonfinite"]):
                return result(Status.NONFINITE, k, "f or a constraint is not finite near the last point; "
                              "returned the last finite point")
            if viol_all <= self.ctol and kkt <= self.gtol * max(1.0, float(np.max(np.abs(g)))):
                return result(Status.GTOL, k, "KKT residual ≤ gtol and constraint violation ≤ ctol")
            if check_callback_stop(self.callback, result(Status.IN_PROGRESS, k)):
                return result(Status.CALLBACK, k)
            if objective.nfev - start["nfev"] >= self.maxfev:
                return out_of_budget(Status.MAXFEV, k)
            if measure > self.tau * previous_measure:
                rho *= self.gamma
                if rho > self.rho_max and viol_all > self.ctol:
                    _, x, f, g, lam, nu = best
                    return result(Status.INFEASIBLE, k, "the penalty passed rho_max with the constraints still "
                                  "violated; returned the least infeasible point found")
            previous_measure = measure
            nu_bar = np.clip(nu, -self.multiplier_max, self.multiplier_max)
            lam_bar = np.minimum(lam, self.multiplier_max)
            inner_tol *= 0.1
        return out_of_budget(Status.MAXITER, self.maxiter)

    @staticmethod
    def _violation(c: np.ndarray, h: np.ndarray) -> float:
        return max(float(np.max(np.maximum(c, 0.0), initial=0.0)), float(np.max(np.abs(h), initial=0.0)))
