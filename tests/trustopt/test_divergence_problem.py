import autograd.numpy as anp
import numpy as np
import pytest

from trustopt.divergence import Divergence
from trustopt.divergence_problem import DivergenceProblem, DivergenceStep, Evaluations, Trial, resolve_bound
from trustopt.objective import Objective
from trustopt.result import History, Status


def test_anchor_is_the_divergence_anchor_and_inputs_are_normalized(cases):
    c = cases.linear_problem()
    p = DivergenceProblem(c.f, c.D, fun0=1, grad0=list(c.g))
    assert p.anchor is c.D.anchor
    assert isinstance(p.fun0, float) and p.grad0.dtype == np.float64 and p.grad0 is not c.g


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(grad0=np.zeros(5)), ValueError, "grad0"),
        (dict(fun0="1"), TypeError, "fun0"),
        (dict(fun_and_divergence=3), TypeError, "fun_and_divergence"),
        (dict(penalized="no"), TypeError, "penalized"),
    ],
)
def test_invalid_fields_fail_at_construction(cases, kwargs, error, match):
    c = cases.linear_problem()
    with pytest.raises(error, match=match):
        DivergenceProblem(c.f, c.D, **kwargs)


def test_objective_and_divergence_types_are_checked(cases):
    c = cases.linear_problem()
    with pytest.raises(TypeError, match="objective"):
        DivergenceProblem(lambda x: 0.0, c.D)
    with pytest.raises(TypeError, match="divergence"):
        DivergenceProblem(c.f, lambda x: 0.0)


def test_evaluations_use_what_the_problem_carries_and_count_the_rest():
    x0 = np.array([1.0, -1.0])
    f = Objective(lambda x: anp.sum(x**2))
    D = Divergence.from_matrix(np.eye(2), x0)
    given = Evaluations(DivergenceProblem(f, D, fun0=2.0, grad0=2 * x0))
    assert (given.f0, f.nfev, f.njev) == (2.0, 0, 0) and np.array_equal(given.g0, 2 * x0)
    computed = Evaluations(DivergenceProblem(f, D))
    assert computed.f0 == 2.0 and np.array_equal(computed.g0, 2 * x0)
    joint = Evaluations(DivergenceProblem(f, D, fun0=2.0, grad0=2 * x0, fun_and_divergence=lambda x: (5.0, 6.0)))
    assert joint.evaluate(x0) == (5.0, 6.0) and joint.n_joint == 1
    res = joint.result(x0, 2.0, None, 0, Status.GTOL, "", History(), None)
    assert res.nfev == 1 and res.info["ndev"] == 1 and res.report is None


def test_per_call_bound_is_checked():
    assert resolve_bound(0.01, None) == 0.01 and resolve_bound(0.01, 0.2) == 0.2
    with pytest.raises(ValueError, match="max_divergence"):
        resolve_bound(0.01, float("nan"))


def test_reports_are_frozen_and_the_history_row_drops_the_trials():
    trial = Trial(1.0, -1.0, 0.5, 1.0, 1.0, 1.0, None)
    step = DivergenceStep(-1.0, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 0, 0.5, 3, 1e-3, (trial,))
    with pytest.raises(AttributeError):
        trial.fun = 0.0
    row = step.row()
    assert "trials" not in row and row["cg_iterations"] == 3 and len(row) == 11
