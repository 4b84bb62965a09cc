"""The HS comparison: shared counters, the solved criterion, the table, CSV and profile, and the CLI route."""

import csv

import pytest

from trustopt.__main__ import main
from trustopt.compare_constrained import main_hs, run_constrained, summarize_constrained
from trustopt.problems_hs import get_hs


def test_runs_count_every_evaluation_and_judge_solved_by_f_and_violation():
    problems = [get_hs("hs035"), get_hs("hs038")]
    runs = run_constrained(problems, ["trustopt-default", "scipy-slsqp", "scipy-l-bfgs-b"])
    by = {(r.problem, r.solver): r for r in runs}
    assert ("hs035", "scipy-l-bfgs-b") not in by, "L-BFGS-B runs on bound-only problems only"
    assert ("hs038", "scipy-l-bfgs-b") in by
    for r in runs:
        assert r.cost == r.nfev + r.njev + r.ncev + r.njcev
        problem = get_hs(r.problem)
        assert r.solved == problem.solved(r.fun, r.violation)
    # hs035 has one linear inequality: both SQPs evaluate it (once per point), hs038 has none.
    assert by[("hs035", "scipy-slsqp")].ncev > 0 and by[("hs035", "trustopt-default")].ncev > 0
    assert by[("hs038", "trustopt-default")].ncev == 0
    assert by[("hs035", "trustopt-default")].solved
    assert "trustopt-default" in summarize_constrained(runs)


def test_main_hs_writes_csv_and_profile(tmp_path):
    text, png = main_hs("hs035,hs071", "trustopt-sqp,scipy-slsqp", tmp_path, table="summary")
    assert png.exists() and png.stat().st_size > 0
    rows = list(csv.DictReader(open(tmp_path / "compare_hs.csv")))
    assert {(r["problem"], r["solver"]) for r in rows} == {
        (p, s) for p in ("hs035", "hs071") for s in ("trustopt-sqp", "scipy-slsqp")}
    assert "scipy-slsqp" in text
    with pytest.raises(ValueError, match="unknown constrained solver"):
        main_hs("hs035", "nope", tmp_path)


def test_cli_routes_hs_problems(tmp_path, capsys):
    assert main(["compare", "--problems", "hs035", "--solvers", "trustopt-sqp", "--out", str(tmp_path),
                 "--no-progress", "--table", "summary"]) == 0
    assert "trustopt-sqp" in capsys.readouterr().out
    assert (tmp_path / "profile_hs.png").exists()
