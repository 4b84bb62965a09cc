"""Trust-region subproblems: known solutions, optimality conditions, Cauchy decrease."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trustopt.subproblems import (
    CauchyPoint,
    Dogleg,
    Exact,
    QuadraticModel,
    Steihaug,
    boundary_roots,
)

TIGHT = Exact(k_easy=1e-10, k_hard=1e-10, maxiter=300)

H4 = np.array([[10, 2, 3, 4], [2, 1, 7, 1], [3, 7, 1, 7], [4, 1, 7, 2]], dtype=float)


def model(g, B) -> QuadraticModel:
    return QuadraticModel.from_matrix(np.asarray(g, float), np.asarray(B, float))


def model_value(g, B, p) -> float:
    return float(g @ p + 0.5 * p @ B @ p)


def reference_solution(g: np.ndarray, B: np.ndarray, radius: float) -> float:
    """The global minimum of gᵀp + ½pᵀBp over ‖p‖ ≤ Δ, from B's eigendecomposition.

    With B = QΛQᵀ and γ = Qᵀg, ‖p(λ)‖² = Σ γᵢ²/(λᵢ + λ)²; λ* solves
    ‖p(λ)‖ = Δ on (max(0, −λ₁), ∞) unless the interior Newton step fits, and
    in the hard case the leftover length goes along the eigenvector of λ₁.
    """
    lam, Q = np.linalg.eigh(B)
    gamma = Q.T @ g

    def p_of(mu: float) -> np.ndarray:
        return -Q @ (gamma / (lam + mu))

    if lam[0] > 0 and np.linalg.norm(p_of(0.0)) <= radius:
        return model_value(g, B, p_of(0.0))
    lo = max(0.0, -lam[0])
    start = lo + 1e-13 * max(1.0, abs(lo))
    if np.linalg.norm(p_of(start)) > radius:
        hi = lo + np.linalg.norm(g) / radius + 1.0
        mu = scipy.optimize.brentq(lambda m: np.linalg.norm(p_of(m)) - radius, start, hi, xtol=1e-15, rtol=1e-15)
        return model_value(g, B, p_of(mu))
    # Hard case: the other eigen-directions at λ* = −λ₁, plus the eigenvector of λ₁ to the boundary.
    keep = lam + lo > 1e-12 * max(1.0, np.max(np.abs(lam)))
    coef = np.zeros_like(lam)
    coef[keep] = -gamma[keep] / (lam[keep] + lo)
    coef[0] += np.sqrt(max(radius**2 - float(coef @ coef), 0.0))
    return model_value(g, B, Q @ coef)


# --- known cases -----------------------------------------------------------


def test_exact_on_the_indefinite_4x4_case():
    step = TIGHT.solve(model(np.ones(4), H4), 1.0)
    np.testing.assert_allclose(step.step, [0.00393332, -0.55260862, 0.67065477, -0.49480341], atol=1e-7)
    assert step.on_boundary
    lam = step.info["lambda"]
    np.testing.assert_allclose((H4 + lam * np.eye(4)) @ step.step, -np.ones(4), atol=1e-8)
    assert np.linalg.eigvalsh(H4 + lam * np.eye(4))[0] >= 0


def test_exact_on_the_2x2_diagonal_case():
    g, B = np.array([20.0, -10.0]), np.diag([15.0, 5.0])
    step = TIGHT.solve(model(g, B), 1.0)
    np.testing.assert_allclose(step.step, [-0.77472957, 0.63229272], atol=1e-7)
    np.testing.assert_allclose(step.predicted_reduction, -model_value(g, B, step.step), rtol=1e-12)


def test_exact_hard_case():
    # g has no component along the eigenvector of λ₁ = −1, and ‖(B + I)⁺g‖ < Δ:
    # the solution is λ* = 1, p = (±√(Δ² − 1/9 − 1/16), −1/3, −1/4).
    g, B, radius = np.array([0.0, 1.0, 1.0]), np.diag([-1.0, 2.0, 3.0]), 2.0
    step = TIGHT.solve(model(g, B), radius)
    assert step.info.get("hard_case") == 1
    np.testing.assert_allclose(step.info["lambda"], 1.0, atol=1e-8)
    np.testing.assert_allclose(step.step[1:], [-1 / 3, -1 / 4], atol=1e-8)
    np.testing.assert_allclose(abs(step.step[0]), np.sqrt(4 - 1 / 9 - 1 / 16), atol=1e-7)
    np.testing.assert_allclose(-step.predicted_reduction, reference_solution(g, B, radius), rtol=1e-9)


def test_exact_default_tolerances_bound_the_model_value():
    # Moré & Sorensen: the accepted step's model value is within a factor of the optimum.
    g, B, radius = np.array([0.0, 1.0, 1.0]), np.diag([-1.0, 2.0, 3.0]), 2.0
    solver = Exact()
    step = solver.solve(model(g, B), radius)
    best = reference_solution(g, B, radius)
    assert -step.predicted_reduction <= (1 - solver.k_hard) * best
    assert np.linalg.norm(step.step) <= radius * (1 + solver.k_easy)


def test_exact_interior_newton_step():
    g, B = np.array([1.0, -2.0]), np.diag([4.0, 2.0])
    step = Exact().solve(model(g, B), 10.0)
    np.testing.assert_allclose(step.step, [-0.25, 1.0])
    assert not step.on_boundary and step.info["lambda"] == 0.0


def test_exact_zero_gradient_indefinite_moves_along_negative_curvature():
    B = np.diag([-2.0, 1.0])
    step = TIGHT.solve(model(np.zeros(2), B), 0.5)
    np.testing.assert_allclose(np.abs(step.step), [0.5, 0.0], atol=1e-7)
    np.testing.assert_allclose(step.predicted_reduction, 0.25, rtol=1e-8)


def test_cauchy_point_closed_form():
    g, B = np.array([20.0, -10.0]), np.diag([15.0, 5.0])
    # gᵀBg = 6500, ‖g‖³ = 11180.3: τ = min(1, 11180.3/6500) = 1, so the step is −Δ g/‖g‖.
    step = CauchyPoint().solve(model(g, B), 1.0)
    np.testing.assert_allclose(step.step, -g / np.linalg.norm(g))
    assert step.on_boundary
    small = CauchyPoint().solve(model(g, B), 10.0)
    t = (g @ g) / (g @ B @ g)
    np.testing.assert_allclose(small.step, -t * g)
    assert not small.on_boundary


def test_dogleg_interior_newton_and_boundary():
    g, B = np.array([20.0, -10.0]), np.diag([15.0, 5.0])
    newton = Dogleg().solve(model(g, B), 10.0)
    np.testing.assert_allclose(newton.step, [-20 / 15, 2.0])
    assert not newton.on_boundary
    step = Dogleg().solve(model(g, B), 1.0)
    np.testing.assert_allclose(np.linalg.norm(step.step), 1.0)
    assert step.on_boundary and step.info["fallback"] == 0


def test_dogleg_falls_back_to_cauchy_when_not_positive_definite():
    m = model(np.ones(4), H4)
    step = Dogleg().solve(m, 1.0)
    cauchy = CauchyPoint().solve(model(np.ones(4), H4), 1.0)
    assert step.info["fallback"] == 1 and "not positive definite" in step.info["note"]
    np.testing.assert_allclose(step.step, cauchy.step)


def test_steihaug_solves_a_convex_problem_inside_the_ball():
    g, B = np.array([1.0, -2.0, 0.5]), np.diag([4.0, 2.0, 1.0])
    step = Steihaug(forcing=lambda gn: 1e-12).solve(model(g, B), 100.0)
    np.testing.assert_allclose(step.step, -g / np.diag(B), rtol=1e-10)
    assert not step.on_boundary


def test_boundary_roots():
    p, d = np.array([0.3, 0.0]), np.array([1.0, 1.0])
    lo, hi = boundary_roots(p, d, 1.0)
    assert lo < 0 < hi
    for t in (lo, hi):
        np.testing.assert_allclose(np.linalg.norm(p + t * d), 1.0)


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: Exact(k_easy=0.0), "k_easy"),
        (lambda: Exact(k_hard=1.0), "k_hard"),
        (lambda: Exact(maxiter=0), "maxiter"),
        (lambda: Steihaug(maxiter=0), "maxiter"),
        (lambda: Steihaug(forcing=0.5), "forcing"),
    ],
)
def test_invalid_parameters_fail_at_construction(factory, message):
    with pytest.raises((ValueError, TypeError), match=message):
        factory()


def test_nonpositive_radius_is_rejected():
    with pytest.raises(ValueError, match="radius"):
        Steihaug().solve(model(np.ones(2), np.eye(2)), 0.0)


# --- properties on random symmetric problems --------------------------------


@st.composite
def problems(draw):
    n = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    B = (A + A.T) / 2 + draw(st.floats(-3.0, 3.0)) * np.eye(n)
    g = rng.standard_normal(n) * draw(st.sampled_from([1e-3, 1.0, 10.0]))
    radius = draw(st.floats(0.05, 5.0))
    return g, B, radius


@settings(max_examples=150, deadline=None)
@given(problems())
def test_exact_satisfies_the_optimality_conditions(problem):
    g, B, radius = problem
    step = TIGHT.solve(model(g, B), radius)
    p, lam = step.step, step.info["lambda"]
    n = g.size
    scale = 1.0 + np.linalg.norm(B, 2) * radius + np.linalg.norm(g)
    assert lam >= 0.0
    assert np.linalg.norm(p) <= radius * (1 + 1e-8)
    np.testing.assert_allclose((B + lam * np.eye(n)) @ p, -g, atol=1e-6 * scale)
    assert abs(lam * (radius - np.linalg.norm(p))) <= 1e-6 * scale * radius
    assert np.linalg.eigvalsh(B + lam * np.eye(n))[0] >= -1e-7 * scale
    best = reference_solution(g, B, radius)
    assert -step.predicted_reduction <= best + 1e-8 * scale * radius
    np.testing.assert_allclose(-step.predicted_reduction, model_value(g, B, p), rtol=1e-9, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(problems())
# Found by hypothesis: Exact stopped 1e-10·Δ inside the boundary of a nearly singular 1-D model.
@example(problem=(np.array([1.13739972e-06]), np.array([[-1.79081331]]), 1.33984375))
def test_steihaug_and_exact_never_worse_than_cauchy(problem):
    g, B, radius = problem
    cauchy = CauchyPoint().solve(model(g, B), radius)
    # Exact may stop up to k_easy·Δ inside the boundary (Moré–Sorensen's stopping
    # test), where the model can be higher than at the boundary by up to
    # ‖∇m‖·k_easy·Δ; Steihaug's iterates are never worse than the Cauchy point.
    model_slope = np.linalg.norm(g) + np.linalg.norm(B, 2) * radius
    for solver, slack in ((Steihaug(), 0.0), (Steihaug(forcing=lambda gn: 1e-10), 0.0),
                          (TIGHT, TIGHT.k_easy * radius * model_slope)):
        step = solver.solve(model(g, B), radius)
        assert np.linalg.norm(step.step) <= radius * (1 + 1e-8)
        assert step.predicted_reduction >= (
            cauchy.predicted_reduction - 1e-10 * (1 + abs(cauchy.predicted_reduction)) - slack
        )
        np.testing.assert_allclose(step.predicted_reduction, -model_value(g, B, step.step), rtol=1e-8, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(problems())
def test_exact_default_tolerances_reach_a_fixed_fraction_of_the_optimum(problem):
    # With |‖p‖ − Δ| ≤ k_easy·Δ or the hard-case test, Moré & Sorensen bound the
    # model value by a fixed fraction of the optimum; (1 − k_hard)² is conservative.
    g, B, radius = problem
    solver = Exact()
    step = solver.solve(model(g, B), radius)
    assert np.linalg.norm(step.step) <= radius * (1 + solver.k_easy) * (1 + 1e-12)
    best = -reference_solution(g, B, radius)
    assert step.predicted_reduction >= (1 - solver.k_hard) ** 2 * best - 1e-12


@settings(max_examples=150, deadline=None)
@given(problems())
def test_dogleg_no_worse_than_cauchy_on_positive_definite_models(problem):
    g, B, radius = problem
    B = B + (1e-3 - min(0.0, np.linalg.eigvalsh(B)[0])) * np.eye(g.size)
    cauchy = CauchyPoint().solve(model(g, B), radius)
    step = Dogleg().solve(model(g, B), radius)
    assert step.info["fallback"] == 0
    assert np.linalg.norm(step.step) <= radius * (1 + 1e-12)
    assert step.predicted_reduction >= cauchy.predicted_reduction - 1e-10 * (1 + abs(cauchy.predicted_reduction))


@settings(max_examples=100, deadline=None)
@given(problems(), st.floats(0.01, 0.99))
def test_steihaug_retry_at_smaller_radius_matches_a_fresh_solve(problem, fraction):
    g, B, radius = problem
    solver = Steihaug(forcing=lambda gn: 1e-10)
    reused = model(g, B)
    first = solver.solve(reused, radius)
    smaller = fraction * np.linalg.norm(first.step)
    if smaller <= 0:
        return
    again = solver.solve(reused, smaller)
    fresh = solver.solve(model(g, B), smaller)
    np.testing.assert_allclose(again.step, fresh.step, atol=1e-9 * (1 + radius))
    np.testing.assert_allclose(again.predicted_reduction, fresh.predicted_reduction, rtol=1e-8, atol=1e-12)


def test_exact_hard_case_exit_keeps_a_fraction_one_minus_k_hard_of_the_optimum():
    # Near-hard-case models (g almost orthogonal to the eigenvector of λ₁ < 0,
    # a radius beyond ‖(B − λ₁I)⁺g‖), where Exact leaves through its hard-case
    # test τ²zᵀ(B+λI)z ≤ k_hard(pᵀ(B+λI)p + λΔ²). That test alone bounds the
    # boundary step's reduction below by (1 − k_hard) × the optimum, with no
    # assumption on z; (1 − k_hard)² would be the weaker, squared form.
    rng = np.random.default_rng(12)
    solver = Exact()
    hard_exits = 0
    for _ in range(60):
        n = int(rng.integers(2, 7))
        Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        lam = np.sort(rng.uniform(-1.0, 3.0, n))
        lam[0] = -1.0 - rng.uniform(0.0, 1.0)
        gamma = rng.standard_normal(n)
        gamma[0] *= 1e-4
        B, g = (Q * lam) @ Q.T, Q @ gamma
        interior = np.linalg.norm(gamma[1:] / (lam[1:] - lam[0]))
        radius = interior * rng.uniform(1.5, 4.0)
        step = solver.solve(model(g, B), radius)
        if step.info.get("hard_case") != 1:
            continue
        hard_exits += 1
        best = -reference_solution(g, B, radius)
        np.testing.assert_allclose(np.linalg.norm(step.step), radius, rtol=1e-10)
        np.testing.assert_allclose(step.predicted_reduction, -model_value(g, B, step.step), rtol=1e-9)
        assert step.predicted_reduction >= (1 - solver.k_hard) * best * (1 - 1e-12)
    assert hard_exits >= 30
