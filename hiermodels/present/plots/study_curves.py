"""Operating characteristics of a simulation study against the number of clusters."""

from __future__ import annotations

import numpy as np

from hiermodels.present.plots._common import despine, title

_LABELS = {
    "power": "power (interval excludes 0)",
    "power_prob": "power (P(effect > 0) above threshold)",
    "coverage": "coverage of the intervals",
    "width": "mean interval width",
    "boundary": "share of REML fits at the boundary",
    "bias": "bias",
    "rmse": "RMSE",
}


def plot_study_curve(table, parameter: str, metric: str = "power", nominal=None, ax=None):
    """One line per method (and per other grid value) of ``metric`` against ``clusters``.

    Draws the rows of :func:`hiermodels.derive.study_summary.summarise` for ``parameter``:
    the metric and, where the table has it, +-2 Monte Carlo SEs as error bars (lines
    dodged sideways by about 1 % of the x range so that they do not hide each other). ``nominal``
    draws a reference line (the intervals' probability for coverage).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from hiermodels.errors import HiermodelsError

    tab = table[table["parameter"] == parameter]
    if tab.empty or metric not in tab:
        raise HiermodelsError(
            f"No {metric!r} rows for parameter {parameter!r}; the table has parameters "
            f"{sorted(table['parameter'].unique())}."
        )
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.0, 3.8), layout="constrained")
    else:
        fig = ax.figure
    skip = {"cell", "clusters", "method", "parameter"}
    others = [c for c in tab.columns[: list(tab.columns).index("method")] if c not in skip]
    others = [c for c in others if tab[c].nunique() > 1]
    groups = list(tab.groupby(["method", *others], sort=False))
    span = float(np.ptp(tab["clusters"])) or 1.0
    offsets = (np.arange(len(groups)) - (len(groups) - 1) / 2) * 0.012 * span  # dodge
    for (key, grp), dx in zip(groups, offsets, strict=True):
        key = key if isinstance(key, tuple) else (key,)
        grp = grp.sort_values("clusters")
        y = grp[metric].to_numpy(float)
        if not np.any(np.isfinite(y)):
            continue
        label = ", ".join(
            [str(key[0])]
            + [
                f"{c}={v:g}" if isinstance(v, float) else f"{c}={v}"
                for c, v in zip(others, key[1:], strict=True)
            ]
        )
        se = grp.get(f"mcse_{metric}")
        yerr = None if se is None else 2 * se.to_numpy(float)
        ax.errorbar(grp["clusters"] + dx, y, yerr=yerr, marker="o", ms=4, capsize=2, label=label)
    if nominal is not None:
        ax.axhline(nominal, color="0.4", ls="--", lw=1, label=f"nominal {nominal:g}")
    ax.set_xlabel("number of clusters")
    ax.set_ylabel(_LABELS.get(metric, metric))
    if metric in ("power", "power_prob", "coverage", "boundary"):
        ax.set_ylim(-0.02, 1.02)
    ax.legend(frameon=False, fontsize=8)
    despine(ax)
    title(ax, f"{_LABELS.get(metric, metric)}: {parameter}")
    return fig
