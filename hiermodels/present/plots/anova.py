"""Random-effects ANOVA figure: group means around the grand mean, and the SD estimates."""

from __future__ import annotations

import numpy as np

from hiermodels.model import names
from hiermodels.present.plots._common import COLORS, despine, title


def plot_anova_components(formula: str, data, fit=None):
    """Left: each group's rows and mean; right: sd(group) and sigma by ANOVA, REML, posterior.

    Draws :func:`hiermodels.derive.anova.group_means` and
    :func:`hiermodels.derive.anova.anova_components` (and ``fit.varcorr()`` when a fit
    of the same one-way model is given, as the posterior mean and interval).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.anova import anova_components, group_means

    means = group_means(formula, data)
    comp = anova_components(formula, data)
    resp, fac = means.attrs["response"], means.attrs["group"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.5, 3.6), layout="constrained")
    levels = list(means.index)
    pos = {lv: k for k, lv in enumerate(levels)}
    x = np.array([pos[v] for v in data[fac]], float)
    ax.scatter(x, data[resp], s=12, color=COLORS["observed"], alpha=0.5, label="rows")
    ax.scatter(
        np.arange(len(levels)),
        means["mean"],
        marker="_",
        s=400,
        lw=2.5,
        color=COLORS["no_pool"],
        label="group mean",
    )
    ax.axhline(
        means.attrs["grand_mean"], color=COLORS["population"], ls="--", lw=1, label="grand mean"
    )
    ax.set_xticks(np.arange(len(levels)), [str(v) for v in levels])
    ax.set_xlabel(fac)
    ax.set_ylabel(resp)
    ax.legend(frameon=False, fontsize=8)
    tab = comp.attrs["table"]
    title(ax, f"MSA = {tab['MS'].iloc[0]:.6g}, MSE = {tab['MS'].iloc[1]:.6g}", 10)
    despine(ax)

    rows = [names.sd_label(fac, "Intercept"), "sigma"]
    methods = [
        ("anova", COLORS["no_pool"], "ANOVA (moments)"),
        ("reml", COLORS["complete"], "REML"),
    ]
    for k, row in enumerate(rows):
        for j, (col, color, lab) in enumerate(methods):
            if col in comp:
                bx.plot(
                    comp.loc[row, col],
                    k + 0.15 * (j - 1),
                    "o",
                    color=color,
                    label=lab if k == 0 else None,
                )
        if fit is not None:
            vc = fit.varcorr()
            bx.hlines(
                k + 0.15,
                vc.loc[row, "lower"],
                vc.loc[row, "upper"],
                color=COLORS["posterior"],
                lw=2,
            )
            bx.plot(
                vc.loc[row, "mean"],
                k + 0.15,
                "s",
                color=COLORS["posterior"],
                label="posterior (mean, interval)" if k == 0 else None,
            )
    bx.set_yticks(range(len(rows)), rows)
    bx.set_ylim(-0.6, len(rows) - 0.4)
    bx.axvline(0, color="0.7", lw=0.8)
    bx.set_xlabel("standard deviation")
    note = " (truncated at 0)" if comp.attrs["truncated"] else ""
    title(bx, f"Variance components{note}", 10)
    bx.legend(frameon=False, fontsize=8, loc="best")
    despine(bx)
    return fig
