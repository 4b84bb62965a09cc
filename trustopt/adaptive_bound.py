"""Adapt the divergence bound δ between successive steps with the trust-region radius rule.

Near the anchor D(x) ≈ ½‖x − x₀‖²_F, so r = sqrt(2δ) is the length, in the
metric norm, of a step on the bound; applying
:class:`~trustopt.radius.RadiusRule` (Nocedal & Wright, Algorithm 4.1) to r
and mapping back with δ = ½r² makes the rule's factors mean what they mean
for an ordinary trust radius (a shrink by ¼ in r divides δ by 16).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .divergence_problem import DEFAULT_MAX_DIVERGENCE, DivergenceStep, check_positive
from .radius import RadiusRule
from .result import Result, Status

__all__ = ["AdaptiveBound"]


@dataclass
class AdaptiveBound:
    """Adapt the divergence bound δ between successive solves (opt-in).

    The ratio is ρ = actual / expected improvement of the last step
    (``result.report.ratio``); the step "reached the boundary" when the
    divergence it reached is at least half the bound (D ≥ δ/2: the natural
    step is scaled to the bound, and a step that backtracking left well inside
    it says nothing about a larger one); its length is t·r for the accepted
    step fraction t. A solve that accepted no step counts as ρ = NaN (a poor
    step), so r shrinks.

    Use: ``res = solver.minimize(problem, max_divergence=bound.delta)`` and then
    ``bound.update(res)``; stop when ``bound.exhausted``.

    Parameters
    ----------
    delta : the current bound δ > 0. Default 0.01 (Spinning Up's TRPO ``delta``).
    rule : the radius rule, in units of r = sqrt(2δ). Default
        ``RadiusRule(max_radius=sqrt(2))``, i.e. N&W's constants with δ ≤ 1.
    """

    delta: float = DEFAULT_MAX_DIVERGENCE
    rule: RadiusRule = field(default_factory=lambda: RadiusRule(max_radius=math.sqrt(2.0)))

    def __post_init__(self) -> None:
        check_positive("delta", self.delta)
        if not isinstance(self.rule, RadiusRule):
            raise TypeError(f"rule must be a RadiusRule; got {type(self.rule).__name__}")
        if self.radius > self.rule.max_radius:
            raise ValueError(
                f"delta = {self.delta} exceeds the rule's maximum ½·max_radius² = {0.5 * self.rule.max_radius ** 2}"
            )

    @property
    def radius(self) -> float:
        """r = sqrt(2δ), the bound as a length in the metric norm."""
        return math.sqrt(2.0 * self.delta)

    @property
    def exhausted(self) -> bool:
        """Whether δ fell below the rule's minimum (the model is trusted nowhere)."""
        return self.rule.too_small(self.radius)

    def update(self, result: Result) -> float:
        """Adapt δ from the report of a :class:`NaturalGradient` or :class:`DivergenceTrustRegion` result; return it."""
        step = result.report
        if not isinstance(step, DivergenceStep):
            raise TypeError(
                f"result.report must be a DivergenceStep (a NaturalGradient or DivergenceTrustRegion result); "
                f"got {type(step).__name__}"
            )
        r = self.radius
        accepted = result.status is Status.STEP_ACCEPTED
        rho = step.ratio if accepted else math.nan
        fraction = step.step_fraction if accepted else 1.0
        on_boundary = accepted and 2.0 * step.divergence >= step.max_divergence
        r_next = self.rule.update(r, rho, on_boundary, step_norm=fraction * r)
        self.delta = 0.5 * r_next * r_next
        return self.delta
