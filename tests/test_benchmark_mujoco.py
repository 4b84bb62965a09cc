"""benchmarks/mujoco.py's run bookkeeping: claims shared between invocations, and SIGTERM."""

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "mujoco.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_mujoco", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_claim_holds_its_pid_and_a_live_claim_is_respected(bench, tmp_path):
    claim = tmp_path / "run.running"
    assert bench._claim(claim)
    assert claim.read_text() == str(os.getpid())
    assert not bench._claim(claim)  # held by a live process (this one)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.running"]


def test_a_dead_process_claim_is_taken_over(bench, tmp_path):
    claim = tmp_path / "run.running"
    claim.write_text(str(_dead_pid()))
    assert bench._claim(claim)
    assert claim.read_text() == str(os.getpid())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.running"]


def test_a_claim_without_pid_is_left_to_its_owner(bench, tmp_path):
    claim = tmp_path / "run.running"
    claim.touch()  # what invocations before pids were written leave while they run
    assert not bench._claim(claim)
    assert claim.read_text() == ""


def test_sigterm_stops_the_runs_and_releases_their_claims(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--envs", "CartPole-v1", "--systems", "trpo", "--steps", "2000000",
         "--seeds", "3", "--jobs", "2", "--eval-every", "1000000", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    claims: list[Path] = []
    while time.monotonic() < deadline and len(claims) < 2:
        time.sleep(0.2)
        claims = [c for c in out.glob("*.running") if c.read_text()] if out.exists() else []
    assert len(claims) == 2, "two runs should have started"
    pids = [int(c.read_text()) for c in claims]
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert list(out.glob("*.running")) == [] and list(out.glob("*.json")) == []
    for pid in pids:  # the runs are gone, not orphaned
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
