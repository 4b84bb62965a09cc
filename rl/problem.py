"""The adapter proper: a batch and a policy become trustopt problems.

With advantages A of the old policy π_old on N sampled state–action pairs and
a surrogate S (``rl.surrogates``) of the log-probabilities,

    L(θ) = S(log π_θ(a|s), log π_old(a|s), A)  (+ c · mean_i H(π_θ(·|s_i)))
    D̄(θ) = mean_i KL(π_old(·|s_i) ‖ π_θ(·|s_i))

trustopt minimizes, so :class:`PolicyBatch` hands it −L: as an
:class:`trustopt.Objective` over the whole batch, inside a
:class:`trustopt.DivergenceProblem` with D̄ (TRPO, NPG, PPO-penalty), or as a
:class:`trustopt.MeanObjective` over minibatch indices (PPO, VPG). The
divergence's metric product is the Fisher-vector product in Gauss–Newton form

    F v = (1/N) Jᵀ M J v,

J the Jacobian of the distribution parameters of the N states with respect to
θ and M the distribution's analytic Fisher in its own parameters (exact at
θ_old: the KL's gradient in the distribution parameters vanishes there, so the
Hessian has no second-derivative-of-network term). J v and Jᵀ u come from one
hand-written linearization of the network at θ_old, built once per update and
reused by every conjugate-gradient iteration; the product is trustopt's
:class:`~trustopt.GaussNewton` operator, the one its least-squares solvers use.

Gradients at any θ (a minibatch step, a penalty solve) go the same way: one
forward linearization of the network, autograd on the cheap function of the
distribution parameters, and one vector–Jacobian product back to θ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import autograd.numpy as anp
import numpy as np
from autograd import value_and_grad as ag_value_and_grad

from trustopt import Divergence, DivergenceProblem, GaussNewton, MeanObjective, Objective

from .policies import Policy
from .surrogates import Surrogate

__all__ = ["PolicyBatch", "BatchStatistics"]


def _take(params: Any, idx: np.ndarray | slice) -> Any:
    """Rows ``idx`` of distribution parameters (a Gaussian's shared log-std is kept whole)."""
    if isinstance(params, tuple):
        mean, log_std = params
        return (mean[idx], log_std if np.ndim(log_std) == 1 else log_std[idx])
    return params[idx]


class PolicyBatch:
    """One batch of experience seen through the policy that collected it.

    Parameters
    ----------
    policy : the :class:`~rl.policies.Policy`.
    theta_old : θ_old (n_params,), the parameters that collected the batch.
    obs : (N, obs_dim) observations as the policy saw them.
    actions : (N,) or (N, d) actions taken.
    advantages : (N,) advantage estimates (standardized or not: the caller's choice).
    """

    def __init__(self, policy: Policy, theta_old: np.ndarray, obs: np.ndarray, actions: np.ndarray,
                 advantages: np.ndarray) -> None:
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
        self.params_old, self._jvp, self._vjp = policy.linearize(self.theta_old, self.obs)
        self.logp_old = np.asarray(self.dist.log_prob(self.params_old, self.actions))

    # -- −L as a function of the distribution parameters --------------------------

    def _loss_of_params(self, surrogate: Surrogate, entropy_coef: float, kl_weight: float,
                        idx: np.ndarray | slice) -> Callable[[Any], Any]:
        actions, logp_old, adv = self.actions[idx], self.logp_old[idx], self.advantages[idx]
        params_old = _take(self.params_old, idx)
        dist = self.dist

        def loss(params: Any) -> Any:
            value = -surrogate(dist.log_prob(params, actions), logp_old, adv)
            if entropy_coef:
                value = value - entropy_coef * anp.mean(dist.entropy(params))
            if kl_weight:
                value = value + kl_weight * anp.mean(dist.kl(params_old, params))
            return value

        return loss

    def _value_and_grad(self, surrogate: Surrogate, entropy_coef: float, kl_weight: float,
                        theta: np.ndarray, idx: np.ndarray | slice = slice(None)) -> tuple[float, np.ndarray]:
        if not entropy_coef and hasattr(surrogate, "value_and_grad"):
            # The hot path of PPO, PPO-penalty and VPG minibatches: the surrogate's, log π's and
            # the KL's derivatives in closed form, no autograd tracing, one forward and one
            # backward pass through the network.
            params, vjp = self.policy.forward_backward(theta, self.obs[idx])
            logp, logp_vjp = _log_prob_and_vjp(self.dist, params, self.actions[idx])
            value, dlogp = surrogate.value_and_grad(logp, self.logp_old[idx], self.advantages[idx])
            # the loss is −value: negating dlogp negates the cotangent exactly, and costs one (N,) array
            cotangent = logp_vjp(-dlogp)
            loss = -value
            if kl_weight:
                params_old = _take(self.params_old, idx)
                kl = np.asarray(self.dist.kl(params_old, params))
                loss += kl_weight * float(np.mean(kl))
                weights = np.full(kl.shape[0], kl_weight / kl.shape[0])
                cotangent = _add(cotangent, self.dist.kl_vjp(params_old, params, weights))
            return loss, vjp(cotangent)
        params, _, vjp = self.policy.linearize(theta, self.obs[idx])
        value, dparams = ag_value_and_grad(self._loss_of_params(surrogate, entropy_coef, kl_weight, idx))(params)
        return float(value), vjp(dparams)

    def _value_np(self, surrogate: Surrogate, entropy_coef: float, kl_weight: float,
                  theta: np.ndarray, idx: np.ndarray | slice = slice(None)) -> float:
        params = self.policy.dist_params_np(theta, self.obs[idx])
        return float(self._loss_of_params(surrogate, entropy_coef, kl_weight, idx)(params))

    # -- what the solvers get ------------------------------------------------------

    def objective(self, surrogate: Surrogate, entropy_coef: float = 0.0) -> Objective:
        """f(θ) = −L(θ) on the whole batch, as an Objective (value and gradient by the linearization)."""

        def vg(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return self._value_and_grad(surrogate, entropy_coef, 0.0, theta)

        return Objective(lambda theta: self._value_np(surrogate, entropy_coef, 0.0, theta), value_and_grad=vg)

    def mean_objective(self, surrogate: Surrogate, entropy_coef: float = 0.0, kl_weight: float = 0.0) -> MeanObjective:
        """f(θ) = −L(θ) (+ kl_weight · D̄(θ)) as a mean over sample indices, for minibatch solvers."""

        def vg(theta: np.ndarray, idx: np.ndarray) -> tuple[float, np.ndarray]:
            return self._value_and_grad(surrogate, entropy_coef, kl_weight, theta, idx)

        return MeanObjective(lambda theta, idx: self._value_np(surrogate, entropy_coef, kl_weight, theta, idx),
                             self.n, value_and_grad=vg)

    def mean_kl(self, theta: np.ndarray) -> float:
        """D̄(θ) in one plain-numpy forward pass."""
        return float(np.mean(self.dist.kl(self.params_old, self.policy.dist_params_np(theta, self.obs))))

    def divergence(self, fisher_fraction: float = 1.0, rng: np.random.Generator | None = None) -> Divergence:
        """D̄ anchored at θ_old with the Gauss–Newton Fisher-vector product.

        ``fisher_fraction`` < 1 uses that share of the states (drawn with
        ``rng``) for the metric product, the TRPO paper's subsampling (§6).
        """
        if not 0.0 < fisher_fraction <= 1.0:
            raise ValueError(f"fisher_fraction must lie in (0, 1]; got {fisher_fraction}")
        if fisher_fraction < 1.0:
            if rng is None:
                raise ValueError("rng is required when fisher_fraction < 1")
            m = max(1, int(round(fisher_fraction * self.n)))
            idx = np.sort(rng.choice(self.n, size=m, replace=False))
            f_params, f_jvp, f_vjp = self.policy.linearize(self.theta_old, self.obs[idx])
        else:
            f_params, f_jvp, f_vjp = self.params_old, self._jvp, self._vjp
        fisher = _fisher_operator(self.dist, f_params, f_jvp, f_vjp)

        def kl_value_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            return self._value_and_grad(_zero_surrogate, 0.0, 1.0, theta)

        return Divergence(lambda theta: self.mean_kl(theta), self.theta_old, value_and_grad=kl_value_and_grad,
                          metric_vp=fisher)

    def divergence_problem(self, surrogate: Surrogate, entropy_coef: float = 0.0, *, fisher_fraction: float = 1.0,
                           rng: np.random.Generator | None = None) -> DivergenceProblem:
        """min −L(θ) s.t. D̄(θ) ≤ δ, with f and ∇f at θ_old from the linearization already built.

        ``penalized(β)`` is −L + β·D̄ as a :class:`MeanObjective` (for a
        minibatch inner solver of the penalty method).
        """
        loss = self._loss_of_params(surrogate, entropy_coef, 0.0, slice(None))
        fun0, dparams = ag_value_and_grad(loss)(self.params_old)

        def fun_and_divergence(theta: np.ndarray) -> tuple[float, float]:
            params = self.policy.dist_params_np(theta, self.obs)
            return float(loss(params)), float(np.mean(self.dist.kl(self.params_old, params)))

        return DivergenceProblem(
            objective=self.objective(surrogate, entropy_coef),
            divergence=self.divergence(fisher_fraction, rng),
            fun0=float(fun0), grad0=self._vjp(dparams),
            fun_and_divergence=fun_and_divergence,
            penalized=lambda beta: self.mean_objective(surrogate, entropy_coef, kl_weight=beta),
        )

    def statistics(self, theta: np.ndarray) -> BatchStatistics:
        """The numbers a policy update logs about π_θ on this batch, from one plain-numpy forward pass."""
        params = self.policy.dist_params_np(theta, self.obs)
        log_ratio = np.asarray(self.dist.log_prob(params, self.actions)) - self.logp_old
        return BatchStatistics(
            kl=float(np.mean(self.dist.kl(self.params_old, params))),
            entropy=float(np.mean(self.dist.entropy(params))),
            approx_kl=float(np.mean(np.expm1(log_ratio) - log_ratio)),
            log_ratio=log_ratio,
        )


@dataclass(frozen=True)
class BatchStatistics:
    """π_θ against π_old on a batch.

    kl : mean KL(π_old ‖ π_θ) over the states (exact).
    entropy : mean entropy of π_θ.
    approx_kl : mean[(r − 1) − log r], r = π_θ/π_old at the sampled actions: the
        non-negative estimator SB3 and CleanRL log.
    log_ratio : log r per sample (N,).
    """

    kl: float
    entropy: float
    approx_kl: float
    log_ratio: np.ndarray


def _fisher_operator(dist: Any, params: Any, jvp: Callable[[np.ndarray], Any],
                     vjp: Callable[[Any], np.ndarray]) -> GaussNewton:
    """F = (1/N) Jᵀ M J as trustopt's :class:`GaussNewton` operator on the flattened parameters.

    The distribution parameters may be a pair (a Gaussian's mean (N, d) and
    shared log-std (d,)); the operator works on their concatenation, so pack
    and unpack around the network's products and the distribution's Fisher.
    """
    if not isinstance(params, tuple):
        shape = np.shape(params)
        return GaussNewton(jvp, lambda u: vjp(u.reshape(shape)),
                           lambda u: dist.fisher_vector_product(params, u.reshape(shape)).ravel(),
                           n_out=int(np.prod(shape)), scale=1.0 / shape[0])
    shapes = [np.shape(p) for p in params]
    sizes = [int(np.prod(sh)) for sh in shapes]

    def unpack(u: np.ndarray) -> tuple[np.ndarray, ...]:
        parts, start = [], 0
        for sh, size in zip(shapes, sizes):
            parts.append(u[start:start + size].reshape(sh))
            start += size
        return tuple(parts)

    def pack(parts: tuple[Any, ...]) -> np.ndarray:
        return np.concatenate([np.ravel(p) for p in parts])

    return GaussNewton(lambda v: pack(jvp(v)), lambda u: vjp(unpack(u)),
                       lambda u: pack(dist.fisher_vector_product(params, unpack(u))),
                       n_out=sum(sizes), scale=1.0 / shapes[0][0])


def _log_prob_and_vjp(dist: Any, params: Any, actions: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], Any]]:
    """(log π(a|s), g ↦ Σ_i g_i ∇ log π(a_i|s_i)): the distribution's fused form when it has one."""
    fused = getattr(dist, "log_prob_and_vjp", None)
    if fused is not None:
        return fused(params, actions)
    return np.asarray(dist.log_prob(params, actions)), lambda g: dist.log_prob_vjp(params, actions, g)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, tuple):
        return tuple(x + y for x, y in zip(a, b))
    return a + b


def _zero_surrogate(logp: Any, logp_old: np.ndarray, adv: np.ndarray) -> Any:
    return 0.0 * anp.sum(logp)
