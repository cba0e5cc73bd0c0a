"""The Simpson figure: pooled line vs within-cluster lines vs the line through cluster means."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine, title


def plot_within_between(data, y: str, x: str, group: str, max_groups: int = 40):
    """Rows coloured by cluster, each cluster's within line, the between and pooled lines.

    Draws :func:`hiermodels.derive.within_between.simpson_lines` (least squares on the
    data): a short segment per cluster with the common within slope over that cluster's
    range of ``x``, the between line through the cluster means (squares) and the pooled
    line that ignores the clusters.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.within_between import simpson_lines

    lines = simpson_lines(data, y, x, group)
    gm = lines["groups"]
    fig, ax = plt.subplots(figsize=(7, 4.4), layout="constrained")
    cmap = plt.get_cmap("tab20")
    levels = list(gm.index)[:max_groups]
    codes = {lv: k for k, lv in enumerate(levels)}
    keep = data[group].isin(levels)
    ax.scatter(
        data.loc[keep, x],
        data.loc[keep, y],
        s=9,
        alpha=0.45,
        color=[cmap(codes[v] % 20) for v in data.loc[keep, group]],
    )
    for lv in levels:
        row = gm.loc[lv]
        xs = np.array([row["x_min"], row["x_max"]])
        ax.plot(xs, row["intercept"] + lines["within"] * xs, color=cmap(codes[lv] % 20), lw=1.3)
    ax.scatter(
        gm["x_mean"], gm["y_mean"], marker="s", s=22, color="k", zorder=4, label="cluster means"
    )
    xr = np.array([data[x].min(), data[x].max()])
    a, b = lines["between"]
    ax.plot(xr, a + b * xr, color="k", lw=2, label=f"between: slope {b:.2f}")
    a, b = lines["pooled"]
    ax.plot(xr, a + b * xr, "--", color=COLORS["no_pool"], lw=2, label=f"pooled: slope {b:.2f}")
    ax.plot(
        [], [], color="0.4", lw=1.3, label=f"within (each cluster): slope {lines['within']:.2f}"
    )
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(frameon=False, fontsize=8.5, loc="best")
    title(ax, f"Within vs between levels of {group}: the ecological fallacy", 10)
    despine(ax)
    return fig
