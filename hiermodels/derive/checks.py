"""Posterior-predictive replicates, pointwise log-likelihood, LOO and model comparison.

Everything is computed in NumPy from the posterior draws and the design (no graph
compilation): the linear predictor with each cluster's own effects, then the family's
density or random generator. LOO is ArviZ's PSIS-LOO (Vehtari, Gelman & Gabry 2017) on
the pointwise log-likelihood *conditional on the group effects* (leave one observation
out, not one cluster).
"""

from __future__ import annotations

import warnings

import numpy as np
import xarray as xr

from hiermodels.derive.pareto import loo_checked
from hiermodels.derive.predict import aux_draws, fitted_eta
from hiermodels.errors import HiermodelsError
from hiermodels.model import names

MAX_CELLS = 50_000_000  # draws x rows held in memory at once (400 MB of float64)
AUTO_PPC_CELLS = 5_000_000  # rows x draws x chains up to which a fit attaches its PPC draws


def _check_size(fit, what: str, max_draws: int | None) -> int | None:
    post = fit.posterior
    D = post.sizes["chain"] * post.sizes["draw"]
    n = fit.design.n
    if (max_draws or D) * n > MAX_CELLS:
        if max_draws is None:
            keep = max(MAX_CELLS // n, 1)
            warnings.warn(
                f"{what}: {D} draws x {n} rows is large; using {keep} evenly spaced "
                "draws (pass max_draws= to choose).",
                stacklevel=3,
            )
            return keep
    return max_draws


def _as_group(fit, arr, idx):
    from hiermodels.model.names import response_name

    post = fit.posterior
    C, S = post.sizes["chain"], post.sizes["draw"]
    if len(idx) == C * S:
        arr = arr.reshape(C, S, -1)
        coords = {"chain": post.chain.values, "draw": post.draw.values}
    else:
        arr = arr[None]
        coords = {"chain": [0], "draw": np.arange(len(idx))}
    name = response_name(fit.design)
    return xr.Dataset(
        {name: (("chain", "draw", "obs"), arr)}, coords={**coords, "obs": np.arange(fit.design.n)}
    )


def posterior_predictive(fit, seed=None, max_draws=None) -> xr.Dataset:
    """Replicated data y_rep for every draw; attached to ``fit.idata.posterior_predictive``."""
    max_draws = _check_size(fit, "posterior_predictive", max_draws)
    if getattr(fit.model, "residual", None) is not None:  # correlated residuals within units
        from hiermodels.derive.residual_cov import posterior_predictive as residual_ppc

        yrep, idx = residual_ppc(fit, seed, max_draws)
    else:
        eta, idx = fitted_eta(fit, max_draws)
        rng = np.random.default_rng(seed)
        yrep = fit.family.draw(rng, eta, aux_draws(fit, idx), fit.design.trials)
    ds = _as_group(fit, yrep, idx)
    _attach(fit, "posterior_predictive", ds)
    return ds


def log_likelihood(fit, max_draws=None) -> xr.Dataset:
    """Pointwise log-likelihood (conditional on group effects); attached to the idata.

    With a residual structure (``residual=``) rows of a unit are dependent: the values are
    per *unit* (dim ``unit``), random effects integrated out; see
    :mod:`hiermodels.derive.residual_cov`.
    """
    max_draws = _check_size(fit, "log_likelihood", max_draws)
    if getattr(fit.model, "residual", None) is not None:
        from hiermodels.derive.residual_cov import log_likelihood_group

        ds = log_likelihood_group(fit, max_draws)
        _attach(fit, "log_likelihood", ds)
        return ds
    eta, idx = fitted_eta(fit, max_draws)
    d = fit.design
    ll = fit.family.logpdf(d.y, eta, aux_draws(fit, idx), d.trials)
    ds = _as_group(fit, ll, idx)
    _attach(fit, "log_likelihood", ds)
    return ds


def _attach(fit, group, ds):
    groups = fit.trace  # the InferenceData's groups, without building it (importing ArviZ)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if group in groups.groups():
            del groups[group]
        groups.add_groups({group: ds})


def loo(fit, pointwise: bool = False):
    """PSIS-LOO of ``fit`` (``arviz.ELPDData``); computes the log-likelihood if needed.

    The pointwise values (and Pareto k) are always kept; high Pareto k raise a
    :class:`~hiermodels.errors.HiermodelsWarning` that suggests K-fold or
    leave-one-cluster-out cross-validation (:mod:`hiermodels.derive.pareto`).
    """
    if "log_likelihood" not in fit.idata.groups():
        log_likelihood(fit)
    return loo_checked(fit.idata, factors=[g.name for g in fit.design.groups])


def compare(fits: dict, ic: str = "loo"):
    """Rank fits of the same data by expected log predictive density (``az.compare``).

    Parameters
    ----------
    fits : dict name -> Fit, or name -> ``fit.kfold(...)`` result
        K-fold results (grouped cross-validation, :mod:`hiermodels.derive.kfold`) are
        ranked by their cross-validated elpd; they must share k, ``by`` and the seed.
    """
    import arviz as az

    if not isinstance(fits, dict) or len(fits) < 2:
        raise HiermodelsError(
            "compare() needs a dict of at least two fits, e.g. "
            "{'poisson': fit1, 'negbinomial': fit2}."
        )
    cv = [k for k, v in fits.items() if isinstance(v, az.ELPDData)]
    if cv:  # K-fold results (fit.kfold): ranked as they are
        if len(cv) != len(fits):
            raise HiermodelsError(
                f"compare() got K-fold results ({cv}) and fits together; pass "
                "fit.kfold(...) of every model (same k, by and seed), or only fits."
            )
        if len({int(v["n_data_points"]) for v in fits.values()}) > 1:
            raise HiermodelsError(
                "compare(): the K-fold results hold different numbers of held-out units; "
                "use the same k=, by= and seed= for every model."
            )
        return az.compare(dict(fits), ic="loo")
    ys = {name: tuple(np.round(f.design.y, 12)) for name, f in fits.items()}
    if len(set(ys.values())) > 1:
        raise HiermodelsError("compare() needs fits of the same response data.")
    for f in fits.values():
        if "log_likelihood" not in f.idata.groups():
            log_likelihood(f)
    if ic == "loo":  # each model's Pareto k shown (with advice), not swallowed
        elpd = {
            k: loo_checked(f.idata, factors=[g.name for g in f.design.groups], name=repr(k))
            for k, f in fits.items()
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return az.compare(elpd, ic="loo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return az.compare({k: f.idata for k, f in fits.items()}, ic=ic)


# --------------------------------------------------------------------------- PPC statistics
#: Test statistics T(y) for posterior-predictive checks (``zeros``: share of zeros).
PPC_STATISTICS = {
    "mean": lambda a: a.mean(axis=-1),
    "sd": lambda a: a.std(axis=-1, ddof=1),
    "min": lambda a: a.min(axis=-1),
    "max": lambda a: a.max(axis=-1),
    "zeros": lambda a: (a == 0).mean(axis=-1),
}


def replicated(fit, seed=None) -> np.ndarray:
    """The posterior-predictive draws (S, n), computed and attached if missing."""
    from hiermodels.model.names import response_name

    if "posterior_predictive" not in fit.idata.groups():
        posterior_predictive(fit, seed)
    pp = fit.idata.posterior_predictive[response_name(fit.design)].values
    return pp.reshape(-1, fit.design.n)


def ppc_statistic_draws(fit, stats=None, group=None, seed=None) -> dict:
    """Observed value and replicated draws of each test statistic.

    Returns
    -------
    dict label -> (observed float, replicated ndarray (S,), statistic name, level or None)
        Labels: ``mean``, ``sd``, ``min``, ``max``, ``zeros`` (discrete families) and, with
        ``group``, ``mean[<level>]`` for every level (per-cluster means).
    """
    if stats is None:
        stats = ["mean", "sd", "min", "max"] + (["zeros"] if fit.family.discrete else [])
    unknown = [s for s in stats if s not in PPC_STATISTICS]
    if unknown:
        raise HiermodelsError(f"Unknown statistics {unknown}; choose from {list(PPC_STATISTICS)}.")
    y = fit.design.y
    yrep = replicated(fit, seed)
    out = {s: (float(PPC_STATISTICS[s](y)), PPC_STATISTICS[s](yrep), s, None) for s in stats}
    if group is not None:
        g = fit.design.group(group)
        n = np.bincount(g.codes, minlength=g.n_levels)
        obs = np.bincount(g.codes, y, g.n_levels) / n
        onehot = np.zeros((fit.design.n, g.n_levels))
        onehot[np.arange(fit.design.n), g.codes] = 1.0 / n[g.codes]
        rep = yrep @ onehot
        for j, lev in enumerate(g.levels):
            out[f"mean[{lev}]"] = (float(obs[j]), rep[:, j], "mean", lev)
    return out


def ppc_statistics(fit, stats=None, group=None, prob=None, seed=None):
    """Posterior-predictive test statistics with Bayesian p-values (Gelman et al. BDA3 §6.3).

    p-value = P(T(y_rep) > T(y)) + 0.5 P(T(y_rep) = T(y)) (mid-p for discrete statistics);
    values near 0 or 1 mean the model does not reproduce that feature of the data.

    Parameters
    ----------
    stats : list of {"mean", "sd", "min", "max", "zeros"}, optional
    group : str, optional
        Add each level's mean (``mean[<level>]`` rows).

    Returns
    -------
    DataFrame
        Columns ``statistic``, ``level``, ``observed``, ``mean, sd, lower, upper`` (of
        T(y_rep)) and ``p_value``.
    """
    from hiermodels.derive.summaries import summarize

    draws = ppc_statistic_draws(fit, stats, group, seed)
    tab = summarize({k: v[1] for k, v in draws.items()}, prob, diagnostics=False)
    tab.insert(0, "observed", [v[0] for v in draws.values()])
    tab.insert(0, "level", [v[3] for v in draws.values()])
    tab.insert(0, "statistic", [v[2] for v in draws.values()])
    tab["p_value"] = [
        float(np.mean(v[1] > v[0]) + 0.5 * np.mean(v[1] == v[0])) for v in draws.values()
    ]
    return tab


def ppc_densities(fit, n_draws: int = 50, seed=None, n_grid: int = 200):
    """Observed and replicated data distributions for a density-overlay plot.

    Continuous responses: Gaussian kernel density estimates on a common grid. Discrete:
    the share of each value 0..max (``kind = "frequency"``).

    Returns
    -------
    DataFrame
        Columns ``draw`` (-1 = observed), ``x``, ``density``; ``attrs["kind"]`` is
        ``"density"`` or ``"frequency"``.
    """
    import pandas as pd
    from scipy import stats as st

    y = fit.design.y
    yrep = replicated(fit, seed)
    rng = np.random.default_rng(seed)
    pick = rng.choice(yrep.shape[0], size=min(n_draws, yrep.shape[0]), replace=False)
    sets = [(-1, y)] + [(int(k), yrep[k]) for k in pick]
    rows = []
    if fit.family.discrete:
        top = int(max(np.quantile(y, 0.995), np.quantile(yrep[pick], 0.995), 1))
        xs = np.arange(top + 1)
        for k, a in sets:
            freq = np.bincount(np.clip(a.astype(int), 0, top + 1), minlength=top + 2)[: top + 1]
            rows.append(pd.DataFrame({"draw": k, "x": xs, "density": freq / len(a)}))
        kind = "frequency"
    else:
        lo = min(y.min(), np.quantile(yrep[pick], 0.001))
        hi = max(y.max(), np.quantile(yrep[pick], 0.999))
        pad = 0.05 * (hi - lo)
        xs = np.linspace(lo - pad, hi + pad, n_grid)
        bw = st.gaussian_kde(y).factor  # one bandwidth for all curves: comparable shapes
        for k, a in sets:
            rows.append(pd.DataFrame({"draw": k, "x": xs, "density": st.gaussian_kde(a, bw)(xs)}))
        kind = "density"
    out = pd.concat(rows, ignore_index=True)
    out.attrs.update(kind=kind, response=fit.design.response)
    return out


# --------------------------------------------------------------------------- prior predictive
def lkj_cholesky(rng, q: int, eta: float, size: int) -> np.ndarray:
    """Cholesky factors of LKJ(eta) correlation matrices, by the onion method.

    Lewandowski, Kurowicka & Joe (2009, J. Multivariate Anal. 100, 1989-2001), section 3.2:
    row k of the factor is sqrt(y) u with y ~ Beta(k/2, beta), u uniform on the sphere.
    Each off-diagonal correlation is then 2 Beta(eta - 1 + q/2, eta - 1 + q/2) - 1.
    """
    L = np.zeros((size, q, q))
    L[:, 0, 0] = 1.0
    if q == 1:
        return L
    beta = eta + (q - 2) / 2
    r = 2 * rng.beta(beta, beta, size) - 1
    L[:, 1, 0], L[:, 1, 1] = r, np.sqrt(1 - r**2)
    for k in range(2, q):
        beta -= 0.5
        y = rng.beta(k / 2, beta, size)
        u = rng.standard_normal((size, k))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        L[:, k, :k] = np.sqrt(y)[:, None] * u
        L[:, k, k] = np.sqrt(1 - y)
    return L


def _prior_draws(model, draws: int, rng) -> dict:
    """Draws of every parameter from the model's priors (the PyMC graph's, in NumPy)."""
    d, pri = model.design, model._priors
    out = {}
    slopes = [n for n in d.fixed_names if n != "Intercept"]
    b = np.column_stack([pri.b[n].draw(rng, draws) for n in slopes]) if slopes else None
    if b is not None:
        out["b"] = b
    if pri.intercept is not None:
        ic = pri.intercept.draw(rng, draws)
        out["Intercept"] = ic - (b @ pri.xbar if b is not None else 0.0)
    for g in d.groups:
        sd = np.column_stack([pri.sd[g.name][t].draw(rng, draws) for t in g.terms])
        C = np.broadcast_to(np.eye(g.q), (draws, g.q, g.q)).copy()
        for block, corr in zip(g.blocks, g.correlated, strict=True):
            if corr:
                Lb = lkj_cholesky(rng, len(block), pri.cor[g.name], draws)
                C[np.ix_(range(draws), block, block)] = Lb @ np.swapaxes(Lb, 1, 2)
        out[names.sd(g)] = sd
        if any(g.correlated):
            out[names.cor(g)] = C
        cov = sd[:, :, None] * C * sd[:, None, :]
        L = np.linalg.cholesky(cov + 1e-12 * np.eye(g.q))
        out[names.effects(g)] = np.einsum(
            "dqr,djr->djq", L, rng.standard_normal((draws, g.n_levels, g.q))
        )
    for k, p in pri.aux.items():
        out[k] = p.draw(rng, draws)
    if pri.zi:  # zero-inflation / hurdle coefficients (uncentred columns)
        out[names.ZI_COEF] = np.column_stack([pri.zi[n].draw(rng, draws) for n in d.zi_names])
    if pri.threshold:
        # iid draws sorted = the ordered prior (density prop. to prod_k p(c_k) on c_1 < ...),
        # exact when the thresholds share one prior; at the predictor means, then at x = 0
        c = np.sort(np.column_stack([p.draw(rng, draws) for p in pri.threshold]), axis=1)
        shift = b @ pri.xbar if b is not None else np.zeros(draws)
        out[names.THRESHOLD] = c + shift[:, None]
    return out


def family_aux(fam, design, par: dict, X_zi=None) -> dict:
    """The family's ``aux`` dict from parameter draws ``par`` (posterior names, leading
    draw axis): positive aux as columns, ``eta_zi`` (D, n) and ``threshold`` (D, 1, K-1)."""
    aux = {k: np.asarray(par[k])[:, None] for k in fam.aux}
    if fam.second_predictor is not None:
        X_zi = design.X_zi if X_zi is None else X_zi
        aux["eta_zi"] = np.asarray(par[names.ZI_COEF]) @ X_zi.T
    if getattr(fam, "ordinal", False):
        aux["threshold"] = np.asarray(par[names.THRESHOLD])[:, None, :]
    return aux


def prior_predictive(model, draws: int = 500, seed=None):
    """Parameters and data simulated from the priors (NumPy; no graph compilation).

    Draws every prior of ``model.priors`` exactly as the PyMC graph states them (the
    intercept prior is on centred predictors; correlations LKJ(eta) by the onion method),
    the group effects r ~ N(0, G) and replicated responses from the family. Log-link
    linear predictors are capped at 40 (exp(40) ~ 2e17) so extreme prior draws stay finite.

    Returns
    -------
    arviz.InferenceData
        Groups ``prior`` (the posterior's variable names and dims: ``Intercept``, ``b``,
        ``sd_<f>``, ``cor_<f>``, ``r_<f>``, ``sigma``/``phi``; one chain),
        ``prior_predictive`` (the response, dims ``chain, draw, obs``) and ``observed_data``.
    """
    import arviz as az

    from hiermodels.model.names import coords_of, response_name

    d, fam = model.design, model.family
    rng = np.random.default_rng(seed)
    par = _prior_draws(model, int(draws), rng)
    eta = np.zeros((draws, d.n))
    if "Intercept" in par:
        eta += par["Intercept"][:, None]
    if "b" in par:
        slopes = [k for k, n in enumerate(d.fixed_names) if n != "Intercept"]
        eta += par["b"] @ d.X[:, slopes].T
    if d.offset is not None:
        eta += d.offset
    for g in d.groups:
        eta += np.einsum("nq,dnq->dn", g.Z, par[names.effects(g)][:, g.codes, :])
    if fam.link == "log":
        eta = np.minimum(eta, 40.0)
    aux = family_aux(fam, d, par)
    y = fam.draw(rng, eta, aux, d.trials)
    coords = coords_of(d)
    dims = {"b": ["coef"], names.ZI_COEF: [names.ZI_DIM], names.THRESHOLD: [names.THRESHOLD_DIM]}
    for g in d.groups:
        dims[names.sd(g)] = [g.term_dim]
        dims[names.cor(g)] = [g.term_dim, f"{g.term_dim}_bis"]
        dims[names.effects(g)] = [g.dim, g.term_dim]
    name = response_name(d)
    return az.from_dict(
        prior={k: v[None] for k, v in par.items()},
        prior_predictive={name: y[None]},
        observed_data={name: d.y},
        coords=coords,
        dims={**dims, name: ["obs"]},
    )
