"""``kde.gaussian_kde_1d_fast``: the direct sum's density to ~1e-14 (a fast Gauss transform),
and the small-cluster checks' decisions unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from hiermodels.derive import kde
from hiermodels.derive.diagnostics import sd_at_zero

#: the stated tolerance: absolute, as a fraction of the largest density on the grid
ATOL = 1e-13
#: and relative, where the density is at least 1e-3 of its largest value
RTOL = 1e-12

SAMPLES = {
    "half-normal": lambda rng: np.abs(rng.normal(size=4000)) * 7,
    "gamma": lambda rng: rng.gamma(2.0, size=4000) * 0.01,
    "lognormal": lambda rng: np.exp(rng.normal(0, 1, 4000)),
    "half-Cauchy": lambda rng: np.abs(rng.standard_cauchy(4000)) * 0.1,
    "narrow, away from 0": lambda rng: 5 + 1e-3 * rng.normal(size=4000),
    "ties": lambda rng: np.round(np.abs(rng.normal(size=4000)), 1),
}


def _errors(data, grid):
    exact = kde.gaussian_kde_1d(data, grid)
    fast = kde.gaussian_kde_1d_fast(data, grid)
    scale = exact.max()
    big = exact >= 1e-3 * scale
    return (
        np.max(np.abs(fast - exact)) / scale,
        np.max(np.abs(fast - exact)[big] / exact[big]),
        exact,
        fast,
    )


@pytest.mark.parametrize("name", list(SAMPLES))
@pytest.mark.parametrize("reach", [1.0, 30.0])
def test_fast_kde_equals_the_direct_sum(name, reach):
    """Reflected SD-like samples on the checks' grid (0 to the 99 % quantile) and on one 30
    times wider (as the prior/posterior plot's grid can be)."""
    x = SAMPLES[name](np.random.default_rng(0))
    grid = np.linspace(0, reach * np.quantile(x, 0.99), 200)
    abs_err, rel_err, exact, fast = _errors(np.r_[x, -x], grid)
    assert abs_err < ATOL and rel_err < RTOL, (abs_err, rel_err)
    assert np.all(fast >= 0) and np.all(fast[exact > 1e-20 * exact.max()] > 0)


def test_the_tolerance_test_catches_a_short_series(monkeypatch):
    """With 8 Taylor terms instead of 40 the same comparison fails."""
    x = SAMPLES["half-normal"](np.random.default_rng(0))
    grid = np.linspace(0, np.quantile(x, 0.99), 200)
    monkeypatch.setattr(kde, "FGT_TERMS", 8)
    abs_err, rel_err, *_ = _errors(np.r_[x, -x], grid)
    assert abs_err > ATOL and rel_err > RTOL


def test_points_far_from_every_datum_get_zero():
    data = np.random.default_rng(1).normal(size=5000)
    far = np.array([-1e3, 50.0, 1e6])
    np.testing.assert_array_equal(kde.gaussian_kde_1d_fast(data, far), np.zeros(3))


def test_small_and_degenerate_inputs_are_the_direct_sum(monkeypatch):
    rng = np.random.default_rng(2)
    data, grid = rng.normal(size=37), np.linspace(-2, 2, 9)
    np.testing.assert_array_equal(
        kde.gaussian_kde_1d_fast(data, grid), kde.gaussian_kde_1d(data, grid)
    )
    big, pts = rng.normal(size=4000), np.linspace(-3, 3, 50)
    bad = big.copy()
    bad[7] = np.nan
    np.testing.assert_array_equal(
        kde.gaussian_kde_1d_fast(bad, pts), kde.gaussian_kde_1d(bad, pts)
    )  # NaN data: NaN densities, as the direct sum gives
    odd = np.r_[pts, np.nan, np.inf]
    np.testing.assert_array_equal(kde.gaussian_kde_1d_fast(big, odd), kde.gaussian_kde_1d(big, odd))
    with pytest.raises(ZeroDivisionError):  # a constant sample, as the direct sum
        kde.gaussian_kde_1d_fast(np.ones(5000), pts)
    with pytest.raises(ValueError, match="two data points"):
        kde.gaussian_kde_1d_fast([1.0], [0.0])
    monkeypatch.setattr(kde, "FGT_MIN_CELLS", 0)  # the transform itself on a small problem
    np.testing.assert_allclose(
        kde.gaussian_kde_1d_fast(data, grid), kde.gaussian_kde_1d(data, grid), rtol=1e-13
    )


def test_the_sd_checks_decide_as_with_the_direct_sum(monkeypatch):
    """``sd_at_zero`` (density ratio at 0, piles-up verdict) on samples near and far from
    its thresholds: the same verdicts, ratios within 1e-12."""
    rng = np.random.default_rng(3)
    samples = [
        np.abs(rng.normal(0, 1, 4000)),  # ratio 1: piles up
        rng.gamma(4, 1, 4000),  # ratio 0.14
        np.abs(rng.normal(1.0, 1, 6000)),  # ratio 0.986, near the 0.95 threshold
        np.abs(rng.normal(1.5, 1, 4000)),  # ratio 0.66
        rng.gamma(1.6, 1, 4000),  # ratio 0.82
    ]
    fast = [sd_at_zero(x) for x in samples]
    monkeypatch.setattr(kde, "gaussian_kde_1d_fast", kde.gaussian_kde_1d)
    exact = [sd_at_zero(x) for x in samples]
    for f, e in zip(fast, exact, strict=True):
        assert f["piles_at_zero"] == e["piles_at_zero"]
        assert f["q05_over_median"] == e["q05_over_median"]
        assert f["density_at_zero"] == pytest.approx(e["density_at_zero"], rel=1e-12)
    assert [f["piles_at_zero"] for f in fast] == [True, False, True, False, False]
    assert [round(f["density_at_zero"], 2) for f in fast] == [1.0, 0.14, 0.99, 0.66, 0.82]
