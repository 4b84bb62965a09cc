"""Problems shared by the tests of the divergence-constrained solvers."""

from types import SimpleNamespace

import autograd.numpy as anp
import numpy as np
import pytest

from trustopt.divergence import Divergence
from trustopt.divergence_problem import DivergenceProblem
from trustopt.objective import Objective


def spd(n, rng, cond=100.0):
    """A random symmetric positive definite n×n matrix with condition number ``cond``."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return (Q * np.logspace(0, np.log10(cond), n)) @ Q.T


def linear_problem(n=6, seed=0):
    """f = gᵀx, D = ½(x − x₀)ᵀA(x − x₀): the natural step has a closed form."""
    rng = np.random.default_rng(seed)
    A, g, x0 = spd(n, rng), rng.standard_normal(n), rng.standard_normal(n)
    f, D = Objective(lambda x: anp.dot(g, x)), Divergence.from_matrix(A, x0)
    return SimpleNamespace(problem=DivergenceProblem(f, D), f=f, D=D, A=A, g=g, x0=x0)


def exp_divergence(x0, scale=1.0):
    """D(x) = Σ exp(c·dᵢ) − 1 − c·dᵢ with d = x − x₀: ≥ 0, zero with zero gradient at x₀, F = c²I."""
    return Divergence(lambda x: anp.sum(anp.exp(scale * (x - x0)) - 1.0 - scale * (x - x0)), x0)


@pytest.fixture(scope="session")
def cases():
    return SimpleNamespace(spd=spd, linear_problem=linear_problem, exp_divergence=exp_divergence)
