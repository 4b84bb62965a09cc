"""The trust-radius rule: adapt a bound from actual versus predicted improvement.

Given a step's ratio ρ = actual reduction / predicted reduction, a
:class:`RadiusRule` says whether to accept the step and what the next radius
is. The trust-region driver applies it to ‖p‖ ≤ Δ; the divergence-constrained
solvers apply the same rule to a divergence bound D ≤ δ, which is why it is a
small object of its own.

Defaults follow Nocedal & Wright, *Numerical Optimization*, 2nd ed.,
Algorithm 4.1 (shrink by ¼ when ρ < ¼; double, up to the maximum, when
ρ > ¾ and the step reached the boundary), with the acceptance threshold
η = 0.15 of ``scipy.optimize``'s trust-region driver (N&W allow η ∈ [0, ¼)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RadiusRule"]


@dataclass(frozen=True)
class RadiusRule:
    """Accept/shrink/grow rule for a trust radius (or any bound adapted by ρ).

    Parameters
    ----------
    eta : accept a step when ρ > eta. Default 0.15 (scipy; N&W Alg. 4.1 allow [0, ¼)).
    shrink_below : shrink when ρ < shrink_below. Default 0.25 (N&W Alg. 4.1).
    grow_above : grow when ρ > grow_above and the step reached the boundary.
        Default 0.75 (N&W Alg. 4.1).
    shrink_factor : the radius after a poor step is shrink_factor × the
        step's length (or × the radius when the length is not given).
        Default 0.25 (N&W Alg. 4.1).
    grow_factor : growth on a very good boundary step. Default 2 (N&W Alg. 4.1).
    max_radius : upper bound on the radius. Default 1000 (scipy's ``max_trust_radius``).
    min_radius : a radius below this means the model can no longer be
        trusted anywhere; drivers stop there. Default 1e-12.
    """

    eta: float = 0.15
    shrink_below: float = 0.25
    grow_above: float = 0.75
    shrink_factor: float = 0.25
    grow_factor: float = 2.0
    max_radius: float = 1000.0
    min_radius: float = 1e-12

    def __post_init__(self) -> None:
        if not (0.0 <= self.eta < 1.0):
            raise ValueError(f"eta must lie in [0, 1); got {self.eta}")
        if not (self.eta <= self.shrink_below < self.grow_above):
            raise ValueError(
                "need eta ≤ shrink_below < grow_above; got "
                f"eta={self.eta}, shrink_below={self.shrink_below}, grow_above={self.grow_above}"
            )
        if not (0.0 < self.shrink_factor < 1.0):
            raise ValueError(f"shrink_factor must lie in (0, 1); got {self.shrink_factor}")
        if not self.grow_factor > 1.0:
            raise ValueError(f"grow_factor must be > 1; got {self.grow_factor}")
        if not (0.0 < self.min_radius < self.max_radius < math.inf):
            raise ValueError(
                f"need 0 < min_radius < max_radius < inf; got {self.min_radius}, {self.max_radius}"
            )

    def accept(self, rho: float) -> bool:
        """Whether a step with ratio ``rho`` is taken (NaN is never taken)."""
        return bool(rho > self.eta)

    def update(self, radius: float, rho: float, on_boundary: bool, step_norm: float | None = None) -> float:
        """The next radius after a step of ratio ``rho``.

        ``on_boundary`` tells whether the step reached the bound; a very good
        step strictly inside it says nothing about a larger region, so the
        radius is kept. A NaN ratio counts as a poor step.
        """
        if not rho >= self.shrink_below:
            base = radius if step_norm is None else min(step_norm, radius)
            return max(self.shrink_factor * base, 0.0)
        if rho > self.grow_above and on_boundary:
            return min(self.grow_factor * radius, self.max_radius)
        return radius

    def too_small(self, radius: float) -> bool:
        """Whether a driver should give up: the radius fell below ``min_radius``."""
        return radius < self.min_radius
