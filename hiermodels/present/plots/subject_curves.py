"""Subject-specific curves and their average vs the population-averaged curve."""

from __future__ import annotations

from hiermodels.present.plots._common import COLORS, despine, title


def plot_subject_curves(fit, x: str, n_curves: int = 25):
    """Thin lines: clusters at N(0, tau^2) quantiles; bold: typical (b = 0) and average.

    Draws :func:`hiermodels.derive.gee.curves_from_fit` on the response scale
    (probability or rate): for a logit link the average of the subject curves is
    flatter than the typical subject's curve (Jensen), so population-averaged effects
    are attenuated; for a log link it is the same curve shifted up by exp(tau^2/2).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.gee import curves_from_fit

    c = curves_from_fit(fit, x, n_curves=n_curves)
    fig, ax = plt.subplots(figsize=(6.8, 4.2), layout="constrained")
    for k, curve in enumerate(c["curves"]):
        ax.plot(
            c["x"],
            curve,
            color=COLORS["replicated"],
            lw=0.8,
            alpha=0.7,
            label="clusters (b at N(0, tau^2) quantiles)" if k == 0 else None,
        )
    ax.plot(
        c["x"],
        c["typical"],
        color=COLORS["partial"],
        lw=2.5,
        label="typical cluster b = 0 (conditional)",
    )
    ax.plot(
        c["x"],
        c["average"],
        "--",
        color=COLORS["no_pool"],
        lw=2.5,
        label="average of the clusters (population-averaged)",
    )
    ax.set_xlabel(x)
    ax.set_ylabel("probability" if c["link"] in ("logit", "probit") else "mean")
    title(
        ax, f"Subject-specific vs population-averaged ({c['link']} link, tau = {c['tau']:.2f})", 10
    )
    ax.legend(frameon=False, fontsize=8)
    despine(ax)
    return fig
