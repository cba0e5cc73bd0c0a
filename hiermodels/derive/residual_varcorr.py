"""VarCorr rows of a residual structure: ``phi``, ``rho``, ``cor_residual(t1, t2)``, ``sigma(f=level)``.

Read by :func:`hiermodels.derive.tables.varcorr_draws` (and so by ``fit.varcorr()`` and
``fit.summary()``) when the posterior carries a residual structure
(:mod:`hiermodels.model.residual`). The labels come from :mod:`hiermodels.model.names`.
"""

from __future__ import annotations

import numpy as np

from hiermodels.model import names


def varcorr_draws(post) -> dict[str, np.ndarray]:
    """(chain, draw) arrays of the residual structure's parameters, keyed by table label."""
    out = {}
    for var in (names.PHI, names.RHO):
        if var in post and names.RESIDUAL_ATTR in post.attrs:
            out[var] = post[var].values
    if names.COR_RESIDUAL in post:
        cor = post[names.COR_RESIDUAL]
        lev = list(cor[names.RESID_TIME_DIM].values)
        for a in range(len(lev)):
            for b in range(a + 1, len(lev)):
                out[names.residual_cor_label(lev[a], lev[b])] = cor.values[..., a, b]
    if names.SIGMA_RATIO in post:
        ratio = post[names.SIGMA_RATIO]
        by = post.attrs.get(names.RESIDUAL_ATTR + "_sigma_by", "level")
        for k, lev in enumerate(ratio[names.SIGMA_LEVEL_DIM].values):
            out[names.sigma_level_label(by, lev)] = post["sigma"].values * ratio.values[..., k]
    return out
