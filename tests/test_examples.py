"""The examples run here in fast mode, and what they compute is checked."""

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mm_logistic_regression(tmp_path, capsys):
    out = load("mm_logistic_regression").main(fast=True, out_dir=tmp_path)
    assert out["plot"].exists() and out["plot"].stat().st_size > 0
    runs = out["runs"]
    mm = runs["MM (Böhning bound)"]
    assert np.all(np.diff(mm["fun"]) <= 0)  # monotone descent: the bound majorizes
    for run in runs.values():
        assert run["fun"][-1] - out["f_star"] <= 1e-10
    x_ref = runs["L-BFGS"]["x"]
    for run in runs.values():
        np.testing.assert_allclose(run["x"], x_ref, atol=1e-6)
    assert [r["method"] for r in out["rows"]] == list(runs)
    assert "f - f*" in capsys.readouterr().out


def test_natural_gradient_invariance(tmp_path):
    out = load("natural_gradient").main(fast=True, out_dir=tmp_path)
    assert out["plot"].exists() and out["plot"].stat().st_size > 0
    ng, gd = out["runs"]["natural gradient"], out["runs"]["gradient descent"]
    # Natural-gradient iterates agree in both parametrizations; gradient descent's do not.
    assert ng["deviation"].max() <= 1e-8
    assert gd["deviation"].max() >= 1e-2
    # The natural-gradient fit makes progress: every step kept f from rising, and it
    # ends far closer to the optimum than gradient descent.
    assert np.all(np.diff(ng["gap_x"]) <= 1e-15)
    assert ng["gap_x"][-1] <= 1e-6 < gd["gap_x"][-1]
    # Every trust-region step respected its bound.
    for row in out["ng_rows"]:
        assert row["divergence"] <= row["max_divergence"]

