"""Which way each level moved under partial pooling, so that a caption can say it truly.

"Every level moves toward the population mean" holds for a model with one random
intercept and balanced data, but not in general: with correlated intercepts and slopes a
level's intercept also moves with its slope's shrinkage and can cross the population
mean or move away from it (sleepstudy: subjects 308 and 335 cross it). These functions
classify the moves from the :func:`hiermodels.shrinkage.shrinkage` table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def moves(tab: pd.DataFrame) -> dict:
    """Levels that moved toward, across or away from the population value.

    Parameters
    ----------
    tab : DataFrame
        A shrinkage table of one term: columns ``no_pool``, ``mean`` (partial pooling)
        and ``population``, one row per level.

    Returns
    -------
    dict
        ``n`` (levels with a no-pooling estimate), ``toward`` (moved closer without
        crossing), ``crossed`` (ended on the other side), ``away`` (ended farther on the
        same side): lists of level labels.
    """
    a = (tab["no_pool"] - tab["population"]).to_numpy(float)
    b = (tab["mean"] - tab["population"]).to_numpy(float)
    ok = np.isfinite(a) & np.isfinite(b)
    crossed = ok & (np.sign(a) * np.sign(b) < 0)
    away = ok & ~crossed & (np.abs(b) > np.abs(a))
    toward = ok & ~crossed & ~away
    labels = np.asarray([str(i) for i in tab.index], dtype=object)
    return {
        "n": int(ok.sum()),
        "toward": labels[toward].tolist(),
        "crossed": labels[crossed].tolist(),
        "away": labels[away].tolist(),
    }


def size_pooling(tab: pd.DataFrame) -> float | None:
    """Spearman correlation of a level's size ``n`` with its pooling factor.

    None when every level has the same size (or fewer than three levels): then size
    cannot explain who is pooled more. Negative: smaller levels are pooled more.
    """
    t = tab[["n", "pooling"]].dropna()
    if len(t) < 3 or t["n"].nunique() < 2 or t["pooling"].nunique() < 2:
        return None
    return float(stats.spearmanr(t["n"], t["pooling"]).statistic)
