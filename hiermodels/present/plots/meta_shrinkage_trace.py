"""Shrinkage trace: each study's conditional mean of theta_i as a function of tau."""

from __future__ import annotations

import numpy as np


def _spread(y: np.ndarray, gap: float) -> np.ndarray:
    """Move label positions apart (keeping their order) so neighbours are >= gap apart."""
    order = np.argsort(y)
    out = np.asarray(y, dtype=float)[order].copy()
    for i in range(1, out.size):
        out[i] = max(out[i], out[i - 1] + gap)
    shift = (out - np.asarray(y)[order]).mean()
    out -= shift
    res = np.empty_like(out)
    res[order] = out
    return res


def plot_meta_shrinkage_trace(mfit, prob: float | None = None, figsize=None):
    """Shrinkage trace (like bayesmeta's ``traceplot``) from ``mfit.shrinkage_trace()``.

    Top: E[theta_i | tau, y] for every study as tau grows from 0 (complete pooling: all
    studies at the pooled estimate) to large values (no pooling: each study at its own
    y_i), with E[mu | tau, y] in black. Bottom: the posterior density of tau from
    ``mfit.tau_prior_posterior()``. The shaded band is the posterior interval of tau and
    the dotted line its median (``mfit.summary()``), showing where the data put the
    amount of shrinkage.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    trace = mfit.shrinkage_trace()
    dens = mfit.tau_prior_posterior(n=len(trace), tau_max=float(trace.index.max()))
    row = mfit.summary(prob).loc["tau"]
    median = float(np.median(np.asarray(mfit.idata.posterior["tau"])))
    studies = [c for c in trace.columns if c != "mu" or mfit.spec.has_moderators]
    k = len(studies)
    if figsize is None:
        figsize = (7.5, 5.5 + 0.08 * max(k - 10, 0))
    fig, (ax, ax2) = plt.subplots(
        2, 1, sharex=True, figsize=figsize, height_ratios=(3, 1), layout="constrained"
    )
    tau = trace.index.to_numpy()
    colors = plt.get_cmap("tab20" if k > 10 else "tab10")(np.arange(k) % (20 if k > 10 else 10))
    for c, col in zip(studies, colors, strict=True):
        ax.plot(tau, trace[c], color=col, lw=1.4)
    if "mu" in trace.columns and not mfit.spec.has_moderators:
        ax.plot(tau, trace["mu"], color="black", lw=2.4, label=r"$E[\mu \mid \tau, y]$")
    ends = trace[studies].iloc[-1].to_numpy(dtype=float)
    lo, hi = (
        float(np.nanmin(trace[studies].to_numpy())),
        float(np.nanmax(trace[studies].to_numpy())),
    )
    ypos = _spread(ends, gap=(hi - lo) * 0.045)
    for c, col, y0, y1 in zip(studies, colors, ends, ypos, strict=True):
        ax.annotate(
            str(c),
            xy=(tau[-1], y0),
            xytext=(tau[-1] * 1.02, y1),
            fontsize=8,
            color=col,
            va="center",
            annotation_clip=False,
            arrowprops={"arrowstyle": "-", "color": col, "lw": 0.5},
        )
    for a in (ax, ax2):
        a.axvspan(row["lower"], row["upper"], color="0.85", alpha=0.45, lw=0, zorder=0)
        a.axvline(median, color="0.3", ls=":", lw=1.2, zorder=1)
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
    ax.set_ylabel(r"$E[\theta_i \mid \tau, y]$")
    ax.set_title("Shrinkage trace: study effects given the heterogeneity", loc="left", fontsize=11)
    if "mu" in trace.columns and not mfit.spec.has_moderators:
        ax.legend(frameon=False, fontsize=8.5, loc="upper left")
    ax2.fill_between(dens["tau"], dens["posterior"], color="#1f77b4", alpha=0.25)
    ax2.plot(dens["tau"], dens["posterior"], color="#1f77b4", lw=1.8, label="posterior")
    ax2.plot(dens["tau"], dens["prior"], color="0.3", lw=1.2, ls="--", label="prior")
    ax2.set_ylim(0, None)
    ax2.set_xlim(0, tau[-1])
    ax2.set_yticks([])
    ax2.set_ylabel(r"$p(\tau \mid y)$")
    ax2.set_xlabel(r"between-study SD $\tau$  (band: posterior interval, dotted: median)")
    ax2.legend(frameon=False, fontsize=8, loc="upper right")
    return fig
