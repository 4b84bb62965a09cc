"""A run folder: config.json, checkpoint.npz and log.csv, kept consistent and never overwritten.

The log gets one row per iteration *before* that iteration's checkpoint is
written, so after a kill the log holds at most the rows up to one iteration
past the checkpoint; :meth:`RunFolder.resume` truncates it to the checkpoint's
iteration, and the resumed run writes those iterations again, once. Stray
temporary files of an interrupted atomic write are removed when a folder is
opened.
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path
from typing import Any, Sequence

from .agent import CHECKPOINT, CONFIG, TMP_SUFFIX, atomic_write_bytes

__all__ = ["RunFolder", "RunFolderError", "LOG"]

LOG = "log.csv"


class RunFolderError(ValueError):
    """A run folder that cannot be used as asked (exists, not writable, not a run)."""


class RunFolder:
    """The folder of one run and its CSV log with columns ``fields``."""

    def __init__(self, path: Path, fields: Sequence[str]) -> None:
        self.path = path
        self.fields = tuple(fields)

    @classmethod
    def new(cls, path: str | os.PathLike[str], fields: Sequence[str], *, overwrite: bool = False) -> RunFolder:
        """A fresh run folder at ``path``; refuses one that already holds files unless ``overwrite``.

        With ``overwrite`` the old folder is moved aside to ``<path>.old-<time>``, never deleted.
        """
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise RunFolderError(f"--out {path} is a file, not a folder")
        if path.is_dir() and any(path.iterdir()):
            if not overwrite:
                raise RunFolderError(
                    f"--out {path} already holds a run; continue it with --resume {path}, choose a new --out, "
                    f"or pass --overwrite to move it aside"
                )
            aside = path.with_name(f"{path.name}.old-{time.strftime('%Y%m%d-%H%M%S')}")
            n = 1
            while aside.exists():
                aside = path.with_name(f"{path.name}.old-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
                n += 1
            path.rename(aside)
        cls._make(path)
        return cls(path, fields)

    @classmethod
    def resume(cls, source: str | os.PathLike[str], fields: Sequence[str], iteration: int,
               out: str | os.PathLike[str] | None = None) -> RunFolder:
        """Continue the run in ``source`` at checkpoint ``iteration``, in ``out`` (default: ``source``).

        The log is truncated to rows with iteration ≤ ``iteration``; into a new
        ``out`` those rows are copied first, so its log starts at iteration 1.
        """
        source = Path(source)
        target = Path(out) if out is not None else source
        rows = _read_rows(source / LOG)
        kept = [row for row in rows if _iteration(row) <= iteration]
        if target.resolve() != source.resolve():
            if target.exists() and (not target.is_dir() or any(target.iterdir())):
                raise RunFolderError(f"--out {target} already exists; resume into a new folder or into {source}")
            cls._make(target)
        folder = cls(target, fields)
        folder.clean_temporaries()
        if kept != rows or target != source or not (target / LOG).exists():
            folder._rewrite(kept)
        return folder

    @staticmethod
    def _make(path: Path) -> None:
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".write-test{TMP_SUFFIX}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise RunFolderError(f"--out {path} cannot be created or written ({exc.strerror or exc})") from None

    def clean_temporaries(self) -> list[Path]:
        """Remove temporary files left by interrupted atomic writes; return them."""
        stray = [p for p in self.path.glob(f".*{TMP_SUFFIX}")
                 if p.name.startswith((f".{CHECKPOINT}.", f".{CONFIG}.", f".{LOG}.", ".write-test"))]
        for p in stray:
            p.unlink(missing_ok=True)
        return stray

    def append(self, row: dict[str, Any]) -> None:
        """Append one row to log.csv (the header with the first row)."""
        path = self.path / LOG
        new = not path.exists() or path.stat().st_size == 0
        with path.open("a", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self.fields, restval="", extrasaction="raise")
            if new:
                writer.writeheader()
            writer.writerow(row)
            fh.flush()

    def _rewrite(self, rows: list[dict[str, str]]) -> None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=self.fields, restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_bytes(self.path / LOG, buf.getvalue().encode())


def _read_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _iteration(row: dict[str, str]) -> int:
    try:
        return int(row.get("iteration", ""))
    except ValueError:
        return 1 << 62

