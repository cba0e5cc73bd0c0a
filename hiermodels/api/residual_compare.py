"""``hm.compare_residual_structures``: iid vs CS vs AR(1) vs UN on one dataset, by LOO.

The lesson of repeated-measures analysis (seed 003): the mean model and the covariance
model work together, and the covariance structure should be the one the data support.
Each structure is fitted as a Gaussian model with the same formula and compared by
leave-one-*unit*-out PSIS-LOO on the per-unit log-likelihood
:math:`\\log N(y_u \\mid X_u\\beta, V_u)`: rows of one unit are dependent under these
models, so the row-wise log-likelihood does not factorise and row-level LOO would
compare different things.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsError

DEFAULT = ("iid", "cs", "ar1", "unstructured")


def _residual(kind: str, unit: str, time: str | None, data: pd.DataFrame) -> str:
    if kind in ("iid", "cs"):
        return f"{kind}({unit})"
    if time is None:
        if kind != "ar1":
            raise HiermodelsError(f"compare_residual_structures: {kind} needs time=.")
        return f"ar1({unit})"
    if kind == "ar1":
        t = pd.to_numeric(data[time], errors="coerce").to_numpy(float)
        if not np.allclose(t, np.round(t)):  # irregular real times: continuous-time AR(1)
            return f"car1({time} | {unit})"
    return f"{kind}({time} | {unit})"


def compare_residual_structures(
    formula: str,
    data: pd.DataFrame,
    unit: str,
    time: str | None = None,
    structures=DEFAULT,
    sigma: str | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    progressbar: bool | None = False,
):
    """Fit ``formula`` under each residual structure and rank them by per-unit LOO.

    Parameters
    ----------
    formula : str
        Gaussian model; random effects must be on ``unit`` (or nested in it).
    data : DataFrame
    unit, time : str
        The unit column and the time column (``None``: row order; then ``unstructured``
        is skipped). AR(1) becomes CAR(1) when the times are not integers.
    structures : sequence of {"iid", "cs", "ar1", "car1", "unstructured"}
    sigma : str, optional
        varIdent factor for every structure (``"~ 0 + C(age)"``).

    Returns
    -------
    (DataFrame, dict)
        ``arviz.compare`` table (index: the ``residual=`` text; ``elpd_loo``, ``p_loo``,
        ``elpd_diff``, ``weight``...) and the fits by structure.
    """
    import arviz as az

    from hiermodels.api.model import Model

    kinds = [k for k in structures if not (k == "unstructured" and time is None)]
    if len(kinds) < 2:
        raise HiermodelsError("compare_residual_structures needs at least two structures.")
    fits, loos = {}, {}
    for k in kinds:
        res = _residual(k, unit, time, data)
        fit = Model(formula, data, residual=res, sigma=sigma).fit(
            draws=draws, tune=tune, chains=chains, seed=seed, progressbar=progressbar
        )
        fits[res] = fit
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loos[res] = fit.loo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = az.compare(loos)
    table.attrs["note"] = (
        "PSIS-LOO by unit (leave one unit out): rows within a unit are dependent, so the "
        "log-likelihood is per unit."
    )
    return table, fits
