"""Heat map of the model-implied correlation of two rows of one cluster."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import title


def plot_covariance_heatmap(
    fit, group: str, x=None, term=None, what: str = "cor", unit=None, label: str | None = None
):
    """Draws :meth:`hiermodels.Fit.within_covariance` (posterior means) as a matrix.

    ``what="cor"`` shows Cor(y_it, y_it'), ``"cov"`` the covariance. With random slopes
    the correlation is not constant (compound symmetry) but depends on both times:
    fan-out makes late pairs more alike than early ones. For a residual structure the
    table is that of one ``unit`` (default: the one with the most rows; the title names
    it). ``label`` names the axes' time variable (default: the table's term, else "time").
    With more than 12 occasions the cells are not annotated and about 8 ticks are labelled.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    tab = fit.within_covariance(group, x=x, term=term, unit=unit)
    col = "cor_mean" if what == "cor" else "mean"
    ts = sorted(set(tab.index.get_level_values(0)) | set(tab.index.get_level_values(1)))
    value = tab[col].to_dict()  # a covariance table may list each pair once (t <= t')
    M = np.array([[value[(a, b)] if (a, b) in value else value[(b, a)] for b in ts] for a in ts])
    fig, ax = plt.subplots(figsize=(5.6, 4.8), layout="constrained")
    im = ax.imshow(
        M,
        cmap="viridis",
        origin="lower",
        vmin=0 if what == "cor" else None,
        vmax=1 if what == "cor" else None,
    )
    labels = [f"{t:g}" if isinstance(t, int | float) else str(t) for t in ts]
    step = 1 if len(ts) <= 12 else -(-len(ts) // 8)  # about 8 labelled ticks
    ax.set_xticks(range(0, len(ts), step), labels[::step])
    ax.set_yticks(range(0, len(ts), step), labels[::step])
    if len(ts) <= 12:
        for i in range(len(ts)):
            for j in range(len(ts)):
                ax.text(
                    j,
                    i,
                    f"{M[i, j]:.2f}" if what == "cor" else f"{M[i, j]:.0f}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="w" if M[i, j] < (0.5 if what == "cor" else M.mean()) else "k",
                )
    name = label or tab.attrs.get("term") or tab.attrs.get("time") or "time"
    ax.set_xlabel(f"{name} (t')")
    ax.set_ylabel(f"{name} (t)")
    fig.colorbar(im, ax=ax, shrink=0.85, label="Cor(y_t, y_t')" if what == "cor" else "Cov")
    within = f"{group} {tab.attrs['unit']}" if tab.attrs.get("unit") else group
    title(
        ax, f"Model-implied {'correlation' if what == 'cor' else 'covariance'} within {within}", 10
    )
    return fig
