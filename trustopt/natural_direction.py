"""The natural direction: s ≈ −(F + λI)⁻¹g by conjugate gradient (the *descent* piece).

With g = ∇f(x₀) and F = ∇²D(x₀) the metric of a divergence, the natural
gradient direction is −F⁻¹g (Amari 1998; Kakade 2001): the steepest-descent
direction of the linear model of f in the norm ‖v‖_F = sqrt(vᵀFv). It is
computed matrix-free by CG on (F + λI)s = −g, the damping λ keeping the solve
well posed when F is singular or ill-conditioned, and the curvature sᵀFs is
measured with the *undamped* F, so that a search scaling s to the quadratic
model ½ΔᵀFΔ = δ makes that model exactly δ (Spinning Up and modular_rl scale
with F + λI, which gives a slightly shorter step).

A search (:mod:`trustopt.divergence_search`) then decides how far to go.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .cg import CGResult, CGStatus, conjugate_gradient
from .divergence import Divergence
from .result import Status

__all__ = ["NaturalDirection", "natural_direction", "check_cg"]


@dataclass(frozen=True)
class NaturalDirection:
    """The direction s, its curvature sᵀFs (undamped F), the CG record, and why it is unusable (or None).

    ``failure`` is ``(status, message)``: NONFINITE (a non-finite metric
    product or sᵀFs), NOT_POSITIVE_DEFINITE (sᵀFs ≤ 0 or CG met negative
    curvature) or NOT_DESCENT (gᵀs ≥ 0).
    """

    s: np.ndarray
    sFs: float
    cg: CGResult
    failure: tuple[Status, str] | None

    @property
    def cg_iterations(self) -> int:
        return self.cg.nit

    @property
    def cg_residual(self) -> float:
        return float(self.cg.residual_norms[-1])


def check_cg(cg_iters: int, cg_damping: float, cg_rtol: float) -> None:
    """ValueError naming the CG parameter that is out of range."""
    if not (isinstance(cg_iters, int) and cg_iters >= 1):
        raise ValueError(f"cg_iters must be an integer ≥ 1; got {cg_iters!r}")
    if not (isinstance(cg_damping, numbers.Real) and math.isfinite(cg_damping) and cg_damping >= 0):
        raise ValueError(f"cg_damping must be finite and ≥ 0; got {cg_damping!r}")
    if not (isinstance(cg_rtol, numbers.Real) and math.isfinite(cg_rtol) and cg_rtol >= 0):
        raise ValueError(f"cg_rtol must be finite and ≥ 0; got {cg_rtol!r}")


def natural_direction(
    divergence: Divergence, grad: np.ndarray, cg_iters: int = 10, cg_damping: float = 0.1, cg_rtol: float = 1e-10
) -> NaturalDirection:
    """s ≈ −(F + cg_damping·I)⁻¹·grad by at most ``cg_iters`` CG iterations, and sᵀFs with the undamped F.

    The metric operator is fetched once and reused for every CG iteration and
    for sᵀFs. CG stops early when ‖r‖ ≤ cg_rtol·‖grad‖. Defaults 10, 0.1 and
    1e-10 as in :class:`~trustopt.natural_gradient.NaturalGradient`.
    """
    F = divergence.metric_operator()
    cg = conjugate_gradient(F, -grad, damping=cg_damping, maxiter=cg_iters, rtol=cg_rtol)
    s = cg.x
    if cg.status is CGStatus.NONFINITE or not np.all(np.isfinite(s)):
        return NaturalDirection(s, math.nan, cg, (Status.NONFINITE, "conjugate gradient met a non-finite metric product"))
    sFs = float(s @ F(s))
    if not math.isfinite(sFs):
        return NaturalDirection(s, sFs, cg, (Status.NONFINITE, "sᵀFs is not finite"))
    if cg.status is CGStatus.NEGATIVE_CURVATURE or sFs <= 0.0:
        return NaturalDirection(
            s, sFs, cg,
            (Status.NOT_POSITIVE_DEFINITE, f"the metric is not positive definite along the CG direction (sᵀFs = {sFs:.3g})"),
        )
    if not float(grad @ s) < 0.0:
        return NaturalDirection(s, sFs, cg, (Status.NOT_DESCENT, "the CG direction is not a descent direction for f"))
    return NaturalDirection(s, sFs, cg, None)
