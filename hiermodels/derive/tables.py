"""Posterior tables of a multilevel fit: fixed effects, VarCorr, group effects.

Each function takes the posterior (an ``xarray.Dataset`` with ``chain, draw`` dims) and
the design, and returns a DataFrame with columns ``mean, sd, lower, upper`` (+ ESS and
R-hat) built by :func:`hiermodels.derive.summaries.summarize`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.derive.summaries import summarize
from hiermodels.model import names


def fixed_draws(post, design) -> dict[str, np.ndarray]:
    """(chain, draw) arrays of every fixed effect, keyed by the formula term name."""
    out = {}
    for name in design.fixed_names:
        if name == "Intercept":
            out[name] = post["Intercept"].values
        else:
            out[name] = post["b"].sel(coef=name).values
    return out


def fixed_matrix(post, design) -> np.ndarray:
    """Draws x coefficients matrix of the fixed effects, columns in ``design.fixed_names``."""
    draws = fixed_draws(post, design)
    n = post.sizes["chain"] * post.sizes["draw"]
    if not draws:
        return np.zeros((n, 0))
    return np.column_stack([v.reshape(-1) for v in draws.values()])


def fixed_effects(post, design, prob=None) -> pd.DataFrame:
    """Population-level coefficients (index: formula term names), then the zero-inflation
    coefficients (``zi_<name>``) and ordinal thresholds (``threshold(1|2)``) if any."""
    return summarize(fixed_draws(post, design) | second_part_draws(post), prob)


def second_part_draws(post) -> dict[str, np.ndarray]:
    """Zero-inflation coefficients (``zi_<name>``) and ordinal thresholds
    (``threshold(1|2)``) when the posterior has them."""
    out = {}
    if names.ZI_COEF in post:
        for n in post[names.ZI_COEF].coords[names.ZI_DIM].values:
            out[names.zi_label(str(n))] = post[names.ZI_COEF].sel({names.ZI_DIM: n}).values
    if names.THRESHOLD in post:
        for n in post[names.THRESHOLD].coords[names.THRESHOLD_DIM].values:
            out[f"threshold({n})"] = post[names.THRESHOLD].sel({names.THRESHOLD_DIM: n}).values
    return out


def varcorr_draws(post, design, family) -> dict[str, np.ndarray]:
    """sd(g, term), cor(g, t1, t2) and the residual scale, like lme4's VarCorr."""
    out = {}
    for g in design.groups:
        sd = post[names.sd(g)]
        for t in g.terms:
            out[names.sd_label(g.name, t)] = sd.sel({g.term_dim: t}).values
        if names.cor(g) in post:
            cor = post[names.cor(g)]
            for block, corr in zip(g.blocks, g.correlated, strict=True):
                if not corr:
                    continue
                for a in range(len(block)):
                    for b in range(a + 1, len(block)):
                        t1, t2 = g.terms[block[a]], g.terms[block[b]]
                        out[names.cor_label(g.name, t1, t2)] = cor.sel(
                            {g.term_dim: t1, f"{g.term_dim}_bis": t2}
                        ).values
    for aux in family.aux:
        out[aux] = post[aux].values
    if names.RESIDUAL_ATTR in post.attrs:  # residual=/sigma= structure: phi, rho, cor_residual
        from hiermodels.derive.residual_varcorr import varcorr_draws as residual_draws

        out |= residual_draws(post)
    return out


def varcorr(post, design, family, prob=None) -> pd.DataFrame:
    """Group-level SDs and correlations and the residual SD (posterior summaries)."""
    return summarize(varcorr_draws(post, design, family), prob)


def group_effects(post, design, group: str, prob=None) -> pd.DataFrame:
    """Per level x term: the deviation ``b`` and the total coefficient.

    The total adds the matching fixed effect (0 when the term has none), e.g. a
    subject's own intercept and Days slope in ``Reaction ~ Days + (Days | Subject)``.

    Returns
    -------
    DataFrame
        MultiIndex (level, term); columns ``mean, sd, lower, upper`` for the deviation
        and ``total_mean, total_sd, total_lower, total_upper``.
    """
    g = design.group(group)
    r = post[names.effects(g)]
    fixed = fixed_draws(post, design)
    dev, tot = {}, {}
    for lev in g.levels:
        for t in g.terms:
            d = r.sel({g.dim: lev, g.term_dim: t}).values
            dev[(lev, t)] = d
            tot[(lev, t)] = d + fixed.get(t, 0.0)
    a = summarize(dev, prob, diagnostics=False)
    b = summarize(tot, prob, diagnostics=False).add_prefix("total_")
    out = pd.concat([a, b], axis=1)
    out.index = pd.MultiIndex.from_tuples(out.index, names=[g.name, "term"])
    return out


def summary(post, design, family, prob=None) -> pd.DataFrame:
    """One row per model parameter: fixed effects, then VarCorr."""
    draws = fixed_draws(post, design) | second_part_draws(post)
    draws |= varcorr_draws(post, design, family)
    return summarize(draws, prob)
