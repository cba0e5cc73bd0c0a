"""Prior versus posterior of the between-study standard deviation tau."""

from __future__ import annotations

import numpy as np


def plot_tau_prior_posterior(mfit, show_reml: bool = True, bins: int = 60, figsize=(6.5, 4.2)):
    """Prior and posterior of tau, drawn from ``mfit.tau_prior_posterior()``.

    The posterior density (solid, shaded) is the exact one (numerical integration over
    tau); the histogram shows the MCMC draws in ``mfit.idata`` for comparison; the prior
    is dashed. ``show_reml`` marks the REML estimate from ``mfit.frequentist("REML")``,
    which sits at exactly 0 when the boundary wins.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    tab = mfit.tau_prior_posterior()
    draws = np.asarray(mfit.idata.posterior["tau"]).ravel()
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    top = float(tab["tau"].max())
    counts, edges = np.histogram(draws, bins=bins, range=(0, top))
    ax.stairs(
        counts / (draws.size * np.diff(edges)),
        edges,
        fill=True,
        color="#9ecae1",
        alpha=0.6,
        label="MCMC draws",
    )
    ax.fill_between(tab["tau"], tab["posterior"], color="#1f77b4", alpha=0.12)
    ax.plot(tab["tau"], tab["posterior"], color="#1f77b4", lw=2, label="posterior")
    ax.plot(
        tab["tau"],
        tab["prior"],
        color="0.3",
        lw=1.6,
        ls="--",
        label=f"prior: {mfit.spec.tau_prior.describe().split(';')[0].removeprefix('tau ~ ')}",
    )
    if show_reml:
        reml = mfit.frequentist("REML").tau
        ax.axvline(reml, color="#b2182b", lw=1.2, ls=":")
        ax.plot(
            reml,
            0,
            marker="^",
            ms=11,
            color="#b2182b",
            clip_on=False,
            zorder=5,
            ls=":",
            label=rf"REML $\hat\tau$ = {reml:.3g}",
        )
    ax.set_xlim(0, top)
    ax.set_ylim(0, None)
    ax.set_xlabel(r"between-study SD $\tau$")
    ax.set_ylabel("density")
    ax.set_title(r"Heterogeneity $\tau$: prior and posterior", loc="left", fontsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(frameon=False, fontsize=8.5)
    return fig
