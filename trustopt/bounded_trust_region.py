"""A Newton trust-region method for min f(x) subject to l ≤ x ≤ u.

The trust region is the ∞-norm ball ‖s‖∞ ≤ Δ, so that with the bounds it is
one box of steps, B = {s : max(l − x, −Δ) ≤ s ≤ min(u − x, Δ)} (Conn, Gould &
Toint, "Global convergence of a class of trust region algorithms for
optimization with simple bounds", SIAM J. Numer. Anal. 25(2), 1988). Each
iteration minimizes the model m(s) = gᵀs + ½ sᵀ∇²f(x)s over B approximately,
using Hessian-vector products only:

1. the Cauchy step: s(t) = P_B(−t g) with t backtracked (halved) or
   extrapolated (doubled) from Δ/‖g‖∞ until the sufficient model decrease
   m(s(t)) ≤ μ₀·gᵀs(t) holds (μ₀ = 0.01; Moré, "Trust regions and projected
   gradients", 1988, and Lin & Moré, "Newton's method for large
   bound-constrained optimization problems" (TRON), SIAM J. Optim. 9(4),
   1999, §3) — this alone gives global convergence;
2. Steihaug-style conjugate gradients on the variables free at the current
   step, each pass truncated where its path reaches a face of B (or, on
   negative curvature, followed to that face); a pass that fixes a new
   variable starts the next one on the smaller subspace (LANCELOT's SBMIN
   scheme, Conn, Gould & Toint 1992), so the model never increases past the
   Cauchy step.

The step is taken when ρ = (f(x) − f(x + s)) / (m(0) − m(s)) exceeds the
rule's η and Δ follows :class:`~trustopt.radius.RadiusRule` (with ‖s‖∞).
Every trial point lies in the box, so f is never evaluated outside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .bounds import Box, as_box
from .objective import Objective, as_flat_vector
from .radius import RadiusRule
from .result import Callback, History, Result, Status, check_callback_stop, counts_since
from .trust_region import check_trust_region_options

__all__ = ["BoundedTrustRegion"]

_EPS = float(np.finfo(float).eps)
#: Sufficient-decrease constant of the Cauchy search (Lin & Moré 1999, §3: μ₀ = 0.01).
_MU0 = 0.01
#: Halvings/doublings allowed in the Cauchy search: 2⁻⁶⁰ of the first trial is below rounding.
_MAX_CAUCHY_TRIALS = 60

Hvp = Callable[[np.ndarray], np.ndarray]


def _cauchy_step(g: np.ndarray, hvp: Hvp, lo: np.ndarray, hi: np.ndarray,
                 radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Step 1 of the module docstring: s(t) = clip(−t g, lo, hi) with the sufficient model decrease; (s, ∇²f·s)."""

    def trial(t: float) -> tuple[np.ndarray, np.ndarray, bool]:
        s = np.clip(-t * g, lo, hi)
        gs = float(g @ s)
        if not gs < 0:
            return s, np.zeros_like(s), False
        Hs = hvp(s)
        return s, Hs, gs + 0.5 * float(s @ Hs) <= _MU0 * gs

    t = radius / float(np.max(np.abs(g)))
    s, Hs, ok = trial(t)
    if ok:
        for _ in range(_MAX_CAUCHY_TRIALS):
            longer = np.clip(-2.0 * t * g, lo, hi)
            if np.array_equal(longer, s):
                break
            s_long, Hs_long, ok = trial(2.0 * t)
            if not ok:
                break
            t, s, Hs = 2.0 * t, s_long, Hs_long
        return s, Hs
    for _ in range(_MAX_CAUCHY_TRIALS):
        t *= 0.5
        s, Hs, ok = trial(t)
        if ok:
            return s, Hs
    return np.zeros_like(g), np.zeros_like(g)


def _subspace_steps(g: np.ndarray, hvp: Hvp, lo: np.ndarray, hi: np.ndarray, s: np.ndarray, Hs: np.ndarray,
                    rtol: float, max_cg: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Step 2 of the module docstring from the Cauchy step s (with Hs = ∇²f·s).

    Returns the step, ∇²f times it (carried along, not recomputed) and the CG iterations.
    """
    n_cg = 0
    for _ in range(g.size):
        free = (s > lo) & (s < hi)
        if not free.any():
            break
        r = -(g + Hs) * free  # −∇m(s) on the free variables
        r_norm0 = float(np.linalg.norm(r))
        if r_norm0 == 0.0:
            break
        d = r.copy()
        rr = r_norm0**2
        hit_face = False
        while n_cg < max_cg:
            Hd_full = hvp(d)
            Hd = Hd_full * free
            dHd = float(d @ Hd)
            with np.errstate(divide="ignore", invalid="ignore"):
                to_face = np.where(d > 0, (hi - s) / d, np.where(d < 0, (lo - s) / d, np.inf))
            t_face = float(np.min(to_face))
            n_cg += 1
            if dHd <= 0 or rr / dHd >= t_face:
                # Negative curvature or a step past a face: stop on the face, fixing that variable.
                s = np.clip(s + t_face * d, lo, hi)
                Hs = Hs + t_face * Hd_full
                blocking = int(np.argmin(to_face))
                s[blocking] = hi[blocking] if d[blocking] > 0 else lo[blocking]
                hit_face = True
                break
            alpha = rr / dHd
            s = s + alpha * d
            Hs = Hs + alpha * Hd_full
            r = r - alpha * Hd
            rr_new = float(r @ r)
            if math.sqrt(rr_new) <= rtol * r_norm0:
                break
            d = r + (rr_new / rr) * d
            rr = rr_new
        if not hit_face or n_cg >= max_cg:
            break
    return s, Hs, n_cg


@dataclass
class BoundedTrustRegion:
    """Newton trust-region minimizer over a box (see the module docstring).

    Parameters
    ----------
    rule : accept/shrink/grow rule for the ∞-norm radius. Default
        ``RadiusRule(shrink_factor=0.5, max_radius=1e10)``, the one
        :class:`~trustopt.TrustRegion` measured best (see its docstring).
    initial_radius : Δ₀. Default 1.0 (scipy's ``initial_trust_radius``).
    gtol : stop when ‖P(x − ∇f) − x‖∞ ≤ gtol. Default 1e-5 (scipy's L-BFGS-B ``pgtol``).
    maxiter : trial steps allowed, taken or not. None means 200·n (scipy's
        trust-region methods).
    maxfev : function-evaluation limit; None for none.
    max_cg : CG iterations per subproblem. None means n.
    callback : called after every trial step with the intermediate
        :class:`Result`; returning True or raising StopIteration stops the run.
    """

    rule: RadiusRule = field(default_factory=lambda: RadiusRule(shrink_factor=0.5, max_radius=1e10))
    initial_radius: float = 1.0
    gtol: float = 1e-5
    maxiter: int | None = None
    maxfev: int | None = None
    max_cg: int | None = None
    callback: Callback | None = None

    def __post_init__(self) -> None:
        check_trust_region_options(self)
        if self.max_cg is not None and self.max_cg < 1:
            raise ValueError(f"max_cg must be ≥ 1 or None; got {self.max_cg}")

    def minimize(self, objective: Objective, x0: np.ndarray, bounds: object = None) -> Result:
        """Minimize ``objective`` over ``bounds`` (any form :func:`as_box` takes) from ``x0``.

        An ``x0`` outside the box is projected onto it, with a note in the
        message and ``info["x0_projected"]``.
        """
        x = as_flat_vector(x0, "x0")
        n = x.size
        box = as_box(bounds, n) or Box(np.full(n, -np.inf), np.full(n, np.inf))
        x0_projected = not box.contains(x)
        if x0_projected:
            x = box.project(x)
        maxiter = 200 * n if self.maxiter is None else self.maxiter
        max_cg = n if self.max_cg is None else self.max_cg
        start = objective.counts()
        history = History()
        radius = self.initial_radius
        n_rejected = 0

        def result(status: Status, nit: int, message: str = "") -> Result:
            text = message or status.description
            if x0_projected:
                text += "; x0 lay outside the bounds and was projected onto them"
            return Result(
                x=x, fun=f, jac=g, nit=nit, **counts_since(objective, start), status=status, message=text,
                history=history,
                info={"radius": radius, "n_rejected": n_rejected, "x0_projected": x0_projected,
                      "projected_gradient_norm": pg_norm},
            )

        pg_norm = math.nan
        f, g = objective.value_and_grad(x)
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            return result(Status.NONFINITE, 0, "f or its gradient is not finite at x0")
        hvp = objective.hvp_operator(x)
        pg_norm = float(np.max(np.abs(box.projected_gradient(x, g))))
        history.append(fun=f, projected_grad_norm=pg_norm, radius=radius)

        for k in range(1, maxiter + 1):
            if pg_norm <= self.gtol:
                return result(Status.GTOL, k - 1)
            if self.maxfev is not None and objective.nfev - start["nfev"] >= self.maxfev:
                return result(Status.MAXFEV, k - 1)
            lo = np.maximum(box.lower - x, -radius)
            hi = np.minimum(box.upper - x, radius)
            s, Hs = _cauchy_step(g, hvp, lo, hi, radius)
            # CG stops when its residual falls below rtol × the residual at the Cauchy step: TRON's
            # 0.1 (Lin & Moré 1999, §5), tightened to √‖P(x − g) − x‖∞ near a solution for
            # superlinear convergence (N&W Thm 7.2). Steihaug's ½ lets a post-Cauchy CG pass stop
            # after one steepest-descent-like step: 177 iterations on Rosenbrock against 29.
            rtol = min(0.1, math.sqrt(pg_norm))
            s, Hs, n_cg = _subspace_steps(g, hvp, lo, hi, s, Hs, rtol, max_cg)
            if not np.all(np.isfinite(s)):
                return result(Status.NONFINITE, k - 1, "the model (Hessian) is not finite at the current point")
            predicted = -(float(g @ s) + 0.5 * float(s @ Hs))
            step_norm = float(np.max(np.abs(s)))
            x_trial = box.project(x + s)
            if predicted > 0.0:
                f_trial = objective.value(x_trial)
                # Both reductions sink into rounding near convergence; shift both by a few ulps of f
                # (Conn, Gould & Toint, Trust-Region Methods, 2000, §17.4.2), as TrustRegion does.
                slack = 10.0 * _EPS * max(1.0, abs(f))
                rho = (f - f_trial + slack) / (predicted + slack) if math.isfinite(f_trial) else math.nan
            else:
                f_trial, rho = math.nan, math.nan
            accepted = self.rule.accept(rho)
            step_radius = radius
            on_boundary = step_norm >= (1.0 - 1e-8) * radius
            radius = self.rule.update(radius, rho, on_boundary, step_norm if step_norm > 0 else None)
            if accepted:
                hvp_new = objective.hvp_operator(x_trial)
                g_new = objective.grad(x_trial)
                if not np.all(np.isfinite(g_new)):
                    return result(Status.NONFINITE, k, "the gradient is not finite at the accepted trial point")
                x, f, g, hvp = x_trial, f_trial, g_new, hvp_new
                pg_norm = float(np.max(np.abs(box.projected_gradient(x, g))))
            else:
                n_rejected += 1
            history.append(fun=f, projected_grad_norm=pg_norm, trial_fun=f_trial, rho=rho, predicted=predicted,
                           radius=step_radius, step_norm=step_norm, accepted=accepted, cg_iterations=n_cg)
            if check_callback_stop(self.callback, result(Status.IN_PROGRESS, k)):
                return result(Status.CALLBACK, k)
            if self.rule.too_small(radius):
                return result(Status.GTOL if pg_norm <= self.gtol else Status.TR_RADIUS_TOO_SMALL, k)
        return result(Status.GTOL if pg_norm <= self.gtol else Status.MAXITER, maxiter)
