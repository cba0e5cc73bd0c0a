r"""Exact REML for one random intercept, boundary included (a check on statsmodels).

statsmodels' ``MixedLM`` cannot evaluate a zero variance (its parameterisation needs an
invertible covariance): when the REML optimum is at :math:`\tau^2 = 0` it stops short,
reports a small positive variance and "failed to converge", where lme4 returns 0 and
``isSingular``. For :math:`y = X\beta + Z b + e`, :math:`b_j \sim N(0, \tau^2)`,
:math:`e \sim N(0, \sigma^2 I)` with :math:`\gamma = \tau^2/\sigma^2` and
:math:`H = I + \gamma ZZ'` (block diagonal; level :math:`j` has :math:`n_j` rows):

.. math::

    H_j^{-1} = I - c_j \mathbf 1\mathbf 1', \quad c_j = \frac{\gamma}{1 + n_j\gamma},
    \quad \log|H| = \sum_j \log(1 + n_j\gamma),

    X'H^{-1}X = X'X - \sum_j c_j s_j s_j', \quad s_j = X_j'\mathbf 1, \qquad
    \hat\beta = (X'H^{-1}X)^{-1}X'H^{-1}y, \quad
    \hat\sigma^2 = \frac{(y - X\hat\beta)'H^{-1}(y - X\hat\beta)}{n - p},

and the profiled REML log-likelihood (Harville 1977; Bates et al. 2015, eq. 41)

.. math::

    \ell_R(\gamma) = -\tfrac12\Big[(n - p)\big(1 + \log(2\pi\hat\sigma^2)\big) + \log|H|
        + \log|X'H^{-1}X|\Big],

all from per-level sums (O(n p^2)). :func:`random_intercept_reml` maximises it over
:math:`\gamma \ge 0` (bounded search on :math:`\log\gamma` plus :math:`\gamma = 0` itself).
"""

from __future__ import annotations

import numpy as np


def _stats(y, X, codes):
    J = int(codes.max()) + 1
    n_j = np.bincount(codes, minlength=J).astype(float)
    s = np.zeros((J, X.shape[1]))
    np.add.at(s, codes, X)
    t = np.bincount(codes, weights=y, minlength=J)
    return n_j, s, t, X.T @ X, X.T @ y, float(y @ y)


def profiled_reml(gamma: float, y, X, codes, stats=None) -> dict:
    """:math:`\\ell_R(\\gamma)` with :math:`\\hat\\beta`, its covariance and :math:`\\hat\\sigma^2`."""
    n_j, s, t, XtX, Xty, yty = stats if stats is not None else _stats(y, X, codes)
    n, p = X.shape
    c = gamma / (1.0 + n_j * gamma)
    A = XtX - (s * c[:, None]).T @ s
    b = Xty - s.T @ (c * t)
    q = yty - np.sum(c * t * t)
    beta = np.linalg.solve(A, b)
    sigma2 = (q - beta @ b) / (n - p)
    logdet_A = np.linalg.slogdet(A)[1]
    ll = -0.5 * (
        (n - p) * (1.0 + np.log(2 * np.pi * sigma2)) + np.sum(np.log1p(n_j * gamma)) + logdet_A
    )
    return {
        "ll": float(ll),
        "gamma": float(gamma),
        "beta": beta,
        "cov_beta": sigma2 * np.linalg.inv(A),
        "sigma2": float(sigma2),
        "tau2": float(gamma * sigma2),
    }


def random_intercept_reml(y, X, codes) -> dict:
    """The REML estimate of the random-intercept model (see the module docstring).

    Returns the :func:`profiled_reml` dict at the maximising :math:`\\gamma \\ge 0`, with
    ``boundary`` True when that is :math:`\\gamma = 0`.
    """
    from scipy.optimize import minimize_scalar

    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    codes = np.asarray(codes)
    st = _stats(y, X, codes)
    at0 = profiled_reml(0.0, y, X, codes, st)
    opt = minimize_scalar(
        lambda u: -profiled_reml(np.exp(u), y, X, codes, st)["ll"],
        bounds=(-25.0, 15.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    inner = profiled_reml(float(np.exp(opt.x)), y, X, codes, st)
    best = at0 if at0["ll"] >= inner["ll"] else inner
    return {**best, "boundary": best is at0}
