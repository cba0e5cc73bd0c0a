r"""Normal QQ data of the group effects (``performance::check_model``'s "reqq" panel).

The model assumes :math:`b_j \sim N(0, \tau^2)`. Plot the standardised posterior means
:math:`\hat b_j / \hat\tau` in order against the normal quantiles at Blom's plotting
positions :math:`\Phi^{-1}\big((i - 3/8)/(J + 1/4)\big)`, :math:`i = 1..J` (Blom 1958).
Points on the line support normality; an S shape says heavy or light tails, a lone
point far off the line an outlying cluster. The posterior means are shrunk, so their
spread is smaller than :math:`\tau` (their points fall on a line flatter than 1); the
shape, not the slope, is what to read. Each point's posterior interval (standardised
the same way) shows how sure that cluster's position is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from hiermodels.errors import HiermodelsError
from hiermodels.model import names
from hiermodels.options import resolve_prob


def blom_quantiles(J: int) -> np.ndarray:
    """Normal quantiles at Blom's positions (i - 3/8)/(J + 1/4)."""
    if J < 1:
        raise HiermodelsError(f"Need at least one group effect, got {J}.")
    i = np.arange(1, J + 1)
    return stats.norm.ppf((i - 0.375) / (J + 0.25))


def re_qq(fit, group: str, term: str = "Intercept", prob=None) -> pd.DataFrame:
    """Sorted standardised group effects with their theoretical normal quantiles.

    Returns
    -------
    DataFrame
        One row per level, sorted: ``theoretical``, ``effect`` (posterior mean of
        b_j / tau), ``lower``, ``upper``; ``attrs``: ``shapiro_p`` (Shapiro-Wilk on the
        posterior means; indicative only, the means are shrunk and correlated).
    """
    g = fit.design.group(group)
    if term not in g.terms:
        raise HiermodelsError(f"{term!r} is not a term of {g.name!r}; its terms are {g.terms}.")
    k = g.terms.index(term)
    post = fit.posterior
    r = post[names.effects(g)].values[:, :, :, k].reshape(-1, g.n_levels)
    sd = post[names.sd(g)].values[:, :, k].reshape(-1, 1)
    z = r / sd
    p = resolve_prob(prob)
    tab = pd.DataFrame(
        {
            "effect": z.mean(axis=0),
            "lower": np.quantile(z, (1 - p) / 2, axis=0),
            "upper": np.quantile(z, 1 - (1 - p) / 2, axis=0),
        },
        index=pd.Index(g.levels, name=g.name),
    ).sort_values("effect")
    tab.insert(0, "theoretical", blom_quantiles(len(tab)))
    tab.attrs.update(
        group=g.name,
        term=term,
        shapiro_p=float(stats.shapiro(tab["effect"]).pvalue) if len(tab) >= 3 else np.nan,
    )
    return tab
