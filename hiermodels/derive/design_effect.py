r"""The design effect in use: variance inflation, SE inflation and naive vs multilevel SEs.

Rows of one cluster are correlated (ICC :math:`\rho`); treating them as independent
understates standard errors. For clusters of mean size :math:`\bar m` with coefficient
of variation :math:`CV` (Kish 1965; Eldridge, Ashby & Kerry 2006)

.. math:: \mathrm{Deff} = 1 + \big((CV^2 + 1)\bar m - 1\big)\rho, \qquad
          n_\mathrm{eff} = N / \mathrm{Deff},

and the standard error of a mean (or of a cluster-level effect) is understated by the
factor :math:`\sqrt{\mathrm{Deff}}`. Seed 003's example: :math:`\rho = 0.057`,
:math:`\bar m = 30` gives :math:`\mathrm{Deff} = 1 + 29 \times 0.057 = 2.65` and
:math:`\sqrt{\mathrm{Deff}} = 1.63`.

For the intercept of a balanced Gaussian random-intercept model this is exact: the
variance of the grand mean is :math:`(\sigma^2 + n\tau^2)/N` while a naive regression
uses :math:`(\sigma^2 + \tau^2)/N`; their ratio is :math:`1 + (n - 1)\rho`. A predictor
that varies *within* clusters is the opposite case: the multilevel model removes the
between-cluster noise from its comparison and its SE can be *smaller* than the naive one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsError


def design_effect_summary(icc, m, cv=0.0, n=None) -> pd.DataFrame:
    """Deff, sqrt(Deff) (the SE inflation factor) and the effective sample size.

    Parameters
    ----------
    icc : float
        Intraclass correlation (a fraction in [0, 1]).
    m : float
        Mean cluster size.
    cv : float
        Coefficient of variation of the cluster sizes (0 for equal sizes).
    n : int, optional
        Total number of rows (for the effective sample size).

    Returns
    -------
    DataFrame
        One row; columns ``icc, m, cv, design_effect, se_inflation, effective_n``.
    """
    icc, m, cv = float(icc), float(m), float(cv)
    if not 0 <= icc <= 1:
        raise HiermodelsError(f"icc must be a fraction in [0, 1], got {icc!r}.")
    if m < 1:
        raise HiermodelsError(f"The mean cluster size m must be >= 1, got {m!r}.")
    if cv < 0:
        raise HiermodelsError(f"The coefficient of variation cv must be >= 0, got {cv!r}.")
    deff = 1 + ((cv**2 + 1) * m - 1) * icc
    return pd.DataFrame(
        {
            "icc": [icc],
            "m": [m],
            "cv": [cv],
            "design_effect": [deff],
            "se_inflation": [np.sqrt(deff)],
            "effective_n": [np.nan if n is None else n / deff],
        }
    )


def naive_standard_errors(design, family) -> pd.Series:
    r"""Standard errors of the fixed effects from a regression that ignores the clusters.

    Gaussian: ordinary least squares, :math:`\hat\sigma^2 (X'X)^{-1}` with
    :math:`\hat\sigma^2 = RSS/(N - p)`. Other families: the GLM's model-based SEs
    (statsmodels, same link, offset and trials), which assume independent rows.
    """
    X, y = design.X, design.y
    names = list(design.fixed_names)
    if family.name == "gaussian":
        yy = y - (0.0 if design.offset is None else design.offset)
        beta, *_ = np.linalg.lstsq(X, yy, rcond=None)
        rss = float(np.sum((yy - X @ beta) ** 2))
        s2 = rss / (len(y) - X.shape[1])
        return pd.Series(np.sqrt(np.diag(s2 * np.linalg.inv(X.T @ X))), index=names)
    import statsmodels.api as sm

    links = {
        "logit": sm.families.links.Logit(),
        "probit": sm.families.links.Probit(),
        "log": sm.families.links.Log(),
    }
    if family.name in ("binomial", "bernoulli"):
        fam = sm.families.Binomial(link=links[family.link])
        endog = np.column_stack([y, design.trials - y]) if design.trials is not None else y
    elif family.name == "poisson":
        fam = sm.families.Poisson()
        endog = y
    else:
        fam = sm.families.NegativeBinomial(alpha=1.0)
        endog = y
    res = sm.GLM(endog, X, family=fam, offset=design.offset).fit()
    return pd.Series(np.asarray(res.bse), index=names)


def se_comparison(fit, prob=None) -> pd.DataFrame:
    """Naive (independent-rows) SEs beside the multilevel ones, per fixed effect.

    Returns
    -------
    DataFrame
        Index: fixed-effect terms; columns ``naive_se`` (OLS/GLM ignoring clusters),
        ``reml_se`` (Gaussian models: statsmodels MixedLM REML), ``posterior_sd``
        (multilevel, Bayesian), ``ratio`` (posterior_sd / naive_se: how many times the
        naive SE understates, or with a ratio < 1 overstates, the uncertainty).
        ``attrs["design_effect"]``: the first factor's posterior-mean Deff and sqrt(Deff)
        from :func:`design_effect_summary`, the yardstick for cluster-level terms.
    """
    d = fit.design
    naive = naive_standard_errors(d, fit.family)
    fe = fit.fixed_effects(prob)
    tab = pd.DataFrame({"naive_se": naive})
    if fit.family.name == "gaussian":
        tab["reml_se"] = reml_standard_errors(d)
    tab["posterior_sd"] = fe["sd"]
    tab["ratio"] = tab["posterior_sd"] / tab["naive_se"]
    if d.groups:
        g = d.groups[0]
        icc = float(fit.icc(prob).loc[f"ICC({g.name})", "mean"])
        sizes = g.counts()
        cv = float(sizes.std(ddof=1) / sizes.mean()) if len(sizes) > 1 else 0.0
        tab.attrs["design_effect"] = design_effect_summary(icc, sizes.mean(), cv, d.n)
    return tab


def reml_standard_errors(design) -> pd.Series:
    """REML standard errors of the fixed effects (statsmodels MixedLM, one factor)."""
    from statsmodels.regression.mixed_linear_model import MixedLM

    if len(design.groups) != 1:
        return pd.Series(np.nan, index=design.fixed_names)
    g = design.groups[0]
    y = design.y - (0.0 if design.offset is None else design.offset)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = MixedLM(y, design.X, groups=g.codes, exog_re=g.Z).fit(reml=True)
    p = design.X.shape[1]
    return pd.Series(np.asarray(res.bse)[:p], index=design.fixed_names)
