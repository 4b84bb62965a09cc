"""Action distributions over batches of states, in their own parameters.

Each distribution is a small stateless object that knows only the size of its
action space; every method takes the distribution parameters for a batch of N
states explicitly:

- ``Categorical(n)``: ``params`` is an array of logits, shape (N, n).
- ``DiagGaussian(d)``: ``params`` is the pair ``(mean, log_std)`` with mean of
  shape (N, d) and a state-independent ``log_std`` of shape (d,) (a per-state
  ``log_std`` of shape (N, d) is accepted too).
- ``MultiCategorical(nvec)``: k independent categoricals; ``params`` is their
  logits side by side, shape (N, Σ nᵢ); actions are (N, k) ints.
- ``Bernoulli(d)``: d independent binary variables; ``params`` is an array of
  logits, shape (N, d); actions are (N, d) in {0, 1}.

``log_prob``, ``entropy`` and ``kl`` are written with ``autograd.numpy`` so they
can be differentiated with respect to the parameters. ``sample`` and ``mode``
are plain numpy (used when collecting experience, never differentiated).

``fisher_vector_product`` is the analytic Fisher information of the
distribution in its own parameters, the piece that makes the Gauss–Newton form
of the Fisher-vector product Jᵀ·M·J·v cheap.  Precisely, for parameters p₀ of N
states it returns M·u with

    M = ∇²_p  Σ_i KL(π_{p₀,i} ‖ π_{p,i})   at p = p₀,

the Hessian of the *summed* KL over the batch.  For per-state parameters this
is block diagonal, one block per state.  A shared parameter (the Gaussian's
state-independent ``log_std``) appears in every state's KL, so its block is the
sum of the N per-state blocks.  Divide by N for the mean KL.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd.builtins import tuple as ag_tuple
from autograd.extend import defjvp, defvjp, primitive

_LOG_2PI = float(np.log(2.0 * np.pi))


@primitive
def log_softmax(x: np.ndarray) -> np.ndarray:
    """Log-softmax along the last axis, computed as x − max − log Σ exp(x − max).

    An autograd primitive whose derivatives reuse the output: the softmax is
    exp(ans), so the backward pass does one exp and no second log-sum-exp.
    """
    # ndarray methods, not np.max / np.sum: they skip numpy's dispatch layer,
    # which costs more than the arithmetic for the small batches of sampling.
    z = x - x.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


defvjp(
    log_softmax,
    lambda ans, x: lambda g: g - anp.exp(ans) * anp.sum(g, axis=-1, keepdims=True),
)
defjvp(
    log_softmax,
    lambda g, ans, x: g - anp.sum(anp.exp(ans) * g, axis=-1, keepdims=True),
)


class Categorical:
    """Categorical distribution over {0, …, n−1} parameterized by logits (N, n).

    The logits are unnormalized: adding a constant to a row leaves the
    distribution unchanged.
    """

    def __init__(self, n: int) -> None:
        """n: number of actions (≥ 1)."""
        if int(n) != n or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        self.n = int(n)

    def __repr__(self) -> str:
        return f"Categorical(n={self.n})"

    def sample(self, params: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Draw one action per state with the Gumbel-max trick: argmax(logits + G).

        params: logits (N, n); G has i.i.d. standard Gumbel entries.  Exact,
        needs no normalization, and is three numpy calls.  Returns int64 (N,).
        """
        return (params + rng.gumbel(size=params.shape)).argmax(axis=1)

    def mode(self, params: np.ndarray) -> np.ndarray:
        """Most probable action per state. params: logits (N, n). Returns (N,)."""
        return params.argmax(axis=1)

    def log_prob(self, params, actions: np.ndarray):
        """log π(a_i) per state. params: logits (N, n); actions (N,) ints. Returns (N,)."""
        logp = log_softmax(params)
        return logp[np.arange(logp.shape[0]), actions]

    def log_prob_vjp(self, params: np.ndarray, actions: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Σ_i g_i ∇_logits log π(a_i) = g_i (onehot(a_i) − softmax_i), in plain numpy (N, n)."""
        out = np.exp(log_softmax(params))
        out *= -g[:, None]
        out[np.arange(out.shape[0]), actions] += g
        return out

    def entropy(self, params):
        """−Σ_a π(a) log π(a) per state. params: logits (N, n). Returns (N,)."""
        logp = log_softmax(params)
        return -anp.sum(anp.exp(logp) * logp, axis=1)

    def kl_vjp(self, params_old: np.ndarray, params_new: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Σ_i g_i ∇_new KL(old_i ‖ new_i) = g_i (softmax(new_i) − softmax(old_i)), plain numpy (N, n)."""
        return g[:, None] * (np.exp(log_softmax(params_new)) - np.exp(log_softmax(params_old)))

    def kl(self, params_old, params_new):
        """KL(old ‖ new) = Σ_a p_old(a) (log p_old(a) − log p_new(a)) per state.

        params_old, params_new: logits (N, n).  Returns (N,).
        """
        logp_old = log_softmax(params_old)
        logp_new = log_softmax(params_new)
        return anp.sum(anp.exp(logp_old) * (logp_old - logp_new), axis=1)

    def fisher_vector_product(self, params: np.ndarray, v_params: np.ndarray) -> np.ndarray:
        """M·u per state with M = diag(p) − p pᵀ, the Fisher in the logits.

        params: logits (N, n) at which M is evaluated; v_params: u (N, n).
        Returns (N, n): p ⊙ u − p (pᵀu) for every state.
        """
        p = np.exp(log_softmax(params))
        pu = p * v_params
        return pu - p * pu.sum(axis=1, keepdims=True)


class DiagGaussian:
    """Gaussian with diagonal covariance, parameterized by (mean, log_std).

    mean has shape (N, d); log_std has shape (d,) (shared by all states, the
    usual policy parameterization) or (N, d).
    """

    def __init__(self, d: int) -> None:
        """d: dimension of the action vector (≥ 1)."""
        if int(d) != d or d < 1:
            raise ValueError(f"d must be a positive integer, got {d!r}")
        self.d = int(d)

    def __repr__(self) -> str:
        return f"DiagGaussian(d={self.d})"

    @staticmethod
    def make_params(mean, log_std):
        """Pack (mean (N, d), log_std (d,) or (N, d)) into the parameter pair.

        Uses autograd's tuple so the pair can be the output of a function
        differentiated by autograd (make_vjp needs one boxed value).
        """
        return ag_tuple((mean, log_std))

    def sample(self, params, rng: np.random.Generator) -> np.ndarray:
        """mean + σ ⊙ ε with ε ~ N(0, I). Returns float64 actions (N, d)."""
        mean, log_std = params[0], params[1]
        return mean + np.exp(log_std) * rng.standard_normal(np.shape(mean))

    def mode(self, params) -> np.ndarray:
        """The mean (N, d)."""
        return np.asarray(params[0])

    def log_prob(self, params, actions: np.ndarray):
        """Σ_j log N(a_j; μ_j, σ_j²) per state. actions (N, d). Returns (N,)."""
        mean, log_std = params[0], params[1]
        z = (actions - mean) * anp.exp(-log_std)
        return -0.5 * anp.sum(z * z, axis=1) - (anp.sum(log_std, axis=-1) + 0.5 * self.d * _LOG_2PI)

    def log_prob_vjp(self, params, actions: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Σ_i g_i ∇ log N(a_i; μ_i, σ²) in plain numpy: (g_i z_i/σ per mean, Σ_i g_i (z_i² − 1) per log σ).

        z = (a − μ)/σ; a per-state log-std (N, d) gets its rows unsummed.
        """
        return self.log_prob_and_vjp(params, actions)[1](g)

    def log_prob_and_vjp(self, params, actions: np.ndarray):
        """(log_prob(params, actions), g ↦ log_prob_vjp(params, actions, g)) in plain numpy,
        sharing z and 1/σ: the minibatch gradient's path, which needs both.
        The log-probabilities are ``log_prob``'s to the bit (the same operations)."""
        mean, log_std = params[0], np.asarray(params[1])
        inv_std = np.exp(-log_std)
        z = (actions - mean) * inv_std
        zz = z * z
        logp = -0.5 * zz.sum(axis=1) - (log_std.sum(axis=-1) + 0.5 * self.d * _LOG_2PI)

        def vjp(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            d_mean = g[:, None] * z * inv_std
            d_log_std = g[:, None] * (zz - 1.0)
            return d_mean, (d_log_std.sum(axis=0) if log_std.ndim == 1 else d_log_std)

        return logp, vjp

    def entropy(self, params):
        """Σ_j (log σ_j + ½ log(2πe)) per state. Returns (N,)."""
        mean, log_std = params[0], params[1]
        per_state = anp.sum(log_std, axis=-1) + 0.5 * self.d * (_LOG_2PI + 1.0)
        return per_state + np.zeros(np.shape(mean)[0])

    def kl_vjp(self, params_old, params_new, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Σ_i g_i ∇_new KL(old_i ‖ new_i) in plain numpy: per mean g_i (μ_new − μ_old)/σ_new², per log σ_new
        g_i (1 − (σ_old² + (μ_old − μ_new)²)/σ_new²), summed over states for a shared log-std."""
        mean_old, log_std_old = params_old[0], np.asarray(params_old[1])
        mean_new, log_std_new = params_new[0], np.asarray(params_new[1])
        inv_var_new = np.exp(-2.0 * log_std_new)
        diff = mean_new - mean_old
        d_mean = g[:, None] * diff * inv_var_new
        d_log_std = g[:, None] * (1.0 - (np.exp(2.0 * log_std_old) + diff * diff) * inv_var_new)
        return d_mean, (d_log_std.sum(axis=0) if log_std_new.ndim == 1 else d_log_std)

    def kl(self, params_old, params_new):
        """KL(old ‖ new) per state, in closed form. Returns (N,).

        Σ_j [ log σ_new − log σ_old + (σ_old² + (μ_old − μ_new)²) / (2 σ_new²) − ½ ].
        """
        mean_o, log_std_o = params_old[0], params_old[1]
        mean_n, log_std_n = params_new[0], params_new[1]
        var_ratio = anp.exp(2.0 * (log_std_o - log_std_n))
        z = (mean_o - mean_n) * anp.exp(-log_std_n)
        per_dim = (log_std_n - log_std_o) + 0.5 * (var_ratio + z * z - 1.0)
        # z carries the state axis, so per_dim is (N, d) even for a shared log_std.
        return anp.sum(per_dim, axis=1)

    def fisher_vector_product(self, params, v_params) -> tuple[np.ndarray, np.ndarray]:
        """M·u for u = (u_mean, u_log_std), M the Hessian of Σ_i KL_i at params.

        Per state the Fisher in (μ, log σ) is diagonal: 1/σ² on each mean
        component, 2 on each log-std component, and zero cross terms.  A
        shared log_std (d,) enters all N states' KLs, so its block is 2·N per
        component; a per-state log_std (N, d) gets 2 per entry.

        Returns (M_mean·u_mean of shape (N, d), M_log_std·u_log_std shaped like log_std).
        """
        mean, log_std = params
        u_mean, u_log_std = v_params
        n_states = np.shape(mean)[0]
        out_mean = u_mean * np.exp(-2.0 * np.asarray(log_std))
        n_shared = n_states if np.ndim(log_std) == 1 else 1
        out_log_std = 2.0 * n_shared * np.asarray(u_log_std)
        return out_mean, out_log_std


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^{−x}) written as ½(1 + tanh(x/2)): no overflow for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class MultiCategorical:
    """k independent categoricals over {0, …, nⱼ−1}, logits concatenated (N, Σ nⱼ).

    π(a) = Πⱼ softmax(zⱼ)[aⱼ] with zⱼ the j-th block of nⱼ logits, so
    log-probabilities, entropies and KLs are sums over the blocks, and the
    Fisher in the logits is block diagonal with blocks diag(pⱼ) − pⱼpⱼᵀ.
    """

    def __init__(self, nvec) -> None:
        """nvec: the number of values of each component (a non-empty sequence of ints ≥ 1)."""
        nvec_arr = np.asarray(nvec)
        if nvec_arr.ndim != 1 or nvec_arr.size == 0 or not np.all(nvec_arr == np.round(nvec_arr)) \
                or not np.all(nvec_arr >= 1):
            raise ValueError(f"nvec must be a non-empty 1-D sequence of positive integers, got {nvec!r}")
        self.nvec = tuple(int(n) for n in nvec_arr)
        self.k = len(self.nvec)
        self.n_logits = int(sum(self.nvec))
        bounds = np.cumsum((0,) + self.nvec)
        self._blocks = [slice(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:])]

    def __repr__(self) -> str:
        return f"MultiCategorical(nvec={list(self.nvec)})"

    def sample(self, params: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One action per state, each component by the Gumbel-max trick. Returns int64 (N, k)."""
        noisy = params + rng.gumbel(size=params.shape)
        return np.stack([noisy[:, b].argmax(axis=1) for b in self._blocks], axis=1)

    def mode(self, params: np.ndarray) -> np.ndarray:
        """The most probable value of every component, (N, k)."""
        return np.stack([params[:, b].argmax(axis=1) for b in self._blocks], axis=1)

    def log_prob(self, params, actions: np.ndarray):
        """Σⱼ log softmax(zⱼ)[aⱼ] per state. params (N, Σ nⱼ); actions (N, k). Returns (N,)."""
        rows = np.arange(np.shape(params)[0])
        total = 0.0
        for j, b in enumerate(self._blocks):
            total = total + log_softmax(params[:, b])[rows, actions[:, j]]
        return total

    def log_prob_vjp(self, params: np.ndarray, actions: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Σ_i g_i ∇ log π(a_i): per block g_i (onehot(a_ij) − softmax(z_ij)), plain numpy (N, Σ nⱼ)."""
        out = np.empty_like(params, dtype=np.float64)
        rows = np.arange(params.shape[0])
        for j, b in enumerate(self._blocks):
            block = np.exp(log_softmax(params[:, b]))
            block *= -g[:, None]
            block[rows, actions[:, j]] += g
            out[:, b] = block
        return out

    def entropy(self, params):
        """Σⱼ H(softmax(zⱼ)) per state. Returns (N,)."""
        total = 0.0
        for b in self._blocks:
            logp = log_softmax(params[:, b])
            total = total - anp.sum(anp.exp(logp) * logp, axis=1)
        return total

    def kl_vjp(self, params_old: np.ndarray, params_new: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Σ_i g_i ∇_new KL: per block g_i (softmax(zⱼ_new) − softmax(zⱼ_old)), plain numpy (N, Σ nⱼ)."""
        out = np.empty_like(params_new, dtype=np.float64)
        for b in self._blocks:
            out[:, b] = np.exp(log_softmax(params_new[:, b])) - np.exp(log_softmax(params_old[:, b]))
        return g[:, None] * out

    def kl(self, params_old, params_new):
        """Σⱼ KL(softmax(zⱼ_old) ‖ softmax(zⱼ_new)) per state. Returns (N,)."""
        total = 0.0
        for b in self._blocks:
            logp_old = log_softmax(params_old[:, b])
            logp_new = log_softmax(params_new[:, b])
            total = total + anp.sum(anp.exp(logp_old) * (logp_old - logp_new), axis=1)
        return total

    def fisher_vector_product(self, params: np.ndarray, v_params: np.ndarray) -> np.ndarray:
        """M·u with M block diagonal, blocks diag(pⱼ) − pⱼpⱼᵀ: pⱼ ⊙ uⱼ − pⱼ (pⱼᵀuⱼ) per state.

        params: logits (N, Σ nⱼ) at which M is evaluated; v_params: u of the same shape.
        """
        out = np.empty_like(v_params, dtype=np.float64)
        for b in self._blocks:
            p = np.exp(log_softmax(params[:, b]))
            pu = p * v_params[:, b]
            out[:, b] = pu - p * pu.sum(axis=1, keepdims=True)
        return out


class Bernoulli:
    """d independent Bernoulli variables with logits x (N, d): P(aⱼ = 1) = σ(xⱼ).

    With softplus(x) = log(1 + eˣ): log π(a) = Σⱼ aⱼxⱼ − softplus(xⱼ), computed
    with logaddexp so that large |x| stays finite.
    """

    def __init__(self, d: int) -> None:
        """d: number of binary components (≥ 1)."""
        if int(d) != d or d < 1:
            raise ValueError(f"d must be a positive integer, got {d!r}")
        self.d = int(d)

    def __repr__(self) -> str:
        return f"Bernoulli(d={self.d})"

    def sample(self, params: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """aⱼ = [uⱼ < σ(xⱼ)] with uⱼ ~ U(0, 1). Returns int64 (N, d)."""
        return (rng.random(params.shape) < _sigmoid(params)).astype(np.int64)

    def mode(self, params: np.ndarray) -> np.ndarray:
        """[xⱼ > 0] (ties at ½ go to 0), int64 (N, d)."""
        return (params > 0).astype(np.int64)

    def log_prob(self, params, actions: np.ndarray):
        """Σⱼ aⱼxⱼ − softplus(xⱼ) per state. params (N, d); actions (N, d). Returns (N,)."""
        return anp.sum(actions * params - anp.logaddexp(0.0, params), axis=1)

    def log_prob_vjp(self, params: np.ndarray, actions: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Σ_i g_i ∇ log π(a_i) = g_i (a_i − σ(x_i)), plain numpy (N, d)."""
        return g[:, None] * (actions - _sigmoid(params))

    def entropy(self, params):
        """Σⱼ softplus(xⱼ) − σ(xⱼ) xⱼ per state (= −p log p − (1−p) log(1−p)). Returns (N,)."""
        p = 0.5 * (1.0 + anp.tanh(0.5 * params))
        return anp.sum(anp.logaddexp(0.0, params) - p * params, axis=1)

    def kl_vjp(self, params_old: np.ndarray, params_new: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Σ_i g_i ∇_new KL(old_i ‖ new_i) = g_i (σ(x_new) − σ(x_old)), plain numpy (N, d)."""
        return g[:, None] * (_sigmoid(params_new) - _sigmoid(params_old))

    def kl(self, params_old, params_new):
        """KL(old ‖ new) = Σⱼ σ(x_old)(x_old − x_new) + softplus(x_new) − softplus(x_old). Returns (N,)."""
        p_old = 0.5 * (1.0 + anp.tanh(0.5 * params_old))
        per_entry = p_old * (params_old - params_new) + anp.logaddexp(0.0, params_new) \
            - anp.logaddexp(0.0, params_old)
        return anp.sum(per_entry, axis=1)

    def fisher_vector_product(self, params: np.ndarray, v_params: np.ndarray) -> np.ndarray:
        """M·u with M = diag(p(1 − p)), p = σ(x): the Fisher of each entry's logit. Returns (N, d)."""
        p = _sigmoid(params)
        return p * (1.0 - p) * v_params
