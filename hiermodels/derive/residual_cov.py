r"""Derived quantities of Gaussian models with residual structures.

* :func:`hiermodels.derive.residual_varcorr.varcorr_draws`: the rows ``phi`` / ``rho`` /
  ``cor_residual(t1, t2)`` / ``sigma(f=level)`` of :meth:`Fit.varcorr`.
* :func:`within_covariance`: the model-implied covariance of two rows of one unit,
  :math:`\mathrm{Cov}(y_{it}, y_{it'}) = z_t^\top G z_{t'} + \sigma_t\sigma_{t'}R_{tt'}`, for a
  residual structure, random effects, or both (a random intercept alone gives compound
  symmetry, :math:`\tau^2 + \sigma^2[t=t']`).
* :func:`posterior_predictive`: replicated data that keep the residual correlation,
  :math:`y^{rep} = X\beta + Zb + e`, :math:`e_u\sim N(0, D_uR_uD_u)` given each draw's
  group effects :math:`b`.
* :func:`unit_log_likelihood` / :func:`log_likelihood_group` (``fit.loo()``): the log-likelihood of a *unit*,
  :math:`\log N(y_u\mid X_u\beta, V_u)` with the random effects integrated out. Rows of one
  unit are dependent under these models, so the pointwise (row) log-likelihood that
  observation-level PSIS-LOO needs does not factorise; leave-one-unit-out is the honest
  comparison.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from hiermodels.derive.summaries import summarize
from hiermodels.errors import HiermodelsError
from hiermodels.model import names


def _flat(post, var) -> np.ndarray:
    v = post[var].values
    return v.reshape((-1, *v.shape[2:]))


def unit_index(fit):
    """(unit labels, order, ptr): the design rows of unit u are ``order[ptr[u]:ptr[u+1]]``."""
    st = fit.model.residual
    if st is not None:
        levels, order, ptr = st.unit_levels, st.order, st.ptr
    elif len(fit.design.groups) == 1:
        g = fit.design.groups[0]
        levels = list(g.levels)
        order = np.argsort(g.codes, kind="stable")
        ptr = np.concatenate([[0], np.cumsum(g.counts())])
    else:
        raise HiermodelsError(
            "within_covariance() needs a unit: a residual= structure or one grouping factor; "
            f"this model has {len(fit.design.groups)} factors and no residual=."
        )
    return levels, order, ptr


def _unit_rows(fit, unit):
    """(unit label, design rows of that unit) — default: the unit with the most rows."""
    levels, order, ptr = unit_index(fit)
    labels = list(map(str, levels))
    if unit is not None and str(unit) not in labels:
        raise HiermodelsError(f"No unit {unit!r}; units are {labels[:10]}...")
    u = int(np.argmax(np.diff(ptr))) if unit is None else labels.index(str(unit))
    return str(levels[u]), np.asarray(order[ptr[u] : ptr[u + 1]])


def residual_matrix(post, st, idx, t, lev) -> np.ndarray:
    """Draws x n x n residual covariance D R D of rows at times ``t`` and SD levels ``lev``.

    ``t`` and ``lev`` are coded as in :class:`hiermodels.model.residual.ResidualStructure`
    (``tval``/``slev``); ``st=None`` gives sigma^2 I.
    """
    sig = _flat(post, "sigma")[idx]
    n = len(t)
    sd = np.repeat(sig[:, None], n, axis=1)
    R = np.broadcast_to(np.eye(n), (len(idx), n, n)).copy()
    if st is not None:
        if names.SIGMA_RATIO in post:
            sd = sd * _flat(post, names.SIGMA_RATIO)[idx][:, np.asarray(lev)]
        off = ~np.eye(n, dtype=bool)
        if st.kind in ("ar1", "car1"):
            lag = np.abs(t[:, None] - t[None, :])
            R = np.where(off, _flat(post, names.PHI)[idx, None, None] ** lag, 1.0)
        elif st.kind == "cs":
            R = np.where(off, _flat(post, names.RHO)[idx, None, None], 1.0)
        elif st.kind == "unstructured":
            ti = np.asarray(t).astype(int)
            R = _flat(post, names.COR_RESIDUAL)[idx][:, ti][:, :, ti]
    return sd[:, :, None] * sd[:, None, :] * R


def covariance_draws(fit, rows, idx=None, random: bool = True) -> np.ndarray:
    """Draws x n x n model-implied covariance of the design rows ``rows`` (one unit).

    ``idx``: flat draw indices (default all). ``random=False`` leaves the random effects
    out: the residual covariance D R D alone.
    """
    post, d, st = fit.posterior, fit.design, fit.model.residual
    idx = np.arange(post.sizes["chain"] * post.sizes["draw"]) if idx is None else np.asarray(idx)
    t = st.tval[rows] if st is not None else np.zeros(len(rows))
    lev = st.slev[rows] if st is not None else np.zeros(len(rows), int)
    V = residual_matrix(post, st, idx, t, lev)
    for g in d.groups if random else ():
        tau = _flat(post, names.sd(g))[idx]
        C = _flat(post, names.cor(g))[idx] if names.cor(g) in post else np.eye(g.q)[None]
        G = tau[:, :, None] * tau[:, None, :] * C
        Z = np.asarray(g.Z)[rows]
        same = np.asarray(g.codes)[rows][:, None] == np.asarray(g.codes)[rows][None, :]
        V = V + np.einsum("ik,skm,jm->sij", Z, G, Z) * same
    return V


def within_covariance(fit, unit=None, prob=None) -> pd.DataFrame:
    """Model-implied Cov and correlation of every pair of rows of one unit.

    Parameters
    ----------
    unit : label, optional
        Default: the unit with the most rows (all its occasions).

    Returns
    -------
    DataFrame
        Index (t, t2) — the time (or row position) of the two rows; columns ``mean, sd,
        lower, upper`` of the covariance and ``cor_mean, cor_lower, cor_upper``.
    """
    label, rows = _unit_rows(fit, unit)
    V = covariance_draws(fit, rows)
    st = fit.model.residual
    if st is not None and st.spec.time is not None:
        tcol = fit.design.data[st.spec.time].to_numpy()[rows]
    else:
        tcol = np.arange(len(rows))
    sdv = np.sqrt(np.einsum("sii->si", V))
    Cr = V / (sdv[:, :, None] * sdv[:, None, :])
    cov, cor = {}, {}
    for a in range(len(rows)):
        for b in range(a, len(rows)):
            key = (tcol[a], tcol[b])
            cov[key], cor[key] = V[:, a, b][None], Cr[:, a, b][None]
    tab = summarize(cov, prob, diagnostics=False)
    cs = summarize(cor, prob, diagnostics=False)
    tab["cor_mean"], tab["cor_lower"], tab["cor_upper"] = cs["mean"], cs["lower"], cs["upper"]
    tab.index = pd.MultiIndex.from_tuples(list(cov), names=["t", "t2"])
    what = (
        "random effects + residual structure" if st is not None else "random effects + iid residual"
    )
    tab.attrs.update(unit=label, conditioning=f"marginal over the group effects: {what}")
    return tab


def _theta(fit, max_draws):
    th = _flat(fit.posterior, names.RESIDUAL_THETA)
    S = th.shape[0]
    idx = (
        np.arange(S)
        if max_draws is None or max_draws >= S
        else np.linspace(0, S - 1, max_draws).astype(int)
    )
    return th[idx], idx


def unit_log_likelihood(fit, max_draws=None) -> np.ndarray:
    """Draws x units log-likelihood (random effects integrated out)."""
    from hiermodels.backends.residual_sampler import residual_data, unit_loglik

    data = residual_data(fit.model)
    th, _ = _theta(fit, max_draws)
    return np.stack([unit_loglik(t, data) for t in th])


def log_likelihood_group(fit, max_draws=None) -> xr.Dataset:
    """The per-unit log-likelihood as an ``idata.log_likelihood`` group (dim ``unit``)."""
    ll = unit_log_likelihood(fit, max_draws)
    post = fit.posterior
    C, S = post.sizes["chain"], post.sizes["draw"]
    if ll.shape[0] == C * S:
        arr, coords = ll.reshape(C, S, -1), {"chain": post.chain.values, "draw": post.draw.values}
    else:
        arr, coords = ll[None], {"chain": [0], "draw": np.arange(ll.shape[0])}
    units = [str(u) for u in fit.model.residual.unit_levels]
    name = names.response_name(fit.design)
    return xr.Dataset({name: (("chain", "draw", "unit"), arr)}, coords={**coords, "unit": units})


def posterior_predictive(fit, seed=None, max_draws=None):
    """(draws x rows replicated responses keeping the residual correlation, draw indices)."""
    from hiermodels.backends.kernels import residual_nb as rk
    from hiermodels.backends.residual_sampler import residual_data
    from hiermodels.derive.tables import fixed_matrix

    d = fit.design
    data = residual_data(fit.model)
    th, idx = _theta(fit, max_draws)
    rng = np.random.default_rng(seed)
    mu = fixed_matrix(fit.posterior, d)[idx] @ np.asarray(d.X).T
    if d.offset is not None:
        mu = mu + np.asarray(d.offset)
    for g in d.groups:
        r = _flat(fit.posterior, names.effects(g))[idx]
        mu = mu + np.einsum("snk,nk->sn", r[:, np.asarray(g.codes)], np.asarray(g.Z))
    keys = ("meta", "lo", "Z", "codes", "order", "ptr", "tval", "slev")
    e = np.stack(
        [rk.draw_residuals(t, *(data[k] for k in keys), rng.standard_normal(d.n)) for t in th]
    )
    return mu + e, idx
