"""Discounted returns and generalized advantage estimation over (T, n_envs) batches.

Arrays are time-major: index [t, i] is step t of environment i.  A step ends
its episode when it is ``terminated`` (a true terminal state: the future is
worth 0) or ``truncated`` (cut off, e.g. by a time limit: the future is worth
V(final observation), so it is bootstrapped).  Either way the recursion does
not run across the boundary.  The last step of the batch is cut too and
bootstrapped from ``next_values[T-1]``.
"""

from __future__ import annotations

import numpy as np

from .sampler import RunningMeanStd


def _check(gamma: float, lam: float | None = None, **arrays: np.ndarray | None) -> None:
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must lie in [0, 1], got {gamma}")
    if lam is not None and not 0.0 <= lam <= 1.0:
        raise ValueError(f"lam must lie in [0, 1], got {lam}")
    shape = np.shape(arrays["rewards"])
    if len(shape) != 2:
        raise ValueError(f"rewards must have shape (T, n_envs), got {shape}")
    for name, a in arrays.items():
        if a is not None and np.shape(a) != shape:
            raise ValueError(f"{name} must have the shape of rewards {shape}, got {np.shape(a)}")


def _discounted_cumsum(x: np.ndarray, discount: np.ndarray) -> np.ndarray:
    """y_t = x_t + discount_t · y_{t+1}, y_T = 0, over axis 0. x, discount (T, n)."""
    y = np.empty_like(x)
    acc = np.zeros(x.shape[1:])
    for t in range(x.shape[0] - 1, -1, -1):
        acc = x[t] + discount[t] * acc
        y[t] = acc
    return y


def gae(
    rewards: np.ndarray,
    values: np.ndarray,
    next_values: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    gamma: float = 0.99,
    lam: float = 0.97,
) -> tuple[np.ndarray, np.ndarray]:
    """Generalized advantage estimation, GAE(γ, λ) (Schulman et al. 2016).

        δ_t = r_t + γ (1 − terminated_t) V(s'_t) − V(s_t)
        A_t = δ_t + γ λ (1 − done_t) A_{t+1},   done_t = terminated_t or truncated_t

    rewards, values, next_values, terminated, truncated: (T, n_envs).
    values[t] = V(s_t); next_values[t] = V(s'_t) of the observation that
    followed step t (on truncation, the episode's final observation, not the
    reset one); it is ignored where terminated.
    gamma: discount, default 0.99.  lam: λ, default 0.97 (the value used for
    TRPO in Schulman et al. 2016, GAE, section 6).
    Returns (advantages, returns) (T, n_envs), returns = advantages + values:
    the TD(λ) targets for the value function.
    """
    _check(gamma, lam, rewards=rewards, values=values, next_values=next_values,
           terminated=terminated, truncated=truncated)
    not_terminal = 1.0 - np.asarray(terminated, dtype=np.float64)
    not_done = not_terminal * (1.0 - np.asarray(truncated, dtype=np.float64))
    deltas = rewards + gamma * not_terminal * next_values - values
    advantages = _discounted_cumsum(deltas, gamma * lam * not_done)
    return advantages, advantages + values


def discounted_returns(
    rewards: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    gamma: float = 0.99,
    next_values: np.ndarray | None = None,
) -> np.ndarray:
    """Discounted reward-to-go G_t = r_t + γ G_{t+1} within each episode.

    At a cut (terminated, truncated, or the last step of the batch) the
    continuation is 0 when terminated, else next_values[t] (the bootstrap
    V(s'_t)), or 0 if next_values is None (plain Monte-Carlo returns of the
    stored rewards).  All arrays (T, n_envs).  Returns (T, n_envs).
    """
    _check(gamma, rewards=rewards, terminated=terminated, truncated=truncated, next_values=next_values)
    terminated = np.asarray(terminated, dtype=bool)
    cut = terminated | np.asarray(truncated, dtype=bool)
    cut[-1] = True
    x = np.array(rewards, dtype=np.float64)
    if next_values is not None:
        bootstrap = cut & ~terminated
        x[bootstrap] += gamma * np.asarray(next_values)[bootstrap]
    return _discounted_cumsum(x, gamma * ~cut)


def standardize(x: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """(x − mean) / (std + eps) over all entries; eps (default 1e-8) guards a constant x."""
    x = np.asarray(x, dtype=np.float64)
    return (x - x.mean()) / (x.std() + eps)


class RewardScaler:
    """Rewards divided by a running estimate of the discounted return's standard deviation.

    The scaling of baselines' ``VecNormalize(norm_reward=True)`` (Engstrom et
    al. 2020 call it "reward scaling"): each environment keeps its running
    discounted return R ← γ·R + r (reset to 0 when an episode ends), the
    running variance of all R seen so far is kept in ``rms``, and rewards are
    divided by √(var + eps) — the mean is not subtracted, so the sign of a
    reward is kept — then clipped to ±clip.  Here a whole batch updates the
    statistics before it is scaled (VecNormalize updates them per step); so the
    scaling does not depend on how the environments were split over workers.

    The statistics (``rms``) are saved with the agent; the running returns are
    not: a resumed run starts fresh episodes.
    """

    def __init__(self, rms: RunningMeanStd, gamma: float, clip: float = 10.0, eps: float = 1e-8) -> None:
        self.rms, self.gamma, self.clip, self.eps = rms, float(gamma), float(clip), float(eps)
        self.running: np.ndarray | None = None

    def __call__(self, rewards: np.ndarray, terminated: np.ndarray, truncated: np.ndarray) -> np.ndarray:
        """Scaled (T, n_envs) rewards; advances the running returns and the statistics."""
        _check(self.gamma, rewards=rewards, terminated=terminated, truncated=truncated)
        rewards = np.asarray(rewards, dtype=np.float64)
        if self.running is None or self.running.shape != rewards.shape[1:]:
            self.running = np.zeros(rewards.shape[1:])
        done = np.asarray(terminated) | np.asarray(truncated)
        returns = np.empty_like(rewards)
        running = self.running
        for t in range(rewards.shape[0]):
            running = self.gamma * running + rewards[t]
            returns[t] = running
            running = np.where(done[t], 0.0, running)
        self.running = running
        self.rms.update(returns.reshape(-1))
        return np.clip(rewards / np.sqrt(self.rms.var + self.eps), -self.clip, self.clip)
