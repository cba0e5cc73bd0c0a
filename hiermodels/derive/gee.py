r"""GLMM versus GEE: subject-specific and population-averaged effects side by side.

A GLMM's coefficients are *conditional* (subject-specific): the effect of :math:`x` for one
cluster, holding its random effect :math:`b` fixed. Generalised estimating equations
(Liang & Zeger 1986) estimate the *marginal* (population-averaged) model
:math:`g(E[y \mid x]) = x'\beta^{PA}` directly, with a working correlation (here
exchangeable: every pair of rows in a cluster equally correlated) and robust (sandwich)
standard errors. The two answer different questions and differ for non-identity links,
because averaging the inverse link over :math:`b \sim N(0, \tau^2)` flattens the curve
(Jensen's inequality):

.. math:: E_b[g^{-1}(\eta + b)] = \frac1{\sqrt\pi}\sum_k w_k\, g^{-1}(\eta + \sqrt2\,\tau x_k)

(Gauss-Hermite nodes :math:`x_k`, weights :math:`w_k`). Exact forms: probit
:math:`\Phi(\eta / \sqrt{1 + \tau^2})`; log :math:`e^{\eta + \tau^2/2}` (the rate ratios are
unchanged: the log-link exception); logit approximately
:math:`\mathrm{expit}(\eta / \sqrt{1 + c^2\tau^2})`, :math:`c = 16\sqrt3/(15\pi)` (Zeger,
Liang & Albert 1988). The population-averaged effects of the GLMM posterior
(``fit.effects()``) should therefore agree with the GEE estimates, not its coefficients.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special, stats

from hiermodels.errors import HiermodelsError

_INV = {
    "logit": special.expit,
    "probit": stats.norm.cdf,
    "log": np.exp,
    "identity": lambda e: e,
}


def population_average(eta, tau: float, link: str, nodes: int = 60) -> np.ndarray:
    """E_b[g^{-1}(eta + b)], b ~ N(0, tau^2), by Gauss-Hermite quadrature."""
    if link not in _INV:
        raise HiermodelsError(f"Unknown link {link!r}; one of {sorted(_INV)}.")
    x, w = np.polynomial.hermite.hermgauss(nodes)
    eta = np.asarray(eta, float)
    vals = _INV[link](eta[..., None] + np.sqrt(2) * tau * x)
    return vals @ w / np.sqrt(np.pi)


def subject_curves(eta, tau: float, link: str, n_curves: int = 25) -> dict:
    """Subject-specific curves, the typical subject's curve and the population average.

    Parameters
    ----------
    eta : array
        Fixed-effect linear predictor along a grid of the predictor.
    tau : float
        Random-intercept SD.
    link : str
    n_curves : int
        Subjects placed at the normal quantiles (k - 0.5)/n_curves of N(0, tau^2).

    Returns
    -------
    dict
        ``curves`` (n_curves x grid, response scale), ``b`` (their intercepts),
        ``typical`` (b = 0: the conditional curve), ``average`` (the mean of the
        subject curves over N(0, tau^2): the population-averaged curve).
    """
    inv = _INV[link]
    b = tau * stats.norm.ppf((np.arange(n_curves) + 0.5) / n_curves)
    eta = np.asarray(eta, float)
    return {
        "curves": inv(eta[None, :] + b[:, None]),
        "b": b,
        "typical": inv(eta),
        "average": population_average(eta, tau, link),
    }


def _gee_data(design, family):
    """(endog, X, codes, offset, weights): binomial rows as proportions weighted by trials."""
    y, X, codes = design.y.astype(float), design.X, design.groups[0].codes
    if family.needs_trials and design.trials is not None:
        n = design.trials.astype(float)
        return y / n, X, codes, design.offset, n  # as geepack's cbind(y, n - y) response
    return y, X, codes, design.offset, None


def gee_estimates(design, family) -> dict:
    """Exchangeable GEE (statsmodels) of the fixed part: coefficients and robust SEs.

    Returns
    -------
    dict
        ``params`` and ``bse`` (Series indexed by the fixed-effect names, link scale,
        sandwich SEs) and ``alpha`` (the exchangeable working correlation).
    """
    import statsmodels.api as sm

    d, fam = design, family
    if not d.groups or len(d.groups) > 1:
        raise HiermodelsError(
            "A GEE needs exactly one grouping factor (the cluster); this model has "
            f"{len(d.groups)}. Keep the one that defines the independent clusters."
        )
    if fam.name == "negbinomial":
        raise HiermodelsError(
            "compare_gee() handles gaussian, bernoulli, binomial and poisson fits."
        )
    links = {
        "logit": sm.families.links.Logit(),
        "probit": sm.families.links.Probit(),
        "log": sm.families.links.Log(),
        "identity": sm.families.links.Identity(),
    }
    families = {
        "gaussian": sm.families.Gaussian,
        "bernoulli": sm.families.Binomial,
        "binomial": sm.families.Binomial,
        "poisson": sm.families.Poisson,
    }
    y, X, codes, off, wts = _gee_data(d, fam)
    order = np.argsort(codes, kind="stable")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.GEE(
            y[order],
            X[order],
            groups=codes[order],
            family=families[fam.name](link=links[fam.link]),
            cov_struct=sm.cov_struct.Exchangeable(),
            offset=None if off is None else off[order],
            weights=None if wts is None else wts[order],
        )
        res = model.fit()
    return {
        "params": pd.Series(np.asarray(res.params), index=d.fixed_names),
        "bse": pd.Series(np.asarray(res.bse), index=d.fixed_names),
        "alpha": float(np.asarray(model.cov_struct.dep_params).ravel()[0]),
    }


def compare_gee(fit, prob=None) -> pd.DataFrame:
    """Conditional (GLMM), population-averaged (GLMM) and GEE (exchangeable) effects.

    Returns
    -------
    DataFrame
        Index: the fixed-effect terms (not the intercept); columns ``scale`` (odds
        ratio, rate ratio or difference), ``conditional`` (posterior mean of the GLMM's
        effect for a typical cluster), ``conditional_lower/upper``,
        ``population_averaged`` (the GLMM averaged over the clusters, from
        ``fit.effects()``), ``pa_lower/upper``, ``gee`` (exp of the GEE coefficient for
        log/logit links), ``gee_lower/upper`` (robust 95 % or ``prob`` Wald interval).
        ``attrs``: ``working_correlation`` (GEE's exchangeable correlation).
    """
    d, fam = fit.design, fit.family
    gee = gee_estimates(d, fam)
    from hiermodels.options import resolve_prob

    z = stats.norm.ppf(1 - (1 - resolve_prob(prob)) / 2)
    transform = np.exp if fam.link in ("log", "logit") else (lambda v: v)
    eff = fit.effects(prob)
    rows = []
    for name in d.fixed_names:
        if name == "Intercept":
            continue
        bk, se = float(gee["params"][name]), float(gee["bse"][name])
        c, pa = eff.loc[(name, "conditional")], eff.loc[(name, "population-averaged")]
        rows.append(
            {
                "term": name,
                "scale": c["scale"],
                "conditional": c["mean"],
                "conditional_lower": c["lower"],
                "conditional_upper": c["upper"],
                "population_averaged": pa["mean"],
                "pa_lower": pa["lower"],
                "pa_upper": pa["upper"],
                "gee": transform(bk),
                "gee_lower": transform(bk - z * se),
                "gee_upper": transform(bk + z * se),
            }
        )
    tab = pd.DataFrame(rows).set_index("term")
    tab.attrs["working_correlation"] = gee["alpha"]
    return tab


def curves_from_fit(fit, x: str, n_grid: int = 60, n_curves: int = 25) -> dict:
    """Subject curves along predictor ``x`` at the posterior means (other columns at their means).

    Returns
    -------
    dict
        As :func:`subject_curves`, plus ``x`` (the grid), ``term`` and ``tau``.
    """
    d, fam = fit.design, fit.family
    if x not in d.fixed_names:
        raise HiermodelsError(f"{x!r} is not a fixed effect; the terms are {d.fixed_names}.")
    if len(d.groups) != 1 or d.groups[0].terms != ["Intercept"]:
        raise HiermodelsError("curves_from_fit() needs one random intercept (1 | g).")
    fe = fit.fixed_effects()["mean"]
    k = d.fixed_names.index(x)
    base = d.X.mean(axis=0)
    grid = np.linspace(d.X[:, k].min(), d.X[:, k].max(), n_grid)
    Xg = np.tile(base, (n_grid, 1))
    Xg[:, k] = grid
    eta = Xg @ fe[d.fixed_names].to_numpy()
    tau = float(fit.varcorr().iloc[0]["mean"])
    out = subject_curves(eta, tau, fam.link, n_curves)
    out.update(x=grid, term=x, tau=tau, link=fam.link)
    return out
