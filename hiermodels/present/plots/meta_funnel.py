"""Funnel plot of a meta-analysis: effect sizes against their standard errors."""

from __future__ import annotations

from hiermodels.options import resolve_prob


def plot_meta_funnel(
    mfit, prob: float | None = None, label_outside: bool = True, figsize=(6.5, 5.6)
):
    """Funnel plot drawn from ``mfit.funnel()`` and ``mfit.funnel_region()``.

    Each study is a point (effect size, or residual y_i - x_i'beta with moderators)
    against its standard error (inverted axis, most precise at the top). The shaded
    region is the pseudo-confidence funnel centre -+ z se around the posterior mean of mu;
    asymmetry hints at small-study effects. Studies outside the funnel are labelled.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    prob = resolve_prob(prob)
    pts = mfit.funnel(prob)
    reg = mfit.funnel_region(prob)
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.fill_betweenx(
        reg["sei"],
        reg["lower"],
        reg["upper"],
        color="0.92",
        zorder=0,
        label=f"{100 * prob:g} % pseudo-confidence region",
    )
    ax.plot(reg["lower"], reg["sei"], color="0.55", lw=0.9, ls="--")
    ax.plot(reg["upper"], reg["sei"], color="0.55", lw=0.9, ls="--")
    centre = float(reg["centre"].iloc[0])
    residual = mfit.spec.has_moderators
    ax.axvline(
        centre,
        color="#b2182b",
        lw=1.2,
        label="0 (residuals)" if residual else r"posterior mean of $\mu$",
    )
    inside = pts[~pts["outside"]]
    outside = pts[pts["outside"]]
    ax.scatter(
        inside["x"],
        inside["sei"],
        s=36,
        color="#1f77b4",
        edgecolor="white",
        zorder=3,
        label="study",
    )
    if len(outside):
        ax.scatter(
            outside["x"],
            outside["sei"],
            s=36,
            color="#ef8a62",
            edgecolor="0.2",
            zorder=3,
            label="outside the funnel",
        )
        if label_outside:
            for name, row in outside.iterrows():
                ax.annotate(
                    str(name),
                    (row["x"], row["sei"]),
                    xytext=(5, 3),
                    textcoords="offset points",
                    fontsize=8,
                    color="0.25",
                )
    ax.set_ylim(float(reg["sei"].max()), 0.0)
    ax.set_xlabel(
        "residual $y_i - x_i'\\beta$" if residual else f"effect size ({mfit.spec.yi_col})"
    )
    ax.set_ylabel("standard error")
    ax.set_title(f"Funnel plot (k = {len(pts)})", loc="left", fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(frameon=False, fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2)
    return fig
