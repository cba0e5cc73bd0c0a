r"""One batch of a study: simulate each replicate, fit it, and return one row per estimate.

Bayesian fit: :meth:`hiermodels.Model.fit` on the simulated data with the study's priors
(default priors are scaled to each simulated data set, as an analyst's would be), chains
on one core. Estimate = posterior mean; interval = the equal-tailed ``prob`` interval;
``p_gt0`` = :math:`P(\theta > 0 \mid y)`.

REML (Gaussian only): statsmodels ``MixedLM`` (Lindstrom & Bates 1988). Fixed effects get
Wald intervals :math:`\hat\beta \pm t_{\nu, (1+p)/2}\,\widehat{se}` with the
between-within degrees of freedom of Pinheiro & Bates (2000, *Mixed-Effects Models in S
and S-PLUS*, §2.4.2), which nlme uses: a term that is constant within clusters (or has a
random slope) is tested against the :math:`K` clusters, :math:`\nu = K - p_{between}`
(:math:`p_{between}` counts the intercept and the cluster-level terms); a term that varies
within clusters gets :math:`\nu = N - K - p_{within}`. For a balanced random-intercept
design with a cluster-level treatment and :math:`\hat\tau^2 > 0` this is exactly the
two-sample t-test on cluster means. Variance components get point estimates only (no
interval) and a ``boundary`` flag: a variance at zero (lme4's singular fit).
"""

from __future__ import annotations

import time
import traceback
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from hiermodels.derive.simulate import parameter_names, simulate
from hiermodels.derive.study_summary import ROW_COLUMNS
from hiermodels.errors import HiermodelsWarning
from hiermodels.model import names as nm

from .design import StudySpec, cell_family, cell_frame, formula_for, template_model

#: The low-ESS advice is expected with a study's small draws: not counted as a warning.
LOW_ESS = "Effective sample size is low"


def run_batch(spec_dict: dict, cell_index: int, cell: dict, reps: list[int]) -> pd.DataFrame:
    """Simulate and fit replicates ``reps`` of one cell; one row per (rep, method, parameter).

    A failing fit becomes rows with ``error`` set (and NaN estimates), never a lost batch.
    """
    spec = StudySpec(**spec_dict)
    frame = cell_frame(spec, cell_index, cell)
    family = cell_family(spec, cell)
    template = template_model(spec, frame, family)
    values = {k: v for k, v in spec.cell_values(cell).items() if k in parameter_names(template)}
    names = parameter_names(template)
    rows = []
    for rep in reps:
        sim_seq, fit_seq = spec.seed_sequence(cell_index, rep).spawn(2)
        sim = simulate(template, values, draws=1, seed=np.random.default_rng(sim_seq))
        truth = sim.params.iloc[0].to_dict()
        data = sim.data(0)
        fit_seed = int(fit_seq.generate_state(1)[0])
        for method in spec.methods:
            if method == "reml" and template.family.name != "gaussian":
                continue
            start = time.perf_counter()
            try:
                if method == "bayes":
                    est = _bayes(spec, family, data, fit_seed)
                else:
                    est = _reml(template, data, spec.prob)
                err = ""
            except Exception as exc:  # one failed fit must not lose the batch
                est, err = {}, "".join(traceback.format_exception_only(exc)).strip()[:300]
            sec = time.perf_counter() - start
            for name in names:
                e = est.get("params", {}).get(name, {})
                rows.append(
                    {
                        "cell": cell_index,
                        "rep": rep,
                        "method": method,
                        "parameter": name,
                        "true": float(truth[name]),
                        "estimate": e.get("estimate", np.nan),
                        "lower": e.get("lower", np.nan),
                        "upper": e.get("upper", np.nan),
                        "p_gt0": e.get("p_gt0", np.nan),
                        "boundary": bool(est.get("boundary", False)),
                        "divergences": est.get("divergences", 0),
                        "max_rhat": est.get("max_rhat", np.nan),
                        "min_ess": est.get("min_ess", np.nan),
                        "warnings": est.get("warnings", 0),
                        "error": err,
                        "seconds": sec,
                    }
                )
    out = pd.DataFrame(rows, columns=ROW_COLUMNS)
    for k, v in cell.items():
        out[k] = v
    return out


def _bayes(spec: StudySpec, family: str, data: pd.DataFrame, seed: int) -> dict:
    from hiermodels.api.model import Model
    from hiermodels.derive.tables import fixed_draws, varcorr_draws

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", HiermodelsWarning)
        model = Model(formula_for(spec, family), data, family=family, priors=spec.priors)
        fit = model.fit(
            draws=spec.draws,
            tune=spec.tune,
            chains=spec.chains,
            seed=seed,
            progressbar=False,
            cores=1,
        )
    draws = fixed_draws(fit.posterior, fit.design) | varcorr_draws(
        fit.posterior, fit.design, fit.family
    )
    lo, hi = (1 - spec.prob) / 2, 1 - (1 - spec.prob) / 2
    params = {}
    for name, a in draws.items():
        a = np.asarray(a).reshape(-1)
        params[name] = {
            "estimate": float(a.mean()),
            "lower": float(np.quantile(a, lo)),
            "upper": float(np.quantile(a, hi)),
            "p_gt0": float(np.mean(a > 0)),
        }
    diag = fit.diagnostics()
    n_warn = sum(
        issubclass(w.category, HiermodelsWarning) and not str(w.message).startswith(LOW_ESS)
        for w in caught
    )
    return {
        "params": params,
        "divergences": int(diag["divergences"]),
        "max_rhat": float(diag["max_rhat"]),
        "min_ess": float(min(diag["min_ess_bulk"], diag["min_ess_tail"])),
        "warnings": int(n_warn),
    }


def between_within_df(design) -> dict[str, float]:
    """Pinheiro & Bates (2000, §2.4.2) denominator degrees of freedom per fixed effect.

    One grouping factor only (``inf``, i.e. a Wald z test, otherwise).
    """
    names = design.fixed_names
    if len(design.groups) != 1:
        return dict.fromkeys(names, np.inf)
    g = design.groups[0]
    K, N = g.n_levels, design.n
    between = []
    for k, name in enumerate(names):
        col = design.X[:, k]
        lo = np.full(K, np.inf)
        hi = np.full(K, -np.inf)
        np.minimum.at(lo, g.codes, col)
        np.maximum.at(hi, g.codes, col)
        constant = bool(np.all(hi - lo <= 1e-12 * (1 + np.abs(hi))))
        between.append(constant or name in g.terms)
    p_between = sum(between)
    p_within = len(names) - p_between
    return {
        n: float(K - p_between) if b else float(N - K - p_within)
        for n, b in zip(names, between, strict=True)
    }


def _reml(template, data: pd.DataFrame, prob: float) -> dict:
    """REML fixed effects with between-within t intervals, SD point estimates, boundary flag."""
    from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMParams

    from hiermodels.derive.reml import BOUNDARY_VAR, _free_pattern, is_random_intercept
    from hiermodels.derive.reml_intercept import random_intercept_reml

    d = template.design
    if len(d.groups) != 1:
        raise ValueError("the study's REML arm supports one grouping factor")
    g = d.groups[0]
    y = data[d.response].to_numpy(dtype=float)
    if d.offset is not None:
        y = y - d.offset
    exog = pd.DataFrame(d.X, columns=d.fixed_names)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if is_random_intercept(g):  # exact, a zero variance included (lme4's singular fit)
            exact = random_intercept_reml(y, d.X, g.codes)
            fe, bse = exact["beta"], np.sqrt(np.diag(exact["cov_beta"]))
            cov, scale = np.array([[exact["tau2"]]]), exact["sigma2"]
        else:
            model = MixedLM(y, exog, groups=g.codes, exog_re=g.Z)
            free = MixedLMParams.from_components(np.ones(d.X.shape[1]), _free_pattern(g))
            res = model.fit(reml=True, free=free if g.q > 1 else None)
            fe, bse = np.asarray(res.fe_params), np.asarray(res.bse_fe)
            cov, scale = np.atleast_2d(np.asarray(res.cov_re)), float(res.scale)
    dfs = between_within_df(d)
    q = 1 - (1 - prob) / 2
    params = {}
    for k, name in enumerate(d.fixed_names):
        b, se = float(fe[k]), float(bse[k])
        crit = stats.t.ppf(q, dfs[name]) if np.isfinite(dfs[name]) else stats.norm.ppf(q)
        params[name] = {"estimate": b, "lower": b - crit * se, "upper": b + crit * se}
    boundary = False
    for k, t in enumerate(g.terms):
        v = max(float(cov[k, k]), 0.0)
        params[nm.sd_label(g.name, t)] = {"estimate": float(np.sqrt(v))}
        boundary |= v <= BOUNDARY_VAR * scale
    for block, corr in zip(g.blocks, g.correlated, strict=True):
        if corr:
            for a in range(len(block)):
                for b in range(a + 1, len(block)):
                    i, j = block[a], block[b]
                    den = np.sqrt(max(cov[i, i], 0) * max(cov[j, j], 0))
                    r = float(cov[i, j] / den) if den > 0 else np.nan
                    params[nm.cor_label(g.name, g.terms[i], g.terms[j])] = {"estimate": r}
                    boundary |= bool(np.isnan(r) or abs(r) >= 0.99)
    params["sigma"] = {"estimate": float(np.sqrt(scale))}
    return {"params": params, "boundary": bool(boundary), "warnings": len(caught)}
