"""A scalar function of a flat float64 vector, with counted derivatives.

:class:`Objective` wraps ``f: R^n -> R``. Gradients, Hessian-vector products
and (for small n) dense Hessians come from autograd unless the user supplies
them or asks for finite differences (``grad="2-point"``, ``"3-point"``,
``"cs"``, as ``scipy.optimize.minimize(jac=...)``). Every evaluation is
counted, so solvers can report ``nfev``, ``njev`` and ``nhev`` as scipy does:
a combined value-and-gradient call counts one of each, and the function
values a finite difference takes count in ``nfev``.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, NoReturn

import numpy as np

__all__ = ["Objective", "as_objective", "as_flat_vector"]

ArrayFn = Callable[[np.ndarray], Any]

_EPS = float(np.finfo(np.float64).eps)

#: Relative step of each finite-difference rule: scipy's ``approx_derivative``
#: defaults (``scipy.optimize._numdiff._eps_for_method``): √ε for forward and
#: complex-step differences, ∛ε for central differences. The absolute step is
#: h_j = rel · sign(x_j) · max(1, |x_j|) with sign(0) = +1, as there.
_FD_REL_STEP = {"2-point": _EPS**0.5, "3-point": _EPS ** (1 / 3), "cs": _EPS**0.5}

#: Relative accuracy of each gradient source, which sets the step of a
#: Hessian-vector product by forward differences of that gradient: with
#: gradient error δ and truncation error O(t), t = √δ balances the two
#: (Nocedal & Wright, Numerical Optimization, 2nd ed., §8.1). Forward
#: differences lose half the digits (√ε), central differences a third (ε^⅔);
#: autograd, a user gradient and the complex step are exact to rounding.
_GRAD_ACCURACY = {None: _EPS, "2-point": _EPS**0.5, "3-point": _EPS ** (2 / 3), "cs": _EPS}

_FD_SUGGESTION = (
    "write it with autograd.numpy (import autograd.numpy as np) so autograd can differentiate it, "
    "or ask for finite-difference derivatives: jac='2-point' (or '3-point') in minimize, "
    "grad='2-point' in Objective"
)


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
    if value is None:
        raise TypeError("the objective must return a real scalar; it returned None (is a `return` missing?)")
    if isinstance(value, (str, bytes)):
        raise TypeError(f"the objective must return a real scalar; it returned {type(value).__name__} {value!r:.60}")
    if np.ndim(value) != 0:
        raise ValueError(
            f"the objective must return a scalar; it returned an array of shape {np.shape(value)}"
        )
    if np.iscomplexobj(value):
        raise TypeError(f"the objective must return a real scalar; it returned the complex value {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"the objective must return a real scalar; it returned {type(value).__name__} {value!r:.60}"
        ) from exc


def _fd_steps(x: np.ndarray, method: str) -> np.ndarray:
    sign = np.where(x >= 0, 1.0, -1.0)
    h = _FD_REL_STEP[method] * sign * np.maximum(1.0, np.abs(x))
    # The step actually taken, (x + h) − x, is exactly representable; dividing by it
    # rather than by h removes the rounding of x + h from the quotient.
    return (x + h) - x


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
    grad : optional callable ``x -> ndarray`` (the gradient), or a
        finite-difference rule, as scipy's ``jac=``:

        - ``"2-point"``: ∂_j f ≈ (f(x + h_j e_j) − f(x)) / h_j, n extra values;
        - ``"3-point"``: ∂_j f ≈ (f(x + h_j e_j) − f(x − h_j e_j)) / 2h_j, 2n values;
        - ``"cs"`` (complex step): ∂_j f ≈ Im f(x + i h_j e_j) / h_j, n values,
          exact to rounding; ``fun`` must then accept complex x (no ``abs``,
          comparisons or ``float()`` of x).

        Steps h_j are scipy's ``approx_derivative`` defaults: √ε·max(1, |x_j|)
        for "2-point" and "cs", ∛ε·max(1, |x_j|) for "3-point". Default None
        (autograd).
    value_and_grad : optional callable ``x -> (float, ndarray)`` computing both
        in one pass. Derived from autograd (one pass) or from ``fun`` and
        ``grad`` when absent.
    hvp : optional callable ``(x, v) -> ndarray`` returning ∇²f(x)·v, or
        ``"2-point"``: forward differences of the gradient,
        ∇²f(x)v ≈ (∇f(x + tv) − ∇f(x)) / t with t = √δ·max(1, ‖x‖)/‖v‖ and δ
        the gradient's relative accuracy (ε for exact gradients, √ε for
        "2-point", ε^⅔ for "3-point"). With a finite-difference ``grad`` and no
        ``hvp``/``hessian``, this is the default, so second-order methods work.
    hessian : optional callable ``x -> ndarray`` (dense n×n Hessian).

    Counters ``nfev``, ``njev`` and ``nhev`` grow with every evaluation;
    :meth:`reset_counts` zeroes them. A finite-difference gradient counts one
    ``njev`` and every function value it takes in ``nfev``; a
    finite-difference product counts one ``nhev`` and the gradient it takes.
    """

    def __init__(
        self,
        fun: ArrayFn,
        *,
        grad: ArrayFn | str | None = None,
        value_and_grad: Callable[[np.ndarray], tuple[Any, Any]] | None = None,
        hvp: Callable[[np.ndarray, np.ndarray], Any] | str | None = None,
        hessian: ArrayFn | None = None,
    ) -> None:
        if not callable(fun):
            raise TypeError(f"fun must be callable; got {type(fun).__name__}")
        self._fd: str | None = None
        if isinstance(grad, str):
            if grad not in _FD_REL_STEP:
                raise ValueError(f"grad must be a callable or one of {sorted(_FD_REL_STEP)}; got {grad!r}")
            if value_and_grad is not None:
                raise ValueError("grad (a finite-difference rule) and value_and_grad cannot both be given")
            self._fd, grad = grad, None
        self._fd_hvp = False
        if isinstance(hvp, str):
            if hvp != "2-point":
                raise ValueError(f"hvp must be a callable or '2-point'; got {hvp!r}")
            self._fd_hvp, hvp = True, None
        for arg_name, arg in (("grad", grad), ("value_and_grad", value_and_grad), ("hvp", hvp), ("hessian", hessian)):
            if arg is not None and not callable(arg):
                raise TypeError(f"{arg_name} must be callable or None; got {type(arg).__name__}")
        self._fun = fun
        self._grad = grad
        self._vg = value_and_grad
        self._hvp = hvp
        self._hess = hessian
        if self._fd is not None and hvp is None and hessian is None:
            self._fd_hvp = True
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
        return self._grad is None and self._vg is None and self._fd is None

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
        if self._fd is not None:
            return self._fd_grad(x, None)
        if self._lin_grad is not None and np.array_equal(self._lin_x, x):
            return self._lin_grad.copy()
        return _as_grad(self._autograd_vg(x)[1], x)

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """(f(x), ∇f(x)), in one pass where the source allows it."""
        self.nfev += 1
        self.njev += 1
        if self._vg is not None:
            f, g = self._vg(x)
        elif self._fd is not None:
            f = _scalar(self._fun(x))
            return f, self._fd_grad(x, f)
        elif self._grad is not None:
            f, g = self._fun(x), self._grad(x)
        else:
            f, g = self._autograd_vg(x)
        return _scalar(f), _as_grad(g, x)

    def _fd_grad(self, x: np.ndarray, f0: float | None) -> np.ndarray:
        """The finite-difference gradient at x (``f0`` = f(x) when already known)."""
        h = _fd_steps(x, self._fd)
        g = np.empty_like(x)
        if self._fd == "cs":
            z = x.astype(np.complex128)
            for j in range(x.size):
                z[j] = x[j] + 1j * h[j]
                g[j] = self._complex_value(z).imag / h[j]
                z[j] = x[j]
            return g
        if self._fd == "2-point" and f0 is None:
            f0 = self._counted_value(x)
        xp = x.copy()
        for j in range(x.size):
            xp[j] = x[j] + h[j]
            if self._fd == "2-point":
                g[j] = (self._counted_value(xp) - f0) / h[j]
            else:
                fp = self._counted_value(xp)
                xp[j] = x[j] - h[j]
                g[j] = (fp - self._counted_value(xp)) / (2.0 * h[j])
            xp[j] = x[j]
        return g

    def _counted_value(self, x: np.ndarray) -> float:
        self.nfev += 1
        return _scalar(self._fun(x))

    def _complex_value(self, z: np.ndarray) -> complex:
        self.nfev += 1
        try:
            value = self._fun(z)
        except TypeError as exc:
            raise TypeError(
                f"grad='cs' evaluates the objective at complex points and it failed there ({exc}); "
                "use grad='2-point' or '3-point'"
            ) from exc
        if value is None or np.ndim(value) != 0:
            _scalar(value)  # raises, naming what was returned
        if not np.iscomplexobj(value):
            # A real value at a complex point means the imaginary part was dropped
            # (abs, float(), a comparison): the gradient would silently be zero.
            raise TypeError(
                "grad='cs' needs an objective that carries complex inputs through to a complex value; "
                f"it returned the real {type(value).__name__} {value!r:.40} at a complex point; "
                "use grad='2-point' or '3-point'"
            )
        return complex(value)

    def _autograd_vg(self, x: np.ndarray) -> tuple[Any, Any]:
        if self._ag_vg is None:
            from autograd import value_and_grad

            self._ag_vg = value_and_grad(self._fun)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Output seems independent of input")
            try:
                return self._ag_vg(x)
            except (TypeError, ValueError, AttributeError) as exc:
                self._raise_autograd_failure(x, exc)

    def _raise_autograd_failure(self, x: np.ndarray, exc: Exception) -> NoReturn:
        """Raise the error that explains why autograd's trace of fun failed at x with ``exc``.

        Evaluating fun on the plain array tells the cases apart: the same
        failure (the user's own error, raised as is), a return value that is
        not a real scalar (named), or a function autograd cannot trace (plain
        numpy on autograd's ArrayBox: one TypeError saying what to do).
        """
        try:
            value = self._fun(np.array(x, dtype=np.float64))
        except Exception:
            raise exc from None
        _scalar(value)
        raise TypeError(f"autograd could not differentiate the objective ({type(exc).__name__}: {exc}); "
                        + _FD_SUGGESTION) from exc

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
        if self._fd_hvp:
            return self._fd_hvp_operator(x)
        if self.uses_autograd:
            return self._linearization(x)
        if self._hess is not None:
            return np.asarray(self._hess(x), dtype=np.float64).__matmul__
        raise ValueError(
            "this Objective has a user-supplied gradient but no hvp or hessian; "
            "pass hvp=... (or hessian=..., or hvp='2-point' for finite differences) to use second-order methods"
        )

    def _fd_hvp_operator(self, x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        g0 = self.grad(x)
        scale = np.sqrt(_GRAD_ACCURACY[self._fd]) * max(1.0, float(np.linalg.norm(x)))

        def product(v: np.ndarray) -> np.ndarray:
            norm = float(np.linalg.norm(v))
            if norm == 0.0:
                return np.zeros_like(x)
            t = scale / norm
            return (self.grad(x + t * v) - g0) / t

        return product

    def _linearization(self, x: np.ndarray) -> Callable[[np.ndarray], Any]:
        if self._lin_hvp is None or not np.array_equal(self._lin_x, x):
            from autograd import grad
            from autograd.differential_operators import make_vjp

            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Output seems independent of input")
                try:
                    self._lin_hvp, g = make_vjp(grad(self._fun))(x)
                except (TypeError, ValueError, AttributeError) as exc:
                    self._raise_autograd_failure(x, exc)
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
    jac: ArrayFn | bool | str | None = None,
    hessp: Callable[[np.ndarray, np.ndarray], Any] | str | None = None,
    hess: ArrayFn | None = None,
) -> Objective:
    """Build an :class:`Objective` from scipy-style arguments.

    ``jac=True`` means ``fun`` returns ``(f, g)``, as in ``scipy.optimize.minimize``;
    ``jac="2-point"``, ``"3-point"`` or ``"cs"`` asks for finite differences
    (and then finite-difference Hessian-vector products unless ``hessp`` or
    ``hess`` is given), ``hessp="2-point"`` for products by differences of
    the gradient; see :class:`Objective`. An existing :class:`Objective` is
    returned as is (then the other arguments must be None).
    """
    if isinstance(fun, Objective):
        if jac is not None or hessp is not None or hess is not None:
            raise ValueError("jac, hessp and hess must be None when fun is already an Objective")
        return fun
    if isinstance(jac, str) and jac not in _FD_REL_STEP:
        raise ValueError(f"jac must be a callable, True, False, None or one of {sorted(_FD_REL_STEP)}; got {jac!r}")
    if jac is True:
        vg = fun

        def value_only(x: np.ndarray) -> Any:
            return vg(x)[0]

        return Objective(value_only, value_and_grad=vg, hvp=hessp, hessian=hess)
    if jac is False:
        jac = None
    return Objective(fun, grad=jac, hvp=hessp, hessian=hess)
