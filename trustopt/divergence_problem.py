"""The problem "minimize f(x) subject to D(x) ≤ δ" and the typed reports of its solvers.

D is a :class:`~trustopt.divergence.Divergence` anchored at x₀ (D(x₀) = 0,
∇D(x₀) = 0, metric F = ∇²D(x₀)); every solver of this problem takes one step
from x₀ per call. The problem object carries what a caller may already have —
f(x₀), ∇f(x₀), a joint evaluation x ↦ (f(x), D(x)) in one pass, and the
form of the penalized objective f + β·D an inner solver should see — so that
every solver reads the same fields.

The reports: :class:`Trial` (one line-search trial), :class:`DivergenceStep`
(one step of :class:`~trustopt.natural_gradient.NaturalGradient` or
:class:`~trustopt.natural_gradient.DivergenceTrustRegion`) and
:class:`PenaltyStep` (one call of :class:`~trustopt.penalty.PenaltyMethod`),
put on ``Result.report``. "Expected improvement" is that of the linear model
of f, −∇f(x₀)ᵀΔ, as in Schulman's modular_rl; "actual improvement" is
f(x₀) − f(x₀ + Δ); their ratio is the trust-region ratio ρ.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .divergence import Divergence
from .objective import Objective
from .result import History, Result, Status

__all__ = [
    "DEFAULT_MAX_DIVERGENCE",
    "FunAndDivergence",
    "DivergenceProblem",
    "Trial",
    "DivergenceStep",
    "PenaltyStep",
]

FunAndDivergence = Callable[[np.ndarray], tuple[float, float]]

#: Default bound δ on D: Spinning Up's TRPO ``delta=0.01`` (Achiam 2018).
DEFAULT_MAX_DIVERGENCE = 0.01


def check_positive(name: str, value: Any) -> float:
    """``value`` as a float, or a ValueError naming ``name`` unless it is a positive finite number."""
    if not (isinstance(value, numbers.Real) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return float(value)


def resolve_bound(configured: float | None, override: float | None) -> float:
    """δ for one call: the per-call ``override`` when given (checked), else the configured one."""
    if override is None:
        assert configured is not None
        return float(configured)
    return check_positive("max_divergence", override)


@dataclass
class DivergenceProblem:
    """min f(x) subject to D(x) ≤ δ, D anchored at x₀ = ``divergence.anchor``.

    Parameters
    ----------
    objective : f, an :class:`~trustopt.objective.Objective` (autograd or
        user derivatives).
    divergence : D, a :class:`~trustopt.divergence.Divergence`.
    fun0 : f(x₀) if the caller already has it. Default None (evaluated).
    grad0 : ∇f(x₀) if the caller already has it (shape of x₀). Default None.
    fun_and_divergence : ``x -> (f(x), D(x))`` in one pass, used for every
        trial point instead of separate calls. Default None.
    penalized : ``beta -> objective for f + β·D`` handed to the inner solver
        of :class:`~trustopt.penalty.PenaltyMethod` (e.g. a
        :class:`~trustopt.first_order.MeanObjective` for minibatch Adam).
        Default None: an :class:`Objective` adding f and β·D (values,
        gradients and Hessian-vector products of both parts).
    """

    objective: Objective
    divergence: Divergence
    fun0: float | None = None
    grad0: np.ndarray | None = None
    fun_and_divergence: FunAndDivergence | None = None
    penalized: Callable[[float], Any] | None = None

    def __post_init__(self) -> None:
        if not callable(getattr(self.objective, "value_and_grad", None)):
            raise TypeError(f"objective must be an Objective; got {type(self.objective).__name__}")
        if not isinstance(self.divergence, Divergence):
            raise TypeError(f"divergence must be a Divergence; got {type(self.divergence).__name__}")
        if self.fun0 is not None:
            if not isinstance(self.fun0, numbers.Real):
                raise TypeError(f"fun0 must be a real number or None; got {type(self.fun0).__name__}")
            self.fun0 = float(self.fun0)
        if self.grad0 is not None:
            self.grad0 = np.array(self.grad0, dtype=np.float64)
            if self.grad0.shape != self.anchor.shape:
                raise ValueError(f"grad0 must have shape {self.anchor.shape}; got {self.grad0.shape}")
        for name in ("fun_and_divergence", "penalized"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise TypeError(f"{name} must be callable or None; got {type(value).__name__}")

    @property
    def anchor(self) -> np.ndarray:
        """x₀, where every step starts (D's anchor; read-only)."""
        return self.divergence.anchor


@dataclass(frozen=True)
class Trial:
    """One trial point x₀ + t·Δ of a line search.

    ``rejected_by`` is None for the accepted trial, else the first condition
    it failed: "nonfinite" (f or D not finite), "no_decrease" (f ≥ f(x₀)),
    "divergence" (D > δ) or "ratio" (actual/expected < accept_ratio).
    """

    step_fraction: float
    fun: float
    divergence: float
    expected_improvement: float
    actual_improvement: float
    ratio: float
    rejected_by: str | None


@dataclass(frozen=True)
class DivergenceStep:
    """Report of one :class:`NaturalGradient` or :class:`DivergenceTrustRegion` step.

    Attributes
    ----------
    fun : f at the returned x.
    divergence : D at the returned x (0.0 when x₀ is returned).
    max_divergence : the δ used (NaN for a fixed step size).
    expected_improvement : −∇f(x₀)ᵀΔ of the returned step (0 when none).
    actual_improvement : f(x₀) − f(x) (0 when x₀ is returned).
    ratio : actual / expected (NaN when no step was accepted).
    step_fraction : the accepted t (0 when none).
    backtracks : trials rejected before the accepted one (all trials when
        none was accepted).
    model_divergence : ½ΔᵀFΔ of the returned step (0 when none).
    cg_iterations, cg_residual : the CG record of the direction (0 and NaN
        when the solve stopped before CG).
    trials : every trial, in order.
    """

    fun: float
    divergence: float
    max_divergence: float
    expected_improvement: float
    actual_improvement: float
    ratio: float
    step_fraction: float
    backtracks: int
    model_divergence: float
    cg_iterations: int
    cg_residual: float
    trials: tuple[Trial, ...] = ()

    def row(self) -> dict[str, float]:
        """The report as a :class:`History` row (every field but ``trials``)."""
        return {k: v for k, v in self.__dict__.items() if k != "trials"}


@dataclass(frozen=True)
class PenaltyStep:
    """Report of one :class:`PenaltyMethod` call.

    Attributes
    ----------
    fun, divergence : f and D at the returned x.
    max_divergence : the δ used.
    beta : β of the last inner solve.
    next_beta : β adapted by :func:`adapt_penalty` after the last inner
        solve: what the caller carries to the next call as ``beta=``.
    outer_iterations : inner solves done.
    inner_iterations : their ``nit`` summed (epochs for a first-order inner solver).
    inner_status : the status of the last inner solve.
    feasible : D ≤ δ at the returned x.
    """

    fun: float
    divergence: float
    max_divergence: float
    beta: float
    next_beta: float
    outer_iterations: int
    inner_iterations: int
    inner_status: Status
    feasible: bool


class Evaluations:
    """f(x₀) and ∇f(x₀) of a problem (evaluated unless it carries them), trial evaluations and counts.

    With ``need_grad=False`` only f(x₀) is evaluated and ``g0`` is None.
    Counts are taken from construction on, so a Result reports only what
    this solve spent.
    """

    def __init__(self, problem: DivergenceProblem, need_grad: bool = True) -> None:
        self.problem = problem
        self.x0 = problem.anchor
        self.n_joint = 0
        objective = problem.objective
        self._f_start = objective.counts()
        self._d_start = problem.divergence.counts()
        fun0, grad0 = problem.fun0, problem.grad0
        if not need_grad:
            self.f0 = objective.value(self.x0) if fun0 is None else fun0
            self.g0: np.ndarray | None = None
            return
        if fun0 is None and grad0 is None:
            fun0, grad0 = objective.value_and_grad(self.x0)
        elif grad0 is None:
            grad0 = objective.grad(self.x0)
        elif fun0 is None:
            fun0 = objective.value(self.x0)
        self.f0 = float(fun0)  # type: ignore[arg-type]
        self.g0 = np.asarray(grad0, dtype=np.float64)

    @property
    def finite(self) -> bool:
        return math.isfinite(self.f0) and (self.g0 is None or bool(np.all(np.isfinite(self.g0))))

    def evaluate(self, x: np.ndarray) -> tuple[float, float]:
        """(f(x), D(x)), in one call when the problem has a joint function."""
        joint = self.problem.fun_and_divergence
        if joint is not None:
            self.n_joint += 1
            f, d = joint(x)
            return float(f), float(d)
        return self.problem.objective.value(x), self.problem.divergence.value(x)

    def result(self, x: np.ndarray, fun: float, jac: np.ndarray | None, nit: int, status: Status,
               message: str, history: History, report: Any, **info: Any) -> Result:
        """The Result at x with this solve's counts: nfev includes joint evaluations, nhev = metric products."""
        c, d = self.problem.objective.counts(), self.problem.divergence.counts()
        nmvp = d["nmvp"] - self._d_start["nmvp"]
        info.update(ndev=d["ndev"] - self._d_start["ndev"] + self.n_joint, nmvp=nmvp, n_joint=self.n_joint)
        return Result(
            x=np.array(x, dtype=np.float64), fun=fun, jac=jac, nit=nit,
            nfev=c["nfev"] - self._f_start["nfev"] + self.n_joint,
            njev=c["njev"] - self._f_start["njev"],
            # The Hessian used is D's metric, so its products are what nhev counts.
            nhev=nmvp,
            status=status, message=message, history=history, info=info, report=report,
        )
