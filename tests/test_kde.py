"""``hiermodels.derive.kde.gaussian_kde_1d``: SciPy's Gaussian KDE without scipy.stats."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from hiermodels.derive import kde


@pytest.mark.parametrize(
    "draws",
    [
        lambda rng: np.abs(rng.normal(size=4000)) * 7,  # an SD posterior, reflected below
        lambda rng: rng.gamma(2.0, size=4000) * 0.01,
        lambda rng: rng.normal(size=37),
    ],
)
def test_equals_scipy_gaussian_kde(draws):
    """The density SciPy's gaussian_kde gives, to the last bits (NumPy's exp may differ
    from the C library's by an ulp)."""
    x = draws(np.random.default_rng(0))
    data = np.r_[x, -x]
    grid = np.linspace(0, np.quantile(x, 0.99), 200)
    ref = stats.gaussian_kde(data)(grid)
    got = kde.gaussian_kde_1d(data, grid)
    np.testing.assert_allclose(got, ref, rtol=2e-15, atol=0)


def test_blocks_give_the_same_values(monkeypatch):
    """Evaluated in blocks of a few points or in one: the same numbers, bit for bit."""
    rng = np.random.default_rng(1)
    data, grid = rng.normal(size=500), np.linspace(-3, 3, 101)
    whole = kde.gaussian_kde_1d(data, grid)
    monkeypatch.setattr(kde, "BLOCK_CELLS", 500 * 7)  # 7 points a block, a short last one
    np.testing.assert_array_equal(kde.gaussian_kde_1d(data, grid), whole)
    np.testing.assert_array_equal(kde.gaussian_kde_1d(data, grid[3]), whole[3:4])


def test_needs_two_points():
    with pytest.raises(ValueError, match="two data points"):
        kde.gaussian_kde_1d([1.0], [0.0])


def test_imports_no_scipy_stats():
    code = (
        "import sys, numpy as np\n"
        "from hiermodels.derive.kde import gaussian_kde_1d\n"
        "gaussian_kde_1d(np.arange(10.0), np.linspace(0, 9, 5))\n"
        "assert 'scipy.stats' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


def test_reflected_kde_of_the_sd_checks_equals_scipy():
    """``diagnostics.reflected_kde`` (the SD-near-zero check) is SciPy's KDE, reflected."""
    from scipy import stats

    from hiermodels.derive.diagnostics import reflected_kde

    x = np.abs(np.random.default_rng(4).normal(0.2, 0.3, size=5000))
    grid = np.linspace(0, np.quantile(x, 0.99), 200)
    xs = np.sort(x)[np.linspace(0, x.size - 1, 4000).astype(int)]
    ref = 2 * stats.gaussian_kde(np.r_[xs, -xs])(grid)
    np.testing.assert_allclose(reflected_kde(x, grid), ref, rtol=1e-13, atol=0)
