"""Maximum-likelihood random-intercept GLMM by adaptive Gauss-Hermite quadrature.

An independent reference for the tests (the approach of lme4's ``glmer(nAGQ = k)``,
Pinheiro & Bates 1995): for each cluster the integral over its intercept
b ~ N(0, tau^2) is computed with k Gauss-Hermite nodes centred at the mode of the
integrand and scaled by its curvature; the marginal log-likelihood is maximised with
scipy over (beta, log tau[, log phi]).
"""

import numpy as np
from scipy import optimize, special, stats

_X, _W = np.polynomial.hermite.hermgauss(25)


def _cond_logpdf(family, y, eta, phi):
    mu = np.exp(eta)
    if family == "poisson":
        return stats.poisson.logpmf(y, mu)
    return stats.nbinom.logpmf(y, phi, phi / (phi + mu))


def _dlog(family, y, eta, phi):
    """First and second derivatives of log p(y | eta) w.r.t. eta."""
    mu = np.exp(eta)
    if family == "poisson":
        return y - mu, -mu
    d1 = phi * (y - mu) / (mu + phi)
    d2 = -phi * mu * (y + phi) / (mu + phi) ** 2
    return d1, d2


def marginal_loglik(params, y, X, codes, family):
    p = X.shape[1]
    beta, tau = params[:p], np.exp(params[p])
    phi = np.exp(params[p + 1]) if family == "negbinomial" else None
    J = codes.max() + 1
    eta0 = X @ beta
    b = np.zeros(J)
    for _ in range(30):  # Newton for the mode of each cluster's integrand
        d1, d2 = _dlog(family, y, eta0 + b[codes], phi)
        g = np.bincount(codes, d1, J) - b / tau**2
        h = np.bincount(codes, d2, J) - 1 / tau**2
        step = g / h
        b = b - step
        if np.max(np.abs(step)) < 1e-10:
            break
    _, d2 = _dlog(family, y, eta0 + b[codes], phi)
    s = 1 / np.sqrt(-(np.bincount(codes, d2, J) - 1 / tau**2))
    nodes = b[:, None] + np.sqrt(2) * s[:, None] * _X[None, :]  # (J, K)
    ll = np.zeros((J, len(_X)))
    for k in range(len(_X)):
        lp = _cond_logpdf(family, y, eta0 + nodes[codes, k], phi)
        ll[:, k] = np.bincount(codes, lp, J) + stats.norm.logpdf(nodes[:, k], 0, tau)
    # int f(b) db = sqrt(2) s sum_k w_k exp(x_k^2) f(b_k)
    lw = np.log(_W) + _X**2
    return float(np.sum(np.log(np.sqrt(2) * s) + special.logsumexp(ll + lw[None, :], axis=1)))


def fit_ml(y, X, codes, family="poisson"):
    """Maximum-likelihood estimates: (beta, tau, phi or None)."""
    p = X.shape[1]
    start = np.zeros(p + (2 if family == "negbinomial" else 1))
    start[0] = np.log(y.mean() + 0.5)
    res = optimize.minimize(
        lambda t: -marginal_loglik(t, y, X, codes, family),
        start,
        method="BFGS",
        options={"gtol": 1e-7, "maxiter": 2000},
    )
    beta = res.x[:p]
    tau = np.exp(res.x[p])
    phi = np.exp(res.x[p + 1]) if family == "negbinomial" else None
    return beta, tau, phi
