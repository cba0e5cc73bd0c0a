"""``hm.compare``: rank fits by PSIS-LOO, in a table that says what its warning means."""

from __future__ import annotations

import warnings


def compare(fits: dict, ic: str = "loo"):
    """Rank fits of the same data by expected log predictive density.

    Parameters
    ----------
    fits : dict name -> Fit, or name -> ``fit.kfold(...)`` result
        See :func:`hiermodels.derive.checks.compare`.
    ic : str
        ArviZ's information criterion (``"loo"``).

    Returns
    -------
    hiermodels.present.display_results.ComparisonTable
        ArviZ's comparison DataFrame (rank, elpd_loo, p_loo, elpd_diff, weight, se, dse,
        warning, scale); it prints which fits carry ``warning = True`` and which rows'
        Pareto k caused it (``.pareto``).
    """
    from hiermodels.derive.checks import compare as rank
    from hiermodels.derive.checks import loo
    from hiermodels.present.display_results import ComparisonTable

    table = rank(fits, ic)
    loos = {}
    if ic == "loo":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the table reports the Pareto k itself
            for name, fit in fits.items():
                if hasattr(fit, "idata"):  # a Fit (K-fold results have no Pareto k)
                    loos[name] = loo(fit, pointwise=True)
    return ComparisonTable.of(table, loos)
