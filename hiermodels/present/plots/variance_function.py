"""Between-cluster variance as a function of x: fan-in / fan-out of random slopes."""

from __future__ import annotations

from hiermodels.options import resolve_prob
from hiermodels.present.plots._common import COLORS, despine, title


def plot_variance_function(fit, group: str, term=None, prob=None, figsize=(10, 4.0)):
    """Left: Var(b0 + b1 x) = tau0² + 2 tau01 x + tau1² x² with its band; right: its share.

    Draws :meth:`hiermodels.Fit.variance_function`; the dotted line marks
    x* = -tau01 / tau1² (smallest spread) when it lies inside the plotted range.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    prob = resolve_prob(prob)
    tab = fit.variance_function(group, term, prob=prob)
    x = tab.index.to_numpy(float)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    a1.fill_between(
        x,
        tab["lower"],
        tab["upper"],
        color=COLORS["partial"],
        alpha=0.22,
        label=f"{100 * prob:g} % interval",
    )
    a1.plot(x, tab["mean"], color=COLORS["partial"], lw=2, label="posterior mean")
    a2.fill_between(x, tab["icc_lower"], tab["icc_upper"], color=COLORS["complete"], alpha=0.22)
    a2.plot(x, tab["icc_mean"], color=COLORS["complete"], lw=2)
    v = tab.attrs["vertex"]
    for ax in (a1, a2):
        if x.min() < v < x.max():
            ax.axvline(v, color="0.4", ls=":", lw=1)
        ax.set_xlabel(tab.attrs["term"])
        despine(ax)
    a1.set_ylim(bottom=0)
    a2.set_ylim(0, 1)
    a1.set_ylabel(f"variance between {group} levels")
    a2.set_ylabel("share of total variance (ICC at x)")
    title(
        a1, f"{tab.attrs['pattern'].split(' (')[0].capitalize()}: Var(b0 + b1·{tab.attrs['term']})"
    )
    title(a2, "Intraclass correlation at x")
    a1.legend(frameon=False, fontsize=8.5, loc="upper left")
    fig.supxlabel(
        tab.attrs["pattern"] + f"; {tab.attrs['scale']}",
        fontsize=8,
        color="0.35",
        x=0.01,
        ha="left",
    )
    return fig
