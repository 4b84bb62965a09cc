import numpy as np

from rl.agent import Agent
from rl.config import make_config
from rl.loop import BEST, LOG_FIELDS, train
from rl.plotting import read_log
from rl.runlog import RunFolder


def test_evaluation_during_training_logs_returns_and_keeps_the_best_checkpoint(tmp_path):
    agent = Agent.create(make_config("trpo", total_steps=4096, seed=0, eval_every=1024, eval_episodes=3))
    train(agent, run=RunFolder.new(tmp_path / "r", LOG_FIELDS))
    log = read_log(tmp_path / "r")
    evals = np.array(log["eval_return"])
    assert np.all(np.isfinite(evals)) and len(evals) == 4  # every iteration of 1024 steps crosses a multiple
    assert np.all(np.isfinite(log["eval_return_stochastic"]))
    best = Agent.load(tmp_path / "r" / BEST)
    assert best.best_eval == agent.best_eval == evals.max()
    assert best.iteration == 1 + int(np.argmax(evals))
    # the best checkpoint's policy evaluates to the logged value (same seeded episodes, frozen normalizer)
    assert best.evaluate(3).mean() == evals.max()
    # evaluation uses its own seeds and generators: the training curve is the one without evaluation
    plain = Agent.create(make_config("trpo", total_steps=4096, seed=0))
    train(plain)
    np.testing.assert_array_equal(plain.theta, agent.theta)
