"""State a model in words and in math (plain text, readable in a terminal or notebook)."""

from __future__ import annotations

import numpy as np


def _linear_predictor(model) -> str:
    d = model.design
    parts = []
    for name in d.fixed_names:
        parts.append("Intercept" if name == "Intercept" else f"b[{name}]·{name}")
    if d.offset is not None:
        parts.append("offset_i")
    for g in d.groups:
        for t in g.terms:
            sym = f"r_{g.name}[j,{t}]"
            parts.append(sym if t == "Intercept" else f"{sym}·{t}")
    return " + ".join(parts) if parts else "0"


def describe_model(model) -> str:
    """Words and formulas for ``model`` (a :class:`hiermodels.Model`)."""
    d, fam = model.design, model.family
    link = fam.link_text()  # the family's own symbols (families/<name>.py)
    lines = [
        f"Bayesian multilevel model: {model.formula}",
        f"  family {fam.name}, link {fam.link}; {d.n} rows"
        + "".join(f"; {g.n_levels} levels of {g.name}" for g in d.groups),
        "",
        "Likelihood",
        f"  y_i ~ {fam.likelihood_text}",
        f"  {link} = {_linear_predictor(model)}",
    ]
    if getattr(d, "X_zi", None) is not None:  # second linear predictor (zero-inflation / hurdle)
        zi = " + ".join(n if n == "Intercept" else f"b_zi[{n}]·{n}" for n in d.zi_names)
        lines.append(f"  logit(zi_i) = {zi.replace('Intercept', 'b_zi[Intercept]', 1)}")
    if d.weights is not None:
        lines.append(f"  each row's log-likelihood weighted by {d.weights_column!r}")
    if getattr(model, "residual", None) is not None:  # residual= / sigma= structure
        lines += model.residual.describe_lines()
    if d.groups:
        lines += ["", "Group-level effects (partial pooling)"]
    for g in d.groups:
        terms = ", ".join(g.terms)
        nested = f", nested in {g.parent}" if g.parent else ""
        lines.append(f"  {g.name} ({g.n_levels} levels{nested}): terms [{terms}]")
        for block, corr in zip(g.blocks, g.correlated, strict=True):
            names = [g.terms[i] for i in block]
            if corr:
                lines.append(
                    f"    r_{g.name}[j, {', '.join(names)}] ~ MvNormal(0, diag(sd)·Omega·diag(sd)),"
                    f"  Omega ~ LKJ({model._priors.cor[g.name]:g})"
                )
            else:
                lines.append(f"    r_{g.name}[j, {names[0]}] ~ Normal(0, sd({g.name}, {names[0]}))")
    how = (
        "integrated out analytically (collapsed Gaussian likelihood)"
        if model.collapsed
        else (
            "non-centred: r = L·z, z ~ N(0, I)"
            if model.graph_parameterization == "noncentered"
            else f"parameterisation {model.graph_parameterization}"
        )
    )
    if d.groups:
        lines.append(f"  sampled as: {how}")
        lines += _centring_lines(model)
    lines += ["", "Priors"]
    for param, row in model._priors.table.iterrows():
        lines.append(f"  {param:<28} ~ {row['prior']:<28} {'(user)' if row['user'] else ''}")
    if model._priors.intercept is not None and any(n != "Intercept" for n in d.fixed_names):
        lines.append("  (the Intercept prior applies at the predictor means; predictors centred)")
    return "\n".join(lines)


def _centring_lines(model) -> list[str]:
    """For centred factors: the fixed effects their levels' coefficients are centred on
    and whether they are whitened, read from the layout the joint kernel samples
    (:func:`hiermodels.model.layout.make_layout` with ``hierarchical=True``)."""
    choice = getattr(model, "factor_parameterization", None) or {}
    if model.collapsed or "centered" not in choice.values():
        return []
    from hiermodels.model.layout import make_layout

    lay = make_layout(model, collapsed=False, hierarchical=True)
    d = model.design
    label = ["Intercept"] * lay.has_int + [n for n in d.fixed_names if n != "Intercept"]
    out = []
    for f, g in enumerate(d.groups):
        if not lay.fcent[f]:
            continue
        rows = lay.hc[lay.block_rows(f)]
        took = [label[k] for k, col in zip(lay.hk, rows.T, strict=True) if np.any(col != 0)]
        if not took:
            out.append(f"    {g.name}: deviations r (not informative enough to centre on beta)")
            continue
        white = ", whitened per level" if lay.fwhite[f] else ""
        out.append(f"    {g.name}: levels' own coefficients, centred on {', '.join(took)}{white}")
    return out
