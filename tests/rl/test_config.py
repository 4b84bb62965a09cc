import json

import pytest

from rl.config import (
    ADDED_FIELDS, ALGO_DEFAULTS, ALGORITHM_NAMES, FAMILY_DEFAULTS, Config, describe, env_family, make_config, parse_value,
)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"algo": "sac"}, "algo"), ({"max_kl": 0.0}, "max_kl"), ({"gamma": 1.5}, "gamma"),
     ({"n_envs": 0}, "n_envs"), ({"backtrack_factor": 1.0}, "backtrack_factor"),
     ({"normalize_obs": "no"}, "normalize_obs"), ({"hidden": [True]}, "hidden"),
     ({"cg_damping": float("inf")}, "cg_damping"), ({"log_std_init": float("nan")}, "log_std_init"),
     ({"vf_l2": float("inf")}, "vf_l2"), ({"accept_ratio": -5}, "accept_ratio"), ({"seed": -1}, "seed"),
     ({"env_kwargs": 5}, "env_kwargs"), ({"clip_range": 0.0}, "clip_range"), ({"step_anneal": 1.5}, "step_anneal"),
     ({"step_anneal": -0.1}, "step_anneal"), ({"entropy_anneal": 1.5}, "entropy_anneal"),
     ({"entropy_anneal": -0.1}, "entropy_anneal")],
)
def test_config_validates_naming_the_field(kwargs, name):
    with pytest.raises(ValueError, match=name):
        Config(**kwargs)


def test_step_anneal_scales_delta_and_the_policy_step_linearly_over_training():
    cfg = make_config("trpo", total_steps=1000, step_anneal=0.2, max_kl=0.02, policy_lr=1e-3)
    for steps in (0, 250, 999):
        at = cfg.at_step(steps)
        factor = 1 - 0.8 * steps / 1000
        assert at.max_kl == pytest.approx(0.02 * factor, rel=1e-15)
        assert at.policy_lr == pytest.approx(1e-3 * factor, rel=1e-15)
        assert at.total_steps == cfg.total_steps and at.seed == cfg.seed and at.step_anneal == 0.2
    assert cfg.max_kl == 0.02  # the run's own config is unchanged
    constant = make_config("trpo", total_steps=1000)
    assert constant.at_step(999) is constant  # the default: no schedule, the same object
    with pytest.raises(ValueError, match="steps"):
        cfg.at_step(1000)


def test_entropy_anneal_scales_the_entropy_weight_alone():
    cfg = make_config("trpo", total_steps=1000, entropy_coef=0.02, entropy_anneal=0.0)
    for steps in (0, 250, 999):
        at = cfg.at_step(steps)
        assert at.entropy_coef == pytest.approx(0.02 * (1 - steps / 1000), rel=1e-15)
        assert at.max_kl == cfg.max_kl and at.policy_lr == cfg.policy_lr
    both = make_config("ppo", total_steps=1000, entropy_coef=0.01, entropy_anneal=0.5, step_anneal=0.0)
    at = both.at_step(500)
    assert at.entropy_coef == pytest.approx(0.0075) and at.policy_lr == pytest.approx(both.policy_lr / 2)


def test_a_config_saved_before_the_added_fields_loads_as_it_ran():
    cfg = make_config("trpo", env_id="Pendulum-v1", max_kl=0.03)
    old = {k: v for k, v in cfg.to_dict().items() if k not in ADDED_FIELDS}
    again = Config.from_dict(old)
    assert again == cfg  # every added field at the default that reproduces the old behaviour
    assert again.norm_reward is False and again.step_anneal == 1.0 and again.entropy_anneal == 1.0
    assert again.at_step(0) is again


def test_from_dict_rejects_unknown_and_missing_keys():
    with pytest.raises(ValueError, match="unknown"):
        Config.from_dict({**Config().to_dict(), "max_kll": 0.1})
    data = Config().to_dict()
    del data["lam"]
    with pytest.raises(ValueError, match="missing config keys \\['lam'\\]"):
        Config.from_dict(data)


def test_round_trip_through_json():
    cfg = make_config("ppo", env_id="Pendulum-v1", hidden=[32, 16])
    again = Config.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg and again.hidden == (32, 16)


def test_algorithm_defaults_are_applied_under_user_values():
    cfg = make_config("ppo", lam=0.9)
    assert cfg.lam == 0.9 and cfg.n_steps == ALGO_DEFAULTS["ppo"]["n_steps"]
    assert make_config("trpo").lam == 0.97
    # the Pendulum preset applies unless switched off
    assert make_config("trpo", env_id="Pendulum-v1").max_kl == 0.02
    assert make_config("trpo", env_id="Pendulum-v1", preset=False).max_kl == 0.01


@pytest.mark.parametrize("text, value", [("true", True), ("0.5", 0.5), ("[8, 8]", [8, 8]), ("null", None)])
def test_parse_value_is_json(text, value):
    assert parse_value("normalize_obs" if isinstance(value, bool) or value is None else
                       ("hidden" if isinstance(value, list) else "max_kl"), text) == value


def test_parse_value_is_strict():
    assert parse_value("activation", "relu") == "relu"  # a bare string for a string field
    with pytest.raises(ValueError, match="normalize_obs"):
        parse_value("normalize_obs", "no")
    with pytest.raises(ValueError, match="unknown config field"):
        parse_value("nonsense", "1")


def test_describe_lists_each_algorithms_fields_with_defaults_and_sources():
    for algo in ALGORITHM_NAMES:
        rows = {name: (default, source) for name, default, _, source in describe(algo)}
        assert rows["algo"][0] == json.dumps(algo)
        assert ("clip_range" in rows) == (algo == "ppo")
        assert ("max_kl" in rows) == (algo in ("trpo", "npg"))
    ppo = {name: default for name, default, _, _ in describe("ppo")}
    assert ppo["lam"] == "0.95" and ppo["policy_lr"] == "0.0003"
    assert all(source for name, _, _, source in describe("ppo") if name in ("clip_range", "policy_epochs", "lam"))


def test_the_mujoco_family_rule_applies_by_entry_point_under_user_values():
    assert env_family("Hopper-v5") == env_family("Walker2d-v5") == "mujoco"  # by entry point, not id
    assert env_family("CartPole-v1") is None and env_family("Pendulum-v1") is None
    assert env_family("no-such-env-v0") is None and env_family("some.module:Env-v0") is None  # never imported
    for algo in ALGORITHM_NAMES:
        rule = FAMILY_DEFAULTS["mujoco"][algo]
        cfg = make_config(algo, env_id="Ant-v5")
        assert all(getattr(cfg, k) == v for k, v in rule.items())
        plain = make_config(algo, env_id="CartPole-v1")
        assert all(getattr(plain, k) == getattr(make_config(algo), k) for k in rule)
    assert make_config("trpo", env_id="Hopper-v5", n_steps=64).n_steps == 64  # the user's value wins
    rows = {name: (default, source) for name, default, _, source in describe("trpo", "Hopper-v5")}
    assert rows["n_steps"][0] == "256" and "mujoco family rule" in rows["n_steps"][1]
    assert rows["env_id"][0] == '"Hopper-v5"' and rows["algo"][0] == '"trpo"'
    pendulum = {name: (default, source) for name, default, _, source in describe("trpo", "Pendulum-v1")}
    assert pendulum["max_kl"][0] == "0.02" and "Pendulum-v1 preset" in pendulum["max_kl"][1]
    assert pendulum["n_steps"][0] == "256" and "preset" in pendulum["n_steps"][1]
