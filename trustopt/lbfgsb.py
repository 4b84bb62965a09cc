"""L-BFGS-B: limited-memory BFGS for min f(x) subject to l ≤ x ≤ u.

Byrd, Lu, Nocedal & Zhu, "A limited memory algorithm for bound constrained
optimization", SIAM J. Sci. Comput. 16(5) (1995) — BLNZ below. Each
iteration, with the compact L-BFGS matrix (BLNZ eqs. 3.2–3.4)

    B = θI − W M Wᵀ,   W = [Y, θS],   M = [[−D, Lᵀ], [L, θ SᵀS]]⁻¹,

(D = diag(sᵢᵀyᵢ), L the strictly lower triangle of SᵀY, θ = yᵀy / sᵀy of the
newest pair):

1. the generalized Cauchy point xᶜ: the first local minimizer of the quadratic
   model along the projected steepest-descent path P(x − t∇f), found by
   walking the breakpoints in order (BLNZ Algorithm CP, §4);
2. subspace minimization: the model minimized over the variables free at xᶜ
   by the direct primal method (BLNZ §5.1, the reduced inverse by
   Sherman–Morrison–Woodbury), the result projected onto the box, falling back
   to truncation at the box when projection spoils descent (Morales & Nocedal,
   "Remark on Algorithm 778", ACM TOMS 38(1), 2011 — L-BFGS-B 3.0, which scipy
   ships);
3. a strong-Wolfe line search along d = x̄ − x with α capped where the ray
   leaves the box (at 1, i.e. at x̄, on the first iteration of a bounded
   problem), so every evaluated point is feasible; trial steps, the cap and
   5× extrapolation follow lbfgsb.f's choices, which keeps the evaluation
   counts level with scipy's (benchmarks/bounds.py).

A pair (s, y) with sᵀy ≤ ε·(−gᵀs) is skipped (BLNZ §6 / lbfgsb.f). With no
bounds the step is the L-BFGS step x − B⁻¹∇f and the method matches
:class:`trustopt.LBFGS`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from .bounds import Box, as_box
from .lbfgs import QuasiNewtonOptions
from .linesearch import strong_wolfe
from .objective import Objective, as_flat_vector
from .result import History, Result, Status, check_callback_stop, counts_since

__all__ = ["LBFGSB"]

_EPS = float(np.finfo(float).eps)
#: Least extrapolation factor of the line search: lbfgsb.f's dcsrch tries α + 4(α − 0) = 5α (xtrapu = 4).
_MIN_GROWTH = 5.0


@dataclass(frozen=True)
class _Compact:
    """θ, W and M of the compact representation B = θI − W M Wᵀ (BLNZ eq. 3.2)."""

    theta: float
    W: np.ndarray  # n × 2m
    M: np.ndarray  # 2m × 2m

    @classmethod
    def identity(cls, n: int) -> "_Compact":
        return cls(1.0, np.zeros((n, 0)), np.zeros((0, 0)))

    @classmethod
    def from_pairs(cls, S: np.ndarray, Y: np.ndarray) -> "_Compact | None":
        """From n × m pair matrices (oldest column first); None when the middle matrix is singular."""
        s, y = S[:, -1], Y[:, -1]
        theta = float(y @ y) / float(s @ y)
        SY = S.T @ Y
        L = np.tril(SY, -1)
        middle = np.block([[-np.diag(np.diag(SY)), L.T], [L, theta * (S.T @ S)]])
        try:
            M = np.linalg.inv(middle)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(M)):
            return None
        return cls(theta, np.hstack([Y, theta * S]), M)


def _cauchy_point(box: Box, x: np.ndarray, g: np.ndarray, B: _Compact) -> tuple[np.ndarray, np.ndarray]:
    """BLNZ Algorithm CP: the generalized Cauchy point xᶜ and c = Wᵀ(xᶜ − x)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(g < 0, (x - box.upper) / g, np.where(g > 0, (x - box.lower) / g, np.inf))
    d = np.where(t > 0, -g, 0.0)
    xc = x.copy()
    W, M, theta = B.W, B.M, B.theta
    p = W.T @ d
    c = np.zeros(W.shape[1])
    slope = -float(d @ d)
    curvature = -theta * slope - float(p @ M @ p)
    if slope >= 0:
        return xc, c
    # Keep the model's curvature along the path positive despite rounding (lbfgsb.f does the same).
    # A floor above zero also when the compact matrix cancels θ‖d‖² exactly (seen on HS013 inside
    # the augmented Lagrangian), so the minimizer along the path is never 0/0.
    curvature_floor = _EPS * max(curvature, -theta * slope, np.finfo(float).tiny)
    curvature = max(curvature, curvature_floor)
    dt_min = -slope / curvature
    t_old = 0.0
    breakpoints = np.flatnonzero((t > 0) & np.isfinite(t))
    reached = np.zeros(x.size, dtype=bool)
    for b in breakpoints[np.argsort(t[breakpoints], kind="stable")]:
        dt = t[b] - t_old
        if dt_min < dt:
            break
        xc[b] = box.upper[b] if d[b] > 0 else box.lower[b]
        z_b = xc[b] - x[b]
        c += dt * p
        g_b, w_b = g[b], W[b]
        Mw = M @ w_b
        slope += dt * curvature + g_b * g_b + theta * g_b * z_b - g_b * float(Mw @ c)
        curvature -= theta * g_b * g_b + 2.0 * g_b * float(Mw @ p) + g_b * g_b * float(w_b @ Mw)
        curvature = max(curvature, curvature_floor)
        p += g_b * w_b
        d[b] = 0.0
        reached[b] = True
        dt_min = -slope / curvature
        t_old = t[b]
    dt_min = max(dt_min, 0.0)
    t_old += dt_min
    moving = ~reached & (d != 0)
    xc[moving] = x[moving] + t_old * d[moving]
    c += dt_min * p
    return box.project(xc), c


def _search_point(box: Box, x: np.ndarray, g: np.ndarray, B: _Compact) -> np.ndarray:
    """x̄ = the box-feasible approximate minimizer of the L-BFGS model from x (steps 1–2 above)."""
    xc, c = _cauchy_point(box, x, g, B)
    free = (xc > box.lower) & (xc < box.upper)
    if not free.any():
        return xc
    W, M, theta = B.W, B.M, B.theta
    # Reduced gradient of the model at xᶜ: Zᵀ(g + B(xᶜ − x)), with B(xᶜ − x) = θ(xᶜ − x) − W M c.
    r = (g + theta * (xc - x) - W @ (M @ c))[free]
    if W.shape[1] == 0:
        du = -r / theta
    else:
        WZ = W[free]
        K = np.eye(W.shape[1]) - (M @ (WZ.T @ WZ)) / theta
        try:
            v = np.linalg.solve(K, M @ (WZ.T @ r))
        except np.linalg.LinAlgError:
            return xc
        du = -(r / theta + (WZ @ v) / theta**2)
    step = np.zeros_like(x)
    step[free] = du
    projected = box.project(xc + step)
    if float(g @ (projected - x)) < 0:
        return projected
    # Projection spoiled descent: truncate the subspace step at the box instead (BLNZ eq. 5.8).
    return box.project(xc + min(1.0, box.max_step(xc, step)) * step)


class _ProjectedObjective:
    """``objective`` evaluated at P(x): trial points rounded a hair outside the box stay inside."""

    def __init__(self, objective: Objective, box: Box) -> None:
        self.objective = objective
        self.box = box

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        return self.objective.value_and_grad(self.box.project(x))


@dataclass
class LBFGSB(QuasiNewtonOptions):
    """L-BFGS-B minimizer of f over a box (see the module docstring for the method).

    Parameters
    ----------
    memory : curvature pairs kept. Default 10 (scipy's ``maxcor``).
    gtol : stop when ‖P(x − ∇f) − x‖∞ ≤ gtol. Default 1e-5 (scipy's ``pgtol``).
    ftol : stop when (f_k − f_{k+1}) ≤ ftol·max(|f_k|, |f_{k+1}|, 1).
        Default 2.2e-9 (scipy's L-BFGS-B: factr 1e7 × machine ε). 0 disables.
    maxiter : iteration limit. Default 15000 (scipy's L-BFGS-B).
    maxfev : function-evaluation limit. Default 15000 (scipy's ``maxfun``).
    c1, c2 : strong-Wolfe constants (defaults 1e-4, 0.9; N&W §3.1; lbfgsb.f
        uses ftol 1e-3, gtol 0.9 in its Moré–Thuente search).
    max_ls : trial steps per line search. Default 20 (scipy's ``maxls``).
    callback : called after every iteration with the intermediate
        :class:`Result`; returning True or raising StopIteration stops the run.
    """

    def minimize(self, objective: Objective, x0: np.ndarray, bounds: object = None) -> Result:
        """Minimize ``objective`` over ``bounds`` (any form :func:`as_box` takes) from ``x0``.

        An ``x0`` outside the box is projected onto it; the result's message
        says so and ``info["x0_projected"]`` is True. ``info["projected_gradient_norm"]``
        is the stationarity measure at the returned point.
        """
        x = as_flat_vector(x0, "x0")
        n = x.size
        box = as_box(bounds, n) or Box(np.full(n, -np.inf), np.full(n, np.inf))
        x0_projected = not box.contains(x)
        if x0_projected:
            x = box.project(x)
        start = objective.counts()
        history = History()
        trial_objective = _ProjectedObjective(objective, box)
        constrained = not box.unbounded
        boxed = bool(np.all(np.isfinite(box.lower)) and np.all(np.isfinite(box.upper)))

        def result(status: Status, nit: int, message: str = "") -> Result:
            text = message or status.description
            if x0_projected:
                text += "; x0 lay outside the bounds and was projected onto them"
            pg = box.projected_gradient(x, g) if np.all(np.isfinite(g)) else np.full(n, np.nan)
            return Result(
                x=x, fun=f, jac=g, nit=nit, **counts_since(objective, start), status=status, message=text,
                history=history,
                info={"x0_projected": x0_projected, "projected_gradient_norm": float(np.max(np.abs(pg)))},
            )

        f, g = objective.value_and_grad(x)
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            return result(Status.NONFINITE, 0, "f or its gradient is not finite at x0")
        pg_norm = float(np.max(np.abs(box.projected_gradient(x, g))))
        history.append(fun=f, projected_grad_norm=pg_norm, step_norm=0.0, alpha=0.0, ls_trials=0)

        S: deque[np.ndarray] = deque(maxlen=self.memory)
        Y: deque[np.ndarray] = deque(maxlen=self.memory)
        for k in range(1, self.maxiter + 1):
            if pg_norm <= self.gtol:
                return result(Status.GTOL, k - 1)
            if objective.nfev - start["nfev"] >= self.maxfev:
                return result(Status.MAXFEV, k - 1)
            ls = None
            for _ in range(2):
                model = _Compact.from_pairs(np.array(S).T, np.array(Y).T) if S else None
                if model is None:
                    S.clear()
                    Y.clear()
                    model = _Compact.identity(n)
                d = _search_point(box, x, g, model)
                d -= x
                if not float(g @ d) < 0:
                    if S:
                        S.clear()
                        Y.clear()
                        continue
                    # The Cauchy point along −g does not descend: stationary up to rounding.
                    return result(Status.GTOL if pg_norm <= self.gtol else Status.LINE_SEARCH_FAILED, k - 1,
                                  "" if pg_norm <= self.gtol else "no descent direction inside the box")
                # lbfgsb.f's choices: on the first iteration a bounded problem steps no further than
                # x̄ (the model's point, which is feasible), and unless every variable has both bounds
                # the first trial has unit length; afterwards α = 1 first, capped where the ray leaves the box.
                first = k == 1
                alpha_max = 1.0 if first and constrained else box.max_step(x, d)
                alpha0 = min(1.0, 1.0 / float(np.linalg.norm(d))) if first and not boxed else 1.0
                ls = strong_wolfe(trial_objective, x, d, f, g, alpha0=min(alpha0, alpha_max), c1=self.c1,
                                  c2=self.c2, alpha_max=alpha_max, maxiter=self.max_ls, accept_at_max=True,
                                  min_growth=_MIN_GROWTH)
                if ls.success or not S:
                    break
                # The quasi-Newton direction failed: forget the memory and retry from the Cauchy point along −g.
                S.clear()
                Y.clear()
            assert ls is not None
            if not ls.success:
                return result(Status.LINE_SEARCH_FAILED, k - 1, ls.message)
            assert ls.grad is not None
            x_new = box.project(ls.x)
            s = x_new - x
            y = ls.grad - g
            if float(s @ y) > _EPS * -float(g @ s):
                S.append(s)
                Y.append(y)
            f_prev = f
            x, f, g = x_new, ls.fun, ls.grad
            pg_norm = float(np.max(np.abs(box.projected_gradient(x, g))))
            history.append(
                fun=f, projected_grad_norm=pg_norm, step_norm=float(np.linalg.norm(s)), alpha=ls.alpha,
                ls_trials=ls.n_trials,
            )
            if check_callback_stop(self.callback, result(Status.IN_PROGRESS, k)):
                return result(Status.CALLBACK, k)
            if f_prev - f <= self.ftol * max(abs(f_prev), abs(f), 1.0):
                return result(Status.GTOL if pg_norm <= self.gtol else Status.FTOL, k)
        return result(Status.MAXITER, self.maxiter)
