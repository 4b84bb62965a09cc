"""Matrix-free linear conjugate gradient, with an optional trust radius.

Solves ``(A + damping·I) x = b`` for symmetric ``A`` given only products
``v -> A v``; equivalently minimizes the quadratic model
``m(x) = ½ xᵀ(A + damping·I)x − bᵀx``. With ``radius`` it becomes
Steihaug–Toint truncated CG (Steihaug 1983; Toint 1981; Nocedal & Wright,
*Numerical Optimization*, 2nd ed., Algorithm 7.2): it stops where an iterate
would leave ``‖x‖ ≤ radius`` or where it meets a direction of non-positive
curvature, and returns the boundary point there. With a preconditioner the
radius is measured in the preconditioner's norm ``‖x‖_P = sqrt(xᵀPx)``, in
which the iterates' norms increase monotonically (Conn, Gould & Toint,
*Trust-Region Methods*, 2000, §7.5.1); the norm is tracked by recurrences,
so only ``P⁻¹`` is ever applied.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

__all__ = ["CGStatus", "CGResult", "conjugate_gradient", "as_matvec", "boundary_steps"]

Matvec = Callable[[np.ndarray], np.ndarray]


class CGStatus(enum.Enum):
    """Why conjugate gradient stopped."""

    CONVERGED = "residual below tolerance"
    MAXITER = "iteration limit reached"
    BOUNDARY = "step reached the trust-region boundary"
    NEGATIVE_CURVATURE = "direction of non-positive curvature met"
    NONFINITE = "non-finite value met; returned the last finite iterate"


@dataclass
class CGResult:
    """Outcome of :func:`conjugate_gradient`.

    Attributes
    ----------
    x : the solution estimate (flat float64).
    status : a :class:`CGStatus`.
    nit : CG iterations (each costs one product with A).
    n_matvec : products with A.
    residual_norms : ‖b − (A + damping·I)x_k‖ for k = 0, 1, …, in Euclidean norm.
    model_value : m(x) = ½ xᵀ(A + damping·I)x − bᵀx at the returned x (so the
        predicted reduction of a trust-region model is ``-model_value``).
    on_boundary : True when x lies on the trust-region boundary.
    direction : with NEGATIVE_CURVATURE, the direction d of curvature dᵀAd ≤ 0.
    """

    x: np.ndarray
    status: CGStatus
    nit: int
    n_matvec: int
    residual_norms: np.ndarray
    model_value: float
    on_boundary: bool = False
    direction: np.ndarray | None = field(default=None, repr=False)

    @property
    def converged(self) -> bool:
        return self.status is CGStatus.CONVERGED


def as_matvec(A: Any, n: int, name: str = "A") -> Matvec:
    """Return ``v -> A v`` for an ndarray, sparse matrix, LinearOperator or callable."""
    if isinstance(A, np.ndarray):
        if A.shape != (n, n):
            raise ValueError(f"{name} must have shape {(n, n)}; got {A.shape}")
        return A.__matmul__
    if scipy.sparse.issparse(A) or isinstance(A, scipy.sparse.linalg.LinearOperator):
        if A.shape != (n, n):
            raise ValueError(f"{name} must have shape {(n, n)}; got {A.shape}")
        return lambda v: np.asarray(A @ v, dtype=np.float64).reshape(n)
    if callable(A):
        return A
    raise TypeError(
        f"{name} must be an ndarray, a sparse matrix, a LinearOperator or a callable; got {type(A).__name__}"
    )


def boundary_steps(xx: float, xd: float, dd: float, radius: float) -> tuple[float, float]:
    """Both roots τ₋ ≤ 0 ≤ τ₊ of ‖x + τd‖² = radius² for ‖x‖ ≤ radius.

    Takes the inner products xx = ‖x‖², xd = ⟨x, d⟩ and dd = ‖d‖² (in
    whatever norm the radius is measured), so callers with another norm pass
    its products.
    """
    gap = max(radius * radius - xx, 0.0)
    disc = math.sqrt(xd * xd + dd * gap)
    # Written so neither root subtracts nearly equal numbers.
    q = -(xd + math.copysign(disc, xd))
    if q == 0.0:
        return 0.0, 0.0
    r1, r2 = q / dd, -gap / q
    return (min(r1, r2), max(r1, r2))


def conjugate_gradient(
    A: Any,
    b: np.ndarray,
    *,
    x0: np.ndarray | None = None,
    preconditioner: Any = None,
    damping: float = 0.0,
    maxiter: int | None = None,
    rtol: float = 1e-5,
    atol: float = 0.0,
    radius: float | None = None,
    callback: Callable[[np.ndarray], Any] | None = None,
) -> CGResult:
    """Solve ``(A + damping·I) x = b`` by (preconditioned, optionally truncated) CG.

    Parameters
    ----------
    A : symmetric operator: ndarray (n×n), scipy sparse matrix,
        ``LinearOperator`` or callable ``v -> A v``. Positive definite unless
        ``radius`` is given (then indefinite A is handled).
    b : right-hand side, flat float64 of length n.
    x0 : starting guess (default zeros). Must be None when ``radius`` is given,
        as Steihaug's method starts from 0.
    preconditioner : applies P⁻¹ (P ≈ A, symmetric positive definite); same
        kinds as ``A``. Default: none.
    damping : added to A's diagonal (Tikhonov / Levenberg damping). Default 0.
    maxiter : iteration cap. Default ``10·n``, as ``scipy.sparse.linalg.cg``.
    rtol, atol : stop when ‖r‖ ≤ max(rtol·‖b‖, atol). Defaults 1e-5 and 0, as
        ``scipy.sparse.linalg.cg``.
    radius : trust radius Δ > 0 for Steihaug–Toint mode (see module docstring).
    callback : called with the current iterate after each iteration.

    Returns
    -------
    CGResult. In plain mode, NEGATIVE_CURVATURE returns the last iterate and
    the offending direction; in Steihaug mode it returns the boundary point
    along that direction with the lower model value.
    """
    b = np.asarray(b, dtype=np.float64)
    if b.ndim != 1:
        raise ValueError(f"b must be a flat (1-D) vector; got shape {b.shape}")
    n = b.size
    matvec = as_matvec(A, n)
    precond = None if preconditioner is None else as_matvec(preconditioner, n, "preconditioner")
    if not np.isfinite(damping) or damping < 0:
        raise ValueError(f"damping must be finite and ≥ 0; got {damping}")
    if maxiter is None:
        maxiter = 10 * n
    if maxiter < 0:
        raise ValueError(f"maxiter must be ≥ 0; got {maxiter}")
    if rtol < 0 or atol < 0:
        raise ValueError(f"rtol and atol must be ≥ 0; got rtol={rtol}, atol={atol}")
    if radius is not None:
        if not (radius > 0 and np.isfinite(radius)):
            raise ValueError(f"radius must be positive and finite; got {radius}")
        if x0 is not None:
            raise ValueError("x0 must be None when radius is given (Steihaug's method starts at 0)")

    def op(v: np.ndarray) -> np.ndarray:
        Av = np.asarray(matvec(v), dtype=np.float64)
        return Av + damping * v if damping else Av

    n_matvec = 0
    if x0 is None:
        x = np.zeros(n)
        r = b.copy()
        model = 0.0
    else:
        x = np.array(x0, dtype=np.float64)
        if x.shape != (n,):
            raise ValueError(f"x0 must have shape {(n,)}; got {x.shape}")
        Ax = op(x)
        n_matvec += 1
        r = b - Ax
        model = 0.5 * float(x @ Ax) - float(b @ x)
    z = r if precond is None else np.asarray(precond(r), dtype=np.float64)
    rz = float(r @ z)
    d = z.copy()
    res_norms = [float(np.linalg.norm(r))]
    tol = max(rtol * float(np.linalg.norm(b)), atol)
    # With a radius and a preconditioner, the radius is measured in P's norm;
    # P·x and P·d are carried along by the same linear recurrences as x and d
    # (P·z = r, so P·d_{k+1} = r_{k+1} + β·P·d_k), which needs only P⁻¹.
    # Direct dot products with them keep ‖x‖_P exact to rounding; recurrences
    # on the scalars alone rely on CG orthogonality and drift.
    track = radius is not None and precond is not None
    Px = np.zeros(n) if track else x
    Pd = r.copy() if track else d

    def norm_terms() -> tuple[float, float, float]:
        """‖x‖_P², ⟨x, d⟩_P, ‖d‖_P² (Euclidean without a preconditioner)."""
        return float(x @ Px), float(x @ Pd), float(d @ Pd)

    def finish(status: CGStatus, nit: int, on_boundary: bool = False, direction: np.ndarray | None = None) -> CGResult:
        return CGResult(x, status, nit, n_matvec, np.array(res_norms), model, on_boundary, direction)

    if not np.isfinite(res_norms[0]):
        return finish(CGStatus.NONFINITE, 0)
    if res_norms[0] <= tol:
        return finish(CGStatus.CONVERGED, 0)
    for k in range(1, maxiter + 1):
        Ad = op(d)
        n_matvec += 1
        dAd = float(d @ Ad)
        if not np.isfinite(dAd) or not np.all(np.isfinite(Ad)):
            return finish(CGStatus.NONFINITE, k - 1)
        if dAd <= 0.0:
            if radius is None:
                return finish(CGStatus.NEGATIVE_CURVATURE, k - 1, direction=d)
            lo, hi = boundary_steps(*norm_terms(), radius)
            # m(x + τd) − m(x) = −τ·rᵀz + ½τ²·dᵀAd, because dᵀr = rᵀz.
            m_lo = -lo * rz + 0.5 * lo * lo * dAd
            m_hi = -hi * rz + 0.5 * hi * hi * dAd
            tau, dm = (lo, m_lo) if m_lo < m_hi else (hi, m_hi)
            x = x + tau * d
            model += dm
            return finish(CGStatus.NEGATIVE_CURVATURE, k, on_boundary=True, direction=d)
        alpha = rz / dAd
        if radius is not None:
            xx, xd, dd = norm_terms()
            if xx + 2.0 * alpha * xd + alpha * alpha * dd >= radius * radius:
                tau = boundary_steps(xx, xd, dd, radius)[1]
                x = x + tau * d
                model += -tau * rz + 0.5 * tau * tau * dAd
                return finish(CGStatus.BOUNDARY, k, on_boundary=True)
        x = x + alpha * d
        Px = Px + alpha * Pd if track else x
        model += -0.5 * alpha * rz
        r = r - alpha * Ad
        res_norms.append(float(np.linalg.norm(r)))
        if callback is not None:
            callback(x)
        if res_norms[-1] <= tol:
            return finish(CGStatus.CONVERGED, k)
        z = r if precond is None else np.asarray(precond(r), dtype=np.float64)
        rz_next = float(r @ z)
        beta = rz_next / rz
        rz = rz_next
        d = z + beta * d
        Pd = r + beta * Pd if track else d
    return finish(CGStatus.MAXITER, maxiter)
