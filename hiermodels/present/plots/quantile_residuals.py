"""DHARMa-style residual figure: QQ against the uniform and residuals against predictions."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine, title


def plot_quantile_residuals(fit, residuals=None, group=None, seed=None, figsize=None):
    """Scaled quantile residuals (:meth:`hiermodels.Fit.residuals`) in two or three panels.

    Left: QQ plot against Uniform(0, 1) with the KS, dispersion and outlier p-values.
    Middle: residuals against the rank of the predicted mean, with the binned quartiles
    (:meth:`QuantileResiduals.binned`) that should follow 0.25 / 0.5 / 0.75. Right (with
    ``group``): residuals of the cluster totals (:meth:`QuantileResiduals.by_group`).

    Parameters
    ----------
    residuals : hiermodels.residuals.QuantileResiduals, optional
        Reuse residuals already computed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    res = fit.residuals(seed) if residuals is None else residuals
    fr = res.to_frame()
    tests = res.tests()
    n_pan = 2 + (group is not None)
    fig, axes = plt.subplots(1, n_pan, figsize=figsize or (4.3 * n_pan, 4.1), layout="constrained")
    ax = axes[0]
    r = np.sort(fr["residual"].to_numpy())
    expected = (np.arange(1, len(r) + 1) - 0.5) / len(r)
    ax.plot([0, 1], [0, 1], color="0.5", lw=1, ls="--")
    ax.scatter(expected, r, s=6, color=COLORS["partial"], alpha=0.7)
    lines = [f"{name}: p = {row['p_value']:.3f}" for name, row in tests.iterrows()]
    ax.text(
        0.03,
        0.97,
        "\n".join(lines),
        transform=ax.transAxes,
        va="top",
        fontsize=8,
        bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"},
    )
    ax.set_xlabel("expected (uniform)")
    ax.set_ylabel("observed residual")
    title(ax, "QQ plot of residuals")
    ax = axes[1]
    ax.scatter(fr["predicted_rank"], fr["residual"], s=6, color="0.45", alpha=0.6)
    b = res.binned(max(2, min(10, len(fr) // 25)))  # >= ~25 rows per bin
    for q, ref in (("q25", 0.25), ("q50", 0.5), ("q75", 0.75)):
        ax.axhline(ref, color="0.75", lw=0.8, ls="--")
        ax.plot(
            b["rank"],
            b[q],
            color="#d95f02",
            lw=1.6,
            marker="o",
            ms=3,
            label="binned quartiles" if q == "q25" else None,
        )
    ax.set_xlabel("predicted mean (rank transformed)")
    ax.set_ylabel("residual")
    ax.legend(fontsize=8, loc="upper right", framealpha=0.9, edgecolor="none")  # over the dots
    title(ax, "Residual vs predicted")
    if group is not None:
        ax = axes[2]
        bg = res.by_group(group)
        ax.scatter(np.arange(len(bg)), bg["residual"], s=12, color=COLORS["complete"])
        for ref in (0.25, 0.5, 0.75):
            ax.axhline(ref, color="0.75", lw=0.8, ls="--")
        if len(bg) <= 30:
            ax.set_xticks(np.arange(len(bg)), [str(v) for v in bg.index], fontsize=7, rotation=90)
        ax.set_xlabel(f"level of {group}")
        ax.set_ylabel("residual of the cluster total")
        title(ax, f"Per {group}")
    for ax in axes:
        ax.set_ylim(-0.02, 1.02)
        despine(ax)
    return fig
