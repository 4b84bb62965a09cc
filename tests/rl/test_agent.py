import json

import numpy as np
import pytest

from rl.agent import Agent, CheckpointError
from rl.config import Config, make_config
from rl.loop import LOG_FIELDS, train
from rl.runlog import RunFolder


def trained_agent(tmp_path, algo="trpo", **kwargs):
    cfg = make_config(algo, **{"total_steps": 2048, "n_envs": 4, "n_steps": 64, "seed": 3, **kwargs})
    agent = Agent.create(cfg)
    train(agent, run=RunFolder.new(tmp_path / "run", LOG_FIELDS))
    return agent, tmp_path / "run"


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_save_load_gives_identical_actions_normalization_and_counters(tmp_path, env_id):
    agent, folder = trained_agent(tmp_path, env_id=env_id)
    loaded = Agent.load(folder)
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


@pytest.mark.parametrize("algo", ["ppo", "ppo-penalty", "vpg"])
def test_algorithm_state_is_saved_and_resume_continues_it(tmp_path, algo):
    first, folder = trained_agent(tmp_path, algo, total_steps=512)
    resumed = Agent.load(folder)
    for key, value in first.algo_state.items():
        np.testing.assert_array_equal(resumed.algo_state[key], value)
    resumed.config.total_steps = 1024
    rows = train(resumed, run=RunFolder.resume(folder, LOG_FIELDS, resumed.iteration))
    if algo == "ppo-penalty":
        # the first update after the resume uses the β the checkpoint carried
        assert rows[0]["beta"] == float(first.algo_state["beta"])
    else:
        # Adam's update counter (and so its bias correction) continues from the checkpoint
        per_update = int(first.algo_state["adam_t"]) // first.iteration
        assert int(resumed.algo_state["adam_t"]) == int(first.algo_state["adam_t"]) + per_update * len(rows)


def test_checkpoint_files_and_log(tmp_path):
    agent, folder = trained_agent(tmp_path)
    assert {"config.json", "checkpoint.npz", "log.csv"} <= {p.name for p in folder.iterdir()}
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert json.loads((folder / "config.json").read_text())["seed"] == 3
    lines = (folder / "log.csv").read_text().strip().splitlines()
    assert len(lines) == 1 + agent.iteration


def test_failed_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    agent, folder = trained_agent(tmp_path)
    before = (folder / "checkpoint.npz").read_bytes()
    import rl.agent as agent_module

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(agent_module.np, "savez", broken_savez)
    agent.theta = agent.theta + 1.0
    with pytest.raises(OSError):
        agent.save(folder)
    assert (folder / "checkpoint.npz").read_bytes() == before


@pytest.mark.parametrize("damage, fragment", [
    (lambda p: p.write_bytes(b""), "not a readable checkpoint"),
    (lambda p: p.write_bytes(p.read_bytes()[:200]), "not a readable checkpoint"),
    (lambda p: p.write_bytes(np.random.default_rng(0).bytes(4000)), "not a readable checkpoint"),
    (lambda p: p.write_bytes(_resave(p, drop="phi")), "missing array 'phi'"),
    (lambda p: p.write_bytes(_resave(p, theta=np.zeros(3))), "θ has shape"),
    (lambda p: p.write_bytes(_resave(p, obs_mean=np.zeros(7))), "normalizer"),
])
def test_a_corrupt_checkpoint_names_the_file_and_why(tmp_path, damage, fragment):
    _, folder = trained_agent(tmp_path)
    damage(folder / "checkpoint.npz")
    with pytest.raises(CheckpointError, match=fragment) as info:
        Agent.load(folder)
    assert "checkpoint.npz" in str(info.value) and "allow_pickle" not in str(info.value)


def _resave(path, drop=None, **replace):
    import io

    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files if k != drop}
    arrays.update(replace)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_a_bad_config_json_names_the_file(tmp_path):
    _, folder = trained_agent(tmp_path)
    data = json.loads((folder / "config.json").read_text())
    del data["gamma"]
    (folder / "config.json").write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match="config.json: missing config keys \\['gamma'\\]"):
        Agent.load(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="config.json is not valid JSON"):
        Agent.load(folder)


def test_load_errors_are_clear(tmp_path):
    with pytest.raises(CheckpointError, match="not a run folder"):
        Agent.load(tmp_path)


def test_a_config_naming_a_module_does_not_import_it(tmp_path, monkeypatch):
    (tmp_path / "evil.py").write_text("open('imported', 'w').write('x')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="--allow-import"):
        Agent.create(Config(env_id="evil:CartPole-v1"))
    assert not (tmp_path / "imported").exists()


def test_evaluate_validates_and_refuses_nonfinite_parameters():
    agent = Agent.create(Config(total_steps=1))
    with pytest.raises(ValueError, match="n_episodes"):
        agent.evaluate(0)
    agent.theta = agent.theta * np.nan
    with pytest.raises(ValueError, match="not finite"):
        agent.evaluate(1)


def test_reward_scaling_statistics_are_saved_and_resume_continues_them(tmp_path):
    agent, folder = trained_agent(tmp_path, env_id="Pendulum-v1", norm_reward=True)
    assert agent.reward_rms.count == agent.steps  # one running return per transition
    loaded = Agent.load(folder)
    np.testing.assert_array_equal(loaded.reward_rms.var, agent.reward_rms.var)
    assert loaded.reward_rms.count == agent.steps
    loaded.config.total_steps = agent.steps + 256
    train(loaded)
    assert loaded.reward_rms.count == agent.steps + 256
    off, _ = trained_agent(tmp_path / "off", env_id="Pendulum-v1")
    assert off.reward_rms.count == 0  # off by default: the statistics are never touched
