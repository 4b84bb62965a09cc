"""The comparison runner and ``python -m trustopt compare``."""

from __future__ import annotations

import contextlib
import csv
import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustopt import compare
from trustopt.__main__ import _build_parser, main
from trustopt.problems import get_problem

PROBLEMS = ["rosenbrock", "beale", "helical_valley"]
SOLVERS = ["trust-steihaug", "trust-exact", "scipy:trust-ncg", "scipy:trust-exact"]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs():
    return compare.run_comparison(compare.resolve_problems(PROBLEMS), SOLVERS)


def test_every_pair_runs_and_counts_are_consistent(runs):
    assert [(r.problem, r.solver) for r in runs] == [(p, s) for p in PROBLEMS for s in SOLVERS]
    for r in runs:
        assert r.cost == r.nfev + r.njev + r.nhev
        assert r.nfev >= 1 and r.njev >= 1
        assert r.nhev >= 1  # all four use second derivatives
        assert r.trace and r.trace[-1][0] <= r.cost
        assert r.solved, r


def test_csv_rows_agree_with_f_minus_f_star(runs, tmp_path):
    path = compare.write_csv(runs, tmp_path / "runs.csv")
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(runs)
    for row in rows:
        problem = get_problem(row["problem"])
        fun, gap = float(row["fun"]), float(row["gap"])
        assert math.isclose(gap, fun - problem.f_star[0], rel_tol=0, abs_tol=1e-300)
        assert (row["solved"] == "True") == problem.solved(fun)
        assert int(row["cost"]) == int(row["nfev"]) + int(row["njev"]) + int(row["nhev"])
        assert int(row["n"]) == problem.n


def test_a_failed_run_is_not_solved(tmp_path):
    run = compare.run_one(get_problem("rosenbrock"), "trust-steihaug", maxiter=2)
    assert not run.solved and run.status == "MAXITER"
    path = compare.write_csv([run], tmp_path / "one.csv")
    with path.open() as fh:
        (row,) = csv.DictReader(fh)
    assert row["solved"] == "False" and float(row["gap"]) > 1e-6


def test_performance_ratios(runs):
    ratios = compare.performance_ratios(runs)
    assert set(ratios) == set(SOLVERS)
    for r in ratios.values():
        assert r.size == len(PROBLEMS) and (r >= 1).all()
    # On every problem some solver is the best.
    best = [min(ratios[s][i] for s in SOLVERS) for i in range(len(PROBLEMS))]
    assert best == [1.0] * len(PROBLEMS)


def test_plots_are_written(runs, tmp_path):
    profile = compare.performance_profile(runs, tmp_path / "profile.png")
    curve = compare.convergence_plot(runs, "rosenbrock", tmp_path / "rosenbrock.png")
    for path in (profile, curve):
        assert path.read_bytes()[:8] == PNG_MAGIC
    with pytest.raises(ValueError, match="no runs"):
        compare.convergence_plot(runs, "wood", tmp_path / "wood.png")


def test_dense_solvers_are_skipped_on_large_problems():
    seen = []
    runs = compare.run_comparison(
        [get_problem("extended_rosenbrock_n10")], ["trust-exact", "trust-steihaug"], max_dense_n=5, on_run=seen.append
    )
    assert [r.solver for r in runs] == ["trust-steihaug"] and seen[0] is None


def test_table_and_summary(runs):
    table = compare.format_table(runs)
    assert all(name in table for name in PROBLEMS + SOLVERS)
    summary = compare.summarize(runs)
    assert "3/3" in summary


def test_resolve_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown solver"):
        compare.resolve_solvers("trust-steihaug,newton")
    with pytest.raises(KeyError, match="unknown problem"):
        compare.resolve_problems("rosenbrock,nope")
    assert len(compare.resolve_problems("mgh")) > 20


def test_command_line_writes_outputs(tmp_path, capsys):
    code = main([
        "compare", "--problems", "rosenbrock,beale", "--solvers", "trust-steihaug,scipy:trust-ncg",
        "--out", str(tmp_path), "--plot", "rosenbrock", "--no-progress",
    ])
    assert code == 0
    out = capsys.readouterr().out
    assert "trust-steihaug" in out and "median cost" in out
    with (tmp_path / "runs.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == 4
    assert (tmp_path / "performance_profile.png").read_bytes()[:8] == PNG_MAGIC
    assert (tmp_path / "convergence_rosenbrock.png").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "--bogus"],
        ["compare", "--solvers", "newton"],
        ["compare", "--problems", "nope"],
        ["compare", "--gtol", "-1"],
        ["frobnicate"],
    ],
)
def test_command_line_errors_are_one_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "error" in err


# --- the command line as a user meets it (issue 9 items 4 and 10), and --workers (issue 11) ---

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def without_time_column(table):
    """The lines of a format_table table with the fixed-width time column cut out."""
    lines = table.splitlines()
    start = lines[0].index("time[s]")
    return [line[:start] + line[start + len("time[s]"):] for line in lines]


def run_cli(*argv, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "trustopt", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


BAD_VALUES = [
    (["--maxiter", "-3"], "--maxiter"),
    (["--maxiter", "ten"], "--maxiter"),
    (["--gtol", "0"], "--gtol"),
    (["--gtol", "nan"], "--gtol"),
    (["--rtol", "inf"], "--rtol"),
    (["--rtol", "-1e-6"], "--rtol"),
    (["--max-dense-n", "-1"], "--max-dense-n"),
    (["--workers", "0"], "--workers"),
    (["--workers", "two"], "--workers"),
    (["--out", "a_file/sub"], "--out a_file/sub"),
    (["--out", "a_file"], "--out a_file"),
    (["--plot", "nosuch"], "nosuch"),
    (["--plot", "beale"], "beale"),  # a real problem, but not among those run
    (["--solvers", "lbfgs,lbfgs"], "lbfgs"),
    (["--problems", "rosenbrock,rosenbrock"], "rosenbrock"),
]
RUN_ROSENBROCK = ["compare", "--problems", "rosenbrock", "--solvers", "lbfgs", "--no-progress"]


@pytest.mark.parametrize("flags, named", BAD_VALUES)
def test_bad_command_line_values_are_one_line_exit_2_and_nothing_runs(flags, named, tmp_path, monkeypatch, capsys):
    (tmp_path / "a_file").write_text("not a folder")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main([*RUN_ROSENBROCK, *flags])
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and named in lines[0], captured.err
    assert captured.out == ""
    assert not (tmp_path / "compare-out").exists()


# The issue's own commands, through the interpreter as a user runs them (a subprocess each,
# so only these; the in-process test above covers every value).
@pytest.mark.parametrize("flags", [["--maxiter", "-3"], ["--out", "a_file/sub"], ["--plot", "nosuch"],
                                   ["--solvers", "lbfgs,lbfgs"], ["--workers", "0"]])
def test_the_issues_commands_exit_2_with_one_line_and_no_traceback(flags, tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    done = run_cli(*RUN_ROSENBROCK[1:], *flags, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert done.stdout == ""


def test_workers_give_the_serial_table_except_time():
    problems = compare.resolve_problems("rosenbrock,beale,helical_valley,extended_rosenbrock_n10")
    solvers = ["trust-steihaug", "lbfgs", "trust-exact", "scipy:L-BFGS-B"]
    options = dict(max_dense_n=5)  # trust-exact is skipped on n = 10 in both runs
    serial = compare.run_comparison(problems, solvers, **options)
    seen = []
    parallel = compare.run_comparison(problems, solvers, workers=2, on_run=seen.append, **options)
    assert len(serial) == 15 and len(seen) == 16 and seen.count(None) == 1

    def without_time(runs):
        return [{k: v for k, v in vars(r).items() if k != "time"} for r in runs]

    assert without_time(parallel) == without_time(serial)
    assert without_time_column(compare.format_table(parallel)) == without_time_column(compare.format_table(serial))


def test_workers_refuse_a_problem_they_cannot_rebuild_and_a_bad_count():
    from trustopt.problems import Problem

    custom = Problem("my_problem", lambda x: (x @ x), np.ones(2), (0.0,))
    with pytest.raises(ValueError, match="my_problem"):
        compare.run_comparison([custom], ["lbfgs"], workers=2)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="workers"):
            compare.run_comparison([get_problem("beale")], ["lbfgs"], workers=bad)


def test_command_line_workers_print_the_serial_table(tmp_path, capsys):
    argv = ["compare", "--problems", "rosenbrock,beale", "--solvers", "lbfgs,trust-steihaug", "--no-progress"]
    assert main([*argv, "--out", str(tmp_path / "serial")]) == 0
    serial = capsys.readouterr().out
    assert main([*argv, "--out", str(tmp_path / "parallel"), "--workers", "2"]) == 0
    parallel = capsys.readouterr().out

    def rows(stdout):
        return without_time_column(stdout.split("\n\n")[0])

    assert len(rows(serial)) == 6
    assert rows(parallel) == rows(serial)


PARSER = _build_parser()
NUMERIC_FLAGS = {
    "--gtol": lambda v: math.isfinite(v) and v > 0,
    "--rtol": lambda v: math.isfinite(v) and v > 0,
    "--maxiter": lambda v: isinstance(v, int) and v >= 0,
    "--max-dense-n": lambda v: isinstance(v, int) and v >= 0,
    "--workers": lambda v: isinstance(v, int) and v >= 1,
}


@given(flag=st.sampled_from(sorted(NUMERIC_FLAGS)),
       text=st.one_of(st.text(max_size=12), st.integers(-10**6, 10**6).map(str),
                      st.floats(allow_nan=True, allow_infinity=True).map(repr)))
@settings(max_examples=100, deadline=None)
def test_a_numeric_flag_is_either_a_valid_value_or_one_line_and_exit_2(flag, text):
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = PARSER.parse_args(["compare", f"{flag}={text}"])
    except SystemExit as exc:
        assert exc.code == 2
        lines = stderr.getvalue().strip().splitlines()
        assert len(lines) == 1 and f"argument {flag}" in lines[0]
    else:
        assert NUMERIC_FLAGS[flag](getattr(args, flag[2:].replace("-", "_")))


def test_least_squares_solvers_run_on_residual_problems_only():
    problems = [get_problem("rosenbrock"), get_problem("beale")]
    runs = compare.run_comparison(problems, ["lsq-lm", "scipy:lsq-lm", "lsq-steihaug"])
    assert len(runs) == 6 and all(r.solved for r in runs)
    by = {(r.problem, r.solver): r for r in runs}
    assert by["beale", "lsq-lm"].fun == pytest.approx(0.0, abs=1e-20)
    assert all(r.nfev >= 1 and r.njev >= 1 for r in runs)
    assert by["rosenbrock", "lsq-steihaug"].nhev > 0 and by["rosenbrock", "lsq-lm"].nhev == 0
    assert compare.resolve_problems("lsq") and all(p.residuals is not None for p in compare.resolve_problems("lsq"))
    assert compare.resolve_solvers("lsq") == list(compare.LEAST_SQUARES_SOLVERS)
    assert compare.run_comparison([get_problem("quadratic_n100_cond100")], ["lsq-lm"]) == []
