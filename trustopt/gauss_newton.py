"""The Gauss–Newton operator v ↦ s·Jᵀ M J v + μv from one linearization.

For a map r: ℝⁿ → ℝᵐ linearized at x (J = ∂r/∂x, m×n), a symmetric positive
semidefinite M on the output space, a scale s > 0 and a damping μ ≥ 0,

    G v = s · Jᵀ (M (J v)) + μ v.

With M = I, s = 1 this is the Gauss–Newton Hessian JᵀJ of ½‖r‖² (plus the
Levenberg–Marquardt term μI when μ > 0); with r the parameters of a
distribution, M that distribution's Fisher information and s = 1/N it is the
Gauss–Newton form of the Fisher matrix, as TRPO's Fisher-vector products use
(Martens 2014, "New insights and perspectives on the natural gradient
method", §9). Only J·v (``jvp``) and Jᵀ·u (``vjp``) are needed, so J is never
formed; for small problems :meth:`GaussNewton.from_jacobian` wraps a dense J.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["GaussNewton"]

ArrayMap = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class GaussNewton:
    """v ↦ scale·Jᵀ M J v + damping·v, matrix-free.

    Parameters
    ----------
    jvp : ``v -> J v`` (n → n_out; the output may be any array, it is flattened).
    vjp : ``u -> Jᵀ u`` (n_out → n), u given flat.
    metric : ``u -> M u`` on the flat output space, M symmetric positive
        semidefinite; None (default) means the identity.
    n_out : the output dimension m (the length of the flattened J v); keyword-only, required.
    scale : s > 0. Default 1.0.
    damping : μ ≥ 0, added as μv (Levenberg–Marquardt). Default 0.0.
    """

    jvp: ArrayMap
    vjp: ArrayMap
    metric: ArrayMap | None = None
    n_out: int = field(kw_only=True)
    scale: float = 1.0
    damping: float = 0.0

    def __post_init__(self) -> None:
        for name in ("jvp", "vjp"):
            if not callable(getattr(self, name)):
                raise TypeError(f"{name} must be callable; got {type(getattr(self, name)).__name__}")
        if self.metric is not None and not callable(self.metric):
            raise TypeError(f"metric must be callable or None; got {type(self.metric).__name__}")
        if isinstance(self.n_out, bool) or not isinstance(self.n_out, (int, np.integer)) or self.n_out < 1:
            raise ValueError(f"n_out must be a positive integer (the output dimension); got {self.n_out!r}")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be positive and finite; got {self.scale}")
        if not (math.isfinite(self.damping) and self.damping >= 0):
            raise ValueError(f"damping must be ≥ 0 and finite; got {self.damping}")

    @classmethod
    def from_jacobian(
        cls, J: Any, metric: ArrayMap | None = None, scale: float = 1.0, damping: float = 0.0
    ) -> "GaussNewton":
        """The operator of a dense Jacobian ``J`` (m×n)."""
        J = np.asarray(J, dtype=np.float64)
        if J.ndim != 2:
            raise ValueError(f"J must be a 2-D (m×n) array; got shape {J.shape}")
        return cls(J.__matmul__, J.T.__matmul__, metric, n_out=J.shape[0], scale=scale, damping=damping)

    def with_damping(self, damping: float) -> "GaussNewton":
        """The same operator with damping μ (the linearization is shared, not redone)."""
        return GaussNewton(self.jvp, self.vjp, self.metric, n_out=self.n_out, scale=self.scale, damping=damping)

    def output_product(self, v: np.ndarray) -> np.ndarray:
        """J v, flattened and checked against ``n_out``."""
        u = np.asarray(self.jvp(v), dtype=np.float64).ravel()
        if u.size != self.n_out:
            raise ValueError(f"jvp returned {u.size} numbers; n_out says {self.n_out}")
        return u

    def __call__(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        u = self.output_product(v)
        if self.metric is not None:
            u = np.asarray(self.metric(u), dtype=np.float64).ravel()
        out = self.scale * np.asarray(self.vjp(u), dtype=np.float64).ravel()
        if self.damping:
            out = out + self.damping * v
        return out

    def curvature(self, v: np.ndarray) -> float:
        """vᵀ G v = s·(Jv)ᵀM(Jv) + μ‖v‖², with one jvp and no vjp."""
        v = np.asarray(v, dtype=np.float64)
        u = self.output_product(v)
        Mu = u if self.metric is None else np.asarray(self.metric(u), dtype=np.float64).ravel()
        return self.scale * float(u @ Mu) + self.damping * float(v @ v)
