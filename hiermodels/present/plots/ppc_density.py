"""Posterior-predictive density overlay: the data against replicated data sets."""

from __future__ import annotations

from hiermodels.present.plots._common import COLORS, despine, title


def plot_ppc_density(fit, n_draws: int = 50, seed=None, figsize=(6.6, 4.2)):
    """Observed distribution (dark) over ``n_draws`` replicated ones (light).

    Draws :func:`hiermodels.derive.checks.ppc_densities`: kernel densities for continuous
    responses, the share of each count for discrete ones.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.checks import ppc_densities

    tab = ppc_densities(fit, n_draws, seed)
    discrete = tab.attrs["kind"] == "frequency"
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    reps = tab[tab["draw"] >= 0]
    obs = tab[tab["draw"] < 0]
    if discrete:  # observed bars, one short tick per replicated data set and value
        ax.bar(obs["x"], obs["density"], width=0.8, color="0.82", label="observed")
        ax.scatter(
            reps["x"],
            reps["density"],
            marker="_",
            s=90,
            lw=1.2,
            color=COLORS["replicated"],
            alpha=0.35,
            label="replicated data",
        )
    else:
        for i, (_, sub) in enumerate(reps.groupby("draw", sort=False)):
            ax.plot(
                sub["x"],
                sub["density"],
                color=COLORS["replicated"],
                lw=0.7,
                alpha=0.45,
                label="replicated data" if i == 0 else None,
            )
        ax.plot(obs["x"], obs["density"], color=COLORS["observed"], lw=2.0, label="observed")
    ax.set_xlabel(tab.attrs["response"])
    ax.set_ylabel("share of rows" if discrete else "density")
    ax.set_ylim(bottom=0)
    title(ax, f"Posterior predictive check ({reps['draw'].nunique()} replications)")
    despine(ax)
    ax.legend(frameon=False, fontsize=9)
    return fig
