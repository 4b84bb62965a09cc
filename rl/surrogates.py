"""Policy surrogates: functions of the new log-probabilities, to be *maximized*.

Each takes log π_θ(a_i|s_i) for the batch (or a minibatch) together with the
old policy's log-probabilities and the advantages, and returns the mean over
the samples. They are written with ``autograd.numpy`` so their gradient in the
distribution parameters comes from autograd (cheap: the parameters are an
N × k array); the chain rule to θ goes through the network's hand-written
linearization (``rl.problem``).

* :func:`ratio` — L(θ) = mean[ r·A ], r = π_θ/π_old (Kakade & Langford 2002;
  TRPO, Schulman et al. 2015 eq. 14; NPG; PPO-penalty).
* :func:`clipped_ratio` — mean[ min(r·A, clip(r, 1−ε, 1+ε)·A) ] (PPO,
  Schulman et al. 2017 eq. 7).
* :func:`log_prob` — mean[ log π_θ · A ], whose gradient is the vanilla policy
  gradient (Williams 1992; Spinning Up's VPG).

At θ = θ_old, ratio, clipped_ratio and log_prob have the same gradient
mean[∇log π · A]; they differ in how they behave away from θ_old.
"""

from __future__ import annotations

from typing import Any, Callable

import autograd.numpy as anp
import numpy as np

__all__ = ["Surrogate", "ratio", "clipped_ratio", "log_prob", "clip_fraction"]

#: (logp_new (N,), logp_old (N,), advantages (N,)) -> mean surrogate (scalar), with
#: a ``value_and_grad`` method giving the value and its gradient in logp in plain numpy.
Surrogate = Callable[[Any, np.ndarray, np.ndarray], Any]


class _Surrogate:
    """A surrogate: ``s(logp, logp_old, adv)`` (autograd-differentiable) and, in plain numpy,
    ``s.value_and_grad(logp, logp_old, adv) -> (value, ∂value/∂logp)`` for the hot path."""

    def __call__(self, logp: Any, logp_old: np.ndarray, adv: np.ndarray) -> Any:
        raise NotImplementedError

    def value_and_grad(self, logp: np.ndarray, logp_old: np.ndarray, adv: np.ndarray) -> tuple[float, np.ndarray]:
        raise NotImplementedError


class _Ratio(_Surrogate):
    def __call__(self, logp: Any, logp_old: np.ndarray, adv: np.ndarray) -> Any:
        return anp.mean(anp.exp(logp - logp_old) * adv)

    def value_and_grad(self, logp: np.ndarray, logp_old: np.ndarray, adv: np.ndarray) -> tuple[float, np.ndarray]:
        r_adv = np.exp(logp - logp_old) * adv
        return float(np.add.reduce(r_adv) / adv.size), r_adv / adv.size


class _ClippedRatio(_Surrogate):
    def __init__(self, clip_range: float) -> None:
        self.lo, self.hi = 1.0 - clip_range, 1.0 + clip_range

    def __call__(self, logp: Any, logp_old: np.ndarray, adv: np.ndarray) -> Any:
        r = anp.exp(logp - logp_old)
        return anp.mean(anp.minimum(r * adv, anp.clip(r, self.lo, self.hi) * adv))

    def value_and_grad(self, logp: np.ndarray, logp_old: np.ndarray, adv: np.ndarray) -> tuple[float, np.ndarray]:
        # ufuncs only: np.clip and np.mean are Python wrappers costing more than the
        # arithmetic on a minibatch (max-then-min is clip, add.reduce / n is mean, to the bit)
        r = np.exp(logp - logp_old)
        unclipped, clipped = r * adv, np.minimum(np.maximum(r, self.lo), self.hi) * adv
        # The min takes the unclipped term (gradient r·A) unless the clipped one is smaller,
        # which happens only where r is outside [1−ε, 1+ε] (then the clipped term is constant).
        grad = np.where(unclipped <= clipped, unclipped, 0.0) / adv.size
        return float(np.add.reduce(np.minimum(unclipped, clipped)) / adv.size), grad


class _LogProb(_Surrogate):
    def __call__(self, logp: Any, logp_old: np.ndarray, adv: np.ndarray) -> Any:
        return anp.mean(logp * adv)

    def value_and_grad(self, logp: np.ndarray, logp_old: np.ndarray, adv: np.ndarray) -> tuple[float, np.ndarray]:
        return float(np.add.reduce(logp * adv) / adv.size), adv / adv.size


#: mean[ exp(logp − logp_old) · A ].
ratio: Surrogate = _Ratio()

#: mean[ logp · A ] (``logp_old`` unused: the vanilla policy gradient's surrogate).
log_prob: Surrogate = _LogProb()


def clipped_ratio(clip_range: float) -> Surrogate:
    """PPO's clipped surrogate with ε = ``clip_range``.

    mean[ min(r·A, clip(r, 1−ε, 1+ε)·A) ]: a sample whose ratio has left
    [1−ε, 1+ε] in the direction its advantage favours contributes a constant,
    so its gradient is zero (Schulman et al. 2017, §3).
    """
    if not 0.0 < clip_range < 1.0:
        raise ValueError(f"clip_range must lie in (0, 1); got {clip_range!r}")
    return _ClippedRatio(clip_range)


def clip_fraction(log_ratio: np.ndarray, clip_range: float) -> float:
    """Share of samples whose ratio r = exp(log_ratio) lies outside [1−ε, 1+ε] (SB3's and CleanRL's diagnostic)."""
    return float(np.mean(np.abs(np.expm1(log_ratio)) > clip_range))
