"""A scalar function of a flat float64 vector, with counted derivatives.

:class:`Objective` wraps ``f: R^n -> R``. Gradients, Hessian-vector products
and (for small n) dense Hessians come from autograd unless the user supplies
them. Every evaluation is counted, so solvers can report ``nfev``, ``njev``
and ``nhev`` as scipy does: a combined value-and-gradient call counts one of
each.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

__all__ = ["Objective", "as_objective", "as_flat_vector"]

ArrayFn = Callable[[np.ndarray], Any]


def as_flat_vector(x: Any, name: str = "x0", n: int | None = None) -> np.ndarray:
    """Return ``x`` as a new flat float64 array, or raise ``ValueError`` naming ``name``.

    Accepts a 1-D array-like; rejects other shapes, a length other than ``n``
    (when given), non-numeric data and non-finite entries.
    """
    try:
        arr = np.array(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of real numbers; got {type(x).__name__}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a flat (1-D) vector; got an array of shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must have length {n}; got length {arr.shape[0]}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(arr)):
        bad = np.flatnonzero(~np.isfinite(arr))
        raise ValueError(f"{name} must be finite; entries {bad[:5].tolist()} are not")
    return arr


def _scalar(value: Any) -> float:
    if np.ndim(value) != 0:
        raise ValueError(
            f"the objective must return a scalar; it returned an array of shape {np.shape(value)}"
        )
    return float(value)


def _as_grad(g: Any, x: np.ndarray) -> np.ndarray:
    g = np.asarray(g, dtype=np.float64)
    if g.shape != x.shape:
        # autograd returns a scalar 0.0 when f does not depend on x.
        if g.ndim == 0:
            return np.full(x.shape, float(g))
        raise ValueError(f"the gradient must have shape {x.shape}; got {g.shape}")
    return g


class Objective:
    """A scalar function ``f(x)`` of a flat float64 vector, with derivatives.

    Parameters
    ----------
    fun : callable ``x -> float``. Without ``grad`` it must be written with
        ``autograd.numpy`` so that autograd can differentiate it.
    grad : optional callable ``x -> ndarray`` (the gradient).
    value_and_grad : optional callable ``x -> (float, ndarray)`` computing both
        in one pass. Derived from autograd (one pass) or from ``fun`` and
        ``grad`` when absent.
    hvp : optional callable ``(x, v) -> ndarray`` returning ∇²f(x)·v.
    hessian : optional callable ``x -> ndarray`` (dense n×n Hessian).

    Counters ``nfev``, ``njev`` and ``nhev`` grow with every evaluation;
    :meth:`reset_counts` zeroes them.
    """

    def __init__(
        self,
        fun: ArrayFn,
        *,
        grad: ArrayFn | None = None,
        value_and_grad: Callable[[np.ndarray], tuple[Any, Any]] | None = None,
        hvp: Callable[[np.ndarray, np.ndarray], Any] | None = None,
        hessian: ArrayFn | None = None,
    ) -> None:
        if not callable(fun):
            raise TypeError(f"fun must be callable; got {type(fun).__name__}")
        for arg_name, arg in (("grad", grad), ("value_and_grad", value_and_grad), ("hvp", hvp), ("hessian", hessian)):
            if arg is not None and not callable(arg):
                raise TypeError(f"{arg_name} must be callable or None; got {type(arg).__name__}")
        self._fun = fun
        self._grad = grad
        self._vg = value_and_grad
        self._hvp = hvp
        self._hess = hessian
        self._ag_vg: Callable[[np.ndarray], tuple[Any, Any]] | None = None
        # The autograd trace of ∇f at one point: x, v ↦ ∇²f(x)v, and ∇f(x).
        self._lin_x: np.ndarray | None = None
        self._lin_hvp: Callable[[np.ndarray], Any] | None = None
        self._lin_grad: np.ndarray | None = None
        self.nfev = 0
        self.njev = 0
        self.nhev = 0

    @property
    def uses_autograd(self) -> bool:
        """True when derivatives come from autograd rather than from the user."""
        return self._grad is None and self._vg is None

    def reset_counts(self) -> None:
        self.nfev = self.njev = self.nhev = 0

    def counts(self) -> dict[str, int]:
        return {"nfev": self.nfev, "njev": self.njev, "nhev": self.nhev}

    def value(self, x: np.ndarray) -> float:
        """f(x)."""
        self.nfev += 1
        return _scalar(self._fun(x))

    __call__ = value

    def grad(self, x: np.ndarray) -> np.ndarray:
        """∇f(x).

        With autograd, a gradient already computed while tracing the
        Hessian-vector products at this same x (see :meth:`hvp_operator`) is
        returned without another pass.
        """
        if self._vg is not None:
            return self.value_and_grad(x)[1]
        self.njev += 1
        if self._grad is not None:
            return _as_grad(self._grad(x), x)
        if self._lin_grad is not None and np.array_equal(self._lin_x, x):
            return self._lin_grad.copy()
        return _as_grad(self._autograd_vg(x)[1], x)

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """(f(x), ∇f(x)), in one pass where the source allows it."""
        self.nfev += 1
        self.njev += 1
        if self._vg is not None:
            f, g = self._vg(x)
        elif self._grad is not None:
            f, g = self._fun(x), self._grad(x)
        else:
            f, g = self._autograd_vg(x)
        return _scalar(f), _as_grad(g, x)

    def _autograd_vg(self, x: np.ndarray) -> tuple[Any, Any]:
        if self._ag_vg is None:
            from autograd import value_and_grad

            self._ag_vg = value_and_grad(self._fun)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Output seems independent of input")
            return self._ag_vg(x)

    def hvp(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """∇²f(x)·v (one product; for many at one x use :meth:`hvp_operator`)."""
        return self.hvp_operator(x)(v)

    def hvp_operator(self, x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """The map v ↦ ∇²f(x)·v at a fixed x, with the per-point work done once.

        Sources, in order: the user's ``hvp``; autograd, whose reverse pass
        through ∇f is traced once per point and reused for every v (a CG
        solve asks for many; the trace also yields ∇f(x), which :meth:`grad`
        then returns for free); the user's ``hessian``, evaluated once. Each
        product counts one ``nhev``.
        """
        raw = self._raw_hvp_operator(x)

        def product(v: np.ndarray) -> np.ndarray:
            self.nhev += 1
            return _as_grad(raw(np.asarray(v, dtype=np.float64)), x)

        return product

    def _raw_hvp_operator(self, x: np.ndarray) -> Callable[[np.ndarray], Any]:
        if self._hvp is not None:
            user_hvp = self._hvp
            return lambda v: user_hvp(x, v)
        if self.uses_autograd:
            return self._linearization(x)
        if self._hess is not None:
            return np.asarray(self._hess(x), dtype=np.float64).__matmul__
        raise ValueError(
            "this Objective has a user-supplied gradient but no hvp or hessian; "
            "pass hvp=... (or hessian=...) to use second-order methods"
        )

    def _linearization(self, x: np.ndarray) -> Callable[[np.ndarray], Any]:
        if self._lin_hvp is None or not np.array_equal(self._lin_x, x):
            from autograd import grad
            from autograd.differential_operators import make_vjp

            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Output seems independent of input")
                self._lin_hvp, g = make_vjp(grad(self._fun))(x)
            self._lin_x = np.array(x, dtype=np.float64)
            self._lin_grad = _as_grad(g, self._lin_x)
        return self._lin_hvp

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """The dense Hessian ∇²f(x) (n×n); meant for small n.

        Counts one Hessian evaluation. Without a user Hessian it is assembled
        from n Hessian-vector products at x (symmetrized).
        """
        n = x.size
        if self._hess is not None:
            H = np.asarray(self._hess(x), dtype=np.float64)
            if H.shape != (n, n):
                raise ValueError(f"the Hessian must have shape {(n, n)}; got {H.shape}")
        else:
            raw = self._raw_hvp_operator(x)
            H = np.column_stack([_as_grad(raw(e), x) for e in np.eye(n)])
            H = 0.5 * (H + H.T)
        self.nhev += 1
        return H


def as_objective(
    fun: ArrayFn | Objective,
    jac: ArrayFn | bool | None = None,
    hessp: Callable[[np.ndarray, np.ndarray], Any] | None = None,
    hess: ArrayFn | None = None,
) -> Objective:
    """Build an :class:`Objective` from scipy-style arguments.

    ``jac=True`` means ``fun`` returns ``(f, g)``, as in ``scipy.optimize.minimize``.
    An existing :class:`Objective` is returned as is (then the other
    arguments must be None).
    """
    if isinstance(fun, Objective):
        if jac is not None or hessp is not None or hess is not None:
            raise ValueError("jac, hessp and hess must be None when fun is already an Objective")
        return fun
    if jac is True:
        vg = fun

        def value_only(x: np.ndarray) -> Any:
            return vg(x)[0]

        return Objective(value_only, value_and_grad=vg, hvp=hessp, hessian=hess)
    if jac is False:
        jac = None
    return Objective(fun, grad=jac, hvp=hessp, hessian=hess)
