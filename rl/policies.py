"""Stochastic MLP policies and value functions over one flat parameter vector.

A ``Policy`` maps observations to the parameters of an action distribution
(``rl.distributions``) through an ``MLP``; a ``ValueFunction`` maps them to a
scalar.  Both are stateless: the parameters θ are passed to every call, so an
optimizer sees a plain function of a flat float64 vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from rl.distributions import Bernoulli, Categorical, DiagGaussian, MultiCategorical
from rl.networks import MLP
from rl.spaces import SUPPORTED_ACTIONS, policy_input_space

Distribution = Categorical | DiagGaussian | MultiCategorical | Bernoulli


def _distribution(act_space: spaces.Space) -> tuple[Distribution, int]:
    """The distribution for ``act_space`` and the number of network outputs it needs."""
    if isinstance(act_space, spaces.Discrete):
        return Categorical(int(act_space.n)), int(act_space.n)
    if isinstance(act_space, spaces.MultiDiscrete):
        dist = MultiCategorical(act_space.nvec.ravel())
        return dist, dist.n_logits
    if isinstance(act_space, spaces.MultiBinary):
        d = int(np.prod(act_space.shape))
        return Bernoulli(d), d
    if isinstance(act_space, spaces.Box) and len(act_space.shape) == 1:
        return DiagGaussian(act_space.shape[0]), act_space.shape[0]
    raise ValueError(f"act_space {act_space!r} is not supported; supported actions: {SUPPORTED_ACTIONS}")


class Policy:
    """π_θ(a | s): an MLP from observations to distribution parameters.

    - ``Discrete(n)`` actions: a ``Categorical(n)``; the MLP outputs the logits
      and θ is the MLP's parameters.
    - ``MultiDiscrete(nvec)`` actions: a ``MultiCategorical(nvec)`` (a
      multi-dimensional nvec is read in C order); the MLP outputs the Σ nᵢ logits.
    - ``MultiBinary(n)`` actions: a ``Bernoulli(prod(n))``; the MLP outputs one
      logit per bit.
    - ``Box`` actions of shape (d,): a ``DiagGaussian(d)``; the MLP outputs the
      mean and θ = [MLP parameters, log_std (d,)], the log-std being a free,
      state-independent parameter (Schulman et al. 2015, TRPO, appendix D).

    obs_space: the environment's observation space, any of
        ``rl.spaces.SUPPORTED_OBSERVATIONS``; the policy reads observations in
        ``input_space = rl.spaces.policy_input_space(obs_space)``, flattened to
        (N, obs_dim).
    act_space: any of ``rl.spaces.SUPPORTED_ACTIONS``; anything else raises ValueError.
    hidden: hidden layer widths, default (64, 64).
    activation: "tanh" (default) or "relu".
    out_scale: initialization gain of the last layer (default 0.01: near-uniform
        / near-zero-mean initial policy).
    log_std_init: initial log-std of a Gaussian policy (default 0.0, σ = 1).
    """

    def __init__(
        self,
        obs_space: spaces.Space,
        act_space: spaces.Space,
        hidden: Sequence[int] = (64, 64),
        activation: str = "tanh",
        out_scale: float = 0.01,
        log_std_init: float = 0.0,
    ) -> None:
        self.obs_space = obs_space
        self.input_space = policy_input_space(obs_space)
        self.act_space = act_space
        self.obs_dim = int(np.prod(self.input_space.shape))
        self.dist, out_dim = _distribution(act_space)
        self.mlp = MLP((self.obs_dim, *hidden, out_dim), activation=activation, out_scale=out_scale)
        self.log_std_init = float(log_std_init)
        self.gaussian = isinstance(self.dist, DiagGaussian)
        self.n_params = self.mlp.n_params + (out_dim if self.gaussian else 0)

    def __repr__(self) -> str:
        return f"Policy({self.dist!r}, {self.mlp!r})"

    def init(self, rng: np.random.Generator) -> np.ndarray:
        """Initial θ (n_params,)."""
        theta = self.mlp.init(rng)
        if self.gaussian:
            theta = np.concatenate([theta, np.full(self.dist.d, self.log_std_init)])
        return theta

    def _check_theta(self, theta) -> None:
        if np.shape(theta) != (self.n_params,):
            raise ValueError(f"theta must have shape ({self.n_params},), got {np.shape(theta)}")

    def dist_params(self, theta, obs: np.ndarray):
        """Distribution parameters for obs (N, obs_dim); differentiable in θ.

        Categorical: logits (N, n).  DiagGaussian: (mean (N, d), log_std (d,)).
        """
        self._check_theta(theta)
        obs = np.reshape(obs, (-1, self.obs_dim))
        n_mlp = self.mlp.n_params
        if self.gaussian:
            return self.dist.make_params(self.mlp.forward(theta[:n_mlp], obs), theta[n_mlp:])
        return self.mlp.forward(theta, obs)

    def dist_params_np(self, theta: np.ndarray, obs: np.ndarray):
        """``dist_params`` in plain numpy (no autograd tracing)."""
        self._check_theta(theta)
        obs = obs.reshape(-1, self.obs_dim)
        n_mlp = self.mlp.n_params
        if self.gaussian:
            return self.mlp.forward_np(theta[:n_mlp], obs), theta[n_mlp:]
        return self.mlp.forward_np(theta, obs)

    def log_prob(self, theta, obs: np.ndarray, actions: np.ndarray):
        """log π_θ(a_i | s_i) for obs (N, obs_dim) and actions (N,) or (N, d). Returns (N,)."""
        return self.dist.log_prob(self.dist_params(theta, obs), actions)

    def act(
        self,
        theta: np.ndarray,
        obs: np.ndarray,
        rng: np.random.Generator,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sample (or, if deterministic, take the mode of) one action per state.

        obs (N, obs_dim).  Returns (actions, log_probs): actions (N,) int64 for
        Discrete, (N, k) int64 for MultiDiscrete (k components, without
        ``start``), (N, n) int64 for MultiBinary (n bits), or (N, d) float64
        for Box (unclipped); ``env_action`` maps them to the env's form; and
        log π_θ(actions | obs) (N,).  Plain numpy, one forward pass.
        """
        params = self.dist_params_np(theta, obs)
        actions = self.dist.mode(params) if deterministic else self.dist.sample(params, rng)
        return actions, self.dist.log_prob(params, actions)

    def env_action(self, actions: np.ndarray) -> np.ndarray:
        """Turn sampled actions into what the environment accepts.

        Discrete: add the space's ``start``.  MultiDiscrete: add ``start``
        per component and restore the shape of nvec.  MultiBinary: int8 bits
        in the space's shape.  Box: clip to the bounds (the unclipped sample is
        what the log-probabilities refer to and what a batch stores).
        """
        space = self.act_space
        if self.gaussian:
            return np.clip(actions, space.low, space.high)
        if isinstance(space, spaces.MultiBinary):
            return actions.astype(np.int8).reshape(-1, *space.shape)
        if isinstance(space, spaces.MultiDiscrete):
            return (actions + space.start.ravel()).astype(space.dtype).reshape(-1, *space.shape)
        start = int(space.start)
        return actions + start if start else actions

    def linearize(self, theta: np.ndarray, obs: np.ndarray):
        """(params, jvp, vjp) of θ ↦ dist_params(θ, obs) at θ, by hand in numpy.

        jvp(v (n_params,)) returns a tangent shaped like params; vjp(u) maps a
        params-shaped cotangent back to (n_params,). Built on
        ``MLP.linearize``: one forward pass now, then two matrix products per
        layer for every product (the Gaussian's log-std is the identity map).
        """
        self._check_theta(theta)
        obs = np.reshape(obs, (-1, self.obs_dim))
        n_mlp = self.mlp.n_params
        if not self.gaussian:
            return self.mlp.linearize(theta, obs)
        mean, jvp_mean, vjp_mean = self.mlp.linearize(theta[:n_mlp], obs)
        params = self.dist.make_params(mean, np.array(theta[n_mlp:], dtype=np.float64))

        def jvp(v: np.ndarray):
            return (jvp_mean(v[:n_mlp]), v[n_mlp:])

        return params, jvp, self._gaussian_vjp(vjp_mean)

    def forward_backward(self, theta: np.ndarray, obs: np.ndarray):
        """(params, vjp) as :meth:`linearize` gives them, by ``MLP.forward_backward``: for one
        gradient (a minibatch step), θ must not change before ``vjp`` is called.

        The parameters are plain arrays (a Gaussian's log-std a view of θ), not
        for autograd tracing.
        """
        self._check_theta(theta)
        obs = obs.reshape(-1, self.obs_dim)
        if not self.gaussian:
            return self.mlp.forward_backward(theta, obs)
        n_mlp = self.mlp.n_params
        mean, vjp_mean = self.mlp.forward_backward(theta[:n_mlp], obs)
        return (mean, theta[n_mlp:]), self._gaussian_vjp(vjp_mean)

    def _gaussian_vjp(self, vjp_mean: Callable[..., np.ndarray]) -> Callable[[Any], np.ndarray]:
        """u = (u_mean, u_log_std) ↦ Jᵀu: the mean network's vjp, and the identity for the log-std."""
        n_mlp = self.mlp.n_params

        def vjp(u) -> np.ndarray:
            grad = np.empty(self.n_params)
            vjp_mean(u[0], out_grad=grad[:n_mlp])
            grad[n_mlp:] = np.reshape(u[1], -1)
            return grad

        return vjp


class ValueFunction:
    """V_φ(s): an MLP from observations (N, obs_dim) to values (N,).

    obs_space: as for ``Policy`` (read in ``input_space``).  hidden,
    activation: as for ``Policy``.  The last layer is initialized with gain 1
    (not the policy's small gain).
    """

    def __init__(
        self,
        obs_space: spaces.Space,
        hidden: Sequence[int] = (64, 64),
        activation: str = "tanh",
        out_scale: float = 1.0,
    ) -> None:
        self.obs_space = obs_space
        self.input_space = policy_input_space(obs_space)
        self.obs_dim = int(np.prod(self.input_space.shape))
        self.mlp = MLP((self.obs_dim, *hidden, 1), activation=activation, out_scale=out_scale)
        self.n_params = self.mlp.n_params

    def __repr__(self) -> str:
        return f"ValueFunction({self.mlp!r})"

    def init(self, rng: np.random.Generator) -> np.ndarray:
        """Initial φ (n_params,)."""
        return self.mlp.init(rng)

    def predict(self, theta, obs: np.ndarray):
        """V(obs) (N,) for obs (N, obs_dim); differentiable in θ."""
        return self.mlp.forward(theta, np.reshape(obs, (-1, self.obs_dim)))[:, 0]

    def predict_np(self, theta: np.ndarray, obs: np.ndarray) -> np.ndarray:
        """V(obs) in plain numpy for obs of shape (*lead, *input_space.shape), e.g. a
        batch's (T, n_envs, obs_dim); returns shape lead."""
        lead = np.shape(obs)[: np.ndim(obs) - len(self.input_space.shape)]
        return self.mlp.forward_np(theta, np.reshape(obs, (-1, self.obs_dim)))[:, 0].reshape(lead)
