import math

import numpy as np
import pytest

from trustopt.divergence_search import (
    FEASIBILITY_RTOL,
    ScaledStep,
    backtrack_feasible,
    evaluate_trial,
    scale_fixed,
    scale_to_bound,
)
from trustopt.natural_direction import natural_direction


@pytest.mark.parametrize("delta", [1e-6, 0.01, 3.0])
def test_scale_to_bound_puts_the_model_on_the_bound(cases, delta):
    c = cases.linear_problem()
    d = natural_direction(c.D, c.g, cg_iters=60, cg_damping=0.0, cg_rtol=1e-14)
    full = scale_to_bound(d, c.g, delta)
    assert 0.5 * full.step @ c.A @ full.step == pytest.approx(delta, rel=1e-10)
    assert full.model_divergence == pytest.approx(delta, rel=1e-12)
    assert full.expected_improvement == pytest.approx(-c.g @ full.step, rel=1e-12)
    # Closed form: Δ = −sqrt(2δ / gᵀA⁻¹g)·A⁻¹g.
    Ainv_g = np.linalg.solve(c.A, c.g)
    np.testing.assert_allclose(full.step, -math.sqrt(2 * delta / (c.g @ Ainv_g)) * Ainv_g, rtol=1e-8)


def test_scale_fixed_is_eta_times_s(cases):
    c = cases.linear_problem()
    d = natural_direction(c.D, c.g, cg_iters=60, cg_damping=0.0, cg_rtol=1e-14)
    full = scale_fixed(d, c.g, 0.25)
    np.testing.assert_allclose(full.step, 0.25 * d.s)
    assert full.model_divergence == pytest.approx(0.5 * 0.0625 * d.sFs)


def quadratic_line(delta_scale=1.0):
    """f = −x₁ along Δ = e₁, D = ½x₁²: trial t has f = −t, D = t²/2 (δ-scaled)."""
    full = ScaledStep(np.array([1.0, 0.0]), expected_improvement=1.0, model_divergence=0.5)

    def evaluate(x):
        return -x[0], 0.5 * x[0] ** 2 * delta_scale

    return full, evaluate


def test_evaluate_trial_names_the_first_failed_condition():
    full, evaluate = quadratic_line()
    x0 = np.zeros(2)
    trial, x = evaluate_trial(evaluate, x0, 0.0, full, 1.0, max_divergence=0.5)
    assert trial.rejected_by is None and np.array_equal(x, [1.0, 0.0])
    assert (trial.fun, trial.divergence, trial.actual_improvement, trial.ratio) == (-1.0, 0.5, 1.0, 1.0)
    assert evaluate_trial(evaluate, x0, 0.0, full, 1.0, max_divergence=0.4)[0].rejected_by == "divergence"
    assert evaluate_trial(evaluate, x0, -2.0, full, 1.0, max_divergence=0.5)[0].rejected_by == "no_decrease"
    assert evaluate_trial(evaluate, x0, -0.5, full, 1.0, 0.5, accept_ratio=0.6)[0].rejected_by == "ratio"
    nan = evaluate_trial(lambda x: (math.nan, 0.0), x0, 0.0, full, 1.0, max_divergence=0.5)[0]
    assert nan.rejected_by == "nonfinite"
    # Without a bound only finiteness is judged (the natural-gradient step).
    assert evaluate_trial(evaluate, x0, -2.0, full, 1.0)[0].rejected_by is None


def test_feasibility_test_allows_rounding_of_a_step_on_the_bound():
    full = ScaledStep(np.array([1.0]), 1.0, 0.3)
    x0 = np.zeros(1)
    # D lands a few ε above δ, as the full step on a quadratic D does: accepted.
    just_above = evaluate_trial(lambda x: (-1.0, 0.3 * (1 + 4e-16)), x0, 0.0, full, 1.0, max_divergence=0.3)[0]
    assert just_above.rejected_by is None
    # A real violation, far beyond rounding, is not.
    beyond = 0.3 * (1 + 100 * FEASIBILITY_RTOL)
    assert evaluate_trial(lambda x: (-1.0, beyond), x0, 0.0, full, 1.0, max_divergence=0.3)[0].rejected_by == "divergence"


def test_backtrack_feasible_shrinks_geometrically_to_the_first_feasible_trial():
    full, evaluate = quadratic_line(delta_scale=4.0)  # D(t) = 2t²: feasible for t ≤ 0.5 at δ = 0.5
    x, trials = backtrack_feasible(evaluate, np.zeros(2), 0.0, full, 0.5, backtrack_factor=0.8, backtrack_iters=10)
    fractions = [t.step_fraction for t in trials]
    np.testing.assert_allclose(fractions, 0.8 ** np.arange(len(fractions)))
    assert fractions[-1] <= 0.5 < fractions[-2]
    assert [t.rejected_by for t in trials] == ["divergence"] * (len(trials) - 1) + [None]
    np.testing.assert_allclose(x, [fractions[-1], 0.0])
    none, trials = backtrack_feasible(evaluate, np.zeros(2), 0.0, full, 0.5, backtrack_factor=0.9, backtrack_iters=3)
    assert none is None and len(trials) == 3
