"""TRPO's problem as one instance of a general smooth constraint: min −L(θ) s.t. KL(θ) − δ ≤ 0.

trustopt's augmented Lagrangian solves, to convergence, the problem TRPO's one
step approximates (a linear model of L, a quadratic model of the KL, a
backtracking line search). Its solution is feasible and at least as good as
TRPO's feasible step (here −L = −0.139 against −0.064: the surrogate keeps
improving well past one linearized step); the KL bound is active there, with a
positive multiplier.
"""

import autograd.numpy as anp
import gymnasium as gym
import numpy as np
import pytest

import trustopt
from rl import surrogates
from rl.policies import Policy
from rl.problem import PolicyBatch


def test_augmented_lagrangian_solves_the_trpo_problem_at_least_as_well_as_the_trpo_step():
    rng = np.random.default_rng(0)
    policy = Policy(gym.spaces.Box(-np.inf, np.inf, (4,)), gym.spaces.Discrete(3), hidden=(8,))
    theta0 = policy.init(rng)
    obs = rng.standard_normal((200, 4))
    actions, _ = policy.act(theta0, obs, rng)
    adv = rng.standard_normal(200)
    batch = PolicyBatch(policy, theta0, obs, actions, adv)
    delta = 0.01
    problem = batch.divergence_problem(surrogates.ratio)
    trpo = trustopt.DivergenceTrustRegion(max_divergence=delta, cg_iters=20).minimize(problem)
    assert trpo.success

    params_old = policy.dist_params_np(theta0, obs)

    def kl_excess(theta):
        return anp.reshape(anp.mean(policy.dist.kl(params_old, policy.dist_params(theta, obs))) - delta, (1,))

    # gtol 1e-5: the surrogate's gradient is ~0.1 here and the inner L-BFGS-B cannot resolve the default 1e-6
    res = trustopt.minimize(problem.objective, theta0, method="auglag", constraints=kl_excess, gtol=1e-5,
                             ctol=1e-8)  # ctol 1e-8: the KL check below allows δ·1e-6 = 1e-8 above δ
    assert res.success, res.message
    assert batch.mean_kl(res.x) <= delta * (1 + 1e-6)
    assert res.fun <= trpo.fun + 1e-9
    report = res.report
    assert report.ineq_multipliers[0] > 0  # the bound is what stops the surrogate from improving further
    assert batch.mean_kl(res.x) == pytest.approx(delta, rel=1e-4)
