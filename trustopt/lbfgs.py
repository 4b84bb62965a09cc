"""Limited-memory BFGS with a strong-Wolfe line search.

The inverse-Hessian approximation is applied by the two-loop recursion
(Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithm 7.4) from the
last ``memory`` curvature pairs (s, y), with initial scaling
H₀ = (sᵀy / yᵀy)·I from the newest pair (N&W eq. 7.20). A pair with
sᵀy ≤ ε·yᵀy carries no usable curvature and is skipped, as in L-BFGS-B
(Byrd, Lu, Nocedal & Zhu 1995).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from .linesearch import DEFAULT_C1, DEFAULT_C2, strong_wolfe
from .objective import Objective, as_flat_vector
from .result import Callback, History, Result, Status, check_callback_stop, counts_since

__all__ = ["LBFGS", "PairMemory"]

_EPS = float(np.finfo(float).eps)


class PairMemory:
    """The newest ``size`` curvature pairs (s, y) and the product they define."""

    def __init__(self, size: int) -> None:
        self.pairs: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=size)

    def __len__(self) -> int:
        return len(self.pairs)

    def clear(self) -> None:
        self.pairs.clear()

    def add(self, s: np.ndarray, y: np.ndarray) -> bool:
        """Store (s, y) unless sᵀy ≤ ε·yᵀy; return whether it was stored."""
        sy, yy = float(s @ y), float(y @ y)
        if sy > _EPS * yy:
            self.pairs.append((s, y, 1.0 / sy))
            return True
        return False

    def inverse_hessian_times(self, g: np.ndarray) -> np.ndarray:
        """H·g by the two-loop recursion (N&W Alg. 7.4); g itself when empty."""
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(self.pairs):
            a = rho * float(s @ q)
            q -= a * y
            alphas.append(a)
        if self.pairs:
            s, y, rho = self.pairs[-1]
            q *= 1.0 / (rho * float(y @ y))
        for (s, y, rho), a in zip(self.pairs, reversed(alphas)):
            q += (a - rho * float(y @ q)) * s
        return q


@dataclass
class QuasiNewtonOptions:
    """The options L-BFGS and L-BFGS-B share, validated once (see each solver for their meaning)."""

    memory: int = 10
    gtol: float = 1e-5
    ftol: float = 2.2e-9
    maxiter: int = 15000
    maxfev: int = 15000
    c1: float = DEFAULT_C1
    c2: float = DEFAULT_C2
    max_ls: int = 20
    callback: Callback | None = None

    def __post_init__(self) -> None:
        if self.memory < 1:
            raise ValueError(f"memory must be ≥ 1; got {self.memory}")
        if not self.gtol >= 0:
            raise ValueError(f"gtol must be ≥ 0; got {self.gtol}")
        if not self.ftol >= 0:
            raise ValueError(f"ftol must be ≥ 0; got {self.ftol}")
        if self.maxiter < 0:
            raise ValueError(f"maxiter must be ≥ 0; got {self.maxiter}")
        if self.maxfev < 1:
            raise ValueError(f"maxfev must be ≥ 1; got {self.maxfev}")
        if not (0.0 < self.c1 < self.c2 < 1.0):
            raise ValueError(f"need 0 < c1 < c2 < 1; got c1={self.c1}, c2={self.c2}")
        if self.max_ls < 1:
            raise ValueError(f"max_ls must be ≥ 1; got {self.max_ls}")


@dataclass
class LBFGS(QuasiNewtonOptions):
    """L-BFGS minimizer.

    Parameters
    ----------
    memory : curvature pairs kept. Default 10 (N&W §7.2 report 3–20 as
        typical; 10 is scipy's ``maxcor``).
    gtol : stop when ‖∇f‖∞ ≤ gtol. Default 1e-5 (scipy's L-BFGS-B ``pgtol``).
    ftol : stop when (f_k − f_{k+1}) ≤ ftol·max(|f_k|, |f_{k+1}|, 1).
        Default 2.2e-9 (scipy's L-BFGS-B: factr 1e7 × machine ε). 0 disables.
    maxiter : iteration limit. Default 15000 (scipy's L-BFGS-B).
    maxfev : function-evaluation limit. Default 15000 (scipy's L-BFGS-B ``maxfun``).
    c1, c2 : strong-Wolfe constants (defaults 1e-4, 0.9; N&W §3.1).
    max_ls : trial steps per line search. Default 20.
    callback : called after every iteration with the intermediate
        :class:`Result`; returning True or raising StopIteration stops the run.
    """

    def minimize(self, objective: Objective, x0: np.ndarray) -> Result:
        """Minimize ``objective`` from ``x0``; return the best point seen."""
        x = as_flat_vector(x0, "x0")
        start = objective.counts()
        history = History()

        def result(status: Status, nit: int, message: str = "") -> Result:
            return Result(x=x, fun=f, jac=g, nit=nit, **counts_since(objective, start), status=status,
                          message=message, history=history)

        f, g = objective.value_and_grad(x)
        if not (math.isfinite(f) and np.all(np.isfinite(g))):
            return result(Status.NONFINITE, 0, "f or its gradient is not finite at x0")
        history.append(fun=f, grad_norm=float(np.max(np.abs(g))), step_norm=0.0, alpha=0.0, ls_trials=0)

        memory = PairMemory(self.memory)
        for k in range(1, self.maxiter + 1):
            if np.max(np.abs(g)) <= self.gtol:
                return result(Status.GTOL, k - 1)
            if objective.nfev - start["nfev"] >= self.maxfev:
                return result(Status.MAXFEV, k - 1)
            ls = None
            for _ in range(2):
                p = -memory.inverse_hessian_times(g)
                if not float(g @ p) < 0:
                    memory.clear()
                    p = -g
                # Without curvature information, a first step of unit length (L-BFGS-B does the same).
                alpha0 = 1.0 if len(memory) else min(1.0, 1.0 / float(np.linalg.norm(p)))
                ls = strong_wolfe(objective, x, p, f, g, alpha0=alpha0, c1=self.c1, c2=self.c2, maxiter=self.max_ls)
                if ls.success or not len(memory):
                    break
                # The quasi-Newton direction failed: forget the memory and retry along −g.
                memory.clear()
            assert ls is not None
            if not ls.success:
                return result(Status.LINE_SEARCH_FAILED, k - 1, ls.message)
            assert ls.grad is not None
            s = ls.x - x
            y = ls.grad - g
            memory.add(s, y)
            f_prev = f
            x, f, g = ls.x, ls.fun, ls.grad
            history.append(
                fun=f, grad_norm=float(np.max(np.abs(g))), step_norm=float(np.linalg.norm(s)),
                alpha=ls.alpha, ls_trials=ls.n_trials,
            )
            if check_callback_stop(self.callback, result(Status.IN_PROGRESS, k)):
                return result(Status.CALLBACK, k)
            if f_prev - f <= self.ftol * max(abs(f_prev), abs(f), 1.0):
                return result(Status.GTOL if np.max(np.abs(g)) <= self.gtol else Status.FTOL, k)
        return result(Status.MAXITER, self.maxiter)
