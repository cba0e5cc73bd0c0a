r"""Posterior (or prior) draws as a tidy table, one column per scalar parameter.

Column names are the documented table names (README, "Naming convention"):

* fixed effects by formula term: ``Intercept``, ``Days``, ``period[2]``;
* VarCorr: ``sd(Subject, Intercept)``, ``cor(Subject, Intercept, Days)``, ``sigma``/``phi``;
* group effects (deviations :math:`b_{j}` from the fixed effects):
  ``r_Subject[308, Intercept]`` — the posterior variable ``r_<factor>`` subscripted by
  level and term.

:func:`parameter_draws` is the one map from these names to draws; hypothesis tests
(:mod:`hiermodels.derive.hypothesis`) resolve names through it, so every name a user
sees in a table can be used in an expression.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..model import names
from .tables import fixed_draws, varcorr_draws


def group_effect_draws(post, design) -> dict[str, np.ndarray]:
    """``r_<factor>[level, term]`` -> (chain, draw) array, for every factor, level and term."""
    out = {}
    for g in design.groups:
        name = names.effects(g)
        if name not in post:
            continue
        r = post[name].values  # (chain, draw, level, term)
        for j, lev in enumerate(g.levels):
            for a, t in enumerate(g.terms):
                out[f"{name}[{lev}, {t}]"] = r[:, :, j, a]
    return out


def parameter_draws(post, design, family, group_effects: bool = True) -> dict[str, np.ndarray]:
    """Every scalar parameter by its documented name, as (chain, draw) arrays.

    Parameters
    ----------
    post : xarray.Dataset
        ``fit.posterior`` (or a prior group with the same variables).
    design, family
        The model's design and family.
    group_effects : bool
        Include the ``r_<factor>[level, term]`` columns.
    """
    out = dict(fixed_draws(post, design))
    out.update(varcorr_draws(post, design, family))
    if group_effects:
        out.update(group_effect_draws(post, design))
    return out


def tidy_draws(post, design, family, group_effects: bool = True) -> pd.DataFrame:
    """Tidy DataFrame of draws: ``chain``, ``draw`` and one column per scalar parameter.

    Returns
    -------
    DataFrame
        ``chains x draws`` rows; see the module docstring for the column names.
    """
    C, S = post.sizes["chain"], post.sizes["draw"]
    cols = {
        "chain": np.repeat(np.asarray(post["chain"].values), S),
        "draw": np.tile(np.asarray(post["draw"].values), C),
    }
    for k, v in parameter_draws(post, design, family, group_effects).items():
        cols[k] = np.asarray(v, dtype=float).reshape(-1)
    return pd.DataFrame(cols)
