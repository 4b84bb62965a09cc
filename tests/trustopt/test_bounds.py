"""Box: projection, stationarity measure, free set; as_box over scipy's forms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds

from trustopt.bounds import Box, as_box

finite = st.floats(-1e3, 1e3, allow_nan=False)


def test_as_box_reads_every_scipy_form_alike():
    pairs = [(0.0, None), (None, 2.0), (-1.0, 1.0)]
    from_pairs = as_box(pairs, 3)
    from_bounds = as_box(Bounds([0.0, -np.inf, -1.0], [np.inf, 2.0, 1.0]), 3)
    from_box = as_box(from_pairs, 3)
    for box in (from_bounds, from_box):
        np.testing.assert_array_equal(box.lower, from_pairs.lower)
        np.testing.assert_array_equal(box.upper, from_pairs.upper)
    np.testing.assert_array_equal(from_pairs.lower, [0.0, -np.inf, -1.0])
    np.testing.assert_array_equal(from_pairs.upper, [np.inf, 2.0, 1.0])
    assert as_box(None, 3) is None
    # scipy's scalar Bounds broadcast to every variable.
    np.testing.assert_array_equal(as_box(Bounds(0, 1), 4).upper, np.ones(4))
    assert as_box([(None, None)] * 2, 2).unbounded and not from_pairs.unbounded


def test_bad_bounds_raise_naming_the_problem():
    with pytest.raises(ValueError, match=r"lower\[1\] = 3.0 > upper\[1\] = 2.0"):
        as_box([(0, 1), (3, 2)], 2)
    with pytest.raises(ValueError, match="bounds must have one"):
        as_box([(0, 1)], 2)
    with pytest.raises(ValueError, match="bounds"):
        as_box(Bounds(np.zeros(3), np.ones(3)), 2)
    with pytest.raises(ValueError, match=r"bounds\[0\] must be a \(lo, hi\) pair"):
        as_box([3.0], 1)
    with pytest.raises(ValueError, match="NaN"):
        Box(np.array([np.nan]), np.array([1.0]))


def test_box_arrays_are_read_only_copies():
    lower = np.zeros(2)
    box = Box(lower, np.ones(2))
    lower[0] = -5.0
    assert box.lower[0] == 0.0
    with pytest.raises(ValueError):
        box.lower[0] = 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(finite, finite, finite, finite), min_size=1, max_size=6))
def test_projection_is_the_nearest_point_and_the_measure_vanishes_only_at_kkt(rows):
    a, b, x, g = (np.array(col) for col in zip(*rows))
    g = np.round(g)  # whole numbers: x − g is exact, so "= 0" means what it says
    box = Box(np.minimum(a, b), np.maximum(a, b))
    p = box.project(x)
    assert box.contains(p)
    # Nearest point: no feasible vertex/coordinate choice is closer, componentwise.
    assert np.all(np.abs(p - x) <= np.abs(box.lower - x) + 1e-12)
    assert np.all(np.abs(p - x) <= np.abs(box.upper - x) + 1e-12)
    np.testing.assert_array_equal(box.project(p), p)
    # P(x − g) − x = 0 at a feasible x ⇔ KKT: gᵢ = 0 inside, gᵢ ≥ 0 at a lower, gᵢ ≤ 0 at an upper bound.
    kkt = np.where(p <= box.lower, g >= 0, True) & np.where(p >= box.upper, g <= 0, True)
    kkt &= np.where((p > box.lower) & (p < box.upper), g == 0, True)
    kkt |= box.lower == box.upper  # a fixed variable is stationary whatever its gradient
    assert (np.max(np.abs(box.projected_gradient(p, g))) == 0) == bool(np.all(kkt))


def test_free_set_and_max_step():
    box = Box(np.array([0.0, 0.0, 0.0, 1.0]), np.array([1.0, 1.0, 1.0, 1.0]))
    x = np.array([0.0, 1.0, 0.5, 1.0])
    # At the lower bound pushed outward: held; at the upper bound pulled inward: free; fixed: never free.
    np.testing.assert_array_equal(box.free(x, np.array([1.0, -1.0, 3.0, 0.0])), [False, False, True, False])
    np.testing.assert_array_equal(box.free(x, np.array([-1.0, 1.0, 3.0, 0.0])), [True, True, True, False])
    assert box.max_step(x, np.array([0.0, 0.0, 0.25, 0.0])) == pytest.approx(2.0)
    assert Box(np.array([-np.inf]), np.array([np.inf])).max_step(np.zeros(1), np.ones(1)) == np.inf
