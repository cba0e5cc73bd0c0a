"""Text and HTML renderings of a fit, readable like a brms/lme4 summary."""

from __future__ import annotations

from html import escape

import pandas as pd

from hiermodels.options import get_option


def _fmt_table(df: pd.DataFrame) -> str:
    cols = [c for c in ("mean", "sd", "lower", "upper", "r_hat", "ess_bulk", "ess_tail") if c in df]
    show = df[cols].copy()
    for c in ("ess_bulk", "ess_tail"):
        if c in show:
            show[c] = show[c].round(0).astype("Int64")
    return show.to_string(float_format=lambda v: f"{v:.3g}" if abs(v) < 1e-3 else f"{v:.3f}")


def fit_text(fit) -> str:
    """A brms-style plain-text summary."""
    m, d = fit.model, fit.model.design
    prob = get_option("prob")
    diag = fit.diagnostics()
    post = fit.posterior
    lines = [
        f" Family: {m.family.name} (link: {m.family.link})",
        f"Formula: {m.formula}",
        f"   Data: {d.n} rows" + "".join(f"; {g.name}: {g.n_levels} levels" for g in d.groups),
        f"  Draws: {post.sizes['chain']} chains × {post.sizes['draw']} draws "
        f"(sampler {fit.sampler}, {fit.wall_time:.1f} s)",
        f"Intervals: {prob:.0%} equal-tailed; lower/upper bounds",
        "",
        "Population-level effects:",
        _fmt_table(fit.fixed_effects()),
    ]
    vc = fit.varcorr()
    if len(vc):
        lines += ["", "Group-level SDs and correlations; residual scale:", _fmt_table(vc)]
    lines += [
        "",
        f"Diagnostics: {diag['verdict']} — {diag['divergences']} divergences, max R-hat "
        f"{diag['max_rhat']:.3f}, min bulk ESS {diag['min_ess_bulk']:.0f}",
    ]
    lines += [f"  ! {w}" for w in diag["warnings"]]
    return "\n".join(lines)


def fit_html(fit) -> str:
    """The same content as :func:`fit_text` as HTML tables for notebooks."""
    m = fit.model
    diag = fit.diagnostics()
    colour = {"ok": "#2e7d32", "check": "#ef6c00", "problem": "#c62828"}[diag["verdict"]]
    parts = [
        f"<div><b>hiermodels fit</b>: <code>{escape(m.formula)}</code> "
        f"({escape(str(m.family))}, {m.design.n} rows)<br>",
        f"<span style='color:{colour}'>diagnostics: {diag['verdict']}</span> — "
        f"{diag['divergences']} divergences, max R-hat {diag['max_rhat']:.3f}, "
        f"min bulk ESS {diag['min_ess_bulk']:.0f}",
    ]
    parts += [f"<br>&#9888; {escape(w)}" for w in diag["warnings"]]
    parts += ["<h4>Population-level effects</h4>", fit.fixed_effects().to_html(float_format="%.3f")]
    vc = fit.varcorr()
    if len(vc):
        parts += ["<h4>Group-level SDs and correlations</h4>", vc.to_html(float_format="%.3f")]
    parts.append("</div>")
    return "".join(parts)
