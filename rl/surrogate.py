"""The adapter proper: a batch and a policy become a trustopt problem.

With advantages A of the old policy π_old on N sampled state-action pairs,

    L(θ) = mean_i [ π_θ(a_i|s_i) / π_old(a_i|s_i) · A_i ]  (+ c · mean_i H(π_θ(·|s_i)))
    D̄(θ) = mean_i KL(π_old(·|s_i) ‖ π_θ(·|s_i))

(Schulman et al. 2015, eq. 14). trustopt minimizes, so :class:`PolicyStep`
hands it the :class:`trustopt.Objective` −L and the
:class:`trustopt.Divergence` D̄ anchored at θ_old. The divergence's metric
product is the Fisher-vector product in Gauss–Newton form

    F v = (1/N) Jᵀ M J v,

J the Jacobian of the distribution parameters of all N states with respect to
θ and M the distribution's analytic Fisher in its own parameters (exact: the
Hessian of the KL at θ_old has no second-derivative-of-network term because the
KL's gradient in the distribution parameters vanishes there). J v and Jᵀ u come
from one linearization of the network at θ_old, built once per update and
reused by every conjugate-gradient iteration — no double backpropagation.
"""

from __future__ import annotations

from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import value_and_grad as ag_value_and_grad

from trustopt import Divergence, Objective

from .policies import Policy

__all__ = ["PolicyStep"]


class PolicyStep:
    """−L(θ) and the mean KL about θ_old for one batch, as trustopt objects.

    Parameters
    ----------
    policy : the :class:`~rl.policies.Policy`.
    theta_old : θ_old (n_params,), the policy that collected the batch.
    obs : (N, obs_dim) observations as the policy saw them.
    actions : (N,) or (N, d) actions taken.
    advantages : (N,) advantage estimates (typically standardized).
    entropy_coef : c ≥ 0, weight of the mean-entropy bonus in L. Default 0
        (TRPO's surrogate has none).
    fisher_fraction : fraction of the N states used for Fisher-vector
        products (the TRPO paper's subsampling, §6). Default 1.
    rng : Generator choosing the subsample (needed when fisher_fraction < 1).

    Attributes
    ----------
    objective : Objective f(θ) = −L(θ); autograd derivatives, for any solver.
    divergence : Divergence D̄ with the Gauss–Newton metric product.
    fun0, grad0 : f and ∇f at θ_old, from the linearization (no extra pass).
    """

    def __init__(
        self,
        policy: Policy,
        theta_old: np.ndarray,
        obs: np.ndarray,
        actions: np.ndarray,
        advantages: np.ndarray,
        *,
        entropy_coef: float = 0.0,
        fisher_fraction: float = 1.0,
        rng: np.random.Generator | None = None,
    ) -> None:
        if not (0.0 < fisher_fraction <= 1.0):
            raise ValueError(f"fisher_fraction must lie in (0, 1]; got {fisher_fraction}")
        if entropy_coef < 0:
            raise ValueError(f"entropy_coef must be ≥ 0; got {entropy_coef}")
        self.policy = policy
        self.dist = policy.dist
        self.theta_old = np.array(theta_old, dtype=np.float64)
        self.obs = np.reshape(np.asarray(obs, dtype=np.float64), (-1, policy.obs_dim))
        self.actions = np.asarray(actions)
        self.advantages = np.asarray(advantages, dtype=np.float64).reshape(-1)
        n = self.obs.shape[0]
        if self.advantages.shape[0] != n or self.actions.shape[0] != n:
            raise ValueError(
                f"obs, actions and advantages must have the same length; got {n}, "
                f"{self.actions.shape[0]}, {self.advantages.shape[0]}"
            )
        self.n = n
        self.entropy_coef = float(entropy_coef)

        self.params_old, jvp, vjp = policy.linearize(self.theta_old, self.obs)
        self.logp_old = np.asarray(self.dist.log_prob(self.params_old, self.actions))
        fun0, dparams = ag_value_and_grad(self._loss_of_params)(self.params_old)
        self.fun0 = float(fun0)
        self.grad0 = vjp(dparams)

        if fisher_fraction < 1.0:
            if rng is None:
                raise ValueError("rng is required when fisher_fraction < 1")
            m = max(1, int(round(fisher_fraction * n)))
            idx = np.sort(rng.choice(n, size=m, replace=False))
            f_params, f_jvp, f_vjp = policy.linearize(self.theta_old, self.obs[idx])
        else:
            f_params, f_jvp, f_vjp = self.params_old, jvp, vjp
        n_fisher = _n_states(f_params)

        def fisher_vp(v: np.ndarray) -> np.ndarray:
            return f_vjp(self.dist.fisher_vector_product(f_params, f_jvp(v))) / n_fisher

        self.objective = Objective(self._loss)
        self.divergence = Divergence(self._mean_kl, self.theta_old, metric_vp=fisher_vp)

    # -- functions of the distribution parameters (cheap to differentiate) --

    def _loss_of_params(self, params: Any) -> Any:
        ratio = anp.exp(self.dist.log_prob(params, self.actions) - self.logp_old)
        loss = -anp.mean(ratio * self.advantages)
        if self.entropy_coef:
            loss = loss - self.entropy_coef * anp.mean(self.dist.entropy(params))
        return loss

    # -- functions of θ --

    def _loss(self, theta: Any) -> Any:
        """−L(θ), differentiable by autograd."""
        return self._loss_of_params(self.policy.dist_params(theta, self.obs))

    def _mean_kl(self, theta: Any) -> Any:
        """D̄(θ) = mean KL(π_old ‖ π_θ), differentiable by autograd."""
        return anp.mean(self.dist.kl(self.params_old, self.policy.dist_params(theta, self.obs)))

    def fun_and_divergence(self, theta: np.ndarray) -> tuple[float, float]:
        """(−L(θ), D̄(θ)) from one plain-numpy forward pass: a line-search trial."""
        params = self.policy.dist_params_np(theta, self.obs)
        loss = self._loss_of_params(params)
        kl = float(np.mean(self.dist.kl(self.params_old, params)))
        return float(loss), kl


def _n_states(params: Any) -> int:
    first = params[0] if isinstance(params, tuple) else params
    return int(np.shape(first)[0])
