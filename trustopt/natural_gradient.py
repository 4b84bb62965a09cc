"""One step of min f(x) s.t. D(x) ≤ δ from D's anchor x₀: natural direction × search.

With g = ∇f(x₀) and F = ∇²D(x₀), both solvers take the natural direction
s ≈ −(F + λI)⁻¹g (:func:`~trustopt.natural_direction.natural_direction`) and
scale it to the quadratic model of the bound, Δ = sqrt(2δ / sᵀFs)·s
(:mod:`~trustopt.divergence_search`):

* :class:`NaturalGradient` = direction × scale: returns x₀ + Δ (Amari 1998;
  Kakade 2001), or x₀ + η·s for a fixed step size η;
* :class:`DivergenceTrustRegion` = direction × scale × backtrack: tries
  x₀ + tΔ for t = 1, ρ, ρ², … on the true f and D and returns the first
  trial with f decreased and D ≤ δ — the step of TRPO (Schulman et al. 2015,
  Appendix C).

Both report a :class:`~trustopt.divergence_problem.DivergenceStep` on
``Result.report`` and one History row (the report without its trials) when
a step was tried.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .divergence_problem import (
    DEFAULT_MAX_DIVERGENCE,
    DivergenceProblem,
    DivergenceStep,
    Evaluations,
    Trial,
    check_positive,
    resolve_bound,
)
from .divergence_search import ScaledStep, backtrack_feasible, evaluate_trial, scale_fixed, scale_to_bound
from .natural_direction import NaturalDirection, check_cg, natural_direction
from .result import History, Result, Status

__all__ = ["NaturalGradient", "DivergenceTrustRegion"]


def _no_step(f0: float, delta: float, direction: NaturalDirection | None, trials: tuple[Trial, ...] = ()) -> DivergenceStep:
    """The report when x₀ is returned."""
    return DivergenceStep(
        fun=f0, divergence=0.0, max_divergence=delta, expected_improvement=0.0, actual_improvement=0.0,
        ratio=math.nan, step_fraction=0.0, backtracks=len(trials), model_divergence=0.0,
        cg_iterations=0 if direction is None else direction.cg_iterations,
        cg_residual=math.nan if direction is None else direction.cg_residual, trials=trials,
    )


def _step(accepted: Trial, full: ScaledStep, delta: float, direction: NaturalDirection,
          trials: tuple[Trial, ...]) -> DivergenceStep:
    t = accepted.step_fraction
    return DivergenceStep(
        fun=accepted.fun, divergence=accepted.divergence, max_divergence=delta,
        expected_improvement=accepted.expected_improvement, actual_improvement=accepted.actual_improvement,
        ratio=accepted.ratio, step_fraction=t, backtracks=len(trials) - 1,
        model_divergence=t * t * full.model_divergence,
        cg_iterations=direction.cg_iterations, cg_residual=direction.cg_residual, trials=trials,
    )


def _begin(problem: DivergenceProblem, delta: float, cg_iters: int, cg_damping: float,
           cg_rtol: float) -> tuple[Evaluations, np.ndarray, NaturalDirection] | Result:
    """f(x₀), g = ∇f(x₀) and the natural direction, or the Result that ends the solve before any step."""
    evals = Evaluations(problem)
    x0, f0, g0 = evals.x0, evals.f0, evals.g0
    assert g0 is not None
    if not evals.finite:
        return evals.result(x0, f0, g0, 0, Status.NONFINITE, "f or its gradient is not finite at x0", History(),
                            _no_step(f0, delta, None))
    if not np.any(g0):
        return evals.result(x0, f0, g0, 0, Status.GTOL, "the gradient is zero at x0", History(),
                            _no_step(f0, delta, None))
    direction = natural_direction(problem.divergence, g0, cg_iters, cg_damping, cg_rtol)
    if direction.failure is not None:
        status, message = direction.failure
        return evals.result(x0, f0, g0, 0, status, message, History(), _no_step(f0, delta, direction),
                            cg_status=direction.cg.status)
    return evals, g0, direction


def _finish(evals: Evaluations, direction: NaturalDirection, report: DivergenceStep, x: np.ndarray | None,
            nit: int, status: Status, message: str) -> Result:
    """The Result of a tried step (x None: x₀ returned), its report also the one History row."""
    history = History()
    history.append(**report.row())
    if x is None:
        return evals.result(evals.x0, evals.f0, evals.g0, nit, status, message, history, report,
                            cg_status=direction.cg.status)
    return evals.result(x, report.fun, None, nit, status, message, history, report, cg_status=direction.cg.status)


@dataclass
class NaturalGradient:
    """One natural-gradient step, scaled to the quadratic model of D ≤ δ (direction × scale).

    With g = ∇f(x₀) and F = ∇²D(x₀):
      s  = CG solution of (F + cg_damping·I)s = −g, at most ``cg_iters`` iterations;
      Δ  = sqrt(2δ / sᵀFs)·s      (the model ½ΔᵀFΔ then equals δ), or
      Δ  = step_size·s            when a fixed step size η is given instead of δ.
    Returns x₀ + Δ (Amari 1998; Kakade 2001) after one evaluation of f and D
    there, for the report. No line search: f need not decrease and D may
    exceed δ (the model is only a model).

    Failure (x₀ returned unchanged, bit for bit): a non-finite gradient, CG
    product, f or D (status NONFINITE); sᵀFs ≤ 0 (NOT_POSITIVE_DEFINITE);
    gᵀs ≥ 0 (NOT_DESCENT). A zero gradient returns x₀ with status GTOL.

    Parameters
    ----------
    max_divergence : δ > 0. Default 0.01 (Spinning Up's TRPO ``delta``) when
        ``step_size`` is not given.
    step_size : η > 0, a fixed multiple of s instead of scaling to δ. Give
        one of ``max_divergence`` and ``step_size``, not both.
    cg_iters : CG iteration budget. Default 10 (Schulman's modular_rl
        ``cg_iters``; Spinning Up's TRPO ``cg_iters``).
    cg_damping : damping λ added to F in the CG solve. Default 0.1
        (modular_rl ``cg_damping``; Spinning Up ``damping_coeff``).
    cg_rtol : CG stops early when ‖r‖ ≤ cg_rtol·‖g‖. Default 1e-10, so the
        iteration budget normally decides, as in modular_rl (residual_tol
        1e-10 on rᵀr) and Spinning Up (no tolerance).
    """

    max_divergence: float | None = None
    step_size: float | None = None
    cg_iters: int = 10
    cg_damping: float = 0.1
    cg_rtol: float = 1e-10

    def __post_init__(self) -> None:
        if self.max_divergence is not None and self.step_size is not None:
            raise ValueError("give max_divergence (δ) or step_size (η), not both")
        if self.step_size is None:
            if self.max_divergence is None:
                self.max_divergence = DEFAULT_MAX_DIVERGENCE
            check_positive("max_divergence", self.max_divergence)
        else:
            check_positive("step_size", self.step_size)
        check_cg(self.cg_iters, self.cg_damping, self.cg_rtol)

    def minimize(self, problem: DivergenceProblem, *, max_divergence: float | None = None) -> Result:
        """Step from ``problem.anchor``; see the class docstring.

        ``max_divergence``: δ for this call only (what :class:`AdaptiveBound`
        changes); not allowed with ``step_size``.
        """
        if max_divergence is not None and self.step_size is not None:
            raise ValueError("max_divergence cannot be given to a NaturalGradient built with step_size")
        delta = math.nan if self.step_size is not None else resolve_bound(self.max_divergence, max_divergence)
        begun = _begin(problem, delta, self.cg_iters, self.cg_damping, self.cg_rtol)
        if isinstance(begun, Result):
            return begun
        evals, g0, direction = begun
        full = scale_fixed(direction, g0, self.step_size) if self.step_size is not None else \
            scale_to_bound(direction, g0, delta)
        trial, x = evaluate_trial(evals.evaluate, evals.x0, evals.f0, full, 1.0)
        if trial.rejected_by is not None:
            return _finish(evals, direction, _no_step(evals.f0, delta, direction, (trial,)), None, 0,
                           Status.NONFINITE, "f or D is not finite at the natural step; returned x0")
        return _finish(evals, direction, _step(trial, full, delta, direction, (trial,)), x, 1, Status.STEP_ACCEPTED, "")


_WORDS = {"no_decrease": "f did not decrease", "divergence": "D > δ = {delta:.3g}",
          "ratio": "improvement ratio < {accept_ratio}", "nonfinite": "f or D not finite"}


@dataclass
class DivergenceTrustRegion:
    """TRPO's step: the natural step to the model bound, then backtracking on the true f and D.

    With g = ∇f(x₀), F = ∇²D(x₀), s the CG solution of (F + λI)s = −g and
    Δ = sqrt(2δ / sᵀFs)·s (as in :class:`NaturalGradient`), try
    x₀ + t·Δ for t = 1, ρ, ρ², … (``backtrack_iters`` trials, the full step
    included) and accept the first with
      f(x₀ + tΔ) < f(x₀)  and  D(x₀ + tΔ) ≤ δ·(1 + 1e-12)
    (Spinning Up's TRPO; the slack absorbs the rounding of a full step whose
    model is exactly δ), and, when ``accept_ratio`` is given,
      (f(x₀) − f(x₀ + tΔ)) / (−t·gᵀΔ) ≥ accept_ratio
    (Schulman's modular_rl). Trial points where f or D is not finite are
    rejected. Schulman et al. (2015), Appendix C.

    If no trial is accepted, x₀ is returned unchanged (bit for bit) and the
    status says which condition failed: INFEASIBLE when D > δ at every trial,
    NONFINITE when every trial was non-finite, NO_STEP_ACCEPTED otherwise
    (the message counts each reason; ``report.trials`` has every trial with
    its ``rejected_by``).

    Parameters
    ----------
    max_divergence : δ > 0. Default 0.01 (Spinning Up's TRPO ``delta``).
    backtrack_factor : ρ ∈ (0, 1). Default 0.8 (Spinning Up's ``backtrack_coeff``;
        modular_rl uses 0.5).
    backtrack_iters : trial steps, the full step included. Default 10
        (Spinning Up's ``backtrack_iters``; modular_rl's ``max_backtracks``).
    accept_ratio : optional minimum ratio of actual to expected improvement.
        Default None (off, as Spinning Up); modular_rl uses 0.1.
    cg_iters, cg_damping, cg_rtol : as in :class:`NaturalGradient`
        (defaults 10, 0.1 and 1e-10; modular_rl and Spinning Up).
    """

    max_divergence: float = DEFAULT_MAX_DIVERGENCE
    backtrack_factor: float = 0.8
    backtrack_iters: int = 10
    accept_ratio: float | None = None
    cg_iters: int = 10
    cg_damping: float = 0.1
    cg_rtol: float = 1e-10

    def __post_init__(self) -> None:
        check_positive("max_divergence", self.max_divergence)
        if not (0.0 < self.backtrack_factor < 1.0):
            raise ValueError(f"backtrack_factor must lie in (0, 1); got {self.backtrack_factor!r}")
        if not (isinstance(self.backtrack_iters, int) and self.backtrack_iters >= 1):
            raise ValueError(f"backtrack_iters must be an integer ≥ 1; got {self.backtrack_iters!r}")
        if self.accept_ratio is not None and not (0.0 <= self.accept_ratio < 1.0):
            raise ValueError(f"accept_ratio must lie in [0, 1) or be None; got {self.accept_ratio!r}")
        check_cg(self.cg_iters, self.cg_damping, self.cg_rtol)

    def minimize(self, problem: DivergenceProblem, *, max_divergence: float | None = None) -> Result:
        """Step from ``problem.anchor``; see the class docstring.

        ``max_divergence``: δ for this call only (what :class:`AdaptiveBound` changes).
        """
        delta = resolve_bound(self.max_divergence, max_divergence)
        begun = _begin(problem, delta, self.cg_iters, self.cg_damping, self.cg_rtol)
        if isinstance(begun, Result):
            return begun
        evals, g0, direction = begun
        full = scale_to_bound(direction, g0, delta)
        x, trials = backtrack_feasible(evals.evaluate, evals.x0, evals.f0, full, delta, self.backtrack_factor,
                                       self.backtrack_iters, self.accept_ratio)
        if x is None:
            counts = Counter(t.rejected_by for t in trials)
            if counts["divergence"] == len(trials):
                status = Status.INFEASIBLE
            elif counts["nonfinite"] == len(trials):
                status = Status.NONFINITE
            else:
                status = Status.NO_STEP_ACCEPTED
            reasons = ", ".join(
                _WORDS[r].format(delta=delta, accept_ratio=self.accept_ratio) + f" at {c}"
                for r, c in counts.items() if r is not None
            )
            return _finish(evals, direction, _no_step(evals.f0, delta, direction, trials), None, 1, status,
                           f"no step accepted in {len(trials)} trials; returned x0 ({reasons})")
        return _finish(evals, direction, _step(trials[-1], full, delta, direction, trials), x, 1, Status.STEP_ACCEPTED, "")
