"""How far to go along a natural direction s (the *search* pieces).

Scale (no evaluation of f or D):
  to the bound  Δ = sqrt(2δ / sᵀFs)·s, so the quadratic model ½ΔᵀFΔ of D equals δ;
  fixed         Δ = η·s, the model then being ½η²·sᵀFs.
Both record the linear model's expected improvement −gᵀΔ.

Backtrack until feasible (TRPO's line search, Schulman et al. 2015, App. C):
try x₀ + tΔ for t = 1, ρ, ρ², … and accept the first trial with
  f(x₀ + tΔ) < f(x₀),  D(x₀ + tΔ) ≤ δ  and, optionally,
  (f(x₀) − f(x₀ + tΔ)) / (−t·gᵀΔ) ≥ accept_ratio.
A trial where f or D is not finite is rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .divergence_problem import Trial
from .linesearch import backtrack
from .natural_direction import NaturalDirection

__all__ = ["ScaledStep", "scale_to_bound", "scale_fixed", "evaluate_trial", "backtrack_feasible", "FEASIBILITY_RTOL"]

#: Relative slack of the feasibility test D ≤ δ·(1 + FEASIBILITY_RTOL). The full step is
#: scaled so that the *model* ½ΔᵀFΔ equals δ; on a quadratic D the true D is that model
#: evaluated again in floating point and lands at δ·(1 ± a few ε), so an exact test would
#: reject, by rounding alone, the very step the scaling chose.
FEASIBILITY_RTOL = 1e-12


@dataclass(frozen=True)
class ScaledStep:
    """The full step Δ, its expected improvement −gᵀΔ and its model divergence ½ΔᵀFΔ."""

    step: np.ndarray
    expected_improvement: float
    model_divergence: float


def _scaled(direction: NaturalDirection, grad: np.ndarray, scale: float) -> ScaledStep:
    return ScaledStep(scale * direction.s, -scale * float(grad @ direction.s), 0.5 * scale * scale * direction.sFs)


def scale_to_bound(direction: NaturalDirection, grad: np.ndarray, max_divergence: float) -> ScaledStep:
    """Δ = sqrt(2δ / sᵀFs)·s: the step whose quadratic model of D equals δ (needs sᵀFs > 0)."""
    return _scaled(direction, grad, math.sqrt(2.0 * max_divergence / direction.sFs))


def scale_fixed(direction: NaturalDirection, grad: np.ndarray, step_size: float) -> ScaledStep:
    """Δ = η·s for a fixed step size η."""
    return _scaled(direction, grad, step_size)


def evaluate_trial(
    evaluate: Callable[[np.ndarray], tuple[float, float]],
    x0: np.ndarray,
    f0: float,
    full: ScaledStep,
    t: float,
    max_divergence: float | None = None,
    accept_ratio: float | None = None,
) -> tuple[Trial, np.ndarray]:
    """Evaluate x₀ + t·Δ and judge it; ``max_divergence=None`` judges finiteness only (no line search)."""
    x = x0 + t * full.step
    f, d = evaluate(x)
    expected = t * full.expected_improvement
    actual = f0 - f
    ratio = actual / expected if expected != 0.0 else math.nan
    reason: str | None = None
    if not (math.isfinite(f) and math.isfinite(d) and np.all(np.isfinite(x))):
        reason = "nonfinite"
    elif max_divergence is not None:
        if not f < f0:
            reason = "no_decrease"
        elif not d <= max_divergence * (1.0 + FEASIBILITY_RTOL):
            reason = "divergence"
        elif accept_ratio is not None and not ratio >= accept_ratio:
            reason = "ratio"
    return Trial(t, f, d, expected, actual, ratio, reason), x


def backtrack_feasible(
    evaluate: Callable[[np.ndarray], tuple[float, float]],
    x0: np.ndarray,
    f0: float,
    full: ScaledStep,
    max_divergence: float,
    backtrack_factor: float,
    backtrack_iters: int,
    accept_ratio: float | None = None,
) -> tuple[np.ndarray | None, tuple[Trial, ...]]:
    """The accepted point (None when no trial passed) and every trial, in order."""
    trials: list[Trial] = []

    def accept(t: float) -> tuple[bool, np.ndarray]:
        trial, x = evaluate_trial(evaluate, x0, f0, full, t, max_divergence, accept_ratio)
        trials.append(trial)
        return trial.rejected_by is None, x

    t, _, x = backtrack(accept, 1.0, backtrack_factor, backtrack_iters)
    return (x if t is not None else None), tuple(trials)
