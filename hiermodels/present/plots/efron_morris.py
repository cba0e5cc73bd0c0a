"""Efron-Morris parallel-axis shrinkage plot for one-parameter models."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine, title


def plot_efron_morris(
    fit, group: str, truth=None, scale: str = "response", labels: bool = True, figsize=(7.0, 4.2)
):
    """Each level's observed (no-pooling) value joined to its partial-pooling estimate.

    Draws :meth:`hiermodels.Fit.shrinkage` for the intercept (Efron & Morris 1975, 1977):
    the top axis holds the per-level estimates from their own data, the middle the
    multilevel posterior means; lines show how far each moved toward the population mean.
    ``truth`` (a Series indexed by level, e.g. the rest-of-season batting average) adds a
    bottom axis to judge which estimate predicts better.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    tab = fit.shrinkage(group, "Intercept", scale=scale)
    rows = [("no_pool", "observed\n(no pooling)"), ("mean", "partial\npooling")]
    vals = {"no_pool": tab["no_pool"].to_numpy(), "mean": tab["mean"].to_numpy()}
    if truth is not None:
        t = truth.reindex(tab.index.astype(str)) if hasattr(truth, "reindex") else truth
        vals["truth"] = np.asarray(t, float)
        rows.append(("truth", "truth /\nhold-out"))
    ys = {k: len(rows) - 1 - i for i, (k, _) in enumerate(rows)}
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    for j in range(len(tab)):
        pts = [(vals[k][j], ys[k]) for k, _ in rows]
        if not all(np.isfinite(p[0]) for p in pts):
            continue
        xs, yy = zip(*pts, strict=True)
        ax.plot(xs, yy, color="0.6", lw=0.8)
    for (k, _), col in zip(rows, [COLORS["no_pool"], COLORS["partial"], "0.2"], strict=False):
        ax.scatter(vals[k], np.full(len(tab), ys[k]), s=26, color=col, zorder=3)
        ax.axhline(ys[k], color="0.85", lw=0.8, zorder=0)
    pop = float(tab["population"].iloc[0])
    ax.axvline(pop, color=COLORS["population"], ls="--", lw=1, label="population mean")
    if labels:  # one label per distinct observed value (ties joined)
        names: dict = {}
        for j, lev in enumerate(tab.index):
            if np.isfinite(vals["no_pool"][j]):
                names.setdefault(round(float(vals["no_pool"][j]), 12), []).append(str(lev))
        for v, levs in names.items():
            ax.annotate(
                levs[0] + (f" +{len(levs) - 1}" if len(levs) > 1 else ""),
                (v, ys["no_pool"]),
                xytext=(0, 6),
                textcoords="offset points",
                rotation=60,
                fontsize=7,
                color="0.35",
            )
    ax.set_yticks([ys[k] for k, _ in rows], [lab for _, lab in rows])
    ax.set_ylim(-0.5, len(rows) + 0.3)  # room for the rotated labels
    ax.set_xlabel(
        "Intercept" + (" (response scale: probability or rate)" if scale == "response" else "")
    )
    title(ax, f"Shrinkage of {group} estimates toward the population mean")
    ax.legend(frameon=False, fontsize=8.5, loc="lower right")
    ax.margins(x=0.06)
    despine(ax)
    return fig
