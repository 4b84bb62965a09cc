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

#: (logp_new (N,), logp_old (N,), advantages (N,)) -> mean surrogate (scalar).
Surrogate = Callable[[Any, np.ndarray, np.ndarray], Any]


def ratio(logp: Any, logp_old: np.ndarray, adv: np.ndarray) -> Any:
    """mean[ exp(logp − logp_old) · A ]."""
    return anp.mean(anp.exp(logp - logp_old) * adv)


def clipped_ratio(clip_range: float) -> Surrogate:
    """PPO's clipped surrogate with ε = ``clip_range``.

    mean[ min(r·A, clip(r, 1−ε, 1+ε)·A) ]: a sample whose ratio has left
    [1−ε, 1+ε] in the direction its advantage favours contributes a constant,
    so its gradient is zero (Schulman et al. 2017, §3).
    """
    if not 0.0 < clip_range < 1.0:
        raise ValueError(f"clip_range must lie in (0, 1); got {clip_range!r}")
    lo, hi = 1.0 - clip_range, 1.0 + clip_range

    def surrogate(logp: Any, logp_old: np.ndarray, adv: np.ndarray) -> Any:
        r = anp.exp(logp - logp_old)
        return anp.mean(anp.minimum(r * adv, anp.clip(r, lo, hi) * adv))

    return surrogate


def log_prob(logp: Any, logp_old: np.ndarray, adv: np.ndarray) -> Any:
    """mean[ logp · A ] (``logp_old`` unused: the vanilla policy gradient's surrogate)."""
    return anp.mean(logp * adv)


def clip_fraction(logp: np.ndarray, logp_old: np.ndarray, clip_range: float) -> float:
    """Share of samples whose ratio lies outside [1−ε, 1+ε] (SB3's and CleanRL's diagnostic)."""
    return float(np.mean(np.abs(np.exp(logp - logp_old) - 1.0) > clip_range))
