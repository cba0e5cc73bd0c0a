r"""Grouped K-fold and leave-one-cluster-out cross-validation (Vehtari, Gelman & Gabry 2017, §4).

Observation-level PSIS-LOO asks how well the model predicts a *new row of a known
cluster*, and on clustered data its importance weights are often unstable (Pareto
:math:`\hat k > 0.7`). Grouped cross-validation asks how well it predicts a *new cluster*:
the clusters (levels of ``by``) are split into ``k`` folds; for each fold the model is
refitted without it (``refit(training rows) -> Fit``, same formula, family and prior
specification; data-scaled default priors are rescaled to the training rows, as a refit
from scratch would) and the held-out clusters are predicted. With ``k`` at least the
number of clusters this is leave-one-cluster-out (LOCO).

The held-out predictive density of cluster :math:`c` (rows :math:`i \in c`) integrates
its unknown effects :math:`b_c \sim N(0, G)` for every training draw :math:`s`:

.. math:: p(y_c \mid \theta_s) = \int \prod_{i\in c} p(y_i \mid x_i'\beta_s + z_i'b,
   \phi_s)\, N(b; 0, G_s)\, db,

exactly for a Gaussian family (the rows are jointly normal with mean :math:`X_c\beta_s`
and covariance :math:`\sigma_s^2 I + \sum_f K_f`, :math:`K_f[i,j] = 1[f_i = f_j]\,
z_i' G_{f,s} z_j` over every factor whose level the training fit has not seen), and by
Monte Carlo with ``n_mc`` draws of :math:`b` per posterior draw otherwise (the log of the
Monte Carlo mean is biased by :math:`O(1/n_{mc})`). Levels seen in training keep their
fitted effects. Then

.. math:: \widehat{\mathrm{elpd}}_c = \log \frac1S\sum_s p(y_c\mid\theta_s), \quad
   \widehat{\mathrm{elpd}} = \sum_c \widehat{\mathrm{elpd}}_c, \quad
   \mathrm{se} = \sqrt{C\,\mathrm{Var}_c(\widehat{\mathrm{elpd}}_c)},

and :math:`p_{kfold}` = in-sample :math:`\log \frac1S\sum_s p(y_c\mid\theta_s, b_c)`
(fitted effects, full data) minus the cross-validated elpd. The result is an
``arviz.ELPDData`` laid out like LOO (``elpd_loo`` holds the K-fold elpd, ``loo_i`` the
per-cluster values), so ``arviz.compare`` — and ``hm.compare`` — rank K-fold results of
models fitted to the same data with the same folds.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from arviz.stats.stats_utils import ELPDData
from scipy.special import logsumexp

from ..data.design import factor_labels
from ..errors import HiermodelsError
from ..model import names
from .predict import aux_draws, group_covariance
from .tables import fixed_matrix


class KFoldELPD(ELPDData):
    """K-fold elpd in ArviZ's LOO layout, printed as what it is."""

    def __str__(self):
        return (
            f"Cross-validated elpd: {self['cv']} ({self['n_data_points']} held-out units, "
            f"{self['n_samples']} draws per refit)\n"
            f"           Estimate    SE\n"
            f"elpd_kfold {self['elpd_loo']:9.2f} {self['se']:6.2f}\n"
            f"p_kfold    {self['p_loo']:9.2f}        -"
        )

    __repr__ = __str__


def fold_assignment(data, k: int | None, by: str | None, seed=0):
    """(unit label per row, fold index per row, number of folds).

    Units are the levels of ``by`` (a grouping factor or any column; ``a:b`` allowed)
    or single rows; ``k=None`` or ``k >=`` the number of units gives one unit per fold.
    """
    units = np.arange(len(data)).astype(str) if by is None else factor_labels(data, by)
    uniq = np.array(list(dict.fromkeys(units)))
    if k is not None and (int(k) != k or k < 2):
        raise HiermodelsError(f"k={k!r}: K-fold needs an integer k >= 2 (or None for LOCO).")
    if k is None or k >= len(uniq):
        fold_of = {u: i for i, u in enumerate(uniq)}
        n_folds = len(uniq)
    else:
        perm = np.random.default_rng(seed).permutation(len(uniq))
        fold_of = {uniq[p]: i % int(k) for i, p in enumerate(perm)}
        n_folds = int(k)
    return units, np.array([fold_of[u] for u in units]), n_folds


def _gaussian_unit(eta, sigma, extra):
    """log N(y; eta, sigma^2 I + extra) per draw, for one unit; eta is (D, m) of residuals."""
    m = eta.shape[1]
    cov = extra + (sigma[:, None, None] ** 2) * np.eye(m)
    L = np.linalg.cholesky(cov)
    z = np.linalg.solve(L, eta[:, :, None])[:, :, 0]
    logdet = 2 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
    return -0.5 * (m * np.log(2 * np.pi) + logdet + (z**2).sum(axis=1))


def heldout_log_density(fit, data, y, trials=None, units=None, n_mc: int = 500, seed=0,
                        exact: bool = True):  # fmt: skip
    """Per unit, log p(y_unit | theta_s) for every draw s of ``fit``: (D, U) and the labels.

    Parameters
    ----------
    fit : hiermodels.Fit
        Fitted on the training rows.
    data : DataFrame
        The held-out rows (predictor columns).
    y, trials : ndarray
        Their responses (and binomial trials).
    units : ndarray, optional
        Unit label per row (default: every row its own unit).
    exact : bool
        Use the closed form for a Gaussian family (``False``: Monte Carlo, as for the
        other families; for checking the Monte Carlo path).
    """
    design, post, fam = fit.design, fit.posterior, fit.family
    nd = design.new_data(data.reset_index(drop=True), allow_new_levels=True)
    beta = fixed_matrix(post, design)
    eta = beta @ nd["X"].T
    if nd["offset"] is not None:
        eta = eta + nd["offset"]
    D = eta.shape[0]
    new = []  # (group design, labels, Z, G draws) of factors integrated out
    for g in design.groups:
        codes, Z = nd["groups"][g.name]["codes"], nd["groups"][g.name]["Z"]
        seen = codes >= 0
        if np.any(seen):
            r = post[names.effects(g)].values.reshape(D, g.n_levels, g.q)
            eta[:, seen] += np.einsum("nq,dnq->dn", Z[seen], r[:, codes[seen], :])
        if not np.all(seen):
            labels = np.where(seen, "", factor_labels(data.reset_index(drop=True), g.name))
            new.append((g, labels, Z * (~seen)[:, None], group_covariance(post, g)))
    units = np.arange(len(data)).astype(str) if units is None else np.asarray(units)
    labels = list(dict.fromkeys(units))
    aux = aux_draws(fit, np.arange(D), nd.get("X_zi"))  # eta_zi: (D, held-out rows)
    rng = np.random.default_rng(seed)
    out = np.empty((D, len(labels)))
    y = np.asarray(y, float)
    for u, lab in enumerate(labels):
        rows = np.flatnonzero(units == lab)
        e = eta[:, rows]
        aux_u = {k: v[:, rows] if k == "eta_zi" else v for k, v in aux.items()}
        tr = None if trials is None else np.asarray(trials)[rows]
        if not new:
            out[:, u] = fam.logpdf(y[rows], e, aux_u, tr).sum(axis=1)
        elif fam.name == "gaussian" and exact:
            extra = np.zeros((D, len(rows), len(rows)))
            for _, lab_g, Z, G in new:
                same = (lab_g[rows][:, None] == lab_g[rows][None, :]) & (lab_g[rows][:, None] != "")
                extra += np.einsum("iq,dqr,jr->dij", Z[rows], G, Z[rows]) * same
            out[:, u] = _gaussian_unit(y[rows] - e, aux["sigma"][:, 0], extra)
        else:
            parts = [(g, lab_g[rows], Z[rows], G) for g, lab_g, Z, G in new]
            out[:, u] = _mc_unit(fam, y[rows], e, aux_u, tr, parts, n_mc, rng)
    return out, labels


def _mc_unit(fam, y, eta, aux, trials, parts, n_mc, rng, max_cells=4_000_000):
    """log of the Monte Carlo mean over b of p(y | eta + z'b) per draw (in draw chunks)."""
    D, m = eta.shape
    out = np.empty(D)
    step = max(1, max_cells // (n_mc * m))
    for lo in range(0, D, step):
        sl = slice(lo, min(D, lo + step))
        total = np.repeat(eta[sl, None, :], n_mc, axis=1)  # (d, M, m)
        for g, lab, Z, G in parts:
            L = np.linalg.cholesky(G[sl] + 1e-12 * np.eye(g.q))
            levs, inv = np.unique(lab, return_inverse=True)
            eps = rng.standard_normal((total.shape[0], n_mc, len(levs), g.q))
            b = np.einsum("dqr,dmkr->dmkq", L, eps)
            total += np.einsum("iq,dmiq->dmi", Z, b[:, :, inv, :])
        aux_m = {k: v[sl, None, :] if k == "eta_zi" else v[sl, :, None] for k, v in aux.items()}
        ll = fam.logpdf(y, total, aux_m, trials).sum(axis=2)
        out[sl] = logsumexp(ll, axis=1) - np.log(n_mc)
    return out


def _fold(refit, data, y, trials, units, train, test, n_mc, seed):
    start = time.perf_counter()
    fit_k = refit(data.iloc[train].reset_index(drop=True))
    lp, labels = heldout_log_density(
        fit_k,
        data.iloc[test],
        y[test],
        None if trials is None else trials[test],
        units[test],
        n_mc,
        seed,
    )
    return lp, labels, time.perf_counter() - start


def kfold(fit, refit, k: int | None = 10, by: str | None = None, seed=0, workers: int = 1,
          n_mc: int = 500) -> KFoldELPD:  # fmt: skip
    """Grouped K-fold / leave-one-cluster-out elpd of ``fit``; see the module docstring.

    Parameters
    ----------
    fit : hiermodels.Fit
        The full-data fit (its design gives the rows; its draws give p_kfold).
    refit : callable
        ``refit(training DataFrame) -> Fit`` with the same specification. Must be
        picklable when ``workers > 1``.
    k : int or None
        Number of folds (``None``: one per unit, i.e. LOCO).
    by : str, optional
        Column whose levels are kept together (usually the grouping factor).
    workers : int
        Folds run in this many processes (``1``: sequentially, in this process, reusing
        the compiled kernels; each extra process pays the kernel load once).
    n_mc : int
        Monte Carlo draws of new-cluster effects per posterior draw (non-Gaussian only).

    Returns
    -------
    KFoldELPD
        An ``arviz.ELPDData``: ``elpd_loo`` (the K-fold elpd), ``se``, ``p_loo``,
        ``loo_i`` (per unit), ``cv`` (a description), ``fold_seconds``.
    """
    import xarray as xr

    d = fit.design
    data, y, trials = d.data, d.y, d.trials
    if by is not None and by.split(":")[0] not in data.columns:
        raise HiermodelsError(f"by={by!r} is not a column of the data; columns: {list(data)}.")
    units, folds, n_folds = fold_assignment(data, k, by, seed)
    jobs = [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(n_folds)]
    args = [
        (refit, data, y, trials, units, tr, te, n_mc, seed + f) for f, (tr, te) in enumerate(jobs)
    ]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=int(workers)) as ex:
            results = list(ex.map(_fold, *zip(*args, strict=True)))
    else:
        results = [_fold(*a) for a in args]
    elpd_u, S = {}, None
    for lp, labels, _ in results:
        S = lp.shape[0]
        for j, lab in enumerate(labels):
            elpd_u[lab] = float(logsumexp(lp[:, j]) - np.log(S))
    order = list(dict.fromkeys(units))
    elpd_i = np.array([elpd_u[u] for u in order])
    full, labels = heldout_log_density(fit, data, y, trials, units, n_mc, seed)
    lpd_full = logsumexp(full, axis=0) - np.log(full.shape[0])
    lpd_full = dict(zip(labels, lpd_full, strict=True))
    p = float(sum(lpd_full[u] for u in order) - elpd_i.sum())
    C = len(order)
    what = "leave-one-out" if n_folds == C else f"{n_folds}-fold"
    cv = f"{what} by {by}" if by else f"{what} over rows"
    return KFoldELPD(
        data=[
            float(elpd_i.sum()),
            float(np.sqrt(C * np.var(elpd_i))),
            p,
            S,
            C,
            False,
            xr.DataArray(elpd_i, dims=["unit"], coords={"unit": order}, name="loo_i"),
            "log",
            cv,
            [r[2] for r in results],
        ],
        index=[
            "elpd_loo",
            "se",
            "p_loo",
            "n_samples",
            "n_data_points",
            "warning",
            "loo_i",
            "scale",
            "cv",
            "fold_seconds",
        ],
    )
