"""Simulation-based calibration: ECDF-difference plot with simultaneous bands."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import COLORS, despine, title


def plot_sbc_ecdf(ecdf, prob: float = 0.95, axes=None):
    """One panel per parameter: ECDF of the scaled SBC ranks minus the uniform CDF.

    Draws :func:`hiermodels.derive.sbc_ranks.ecdf_difference` (Säilynoja, Bürkner & Vehtari
    2022): the curve, and the simultaneous ``prob`` band as a shaded region. A calibrated
    parameter stays inside the band; a curve above 0 on the left means ranks pile at
    low values (posterior above the truth), a hump means the posterior is too wide, a
    dip-then-rise (S shape) too narrow.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(ecdf["parameter"]))
    k = len(names)
    if axes is None:
        ncol = min(3, k)
        nrow = int(np.ceil(k / ncol))
        fig, axes = plt.subplots(
            nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), squeeze=False, layout="constrained"
        )
        axes = axes.ravel()
    else:
        axes = np.atleast_1d(axes).ravel()
        fig = axes[0].figure
    for ax, name in zip(axes, names, strict=False):
        d = ecdf[ecdf["parameter"] == name]
        ax.fill_between(
            d["z"], d["lower"], d["upper"], step="post", color="0.85", label=f"{prob:.0%} band"
        )
        ax.step(d["z"], d["ecdf_diff"], where="post", color=COLORS["posterior"], lw=1.4)
        ax.axhline(0, color="0.4", lw=0.8)
        ax.set_xlabel("fractional rank")
        despine(ax)
        title(ax, name, size=9)
    for ax in axes[k:]:
        ax.set_visible(False)
    axes[0].set_ylabel("ECDF difference")
    return fig
