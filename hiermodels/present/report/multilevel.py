"""Sections of the report of a multilevel :class:`~hiermodels.Fit`.

Each builder returns a list of HTML parts (or None when the section does not apply);
it only calls the fit's methods and the plot registry.
"""

from __future__ import annotations

from html import escape

import numpy as np

from hiermodels.options import get_option
from hiermodels.present import plots
from hiermodels.present.report.captions import efron_morris_caption, pooling_sentence
from hiermodels.present.report.failed_checks import (
    ppc_failures,
    prior_failures,
    residual_failures,
)
from hiermodels.present.report.html import (
    badge,
    collapsible,
    data_source,
    failed,
    figure,
    guarded,
    kv_table,
    note,
    para,
    pre,
    table,
)

_EST = ["mean", "sd", "lower", "upper", "ess_bulk", "r_hat"]
#: At most this many grouping factors get their own shrinkage figures.
MAX_FACTORS = 4
_SEED = 1  # simulations in the report (PPC draws, residuals) are reproducible
#: Longest per-level table shown in full.
MAX_ROWS = 100


def _too_big(fit) -> str | None:
    """Why row-by-draw simulations (PPC, residuals, LOO) are skipped for a large fit."""
    from hiermodels.derive import checks

    post = fit.posterior
    cells = fit.design.n * post.sizes["chain"] * post.sizes["draw"]
    if "posterior_predictive" in fit.idata.groups() or cells <= checks.AUTO_PPC_CELLS:
        return None
    return (
        f"Skipped: {fit.design.n} rows × {cells // fit.design.n} draws is too large to "
        "simulate here; call this method on the fit directly (e.g. with max_draws) if needed."
    )


def _slopes(fit, g) -> list[str]:
    """The factor's varying slopes that are fixed-effect columns (for pooling lines)."""
    return [t for t in g.terms if t != "Intercept" and t in fit.design.fixed_names]


# --------------------------------------------------------------------------- sections
def model_section(fit):
    m, d = fit.model, fit.design
    factors = ", ".join(f"{g.name} ({g.n_levels} levels: {', '.join(g.terms)})" for g in d.groups)
    words = (
        f"A Bayesian multilevel {m.family.name} model (link {m.family.link}) of "
        f"{d.response} for {d.n} rows"
        + (f", with group-level effects by {factors}." if d.groups else ".")
    )
    text = m.describe()
    text = text.split("\nPriors\n")[0].rstrip()  # the priors table follows
    parts = [para(words), pre(text), "<h3>Priors</h3>"]
    parts.append(
        para(
            "Weakly informative and scaled to the data unless marked as set by the user; "
            "'source' says where each scale came from."
        )
    )
    parts.append(table(m.priors, ["class", "prior", "source", "user"], text_cols=("source",)))
    return parts


def diagnostics_section(fit):
    diag = fit.diagnostics()
    post = fit.posterior
    verdict = diag["verdict"]
    meaning = {
        "ok": "no sampling problems were found.",
        "check": "read the warnings below before trusting the estimates.",
        "problem": "the sampler had real trouble; do not trust these estimates yet.",
    }.get(verdict, "")
    parts = [f"<p>Verdict: {badge(verdict)} — {escape(meaning)}</p>"]
    rows = {
        "sampler": fit.sampler,
        "chains × draws": f"{post.sizes['chain']} × {post.sizes['draw']}",
        "wall time (s)": fit.wall_time,
        "divergent transitions": diag["divergences"],
        "max R-hat": diag["max_rhat"],
        "min bulk ESS": diag["min_ess_bulk"],
        "min tail ESS": diag["min_ess_tail"],
        "min E-BFMI": diag.get("min_bfmi", float("nan")),
    }
    parts.append(kv_table(rows))
    if diag["warnings"]:
        parts += ["<h3>Warnings</h3>", failed(diag["warnings"])]
    small = diag.get("small_clusters")
    if small is not None and len(small):
        cols = ["prior", "mean", "lower", "upper", "overlap", "contraction", "piles_at_zero"]
        parts.append(
            collapsible("Small-cluster checks of each group SD", table(small, cols, text_cols=()))
        )
    return parts


def fixed_section(fit):
    parts = [
        para(f"Posterior mean, sd and {get_option('prob'):.0%} interval of each coefficient."),
        table(fit.fixed_effects(), _EST),
    ]
    if fit.family.link != "identity":
        parts += [
            "<h3>Conditional versus population-averaged effects</h3>",
            para(
                "Conditional: for a typical cluster (group effects at zero). Population-"
                "averaged: averaged over the distribution of clusters. They differ for a "
                "non-identity link."
            ),
            table(fit.effects()),
        ]
    return parts


def varcorr_section(fit):
    vc = fit.varcorr()
    if not len(vc):
        return None
    parts = [table(vc, _EST)]
    if fit.family.name == "gaussian" and fit.design.groups:
        parts += [
            "<h3>REML beside the posterior</h3>",
            para(
                "REML estimates (as lme4 would report them); 'boundary' marks a variance "
                "estimated at exactly zero."
            ),
            table(fit.compare_reml()),
        ]
    return parts


def _factor_shrinkage(fit, g) -> list[str]:
    tab = fit.shrinkage(g.name)
    pool = float(np.nanmean(tab["pooling"]))
    parts = [
        para(
            f"{g.n_levels} levels. Average pooling factor of the intercepts {pool:.2f} "
            "(0: each level keeps its own estimate; 1: all are pulled to the population "
            "mean). " + pooling_sentence(tab)
        ),
    ]
    if len(np.unique(g.counts())) > 1:
        parts.append(
            figure(
                plots.plot_shrinkage_by_size(fit, g.name),
                f"Shrinkage of the {g.name} intercepts against the number of rows per level.",
            )
        )
    else:  # equal sizes: the size axis says nothing; show the moves themselves
        parts.append(
            figure(
                plots.plot_efron_morris(fit, g.name, scale="link", labels=g.n_levels <= 30),
                efron_morris_caption(tab, g.name, len(g.terms) >= 2),
            )
        )
    if len(g.terms) >= 2:
        parts.append(
            figure(
                plots.plot_shrinkage_2d(fit, g.name),
                f"Joint shrinkage of {g.terms[0]} and {g.terms[1]}: open circles each "
                "level's own fit, filled circles the partial-pooling estimates; ellipses "
                "hold 50 % and 95 % of the estimated population distribution.",
            )
        )
    slopes = _slopes(fit, g)
    if slopes and "Intercept" in g.terms:
        parts.append(
            figure(
                plots.plot_pooling_lines(fit, g.name, slopes[0]),
                f"Complete, no and partial pooling lines in {slopes[0]} for some levels.",
            )
        )
    parts.append(
        figure(
            plots.plot_caterpillar(fit, g.name),
            "Each level's intercept (posterior mean and interval), sorted.",
        )
    )
    cols = ["n", "no_pool", "complete_pool", "mean", "lower", "upper", "pooling"]
    label = f"Table: shrinkage of every {g.name} level"
    if len(tab) > MAX_ROWS:
        label = f"Table: shrinkage of the {MAX_ROWS} smallest of {len(tab)} {g.name} levels"
        tab = tab.sort_values("n", kind="stable").head(MAX_ROWS)
    parts.append(collapsible(label, table(tab, cols)))
    return parts


def shrinkage_section(fit):
    groups = fit.design.groups
    if not groups:
        return None
    parts = [
        para(
            "Partial pooling pulls each level's estimate from its own data (no pooling) "
            "toward the population (complete pooling), the more so the less data it has."
        )
    ]
    for g in groups[:MAX_FACTORS]:
        parts.append(f"<h3>{escape(g.name)}</h3>")
        parts += guarded(f"shrink-{g.dim}", g.name, _factor_shrinkage, fit, g).parts
    if len(groups) > MAX_FACTORS:
        parts.append(note(f"Only the first {MAX_FACTORS} grouping factors are shown."))
    return parts


def variance_section(fit):
    if not fit.design.groups:
        return None
    parts = [
        para(
            "Share of the variance at each level (variance partition coefficients; GLMMs "
            "on the latent scale), the ICC and R²."
        ),
        table(fit.variance_decomposition()),
        figure(plots.plot_variance_decomposition(fit), "Variance shares with intervals."),
        "<h3>Intraclass correlation</h3>",
        table(fit.icc()),
        "<h3>R²</h3>",
        table(fit.r2()),
        "<h3>Design effect</h3>",
        table(fit.design_effect()),
    ]
    for g in fit.design.groups[:MAX_FACTORS]:
        if len(g.terms) >= 2 and "Intercept" in g.terms:
            parts.append(
                figure(
                    plots.plot_variance_function(fit, g.name),
                    f"Between-{g.name} variance as a function of {g.terms[1]}.",
                )
            )
    return parts


def ppc_section(fit):
    groups = fit.design.groups
    group = groups[0].name if groups else None
    if skip := _too_big(fit):
        return [note(skip)]
    tab = fit.ppc(seed=_SEED)
    fails = ppc_failures(tab)
    return [
        para(
            "Statistics of the observed data against their posterior-predictive "
            "distribution; p-values near 0 or 1 flag a feature the model does not reproduce."
        ),
        table(tab, ["observed", "mean", "lower", "upper", "p_value"], failed=fails),
        failed(fails),
        figure(plots.plot_ppc_density(fit, seed=_SEED), "Observed data (dark) over replicates."),
        figure(
            plots.plot_ppc_statistics(fit, group=group, seed=_SEED),
            "Test statistics of replicated data; the line marks the observed value.",
        ),
    ]


def residuals_section(fit):
    groups = fit.design.groups
    group = groups[0].name if groups else None
    if skip := _too_big(fit):
        return [note(skip)]
    res = fit.residuals(seed=_SEED)
    return [
        para(
            "Simulation-based scaled quantile residuals (DHARMa): uniform on (0, 1) under a "
            "correct model. Small p-values flag non-uniformity, over/under-dispersion or "
            "outliers."
        ),
        table(res.tests(), failed=(fails := residual_failures(res.tests()))),
        failed(fails),
        figure(
            plots.plot_quantile_residuals(fit, residuals=res, group=group),
            "QQ plot, residuals against predictions"
            + (f", and residuals of the {group} totals." if group else "."),
        ),
    ]


def loo_section(fit):
    if skip := _too_big(fit):
        return [note(skip)]
    loo = fit.loo(pointwise=True)
    k = np.asarray(loo.pareto_k)
    good = float(loo["good_k"]) if "good_k" in loo.index else 0.7  # min(1 - 1/log10 S, 0.7)
    bad = int(np.sum(k > good))
    rows = {
        "elpd_loo": float(loo.elpd_loo),
        "se": float(loo.se),
        "p_loo": float(loo.p_loo),
        "observations": int(loo.n_data_points),
        f"Pareto k ≤ {good:.2f}": int(np.sum(k <= good)),
        f"{good:.2f} < Pareto k ≤ 1": int(np.sum((k > good) & (k <= 1))),
        "Pareto k > 1": int(np.sum(k > 1)),
    }
    parts = [
        para(
            "PSIS-LOO (ArviZ): expected log predictive density of a left-out row; compare "
            "models with hm.compare."
        ),
        kv_table(rows),
    ]
    if bad:
        parts.append(
            failed(
                [
                    f"{bad} of {k.size} rows have Pareto k above {good:.2f}: they are "
                    "influential and PSIS-LOO is unreliable for them (common with small "
                    "clusters). Use fit.kfold(...) (grouped K-fold cross-validation) to "
                    "compare models instead."
                ]
            )
        )
    return parts


def prior_posterior_section(fit):
    if not fit.design.groups:
        return None
    tab = fit.prior_posterior()
    cols = ["prior", "mean", "lower", "upper", "overlap", "contraction", "prior_sensitivity"]
    return [
        para(
            "Each group SD's prior (line) and posterior (filled). Large overlap and little "
            "contraction mean the data say little about that SD and the prior matters."
        ),
        table(tab, cols, failed=(fails := prior_failures(tab))),
        failed(fails),
        figure(plots.plot_prior_posterior(fit), "Prior and posterior of the group SDs."),
    ]


def data_section(fit, info):
    d = fit.design
    return [para(f"{d.n} rows used; response {d.response}."), *data_source(info)]


# --------------------------------------------------------------------------- assembly
def build_multilevel(fit, info: dict, title: str | None, citation: str | None):
    """Title, header parts and sections of a Fit's report."""
    m, d = fit.model, fit.design
    title = title or info.get("title") or f"hiermodels: {m.formula}"
    post = fit.posterior
    levels = "".join(f"; {g.name}: {g.n_levels} levels" for g in d.groups)
    header = [
        f'<p class="meta"><code>{escape(m.formula)}</code> · {escape(m.family.name)} '
        f"(link {escape(m.family.link)}) · {d.n} rows{escape(levels)}<br>"
        f"{post.sizes['chain']} chains × {post.sizes['draw']} draws · sampler "
        f"{escape(fit.sampler)} · intervals {get_option('prob'):.0%} equal-tailed</p>"
    ]
    if info.get("description"):
        header.append(para(info["description"]))
    if citation:
        header.append(f'<p class="cite">{escape(citation)}</p>')
    plan = [
        ("model", "Model", model_section),
        ("diagnostics", "Diagnostics", diagnostics_section),
        ("fixed", "Population-level effects", fixed_section),
        ("varcorr", "Group-level SDs and correlations", varcorr_section),
        ("shrinkage", "Shrinkage", shrinkage_section),
        ("variance", "Variance decomposition", variance_section),
        ("ppc", "Posterior-predictive checks", ppc_section),
        ("residuals", "Residuals", residuals_section),
        ("loo", "LOO", loo_section),
        ("prior-posterior", "Priors against posteriors", prior_posterior_section),
    ]
    sections = [guarded(i, t, f, fit) for i, t, f in plan]
    sections.append(guarded("data", "Data", data_section, fit, info))
    return title, header, [s for s in sections if s is not None]
