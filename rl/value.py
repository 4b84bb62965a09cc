"""Fit the value function V_φ to the λ-returns (step 4 of every algorithm's loop).

φ minimizes mean_i (V_φ(s_i) − target_i)² + vf_l2·‖φ‖², warm-started from the
current φ: by L-BFGS on the full batch (``vf_optimizer="lbfgs"``, as modular_rl
fits TRPO's baseline) or by Adam over shuffled minibatches (``"adam"``, as PPO
implementations do). Both through trustopt; gradients come from the value MLP's
hand-written linearization (one forward and one backward pass in numpy).
"""

from __future__ import annotations

import numpy as np

from trustopt import LBFGS, Adam, MeanObjective, Objective

from .config import Config
from .policies import ValueFunction

__all__ = ["fit_value_function"]


def fit_value_function(value_function: ValueFunction, phi: np.ndarray, obs: np.ndarray, targets: np.ndarray,
                       config: Config, rng: np.random.Generator | None) -> tuple[np.ndarray, float]:
    """(φ after the fit, regression loss on the full batch). obs (N, obs_dim), targets (N,).

    rng: the Adam fit's minibatch order (the L-BFGS fit draws nothing and takes None).
    """
    mlp, l2 = value_function.mlp, config.vf_l2

    def value_and_grad(p: np.ndarray, idx: np.ndarray | slice = slice(None)) -> tuple[float, np.ndarray]:
        out, vjp = mlp.forward_backward(p, obs[idx])
        err = out[:, 0] - targets[idx]
        m = err.shape[0]
        value = float(err @ err) / m + l2 * float(p @ p)
        grad = vjp((2.0 / m) * err[:, None])
        grad += (2.0 * l2) * p
        return value, grad

    def loss(p: np.ndarray, idx: np.ndarray | slice = slice(None)) -> float:
        # the forward pass alone, the same operations as forward_backward's: value_and_grad's loss to the bit
        err = mlp.forward_np(p, obs[idx])[:, 0] - targets[idx]
        return float(err @ err) / err.shape[0] + l2 * float(p @ p)

    if config.vf_optimizer == "adam":
        if rng is None:
            raise ValueError("rng: the Adam value fit draws minibatches and needs a Generator")
        data = MeanObjective(loss, obs.shape[0], value_and_grad=value_and_grad)
        solver = Adam(learning_rate=config.vf_lr, maxiter=config.vf_epochs, batch_size=config.vf_batch_size,
                      gtol=0.0, seed=rng)
        fitted = solver.minimize(data, phi).x
        return fitted, loss(fitted)
    objective = Objective(loss, value_and_grad=value_and_grad)
    result = LBFGS(maxiter=config.vf_iters, gtol=0.0).minimize(objective, phi)
    return result.x, result.fun
