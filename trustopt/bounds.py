"""Simple bounds l ≤ x ≤ u: the box, its projection and the stationarity measure.

For the feasible set B = {x : l ≤ x ≤ u} (lᵢ may be −∞, uᵢ may be +∞) the
projection is P(x) = min(max(x, l), u) componentwise, and x* is a first-order
(KKT) point of min f over B exactly when the projected-gradient step vanishes,

    P(x* − ∇f(x*)) − x* = 0,

so its ∞-norm is the stationarity measure bound-constrained solvers stop on
(scipy's L-BFGS-B ``pgtol``; Byrd, Lu, Nocedal & Zhu 1995, eq. 6.1).

:func:`as_box` turns every bounds form ``scipy.optimize.minimize`` accepts
into one :class:`Box`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Box", "as_box"]


def _readonly(values: Any) -> np.ndarray:
    arr = np.array(values, dtype=np.float64).reshape(-1)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class Box:
    """The box {x : lower ≤ x ≤ upper}.

    Parameters
    ----------
    lower : flat float64 lower bounds, −inf where a variable has none.
    upper : flat float64 upper bounds, +inf where a variable has none.

    Both are stored as read-only copies; ``lower ≤ upper`` is required
    (equal bounds fix a variable), NaN is rejected.
    """

    lower: np.ndarray
    upper: np.ndarray

    def __post_init__(self) -> None:
        lower = _readonly(self.lower)
        upper = _readonly(self.upper)
        if lower.shape != upper.shape:
            raise ValueError(f"bounds: lower has length {lower.size} but upper has length {upper.size}")
        if lower.size == 0:
            raise ValueError("bounds must not be empty")
        if np.any(np.isnan(lower)) or np.any(np.isnan(upper)):
            raise ValueError("bounds must not contain NaN (use ±inf for an unbounded side)")
        if np.any(lower == np.inf) or np.any(upper == -np.inf):
            raise ValueError("bounds: a lower bound of +inf or an upper bound of −inf leaves no feasible point")
        bad = np.flatnonzero(lower > upper)
        if bad.size:
            i = int(bad[0])
            raise ValueError(
                f"bounds are infeasible: lower[{i}] = {lower[i]} > upper[{i}] = {upper[i]}"
                + (f" (and {bad.size - 1} more)" if bad.size > 1 else "")
            )
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)

    @property
    def n(self) -> int:
        """Number of variables."""
        return int(self.lower.size)

    @property
    def unbounded(self) -> bool:
        """True when no variable has a finite bound (the box is all of Rⁿ)."""
        return bool(np.all(np.isneginf(self.lower)) and np.all(np.isposinf(self.upper)))

    def project(self, x: np.ndarray) -> np.ndarray:
        """P(x) = min(max(x, lower), upper), a new array."""
        return np.minimum(np.maximum(np.asarray(x, dtype=np.float64), self.lower), self.upper)

    def contains(self, x: np.ndarray, tol: float = 0.0) -> bool:
        """Whether lower − tol ≤ x ≤ upper + tol componentwise."""
        x = np.asarray(x, dtype=np.float64)
        return bool(np.all(x >= self.lower - tol) and np.all(x <= self.upper + tol))

    def projected_gradient(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """P(x − g) − x; zero exactly at a first-order point of min f over the box."""
        x = np.asarray(x, dtype=np.float64)
        return self.project(x - np.asarray(g, dtype=np.float64)) - x

    def free(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Mask of variables not held by a bound: those not at lᵢ with gᵢ ≥ 0 nor at uᵢ with gᵢ ≤ 0.

        A variable at a bound whose gradient points into the box (so −g
        would move it inside) stays free; fixed variables (lᵢ = uᵢ) never are.
        """
        x = np.asarray(x, dtype=np.float64)
        g = np.asarray(g, dtype=np.float64)
        at_lower = (x <= self.lower) & (g >= 0)
        at_upper = (x >= self.upper) & (g <= 0)
        return ~(at_lower | at_upper | (self.lower == self.upper))

    def max_step(self, x: np.ndarray, d: np.ndarray) -> float:
        """The largest t ≥ 0 with x + t·d in the box (inf when d never leaves it); x must be inside."""
        with np.errstate(divide="ignore", invalid="ignore"):
            t_up = np.where(d > 0, (self.upper - x) / d, np.inf)
            t_lo = np.where(d < 0, (self.lower - x) / d, np.inf)
        return float(max(0.0, min(np.min(t_up), np.min(t_lo))))


def _pair_side(value: Any, default: float, i: int) -> float:
    if value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bounds[{i}] must hold numbers or None; got {value!r}") from exc


def as_box(bounds: Any, n: int) -> Box | None:
    """``bounds`` in any of scipy's forms as a :class:`Box` of ``n`` variables, or None.

    Accepts None (no bounds), a :class:`Box`, a ``scipy.optimize.Bounds``
    (scalar bounds broadcast to ``n``), or a sequence of ``n`` pairs
    ``(lo, hi)`` with None or ±inf for an unbounded side. None comes back
    only for None; a box without finite bounds is a Box whose
    :attr:`Box.unbounded` is True. Raises
    ValueError naming ``bounds`` for a wrong length or form, and naming the
    index for lᵢ > uᵢ.
    """
    if bounds is None:
        return None
    if isinstance(bounds, Box):
        box = bounds
    elif hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        try:
            lower = np.broadcast_to(np.asarray(bounds.lb, dtype=np.float64), (n,))
            upper = np.broadcast_to(np.asarray(bounds.ub, dtype=np.float64), (n,))
        except ValueError as exc:
            raise ValueError(
                f"bounds: Bounds.lb/ub of shapes {np.shape(bounds.lb)}/{np.shape(bounds.ub)} "
                f"do not fit {n} variables"
            ) from exc
        box = Box(lower, upper)
    else:
        try:
            pairs = list(bounds)
        except TypeError as exc:
            raise ValueError(
                f"bounds must be None, a Box, a scipy.optimize.Bounds or a sequence of (lo, hi) pairs; "
                f"got {type(bounds).__name__}"
            ) from exc
        if len(pairs) != n:
            raise ValueError(f"bounds must have one (lo, hi) pair per variable: {n} expected, got {len(pairs)}")
        lower = np.empty(n)
        upper = np.empty(n)
        for i, pair in enumerate(pairs):
            try:
                lo, hi = pair
            except (TypeError, ValueError) as exc:
                raise ValueError(f"bounds[{i}] must be a (lo, hi) pair; got {pair!r}") from exc
            lower[i] = _pair_side(lo, -np.inf, i)
            upper[i] = _pair_side(hi, np.inf, i)
        box = Box(lower, upper)
    if box.n != n:
        raise ValueError(f"bounds cover {box.n} variables but x0 has {n}")
    return box
