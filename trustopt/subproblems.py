"""Trust-region subproblems: minimize a quadratic model inside a ball.

Each solver here approximately solves

    minimize  m(p) = gᵀp + ½ pᵀBp   subject to  ‖p‖ ≤ Δ

for a gradient g, a symmetric model Hessian B and a radius Δ > 0, and
returns a :class:`SubproblemStep`: the step p, its predicted reduction
m(0) − m(p), and whether p lies on the boundary ‖p‖ = Δ. They differ in what
they need from B and in how closely they solve the problem:

* :class:`CauchyPoint` — the minimizer of m along −g inside the ball; one
  product with B. The benchmark every other solver must match: a step whose
  reduction is at least a fixed fraction of the Cauchy point's makes a
  trust-region method globally convergent (Nocedal & Wright, *Numerical
  Optimization*, 2nd ed., §4.1 and Theorem 4.5).
* :class:`Dogleg` — the path from the Cauchy point to the Newton point
  −B⁻¹g; needs B dense and positive definite (N&W §4.1).
* :class:`Steihaug` — truncated conjugate gradient on Bp = −g, stopped at
  the boundary or on negative curvature (Steihaug 1983; Toint 1981; N&W
  Algorithm 7.2); B only through products, so it scales to large n.
* :class:`Exact` — the nearly exact solution of Moré & Sorensen (1983),
  "Computing a trust region step", SIAM J. Sci. Stat. Comput. 4(3):553–572,
  by Newton's method on λ with Cholesky factorizations of B + λI, the
  "hard case" included; needs B dense (n up to a few thousand).

The model is a :class:`QuadraticModel`: g plus a Hessian-vector product and,
on demand, the dense Hessian. A driver that rejects a step asks again with a
smaller radius at the same point; solvers keep what does not depend on the
radius (a factorization, a CG path) in ``model.cache`` and reuse it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np
import scipy.linalg

from .cg import CGStatus, boundary_steps, conjugate_gradient

__all__ = [
    "QuadraticModel",
    "SubproblemStep",
    "Subproblem",
    "CauchyPoint",
    "Dogleg",
    "Steihaug",
    "Exact",
    "boundary_roots",
]


@dataclass(frozen=True)
class SubproblemStep:
    """A trial step from a subproblem solver.

    Attributes
    ----------
    step : p, a flat float64 array with ‖p‖ ≤ Δ (up to the solver's tolerance).
    predicted_reduction : m(0) − m(p) = −(gᵀp + ½ pᵀBp).
    on_boundary : whether p lies on the boundary ‖p‖ = Δ.
    info : solver diagnostics for the history (numbers, and a ``note`` string
        when something unusual happened, e.g. a fallback).
    """

    step: np.ndarray
    predicted_reduction: float
    on_boundary: bool
    info: dict[str, Any] = field(default_factory=dict)


class QuadraticModel:
    """The quadratic model m(p) = gᵀp + ½ pᵀBp at one point.

    Parameters
    ----------
    g : the gradient, flat float64.
    hvp : ``v -> B v``. Optional when ``hessian`` is given.
    hessian : ``() -> B`` (dense, n×n), called at most once; optional when
        ``hvp`` is given. Once the dense B is known, products use it.

    ``cache`` is a dictionary solvers may fill with radius-independent work
    (factorizations, CG paths) so that a retry at a smaller radius is cheap.
    """

    def __init__(
        self,
        g: np.ndarray,
        hvp: Callable[[np.ndarray], np.ndarray] | None = None,
        hessian: Callable[[], np.ndarray] | None = None,
    ) -> None:
        if hvp is None and hessian is None:
            raise ValueError("a QuadraticModel needs hvp or hessian")
        self.g = np.asarray(g, dtype=np.float64)
        if self.g.ndim != 1:
            raise ValueError(f"g must be a flat (1-D) vector; got shape {self.g.shape}")
        self._hvp = hvp
        self._hessian = hessian
        self._B: np.ndarray | None = None
        self.cache: dict[str, Any] = {}

    @classmethod
    def from_matrix(cls, g: Any, B: Any) -> "QuadraticModel":
        """A model with an explicit symmetric matrix ``B``."""
        g = np.asarray(g, dtype=np.float64)
        B = np.asarray(B, dtype=np.float64)
        if B.shape != (g.size, g.size):
            raise ValueError(f"B must have shape {(g.size, g.size)}; got {B.shape}")
        model = cls(g, hessian=lambda: B)
        model._B = B
        return model

    @property
    def n(self) -> int:
        return self.g.size

    @property
    def has_dense_hessian(self) -> bool:
        """Whether B is already known as a matrix (products are then free)."""
        return self._B is not None

    def hessian(self) -> np.ndarray:
        """The dense B (computed once)."""
        if self._B is None:
            if self._hessian is None:
                raise ValueError("this subproblem needs a dense Hessian, but the model only has products")
            self._B = np.asarray(self._hessian(), dtype=np.float64)
        return self._B

    def hvp(self, v: np.ndarray) -> np.ndarray:
        """B v."""
        if self._B is not None or self._hvp is None:
            return self.hessian() @ v
        return np.asarray(self._hvp(v), dtype=np.float64)

    def reduction(self, p: np.ndarray, Bp: np.ndarray | None = None) -> float:
        """m(0) − m(p) = −(gᵀp + ½ pᵀBp); pass ``Bp`` if known to save a product."""
        if Bp is None:
            Bp = self.hvp(p)
        return -(float(self.g @ p) + 0.5 * float(p @ Bp))


class Subproblem(Protocol):
    """What the trust-region driver asks of a subproblem solver."""

    #: Whether the solver needs the dense Hessian (the driver then reports
    #: one Hessian evaluation per point instead of Hessian-vector products).
    needs_hessian: bool

    def solve(self, model: QuadraticModel, radius: float) -> SubproblemStep:
        """An approximate minimizer of the model within ``radius``."""
        ...


def boundary_roots(p: np.ndarray, d: np.ndarray, radius: float) -> tuple[float, float]:
    """Both roots τ₋ ≤ 0 ≤ τ₊ of ‖p + τd‖ = radius, for ‖p‖ ≤ radius (Euclidean norm)."""
    return boundary_steps(float(p @ p), float(p @ d), float(d @ d), radius)


def _check_radius(radius: float) -> None:
    if not (radius > 0 and math.isfinite(radius)):
        raise ValueError(f"radius must be positive and finite; got {radius}")


@dataclass(frozen=True)
class CauchyPoint:
    """The Cauchy point: the model's minimizer along −g within the radius.

    p = −τ (Δ/‖g‖) g with τ = 1 when gᵀBg ≤ 0, else τ = min(1, ‖g‖³ / (Δ gᵀBg))
    (Nocedal & Wright 2006, eq. 4.12). One product with B per point.
    """

    needs_hessian: bool = field(default=False, init=False)

    def solve(self, model: QuadraticModel, radius: float) -> SubproblemStep:
        _check_radius(radius)
        g = model.g
        gnorm = float(np.linalg.norm(g))
        if gnorm == 0.0:
            return SubproblemStep(np.zeros_like(g), 0.0, False, {})
        if "cauchy_gBg" not in model.cache:
            model.cache["cauchy_gBg"] = float(g @ model.hvp(g))
        gBg = model.cache["cauchy_gBg"]
        tau = 1.0 if gBg <= 0.0 else min(1.0, gnorm**3 / (radius * gBg))
        t = tau * radius / gnorm
        # m(−t g) = −t‖g‖² + ½ t² gᵀBg.
        predicted = t * gnorm * gnorm - 0.5 * t * t * gBg
        return SubproblemStep(-t * g, predicted, tau == 1.0, {})


@dataclass(frozen=True)
class Dogleg:
    """The dogleg step (Powell 1970; Nocedal & Wright 2006, §4.1).

    The path runs from 0 to the unconstrained minimizer along −g,
    p_U = −(gᵀg / gᵀBg) g, then on to the Newton point p_B = −B⁻¹g; the step
    is where it leaves the ball (or p_B when that lies inside). The model
    decreases monotonically along the path, so the step does at least as well
    as the Cauchy point. B must be positive definite: where its Cholesky
    factorization fails the step is the Cauchy point instead, and ``info``
    carries ``fallback=1`` and a ``note`` saying so.
    """

    needs_hessian: bool = field(default=True, init=False)

    def solve(self, model: QuadraticModel, radius: float) -> SubproblemStep:
        _check_radius(radius)
        g = model.g
        B = model.hessian()
        if "dogleg_newton" not in model.cache:
            try:
                factor = scipy.linalg.cho_factor(B, check_finite=False)
                newton = -scipy.linalg.cho_solve(factor, g, check_finite=False)
                model.cache["dogleg_newton"] = newton if np.all(np.isfinite(newton)) else None
            except np.linalg.LinAlgError:
                model.cache["dogleg_newton"] = None
        newton = model.cache["dogleg_newton"]
        if newton is None:
            step = CauchyPoint().solve(model, radius)
            info = {"fallback": 1, "note": "model Hessian not positive definite; took the Cauchy point"}
            return SubproblemStep(step.step, step.predicted_reduction, step.on_boundary, info)
        if np.linalg.norm(newton) <= radius:
            # m(p_B) = ½ gᵀp_B because B p_B = −g.
            return SubproblemStep(newton, -0.5 * float(g @ newton), False, {"fallback": 0})
        gnorm = float(np.linalg.norm(g))
        Bg = B @ g
        gBg = float(g @ Bg)
        p_u = -(gnorm * gnorm / gBg) * g
        if np.linalg.norm(p_u) >= radius:
            p = -(radius / gnorm) * g
        else:
            tau = boundary_roots(p_u, newton - p_u, radius)[1]
            p = p_u + tau * (newton - p_u)
        return SubproblemStep(p, model.reduction(p, B @ p), True, {"fallback": 0})


def _check_krylov_options(solver: Any) -> None:
    """The forcing function η(‖g‖) and the iteration budget of a Krylov subproblem (Steihaug, GLTR)."""
    if not callable(solver.forcing):
        raise TypeError(f"forcing must be callable (‖g‖ -> η); got {type(solver.forcing).__name__}")
    if solver.maxiter is not None and solver.maxiter < 1:
        raise ValueError(f"maxiter must be ≥ 1 or None; got {solver.maxiter}")


def _sqrt_forcing(grad_norm: float) -> float:
    return min(0.5, math.sqrt(grad_norm))


@dataclass
class _CGPath:
    """Where Steihaug's CG went at one point: 0 = x₀, x₁, …, x_k, then p.

    ``values`` are the model values there. Interior iterates satisfy
    m(x_j) = ½ gᵀx_j, since the CG residual −(g + Bx_j) is orthogonal to the
    Krylov space holding x_j. The last segment (to a boundary or
    negative-curvature point) is not a full CG step; ``last_curvature``
    caches ½ dᵀBd along it once computed.
    """

    points: list[np.ndarray]
    norms: np.ndarray
    values: np.ndarray
    last_is_partial: bool
    last_curvature: float | None = None


@dataclass(frozen=True)
class Steihaug:
    """Steihaug–Toint truncated conjugate gradient (N&W Algorithm 7.2).

    CG on Bp = −g from p = 0 stops when ‖Bp + g‖ ≤ η‖g‖, when an iterate
    would leave the ball (the step is then the boundary point on that
    segment), or on a direction of non-positive curvature (the boundary point
    along it with the lower model value). Every CG iterate lowers the model
    and the first one is the Cauchy point, so the step does at least as well
    as the Cauchy point. B enters only through products.

    A retry at the same point with a radius below the last step's length
    costs at most one product: the CG iterates do not depend on the radius
    and their norms increase (N&W Theorem 7.3), so the new step is where the
    recorded path x₀, x₁, …, p first crosses the smaller sphere. On a full CG
    segment x_j → x_{j+1} = x_j + αd, which minimizes the model along d, the
    model at x_j + t(x_{j+1} − x_j) is m(x_j) + (m(x_{j+1}) − m(x_j))(1 − (1 − t)²);
    on the last, partial segment one product gives its curvature.

    Parameters
    ----------
    forcing : the forcing term η as a function of ‖g‖ (Euclidean). Default
        η = min(½, √‖g‖), which gives superlinear convergence near a
        nondegenerate minimizer (Eisenstat & Walker 1994; N&W eq. 7.3 and
        Theorem 7.2; scipy's trust-ncg uses the same).
    maxiter : CG iterations per solve; None means n (CG's finite termination
        in exact arithmetic).
    """

    forcing: Callable[[float], float] = _sqrt_forcing
    maxiter: int | None = None
    needs_hessian: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        _check_krylov_options(self)

    def solve(self, model: QuadraticModel, radius: float) -> SubproblemStep:
        _check_radius(radius)
        g = model.g
        gnorm = float(np.linalg.norm(g))
        if gnorm == 0.0:
            return SubproblemStep(np.zeros_like(g), 0.0, False, {"cg_iterations": 0})
        path = model.cache.get("steihaug_path")
        if path is not None and radius < path.norms[-1]:
            return _retrace(model, path, radius)
        eta = float(self.forcing(gnorm))
        if not (0.0 <= eta < 1.0):
            raise ValueError(f"forcing returned η = {eta} for ‖g‖ = {gnorm}; it must lie in [0, 1)")
        maxiter = model.n if self.maxiter is None else self.maxiter
        points = [np.zeros_like(g)]
        cg = conjugate_gradient(model.hvp, -g, radius=radius, rtol=eta, maxiter=maxiter, callback=points.append)
        info: dict[str, Any] = {"cg_iterations": cg.nit, "cg_status": cg.status.name, "forcing": eta}
        if cg.status is CGStatus.NONFINITE:
            info["note"] = "non-finite Hessian-vector product in CG"
            return SubproblemStep(cg.x, -cg.model_value, cg.on_boundary, info)
        values = [0.5 * float(g @ x) for x in points]
        partial = cg.on_boundary
        if partial:
            points.append(cg.x)
            values.append(cg.model_value)
        model.cache["steihaug_path"] = _CGPath(
            points, np.array([np.linalg.norm(x) for x in points]), np.array(values), partial
        )
        return SubproblemStep(cg.x, -cg.model_value, cg.on_boundary, info)


def _retrace(model: QuadraticModel, path: _CGPath, radius: float) -> SubproblemStep:
    """Steihaug's step for a radius below the recorded path's end, from the path."""
    j = int(np.argmax(path.norms >= radius)) - 1
    start, end = path.points[j], path.points[j + 1]
    d = end - start
    m0, m1 = float(path.values[j]), float(path.values[j + 1])
    lo, hi = boundary_roots(start, d, radius)
    if path.last_is_partial and j + 1 == len(path.points) - 1:
        if path.last_curvature is None:
            path.last_curvature = 0.5 * float(d @ model.hvp(d))
        c2 = path.last_curvature
        c1 = m1 - m0 - c2
        # As CG does on a negative-curvature segment: the crossing with the lower model value.
        value, t = min((m0 + c1 * t + c2 * t * t, t) for t in (lo, hi))
    else:
        t = hi
        value = m0 + (m1 - m0) * (1.0 - (1.0 - t) ** 2)
    return SubproblemStep(start + t * d, -value, True, {"cg_iterations": 0, "cg_status": "RETRACED"})


@dataclass(frozen=True)
class Exact:
    """The nearly exact trust-region step of Moré & Sorensen (1983).

    The solution p* satisfies, for some λ ≥ 0,

        (B + λI) p* = −g,   λ (Δ − ‖p*‖) = 0,   B + λI positive semidefinite

    (N&W Theorem 4.1). For λ above −λ₁(B) let p(λ) = −(B + λI)⁻¹g; Newton's
    method on 1/Δ − 1/‖p(λ)‖, which is nearly linear in λ, gives the update
    λ ← λ + (‖p‖/‖q‖)² (‖p‖ − Δ)/Δ with LLᵀ = B + λI and Lq = p (N&W
    Algorithm 4.3). λ is kept inside a bracket [λ_L, λ_U] that every
    factorization tightens (Moré & Sorensen §3): a failed Cholesky
    factorization raises λ_L, a step inside the ball lowers λ_U. In the
    "hard case" (g orthogonal to the eigenvectors of λ₁, so ‖p(λ)‖ < Δ for
    every admissible λ) the step is p(λ) + τz with z an approximate
    eigenvector for λ₁ (from inverse iteration with the factor) and τ taking
    it to the boundary.

    Parameters
    ----------
    k_easy : accept p(λ) when |‖p‖ − Δ| ≤ k_easy·Δ. Default 0.1 (Moré &
        Sorensen's σ₁; also scipy's trust-exact).
    k_hard : accept p + τz when τ²·zᵀ(B+λI)z ≤ k_hard·(pᵀ(B+λI)p + λΔ²).
        On the boundary m(p + τz) = ½τ²·zᵀ(B+λI)z − ½(pᵀ(B+λI)p + λΔ²), and
        every ‖s‖ ≤ Δ has m(s) ≥ −½(pᵀ(B+λI)p + λΔ²), so the step's model
        reduction is at least (1 − k_hard) times the optimal one (Moré &
        Sorensen Lemma 3.4, whose σ(2 − σ) is k_hard here). Any z with small
        zᵀ(B+λI)z qualifies; it need not be an eigenvector. Default 0.2
        (scipy's trust-exact).
    maxiter : factorizations per solve. Default 50; past it the better of
        the best interior step found and the Cauchy point is returned.
    """

    k_easy: float = 0.1
    k_hard: float = 0.2
    maxiter: int = 50
    needs_hessian: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        if not (0.0 < self.k_easy < 1.0):
            raise ValueError(f"k_easy must lie in (0, 1); got {self.k_easy}")
        if not (0.0 < self.k_hard < 1.0):
            raise ValueError(f"k_hard must lie in (0, 1); got {self.k_hard}")
        if self.maxiter < 1:
            raise ValueError(f"maxiter must be ≥ 1; got {self.maxiter}")

    def solve(self, model: QuadraticModel, radius: float) -> SubproblemStep:
        _check_radius(radius)
        g = model.g
        B = model.hessian()
        n = g.size
        gnorm = float(np.linalg.norm(g))
        bounds = model.cache.get("exact_bounds")
        if bounds is None:
            bounds = _eigenvalue_bounds(B)
            model.cache["exact_bounds"] = bounds
        eig_lo, eig_hi, bnorm = bounds
        # λ* ∈ [λ_L, λ_U] from ‖g‖/Δ and bounds on B's spectrum (Moré & Sorensen
        # §3; Conn, Gould & Toint, *Trust-Region Methods*, 2000, §7.3.8).
        lam_lo = max(0.0, -float(np.min(np.diag(B))), gnorm / radius - min(eig_hi, bnorm))
        lam_hi = max(0.0, gnorm / radius + min(-eig_lo, bnorm))
        # A retry at a smaller radius at the same point needs a larger λ: start from the last one.
        lam = min(max(model.cache.get("exact_lambda", 0.0), lam_lo), lam_hi)
        if lam == 0.0 and lam_lo > 0.0:
            lam = lam_lo
        best: tuple[float, np.ndarray, bool] | None = None
        eye = np.eye(n)
        for it in range(1, self.maxiter + 1):
            shifted = B + lam * eye
            U, info = scipy.linalg.lapack.dpotrf(shifted, lower=0, clean=1)
            if info == 0:
                p = -scipy.linalg.cho_solve((U, False), g, check_finite=False)
                pnorm = float(np.linalg.norm(p))
                # m(p) = −½(pᵀ(B + λI)p + λ‖p‖²) since (B + λI)p = −g.
                Up = U @ p
                red = 0.5 * (float(Up @ Up) + lam * pnorm * pnorm)
                if lam == 0.0 and pnorm <= radius:
                    model.cache["exact_lambda"] = 0.0
                    return SubproblemStep(p, red, False, {"lambda": 0.0, "factorizations": it})
                if abs(pnorm - radius) <= self.k_easy * radius:
                    model.cache["exact_lambda"] = lam
                    return SubproblemStep(p, red, True, {"lambda": lam, "factorizations": it})
                if pnorm < radius and (best is None or red > best[0]):
                    best = (red, p, False)
                if pnorm < radius:
                    lam_hi = min(lam_hi, lam)
                    z = _smallest_eigenvector_estimate(U)
                    Uz = U @ z
                    zBz = float(Uz @ Uz)
                    lam_lo = max(lam_lo, lam - zBz)
                    tau_lo, tau_hi = boundary_roots(p, z, radius)
                    # m(p + τz) − m(p) = −λτ·pᵀz + ½τ²·zᵀBz, since Bp + g = −λp.
                    pz, zBz_plain = float(p @ z), zBz - lam
                    dm = [(-lam * t * pz + 0.5 * t * t * zBz_plain, t) for t in (tau_lo, tau_hi)]
                    tau = min(dm)[1]
                    if tau * tau * zBz <= self.k_hard * (float(Up @ Up) + lam * radius * radius):
                        step = p + tau * z
                        model.cache["exact_lambda"] = lam
                        info_h = {"lambda": lam, "factorizations": it, "hard_case": 1}
                        return SubproblemStep(step, model.reduction(step), True, info_h)
                else:
                    lam_lo = max(lam_lo, lam)
                q = scipy.linalg.solve_triangular(U, p, trans="T", check_finite=False)
                lam_new = lam + (pnorm / float(np.linalg.norm(q))) ** 2 * (pnorm - radius) / radius
            else:
                # B + λI is indefinite, so λ* > λ; a vector of negative
                # curvature from the partial factor says by how much at least.
                lam_lo = max(lam_lo, lam + _indefiniteness(shifted, U, info))
                lam_new = lam_lo
            lam = max(lam_new, lam_lo)
            if lam_hi - lam_lo <= 1e-12 * max(1.0, lam_hi, bnorm):
                # The bracket closed on −λ₁, where B + λI is singular (a hard
                # case): reopen it upward, which keeps λ_U an upper bound.
                lam_hi = lam = lam_lo + 1e-12 * max(1.0, lam_lo, bnorm)
            elif lam >= lam_hi or lam <= lam_lo:
                # Moré & Sorensen's safeguard: keep λ strictly inside the bracket.
                lam = max(math.sqrt(lam_lo * lam_hi), lam_lo + 0.01 * (lam_hi - lam_lo))
        # Out of factorizations (only with a tiny maxiter or a near-singular
        # bracket): take the better of the best interior step and the Cauchy point.
        cauchy = CauchyPoint().solve(model, radius)
        info = {"lambda": lam, "factorizations": self.maxiter,
                "note": "Moré–Sorensen iteration did not converge"}
        if best is None or cauchy.predicted_reduction >= best[0]:
            return SubproblemStep(cauchy.step, cauchy.predicted_reduction, cauchy.on_boundary, {**info, "fallback": 1})
        model.cache["exact_lambda"] = lam
        return SubproblemStep(best[1], best[0], best[2], info)


def _eigenvalue_bounds(B: np.ndarray) -> tuple[float, float, float]:
    """Gershgorin bounds on B's eigenvalues and min(‖B‖_F, ‖B‖_∞) ≥ ‖B‖₂."""
    diag = np.diag(B)
    off = np.sum(np.abs(B), axis=1) - np.abs(diag)
    return (
        float(np.min(diag - off)),
        float(np.max(diag + off)),
        min(float(np.linalg.norm(B, "fro")), float(np.max(np.sum(np.abs(B), axis=1)))),
    )


def _indefiniteness(A: np.ndarray, U: np.ndarray, k: int) -> float:
    """A lower bound δ/‖v‖² on −λ₁(A), from a failed Cholesky factorization (Moré & Sorensen §3).

    ``U`` holds a valid Cholesky factor of the leading (k−1)×(k−1) block of A
    and the k-th pivot failed. With u = U₁₁⁻ᵀ A[:k−1, k−1], δ = uᵀu − A[k−1, k−1] ≥ 0
    and v = (−U₁₁⁻¹u, 1, 0, …) give vᵀAv = −δ, so λ₁(A) ≤ −δ/‖v‖².
    """
    m = k - 1
    if m == 0:
        return max(-float(A[0, 0]), 0.0)
    U11 = U[:m, :m]
    u = scipy.linalg.solve_triangular(U11, A[:m, m], trans="T", check_finite=False)
    delta = float(u @ u) - float(A[m, m])
    w = scipy.linalg.solve_triangular(U11, u, check_finite=False)
    return max(delta, 0.0) / (1.0 + float(w @ w))


def _smallest_eigenvector_estimate(U: np.ndarray, max_iterations: int = 10, rtol: float = 1e-3) -> np.ndarray:
    """A unit vector close to the eigenvector of UᵀU's smallest eigenvalue.

    Inverse iteration with the Cholesky factor, from a fixed pseudo-random
    start (so solves are reproducible), until the Rayleigh quotient settles
    to ``rtol``: when UᵀU is nearly singular, as in the hard case, each solve
    multiplies the wanted component by the ratio of the largest to the
    smallest eigenvalue, so this takes two or three O(n²) solves.

    The direction's quality does not decide MGH's Biggs EXP6 (issue 12; an
    earlier note here blamed a cruder estimate): with this estimate, with the exact
    eigenvector from ``eigh``, or with tight k_easy/k_hard, trust-exact from
    the standard start ends in the same valley x₁ = x₅ (two of the three
    exponentials merged, f ≈ 0.2427, Hessian singular there). This driver
    reaches f* = 0 only with scipy's crude LINPACK-style estimate *and*
    scipy's ¼ radius shrink together, and then only for shrink factors near
    ¼ (0.2 and 0.4 fail); scipy's own trust-exact falls into the valley too
    with k_hard = 0.05 or nearly exact subproblems. Which basin a
    trust-region path enters from that start is not a property of the
    subproblem's accuracy.
    """
    z = np.random.default_rng(0).standard_normal(U.shape[0])
    z /= np.linalg.norm(z)
    rayleigh = math.inf
    for _ in range(max_iterations):
        w = scipy.linalg.cho_solve((U, False), z, check_finite=False)
        wnorm = float(np.linalg.norm(w))
        # zᵀ(UᵀU)⁻¹z = zᵀw estimates 1/λ_min; its inverse is the Rayleigh-type quotient.
        estimate = 1.0 / float(z @ w) if float(z @ w) > 0 else 0.0
        z = w / wnorm
        if abs(estimate - rayleigh) <= rtol * abs(estimate):
            break
        rayleigh = estimate
    return z
