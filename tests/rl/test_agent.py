import json

import numpy as np
import pytest

from rl.agent import Agent
from rl.algorithms import Config, train


def trained_agent(tmp_path, **kwargs):
    cfg = Config(total_steps=2048, n_envs=4, n_steps=64, seed=3, **kwargs)
    agent = Agent.create(cfg)
    train(agent, out_dir=tmp_path)
    return agent


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_save_load_gives_identical_actions_normalization_and_counters(tmp_path, env_id):
    agent = trained_agent(tmp_path, env_id=env_id)
    loaded = Agent.load(tmp_path)
    assert loaded.config == agent.config
    assert (loaded.steps, loaded.iteration) == (agent.steps, agent.iteration)
    np.testing.assert_array_equal(loaded.theta, agent.theta)
    np.testing.assert_array_equal(loaded.phi, agent.phi)
    np.testing.assert_array_equal(loaded.obs_rms.mean, agent.obs_rms.mean)
    np.testing.assert_array_equal(loaded.obs_rms.var, agent.obs_rms.var)
    assert agent.obs_rms.count == loaded.obs_rms.count == agent.steps
    obs = np.random.default_rng(0).standard_normal((32, *agent.policy.obs_space.shape))
    np.testing.assert_array_equal(loaded.normalize(obs), agent.normalize(obs))
    np.testing.assert_array_equal(loaded.act(obs), agent.act(obs))
    # the generator state is restored too, so stochastic actions continue identically
    np.testing.assert_array_equal(loaded.act(obs, deterministic=False), agent.act(obs, deterministic=False))
    np.testing.assert_array_equal(loaded.evaluate(2), agent.evaluate(2))


def test_checkpoint_files_and_log(tmp_path):
    agent = trained_agent(tmp_path)
    assert {"config.json", "checkpoint.npz", "log.csv"} <= {p.name for p in tmp_path.iterdir()}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert json.loads((tmp_path / "config.json").read_text())["seed"] == 3
    lines = (tmp_path / "log.csv").read_text().strip().splitlines()
    assert len(lines) == 1 + agent.iteration


def test_failed_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    agent = trained_agent(tmp_path)
    before = (tmp_path / "checkpoint.npz").read_bytes()
    import rl.agent as agent_module

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(agent_module.np, "savez", broken_savez)
    agent.theta = agent.theta + 1.0
    with pytest.raises(OSError):
        agent.save(tmp_path)
    assert (tmp_path / "checkpoint.npz").read_bytes() == before


def test_resume_continues_counters_and_log(tmp_path):
    agent = trained_agent(tmp_path)
    resumed = Agent.load(tmp_path)
    resumed.config.total_steps = 4096
    rows = train(resumed, out_dir=tmp_path)
    assert rows[0]["iteration"] == agent.iteration + 1
    assert resumed.steps == 4096
    lines = (tmp_path / "log.csv").read_text().strip().splitlines()
    assert len(lines) == 1 + resumed.iteration


def test_load_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        Agent.load(tmp_path)


def test_evaluate_validates():
    agent = Agent.create(Config(total_steps=1))
    with pytest.raises(ValueError, match="n_episodes"):
        agent.evaluate(0)
