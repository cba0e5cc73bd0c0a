"""Shrinkage against cluster size (Gelman & Hill 2007, figure 12.1, radon)."""

from __future__ import annotations

import numpy as np

from hiermodels.options import resolve_prob
from hiermodels.present.plots._common import COLORS, despine, title


def _jitter(n: np.ndarray) -> np.ndarray:
    """Deterministic horizontal spread of clusters with the same size (log scale)."""
    out = n.astype(float).copy()
    for v in np.unique(n):
        idx = np.flatnonzero(n == v)
        if len(idx) > 1:
            out[idx] = v * np.exp(np.linspace(-0.06, 0.06, len(idx)))
    return out


def plot_shrinkage_by_size(
    fit, group: str, term: str = "Intercept", prob=None, scale="link", figsize=(10, 4.4)
):
    """No-pooling and partial-pooling estimates with intervals against cluster size.

    Draws :meth:`hiermodels.Fit.shrinkage`: left, each cluster's own estimate (Wald
    interval); right, the multilevel estimate (posterior interval); both against n on a
    log axis, with the population mean (solid) and the complete-pooling estimate (dashed).
    Small clusters move most.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    prob = resolve_prob(prob)
    tab = fit.shrinkage(group, term, prob, scale)
    x = _jitter(tab["n"].to_numpy())
    fig, axes = plt.subplots(1, 2, figsize=figsize, sharey=True, layout="constrained")
    panels = [
        ("no_pool", "no_pool_lower", "no_pool_upper", "No pooling (each cluster alone)"),
        ("mean", "lower", "upper", "Partial pooling (multilevel posterior)"),
    ]
    colors = [COLORS["no_pool"], COLORS["partial"]]
    pop = float(tab["population"].iloc[0])
    comp = float(tab["complete_pool"].iloc[0])
    for ax, (m, lo, hi, name), col in zip(axes, panels, colors, strict=True):
        ok = np.isfinite(tab[m].to_numpy())
        ax.vlines(
            x[ok], tab[lo].to_numpy()[ok], tab[hi].to_numpy()[ok], color=col, lw=0.8, alpha=0.55
        )
        ax.scatter(x[ok], tab[m].to_numpy()[ok], s=14, color=col, zorder=3, label="estimate")
        ax.axhline(pop, color=COLORS["population"], lw=1.1, label="population mean")
        ax.axhline(comp, color=COLORS["complete"], lw=1.1, ls="--", label="complete pooling")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel(f"rows per level of {tab.attrs['group']} (log scale)")
        title(ax, name)
        despine(ax)
    what = term if scale == "link" else f"{term} (response scale)"
    axes[0].set_ylabel(f"{what}, {100 * prob:g} % interval")
    missing = int((~np.isfinite(tab["no_pool"])).sum())
    if missing:
        axes[0].text(
            0.99,
            0.01,
            f"{missing} level(s) without a no-pooling estimate",
            transform=axes[0].transAxes,
            ha="right",
            va="bottom",
            fontsize=8,
            color="0.4",
        )
    axes[1].legend(frameon=False, fontsize=8.5, loc="upper right")
    return fig
