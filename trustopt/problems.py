"""Test problems for unconstrained minimization with known minima.

The core is the set of Moré, Garbow & Hillstrom (MGH), "Testing Unconstrained
Optimization Software", ACM Transactions on Mathematical Software 7(1),
17-41 (1981), with their numbering, standard starting points and documented
minima. Most of them are nonlinear least-squares problems,

    f(x) = sum_i r_i(x)^2,

and for those :attr:`Problem.residuals` gives r(x) as well, for Gauss-Newton
style solvers. Alongside: the chained Rosenbrock function of
``scipy.optimize.rosen`` at any size, and convex quadratics with a chosen
condition number.

Every function is differentiable by autograd (written with ``autograd.numpy``;
the chained Rosenbrock function, for speed, as a primitive with hand-written
derivative rules) and vectorized, so that evaluation is cheap next to the
solver's own work.

Where MGH print a minimum to six digits, the value stored here is the same
minimum polished to full double precision (Levenberg-Marquardt, then Newton's
method, with autograd derivatives); the comment beside it keeps the printed
value. Every stored value agrees with the printed one to its digits. A value
MGH do not print (Chebyquad at n = 10 has a minimum below the one they print)
is marked where it is stored, with how it was checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import autograd.numpy as anp
import numpy as np
from autograd.extend import defjvp, defvjp, primitive

__all__ = [
    "Problem",
    "get_problem",
    "mgh_suite",
    "scalable_suite",
    "all_problems",
    "chained_rosenbrock",
    "quadratic",
]

_MGH = "Moré, Garbow & Hillstrom (1981), problem"

Vector = np.ndarray


def _frozen_vector(values: object, what: str) -> np.ndarray:
    """A read-only flat float64 copy of ``values``."""
    array = np.array(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"{what} must be a flat vector, got shape {array.shape}")
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class Problem:
    """An unconstrained minimization problem with documented minima.

    Attributes:
        name: Unique name, e.g. ``"rosenbrock"`` or ``"chained_rosenbrock_n1000"``.
        fun: The objective, a scalar function of a flat float64 vector,
            differentiable by autograd.
        x0: The standard starting point (read-only, flat float64).
        f_star: Every documented minimum value, the global one first, then
            local minima and minima approached at infinity.
        x_star: A minimizer for ``f_star[0]`` where one is documented
            (read-only), else None.
        source: Where the problem and its minima come from.
        residuals: For least-squares problems, r(x) with ``fun(x) == sum(r(x)**2)``,
            differentiable by autograd; None otherwise.
    """

    name: str
    fun: Callable[[Vector], float]
    x0: np.ndarray
    f_star: tuple[float, ...]
    x_star: np.ndarray | None = None
    source: str = ""
    residuals: Callable[[Vector], Vector] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "x0", _frozen_vector(self.x0, "x0"))
        if not self.f_star:
            raise ValueError(f"{self.name}: f_star needs at least the global minimum value")
        object.__setattr__(self, "f_star", tuple(float(v) for v in self.f_star))
        if self.x_star is not None:
            x_star = _frozen_vector(self.x_star, "x_star")
            if x_star.shape != self.x0.shape:
                raise ValueError(
                    f"{self.name}: x_star has shape {x_star.shape}, x0 has {self.x0.shape}"
                )
            object.__setattr__(self, "x_star", x_star)

    @property
    def n(self) -> int:
        """The number of variables."""
        return self.x0.size

    def gap(self, f: float) -> float:
        """``f - f_star[0]``: how far ``f`` lies above the global minimum value."""
        return f - self.f_star[0]

    def nearest_minimum(self, f: float) -> float:
        """The documented minimum value closest to ``f``."""
        return min(self.f_star, key=lambda f_min: abs(f - f_min))

    def solved(self, f: float, rtol: float = 1e-6) -> bool:
        """Whether ``f`` reaches a documented minimum value.

        True if ``f - f* <= rtol * max(1, |f*|)`` for the global minimum value
        f* = ``f_star[0]``, or if ``|f - f*|`` is within the same tolerance of a
        local minimum value f* (a value well below a local minimum but far
        above the global one is not a documented minimum, hence the two sides
        there).

        Args:
            f: An objective value reached by a solver.
            rtol: Relative tolerance, absolute for ``|f*| < 1``; default 1e-6.
        """

        def tol(f_min: float) -> float:
            return rtol * max(1.0, abs(f_min))

        global_min, *local_mins = self.f_star
        if f - global_min <= tol(global_min):
            return True
        return any(abs(f - f_min) <= tol(f_min) for f_min in local_mins)


def _least_squares(
    name: str,
    residuals: Callable[[Vector], Vector],
    x0: object,
    f_star: tuple[float, ...],
    x_star: object | None,
    source: str,
) -> Problem:
    """A Problem with ``fun = sum(residuals**2)``."""

    def fun(x: Vector) -> float:
        r = residuals(x)
        return anp.sum(r * r)

    return Problem(name, fun, x0, f_star, x_star, source, residuals)


# ---------------------------------------------------------------------------
# MGH problems 1-35, residual functions (1-based indices of the paper shifted
# to 0-based arrays).
# ---------------------------------------------------------------------------


def _rosenbrock_residuals(x: Vector) -> Vector:
    return anp.stack([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def _freudenstein_roth_residuals(x: Vector) -> Vector:
    x1, x2 = x[0], x[1]
    return anp.stack(
        [
            -13.0 + x1 + ((5.0 - x2) * x2 - 2.0) * x2,
            -29.0 + x1 + ((x2 + 1.0) * x2 - 14.0) * x2,
        ]
    )


def _powell_badly_scaled_residuals(x: Vector) -> Vector:
    return anp.stack([1e4 * x[0] * x[1] - 1.0, anp.exp(-x[0]) + anp.exp(-x[1]) - 1.0001])


def _brown_badly_scaled_residuals(x: Vector) -> Vector:
    return anp.stack([x[0] - 1e6, x[1] - 2e-6, x[0] * x[1] - 2.0])


_BEALE_Y = np.array([1.5, 2.25, 2.625])
_BEALE_I = np.arange(1.0, 4.0)


def _beale_residuals(x: Vector) -> Vector:
    return _BEALE_Y - x[0] * (1.0 - x[1] ** _BEALE_I)


_JENNRICH_SAMPSON_I = np.arange(1.0, 11.0)  # m = 10


def _jennrich_sampson_residuals(x: Vector) -> Vector:
    i = _JENNRICH_SAMPSON_I
    return 2.0 + 2.0 * i - (anp.exp(i * x[0]) + anp.exp(i * x[1]))


def _helical_valley_residuals(x: Vector) -> Vector:
    x1, x2, x3 = x[0], x[1], x[2]
    # MGH's theta is arctan(x2/x1)/(2 pi), plus 1/2 when x1 < 0. arctan2/(2 pi)
    # equals it except in the third quadrant, where it is one less; the shift
    # is a constant, so the derivative stays that of arctan2 (no x2/x1 division).
    theta = anp.arctan2(x2, x1) / (2.0 * np.pi)
    theta = theta + anp.where((x1 < 0) & (theta < 0), 1.0, 0.0)
    return anp.stack([10.0 * (x3 - 10.0 * theta), 10.0 * (anp.sqrt(x1**2 + x2**2) - 1.0), x3])


_BARD_Y = np.array(
    [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39]
)
_BARD_U = np.arange(1.0, 16.0)
_BARD_V = 16.0 - _BARD_U
_BARD_W = np.minimum(_BARD_U, _BARD_V)


def _bard_residuals(x: Vector) -> Vector:
    return _BARD_Y - (x[0] + _BARD_U / (_BARD_V * x[1] + _BARD_W * x[2]))


_GAUSSIAN_Y = np.array(
    [0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989,
     0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009]
)  # fmt: skip
_GAUSSIAN_T = (8.0 - np.arange(1.0, 16.0)) / 2.0


def _gaussian_residuals(x: Vector) -> Vector:
    return x[0] * anp.exp(-x[1] * (_GAUSSIAN_T - x[2]) ** 2 / 2.0) - _GAUSSIAN_Y


_MEYER_Y = np.array(
    [34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0,
     8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0]
)  # fmt: skip
_MEYER_T = 45.0 + 5.0 * np.arange(1.0, 17.0)


def _meyer_residuals(x: Vector) -> Vector:
    return x[0] * anp.exp(x[1] / (_MEYER_T + x[2])) - _MEYER_Y


_GULF_T = np.arange(1.0, 100.0) / 100.0  # m = 99, which keeps y_i - 25 > 0
_GULF_Y = 25.0 + (-50.0 * np.log(_GULF_T)) ** (2.0 / 3.0)


def _gulf_research_residuals(x: Vector) -> Vector:
    return anp.exp(-(anp.abs(_GULF_Y - x[1]) ** x[2]) / x[0]) - _GULF_T


_BOX_T = 0.1 * np.arange(1.0, 11.0)  # m = 10
_BOX_C = np.exp(-_BOX_T) - np.exp(-10.0 * _BOX_T)


def _box_3d_residuals(x: Vector) -> Vector:
    return anp.exp(-_BOX_T * x[0]) - anp.exp(-_BOX_T * x[1]) - x[2] * _BOX_C


def _extended_powell_singular_residuals(x: Vector) -> Vector:
    """Problem 22; with n = 4 it is problem 13. Residuals in MGH order."""
    a, b, c, d = x[0::4], x[1::4], x[2::4], x[3::4]
    return anp.stack(
        [a + 10.0 * b, np.sqrt(5.0) * (c - d), (b - 2.0 * c) ** 2, np.sqrt(10.0) * (a - d) ** 2],
        axis=1,
    ).ravel()


def _wood_residuals(x: Vector) -> Vector:
    x1, x2, x3, x4 = x[0], x[1], x[2], x[3]
    return anp.stack(
        [
            10.0 * (x2 - x1**2),
            1.0 - x1,
            np.sqrt(90.0) * (x4 - x3**2),
            1.0 - x3,
            np.sqrt(10.0) * (x2 + x4 - 2.0),
            (x2 - x4) / np.sqrt(10.0),
        ]
    )


_KOWALIK_OSBORNE_Y = np.array(
    [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246]
)
# As printed by MGH (0.167 rather than 1/6, and so on): the documented minima
# belong to these values.
_KOWALIK_OSBORNE_U = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625])


def _kowalik_osborne_residuals(x: Vector) -> Vector:
    u = _KOWALIK_OSBORNE_U
    return _KOWALIK_OSBORNE_Y - x[0] * (u**2 + u * x[1]) / (u**2 + u * x[2] + x[3])


_BROWN_DENNIS_T = np.arange(1.0, 21.0) / 5.0  # m = 20


def _brown_dennis_residuals(x: Vector) -> Vector:
    t = _BROWN_DENNIS_T
    return (x[0] + t * x[1] - np.exp(t)) ** 2 + (x[2] + x[3] * np.sin(t) - np.cos(t)) ** 2


_OSBORNE1_Y = np.array(
    [0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751,
     0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490,
     0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406]
)  # fmt: skip
_OSBORNE1_T = 10.0 * np.arange(33.0)


def _osborne1_residuals(x: Vector) -> Vector:
    t = _OSBORNE1_T
    return _OSBORNE1_Y - (x[0] + x[1] * anp.exp(-t * x[3]) + x[2] * anp.exp(-t * x[4]))


_BIGGS_T = 0.1 * np.arange(1.0, 14.0)  # m = 13
_BIGGS_Y = np.exp(-_BIGGS_T) - 5.0 * np.exp(-10.0 * _BIGGS_T) + 3.0 * np.exp(-4.0 * _BIGGS_T)


def _biggs_exp6_residuals(x: Vector) -> Vector:
    t = _BIGGS_T
    return (
        x[2] * anp.exp(-t * x[0]) - x[3] * anp.exp(-t * x[1]) + x[5] * anp.exp(-t * x[4]) - _BIGGS_Y
    )


_OSBORNE2_Y = np.array(
    [1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746,
     0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649,
     0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395,
     0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429, 0.523, 0.562, 0.607, 0.653,
     0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559, 0.597, 0.625, 0.739,
     0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054]
)  # fmt: skip
_OSBORNE2_T = np.arange(65.0) / 10.0


def _osborne2_residuals(x: Vector) -> Vector:
    t = _OSBORNE2_T
    model = x[0] * anp.exp(-t * x[4])
    for k in range(3):
        model = model + x[1 + k] * anp.exp(-((t - x[8 + k]) ** 2) * x[5 + k])
    return _OSBORNE2_Y - model


def _watson_residuals_factory(n: int) -> Callable[[Vector], Vector]:
    """Problem 20: r_i for i = 1..29 with t_i = i/29, then x_1 and x_2 - x_1^2 - 1."""
    t = np.arange(1.0, 30.0) / 29.0
    powers = t[:, None] ** np.arange(n)  # powers[i, j] = t_i^j
    derivative_weights = np.arange(1.0, n)  # (j - 1) for j = 2..n

    def residuals(x: Vector) -> Vector:
        # sum_{j=2}^n (j-1) x_j t^(j-2)  minus  (sum_{j=1}^n x_j t^(j-1))^2  minus 1
        slope = anp.dot(powers[:, : n - 1], derivative_weights * x[1:])
        value = anp.dot(powers, x)
        return anp.concatenate([slope - value**2 - 1.0, anp.stack([x[0], x[1] - x[0] ** 2 - 1.0])])

    return residuals


def _extended_rosenbrock_residuals(x: Vector) -> Vector:
    """Problem 21; with n = 2 it is problem 1. Residuals in MGH order."""
    odd, even = x[0::2], x[1::2]
    return anp.stack([10.0 * (even - odd**2), 1.0 - odd], axis=1).ravel()


_PENALTY_A = 1e-5  # MGH's a for problems 23 and 24


def _penalty1_residuals(x: Vector) -> Vector:
    return anp.concatenate(
        [np.sqrt(_PENALTY_A) * (x - 1.0), anp.reshape(anp.sum(x**2) - 0.25, (1,))]
    )


def _penalty2_residuals_factory(n: int) -> Callable[[Vector], Vector]:
    """Problem 24: 2n residuals."""
    i = np.arange(2.0, n + 1.0)
    y = np.exp(i / 10.0) + np.exp((i - 1.0) / 10.0)
    weights = np.arange(n, 0.0, -1.0)  # n - j + 1 for j = 1..n
    root_a = np.sqrt(_PENALTY_A)

    def residuals(x: Vector) -> Vector:
        e = anp.exp(x / 10.0)
        return anp.concatenate(
            [
                anp.reshape(x[0] - 0.2, (1,)),
                root_a * (e[1:] + e[:-1] - y),
                root_a * (e[1:] - np.exp(-0.1)),
                anp.reshape(anp.sum(weights * x**2) - 1.0, (1,)),
            ]
        )

    return residuals


def _variably_dimensioned_residuals(x: Vector) -> Vector:
    s = anp.sum(np.arange(1.0, x.shape[0] + 1.0) * (x - 1.0))
    return anp.concatenate([x - 1.0, anp.stack([s, s**2])])


def _trigonometric_residuals(x: Vector) -> Vector:
    n = x.shape[0]
    cos_x = anp.cos(x)
    return n - anp.sum(cos_x) + np.arange(1.0, n + 1.0) * (1.0 - cos_x) - anp.sin(x)


def _product(x: Vector) -> float:
    """x_1 x_2 ... x_n by repeated multiplication.

    autograd differentiates ``anp.prod`` as prod(x) / x_j, which is NaN where
    some x_j = 0 (as at Brown's (0, ..., 0, n + 1)); the products of the
    others, which this gives, are not.
    """
    product = x[0]
    for j in range(1, x.shape[0]):
        product = product * x[j]
    return product


def _brown_almost_linear_residuals(x: Vector) -> Vector:
    n = x.shape[0]
    return anp.concatenate(
        [x[:-1] + anp.sum(x) - (n + 1.0), anp.reshape(_product(x) - 1.0, (1,))]
    )


def _grid(n: int) -> tuple[float, Vector]:
    """Problems 28 and 29: h = 1/(n + 1) and t_i = i h for i = 1..n."""
    h = 1.0 / (n + 1.0)
    return h, h * np.arange(1.0, n + 1.0)


def _discrete_boundary_value_residuals(x: Vector) -> Vector:
    h, t = _grid(x.shape[0])
    padded = anp.concatenate([anp.zeros(1), x, anp.zeros(1)])  # x_0 = x_{n+1} = 0
    return 2.0 * x - padded[:-2] - padded[2:] + h**2 * (x + t + 1.0) ** 3 / 2.0


def _discrete_integral_equation_residuals(x: Vector) -> Vector:
    h, t = _grid(x.shape[0])
    cube = (x + t + 1.0) ** 3
    up_to_i = anp.cumsum(t * cube)  # sum_{j <= i} t_j (x_j + t_j + 1)^3
    weighted = (1.0 - t) * cube
    after_i = anp.sum(weighted) - anp.cumsum(weighted)  # sum_{j > i} (1 - t_j) (...)^3
    return x + h * ((1.0 - t) * up_to_i + t * after_i) / 2.0


def _broyden_tridiagonal_residuals(x: Vector) -> Vector:
    padded = anp.concatenate([anp.zeros(1), x, anp.zeros(1)])  # x_0 = x_{n+1} = 0
    return (3.0 - 2.0 * x) * x - padded[:-2] - 2.0 * padded[2:] + 1.0


def _broyden_banded_residuals(x: Vector) -> Vector:
    """Problem 31 with MGH's m_l = 5 and m_u = 1."""
    n = x.shape[0]
    offset = np.arange(n)[None, :] - np.arange(n)[:, None]  # j - i
    band = ((offset >= -5) & (offset <= 1) & (offset != 0)).astype(np.float64)  # J_i
    return x * (2.0 + 5.0 * x**2) + 1.0 - anp.dot(band, x * (1.0 + x))


def _linear_full_rank_residuals_factory(m: int) -> Callable[[Vector], Vector]:
    """Problem 32: x_i - (2/m) sum_j x_j - 1 for i <= n, then -(2/m) sum_j x_j - 1."""

    def residuals(x: Vector) -> Vector:
        mean_term = 2.0 / m * anp.sum(x) + 1.0
        return anp.concatenate([x - mean_term, -mean_term * anp.ones(m - x.shape[0])])

    return residuals


def _linear_rank1_residuals_factory(m: int) -> Callable[[Vector], Vector]:
    """Problem 33: i (sum_j j x_j) - 1 for i = 1..m."""
    i = np.arange(1.0, m + 1.0)

    def residuals(x: Vector) -> Vector:
        return i * anp.dot(np.arange(1.0, x.shape[0] + 1.0), x) - 1.0

    return residuals


def _linear_rank1_zeros_residuals_factory(m: int) -> Callable[[Vector], Vector]:
    """Problem 34: -1, then (i - 1) (sum_{j=2}^{n-1} j x_j) - 1 for i = 2..m-1, then -1.

    Written as rows (columns . x) - 1 with zero first and last rows and columns.
    """
    rows = np.concatenate([[0.0], np.arange(1.0, m - 1.0), [0.0]])  # i - 1 for i = 2..m-1

    def residuals(x: Vector) -> Vector:
        columns = np.concatenate([[0.0], np.arange(2.0, x.shape[0]), [0.0]])  # j for j = 2..n-1
        return rows * anp.dot(columns, x) - 1.0

    return residuals


def _shifted_chebyshev_integrals(m: int) -> Vector:
    """The integral over [0, 1] of T_i(2x - 1), i = 1..m: 0 for odd i, -1/(i^2 - 1) for even i."""
    integrals = np.zeros(m)
    even = np.arange(2.0, m + 1.0, 2.0)
    integrals[1::2] = -1.0 / (even**2 - 1.0)
    return integrals


def _chebyquad_residuals(x: Vector) -> Vector:
    """Problem 35 with m = n: (1/n) sum_j T_i(x_j) minus the integral of T_i, i = 1..n."""
    n = x.shape[0]
    y = 2.0 * x - 1.0
    values = [anp.ones(n), y]  # T_0 and T_1 at the points, then the recurrence
    for _ in range(2, n + 1):
        values.append(2.0 * y * values[-1] - values[-2])
    return anp.mean(anp.stack(values[1:]), axis=1) - _shifted_chebyshev_integrals(n)


# ---------------------------------------------------------------------------
# MGH problem constructors
# ---------------------------------------------------------------------------


def _rosenbrock() -> Problem:
    """MGH problem 1, n = 2: f = 0 at (1, 1)."""
    return _least_squares(
        "rosenbrock", _rosenbrock_residuals, [-1.2, 1.0], (0.0,), [1.0, 1.0], f"{_MGH} 1"
    )


def _freudenstein_roth() -> Problem:
    """MGH problem 2, n = 2: f = 0 at (5, 4); local minimum 48.9842 at (11.41, -0.8968)."""
    return _least_squares(
        "freudenstein_roth",
        _freudenstein_roth_residuals,
        [0.5, -2.0],
        (0.0, 48.98425367924001),  # MGH: 48.9842...
        [5.0, 4.0],
        f"{_MGH} 2",
    )


def _powell_badly_scaled() -> Problem:
    """MGH problem 3, n = 2: f = 0 at (1.098e-5, 9.106)."""
    return _least_squares(
        "powell_badly_scaled",
        _powell_badly_scaled_residuals,
        [0.0, 1.0],
        (0.0,),
        [1.0981593296998185e-05, 9.106146739866515],  # MGH: (1.098...e-5, 9.106...)
        f"{_MGH} 3",
    )


def _brown_badly_scaled() -> Problem:
    """MGH problem 4, n = 2: f = 0 at (1e6, 2e-6)."""
    return _least_squares(
        "brown_badly_scaled",
        _brown_badly_scaled_residuals,
        [1.0, 1.0],
        (0.0,),
        [1e6, 2e-6],
        f"{_MGH} 4",
    )


def _beale() -> Problem:
    """MGH problem 5, n = 2: f = 0 at (3, 0.5)."""
    return _least_squares("beale", _beale_residuals, [1.0, 1.0], (0.0,), [3.0, 0.5], f"{_MGH} 5")


def _jennrich_sampson() -> Problem:
    """MGH problem 6, n = 2, m = 10: f = 124.362 at x1 = x2 = 0.2578."""
    return _least_squares(
        "jennrich_sampson",
        _jennrich_sampson_residuals,
        [0.3, 0.4],
        (124.36218235561483,),  # MGH: 124.362
        [0.2578252136703641, 0.2578252136703641],
        f"{_MGH} 6 (m = 10)",
    )


def _helical_valley() -> Problem:
    """MGH problem 7, n = 3: f = 0 at (1, 0, 0)."""
    return _least_squares(
        "helical_valley",
        _helical_valley_residuals,
        [-1.0, 0.0, 0.0],
        (0.0,),
        [1.0, 0.0, 0.0],
        f"{_MGH} 7",
    )


def _bard() -> Problem:
    """MGH problem 8, n = 3, m = 15: f = 8.21487e-3; f = 17.4286 at (0.8406, -inf, -inf)."""
    # At infinity the model is the constant x1, so the value there is the sum of
    # squared deviations of the data from their mean.
    at_infinity = float(np.sum((_BARD_Y - _BARD_Y.mean()) ** 2))
    return _least_squares(
        "bard",
        _bard_residuals,
        [1.0, 1.0, 1.0],
        (8.214877306578966e-03, at_infinity),  # MGH: 8.21487e-3 and 17.4286...
        [0.08241055974980904, 1.133036092030393, 2.343695178641892],
        f"{_MGH} 8",
    )


def _gaussian() -> Problem:
    """MGH problem 9, n = 3, m = 15: f = 1.12793e-8."""
    return _least_squares(
        "gaussian",
        _gaussian_residuals,
        [0.4, 1.0, 0.0],
        (1.1279327696184988e-08,),  # MGH: 1.12793e-8
        # x3 = 0 exactly: the data are symmetric about t = 0.
        [0.3989561378387567, 1.0000190844878063, 0.0],
        f"{_MGH} 9",
    )


def _meyer() -> Problem:
    """MGH problem 10, n = 3, m = 16: f = 87.9458."""
    return _least_squares(
        "meyer",
        _meyer_residuals,
        [0.02, 4000.0, 250.0],
        # Rounding in the residuals (data up to 34780) limits f to about 12 digits.
        (87.945855170629,),  # MGH: 87.9458...
        [0.005609636471027986, 6181.346346286383, 345.2236346241369],
        f"{_MGH} 10",
    )


def _gulf_research() -> Problem:
    """MGH problem 11, n = 3, m = 99: f = 0 at (50, 25, 1.5)."""
    return _least_squares(
        "gulf_research",
        _gulf_research_residuals,
        [5.0, 2.5, 0.15],
        (0.0,),
        [50.0, 25.0, 1.5],
        f"{_MGH} 11 (m = 99)",
    )


def _box_3d() -> Problem:
    """MGH problem 12, n = 3, m = 10: f = 0 at (1, 10, 1), (10, 1, -1) and where x1 = x2, x3 = 0.

    A value that is no MGH minimum, and so not in ``f_star``: as x2 -> inf
    with x1 = 0.6136, x3 = 1.3200, f tends to 0.0755887 (the best fit with
    the second exponential gone), where a solver can stall.
    """
    return _least_squares(
        "box_3d",
        _box_3d_residuals,
        [0.0, 10.0, 20.0],
        (0.0,),
        [1.0, 10.0, 1.0],
        f"{_MGH} 12 (m = 10)",
    )


def _powell_singular() -> Problem:
    """MGH problem 13, n = 4: f = 0 at the origin (singular Hessian there)."""
    return _least_squares(
        "powell_singular",
        _extended_powell_singular_residuals,
        [3.0, -1.0, 0.0, 1.0],
        (0.0,),
        np.zeros(4),
        f"{_MGH} 13",
    )


def _wood() -> Problem:
    """MGH problem 14, n = 4: f = 0 at (1, 1, 1, 1)."""
    return _least_squares(
        "wood", _wood_residuals, [-3.0, -1.0, -3.0, -1.0], (0.0,), np.ones(4), f"{_MGH} 14"
    )


def _kowalik_osborne() -> Problem:
    """MGH problem 15, n = 4, m = 11: f = 3.07505e-4; 1.02734e-3 at (+inf, -14.07, -inf, -inf)."""
    return _least_squares(
        "kowalik_osborne",
        _kowalik_osborne_residuals,
        [0.25, 0.39, 0.415, 0.39],
        (3.07505603849237e-04, 1.027343048695458e-03),  # MGH: 3.07505e-4 and 1.02734e-3
        [0.19280693503696494, 0.19128231844908264, 0.12305650498949941, 0.13606232592160863],
        f"{_MGH} 15",
    )


def _brown_dennis() -> Problem:
    """MGH problem 16, n = 4, m = 20: f = 85822.2."""
    return _least_squares(
        "brown_dennis",
        _brown_dennis_residuals,
        [25.0, 5.0, -5.0, -1.0],
        (85822.20162635634,),  # MGH: 85822.2...
        [-11.594439904762163, 13.203630051207202, -0.4034394881768596, 0.2367787744557362],
        f"{_MGH} 16 (m = 20)",
    )


def _osborne1() -> Problem:
    """MGH problem 17, n = 5, m = 33: f = 5.46489e-5."""
    return _least_squares(
        "osborne1",
        _osborne1_residuals,
        [0.5, 1.5, -1.0, 0.01, 0.02],
        (5.4648946974825184e-05,),  # MGH: 5.46489e-5
        [
            0.37541005210696476,
            1.935846912713851,
            -1.4646871366149161,
            0.012867534640060296,
            0.022122699661666606,
        ],
        f"{_MGH} 17",
    )


def _biggs_exp6() -> Problem:
    """MGH problem 18, n = 6, m = 13: f = 0 at (1, 10, 1, 5, 4, 3); also f = 5.65565e-3.

    The second value is the best fit by two exponentials instead of three,
    x1 = 1.7114, x2 = 17.683, x3 = 2.3263, x4 = 5.1866 with the third term
    gone (x6 = 0 and x5 large, or the weight shared with x5 = x1). It is a
    minimum of that fit, not a strict local minimum in all six variables:
    checked here, f decreases from there (to about 4.47e-3, not an MGH value)
    as x5 and x6 grow without bound.
    """
    return _least_squares(
        "biggs_exp6",
        _biggs_exp6_residuals,
        [1.0, 2.0, 1.0, 1.0, 1.0, 1.0],
        (0.0, 5.655649925499935e-03),  # MGH: 5.65565e-3
        [1.0, 10.0, 1.0, 5.0, 4.0, 3.0],
        f"{_MGH} 18 (m = 13)",
    )


def _osborne2() -> Problem:
    """MGH problem 19, n = 11, m = 65: f = 4.01377e-2."""
    return _least_squares(
        "osborne2",
        _osborne2_residuals,
        [1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5],
        (4.013773629354774e-02,),  # MGH: 4.01377e-2
        [1.3099771547123689, 0.4315537947655361, 0.6336616990298471, 0.5994305344668908,
         0.7541832268517997, 0.9042885787855373, 1.3658118326494484, 4.823698829336469,
         2.398684865685811, 4.56887459823388, 5.67534147072017],
        f"{_MGH} 19",
    )  # fmt: skip


_WATSON_MINIMA = {
    6: (
        2.287670053552312e-03,  # MGH: 2.28767e-3
        [-0.015725086394462406, 1.012434869376098, -0.2329916260316609, 1.2604300880602166,
         -1.5137289230403086, 0.9929964325722899],
    ),
    9: (
        1.399760138089258e-06,  # MGH: 1.39976e-6
        [-1.5307036877070914e-05, 0.9997897039362528, 0.014763963493939635,
         0.14634233027134042, 1.0008210945492937, -2.617731121797208, 4.104403142080161,
         -3.1436122647965226, 1.0526264046046971],
    ),
}  # fmt: skip


def _watson(n: int) -> Problem:
    """MGH problem 20, m = 31, n = 6 or 9: f = 2.28767e-3 (n = 6), 1.39976e-6 (n = 9)."""
    f_min, x_min = _WATSON_MINIMA[n]
    return _least_squares(
        f"watson_n{n}", _watson_residuals_factory(n), np.zeros(n), (f_min,), x_min, f"{_MGH} 20"
    )


def _extended_rosenbrock(n: int) -> Problem:
    """MGH problem 21, n even: f = 0 at (1, ..., 1)."""
    return _least_squares(
        f"extended_rosenbrock_n{n}",
        _extended_rosenbrock_residuals,
        np.tile([-1.2, 1.0], n // 2),
        (0.0,),
        np.ones(n),
        f"{_MGH} 21",
    )


def _extended_powell_singular(n: int) -> Problem:
    """MGH problem 22, n a multiple of 4: f = 0 at the origin."""
    return _least_squares(
        f"extended_powell_singular_n{n}",
        _extended_powell_singular_residuals,
        np.tile([3.0, -1.0, 0.0, 1.0], n // 4),
        (0.0,),
        np.zeros(n),
        f"{_MGH} 22",
    )


def _penalty1(n: int) -> Problem:
    """MGH problem 23, m = n + 1: f = 2.24997e-5 (n = 4), 7.08765e-5 (n = 10).

    f = a |x - 1|^2 + (|x|^2 - 1/4)^2. For a given |x| the first term is least
    with x along (1, ..., 1), so the minimizer is x = c (1, ..., 1) with c the
    root of d/dc [n a (c - 1)^2 + (n c^2 - 1/4)^2] = 0, the cubic
    4 n c^3 + (2a - 1) c - 2a = 0, that gives the least f.
    """
    a = _PENALTY_A
    roots = np.roots([4.0 * n, 0.0, 2.0 * a - 1.0, -2.0 * a])
    values = {
        float(n * a * (c - 1.0) ** 2 + (n * c**2 - 0.25) ** 2): c
        for c in roots[np.isreal(roots)].real
    }
    f_min = min(values)
    return _least_squares(
        f"penalty1_n{n}",
        _penalty1_residuals,
        np.arange(1.0, n + 1.0),
        (f_min,),  # MGH: 2.24997e-5 (n = 4), 7.08765e-5 (n = 10)
        np.full(n, values[f_min]),
        f"{_MGH} 23",
    )


_PENALTY2_MINIMA = {
    4: (
        9.376293007355442e-06,  # MGH: 9.37629e-6
        [0.1999993333503804, 0.19131670099277243, 0.48010148533262326, 0.5188454043902004],
    ),
    10: (
        2.9366053745674594e-04,  # MGH: 2.93660e-4
        [0.19998360519782363, 0.010350648471293269, 0.0196049344804385, 0.03208906722068577,
         0.04993267739964148, 0.07651399515399389, 0.11862407286950472, 0.19214487233557787,
         0.3473205869418444, 0.3691643741593519],
    ),
}  # fmt: skip


def _penalty2(n: int) -> Problem:
    """MGH problem 24, m = 2n: f = 9.37629e-6 (n = 4), 2.93660e-4 (n = 10)."""
    f_min, x_min = _PENALTY2_MINIMA[n]
    return _least_squares(
        f"penalty2_n{n}",
        _penalty2_residuals_factory(n),
        np.full(n, 0.5),
        (f_min,),
        x_min,
        f"{_MGH} 24",
    )


def _variably_dimensioned(n: int) -> Problem:
    """MGH problem 25, m = n + 2: f = 0 at (1, ..., 1)."""
    return _least_squares(
        f"variably_dimensioned_n{n}",
        _variably_dimensioned_residuals,
        1.0 - np.arange(1.0, n + 1.0) / n,
        (0.0,),
        np.ones(n),
        f"{_MGH} 25",
    )


def _trigonometric() -> Problem:
    """MGH problem 26, m = n = 10: f = 0 at the origin; local minimum 2.79506e-5.

    The local minimum is the one reached from x0, near (0.055, 0.057, 0.059,
    0.061, 0.064, 0.067, 0.208, 0.164, 0.085, 0.091); its value is quoted
    with the MGH set for n = 10 and checked here (zero gradient, positive
    definite Hessian).
    """
    return _least_squares(
        "trigonometric_n10",
        _trigonometric_residuals,
        np.full(10, 0.1),
        (0.0, 2.7950561218782623e-05),  # 2.79506e-5
        np.zeros(10),
        f"{_MGH} 26",
    )


def _brown_almost_linear(n: int) -> Problem:
    """MGH problem 27, m = n: f = 0 at (1, ..., 1); f = 1 at (0, ..., 0, n + 1).

    The zeros are (a, ..., a, a^(1-n)) for the real roots a of
    n a^n - (n + 1) a^(n-1) + 1 = 0; for n = 10 these are a = 1 and
    a = 0.9794303, where Levenberg-Marquardt from x0 ends.

    The second value is MGH's, but (0, ..., 0, n + 1) is not a local
    minimum: checked here, it is a stationary point with a positive
    semidefinite, singular Hessian, and along (s, ..., s, n + 1 - n s) the
    first n - 1 residuals stay 0 while the last is s^(n-1) (n + 1 - n s) - 1,
    so f falls below 1 for every small s > 0 (for n = 10 by about 22 s^9,
    1e-16 at s = 0.012: a solver there sees a minimum).
    """
    return _least_squares(
        f"brown_almost_linear_n{n}",
        _brown_almost_linear_residuals,
        np.full(n, 0.5),
        (0.0, 1.0),
        np.ones(n),
        f"{_MGH} 27",
    )


# The zero of problems 28 and 29 for n = 10, by Newton's method on the
# residuals. It is one point for both: with A = tridiag(-1, 2, -1), problem
# 29's residuals are A^-1 times problem 28's.
_DISCRETE_BOUNDARY_VALUE_ZERO_N10 = [
    -0.04316498251876487, -0.08157715653538687, -0.11448571438052928, -0.14097357686259668,
    -0.1599086961819831, -0.16987720231277492, -0.16908998378120835, -0.15524953522183182,
    -0.125355891678935, -0.07541653368589209,
]  # fmt: skip


def _discrete_boundary_value() -> Problem:
    """MGH problem 28, m = n = 10: f = 0."""
    _, t = _grid(10)
    return _least_squares(
        "discrete_boundary_value_n10",
        _discrete_boundary_value_residuals,
        t * (t - 1.0),
        (0.0,),
        _DISCRETE_BOUNDARY_VALUE_ZERO_N10,
        f"{_MGH} 28",
    )


def _discrete_integral_equation() -> Problem:
    """MGH problem 29, m = n = 10: f = 0 (at problem 28's zero)."""
    _, t = _grid(10)
    return _least_squares(
        "discrete_integral_equation_n10",
        _discrete_integral_equation_residuals,
        t * (t - 1.0),
        (0.0,),
        _DISCRETE_BOUNDARY_VALUE_ZERO_N10,
        f"{_MGH} 29",
    )


def _broyden_tridiagonal() -> Problem:
    """MGH problem 30, m = n = 10: f = 0."""
    return _least_squares(
        "broyden_tridiagonal_n10",
        _broyden_tridiagonal_residuals,
        -np.ones(10),
        (0.0,),
        # Newton's method on the residuals from Levenberg-Marquardt's answer.
        [-0.5707221320112248, -0.6818069499842752, -0.7022100760176601, -0.7055106298950804,
         -0.7049061557287436, -0.7014966070298512, -0.6918893223547983, -0.6657965144058536,
         -0.5960351090263657, -0.4164122575286934],
        f"{_MGH} 30",
    )  # fmt: skip


def _broyden_banded() -> Problem:
    """MGH problem 31, m = n = 10, m_l = 5, m_u = 1: f = 0."""
    return _least_squares(
        "broyden_banded_n10",
        _broyden_banded_residuals,
        -np.ones(10),
        (0.0,),
        # Newton's method on the residuals from Levenberg-Marquardt's answer.
        [-0.4283028635872503, -0.47659642435629024, -0.5196524636468617, -0.5580993248321808,
         -0.5925061568294574, -0.624503682199468, -0.6232394714405911, -0.6213938417965735,
         -0.6204535966590874, -0.5864692707204351],
        f"{_MGH} 31",
    )  # fmt: skip


def _linear_full_rank(n: int, m: int) -> Problem:
    """MGH problem 32, m >= n (here n = 10, m = 20): f = m - n at (-1, ..., -1).

    The residuals are A x - 1 with A = [I; 0] - (2/m) 1 1^T, of full rank n,
    so the minimizer is unique.
    """
    return _least_squares(
        f"linear_full_rank_n{n}",
        _linear_full_rank_residuals_factory(m),
        np.ones(n),
        (float(m - n),),
        -np.ones(n),
        f"{_MGH} 32 (m = {m})",
    )


def _linear_rank1(n: int, m: int) -> Problem:
    """MGH problem 33, m >= n (here n = 10, m = 20): f = m (m - 1) / (2 (2m + 1)).

    The residuals i s - 1 depend on x only through s = sum_j j x_j, and the
    least squares s is sum_i i / sum_i i^2 = 3 / (2m + 1): every x on that
    hyperplane is a minimizer. ``x_star`` is the one of least norm.
    """
    j = np.arange(1.0, n + 1.0)
    return _least_squares(
        f"linear_rank1_n{n}",
        _linear_rank1_residuals_factory(m),
        np.ones(n),
        (m * (m - 1.0) / (2.0 * (2.0 * m + 1.0)),),
        3.0 / (2.0 * m + 1.0) * j / np.sum(j**2),
        f"{_MGH} 33 (m = {m})",
    )


def _linear_rank1_zeros(n: int, m: int) -> Problem:
    """MGH problem 34, m >= n (here n = 10, m = 20): f = (m^2 + 3m - 6) / (2 (2m - 3)).

    Rank 1 with zero columns and rows: the first and last residuals are -1,
    and the others, (i - 1) s - 1 for i = 2..m-1, depend on x only through
    s = sum_{j=2}^{n-1} j x_j, whose least squares value is 3 / (2m - 3).
    x_1 and x_n do not enter; ``x_star`` is the minimizer of least norm.
    """
    j = np.concatenate([[0.0], np.arange(2.0, n), [0.0]])
    return _least_squares(
        f"linear_rank1_zeros_n{n}",
        _linear_rank1_zeros_residuals_factory(m),
        np.ones(n),
        ((m**2 + 3.0 * m - 6.0) / (2.0 * (2.0 * m - 3.0)),),
        3.0 / (2.0 * m - 3.0) * j / np.sum(j**2),
        f"{_MGH} 34 (m = {m})",
    )


# Minimizers polished by Newton's method in 40-digit arithmetic, with their
# values. For n = 8 the minimizer is symmetric about 1/2 (x_j + x_{n+1-j} = 1),
# two points meeting there; for n = 9 the points are the nodes of Chebyshev's
# equal-weight quadrature, mapped to [0, 1]; for n = 10 see _chebyquad.
_CHEBYQUAD_MINIMA = {
    8: (
        (3.5168737256779316e-03,),  # MGH: 3.51687e-3
        [0.04315276015101663, 0.1930908403841861, 0.26632870689027294, 0.5, 0.5,
         0.7336712931097271, 0.8069091596158139, 0.9568472398489833],
    ),
    9: (
        (0.0,),
        [0.04420534613578276, 0.199490672309881, 0.23561910847106002, 0.4160469078925981, 0.5,
         0.583953092107402, 0.76438089152894, 0.8005093276901191, 0.9557946538642172],
    ),
    10: (
        (4.772713696375349e-03, 6.503954800882306e-03),  # MGH: 6.50395e-3, the second
        [0.07474816621460248, 0.17151817694809265, 0.286434152584, 0.3596464506289341,
         0.47075052286659347, 0.616738335038745, 0.616738335038745, 0.7998108015386138,
         0.8448546422409267, 0.9670066269819255],
    ),
}  # fmt: skip


def _chebyquad(n: int) -> Problem:
    """MGH problem 35, m = n = 8, 9 or 10: f = 3.51687e-3 (n = 8), 0 (n = 9), 4.77271e-3 (n = 10).

    T_i is the Chebyshev polynomial shifted to [0, 1], T_i(2x - 1). f = 0 when
    the x_j are nodes of an equal-weight quadrature rule exact for degree n,
    which MGH report for n <= 7 and n = 9. f is unchanged by permuting the x_j
    and by x -> 1 - x (T_i(1 - x) = (-1)^i T_i(x)), so each minimizer comes
    with its permutations and mirror image.

    For n = 10 MGH print f = 6.50395e-3, the minimum Levenberg-Marquardt
    reaches from x0, at a point symmetric about 1/2 (x4 = x5, x6 = x7). It is
    a local minimum only: checked here, f = 4.77271e-3 at ``x_star`` (zero
    gradient, positive definite Hessian), where trust-exact from x0 ends and
    where 251 of 300 Levenberg-Marquardt runs from uniform random starts in
    [0, 1]^10 end (none lower; 6 end at MGH's value). MGH's value is kept as
    the second. A third local minimum, f = 9.500629e-3, is no MGH value and
    not in ``f_star`` (43 of the 300 runs end there).
    """
    f_star, x_min = _CHEBYQUAD_MINIMA[n]
    return _least_squares(
        f"chebyquad_n{n}",
        _chebyquad_residuals,
        np.arange(1.0, n + 1.0) / (n + 1.0),
        f_star,
        x_min,
        f"{_MGH} 35",
    )


# ---------------------------------------------------------------------------
# Scalable problems
# ---------------------------------------------------------------------------


# The local minimum of the chained Rosenbrock function for n = 4..30, which
# Shang & Qiu (2006) show to have exactly two minima there (Kok & Sandrock
# (2009) prove it for n = 4..7). Values computed here by Newton's method from
# (-1, 1, ..., 1): zero gradient, positive definite Hessian. Entry k is n = k + 4.
_CHAINED_ROSENBROCK_LOCAL_MINIMA = (
    3.7014286104300176, 3.930839434133028, 3.973940500930295, 3.983600536424854,
    3.9858877695994903, 3.9864428232478137, 3.9865791123471386, 3.986612769450977,
    3.986621104720593, 3.9866231718644927, 3.9866236848722387, 3.986623812230602,
    3.986623843853806, 3.9866238517065526, 3.986623853656648, 3.9866238541409307,
    3.986623854261198, 3.9866238542910666, 3.986623854298483, 3.986623854300326,
    3.9866238543007824, 3.986623854300897, 3.986623854300925, 3.986623854300932,
    3.9866238543009334, 3.986623854300933, 3.9866238543009334,
)  # fmt: skip


# The chained Rosenbrock function is an autograd primitive with hand-written
# derivatives: autograd's own reverse pass through the slices x[:-1], x[1:]
# scatters into fresh arrays (np.add.at) and costs several times the function.
# The gradient and the Hessian-vector product are primitives too, each
# differentiable, so Hessian-vector products and forward mode stay cheap.


@primitive
def _chained_rosenbrock_fun(x: Vector) -> float:
    head = x[:-1]
    valley = x[1:] - head * head
    slope = 1.0 - head
    return 100.0 * np.dot(valley, valley) + np.dot(slope, slope)


def _shift_up(v: Vector) -> Vector:
    """(v_1, ..., v_{n-1}) -> (v_1, ..., v_{n-1}, 0)."""
    return anp.concatenate([v, anp.zeros(1)])


def _shift_down(v: Vector) -> Vector:
    """(v_1, ..., v_{n-1}) -> (0, v_1, ..., v_{n-1})."""
    return anp.concatenate([anp.zeros(1), v])


@primitive
def _chained_rosenbrock_grad(x: Vector) -> Vector:
    head = x[:-1]
    valley = 200.0 * (x[1:] - head * head)
    return _shift_up(-2.0 * head * valley - 2.0 * (1.0 - head)) + _shift_down(valley)


def _chained_rosenbrock_hess_prod(x: Vector, v: Vector) -> Vector:
    """H(x) v for the tridiagonal Hessian of the chained Rosenbrock function."""
    head = x[:-1]
    diagonal = _shift_up(1200.0 * head * head - 400.0 * x[1:] + 2.0) + _shift_down(
        200.0 * anp.ones(head.shape[0])
    )
    off_diagonal = -400.0 * head
    return diagonal * v + _shift_up(off_diagonal * v[1:]) + _shift_down(off_diagonal * v[:-1])


defvjp(_chained_rosenbrock_fun, lambda ans, x: lambda g: g * _chained_rosenbrock_grad(x))
defjvp(_chained_rosenbrock_fun, lambda g, ans, x: anp.dot(_chained_rosenbrock_grad(x), g))
# The Hessian is symmetric, so the vector-Jacobian and Jacobian-vector
# products of the gradient are both H v.
defvjp(_chained_rosenbrock_grad, lambda ans, x: lambda g: _chained_rosenbrock_hess_prod(x, g))
defjvp(_chained_rosenbrock_grad, lambda g, ans, x: _chained_rosenbrock_hess_prod(x, g))


def _chained_rosenbrock_residuals(x: Vector) -> Vector:
    head = x[:-1]
    return anp.concatenate([10.0 * (x[1:] - head * head), 1.0 - head])


def chained_rosenbrock(n: int) -> Problem:
    """The chained Rosenbrock function of ``scipy.optimize.rosen``.

    f(x) = sum_{i=1}^{n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, started at
    x0 = (-1.2, 1, -1.2, 1, ...) as MGH problem 21 is, with f = 0 at (1, ..., 1).
    Unlike MGH's extended Rosenbrock (problem 21, uncoupled pairs) every
    variable is coupled to the next.

    For 4 <= n <= 30 there is a second, local minimum with x1 < 0 (f = 3.7014
    at n = 4, near (-0.776, 0.613, 0.382, 0.146); f -> 3.98662 near
    (-0.993, 0.997, 0.998, ..., 1) as n grows): Shang & Qiu, "A note on the
    extended Rosenbrock function", Evolutionary Computation 14(1), 2006; Kok &
    Sandrock, Evolutionary Computation 17(3), 2009. For n > 30 the same
    point persists with the value 3.9866238543009334 to double precision;
    that is verified here (zero gradient, positive definite Hessian at
    n = 100, in the tests) rather than taken from a source, and recorded in
    ``f_star`` so that a solver stopping there is reported as having found a
    local minimum (trust-region Newton methods do at n = 100).

    Args:
        n: Number of variables, at least 2.
    """
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    f_star = (0.0,)
    if n >= 4:
        f_star = (0.0, _CHAINED_ROSENBROCK_LOCAL_MINIMA[min(n, 4 + len(_CHAINED_ROSENBROCK_LOCAL_MINIMA) - 1) - 4])
    return Problem(
        f"chained_rosenbrock_n{n}",
        _chained_rosenbrock_fun,
        np.resize([-1.2, 1.0], n),
        f_star,
        np.ones(n),
        "scipy.optimize.rosen; start as in Moré, Garbow & Hillstrom (1981), problem 21",
        _chained_rosenbrock_residuals,
    )


def quadratic(n: int, condition: float, seed: int = 0) -> Problem:
    """A convex quadratic with a chosen condition number.

    f(x) = 1/2 x^T A x - b^T x with A = Q diag(lambda) Q^T, the eigenvalues
    lambda log-spaced from 1 to ``condition``, Q orthogonal (QR of a Gaussian
    matrix) and b standard normal, both from ``numpy.random.default_rng(seed)``.
    The minimizer is x* = A^{-1} b with f* = -1/2 b^T x*; x0 = 0.

    Args:
        n: Number of variables, at least 1.
        condition: Condition number of A, at least 1.
        seed: Seed for Q and b; default 0.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not condition >= 1.0:
        raise ValueError(f"condition must be at least 1, got {condition}")
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    eigenvalues = np.logspace(0.0, np.log10(condition), n)
    a = (q * eigenvalues) @ q.T
    a = (a + a.T) / 2.0  # exactly symmetric, so the Hessian autograd returns is too
    b = rng.standard_normal(n)
    x_star = q @ ((q.T @ b) / eigenvalues)

    def fun(x: Vector) -> float:
        return 0.5 * anp.dot(x, anp.dot(a, x)) - anp.dot(b, x)

    name = f"quadratic_n{n}_cond{condition:g}".replace("+", "")
    if seed:
        name += f"_seed{seed}"
    return Problem(
        name,
        fun,
        np.zeros(n),
        (-0.5 * float(b @ x_star),),
        x_star,
        "convex quadratic with log-spaced eigenvalues",
    )


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------

_MGH_FACTORIES: dict[str, Callable[[], Problem]] = {
    "rosenbrock": _rosenbrock,
    "freudenstein_roth": _freudenstein_roth,
    "powell_badly_scaled": _powell_badly_scaled,
    "brown_badly_scaled": _brown_badly_scaled,
    "beale": _beale,
    "jennrich_sampson": _jennrich_sampson,
    "helical_valley": _helical_valley,
    "bard": _bard,
    "gaussian": _gaussian,
    "meyer": _meyer,
    "gulf_research": _gulf_research,
    "box_3d": _box_3d,
    "powell_singular": _powell_singular,
    "wood": _wood,
    "kowalik_osborne": _kowalik_osborne,
    "brown_dennis": _brown_dennis,
    "osborne1": _osborne1,
    "biggs_exp6": _biggs_exp6,
    "osborne2": _osborne2,
    "watson_n6": lambda: _watson(6),
    "watson_n9": lambda: _watson(9),
    "extended_rosenbrock_n10": lambda: _extended_rosenbrock(10),
    "extended_rosenbrock_n100": lambda: _extended_rosenbrock(100),
    "extended_powell_singular_n12": lambda: _extended_powell_singular(12),
    "extended_powell_singular_n100": lambda: _extended_powell_singular(100),
    "penalty1_n4": lambda: _penalty1(4),
    "penalty1_n10": lambda: _penalty1(10),
    "penalty2_n4": lambda: _penalty2(4),
    "penalty2_n10": lambda: _penalty2(10),
    "variably_dimensioned_n10": lambda: _variably_dimensioned(10),
    "trigonometric_n10": _trigonometric,
    "brown_almost_linear_n10": lambda: _brown_almost_linear(10),
    "discrete_boundary_value_n10": _discrete_boundary_value,
    "discrete_integral_equation_n10": _discrete_integral_equation,
    "broyden_tridiagonal_n10": _broyden_tridiagonal,
    "broyden_banded_n10": _broyden_banded,
    "linear_full_rank_n10": lambda: _linear_full_rank(10, 20),
    "linear_rank1_n10": lambda: _linear_rank1(10, 20),
    "linear_rank1_zeros_n10": lambda: _linear_rank1_zeros(10, 20),
    "chebyquad_n8": lambda: _chebyquad(8),
    "chebyquad_n9": lambda: _chebyquad(9),
    "chebyquad_n10": lambda: _chebyquad(10),
}

_SCALABLE_FACTORIES: dict[str, Callable[[], Problem]] = {
    "chained_rosenbrock_n100": lambda: chained_rosenbrock(100),
    "chained_rosenbrock_n1000": lambda: chained_rosenbrock(1000),
    "quadratic_n100_cond100": lambda: quadratic(100, 1e2),
    "quadratic_n100_cond10000": lambda: quadratic(100, 1e4),
}

_CHAINED_ROSENBROCK_NAME = re.compile(r"chained_rosenbrock_n([1-9][0-9]*)")


def get_problem(name: str) -> Problem:
    """The problem called ``name``.

    Names are those of :func:`all_problems`, plus ``chained_rosenbrock_n<N>``
    for any N >= 2.

    Raises:
        KeyError: ``name`` is unknown; the message lists the known names.
    """
    factory = _MGH_FACTORIES.get(name) or _SCALABLE_FACTORIES.get(name)
    if factory is not None:
        return factory()
    match = _CHAINED_ROSENBROCK_NAME.fullmatch(name)
    if match and int(match.group(1)) >= 2:
        return chained_rosenbrock(int(match.group(1)))
    known = ", ".join([*_MGH_FACTORIES, *_SCALABLE_FACTORIES, "chained_rosenbrock_n<N>"])
    raise KeyError(f"unknown problem {name!r}; known problems: {known}")


def mgh_suite() -> list[Problem]:
    """The Moré-Garbow-Hillstrom problems 1-35, in their numbering order."""
    return [factory() for factory in _MGH_FACTORIES.values()]


def scalable_suite() -> list[Problem]:
    """Chained Rosenbrock at n = 100 and 1000, and quadratics (n = 100, condition 1e2 and 1e4)."""
    return [factory() for factory in _SCALABLE_FACTORIES.values()]


def all_problems() -> list[Problem]:
    """:func:`mgh_suite` followed by :func:`scalable_suite`."""
    return mgh_suite() + scalable_suite()
