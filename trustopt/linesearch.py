"""Line searches along a direction p from x: how far to step.

Three pieces, smallest first:

* :func:`backtrack` — try α₀, ρα₀, ρ²α₀, … until a caller's acceptance test
  passes. Knows nothing about f; the divergence-constrained solvers use it
  with their own test (f decreased and D ≤ δ).
* :func:`armijo_backtracking` — :func:`backtrack` with the sufficient-decrease
  test f(x + αp) ≤ f(x) + c₁·α·∇f(x)ᵀp.
* :func:`strong_wolfe` — bracketing and zoom with cubic interpolation
  (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithms 3.5 and
  3.6), accepting α with sufficient decrease and |∇f(x + αp)ᵀp| ≤ c₂·|∇f(x)ᵀp|.

A failed search is a status, never an exception, and leaves the start point
unchanged (α = 0). A trial point where f or its gradient is NaN or ±inf counts
as "too far": the search shrinks toward the start instead of using it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .objective import Objective

__all__ = [
    "LineSearchResult",
    "backtrack",
    "armijo_backtracking",
    "strong_wolfe",
    "DEFAULT_C1",
    "DEFAULT_C2",
]

#: Sufficient-decrease constant; Nocedal & Wright (2006), §3.1, suggest 1e-4.
DEFAULT_C1 = 1e-4
#: Curvature constant for quasi-Newton directions; Nocedal & Wright (2006), §3.1.
DEFAULT_C2 = 0.9


@dataclass
class LineSearchResult:
    """Outcome of a line search.

    ``alpha`` is the accepted step (0 on failure); ``x``, ``fun`` and ``grad``
    describe the accepted point (the start point on failure; ``grad`` may be
    None when the search did not evaluate it). ``n_trials`` counts trial
    steps tried; ``info`` holds whatever the acceptance test returned last.
    """

    success: bool
    alpha: float
    x: np.ndarray
    fun: float
    grad: np.ndarray | None
    n_trials: int
    message: str = ""
    info: Any = None


def backtrack(
    accept: Callable[[float], tuple[bool, Any]],
    alpha0: float = 1.0,
    shrink: float = 0.5,
    maxiter: int = 30,
) -> tuple[float | None, int, Any]:
    """Try α = α₀·shrinkᵏ for k = 0 … maxiter−1; return the first accepted.

    ``accept(alpha)`` returns ``(ok, info)``. Returns ``(alpha, trials, info)``
    with ``alpha`` None when no trial was accepted (``info`` is then the last
    trial's).
    """
    if not (0.0 < shrink < 1.0):
        raise ValueError(f"shrink must lie in (0, 1); got {shrink}")
    if not (alpha0 > 0 and math.isfinite(alpha0)):
        raise ValueError(f"alpha0 must be positive and finite; got {alpha0}")
    if maxiter < 1:
        raise ValueError(f"maxiter must be ≥ 1; got {maxiter}")
    alpha, info = alpha0, None
    for k in range(1, maxiter + 1):
        ok, info = accept(alpha)
        if ok:
            return alpha, k, info
        alpha *= shrink
    return None, maxiter, info


def armijo_backtracking(
    objective: Objective,
    x: np.ndarray,
    p: np.ndarray,
    f0: float,
    g0: np.ndarray,
    *,
    alpha0: float = 1.0,
    shrink: float = 0.5,
    c1: float = DEFAULT_C1,
    maxiter: int = 30,
) -> LineSearchResult:
    """Backtracking line search with the Armijo sufficient-decrease test.

    Accepts the first α in α₀, ρα₀, … with f(x + αp) ≤ f0 + c₁·α·g0ᵀp
    (Nocedal & Wright (2006), Algorithm 3.1). Evaluates f only.
    """
    slope = float(g0 @ p)
    if not slope < 0:
        return LineSearchResult(False, 0.0, x, f0, g0, 0, "p is not a descent direction")

    def accept(alpha: float) -> tuple[bool, float]:
        f = objective.value(x + alpha * p)
        return bool(np.isfinite(f) and f <= f0 + c1 * alpha * slope), f

    alpha, trials, f = backtrack(accept, alpha0, shrink, maxiter)
    if alpha is None:
        return LineSearchResult(False, 0.0, x, f0, g0, trials, "no step met the Armijo condition")
    return LineSearchResult(True, alpha, x + alpha * p, f, None, trials)


def _cubic_min(a: float, fa: float, da: float, b: float, fb: float, db: float) -> float | None:
    """Minimizer of the cubic matching f and f' at a and b (N&W eq. 3.59), or None."""
    if a == b:
        return None
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    rad = d1 * d1 - da * db
    if rad < 0:
        return None
    d2 = math.copysign(math.sqrt(rad), b - a)
    denom = db - da + 2.0 * d2
    if denom == 0:
        return None
    t = b - (b - a) * (db + d2 - d1) / denom
    return t if math.isfinite(t) else None


def _quad_min(a: float, fa: float, da: float, b: float, fb: float) -> float | None:
    """Minimizer of the quadratic matching f(a), f'(a) and f(b), or None."""
    h = b - a
    denom = 2.0 * (fb - fa - da * h)
    if denom <= 0 or not math.isfinite(denom):
        return None
    t = a - da * h * h / denom
    return t if math.isfinite(t) else None


def strong_wolfe(
    objective: Objective,
    x: np.ndarray,
    p: np.ndarray,
    f0: float,
    g0: np.ndarray,
    *,
    alpha0: float = 1.0,
    c1: float = DEFAULT_C1,
    c2: float = DEFAULT_C2,
    alpha_max: float = 1e10,
    maxiter: int = 20,
    accept_at_max: bool = False,
    min_growth: float = 2.0,
) -> LineSearchResult:
    """Strong-Wolfe line search (Nocedal & Wright (2006), Algorithms 3.5 and 3.6).

    Finds α > 0 with
      f(x + αp) ≤ f0 + c₁·α·g0ᵀp                       (sufficient decrease)
      |∇f(x + αp)ᵀp| ≤ c₂·|g0ᵀp|                        (curvature)
    by expanding α until an interval is bracketed, then shrinking the bracket
    with safeguarded cubic (else quadratic, else bisection) interpolation.
    Each trial costs one value-and-gradient evaluation; ``maxiter`` caps the
    trials. Requires 0 < c₁ < c₂ < 1. With ``accept_at_max`` a step of
    ``alpha_max`` with sufficient decrease is accepted although the slope is
    still steep: a bound-constrained solver caps α where the path leaves the
    box, and stopping there is what Moré–Thuente's search in L-BFGS-B does.
    ``min_growth`` (default 2, doubling) is the least factor an extrapolation
    multiplies α by; L-BFGS-B's search grows α to at least 5α (dcsrch's
    xtrapu = 4: α + 4(α − 0)).
    """
    if not (0.0 < c1 < c2 < 1.0):
        raise ValueError(f"need 0 < c1 < c2 < 1; got c1={c1}, c2={c2}")
    if not (1.0 < min_growth <= 10.0):
        raise ValueError(f"min_growth must lie in (1, 10]; got {min_growth}")
    if not (alpha0 > 0 and math.isfinite(alpha0)):
        raise ValueError(f"alpha0 must be positive and finite; got {alpha0}")
    dphi0 = float(g0 @ p)
    if not dphi0 < 0:
        return LineSearchResult(False, 0.0, x, f0, g0, 0, "p is not a descent direction")

    trials = 0

    def phi(alpha: float) -> tuple[float, float, np.ndarray, np.ndarray]:
        nonlocal trials
        trials += 1
        xa = x + alpha * p
        f, g = objective.value_and_grad(xa)
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            return math.inf, math.nan, xa, g
        return f, float(g @ p), xa, g

    def sufficient(alpha: float, f: float) -> bool:
        return f <= f0 + c1 * alpha * dphi0

    def curvature(d: float) -> bool:
        return abs(d) <= -c2 * dphi0

    def zoom(lo: tuple[float, float, float], hi: tuple[float, float, float]) -> LineSearchResult:
        a_lo, f_lo, d_lo = lo
        a_hi, f_hi, d_hi = hi
        while trials < maxiter:
            width = abs(a_hi - a_lo)
            # Relative to the bracket, not to 1: a first step of 1/‖p‖ can be far below 1e-14.
            if width <= 1e-14 * max(abs(a_lo), abs(a_hi)):
                break
            left, right = min(a_lo, a_hi), max(a_lo, a_hi)
            trial = None
            if math.isfinite(f_hi) and math.isfinite(d_hi):
                trial = _cubic_min(a_lo, f_lo, d_lo, a_hi, f_hi, d_hi)
            if trial is None and math.isfinite(f_hi):
                trial = _quad_min(a_lo, f_lo, d_lo, a_hi, f_hi)
            if trial is None:
                trial = 0.5 * (a_lo + a_hi)
            # Keep trials away from the ends so the bracket shrinks geometrically.
            margin = 0.1 * width
            a = min(max(trial, left + margin), right - margin)
            f, d, xa, g = phi(a)
            if not sufficient(a, f) or f >= f_lo:
                a_hi, f_hi, d_hi = a, f, d
            else:
                if curvature(d):
                    return LineSearchResult(True, a, xa, f, g, trials)
                if d * (a_hi - a_lo) >= 0:
                    a_hi, f_hi, d_hi = a_lo, f_lo, d_lo
                a_lo, f_lo, d_lo = a, f, d
        return LineSearchResult(False, 0.0, x, f0, g0, trials, "strong-Wolfe zoom did not converge")

    a_prev, f_prev, d_prev = 0.0, f0, dphi0
    a = min(alpha0, alpha_max)
    while trials < maxiter:
        f, d, xa, g = phi(a)
        if not sufficient(a, f) or (trials > 1 and f >= f_prev):
            return zoom((a_prev, f_prev, d_prev), (a, f, d))
        if curvature(d):
            return LineSearchResult(True, a, xa, f, g, trials)
        if d >= 0:
            return zoom((a, f, d), (a_prev, f_prev, d_prev))
        if a >= alpha_max:
            if accept_at_max:
                return LineSearchResult(True, a, xa, f, g, trials, "step reached alpha_max")
            break
        # Extrapolate: the cubic's minimizer, kept between min_growth-fold and ten-fold
        # growth so that a tiny first step still grows geometrically.
        grow = _cubic_min(a_prev, f_prev, d_prev, a, f, d)
        grow = min_growth * a if grow is None else min(max(grow, min_growth * a), 10.0 * a)
        a_prev, f_prev, d_prev = a, f, d
        a = min(grow, alpha_max)
    return LineSearchResult(False, 0.0, x, f0, g0, trials, "strong-Wolfe search hit its trial limit")
