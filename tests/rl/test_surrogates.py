import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from rl import surrogates


def test_clipped_surrogate_equals_a_hand_computed_value():
    # ratios 1.5, 0.5, 1.1, 0.9 with advantages +1, +1, −2, −2 and ε = 0.2:
    #   A>0: min(r, clip(r)) → min(1.5, 1.2) = 1.2 and min(0.5, 0.8) = 0.5
    #   A<0: min(rA, clip(r)A) → min(−2.2, −2.2) = −2.2 and min(−1.8, −1.8) = −1.8
    logp_old = np.log(np.array([0.2, 0.4, 0.5, 0.5]))
    ratio = np.array([1.5, 0.5, 1.1, 0.9])
    adv = np.array([1.0, 1.0, -2.0, -2.0])
    value = surrogates.clipped_ratio(0.2)(logp_old + np.log(ratio), logp_old, adv)
    assert value == pytest.approx((1.2 + 0.5 - 2.2 - 1.8) / 4, rel=1e-12)


def test_clipped_gradient_vanishes_outside_the_clip_range_in_the_favoured_direction():
    logp_old = np.zeros(4)
    # sample 0: r = 1.5 > 1+ε with A > 0 → clipped, zero gradient
    # sample 1: r = 0.5 < 1−ε with A < 0 → clipped, zero gradient
    # sample 2: r = 0.5 < 1−ε with A > 0 → unclipped (min picks r·A), gradient r·A/N
    # sample 3: r = 1.05 inside → gradient r·A/N
    logp = np.log(np.array([1.5, 0.5, 0.5, 1.05]))
    adv = np.array([1.0, -1.0, 2.0, -3.0])
    g = grad(lambda lp: surrogates.clipped_ratio(0.2)(lp, logp_old, adv))(logp)
    np.testing.assert_allclose(g, [0.0, 0.0, 0.5 * 2.0 / 4, 1.05 * -3.0 / 4], rtol=1e-12, atol=0)


def test_all_three_surrogates_share_the_policy_gradient_at_the_old_policy():
    rng = np.random.default_rng(0)
    logp_old = np.log(rng.uniform(0.1, 1.0, 50))
    adv = rng.standard_normal(50)
    grads = [grad(lambda lp, s=s: s(lp, logp_old, adv))(logp_old.copy())
             for s in (surrogates.ratio, surrogates.clipped_ratio(0.2), surrogates.log_prob)]
    for g in grads:
        np.testing.assert_allclose(g, adv / 50, rtol=1e-12)


def test_ratio_surrogate_is_mean_ratio_times_advantage():
    logp_old, logp = np.log([0.5, 0.25]), np.log([0.25, 0.5])
    assert surrogates.ratio(logp, logp_old, np.array([2.0, 1.0])) == pytest.approx((0.5 * 2 + 2.0 * 1) / 2)
    assert surrogates.log_prob(anp.array(logp), logp_old, np.array([2.0, 1.0])) == pytest.approx(np.mean(logp * [2, 1]))


def test_clip_fraction_and_bad_clip_range():
    assert surrogates.clip_fraction(np.log([1.5, 1.0, 0.7, 1.1]), 0.2) == 0.5
    with pytest.raises(ValueError, match="clip_range"):
        surrogates.clipped_ratio(1.5)
