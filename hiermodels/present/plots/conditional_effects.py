"""Conditional-effects figure: draws what :func:`hiermodels.derive.conditional.conditional_effects` returns."""

from __future__ import annotations

import numpy as np

_CURVE_STYLE = {"conditional": "-", "population-averaged": "--"}
_PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "0.4"]


def _label(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def plot_conditional_effects(table, ncols: int = 3, panel=(3.8, 3.0), show_intervals=True):
    """One panel per ``facet`` level; one colour per ``by`` level; one line style per curve.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`hiermodels.derive.conditional.conditional_effects` (its
        ``attrs`` name the columns). Conditional curves are solid, population-averaged
        ones dashed; bands (numeric effect) or error bars (categorical) are the intervals.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    a = table.attrs
    effect, by, facet = a["effect"], a.get("by"), a.get("facet")
    facets = list(dict.fromkeys(table[facet])) if facet else [None]
    bys = list(dict.fromkeys(table[by])) if by else [None]
    curves = list(dict.fromkeys(table["curve"]))
    ncols = min(ncols, len(facets))
    nrows = int(np.ceil(len(facets) / ncols))
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(panel[0] * ncols, panel[1] * nrows + 0.5),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    cats = list(dict.fromkeys(table[effect])) if a["categorical"] else None
    for ax, fv in zip(axes.flat, facets, strict=False):
        sub = table if fv is None else table[table[facet] == fv]
        for k, bv in enumerate(bys):
            colour = _PALETTE[k % len(_PALETTE)]
            part = sub if bv is None else sub[sub[by] == bv]
            for c, curve in enumerate(curves):
                d = part[part["curve"] == curve]
                label = " · ".join(
                    s for s in (None if bv is None else f"{by} = {_label(bv)}", curve) if s
                )
                if cats is not None:
                    pos = np.array([cats.index(v) for v in d[effect]], float)
                    pos += 0.12 * (k - (len(bys) - 1) / 2) + 0.05 * c
                    ax.errorbar(pos, d["mean"], yerr=[d["mean"] - d["lower"], d["upper"] - d["mean"]],
                                fmt="o" if c == 0 else "s", color=colour, ms=4, capsize=2,
                                mfc=colour if c == 0 else "white", label=label)  # fmt: skip
                else:
                    x = d[effect].to_numpy(float)
                    ax.plot(
                        x, d["mean"], color=colour, ls=_CURVE_STYLE.get(curve, "-"), label=label
                    )
                    if show_intervals:
                        ax.fill_between(x, d["lower"], d["upper"], color=colour, alpha=0.15, lw=0)
        if cats is not None:
            ax.set_xticks(range(len(cats)), [str(v) for v in cats])
        if fv is not None:
            ax.set_title(f"{facet} = {_label(fv)}", fontsize=9, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for ax in list(axes.flat)[len(facets) :]:
        ax.set_visible(False)
    if a.get("type") == "link":
        scale = "linear predictor"
    elif a.get("link") in ("logit", "probit"):
        scale = f"probability ({a['response']})"
    else:
        scale = f"E[{a['response']}]"
    fig.supxlabel(effect, fontsize=10)
    fig.supylabel(scale, fontsize=10)
    _handles, labels = axes.flat[0].get_legend_handles_labels()
    if len(labels) > 1:
        axes.flat[0].legend(frameon=False, fontsize=7.5)
    return fig
