"""PSIS-LOO's own reliability check, shown and explained instead of swallowed.

PSIS-LOO (Vehtari, Gelman & Gabry 2017) is only trustworthy where the Pareto shape
:math:`\\hat k` of each observation's importance weights is below 0.7 (Vehtari et al. 2024,
"Pareto smoothed importance sampling", JMLR 25(72): the threshold is
:math:`\\min(1 - 1/\\log_{10} S, 0.7)` for S draws). In multilevel models high
:math:`\\hat k` is common: each row informs its own cluster's effect, so leaving it out
moves the posterior a lot (epilepsy fitted as Poisson: 9 rows with k > 0.7). ArviZ says so
in a ``UserWarning`` that hiermodels used to filter out; :func:`loo_checked` turns it into a
:class:`~hiermodels.errors.HiermodelsWarning` naming how many rows, and what to use instead:
K-fold or leave-one-cluster-out cross-validation (``fit.kfold``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from hiermodels.errors import HiermodelsWarning


def k_threshold(n_draws: int) -> float:
    """The sample-size dependent threshold min(1 - 1/log10(S), 0.7) (Vehtari et al. 2024)."""
    return min(1 - 1 / math.log10(max(n_draws, 11)), 0.7)


def pareto_k_message(pareto_k, n_draws: int, factors=(), name: str = "") -> str | None:
    """A sentence with advice when some Pareto k exceed the threshold, else None."""
    k = np.asarray(pareto_k, dtype=float).ravel()
    thr = k_threshold(n_draws)
    bad = int(np.sum(k > thr))
    if bad == 0:
        return None
    by = f", by={factors[0]!r}" if factors else ""
    who = f" of {name}" if name else ""
    return (
        f"PSIS-LOO{who} is unreliable: {bad} of {k.size} observations have Pareto k > "
        f"{thr:.2f} (max {np.nanmax(k):.2f}), so their leave-one-out densities are not "
        "estimated well. In a multilevel model each row pulls on its own cluster's effect; "
        f"use K-fold or leave-one-cluster-out cross-validation instead: fit.kfold(k=10{by}) "
        "(hm.compare accepts its results)."
    )


def loo_checked(idata, factors=(), name: str = ""):
    """``arviz.loo`` (pointwise, so the k values are kept) that warns about high Pareto k.

    The warning is a :class:`~hiermodels.errors.HiermodelsWarning` with advice; ArviZ's
    own ``UserWarning`` about the same thing is replaced by it.
    """
    import arviz as az

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Ee]stimated shape parameter of Pareto.*")
        warnings.filterwarnings("ignore", message=".*Pareto k.*")
        res = az.loo(idata, pointwise=True)
    post = idata.posterior
    n_draws = int(post.sizes["chain"] * post.sizes["draw"])
    msg = pareto_k_message(res.pareto_k.values, n_draws, factors, name)
    if msg is not None:
        warnings.warn(msg, HiermodelsWarning, stacklevel=3)
    return res
