"""Posterior-predictive test statistics: replicated distributions and observed values."""

from __future__ import annotations

import numpy as np

from hiermodels.options import resolve_prob
from hiermodels.present.plots._common import COLORS, despine, title

_NAMES = {
    "mean": "mean",
    "sd": "standard deviation",
    "min": "minimum",
    "max": "maximum",
    "zeros": "share of zeros",
}


def plot_ppc_statistics(fit, stats=None, group=None, prob=None, seed=None, ncols: int = 3):
    """One histogram of T(y_rep) per statistic with T(y) and the Bayesian p-value.

    Draws :func:`hiermodels.derive.checks.ppc_statistic_draws`. With ``group`` a last panel
    shows each level's observed mean against the interval of its replicated means
    (:func:`hiermodels.derive.checks.ppc_statistics`), levels outside their interval in red.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.checks import ppc_statistic_draws, ppc_statistics

    prob = resolve_prob(prob)
    draws = {k: v for k, v in ppc_statistic_draws(fit, stats, None, seed).items()}
    n_pan = len(draws) + (group is not None)
    ncols = min(ncols, n_pan)
    nrows = int(np.ceil(n_pan / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.5 * ncols, 2.9 * nrows), layout="constrained", squeeze=False
    )
    for ax, (_label, (obs, rep, stat, _)) in zip(axes.flat, draws.items(), strict=False):
        ax.hist(rep, bins=40, color=COLORS["replicated"], alpha=0.8)
        ax.axvline(obs, color=COLORS["observed"], lw=2)
        p = float(np.mean(rep > obs) + 0.5 * np.mean(rep == obs))
        title(ax, f"{_NAMES.get(stat, stat)}   p = {p:.2f}", 10)
        ax.set_yticks([])
        despine(ax)
    if group is not None:
        ax = axes.flat[len(draws)]
        tab = ppc_statistics(fit, ["mean"], group, prob, seed).iloc[1:]
        tab = tab.sort_values("mean")
        y = np.arange(len(tab))
        out = (tab["observed"] < tab["lower"]) | (tab["observed"] > tab["upper"])
        ax.hlines(y, tab["lower"], tab["upper"], color=COLORS["replicated"], lw=2)
        ax.scatter(
            tab["observed"], y, s=12, zorder=3, color=np.where(out, "#d7301f", COLORS["observed"])
        )
        if len(tab) <= 30:
            ax.set_yticks(y, [str(v) for v in tab["level"]], fontsize=7)
        else:
            ax.set_yticks([])
        ax.set_ylabel(f"levels of {group}")
        ax.set_xlabel("mean per level")
        title(ax, f"{int(out.sum())} of {len(tab)} outside {100 * prob:g} %", 10)
        despine(ax)
    for ax in axes.flat[n_pan:]:
        ax.set_visible(False)
    fig.suptitle(
        "Posterior predictive statistics: replicated (bars) vs observed (line)",
        fontsize=10.5,
        x=0.01,
        ha="left",
    )
    return fig
