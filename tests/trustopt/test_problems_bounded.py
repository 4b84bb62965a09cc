"""The bounded problems' documented optima, re-derived with scipy's L-BFGS-B at tight tolerances."""

import numpy as np
import pytest
import scipy.optimize

from trustopt import Objective
from trustopt.problems import get_problem
from trustopt.problems_bounded import bounded_suite, constructed_bounds, get_bounded


@pytest.mark.parametrize("problem", bounded_suite(), ids=lambda p: p.name)
def test_documented_minimum_and_active_set(problem):
    objective = Objective(problem.fun)
    x, res = np.clip(problem.x0, problem.lower, problem.upper), None
    # Restart scipy's L-BFGS-B from where it stopped until f stops falling: scipy 1.17's stops on
    # its relative-reduction test 5e-7 above penalty2's minimum, and a restart (fresh memory) goes on.
    for _ in range(10):
        previous = np.inf if res is None else res.fun
        res = scipy.optimize.minimize(objective.value_and_grad, x, jac=True, method="L-BFGS-B", bounds=problem.bounds,
                                      options={"ftol": 1e-16, "gtol": 1e-13, "maxiter": 100000, "maxfun": 100000})
        x = res.x
        if previous < np.inf and not res.fun < previous - 1e-15 * max(1.0, abs(previous)):
            break
    assert abs(res.fun - problem.f_star) <= 1e-8 * max(1.0, abs(problem.f_star))
    assert problem.solved(problem.f_star) and not problem.solved(problem.f_star + 1e-3 * max(1, abs(problem.f_star)))
    if problem.name == "lbfgsb_driver1":
        # Degenerate: f ≈ 0 all along xᵢ = xᵢ₋₁² from x₁ = 1 + ε, so no solver pins the active set.
        return
    tol = 1e-6 * np.maximum(1.0, np.abs(res.x))
    assert tuple(np.flatnonzero(res.x - problem.lower <= tol)) == problem.active_lower
    assert tuple(np.flatnonzero(problem.upper - res.x <= tol)) == problem.active_upper


def test_constructed_bounds_exclude_the_unconstrained_minimizer():
    for problem in bounded_suite()[1:]:
        x_star = get_problem(problem.name.removesuffix("_bounded")).x_star
        assert problem.violation(x_star) > 0
        lower, upper = constructed_bounds(x_star)
        np.testing.assert_array_equal(lower, problem.lower)
        np.testing.assert_array_equal(upper, problem.upper)
    with pytest.raises(ValueError, match="unknown bounded problem"):
        get_bounded("nope")
