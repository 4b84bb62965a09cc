"""GLTR (trust-krylov): optimality against an eigendecomposition reference, Exact on the full space."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trustopt import minimize
from trustopt.gltr import GLTR, tridiagonal_trust_region
from trustopt.problems import get_problem
from trustopt.subproblems import CauchyPoint, Exact, QuadraticModel

# The eigendecomposition reference lives beside Exact's tests; the suite runs with
# --import-mode=importlib, so it is loaded by path rather than as a package.
_spec = importlib.util.spec_from_file_location("_subproblem_reference", Path(__file__).with_name("test_subproblems.py"))
_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_reference)
model_value, reference_solution = _reference.model_value, _reference.reference_solution

FULL = GLTR(forcing=lambda gnorm: 0.0)


def dense_tridiagonal(alpha, beta):
    return np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)


def check_optimality(g, B, step, lam, radius, tol=1e-7):
    """N&W Theorem 4.1: (B + λI)p = −g, λ ≥ 0, λ(Δ − ‖p‖) = 0, B + λI ⪰ 0."""
    scale = max(1.0, np.linalg.norm(g), np.abs(B).max() * radius)
    np.testing.assert_allclose((B + lam * np.eye(g.size)) @ step, -g, atol=tol * scale)
    assert lam >= 0
    assert np.linalg.norm(step) <= radius * (1 + 1e-9)
    assert lam * (radius - np.linalg.norm(step)) <= tol * scale * radius
    assert np.linalg.eigvalsh(B + lam * np.eye(g.size))[0] >= -tol * scale


def test_interior_case_is_the_newton_step():
    B = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
    g = np.array([1.0, -1.0, 0.5])
    step = FULL.solve(QuadraticModel.from_matrix(g, B), 10.0)
    np.testing.assert_allclose(step.step, -np.linalg.solve(B, g), atol=1e-10)
    assert not step.on_boundary and step.info["lambda"] == 0.0


def test_boundary_case_meets_the_optimality_conditions():
    B = np.diag([-3.0, -1.0, 2.0, 5.0]) + 0.3
    g = np.array([1.0, 2.0, -1.0, 0.5])
    step = FULL.solve(QuadraticModel.from_matrix(g, B), 0.7)
    assert step.on_boundary
    check_optimality(g, B, step.step, step.info["lambda"], 0.7)
    assert -step.predicted_reduction == pytest.approx(reference_solution(g, B, 0.7), rel=1e-9)


def test_tridiagonal_hard_case_after_a_breakdown():
    # β₂ = 0 splits T; γe₁ has no component on the block holding the smallest eigenvalue −2.
    alpha, beta = np.array([2.0, 3.0, -2.0, 1.0]), np.array([1.0, 0.0, 0.5])
    T = dense_tridiagonal(alpha, beta)
    sol = tridiagonal_trust_region(alpha, beta, 1.0, 3.0)
    assert sol.hard_case and sol.on_boundary
    g = np.array([1.0, 0.0, 0.0, 0.0])
    check_optimality(g, T, sol.h, sol.lam, 3.0)
    assert sol.value == pytest.approx(reference_solution(g, T, 3.0), rel=1e-10)


def test_near_hard_case_is_found_through_the_krylov_space():
    # g's component on the eigenvector of λ₁ = −2 is 1e-6: the reference puts λ* just above 2.
    B = np.diag([-2.0, 1.0, 3.0, 4.0])
    g = np.array([1e-6, 1.0, 1.0, 1.0])
    step = FULL.solve(QuadraticModel.from_matrix(g, B), 5.0)
    assert -step.predicted_reduction == pytest.approx(reference_solution(g, B, 5.0), rel=1e-8)
    assert step.info["lambda"] > 2.0


@st.composite
def problems(draw):
    n = draw(st.integers(1, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    B = (A + A.T) * draw(st.sampled_from([0.1, 1.0, 10.0]))
    g = rng.standard_normal(n) * draw(st.sampled_from([1e-3, 1.0, 100.0]))
    radius = draw(st.sampled_from([1e-2, 0.5, 1.0, 10.0, 1e3]))
    return g, B, radius


#: A near-hard case hypothesis found (CI's derandomized run): λ* lies 8e-8 above −λ₁(B) = 40.627.
_NEAR_HARD = (
    np.array([0.0005399222166325499, 0.0008038915338462035, -0.0008324878558157377, 0.0006623593578178257, 0.0005605353903996278, -0.00224376534415888, 0.0004746232556747167, 0.0009435249771026747]),
    np.array([
        [13.283206184065932, -29.574536397723946, 21.466677757321214, -0.34232517277833985, 16.21087628605417, -19.629114643457008, -14.6093672375228, 16.378433616881527],
        [-29.574536397723946, -1.2984342676266705, -7.5053142035597675, -16.549783559794573, -13.025842124975263, 13.68524222247364, 28.69552235913754, -3.714577861468975],
        [21.466677757321214, -7.5053142035597675, 34.02172742259448, -3.5605220126909485, 6.444028482418258, 10.478755637963427, -9.91933684878336, 4.873079631804545],
        [-0.34232517277833985, -16.549783559794573, -3.5605220126909485, 27.299379593566563, -2.447861201559629, -18.24491019983842, 13.791746054882061, 1.6080879889881585],
        [16.21087628605417, -13.025842124975263, 6.444028482418258, -2.447861201559629, 13.575767326895319, -22.46003213845205, -14.527701304079311, 5.171396189127226],
        [-19.629114643457008, 13.68524222247364, 10.478755637963427, -18.24491019983842, -22.46003213845205, -10.406443532755755, 4.996315693287821, -18.24858528059405],
        [-14.6093672375228, 28.69552235913754, -9.91933684878336, 13.791746054882061, -14.527701304079311, 4.996315693287821, 5.266227097622083, 0.7521973928025738],
        [16.378433616881527, -3.714577861468975, 4.873079631804545, 1.6080879889881585, 5.171396189127226, -18.24858528059405, 0.7521973928025738, 8.492162442392626],
    ]),
    1000.0,
)


@settings(max_examples=150, deadline=None)
@given(problems())
@example(_NEAR_HARD)
def test_full_space_gltr_is_optimal_on_random_symmetric_matrices(case):
    g, B, radius = case
    step = FULL.solve(QuadraticModel.from_matrix(g, B), radius)
    reference = reference_solution(g, B, radius)
    value = model_value(g, B, step.step)
    assert np.linalg.norm(step.step) <= radius * (1 + 1e-9)
    assert value == pytest.approx(-step.predicted_reduction, rel=1e-8, abs=1e-10)
    assert value <= reference + 1e-7 * max(1.0, abs(reference))
    check_optimality(g, B, step.step, step.info["lambda"], radius, tol=1e-6)


@settings(max_examples=60, deadline=None)
@given(problems())
def test_equals_exact_when_the_krylov_space_is_the_whole_space(case):
    g, B, radius = case
    gltr = FULL.solve(QuadraticModel.from_matrix(g, B), radius)
    exact = Exact(k_easy=1e-10, k_hard=1e-10, maxiter=300).solve(QuadraticModel.from_matrix(g, B), radius)
    assert gltr.info["lanczos_iterations"] <= g.size
    scale = max(1.0, abs(exact.predicted_reduction))
    assert gltr.predicted_reduction == pytest.approx(exact.predicted_reduction, abs=1e-7 * scale)
    # The minimizer is unique unless the model is flat along some direction (a hard case).
    if np.linalg.eigvalsh(B + exact.info["lambda"] * np.eye(g.size))[0] > 1e-6:
        np.testing.assert_allclose(gltr.step, exact.step, atol=1e-5 * max(1.0, radius))


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(1, 3))
def test_truncated_gltr_never_does_worse_than_the_cauchy_point(case, maxiter):
    g, B, radius = case
    gltr = GLTR(maxiter=maxiter).solve(QuadraticModel.from_matrix(g, B), radius)
    cauchy = CauchyPoint().solve(QuadraticModel.from_matrix(g, B), radius)
    assert gltr.predicted_reduction >= cauchy.predicted_reduction - 1e-9 * max(1.0, abs(cauchy.predicted_reduction))
    assert gltr.info["lanczos_iterations"] <= maxiter


def test_retry_at_a_smaller_radius_reuses_the_lanczos_vectors():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((30, 30))
    B, g = A + A.T, rng.standard_normal(30)
    calls = []
    model = QuadraticModel(g, hvp=lambda v: calls.append(1) or B @ v)
    first = FULL.solve(model, 2.0)
    used = len(calls)
    second = FULL.solve(model, 0.5)
    assert len(calls) == used  # the whole space was built the first time
    assert np.linalg.norm(second.step) == pytest.approx(0.5)
    assert second.predicted_reduction == pytest.approx(-reference_solution(g, B, 0.5), rel=1e-8)
    assert first.predicted_reduction > second.predicted_reduction


def test_trust_krylov_reaches_rosenbrocks_minimizer_as_scipy_does():
    problem = get_problem("rosenbrock")
    ours = minimize(problem.fun, problem.x0, method="trust-krylov", gtol=1e-8)
    theirs = scipy.optimize.minimize(scipy.optimize.rosen, problem.x0, jac=scipy.optimize.rosen_der,
                                     hessp=scipy.optimize.rosen_hess_prod, method="trust-krylov",
                                     options={"gtol": 1e-8})
    assert ours.success and theirs.success
    np.testing.assert_allclose(ours.x, [1.0, 1.0], atol=1e-7)
    np.testing.assert_allclose(theirs.x, [1.0, 1.0], atol=1e-7)


def test_invalid_parameters_are_rejected():
    with pytest.raises(ValueError, match="maxiter"):
        GLTR(maxiter=0)
    with pytest.raises(TypeError, match="forcing"):
        GLTR(forcing=0.5)
    with pytest.raises(ValueError, match="radius"):
        FULL.solve(QuadraticModel.from_matrix(np.ones(2), np.eye(2)), -1.0)
