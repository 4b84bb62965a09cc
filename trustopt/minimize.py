"""``trustopt.minimize``: a front door shaped like ``scipy.optimize.minimize``.

The solver objects (``LBFGS``, ``TrustRegion``, …) are the real API; this
function only maps a method name and an options dictionary onto one of them.
Each registered method declares what it handles beyond an unconstrained
problem (``"bounds"``, ``"constraints"``); with no method named,
:func:`default_method` picks one that handles what was given, as scipy does.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from .augmented_lagrangian import AugmentedLagrangian
from .bounded_trust_region import BoundedTrustRegion
from .bounds import as_box
from .constraints import as_constraints
from .first_order import Adam, GradientDescent
from .gltr import GLTR
from .lbfgs import LBFGS
from .lbfgsb import LBFGSB
from .objective import Objective, as_flat_vector, as_objective
from .result import Callback, Result
from .sqp import SQP
from .subproblems import CauchyPoint, Dogleg, Exact, Steihaug
from .trust_region import trust_region_method

__all__ = ["minimize", "register_method", "available_methods", "default_method"]

# normalized name -> (name as registered, solver factory, what it handles)
_METHODS: dict[str, tuple[str, Callable[..., Any], frozenset[str]]] = {}


def _key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def register_method(name: str, factory: Callable[..., Any], handles: frozenset[str] = frozenset()) -> None:
    """Make ``minimize(method=name)`` build its solver as ``factory(**options)``.

    The solver must have ``minimize(objective, x0) -> Result``; a method
    whose ``handles`` contains ``"bounds"`` takes ``minimize(objective, x0,
    bounds=box)`` with a :class:`~trustopt.bounds.Box` or None, one that also
    handles ``"constraints"`` takes ``constraints=`` (a
    :class:`~trustopt.constraints.Constraints`) as well. Names are
    matched ignoring case, '-' and '_'.
    """
    _METHODS[_key(name)] = (name, factory, frozenset(handles))


def available_methods() -> list[str]:
    """The method names ``minimize`` accepts (as registered)."""
    return sorted(entry[0] for entry in _METHODS.values())


#: Largest n for which the default constrained method is the dense SQP (its QP
#: and BFGS matrix cost O(n²)–O(n³) per iteration); above it, the matrix-free
#: augmented Lagrangian. Measured by benchmarks/constrained_crossover.py: SQP
#: needs 3–10× fewer evaluations at every n, and is faster in wall time up to
#: n = 200 (0.32 s vs 0.65 s) but not at n = 400 (1.4 s vs 0.7 s).
SQP_MAX_N = 200


def default_method(needs: frozenset[str], n: int = 1) -> str:
    """The method ``minimize`` uses when none is named, for a problem needing ``needs`` in n variables.

    Unconstrained: "lbfgs". Bounds only: "l-bfgs-b". General constraints:
    "sqp" for n ≤ :data:`SQP_MAX_N`, "auglag" above.
    """
    if not needs:
        return "lbfgs"
    if needs <= {"bounds"}:
        return "l-bfgs-b"
    if needs <= {"bounds", "constraints"}:
        return "sqp" if n <= SQP_MAX_N else "auglag"
    raise ValueError(f"no registered method handles {sorted(needs)}")


register_method("lbfgs", LBFGS)
register_method("l-bfgs-b", LBFGSB, frozenset({"bounds"}))
register_method("trust-bounded", BoundedTrustRegion, frozenset({"bounds"}))
register_method("sqp", SQP, frozenset({"bounds", "constraints"}))
register_method("auglag", AugmentedLagrangian, frozenset({"bounds", "constraints"}))
register_method("trust-steihaug", trust_region_method(Steihaug))
register_method("trust-ncg", trust_region_method(Steihaug))
register_method("trust-exact", trust_region_method(Exact))
register_method("trust-krylov", trust_region_method(GLTR))
register_method("dogleg", trust_region_method(Dogleg))
register_method("trust-cauchy", trust_region_method(CauchyPoint))
register_method("gradient-descent", GradientDescent)
register_method("adam", Adam)


def minimize(
    fun: Callable[[np.ndarray], Any] | Objective,
    x0: Any,
    method: str | None = None,
    *,
    jac: Callable[[np.ndarray], Any] | bool | None = None,
    hessp: Callable[[np.ndarray, np.ndarray], Any] | None = None,
    hess: Callable[[np.ndarray], Any] | None = None,
    bounds: Any = None,
    constraints: Any = None,
    tol: float | None = None,
    callback: Callback | None = None,
    options: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Result:
    """Minimize a scalar function of a flat vector.

    Parameters
    ----------
    fun : ``x -> float`` written with ``autograd.numpy`` (derivatives by
        autograd), or with ``jac`` given, or an :class:`Objective`.
    x0 : starting point, a flat vector of finite numbers.
    method : solver name, matched ignoring case, '-' and '_'; see
        :func:`available_methods`. Default None: :func:`default_method` picks
        one that handles what was given ("lbfgs"; "l-bfgs-b" with bounds; "sqp"
        or, for n > SQP_MAX_N, "auglag" with constraints).
    jac : gradient callable, True when ``fun`` returns (f, g) (as in scipy), or
        "2-point" / "3-point" / "cs" for finite differences with scipy's steps
        (for a ``fun`` written in plain numpy).
    hessp, hess : Hessian-vector product ``(x, v) -> H v`` / dense Hessian ``x -> H``.
    bounds : None, a ``scipy.optimize.Bounds``, a :class:`~trustopt.bounds.Box`
        or a sequence of (lo, hi) pairs with None/±inf for an unbounded side.
        A method that cannot handle bounds raises ValueError when given finite ones.
    constraints : None, or one or a list of: a callable ``x -> c(x)`` meaning
        c(x) ≤ 0, a scipy ``NonlinearConstraint`` / ``LinearConstraint``, a
        scipy dict ``{'type': 'ineq'|'eq', 'fun', 'jac'}`` (scipy's sign:
        'ineq' means fun(x) ≥ 0); see :func:`~trustopt.constraints.as_constraints`.
    tol : shorthand for the solver's ``gtol``.
    callback : receives the intermediate Result each iteration; returning
        True (or raising StopIteration) stops the run.
    options, **kwargs : the solver's constructor arguments (e.g. ``memory``,
        ``maxiter``); an unknown name raises ValueError listing the valid ones.
    """
    n = as_flat_vector(x0, "x0").size
    box = as_box(bounds, n)
    if box is not None and box.unbounded:
        box = None
    cons = as_constraints(constraints, n)
    needs = (frozenset() if box is None else frozenset({"bounds"})) | (
        frozenset({"constraints"}) if len(cons) else frozenset())
    if method is None:
        method = default_method(needs, n)
    if not isinstance(method, str):
        raise TypeError(f"method must be a string or None; got {type(method).__name__}")
    entry = _METHODS.get(_key(method))
    if entry is None:
        raise ValueError(f"unknown method {method!r}; available: {', '.join(available_methods())}")
    _, factory, handles = entry
    missing = sorted(needs - handles)
    if missing:
        able = sorted(e[0] for e in _METHODS.values() if needs <= e[2])
        raise ValueError(f"method {method!r} cannot handle {', '.join(missing)}; methods that can: {able}")
    opts = dict(options or {})
    overlap = set(opts) & set(kwargs)
    if overlap:
        raise ValueError(f"options given twice (in options= and as keywords): {sorted(overlap)}")
    opts.update(kwargs)
    if tol is not None:
        opts.setdefault("gtol", tol)
    if callback is not None:
        opts["callback"] = callback
    if dataclasses.is_dataclass(factory):
        valid = {f.name for f in dataclasses.fields(factory)}
        unknown = sorted(set(opts) - valid)
        if unknown:
            raise ValueError(
                f"unknown option(s) {unknown} for method {method!r}; valid: {sorted(valid)}"
            )
    solver = factory(**opts)
    objective = as_objective(fun, jac=jac, hessp=hessp, hess=hess)
    if "constraints" in handles:
        return solver.minimize(objective, x0, bounds=box, constraints=cons)
    if "bounds" in handles:
        return solver.minimize(objective, x0, bounds=box)
    return solver.minimize(objective, x0)
