"""Multilayer perceptrons whose parameters are one flat float64 vector.

``trustopt`` sees a policy as a function of a flat vector θ, so the network
keeps no arrays of its own: ``forward(theta, obs)`` slices θ into per-layer
views.  ``forward`` is differentiable by autograd (first and second order,
reverse and forward mode); ``forward_np`` is the same computation in plain
numpy, without autograd's tracing, for collecting experience.
``MLP.linearize`` gives hand-written Jacobian-vector and vector-Jacobian
products at a point, the fast route to Gauss–Newton Fisher-vector products;
the module-level ``linearize`` does the same for any autograd function.

Layout of θ: for each layer in order, the weight matrix W (n_in, n_out) in
row-major order followed by the bias b (n_out,).  A layer computes
h ↦ act(h W + b); the last layer has no activation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import autograd.numpy as anp
import numpy as np
from autograd.core import make_vjp as _make_vjp
from autograd.extend import defjvp, defvjp, primitive, vspace


def tanh_by_exp(h: np.ndarray) -> np.ndarray:
    """h ← tanh(h) as 2 / (1 + e^{−2h}) − 1, in place.

    For CPUs where numpy's float64 ``tanh`` is a scalar loop (no AVX-512, so
    no SVML) while ``exp`` is vectorized: there, on (1024, 64), this form took
    0.6 ms against np.tanh's 1.3 ms.  It saturates exactly to ±1 (e^{−2h} = inf
    gives −1) and differs from np.tanh by at most 4e-16 absolutely (the
    relative error near 0 is larger, which a hidden activation does not feel:
    its slope 1 − y² is what the backward pass uses).
    """
    np.multiply(h, -2.0, out=h)
    with np.errstate(over="ignore"):
        np.exp(h, out=h)
    h += 1.0
    np.divide(2.0, h, out=h)
    h -= 1.0
    return h


def _tanh_np(h: np.ndarray) -> np.ndarray:
    return np.tanh(h, out=h)


def _numpy_tanh_is_vectorized() -> bool:
    """Whether numpy's float64 tanh runs its SVML (AVX-512) loop on this CPU."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # numpy < 2 or another layout: keep the form that is never slow
        return False
    return bool(features.get("AVX512_SKX", False))


#: h ← tanh(h) in place, by whichever form is faster on this CPU (fixed per machine, so a
#: seed gives the same run on it): np.tanh where it is vectorized (x86 with AVX-512; on
#: (64, 64) 4.8 µs against the exp form's 7.7, on (1024, 64) 62 against 90 µs), else
#: :func:`tanh_by_exp`.  Hidden-layer tanh is a large part of the value fit's and the
#: policy update's time.
tanh_inplace = _tanh_np if _numpy_tanh_is_vectorized() else tanh_by_exp


@primitive
def tanh(x: np.ndarray) -> np.ndarray:
    """tanh as an autograd primitive whose derivative reuses the output.

    d tanh(x) = 1 − tanh(x)², so the backward pass is g·(1 − y²) with y the
    saved output, instead of autograd's default g / cosh²(x) (which costs a
    cosh and a division and makes second-order products noticeably dearer).
    Values are :func:`tanh_inplace`'s, so this path and the numpy one agree bit for bit.
    """
    return tanh_inplace(np.array(x, dtype=np.float64))


defvjp(tanh, lambda ans, x: lambda g: g * (1.0 - ans * ans))
defjvp(tanh, lambda g, ans, x: g * (1.0 - ans * ans))


def _relu(x):
    return anp.maximum(x, 0.0)


def _tanh_slope(y: np.ndarray) -> np.ndarray:
    slope = y * y
    return np.subtract(1.0, slope, out=slope)


# name -> (autograd-differentiable activation, in-place numpy activation,
#          derivative as a function of the activation's output)
_ACTIVATIONS: dict[str, tuple[Callable, Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "tanh": (tanh, tanh_inplace, _tanh_slope),
    "relu": (_relu, lambda h: np.maximum(h, 0.0, out=h), lambda y: (y > 0.0).astype(np.float64)),
}


def orthogonal(rng: np.random.Generator, n_in: int, n_out: int, gain: float) -> np.ndarray:
    """A (n_in, n_out) matrix with orthonormal rows or columns, times gain.

    QR of a standard normal matrix with the signs of R's diagonal folded into
    Q, which makes Q Haar-distributed (Saxe et al. 2014; Mezzadri 2007).
    """
    a = rng.standard_normal((max(n_in, n_out), min(n_in, n_out)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    w = q if n_in >= n_out else q.T
    return gain * w


class MLP:
    """Fully connected network obs (N, sizes[0]) → out (N, sizes[-1]).

    sizes: layer widths including input and output, e.g. (obs_dim, 64, 64, k).
    activation: "tanh" (default) or "relu", applied after every layer but the last.
    out_scale: gain of the orthogonal initialization of the last layer; 0.01
        (default) for a policy, so the initial policy is near uniform / near its
        initial std (Andrychowicz et al. 2021, "What matters in on-policy RL"),
        1.0 for a value function.
    hidden_scale: gain of the hidden layers' orthogonal initialization, √2 by
        default as in the OpenAI baselines PPO/TRPO MLPs.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "tanh",
        out_scale: float = 0.01,
        hidden_scale: float = float(np.sqrt(2.0)),
    ) -> None:
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least two positive widths, got {sizes!r}")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
        if not out_scale > 0 or not hidden_scale > 0:
            raise ValueError(f"out_scale and hidden_scale must be positive, got {out_scale}, {hidden_scale}")
        self.sizes = sizes
        self.activation = activation
        self.out_scale = float(out_scale)
        self.hidden_scale = float(hidden_scale)
        self._act, self._act_np, self._slope = _ACTIVATIONS[activation]
        # (start of W, start of b, end of b, n_in, n_out) for every layer
        self._layout: list[tuple[int, int, int, int, int]] = []
        offset = 0
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            w_end = offset + n_in * n_out
            self._layout.append((offset, w_end, w_end + n_out, n_in, n_out))
            offset = w_end + n_out
        self.n_params = offset

    def __repr__(self) -> str:
        return f"MLP(sizes={self.sizes}, activation={self.activation!r}, out_scale={self.out_scale})"

    def init(self, rng: np.random.Generator) -> np.ndarray:
        """Initial θ (n_params,): orthogonal weights, zero biases."""
        theta = np.zeros(self.n_params)
        n_layers = len(self._layout)
        for i, (w0, w1, _, n_in, n_out) in enumerate(self._layout):
            gain = self.out_scale if i == n_layers - 1 else self.hidden_scale
            theta[w0:w1] = orthogonal(rng, n_in, n_out, gain).ravel()
        return theta

    def unflatten(self, theta):
        """[(W (n_in, n_out), b (n_out,)), …] as views into theta (no copies)."""
        return [
            (theta[w0:w1].reshape(n_in, n_out), theta[w1:b1])
            for w0, w1, b1, n_in, n_out in self._layout
        ]

    def _check_theta(self, theta) -> None:
        if np.shape(theta) != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {np.shape(theta)}")

    def forward(self, theta, obs):
        """Network output (N, sizes[-1]) for obs (N, sizes[0]); differentiable in θ."""
        self._check_theta(theta)
        layers = self.unflatten(theta)
        h = obs
        for w, b in layers[:-1]:
            h = self._act(anp.dot(h, w) + b)
        w, b = layers[-1]
        return anp.dot(h, w) + b

    def forward_np(self, theta: np.ndarray, obs: np.ndarray) -> np.ndarray:
        """Same as ``forward`` in plain numpy, for sampling (no autograd tracing)."""
        self._check_theta(theta)
        layers = self.unflatten(theta)
        h = obs
        for w, b in layers[:-1]:
            h = h @ w
            h += b
            self._act_np(h)
        w, b = layers[-1]
        out = h @ w
        out += b
        return out

    def linearize(
        self, theta: np.ndarray, obs: np.ndarray
    ) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
        """Linearize θ ↦ forward(θ, obs) at θ, by hand in plain numpy.

        Returns (out, jvp, vjp): out (N, sizes[-1]) the network output;
        jvp(v) = J v for v (n_params,), shape (N, sizes[-1]); vjp(u) = Jᵀ u
        for u (N, sizes[-1]), shape (n_params,), written into ``out_grad``
        (a contiguous (n_params,) float64 array, e.g. a slice of a longer
        vector) when given.  J is the Jacobian of the output with respect to θ.

        One forward pass keeps every layer's input and the activation's slope;
        afterwards each jvp / vjp costs two matrix products per layer and no
        tracing, and reuses scratch buffers instead of allocating N×width
        temporaries on every call.  Meant to be built once per policy update
        and called for every conjugate-gradient iteration (Gauss–Newton
        products Jᵀ M J v).  Agrees with autograd on ``forward`` (tested).
        """
        self._check_theta(theta)
        layers = self.unflatten(np.array(theta, dtype=np.float64))
        out, inputs = self._forward_keep(layers, obs)
        slopes = [self._slope(h) for h in inputs[1:]]
        # two (N, width) scratch buffers per hidden layer, shared by jvp and vjp;
        # scratch[j] has the shape of inputs[j + 1], the output of layer j
        scratch = [(np.empty_like(h), np.empty_like(h)) for h in inputs[1:]]
        back_buffers = [second for _, second in scratch]
        last = len(layers) - 1

        def jvp(v: np.ndarray) -> np.ndarray:
            self._check_theta(v)
            dh = None
            for i, ((w, _), (dw, db)) in enumerate(zip(layers, self.unflatten(v))):
                # tangent of the pre-activation: d(h W + b) = dh W + h dW + db;
                # hidden layers work in scratch, the returned output is fresh.
                hidden = i < last
                dz = np.matmul(inputs[i], dw, out=scratch[i][0] if hidden else None)
                dz += db
                if dh is not None:
                    dz += np.matmul(dh, w, out=scratch[i][1] if hidden else None)
                if hidden:
                    dz *= slopes[i]
                    dh = dz
            return dz

        def vjp(u: np.ndarray, out_grad: np.ndarray | None = None) -> np.ndarray:
            g = np.asarray(u, dtype=np.float64).reshape(out.shape)
            return self._backward(layers, inputs, g, self._grad_buffer(out_grad), lambda i: slopes[i - 1],
                                  back_buffers)

        return out, jvp, vjp

    def forward_backward(
        self, theta: np.ndarray, obs: np.ndarray
    ) -> tuple[np.ndarray, Callable[..., np.ndarray]]:
        """(out, vjp) as :meth:`linearize` gives them, for a gradient rather than many products.

        What one minibatch gradient needs, and no more: θ is not copied (it
        must not change before ``vjp`` is called), no buffers for jvp are
        made, and the activations' slopes are computed inside ``vjp``.  The
        numbers are :meth:`linearize`'s ``vjp``'s to the bit (tested).
        """
        self._check_theta(theta)
        layers = self.unflatten(theta)
        out, inputs = self._forward_keep(layers, obs)

        def vjp(u: np.ndarray, out_grad: np.ndarray | None = None) -> np.ndarray:
            g = np.asarray(u, dtype=np.float64).reshape(out.shape)
            return self._backward(layers, inputs, g, self._grad_buffer(out_grad), lambda i: self._slope(inputs[i]))

        return out, vjp

    def _forward_keep(self, layers: list[tuple[np.ndarray, np.ndarray]],
                      obs: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """(output, [obs, every hidden layer's activation]): one forward pass keeping each layer's input."""
        inputs = [np.asarray(obs, dtype=np.float64)]
        for w, b in layers[:-1]:
            h = inputs[-1] @ w
            h += b
            self._act_np(h)
            inputs.append(h)
        w, b = layers[-1]
        out = inputs[-1] @ w
        out += b
        return out, inputs

    def _backward(self, layers: list[tuple[np.ndarray, np.ndarray]], inputs: list[np.ndarray], g: np.ndarray,
                  grad: np.ndarray, slope: Callable[[int], np.ndarray],
                  buffers: list[np.ndarray] | None = None) -> np.ndarray:
        """Jᵀg written into ``grad``: the backward pass over a forward pass's kept ``inputs``.

        slope(i) is the activation's slope at inputs[i]; buffers[i − 1], when given,
        receives the cotangent of inputs[i] (reused scratch instead of a new array).
        """
        for i, ((w, _), (dw, db)) in reversed(list(enumerate(zip(layers, self.unflatten(grad))))):
            np.matmul(inputs[i].T, g, out=dw)
            g.sum(axis=0, out=db)
            if i:
                g = np.matmul(g, w.T, out=None if buffers is None else buffers[i - 1])
                g *= slope(i)
        return grad

    def _grad_buffer(self, out_grad: np.ndarray | None) -> np.ndarray:
        """Where a vjp writes Jᵀu: a new (n_params,) array, or ``out_grad`` after checking it."""
        if out_grad is None:
            return np.empty(self.n_params)
        if out_grad.shape == (self.n_params,) and out_grad.dtype == np.float64 and out_grad.flags.c_contiguous:
            return out_grad
        # a strided or mistyped buffer would be reshaped into a copy and the result lost
        raise ValueError(f"out_grad must be a contiguous float64 array of shape ({self.n_params},)")


def linearize(fun: Callable, x: np.ndarray):
    """Linearize fun at x: returns (y, jvp, vjp) with y = fun(x), jvp(v) = J v, vjp(u) = Jᵀ u.

    x is a flat vector; y may be an array or an autograd tuple of arrays (then
    u and J v are tuples of the same shapes).  fun is traced once; ``vjp`` replays
    that trace backwards, and ``jvp`` is the transpose of ``vjp`` obtained by
    tracing one backward pass (Townsend's trick, as in autograd's
    ``make_jvp_reversemode``, but reusing the first trace instead of redoing it).
    Both are meant to be built once and called many times, e.g. for the
    Gauss–Newton Fisher-vector product Jᵀ M J v inside conjugate gradient.
    The general fallback for networks other than ``MLP``, whose own
    ``MLP.linearize`` is faster (no tracing, no per-call temporaries).
    """
    vjp, y = _make_vjp(fun, x)
    jvp, _ = _make_vjp(vjp, vspace(y).zeros())
    return y, jvp, vjp
