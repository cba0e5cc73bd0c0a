"""Per-cluster lines under complete, no and partial pooling (Gelman & Hill 2007, fig. 12.4)."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine


def plot_pooling_lines(fit, group: str, x: str, levels=None, ncols: int = 4, panel=(2.6, 2.2)):
    """One panel per level: the data and the complete-, no- and partial-pooling lines.

    Draws :meth:`hiermodels.Fit.pooling_lines`. For non-Gaussian families the lines are
    on the link scale and the data are not drawn.

    Parameters
    ----------
    levels : list, optional
        Levels to show (default: at most 8, spread over the range of cluster sizes).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    g = fit.design.group(group)
    if levels is None:
        order = np.argsort(g.counts(), kind="stable")
        pick = order[np.unique(np.linspace(0, len(order) - 1, min(8, len(order))).astype(int))]
        levels = [g.levels[k] for k in pick]
    tab = fit.pooling_lines(group, x, levels)
    data = tab.attrs["data"]
    levels = list(dict.fromkeys(tab["level"]))
    nrows = int(np.ceil(len(levels) / ncols))
    ncols = min(ncols, len(levels))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel[0] * ncols, panel[1] * nrows + 0.6),
        sharex=True,
        sharey=True,
        layout="constrained",
        squeeze=False,
    )
    identity = tab.attrs["link"] == "identity"
    styles = [
        ("complete_pool", "complete pooling", COLORS["complete"], "--"),
        ("no_pool", "no pooling", COLORS["no_pool"], ":"),
        ("partial_pool", "partial pooling", COLORS["partial"], "-"),
    ]
    for ax, lev in zip(axes.flat, levels, strict=False):
        sub = tab[tab["level"] == lev]
        if identity:
            pts = data[data["level"] == lev]
            ax.scatter(pts["x"], pts["y"], s=12, color="0.35", zorder=3)
        for col, label, color, ls in styles:
            ax.plot(sub["x"], sub[col], color=color, ls=ls, lw=1.6, label=label)
        n = int((data["level"] == lev).sum())
        ax.set_title(f"{lev} (n = {n})", fontsize=9, loc="left")
        despine(ax)
    for ax in axes.flat[len(levels) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel(x)
    for ax in axes[:, 0]:
        ax.set_ylabel(tab.attrs["response"] if identity else "linear predictor")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False, fontsize=9)
    return fig
