"""Sections of the report of a meta-analysis (:class:`~hiermodels.meta.MetaFit`).

Each builder returns a list of HTML parts (or None when the section does not apply);
it only calls the fit's methods and the plot registry.
"""

from __future__ import annotations

from html import escape

from hiermodels.options import get_option
from hiermodels.present import plots
from hiermodels.present.report.html import (
    badge,
    collapsible,
    data_source,
    figure,
    guarded,
    kv_table,
    note,
    para,
    pre,
    table,
)

_EST = ["mean", "sd", "lower", "upper", "ess_bulk", "r_hat"]


def _random(mfit) -> bool:
    return mfit.spec.tau_prior is not None


def _math(spec) -> str:
    mean = "x_i'beta" if spec.has_moderators else "mu"
    lines = [
        repr(spec),
        "",
        "  y_i | theta_i ~ Normal(theta_i, v_i)      v_i: known sampling variance",
    ]
    if spec.tau_prior is None:
        lines.append(f"  theta_i = {mean}                            common effect (tau = 0)")
    else:
        lines += [
            f"  theta_i ~ Normal({mean}, tau^2)           study i's true effect",
            "  sampled collapsed: y_i ~ Normal(" + mean + ", tau^2 + v_i); each theta_i drawn",
            "  exactly from its Gaussian conditional afterwards",
        ]
    if spec.has_moderators:
        lines.append(f"  moderators: {spec.moderators}  (terms {', '.join(spec.terms)})")
    return "\n".join(lines)


def model_section(mfit):
    spec = mfit.spec
    kind = "random-effects" if _random(mfit) else "common-effect"
    what = "meta-regression" if spec.has_moderators else "meta-analysis"
    parts = [
        para(
            f"A Bayesian {kind} {what} of {spec.k} studies: each study reports an effect "
            f"y_i ({spec.yi_col}) with a known sampling variance; the true study effects "
            "are partially pooled toward their mean."
        ),
        pre(_math(spec)),
        "<h3>Priors</h3>",
        table(spec.priors, ["prior", "source"], text_cols=("source",)),
    ]
    return parts


def diagnostics_section(mfit):
    d = mfit.diagnostics()
    parts = [f"<p>Verdict: {badge(str(d['verdict']))}</p>", kv_table(d.to_dict())]
    if d["verdict"] != "ok":
        parts.append(
            note("Check the divergences, R-hat and ESS; refit with more draws or target_accept.")
        )
    return parts


def summary_section(mfit):
    spec = mfit.spec
    parts = [
        para(
            f"Posterior of the {'coefficients' if spec.has_moderators else 'mean effect mu'}"
            ", the heterogeneity tau, and I² = tau²/(tau² + s²) (a fraction; s² the typical "
            f"within-study variance). Intervals {get_option('prob'):.0%}."
        ),
        table(mfit.summary(), _EST),
    ]
    if _random(mfit):
        pi = mfit.prediction_interval()
        if spec.has_moderators:
            parts.append(
                collapsible(
                    "Prediction intervals of a new study's true effect at each study's moderators",
                    table(pi),
                )
            )
        else:
            row = pi.iloc[0]
            parts.append(
                para(
                    f"Prediction interval for a new study's true effect: mean "
                    f"{row['mean']:.3g}, ({row['lower']:.3g}, {row['upper']:.3g})."
                )
            )
    return parts


def frequentist_section(mfit):
    parts = [
        para(
            "The posterior (mean, interval) beside the frequentist random-effects "
            "estimates (REML, DerSimonian-Laird, Paule-Mandel; metafor conventions)."
        ),
        table(mfit.side_by_side()),
    ]
    if not _random(mfit):
        parts.append(note("The frequentist columns are random-effects estimates (tau free)."))
    return parts


def studies_section(mfit, info):
    cols = ["yi", "sei", "mean", "lower", "upper", "pooling"]
    label = info.get("effect") or mfit.spec.yi_col
    return [
        para(
            "Each study's observed effect and its shrunken true effect; pooling is the "
            "weight of the pooled mean in it (0: the study alone, 1: the pooled mean)."
        ),
        figure(plots.plot_meta_forest(mfit, xlabel=label), "Forest plot."),
        table(mfit.study_effects(), cols),
    ]


def funnel_section(mfit):
    return [
        figure(
            plots.plot_meta_funnel(mfit),
            "Funnel plot: effects (or residuals) against their standard errors; asymmetry "
            "hints at small-study effects.",
        )
    ]


def heterogeneity_section(mfit):
    if not _random(mfit):
        return None
    return [
        figure(
            plots.plot_tau_prior_posterior(mfit),
            "Prior (dashed) and posterior of tau, REML estimate marked.",
        ),
        figure(
            plots.plot_meta_shrinkage_trace(mfit),
            "Shrinkage trace: each study's expected true effect as tau grows, with the "
            "posterior of tau below.",
        ),
    ]


def leave_one_out_section(mfit):
    loo = mfit.leave_one_out(method="exact")
    cell = loo.apply(lambda r: f"{r['mean']:.3g} ({r['lower']:.3g}, {r['upper']:.3g})", axis=1)
    wide = cell.unstack("parameter")
    params = list(dict.fromkeys(loo.index.get_level_values("parameter")))
    wide = wide[params]
    return [
        para(
            "The posterior with each study left out in turn (exact numerical integration "
            "over tau; same priors): mean (interval)."
        ),
        table(wide),
    ]


def data_section(mfit, info):
    return [para(f"{mfit.spec.k} studies."), *data_source(info)]


def build_meta(mfit, info: dict, title: str | None, citation: str | None):
    """Title, header parts and sections of a MetaFit's report."""
    spec = mfit.spec
    title = title or info.get("title") or f"hiermodels: meta-analysis of {spec.yi_col}"
    post = mfit.idata.posterior
    header = [
        f'<p class="meta">{escape(repr(spec))}<br>{post.sizes["chain"]} chains × '
        f"{post.sizes['draw']} draws · backend {escape(mfit.backend)} · intervals "
        f"{get_option('prob'):.0%} equal-tailed</p>"
    ]
    if info.get("description"):
        header.append(para(info["description"]))
    if citation:
        header.append(f'<p class="cite">{escape(citation)}</p>')
    plan = [
        ("model", "Model", model_section),
        ("diagnostics", "Diagnostics", diagnostics_section),
        ("summary", "Summary", summary_section),
        ("frequentist", "Bayesian and frequentist estimates", frequentist_section),
        ("studies", "Study effects", lambda f: studies_section(f, info)),
        ("funnel", "Funnel plot", funnel_section),
        ("heterogeneity", "Heterogeneity", heterogeneity_section),
        ("leave-one-out", "Leave one study out", leave_one_out_section),
    ]
    sections = [guarded(i, t, f, mfit) for i, t, f in plan]
    sections.append(guarded("data", "Data", data_section, mfit, info))
    return title, header, [s for s in sections if s is not None]
