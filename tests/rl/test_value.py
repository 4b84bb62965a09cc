import numpy as np
import pytest

from rl.agent import Agent
from rl.config import make_config
from rl.value import fit_value_function


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_value_fit_reduces_the_regression_loss(optimizer):
    agent = Agent.create(make_config("trpo", vf_optimizer=optimizer, seed=0))
    rng = np.random.default_rng(0)
    obs = rng.standard_normal((512, 4))
    targets = obs @ np.array([1.0, -2.0, 0.5, 3.0]) + 5.0

    def loss(phi):
        err = agent.value_function.predict_np(phi, obs) - targets
        return np.mean(err**2) + agent.config.vf_l2 * phi @ phi

    before = loss(agent.phi)
    phi, reported = fit_value_function(agent.value_function, agent.phi, obs, targets, agent.config, rng)
    assert reported == pytest.approx(loss(phi), rel=1e-10)
    assert reported < 0.2 * before
