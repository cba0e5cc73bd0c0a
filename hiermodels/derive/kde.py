"""A one-dimensional Gaussian kernel density estimate without ``scipy.stats``.

``scipy.stats.gaussian_kde(data)(points)`` for 1-D data, computed the way SciPy computes it
(Scott's bandwidth from the effective sample size, the data covariance of ``numpy.cov`` with
uniform weights, its Cholesky factor, whitened data and points, each point's weighted sum
added up data point by data point), in NumPy. Importing
``scipy.stats`` costs ~0.5 s in a fresh process; the checks every fit runs (the posterior
of a group SD near zero, :mod:`hiermodels.derive.diagnostics`) need only this density.
The one difference is the exponential: NumPy's vectorised ``exp`` instead of the C
library's, which may differ in the last bit (relative differences of ~1e-16).
"""

from __future__ import annotations

import numpy as np

#: Cells (data points x evaluation points) evaluated per block: a block stays in the cache.
BLOCK_CELLS = 1 << 18


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
    if n < 2:
        raise ValueError("gaussian_kde_1d needs at least two data points.")
    weights = np.ones(n) / n
    neff = 1 / np.vecdot(weights, weights)
    factor = np.power(neff, -1.0 / 5)  # Scott's rule, d = 1
    cov = np.atleast_2d(np.cov(x[None, :], rowvar=1, bias=False, aweights=weights))
    cho = float(np.sqrt(cov[0, 0]) * factor)  # the 1 x 1 Cholesky factor of the bandwidth
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
