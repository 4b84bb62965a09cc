"""trustopt: trust-region and majorize–minimize optimization on numpy.

Solvers minimize. A maximization problem is handed over negated, so MM here
means majorize–minimize. Every solver takes flat float64 vectors and returns
a :class:`Result`.
"""

from .augmented_lagrangian import AugmentedLagrangian
from .bounded_trust_region import BoundedTrustRegion
from .bounds import Box, as_box
from .cg import CGResult, CGStatus, conjugate_gradient
from .constrained import AdaptiveBound, DivergenceTrustRegion, NaturalGradient, PenaltyMethod, adapt_penalty
from .constraints import ConstrainedReport, Constraints, as_constraints
from .divergence import Divergence
from .first_order import Adam, GradientDescent, MeanObjective
from .lbfgs import LBFGS
from .lbfgsb import LBFGSB
from .linesearch import LineSearchResult, armijo_backtracking, backtrack, strong_wolfe
from .minimize import available_methods, default_method, minimize, register_method
from .mm import MM, QuadraticUpperBound, Surrogate
from .objective import Objective, as_flat_vector, as_objective
from .radius import RadiusRule
from .qp import QPResult, solve_qp
from .result import History, Result, Solver, Status
from .sqp import SQP
from .subproblems import CauchyPoint, Dogleg, Exact, QuadraticModel, Steihaug, SubproblemStep
from .trust_region import TrustRegion, trust_region_method

__all__ = [
    "SQP",
    "QPResult",
    "Constraints",
    "ConstrainedReport",
    "AugmentedLagrangian",
    "MM",
    "Adam",
    "AdaptiveBound",
    "BoundedTrustRegion",
    "Box",
    "CGResult",
    "CGStatus",
    "CauchyPoint",
    "Divergence",
    "DivergenceTrustRegion",
    "Dogleg",
    "Exact",
    "GradientDescent",
    "History",
    "LBFGS",
    "LBFGSB",
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
    "as_box",
    "as_flat_vector",
    "as_objective",
    "available_methods",
    "backtrack",
    "conjugate_gradient",
    "default_method",
    "minimize",
    "solve_qp",
    "as_constraints",
    "register_method",
    "strong_wolfe",
    "trust_region_method",
]

__version__ = "0.1.0"
