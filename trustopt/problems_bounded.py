"""Bound-constrained test problems: min f(x) subject to lower ≤ x ≤ u, with documented optima.

Two sources:

* ``lbfgsb_driver1``: the n = 25 example shipped with L-BFGS-B (Zhu, Byrd, Lu
  & Nocedal, "Algorithm 778: L-BFGS-B", ACM TOMS 23(4), 1997, ``driver1``):
  f(x) = (x₁ − 1)²/4 + Σᵢ₌₂ⁿ 4(xᵢ − xᵢ₋₁²)², 1 ≤ xᵢ ≤ 100 for odd i and
  −100 ≤ xᵢ ≤ 100 for even i (1-based), x₀ = 3. Its minimizer x* = 1 lies on
  the lower bounds of the odd variables with zero gradient there (degenerate),
  f* = 0.
* ``<mgh name>_bounded``: Moré, Garbow & Hillstrom (1981) problems (see
  :mod:`trustopt.problems`) with bounds *constructed here*, not taken from a
  paper: each cuts through the unconstrained minimizer x*ᴹᴳᴴ so that bounds
  are active at the solution. With sᵢ = 0.1·max(1, |x*ᴹᴳᴴᵢ|), variables with
  0-based index i ≡ 0 (mod 2) get the upper bound x*ᴹᴳᴴᵢ − sᵢ, those with
  i ≡ 1 (mod 4) the lower bound x*ᴹᴳᴴᵢ + sᵢ, the rest stay free. The start is
  MGH's, which may lie outside (solvers project it).

f_star and the active sets were computed with scipy's L-BFGS-B at ftol 1e-16,
gtol 1e-13 from the projected start (projected-gradient ∞-norm ≤ 2e-9 there);
``tests/trustopt/test_problems_bounded.py`` re-derives them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import autograd.numpy as anp
import numpy as np

from .problems import get_problem

__all__ = ["BoundedProblem", "bounded_suite", "get_bounded"]


def _frozen(values: object) -> np.ndarray:
    array = np.array(values, dtype=np.float64).reshape(-1)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class BoundedProblem:
    """min ``fun(x)`` subject to ``lower ≤ x ≤ upper``, with its documented minimum.

    Attributes:
        name: e.g. ``"rosenbrock_bounded"``.
        fun: the objective, autograd-differentiable.
        x0: the standard start (read-only); it may lie outside the box.
        lower, upper: the bounds (read-only), ±inf where none.
        f_star: the documented minimum value.
        active_lower, active_upper: 0-based indices of the variables at their
            lower / upper bound at the solution.
        source: where the problem and its bounds come from.
    """

    name: str
    fun: Callable[[np.ndarray], float]
    x0: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    f_star: float
    active_lower: tuple[int, ...]
    active_upper: tuple[int, ...]
    source: str
    kind: str = "bounds"

    def __post_init__(self) -> None:
        for name in ("x0", "lower", "upper"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if not (self.x0.shape == self.lower.shape == self.upper.shape):
            raise ValueError(f"{self.name}: x0, lower and upper must have one length")

    @property
    def n(self) -> int:
        """The number of variables."""
        return self.x0.size

    @property
    def bounds(self) -> list[tuple[float, float]]:
        """The bounds as scipy's sequence of (lo, hi) pairs."""
        return list(zip(self.lower.tolist(), self.upper.tolist()))

    def violation(self, x: np.ndarray) -> float:
        """‖max(lower − x, x − upper, 0)‖∞."""
        return float(np.max(np.maximum(np.maximum(self.lower - x, x - self.upper), 0.0)))

    def solved(self, f: float, violation: float = 0.0, rtol: float = 1e-6, vtol: float = 1e-6) -> bool:
        """|f − f*| ≤ rtol·max(1, |f*|) and violation ≤ vtol (the issue's criterion)."""
        return abs(f - self.f_star) <= rtol * max(1.0, abs(self.f_star)) and violation <= vtol


def _driver1(x: np.ndarray) -> float:
    return 0.25 * (x[0] - 1.0) ** 2 + 4.0 * anp.sum((x[1:] - x[:-1] ** 2) ** 2)


def _lbfgsb_driver1() -> BoundedProblem:
    n = 25
    odd = np.arange(n) % 2 == 0  # 1-based odd indices
    return BoundedProblem(
        "lbfgsb_driver1", _driver1, np.full(n, 3.0), np.where(odd, 1.0, -100.0), np.full(n, 100.0),
        f_star=0.0, active_lower=tuple(np.flatnonzero(odd).tolist()), active_upper=(),
        source="Zhu, Byrd, Lu & Nocedal (1997), Algorithm 778, driver1",
    )


# MGH name -> (f* under the constructed bounds, active lower, active upper)
_MGH_BOUNDED: dict[str, tuple[float, tuple[int, ...], tuple[int, ...]]] = {
    "rosenbrock": (4.188056845437597, (1,), ()),
    "beale": (0.7071512399999997, (1,), (0,)),
    "helical_valley": (8.526325936746687, (1,), (0, 2)),
    "box_3d": (0.0851713657113024, (1,), (0, 2)),
    "powell_singular": (0.3486316558788934, (1,), ()),
    "wood": (4.278845057225808, (1,), (2,)),
    "bard": (0.11892508188641629, (1,), (0,)),
    "gaussian": (0.04324203498823225, (1,), (0, 2)),
    "kowalik_osborne": (0.0024938067197770174, (), (0, 2)),
    "biggs_exp6": (0.009357393629815818, (5,), (0,)),
    "penalty1_n10": (7.604350757974397e-05, (1, 5, 9), (0, 2, 4, 6, 8)),
    "penalty2_n10": (0.01029754205026631, (1, 5), (0, 2, 4, 6, 8)),
    "variably_dimensioned_n10": (0.08604938829206503, (1, 5, 9), (0, 2, 4, 6, 8)),
    "trigonometric_n10": (0.14174372015104772, (1, 5, 9), (0, 2, 4, 6, 8)),
    "extended_rosenbrock_n10": (12.58417053631279, (1, 5, 9), (2, 6)),
}


def constructed_bounds(x_star: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bounds rule of this module's docstring applied to an unconstrained minimizer."""
    n = x_star.size
    shift = 0.1 * np.maximum(1.0, np.abs(x_star))
    index = np.arange(n)
    lower = np.where(index % 4 == 1, x_star + shift, -np.inf)
    upper = np.where(index % 2 == 0, x_star - shift, np.inf)
    return lower, upper


def _mgh_bounded(name: str) -> BoundedProblem:
    base = get_problem(name)
    assert base.x_star is not None
    lower, upper = constructed_bounds(base.x_star)
    f_star, active_lower, active_upper = _MGH_BOUNDED[name]
    return BoundedProblem(
        f"{name}_bounded", base.fun, base.x0, lower, upper, f_star, active_lower, active_upper,
        source=f"{base.source}; bounds constructed in trustopt.problems_bounded",
    )


def bounded_suite() -> list[BoundedProblem]:
    """Every problem of this module: the L-BFGS-B driver, then the bounded MGH variants."""
    return [_lbfgsb_driver1()] + [_mgh_bounded(name) for name in _MGH_BOUNDED]


def get_bounded(name: str) -> BoundedProblem:
    """The problem called ``name``; ValueError listing the names otherwise."""
    for problem in bounded_suite():
        if problem.name == name:
            return problem
    raise ValueError(f"unknown bounded problem {name!r}; known: {[p.name for p in bounded_suite()]}")
