"""Sampler diagnostics with a verdict and advice a user can act on.

Thresholds follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021, Bayesian
Analysis 16, 667-718): rank-normalised R-hat <= 1.01 and bulk/tail ESS >= 100 per chain
(we ask for >= 400 in total); E-BFMI < 0.3 flags poor energy exploration (Betancourt 2016).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

RHAT_MAX = 1.01
ESS_MIN = 400
BFMI_MIN = 0.3


def _bfmi(idata) -> np.ndarray:
    import arviz as az

    if "energy" not in idata.sample_stats:
        return np.array([np.nan])
    return np.asarray(az.bfmi(idata), dtype=float)


def diagnose(idata, var_names: list[str], n_levels: dict | None = None) -> dict:
    """Divergences, max R-hat, min bulk/tail ESS, E-BFMI, a verdict and warnings.

    Parameters
    ----------
    idata : arviz.InferenceData
    var_names : list of str
        Posterior variables to check (the model's parameters).

    Returns
    -------
    dict
        ``divergences``, ``draws``, ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``,
        ``min_bfmi``, ``verdict`` ("ok", "check" or "problem"), ``warnings`` (list of str),
        and ``table`` (per-variable worst values).
    """
    import arviz as az

    post = idata.posterior
    names = [v for v in var_names if v in post]
    ss = idata.sample_stats
    div = int(ss["diverging"].values.sum()) if "diverging" in ss else 0
    n_chains, n_draws = post.sizes["chain"], post.sizes["draw"]
    rows = {}
    ds = post[names]
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant entries, e.g. cor diagonal
        rhat = az.rhat(ds) if n_chains > 1 else None
        ess_b = az.ess(ds, method="bulk")
        ess_t = az.ess(ds, method="tail")
    for v in names:
        rows[v] = {
            "max_rhat": float(np.nanmax(rhat[v].values)) if rhat is not None else np.nan,
            "min_ess_bulk": float(np.nanmin(ess_b[v].values)),
            "min_ess_tail": float(np.nanmin(ess_t[v].values)),
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
    out["warnings"] = _advice(out, table)
    out["verdict"] = (
        "problem" if div > 0 or out["max_rhat"] > 1.05 else "check" if out["warnings"] else "ok"
    )
    return out


def _advice(d: dict, table: pd.DataFrame) -> list[str]:
    w = []
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
