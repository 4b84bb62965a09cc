import numpy as np
import pytest

from rl.agent import Agent
from rl.algorithms import Config, train


def test_same_seed_gives_identical_learning_curve():
    def curve(seed):
        agent = Agent.create(Config(total_steps=6144, seed=seed))
        rows = train(agent)
        return [(r["steps"], r["return_mean10"], r["kl"], r["vf_loss"]) for r in rows], agent.theta

    (a, theta_a), (b, theta_b), (c, _) = curve(7), curve(7), curve(8)
    assert a == b
    np.testing.assert_array_equal(theta_a, theta_b)
    assert a != c


@pytest.mark.parametrize("algo", ["trpo", "npg"])
def test_policy_steps_respect_the_trust_region(algo):
    agent = Agent.create(Config(algo=algo, total_steps=8192, seed=1))
    rows = train(agent)
    kls = np.array([r["kl"] for r in rows])
    if algo == "trpo":
        # the line search only accepts steps with mean KL ≤ δ and an improved surrogate
        assert np.all(kls <= agent.config.max_kl * (1 + 1e-9))
        accepted = [r for r in rows if r["step_status"] == "STEP_ACCEPTED"]
        assert all(r["actual_improvement"] > 0 for r in accepted)
        assert len(accepted) >= len(rows) - 1
    else:
        # no line search: the KL reached is near δ (the quadratic model's value), not bounded by it
        assert np.median(kls) == pytest.approx(agent.config.max_kl, rel=0.5)


def test_trpo_solves_cartpole_within_100k_steps():
    """TRPO's default config: 10-episode mean return ≥ 475 within 100k steps."""
    agent = Agent.create(Config(total_steps=100_000, seed=0))
    rows = train(agent, on_iteration=lambda row: row["return_mean10"] >= 475)
    assert rows[-1]["return_mean10"] >= 475, [r["return_mean10"] for r in rows[-5:]]
    assert rows[-1]["steps"] <= 100_000
    assert np.mean(agent.evaluate(10)) >= 475


def test_npg_improves_on_cartpole():
    agent = Agent.create(Config(algo="npg", total_steps=20_000, seed=0))
    rows = train(agent)
    assert rows[-1]["return_mean10"] > 3 * rows[0]["return_mean10"]


@pytest.mark.parametrize(
    "kwargs, name",
    [({"algo": "ppo"}, "algo"), ({"max_kl": 0.0}, "max_kl"), ({"gamma": 1.5}, "gamma"),
     ({"n_envs": 0}, "n_envs"), ({"backtrack_factor": 1.0}, "backtrack_factor")],
)
def test_config_validates_naming_the_field(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Config(**kwargs)


def test_config_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown"):
        Config.from_dict({"max_kll": 0.1})


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_value_fit_reduces_the_regression_loss(optimizer):
    from rl.algorithms import fit_value_function

    agent = Agent.create(Config(vf_optimizer=optimizer, seed=0))
    rng = np.random.default_rng(0)
    obs = rng.standard_normal((512, 4))
    targets = obs @ np.array([1.0, -2.0, 0.5, 3.0]) + 5.0

    def loss(phi):
        err = agent.value_function.predict_np(phi, obs) - targets
        return np.mean(err**2) + agent.config.vf_l2 * phi @ phi

    before = loss(agent.phi)
    phi, reported = fit_value_function(agent, obs, targets)
    assert reported == pytest.approx(loss(phi), rel=1e-10)
    assert reported < 0.2 * before
