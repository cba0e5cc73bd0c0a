"""Normal QQ plot of the group effects."""

from __future__ import annotations

from hiermodels.present.plots._common import COLORS, despine, title


def plot_re_qq(fit, group: str, term: str = "Intercept", prob=None):
    """Draws :func:`hiermodels.derive.re_qq.re_qq`: standardised effects vs normal quantiles.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.derive.re_qq import re_qq

    tab = re_qq(fit, group, term, prob)
    fig, ax = plt.subplots(figsize=(4.8, 4.4), layout="constrained")
    ax.vlines(tab["theoretical"], tab["lower"], tab["upper"], color=COLORS["partial"], alpha=0.4)
    ax.plot(tab["theoretical"], tab["effect"], "o", color=COLORS["partial"], ms=4)
    lim = float(max(abs(tab["theoretical"]).max(), 1)) * 1.1
    ax.plot([-lim, lim], [-lim, lim], "--", color=COLORS["population"], lw=1)
    ax.set_xlabel("normal quantile (Blom)")
    ax.set_ylabel(f"b / sd, {term} by {group} (posterior mean, interval)")
    title(ax, f"Normal QQ of the group effects (Shapiro p = {tab.attrs['shapiro_p']:.2f})", 10)
    despine(ax)
    return fig
