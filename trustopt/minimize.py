"""``trustopt.minimize``: a front door shaped like ``scipy.optimize.minimize``.

The solver objects (``LBFGS``, ``TrustRegion``, …) are the real API; this
function only maps a method name and an options dictionary onto one of them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from .first_order import Adam, GradientDescent
from .gltr import GLTR
from .lbfgs import LBFGS
from .objective import Objective, as_objective
from .result import Callback, Result
from .subproblems import CauchyPoint, Dogleg, Exact, Steihaug
from .trust_region import trust_region_method

__all__ = ["minimize", "register_method", "available_methods"]

# normalized name -> (name as registered, solver factory)
_METHODS: dict[str, tuple[str, Callable[..., Any]]] = {}


def _key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def register_method(name: str, factory: Callable[..., Any]) -> None:
    """Make ``minimize(method=name)`` build its solver as ``factory(**options)``.

    The solver must have ``minimize(objective, x0) -> Result``. Names are
    matched ignoring case, '-' and '_'.
    """
    _METHODS[_key(name)] = (name, factory)


def available_methods() -> list[str]:
    """The method names ``minimize`` accepts (as registered)."""
    return sorted(name for name, _ in _METHODS.values())


register_method("lbfgs", LBFGS)
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
    method: str = "lbfgs",
    *,
    jac: Callable[[np.ndarray], Any] | bool | None = None,
    hessp: Callable[[np.ndarray, np.ndarray], Any] | None = None,
    hess: Callable[[np.ndarray], Any] | None = None,
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
        :func:`available_methods`. Default "lbfgs".
    jac : gradient callable, or True when ``fun`` returns (f, g) (as in scipy).
    hessp, hess : Hessian-vector product ``(x, v) -> H v`` / dense Hessian ``x -> H``.
    tol : shorthand for the solver's ``gtol``.
    callback : receives the intermediate Result each iteration; returning
        True (or raising StopIteration) stops the run.
    options, **kwargs : the solver's constructor arguments (e.g. ``memory``,
        ``maxiter``); an unknown name raises ValueError listing the valid ones.
    """
    if not isinstance(method, str):
        raise TypeError(f"method must be a string; got {type(method).__name__}")
    entry = _METHODS.get(_key(method))
    if entry is None:
        raise ValueError(f"unknown method {method!r}; available: {', '.join(available_methods())}")
    factory = entry[1]
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
    return solver.minimize(as_objective(fun, jac=jac, hessp=hessp, hess=hess), x0)
