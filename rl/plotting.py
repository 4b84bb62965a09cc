"""Learning-curve plots from runs' ``log.csv`` files."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["read_log", "plot_runs"]


def read_log(run_dir: str | os.PathLike[str]) -> dict[str, list[float]]:
    """A run's log.csv as columns of floats (non-numeric cells become NaN)."""
    path = Path(run_dir) / "log.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir} has no log.csv")
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    columns: dict[str, list[float]] = {}
    for row in rows:
        for key, value in row.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = float("nan")
            columns.setdefault(key, []).append(number)
    return columns


def plot_runs(
    run_dirs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    y: str = "return_mean10",
    labels: Sequence[str] | None = None,
    title: str | None = None,
) -> Path:
    """Overlay column ``y`` against environment steps for several runs; write a PNG."""
    if labels is not None and len(labels) != len(run_dirs):
        raise ValueError("labels must name every run")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, run in enumerate(run_dirs):
        log = read_log(run)
        if y not in log:
            plt.close(fig)
            raise ValueError(f"{run}/log.csv has no column {y!r}; columns: {sorted(log)}")
        ax.plot(log["steps"], log[y], label=labels[i] if labels else Path(run).name)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("mean return of the last 10 episodes" if y == "return_mean10" else y)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
