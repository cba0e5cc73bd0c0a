"""Prior against posterior for every group-level SD."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine, title


def plot_prior_posterior(fit, ncols: int = 3, panel=(3.6, 2.9)):
    """One panel per group SD: prior density (line) and posterior density (filled).

    Draws :func:`hiermodels.derive.diagnostics.prior_posterior_densities` and the overlap,
    contraction and piling-at-zero columns of :meth:`hiermodels.Fit.prior_posterior`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.diagnostics import prior_posterior_densities

    dens = prior_posterior_densities(fit)
    tab = fit.prior_posterior()
    labels = list(dict.fromkeys(dens["parameter"]))
    ncols = min(ncols, len(labels))
    nrows = int(np.ceil(len(labels) / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel[0] * ncols, panel[1] * nrows + 0.3),
        layout="constrained",
        squeeze=False,
    )
    for ax, lab in zip(axes.flat, labels, strict=False):
        d = dens[dens["parameter"] == lab]
        row = tab.loc[lab]
        ax.fill_between(
            d["x"], d["posterior"], color=COLORS["posterior"], alpha=0.35, label="posterior"
        )
        ax.plot(d["x"], d["posterior"], color=COLORS["posterior"], lw=1.4)
        ax.plot(
            d["x"],
            d["prior"],
            color=COLORS["prior"],
            lw=1.6,
            ls="--",
            label=f"prior {dens.attrs['priors'][lab]}",
        )
        note = f"overlap {row['overlap']:.0%}, contraction {row['contraction']:.2f}"
        if row["piles_at_zero"]:
            note += "\npiles up at zero"
        ax.text(
            0.97,
            0.6,
            note,
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=7.5,
            color="#b2182b" if row["piles_at_zero"] else "0.3",
        )
        ax.set_xlim(0, float(d["x"].max()))
        ax.set_ylim(bottom=0)
        ax.set_yticks([])
        ax.set_xlabel("standard deviation")
        title(ax, lab, 10)
        ax.legend(frameon=False, fontsize=7.5, loc="upper right")
        despine(ax)
    for ax in axes.flat[len(labels) :]:
        ax.set_visible(False)
    return fig
