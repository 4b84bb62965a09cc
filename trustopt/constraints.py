"""General smooth constraints in one canonical form, and the KKT measures of a point.

Every constraint a user hands over becomes part of one :class:`Constraints`:

    c(x) ≤ 0   (inequalities, a vector of length m_ineq)
    h(x) = 0   (equalities, a vector of length m_eq)

with Jacobians J_c(x) (m_ineq×n) and J_h(x) (m_eq×n) from the user or from
autograd, and transposed products J_cᵀu + J_hᵀv for matrix-free solvers.
:func:`as_constraints` accepts callables (sign c(x) ≤ 0), scipy's
``NonlinearConstraint`` and ``LinearConstraint`` (lb ≤ g(x) ≤ ub) and scipy's
dict form (``{'type': 'ineq', 'fun': g}`` means g(x) ≥ 0 there, so c = −g).

Evaluations are counted per point: ``ncev`` grows by one each time the whole
constraint vector is computed at a new x, ``njcev`` each time the Jacobians
(or one transposed product) are; asking again at the same x is free.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["Constraints", "ConstrainedReport", "as_constraints", "kkt_measures"]

ArrayFn = Callable[[np.ndarray], Any]

# (kind, rows of the raw output, scale, shift): that constraint is scale·g(x)[rows] + shift.
_Selector = tuple[str, np.ndarray, float, np.ndarray]


def _autograd_jacobian(fun: ArrayFn) -> ArrayFn:
    from autograd import jacobian

    jac = jacobian(fun)

    def evaluate(x: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Output seems independent of input")
            return jac(x)

    return evaluate


class _Piece:
    """One user constraint g: R^n → R^k with its Jacobian and how its rows map to c and h."""

    def __init__(self, fun: ArrayFn, jac: ArrayFn | None, lb: Any, ub: Any, name: str) -> None:
        self.fun = fun
        self.jac = jac if jac is not None else _autograd_jacobian(fun)
        self.uses_autograd = jac is None
        self.lb, self.ub, self.name = lb, ub, name
        self.selectors: list[_Selector] | None = None

    def raw(self, x: np.ndarray) -> np.ndarray:
        return np.atleast_1d(np.asarray(self.fun(x), dtype=np.float64)).ravel()

    def raw_jac(self, x: np.ndarray, k: int) -> np.ndarray:
        J = self.jac(x)
        if hasattr(J, "toarray"):
            J = J.toarray()
        return np.asarray(J, dtype=np.float64).reshape(k, x.size)

    def resolve(self, k: int) -> list[_Selector]:
        """Split the k rows of lb ≤ g ≤ ub into equalities (lb = ub) and one-sided inequalities."""
        if self.selectors is None:
            lb = np.broadcast_to(np.asarray(self.lb, dtype=np.float64), (k,))
            ub = np.broadcast_to(np.asarray(self.ub, dtype=np.float64), (k,))
            if np.any(lb > ub):
                raise ValueError(f"constraint {self.name}: a lower bound exceeds its upper bound")
            eq = np.flatnonzero(lb == ub)
            low = np.flatnonzero(np.isfinite(lb) & (lb != ub))
            up = np.flatnonzero(np.isfinite(ub) & (lb != ub))
            self.selectors = [
                ("eq", eq, 1.0, -lb[eq]),
                ("ineq", low, -1.0, lb[low]),
                ("ineq", up, 1.0, -ub[up]),
            ]
        return self.selectors


@dataclass
class Constraints:
    """c(x) ≤ 0 and h(x) = 0 gathered from any number of user constraints.

    Build it with :func:`as_constraints`. ``values(x)`` returns (c, h),
    ``jacobians(x)`` returns (J_c, J_h), ``vjp(x, u, v)`` returns
    J_cᵀu + J_hᵀv (by autograd's reverse mode, without forming J, when the
    user gave no Jacobian). Sizes ``m_ineq`` and ``m_eq`` are known after the
    first evaluation (scipy's forms may broadcast scalar bounds).
    """

    n: int
    pieces: list[_Piece] = field(default_factory=list)
    ncev: int = 0
    njcev: int = 0

    def __post_init__(self) -> None:
        self._x_val: np.ndarray | None = None
        self._val: tuple[np.ndarray, np.ndarray] | None = None
        self._raws: list[np.ndarray] = []
        self._x_jac: np.ndarray | None = None
        self._jac: tuple[np.ndarray, np.ndarray] | None = None
        self.m_ineq: int | None = 0 if not self.pieces else None
        self.m_eq: int | None = 0 if not self.pieces else None

    def __len__(self) -> int:
        return len(self.pieces)

    def counts(self) -> dict[str, int]:
        return {"ncev": self.ncev, "njcev": self.njcev}

    def _assemble(self, rows: list[tuple[np.ndarray, list[_Selector]]], jacobian: bool) -> tuple[np.ndarray, np.ndarray]:
        parts: dict[str, list[np.ndarray]] = {"ineq": [np.zeros((0, self.n) if jacobian else 0)], "eq": []}
        parts["eq"].append(parts["ineq"][0])
        for data, selectors in rows:
            for kind, idx, scale, shift in selectors:
                parts[kind].append(scale * data[idx] if jacobian else scale * data[idx] + shift)
        return np.concatenate(parts["ineq"]), np.concatenate(parts["eq"])

    def values(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(c(x), h(x)) as float64 vectors; one ``ncev`` per new x."""
        if self._val is not None and np.array_equal(self._x_val, x):
            return self._val
        if not self.pieces:
            return np.zeros(0), np.zeros(0)
        self.ncev += 1
        self._raws = [piece.raw(x) for piece in self.pieces]
        c, h = self._assemble([(g, p.resolve(g.size)) for g, p in zip(self._raws, self.pieces)], jacobian=False)
        self.m_ineq, self.m_eq = c.size, h.size
        self._x_val, self._val = np.array(x, dtype=np.float64), (c, h)
        return c, h

    def jacobians(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(J_c(x), J_h(x)), dense (m_ineq×n, m_eq×n); one ``njcev`` per new x."""
        if self._jac is not None and np.array_equal(self._x_jac, x):
            return self._jac
        if not self.pieces:
            return np.zeros((0, self.n)), np.zeros((0, self.n))
        self.values(x)
        self.njcev += 1
        rows = []
        for g, piece in zip(self._raws, self.pieces):
            J = piece.raw_jac(x, g.size)
            rows.append((J, piece.resolve(g.size)))
        self._x_jac, self._jac = np.array(x, dtype=np.float64), self._assemble(rows, jacobian=True)
        return self._jac

    def vjp(self, x: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """J_c(x)ᵀu + J_h(x)ᵀv; one ``njcev``.

        Pieces with a user Jacobian use it; autograd pieces take one reverse
        pass (no m×n matrix is formed), the matrix-free path of the
        augmented Lagrangian.
        """
        if not self.pieces:
            return np.zeros(self.n)
        if self._jac is not None and np.array_equal(self._x_jac, x):
            Jc, Jh = self._jac
            return Jc.T @ u + Jh.T @ v
        self.values(x)
        self.njcev += 1
        out = np.zeros(self.n)
        offsets = {"ineq": 0, "eq": 0}
        for g, piece in zip(self._raws, self.pieces):
            w = np.zeros(g.size)
            for kind, idx, scale, _ in piece.resolve(g.size):
                weights = u if kind == "ineq" else v
                w[idx] += scale * weights[offsets[kind]: offsets[kind] + idx.size]
                offsets[kind] += idx.size
            if not np.any(w):
                continue
            if piece.uses_autograd:
                from autograd.differential_operators import make_vjp

                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message="Output seems independent of input")
                    back, _ = make_vjp(lambda z, p=piece: _flat(p.fun(z)))(x)
                    out += np.asarray(back(w), dtype=np.float64).reshape(self.n)
            else:
                out += piece.raw_jac(x, g.size).T @ w
        return out


def _flat(value: Any) -> Any:
    import autograd.numpy as anp

    return anp.reshape(value, (-1,))


def _scipy_jac(jac: Any) -> ArrayFn | None:
    """scipy allows '2-point', '3-point', 'cs' or None: trustopt then uses autograd."""
    return jac if callable(jac) else None


def _from_dict(spec: dict[str, Any], index: int) -> _Piece:
    kind = spec.get("type")
    if kind not in ("ineq", "eq"):
        raise ValueError(f"constraints[{index}]: 'type' must be 'ineq' or 'eq'; got {kind!r}")
    fun = spec.get("fun")
    if not callable(fun):
        raise TypeError(f"constraints[{index}]: 'fun' must be callable")
    args = tuple(spec.get("args", ()))
    jac = _scipy_jac(spec.get("jac"))
    g = (lambda x: fun(x, *args)) if args else fun
    dg = (lambda x: jac(x, *args)) if (args and jac is not None) else jac
    # scipy's 'ineq' means g(x) ≥ 0, that is 0 ≤ g ≤ ∞.
    return _Piece(g, dg, 0.0, 0.0 if kind == "eq" else np.inf, f"[{index}] ({kind} dict)")


def _pieces(item: Any, index: int) -> list[_Piece]:
    from scipy.optimize import LinearConstraint, NonlinearConstraint

    if isinstance(item, NonlinearConstraint):
        return [_Piece(item.fun, _scipy_jac(item.jac), item.lb, item.ub, f"[{index}] (NonlinearConstraint)")]
    if isinstance(item, LinearConstraint):
        A = np.atleast_2d(np.asarray(item.A.toarray() if hasattr(item.A, "toarray") else item.A, dtype=np.float64))
        return [_Piece(lambda x, A=A: A @ x, lambda x, A=A: A, item.lb, item.ub, f"[{index}] (LinearConstraint)")]
    if isinstance(item, dict):
        return [_from_dict(item, index)]
    if callable(item):
        # The documented sign of a plain callable: c(x) ≤ 0.
        return [_Piece(item, None, -np.inf, 0.0, f"[{index}] (callable c(x) ≤ 0)")]
    raise TypeError(
        f"constraints[{index}] must be a callable c(x) ≤ 0, a scipy NonlinearConstraint/LinearConstraint "
        f"or a dict with 'type' and 'fun'; got {type(item).__name__}"
    )


def as_constraints(constraints: Any, n: int) -> Constraints:
    """Gather ``constraints`` for x in R^n into one :class:`Constraints`.

    Parameters
    ----------
    constraints : None, a :class:`Constraints` (returned as is), or one item or a
        list/tuple of items, each a callable ``x -> c(x)`` meaning c(x) ≤ 0
        (derivatives by autograd), a ``scipy.optimize.NonlinearConstraint``
        (its ``jac`` used when callable, autograd otherwise), a
        ``LinearConstraint`` or a scipy dict ``{'type': 'ineq'|'eq', 'fun', 'jac', 'args'}``
        with scipy's sign ('ineq': fun(x) ≥ 0).
    n : the number of variables.
    """
    if isinstance(constraints, Constraints):
        if constraints.n != n:
            raise ValueError(f"constraints were built for n={constraints.n}, not n={n}")
        return constraints
    if constraints is None:
        items: Sequence[Any] = []
    elif isinstance(constraints, (list, tuple)):
        items = constraints
    else:
        items = [constraints]
    pieces = [piece for i, item in enumerate(items) for piece in _pieces(item, i)]
    return Constraints(n, pieces)


@dataclass
class ConstrainedReport:
    """What a constrained solve found, beyond x and f: the ``report`` of its :class:`~trustopt.result.Result`.

    Attributes
    ----------
    ineq_multipliers : λ ≥ 0 for c(x) ≤ 0 (length m_ineq).
    eq_multipliers : ν for h(x) = 0 (length m_eq).
    lower_bound_multipliers, upper_bound_multipliers : z_l, z_u ≥ 0 for l ≤ x ≤ u
        (zeros where the bound is not active).
    constraint_violation : ‖(max(c, 0), h, bound violation)‖∞.
    kkt_residual : max of the stationarity residual
        ‖∇f + J_cᵀλ + J_hᵀν − z_l + z_u‖∞ and the complementarity max |λᵢcᵢ|.
    active_inequalities : indices i with cᵢ(x) ≥ −tol and λᵢ > 0, or |cᵢ| ≤ tol.
    ncev, njcev : constraint value and Jacobian evaluations.
    outer_iterations : major iterations (SQP steps or augmented-Lagrangian updates).
    """

    ineq_multipliers: np.ndarray
    eq_multipliers: np.ndarray
    lower_bound_multipliers: np.ndarray
    upper_bound_multipliers: np.ndarray
    constraint_violation: float
    kkt_residual: float
    active_inequalities: np.ndarray
    ncev: int
    njcev: int
    outer_iterations: int


def kkt_measures(
    g: np.ndarray, c: np.ndarray, h: np.ndarray, constraint_term: np.ndarray, lam: np.ndarray,
    x: np.ndarray, lb: np.ndarray, ub: np.ndarray, *, tol: float = 1e-8,
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """(violation, kkt_residual, z_l, z_u) at x, for multipliers λ, ν given as ``constraint_term`` = J_cᵀλ + J_hᵀν.

    The bound multipliers are the ones that best cancel r = ∇f + J_cᵀλ + J_hᵀν
    on variables at a bound (within ``tol``): z_l = max(r, 0) at a lower
    bound, z_u = max(−r, 0) at an upper one; what they cannot cancel is the
    stationarity residual.
    """
    r = g + constraint_term
    at_l = x <= lb + tol * np.maximum(1.0, np.abs(np.where(np.isfinite(lb), lb, 0.0)))
    at_u = x >= ub - tol * np.maximum(1.0, np.abs(np.where(np.isfinite(ub), ub, 0.0)))
    z_l = np.where(at_l, np.maximum(r, 0.0), 0.0)
    z_u = np.where(at_u & ~at_l, np.maximum(-r, 0.0), 0.0)
    stationarity = r - z_l + z_u
    viol_parts = [np.maximum(c, 0.0), np.abs(h), np.maximum(lb - x, 0.0), np.maximum(x - ub, 0.0)]
    violation = max((float(np.max(p)) for p in viol_parts if p.size), default=0.0)
    comp = float(np.max(np.abs(lam * c))) if c.size else 0.0
    kkt = max(float(np.max(np.abs(stationarity))) if r.size else 0.0, comp)
    return violation, kkt, z_l, z_u
