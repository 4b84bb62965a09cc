"""Constrained test problems from the Hock–Schittkowski collection.

W. Hock and K. Schittkowski, "Test Examples for Nonlinear Programming Codes",
Lecture Notes in Economics and Mathematical Systems 187, Springer (1981),
problems 1-119 (K. Schittkowski, "More Test Examples for Nonlinear Programming
Codes", LNEMS 282, Springer (1987), continues the numbering from 201; none of
those is here yet). Each problem is

    minimize f(x)  subject to  lower <= x <= upper,  c(x) <= 0,  h(x) = 0,

with the book's number, standard start x0 and documented solution. The book
writes inequalities as g(x) >= 0; here they are stored as c = -g, trustopt's
sign convention, in the book's order, so ``active`` indexes the book's
inequalities (0-based).

Functions are written with ``autograd.numpy`` so that f, c and h are
differentiable by autograd; constraint functions return flat vectors.

Where the book prints a solution x* to a few digits, the value stored here is
that solution polished to double precision (Newton's method on the KKT
equations of its active constraints, from the printed point) so that it is
feasible to 1e-10; the comment beside it keeps the printed digits, and the tests
check that the two agree to those digits. f_star is the value the book prints,
or its closed form where one exists; hs106 is the one exception (see there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import asin, log, pi, sqrt

import autograd.numpy as anp
import numpy as np

__all__ = ["ConstrainedProblem", "hs_suite", "get_hs"]

Vector = np.ndarray
_KINDS = ("bounds", "linear", "nonlinear")
_INF = np.inf


def _frozen_vector(values: object, what: str, size: int | None = None) -> np.ndarray:
    """A read-only flat float64 copy of ``values`` (of length ``size`` if given)."""
    array = np.array(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{what} must be a flat vector, got shape {array.shape}")
    if size is not None and array.size != size:
        raise ValueError(f"{what} has {array.size} entries, expected {size}")
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class ConstrainedProblem:
    """A constrained minimization problem with a documented solution.

    minimize ``fun(x)`` subject to ``lower <= x <= upper``, ``ineq(x) <= 0``
    and ``eq(x) = 0``.

    Attributes:
        name: ``"hs001"``, ``"hs071"``, ...
        fun: The objective, a scalar autograd-differentiable function.
        x0: The standard starting point (read-only, flat float64); it need not
            be feasible.
        lower, upper: Bounds, ``-inf``/``inf`` where there are none.
        ineq: c(x), vector-valued, feasible where ``c(x) <= 0``; None if the
            problem has no general inequality constraints.
        eq: h(x), vector-valued, feasible where ``h(x) == 0``; None if none.
        n_ineq, n_eq: The lengths of c(x) and h(x).
        f_star: The documented minimum value.
        x_star: A documented minimizer (read-only), or None.
        active: Indices of the inequalities c_i active at ``x_star`` (bounds
            not included), or None where not known. The book gives x*, not
            the active set; these were read off x* and the tests check them
            against c(x*).
        kind: The most general constraint type present: ``"bounds"``,
            ``"linear"`` or ``"nonlinear"``.
        source: Where the problem comes from, e.g.
            ``"Hock & Schittkowski (1981), problem 71"``.
    """

    name: str
    fun: Callable[[Vector], float]
    x0: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    ineq: Callable[[Vector], Vector] | None
    eq: Callable[[Vector], Vector] | None
    n_ineq: int
    n_eq: int
    f_star: float
    x_star: np.ndarray | None
    active: tuple[int, ...] | None
    kind: str
    source: str

    def __post_init__(self) -> None:
        x0 = _frozen_vector(self.x0, f"{self.name}: x0")
        n = x0.size
        object.__setattr__(self, "x0", x0)
        lower = _frozen_vector(self.lower, f"{self.name}: lower", n)
        upper = _frozen_vector(self.upper, f"{self.name}: upper", n)
        if np.any(lower > upper):
            raise ValueError(f"{self.name}: lower exceeds upper at {np.flatnonzero(lower > upper)}")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)
        for what, function, count in (("ineq", self.ineq, self.n_ineq), ("eq", self.eq, self.n_eq)):
            if function is None:
                if count != 0:
                    raise ValueError(f"{self.name}: n_{what}={count} but {what} is None")
                continue
            size = np.shape(function(x0))
            if size != (count,):
                raise ValueError(f"{self.name}: {what}(x0) has shape {size}, n_{what}={count}")
        if self.x_star is not None:
            object.__setattr__(self, "x_star", _frozen_vector(self.x_star, f"{self.name}: x_star", n))
        if self.active is not None:
            active = tuple(int(i) for i in self.active)
            if any(not 0 <= i < self.n_ineq for i in active):
                raise ValueError(f"{self.name}: active {active} outside 0..{self.n_ineq - 1}")
            object.__setattr__(self, "active", active)
        if self.kind not in _KINDS:
            raise ValueError(f"{self.name}: kind must be one of {_KINDS}, got {self.kind!r}")
        object.__setattr__(self, "f_star", float(self.f_star))

    @property
    def n(self) -> int:
        """The number of variables."""
        return self.x0.size

    def violation(self, x: Vector) -> float:
        """‖(max(c(x), 0), h(x), max(lower - x, 0), max(x - upper, 0))‖∞."""
        x = np.asarray(x, dtype=np.float64)
        parts = [np.maximum(self.lower - x, 0.0), np.maximum(x - self.upper, 0.0)]
        if self.ineq is not None:
            parts.append(np.maximum(np.asarray(self.ineq(x), dtype=np.float64), 0.0))
        if self.eq is not None:
            parts.append(np.abs(np.asarray(self.eq(x), dtype=np.float64)))
        return float(np.max(np.concatenate(parts)))

    def solved(self, f: float, violation: float, rtol: float = 1e-6, vtol: float = 1e-6) -> bool:
        """Whether a point with value ``f`` and ``violation`` solves the problem.

        True if ``|f - f_star| <= rtol * max(1, |f_star|)`` and
        ``violation <= vtol`` (the criterion of trustopt issue 13).

        Args:
            f: The objective value reached.
            violation: Its constraint violation (see :meth:`violation`).
            rtol: Relative tolerance on f, absolute for ``|f_star| < 1``; default 1e-6.
            vtol: Tolerance on the violation; default 1e-6.
        """
        return abs(f - self.f_star) <= rtol * max(1.0, abs(self.f_star)) and violation <= vtol


def _geq(*g: Callable[[Vector], object]) -> Callable[[Vector], Vector]:
    """c(x) = -(g_1(x), ..., g_m(x)) for the book's constraints g_i(x) >= 0."""

    def c(x: Vector) -> Vector:
        return -anp.stack([gi(x) for gi in g])

    return c


def _zero(*h: Callable[[Vector], object]) -> Callable[[Vector], Vector]:
    """h(x) = (h_1(x), ..., h_m(x)) for the book's constraints h_i(x) = 0."""

    def eq(x: Vector) -> Vector:
        return anp.stack([hi(x) for hi in h])

    return eq


_REGISTRY: dict[str, Callable[[], ConstrainedProblem]] = {}


def _hs(
    number: int,
    fun: Callable[[Vector], float],
    x0: object,
    *,
    f_star: float,
    x_star: object | None,
    kind: str,
    lower: object | None = None,
    upper: object | None = None,
    ineq: tuple[Callable[[Vector], object], ...] = (),
    eq: tuple[Callable[[Vector], object], ...] = (),
    active: tuple[int, ...] | None = None,
    c_vector: tuple[Callable[[Vector], Vector], int] | None = None,
    h_vector: tuple[Callable[[Vector], Vector], int] | None = None,
) -> None:
    """Register problem ``number`` of Hock & Schittkowski (1981).

    ``ineq`` and ``eq`` list the book's scalar constraints g_i(x) >= 0 and
    h_j(x) = 0; a problem whose constraints follow one pattern may give
    instead ``c_vector = (c, m)``, c(x) <= 0 already vectorized, or
    ``h_vector = (h, m)``.
    """
    n = np.size(x0)
    name = f"hs{number:03d}"
    if c_vector is None:
        c, n_ineq = (_geq(*ineq), len(ineq)) if ineq else (None, 0)
    else:
        c, n_ineq = c_vector
    if h_vector is None:
        h, n_eq = (_zero(*eq), len(eq)) if eq else (None, 0)
    else:
        h, n_eq = h_vector

    def build() -> ConstrainedProblem:
        return ConstrainedProblem(
            name=name,
            fun=fun,
            x0=x0,
            lower=np.full(n, -_INF) if lower is None else lower,
            upper=np.full(n, _INF) if upper is None else upper,
            ineq=c,
            eq=h,
            n_ineq=n_ineq,
            n_eq=n_eq,
            f_star=f_star,
            x_star=x_star,
            active=active if c is not None else None,
            kind=kind,
            source=f"Hock & Schittkowski (1981), problem {number}",
        )

    _REGISTRY[name] = build


def _rosenbrock(x: Vector) -> float:
    return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2


# ---------------------------------------------------------------------------
# The problems, in the book's numbering; x[0] is the book's x1.
# ---------------------------------------------------------------------------

_hs(1, _rosenbrock, [-2.0, 1.0], lower=[-_INF, -1.5], upper=[_INF, _INF],
    f_star=0.0, x_star=[1.0, 1.0], kind="bounds")

_hs(2, _rosenbrock, [-2.0, 1.0], lower=[-_INF, 1.5], upper=[_INF, _INF],
    f_star=0.0504261879, x_star=[1.2243707487363524, 1.5], kind="bounds")  # printed 1.224370749

_hs(3, lambda x: x[1] + 1e-5 * (x[1] - x[0]) ** 2, [10.0, 1.0],
    lower=[-_INF, 0.0], upper=[_INF, _INF], f_star=0.0, x_star=[0.0, 0.0], kind="bounds")

_hs(4, lambda x: (x[0] + 1.0) ** 3 / 3.0 + x[1], [1.125, 0.125],
    lower=[1.0, 0.0], upper=[_INF, _INF], f_star=8.0 / 3.0, x_star=[1.0, 0.0], kind="bounds")

_hs(5, lambda x: anp.sin(x[0] + x[1]) + (x[0] - x[1]) ** 2 - 1.5 * x[0] + 2.5 * x[1] + 1.0,
    [0.0, 0.0], lower=[-1.5, -3.0], upper=[4.0, 3.0],
    f_star=-sqrt(3.0) / 2.0 - pi / 3.0, x_star=[0.5 - pi / 3.0, -0.5 - pi / 3.0], kind="bounds")

_hs(6, lambda x: (1.0 - x[0]) ** 2, [-1.2, 1.0], eq=(lambda x: 10.0 * (x[1] - x[0] ** 2),),
    f_star=0.0, x_star=[1.0, 1.0], kind="nonlinear")

_hs(7, lambda x: anp.log(1.0 + x[0] ** 2) - x[1], [2.0, 2.0],
    eq=(lambda x: (1.0 + x[0] ** 2) ** 2 + x[1] ** 2 - 4.0,),
    f_star=-sqrt(3.0), x_star=[0.0, sqrt(3.0)], kind="nonlinear")

_HS8_A = sqrt((25.0 + sqrt(301.0)) / 2.0)  # x1*^2 solves t^2 - 25 t + 81 = 0
_hs(8, lambda x: -1.0 + 0.0 * x[0], [2.0, 1.0],
    eq=(lambda x: x[0] ** 2 + x[1] ** 2 - 25.0, lambda x: x[0] * x[1] - 9.0),
    f_star=-1.0, x_star=[_HS8_A, 9.0 / _HS8_A], kind="nonlinear")  # printed (4.601594, 1.955800)

_hs(9, lambda x: anp.sin(pi * x[0] / 12.0) * anp.cos(pi * x[1] / 16.0), [0.0, 0.0],
    eq=(lambda x: 4.0 * x[0] - 3.0 * x[1],), f_star=-0.5, x_star=[-3.0, -4.0], kind="linear")

_hs(10, lambda x: x[0] - x[1], [-10.0, 10.0],
    ineq=(lambda x: -3.0 * x[0] ** 2 + 2.0 * x[0] * x[1] - x[1] ** 2 + 1.0,),
    f_star=-1.0, x_star=[0.0, 1.0], active=(0,), kind="nonlinear")

# On the active constraint x2 = x1^2, stationarity reads 2 x1^3 + x1 - 5 = 0.
_HS11_X1 = float(min(np.roots([2.0, 0.0, 1.0, -5.0]), key=lambda r: abs(r.imag)).real)
_hs(11, lambda x: (x[0] - 5.0) ** 2 + x[1] ** 2 - 25.0, [4.9, 0.1],
    ineq=(lambda x: -x[0] ** 2 + x[1],),
    f_star=-8.498464223, x_star=[_HS11_X1, _HS11_X1**2], active=(0,), kind="nonlinear")

_hs(12, lambda x: 0.5 * x[0] ** 2 + x[1] ** 2 - x[0] * x[1] - 7.0 * x[0] - 7.0 * x[1], [0.0, 0.0],
    ineq=(lambda x: 25.0 - 4.0 * x[0] ** 2 - x[1] ** 2,),
    f_star=-30.0, x_star=[2.0, 3.0], active=(0,), kind="nonlinear")

# x* is a cusp where the constraint gradients do not satisfy any constraint
# qualification, so x* is no KKT point: a standard test of failure handling.
_hs(13, lambda x: (x[0] - 2.0) ** 2 + x[1] ** 2, [-2.0, -2.0],
    lower=[0.0, 0.0], upper=[_INF, _INF], ineq=(lambda x: (1.0 - x[0]) ** 3 - x[1],),
    f_star=1.0, x_star=[1.0, 0.0], active=(0,), kind="nonlinear")

_hs(14, lambda x: (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2, [2.0, 2.0],
    ineq=(lambda x: -0.25 * x[0] ** 2 - x[1] ** 2 + 1.0,), eq=(lambda x: x[0] - 2.0 * x[1] + 1.0,),
    f_star=9.0 - 23.0 * sqrt(7.0) / 8.0, x_star=[0.5 * (sqrt(7.0) - 1.0), 0.25 * (sqrt(7.0) + 1.0)],
    active=(0,), kind="nonlinear")

_hs(15, _rosenbrock, [-2.0, 1.0], lower=[-_INF, -_INF], upper=[0.5, _INF],
    ineq=(lambda x: x[0] * x[1] - 1.0, lambda x: x[0] + x[1] ** 2),
    f_star=306.5, x_star=[0.5, 2.0], active=(0,), kind="nonlinear")

_hs(16, _rosenbrock, [-2.0, 1.0], lower=[-0.5, -_INF], upper=[0.5, 1.0],
    ineq=(lambda x: x[0] + x[1] ** 2, lambda x: x[0] ** 2 + x[1]),
    f_star=0.25, x_star=[0.5, 0.25], active=(), kind="nonlinear")

_hs(17, _rosenbrock, [-2.0, 1.0], lower=[-0.5, -_INF], upper=[0.5, 1.0],
    ineq=(lambda x: x[1] ** 2 - x[0], lambda x: x[0] ** 2 - x[1]),
    f_star=1.0, x_star=[0.0, 0.0], active=(0, 1), kind="nonlinear")

_hs(18, lambda x: 0.01 * x[0] ** 2 + x[1] ** 2, [2.0, 2.0], lower=[2.0, 0.0], upper=[50.0, 50.0],
    ineq=(lambda x: x[0] * x[1] - 25.0, lambda x: x[0] ** 2 + x[1] ** 2 - 25.0),
    f_star=5.0, x_star=[sqrt(250.0), sqrt(2.5)], active=(0,), kind="nonlinear")

# Both constraints active: subtracting one from the other gives x1 = 14.095.
_HS19_X2 = 5.0 - sqrt(100.0 - 9.095**2)
_hs(19, lambda x: (x[0] - 10.0) ** 3 + (x[1] - 20.0) ** 3, [20.1, 5.84],
    lower=[13.0, 0.0], upper=[100.0, 100.0],
    ineq=(lambda x: (x[0] - 5.0) ** 2 + (x[1] - 5.0) ** 2 - 100.0,
          lambda x: -((x[1] - 5.0) ** 2) - (x[0] - 6.0) ** 2 + 82.81),
    f_star=(14.095 - 10.0) ** 3 + (_HS19_X2 - 20.0) ** 3, x_star=[14.095, _HS19_X2], active=(0, 1),
    kind="nonlinear")  # printed f* = -6961.81381, x2* = 0.84296079

_hs(20, _rosenbrock, [-2.0, 1.0], lower=[-0.5, -_INF], upper=[0.5, _INF],
    ineq=(lambda x: x[0] + x[1] ** 2, lambda x: x[0] ** 2 + x[1], lambda x: x[0] ** 2 + x[1] ** 2 - 1.0),
    f_star=81.5 - 25.0 * sqrt(3.0), x_star=[0.5, sqrt(3.0) / 2.0], active=(2,), kind="nonlinear")

_hs(21, lambda x: 0.01 * x[0] ** 2 + x[1] ** 2 - 100.0, [-1.0, -1.0],
    lower=[2.0, -50.0], upper=[50.0, 50.0], ineq=(lambda x: 10.0 * x[0] - x[1] - 10.0,),
    f_star=-99.96, x_star=[2.0, 0.0], active=(), kind="linear")

_hs(22, lambda x: (x[0] - 2.0) ** 2 + (x[1] - 1.0) ** 2, [2.0, 2.0],
    ineq=(lambda x: -x[0] - x[1] + 2.0, lambda x: -x[0] ** 2 + x[1]),
    f_star=1.0, x_star=[1.0, 1.0], active=(0, 1), kind="nonlinear")

_hs(23, lambda x: x[0] ** 2 + x[1] ** 2, [3.0, 1.0], lower=[-50.0, -50.0], upper=[50.0, 50.0],
    ineq=(lambda x: x[0] + x[1] - 1.0, lambda x: x[0] ** 2 + x[1] ** 2 - 1.0,
          lambda x: 9.0 * x[0] ** 2 + x[1] ** 2 - 9.0, lambda x: x[0] ** 2 - x[1],
          lambda x: x[1] ** 2 - x[0]),
    f_star=2.0, x_star=[1.0, 1.0], active=(3, 4), kind="nonlinear")

_SQRT3 = sqrt(3.0)
_hs(24, lambda x: ((x[0] - 3.0) ** 2 - 9.0) * x[1] ** 3 / (27.0 * _SQRT3), [1.0, 0.5],
    lower=[0.0, 0.0], upper=[_INF, _INF],
    ineq=(lambda x: x[0] / _SQRT3 - x[1], lambda x: x[0] + _SQRT3 * x[1],
          lambda x: -x[0] - _SQRT3 * x[1] + 6.0),
    f_star=-1.0, x_star=[3.0, _SQRT3], active=(0, 2), kind="linear")

_hs(26, lambda x: (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4, [-2.6, 2.0, 2.0],
    eq=(lambda x: (1.0 + x[1] ** 2) * x[0] + x[2] ** 4 - 3.0,),
    f_star=0.0, x_star=[1.0, 1.0, 1.0], kind="nonlinear")

_hs(27, lambda x: 0.01 * (x[0] - 1.0) ** 2 + (x[1] - x[0] ** 2) ** 2, [2.0, 2.0, 2.0],
    eq=(lambda x: x[0] + x[2] ** 2 + 1.0,), f_star=0.04, x_star=[-1.0, 1.0, 0.0], kind="nonlinear")

_hs(28, lambda x: (x[0] + x[1]) ** 2 + (x[1] + x[2]) ** 2, [-4.0, 1.0, 1.0],
    eq=(lambda x: x[0] + 2.0 * x[1] + 3.0 * x[2] - 1.0,),
    f_star=0.0, x_star=[0.5, -0.5, 0.5], kind="linear")

_hs(29, lambda x: -x[0] * x[1] * x[2], [1.0, 1.0, 1.0],
    ineq=(lambda x: -x[0] ** 2 - 2.0 * x[1] ** 2 - 4.0 * x[2] ** 2 + 48.0,),
    f_star=-16.0 * sqrt(2.0), x_star=[4.0, 2.0 * sqrt(2.0), 2.0], active=(0,), kind="nonlinear")

_hs(30, lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2, [1.0, 1.0, 1.0],
    lower=[1.0, -10.0, -10.0], upper=[10.0, 10.0, 10.0], ineq=(lambda x: x[0] ** 2 + x[1] ** 2 - 1.0,),
    f_star=1.0, x_star=[1.0, 0.0, 0.0], active=(0,), kind="nonlinear")

_hs(31, lambda x: 9.0 * x[0] ** 2 + x[1] ** 2 + 9.0 * x[2] ** 2, [1.0, 1.0, 1.0],
    lower=[-10.0, 1.0, -10.0], upper=[10.0, 10.0, 1.0], ineq=(lambda x: x[0] * x[1] - 1.0,),
    f_star=6.0, x_star=[1.0 / _SQRT3, _SQRT3, 0.0], active=(0,), kind="nonlinear")

_hs(32, lambda x: (x[0] + 3.0 * x[1] + x[2]) ** 2 + 4.0 * (x[0] - x[1]) ** 2, [0.1, 0.7, 0.2],
    lower=[0.0, 0.0, 0.0], upper=[_INF, _INF, _INF],
    ineq=(lambda x: 6.0 * x[1] + 4.0 * x[2] - x[0] ** 3 - 3.0,), eq=(lambda x: 1.0 - x[0] - x[1] - x[2],),
    f_star=1.0, x_star=[0.0, 0.0, 1.0], active=(), kind="nonlinear")

_hs(33, lambda x: (x[0] - 1.0) * (x[0] - 2.0) * (x[0] - 3.0) + x[2], [0.0, 0.0, 3.0],
    lower=[0.0, 0.0, 0.0], upper=[_INF, _INF, 5.0],
    ineq=(lambda x: x[2] ** 2 - x[0] ** 2 - x[1] ** 2, lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2 - 4.0),
    f_star=sqrt(2.0) - 6.0, x_star=[0.0, sqrt(2.0), sqrt(2.0)], active=(0, 1), kind="nonlinear")

_hs(34, lambda x: -x[0], [0.0, 1.05, 2.9], lower=[0.0, 0.0, 0.0], upper=[100.0, 100.0, 10.0],
    ineq=(lambda x: x[1] - anp.exp(x[0]), lambda x: x[2] - anp.exp(x[1])),
    f_star=-log(log(10.0)), x_star=[log(log(10.0)), log(10.0), 10.0], active=(0, 1), kind="nonlinear")

_hs(35, lambda x: (9.0 - 8.0 * x[0] - 6.0 * x[1] - 4.0 * x[2] + 2.0 * x[0] ** 2 + 2.0 * x[1] ** 2
                   + x[2] ** 2 + 2.0 * x[0] * x[1] + 2.0 * x[0] * x[2]),
    [0.5, 0.5, 0.5], lower=[0.0, 0.0, 0.0], upper=[_INF, _INF, _INF],
    ineq=(lambda x: 3.0 - x[0] - x[1] - 2.0 * x[2],),
    f_star=1.0 / 9.0, x_star=[4.0 / 3.0, 7.0 / 9.0, 4.0 / 9.0], active=(0,), kind="linear")

_hs(36, lambda x: -x[0] * x[1] * x[2], [10.0, 10.0, 10.0], lower=[0.0, 0.0, 0.0], upper=[20.0, 11.0, 42.0],
    ineq=(lambda x: 72.0 - x[0] - 2.0 * x[1] - 2.0 * x[2],),
    f_star=-3300.0, x_star=[20.0, 11.0, 15.0], active=(0,), kind="linear")

_hs(37, lambda x: -x[0] * x[1] * x[2], [10.0, 10.0, 10.0], lower=[0.0, 0.0, 0.0], upper=[42.0, 42.0, 42.0],
    ineq=(lambda x: 72.0 - x[0] - 2.0 * x[1] - 2.0 * x[2], lambda x: x[0] + 2.0 * x[1] + 2.0 * x[2]),
    f_star=-3456.0, x_star=[24.0, 12.0, 12.0], active=(0,), kind="linear")


def _colville(x: Vector) -> float:
    return (100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2 + 90.0 * (x[3] - x[2] ** 2) ** 2
            + (1.0 - x[2]) ** 2 + 10.1 * ((x[1] - 1.0) ** 2 + (x[3] - 1.0) ** 2)
            + 19.8 * (x[1] - 1.0) * (x[3] - 1.0))


_hs(38, _colville, [-3.0, -1.0, -3.0, -1.0], lower=np.full(4, -10.0), upper=np.full(4, 10.0),
    f_star=0.0, x_star=[1.0, 1.0, 1.0, 1.0], kind="bounds")

_hs(39, lambda x: -x[0], [2.0, 2.0, 2.0, 2.0],
    eq=(lambda x: x[1] - x[0] ** 3 - x[2] ** 2, lambda x: x[0] ** 2 - x[1] - x[3] ** 2),
    f_star=-1.0, x_star=[1.0, 1.0, 0.0, 0.0], kind="nonlinear")

_hs(40, lambda x: -x[0] * x[1] * x[2] * x[3], [0.8, 0.8, 0.8, 0.8],
    eq=(lambda x: x[0] ** 3 + x[1] ** 2 - 1.0, lambda x: x[0] ** 2 * x[3] - x[2], lambda x: x[3] ** 2 - x[1]),
    f_star=-0.25, x_star=[2.0 ** (-1 / 3), 2.0 ** (-1 / 2), 2.0 ** (-11 / 12), 2.0 ** (-1 / 4)],
    kind="nonlinear")

_hs(41, lambda x: 2.0 - x[0] * x[1] * x[2], [2.0, 2.0, 2.0, 2.0],
    lower=np.zeros(4), upper=[1.0, 1.0, 1.0, 2.0], eq=(lambda x: x[0] + 2.0 * x[1] + 2.0 * x[2] - x[3],),
    f_star=52.0 / 27.0, x_star=[2.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 2.0], kind="linear")

_hs(42, lambda x: (x[0] - 1.0) ** 2 + (x[1] - 2.0) ** 2 + (x[2] - 3.0) ** 2 + (x[3] - 4.0) ** 2,
    [1.0, 1.0, 1.0, 1.0], eq=(lambda x: x[0] - 2.0, lambda x: x[2] ** 2 + x[3] ** 2 - 2.0),
    f_star=28.0 - 10.0 * sqrt(2.0), x_star=[2.0, 2.0, 0.6 * sqrt(2.0), 0.8 * sqrt(2.0)], kind="nonlinear")

_hs(43, lambda x: (x[0] ** 2 + x[1] ** 2 + 2.0 * x[2] ** 2 + x[3] ** 2
                   - 5.0 * x[0] - 5.0 * x[1] - 21.0 * x[2] + 7.0 * x[3]),
    [0.0, 0.0, 0.0, 0.0],
    ineq=(lambda x: 8.0 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - x[3] ** 2 - x[0] + x[1] - x[2] + x[3],
          lambda x: 10.0 - x[0] ** 2 - 2.0 * x[1] ** 2 - x[2] ** 2 - 2.0 * x[3] ** 2 + x[0] + x[3],
          lambda x: 5.0 - 2.0 * x[0] ** 2 - x[1] ** 2 - x[2] ** 2 - 2.0 * x[0] + x[1] + x[3]),
    f_star=-44.0, x_star=[0.0, 1.0, 2.0, -1.0], active=(0, 2), kind="nonlinear")

_hs(44, lambda x: (x[0] - x[1] - x[2] - x[0] * x[2] + x[0] * x[3] + x[1] * x[2] - x[1] * x[3]),
    [0.0, 0.0, 0.0, 0.0], lower=np.zeros(4), upper=np.full(4, _INF),
    ineq=(lambda x: 8.0 - x[0] - 2.0 * x[1], lambda x: 12.0 - 4.0 * x[0] - x[1],
          lambda x: 12.0 - 3.0 * x[0] - 4.0 * x[1], lambda x: 8.0 - 2.0 * x[2] - x[3],
          lambda x: 8.0 - x[2] - 2.0 * x[3], lambda x: 5.0 - x[2] - x[3]),
    f_star=-15.0, x_star=[0.0, 3.0, 0.0, 4.0], active=(2, 4), kind="linear")

_hs(45, lambda x: 2.0 - x[0] * x[1] * x[2] * x[3] * x[4] / 120.0, np.full(5, 2.0),
    lower=np.zeros(5), upper=[1.0, 2.0, 3.0, 4.0, 5.0],
    f_star=1.0, x_star=[1.0, 2.0, 3.0, 4.0, 5.0], kind="bounds")


def _hs46_77_objective(x: Vector) -> float:
    return (x[0] - x[1]) ** 2 + (x[2] - 1.0) ** 2 + (x[3] - 1.0) ** 4 + (x[4] - 1.0) ** 6


_hs(46, _hs46_77_objective, [0.5 * sqrt(2.0), 1.75, 0.5, 2.0, 2.0],
    eq=(lambda x: x[0] ** 2 * x[3] + anp.sin(x[3] - x[4]) - 1.0,
        lambda x: x[1] + x[2] ** 4 * x[3] ** 2 - 2.0),
    f_star=0.0, x_star=np.ones(5), kind="nonlinear")

_hs(47, lambda x: (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 3 + (x[2] - x[3]) ** 4 + (x[3] - x[4]) ** 4,
    [2.0, sqrt(2.0), -1.0, 2.0 - sqrt(2.0), 0.5],
    eq=(lambda x: x[0] + x[1] ** 2 + x[2] ** 3 - 3.0, lambda x: x[1] - x[2] ** 2 + x[3] - 1.0,
        lambda x: x[0] * x[4] - 1.0),
    f_star=0.0, x_star=np.ones(5), kind="nonlinear")

_hs(48, lambda x: (x[0] - 1.0) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2, [3.0, 5.0, -3.0, 2.0, -2.0],
    eq=(lambda x: x[0] + x[1] + x[2] + x[3] + x[4] - 5.0, lambda x: x[2] - 2.0 * (x[3] + x[4]) + 3.0),
    f_star=0.0, x_star=np.ones(5), kind="linear")

_hs(49, _hs46_77_objective, [10.0, 7.0, 2.0, -3.0, 0.8],
    eq=(lambda x: x[0] + x[1] + x[2] + 4.0 * x[3] - 7.0, lambda x: x[2] + 5.0 * x[4] - 6.0),
    f_star=0.0, x_star=np.ones(5), kind="linear")

_hs(50, lambda x: (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4 + (x[3] - x[4]) ** 2,
    [35.0, -31.0, 11.0, 5.0, -5.0],
    eq=(lambda x: x[0] + 2.0 * x[1] + 3.0 * x[2] - 6.0, lambda x: x[1] + 2.0 * x[2] + 3.0 * x[3] - 6.0,
        lambda x: x[2] + 2.0 * x[3] + 3.0 * x[4] - 6.0),
    f_star=0.0, x_star=np.ones(5), kind="linear")

def _hs51_53_objective(x: Vector) -> float:
    return (x[0] - x[1]) ** 2 + (x[1] + x[2] - 2.0) ** 2 + (x[3] - 1.0) ** 2 + (x[4] - 1.0) ** 2


_hs(51, _hs51_53_objective, [2.5, 0.5, 2.0, -1.0, 0.5],
    eq=(lambda x: x[0] + 3.0 * x[1] - 4.0, lambda x: x[2] + x[3] - 2.0 * x[4], lambda x: x[1] - x[4]),
    f_star=0.0, x_star=np.ones(5), kind="linear")


def _hs52_objective(x: Vector) -> float:
    return (4.0 * x[0] - x[1]) ** 2 + (x[1] + x[2] - 2.0) ** 2 + (x[3] - 1.0) ** 2 + (x[4] - 1.0) ** 2


_HS52_53_EQ = (lambda x: x[0] + 3.0 * x[1], lambda x: x[2] + x[3] - 2.0 * x[4], lambda x: x[1] - x[4])
_hs(52, _hs52_objective, np.full(5, 2.0), eq=_HS52_53_EQ,
    f_star=1859.0 / 349.0, x_star=np.array([-33.0, 11.0, 180.0, -158.0, 11.0]) / 349.0, kind="linear")

_hs(53, _hs51_53_objective, np.full(5, 2.0), lower=np.full(5, -10.0), upper=np.full(5, 10.0),
    eq=_HS52_53_EQ, f_star=176.0 / 43.0, x_star=np.array([-33.0, 11.0, 27.0, -5.0, 11.0]) / 43.0,
    kind="linear")

# Six linear equalities of rank five (two subsets of them sum to the same one).
_hs(55, lambda x: x[0] + 2.0 * x[1] + 4.0 * x[4] + anp.exp(x[0] * x[3]), [1.0, 2.0, 0.0, 0.0, 0.0, 2.0],
    lower=np.zeros(6), upper=[1.0, _INF, _INF, 1.0, _INF, _INF],
    eq=(lambda x: x[0] + 2.0 * x[1] + 5.0 * x[4] - 6.0, lambda x: x[0] + x[1] + x[2] - 3.0,
        lambda x: x[3] + x[4] + x[5] - 2.0, lambda x: x[0] + x[3] - 1.0, lambda x: x[1] + x[4] - 2.0,
        lambda x: x[2] + x[5] - 2.0),
    f_star=19.0 / 3.0, x_star=[0.0, 4.0 / 3.0, 5.0 / 3.0, 1.0, 2.0 / 3.0, 1.0 / 3.0], kind="linear")

_HS56_A = asin(sqrt(1.0 / 4.2))
_HS56_B = asin(sqrt(5.0 / 7.2))
_hs(56, lambda x: -x[0] * x[1] * x[2], [1.0, 1.0, 1.0, _HS56_A, _HS56_A, _HS56_A, _HS56_B],
    eq=(lambda x: x[0] - 4.2 * anp.sin(x[3]) ** 2, lambda x: x[1] - 4.2 * anp.sin(x[4]) ** 2,
        lambda x: x[2] - 4.2 * anp.sin(x[5]) ** 2,
        lambda x: x[0] + 2.0 * x[1] + 2.0 * x[2] - 7.2 * anp.sin(x[6]) ** 2),
    f_star=-3.456,
    x_star=[2.4, 1.2, 1.2, asin(sqrt(4.0 / 7.0)), asin(sqrt(2.0 / 7.0)), asin(sqrt(2.0 / 7.0)), pi / 2.0],
    kind="nonlinear")

_hs(60, lambda x: (x[0] - 1.0) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 4, [2.0, 2.0, 2.0],
    lower=np.full(3, -10.0), upper=np.full(3, 10.0),
    eq=(lambda x: x[0] * (1.0 + x[1] ** 2) + x[2] ** 4 - 4.0 - 3.0 * sqrt(2.0),),
    # printed 1.104859024, 1.196674194, 1.535262257
    f_star=0.03256820025, x_star=[1.1048590197333166, 1.1966741822882572, 1.535262260325326],
    kind="nonlinear")

_hs(61, lambda x: (4.0 * x[0] ** 2 + 2.0 * x[1] ** 2 + 2.0 * x[2] ** 2
                   - 33.0 * x[0] + 16.0 * x[1] - 24.0 * x[2]),
    [0.0, 0.0, 0.0],
    eq=(lambda x: 3.0 * x[0] - 2.0 * x[1] ** 2 - 7.0, lambda x: 4.0 * x[0] - x[2] ** 2 - 11.0),
    # printed 5.326770157, -2.118998639, 3.210464239
    f_star=-143.6461422, x_star=[5.326770135563928, -2.118998632218976, 3.2104642253505506],
    kind="nonlinear")


def _hs62_objective(x: Vector) -> float:
    s1 = x[0] + x[1] + x[2] + 0.03
    s2 = x[1] + x[2] + 0.03
    s3 = x[2] + 0.03
    return -32.174 * (255.0 * anp.log(s1 / (0.09 * x[0] + x[1] + x[2] + 0.03))
                      + 280.0 * anp.log(s2 / (0.07 * x[1] + x[2] + 0.03))
                      + 290.0 * anp.log(s3 / (0.13 * x[2] + 0.03)))


_hs(62, _hs62_objective, [0.7, 0.2, 0.1], lower=np.zeros(3), upper=np.ones(3),
    eq=(lambda x: x[0] + x[1] + x[2] - 1.0,),
    # printed 0.6178126908, 0.328202223, 0.5398471297e-1
    f_star=-26272.51448, x_star=[0.6178126908126921, 0.32820222311966935, 0.053985086067638466],
    kind="linear")

_hs(63, lambda x: 1000.0 - x[0] ** 2 - 2.0 * x[1] ** 2 - x[2] ** 2 - x[0] * x[1] - x[0] * x[2],
    [2.0, 2.0, 2.0], lower=np.zeros(3), upper=np.full(3, _INF),
    eq=(lambda x: 8.0 * x[0] + 14.0 * x[1] + 7.0 * x[2] - 56.0,
        lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2 - 25.0),
    # printed 3.512118414, 0.2169881741, 3.552174034
    f_star=961.7151721, x_star=[3.5121213418747206, 0.21698794151522335, 3.552171154827016],
    kind="nonlinear")

_hs(64, lambda x: (5.0 * x[0] + 50000.0 / x[0] + 20.0 * x[1] + 72000.0 / x[1] + 10.0 * x[2]
                   + 144000.0 / x[2]),
    [1.0, 1.0, 1.0], lower=np.full(3, 1e-5), upper=np.full(3, _INF),
    ineq=(lambda x: 1.0 - 4.0 / x[0] - 32.0 / x[1] - 120.0 / x[2],),
    # printed 108.7347175, 85.12613942, 204.3247078
    f_star=6299.842428, x_star=[108.73470491089893, 85.1262127908938, 204.32459661260557],
    active=(0,), kind="nonlinear")

_hs(65, lambda x: (x[0] - x[1]) ** 2 + (x[0] + x[1] - 10.0) ** 2 / 9.0 + (x[2] - 5.0) ** 2, [-5.0, 5.0, 0.0],
    lower=[-4.5, -4.5, -5.0], upper=[4.5, 4.5, 5.0],
    ineq=(lambda x: 48.0 - x[0] ** 2 - x[1] ** 2 - x[2] ** 2,),
    # printed 3.650461821, 3.65046168, 4.6204170507
    f_star=0.9535288567, x_star=[3.6504617252130362, 3.6504617252130362, 4.620417555320008],
    active=(0,), kind="nonlinear")

_hs(66, lambda x: 0.2 * x[2] - 0.8 * x[0], [0.0, 1.05, 2.9], lower=np.zeros(3), upper=[100.0, 100.0, 10.0],
    ineq=(lambda x: x[1] - anp.exp(x[0]), lambda x: x[2] - anp.exp(x[1])),
    # printed 0.1841264879, 1.202167873, 3.327322322
    f_star=0.5181632741, x_star=[0.1841264879228477, 1.2021678731970429, 3.3273223225990955],
    active=(0, 1), kind="nonlinear")

_hs(71, lambda x: x[0] * x[3] * (x[0] + x[1] + x[2]) + x[2], [1.0, 5.0, 5.0, 1.0],
    lower=np.ones(4), upper=np.full(4, 5.0), ineq=(lambda x: x[0] * x[1] * x[2] * x[3] - 25.0,),
    eq=(lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2 - 40.0,),
    # printed 1, 4.7429994, 3.8211503, 1.3794082
    f_star=17.0140173, x_star=[1.0, 4.742999637264417, 3.821149984184874, 1.3794082931726723],
    active=(0,), kind="nonlinear")

_hs(76, lambda x: (x[0] ** 2 + 0.5 * x[1] ** 2 + x[2] ** 2 + 0.5 * x[3] ** 2 - x[0] * x[2] + x[2] * x[3]
                   - x[0] - 3.0 * x[1] + x[2] - x[3]),
    np.full(4, 0.5), lower=np.zeros(4), upper=np.full(4, _INF),
    ineq=(lambda x: 5.0 - x[0] - 2.0 * x[1] - x[2] - x[3],
          lambda x: 4.0 - 3.0 * x[0] - x[1] - 2.0 * x[2] + x[3],
          lambda x: x[1] + 4.0 * x[2] - 1.5),
    f_star=-103.0 / 22.0, x_star=[3.0 / 11.0, 23.0 / 11.0, 0.0, 6.0 / 11.0], active=(0,), kind="linear")

_hs(77, lambda x: ((x[0] - 1.0) ** 2 + (x[0] - x[1]) ** 2 + (x[2] - 1.0) ** 2 + (x[3] - 1.0) ** 4
                   + (x[4] - 1.0) ** 6),
    np.full(5, 2.0),
    eq=(lambda x: x[0] ** 2 * x[3] + anp.sin(x[3] - x[4]) - 2.0 * sqrt(2.0),
        lambda x: x[1] + x[2] ** 4 * x[3] ** 2 - 8.0 - sqrt(2.0)),
    f_star=0.24150513,
    x_star=[1.1661721897092985, 1.1821113888027044, 1.3802570431454597, 1.5060362736230457,
            0.6109201960430908],
    # printed 1.166172, 1.182111, 1.380257, 1.506036, 0.6109203
    kind="nonlinear")

_HS78_80_EQ = (lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2 + x[3] ** 2 + x[4] ** 2 - 10.0,
               lambda x: x[1] * x[2] - 5.0 * x[3] * x[4], lambda x: x[0] ** 3 + x[1] ** 3 + 1.0)
# printed -1.717143, 1.595709, 1.827247, -0.7636413, -0.7636450
_HS78_80_X = [-1.7171435703943823, 1.5957096901835544, 1.8272457529271946, -0.7636430781841304,
              -0.7636430781841304]
_hs(78, lambda x: x[0] * x[1] * x[2] * x[3] * x[4], [-2.0, 1.5, 2.0, -1.0, -1.0], eq=_HS78_80_EQ,
    f_star=-2.91970041, x_star=_HS78_80_X, kind="nonlinear")

_hs(79, lambda x: ((x[0] - 1.0) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4
                   + (x[3] - x[4]) ** 4),
    np.full(5, 2.0),
    eq=(lambda x: x[0] + x[1] ** 2 + x[2] ** 3 - 2.0 - 3.0 * sqrt(2.0),
        lambda x: x[1] - x[2] ** 2 + x[3] + 2.0 - 2.0 * sqrt(2.0), lambda x: x[0] * x[4] - 2.0),
    f_star=0.0787768209,
    x_star=[1.1911274563110514, 1.3626031649617423, 1.4728179315120877, 1.6350166191679931,
            1.6790814361664075],
    # printed 1.191127, 1.362603, 1.472818, 1.635017, 1.679081
    kind="nonlinear")

_HS80_LOWER = [-2.3, -2.3, -3.2, -3.2, -3.2]
_HS80_UPPER = [2.3, 2.3, 3.2, 3.2, 3.2]
_hs(80, lambda x: anp.exp(x[0] * x[1] * x[2] * x[3] * x[4]), [-2.0, 2.0, 2.0, -1.0, -1.0],
    lower=_HS80_LOWER, upper=_HS80_UPPER, eq=_HS78_80_EQ,
    f_star=0.0539498478, x_star=_HS78_80_X, kind="nonlinear")

_hs(81, lambda x: anp.exp(x[0] * x[1] * x[2] * x[3] * x[4]) - 0.5 * (x[0] ** 3 + x[1] ** 3 + 1.0) ** 2,
    [-2.0, 2.0, 2.0, -1.0, -1.0], lower=_HS80_LOWER, upper=_HS80_UPPER, eq=_HS78_80_EQ,
    f_star=0.0539498478, x_star=_HS78_80_X, kind="nonlinear")


def _hs100_objective(x: Vector) -> float:
    return ((x[0] - 10.0) ** 2 + 5.0 * (x[1] - 12.0) ** 2 + x[2] ** 4 + 3.0 * (x[3] - 11.0) ** 2
            + 10.0 * x[4] ** 6 + 7.0 * x[5] ** 2 + x[6] ** 4 - 4.0 * x[5] * x[6] - 10.0 * x[5] - 8.0 * x[6])


_hs(100, _hs100_objective, [1.0, 2.0, 0.0, 4.0, 0.0, 1.0, 1.0],
    ineq=(lambda x: 127.0 - 2.0 * x[0] ** 2 - 3.0 * x[1] ** 4 - x[2] - 4.0 * x[3] ** 2 - 5.0 * x[4],
          lambda x: 282.0 - 7.0 * x[0] - 3.0 * x[1] - 10.0 * x[2] ** 2 - x[3] + x[4],
          lambda x: 196.0 - 23.0 * x[0] - x[1] ** 2 - 6.0 * x[5] ** 2 + 8.0 * x[6],
          lambda x: (-4.0 * x[0] ** 2 - x[1] ** 2 + 3.0 * x[0] * x[1] - 2.0 * x[2] ** 2
                     - 5.0 * x[5] + 11.0 * x[6])),
    f_star=680.6300573,
    x_star=[2.33049937287957, 1.9513723728968888, -0.47754139238887167, 4.36572623365581,
            -0.6244869705268175, 1.0381310186079584, 1.5942267116118685],
    # printed 2.330499, 1.951372, -0.4775414, 4.365726, -0.6244870, 1.038131, 1.594227
    active=(0, 3), kind="nonlinear")


def _hs110_objective(x: Vector) -> float:
    return anp.sum(anp.log(x - 2.0) ** 2 + anp.log(10.0 - x) ** 2) - anp.prod(x) ** 0.2


_hs(110, _hs110_objective, np.full(10, 9.0), lower=np.full(10, 2.001), upper=np.full(10, 9.999),
    f_star=-45.77846971, x_star=np.full(10, 9.350265833069384), kind="bounds")


# Chemical equilibrium (Bracken & McCormick): hs112 in the mole numbers x, hs111
# in their logarithms. The book prints f* = -47.76109026 for both; the optimum
# is -47.7610908594 (1e-8 lower, relatively), as SLSQP and the KKT test find.
_HS111_C = np.array([-6.089, -17.164, -34.054, -5.914, -24.721, -14.986, -24.1, -10.708, -26.662, -22.179])
_HS111_A = np.array([[1.0, 2.0, 2.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
                     [0.0, 0.0, 0.0, 1.0, 2.0, 1.0, 1.0, 0.0, 0.0, 0.0],
                     [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 2.0, 1.0]])
_HS111_B = np.array([2.0, 1.0, 1.0])


def _hs111_objective(x: Vector) -> float:
    e = anp.exp(x)
    return anp.sum(e * (_HS111_C + x - anp.log(anp.sum(e))))


def _hs111_eq(x: Vector) -> Vector:
    return anp.dot(_HS111_A, anp.exp(x)) - _HS111_B


def _hs112_objective(x: Vector) -> float:
    return anp.sum(x * (_HS111_C + anp.log(x / anp.sum(x))))


def _hs112_eq(x: Vector) -> Vector:
    return anp.dot(_HS111_A, x) - _HS111_B


# printed -3.20231, -1.91237, -0.244427, -6.56118, -0.723098, -7.27423, -3.59724, -4.02032,
# -3.28838, -2.33437
_HS111_X = [-3.202311588551215, -1.912366597080978, -0.2444267477503843, -6.561177271658382,
            -0.7230979632953047, -7.274232280188145, -3.597237422327778, -4.0203167306908485,
            -3.288376881360247, -2.334371739220619]
_hs(111, _hs111_objective, np.full(10, -2.3), lower=np.full(10, -100.0), upper=np.full(10, 100.0),
    h_vector=(_hs111_eq, 3), f_star=-47.76109026, x_star=_HS111_X, kind="nonlinear")

_hs(112, _hs112_objective, np.full(10, 0.1), lower=np.full(10, 1e-6), upper=np.full(10, _INF),
    h_vector=(_hs112_eq, 3), f_star=-47.76109026,
    x_star=np.exp(_HS111_X), kind="linear")


def _hs113_objective(x: Vector) -> float:
    return (x[0] ** 2 + x[1] ** 2 + x[0] * x[1] - 14.0 * x[0] - 16.0 * x[1] + (x[2] - 10.0) ** 2
            + 4.0 * (x[3] - 5.0) ** 2 + (x[4] - 3.0) ** 2 + 2.0 * (x[5] - 1.0) ** 2 + 5.0 * x[6] ** 2
            + 7.0 * (x[7] - 11.0) ** 2 + 2.0 * (x[8] - 10.0) ** 2 + (x[9] - 7.0) ** 2 + 45.0)


_hs(113, _hs113_objective, [2.0, 3.0, 5.0, 5.0, 1.0, 2.0, 7.0, 3.0, 6.0, 10.0],
    ineq=(lambda x: 105.0 - 4.0 * x[0] - 5.0 * x[1] + 3.0 * x[6] - 9.0 * x[7],
          lambda x: -10.0 * x[0] + 8.0 * x[1] + 17.0 * x[6] - 2.0 * x[7],
          lambda x: 8.0 * x[0] - 2.0 * x[1] - 5.0 * x[8] + 2.0 * x[9] + 12.0,
          lambda x: -3.0 * (x[0] - 2.0) ** 2 - 4.0 * (x[1] - 3.0) ** 2 - 2.0 * x[2] ** 2 + 7.0 * x[3] + 120.0,
          lambda x: -5.0 * x[0] ** 2 - 8.0 * x[1] - (x[2] - 6.0) ** 2 + 2.0 * x[3] + 40.0,
          lambda x: -0.5 * (x[0] - 8.0) ** 2 - 2.0 * (x[1] - 4.0) ** 2 - 3.0 * x[4] ** 2 + x[5] + 30.0,
          lambda x: -x[0] ** 2 - 2.0 * (x[1] - 2.0) ** 2 + 2.0 * x[0] * x[1] - 14.0 * x[4] + 6.0 * x[5],
          lambda x: 3.0 * x[0] - 6.0 * x[1] - 12.0 * (x[8] - 8.0) ** 2 + 7.0 * x[9]),
    f_star=24.3062091,
    x_star=[2.171996371255455, 2.363682973697281, 8.77392573847685, 5.095984487948453, 0.9906547649638593,
            1.4305739789363159, 1.3216442081617028, 9.828725807886322, 8.280091670098345, 8.375926663921323],
    # printed 2.171996, 2.363683, 8.773926, 5.095984, 0.9906548, 1.430574, 1.321644, 9.828726, 8.280092,
    # 8.375927
    active=(0, 1, 2, 3, 4, 6), kind="nonlinear")


# ---------------------------------------------------------------------------
# Later problems of the book with more variables or harder scaling.
# ---------------------------------------------------------------------------

_HS25_I = np.arange(1.0, 100.0)
_HS25_U = 25.0 + (-50.0 * np.log(0.01 * _HS25_I)) ** (2.0 / 3.0)  # all > 25.6 >= x2, so the power is real


def _hs25_objective(x: Vector) -> float:
    r = -0.01 * _HS25_I + anp.exp(-((_HS25_U - x[1]) ** x[2]) / x[0])
    return anp.sum(r * r)


_hs(25, _hs25_objective, [100.0, 12.5, 3.0], lower=[0.1, 0.0, 0.0], upper=[100.0, 25.6, 5.0],
    f_star=0.0, x_star=[50.0, 25.0, 1.5], kind="bounds")

_hs(72, lambda x: 1.0 + x[0] + x[1] + x[2] + x[3], np.ones(4),
    lower=np.full(4, 0.001), upper=[4e5, 3e5, 2e5, 1e5],
    ineq=(lambda x: 0.0401 - 4.0 / x[0] - 2.25 / x[1] - 1.0 / x[2] - 0.25 / x[3],
          lambda x: 0.010085 - 0.16 / x[0] - 0.36 / x[1] - 0.64 / x[2] - 0.64 / x[3]),
    f_star=727.67937, x_star=[193.40742727194632, 179.54707603227456, 185.01806335815152, 168.70679112724056],
    # printed 193.4071, 179.5475, 185.0186, 168.7062
    active=(0, 1), kind="nonlinear")

_hs(73, lambda x: 24.55 * x[0] + 26.75 * x[1] + 39.0 * x[2] + 40.50 * x[3], np.ones(4),
    lower=np.zeros(4), upper=np.full(4, _INF),
    ineq=(lambda x: 2.3 * x[0] + 5.6 * x[1] + 11.1 * x[2] + 1.3 * x[3] - 5.0,
          lambda x: (12.0 * x[0] + 11.9 * x[1] + 41.8 * x[2] + 52.1 * x[3] - 21.0
                     - 1.645 * anp.sqrt(0.28 * x[0] ** 2 + 0.19 * x[1] ** 2 + 20.5 * x[2] ** 2
                                        + 0.62 * x[3] ** 2))),
    eq=(lambda x: x[0] + x[1] + x[2] + x[3] - 1.0,),
    f_star=29.894378, x_star=[0.6355215686350698, 0.0, 0.3127018807515235, 0.05177655061340674],
    # printed 0.6355216, -0.12e-11, 0.3127019, 0.05177655
    active=(0, 1), kind="nonlinear")


def _hs74_75(number: int, a: float, f_star: float, x_star: list[float], active: tuple[int, ...]) -> None:
    _hs(number, lambda x: 3.0 * x[0] + 1e-6 * x[0] ** 3 + 2.0 * x[1] + (2.0 / 3.0) * 1e-6 * x[1] ** 3,
        np.zeros(4), lower=[0.0, 0.0, -a, -a], upper=[1200.0, 1200.0, a, a],
        ineq=(lambda x: x[3] - x[2] + a, lambda x: x[2] - x[3] + a),
        eq=(lambda x: 1000.0 * anp.sin(-x[2] - 0.25) + 1000.0 * anp.sin(-x[3] - 0.25) + 894.8 - x[0],
            lambda x: 1000.0 * anp.sin(x[2] - 0.25) + 1000.0 * anp.sin(x[2] - x[3] - 0.25) + 894.8 - x[1],
            lambda x: 1000.0 * anp.sin(x[3] - 0.25) + 1000.0 * anp.sin(x[3] - x[2] - 0.25) + 1294.8),
        f_star=f_star, x_star=x_star, active=active, kind="nonlinear")


# printed x* (679.9453, 1026.067, 0.1188764, -0.3962336) and (776.1592, 925.1949, 0.05110879, -0.4288911)
_hs74_75(74, 0.55, 5126.4981,
         [679.9453198512116, 1026.0671326104648, 0.11887636449310195, -0.39623355320321024], ())
_hs74_75(75, 0.48, 5174.4129,
         [776.1590265860593, 925.195138469092, 0.05110892853835137, -0.4288910714616486], (0,))


def _hs83_a(x: Vector) -> tuple[object, object, object]:
    a1 = 85.334407 + 0.0056858 * x[1] * x[4] + 0.0006262 * x[0] * x[3] - 0.0022053 * x[2] * x[4]
    a2 = 80.51249 + 0.0071317 * x[1] * x[4] + 0.0029955 * x[0] * x[1] + 0.0021813 * x[2] ** 2
    a3 = 9.300961 + 0.0047026 * x[2] * x[4] + 0.0012547 * x[0] * x[2] + 0.0019085 * x[2] * x[3]
    return a1, a2, a3


# Colville's third problem: 0 <= a1 <= 92, 90 <= a2 <= 110, 20 <= a3 <= 25, each side one inequality.
_hs(83, lambda x: 5.3578547 * x[2] ** 2 + 0.8356891 * x[0] * x[4] + 37.293239 * x[0] - 40792.141,
    [78.0, 33.0, 27.0, 27.0, 27.0], lower=[78.0, 33.0, 27.0, 27.0, 27.0],
    upper=[102.0, 45.0, 45.0, 45.0, 45.0],
    ineq=(lambda x: _hs83_a(x)[0], lambda x: 92.0 - _hs83_a(x)[0],
          lambda x: _hs83_a(x)[1] - 90.0, lambda x: 110.0 - _hs83_a(x)[1],
          lambda x: _hs83_a(x)[2] - 20.0, lambda x: 25.0 - _hs83_a(x)[2]),
    # printed 29.99526, 36.77581
    f_star=-30665.53867, x_star=[78.0, 33.0, 29.995256025681627, 45.0, 36.77581290578814],
    active=(1, 4), kind="nonlinear")


def _hs93_terms(x: Vector) -> tuple[object, object]:
    return x[0] * x[3] * (x[0] + x[1] + x[2]), x[1] * x[2] * (x[0] + 1.57 * x[1] + x[3])


def _hs93_objective(x: Vector) -> float:
    p, q = _hs93_terms(x)
    return 0.0204 * p + 0.0187 * q + 0.0607 * p * x[4] ** 2 + 0.0437 * q * x[5] ** 2


_hs(93, _hs93_objective, [5.54, 4.4, 12.02, 11.82, 0.702, 0.852], lower=np.zeros(6), upper=np.full(6, _INF),
    ineq=(lambda x: 0.001 * x[0] * x[1] * x[2] * x[3] * x[4] * x[5] - 2.07,
          lambda x: 1.0 - 0.00062 * _hs93_terms(x)[0] * x[4] ** 2 - 0.00058 * _hs93_terms(x)[1] * x[5] ** 2),
    f_star=135.075961,
    x_star=[5.3326663355288115, 4.656744059172022, 10.432991940468275, 12.082306340063692, 0.7526074362238324,
            0.8786508746591394],
    # printed 5.332666, 4.656744, 10.43299, 12.08230, 0.7526074, 0.87865084
    active=(0, 1), kind="nonlinear")


def _hs104_objective(x: Vector) -> float:
    return 0.4 * x[0] ** 0.67 * x[6] ** -0.67 + 0.4 * x[1] ** 0.67 * x[7] ** -0.67 + 10.0 - x[0] - x[1]


_hs(104, _hs104_objective, [6.0, 3.0, 0.4, 0.2, 6.0, 6.0, 1.0, 0.5],
    lower=np.full(8, 0.1), upper=np.full(8, 10.0),
    ineq=(lambda x: 1.0 - 0.0588 * x[4] * x[6] - 0.1 * x[0],
          lambda x: 1.0 - 0.0588 * x[5] * x[7] - 0.1 * x[0] - 0.1 * x[1],
          lambda x: 1.0 - 4.0 * x[2] / x[4] - 2.0 * x[2] ** -0.71 / x[4] - 0.0588 * x[2] ** -1.3 * x[6],
          lambda x: 1.0 - 4.0 * x[3] / x[5] - 2.0 * x[3] ** -0.71 / x[5] - 0.0588 * x[3] ** -1.3 * x[7],
          lambda x: _hs104_objective(x) - 0.1, lambda x: 4.2 - _hs104_objective(x)),
    f_star=3.9511634396,
    x_star=[6.465114028369101, 2.232708647985227, 0.6673974912866293, 0.595756422900371, 5.932675677909848,
            5.527234564976939, 1.013322008902561, 0.400668229125703],
    # printed 6.465114, 2.232709, 0.6673975, 0.5957564, 5.932676, 5.527235, 1.013322, 0.4006682
    active=(0, 1, 2, 3), kind="nonlinear")

# The book prints f* = 7049.330923 at a point that is feasible but not optimal;
# the value below is the one of Schittkowski's later revision of the collection
# ("Test Examples for Nonlinear Programming Codes - All Problems from the
# Hock-Schittkowski-Collection", University of Bayreuth, 2009), which SLSQP
# reaches from x0 and the tests confirm through the KKT conditions.
_hs(106, lambda x: x[0] + x[1] + x[2], [5000.0, 5000.0, 5000.0, 200.0, 350.0, 150.0, 225.0, 425.0],
    lower=[100.0, 1000.0, 1000.0, 10.0, 10.0, 10.0, 10.0, 10.0],
    upper=[10000.0, 10000.0, 10000.0, 1000.0, 1000.0, 1000.0, 1000.0, 1000.0],
    ineq=(lambda x: 1.0 - 0.0025 * (x[3] + x[5]), lambda x: 1.0 - 0.0025 * (x[4] + x[6] - x[3]),
          lambda x: 1.0 - 0.01 * (x[7] - x[4]),
          lambda x: x[0] * x[5] - 833.33252 * x[3] - 100.0 * x[0] + 83333.333,
          lambda x: x[1] * x[6] - 1250.0 * x[4] - x[1] * x[3] + 1250.0 * x[3],
          lambda x: x[2] * x[7] - 1250000.0 - x[2] * x[4] + 2500.0 * x[4]),
    f_star=7049.24802052867,
    x_star=[579.3066844253551, 1359.970668051655, 5109.970668051654, 182.0176995811199, 295.6011732779338,
            217.98230041888007, 286.4165263031861, 395.6011732779338],
    # the book's x* (579.3167, 1359.943, 5110.071, 182.0174, 295.5985, 217.9799, 286.4162, 395.5979)
    # is 0.08 above this one
    active=(0, 1, 2, 3, 4, 5), kind="nonlinear")


def _hs108_objective(x: Vector) -> float:
    return -0.5 * (x[0] * x[3] - x[1] * x[2] + x[2] * x[8] - x[4] * x[8] + x[4] * x[7] - x[5] * x[6])


# The largest hexagon of diameter 1: x* is one of a continuum of solutions, and at
# it x9 = 0 makes constraints 10 and 11 active with zero multipliers.
_hs(108, _hs108_objective, np.ones(9), lower=[-_INF] * 8 + [0.0], upper=np.full(9, _INF),
    ineq=(lambda x: 1.0 - x[2] ** 2 - x[3] ** 2, lambda x: 1.0 - x[8] ** 2,
          lambda x: 1.0 - x[4] ** 2 - x[5] ** 2, lambda x: 1.0 - x[0] ** 2 - (x[1] - x[8]) ** 2,
          lambda x: 1.0 - (x[0] - x[4]) ** 2 - (x[1] - x[5]) ** 2,
          lambda x: 1.0 - (x[0] - x[6]) ** 2 - (x[1] - x[7]) ** 2,
          lambda x: 1.0 - (x[2] - x[4]) ** 2 - (x[3] - x[5]) ** 2,
          lambda x: 1.0 - (x[2] - x[6]) ** 2 - (x[3] - x[7]) ** 2,
          lambda x: 1.0 - x[6] ** 2 - (x[7] - x[8]) ** 2,
          lambda x: x[0] * x[3] - x[1] * x[2], lambda x: x[2] * x[8], lambda x: -x[4] * x[8],
          lambda x: x[4] * x[7] - x[5] * x[6]),
    f_star=-0.5 * sqrt(3.0),
    x_star=[0.8841292179790127, 0.4672424701542225, 0.037420760108957216, 0.9992995980750057,
            0.8841292179790127, 0.46724247015422254, 0.03742076010895723, 0.9992995980750057, 0.0],
    # printed 0.8841292, 0.4672425, 0.03742076, 0.9992996 (twice), 0.26e-19
    active=(0, 2, 3, 5, 6, 8, 10, 11), kind="nonlinear")


def _hs118_objective(x: Vector) -> float:
    a, b, c = x[0::3], x[1::3], x[2::3]
    return anp.sum(2.3 * a + 1e-4 * a ** 2 + 1.7 * b + 1e-4 * b ** 2 + 2.2 * c + 1.5e-4 * c ** 2)


def _hs118_ineq(x: Vector) -> Vector:
    """Ramp limits 0 <= x_{3j+i} - x_{3j-3+i} + 7 <= (13, 14, 13)_i for j = 1..4, then the five demands."""
    step = x[3:] - x[:-3] + 7.0
    demand = anp.stack([x[0] + x[1] + x[2] - 60.0, x[3] + x[4] + x[5] - 50.0, x[6] + x[7] + x[8] - 70.0,
                        x[9] + x[10] + x[11] - 85.0, x[12] + x[13] + x[14] - 100.0])
    return -anp.concatenate([step, np.tile([13.0, 14.0, 13.0], 4) - step, demand])


_hs(118, _hs118_objective, [20.0, 55.0, 15.0] + [20.0, 60.0, 20.0] * 4,
    lower=[8.0, 43.0, 3.0] + [0.0] * 12, upper=[21.0, 57.0, 16.0] + [90.0, 120.0, 60.0] * 4,
    c_vector=(_hs118_ineq, 29), f_star=664.82045,
    x_star=[8.0, 49.0, 3.0, 1.0, 56.0, 0.0, 1.0, 63.0, 6.0, 3.0, 70.0, 12.0, 5.0, 77.0, 18.0],
    active=(0, 13, 16, 17, 19, 20, 22, 23, 24, 26, 27, 28), kind="linear")


def hs_suite() -> list[ConstrainedProblem]:
    """Every Hock–Schittkowski problem here, in the book's order."""
    return [_REGISTRY[name]() for name in sorted(_REGISTRY)]


def get_hs(name: str) -> ConstrainedProblem:
    """The Hock–Schittkowski problem called ``name`` (``"hs071"``; ``"hs71"`` and ``"71"`` also work)."""
    key = name.lower().removeprefix("hs")
    if not key.isdigit() or f"hs{int(key):03d}" not in _REGISTRY:
        raise ValueError(f"unknown Hock–Schittkowski problem {name!r}; known: {', '.join(_REGISTRY)}")
    return _REGISTRY[f"hs{int(key):03d}"]()
