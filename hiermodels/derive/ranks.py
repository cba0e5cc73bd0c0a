r"""League tables done honestly: posterior ranks and exceedance probabilities per unit.

Ranking hospitals (schools, surgeons) by their raw rates rewards the small ones that got
lucky: their estimates are the noisiest, so they fill both ends of the table. The
multilevel answer (Goldstein & Spiegelhalter 1996, JRSS A 159, 385-443) is to rank the
*shrunken* unit effects and to say how uncertain each rank is.

For every posterior draw :math:`s` the unit effects :math:`b_j^{(s)}` are ranked,
:math:`R_j^{(s)} = 1 + \#\{k : b_k^{(s)} < b_j^{(s)}\}` (1 = lowest); the posterior of
:math:`R_j` is summarised by its mean and equal-tailed interval. The exceedance
probability :math:`P(b_j > m \mid y)` is the posterior share of draws in which unit
:math:`j` lies more than a margin :math:`m` (on the link scale) above the population
average (:math:`b = 0`); likewise below.

A unit is *flagged* when its interval excludes the margin band: with shrinkage when the
posterior interval of :math:`b_j` lies wholly above :math:`m` (or below :math:`-m`);
without shrinkage when the Wald interval of its own no-pooling estimate lies wholly
above population + :math:`m` (or below population − :math:`m`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsError
from hiermodels.model import names
from hiermodels.options import resolve_prob


def rank_draws(effects) -> np.ndarray:
    """Rank of each unit within each draw: (draws, J) -> (draws, J), 1 = lowest.

    Ties (probability zero for continuous draws) get the lower rank.
    """
    x = np.asarray(effects, float)
    if x.ndim != 2:
        raise HiermodelsError(f"effects must be a (draws, units) array, got shape {x.shape}.")
    return np.argsort(np.argsort(x, axis=1, kind="stable"), axis=1) + 1


def rank_summary(effects, levels, margin: float = 0.0, prob=None) -> pd.DataFrame:
    """Ranks and exceedance probabilities from (draws, J) effect draws (deviations).

    Returns
    -------
    DataFrame
        Index ``levels``; columns ``effect`` (posterior mean), ``lower, upper`` (its
        interval), ``rank_mean``, ``rank_lower``, ``rank_upper``, ``p_above``
        (P(b > margin)), ``p_below`` (P(b < -margin)), ``flag`` ("above", "below" or "").
    """
    p = resolve_prob(prob)
    lo, hi = (1 - p) / 2, 1 - (1 - p) / 2
    x = np.asarray(effects, float)
    if margin < 0:
        raise HiermodelsError(f"margin must be >= 0 (a distance on the link scale), got {margin}.")
    R = rank_draws(x)
    tab = pd.DataFrame(
        {
            "effect": x.mean(axis=0),
            "lower": np.quantile(x, lo, axis=0),
            "upper": np.quantile(x, hi, axis=0),
            "rank_mean": R.mean(axis=0),
            "rank_lower": np.quantile(R, lo, axis=0, method="inverted_cdf"),
            "rank_upper": np.quantile(R, hi, axis=0, method="inverted_cdf"),
            "p_above": (x > margin).mean(axis=0),
            "p_below": (x < -margin).mean(axis=0),
        },
        index=pd.Index(levels),
    )
    tab["flag"] = np.where(
        tab["lower"] > margin, "above", np.where(tab["upper"] < -margin, "below", "")
    )
    return tab


def rank_table(fit, group: str, term: str = "Intercept", margin: float = 0.0, prob=None):
    """Posterior ranks of ``group``'s levels and the league-table flags with/without shrinkage.

    Parameters
    ----------
    fit : hiermodels.Fit
    group : str
        Grouping factor (e.g. ``"hospital"``).
    term : str
        Which of the factor's terms to rank (default the intercept).
    margin : float
        Distance from the population average, on the link scale (e.g. ``log(1.5)`` for
        "odds 50 % above average"), that counts as a real difference.
    prob : float, optional

    Returns
    -------
    DataFrame
        Sorted by ``rank_mean``. Columns ``n``, ``effect, lower, upper`` (deviation from
        the population average, link scale), ``rank_mean, rank_lower, rank_upper``,
        ``p_above, p_below``, ``flag`` (with shrinkage), ``no_pool``, ``no_pool_se``,
        ``raw_rank`` (rank of the no-pooling estimate), ``flag_no_pool`` (without
        shrinkage). ``attrs``: ``group``, ``term``, ``margin``, ``prob``, ``n_flagged``
        and ``n_flagged_no_pool``.
    """
    from hiermodels.derive.shrinkage import shrinkage

    g = fit.design.group(group)
    if term not in g.terms:
        raise HiermodelsError(f"{term!r} is not a term of {g.name!r}; its terms are {g.terms}.")
    r = fit.posterior[names.effects(g)].values[:, :, :, g.terms.index(term)]
    eff = r.reshape(-1, g.n_levels)
    tab = rank_summary(eff, g.levels, margin, prob)
    sh = shrinkage(fit, g.name, term, prob)
    tab.insert(0, "n", sh["n"].to_numpy())
    tab["no_pool"] = sh["no_pool"].to_numpy()
    tab["no_pool_se"] = sh["no_pool_se"].to_numpy()
    dev = tab["no_pool"] - sh["population"].to_numpy()
    tab["raw_rank"] = dev.rank(method="min")
    lo = sh["no_pool_lower"].to_numpy() - sh["population"].to_numpy()
    hi = sh["no_pool_upper"].to_numpy() - sh["population"].to_numpy()
    tab["flag_no_pool"] = np.where(lo > margin, "above", np.where(hi < -margin, "below", ""))
    tab.index.name = g.name
    tab = tab.sort_values("rank_mean")
    tab.attrs.update(
        group=g.name,
        term=term,
        margin=margin,
        prob=resolve_prob(prob),
        n_flagged=int((tab["flag"] != "").sum()),
        n_flagged_no_pool=int((tab["flag_no_pool"] != "").sum()),
    )
    return tab
