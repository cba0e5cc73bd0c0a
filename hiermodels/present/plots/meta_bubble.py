"""Bubble plot of a meta-regression."""

from __future__ import annotations

from hiermodels.present.plots._common import COLORS, despine, title


def plot_meta_bubble(mfit, moderator: str, prob=None, ylabel: str = "effect size"):
    """Draws :func:`hiermodels.derive.meta_bubble.bubble_data`: studies as bubbles (area
    proportional to their random-effects weight), the posterior line with its interval
    and the prediction band of a new study's true effect.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.meta_bubble import bubble_data

    studies, line = bubble_data(mfit, moderator, prob=prob)
    x = line.index.to_numpy(float)
    fig, ax = plt.subplots(figsize=(6.8, 4.4), layout="constrained")
    ax.fill_between(
        x,
        line["lower"],
        line["upper"],
        color=COLORS["replicated"],
        alpha=0.18,
        label="new study's true effect (prediction band)",
    )
    ax.fill_between(
        x,
        line["fitted_lower"],
        line["fitted_upper"],
        color=COLORS["posterior"],
        alpha=0.3,
        label="mean effect (posterior interval)",
    )
    ax.plot(x, line["fitted_mean"], color=COLORS["posterior"], lw=2)
    ax.scatter(
        studies["x"],
        studies["yi"],
        s=2500 * studies["weight"],
        facecolor="none",
        edgecolor=COLORS["observed"],
        lw=1.1,
        label="studies (area ~ weight)",
    )
    ax.axhline(0, color="0.6", lw=0.8, ls=":")
    ax.set_xlabel(moderator)
    ax.set_ylabel(ylabel)
    title(ax, f"Meta-regression on {moderator}", 10)
    ax.legend(frameon=False, fontsize=8, loc="best")
    despine(ax)
    return fig
