"""A MuJoCo smoke test: a few TRPO iterations on Hopper-v5, then an evaluation.

Needs the ``mujoco`` extra (``pip install -e '.[mujoco]'``), which the README's
test command and CI install.
"""

import math

import pytest

pytest.importorskip("mujoco", reason="the mujoco extra is not installed: pip install -e '.[mujoco]'")

from rl.__main__ import main  # noqa: E402
from rl.plotting import read_log  # noqa: E402


@pytest.mark.parametrize("algo", ["trpo", "ppo"])
def test_a_few_iterations_on_hopper_train_and_evaluate(tmp_path, algo, capsys):
    out = tmp_path / algo
    assert main(["train", "--algo", algo, "--env", "Hopper-v5", "--steps", "768", "--out", str(out), "--quiet",
                 "--set", "n_envs=2", "--set", "n_steps=128", "--set", "policy_epochs=2"]) == 0
    log = read_log(out)
    assert log["iteration"] == [1.0, 2.0, 3.0]
    assert all(math.isfinite(k) for k in log["kl"])
    assert main(["evaluate", str(out), "--episodes", "2"]) == 0
    assert "Hopper-v5" in capsys.readouterr().out
