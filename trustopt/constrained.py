"""Minimize f(x) subject to D(x) ≤ δ, where D is a :class:`~trustopt.divergence.Divergence`.

Three solvers, each one call = one step from the anchor x₀ of D:

* :class:`NaturalGradient` — linearize f, replace D by its quadratic model
  ½ΔᵀFΔ (F = ∇²D(x₀)), and solve that model problem in closed form:
  Δ = sqrt(2δ / sᵀFs)·s with s ≈ −F⁻¹∇f(x₀) from conjugate gradient
  (Amari 1998; Kakade 2001). No line search.
* :class:`DivergenceTrustRegion` — the same step, then backtracking on the
  true f and D until f decreased and D ≤ δ: the step of TRPO
  (Schulman et al. 2015, Appendix C).
* :class:`PenaltyMethod` — minimize f + β·D with an inner solver, adapting β
  toward δ (the TRPO paper's L-BFGS penalty variant; PPO's adaptive-KL rule,
  Schulman et al. 2017).

:class:`AdaptiveBound` adapts δ between successive calls from the ratio of
actual to expected improvement with the trust-region :class:`RadiusRule`.

"Expected improvement" is that of the linear model of f, −∇f(x₀)ᵀΔ, as in
Schulman's modular_rl; "actual improvement" is f(x₀) − f(x₀ + Δ).

Every solver needs ∇f(x₀). A caller who already has it (or f(x₀)) passes
``grad0=``/``fun0=``; a caller who can evaluate f and D at a trial point in
one pass passes ``fun_and_divergence=`` and the line search uses it for every
trial.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .cg import CGResult, CGStatus, conjugate_gradient
from .divergence import Divergence
from .lbfgs import LBFGS
from .linesearch import backtrack
from .objective import Objective
from .radius import RadiusRule
from .result import Callback, History, Result, Solver, Status, check_callback_stop

__all__ = [
    "NaturalGradient",
    "DivergenceTrustRegion",
    "PenaltyMethod",
    "AdaptiveBound",
    "adapt_penalty",
]

FunAndDivergence = Callable[[np.ndarray], tuple[float, float]]

#: Default bound δ on D: Spinning Up's TRPO ``delta=0.01`` (Achiam 2018).
DEFAULT_MAX_DIVERGENCE = 0.01


def _check_positive(name: str, value: float) -> None:
    if not (isinstance(value, numbers.Real) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")


def _check_cg(cg_iters: int, cg_damping: float, cg_rtol: float) -> None:
    if not (isinstance(cg_iters, int) and cg_iters >= 1):
        raise ValueError(f"cg_iters must be an integer ≥ 1; got {cg_iters!r}")
    if not (math.isfinite(cg_damping) and cg_damping >= 0):
        raise ValueError(f"cg_damping must be finite and ≥ 0; got {cg_damping!r}")
    if not (math.isfinite(cg_rtol) and cg_rtol >= 0):
        raise ValueError(f"cg_rtol must be finite and ≥ 0; got {cg_rtol!r}")


def _bound(configured: float | None, override: float | None) -> float:
    if override is None:
        assert configured is not None
        return configured
    _check_positive("max_divergence", override)
    return float(override)


class _Start:
    """f(x₀) and ∇f(x₀) (evaluated unless the caller passed them), and evaluation counts.

    With ``need_grad=False`` only f(x₀) is evaluated and ``g0`` is None.
    """

    def __init__(
        self,
        objective: Objective,
        divergence: Divergence,
        fun0: float | None,
        grad0: np.ndarray | None,
        need_grad: bool = True,
    ) -> None:
        self.objective = objective
        self.divergence = divergence
        self.x0 = divergence.anchor
        self.n_joint = 0
        self._f_start = objective.counts()
        self._d_start = divergence.counts()
        if grad0 is not None:
            grad0 = np.asarray(grad0, dtype=np.float64)
            if grad0.shape != self.x0.shape:
                raise ValueError(f"grad0 must have shape {self.x0.shape}; got {grad0.shape}")
        if not need_grad:
            self.f0 = objective.value(self.x0)
            self.g0 = None
            return
        if fun0 is None and grad0 is None:
            fun0, grad0 = objective.value_and_grad(self.x0)
        elif grad0 is None:
            grad0 = objective.grad(self.x0)
        elif fun0 is None:
            fun0 = objective.value(self.x0)
        self.f0 = float(fun0)  # type: ignore[arg-type]
        self.g0: np.ndarray | None = np.asarray(grad0, dtype=np.float64)

    @property
    def finite(self) -> bool:
        return math.isfinite(self.f0) and (self.g0 is None or bool(np.all(np.isfinite(self.g0))))

    def evaluate(self, x: np.ndarray, joint: FunAndDivergence | None) -> tuple[float, float]:
        """(f(x), D(x)), in one call when the caller gave a joint function."""
        if joint is not None:
            self.n_joint += 1
            f, d = joint(x)
            return float(f), float(d)
        return self.objective.value(x), self.divergence.value(x)

    def result(self, x: np.ndarray, fun: float, jac: np.ndarray | None, nit: int, status: Status,
               message: str, history: History, **info: Any) -> Result:
        c, d = self.objective.counts(), self.divergence.counts()
        info.update(
            ndev=d["ndev"] - self._d_start["ndev"] + self.n_joint,
            nmvp=d["nmvp"] - self._d_start["nmvp"],
            n_joint=self.n_joint,
        )
        return Result(
            x=np.array(x, dtype=np.float64), fun=fun, jac=jac, nit=nit,
            nfev=c["nfev"] - self._f_start["nfev"] + self.n_joint,
            njev=c["njev"] - self._f_start["njev"],
            # The Hessian used is D's metric, so its products are what nhev counts.
            nhev=d["nmvp"] - self._d_start["nmvp"],
            status=status, message=message, history=history, info=info,
        )


@dataclass
class _Direction:
    """Outcome of the natural-direction computation (s, sᵀFs and the CG record)."""

    s: np.ndarray
    sFs: float
    cg: CGResult
    failure: tuple[Status, str] | None


def _natural_direction(
    divergence: Divergence, g: np.ndarray, cg_iters: int, cg_damping: float, cg_rtol: float
) -> _Direction:
    """s ≈ −(F + damping·I)⁻¹g by CG, and sᵀFs with the undamped F.

    The metric operator is fetched once and reused for every CG iteration and
    for sᵀFs. The undamped F scales the step so that the quadratic model of D
    at the step is exactly δ; Spinning Up and modular_rl scale with F + damping·I,
    which gives a slightly shorter step.
    """
    F = divergence.metric_operator()
    cg = conjugate_gradient(F, -g, damping=cg_damping, maxiter=cg_iters, rtol=cg_rtol)
    s = cg.x
    if cg.status is CGStatus.NONFINITE or not np.all(np.isfinite(s)):
        return _Direction(s, math.nan, cg, (Status.NONFINITE, "conjugate gradient met a non-finite metric product"))
    sFs = float(s @ F(s))
    if not math.isfinite(sFs):
        return _Direction(s, sFs, cg, (Status.NONFINITE, "sᵀFs is not finite"))
    if cg.status is CGStatus.NEGATIVE_CURVATURE or sFs <= 0.0:
        return _Direction(
            s, sFs, cg,
            (Status.NOT_POSITIVE_DEFINITE, f"the metric is not positive definite along the CG direction (sᵀFs = {sFs:.3g})"),
        )
    if not float(g @ s) < 0.0:
        return _Direction(s, sFs, cg, (Status.NOT_DESCENT, "the CG direction is not a descent direction for f"))
    return _Direction(s, sFs, cg, None)


def _cg_info(direction: _Direction) -> dict[str, Any]:
    return {
        "cg_iterations": direction.cg.nit,
        "cg_residual": float(direction.cg.residual_norms[-1]),
        "cg_status": direction.cg.status,
    }


def _begin(
    start: _Start, cg_iters: int, cg_damping: float, cg_rtol: float, history: History
) -> tuple[_Direction, dict[str, Any]] | Result:
    """The natural direction at x₀ and its CG record, or the Result that ends the solve before any step."""
    x0, f0, g0 = start.x0, start.f0, start.g0
    if not start.finite:
        return start.result(x0, f0, g0, 0, Status.NONFINITE, "f or its gradient is not finite at x0", history)
    if not np.any(g0):
        return start.result(x0, f0, g0, 0, Status.GTOL, "the gradient is zero at x0", history)
    direction = _natural_direction(start.divergence, g0, cg_iters, cg_damping, cg_rtol)
    cg_info = _cg_info(direction)
    if direction.failure is not None:
        status, message = direction.failure
        return start.result(x0, f0, g0, 0, status, message, history, **cg_info)
    return direction, cg_info


@dataclass
class NaturalGradient:
    """One natural-gradient step, scaled to the quadratic model of D ≤ δ.

    With g = ∇f(x₀) and F = ∇²D(x₀):
      s  = CG solution of (F + cg_damping·I)s = −g, at most ``cg_iters`` iterations;
      Δ  = sqrt(2δ / sᵀFs)·s      (the model ½ΔᵀFΔ then equals δ), or
      Δ  = step_size·s            when a fixed step size η is given instead of δ.
    Returns x₀ + Δ (Amari 1998; Kakade 2001) after one evaluation of f and D
    there, for the report. No line search: f need not decrease and D may
    exceed δ (the model is only a model).

    Failure (x₀ returned unchanged): a non-finite gradient, CG product, f or
    D (status NONFINITE); sᵀFs ≤ 0 (NOT_POSITIVE_DEFINITE); gᵀs ≥ 0
    (NOT_DESCENT). A zero gradient returns x₀ with status GTOL.

    Parameters
    ----------
    max_divergence : δ > 0. Default 0.01 (Spinning Up's TRPO ``delta``) when
        ``step_size`` is not given.
    step_size : η > 0, a fixed multiple of s instead of scaling to δ. Give
        one of ``max_divergence`` and ``step_size``, not both.
    cg_iters : CG iteration budget. Default 10 (Schulman's modular_rl
        ``cg_iters``; Spinning Up's TRPO ``cg_iters``).
    cg_damping : damping λ added to F in the CG solve. Default 0.1
        (modular_rl ``cg_damping``; Spinning Up ``damping_coeff``).
    cg_rtol : CG stops early when ‖r‖ ≤ cg_rtol·‖g‖. Default 1e-10, so the
        iteration budget normally decides, as in modular_rl (residual_tol
        1e-10 on rᵀr) and Spinning Up (no tolerance).
    """

    max_divergence: float | None = None
    step_size: float | None = None
    cg_iters: int = 10
    cg_damping: float = 0.1
    cg_rtol: float = 1e-10

    def __post_init__(self) -> None:
        if self.max_divergence is not None and self.step_size is not None:
            raise ValueError("give max_divergence (δ) or step_size (η), not both")
        if self.step_size is None:
            if self.max_divergence is None:
                self.max_divergence = DEFAULT_MAX_DIVERGENCE
            _check_positive("max_divergence", self.max_divergence)
        else:
            _check_positive("step_size", self.step_size)
        _check_cg(self.cg_iters, self.cg_damping, self.cg_rtol)

    def minimize(
        self,
        objective: Objective,
        divergence: Divergence,
        *,
        fun0: float | None = None,
        grad0: np.ndarray | None = None,
        fun_and_divergence: FunAndDivergence | None = None,
        max_divergence: float | None = None,
    ) -> Result:
        """Step from ``divergence.anchor``; see the class docstring.

        ``fun0``/``grad0``: f and ∇f at the anchor if already known.
        ``fun_and_divergence``: ``x -> (f(x), D(x))`` in one pass, used for the
        evaluation at the new point. ``max_divergence``: δ for this call only
        (what :class:`AdaptiveBound` changes); not allowed with ``step_size``.
        """
        if max_divergence is not None and self.step_size is not None:
            raise ValueError("max_divergence cannot be given to a NaturalGradient built with step_size")
        start = _Start(objective, divergence, fun0, grad0)
        x0, f0, g0 = start.x0, start.f0, start.g0
        history = History()
        begun = _begin(start, self.cg_iters, self.cg_damping, self.cg_rtol, history)
        if isinstance(begun, Result):
            return begun
        direction, cg_info = begun
        if self.step_size is None:
            delta = _bound(self.max_divergence, max_divergence)
            scale = math.sqrt(2.0 * delta / direction.sFs)
        else:
            delta = math.nan
            scale = self.step_size
        step = scale * direction.s
        x = x0 + step
        f, d = start.evaluate(x, fun_and_divergence)
        expected = -scale * float(g0 @ direction.s)
        if not (math.isfinite(f) and math.isfinite(d) and np.all(np.isfinite(x))):
            return start.result(x0, f0, g0, 0, Status.NONFINITE, "f or D is not finite at the natural step", history, **cg_info)
        actual = f0 - f
        history.append(
            fun=f, divergence=d, expected_improvement=expected, actual_improvement=actual,
            ratio=actual / expected, model_divergence=0.5 * scale * scale * direction.sFs,
            step_fraction=1.0, backtracks=0, max_divergence=delta, **cg_info,
        )
        return start.result(x, f, None, 1, Status.STEP_ACCEPTED, "", history, **cg_info)


@dataclass
class DivergenceTrustRegion:
    """TRPO's step: the natural step to the model bound, then backtracking on the true f and D.

    With g = ∇f(x₀), F = ∇²D(x₀), s the CG solution of (F + λI)s = −g and
    Δ = sqrt(2δ / sᵀFs)·s (as in :class:`NaturalGradient`), try
    x₀ + t·Δ for t = 1, ρ, ρ², … (``backtrack_iters`` trials, the full step
    included) and accept the first with
      f(x₀ + tΔ) < f(x₀)  and  D(x₀ + tΔ) ≤ δ
    (Spinning Up's TRPO), and, when ``accept_ratio`` is given,
      (f(x₀) − f(x₀ + tΔ)) / (−t·gᵀΔ) ≥ accept_ratio
    (Schulman's modular_rl). Trial points where f or D is not finite are
    rejected. Schulman et al. (2015), Appendix C.

    If no trial is accepted, x₀ is returned unchanged (bit for bit) and the
    status says which condition failed: INFEASIBLE when D > δ at every trial,
    NONFINITE when every trial was non-finite, NO_STEP_ACCEPTED otherwise
    (the message counts each reason; ``info["rejections"]`` has the counts).

    Parameters
    ----------
    max_divergence : δ > 0. Default 0.01 (Spinning Up's TRPO ``delta``).
    backtrack_factor : ρ ∈ (0, 1). Default 0.8 (Spinning Up's ``backtrack_coeff``;
        modular_rl uses 0.5).
    backtrack_iters : trial steps, the full step included. Default 10
        (Spinning Up's ``backtrack_iters``; modular_rl's ``max_backtracks``).
    accept_ratio : optional minimum ratio of actual to expected improvement.
        Default None (off, as Spinning Up); modular_rl uses 0.1.
    cg_iters, cg_damping, cg_rtol : as in :class:`NaturalGradient`
        (defaults 10, 0.1 and 1e-10; modular_rl and Spinning Up).

    The result's one history row records: fun and divergence reached,
    expected_improvement, actual_improvement, ratio, backtracks (trials
    rejected before the accepted one), step_fraction t, cg_iterations,
    cg_residual, model_divergence and max_divergence. ``info["trials"]``
    lists every trial.
    """

    max_divergence: float = DEFAULT_MAX_DIVERGENCE
    backtrack_factor: float = 0.8
    backtrack_iters: int = 10
    accept_ratio: float | None = None
    cg_iters: int = 10
    cg_damping: float = 0.1
    cg_rtol: float = 1e-10

    def __post_init__(self) -> None:
        _check_positive("max_divergence", self.max_divergence)
        if not (0.0 < self.backtrack_factor < 1.0):
            raise ValueError(f"backtrack_factor must lie in (0, 1); got {self.backtrack_factor!r}")
        if not (isinstance(self.backtrack_iters, int) and self.backtrack_iters >= 1):
            raise ValueError(f"backtrack_iters must be an integer ≥ 1; got {self.backtrack_iters!r}")
        if self.accept_ratio is not None and not (0.0 <= self.accept_ratio < 1.0):
            raise ValueError(f"accept_ratio must lie in [0, 1) or be None; got {self.accept_ratio!r}")
        _check_cg(self.cg_iters, self.cg_damping, self.cg_rtol)

    def minimize(
        self,
        objective: Objective,
        divergence: Divergence,
        *,
        fun0: float | None = None,
        grad0: np.ndarray | None = None,
        fun_and_divergence: FunAndDivergence | None = None,
        max_divergence: float | None = None,
    ) -> Result:
        """Step from ``divergence.anchor``; see the class docstring.

        ``fun0``/``grad0``: f and ∇f at the anchor if already known.
        ``fun_and_divergence``: ``x -> (f(x), D(x))`` in one pass, used for
        every line-search trial. ``max_divergence``: δ for this call only
        (what :class:`AdaptiveBound` changes).
        """
        delta = _bound(self.max_divergence, max_divergence)
        start = _Start(objective, divergence, fun0, grad0)
        x0, f0, g0 = start.x0, start.f0, start.g0
        history = History()
        begun = _begin(start, self.cg_iters, self.cg_damping, self.cg_rtol, history)
        if isinstance(begun, Result):
            return begun
        direction, cg_info = begun
        full_step = math.sqrt(2.0 * delta / direction.sFs) * direction.s
        expected_full = -float(g0 @ full_step)
        trials: list[dict[str, Any]] = []

        def accept(t: float) -> tuple[bool, dict[str, Any]]:
            x = x0 + t * full_step
            f, d = start.evaluate(x, fun_and_divergence)
            expected = t * expected_full
            actual = f0 - f
            ratio = actual / expected
            if not (math.isfinite(f) and math.isfinite(d)):
                reason = "nonfinite"
            elif not f < f0:
                reason = "no_decrease"
            elif not d <= delta:
                reason = "divergence"
            elif self.accept_ratio is not None and not ratio >= self.accept_ratio:
                reason = "ratio"
            else:
                reason = ""
            trial = dict(step_fraction=t, fun=f, divergence=d, expected_improvement=expected,
                         actual_improvement=actual, ratio=ratio, rejected_by=reason, x=x)
            trials.append(trial)
            return not reason, trial

        t, n_trials, last = backtrack(accept, 1.0, self.backtrack_factor, self.backtrack_iters)
        info = dict(cg_info, trials=[{k: v for k, v in tr.items() if k != "x"} for tr in trials])
        if t is None:
            reasons = [tr["rejected_by"] for tr in trials]
            counts = {r: reasons.count(r) for r in ("no_decrease", "divergence", "ratio", "nonfinite") if r in reasons}
            if counts.get("divergence") == n_trials:
                status = Status.INFEASIBLE
            elif counts.get("nonfinite") == n_trials:
                status = Status.NONFINITE
            else:
                status = Status.NO_STEP_ACCEPTED
            words = {"no_decrease": "f did not decrease", "divergence": f"D > δ = {delta:.3g}",
                     "ratio": f"improvement ratio < {self.accept_ratio}", "nonfinite": "f or D not finite"}
            message = (f"no step accepted in {n_trials} trials; returned x0 ("
                       + ", ".join(f"{words[r]} at {c}" for r, c in counts.items()) + ")")
            history.append(
                fun=f0, divergence=0.0, expected_improvement=0.0, actual_improvement=0.0, ratio=math.nan,
                backtracks=n_trials, step_fraction=0.0, model_divergence=0.0,
                max_divergence=delta, **cg_info,
            )
            return start.result(x0, f0, g0, 1, status, message, history, rejections=counts, **info)
        history.append(
            fun=last["fun"], divergence=last["divergence"], expected_improvement=last["expected_improvement"],
            actual_improvement=last["actual_improvement"], ratio=last["ratio"], backtracks=n_trials - 1,
            # ½(tΔ)ᵀF(tΔ) = t²δ by the choice of Δ.
            step_fraction=t, model_divergence=t * t * delta, max_divergence=delta, **cg_info,
        )
        return start.result(last["x"], last["fun"], None, 1, Status.STEP_ACCEPTED, "", history, rejections={}, **info)


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
    (warm-started from the previous inner solution; the first from x₀), then
    adapts β by PPO's rule (:func:`adapt_penalty`, Schulman et al. 2017, §4)
    with target δ/tolerance: β·factor when D > δ, β/factor when
    D < δ/tolerance², unchanged in between — so every infeasible iterate
    raises the penalty, and the run stops once δ/tolerance² ≤ D ≤ δ. Within
    one solve the problem is deterministic, and D typically scales like 1/β²,
    so a factor of 2 can jump over the band forever; once one β has given
    D > δ and another D below the band, the next β is instead their
    geometric mean (bisection of the bracket in log β). The TRPO paper's penalty variant minimizes the same P_β with L-BFGS
    (Schulman et al. 2015, §8), hence the default inner solver.

    Returns the last inner solution with D ≤ δ (status STEP_ACCEPTED; the
    message says whether D reached the band or ``max_outer`` ran out). When
    no inner solution is feasible the status is INFEASIBLE and x₀ is
    returned, or, with ``require_feasible=False``, the last inner solution
    (PPO keeps an update that overshoots its KL target). ``info["beta"]``
    is the adapted β, to pass as ``beta=`` to the next call. PPO's adaptive
    KL penalty with target d_targ is therefore ``max_divergence=1.5·d_targ,
    max_outer=1, require_feasible=False``, an Adam ``inner`` solver over
    minibatches (see ``penalized=`` in :meth:`minimize`), and β carried over.

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
        _check_positive("max_divergence", self.max_divergence)
        _check_positive("beta", self.beta)
        if not callable(getattr(self.inner, "minimize", None)):
            raise TypeError(f"inner must have a minimize(objective, x0) method; got {type(self.inner).__name__}")
        if not (isinstance(self.max_outer, int) and self.max_outer >= 1):
            raise ValueError(f"max_outer must be an integer ≥ 1; got {self.max_outer!r}")
        if not (math.isfinite(self.factor) and self.factor > 1.0):
            raise ValueError(f"factor must be finite and > 1; got {self.factor!r}")
        if not (math.isfinite(self.tolerance) and self.tolerance > 1.0):
            raise ValueError(f"tolerance must be finite and > 1; got {self.tolerance!r}")

    def minimize(
        self,
        objective: Objective,
        divergence: Divergence,
        *,
        penalized: Callable[[float], Any] | None = None,
        fun_and_divergence: FunAndDivergence | None = None,
        max_divergence: float | None = None,
        beta: float | None = None,
    ) -> Result:
        """Solve from ``divergence.anchor``; see the class docstring.

        ``penalized``: ``beta -> objective for f + β·D`` handed to the inner
        solver. Default: an :class:`Objective` adding f and β·D (values,
        gradients and, where both have them, Hessian-vector products). Pass
        one to give the inner solver another form, e.g. a minibatch
        :class:`~trustopt.first_order.MeanObjective` for Adam.
        ``fun_and_divergence``: ``x -> (f(x), D(x))`` in one pass, used to
        check each inner solution. ``max_divergence``/``beta``: δ and the
        initial β for this call only.
        """
        delta = _bound(self.max_divergence, max_divergence)
        if beta is not None:
            _check_positive("beta", beta)
        beta_k = float(self.beta if beta is None else beta)
        target = delta / self.tolerance
        start = _Start(objective, divergence, None, None, need_grad=False)
        x0, f0 = start.x0, start.f0
        history = History()
        if not math.isfinite(f0):
            return start.result(x0, f0, None, 0, Status.NONFINITE, "f is not finite at x0", history, beta=beta_k)
        build = penalized if penalized is not None else (lambda b: _penalized_objective(objective, divergence, b))
        feasible: tuple[np.ndarray, float, float] | None = None
        # Largest β seen with D > δ and smallest β seen with D below the band.
        too_small, too_large = 0.0, math.inf
        x_start, last = x0, (x0, f0, 0.0)
        status, message, nit = Status.MAXITER, "", 0
        for k in range(1, self.max_outer + 1):
            nit = k
            inner = self.inner.minimize(build(beta_k), x_start)
            x = inner.x
            f, d = start.evaluate(x, fun_and_divergence)
            if not (math.isfinite(f) and math.isfinite(d) and np.all(np.isfinite(x))):
                status, message = Status.NONFINITE, f"f or D is not finite at the inner solution of outer iteration {k}"
                break
            last = (x, f, d)
            if d <= delta:
                feasible = last
            history.append(fun=f, divergence=d, beta=beta_k, inner_nit=inner.nit, inner_status=inner.status.name,
                           feasible=float(d <= delta))
            next_beta = adapt_penalty(beta_k, d, target, self.factor, self.tolerance)
            if next_beta == beta_k:
                status, message = Status.STEP_ACCEPTED, f"D = {d:.3g} reached the band [δ/{self.tolerance}², δ]"
                break
            if next_beta > beta_k:
                too_small = max(too_small, beta_k)
            else:
                too_large = min(too_large, beta_k)
            if too_small > 0.0 and too_large < math.inf:
                next_beta = math.sqrt(too_small * too_large)
            beta_k = next_beta
            x_start = x
            point, fp, _ = feasible if feasible is not None else (x0, f0, 0.0)
            if check_callback_stop(self.callback, start.result(point, fp, None, k, Status.IN_PROGRESS, "", history)):
                status = Status.CALLBACK
                break
        if feasible is not None:
            x, f, d = feasible
            if status is not Status.STEP_ACCEPTED:
                message = (message + "; " if message else "") + (
                    f"returned the last feasible inner solution (D = {d:.3g} ≤ δ = {delta:.3g})"
                )
            return start.result(x, f, None, nit, Status.STEP_ACCEPTED if status is not Status.CALLBACK else status,
                                message, history, beta=beta_k, divergence=d)
        if status is Status.NONFINITE:
            return start.result(x0, f0, None, nit, status, message + "; returned x0", history, beta=beta_k, divergence=0.0)
        x, f, d = last if not self.require_feasible else (x0, f0, 0.0)
        return start.result(x, f, None, nit, Status.INFEASIBLE, f"no inner solution had D ≤ δ = {delta:.3g}",
                            history, beta=beta_k, divergence=d)


def _penalized_objective(objective: Objective, divergence: Divergence, beta: float) -> Objective:
    """f + β·D as an :class:`Objective` built from the two parts' own derivatives."""
    D = divergence.objective

    def fun(x: np.ndarray) -> float:
        return objective.value(x) + beta * D.value(x)

    def value_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = objective.value_and_grad(x)
        d, gd = D.value_and_grad(x)
        return f + beta * d, g + beta * gd

    def hvp(x: np.ndarray, v: np.ndarray) -> np.ndarray:
        return objective.hvp(x, v) + beta * D.hvp(x, v)

    return Objective(fun, value_and_grad=value_and_grad, hvp=hvp)


@dataclass
class AdaptiveBound:
    """Adapt the divergence bound δ between successive solves (opt-in).

    The trust-region radius rule (:class:`~trustopt.radius.RadiusRule`,
    Nocedal & Wright Algorithm 4.1) applied to the radius r = sqrt(2δ): since
    D(x) ≈ ½‖x − x₀‖²_F, r is the length of a step on the bound in the
    metric norm, so the rule's factors mean what they mean for an ordinary
    trust radius (a shrink by ¼ in r divides δ by 16). The ratio is
    ρ = actual / expected improvement of the last step; the step "reached the
    boundary" when the divergence it reached is at least half the bound
    (D ≥ δ/2: the natural step is scaled to the bound, and a step that
    backtracking left well inside it says nothing about a larger one); its
    length is t·r for an accepted step fraction t. A solve that accepted no
    step counts as ρ = NaN (a poor step).

    Use: ``res = solver.minimize(f, D, max_divergence=bound.delta)`` and then
    ``bound.update(res)``; stop when ``bound.exhausted``.

    Parameters
    ----------
    delta : the current bound δ > 0. Default 0.01 (Spinning Up's TRPO ``delta``).
    rule : the radius rule, in units of r = sqrt(2δ). Default
        ``RadiusRule(max_radius=sqrt(2))``, i.e. N&W's constants with δ ≤ 1.
    """

    delta: float = DEFAULT_MAX_DIVERGENCE
    rule: RadiusRule = field(default_factory=lambda: RadiusRule(max_radius=math.sqrt(2.0)))

    def __post_init__(self) -> None:
        _check_positive("delta", self.delta)
        if not isinstance(self.rule, RadiusRule):
            raise TypeError(f"rule must be a RadiusRule; got {type(self.rule).__name__}")
        if self.radius > self.rule.max_radius:
            raise ValueError(
                f"delta = {self.delta} exceeds the rule's maximum ½·max_radius² = {0.5 * self.rule.max_radius ** 2}"
            )

    @property
    def radius(self) -> float:
        """r = sqrt(2δ), the bound as a length in the metric norm."""
        return math.sqrt(2.0 * self.delta)

    @property
    def exhausted(self) -> bool:
        """Whether δ fell below the rule's minimum (the model is trusted nowhere)."""
        return self.rule.too_small(self.radius)

    def update(self, result: Result) -> float:
        """Adapt δ from ``result`` (a :class:`NaturalGradient` or :class:`DivergenceTrustRegion` result); return it."""
        if not result.history.records:
            raise ValueError("result has no history row; it did not come from a step that was tried")
        row = result.history.records[-1]
        r = self.radius
        accepted = result.status is Status.STEP_ACCEPTED
        rho = float(row["ratio"]) if accepted else math.nan
        fraction = float(row["step_fraction"]) if accepted else 1.0
        on_boundary = accepted and 2.0 * float(row["divergence"]) >= float(row["max_divergence"])
        r_next = self.rule.update(r, rho, on_boundary, step_norm=fraction * r)
        self.delta = 0.5 * r_next * r_next
        return self.delta
