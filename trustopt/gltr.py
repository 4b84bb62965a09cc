"""GLTR: the trust-region subproblem on a growing Lanczos (Krylov) space.

Gould, Lucidi, Roma & Toint (1999), "Solving the trust-region subproblem
using the Lanczos method", SIAM J. Optim. 9(2):504–525. Lanczos on B from
q₁ = g/γ, γ = ‖g‖, builds orthonormal Q_k = [q₁ … q_k] with

    B Q_k = Q_k T_k + β_k q_{k+1} e_kᵀ,   T_k tridiagonal (α on, β off the diagonal),

so on the Krylov space K_k = span{g, Bg, …, B^{k−1}g} the model is
m(Q_k h) = γ e₁ᵀh + ½ hᵀT_k h and ‖Q_k h‖ = ‖h‖. Each iteration solves this
k-dimensional problem exactly (:func:`tridiagonal_trust_region`) and stops
when the model gradient on the whole space, whose norm is β_k |e_kᵀh_k|
(the residual (B + λI)Q_k h_k + g = β_k (e_kᵀh_k) q_{k+1}), falls below
η‖g‖. The first iterate is the Cauchy point and the model value falls
monotonically with k (nested spaces, each solved exactly), so the step does at
least as well as the Cauchy point; unlike truncated CG (Steihaug) it keeps
improving after reaching the boundary, as scipy's ``trust-krylov`` (TRLIB) does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.linalg

from .subproblems import QuadraticModel, SubproblemStep, _check_krylov_options, _check_radius, _sqrt_forcing

__all__ = ["GLTR", "TridiagonalStep", "tridiagonal_trust_region"]


@dataclass(frozen=True)
class TridiagonalStep:
    """The exact solution h of min γh₁ + ½hᵀTh subject to ‖h‖ ≤ Δ, T tridiagonal.

    ``lam`` is the multiplier λ ≥ 0 with (T + λI)h = −γe₁ and T + λI positive
    semidefinite; ``value`` is the model value at h; ``hard_case`` says h
    includes an eigenvector of T's smallest eigenvalue.
    """

    h: np.ndarray
    lam: float
    value: float
    on_boundary: bool
    hard_case: bool


def _ldl_tridiagonal(alpha: np.ndarray, beta: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray] | None:
    """T + λI = L D Lᵀ (L unit lower bidiagonal with subdiagonal l); None unless D > 0."""
    k = alpha.size
    d = np.empty(k)
    l = np.empty(max(k - 1, 0))
    d[0] = alpha[0] + lam
    if not d[0] > 0:
        return None
    for i in range(1, k):
        l[i - 1] = beta[i - 1] / d[i - 1]
        d[i] = alpha[i] + lam - l[i - 1] * beta[i - 1]
        if not d[i] > 0:
            return None
    return d, l


def _ldl_solve(d: np.ndarray, l: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, float]:
    """x = (LDLᵀ)⁻¹ rhs and ‖D^{-1/2} L⁻¹ x‖², the Newton term xᵀ(T + λI)⁻¹x."""
    k = d.size
    y = rhs.copy()
    for i in range(1, k):
        y[i] -= l[i - 1] * y[i - 1]
    x = y / d
    for i in range(k - 2, -1, -1):
        x[i] -= l[i] * x[i + 1]
    w = x.copy()
    for i in range(1, k):
        w[i] -= l[i - 1] * w[i - 1]
    return x, float(np.sum(w * w / d))


def tridiagonal_trust_region(
    alpha: np.ndarray, beta: np.ndarray, gamma: float, radius: float, rtol: float = 1e-10, maxiter: int = 100
) -> TridiagonalStep:
    """Solve min γh₁ + ½hᵀTh, ‖h‖ ≤ Δ, for T = tridiag(β, α, β), exactly.

    Moré & Sorensen (1983) on a tridiagonal matrix: T's smallest eigenvalue
    θ (LAPACK's bisection, ``eigh_tridiagonal(select='i')``) gives the
    admissible interval λ > max(0, −θ); on it ‖h(λ)‖ falls from +∞ (unless
    γe₁ is orthogonal to θ's eigenvector) to 0, and λ* ≤ γ/Δ − θ since
    ‖h(λ)‖ ≤ γ/(λ + θ). Newton's method on 1/Δ − 1/‖h(λ)‖ with O(k) LDLᵀ
    factorizations, λ ← λ + (‖h‖²/hᵀ(T + λI)⁻¹h)(‖h‖ − Δ)/Δ, kept in that
    bracket by bisection, runs until |‖h‖ − Δ| ≤ rtol·Δ. When ‖h‖ ≤ Δ even
    at λ = −θ (the hard case, possible here only in rounding or after a
    Lanczos breakdown), the leftover length goes along θ's eigenvector.

    Parameters
    ----------
    alpha, beta : T's diagonal (k) and off-diagonal (k − 1).
    gamma : the gradient's coefficient on e₁ (‖g‖ in GLTR).
    radius : Δ > 0.
    rtol : relative accuracy of ‖h‖ = Δ on the boundary. Default 1e-10.
    maxiter : Newton/bisection steps. Default 100 (bisection alone would
        reach rtol from any bracket in far fewer than that).
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    k = alpha.size
    rhs = np.zeros(k)
    rhs[0] = -gamma

    def value(h: np.ndarray) -> float:
        th = alpha * h
        th[:-1] += beta * h[1:]
        th[1:] += beta * h[:-1]
        return float(gamma * h[0] + 0.5 * h @ th)

    if k == 1:
        theta, v = float(alpha[0]), np.ones(1)
    else:
        w, V = scipy.linalg.eigh_tridiagonal(alpha, beta, select="i", select_range=(0, 0))
        theta, v = float(w[0]), V[:, 0]
    if theta > 0:
        factor = _ldl_tridiagonal(alpha, beta, 0.0)
        if factor is not None:
            h, _ = _ldl_solve(*factor, rhs)
            if np.linalg.norm(h) <= radius:
                return TridiagonalStep(h, 0.0, value(h), False, False)
    lo = max(0.0, -theta)
    hi = max(lo, gamma / radius - theta)
    scale = max(1.0, abs(theta), float(np.max(np.abs(alpha))), float(np.max(np.abs(beta), initial=0.0)))
    # Just above −θ, T + λI is positive definite but nearly singular; the step there tells easy from hard.
    lam = lo + 1e-12 * scale if lo > 0 else lo
    factor = _ldl_tridiagonal(alpha, beta, lam)
    shift = 1e-12 * scale
    while factor is None:
        # θ from bisection is accurate to about ε‖T‖; widen the shift until the factorization succeeds.
        lam += shift
        shift *= 2.0
        factor = _ldl_tridiagonal(alpha, beta, lam)
    h, hq = _ldl_solve(*factor, rhs)
    hnorm = float(np.linalg.norm(h))
    if hnorm <= radius and lo > 0:
        # Hard case: drop h's eigen-component (amplified by the near-singular shift) and fill the ball along v.
        h = h - float(v @ h) * v
        tau = math.sqrt(max(radius * radius - float(h @ h), 0.0))
        h = h + tau * v
        return TridiagonalStep(h, lo, value(h), True, True)
    lo = lam
    converged = False
    for _ in range(maxiter):
        if abs(hnorm - radius) <= rtol * radius:
            converged = True
            break
        if hnorm > radius:
            lo = max(lo, lam)
        else:
            hi = min(hi, lam)
        newton = lam + (hnorm * hnorm / hq) * (hnorm - radius) / radius
        lam = newton if lo < newton < hi else 0.5 * (lo + hi)
        factor = _ldl_tridiagonal(alpha, beta, lam)
        if factor is None:
            lo = lam
            lam = 0.5 * (lo + hi)
            factor = _ldl_tridiagonal(alpha, beta, lam)
            if factor is None:
                continue
        h, hq = _ldl_solve(*factor, rhs)
        hnorm = float(np.linalg.norm(h))
    if not converged:
        # Near the hard case λ* sits within ~1e-8·‖T‖ of −θ, T + λI has a condition number near
        # 1e9, and ‖h(λ)‖ from a factorization is only good to ~1e-7: Newton then wanders in that
        # noise (seen: ‖h‖ 6e-8 short of Δ after maxiter steps). In T's eigenbasis every term of
        # ‖h(λ)‖² = Σ cᵢ²/(wᵢ + λ)² is computed without cancellation, so solve the secular equation there.
        h, lam = _eigen_boundary_step(alpha, beta, rhs, radius, rtol, maxiter)
        hnorm = float(np.linalg.norm(h))
    # Rounding can leave ‖h‖ a hair past Δ; the driver needs ‖p‖ ≤ Δ.
    if hnorm > radius:
        h = h * (radius / hnorm)
    return TridiagonalStep(h, lam, value(h), True, False)


def _eigen_boundary_step(alpha: np.ndarray, beta: np.ndarray, rhs: np.ndarray, radius: float, rtol: float,
                         maxiter: int) -> tuple[np.ndarray, float]:
    """h(λ) = (T + λI)⁻¹·rhs with ‖h‖ = Δ by Newton/bisection in T's eigenbasis.

    The unknown is μ = λ + w₁ (w₁ T's smallest eigenvalue), so the dominant
    denominator w₁ + λ = μ carries no cancellation: near the hard case μ is
    ~1e-9·‖T‖ and λ + w₁ formed from λ would be good to only ~1e-7. The
    bracket is rebuilt here, μ ∈ [max(0, w₁), ‖c‖/Δ]: the factorization's
    noisy norms may have narrowed the caller's on the wrong side.
    """
    if alpha.size == 1:
        w, V = alpha.copy(), np.ones((1, 1))
    else:
        w, V = scipy.linalg.eigh_tridiagonal(alpha, beta)
    c = V.T @ rhs
    gaps = w - w[0]
    lo = max(0.0, float(w[0]))
    hi = max(lo, float(np.linalg.norm(c)) / radius)
    mu = 0.5 * (lo + hi)
    for _ in range(maxiter):
        d = gaps + mu
        z = c / d
        norm = float(np.linalg.norm(z))
        if abs(norm - radius) <= rtol * radius:
            break
        if norm > radius:
            lo = mu
        else:
            hi = mu
        # Newton on 1/Δ − 1/‖h‖, with d‖h‖²/dμ = −2 Σ cᵢ²/dᵢ³.
        newton = mu + (norm * norm / float(z @ (z / d))) * (norm - radius) / radius
        mu = newton if lo < newton < hi else 0.5 * (lo + hi)
    return V @ (c / (gaps + mu)), mu - float(w[0])


@dataclass
class _Lanczos:
    """Lanczos state at one point: Q (columns q₁…q_k), α, β and the next vector."""

    gamma: float
    basis: list[np.ndarray]
    alpha: list[float] = field(default_factory=list)
    beta: list[float] = field(default_factory=list)
    next_q: np.ndarray | None = None
    broke_down: bool = False
    nonfinite: bool = False


@dataclass(frozen=True)
class GLTR:
    """The Generalized Lanczos Trust-Region step (Gould, Lucidi, Roma & Toint 1999).

    Minimizes m(p) = gᵀp + ½pᵀBp over ‖p‖ ≤ Δ restricted to the Krylov
    space of (B, g), growing the space one Lanczos vector (one product with
    B) at a time and solving each restricted problem exactly (see the module
    docstring). It stops when the model gradient's norm β_k|e_kᵀh_k| is at
    most η‖g‖, when the Krylov space is invariant (Lanczos breakdown: the
    restricted solution is then the solution on that space), or after
    ``maxiter`` vectors. The Lanczos vectors are kept (n × k floats), so a
    retry at a smaller radius at the same point re-solves the tridiagonal
    problem and only extends the space if the stopping test now fails.

    Parameters
    ----------
    forcing : η as a function of ‖g‖. Default η = min(½, √‖g‖), as
        :class:`~trustopt.subproblems.Steihaug` (Eisenstat & Walker 1994;
        scipy's trust-ncg uses the same).
    maxiter : Lanczos vectors per point; None means n.
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
            return SubproblemStep(np.zeros_like(g), 0.0, False, {"lanczos_iterations": 0})
        eta = float(self.forcing(gnorm))
        if not (0.0 <= eta < 1.0):
            raise ValueError(f"forcing returned η = {eta} for ‖g‖ = {gnorm}; it must lie in [0, 1)")
        maxiter = min(model.n, model.n if self.maxiter is None else self.maxiter)
        state = model.cache.get("gltr_lanczos")
        if state is None:
            state = _Lanczos(gnorm, [], next_q=g / gnorm)
            model.cache["gltr_lanczos"] = state
        products = 0
        sol: TridiagonalStep | None = None
        while True:
            k = len(state.alpha)
            if k > 0:
                sol = tridiagonal_trust_region(np.array(state.alpha), np.array(state.beta[: k - 1]), gnorm, radius)
                residual = state.beta[k - 1] * abs(sol.h[-1]) if k - 1 < len(state.beta) else 0.0
                if residual <= eta * gnorm or state.broke_down or state.nonfinite or k >= maxiter:
                    break
            self._extend(model, state)
            products += 1
            if state.nonfinite and not state.alpha:
                info = {"lanczos_iterations": 0, "hvp": products, "note": "non-finite Hessian-vector product in Lanczos"}
                return SubproblemStep(np.zeros_like(g), 0.0, False, info)
        assert sol is not None
        p = np.column_stack(state.basis) @ sol.h
        info: dict[str, Any] = {"lanczos_iterations": len(state.alpha), "lambda": sol.lam, "forcing": eta}
        if sol.hard_case:
            info["hard_case"] = 1
        if state.nonfinite:
            info["note"] = "non-finite Hessian-vector product in Lanczos; used the space built before it"
        return SubproblemStep(p, -sol.value, sol.on_boundary, info)

    @staticmethod
    def _extend(model: QuadraticModel, state: _Lanczos) -> None:
        """One Lanczos step: append q_k, α_k and β_k (three-term recurrence, no reorthogonalization)."""
        q = state.next_q
        assert q is not None
        w = model.hvp(q)
        if not np.all(np.isfinite(w)):
            state.nonfinite = True
            return
        if state.basis:
            w = w - state.beta[-1] * state.basis[-1]
        a = float(q @ w)
        w = w - a * q
        b = float(np.linalg.norm(w))
        state.basis.append(q)
        state.alpha.append(a)
        state.beta.append(b)
        # An invariant Krylov space: β is rounding noise relative to the spectrum seen so far.
        scale = max(abs(x) for x in state.alpha) + max(state.beta[:-1], default=0.0)
        if b <= 1e-14 * max(scale, 1e-300) or len(state.basis) >= model.n:
            state.broke_down = True
            state.next_q = None
        else:
            state.next_q = w / b
