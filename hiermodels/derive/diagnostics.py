"""Sampler diagnostics with a verdict and advice a user can act on.

Thresholds follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021, Bayesian
Analysis 16, 667-718): rank-normalised R-hat <= 1.01 and bulk/tail ESS >= 100 per chain
(we ask for >= 400 in total); E-BFMI < 0.3 flags poor energy exploration (Betancourt 2016).

Small clusters: :func:`boundary_warnings` adds the Bayesian analogue of lme4's singular
fit to every :func:`diagnose` (a group SD whose posterior piles up at zero, a correlation
at +-1); :func:`small_cluster_checks` also compares each SD's posterior with its prior
(overlap, contraction, power-scaling sensitivity), which needs the model's priors.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsWarning
from hiermodels.model import names

RHAT_MAX = 1.01
ESS_MIN = 400
BFMI_MIN = 0.3


def _bfmi(idata) -> np.ndarray:
    from hiermodels.derive.convergence import bfmi

    if "energy" not in idata.sample_stats:
        return np.array([np.nan])
    energy = idata.sample_stats["energy"].transpose("chain", "draw").values
    return np.asarray(bfmi(energy), dtype=float)


def diagnose(idata, var_names: list[str], n_levels: dict | None = None) -> dict:
    """Divergences, max R-hat, min bulk/tail ESS, E-BFMI, a verdict and warnings.

    Parameters
    ----------
    idata : arviz.InferenceData or hiermodels.backends.trace.Trace
        Only its ``posterior`` and ``sample_stats`` are read.
    var_names : list of str
        Posterior variables to check (the model's parameters).

    Returns
    -------
    dict
        ``divergences``, ``draws``, ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``,
        ``min_bfmi``, ``verdict`` ("ok", "check" or "problem"), ``warnings`` (list of str,
        including :func:`boundary_warnings`), and ``table`` (per-variable worst values).
    """
    from hiermodels.derive import convergence  # ArviZ's R-hat/ESS, without importing ArviZ

    post = idata.posterior
    present = [v for v in var_names if v in post]
    ss = idata.sample_stats
    div = int(ss["diverging"].values.sum()) if "diverging" in ss else 0
    n_chains, n_draws = post.sizes["chain"], post.sizes["draw"]
    rows = {}
    ds = post[present]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant entries, e.g. cor diagonal
        want = ("rhat", "ess_bulk", "ess_tail") if n_chains > 1 else ("ess_bulk", "ess_tail")
        est = convergence.over_dataset_many(ds, want)  # all elements at once
        rhat, ess_b, ess_t = est.get("rhat"), est["ess_bulk"], est["ess_tail"]
    for v in present:
        rows[v] = {
            "max_rhat": float(np.nanmax(rhat[v])) if rhat is not None else np.nan,
            "min_ess_bulk": float(np.nanmin(ess_b[v])),
            "min_ess_tail": float(np.nanmin(ess_t[v])),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    bfmi = _bfmi(idata)
    out = {
        "divergences": div,
        "draws": n_chains * n_draws,
        "chains": n_chains,
        "max_rhat": float(table["max_rhat"].max()) if len(table) else np.nan,
        "min_ess_bulk": float(table["min_ess_bulk"].min()) if len(table) else np.nan,
        "min_ess_tail": float(table["min_ess_tail"].min()) if len(table) else np.nan,
        "min_bfmi": float(np.nanmin(bfmi)) if np.any(np.isfinite(bfmi)) else np.nan,
        "table": table,
    }
    if post.attrs.get("parameterization"):  # per factor: centered / noncentered / collapsed
        import json

        out["parameterization"] = json.loads(post.attrs["parameterization"])
    out["warnings"] = _advice(out, table)
    out["verdict"] = (
        "problem" if div > 0 or out["max_rhat"] > 1.05 else "check" if out["warnings"] else "ok"
    )
    return out


def _advice(d: dict, table: pd.DataFrame) -> list[str]:
    w = []
    if d["chains"] < 2:
        w.append(
            "Only one chain: R-hat needs at least two, so non-convergence cannot be "
            "detected. Refit with chains=4 before trusting these summaries."
        )
    if d["divergences"]:
        share = d["divergences"] / d["draws"]
        w.append(
            f"{d['divergences']} divergent transitions ({share:.1%} of draws): the posterior has "
            "regions NUTS cannot explore, so estimates may be biased. Refit with "
            "target_accept=0.95 (or 0.99); if they persist, the data may not inform a group SD "
            "(few clusters): try priors={'sd': 'boundary_avoiding'} or a tighter sd prior, or "
            "parameterization='centered' for factors with many rows per level."
        )
    if d["max_rhat"] > RHAT_MAX:
        worst = table["max_rhat"].idxmax()
        w.append(
            f"R-hat up to {d['max_rhat']:.3f} (for {worst}) exceeds {RHAT_MAX}: the chains disagree. "
            "Run longer (tune=2000, draws=2000) and check the trace; do not trust these summaries yet."
        )
    if d["min_ess_bulk"] < ESS_MIN or d["min_ess_tail"] < ESS_MIN:
        worst = table[["min_ess_bulk", "min_ess_tail"]].min(axis=1).idxmin()
        w.append(
            f"Effective sample size is low (bulk {d['min_ess_bulk']:.0f}, tail "
            f"{d['min_ess_tail']:.0f}, worst for {worst}; want >= {ESS_MIN}): intervals are "
            "imprecise. Increase draws."
        )
    if np.isfinite(d["min_bfmi"]) and d["min_bfmi"] < BFMI_MIN:
        w.append(
            f"E-BFMI {d['min_bfmi']:.2f} < {BFMI_MIN}: poor exploration of the energy distribution, "
            "typical of a funnel. Try the other parameterization (centered vs noncentered)."
        )
    return w


# --------------------------------------------------------------------------- small clusters
#: An SD "piles up at zero" when its posterior density, estimated by a kernel density
#: reflected at 0, is highest at 0 (density at 0 >= SD_MODE_AT_ZERO x its maximum) and
#: its 5 % quantile is below SD_Q05_RATIO x its median. Any non-increasing density on
#: [0, inf) has q05 / q50 <= 0.1 (F(x)/x decreases), so 0.15 leaves room for Monte Carlo
#: error. Calibrated on lme4's examples: Dyestuff2 (REML variance exactly 0) has density
#: ratio 1.0 and q05/q50 0.085-0.10 over five seeds; Dyestuff (REML SD 42) 0.08-0.11 and
#: 0.39-0.46; the batch SD of Pastes (REML SD 1.29, 10 batches) 0.68-0.83 and 0.11-0.15.
SD_MODE_AT_ZERO = 0.95
SD_Q05_RATIO = 0.15
#: A correlation is "at +-1" when its posterior median |cor| exceeds this.
COR_EDGE = 0.9
#: The data "barely moved" a prior when the prior/posterior overlap is at least
#: OVERLAP_MAX and the contraction below CONTRACTION_MIN (both: a posterior can shift
#: without narrowing, or narrow inside the prior's bulk, and in either case it learned).
#: Dyestuff: overlap 0.70, contraction 0.77; Dyestuff2 0.53, 0.89; sleepstudy 0.43, 0.97.
OVERLAP_MAX = 0.75
CONTRACTION_MIN = 0.5
#: Power-scaling prior sensitivity (CJS gradient) above which priorsense flags a parameter.
PSENSE_MAX = 0.05


def reflected_kde(x, grid) -> np.ndarray:
    """Gaussian kernel density of positive draws ``x``, reflected at 0 (no boundary bias).

    SciPy's ``gaussian_kde`` (Scott's rule) on the reflected sample, computed without
    importing ``scipy.stats``, by a fast Gauss transform
    (:func:`hiermodels.derive.kde.gaussian_kde_1d_fast`: the same density to ~1e-14 of its
    largest value, ~1.5 ms instead of ~12 ms for 8,000 reflected draws on 200 points).
    """
    from hiermodels.derive.kde import gaussian_kde_1d_fast

    x = np.asarray(x, float).ravel()
    if x.size > 4000:
        x = np.sort(x)[np.linspace(0, x.size - 1, 4000).astype(int)]
    return 2 * gaussian_kde_1d_fast(np.r_[x, -x], np.asarray(grid, float))


def sd_at_zero(x) -> dict:
    """Shape of an SD's posterior near zero: density ratio at 0 and q05/q50."""
    x = np.asarray(x, float).ravel()
    q05, q50, q99 = np.quantile(x, [0.05, 0.5, 0.99])
    grid = np.linspace(0, q99, 200)
    f = reflected_kde(x, grid)
    ratio = float(f[0] / f.max()) if f.max() > 0 else np.nan
    q_ratio = float(q05 / q50) if q50 > 0 else 0.0
    return {
        "density_at_zero": ratio,
        "q05_over_median": q_ratio,
        "piles_at_zero": bool(ratio >= SD_MODE_AT_ZERO and q_ratio < SD_Q05_RATIO),
    }


def _factor_label(dim: str) -> str:
    return dim.replace("__", ":")


def boundary_warnings(idata, at_zero: dict | None = None) -> list[str]:
    """The Bayesian analogue of lme4's singular fit, from the posterior alone.

    Flags every group SD whose posterior piles up at zero (see ``SD_MODE_AT_ZERO``) and
    every correlation whose posterior median |cor| exceeds ``COR_EDGE``.

    Parameters
    ----------
    idata : arviz.InferenceData or hiermodels.backends.trace.Trace
        Only its ``posterior`` is read.
    at_zero : dict, optional
        ``{(variable, term): sd_at_zero(draws)}`` already computed for these draws (as
        :func:`small_cluster_checks` has them from :func:`prior_posterior`); the SDs not in
        it are checked here.

    Returns
    -------
    list of str
    """
    post = idata.posterior
    at_zero = at_zero or {}
    out = []
    for var in [v for v in post.data_vars if names.factor_of(v, "sd")]:
        dim = names.factor_of(var, "sd")
        tdim = names.term_dim(dim)
        if tdim not in post[var].dims:
            continue
        J = post.sizes.get(dim, 0)
        for term in post[tdim].values:
            x = post[var].sel({tdim: term}).values
            s = at_zero.get((var, term)) or sd_at_zero(x)
            if s["piles_at_zero"]:
                f = _factor_label(dim)
                out.append(
                    f"The posterior of sd({f}, {term}) piles up at zero (its density is "
                    f"highest at 0; 5 % quantile {np.quantile(x, 0.05):.3g} vs median "
                    f"{np.median(x):.3g}): the {J or 'few'} levels of {f} cannot tell this "
                    "variance from zero — the Bayesian echo of lme4's singular fit. Report "
                    f"that there is no clear between-{f} variation; if you believe it is "
                    "positive use priors={'sd': 'boundary_avoiding'} (Chung et al. 2013), "
                    f"otherwise drop the term; fit.compare_reml() shows the REML estimate."
                )
    for var in [v for v in post.data_vars if names.factor_of(v, "cor")]:
        dim = names.factor_of(var, "cor")
        tdim = names.term_dim(dim)
        terms = list(post[tdim].values)
        c = post[var].values
        for a in range(len(terms)):
            for b in range(a + 1, len(terms)):
                x = c[..., a, b].ravel()
                med = float(np.median(x))
                if abs(med) > COR_EDGE and np.ptp(x) > 0:
                    f = _factor_label(dim)
                    out.append(
                        f"cor({f}, {terms[a]}, {terms[b]}) piles up near {np.sign(med):+.0f} "
                        f"(posterior median {med:+.2f}): the two effects are nearly collinear "
                        "across levels, lme4's singular fit for correlations. Centre the "
                        f"predictor, make the terms uncorrelated with ( ... || {f}), use a "
                        "stronger prior such as {'cor': 'lkj(4)'}, or drop the slope."
                    )
    return out


def _prior_for(fit, g, term):
    return fit.model._priors.sd[g.name][term]


def prior_posterior_densities(fit, n_grid: int = 200) -> pd.DataFrame:
    """Prior and posterior densities of every group SD on a common grid (for plots).

    Returns
    -------
    DataFrame
        Columns ``parameter`` (``sd(g, term)``), ``x``, ``prior``, ``posterior``
        (reflected kernel density); ``attrs["priors"]`` maps parameter -> prior text.
    """
    dens = _sd_densities(fit, n_grid)
    out = pd.concat(
        [
            pd.DataFrame({"parameter": label, "x": x, "prior": prior, "posterior": post})
            for label, (x, prior, post, _) in dens.items()
        ],
        ignore_index=True,
    )
    out.attrs["priors"] = {label: d[3] for label, d in dens.items()}
    return out


def _sd_densities(fit, n_grid: int = 200) -> dict:
    """:func:`prior_posterior_densities` as ``{label: (x, prior, posterior, prior text)}``
    (arrays; no DataFrame to build and filter again for :func:`prior_posterior`)."""
    out = {}
    rng = np.random.default_rng(0)
    for g in fit.design.groups:
        for term in g.terms:
            prior = _prior_for(fit, g, term)
            x = fit.posterior[names.sd(g)].sel({g.term_dim: term}).values.ravel()
            pdraw = prior.draw(rng, 20000)
            top = max(np.quantile(x, 0.995), np.quantile(pdraw, 0.99))
            grid = np.linspace(0, top, n_grid)
            with np.errstate(divide="ignore"):
                dens_prior = np.exp(prior.logpdf(grid))
            label = names.sd_label(g.name, term)
            out[label] = (grid, dens_prior, reflected_kde(x, grid), str(prior))
    return out


def prior_posterior(fit, prob=None, psense: bool = True) -> pd.DataFrame:
    """How far each group SD moved from its prior, and whether it piles up at zero.

    Columns: ``prior``, posterior ``mean, sd, lower, upper``; ``prior_median``;
    ``overlap`` — the overlap coefficient of prior and posterior densities,
    integral of min(p_prior, p_post) (1 = the data taught nothing; Inman & Bradley 1989);
    ``contraction`` — 1 - (IQR_post / IQR_prior)^2, a robust version of Schad, Betancourt
    & Vasishth's (2021) 1 - Var_post / Var_prior (defined for half-Cauchy priors too);
    ``near_zero_ratio`` — P_post(sd < q10) / 0.1 with q10 the prior's 10 % quantile: above 1
    the data favour values near zero more than the prior did (a Savage-Dickey-type ratio);
    ``density_at_zero``, ``q05_over_median``, ``piles_at_zero`` (see :func:`sd_at_zero`);
    ``prior_sensitivity`` — power-scaling sensitivity of the SD to its prior
    (``arviz_stats.psense``, Kallioinen, Paananen, Bürkner & Vehtari 2024, Stat. Comput.
    34:57; the group-SD priors are power-scaled jointly; >= 0.05 is priorsense's flag; NaN
    if it cannot be computed); ``barely_moved`` (overlap >= ``OVERLAP_MAX`` and contraction
    < ``CONTRACTION_MIN``).
    """
    return _prior_posterior(fit, prob, psense)[0]


def _prior_posterior(fit, prob, psense: bool) -> tuple[pd.DataFrame, dict]:
    """:func:`prior_posterior`'s table and its :func:`sd_at_zero` of every group SD,
    ``{(variable, term): dict}`` (what :func:`boundary_warnings` would compute again)."""
    from hiermodels.derive.summaries import summarize

    dens = _sd_densities(fit)
    rng = np.random.default_rng(1)
    rows, draws, at_zero = {}, {}, {}
    for g in fit.design.groups:
        for term in g.terms:
            label = names.sd_label(g.name, term)
            prior = _prior_for(fit, g, term)
            x = fit.posterior[names.sd(g)].sel({g.term_dim: term}).values
            draws[label] = x
            at_zero[names.sd(g), term] = sd_at_zero(x)
            pdraw = prior.draw(rng, 40000)
            grid, dens_prior, dens_post, _ = dens[label]
            ovl = float(np.trapezoid(np.minimum(dens_prior, dens_post), grid))
            iqr = np.subtract(*np.quantile(x, [0.75, 0.25]))
            q75, q25, q10 = np.quantile(pdraw, [0.75, 0.25, 0.1])  # one partition, same values
            iqr_p = q75 - q25
            rows[label] = {
                "prior": str(prior),
                "prior_median": float(np.median(pdraw)),
                "overlap": min(ovl, 1.0),
                "contraction": float(1 - (iqr / iqr_p) ** 2),
                "near_zero_ratio": float(np.mean(x < q10) / 0.1),
                **at_zero[names.sd(g), term],
            }
    tab = summarize(draws, prob, diagnostics=False)
    extra = pd.DataFrame.from_dict(rows, orient="index")
    tab = pd.concat([extra[["prior"]], tab, extra.drop(columns="prior")], axis=1)
    tab["prior_sensitivity"] = _psense(fit, list(tab.index)) if psense else np.nan
    tab["barely_moved"] = (tab["overlap"] >= OVERLAP_MAX) & (tab["contraction"] < CONTRACTION_MIN)
    return tab, at_zero


def _psense(fit, labels) -> list[float]:
    """Prior power-scaling sensitivity of every group SD (NaN when psense fails)."""
    try:
        import arviz_base as azb
        import arviz_stats as azs
        import xarray as xr

        post = fit.posterior
        if "log_likelihood" not in fit.idata.groups():
            fit.log_likelihood()
        lp = {}
        for g in fit.design.groups:
            for term in g.terms:
                x = post[names.sd(g)].sel({g.term_dim: term}).values
                lp[f"lp_{g.dim}_{term}"] = (("chain", "draw"), _prior_for(fit, g, term).logpdf(x))
        idata = fit.idata.copy()
        idata.add_groups(log_prior=xr.Dataset(lp, coords={"chain": post.chain, "draw": post.draw}))
        dt = azb.convert_to_datatree(idata)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for g in fit.design.groups:
                res = azs.psense(dt, var_names=[names.sd(g)], group="prior")
                out += [float(v) for v in np.ravel(res[names.sd(g)].values)]
        return out
    except Exception as err:  # psense is optional: never break the table, but say so
        warnings.warn(
            f"Prior sensitivity (power-scaling, arviz_stats.psense) could not be computed: "
            f"{type(err).__name__}: {err}. The prior_sensitivity column is NaN.",
            HiermodelsWarning,
            stacklevel=3,
        )
        return [np.nan] * len(labels)


def small_cluster_checks(fit, prob=None, psense: bool = True) -> dict:
    """Boundary and prior-sensitivity checks for few clusters, with advice.

    Returns
    -------
    dict
        ``table`` (:func:`prior_posterior`) and ``warnings``: the sentences of
        :func:`boundary_warnings` plus one per SD whose posterior barely moved from its
        prior (overlap >= ``OVERLAP_MAX`` and contraction < ``CONTRACTION_MIN``). The
        power-scaling sensitivity is reported in the table, not warned about: with few
        clusters any SD prior matters somewhat (Dyestuff's is 0.075), which is information,
        not a fault.
    """
    tab, at_zero = _prior_posterior(fit, prob, psense)
    # the posterior without building the InferenceData; each SD's shape near zero as the
    # table has it (the same draws: their kernel densities are not computed twice)
    w = boundary_warnings(fit.trace, at_zero)
    for label, row in tab[tab["barely_moved"] & ~tab["piles_at_zero"]].iterrows():
        w.append(
            f"The posterior of {label} barely moved from its prior {row['prior']} (overlap "
            f"{row['overlap']:.0%}): the data say little about it, so the prior decides. "
            "Report it as prior-driven, check the sensitivity with another prior scale "
            "(e.g. half_normal with half and twice the scale), or collect more levels."
        )
    return {"table": tab, "warnings": w}
