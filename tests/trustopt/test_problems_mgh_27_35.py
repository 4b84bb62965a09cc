"""MGH problems 27-35: their sums of squares, derivatives and minima, and checks
of each against mathematics outside trustopt.problems (closed forms, numpy's
least squares and Chebyshev series, Chebyshev's quadrature nodes).

The residuals themselves are checked against literal transcriptions of MGH's
formulas in test_problems.py, with problems 1-26.
"""

import re
from fractions import Fraction

import autograd
import numpy as np
import pytest
import scipy.optimize

from trustopt import problems

NEW = [
    "brown_almost_linear_n10",
    "discrete_boundary_value_n10",
    "discrete_integral_equation_n10",
    "broyden_tridiagonal_n10",
    "broyden_banded_n10",
    "linear_full_rank_n10",
    "linear_rank1_n10",
    "linear_rank1_zeros_n10",
    "chebyquad_n8",
    "chebyquad_n9",
    "chebyquad_n10",
]


def _random_point(problem: problems.Problem, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = np.maximum(np.abs(problem.x0), 0.1)
    return problem.x0 + 0.1 * scale * rng.standard_normal(problem.n)


def _central_differences(fun, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    grad = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h * max(1.0, abs(x[i]))
        grad[i] = (fun(x + e) - fun(x - e)) / (2 * e[i])
    return grad


@pytest.mark.parametrize("name", NEW)
def test_fun_is_the_sum_of_squared_residuals(name):
    problem = problems.get_problem(name)
    assert problem.n <= 10
    for x in (problem.x0, _random_point(problem)):
        r = problem.residuals(x)
        assert r.ndim == 1 and r.size >= problem.n
        assert problem.fun(x) == pytest.approx(np.sum(r**2), rel=1e-14)


@pytest.mark.parametrize("name", NEW)
def test_gradient_matches_central_differences_at_x0(name):
    problem = problems.get_problem(name)
    x0 = np.array(problem.x0)
    g = autograd.grad(problem.fun)(x0)
    fd = _central_differences(problem.fun, x0)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7 * max(1.0, np.max(np.abs(g))))


@pytest.mark.parametrize("name", NEW)
def test_x_star_has_value_f_star_and_zero_gradient(name):
    problem = problems.get_problem(name)
    f_min = problem.f_star[0]
    assert problem.fun(problem.x_star) == pytest.approx(f_min, rel=1e-10, abs=1e-10)
    g = autograd.grad(problem.fun)(problem.x_star)
    assert np.max(np.abs(g)) < 1e-10 * max(1.0, f_min)


def _levenberg_marquardt(problem: problems.Problem) -> np.ndarray:
    """Where scipy's MINPACK Levenberg-Marquardt from x0 ends, tolerances 1e-15."""
    solution = scipy.optimize.least_squares(
        problem.residuals, np.array(problem.x0), jac=autograd.jacobian(problem.residuals),
        method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
    )  # fmt: skip
    return solution.x


# Which documented minimum MINPACK's lmder reaches from x0, where not the global one.
LM_FROM_X0 = {"chebyquad_n10": 1}


@pytest.mark.parametrize("name", NEW)
def test_scipy_lm_from_x0_reaches_a_documented_minimum(name):
    # The stored minima are computed, not only quoted: MINPACK's lmder from the
    # standard start ends at a documented minimum of every new problem.
    problem = problems.get_problem(name)
    f = problem.fun(_levenberg_marquardt(problem))
    assert f == pytest.approx(problem.f_star[LM_FROM_X0.get(name, 0)], rel=1e-10, abs=1e-25)


def test_the_suite_is_in_mgh_numbering_order_and_covers_1_to_35():
    numbers = [int(re.search(r"problem (\d+)", p.source).group(1)) for p in problems.mgh_suite()]
    assert numbers == sorted(numbers)
    assert set(numbers) == set(range(1, 36))
    names = [p.name for p in problems.mgh_suite()]
    assert names[-len(NEW):] == NEW


# ---------------------------------------------------------------------------
# 27: Brown almost-linear
# ---------------------------------------------------------------------------


def test_brown_almost_linear_zeros_are_the_documented_family():
    problem = problems.get_problem("brown_almost_linear_n10")
    n = problem.n
    # (a, ..., a, a^(1-n)) with n a^n - (n + 1) a^(n-1) + 1 = 0.
    roots = np.roots([n, -(n + 1)] + [0] * (n - 2) + [1])
    real = np.sort(roots[np.abs(roots.imag) < 1e-12].real)
    np.testing.assert_allclose(real, [0.9794303033498627, 1.0], rtol=1e-9)
    for a in real:
        x = np.append(np.full(n - 1, a), a ** (1 - n))
        assert problem.fun(x) < 1e-25
    np.testing.assert_array_equal(problem.x_star, 1.0)


def test_brown_almost_linear_second_value_is_a_degenerate_stationary_point():
    problem = problems.get_problem("brown_almost_linear_n10")
    n = problem.n
    x = np.append(np.zeros(n - 1), n + 1.0)
    assert problem.fun(x) == problem.f_star[1] == 1.0
    # The gradient there is finite (no prod(x) / x_j) and zero.
    np.testing.assert_array_equal(autograd.grad(problem.fun)(x), 0.0)
    eigenvalues = np.linalg.eigvalsh(autograd.hessian(problem.fun)(x))
    assert eigenvalues[0] == pytest.approx(0.0, abs=1e-12) and eigenvalues[1] > 1.0
    # Not a local minimum: along (s, ..., s, n + 1 - n s) f falls below 1.
    for s in (0.05, 0.1, 0.2):
        y = np.append(np.full(n - 1, s), n + 1.0 - n * s)
        np.testing.assert_allclose(problem.residuals(y)[:-1], 0.0, atol=1e-14)
        assert problem.fun(y) == pytest.approx((s ** (n - 1) * (n + 1 - n * s) - 1) ** 2, rel=1e-12)
        assert problem.fun(y) < 1.0


# ---------------------------------------------------------------------------
# 28, 29: discrete boundary value and integral equation
# ---------------------------------------------------------------------------


def test_integral_equation_residuals_are_a_inverse_times_boundary_value_ones():
    # The discrete Green's function of tridiag(-1, 2, -1) is (n + 1) t_min (1 - t_max):
    # r_29 = A^-1 r_28, so both problems share one zero.
    bvp = problems.get_problem("discrete_boundary_value_n10")
    integral = problems.get_problem("discrete_integral_equation_n10")
    n = bvp.n
    a = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    for seed in range(3):
        x = _random_point(bvp, seed)
        np.testing.assert_allclose(
            a @ integral.residuals(x), bvp.residuals(x), rtol=1e-12, atol=1e-14
        )
    np.testing.assert_array_equal(bvp.x0, integral.x0)
    t = np.arange(1, n + 1) / (n + 1)
    np.testing.assert_allclose(bvp.x0, t * (t - 1), rtol=1e-14)


# ---------------------------------------------------------------------------
# 30, 31: Broyden tridiagonal and banded
# ---------------------------------------------------------------------------


def test_broyden_jacobians_have_the_documented_bands():
    for name, lower, upper in (("broyden_tridiagonal_n10", 1, 1), ("broyden_banded_n10", 5, 1)):
        problem = problems.get_problem(name)
        x = _random_point(problem)
        jac = autograd.jacobian(problem.residuals)(x)
        offset = np.arange(problem.n)[None, :] - np.arange(problem.n)[:, None]
        inside = (offset >= -lower) & (offset <= upper)
        np.testing.assert_array_equal(jac[~inside], 0.0)
        assert np.all(jac[inside] != 0.0)
    # Broyden banded: dr_i/dx_i = 2 + 15 x_i^2, dr_i/dx_j = -(1 + 2 x_j) in the band.
    problem = problems.get_problem("broyden_banded_n10")
    x = _random_point(problem)
    jac = autograd.jacobian(problem.residuals)(x)
    np.testing.assert_allclose(np.diag(jac), 2 + 15 * x**2, rtol=1e-14)
    np.testing.assert_allclose(jac[7, 2:7], -(1 + 2 * x[2:7]), rtol=1e-14)
    np.testing.assert_allclose(jac[7, 8], -(1 + 2 * x[8]), rtol=1e-14)


# ---------------------------------------------------------------------------
# 32-34: linear functions
# ---------------------------------------------------------------------------

M, N = 20, 10
LINEAR = {
    # name: (A with r = A x - 1, rank, closed-form f*)
    "linear_full_rank_n10": (
        np.vstack([np.eye(N), np.zeros((M - N, N))]) - 2 / M * np.ones((M, N)),
        N,
        Fraction(M - N),
    ),
    "linear_rank1_n10": (
        np.outer(np.arange(1, M + 1), np.arange(1, N + 1)).astype(float),
        1,
        Fraction(M * (M - 1), 2 * (2 * M + 1)),
    ),
    "linear_rank1_zeros_n10": (
        np.outer(np.r_[0, np.arange(1, M - 1), 0], np.r_[0, np.arange(2, N), 0]).astype(float),
        1,
        Fraction(M**2 + 3 * M - 6, 2 * (2 * M - 3)),
    ),
}


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_linear_problems_against_numpy_least_squares_and_closed_forms(name):
    problem = problems.get_problem(name)
    a, rank, f_closed = LINEAR[name]
    assert problem.residuals(problem.x0).size == M
    for x in (problem.x0, _random_point(problem)):
        np.testing.assert_allclose(problem.residuals(x), a @ x - 1.0, rtol=1e-14, atol=1e-13)
    x_ls, residual_sum, found_rank, _ = np.linalg.lstsq(a, np.ones(M), rcond=None)
    jac = autograd.jacobian(problem.residuals)(problem.x0)
    assert found_rank == rank == np.linalg.matrix_rank(jac)
    assert problem.f_star[0] == pytest.approx(float(f_closed), rel=1e-15)
    assert problem.fun(x_ls) == pytest.approx(float(f_closed), rel=1e-12)
    # lstsq's answer is the minimizer of least norm, the one stored.
    np.testing.assert_allclose(problem.x_star, x_ls, rtol=1e-10, atol=1e-15)
    if rank == N:
        assert residual_sum[0] == pytest.approx(float(f_closed), rel=1e-12)
        np.testing.assert_allclose(problem.x_star, -1.0)


def test_rank1_minimizers_form_a_hyperplane():
    rank1 = problems.get_problem("linear_rank1_n10")
    zeros = problems.get_problem("linear_rank1_zeros_n10")
    rng = np.random.default_rng(5)
    for _ in range(3):
        v = rng.standard_normal(N)
        # Any step orthogonal to (1, ..., n) leaves s = sum j x_j, hence f, unchanged.
        j = np.arange(1.0, N + 1)
        step = v - (v @ j) / (j @ j) * j
        assert rank1.fun(rank1.x_star + step) == pytest.approx(rank1.f_star[0], rel=1e-12)
        # x_1 and x_n do not enter problem 34.
        moved = zeros.x_star + np.r_[v[0], np.zeros(N - 2), v[-1]]
        assert zeros.fun(moved) == zeros.fun(zeros.x_star)
    assert rank1.x_star @ np.arange(1, N + 1) == pytest.approx(3 / (2 * M + 1), rel=1e-14)
    assert zeros.x_star[1:-1] @ np.arange(2, N) == pytest.approx(3 / (2 * M - 3), rel=1e-14)


# ---------------------------------------------------------------------------
# 35: Chebyquad
# ---------------------------------------------------------------------------


def _shifted_chebyshev(i: int) -> np.polynomial.Chebyshev:
    """T_i(2x - 1) as a numpy series on [0, 1]."""
    return np.polynomial.Chebyshev.basis(i, domain=[0.0, 1.0])


def test_chebyquad_integrals_against_numpy_chebyshev_integration():
    integrals = problems._shifted_chebyshev_integrals(12)
    for i in range(1, 13):
        antiderivative = _shifted_chebyshev(i).integ()
        exact = antiderivative(1.0) - antiderivative(0.0)
        assert integrals[i - 1] == pytest.approx(exact, abs=1e-15)


@pytest.mark.parametrize("n", [8, 9, 10])
def test_chebyquad_residuals_against_numpy_chebyshev_values(n):
    problem = problems.get_problem(f"chebyquad_n{n}")
    for x in (problem.x0, _random_point(problem), problem.x_star):
        expected = [
            np.mean(_shifted_chebyshev(i)(x)) - (0.0 if i % 2 else -1.0 / (i * i - 1))
            for i in range(1, n + 1)
        ]
        np.testing.assert_allclose(problem.residuals(x), expected, rtol=1e-12, atol=1e-14)


def test_chebyquad_n9_minimizer_is_chebyshevs_equal_weight_quadrature():
    x = problems.get_problem("chebyquad_n9").x_star
    # Equal weights integrate x^k over [0, 1] exactly for k <= 9 ...
    for k in range(10):
        assert np.mean(x**k) == pytest.approx(1.0 / (k + 1), rel=1e-13)
    # ... at the classical nodes on [-1, 1]: 0, ±0.167906, ±0.528762, ±0.601019, ±0.911589.
    nodes = np.array([-0.911589, -0.601019, -0.528762, -0.167906, 0.0,
                      0.167906, 0.528762, 0.601019, 0.911589])  # fmt: skip
    np.testing.assert_allclose(np.sort(2 * x - 1), nodes, atol=1e-6)


def _is_strict_minimum(problem: problems.Problem, x: np.ndarray) -> bool:
    gradient = autograd.grad(problem.fun)(x)
    lowest = np.linalg.eigvalsh(autograd.hessian(problem.fun)(x))[0]
    return np.max(np.abs(gradient)) < 1e-12 and lowest > 0.1


def test_chebyquad_n8_minimum_is_strict_and_symmetric():
    problem = problems.get_problem("chebyquad_n8")
    x = problem.x_star
    np.testing.assert_allclose(x + x[::-1], 1.0, rtol=1e-15)
    assert _is_strict_minimum(problem, x)


def test_chebyquad_n10_has_a_minimum_below_mgh_value():
    problem = problems.get_problem("chebyquad_n10")
    lower, printed = problem.f_star
    # MGH print 6.50395e-3; the stored value agrees to those digits ...
    assert abs(printed - 6.50395e-3) <= 1e-8
    # ... and is where Levenberg-Marquardt from x0 ends, a strict local minimum
    # at a point symmetric about 1/2.
    x_mgh = _levenberg_marquardt(problem)
    assert problem.fun(x_mgh) == pytest.approx(printed, rel=1e-12)
    np.testing.assert_allclose(np.sort(x_mgh) + np.sort(x_mgh)[::-1], 1.0, atol=1e-8)
    assert np.max(np.abs(autograd.grad(problem.fun)(x_mgh))) < 1e-7
    assert np.linalg.eigvalsh(autograd.hessian(problem.fun)(x_mgh))[0] > 0.1
    # The value stored first is lower, at a strict minimum that is not
    # symmetric; its mirror image and permutations are minimizers too.
    assert lower < printed - 1e-3
    x = problem.x_star
    assert _is_strict_minimum(problem, x)
    assert np.max(np.abs(x + x[::-1] - 1.0)) > 0.01
    for image in (1.0 - x, x[::-1], np.roll(x, 3)):
        assert problem.fun(image) == pytest.approx(lower, rel=1e-13)
    # No extended precision is needed to find it: scipy's trust-exact from the
    # standard start ends there.
    trust = scipy.optimize.minimize(
        problem.fun, np.array(problem.x0), jac=autograd.grad(problem.fun),
        hess=autograd.hessian(problem.fun), method="trust-exact", options={"gtol": 1e-10},
    )  # fmt: skip
    assert trust.fun == pytest.approx(lower, rel=1e-10)
