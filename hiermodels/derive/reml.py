"""REML estimates (statsmodels ``MixedLM``) next to the posterior, for Gaussian models.

With few clusters REML often puts a variance exactly at zero (lme4's "singular fit",
Bates, Mächler, Bolker & Walker 2015, §3.4): the point estimate says "no variation" while
the posterior says "somewhere between none and a lot". Showing both side by side makes
the difference visible.

Supported: one grouping factor with any terms (correlated or ``||``), or several
intercept-only factors (nested or crossed), fitted as variance components in one group.
A single random intercept is fitted exactly by :mod:`.reml_intercept` (statsmodels cannot
reach a zero variance; lme4's singular fits are reproduced there).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from hiermodels.derive.reml_intercept import random_intercept_reml
from hiermodels.derive.tables import fixed_effects, varcorr
from hiermodels.errors import HiermodelsError
from hiermodels.model import names

#: A REML variance at most this fraction of the residual variance is "at the boundary".
BOUNDARY_VAR = 1e-4
#: A REML correlation beyond this in absolute value is "at the boundary".
BOUNDARY_COR = 0.99
#: Several factors are fitted as one dense group; refuse beyond this many rows.
MAX_VC_ROWS = 20_000


def is_random_intercept(g) -> bool:
    """Whether factor ``g`` has a single term, the intercept (Z a column of ones)."""
    return g.q == 1 and bool(np.all(g.Z[:, 0] == 1.0))


def _free_pattern(g) -> np.ndarray:
    """1 where cov_re is estimated (diagonal and correlated blocks), 0 elsewhere."""
    P = np.eye(g.q)
    for block, corr in zip(g.blocks, g.correlated, strict=True):
        if corr:
            P[np.ix_(block, block)] = 1.0
    return P


def reml_estimates(design) -> dict:
    """REML point estimates keyed like :func:`hiermodels.derive.tables.varcorr` plus fixed effects.

    Returns
    -------
    dict
        ``estimates`` (label -> value: fixed effects, ``sd(g, t)``, ``cor(g, t1, t2)``,
        ``sigma``), ``boundary`` (label -> bool) and ``messages`` (statsmodels warnings).
    """
    from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMParams, VCSpec

    d = design
    exog = pd.DataFrame(d.X, columns=d.fixed_names)
    y = d.y - (0.0 if d.offset is None else d.offset)
    est, boundary = {}, {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if len(d.groups) == 1 and is_random_intercept(d.groups[0]):
            # exact, boundary included (statsmodels stops short of a zero variance)
            g = d.groups[0]
            exact = random_intercept_reml(y, d.X, g.codes)
            fe, scale = exact["beta"], exact["sigma2"]
            covs = {g.name: np.array([[exact["tau2"]]])}
        elif len(d.groups) == 1:
            g = d.groups[0]
            model = MixedLM(y, exog, groups=g.codes, exog_re=g.Z)
            free = MixedLMParams.from_components(np.ones(d.X.shape[1]), _free_pattern(g))
            res = model.fit(reml=True, free=free if g.q > 1 else None)
            fe, scale = np.asarray(res.fe_params), float(res.scale)
            covs = {g.name: np.atleast_2d(np.asarray(res.cov_re))}
        else:
            if any(g.q > 1 for g in d.groups):
                raise HiermodelsError(
                    "compare_reml() supports one grouping factor with slopes, or several "
                    "intercept-only factors; this model has slopes on several factors."
                )
            if d.n > MAX_VC_ROWS:
                raise HiermodelsError(
                    f"compare_reml() with several factors builds dense indicator matrices; "
                    f"{d.n} rows is more than {MAX_VC_ROWS}."
                )
            factors, mats = [], []
            for g in d.groups:
                M = np.zeros((d.n, g.n_levels))
                M[np.arange(d.n), g.codes] = 1.0
                factors.append(g.name)
                mats.append([M])
            vc = VCSpec(factors, [[0] for _ in factors], mats)
            res = MixedLM(y, exog, groups=np.zeros(d.n), exog_vc=vc).fit(reml=True)
            fe, scale = np.asarray(res.fe_params), float(res.scale)
            covs = {
                nm: np.array([[v]]) for nm, v in zip(factors, np.asarray(res.vcomp), strict=True)
            }
    for name, value in zip(d.fixed_names, fe, strict=True):
        est[name] = float(value)
    for g in d.groups:
        cov = covs[g.name]
        for k, t in enumerate(g.terms):
            v = max(float(cov[k, k]), 0.0)
            est[names.sd_label(g.name, t)] = np.sqrt(v)
            boundary[names.sd_label(g.name, t)] = v <= BOUNDARY_VAR * scale
        for block, corr in zip(g.blocks, g.correlated, strict=True):
            if not corr:
                continue
            for a in range(len(block)):
                for b in range(a + 1, len(block)):
                    i, j = block[a], block[b]
                    den = np.sqrt(max(cov[i, i], 0) * max(cov[j, j], 0))
                    r = float(cov[i, j] / den) if den > 0 else np.nan
                    label = names.cor_label(g.name, g.terms[i], g.terms[j])
                    est[label] = r
                    boundary[label] = bool(np.isnan(r) or abs(r) >= BOUNDARY_COR)
    est["sigma"] = np.sqrt(scale)
    boundary["sigma"] = False
    messages = sorted({str(w.message).splitlines()[0] for w in caught})
    return {"estimates": est, "boundary": boundary, "messages": messages}


def compare_reml(fit, prob=None) -> pd.DataFrame:
    """REML (statsmodels MixedLM) beside the posterior summaries, boundary estimates flagged.

    Returns
    -------
    DataFrame
        Index: fixed effects, then ``sd(g, t)``, ``cor(g, t1, t2)``, ``sigma``. Columns
        ``reml``, the posterior ``mean, sd, lower, upper``, ``inside`` (REML estimate in
        the posterior interval) and ``boundary`` (a REML variance at zero, at most
        ``BOUNDARY_VAR`` x the residual variance, or a correlation at +-1: lme4 would call
        the fit singular). ``attrs["messages"]``: statsmodels' convergence warnings.
    """
    if fit.family.name != "gaussian":
        raise HiermodelsError(
            f"compare_reml() needs a Gaussian model (REML is defined for linear mixed "
            f"models); this one is {fit.family.name}."
        )
    post, d = fit.posterior, fit.design
    tab = pd.concat([fixed_effects(post, d, prob), varcorr(post, d, fit.family, prob)])
    tab = tab[["mean", "sd", "lower", "upper"]]
    r = reml_estimates(d)
    tab.insert(0, "reml", [r["estimates"].get(k, np.nan) for k in tab.index])
    tab["inside"] = (tab["reml"] >= tab["lower"]) & (tab["reml"] <= tab["upper"])
    tab["boundary"] = [bool(r["boundary"].get(k, False)) for k in tab.index]
    tab.attrs["messages"] = r["messages"]
    return tab
