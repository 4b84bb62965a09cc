"""trustopt: trust-region and majorize–minimize optimization on numpy.

Solvers minimize. A maximization problem is handed over negated, so MM here
means majorize–minimize. Every solver takes flat float64 vectors and returns
a :class:`Result`.
"""

from .cg import CGResult, CGStatus, conjugate_gradient
from .constrained import AdaptiveBound, DivergenceTrustRegion, NaturalGradient, PenaltyMethod, adapt_penalty
from .divergence import Divergence
from .first_order import Adam, GradientDescent, MeanObjective
from .gauss_newton import GaussNewton
from .gltr import GLTR
from .lbfgs import LBFGS
from .least_squares import LeastSquaresResult, least_squares
from .linesearch import LineSearchResult, armijo_backtracking, backtrack, strong_wolfe
from .minimize import available_methods, minimize, register_method
from .mm import MM, QuadraticUpperBound, Surrogate
from .objective import Objective, as_flat_vector, as_objective
from .radius import RadiusRule
from .result import History, Result, Solver, Status
from .subproblems import CauchyPoint, Dogleg, Exact, QuadraticModel, Steihaug, SubproblemStep
from .trust_region import TrustRegion, trust_region_method

__all__ = [
    "MM",
    "Adam",
    "AdaptiveBound",
    "CGResult",
    "CGStatus",
    "CauchyPoint",
    "Divergence",
    "DivergenceTrustRegion",
    "Dogleg",
    "Exact",
    "GLTR",
    "GaussNewton",
    "GradientDescent",
    "History",
    "LBFGS",
    "LeastSquaresResult",
    "LineSearchResult",
    "MeanObjective",
    "NaturalGradient",
    "Objective",
    "PenaltyMethod",
    "QuadraticModel",
    "QuadraticUpperBound",
    "RadiusRule",
    "Result",
    "Solver",
    "Status",
    "Steihaug",
    "SubproblemStep",
    "Surrogate",
    "TrustRegion",
    "adapt_penalty",
    "armijo_backtracking",
    "as_flat_vector",
    "as_objective",
    "available_methods",
    "backtrack",
    "conjugate_gradient",
    "least_squares",
    "minimize",
    "register_method",
    "strong_wolfe",
    "trust_region_method",
]

__version__ = "0.1.0"
