"""The penalty method for min f(x) s.t. D(x) ≤ δ: minimize f + β·D, adapting β.

For fixed β the penalized problem P_β(x) = f(x) + β·D(x) is unconstrained and
any inner solver applies (L-BFGS as in the TRPO paper's penalty variant,
Schulman et al. 2015, §8; minibatch Adam as in PPO, Schulman et al. 2017,
§4). Larger β gives a smaller D at the minimizer; for linear f and quadratic
D, x_β = x₀ − F⁻¹g/β and D(x_β) = gᵀF⁻¹g / (2β²), so D ∝ 1/β², the scaling
the growth estimate below relies on. β is adapted by PPO's rule
(:func:`adapt_penalty`) toward the band [δ/tolerance², δ].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .divergence import Divergence
from .divergence_problem import (
    DEFAULT_MAX_DIVERGENCE,
    DivergenceProblem,
    Evaluations,
    PenaltyStep,
    check_positive,
    resolve_bound,
)
from .lbfgs import LBFGS
from .objective import Objective
from .result import Callback, History, Result, Solver, Status, check_callback_stop

__all__ = ["PenaltyMethod", "adapt_penalty"]

#: Largest factor by which β grows or shrinks between two inner solves of one call: a
#: guard against an estimate sqrt(D/target) blown up (or zeroed) by a wild inner solution;
#: 1e6 still covers twelve orders of magnitude of D in one jump.
MAX_BETA_GROWTH = 1e6


def adapt_penalty(beta: float, divergence: float, target: float, factor: float = 2.0, tolerance: float = 1.5) -> float:
    """PPO's adaptive KL-penalty rule (Schulman et al. 2017, §4).

    β·factor when divergence > tolerance·target, β/factor when
    divergence < target/tolerance, β otherwise (defaults 2 and 1.5, the
    paper's).
    """
    if divergence > tolerance * target:
        return beta * factor
    if divergence < target / tolerance:
        return beta / factor
    return beta


@dataclass
class PenaltyMethod:
    """Minimize f + β·D with an inner solver, adapting β toward the bound δ.

    Each outer iteration minimizes P_β(x) = f(x) + β·D(x) with ``inner``
    (warm-started from the previous inner solution; the first from x₀) and
    applies PPO's rule (:func:`adapt_penalty`) with target δ/tolerance:
    β·factor when D > δ, β/factor when D < δ/tolerance², unchanged in
    between, where the run stops (D in the band). The rule's β after the last
    inner solve is ``report.next_beta``, the β to carry to the next call.

    Within one call the β of the next inner solve is chosen faster than the
    rule: until β is bracketed, it is multiplied by e = sqrt(D / (δ/tolerance))
    — the factor that puts D at the band's (geometric) centre if D ∝ 1/β², as
    for a quadratic model — but by at least ``factor`` when D > δ and at most
    1/``factor`` when D is below the band (never slower than the rule), and
    by no more than ``MAX_BETA_GROWTH`` = 1e6 either way (the safeguard
    against a wild estimate, e.g. D = 0 when the inner solver did not move);
    so a problem needing β = 10⁵ from β = 1 is not stopped by ``max_outer``
    doublings. Once one β has given
    D > δ and another D below the band, the next β is their geometric mean
    (bisection in log β: the problem is deterministic and a factor 2 could
    jump over the band forever). A β that overflows or underflows ends the run.

    Returns the last inner solution with D ≤ δ (status STEP_ACCEPTED; the
    message says whether D reached the band or ``max_outer`` ran out). When
    no inner solution is feasible the status is INFEASIBLE and x₀ is
    returned, or, with ``require_feasible=False``, the last inner solution
    (PPO keeps an update that overshoots its KL target). A non-finite f or D
    at an inner solution ends the run (NONFINITE, x₀ unless a feasible
    solution was found before). The report is a
    :class:`~trustopt.divergence_problem.PenaltyStep`.

    PPO's adaptive KL penalty (Schulman et al. 2017, §4: after each update,
    d = mean KL; d < d_targ/1.5 → β/2, d > 1.5·d_targ → β·2) is one outer
    iteration per call:
    ``PenaltyMethod(max_divergence=1.5·d_targ, max_outer=1, require_feasible=False,
    inner=Adam(batch_size=..., maxiter=epochs))`` with ``problem.penalized``
    giving the minibatch :class:`~trustopt.first_order.MeanObjective` of
    L + β·KL, and ``beta=report.next_beta`` of the previous call. Then the
    target is δ/1.5 = d_targ and the rule is exactly the paper's.

    Parameters
    ----------
    max_divergence : δ > 0, the bound. Default 0.01 (Spinning Up's TRPO ``delta``).
    beta : initial penalty β > 0. Default 1.0 (PPO's ``β`` initial value;
        the paper notes the rule quickly adjusts it).
    inner : any solver with ``minimize(objective, x0) -> Result``.
        Default ``LBFGS()``.
    max_outer : inner solves at most. Default 10.
    factor : β multiplier of the rule. Default 2 (PPO).
    tolerance : band width of the rule. Default 1.5 (PPO).
    require_feasible : see above. Default True.
    callback : called after every outer iteration with the intermediate
        :class:`Result`; returning True stops the run.
    """

    max_divergence: float = DEFAULT_MAX_DIVERGENCE
    beta: float = 1.0
    inner: Solver = field(default_factory=LBFGS)
    max_outer: int = 10
    factor: float = 2.0
    tolerance: float = 1.5
    require_feasible: bool = True
    callback: Callback | None = None

    def __post_init__(self) -> None:
        check_positive("max_divergence", self.max_divergence)
        check_positive("beta", self.beta)
        if not callable(getattr(self.inner, "minimize", None)):
            raise TypeError(f"inner must have a minimize(objective, x0) method; got {type(self.inner).__name__}")
        if not (isinstance(self.max_outer, int) and self.max_outer >= 1):
            raise ValueError(f"max_outer must be an integer ≥ 1; got {self.max_outer!r}")
        if not (math.isfinite(self.factor) and self.factor > 1.0):
            raise ValueError(f"factor must be finite and > 1; got {self.factor!r}")
        if not (math.isfinite(self.tolerance) and self.tolerance > 1.0):
            raise ValueError(f"tolerance must be finite and > 1; got {self.tolerance!r}")

    def minimize(self, problem: DivergenceProblem, *, max_divergence: float | None = None,
                 beta: float | None = None) -> Result:
        """Solve from ``problem.anchor``; see the class docstring.

        ``max_divergence``/``beta``: δ and the initial β for this call only.
        ``problem.fun_and_divergence``, when given, checks each inner solution.
        """
        delta = resolve_bound(self.max_divergence, max_divergence)
        beta_k = check_positive("beta", beta) if beta is not None else float(self.beta)
        target = delta / self.tolerance
        evals = Evaluations(problem, need_grad=False)
        x0, f0 = evals.x0, evals.f0
        history = History()
        outer, inner_total, inner_status = 0, 0, Status.IN_PROGRESS
        solved_beta, next_beta = beta_k, beta_k

        def report(f: float, d: float) -> PenaltyStep:
            return PenaltyStep(fun=f, divergence=d, max_divergence=delta, beta=solved_beta, next_beta=next_beta,
                               outer_iterations=outer, inner_iterations=inner_total, inner_status=inner_status,
                               feasible=bool(d <= delta))

        if not math.isfinite(f0):
            return evals.result(x0, f0, None, 0, Status.NONFINITE, "f is not finite at x0", history, report(f0, 0.0))
        build = problem.penalized or (lambda b: _penalized_objective(problem.objective, problem.divergence, b))
        feasible: tuple[np.ndarray, float, float] | None = None
        # Largest β seen with D > δ and smallest β seen with D below the band.
        too_small, too_large = 0.0, math.inf
        x_start, last = x0, (x0, f0, 0.0)
        status, message = Status.MAXITER, ""
        for outer in range(1, self.max_outer + 1):
            solved = self.inner.minimize(build(beta_k), x_start)
            solved_beta, inner_total, inner_status = beta_k, inner_total + solved.nit, solved.status
            x = solved.x
            f, d = evals.evaluate(x)
            if not (math.isfinite(f) and math.isfinite(d) and np.all(np.isfinite(x))):
                next_beta = beta_k
                status = Status.NONFINITE
                message = f"f or D is not finite at the inner solution of outer iteration {outer}"
                break
            last = (x, f, d)
            if d <= delta:
                feasible = last
            next_beta = adapt_penalty(beta_k, d, target, self.factor, self.tolerance)
            history.append(fun=f, divergence=d, beta=beta_k, inner_nit=solved.nit, inner_status=solved.status.name,
                           feasible=float(d <= delta))
            if next_beta == beta_k:
                status, message = Status.STEP_ACCEPTED, f"D = {d:.3g} reached the band [δ/{self.tolerance}², δ]"
                break
            if next_beta > beta_k:
                too_small = max(too_small, beta_k)
            else:
                too_large = min(too_large, beta_k)
            if too_small > 0.0 and too_large < math.inf:
                beta_k = math.sqrt(too_small * too_large)
            else:
                # D ∝ 1/β² puts D at the target for β·sqrt(D/target); never slower than the rule.
                estimate = math.sqrt(d / target)
                if next_beta > beta_k:
                    beta_k *= min(max(self.factor, estimate), MAX_BETA_GROWTH)
                else:
                    beta_k *= max(min(1.0 / self.factor, estimate), 1.0 / MAX_BETA_GROWTH)
            if not (math.isfinite(beta_k) and beta_k > 0.0):
                status, message = Status.INFEASIBLE, f"β = {beta_k} left the floating-point range"
                break
            x_start = x
            point, fp, dp = feasible if feasible is not None else (x0, f0, 0.0)
            if check_callback_stop(self.callback, evals.result(point, fp, None, outer, Status.IN_PROGRESS, "",
                                                               history, report(fp, dp))):
                status = Status.CALLBACK
                break
        if feasible is not None:
            x, f, d = feasible
            if status is not Status.STEP_ACCEPTED:
                message = (message + "; " if message else "") + (
                    f"returned the last feasible inner solution (D = {d:.3g} ≤ δ = {delta:.3g})"
                )
            final = Status.CALLBACK if status is Status.CALLBACK else Status.STEP_ACCEPTED
            return evals.result(x, f, None, outer, final, message, history, report(f, d))
        if status is Status.NONFINITE:
            return evals.result(x0, f0, None, outer, status, message + "; returned x0", history, report(f0, 0.0))
        x, f, d = last if not self.require_feasible else (x0, f0, 0.0)
        message = (message + "; " if message else "") + f"no inner solution had D ≤ δ = {delta:.3g}"
        final = Status.CALLBACK if status is Status.CALLBACK else Status.INFEASIBLE
        return evals.result(x, f, None, outer, final, message, history, report(f, d))


def _penalized_objective(objective: Objective, divergence: Divergence, beta: float) -> Objective:
    """f + β·D as an :class:`Objective` built from the two parts' own derivatives."""
    D = divergence.objective

    def fun(x: np.ndarray) -> float:
        return objective.value(x) + beta * D.value(x)

    def value_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = objective.value_and_grad(x)
        d, gd = D.value_and_grad(x)
        return f + beta * d, g + beta * gd

    def hvp(x: np.ndarray, v: np.ndarray) -> Any:
        return objective.hvp(x, v) + beta * D.hvp(x, v)

    return Objective(fun, value_and_grad=value_and_grad, hvp=hvp)
