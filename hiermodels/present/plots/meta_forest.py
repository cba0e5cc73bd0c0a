"""Forest plot of a meta-analysis: observed and shrunken study effects, pooled mean, PI."""

from __future__ import annotations

import numpy as np

from hiermodels.options import resolve_prob

_OBS = "#4d4d4d"
_SHRUNK = "#1f77b4"
_POOLED = "#b2182b"
_PRED = "#ef8a62"


def plot_meta_forest(mfit, prob: float | None = None, xlabel: str | None = None, figsize=None):
    """Forest plot drawn from ``mfit.study_effects()``, ``summary()`` and ``prediction_interval()``.

    Each study shows its observed effect y_i with the interval y_i -+ z se_i (grey square)
    and, just below, the posterior mean and interval of its true effect theta_i (blue
    circle, shrunk towards the pooled mean). Without moderators, a diamond gives the
    posterior of mu and a bar the prediction interval of a new study's true effect; with
    moderators a red tick marks each study's fitted mean x_i'beta (its shrinkage target).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon

    prob = resolve_prob(prob)
    pct = f"{100 * prob:g} %"
    spec = mfit.spec
    se = mfit.study_effects(prob)
    k = len(se)
    pooled = not spec.has_moderators
    extra = 2.6 if pooled else 0.8
    if figsize is None:
        figsize = (9.0, 1.3 + 0.42 * (k + extra))
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    rows = np.arange(k)[::-1] + (extra if pooled else 0.5)
    off = 0.17
    ax.hlines(rows + off, se["obs_lower"], se["obs_upper"], color=_OBS, lw=1.2)
    ax.plot(se["yi"], rows + off, "s", color=_OBS, ms=5.5, label="observed $y_i$")
    ax.hlines(rows - off, se["lower"], se["upper"], color=_SHRUNK, lw=2.2)
    ax.plot(se["mean"], rows - off, "o", color=_SHRUNK, ms=5.5, label=r"shrunken $\theta_i$")
    labels = [str(s) for s in se.index]
    ticks, ticklabels = list(rows), labels
    annot = [
        f"{y:6.2f} [{lo:6.2f}, {hi:6.2f}]   {m:6.2f} [{lo2:6.2f}, {hi2:6.2f}]"
        for y, lo, hi, m, lo2, hi2 in se[
            ["yi", "obs_lower", "obs_upper", "mean", "lower", "upper"]
        ].itertuples(index=False)
    ]
    handles = [
        Line2D([], [], color=_OBS, marker="s", lw=1.2, label=f"observed $y_i$, {pct} CI"),
        Line2D([], [], color=_SHRUNK, marker="o", lw=2.2, label=rf"$\theta_i$, {pct} CrI"),
    ]
    if pooled:
        mu = mfit.summary(prob).loc["mu"]
        pi = mfit.prediction_interval(prob).loc["theta_new"]
        y_mu, y_pi = 1.2, 0.4
        ax.axhline(extra - 0.55, color="0.6", lw=0.8)
        diamond = [
            (mu["lower"], y_mu),
            (mu["mean"], y_mu + 0.28),
            (mu["upper"], y_mu),
            (mu["mean"], y_mu - 0.28),
        ]
        ax.add_patch(Polygon(diamond, closed=True, color=_POOLED, zorder=3))
        ax.hlines(y_pi, pi["lower"], pi["upper"], color=_PRED, lw=3.5, zorder=2)
        ax.vlines([pi["lower"], pi["upper"]], y_pi - 0.15, y_pi + 0.15, color=_PRED, lw=2)
        ax.axvline(mu["mean"], color=_POOLED, lw=0.8, ls=":", zorder=0)
        ticks += [y_mu, y_pi]
        ticklabels += [r"pooled mean $\mu$", "new study (PI)"]
        annot += [
            f"{'':23s}   {mu['mean']:6.2f} [{mu['lower']:6.2f}, {mu['upper']:6.2f}]",
            f"{'':23s}   {pi['mean']:6.2f} [{pi['lower']:6.2f}, {pi['upper']:6.2f}]",
        ]
        handles += [
            Polygon([(0, 0)], color=_POOLED, label=rf"$\mu$, {pct} CrI"),
            Line2D([], [], color=_PRED, lw=3.5, label=f"{pct} prediction interval"),
        ]
    else:
        fitted = mfit.prediction_interval(prob)["fitted_mean"].to_numpy()
        ax.plot(fitted, rows - off, "|", color=_POOLED, ms=11, mew=2, zorder=4)
        handles.append(
            Line2D(
                [],
                [],
                color=_POOLED,
                marker="|",
                ms=11,
                mew=2,
                lw=0,
                label=r"fitted $x_i'\beta$ (shrinkage target)",
            )
        )
    ax.axvline(0.0, color="0.35", lw=0.9, ls="--", zorder=0)
    ax.set_yticks(ticks, ticklabels)
    ax.set_ylim(-0.3 if pooled else 0.0, rows.max() + 0.8)
    ax.tick_params(axis="y", length=0)
    for y, txt in zip(ticks, annot, strict=True):
        ax.annotate(
            txt,
            xy=(1.0, y),
            xycoords=("axes fraction", "data"),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            family="monospace",
            fontsize=8,
        )
    ax.annotate(
        f"{'observed [CI]':>23s}   {'shrunken [CrI]':>22s}",
        xy=(1.0, rows.max() + 0.55),
        xycoords=("axes fraction", "data"),
        xytext=(8, 0),
        textcoords="offset points",
        va="center",
        family="monospace",
        fontsize=8,
        fontweight="bold",
    )
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(xlabel or f"effect size ({spec.yi_col})")
    ax.set_title(
        f"{'Meta-regression' if not pooled else 'Random-effects meta-analysis'} (k = {k})",
        loc="left",
        fontsize=11,
    )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.12 if k < 6 else -0.08),
        ncol=2,
        frameon=False,
        fontsize=8.5,
    )
    return fig
