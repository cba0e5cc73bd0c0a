"""A one-dimensional Gaussian kernel density estimate without ``scipy.stats``.

``scipy.stats.gaussian_kde(data)(points)`` for 1-D data, computed the way SciPy computes it
(Scott's bandwidth from the effective sample size, the data covariance of ``numpy.cov`` with
uniform weights, its Cholesky factor, whitened data and points, each point's weighted sum
added up data point by data point), in NumPy. Importing
``scipy.stats`` costs ~0.5 s in a fresh process; the checks every fit runs (the posterior
of a group SD near zero, :mod:`hiermodels.derive.diagnostics`) need only this density.
The one difference is the exponential: NumPy's vectorised ``exp`` instead of the C
library's, which may differ in the last bit (relative differences of ~1e-16).
:func:`gaussian_kde_1d_fast` gives the same density to ~1e-14 (a fast Gauss transform),
in a tenth of the time for the checks' 8,000 draws x 200 points; the checks use it.
"""

from __future__ import annotations

import numpy as np

#: Cells (data points x evaluation points) evaluated per block: a block stays in the cache.
BLOCK_CELLS = 1 << 18
#: :func:`gaussian_kde_1d_fast`: Taylor terms per box of data, and the distance (in
#: bandwidths) from a point beyond which a box's centre is ignored.
FGT_TERMS = 40
FGT_CUTOFF = 10.0
#: Up to this many cells (data points x evaluation points) :func:`gaussian_kde_1d_fast`
#: evaluates the direct sum (:func:`gaussian_kde_1d`), then cheaper than the boxes' moments.
FGT_MIN_CELLS = 1 << 16


def _scott(x: np.ndarray) -> tuple[np.ndarray, float]:
    """SciPy's uniform weights and bandwidth (Scott's rule, 1-D) of the sample ``x``."""
    n = x.size
    if n < 2:
        raise ValueError("gaussian_kde_1d needs at least two data points.")
    weights = np.ones(n) / n
    neff = 1 / np.vecdot(weights, weights)
    factor = np.power(neff, -1.0 / 5)  # Scott's rule, d = 1
    cov = np.atleast_2d(np.cov(x[None, :], rowvar=1, bias=False, aweights=weights))
    return weights, float(np.sqrt(cov[0, 0]) * factor)  # the 1 x 1 Cholesky factor


def gaussian_kde_1d(data, points) -> np.ndarray:
    """Gaussian kernel density of the 1-D sample ``data`` at ``points`` (Scott's rule).

    Parameters
    ----------
    data : array_like
        The sample (flattened); at least two distinct values.
    points : array_like
        Where to evaluate the density (flattened).

    Returns
    -------
    numpy.ndarray
        The density at each point: ``scipy.stats.gaussian_kde(data)(points)``.
    """
    x = np.asarray(data, dtype=float).ravel()
    n = x.size
    weights, cho = _scott(x)
    inv = 1 / cho  # LAPACK's triangular solve multiplies by the diagonal's reciprocal
    xw = x * inv
    pts = np.atleast_1d(np.asarray(points, dtype=float)).ravel()
    pw = pts * inv
    norm = np.power(2 * np.pi, -1 / 2.0) / cho
    out = np.empty(pts.size)
    step = max(2, min(pts.size, BLOCK_CELLS // n))
    buf = np.empty((n, step))  # one buffer for every block: no page faults per block
    for a in range(0, pts.size, step):
        cols = pw[a : a + step]
        if cols.size == 1:  # a one-column sum would be pairwise: evaluate the point twice
            cols = np.r_[cols, cols]
        r = buf[:, : cols.size]
        np.subtract(xw[:, None], cols[None, :], out=r)  # then exp(-r^2 / 2) norm w, in place
        np.multiply(r, r, out=r)
        np.negative(r, out=r)
        r /= 2.0
        np.exp(r, out=r)
        r *= norm
        r *= weights[:, None]
        # a sum over axis 0 of two or more C-ordered columns adds the rows in order, as
        # SciPy's loop does
        out[a : a + step] = r.sum(axis=0)[: min(step, pts.size - a)]
    return out


def gaussian_kde_1d_fast(data, points) -> np.ndarray:
    """:func:`gaussian_kde_1d` by a fast Gauss transform: the same density to ~1e-14.

    The direct sum costs (data points x evaluation points) exponentials: 8,000 x 200
    (a reflected SD posterior on the checks' grid) take ~12 ms, and every fit's checks
    evaluate four. Here the data are cut into boxes one bandwidth wide; in bandwidth units,
    for a point ``v`` from a box centre and a datum ``d`` from it (``|d| <= 1/2``),
    ``exp(-(v - d)^2 / 2) = exp(-v^2 / 2) exp(-d^2 / 2) sum_p v^p d^p / p!``, so each box
    needs only its ``FGT_TERMS`` moments ``sum_i w_i exp(-d_i^2 / 2) d_i^p`` (one pass over
    the data) and each point only the boxes within ``FGT_CUTOFF`` bandwidths (at most 21):
    ~1.5 ms. Errors, relative to the largest possible density ``1 / (sqrt(2 pi) h)``:
    the boxes left out hold data at least 9.5 bandwidths away, < exp(-45) = 3e-20; the
    series' remainder, ``|v d| <= 5``, is < 5^40 / 40! e^5 = 2e-18; rounding, a few 1e-16.
    So the density differs from :func:`gaussian_kde_1d` by at most ~1e-15 of that bound
    (``tests/test_postfit_kde.py`` asserts 1e-13 of the largest value on the grid): ~1e-14
    relatively where the density is near its largest value, ~1e-13 where it is 1e-3 of
    it; points more than 10 bandwidths from every datum get 0 instead of a density below
    1e-21 of the largest.
    Small problems (up to ``FGT_MIN_CELLS`` cells) and degenerate input (constant or
    non-finite data, non-finite points) go to :func:`gaussian_kde_1d`, so its NaNs and
    errors are the same.

    Parameters
    ----------
    data : array_like
        The sample (flattened); at least two distinct values.
    points : array_like
        Where to evaluate the density (flattened).

    Returns
    -------
    numpy.ndarray
        The density at each point, ``scipy.stats.gaussian_kde(data)(points)`` to ~1e-14.
    """
    x = np.asarray(data, dtype=float).ravel()
    pts = np.atleast_1d(np.asarray(points, dtype=float)).ravel()
    weights, cho = _scott(x)
    finite = np.isfinite(cho) and cho > 0 and np.isfinite(x).all() and np.isfinite(pts).all()
    if not finite or x.size * pts.size <= FGT_MIN_CELLS:
        return gaussian_kde_1d(x, pts)
    u, pw = x / cho, pts / cho  # bandwidth units
    boxes, of = np.unique(np.floor(u), return_inverse=True)  # the occupied boxes, sorted
    centres = boxes + 0.5
    d = u - centres[of]
    term = weights * np.exp(-0.5 * d * d)
    moments = np.empty((FGT_TERMS, boxes.size))  # sum over a box of w e^(-d^2/2) d^p / p!
    for p in range(FGT_TERMS):
        moments[p] = np.bincount(of, weights=term, minlength=boxes.size)
        term = term * (d / (p + 1))
    # every (point, box) pair within the cut-off, point by point
    lo = np.searchsorted(centres, pw - FGT_CUTOFF, side="left")
    count = np.searchsorted(centres, pw + FGT_CUTOFF, side="right") - lo
    at = np.repeat(np.arange(pts.size), count)
    box = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count - lo, count)
    v = pw[at] - centres[box]
    m = moments[:, box]
    series = m[-1]
    for p in range(FGT_TERMS - 2, -1, -1):  # Horner: sum_p m_p v^p
        series = series * v + m[p]
    dens = np.bincount(at, weights=np.exp(-0.5 * v * v) * series, minlength=pts.size)
    return dens * (np.power(2 * np.pi, -1 / 2.0) / cho)
