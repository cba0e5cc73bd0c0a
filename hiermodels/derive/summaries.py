"""Posterior summary tables: mean, sd, equal-tailed interval, ESS and R-hat.

Every table of posterior summaries in hiermodels is built here, so they share the
column names ``mean, sd, lower, upper`` (+ ``ess_bulk, ess_tail, r_hat`` when chains
are available) and the default interval probability of :mod:`hiermodels.options`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hiermodels.options import resolve_prob


def _chain_draw(x) -> np.ndarray:
    """Coerce to a float array of shape (chain, draw)."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"expected (chain, draw) draws, got shape {a.shape}")
    return a


def summarize(
    draws: Mapping[str, np.ndarray],
    prob: float | None = None,
    diagnostics: bool = True,
) -> pd.DataFrame:
    """Summarise named posterior draws.

    Parameters
    ----------
    draws : mapping of label -> array (chain, draw) or (draw,)
        One entry per row of the table, in order.
    prob : float, optional
        Interval probability; default :func:`hiermodels.options.get_option`.
    diagnostics : bool
        Add bulk/tail ESS and rank-normalised R-hat (needs >= 1 chain of >= 4 draws).

    Returns
    -------
    pandas.DataFrame
        Index: the labels; columns ``mean, sd, lower, upper`` and, with
        ``diagnostics``, ``ess_bulk, ess_tail, r_hat``.
    """
    prob = resolve_prob(prob)
    lo_q, hi_q = (1 - prob) / 2, 1 - (1 - prob) / 2
    rows = {}
    for label, x in draws.items():
        a = _chain_draw(x)
        flat = a.ravel()
        row = {
            "mean": float(np.mean(flat)),
            "sd": float(np.std(flat, ddof=1)) if flat.size > 1 else np.nan,
            "lower": float(np.quantile(flat, lo_q)),
            "upper": float(np.quantile(flat, hi_q)),
        }
        if diagnostics:
            row.update(_diagnostics(a))
        rows[label] = row
    cols = ["mean", "sd", "lower", "upper"]
    if diagnostics:
        cols += ["ess_bulk", "ess_tail", "r_hat"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols)


def _diagnostics(a: np.ndarray) -> dict:
    from hiermodels.derive import convergence  # ArviZ's numbers, without importing ArviZ

    if a.shape[1] < 4 or not np.all(np.isfinite(a)) or np.ptp(a) == 0:
        return {"ess_bulk": np.nan, "ess_tail": np.nan, "r_hat": np.nan}
    est = convergence.many(a[None])  # the three at once: the split chains ranked once
    return {
        "ess_bulk": float(est["ess_bulk"][0]),
        "ess_tail": float(est["ess_tail"][0]),
        "r_hat": float(est["rhat"][0]),  # NaN with one chain
    }


def interval(x, prob: float | None = None, axis=None) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed interval of ``x`` along ``axis`` at probability ``prob``."""
    prob = resolve_prob(prob)
    q = np.quantile(np.asarray(x, dtype=float), [(1 - prob) / 2, 1 - (1 - prob) / 2], axis=axis)
    return q[0], q[1]
