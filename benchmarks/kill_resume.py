"""Kill a training run at seeded random moments and resume it each time; check nothing was lost.

A CartPole TRPO run is SIGKILLed ``--kills`` times (default 20) at moments drawn
from a seeded generator, each kill followed by ``python -m rl train --resume``.
At the end the log must hold iterations 1..N exactly once and in order, the
checkpoint must load and evaluate, and no temporary file may be left. Also
times the cost of writing the checkpoint every iteration (the default) against
every 10th. The short form of this loop runs in the test suite
(tests/rl/test_cli.py).

Usage:  python benchmarks/kill_resume.py [--kills 20] [--seed 0] [--out /tmp/kill-run]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import numpy as np  # noqa: E402


def iterations(folder: Path) -> list[int]:
    with (folder / "log.csv").open() as fh:
        return [int(row["iteration"]) for row in csv.DictReader(fh)]


def checkpoint_cost() -> None:
    from rl.agent import Agent
    from rl.config import make_config
    from rl.loop import LOG_FIELDS, train
    from rl.runlog import RunFolder

    for every in (1, 10):
        with tempfile.TemporaryDirectory() as tmp:
            agent = Agent.create(make_config("trpo", total_steps=51_200, seed=0))
            t = time.process_time()
            train(agent, run=RunFolder.new(Path(tmp) / "r", LOG_FIELDS), checkpoint_every=every)
            print(f"checkpoint every {every:>2} iteration(s): {time.process_time() - t:.2f} CPU-s for 50 iterations")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "kill-run")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    out, total, n_steps = args.out, 150_000, 64
    shutil.rmtree(out, ignore_errors=True)
    first = [sys.executable, "-m", "rl", "train", "--steps", str(total), "--out", str(out), "--quiet",
             "--set", "n_envs=2", "--set", f"n_steps={n_steps}"]
    resume = [sys.executable, "-m", "rl", "train", "--resume", str(out), "--quiet"]
    kills = finished = 0
    cmd = first
    while kills < args.kills:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(float(rng.uniform(0.5, 3.0)))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        else:
            finished += 1
            break
        proc.wait()
        cmd = resume
    while max(iterations(out), default=0) * 2 * n_steps < total:
        subprocess.run(resume, check=True, stdout=subprocess.DEVNULL)
    its = iterations(out)
    expected = list(range(1, -(-total // (2 * n_steps)) + 1))  # the loop runs until steps ≥ total
    stray = [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    ok_eval = subprocess.run([sys.executable, "-m", "rl", "evaluate", str(out), "--episodes", "2"],
                             capture_output=True, text=True).returncode == 0
    print(f"kills: {kills} (the run finished by itself {finished} time(s)); log rows {len(its)} (expected {len(expected)}); "
          f"iterations 1..N once and in order: {its == expected}; temporary files left: {len(stray)}; "
          f"checkpoint loads and evaluates: {ok_eval}")
    checkpoint_cost()
    if its != expected or stray or not ok_eval:
        sys.exit(1)


if __name__ == "__main__":
    main()
