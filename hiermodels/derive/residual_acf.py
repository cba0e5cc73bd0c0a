r"""Autocorrelation of the within-unit residuals by lag: did the structure remove it?

For each posterior draw the conditional residuals are :math:`r = y - X\beta - Zb` (group
effects included, as nlme's ``ACF(fit)`` uses within-group residuals) and the
*normalised* residuals :math:`\tilde r_u = L_u^{-1} r_u` with :math:`L_uL_u^\top = D_uR_uD_u`
the unit's residual covariance under the fitted structure (rows sorted by time). At
ordinal lag :math:`k` (the k-th next occasion of the same unit),

.. math::

    \mathrm{acf}(k) = \frac{\sum_{(i,j)\in P_k} r_i r_j / |P_k|}{\sum_i r_i^2 / N},

summarised over draws. If the structure fits, the raw ACF follows the model's implied
correlation (:math:`\phi^{|t_i-t_j|}`, :math:`\rho`, ...) and the normalised ACF stays
inside the white-noise band :math:`\pm 2/\sqrt{|P_k|}`; an iid fit shows its left-over
autocorrelation in both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.derive.residual_cov import _flat, covariance_draws, unit_index
from hiermodels.derive.summaries import summarize
from hiermodels.derive.tables import fixed_matrix
from hiermodels.model import names


def _sorted_units(fit):
    """List of design-row arrays, one per unit, sorted by time (else data order)."""
    _, order, ptr = unit_index(fit)
    st = fit.model.residual
    key = st.tval if st is not None and st.kind != "iid" else np.arange(fit.design.n)
    out = []
    for u in range(len(ptr) - 1):
        rows = np.asarray(order[ptr[u] : ptr[u + 1]])
        out.append(rows[np.argsort(key[rows], kind="stable")])
    return out


def residual_acf(fit, max_lag: int = 10, max_draws: int = 200, prob=None) -> pd.DataFrame:
    """ACF of raw and normalised within-unit residuals at lags 1..max_lag.

    Returns
    -------
    DataFrame
        Index ``lag``; ``raw_mean, raw_lower, raw_upper`` (conditional residuals),
        ``norm_mean, norm_lower, norm_upper`` (normalised by the residual structure),
        ``implied`` (posterior-mean model correlation at that lag), ``pairs`` and
        ``band`` (2 / sqrt(pairs)).
    """
    post, d = fit.posterior, fit.design
    S = post.sizes["chain"] * post.sizes["draw"]
    idx = np.linspace(0, S - 1, min(max_draws, S)).astype(int)
    mu = fixed_matrix(post, d)[idx] @ np.asarray(d.X).T
    for g in d.groups:
        r = _flat(post, names.effects(g))[idx]
        mu = mu + np.einsum("snk,nk->sn", r[:, np.asarray(g.codes)], np.asarray(g.Z))
    off = 0.0 if d.offset is None else np.asarray(d.offset)
    res = np.asarray(d.y)[None] - off - mu
    units = _sorted_units(fit)
    max_lag = int(min(max_lag, max(len(u) for u in units) - 1))
    raw = np.zeros((len(idx), max_lag + 1))
    nrm = np.zeros((len(idx), max_lag + 1))
    imp = np.zeros(max_lag + 1)
    pairs = np.zeros(max_lag + 1)
    for rows in units:
        n = len(rows)
        V = covariance_draws(fit, rows, idx, random=False)
        L = np.linalg.cholesky(V)
        ru = res[:, rows]
        zu = np.linalg.solve(L, ru[..., None])[..., 0]
        Rm = (
            V / np.sqrt(np.einsum("sii->si", V)[:, :, None] * np.einsum("sii->si", V)[:, None, :])
        ).mean(0)
        for k in range(min(max_lag, n - 1) + 1):
            raw[:, k] += np.sum(ru[:, : n - k] * ru[:, k:], axis=1)
            nrm[:, k] += np.sum(zu[:, : n - k] * zu[:, k:], axis=1)
            imp[k] += np.trace(Rm, offset=k)
            pairs[k] += n - k
    raw = (raw / pairs) / (raw[:, :1] / pairs[0])
    nrm = (nrm / pairs) / (nrm[:, :1] / pairs[0])
    lags = range(1, max_lag + 1)
    a = summarize({k: raw[None, :, k] for k in lags}, prob, diagnostics=False)
    b = summarize({k: nrm[None, :, k] for k in lags}, prob, diagnostics=False)
    tab = pd.DataFrame(index=pd.Index(list(lags), name="lag"))
    for pre, t in (("raw", a), ("norm", b)):
        for c in ("mean", "lower", "upper"):
            tab[f"{pre}_{c}"] = t[c].to_numpy()
    tab["implied"] = imp[1:] / pairs[1:]
    tab["pairs"] = pairs[1:].astype(int)
    tab["band"] = 2.0 / np.sqrt(pairs[1:])
    st = fit.model.residual
    tab.attrs.update(structure=st.spec.text if st is not None else "iid", draws=len(idx))
    return tab
