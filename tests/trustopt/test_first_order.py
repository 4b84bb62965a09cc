import autograd.numpy as anp
import numpy as np
import pytest

from trustopt.first_order import Adam, AdamState, GradientDescent, MeanObjective
from trustopt.objective import Objective
from trustopt.result import Status


def least_squares(seed=0, n_data=120, n=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_data, n))
    y = X @ rng.standard_normal(n) + 0.1 * rng.standard_normal(n_data)
    mean = MeanObjective(lambda w, idx: 0.5 * anp.mean((anp.dot(X[idx], w) - y[idx]) ** 2), n_data)
    return mean, X, y


def test_gradient_descent_iterates_follow_the_linear_recursion():
    # On f = ½xᵀAx − bᵀx, x_{k+1} − x* = (I − ηA)(x_k − x*).
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    A, b = (Q * [1.0, 2.0, 4.0]) @ Q.T, rng.standard_normal(3)
    f = Objective(lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - anp.dot(b, x))
    eta, x0 = 0.2, np.ones(3)
    res = GradientDescent(learning_rate=eta, maxiter=7, gtol=0.0).minimize(f, x0)
    x_star = np.linalg.solve(A, b)
    expected = x_star + np.linalg.matrix_power(np.eye(3) - eta * A, 7) @ (x0 - x_star)
    assert res.status is Status.MAXITER and res.nit == 7
    np.testing.assert_allclose(res.x, expected, rtol=1e-12)
    assert res.fun == pytest.approx(f.value(res.x))
    assert np.all(np.diff(res.history["fun"]) < 0)  # η < 2/L: monotone
    full = GradientDescent(learning_rate=eta, gtol=1e-10).minimize(f, x0)
    assert full.status is Status.GTOL and full.grad_norm <= 1e-10
    np.testing.assert_allclose(full.x, x_star, atol=1e-9)


def test_adam_first_step_is_minus_lr_times_sign_of_gradient():
    # Bias correction makes m̂/sqrt(v̂) = g/|g| at t = 1 (up to ε).
    g = np.array([3.0, -0.5, 1e-3])
    f = Objective(lambda x: anp.dot(g, x))
    res = Adam(learning_rate=0.01, maxiter=1, gtol=0.0).minimize(f, np.zeros(3))
    np.testing.assert_allclose(res.x, -0.01 * np.sign(g), rtol=1e-4)


def test_adam_matches_a_direct_implementation():
    mean, X, y = least_squares()
    f = mean.full()
    w0 = np.zeros(4)
    res = Adam(learning_rate=0.05, maxiter=25, gtol=0.0).minimize(f, w0)
    w, m, v = w0.copy(), np.zeros(4), np.zeros(4)
    for t in range(1, 26):
        grad = X.T @ (X @ w - y) / len(y)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w = w - 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(res.x, w, rtol=1e-12)


def test_adam_full_batch_converges_to_least_squares_solution():
    mean, X, y = least_squares()
    res = Adam(learning_rate=0.05, maxiter=5000, gtol=1e-8).minimize(mean, np.zeros(4))
    assert res.status is Status.GTOL
    np.testing.assert_allclose(res.x, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-6)


def test_minibatch_epochs_visit_every_index_once():
    n_data = 23
    seen = []

    def fun(w, idx):
        seen.append(np.array(idx))
        return anp.sum(w**2) * len(idx) / n_data

    mean = MeanObjective(fun, n_data)
    Adam(batch_size=5, maxiter=3).minimize(mean, np.ones(2))
    batches = seen[:-1]  # the last call is the full evaluation for the result
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3] * 3
    for epoch in range(3):
        assert sorted(np.concatenate(batches[5 * epoch:5 * epoch + 5])) == list(range(n_data))
    assert not np.array_equal(np.concatenate(batches[:5]), np.concatenate(batches[5:10]))


@pytest.mark.parametrize("method", [Adam(learning_rate=0.01, batch_size=16, maxiter=20, seed=7),
                                    GradientDescent(learning_rate=0.05, batch_size=16, maxiter=20, seed=7)])
def test_same_seed_same_run_and_minibatch_progress(method):
    mean, X, y = least_squares()
    a = method.minimize(mean, np.zeros(4))
    b = method.minimize(mean, np.zeros(4))
    assert a.x.tobytes() == b.x.tobytes() and a.fun == b.fun
    assert a.history["fun"].tolist() == b.history["fun"].tolist()
    assert a.fun < mean.value(np.zeros(4))
    other = type(method)(**{**method.__dict__, "seed": 8}).minimize(mean, np.zeros(4))
    assert not np.array_equal(other.x, a.x)


def test_generator_seed_advances_between_calls():
    mean, _, _ = least_squares()
    rng = np.random.default_rng(0)
    solver = Adam(learning_rate=0.01, batch_size=16, maxiter=2, seed=rng)
    assert not np.array_equal(solver.minimize(mean, np.zeros(4)).x, solver.minimize(mean, np.zeros(4)).x)


def test_nonfinite_returns_last_finite_point():
    # f is NaN once x[0] passes 1: gradient descent walks there from 0.
    f = Objective(lambda x: anp.where(x[0] > 1.0, np.nan, -x[0]))
    res = GradientDescent(learning_rate=0.3, maxiter=100).minimize(f, np.zeros(1))
    assert res.status is Status.NONFINITE
    assert res.x[0] == pytest.approx(0.9) and np.isfinite(res.fun)
    mean = MeanObjective(lambda w, idx: anp.where(w[0] > 1.0, np.nan, -w[0]), 10)
    res = Adam(learning_rate=0.3, batch_size=3, maxiter=100).minimize(mean, np.zeros(1))
    assert res.status is Status.NONFINITE and np.all(np.isfinite(res.x)) and res.x[0] <= 1.0


def test_minibatch_gradient_whose_squared_norm_overflows_is_still_finite():
    # g·g overflows for entries near 1e200, yet every entry is finite: the run must go on
    # (and with clipping the step is scaled by c/‖g‖ = 0), not stop as if it met a NaN.
    big = np.full(3, 1e200)
    mean = MeanObjective(lambda w, idx: 0.0, 8, value_and_grad=lambda w, idx: (0.0, big))
    for clip in (None, 0.5):
        with np.errstate(over="ignore"):  # Adam's g² overflows too (v = inf, so the step is 0)
            res = Adam(learning_rate=0.1, batch_size=4, maxiter=2, max_grad_norm=clip).minimize(mean, np.zeros(3))
        assert res.status is Status.MAXITER and res.report.updates == 4 and np.all(np.isfinite(res.x))
    with_nan = MeanObjective(lambda w, idx: 0.0, 8, value_and_grad=lambda w, idx: (0.0, np.array([1.0, np.nan, 1.0])))
    res = Adam(learning_rate=0.1, batch_size=4, maxiter=2).minimize(with_nan, np.zeros(3))
    assert res.status is Status.NONFINITE and res.report.updates == 0 and np.array_equal(res.x, np.zeros(3))


def test_clipped_minibatch_step_is_the_clipped_gradient_step():
    # with max_grad_norm c, one Adam step from zero moments moves by −lr·sign(ĝ) for ĝ = g·c/‖g‖:
    # compare the clipped run with an unclipped run on the pre-scaled gradient, to the bit.
    g = np.array([3.0, -4.0, 12.0])  # ‖g‖ = 13
    clipped = MeanObjective(lambda w, idx: 0.0, 4, value_and_grad=lambda w, idx: (0.0, g))
    scaled = MeanObjective(lambda w, idx: 0.0, 4, value_and_grad=lambda w, idx: (0.0, g * (0.5 / 13.0)))
    a = Adam(learning_rate=0.1, batch_size=4, maxiter=3, max_grad_norm=0.5).minimize(clipped, np.zeros(3))
    b = Adam(learning_rate=0.1, batch_size=4, maxiter=3).minimize(scaled, np.zeros(3))
    np.testing.assert_array_equal(a.x, b.x)


def test_callback_stops_the_run():
    mean, _, _ = least_squares()
    calls = []
    res = Adam(maxiter=100, callback=lambda r: calls.append(r.nit) or r.nit == 3).minimize(mean, np.zeros(4))
    assert res.status is Status.CALLBACK and res.nit == 3 and calls == [1, 2, 3]


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: GradientDescent(learning_rate=-1.0), "learning_rate"),
        (lambda: Adam(beta1=1.0), "beta1"),
        (lambda: Adam(beta2=-0.1), "beta2"),
        (lambda: Adam(eps=0.0), "eps"),
        (lambda: Adam(batch_size=0), "batch_size"),
        (lambda: Adam(maxiter=-1), "maxiter"),
        (lambda: Adam(seed=1.5), "seed"),
        (lambda: MeanObjective(lambda w, i: 0.0, 0), "n_data"),
    ],
)
def test_invalid_parameters_are_named(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_minibatch_needs_a_mean_objective():
    with pytest.raises(TypeError, match="MeanObjective"):
        Adam(batch_size=4).minimize(Objective(lambda x: anp.sum(x**2)), np.zeros(2))


# --- gradient clipping, carried Adam state, early stop -------------------------

def test_clipping_leaves_a_small_gradient_and_scales_a_large_one_to_the_norm():
    # One gradient-descent step on f = gᵀx moves by −η·clip(g).
    small, large = np.array([0.3, -0.2]), np.array([30.0, -40.0])  # norms ≈ 0.36 and 50
    for g, expected in [(small, small), (large, large * (0.5 / 50.0))]:
        f = Objective(lambda x, g=g: anp.dot(g, x))
        res = GradientDescent(learning_rate=1.0, maxiter=1, gtol=0.0, max_grad_norm=0.5).minimize(f, np.zeros(2))
        np.testing.assert_allclose(res.x, -expected, rtol=1e-15)
    assert np.linalg.norm(large * (0.5 / 50.0)) == pytest.approx(0.5)
    # Minibatch: every step of Adam with clipping equals the unclipped run when all gradients are small.
    mean, _, _ = least_squares()
    plain = Adam(learning_rate=0.01, batch_size=30, maxiter=3).minimize(mean, np.zeros(4))
    loose = Adam(learning_rate=0.01, batch_size=30, maxiter=3, max_grad_norm=1e9).minimize(mean, np.zeros(4))
    assert plain.x.tobytes() == loose.x.tobytes()
    tight = Adam(learning_rate=0.01, batch_size=30, maxiter=3, max_grad_norm=1e-3).minimize(mean, np.zeros(4))
    assert tight.x.tobytes() != plain.x.tobytes()


def test_gradient_descent_with_clipping_is_normalized_descent_far_away():
    # Far from the minimum of ½‖x‖², the clipped step is η·c along −x/‖x‖.
    f = Objective(lambda x: 0.5 * anp.sum(x**2))
    x0 = np.array([300.0, 400.0])
    res = GradientDescent(learning_rate=0.1, maxiter=4, gtol=0.0, max_grad_norm=2.0).minimize(f, x0)
    np.testing.assert_allclose(res.x, x0 * (1 - 4 * 0.1 * 2.0 / 500.0), rtol=1e-12)


def test_two_adam_calls_carrying_state_equal_one_call_of_twice_the_epochs():
    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    A, b = (Q * [1.0, 3.0, 10.0, 30.0]) @ Q.T, rng.standard_normal(4)
    f = Objective(lambda x: 0.5 * anp.dot(x, anp.dot(A, x)) - anp.dot(b, x))
    adam = Adam(learning_rate=0.05, maxiter=7, gtol=0.0)
    first = adam.minimize(f, np.ones(4))
    state = first.report.state
    m_before = state.m.copy()
    second = adam.minimize(f, first.x, state=state)
    once = Adam(learning_rate=0.05, maxiter=14, gtol=0.0).minimize(f, np.ones(4))
    assert second.x.tobytes() == once.x.tobytes()
    assert second.report.state.t == once.report.state.t == 14 and second.report.updates == 7
    assert second.report.state.m.tobytes() == once.report.state.m.tobytes()
    assert second.report.state.v.tobytes() == once.report.state.v.tobytes()
    # The caller's state is untouched; a fresh start differs (bias correction restarts at t = 1).
    assert state.m.tobytes() == m_before.tobytes() and state.t == 7
    assert adam.minimize(f, first.x).x.tobytes() != second.x.tobytes()


def test_minibatch_adam_same_seed_same_run_and_report():
    mean, _, _ = least_squares()
    a = Adam(learning_rate=0.01, batch_size=32, maxiter=3, seed=5).minimize(mean, np.zeros(4))
    b = Adam(learning_rate=0.01, batch_size=32, maxiter=3, seed=5).minimize(mean, np.zeros(4))
    assert a.x.tobytes() == b.x.tobytes()
    # 120 data in batches of 32: four updates an epoch.
    assert (a.report.updates, a.report.epochs, a.report.state.t) == (12, 3, 12)
    assert GradientDescent(learning_rate=0.1, batch_size=32, maxiter=2).minimize(mean, np.zeros(4)).report.state is None


def test_invalid_state_and_clipping_norm():
    f = Objective(lambda x: anp.sum(x**2))
    with pytest.raises(ValueError, match="max_grad_norm"):
        Adam(max_grad_norm=0.0)
    with pytest.raises(ValueError, match="state"):
        Adam().minimize(f, np.zeros(2), state=AdamState(np.zeros(3), np.zeros(3), 0))
    with pytest.raises(TypeError, match="state"):
        Adam().minimize(f, np.zeros(2), state=(np.zeros(2), np.zeros(2), 0))


def test_callback_stop_returns_the_point_after_that_epoch():
    # PPO's early stop on a target KL: stop after epoch 2 and keep that epoch's point.
    mean, _, _ = least_squares()
    points = []

    def stop_after_two(r):
        points.append(r.x.copy())
        return len(points) == 2

    res = Adam(learning_rate=0.01, batch_size=40, maxiter=10, seed=3, callback=stop_after_two).minimize(mean, np.zeros(4))
    assert res.status is Status.CALLBACK and res.nit == 2 and res.report.epochs == 2
    assert res.x.tobytes() == points[-1].tobytes()
    two = Adam(learning_rate=0.01, batch_size=40, maxiter=2, seed=3).minimize(mean, np.zeros(4))
    assert res.x.tobytes() == two.x.tobytes()
    assert res.fun == mean.value(res.x)
