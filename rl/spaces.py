"""Which gymnasium spaces the agents handle, and how observations reach the policy.

Actions (``rl.policies.Policy`` picks the distribution):

- ``Discrete(n)``: a categorical over n values (``start`` added back for the env);
- ``MultiDiscrete(nvec)``: independent categoricals, one per component;
- ``MultiBinary(n)``: independent Bernoullis, one per bit;
- ``Box`` of shape (d,): a diagonal Gaussian, clipped to the bounds for the env.

Observations: the policy reads a flat float vector.  A ``Box`` (any shape) is
used as it is.  ``Discrete`` becomes a one-hot vector, ``MultiDiscrete`` one
one-hot block per component, ``MultiBinary`` its bits, and ``Dict``/``Tuple``
(of any of these, nested) the concatenation of their parts — exactly
gymnasium's ``spaces.flatten``, applied inside every sub-environment by
gymnasium's ``FlattenObservation`` wrapper (so the final observation of an
episode, reported through ``infos``, is flattened too).

Normalization.  The running observation normalizer is on by default for
``Box`` observations only.  A flattened space is off by default: its one-hot
entries are already on a unit scale, and an entry that never changes has
variance 0, which the normalizer would turn into ±clip for the first state
that differs.  ``normalize_obs=true`` still turns it on.
"""

from __future__ import annotations

from typing import Any

import gymnasium
from gymnasium import spaces
from gymnasium.vector import VectorEnv
from gymnasium.wrappers import FlattenObservation

__all__ = ["SUPPORTED_SPACES", "check_observation_space", "make_vec", "normalizes_by_default",
           "policy_input_space"]

SUPPORTED_ACTIONS = "Discrete, MultiDiscrete, MultiBinary, Box (1-D)"
SUPPORTED_OBSERVATIONS = "Box (any shape), Discrete (one-hot), MultiDiscrete, MultiBinary, Dict and Tuple of these (flattened)"
SUPPORTED_SPACES = f"actions: {SUPPORTED_ACTIONS}; observations: {SUPPORTED_OBSERVATIONS}"

_FLAT_LEAVES = (spaces.Box, spaces.Discrete, spaces.MultiDiscrete, spaces.MultiBinary)


def _flattenable(space: spaces.Space) -> bool:
    if isinstance(space, _FLAT_LEAVES):
        return True
    if isinstance(space, spaces.Dict):
        return all(_flattenable(s) for s in space.spaces.values())
    if isinstance(space, spaces.Tuple):
        return all(_flattenable(s) for s in space.spaces)
    return False


def check_observation_space(space: spaces.Space) -> None:
    """Raise a ValueError naming ``space`` and the supported ones unless the agents can read it."""
    if not _flattenable(space):
        raise ValueError(f"obs_space {space!r} is not supported; supported observations: {SUPPORTED_OBSERVATIONS}")


def policy_input_space(space: spaces.Space) -> spaces.Box:
    """The Box the policy reads for observations from ``space``: a Box itself, else ``spaces.flatten_space``."""
    check_observation_space(space)
    if isinstance(space, spaces.Box):
        return space
    return spaces.flatten_space(space)


def normalizes_by_default(space: spaces.Space) -> bool:
    """Whether ``normalize_obs=None`` means on: for Box observations only (see the module docstring)."""
    return isinstance(space, spaces.Box)


def flat_env(env: gymnasium.Env) -> gymnasium.Env:
    """``env`` itself for Box observations, else wrapped in ``FlattenObservation`` (ValueError if unsupported)."""
    space = env.observation_space
    if isinstance(space, spaces.Box):
        return env
    try:
        check_observation_space(space)
    except ValueError:
        env.close()
        raise
    return FlattenObservation(env)


def make_vec(env_id: str, num_envs: int, vectorization_mode: str = "sync",
             vector_kwargs: dict[str, Any] | None = None,
             env_kwargs: dict[str, Any] | None = None) -> tuple[VectorEnv, spaces.Space]:
    """``gymnasium.make_vec`` whose sub-environments report observations the policy reads.

    Returns (vector env, the environment's own single observation space).  A
    Box observation space is left alone; any other supported one is flattened
    in every sub-environment by ``FlattenObservation``.  The space is only
    known once an environment exists, so a non-Box environment is made twice
    (the first, unwrapped one closed at once); Box environments, the common
    case, are made once.  An unsupported space closes the env and raises
    ValueError.
    """
    kwargs = env_kwargs or {}
    env = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode=vectorization_mode,
                             vector_kwargs=vector_kwargs, **kwargs)
    space = env.single_observation_space
    if isinstance(space, spaces.Box):
        return env, space
    env.close()
    check_observation_space(space)
    env = gymnasium.make_vec(env_id, num_envs=num_envs, vectorization_mode=vectorization_mode,
                             vector_kwargs=vector_kwargs, wrappers=[FlattenObservation], **kwargs)
    return env, space
