"""Two-dimensional shrinkage: intercept and slope move from no pooling to partial pooling."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine, title


def _ellipse(ax, center, cov, prob, **kw):
    """Contour of a bivariate normal holding ``prob`` of its mass (a drawn shape)."""
    from matplotlib.patches import Ellipse

    vals, vecs = np.linalg.eigh(np.asarray(cov))
    r = np.sqrt(-2 * np.log(1 - prob))  # chi-square(2) quantile, square-rooted
    angle = np.degrees(np.arctan2(vecs[1, 1], vecs[0, 1]))
    w, h = 2 * r * np.sqrt(np.maximum(vals[::-1], 0))
    ax.add_patch(Ellipse(center, w, h, angle=angle, fill=False, **kw))


def plot_shrinkage_2d(fit, group: str, terms=None, label_top: int = 0, figsize=(6.6, 5.6)):
    """Arrows from each cluster's no-pooling (intercept, slope) to its posterior mean.

    Draws :meth:`hiermodels.Fit.shrinkage` with two terms: open circles are the
    per-cluster least-squares / MLE fits, filled circles the partial-pooling estimates,
    arrows the shrinkage; ellipses hold 50 % and 95 % of the estimated random-effect
    distribution N(fixed effects, G) (posterior means). Clusters far from the centre, or
    with little data, move most — and along the correlation of G.

    Parameters
    ----------
    terms : pair of str, optional
        Default: the factor's first two terms (``Intercept`` and the first slope).
    label_top : int
        Label this many levels that moved farthest.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    g = fit.design.group(group)
    terms = list(g.terms[:2] if terms is None else terms)
    tab = fit.shrinkage(group, terms)
    t0, t1 = terms
    a = tab.xs(t0, level="term")
    b = tab.xs(t1, level="term")
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    center = [tab.attrs["center"][t] for t in terms]
    for p, ls in ((0.5, "-"), (0.95, "--")):
        _ellipse(ax, center, tab.attrs["covariance"], p, color="0.55", lw=1.0, ls=ls)
    ok = np.isfinite(a["no_pool"].to_numpy()) & np.isfinite(b["no_pool"].to_numpy())
    for lev in a.index[ok]:
        ax.annotate(
            "",
            xy=(a.loc[lev, "mean"], b.loc[lev, "mean"]),
            xytext=(a.loc[lev, "no_pool"], b.loc[lev, "no_pool"]),
            arrowprops={"arrowstyle": "->", "color": "0.45", "lw": 0.8, "shrinkA": 3, "shrinkB": 3},
        )
    ax.scatter(
        a["no_pool"][ok],
        b["no_pool"][ok],
        s=30,
        facecolor="white",
        edgecolor=COLORS["no_pool"],
        lw=1.3,
        zorder=3,
        label="no pooling (own data)",
    )
    ax.scatter(
        a["mean"], b["mean"], s=26, color=COLORS["partial"], zorder=4, label="partial pooling"
    )
    ax.scatter(*center, marker="+", s=120, color="black", zorder=5, label="population mean")
    ax.plot([], [], color="0.55", lw=1.0, label="50 % / 95 % of N(mean, G)")
    if label_top:
        dist = np.hypot(a["moved"].fillna(0), b["moved"].fillna(0))
        for lev in dist.sort_values(ascending=False).index[:label_top]:
            ax.annotate(
                str(lev),
                (a.loc[lev, "mean"], b.loc[lev, "mean"]),
                xytext=(4, 3),
                textcoords="offset points",
                fontsize=8,
                color="0.3",
                zorder=5,  # readable over the dense partial-pooling points
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.5},
            )
    ax.set_xlabel(f"{t0} ({g.name}-specific)")
    ax.set_ylabel(f"{t1} ({g.name}-specific)")
    title(ax, f"Shrinkage of {t0} and {t1} by {g.name}")
    despine(ax)
    ax.legend(frameon=False, fontsize=8.5, loc="best")
    if (~ok).any():
        ax.text(
            0.99,
            0.01,
            f"{int((~ok).sum())} level(s) without a no-pooling fit",
            transform=ax.transAxes,
            ha="right",
            fontsize=8,
            color="0.4",
        )
    return fig
