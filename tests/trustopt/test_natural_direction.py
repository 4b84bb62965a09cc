import autograd.numpy as anp
import numpy as np
import pytest

from trustopt.divergence import Divergence
from trustopt.natural_direction import NaturalDirection, check_cg, natural_direction
from trustopt.result import Status


@pytest.mark.parametrize("damping", [0.0, 0.5])
def test_direction_solves_the_damped_system_and_measures_undamped_curvature(cases, damping):
    c = cases.linear_problem(n=7, seed=2)
    d = natural_direction(c.D, c.g, cg_iters=70, cg_damping=damping, cg_rtol=1e-14)
    assert isinstance(d, NaturalDirection) and d.failure is None
    s = -np.linalg.solve(c.A + damping * np.eye(7), c.g)
    np.testing.assert_allclose(d.s, s, rtol=1e-9)
    assert d.sFs == pytest.approx(s @ c.A @ s, rel=1e-9)  # F, not F + λI
    assert c.g @ d.s < 0
    assert d.cg_iterations == d.cg.nit and d.cg_residual == d.cg.residual_norms[-1] <= 1e-12 * np.linalg.norm(c.g)


class CountingDivergence(Divergence):
    operators = 0

    def metric_operator(self):
        self.operators += 1
        return super().metric_operator()


def test_metric_operator_fetched_once_and_every_product_counted(cases):
    rng = np.random.default_rng(4)
    A, g = cases.spd(12, rng, cond=1e3), rng.standard_normal(12)
    D = CountingDivergence(lambda x: 0.5 * anp.dot(x, anp.dot(A, x)), np.zeros(12))
    d = natural_direction(D, g, cg_iters=5)
    assert D.operators == 1
    assert D.counts()["nmvp"] == d.cg_iterations + 1 == 6  # CG products and one for sᵀFs


@pytest.mark.parametrize(
    "metric, damping, status",
    [
        (lambda v: np.full_like(v, np.nan), 0.1, Status.NONFINITE),
        (lambda v: np.zeros_like(v), 0.1, Status.NOT_POSITIVE_DEFINITE),
        (lambda v: -v, 0.0, Status.NOT_POSITIVE_DEFINITE),
    ],
)
def test_unusable_metrics_are_reported_not_raised(metric, damping, status):
    x0 = np.array([1.0, 2.0, 3.0])
    D = Divergence(lambda x: anp.sum((x - x0) ** 2), x0, metric_vp=metric)
    d = natural_direction(D, np.array([1.0, -2.0, 0.5]), cg_damping=damping)
    assert d.failure is not None and d.failure[0] is status and d.failure[1]


@pytest.mark.parametrize(
    "args, match",
    [((0, 0.1, 1e-10), "cg_iters"), ((1.5, 0.1, 1e-10), "cg_iters"), ((10, -1.0, 1e-10), "cg_damping"),
     ((10, 0.1, float("nan")), "cg_rtol")],
)
def test_check_cg_names_the_bad_parameter(args, match):
    with pytest.raises(ValueError, match=match):
        check_cg(*args)
