"""rl.networks: flat-vector MLP, the tanh primitive, linearization."""

import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad, make_jvp, make_vjp
from autograd.differential_operators import hessian_vector_product, jacobian, make_jvp_reversemode

from rl.networks import MLP, linearize, orthogonal, tanh, tanh_by_exp, tanh_inplace


@pytest.fixture
def net():
    mlp = MLP((3, 8, 5, 2), out_scale=0.5)
    rng = np.random.default_rng(0)
    theta = mlp.init(rng) + 0.1 * rng.normal(size=mlp.n_params)  # nonzero biases too
    return mlp, theta, rng.normal(size=(6, 3))


def plain_forward(mlp, theta, obs):
    """The same network written with autograd's own tanh, as a reference."""
    layers = mlp.unflatten(theta)
    h = obs
    for w, b in layers[:-1]:
        h = anp.tanh(anp.dot(h, w) + b)
    w, b = layers[-1]
    return anp.dot(h, w) + b


def test_layout_and_views(net):
    mlp, theta, _ = net
    assert mlp.n_params == 3 * 8 + 8 + 8 * 5 + 5 + 5 * 2 + 2
    layers = mlp.unflatten(theta)
    assert [(w.shape, b.shape) for w, b in layers] == [((3, 8), (8,)), ((8, 5), (5,)), ((5, 2), (2,))]
    for w, b in layers:
        assert np.shares_memory(w, theta) and np.shares_memory(b, theta)
    np.testing.assert_array_equal(np.concatenate([np.r_[w.ravel(), b] for w, b in layers]), theta)


def test_forward_np_equals_forward(net):
    mlp, theta, obs = net
    np.testing.assert_allclose(mlp.forward_np(theta, obs), mlp.forward(theta, obs), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(mlp.forward(theta, obs), plain_forward(mlp, theta, obs), rtol=1e-14, atol=1e-15)
    relu = MLP((3, 8, 2), activation="relu")
    th = relu.init(np.random.default_rng(1))
    np.testing.assert_allclose(relu.forward_np(th, obs), relu.forward(th, obs), rtol=1e-14)


def test_gradient_matches_finite_differences(net):
    mlp, theta, obs = net
    w = np.random.default_rng(2).normal(size=(6, 2))

    def f(t):
        return anp.sum(w * mlp.forward(t, obs))

    g = grad(f)(theta)
    rng = np.random.default_rng(3)
    for _ in range(3):
        v = rng.normal(size=theta.size)
        eps = 1e-6
        fd = (f(theta + eps * v) - f(theta - eps * v)) / (2 * eps)
        np.testing.assert_allclose(g @ v, fd, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("form", [tanh_inplace, tanh_by_exp])  # the one this CPU uses, and the exp form
def test_tanh_inplace_is_tanh_to_rounding_and_saturates_exactly(form):
    x = np.concatenate([np.linspace(-20, 20, 4001), [-800.0, -1e-300, 0.0, 1e-300, 800.0, np.inf, -np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e^{1600} overflows to inf without a warning reaching the user
        h = x.copy()
        y = form(h)
    assert y is h  # in place
    np.testing.assert_allclose(y, np.tanh(x), rtol=0, atol=4.5e-16)
    assert y[-7] == -1.0 and y[-3] == 1.0 and y[-2] == 1.0 and y[-1] == -1.0
    assert np.all(np.abs(y) <= 1.0) and np.all(np.diff(y[:4001]) >= 0)  # bounded and monotone


def test_tanh_primitive_derivatives():
    x = np.linspace(-3, 3, 13)
    # tanh's values are tanh_inplace's (within 4e-16 of np.tanh), so its slope is within ~1e-15
    np.testing.assert_allclose(grad(lambda z: anp.sum(tanh(z)))(x), 1 - np.tanh(x) ** 2, rtol=1e-14, atol=1e-15)
    # second derivative: d²/dx² tanh = −2 tanh (1 − tanh²)
    d2 = grad(lambda z: anp.sum(grad(lambda y: anp.sum(tanh(y)))(z)))(x)
    np.testing.assert_allclose(d2, -2 * np.tanh(x) * (1 - np.tanh(x) ** 2), rtol=1e-12, atol=1e-15)
    _, jvp_val = make_jvp(tanh)(x)(np.ones_like(x))
    np.testing.assert_allclose(jvp_val, 1 - np.tanh(x) ** 2, rtol=1e-14, atol=1e-15)
    eps = 1e-6
    np.testing.assert_allclose(jvp_val, (np.tanh(x + eps) - np.tanh(x - eps)) / (2 * eps), rtol=1e-8)


def test_hessian_vector_products_match_plain_autograd_and_finite_differences(net):
    mlp, theta, obs = net
    w = np.random.default_rng(4).normal(size=(6, 2))

    def f(t):
        return anp.sum(w * mlp.forward(t, obs)) + anp.sum(mlp.forward(t, obs) ** 2)

    def f_plain(t):
        return anp.sum(w * plain_forward(mlp, t, obs)) + anp.sum(plain_forward(mlp, t, obs) ** 2)

    v = np.random.default_rng(5).normal(size=theta.size)
    hv = hessian_vector_product(f)(theta, v)
    np.testing.assert_allclose(hv, hessian_vector_product(f_plain)(theta, v), rtol=1e-11, atol=1e-12)
    eps = 1e-5
    g = grad(f)
    fd = (g(theta + eps * v) - g(theta - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv, fd, rtol=1e-6, atol=1e-7)


def test_orthogonal_init():
    rng = np.random.default_rng(6)
    w = orthogonal(rng, 64, 64, np.sqrt(2))
    np.testing.assert_allclose(w.T @ w, 2 * np.eye(64), atol=1e-12)
    tall = orthogonal(rng, 10, 3, 1.0)
    np.testing.assert_allclose(tall.T @ tall, np.eye(3), atol=1e-12)
    wide = orthogonal(rng, 3, 10, 0.01)
    np.testing.assert_allclose(wide @ wide.T, 1e-4 * np.eye(3), atol=1e-14)
    mlp = MLP((4, 64, 64, 2), out_scale=0.01)
    theta = mlp.init(np.random.default_rng(7))
    (w1, b1), (w2, b2), (w3, b3) = mlp.unflatten(theta)
    np.testing.assert_allclose(w2.T @ w2, 2 * np.eye(64), atol=1e-12)
    np.testing.assert_allclose(w3.T @ w3, 1e-4 * np.eye(2), atol=1e-14)
    assert not (b1.any() or b2.any() or b3.any())
    np.testing.assert_array_equal(theta, mlp.init(np.random.default_rng(7)))


def test_linearize_matches_jacobian(net):
    mlp, theta, obs = net
    y, jvp, vjp = linearize(lambda t: mlp.forward(t, obs), theta)
    jac = jacobian(lambda t: mlp.forward(t, obs))(theta).reshape(-1, theta.size)
    rng = np.random.default_rng(8)
    v, u = rng.normal(size=theta.size), rng.normal(size=(6, 2))
    np.testing.assert_allclose(y, mlp.forward(theta, obs))
    np.testing.assert_allclose(jvp(v).ravel(), jac @ v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(vjp(u), jac.T @ u.ravel(), rtol=1e-12, atol=1e-14)
    # reusable: a second call gives the same answer
    np.testing.assert_array_equal(jvp(v), jvp(v))
    # autograd's own operators work through the network too
    np.testing.assert_allclose(make_jvp_reversemode(lambda t: mlp.forward(t, obs))(theta)(v), jvp(v), rtol=1e-12)
    vjp2, _ = make_vjp(lambda t: mlp.forward(t, obs))(theta)
    np.testing.assert_allclose(vjp2(u), vjp(u), rtol=1e-12)


@pytest.mark.parametrize(
    "sizes, activation", [((3, 8, 5, 2), "tanh"), ((3, 8, 5, 2), "relu"), ((3, 4, 6, 1), "tanh"), ((3, 2), "tanh")]
)
def test_hand_written_linearization_matches_autograd(sizes, activation):
    mlp = MLP(sizes, activation=activation)
    rng = np.random.default_rng(9)
    theta = mlp.init(rng) + 0.3 * rng.normal(size=mlp.n_params)
    obs = rng.normal(size=(7, sizes[0]))
    out, jvp, vjp = mlp.linearize(theta, obs)
    jac = jacobian(lambda t: mlp.forward(t, obs))(theta).reshape(-1, theta.size)
    np.testing.assert_allclose(out, mlp.forward(theta, obs), rtol=1e-14, atol=1e-15)
    v1, v2 = rng.normal(size=(2, theta.size))
    u1, u2 = rng.normal(size=(2, 7, sizes[-1]))
    u1_before = u1.copy()
    jv1, jtu1 = jvp(v1), vjp(u1)
    jv2, jtu2 = jvp(v2), vjp(u2)  # scratch buffers are reused: earlier results must survive
    for v, jv in ((v1, jv1), (v2, jv2)):
        np.testing.assert_allclose(jv.ravel(), jac @ v, rtol=1e-12, atol=1e-13)
    for u, jtu in ((u1, jtu1), (u2, jtu2)):
        np.testing.assert_allclose(jtu, jac.T @ u.ravel(), rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(u1, u1_before)  # the cotangent is not overwritten
    # written into a slice of a longer vector on request, the rest untouched
    longer = np.full(theta.size + 3, 7.0)
    returned = vjp(u1, out_grad=longer[:theta.size])
    np.testing.assert_array_equal(longer[:theta.size], jtu1)
    np.testing.assert_array_equal(longer[theta.size:], 7.0)
    assert np.shares_memory(returned, longer)
    with pytest.raises(ValueError, match="out_grad"):
        vjp(u1, out_grad=np.zeros(2 * theta.size)[::2])  # strided: the result would land in a copy


def test_invalid_arguments():
    with pytest.raises(ValueError, match="activation"):
        MLP((2, 3), activation="sigmoid")
    with pytest.raises(ValueError, match="sizes"):
        MLP((2,))
    with pytest.raises(ValueError, match="theta"):
        MLP((2, 3)).forward(np.zeros(5), np.zeros((1, 2)))


@pytest.mark.parametrize("sizes, activation", [((3, 8, 5, 2), "tanh"), ((3, 8, 5, 2), "relu"), ((3, 2), "tanh")])
def test_forward_backward_is_linearize_to_the_bit(sizes, activation):
    # the minibatch gradient's cheaper path must give exactly the numbers of the linearization
    mlp = MLP(sizes, activation=activation)
    rng = np.random.default_rng(10)
    theta = mlp.init(rng) + 0.3 * rng.normal(size=mlp.n_params)
    obs = rng.normal(size=(9, sizes[0]))
    out, _, vjp = mlp.linearize(theta, obs)
    out_fb, vjp_fb = mlp.forward_backward(theta, obs)
    np.testing.assert_array_equal(out_fb, out)
    np.testing.assert_array_equal(out_fb, mlp.forward_np(theta, obs))
    for _ in range(2):  # callable more than once
        u = rng.normal(size=(9, sizes[-1]))
        np.testing.assert_array_equal(vjp_fb(u), vjp(u))
    buffer = np.zeros(mlp.n_params + 3)
    vjp_fb(u, out_grad=buffer[:mlp.n_params])
    np.testing.assert_array_equal(buffer[:mlp.n_params], vjp(u))
    with pytest.raises(ValueError, match="out_grad must be a contiguous float64"):
        vjp_fb(u, out_grad=buffer[::2][:mlp.n_params])
