"""What every trustopt solver returns: a :class:`Result` with a :class:`Status`.

Field names follow :class:`scipy.optimize.OptimizeResult` where one exists
(``x``, ``fun``, ``jac``, ``nit``, ``nfev``, ``njev``, ``nhev``, ``status``,
``message``, ``success``), so code written against scipy reads the same.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

import numpy as np

__all__ = ["Status", "History", "Result", "Solver", "Callback", "check_callback_stop", "counts_since"]


class Status(enum.Enum):
    """Why a solver stopped. ``status.success`` says whether that is a success.

    One enum serves every solver so that a comparison table can put all of
    them in one column.
    """

    GTOL = ("gradient norm below gtol", True)
    FTOL = ("relative reduction of f below ftol", True)
    XTOL = ("step shorter than xtol", True)
    STEP_ACCEPTED = ("step accepted", True)
    MAXITER = ("iteration limit reached", False)
    MAXFEV = ("function-evaluation limit reached", False)
    CALLBACK = ("stopped by the callback", False)
    NONFINITE = ("non-finite value met; returned the last finite point", False)
    LINE_SEARCH_FAILED = ("line search found no acceptable step", False)
    TR_RADIUS_TOO_SMALL = ("trust radius fell below its minimum", False)
    NOT_POSITIVE_DEFINITE = ("model Hessian is not positive definite", False)
    NOT_DESCENT = ("search direction is not a descent direction", False)
    NO_STEP_ACCEPTED = ("no trial step met the acceptance conditions; returned x0", False)
    NOT_MAJORIZER = ("surrogate failed to majorize: true objective increased", False)
    INFEASIBLE = ("no feasible iterate was found", False)
    IN_PROGRESS = ("the run is still going (an intermediate result for a callback)", False)

    def __init__(self, description: str, success: bool) -> None:
        self.description = description
        self.success = success

    def __repr__(self) -> str:
        return f"Status.{self.name}"


class History:
    """Per-iteration records of a run, readable as columns for plotting.

    ``history.append(fun=..., grad_norm=...)`` adds a row;
    ``history["fun"]`` returns that column as a float array (NaN where a row
    did not record it); ``history.records`` holds the raw rows.
    """

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def append(self, **fields: Any) -> None:
        self.records.append(fields)

    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for row in self.records:
            seen.update(dict.fromkeys(row))
        return list(seen)

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self.keys():
            raise KeyError(f"history has no column {key!r}; columns: {self.keys()}")
        return np.array([row.get(key, np.nan) for row in self.records], dtype=float)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __repr__(self) -> str:
        return f"History({len(self)} rows, columns={self.keys()})"


@dataclass
class Result:
    """The outcome of a solve.

    Attributes
    ----------
    x : the final point (a flat float64 array; always finite).
    fun : f(x).
    jac : the gradient at x, or None when the solver never computed it there.
    nit : iterations taken.
    nfev, njev, nhev : function, gradient and Hessian(-vector) evaluations.
    status : a :class:`Status`; ``success`` mirrors ``status.success``.
    message : a sentence for people.
    history : per-iteration records (see :class:`History`).
    info : solver-specific extras (e.g. the final trust radius).
    report : a solver's typed report of what it did (a dataclass such as
        :class:`~trustopt.divergence_problem.DivergenceStep`, or the
        :class:`~trustopt.constraints.ConstrainedReport` of SQP and the
        augmented Lagrangian), or None for solvers without one. Callers read it instead of ``history``, which
        stays the table for plotting.
    """

    x: np.ndarray
    fun: float
    jac: np.ndarray | None
    nit: int
    nfev: int
    njev: int
    nhev: int
    status: Status
    message: str = ""
    history: History = field(default_factory=History)
    info: dict[str, Any] = field(default_factory=dict)
    report: Any = None

    def __post_init__(self) -> None:
        if not self.message:
            self.message = self.status.description

    @property
    def success(self) -> bool:
        return self.status.success

    @property
    def grad_norm(self) -> float:
        """∞-norm of ``jac`` (NaN when no gradient is known at x)."""
        if self.jac is None:
            return float("nan")
        return float(np.max(np.abs(self.jac))) if self.jac.size else 0.0

    def __repr__(self) -> str:
        return (
            f"Result(status={self.status!r}, fun={self.fun:.10g}, nit={self.nit}, "
            f"nfev={self.nfev}, njev={self.njev}, nhev={self.nhev}, "
            f"grad_norm={self.grad_norm:.3g}, message={self.message!r})"
        )


#: Signature of solver callbacks: receives the intermediate :class:`Result`
#: (status ``IN_PROGRESS``); returning True, or raising StopIteration, stops
#: the run with status ``CALLBACK``.
Callback = Callable[[Result], "bool | None"]


def check_callback_stop(callback: Callback | None, intermediate: Result) -> bool:
    """Call ``callback`` with ``intermediate`` and tell whether it asked to stop."""
    if callback is None:
        return False
    try:
        return bool(callback(intermediate))
    except StopIteration:
        return True


class Solver(Protocol):
    """Anything with ``minimize(objective, x0) -> Result`` (every unconstrained trustopt solver)."""

    def minimize(self, objective: Any, x0: np.ndarray) -> Result: ...


def counts_since(objective: Any, start: dict[str, int]) -> dict[str, int]:
    """``nfev``, ``njev`` and ``nhev`` spent by ``objective`` since ``start = objective.counts()``."""
    now = objective.counts()
    return {key: now[key] - start[key] for key in ("nfev", "njev", "nhev")}
