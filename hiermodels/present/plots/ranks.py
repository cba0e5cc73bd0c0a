"""Caterpillar of ranks and the funnel plot: league tables with their uncertainty."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine, title


def plot_ranks(fit, group: str, term: str = "Intercept", margin: float = 0.0, prob=None):
    """Each unit's posterior rank (mean and interval), sorted; flagged units coloured.

    Draws :func:`hiermodels.derive.ranks.rank_table`: the posterior rank interval of each
    unit, the rank of its raw (no-pooling) estimate as an open circle, and the units
    flagged with shrinkage (posterior interval beyond the margin) in colour.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.ranks import rank_table

    tab = rank_table(fit, group, term, margin, prob)
    k = len(tab)
    fig, ax = plt.subplots(figsize=(6.4, min(max(3.2, 0.16 * k + 1.3), 11)), layout="constrained")
    y = np.arange(k)
    colors = np.where(
        tab["flag"] == "above",
        COLORS["no_pool"],
        np.where(tab["flag"] == "below", COLORS["complete"], COLORS["partial"]),
    )
    ax.hlines(y, tab["rank_lower"], tab["rank_upper"], color=colors, lw=1.4, alpha=0.8)
    ax.scatter(tab["rank_mean"], y, s=16, color=colors, zorder=3, label="posterior rank (mean)")
    ax.scatter(
        tab["raw_rank"],
        y,
        s=18,
        facecolor="none",
        edgecolor=COLORS["observed"],
        lw=0.8,
        zorder=4,
        label="rank of the raw estimate",
    )
    if k <= 60:
        ax.set_yticks(
            y,
            [f"{lv} (n={n:g})" for lv, n in zip(tab.index, tab["n"], strict=True)],
            fontsize=max(5.5, min(8.5, 300 / k)),
        )
    ax.set_xlabel(f"rank of {term} (1 = lowest; {100 * tab.attrs['prob']:g} % interval)")
    title(
        ax,
        f"Ranks of {group}: {tab.attrs['n_flagged']} flagged with shrinkage, "
        f"{tab.attrs['n_flagged_no_pool']} without",
        10,
    )
    fig.legend(frameon=False, fontsize=8, loc="outside lower center", ncols=2)  # clear of the rows
    despine(ax)
    return fig


def plot_funnel(fit, group: str, levels=(0.95, 0.998)):
    """Funnel plot: observed rate vs unit size with control limits, shrunken rates beside.

    Draws :func:`hiermodels.derive.funnel.funnel_data`: the target line, the control
    limits at each level, each unit's observed rate (dot) and an arrow to its shrunken
    posterior mean rate.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.funnel import funnel_data

    units, lim = funnel_data(fit, group, levels)
    fig, ax = plt.subplots(figsize=(7, 4.2), layout="constrained")
    styles = ["--", ":", "-."]
    for lev, ls in zip(levels, styles, strict=False):
        ax.plot(lim.index, lim[f"lower_{lev:g}"], ls, color="0.35", lw=1)
        ax.plot(
            lim.index,
            lim[f"upper_{lev:g}"],
            ls,
            color="0.35",
            lw=1,
            label=f"{100 * lev:g} % limits",
        )
    ax.axhline(lim.attrs["target"], color=COLORS["population"], lw=1.2, label="target (overall)")
    out = units[f"outside_{levels[0]:g}"] != ""
    ax.scatter(
        units["n"],
        units["observed"],
        s=22,
        color=np.where(out, COLORS["no_pool"], "0.3"),
        zorder=3,
        label="observed rate",
    )
    ax.scatter(
        units["n"],
        units["shrunken"],
        s=18,
        marker="D",
        color=COLORS["partial"],
        zorder=3,
        label="shrunken (posterior mean)",
    )
    for n, o, s in zip(units["n"], units["observed"], units["shrunken"], strict=True):
        ax.annotate(
            "",
            (n, s),
            (n, o),
            arrowprops=dict(arrowstyle="->", color=COLORS["partial"], lw=0.7, alpha=0.7),
        )
    ax.set_xlabel("unit size n")
    ax.set_ylabel("rate" if lim.attrs["family"] != "gaussian" else "mean")
    title(
        ax,
        f"Funnel plot of {group}: {int(out.sum())} observed outside the "
        f"{100 * levels[0]:g} % limits",
        10,
    )
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    despine(ax)
    return fig
