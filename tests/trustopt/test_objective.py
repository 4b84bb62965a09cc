import autograd.numpy as anp
import numpy as np
import pytest

from trustopt import Objective, as_flat_vector, as_objective


def f_quartic(x):
    return anp.sum(x**4) + anp.sum(anp.sin(x[:-1] * x[1:]))


def fd_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_autograd_gradient_matches_finite_differences():
    obj = Objective(f_quartic)
    x = np.linspace(-1, 1, 6)
    np.testing.assert_allclose(obj.grad(x), fd_grad(f_quartic, x), rtol=1e-6, atol=1e-8)


def test_value_and_grad_is_one_pass_and_counted_once_each():
    obj = Objective(f_quartic)
    x = np.linspace(-1, 1, 6)
    f, g = obj.value_and_grad(x)
    assert obj.counts() == {"nfev": 1, "njev": 1, "nhev": 0}
    assert f == pytest.approx(float(f_quartic(x)))
    np.testing.assert_allclose(g, obj.grad(x))


def test_hvp_and_hessian_agree_with_finite_differences_of_gradient():
    obj = Objective(f_quartic)
    x = np.linspace(-1, 1, 5)
    v = np.arange(1.0, 6.0)
    h = 1e-6
    fd = (obj.grad(x + h * v) - obj.grad(x - h * v)) / (2 * h)
    np.testing.assert_allclose(obj.hvp(x, v), fd, rtol=1e-6, atol=1e-7)
    H = obj.hessian(x)
    np.testing.assert_allclose(H, H.T)
    np.testing.assert_allclose(H @ v, obj.hvp(x, v), rtol=1e-12)


def test_hvp_linearization_is_refreshed_when_x_changes():
    obj = Objective(lambda x: anp.sum(x**3))
    v = np.ones(3)
    x1, x2 = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(obj.hvp(x1, v), 6 * x1)
    np.testing.assert_allclose(obj.hvp(x2, v), 6 * x2)
    x1[:] = x2  # a caller mutating its array must not leave a stale cache behind
    np.testing.assert_allclose(obj.hvp(np.array([5.0, 5.0, 5.0]), v), 30.0 * v)


def test_user_derivatives_are_used_and_counted():
    calls = []

    def grad(x):
        calls.append("g")
        return 2 * x

    obj = Objective(lambda x: float(x @ x), grad=grad, hvp=lambda x, v: 2 * v)
    x = np.array([1.0, -2.0])
    f, g = obj.value_and_grad(x)
    assert f == 5.0 and calls == ["g"]
    np.testing.assert_allclose(obj.hvp(x, np.ones(2)), [2.0, 2.0])
    assert obj.counts() == {"nfev": 1, "njev": 1, "nhev": 1}


def test_jac_true_means_fun_returns_value_and_gradient():
    obj = as_objective(lambda x: (float(x @ x), 2 * x), jac=True)
    f, g = obj.value_and_grad(np.array([3.0]))
    assert f == 9.0 and g.tolist() == [6.0]


def test_constant_function_gets_zero_gradient_of_right_shape():
    obj = Objective(lambda x: 3.0)
    np.testing.assert_array_equal(obj.grad(np.ones(4)), np.zeros(4))


def test_second_order_without_source_is_a_clear_error():
    obj = Objective(lambda x: float(x @ x), grad=lambda x: 2 * x)
    with pytest.raises(ValueError, match="hvp"):
        obj.hvp(np.ones(2), np.ones(2))


def test_non_scalar_output_is_rejected():
    obj = Objective(lambda x: x * 2)
    with pytest.raises(ValueError, match="scalar"):
        obj.value(np.ones(3))


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.ones((2, 2)), "flat"),
        (np.array([1.0, np.nan]), "finite"),
        (np.array([np.inf]), "finite"),
        ([], "empty"),
        ("abc", "real numbers"),
    ],
)
def test_as_flat_vector_rejects_bad_input_naming_argument(bad, match):
    with pytest.raises(ValueError, match=match) as info:
        as_flat_vector(bad, "x0")
    assert "x0" in str(info.value)


def test_as_flat_vector_copies_and_converts():
    src = [1, 2, 3]
    out = as_flat_vector(src)
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0, 3.0]
    arr = np.array([1.0, 2.0])
    assert as_flat_vector(arr) is not arr


def test_length_check():
    with pytest.raises(ValueError, match="length 3"):
        as_flat_vector([1.0, 2.0], "x0", n=3)


def test_hvp_operator_reuses_one_trace_and_its_gradient():
    obj = Objective(f_quartic)
    x = np.linspace(-1, 1, 5)
    reference = Objective(f_quartic)
    op = obj.hvp_operator(x)
    for v in np.eye(5):
        np.testing.assert_allclose(op(v), reference.hvp(x, v), rtol=1e-12)
    assert obj.nhev == 5
    # The trace at x also produced ∇f(x): grad() returns it (a copy), counted as a gradient.
    g = obj.grad(x)
    np.testing.assert_array_equal(g, reference.grad(x))
    g[:] = 0.0
    np.testing.assert_array_equal(obj.grad(x), reference.grad(x))
    assert obj.njev == 2
    # At another point the gradient is computed afresh.
    y = x + 0.5
    np.testing.assert_allclose(obj.grad(y), reference.grad(y), rtol=1e-12)


def test_hessian_uses_the_same_source_as_hvp():
    H_user = np.array([[2.0, 1.0], [1.0, 3.0]])
    obj = Objective(lambda x: float(x @ H_user @ x) / 2, grad=lambda x: H_user @ x, hvp=lambda x, v: H_user @ v)
    np.testing.assert_allclose(obj.hessian(np.zeros(2)), H_user)
    assert obj.nhev == 1


# --- finite differences (jac="2-point" | "3-point" | "cs") and what a plain-numpy user sees ---


def plain_rosenbrock(x):
    # Plain numpy and a float() of the result: what autograd cannot trace.
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def plain_quartic(x):
    return np.sum(x**4) + np.sum(np.sin(x[:-1] * x[1:]))


@pytest.mark.parametrize("method, rtol", [("2-point", 1e-6), ("3-point", 1e-9), ("cs", 1e-14)])
def test_finite_difference_gradient_agrees_with_autograd(method, rtol):
    rng = np.random.default_rng(3)
    exact, approx = Objective(f_quartic), Objective(plain_quartic, grad=method)
    for _ in range(5):
        x = rng.uniform(-2, 2, 6)
        np.testing.assert_allclose(approx.grad(x), exact.grad(x), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("method", ["2-point", "3-point"])
def test_finite_difference_steps_are_scipys(method):
    from scipy.optimize._numdiff import approx_derivative

    x = np.array([-3.0, 0.0, 1e-3, 250.0])
    ours = Objective(plain_quartic, grad=method).grad(x)
    np.testing.assert_allclose(ours, approx_derivative(plain_quartic, x, method=method), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("method, per_gradient", [("2-point", 4), ("3-point", 8), ("cs", 4)])
def test_finite_difference_evaluations_are_counted(method, per_gradient):
    obj = Objective(plain_quartic, grad=method)
    obj.value_and_grad(np.ones(4))
    assert obj.counts() == {"nfev": 1 + per_gradient, "njev": 1, "nhev": 0}


# Forward differences of a gradient of accuracy δ are accurate to about √δ (the step used):
# ε^¼ ≈ 1e-4 for "2-point", ε^⅓ ≈ 6e-6 for "3-point", √ε for the complex step.
@pytest.mark.parametrize("grad, rtol", [("2-point", 1e-4), ("3-point", 5e-5), ("cs", 1e-6)])
def test_finite_difference_hessian_vector_products_agree_with_autograd(grad, rtol):
    rng = np.random.default_rng(5)
    x, exact = rng.uniform(-1, 1, 5), Objective(f_quartic)
    H = exact.hessian(x)
    approx = Objective(plain_quartic, grad=grad)
    product = approx.hvp_operator(x)
    for _ in range(3):
        v = rng.standard_normal(5)
        np.testing.assert_allclose(product(v), H @ v, rtol=rtol, atol=rtol * np.abs(H).max())
    np.testing.assert_allclose(approx.hessian(x), H, rtol=rtol, atol=rtol * np.abs(H).max())


def test_hvp_2_point_differences_a_user_gradient():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    obj = Objective(lambda x: 0.5 * x @ A @ x, grad=lambda x: A @ x, hvp="2-point")
    np.testing.assert_allclose(obj.hvp(np.array([1.0, -2.0]), np.array([0.5, 1.0])), A @ [0.5, 1.0], rtol=1e-7)


def test_lbfgs_with_2_point_gradients_solves_a_plain_numpy_rosenbrock():
    from trustopt import minimize

    res = minimize(plain_rosenbrock, np.array([-1.2, 1.0, -1.2, 1.0]), method="lbfgs", jac="2-point")
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-4)
    assert res.fun < 1e-8


def test_a_newton_method_with_3_point_gradients_solves_a_plain_numpy_rosenbrock():
    from trustopt import minimize

    res = minimize(plain_rosenbrock, np.array([-1.2, 1.0]), method="trust-steihaug", jac="3-point")
    assert res.success, res.message
    np.testing.assert_allclose(res.x, np.ones(2), atol=1e-6)
    assert res.nhev > 0


def test_a_plain_numpy_objective_without_jac_gets_one_error_saying_what_to_do():
    from trustopt import minimize

    for call in (lambda: Objective(plain_rosenbrock).grad(np.zeros(2)),
                 lambda: Objective(plain_rosenbrock).hvp(np.zeros(2), np.ones(2)),
                 lambda: minimize(plain_rosenbrock, np.zeros(2))):
        with pytest.raises(TypeError, match=r"jac='2-point'") as info:
            call()
        assert "autograd.numpy" in str(info.value) and "ArrayBox" in str(info.value)


@pytest.mark.parametrize("grad", [None, "2-point", "3-point"])
@pytest.mark.parametrize(
    "fun, error, match",
    [
        (lambda x: x * 2.0, ValueError, r"must return a scalar; it returned an array of shape \(3,\)"),
        (lambda x: None, TypeError, "returned None"),
        (lambda x: anp.sum(x) * (1 + 1j), TypeError, "complex"),
        (lambda x: "1.0", TypeError, "returned str"),
    ],
)
def test_an_objective_returning_no_real_scalar_is_named(fun, error, match, grad):
    with pytest.raises(error, match=match):
        Objective(fun, grad=grad).value_and_grad(np.ones(3))


def test_the_users_own_exception_is_not_rewritten():
    def fun(x):
        raise ValueError("my model diverged")

    with pytest.raises(ValueError, match="^my model diverged$"):
        Objective(fun).grad(np.ones(2))


def test_complex_step_refuses_a_function_that_drops_the_imaginary_part():
    with pytest.raises(TypeError, match="grad='cs'.*'2-point'"):
        Objective(lambda x: np.sum(np.abs(x)), grad="cs").grad(np.ones(2))


def test_an_unknown_finite_difference_rule_is_refused():
    with pytest.raises(ValueError, match="jac must be .*'2-point'"):
        as_objective(plain_quartic, jac="central")
    with pytest.raises(ValueError, match="grad must be .*'3-point'"):
        Objective(plain_quartic, grad="forward")
    with pytest.raises(ValueError, match="hvp must be"):
        Objective(plain_quartic, hvp="3-point")
