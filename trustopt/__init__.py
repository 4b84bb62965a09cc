"""trustopt: trust-region and majorize–minimize optimization on numpy.

Solvers minimize. A maximization problem is handed over negated, so MM here
means majorize–minimize. Every solver takes flat float64 vectors and returns
a :class:`Result`.
"""

from .adaptive_bound import AdaptiveBound
from .augmented_lagrangian import AugmentedLagrangian
from .bounded_trust_region import BoundedTrustRegion
from .bounds import Box, as_box
from .cg import CGResult, CGStatus, conjugate_gradient
from .constraints import ConstrainedReport, Constraints, as_constraints
from .divergence import Divergence
from .divergence_problem import DivergenceProblem, DivergenceStep, FunAndDivergence, PenaltyStep, Trial
from .divergence_search import ScaledStep, backtrack_feasible, scale_fixed, scale_to_bound
from .first_order import Adam, AdamState, FirstOrderReport, GradientDescent, MeanObjective
from .gauss_newton import GaussNewton
from .gltr import GLTR
from .lbfgs import LBFGS
from .lbfgsb import LBFGSB
from .least_squares import LeastSquaresResult, least_squares
from .linesearch import LineSearchResult, armijo_backtracking, backtrack, strong_wolfe
from .minimize import available_methods, default_method, minimize, register_method
from .mm import MM, QuadraticUpperBound, Surrogate
from .natural_direction import NaturalDirection, natural_direction
from .natural_gradient import DivergenceTrustRegion, NaturalGradient
from .objective import Objective, as_flat_vector, as_objective
from .penalty import PenaltyMethod, adapt_penalty
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
    "Adam",
    "AdamState",
    "AdaptiveBound",
    "BoundedTrustRegion",
    "Box",
    "CGResult",
    "CGStatus",
    "CauchyPoint",
    "Divergence",
    "DivergenceProblem",
    "DivergenceStep",
    "DivergenceTrustRegion",
    "Dogleg",
    "Exact",
    "FirstOrderReport",
    "FunAndDivergence",
    "GradientDescent",
    "History",
    "LBFGS",
    "LBFGSB",
    "GLTR",
    "GaussNewton",
    "LeastSquaresResult",
    "LineSearchResult",
    "MM",
    "MeanObjective",
    "NaturalDirection",
    "NaturalGradient",
    "Objective",
    "PenaltyMethod",
    "PenaltyStep",
    "QuadraticModel",
    "QuadraticUpperBound",
    "RadiusRule",
    "Result",
    "ScaledStep",
    "Solver",
    "Status",
    "Steihaug",
    "SubproblemStep",
    "Surrogate",
    "Trial",
    "TrustRegion",
    "adapt_penalty",
    "armijo_backtracking",
    "as_box",
    "as_flat_vector",
    "as_objective",
    "available_methods",
    "backtrack",
    "backtrack_feasible",
    "conjugate_gradient",
    "default_method",
    "least_squares",
    "minimize",
    "natural_direction",
    "solve_qp",
    "as_constraints",
    "register_method",
    "scale_fixed",
    "scale_to_bound",
    "strong_wolfe",
    "trust_region_method",
]

__version__ = "0.1.0"
