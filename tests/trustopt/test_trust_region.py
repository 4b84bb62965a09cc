"""The trust-region driver: convergence on test problems, step handling, status."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.optimize

import trustopt
from trustopt.objective import Objective
from trustopt.problems import get_problem
from trustopt.radius import RadiusRule
from trustopt.result import Status
from trustopt.subproblems import CauchyPoint, Dogleg, Exact, Steihaug, SubproblemStep
from trustopt.trust_region import TrustRegion

SUITE = [
    "rosenbrock", "beale", "helical_valley", "powell_singular", "wood", "box_3d",
    "kowalik_osborne", "brown_dennis", "watson_n6", "extended_rosenbrock_n10", "penalty1_n4",
    "brown_badly_scaled",
]


@pytest.mark.parametrize("subproblem", [Steihaug(), Exact()], ids=["steihaug", "exact"])
@pytest.mark.parametrize("name", SUITE)
def test_solves_mgh_problems(name, subproblem):
    problem = get_problem(name)
    result = TrustRegion(subproblem, gtol=1e-8).minimize(Objective(problem.fun), problem.x0)
    assert problem.solved(result.fun), (result, problem.f_star)
    assert result.success or result.status is Status.TR_RADIUS_TOO_SMALL


def test_iterations_match_scipy_trust_exact_on_rosenbrock():
    problem = get_problem("rosenbrock")
    ours = TrustRegion(Exact()).minimize(Objective(problem.fun), problem.x0)
    obj = Objective(problem.fun)
    theirs = scipy.optimize.minimize(obj.value, problem.x0, jac=obj.grad, hess=obj.hessian, method="trust-exact")
    assert ours.success and theirs.success
    assert abs(ours.nit - theirs.nit) <= 0.2 * theirs.nit + 2


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "from Biggs EXP6's standard start the trust-exact path follows a valley to infinity (x1 = x5, the "
    "amplitudes x3, x4, x6 growing, f falling towards ≈ 0.24268), with any subproblem accuracy: "
    "see test_exact_on_biggs_exp6_follows_a_valley_to_infinity"
))
def test_exact_solves_biggs_exp6_from_the_standard_start():
    # Strict: whoever makes this pass must remove the mark and say why it passes.
    problem = get_problem("biggs_exp6")
    result = TrustRegion(Exact(), gtol=1e-6, maxiter=200).minimize(Objective(problem.fun), problem.x0)
    assert result.fun - problem.f_star[0] <= 1e-6


def test_exact_on_biggs_exp6_follows_a_valley_to_infinity():
    # Why trust-exact misses Biggs EXP6 (issue 12): not a subproblem failure. The path enters a
    # valley where the exponentials e^{-t x1} and e^{-t x5} merge and the amplitudes grow without
    # bound while f keeps falling, by ~1e-9 per iteration, with the quadratic model accurate (ρ ≈ 1
    # on accepted steps) and the gradient across the valley, not along it. scipy's trust-exact
    # escapes only because its cruder hard-case eigenvector sends its first steps elsewhere.
    problem = get_problem("biggs_exp6")
    runs = [TrustRegion(Exact(), gtol=1e-6, maxiter=k).minimize(Objective(problem.fun), problem.x0) for k in (300, 1200)]
    (early, late) = runs
    assert late.fun < early.fun < 0.2428 and late.fun > 0.2426
    assert np.all(np.abs(late.x[[2, 3, 5]]) > 3 * np.abs(early.x[[2, 3, 5]]))  # amplitudes diverge
    assert abs(late.x[0] - late.x[4]) < 1e-3 * abs(late.x[0])  # the two rates have merged
    h = late.history
    accepted = h["accepted"][-200:].astype(bool)
    assert np.median(h["rho"][-200:][accepted]) > 0.9


def test_history_records_every_trial_and_f_never_increases():
    problem = get_problem("rosenbrock")
    result = TrustRegion(Steihaug()).minimize(Objective(problem.fun), problem.x0)
    h = result.history
    assert len(h) == result.nit + 1
    assert np.all(np.diff(h["fun"]) <= 0)
    accepted = h["accepted"][1:].astype(bool)
    assert (~accepted).sum() == result.info["n_rejected"] > 0
    # A rejected trial leaves the iterate alone and shrinks the radius.
    rows = np.flatnonzero(~accepted) + 1
    assert np.all(h["fun"][rows] == h["fun"][rows - 1])
    assert np.all(h["radius"][rows[rows + 1 < len(h)] + 1] < h["radius"][rows[rows + 1 < len(h)]])
    # Counters are cumulative and end at the result's counts.
    assert h["nfev"][-1] == result.nfev and h["nhev"][-1] == result.nhev


def test_ratio_of_an_exact_quadratic_model_is_one():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    result = TrustRegion(Exact(), initial_radius=0.1).minimize(
        Objective(lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - x[0]), np.array([5.0, 5.0])
    )
    np.testing.assert_allclose(result.history["rho"][1:], 1.0, atol=1e-6)
    np.testing.assert_allclose(result.x, np.linalg.solve(A, [1.0, 0.0]), atol=1e-8)


def _walled(x):
    # f = Σ log(1 + (x − 1)²), NaN for x ≤ 0: nonconvex beyond |x − 1| > 1, so a
    # long negative-curvature step from x = 4 lands in the NaN region.
    value = anp.sum(anp.log(1.0 + (x - 1.0) ** 2))
    return value if np.all(np.asarray(getattr(x, "_value", x)) > 0) else value * anp.nan


@pytest.mark.parametrize("subproblem", [Steihaug(), CauchyPoint()], ids=["steihaug", "cauchy"])
def test_nonfinite_trial_points_are_rejected_and_the_radius_shrinks(subproblem):
    result = TrustRegion(subproblem, initial_radius=10.0).minimize(Objective(_walled), np.array([4.0]))
    h = result.history
    bad = ~np.isfinite(h["trial_fun"][1:])
    assert bad.any()
    assert not h["accepted"][1:][bad].astype(bool).any()
    assert result.success and np.all(np.isfinite(result.x))
    np.testing.assert_allclose(result.x, [1.0], atol=1e-5)


def test_nonfinite_start_fails_cleanly():
    with np.errstate(invalid="ignore"):
        result = TrustRegion().minimize(Objective(lambda x: anp.sum(anp.log(x))), np.array([-1.0, 1.0]))
    assert result.status is Status.NONFINITE and not result.success


class _NoGain:
    """A subproblem whose first answer predicts no reduction (as rounding can cause)."""

    needs_hessian = False

    def __init__(self) -> None:
        self.calls = 0

    def solve(self, model, radius):
        self.calls += 1
        if self.calls == 1:
            return SubproblemStep(np.zeros(model.n), 0.0, False, {})
        return CauchyPoint().solve(model, radius)


def test_nonpositive_predicted_reduction_shrinks_and_retries():
    objective = Objective(lambda x: anp.sum(x**2))
    result = TrustRegion(_NoGain(), initial_radius=1.0).minimize(objective, np.array([3.0]))
    h = result.history
    assert h["accepted"][1] == 0 and np.isnan(h["rho"][1])
    assert h["radius"][2] < h["radius"][1]
    assert result.success


def test_dogleg_solves_where_the_hessian_stays_positive_definite():
    problem = get_problem("extended_rosenbrock_n10")
    result = TrustRegion(Dogleg()).minimize(Objective(problem.fun), problem.x0)
    assert result.success and problem.solved(result.fun)


def test_dogleg_says_when_it_falls_back_to_cauchy():
    # f = x² − y² + y⁴/4: indefinite at y = 0.1, minima at y = ±√2.
    fun = lambda v: v[0] ** 2 - v[1] ** 2 + 0.25 * v[1] ** 4  # noqa: E731
    result = TrustRegion(Dogleg()).minimize(Objective(fun), np.array([1.0, 0.1]))
    notes = [row.get("note", "") for row in result.history]
    assert any("not positive definite" in note for note in notes)
    assert result.success
    np.testing.assert_allclose(np.abs(result.x), [0.0, np.sqrt(2.0)], atol=1e-6)
    # When the run then fails, the message says the fallback happened.
    stuck = TrustRegion(Dogleg(), maxiter=1).minimize(Objective(fun), np.array([1.0, 0.1]))
    assert stuck.status is Status.MAXITER and "Cauchy point" in stuck.message


def test_callback_can_stop():
    problem = get_problem("rosenbrock")
    seen = []

    def callback(intermediate):
        seen.append(intermediate.status)
        return len(seen) == 3

    result = TrustRegion(callback=callback).minimize(Objective(problem.fun), problem.x0)
    assert result.status is Status.CALLBACK and result.nit == 3
    assert all(s is Status.IN_PROGRESS for s in seen)


def test_maxfev():
    problem = get_problem("rosenbrock")
    result = TrustRegion(maxfev=5).minimize(Objective(problem.fun), problem.x0)
    assert result.status is Status.MAXFEV and result.nfev <= 6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"initial_radius": -1.0}, "initial_radius"),
        ({"initial_radius": float("nan")}, "initial_radius"),
        ({"gtol": -1.0}, "gtol"),
        ({"maxiter": -1}, "maxiter"),
        ({"maxfev": 0}, "maxfev"),
        ({"subproblem": "exact"}, "subproblem"),
        ({"rule": {"eta": 0.1}}, "rule"),
    ],
)
def test_invalid_parameters_fail_at_construction(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        TrustRegion(**kwargs)


def test_initial_radius_must_fit_the_rule():
    with pytest.raises(ValueError, match="initial_radius"):
        TrustRegion(rule=RadiusRule(max_radius=10.0), initial_radius=100.0)


@pytest.mark.parametrize("method", ["trust-steihaug", "trust-ncg", "trust-exact", "dogleg", "trust_exact"])
def test_minimize_front_door(method):
    result = trustopt.minimize(lambda x: anp.sum((x - 2.0) ** 2) + anp.sum(x**4), np.zeros(3), method=method, tol=1e-10)
    assert result.success
    np.testing.assert_allclose(4 * result.x**3 + 2 * (result.x - 2.0), 0.0, atol=1e-8)


def test_minimize_routes_subproblem_options_and_rejects_unknown_ones():
    result = trustopt.minimize(lambda x: anp.sum(x**2), np.ones(2), method="trust-exact", k_easy=0.01, initial_radius=0.5)
    assert result.success
    with pytest.raises(ValueError, match="unknown option"):
        trustopt.minimize(lambda x: anp.sum(x**2), np.ones(2), method="dogleg", k_easy=0.01)


def test_steihaug_uses_only_hessian_vector_products_and_beats_trust_krylov_on_chained_rosenbrock():
    problem = get_problem("chained_rosenbrock_n100")
    objective = Objective(problem.fun)
    result = TrustRegion(Steihaug()).minimize(objective, problem.x0)
    assert result.success and problem.solved(result.fun)
    reference = Objective(problem.fun)
    scipy.optimize.minimize(reference.value, problem.x0, jac=reference.grad, hessp=reference.hvp, method="trust-krylov")
    assert result.nhev < reference.nhev
