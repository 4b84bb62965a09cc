"""Stochastic MLP policies and value functions over one flat parameter vector.

A ``Policy`` maps observations to the parameters of an action distribution
(``rl.distributions``) through an ``MLP``; a ``ValueFunction`` maps them to a
scalar.  Both are stateless: the parameters θ are passed to every call, so an
optimizer sees a plain function of a flat float64 vector.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium import spaces

from rl.distributions import Categorical, DiagGaussian
from rl.networks import MLP


def _obs_dim(obs_space: spaces.Space) -> int:
    if not isinstance(obs_space, spaces.Box):
        raise ValueError(f"obs_space must be a gymnasium Box, got unsupported observation space {obs_space!r}")
    return int(np.prod(obs_space.shape))


class Policy:
    """π_θ(a | s): an MLP from observations to distribution parameters.

    - ``Discrete(n)`` actions: a ``Categorical(n)``; the MLP outputs the logits
      and θ is the MLP's parameters.
    - ``Box`` actions of shape (d,): a ``DiagGaussian(d)``; the MLP outputs the
      mean and θ = [MLP parameters, log_std (d,)], the log-std being a free,
      state-independent parameter (Schulman et al. 2015, TRPO, appendix D).

    obs_space: a ``Box``; observations are flattened to (N, obs_dim).
    act_space: ``Discrete`` or 1-D ``Box``; anything else raises ValueError.
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
        self.act_space = act_space
        self.obs_dim = _obs_dim(obs_space)
        if isinstance(act_space, spaces.Discrete):
            self.dist: Categorical | DiagGaussian = Categorical(int(act_space.n))
            out_dim = int(act_space.n)
        elif isinstance(act_space, spaces.Box) and len(act_space.shape) == 1:
            self.dist = DiagGaussian(act_space.shape[0])
            out_dim = act_space.shape[0]
        else:
            raise ValueError(
                f"act_space {act_space!r} is not supported: use Discrete or a one-dimensional Box"
            )
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
        Discrete or (N, d) float64 for Box (unclipped; see ``env_action``), and
        log π_θ(actions | obs) (N,).  Plain numpy, one forward pass.
        """
        params = self.dist_params_np(theta, obs)
        actions = self.dist.mode(params) if deterministic else self.dist.sample(params, rng)
        return actions, self.dist.log_prob(params, actions)

    def env_action(self, actions: np.ndarray) -> np.ndarray:
        """Turn sampled actions into what the environment accepts.

        Discrete: add the space's ``start``.  Box: clip to the bounds (the
        unclipped sample is what the log-probabilities refer to and what a
        batch stores).
        """
        if self.gaussian:
            return np.clip(actions, self.act_space.low, self.act_space.high)
        start = int(self.act_space.start)
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

        def vjp(u) -> np.ndarray:
            return np.concatenate([vjp_mean(u[0]), np.reshape(u[1], -1)])

        return params, jvp, vjp


class ValueFunction:
    """V_φ(s): an MLP from observations (N, obs_dim) to values (N,).

    obs_space: a ``Box``.  hidden, activation: as for ``Policy``.  The last
    layer is initialized with gain 1 (not the policy's small gain).
    """

    def __init__(
        self,
        obs_space: spaces.Space,
        hidden: Sequence[int] = (64, 64),
        activation: str = "tanh",
        out_scale: float = 1.0,
    ) -> None:
        self.obs_space = obs_space
        self.obs_dim = _obs_dim(obs_space)
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
        """V(obs) in plain numpy for obs of shape (*lead, *obs_space.shape), e.g. a
        batch's (T, n_envs, obs_dim); returns shape lead."""
        lead = np.shape(obs)[: np.ndim(obs) - len(self.obs_space.shape)]
        return self.mlp.forward_np(theta, np.reshape(obs, (-1, self.obs_dim)))[:, 0].reshape(lead)
