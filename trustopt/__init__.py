"""trustopt: trust-region and majorize–minimize optimization on numpy.

Solvers minimize. A maximization problem is handed over negated, so MM here
means majorize–minimize.
"""

from .cg import CGResult, CGStatus, conjugate_gradient
from .lbfgs import LBFGS
from .linesearch import LineSearchResult, armijo_backtracking, backtrack, strong_wolfe
from .minimize import available_methods, minimize, register_method
from .objective import Objective, as_flat_vector, as_objective
from .result import History, Result, Status

__all__ = [
    "CGResult",
    "CGStatus",
    "History",
    "LBFGS",
    "LineSearchResult",
    "Objective",
    "Result",
    "Status",
    "armijo_backtracking",
    "as_flat_vector",
    "as_objective",
    "available_methods",
    "backtrack",
    "conjugate_gradient",
    "minimize",
    "register_method",
    "strong_wolfe",
]

__version__ = "0.1.0"
