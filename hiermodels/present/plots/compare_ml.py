"""Laplace vs adaptive quadrature vs the posterior, one row per parameter."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine, title


def plot_compare_ml(fit, nAGQ: int = 25, prob=None):
    """Draws :func:`hiermodels.derive.ml_glmm.compare_ml`: ML estimates (Laplace, AGQ)
    with +-2 SE, and the posterior mean with its interval.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.ml_glmm import compare_ml

    tab = compare_ml(fit, nAGQ, prob)
    k = len(tab)
    fig, ax = plt.subplots(figsize=(7, 0.55 * k + 1.4), layout="constrained")
    y = np.arange(k)[::-1]
    specs = [
        ("laplace", "laplace_se", COLORS["no_pool"], "Laplace (nAGQ = 1) +- 2 SE", 0.2),
        ("agq", "agq_se", COLORS["complete"], f"adaptive quadrature (nAGQ = {nAGQ}) +- 2 SE", 0.0),
    ]
    for col, se, color, lab, dy in specs:
        ax.errorbar(tab[col], y + dy, xerr=2 * tab[se], fmt="o", color=color, ms=4, lw=1, label=lab)
    ax.hlines(y - 0.2, tab["lower"], tab["upper"], color=COLORS["posterior"], lw=2)
    ax.plot(
        tab["mean"], y - 0.2, "s", color=COLORS["posterior"], ms=4, label="posterior mean, interval"
    )
    ax.set_yticks(y, tab.index)
    ax.axvline(0, color="0.8", lw=0.8)
    title(ax, "Marginal likelihood by Laplace and quadrature, and the posterior", 10)
    fig.legend(frameon=False, fontsize=8, loc="outside lower center", ncols=2)  # clear of the rows
    despine(ax)
    return fig
