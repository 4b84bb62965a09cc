"""Each algorithm's policy update, and each solving CartPole within its measured budget."""

import numpy as np
import pytest

from rl.agent import Agent
from rl.config import ALGORITHM_NAMES, make_config
from rl.loop import train
from rl.problem import PolicyBatch
from rl.updates import DIAGNOSTICS, UPDATES

#: Steps within which each algorithm's defaults reach a 10-episode mean of 475 on
#: CartPole-v1 (seed 0): measured budgets, see benchmarks/rl.py for 5 seeds.
BUDGETS = {"trpo": 100_000, "npg": 150_000, "ppo": 100_000, "ppo-penalty": 200_000, "vpg": 300_000}


def test_every_algorithm_is_one_entry():
    assert tuple(UPDATES) == ALGORITHM_NAMES
    for name, entry in UPDATES.items():
        assert entry.name == name and entry.summary


@pytest.mark.parametrize("algo", ALGORITHM_NAMES)
def test_same_seed_gives_identical_learning_curve(algo):
    def curve(seed):
        agent = Agent.create(make_config(algo, total_steps=4096, seed=seed, n_steps=128))
        rows = train(agent)
        return [(r["steps"], r["return_mean10"], r["kl"], r["vf_loss"]) for r in rows], agent.theta

    (a, theta_a), (b, theta_b), (c, _) = curve(7), curve(7), curve(8)
    assert a == b
    np.testing.assert_array_equal(theta_a, theta_b)
    assert a != c


@pytest.mark.parametrize("algo", ALGORITHM_NAMES)
def test_solves_cartpole_within_its_budget(algo):
    agent = Agent.create(make_config(algo, total_steps=BUDGETS[algo], seed=0))
    rows = train(agent, on_iteration=lambda row: row["return_mean10"] >= 475)
    assert rows[-1]["return_mean10"] >= 475, (algo, [round(r["return_mean10"]) for r in rows[-5:]])
    assert set(rows[-1]) >= {"kl", "entropy", "step_status"}
    assert set(rows[-1]) - {"kl", "entropy", "step_status"} <= set(DIAGNOSTICS) | {
        "iteration", "steps", "return_mean10", "episode_length_mean", "episodes", "explained_variance", "vf_loss",
        "time_sample", "time_update", "steps_per_second"}


@pytest.mark.parametrize("algo", ["trpo", "npg"])
def test_policy_steps_respect_the_trust_region(algo):
    agent = Agent.create(make_config(algo, total_steps=8192, seed=1))
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


def test_step_anneal_reaches_every_update():
    # TRPO: each accepted step's KL is within the annealed bound δ·(1 − 0.9·steps/total)
    agent = Agent.create(make_config("trpo", total_steps=8192, seed=1, step_anneal=0.1))
    rows = train(agent)
    bounds = np.array([agent.config.at_step(r["steps"] - 1024).max_kl for r in rows])
    kls = np.array([r["kl"] for r in rows])
    assert bounds[-1] < 0.25 * bounds[0]
    assert np.all(kls <= bounds * (1 + 1e-9))
    assert kls[-1] > 0.5 * bounds[-1]  # the step fills the smaller region: the bound is what shrank it
    # PPO: the same seed with a smaller Adam step size late gives a different run, the same first update
    def run(anneal):
        return train(Agent.create(make_config("ppo", total_steps=3072, seed=0, step_anneal=anneal)))
    rows_a, rows_b = run(1.0), run(0.0)
    assert rows_a[0]["approx_kl"] == rows_b[0]["approx_kl"]
    assert rows_b[-1]["approx_kl"] < rows_a[-1]["approx_kl"]


def test_entropy_anneal_reaches_every_update():
    # A strong bonus on a Gaussian policy raises log σ each update; annealed to 0 it raises it less,
    # from the same first update on
    def run(anneal):
        return train(Agent.create(make_config("trpo", env_id="Pendulum-v1", total_steps=8 * 2048, seed=0,
                                              entropy_coef=0.1, entropy_anneal=anneal)))
    constant, annealed = run(1.0), run(0.0)
    assert constant[0]["entropy"] == annealed[0]["entropy"]
    assert np.all(np.diff([r["entropy"] for r in constant]) > 0)
    assert annealed[-1]["entropy"] < constant[-1]["entropy"] - 0.1


def _cartpole_batch(seed=0, n=512):
    agent = Agent.create(make_config("ppo", seed=seed))
    rng = np.random.default_rng(seed)
    obs = rng.standard_normal((n, 4))
    actions, _ = agent.policy.act(agent.theta, obs, rng)
    adv = rng.standard_normal(n)
    return agent, PolicyBatch(agent.policy, agent.theta, obs, actions, adv)


@pytest.mark.parametrize("scale, direction", [(1 / 3, "up"), (3.0, "down"), (1.0, "same")])
def test_ppo_penalty_beta_follows_the_papers_rule(scale, direction):
    """β·2 when KL > 1.5·d_targ, β/2 when KL < d_targ/1.5, unchanged between (Schulman et al. 2017 §4)."""
    agent, batch = _cartpole_batch()
    update, beta = UPDATES["ppo-penalty"].update, 4.0
    cfg = make_config("ppo-penalty", policy_lr=1e-2, policy_epochs=2)
    # The update with β fixed is deterministic for a given rng: measure its KL, then put d_targ around it.
    _, _, probe = update(batch, agent.theta, {"beta": np.asarray(beta)}, cfg, np.random.default_rng(0))
    cfg = make_config("ppo-penalty", policy_lr=1e-2, policy_epochs=2, kl_target=scale * probe["kl"])
    theta, state, diag = update(batch, agent.theta, {"beta": np.asarray(beta)}, cfg, np.random.default_rng(0))
    kl, d_targ, new_beta = diag["kl"], cfg.kl_target, float(state["beta"])
    assert diag["beta"] == beta and kl == probe["kl"] > 0
    if direction == "up":
        assert kl > 1.5 * d_targ and new_beta == 2 * beta
    elif direction == "down":
        assert kl < d_targ / 1.5 and new_beta == beta / 2
    else:
        assert d_targ / 1.5 <= kl <= 1.5 * d_targ and new_beta == beta


def test_ppo_reports_clip_fraction_and_stops_early_at_the_target_kl():
    agent, batch = _cartpole_batch()
    state = UPDATES["ppo"].initial_state(agent.config, agent.policy.n_params)
    cfg = make_config("ppo", policy_lr=1e-2, target_kl=1e-4)
    theta, new_state, diag = UPDATES["ppo"].update(batch, agent.theta, state, cfg, np.random.default_rng(0))
    assert diag["early_stop"] == 1 and diag["epochs"] < cfg.policy_epochs
    assert diag["approx_kl"] > 1.5 * 1e-4
    assert 0.0 <= diag["clip_fraction"] <= 1.0
    assert float(new_state["adam_t"]) > 0 and np.any(new_state["adam_v"] > 0)
    cfg = make_config("ppo", policy_lr=1e-2)
    _, _, full = UPDATES["ppo"].update(batch, agent.theta, state, cfg, np.random.default_rng(0))
    assert full["early_stop"] == 0 and full["epochs"] == cfg.policy_epochs and full["clip_fraction"] > 0
