"""Variance-decomposition bars: each component's share with its posterior interval."""

from __future__ import annotations

import numpy as np

from hiermodels.options import resolve_prob
from hiermodels.present.plots._common import despine, title

_PALETTE = ["#1b9e77", "#66a61e", "#e6ab02", "#a6761d", "#e7298a", "#7570b3"]


def plot_variance_decomposition(fit, include_fixed: bool = False, prob=None, figsize=(6.4, None)):
    """Horizontal bars of the variance shares (VPCs) with intervals and the ICC table.

    Draws :meth:`hiermodels.Fit.variance_decomposition` (bars: posterior means of the
    shares; whiskers: intervals) and, as a footnote, :meth:`hiermodels.Fit.icc`'s adjusted
    ICC. GLMMs are on the latent scale (the footnote says which).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    prob = resolve_prob(prob)
    tab = fit.variance_decomposition(prob, include_fixed)
    icc = fit.icc(prob).loc["ICC adjusted"]
    k = len(tab)
    fig, ax = plt.subplots(
        figsize=(figsize[0], figsize[1] or 1.0 + 0.55 * k + 0.8), layout="constrained"
    )
    y = np.arange(k)[::-1]
    colors = [
        "0.6" if n == "residual" else "#7570b3" if n == "fixed" else _PALETTE[i % len(_PALETTE)]
        for i, n in enumerate(tab.index)
    ]
    ax.barh(y, tab["mean"], color=colors, height=0.62)
    err = np.vstack([tab["mean"] - tab["lower"], tab["upper"] - tab["mean"]])
    ax.errorbar(tab["mean"], y, xerr=err, fmt="none", ecolor="0.15", capsize=3, lw=1)
    ax.set_yticks(
        y,
        [
            f"{name}\n{row['mean']:.0%} [{row['lower']:.0%}, {row['upper']:.0%}]"
            for name, row in tab.iterrows()
        ],
        fontsize=9,
    )
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_xlabel(
        f"share of the variance ({100 * prob:g} % interval)\n"
        f"adjusted ICC {icc['mean']:.2f} [{icc['lower']:.2f}, {icc['upper']:.2f}]; "
        f"{tab.attrs['scale']}",
        fontsize=9,
    )
    title(ax, "Variance decomposition")
    despine(ax)
    return fig
