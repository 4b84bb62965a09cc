import subprocess
import sys

import pytest

from rl.__main__ import main


def test_train_evaluate_plot_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--steps", "3000", "--seed", "1", "--out", str(out), "--quiet",
                 "--set", "n_steps=64"]) == 0
    text = capsys.readouterr().out
    assert "TRPO on CartPole-v1 (seed 1)" in text and "deterministic evaluation" in text
    for name in ("config.json", "log.csv", "checkpoint.npz", "learning_curve.png"):
        assert (out / name).is_file()
    assert main(["evaluate", str(out), "--episodes", "2"]) == 0
    assert "mean return" in capsys.readouterr().out
    assert main(["plot", str(out), str(out), "--out", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 1000
    assert main(["train", "--resume", str(out), "--steps", "4000", "--quiet"]) == 0


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["train", "--env", "NoSuchEnv-v0"], "NoSuchEnv"),
        (["train", "--steps", "-3"], "positive integer"),
        (["train", "--algo", "sac"], "invalid choice"),
        (["train", "--set", "max_kl=-1"], "max_kl"),
        (["train", "--set", "nonsense=1"], "unknown config field"),
        (["train", "--set", "n_envs=many"], "n_envs must be an integer"),
        (["train", "--set", "vf_hidden=3"], "vf_hidden must be a list"),
        (["train", "--env", "Blackjack-v1"], "unsupported observation space"),
        (["evaluate", "/nonexistent/run"], "no checkpoint"),
        (["plot", "/nonexistent/run"], "no log.csv"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_module_entry_point_exit_code():
    proc = subprocess.run([sys.executable, "-m", "rl", "train", "--env", "NoSuchEnv-v0"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
