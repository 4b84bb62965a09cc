"""First-order methods: gradient descent and Adam, full batch or minibatch.

Both take an :class:`~trustopt.objective.Objective` (full batch) or a
:class:`MeanObjective` — f(x) = (1/N)·Σᵢ ℓᵢ(x), evaluable on any subset of
the data indices. With ``batch_size`` set, each *epoch* shuffles the indices
with a ``numpy.random.Generator`` and takes one step per consecutive
minibatch (sampling without replacement within an epoch, as PPO does);
without it, an epoch is one full-batch step.

``maxiter`` counts epochs in both modes. Full batch, the run stops when
‖∇f‖∞ ≤ gtol; minibatch gradients are noisy, so there the epoch budget
decides. A non-finite value or gradient ends the run with status NONFINITE
and the last point at which everything was finite.

Optionally each gradient is clipped to a global 2-norm before the update
(``max_grad_norm``, as PPO implementations do), and Adam's moments can be
carried from one run to the next (:class:`AdamState` in the result's
:class:`FirstOrderReport`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .objective import Objective, as_flat_vector
from .result import Callback, History, Result, Status, check_callback_stop, counts_since

__all__ = ["MeanObjective", "GradientDescent", "Adam", "AdamState", "FirstOrderReport"]


class MeanObjective:
    """f(x) = (1/N)·Σ_{i<N} ℓᵢ(x), evaluable on an index subset.

    Parameters
    ----------
    fun : callable ``(x, idx) -> float`` returning the mean of ℓᵢ(x) over the
        integer index array ``idx``. Without ``value_and_grad`` it must be
        written with ``autograd.numpy`` (differentiated in x).
    n_data : N, the number of terms.
    value_and_grad : optional ``(x, idx) -> (value, gradient)``.

    ``value(x)`` / ``value_and_grad(x)`` without ``idx`` use all N terms.
    Counters ``nfev``/``njev`` grow by one per call, whatever the subset size.
    """

    def __init__(
        self,
        fun: Callable[[np.ndarray, np.ndarray], Any],
        n_data: int,
        *,
        value_and_grad: Callable[[np.ndarray, np.ndarray], tuple[Any, Any]] | None = None,
    ) -> None:
        if not callable(fun):
            raise TypeError(f"fun must be callable; got {type(fun).__name__}")
        if value_and_grad is not None and not callable(value_and_grad):
            raise TypeError(f"value_and_grad must be callable or None; got {type(value_and_grad).__name__}")
        if not (isinstance(n_data, (int, np.integer)) and n_data >= 1):
            raise ValueError(f"n_data must be an integer ≥ 1; got {n_data!r}")
        self._fun = fun
        self._vg = value_and_grad
        # autograd's warning for a term that does not depend on x is silenced only on its path
        self._traced = value_and_grad is None
        self.n_data = int(n_data)
        self._all = np.arange(self.n_data)
        self.nfev = 0
        self.njev = 0
        self.nhev = 0

    def counts(self) -> dict[str, int]:
        return {"nfev": self.nfev, "njev": self.njev, "nhev": self.nhev}

    def value(self, x: np.ndarray, idx: np.ndarray | None = None) -> float:
        """Mean of ℓᵢ(x) over ``idx`` (all terms by default)."""
        self.nfev += 1
        return float(self._fun(x, self._all if idx is None else idx))

    def value_and_grad(self, x: np.ndarray, idx: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """(mean of ℓᵢ(x), its gradient) over ``idx`` (all terms by default)."""
        self.nfev += 1
        self.njev += 1
        idx = self._all if idx is None else idx
        if self._vg is None:
            from autograd import value_and_grad

            self._vg = value_and_grad(self._fun)
        if self._traced:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Output seems independent of input")
                f, g = self._vg(x, idx)
        else:
            f, g = self._vg(x, idx)
        g = np.asarray(g, dtype=np.float64)
        return float(f), (np.full(x.shape, float(g)) if g.ndim == 0 else g)

    def full(self) -> Objective:
        """The full mean as an :class:`Objective` (for second-order solvers)."""
        return Objective(lambda x: self._fun(x, self._all), value_and_grad=lambda x: self.value_and_grad(x))


@dataclass(frozen=True)
class AdamState:
    """Adam's moments after t updates: m, v (flat, the shape of x) and t (for the bias correction).

    Passing the ``state`` of one run's report to the next run continues the
    same Adam iteration (PPO carries it across policy updates).
    """

    m: np.ndarray
    v: np.ndarray
    t: int


@dataclass(frozen=True)
class FirstOrderReport:
    """Report of a first-order run: the optimizer state at the returned x (None for gradient
    descent), the updates taken in this run and the epochs completed (full batch: steps)."""

    state: AdamState | None
    updates: int
    epochs: int


def _all_finite(a: np.ndarray, squared_norm: float | None = None) -> bool:
    """Whether every entry of the flat vector ``a`` is finite.

    a·a (``squared_norm`` when the caller has it) is finite exactly when every entry
    is, unless the sum overflows; only then are the entries tested one by one. One
    dot product instead of an elementwise test (on the minibatch loop's hot path).
    """
    sq = float(a @ a) if squared_norm is None else squared_norm
    return math.isfinite(sq) or bool(np.isfinite(a).all())


@dataclass(kw_only=True)
class _FirstOrder:
    """The loop shared by first-order methods; subclasses supply the update rule."""

    maxiter: int = 1000
    gtol: float = 1e-5
    batch_size: int | None = None
    seed: int | np.random.Generator = 0
    callback: Callback | None = None
    max_grad_norm: float | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.maxiter, int) and self.maxiter >= 0):
            raise ValueError(f"maxiter must be an integer ≥ 0; got {self.maxiter!r}")
        if not (math.isfinite(self.gtol) and self.gtol >= 0):
            raise ValueError(f"gtol must be finite and ≥ 0; got {self.gtol!r}")
        if self.batch_size is not None and not (isinstance(self.batch_size, int) and self.batch_size >= 1):
            raise ValueError(f"batch_size must be an integer ≥ 1 or None; got {self.batch_size!r}")
        if not isinstance(self.seed, (int, np.random.Generator)):
            raise TypeError(f"seed must be an int or a numpy Generator; got {type(self.seed).__name__}")
        if self.max_grad_norm is not None and not (
            isinstance(self.max_grad_norm, (int, float)) and math.isfinite(self.max_grad_norm) and self.max_grad_norm > 0
        ):
            raise ValueError(f"max_grad_norm must be a positive finite number or None; got {self.max_grad_norm!r}")

    def _init_state(self, n: int) -> Any:
        raise NotImplementedError

    def _step(self, state: Any, g: np.ndarray) -> tuple[np.ndarray, Any]:
        """The update Δx for gradient g, and the state after it (never modified in place)."""
        raise NotImplementedError

    def _clip(self, g: np.ndarray, squared_norm: float | None = None) -> np.ndarray:
        """g scaled to global 2-norm ``max_grad_norm`` when longer (PPO's gradient clipping);
        ``squared_norm`` is g·g when the caller has it."""
        if self.max_grad_norm is None:
            return g
        # np.linalg.norm of a flat vector is sqrt(g·g): the same number either way
        norm = math.sqrt(float(g @ g) if squared_norm is None else squared_norm)
        return g * (self.max_grad_norm / norm) if norm > self.max_grad_norm else g

    def _run(self, objective: Objective | MeanObjective, x0: Any, state: Any) -> Result:
        """Minimize ``objective`` from ``x0``, the update rule starting from ``state``."""
        x = as_flat_vector(x0, "x0")
        minibatch = self.batch_size is not None
        if minibatch and not isinstance(objective, MeanObjective):
            raise TypeError("batch_size needs a MeanObjective (a mean over data indices)")
        rng = np.random.default_rng(self.seed) if isinstance(self.seed, int) else self.seed
        start = objective.counts()
        history = History()
        if state is None:
            state = self._init_state(x.size)
        updates = 0
        f, g = math.nan, None

        def result(status: Status, nit: int, message: str = "") -> Result:
            return Result(x=x, fun=f, jac=g, nit=nit, **counts_since(objective, start), status=status,
                          message=message, history=history, report=FirstOrderReport(state, updates, nit))

        if minibatch:
            assert isinstance(objective, MeanObjective) and self.batch_size is not None
            n, size = objective.n_data, self.batch_size
            x_prev, state_prev = x, state
            for epoch in range(1, self.maxiter + 1):
                order = rng.permutation(n)
                values = []
                for lo in range(0, n, size):
                    fb, gb = objective.value_and_grad(x, order[lo:lo + size])
                    squared_norm = float(gb @ gb)
                    if not (math.isfinite(fb) and _all_finite(gb, squared_norm)):
                        # x_prev is the last point whose minibatch value and gradient were finite.
                        x, state = x_prev, state_prev
                        updates -= int(updates > 0)
                        f = objective.value(x)
                        return result(Status.NONFINITE, epoch - 1, "a minibatch value or gradient is not finite; "
                                      "returned the previous point")
                    dx, state_next = self._step(state, self._clip(gb, squared_norm))
                    x_next = x + dx
                    if not _all_finite(x_next):
                        f = objective.value(x)
                        return result(Status.NONFINITE, epoch - 1, "the update overflowed")
                    x_prev, state_prev, x, state = x, state, x_next, state_next
                    updates += 1
                    values.append(fb)
                history.append(fun=float(np.mean(values)), updates=updates)
                if check_callback_stop(self.callback, result(Status.IN_PROGRESS, epoch)):
                    f = objective.value(x)
                    return result(Status.CALLBACK, epoch)
            f = objective.value(x)
            return result(Status.MAXITER if math.isfinite(f) else Status.NONFINITE, self.maxiter)

        x_prev, state_prev = x, state
        for k in range(self.maxiter + 1):
            f_k, g_k = objective.value_and_grad(x)
            if not (math.isfinite(f_k) and _all_finite(g_k)):
                if g is None:
                    f = f_k
                    return result(Status.NONFINITE, 0, "f or its gradient is not finite at x0")
                x, state = x_prev, state_prev
                updates -= 1
                return result(Status.NONFINITE, k - 1, "f or its gradient is not finite; returned the previous point")
            f, g = f_k, g_k
            gnorm = float(np.max(np.abs(g)))
            history.append(fun=f, grad_norm=gnorm)
            if k > 0 and check_callback_stop(self.callback, result(Status.IN_PROGRESS, k)):
                return result(Status.CALLBACK, k)
            if gnorm <= self.gtol:
                return result(Status.GTOL, k)
            if k == self.maxiter:
                break
            dx, state_next = self._step(state, self._clip(g))
            x_next = x + dx
            if not _all_finite(x_next):
                return result(Status.NONFINITE, k, "the update overflowed; returned the previous point")
            x_prev, state_prev, x, state = x, state, x_next, state_next
            updates += 1
        return result(Status.MAXITER, self.maxiter)


@dataclass(kw_only=True)
class GradientDescent(_FirstOrder):
    """Gradient descent with a fixed step: x ← x − learning_rate·∇f(x).

    Parameters (keyword only)
    -------------------------
    learning_rate : the step size (required: no value suits every problem;
        below 2/L for an L-smooth f, the full-batch iteration decreases f).
    maxiter : epochs (full batch: steps). Default 1000.
    gtol : full batch, stop when ‖∇f‖∞ ≤ gtol. Default 1e-5 (as ``LBFGS``).
    batch_size : minibatch size; None (default) is full batch.
    seed : int or ``numpy.random.Generator`` for the minibatch order. Default 0.
    callback : called after every epoch with the intermediate Result;
        returning True stops the run (status CALLBACK) at the point after
        that epoch.
    max_grad_norm : clip each (minibatch) gradient to this global 2-norm
        before the update, g ← g·min(1, c/‖g‖₂). Default None (off); PPO
        uses 0.5 (Stable-Baselines3 and CleanRL ``max_grad_norm``).
    """

    learning_rate: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be positive and finite; got {self.learning_rate!r}")

    def _init_state(self, n: int) -> None:
        return None

    def _step(self, state: None, g: np.ndarray) -> tuple[np.ndarray, None]:
        return -self.learning_rate * g, None

    def minimize(self, objective: Objective | MeanObjective, x0: Any) -> Result:
        """Minimize ``objective`` from ``x0``.

        With ``batch_size`` set, ``objective`` must be a :class:`MeanObjective`.
        An int ``seed`` makes a fresh Generator per call (the same seed gives
        the same run); a Generator is used as is and advances. When the
        callback stops the run, ``result.x`` is the point after the epoch at
        which it stopped. ``result.report`` is a :class:`FirstOrderReport`.
        """
        return self._run(objective, x0, None)


@dataclass(kw_only=True)
class Adam(_FirstOrder):
    """Adam (Kingma & Ba 2015, Algorithm 1).

    m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
    x ← x − lr·m̂ / (sqrt(v̂) + ε)  with  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).

    Parameters (keyword only)
    -------------------------
    learning_rate : lr. Default 1e-3 (Kingma & Ba 2015).
    beta1, beta2 : moment decay rates. Defaults 0.9 and 0.999 (Kingma & Ba 2015).
    eps : Default 1e-8 (Kingma & Ba 2015).
    maxiter, gtol, batch_size, seed, callback, max_grad_norm : as in
        :class:`GradientDescent`.
    """

    learning_rate: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"learning_rate must be positive and finite; got {self.learning_rate!r}")
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if not (0.0 <= value < 1.0):
                raise ValueError(f"{name} must lie in [0, 1); got {value!r}")
        if not (math.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"eps must be positive and finite; got {self.eps!r}")

    def _init_state(self, n: int) -> AdamState:
        return AdamState(np.zeros(n), np.zeros(n), 0)

    def _step(self, state: AdamState, g: np.ndarray) -> tuple[np.ndarray, AdamState]:
        # The operations of Algorithm 1 in its order, so the iterates are the textbook
        # expression's to the bit, but in four arrays instead of a dozen temporaries: on
        # a PPO minibatch (5k parameters) the arithmetic is cheap and allocation is not.
        t = state.t + 1
        b1, b2 = self.beta1, self.beta2
        m = state.m * b1
        scratch = g * (1.0 - b1)
        m += scratch                                   # β₁m + (1−β₁)g
        v = state.v * b2
        np.multiply(g, g, out=scratch)
        scratch *= 1.0 - b2
        v += scratch                                   # β₂v + (1−β₂)g²
        np.divide(v, 1.0 - b2**t, out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch += self.eps                            # sqrt(v̂) + ε
        dx = m / (1.0 - b1**t)
        dx *= -self.learning_rate
        dx /= scratch                                  # −lr·m̂ / (sqrt(v̂) + ε)
        return dx, AdamState(m, v, t)

    def minimize(self, objective: Objective | MeanObjective, x0: Any, state: AdamState | None = None) -> Result:
        """Minimize ``objective`` from ``x0``, continuing from ``state`` when given.

        ``state``: the :class:`AdamState` of a previous run
        (``result.report.state``); its arrays are copied, so the caller's
        object is never changed. Default None: zero moments, t = 0. Two runs
        carrying the state take the same iterates as one run of both budgets
        (full batch; with minibatches, when the seed Generator is shared).
        With ``batch_size`` set, ``objective`` must be a :class:`MeanObjective`.
        An int ``seed`` makes a fresh Generator per call (the same seed gives
        the same run). When the callback stops the run, ``result.x`` is the
        point after the epoch at which it stopped (PPO's early stop on a
        target KL). ``result.report`` is a :class:`FirstOrderReport`.
        """
        x = as_flat_vector(x0, "x0")
        if state is not None:
            if not isinstance(state, AdamState):
                raise TypeError(f"state must be an AdamState or None; got {type(state).__name__}")
            m, v = np.array(state.m, dtype=np.float64), np.array(state.v, dtype=np.float64)
            if m.shape != x.shape or v.shape != x.shape:
                raise ValueError(f"state.m and state.v must have shape {x.shape}; got {m.shape} and {v.shape}")
            if not (isinstance(state.t, (int, np.integer)) and state.t >= 0):
                raise ValueError(f"state.t must be an integer ≥ 0; got {state.t!r}")
            state = AdamState(m, v, int(state.t))
        return self._run(objective, x, state)
