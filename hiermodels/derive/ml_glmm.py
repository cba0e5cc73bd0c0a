r"""Maximum-likelihood GLMM fits by the Laplace approximation and adaptive quadrature.

The marginal likelihood of a random-intercept GLMM integrates each cluster's intercept
:math:`b_j \sim N(0, \tau^2)` out:

.. math:: L(\beta, \tau) = \prod_j \int \prod_{i \in j} p(y_i \mid x_i'\beta + b)
          \, \phi(b; 0, \tau^2)\, db .

Adaptive Gauss-Hermite quadrature (Pinheiro & Bates 1995; lme4's ``glmer(nAGQ = k)``)
centres :math:`k` Gauss-Hermite nodes :math:`x_m` (weights :math:`w_m`) at the mode
:math:`\hat b_j` of the integrand :math:`f_j` and scales them by its curvature,
:math:`s_j = (-\partial^2 \log f_j / \partial b^2)^{-1/2}`:

.. math:: \int f_j(b)\, db \approx \sqrt2\, s_j \sum_m w_m e^{x_m^2}
          f_j(\hat b_j + \sqrt2\, s_j x_m).

With one node (:math:`x = 0`, :math:`w = \sqrt\pi`) this is the Laplace approximation
:math:`\sqrt{2\pi}\, s_j f_j(\hat b_j)`. Laplace is exact for a Gaussian integrand and
degrades when a cluster's integrand is skewed: few rows per cluster, binary or small
counts, a large :math:`\tau` (seed 002; Joe 2008). More nodes converge to the exact
integral. Only one grouping factor with a random intercept is supported (the integral
is then one-dimensional per cluster); the estimates maximise the log-likelihood over
:math:`(\beta, \log\tau[, \log\phi])` with BFGS, and the standard errors come from a
central-difference Hessian.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special

from hiermodels.errors import HiermodelsError
from hiermodels.model import names

_FAMILIES = ("poisson", "negbinomial", "binomial", "bernoulli")


def _logpdf(family, y, eta, n, phi):
    if family == "poisson":
        return y * eta - np.exp(eta) - special.gammaln(y + 1)
    if family == "negbinomial":
        mu = np.exp(eta)
        return (
            special.gammaln(y + phi)
            - special.gammaln(phi)
            - special.gammaln(y + 1)
            + phi * np.log(phi / (phi + mu))
            + y * (eta - np.log(phi + mu))
        )
    # binomial / bernoulli, logit link: y log p + (n - y) log(1 - p) + log C(n, y)
    return (
        y * eta
        - n * np.logaddexp(0.0, eta)
        + special.gammaln(n + 1)
        - special.gammaln(y + 1)
        - special.gammaln(n - y + 1)
    )


def _derivs(family, y, eta, n, phi):
    """d/d eta and d^2/d eta^2 of log p(y | eta)."""
    if family == "poisson":
        mu = np.exp(eta)
        return y - mu, -mu
    if family == "negbinomial":
        mu = np.exp(eta)
        return phi * (y - mu) / (mu + phi), -phi * mu * (y + phi) / (mu + phi) ** 2
    p = special.expit(eta)
    return y - n * p, -n * p * (1 - p)


def marginal_loglik(params, y, X, codes, family, n=None, offset=None, nAGQ: int = 1) -> float:
    """Log marginal likelihood at ``params = (beta, log tau[, log phi])``.

    ``nAGQ = 1`` is the Laplace approximation; more nodes give adaptive quadrature.
    """
    p = X.shape[1]
    beta, tau = params[:p], np.exp(params[p])
    phi = np.exp(params[p + 1]) if family == "negbinomial" else None
    n = np.ones_like(y) if n is None else n
    J = int(codes.max()) + 1
    eta0 = X @ beta + (0.0 if offset is None else offset)
    b = np.zeros(J)
    for _ in range(50):  # Newton for the mode of each cluster's integrand
        d1, d2 = _derivs(family, y, eta0 + b[codes], n, phi)
        g = np.bincount(codes, d1, J) - b / tau**2
        h = np.bincount(codes, d2, J) - 1 / tau**2
        step = np.clip(g / h, -5, 5)
        b = b - step
        if np.max(np.abs(step)) < 1e-10:
            break
    _, d2 = _derivs(family, y, eta0 + b[codes], n, phi)
    s = 1 / np.sqrt(-(np.bincount(codes, d2, J) - 1 / tau**2))
    x, w = np.polynomial.hermite.hermgauss(nAGQ)
    nodes = b[:, None] + np.sqrt(2) * s[:, None] * x[None, :]  # (J, K)
    ll = np.empty((J, nAGQ))
    for k in range(nAGQ):
        lp = _logpdf(family, y, eta0 + nodes[codes, k], n, phi)
        ll[:, k] = np.bincount(codes, lp, J) - 0.5 * (
            np.log(2 * np.pi * tau**2) + nodes[:, k] ** 2 / tau**2
        )
    lw = np.log(w) + x**2
    return float(np.sum(np.log(np.sqrt(2) * s) + special.logsumexp(ll + lw[None, :], axis=1)))


def _hessian(f, x, h=1e-4) -> np.ndarray:
    k = len(x)
    H = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            e_i, e_j = np.eye(k)[i] * h, np.eye(k)[j] * h
            H[i, j] = H[j, i] = (
                f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j) + f(x - e_i - e_j)
            ) / (4 * h * h)
    return H


def _arrays(design, family):
    if family.name not in _FAMILIES or family.link not in ("log", "logit"):
        raise HiermodelsError(
            f"ml_fit() handles poisson/negbinomial (log link) and binomial/bernoulli (logit "
            f"link); this model is {family.name} with a {family.link} link. Use the posterior."
        )
    if len(design.groups) != 1 or design.groups[0].terms != ["Intercept"]:
        raise HiermodelsError(
            "ml_fit() integrates one random intercept per cluster: the formula needs exactly "
            "one group term (1 | g). For slopes or several factors compare with the posterior."
        )
    n = design.trials if design.trials is not None else None
    return design.y.astype(float), design.X, design.groups[0].codes, n, design.offset


def ml_fit(model, method: str = "laplace", nAGQ: int | None = None) -> pd.DataFrame:
    """Maximum-likelihood estimates of a random-intercept GLMM (as lme4's ``glmer``).

    Parameters
    ----------
    model : hiermodels.Model
    method : {"laplace", "agq"}
        ``"laplace"`` is ``nAGQ = 1``; ``"agq"`` uses ``nAGQ`` nodes (default 25).
    nAGQ : int, optional

    Returns
    -------
    DataFrame
        Index: the fixed effects, ``sd(g, Intercept)`` (and ``phi`` for NB2); columns
        ``estimate`` and ``se`` (the SD's SE by the delta method). ``attrs``:
        ``loglik``, ``method``, ``nAGQ``, ``converged``.
    """
    if method not in ("laplace", "agq"):
        raise HiermodelsError(f"method must be 'laplace' or 'agq', got {method!r}.")
    k = 1 if method == "laplace" else (25 if nAGQ is None else int(nAGQ))
    if k < 1 or (method == "laplace" and nAGQ not in (None, 1)):
        raise HiermodelsError(f"nAGQ must be >= 1 (1 for Laplace), got {nAGQ!r}.")
    d, fam = model.design, model.family
    y, X, codes, n, off = _arrays(d, fam)
    p = X.shape[1]
    nb = fam.name == "negbinomial"
    start = np.zeros(p + (2 if nb else 1))
    start[:p] = _glm_start(y, X, n, off, fam)
    start[p] = np.log(0.5)
    if nb:
        start[p + 1] = np.log(2.0)

    def nll(t):
        return -marginal_loglik(t, y, X, codes, fam.name, n, off, k)

    res = optimize.minimize(nll, start, method="BFGS", options={"gtol": 1e-6, "maxiter": 3000})
    res = optimize.minimize(
        nll, res.x, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000}
    )
    H = _hessian(nll, res.x)
    cov = np.linalg.pinv(H)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    g = d.groups[0]
    index = [*d.fixed_names, names.sd_label(g.name, "Intercept")] + (["phi"] if nb else [])
    est = np.concatenate([res.x[:p], np.exp(res.x[p:])])
    se_out = np.concatenate([se[:p], np.exp(res.x[p:]) * se[p:]])  # delta method
    tab = pd.DataFrame({"estimate": est, "se": se_out}, index=index)
    tab.attrs.update(loglik=-float(res.fun), method=method, nAGQ=k, converged=bool(res.success))
    return tab


def _glm_start(y, X, n, off, fam) -> np.ndarray:
    import statsmodels.api as sm

    if fam.name in ("binomial", "bernoulli"):
        endog = np.column_stack([y, n - y]) if n is not None else y
        f = sm.families.Binomial()
    else:
        endog, f = y, sm.families.Poisson()
    try:
        return np.asarray(sm.GLM(endog, X, family=f, offset=off).fit().params)
    except Exception:  # separation etc.: a neutral start
        return np.zeros(X.shape[1])


def compare_ml(fit, nAGQ: int = 25, prob=None) -> pd.DataFrame:
    """Laplace, adaptive quadrature and the posterior side by side.

    Returns
    -------
    DataFrame
        Index as :func:`ml_fit`; columns ``laplace``, ``laplace_se``, ``agq``, ``agq_se``,
        ``mean, sd, lower, upper`` (posterior). ``attrs``: both log-likelihoods and nAGQ.
    """
    lap = ml_fit(fit.model, "laplace")
    agq = ml_fit(fit.model, "agq", nAGQ)
    post = pd.concat([fit.fixed_effects(prob), fit.varcorr(prob)])[["mean", "sd", "lower", "upper"]]
    tab = pd.DataFrame(
        {
            "laplace": lap["estimate"],
            "laplace_se": lap["se"],
            "agq": agq["estimate"],
            "agq_se": agq["se"],
        }
    )
    tab = tab.join(post)
    tab.attrs.update(loglik_laplace=lap.attrs["loglik"], loglik_agq=agq.attrs["loglik"], nAGQ=nAGQ)
    return tab
