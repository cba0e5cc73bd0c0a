"""The checks' KS and binomial tests without ``scipy.stats``: SciPy's numbers, bit for bit.

``derive/kolmogorov.ks_uniform`` and ``derive/binomial_test.binom_test_p`` replace
``scipy.stats.kstest(r, "uniform")`` and ``scipy.stats.binomtest(k, n, p).pvalue`` in the
quantile-residual checks every fit runs (issue 11: importing ``scipy.stats`` was 0.6-1 s of
a 4 s warm fit). Every branch of SciPy's exact KS distribution is reached: the
Ruben-Gambino closed forms, Durbin's matrix (n <= 140 and large n), Pomeranz's recursion,
Pelz-Good and Miller's 2 x Smirnov.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from hiermodels.derive.binomial_test import binom_test_p
from hiermodels.derive.kolmogorov import kolmogorov_sf, ks_uniform

SIZES = [1, 2, 3, 7, 20, 60, 139, 140, 141, 180, 500, 2000, 10_000, 120_000]


@pytest.mark.parametrize("n", SIZES)
def test_kolmogorov_sf_equals_scipy_kstwo_over_the_whole_range(n):
    xs = np.r_[np.linspace(0, 1, 201), 0.5 / n, 1 / n, 1 - 1 / n, 0.9999 / n, 1.0001 / n]
    ours = np.array([kolmogorov_sf(n, x) for x in xs])
    assert np.array_equal(ours, stats.kstwo.sf(xs, n), equal_nan=True)


@pytest.mark.parametrize("n", SIZES)
def test_ks_uniform_equals_scipy_kstest(n):
    rng = np.random.default_rng(n)
    for power in (0.5, 0.9, 1.0, 1.1, 2.0):  # from uniform to clearly not
        r = rng.uniform(size=n) ** power
        if n > 2:
            r[:2] = [0.0, 1.0]  # the ends, as outlying residuals are
        ref = stats.kstest(r, "uniform")
        assert ks_uniform(r) == (ref.statistic, ref.pvalue)


def test_binom_test_p_equals_scipy_binomtest():
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 40, 180, 7584, 100_000):
        for p in (0.0, 1.0, 2 / 401, 0.01, 0.3, 0.5, rng.uniform()):
            ks = {0, 1, n, n // 2, int(p * n), min(n, int(p * n) + 1), min(n, int(3 * p * n) + 2)}
            ks |= set(rng.integers(0, n + 1, 4).tolist())
            for k in sorted(ks):
                assert binom_test_p(k, n, p) == stats.binomtest(k, n, p).pvalue, (k, n, p)


def test_neither_imports_scipy_stats():
    code = (
        "import sys, numpy as np\n"
        "from hiermodels.derive.kolmogorov import ks_uniform\n"
        "from hiermodels.derive.binomial_test import binom_test_p\n"
        "ks_uniform(np.linspace(0.01, 0.99, 50)); binom_test_p(3, 100, 0.01)\n"
        "assert 'scipy.stats' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
