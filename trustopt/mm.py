"""Majorize–minimize (MM): minimize f through successive surrogates.

A surrogate at x_k is a function g_k with g_k(x) ≥ f(x) everywhere and
g_k(x_k) = f(x_k). Minimizing it gives x_{k+1} with
f(x_{k+1}) ≤ g_k(x_{k+1}) ≤ g_k(x_k) = f(x_k): f never increases (Lange,
Hunter & Yang 2000; Hunter & Lange 2004). For a maximization problem, hand
over −f; minorize–maximize on f is majorize–minimize on −f.

:class:`MM` checks that descent on the true f at every iteration: an increase
beyond rounding means g_k was not a majorizer, and the run ends with status
NOT_MAJORIZER at the last good point. :class:`QuadraticUpperBound` is the
surrogate of Böhning & Lindsay (1988) for any f whose Hessian is bounded
above by a fixed matrix B.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .cg import as_matvec
from .lbfgs import LBFGS
from .objective import Objective, as_flat_vector
from .result import Callback, History, Result, Solver, Status, check_callback_stop, counts_since

__all__ = ["Surrogate", "MM", "QuadraticUpperBound"]


class Surrogate(Protocol):
    """Builds the majorizer at x_k: ``surrogate(x, fun, grad) -> Objective``.

    Given x_k and f(x_k), ∇f(x_k) (computed once by the driver, so a
    surrogate that needs them does not evaluate f again), return an
    :class:`Objective` g_k with g_k ≥ f everywhere and g_k(x_k) = f(x_k).
    A plain function with this signature qualifies.
    """

    def __call__(self, x: np.ndarray, fun: float, grad: np.ndarray) -> Objective: ...


class QuadraticUpperBound:
    """g_k(x) = f(x_k) + ∇f(x_k)ᵀ(x − x_k) + ½(x − x_k)ᵀB(x − x_k).

    A majorizer of f whenever ∇²f(x) ⪯ B for all x (Taylor's theorem with
    the bound on the remainder): the quadratic lower-bound principle of
    Böhning & Lindsay (1988), stated here for minimization. For logistic
    regression's mean negative log-likelihood, B = XᵀX/(4N) since
    σ'(t) ≤ ¼. The surrogate's Hessian is the fixed B, which its Objective
    exposes as ``hvp`` and ``hessian`` (dense B only) for second-order inner
    solvers.

    Parameters
    ----------
    B : symmetric positive definite bound: ndarray, sparse matrix,
        ``LinearOperator`` or callable ``v -> B v``. A dense B is checked
        here (finite, symmetric to rounding, and a Cholesky factorization
        exists); for the other forms that is the caller's promise. Positive
        definite, not merely semidefinite: with a singular B the surrogate
        is unbounded below along the null space wherever ∇f has a component
        there, and has no minimizer to move to.
    n : the dimension, needed when B is a callable.
    """

    def __init__(self, B: Any, n: int | None = None) -> None:
        if n is None:
            if not hasattr(B, "shape"):
                raise ValueError("n must be given when B is a callable")
            n = int(B.shape[0])
        self.n = n
        self._B = as_matvec(B, n, "B")
        self._dense = None
        if isinstance(B, np.ndarray):
            self._dense = np.asarray(B, dtype=np.float64)
            _check_positive_definite(self._dense)

    def __call__(self, x: np.ndarray, fun: float, grad: np.ndarray) -> Objective:
        xk, fk, gk = np.array(x, dtype=np.float64), float(fun), np.array(grad, dtype=np.float64)
        B = self._B

        def value_and_grad(z: np.ndarray) -> tuple[float, np.ndarray]:
            d = z - xk
            Bd = np.asarray(B(d), dtype=np.float64)
            return fk + float(gk @ d) + 0.5 * float(d @ Bd), gk + Bd

        def value(z: np.ndarray) -> float:
            return value_and_grad(z)[0]

        def hvp(z: np.ndarray, v: np.ndarray) -> np.ndarray:
            return np.asarray(B(v), dtype=np.float64)

        dense = self._dense
        hessian = None if dense is None else (lambda z: dense)
        return Objective(value, value_and_grad=value_and_grad, hvp=hvp, hessian=hessian)


def _check_positive_definite(B: np.ndarray) -> None:
    if not np.all(np.isfinite(B)):
        raise ValueError("B must be finite; it has non-finite entries")
    scale = float(np.max(np.abs(B)))
    # Symmetric up to rounding of a matrix assembled as, e.g., XᵀX/(4N).
    asym = float(np.max(np.abs(B - B.T)))
    if asym > 1e-10 * max(scale, np.finfo(float).tiny):
        raise ValueError(f"B must be symmetric; max |B - Bᵀ| = {asym:.3g} (max |B| = {scale:.3g})")
    try:
        np.linalg.cholesky(B)
    except np.linalg.LinAlgError:
        lowest = float(np.linalg.eigvalsh(0.5 * (B + B.T))[0])
        raise ValueError(
            f"B must be positive definite; its smallest eigenvalue is {lowest:.3g} "
            "(a Hessian bound ∇²f ⪯ B with B ≻ 0 is needed for the surrogate to have a minimizer)"
        ) from None


@dataclass
class MM:
    """Majorize–minimize driver: x_{k+1} = argmin g_k, g_k the surrogate at x_k.

    Each iteration builds g_k = surrogate(x_k, f(x_k), ∇f(x_k)), minimizes it
    with ``inner`` from x_k, and evaluates f and ∇f once at the result.

    Stops with
      GTOL  when ‖∇f(x_k)‖∞ ≤ gtol;
      FTOL  when 0 < f(x_k) − f(x_{k+1}) ≤ ftol·max(|f(x_k)|, |f(x_{k+1})|, 1);
      NO_STEP_ACCEPTED when f(x_{k+1}) ≥ f(x_k) while ‖∇f(x_k)‖∞ > gtol
            (the surrogate's minimization did not move the iterate downhill,
            e.g. a surrogate unbounded below or an inner solver that failed:
            a stall is not convergence);
      NOT_MAJORIZER when f(x_{k+1}) > f(x_k) + monotone_rtol·max(|f(x_k)|, 1)
            (x_k returned: the surrogate was not a majorizer, or the inner
            solver did not decrease it);
      NONFINITE when f or ∇f is not finite at x_{k+1} (x_k returned);
      MAXITER, CALLBACK as usual.

    Parameters
    ----------
    inner : any solver with ``minimize(objective, x0) -> Result``. Default
        ``LBFGS(gtol=1e-10, ftol=0)``: the outer iterates are only as accurate as the
        inner solves, so the inner tolerance is tighter than ``gtol``.
    maxiter : outer iterations. Default 1000.
    gtol : Default 1e-5 (as ``LBFGS``).
    ftol : Default 0 (off): MM often converges linearly with small steps, and a
        small decrease does not mean it is near the optimum.
    monotone_rtol : rounding slack of the descent check. Default 1e-12.
    callback : called after every iteration with the intermediate Result.

    The result's counts are of the true f; ``info`` adds the surrogates'
    totals (``inner_nfev``, ``inner_njev``, ``inner_nhev``, ``inner_nit``).
    """

    inner: Solver = field(default_factory=lambda: LBFGS(gtol=1e-10, ftol=0.0))
    maxiter: int = 1000
    gtol: float = 1e-5
    ftol: float = 0.0
    monotone_rtol: float = 1e-12
    callback: Callback | None = None

    def __post_init__(self) -> None:
        if not callable(getattr(self.inner, "minimize", None)):
            raise TypeError(f"inner must have a minimize(objective, x0) method; got {type(self.inner).__name__}")
        if not (isinstance(self.maxiter, int) and self.maxiter >= 0):
            raise ValueError(f"maxiter must be an integer ≥ 0; got {self.maxiter!r}")
        for name in ("gtol", "ftol", "monotone_rtol"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be finite and ≥ 0; got {value!r}")

    def minimize(self, objective: Objective, surrogate: Surrogate, x0: Any) -> Result:
        """Minimize ``objective`` from ``x0`` through ``surrogate``; see the class docstring."""
        if not callable(surrogate):
            raise TypeError(f"surrogate must be callable (x, fun, grad) -> Objective; got {type(surrogate).__name__}")
        x = as_flat_vector(x0, "x0")
        start = objective.counts()
        inner_totals = {"inner_nfev": 0, "inner_njev": 0, "inner_nhev": 0, "inner_nit": 0}
        history = History()

        def result(status: Status, nit: int, message: str = "") -> Result:
            return Result(x=x, fun=f, jac=g, nit=nit, **counts_since(objective, start), status=status,
                          message=message, history=history, info=dict(inner_totals))

        f, g = objective.value_and_grad(x)
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            return result(Status.NONFINITE, 0, "f or its gradient is not finite at x0")
        history.append(fun=f, grad_norm=float(np.max(np.abs(g))), surrogate_fun=f, inner_nit=0)
        for k in range(1, self.maxiter + 1):
            if np.max(np.abs(g)) <= self.gtol:
                return result(Status.GTOL, k - 1)
            g_k = surrogate(x, f, g)
            inner = self.inner.minimize(g_k, x)
            inner_totals["inner_nfev"] += inner.nfev
            inner_totals["inner_njev"] += inner.njev
            inner_totals["inner_nhev"] += inner.nhev
            inner_totals["inner_nit"] += inner.nit
            x_new = inner.x
            f_new, g_new = objective.value_and_grad(x_new)
            if not (math.isfinite(f_new) and np.all(np.isfinite(g_new))):
                return result(Status.NONFINITE, k - 1, "f or its gradient is not finite at the surrogate's minimizer")
            if f_new > f + self.monotone_rtol * max(abs(f), 1.0):
                return result(
                    Status.NOT_MAJORIZER, k - 1,
                    f"f increased from {f:.17g} to {f_new:.17g} at iteration {k} "
                    f"(surrogate value {inner.fun:.17g}): the surrogate does not majorize f",
                )
            if f_new >= f and np.max(np.abs(g_new)) > self.gtol:
                return result(
                    Status.NO_STEP_ACCEPTED, k - 1,
                    f"the surrogate did not move the iterate downhill at iteration {k} "
                    f"(f stayed at {f:.17g}, ‖∇f‖∞ = {np.max(np.abs(g)):.3g} > gtol; inner solver: "
                    f"{inner.status.name}, {inner.message}): the surrogate may be unbounded below "
                    "or its minimization failed",
                )
            f_prev = f
            x, f, g = x_new, f_new, g_new
            history.append(fun=f, grad_norm=float(np.max(np.abs(g))), surrogate_fun=inner.fun, inner_nit=inner.nit)
            if check_callback_stop(self.callback, result(Status.IN_PROGRESS, k)):
                return result(Status.CALLBACK, k)
            if np.max(np.abs(g)) <= self.gtol:
                return result(Status.GTOL, k)
            if f_prev - f <= self.ftol * max(abs(f_prev), abs(f), 1.0):
                return result(Status.FTOL, k)
        return result(Status.GTOL if np.max(np.abs(g)) <= self.gtol else Status.MAXITER, self.maxiter)
