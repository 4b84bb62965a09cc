import math

import autograd.numpy as anp
import pytest

from trustopt.adaptive_bound import AdaptiveBound
from trustopt.divergence_problem import DivergenceProblem
from trustopt.first_order import GradientDescent
from trustopt.natural_gradient import DivergenceTrustRegion, NaturalGradient
from trustopt.objective import Objective
from trustopt.radius import RadiusRule


def test_adaptive_bound_applies_the_radius_rule_to_sqrt_2delta(cases):
    c = cases.linear_problem()
    bound = AdaptiveBound(delta=0.01)
    # Linear f: ratio 1 and the step reaches the bound, so r doubles and δ quadruples.
    res = DivergenceTrustRegion(cg_iters=60).minimize(c.problem, max_divergence=bound.delta)
    assert bound.update(res) == pytest.approx(0.04)
    # No step accepted: ρ counts as NaN and r shrinks by ¼, so δ by 16.
    steep = Objective(lambda x: anp.dot(c.g, x) + 1e9 * anp.sum((x - c.x0) ** 2))
    failed = DivergenceTrustRegion().minimize(DivergenceProblem(steep, c.D), max_divergence=bound.delta)
    assert not failed.success
    assert bound.update(failed) == pytest.approx(0.04 / 16)
    # Growth stops at the rule's maximum radius.
    capped = AdaptiveBound(delta=0.4, rule=RadiusRule(max_radius=1.0))
    capped.update(res)
    assert capped.delta == pytest.approx(0.5)
    tiny = AdaptiveBound(delta=1e-25)
    assert tiny.exhausted


def test_adaptive_bound_reads_the_report_not_the_history(cases):
    c = cases.linear_problem()
    res = NaturalGradient(cg_iters=60).minimize(c.problem)
    res.history.records.clear()
    bound = AdaptiveBound(delta=0.01)
    assert bound.update(res) == pytest.approx(0.04)
    # A fixed step size has no bound (δ = NaN), so the step is not "on the boundary":
    # ρ = 1 keeps r (N&W expand only on the boundary).
    fixed = NaturalGradient(step_size=1e-3, cg_iters=60).minimize(c.problem)
    assert math.isnan(fixed.report.max_divergence) and fixed.report.ratio == pytest.approx(1.0)
    assert AdaptiveBound(delta=0.01).update(fixed) == pytest.approx(0.01)


def test_adaptive_bound_rejects_a_result_without_a_divergence_step(cases):
    plain = GradientDescent(learning_rate=0.1, maxiter=1).minimize(cases.linear_problem().f, cases.linear_problem().x0)
    with pytest.raises(TypeError, match="DivergenceStep"):
        AdaptiveBound().update(plain)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: AdaptiveBound(delta=-1.0), "delta"),
        (lambda: AdaptiveBound(delta=10.0), "delta"),
        (lambda: AdaptiveBound(rule=None), "rule"),
    ],
)
def test_invalid_parameters_fail_at_construction(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
