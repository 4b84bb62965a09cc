"""Policy updates: one entry per algorithm = a surrogate + a trustopt solver + its carried state.

Every entry has the same signature,

    update(batch, theta, state, config, rng) -> (theta_new, state_new, diagnostics)

``batch`` a :class:`~rl.problem.PolicyBatch`, ``state`` a dict of arrays the
algorithm carries from one update to the next (saved in the checkpoint, so a
resumed run continues with it), ``diagnostics`` the numbers that explain the
step (logged per iteration). No optimizer is written here: each entry only
chooses the surrogate and the trustopt solver.

=============  ===================================  =====================================================
algorithm      surrogate                            trustopt solver
=============  ===================================  =====================================================
trpo           ratio · A                            DivergenceTrustRegion (CG direction, scale, backtrack)
npg            ratio · A                            NaturalGradient (CG direction, scaled to δ)
ppo            clipped ratio · A                    Adam over minibatches (MeanObjective), carried moments
ppo-penalty    ratio · A − β·KL                     PenaltyMethod with minibatch Adam inside; β carried
vpg            log π · A                            Adam, one full-batch step, carried moments
=============  ===================================  =====================================================

Adding an algorithm is one entry in :data:`UPDATES` (plus its tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from trustopt import Adam, AdamState, DivergenceTrustRegion, NaturalGradient, PenaltyMethod, Result, Status

from . import surrogates
from .config import ALGORITHM_NAMES, Config
from .problem import BatchStatistics, PolicyBatch

__all__ = ["PolicyUpdate", "UPDATES", "DIAGNOSTICS"]

State = dict[str, np.ndarray]
Diagnostics = dict[str, Any]

#: Every diagnostic an update may report, in log order (an update leaves out what does not apply).
DIAGNOSTICS = (
    "kl", "entropy", "step_status", "expected_improvement", "actual_improvement", "backtracks",
    "cg_iterations", "cg_residual", "approx_kl", "clip_fraction", "beta", "epochs", "early_stop",
)


@dataclass(frozen=True)
class PolicyUpdate:
    """One algorithm's policy step and the state it starts from."""

    name: str
    summary: str
    update: Callable[[PolicyBatch, np.ndarray, State, Config, np.random.Generator], tuple[np.ndarray, State, Diagnostics]]
    initial_state: Callable[[Config, int], State]


def _no_state(config: Config, n_params: int) -> State:
    return {}


def _adam_state(config: Config, n_params: int) -> State:
    return {"adam_m": np.zeros(n_params), "adam_v": np.zeros(n_params), "adam_t": np.zeros(())}


def _common(stats: BatchStatistics, result: Result) -> Diagnostics:
    return {"kl": stats.kl, "entropy": stats.entropy, "step_status": result.status.name}


def _trust_region_diagnostics(batch: PolicyBatch, result: Result) -> Diagnostics:
    report = result.report
    return {
        **_common(batch.statistics(result.x), result),
        "expected_improvement": report.expected_improvement,
        "actual_improvement": report.actual_improvement,
        "backtracks": report.backtracks,
        "cg_iterations": report.cg_iterations,
        "cg_residual": report.cg_residual,
    }


def _trpo(batch: PolicyBatch, theta: np.ndarray, state: State, cfg: Config,
          rng: np.random.Generator) -> tuple[np.ndarray, State, Diagnostics]:
    problem = batch.divergence_problem(surrogates.ratio, cfg.entropy_coef, fisher_fraction=cfg.fisher_fraction, rng=rng)
    solver = DivergenceTrustRegion(
        max_divergence=cfg.max_kl, backtrack_factor=cfg.backtrack_factor, backtrack_iters=cfg.backtrack_iters,
        accept_ratio=cfg.accept_ratio, cg_iters=cfg.cg_iters, cg_damping=cfg.cg_damping,
    )
    result = solver.minimize(problem)
    return result.x, state, _trust_region_diagnostics(batch, result)


def _npg(batch: PolicyBatch, theta: np.ndarray, state: State, cfg: Config,
         rng: np.random.Generator) -> tuple[np.ndarray, State, Diagnostics]:
    problem = batch.divergence_problem(surrogates.ratio, cfg.entropy_coef, fisher_fraction=cfg.fisher_fraction, rng=rng)
    solver = NaturalGradient(max_divergence=cfg.max_kl, cg_iters=cfg.cg_iters, cg_damping=cfg.cg_damping)
    result = solver.minimize(problem)
    return result.x, state, _trust_region_diagnostics(batch, result)


def _adam(cfg: Config, rng: np.random.Generator, callback: Any = None) -> Adam:
    return Adam(learning_rate=cfg.policy_lr, maxiter=cfg.policy_epochs, gtol=0.0, seed=rng,
                batch_size=cfg.policy_batch_size or None, max_grad_norm=cfg.max_grad_norm, callback=callback)


def _first_order(batch: PolicyBatch, theta: np.ndarray, state: State, cfg: Config, rng: np.random.Generator,
                 surrogate: surrogates.Surrogate, callback: Any = None) -> tuple[Result, State]:
    """Adam on −surrogate over minibatches, starting from (and returning) the carried moments."""
    carried = AdamState(m=state["adam_m"], v=state["adam_v"], t=int(state["adam_t"]))
    result = _adam(cfg, rng, callback).minimize(batch.mean_objective(surrogate, cfg.entropy_coef), theta, state=carried)
    new = result.report.state
    return result, {"adam_m": new.m, "adam_v": new.v, "adam_t": np.asarray(float(new.t))}


def _ppo(batch: PolicyBatch, theta: np.ndarray, state: State, cfg: Config,
         rng: np.random.Generator) -> tuple[np.ndarray, State, Diagnostics]:
    def early_stop(intermediate: Result) -> bool:
        # SB3 and Spinning Up stop the epochs once the approximate KL passes 1.5·target_kl.
        return cfg.target_kl is not None and batch.statistics(intermediate.x).approx_kl > 1.5 * cfg.target_kl

    result, state = _first_order(batch, theta, state, cfg, rng, surrogates.clipped_ratio(cfg.clip_range), early_stop)
    stats = batch.statistics(result.x)
    diag = _common(stats, result)
    diag.update(
        approx_kl=stats.approx_kl, clip_fraction=surrogates.clip_fraction(stats.log_ratio, cfg.clip_range),
        epochs=result.report.epochs, early_stop=int(result.status is Status.CALLBACK),
    )
    return result.x, state, diag


def _ppo_penalty(batch: PolicyBatch, theta: np.ndarray, state: State, cfg: Config,
                 rng: np.random.Generator) -> tuple[np.ndarray, State, Diagnostics]:
    problem = batch.divergence_problem(surrogates.ratio, cfg.entropy_coef)
    # One inner solve per update, then PPO's rule on d = mean KL: the band is [d_targ/1.5, 1.5·d_targ]
    # (PenaltyMethod's target δ/1.5 with δ = 1.5·d_targ), and the update is kept even above it.
    solver = PenaltyMethod(max_divergence=1.5 * cfg.kl_target, max_outer=1, require_feasible=False,
                           inner=_adam(cfg, rng))
    beta = float(state["beta"])
    result = solver.minimize(problem, beta=beta)
    report = result.report
    stats = batch.statistics(result.x)
    diag = _common(stats, result)
    diag.update(approx_kl=stats.approx_kl, beta=beta, epochs=report.inner_iterations)
    return result.x, {"beta": np.asarray(report.next_beta)}, diag


def _vpg(batch: PolicyBatch, theta: np.ndarray, state: State, cfg: Config,
         rng: np.random.Generator) -> tuple[np.ndarray, State, Diagnostics]:
    result, state = _first_order(batch, theta, state, cfg, rng, surrogates.log_prob)
    stats = batch.statistics(result.x)
    diag = _common(stats, result)
    diag.update(approx_kl=stats.approx_kl, epochs=result.report.epochs)
    return result.x, state, diag


UPDATES: dict[str, PolicyUpdate] = {
    "trpo": PolicyUpdate("trpo", "TRPO: natural direction by CG, scaled to the KL bound, backtracking on the "
                         "true surrogate and KL (Schulman et al. 2015)", _trpo, _no_state),
    "npg": PolicyUpdate("npg", "natural policy gradient: the same direction scaled to the KL bound, no line search "
                        "(Kakade 2001; Duan et al. 2016)", _npg, _no_state),
    "ppo": PolicyUpdate("ppo", "PPO with the clipped surrogate, Adam over minibatches (Schulman et al. 2017)",
                        _ppo, _adam_state),
    "ppo-penalty": PolicyUpdate("ppo-penalty", "PPO with the adaptive KL penalty β (Schulman et al. 2017 §4)",
                                _ppo_penalty, lambda cfg, n: {"beta": np.asarray(float(cfg.kl_beta_init))}),
    "vpg": PolicyUpdate("vpg", "vanilla policy gradient, one Adam step per batch (Williams 1992; Spinning Up)",
                        _vpg, _adam_state),
}

if tuple(UPDATES) != ALGORITHM_NAMES:
    raise ImportError("rl.updates.UPDATES and rl.config.ALGORITHM_NAMES must list the same algorithms")
