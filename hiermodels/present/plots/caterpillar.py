"""Caterpillar plot: every level's effect with its interval, sorted."""

from __future__ import annotations

import numpy as np

from hiermodels.options import resolve_prob
from hiermodels.present.plots._common import COLORS, despine, title


def plot_caterpillar(fit, group: str, term: str = "Intercept", total: bool = True, prob=None):
    """Sorted posterior means and intervals of each level's coefficient.

    Draws :meth:`hiermodels.Fit.group_effects`: the total coefficient (fixed effect +
    deviation; ``total=False`` for the deviation alone), with the population value as a
    vertical line. Level labels are shown for up to 60 levels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    prob = resolve_prob(prob)
    tab = fit.group_effects(group, prob).xs(term, level="term")
    pre = "total_" if total else ""
    tab = tab.sort_values(f"{pre}mean")
    k = len(tab)
    height = min(max(3.0, 0.17 * k + 1.2), 11.5) if k <= 60 else 7.0
    fig, ax = plt.subplots(figsize=(6.2, height), layout="constrained")
    y = np.arange(k)
    ax.hlines(y, tab[f"{pre}lower"], tab[f"{pre}upper"], color=COLORS["partial"], lw=1.2, alpha=0.7)
    ax.scatter(tab[f"{pre}mean"], y, s=14, color=COLORS["partial"], zorder=3)
    ref = (tab["total_mean"] - tab["mean"]).mean() if total else 0.0
    ax.axvline(
        ref,
        color=COLORS["population"],
        lw=1.0,
        ls="--",
        label="population value" if total else "0 (no deviation)",
    )
    if k <= 60:
        ax.set_yticks(y, [str(v) for v in tab.index], fontsize=max(5.5, min(9, 300 / k)))
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{k} levels, sorted")
    ax.set_ylim(-1, k)
    ax.set_xlabel(
        f"{term}: {'fixed effect + deviation' if total else 'deviation'} ({100 * prob:g} % interval)"
    )
    title(ax, f"{term} by {group}")
    despine(ax)
    ax.legend(frameon=False, fontsize=8.5, loc="lower right")
    return fig
