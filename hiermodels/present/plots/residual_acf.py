"""Residual autocorrelation by lag: raw vs normalised by the fitted residual structure."""

from __future__ import annotations

from hiermodels.present.plots._common import COLORS, despine, title


def plot_residual_acf(fit, max_lag: int = 10, prob=None, figsize=(7.5, 4.0)):
    """Draws :meth:`hiermodels.Fit.residual_acf`: raw and normalised ACF with intervals.

    The dashed line is the correlation the fitted structure implies at each lag; the grey
    band is the white-noise band 2 / sqrt(pairs). Normalised bars inside the band mean the
    structure removed the autocorrelation.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    tab = fit.residual_acf(max_lag=max_lag, prob=prob)
    lag = tab.index.to_numpy(float)
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    ax.fill_between(lag, -tab["band"], tab["band"], color="0.85", label="white-noise band")
    for pre, shift, col, lab in (
        ("raw", -0.12, COLORS["complete"], "raw residuals"),
        ("norm", 0.12, COLORS["partial"], "normalised by the structure"),
    ):
        m = tab[f"{pre}_mean"]
        ax.vlines(lag + shift, tab[f"{pre}_lower"], tab[f"{pre}_upper"], color=col, lw=2)
        ax.plot(lag + shift, m, "o", color=col, label=lab)
    ax.plot(lag, tab["implied"], "k--", lw=1, label="implied by the model")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xlabel("lag (occasions within a unit)")
    ax.set_ylabel("autocorrelation")
    despine(ax)
    title(ax, f"Residual ACF ({tab.attrs['structure']})")
    ax.legend(frameon=False, fontsize=8.5)
    return fig
