"""The command line as a user meets it: exit codes, one-line errors, run folders that are never lost."""

import contextlib
import csv
import io
import json

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rl.__main__ import main
from rl.config import Config

FAST = ["--quiet", "--set", "n_envs=2", "--set", "n_steps=64"]


def cli(*args, cwd=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "rl", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)


def log_iterations(folder):
    with (Path(folder) / "log.csv").open() as fh:
        return [int(row["iteration"]) for row in csv.DictReader(fh)]


def one_line_error(proc):
    err = proc.stderr.strip()
    return proc.returncode == 2 and len(err.splitlines()) == 1 and "Traceback" not in err


def test_train_evaluate_plot_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--steps", "600", "--seed", "1", "--out", str(out), *FAST]) == 0
    text = capsys.readouterr().out
    assert "TRPO on CartPole-v1 (seed 1)" in text and "deterministic evaluation" in text
    for name in ("config.json", "log.csv", "checkpoint.npz", "learning_curve.png"):
        assert (out / name).is_file()
    assert main(["evaluate", str(out), "--episodes", "2"]) == 0
    assert "mean return" in capsys.readouterr().out
    assert main(["plot", str(out), str(out), "--out", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 1000
    # a folder as --out gets learning_curves.png inside it, and the message says so
    assert main(["plot", str(out), "--out", str(tmp_path)]) == 0
    assert str(tmp_path / "learning_curves.png") in capsys.readouterr().out
    assert main(["train", "--resume", str(out), "--steps", "900", "--quiet"]) == 0
    assert log_iterations(out) == list(range(1, len(log_iterations(out)) + 1))


def test_reusing_out_refuses_and_overwrite_moves_the_old_run_aside(tmp_path):
    out = tmp_path / "ow"
    assert cli("train", "--env", "Acrobot-v1", "--steps", "300", "--out", out, *FAST).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    proc = cli("train", "--steps", "200", "--out", out, *FAST)
    assert one_line_error(proc) and "--resume" in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert cli("train", "--steps", "200", "--out", out, "--overwrite", *FAST).returncode == 0
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("ow.old-")]
    assert len(aside) == 1
    assert {p.name: p.read_bytes() for p in aside[0].iterdir() if p.is_file()} == before
    assert json.loads((out / "config.json").read_text())["env_id"] == "CartPole-v1"


def test_resume_into_a_new_folder_keeps_the_whole_log(tmp_path, capsys):
    src, dst = tmp_path / "src", tmp_path / "dst"
    assert main(["train", "--steps", "384", "--out", str(src), *FAST]) == 0
    n = len(log_iterations(src))
    assert main(["train", "--resume", str(src), "--out", str(dst), "--steps", "640", "--quiet"]) == 0
    assert log_iterations(dst) == list(range(1, len(log_iterations(dst)) + 1)) and len(log_iterations(dst)) > n
    assert log_iterations(src) == list(range(1, n + 1))
    capsys.readouterr()
    # nothing left to do: one line naming --steps, exit 2, no folder made
    assert main(["train", "--resume", str(src), "--out", str(tmp_path / "none"), "--quiet"]) == 2
    assert "--steps" in capsys.readouterr().err and not (tmp_path / "none").exists()


def test_a_kill_then_resume_leaves_each_iteration_logged_once(tmp_path):
    """SIGKILL at seeded random moments, then --resume: iterations 1..N once, in order; no temp files.

    Each kill waits until the log has grown by a random number of rows, then a random fraction of an
    iteration more, so the moments fall inside writes as well as between them whatever the machine's load.
    """
    out, rng, total = tmp_path / "k", np.random.default_rng(0), 6400
    args = ["--quiet", "--set", "n_envs=1", "--set", "n_steps=32"]
    cmd = [sys.executable, "-m", "rl", "train", "--steps", str(total), "--out", str(out), *args]
    kills = 0
    for _ in range(4):
        done = len(log_iterations(out)) if (out / "log.csv").exists() else 0
        target = done + int(rng.integers(3, 30))
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 90
        while proc.poll() is None and time.time() < deadline:
            if (out / "log.csv").exists() and len(log_iterations(out)) >= target:
                time.sleep(float(rng.uniform(0.0, 0.05)))
                break
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        cmd = [sys.executable, "-m", "rl", "train", "--resume", str(out), "--quiet"]
    assert kills >= 3
    assert cli("train", "--resume", out, "--quiet").returncode == 0
    assert log_iterations(out) == list(range(1, total // 32 + 1))
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert cli("evaluate", out, "--episodes", "1").returncode == 0


def test_sigterm_saves_the_last_completed_iteration(tmp_path):
    out = tmp_path / "t"
    proc = subprocess.Popen([sys.executable, "-m", "rl", "train", "--steps", "10000000", "--out", str(out),
                             "--quiet", "--set", "n_envs=1", "--set", "n_steps=32"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not ((out / "log.csv").exists() and len(log_iterations(out)) >= 3):
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    with np.load(out / "checkpoint.npz") as data:
        saved = json.loads(str(data["state"]))["iteration"]
    assert saved == max(log_iterations(out))


BAD = [
    (["train", "--env", "NoSuchEnv-v0"], "NoSuchEnv"),
    (["train", "--steps", "-3"], "--steps"),
    (["train", "--seed", "-1"], "--seed"),
    (["train", "--algo", "sac"], "invalid choice"),
    (["train", "--set", "max_kl=-1"], "max_kl"),
    (["train", "--set", "nonsense=1"], "unknown config field"),
    (["train", "--set", "n_envs=many"], "n_envs"),
    (["train", "--set", "vf_hidden=3"], "vf_hidden must be a list"),
    (["train", "--set", "normalize_obs=no"], "normalize_obs"),
    (["train", "--set", "hidden=[true]"], "hidden"),
    (["train", "--set", "accept_ratio=abc"], "accept_ratio"),
    (["train", "--set", "accept_ratio=-5"], "accept_ratio"),
    (["train", "--set", "env_kwargs=5"], "env_kwargs"),
    (["train", "--set", 'env_kwargs={"bad":1}'], "env_kwargs"),
    (["train", "--set", "cg_damping=Infinity"], "cg_damping"),
    (["train", "--set", "log_std_init=NaN"], "log_std_init"),
    (["train", "--set", "vf_l2=Infinity"], "vf_l2"),
    (["train", "--env", "evil:CartPole-v1"], "--allow-import"),
    (["train", "--out", "/proc/x"], "--out"),
    (["evaluate", "/nonexistent/run"], "not a run folder"),
    (["plot", "/nonexistent/run"], "no log.csv"),
    (["plot", "x", "--y", "nosuch"], "--y"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize("argv, fragment", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_and_exit_code_2(argv, fragment, tmp_path, capsys):
    assert main([*argv, *(["--out", str(tmp_path / "r")] if argv[0] == "train" and "--out" not in argv else [])]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists(), "a refused run must not leave a folder"


def test_bad_input_through_the_module_entry_point(tmp_path):
    (tmp_path / "file").write_text("x")
    for args, fragment in [(["train", "--env", "NoSuchEnv-v0"], "NoSuchEnv"),
                           (["train", "--out", tmp_path / "file" / "run"], "--out"),
                           (["train", "--set", "log_std_init=NaN", "--out", tmp_path / "nan"], "log_std_init")]:
        proc = cli(*args)
        assert one_line_error(proc) and fragment in proc.stderr
    assert not (tmp_path / "nan").exists()


def test_a_run_folder_from_someone_else_cannot_import_code(tmp_path):
    assert main(["train", "--steps", "128", "--out", str(tmp_path / "r"), *FAST]) == 0
    cfg = json.loads((tmp_path / "r" / "config.json").read_text())
    cfg["env_id"] = "evil:CartPole-v1"
    (tmp_path / "r" / "config.json").write_text(json.dumps(cfg))
    (tmp_path / "evil.py").write_text("open('imported', 'w').write('x')\n")
    proc = cli("evaluate", tmp_path / "r", cwd=tmp_path)
    assert one_line_error(proc) and "--allow-import" in proc.stderr
    assert not (tmp_path / "imported").exists()


def test_corrupt_checkpoint_through_the_cli(tmp_path):
    assert main(["train", "--steps", "128", "--out", str(tmp_path / "r"), *FAST]) == 0
    (tmp_path / "r" / "checkpoint.npz").write_bytes(np.random.default_rng(0).bytes(3000))
    proc = cli("evaluate", tmp_path / "r")
    assert one_line_error(proc) and "checkpoint.npz" in proc.stderr and "allow_pickle" not in proc.stderr


def test_nonfinite_observations_stop_training_naming_the_env(tmp_path, capsys):
    import gymnasium

    class NaNAfter(gymnasium.Wrapper):
        def step(self, action):
            obs, r, term, trunc, info = self.env.step(action)
            self.t = getattr(self, "t", 0) + 1
            if self.t == 50:
                obs = obs * np.nan
            return obs, r, term, trunc, info

    gymnasium.register("NaNCartPole-v0", entry_point=lambda **kw: NaNAfter(gymnasium.make("CartPole-v1")))
    try:
        code = main(["train", "--env", "NaNCartPole-v0", "--steps", "640", "--out", str(tmp_path / "n"), *FAST])
    finally:
        gymnasium.registry.pop("NaNCartPole-v0")
    err = capsys.readouterr().err
    assert code == 1 and "environment" in err and "non-finite observation" in err
    assert len(err.strip().splitlines()) == 1
    with np.load(tmp_path / "n" / "checkpoint.npz") as data:
        assert np.all(np.isfinite(data["obs_mean"])) and np.all(np.isfinite(data["theta"]))


def test_config_command_lists_fields_defaults_and_sources(capsys):
    assert main(["config", "--algo", "ppo"]) == 0
    text = capsys.readouterr().out
    assert "clip_range" in text and "Schulman et al. 2017" in text and "max_kl" not in text


_FIELDS = [f.name for f in __import__("dataclasses").fields(Config)]
_VALUES = st.one_of(st.sampled_from(["no", "yes", "true", "null", "NaN", "Infinity", "-1", "0", "1e400", "[]",
                                     "[0]", "[true]", "{}", '{"x":1}', "abc", "", "0.5", "2", "[64]"]),
                    st.text(max_size=6))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(_FIELDS + ["nosuch"]), value=_VALUES)
def test_fuzzed_set_values_never_give_a_traceback(tmp_path, key, value):
    out = tmp_path / f"fz{abs(hash((key, value)))}"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["train", "--steps", "16", "--out", str(out), "--quiet", "--set", "n_envs=1",
                     "--set", "n_steps=16", "--set", "vf_iters=1", "--set", f"{key}={value}"])
    assert code in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert len(err.getvalue().strip().splitlines()) == 1




def test_evaluate_records_a_gif_of_cartpole(tmp_path, capsys):
    pytest.importorskip("pygame", reason="the record extra is not installed: pip install -e '.[record]'")
    from PIL import Image

    assert main(["train", "--steps", "128", "--out", str(tmp_path / "r"), *FAST]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "r"), "--episodes", "1", "--record", str(tmp_path / "video")]) == 0
    gif = tmp_path / "video" / "CartPole-v1-trpo.gif"
    assert str(gif) in capsys.readouterr().out
    with Image.open(gif) as image:
        assert image.n_frames >= 9 and image.size == (600, 400)  # CartPole falls after ≥ 8 steps


def test_nonfinite_rewards_stop_training_naming_the_env(tmp_path, capsys):
    import gymnasium

    class NaNReward(gymnasium.Wrapper):
        def step(self, action):
            obs, r, term, trunc, info = self.env.step(action)
            self.t = getattr(self, "t", 0) + 1
            return obs, (float("nan") if self.t == 30 else r), term, trunc, info

    gymnasium.register("NaNRewardCartPole-v0", entry_point=lambda **kw: NaNReward(gymnasium.make("CartPole-v1")))
    try:
        code = main(["train", "--env", "NaNRewardCartPole-v0", "--steps", "640", "--out", str(tmp_path / "n"), *FAST])
    finally:
        gymnasium.registry.pop("NaNRewardCartPole-v0")
    err = capsys.readouterr().err
    assert code == 1 and "non-finite reward" in err and "environment" in err
    assert len(err.strip().splitlines()) == 1


def test_evaluate_cuts_an_episode_without_a_time_limit():
    import gymnasium

    from rl.agent import Agent
    from rl.config import make_config

    class Forever(gymnasium.Env):
        observation_space = gymnasium.spaces.Box(-1.0, 1.0, (2,))
        action_space = gymnasium.spaces.Discrete(2)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return np.zeros(2, dtype=np.float32), {}

        def step(self, action):
            return np.zeros(2, dtype=np.float32), 1.0, False, False, {}

    gymnasium.register("Forever-v0", entry_point=Forever, max_episode_steps=None)
    try:
        agent = Agent.create(make_config("trpo", env_id="Forever-v0"))
        returns = agent.evaluate(2, max_episode_steps=50)
    finally:
        gymnasium.registry.pop("Forever-v0")
    np.testing.assert_array_equal(returns, [50.0, 50.0])
