"""The comparison runner and ``python -m trustopt compare``."""

from __future__ import annotations

import csv
import math

import pytest

from trustopt import compare
from trustopt.__main__ import main
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
