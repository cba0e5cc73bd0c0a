"""The exact two-sided binomial test, without importing ``scipy.stats``.

The outlier check every fit runs (:func:`hiermodels.derive.residuals.outlier_test`) asks
``scipy.stats.binomtest(k, n, p).pvalue``; importing ``scipy.stats`` for it costs 0.6-1.0 s
in a fresh process (issue 11). :func:`binom_test_p` is SciPy 1.17's two-sided algorithm
(``scipy/stats/_binomtest.py``: the probability of every outcome no more likely than
``k``, found by a binary search on the other side of the mode, with SciPy's relative
tolerance 1e-7), on the same Boost binomial functions ``scipy.stats.binom`` calls
(``scipy.special._ufuncs._binom_pmf/_cdf/_sf``) with ``binom``'s support rules, so the
p-value is SciPy's bit for bit (``tests/test_kolmogorov.py`` checks it). Those functions
are private to SciPy: where they are missing, ``scipy.stats.binomtest`` is called.

Algorithm and search: SciPy (BSD-3-Clause, Copyright (c) 2001-2002 Enthought, Inc.
2003-2024, SciPy Developers).
"""

from __future__ import annotations

import math

import numpy as np


def _boost():
    try:
        from scipy.special._ufuncs import _binom_cdf, _binom_pmf, _binom_sf
    except ImportError:  # pragma: no cover - another SciPy layout
        return None
    return _binom_pmf, _binom_cdf, _binom_sf


def binom_test_p(k: int, n: int, p: float) -> float:
    """Two-sided exact binomial test p-value of ``k`` successes in ``n`` trials at rate ``p``.

    ``scipy.stats.binomtest(k, n, p).pvalue`` (k <= n, n >= 1, 0 <= p <= 1).
    """
    fns = _boost()
    if fns is None:  # pragma: no cover
        from scipy import stats

        return float(stats.binomtest(k, n, p).pvalue)
    b_pmf, b_cdf, b_sf = fns

    def pmf(x):  # binom.pmf: 0 off the support 0..n
        return b_pmf(x, n, p) if 0 <= x <= n else 0.0

    def cdf(x):  # binom.cdf of floor(x): 0 below the support, 1 from n on
        x = math.floor(x)
        return 0.0 if x < 0 else (1.0 if x >= n else b_cdf(x, n, p))

    def sf(x):  # binom.sf of floor(x): 1 below the support, 0 from n on
        x = math.floor(x)
        return 1.0 if x < 0 else (0.0 if x >= n else b_sf(x, n, p))

    d = pmf(k)
    rerr = 1 + 1e-7
    if k == p * n:
        pval = 1.0
    elif k < p * n:
        ix = _search(lambda x1: -pmf(x1), -d * rerr, np.ceil(p * n), n)
        y = n - ix + int(d * rerr == pmf(ix))
        pval = cdf(k) + sf(n - y)
    else:
        ix = _search(pmf, d * rerr, 0, np.floor(p * n))
        y = ix + 1
        pval = cdf(y - 1) + sf(k - 1)
    return float(min(1.0, pval))


def _search(a, d, lo, hi):
    """SciPy's ``_binary_search_for_binom_tst``: i in [lo, hi] with a(i) <= d < a(i + 1)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        midval = a(mid)
        if midval < d:
            lo = mid + 1
        elif midval > d:
            hi = mid - 1
        else:
            return mid
    if a(lo) <= d:
        return lo
    return lo - 1
