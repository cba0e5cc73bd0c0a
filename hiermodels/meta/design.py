"""Moderator design matrix of a meta-regression (``moderators="~ ablat + alloc"``).

The one-sided formula is parsed by formulae in a restricted namespace (only ``np`` and
formulae's own transforms such as ``C``, ``center`` and ``scale``), so a formula cannot
call arbitrary code. Column names become the term names (``Intercept``, ``ablat``,
``alloc[random]``, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.errors import DataError, FormulaError
from hiermodels.spec.formula import check_safe, referenced_names, safe_environment


def moderator_design(formula: str | None, data: pd.DataFrame):
    """Return ``(X, names, design)``: the k x p design matrix, its term names and the
    formulae design object (``None`` without moderators) that builds rows for new data.

    ``formula=None`` gives the intercept-only model with the single term ``"mu"``.
    Raises :class:`~hiermodels.errors.DataError` for a missing or constant moderator,
    missing values, or a rank-deficient design.
    """
    k = len(data)
    if formula is None:
        return np.ones((k, 1)), ["mu"], None
    if not isinstance(formula, str):
        raise FormulaError(f"moderators must be a formula string like '~ ablat', got {formula!r}.")
    rhs = formula.strip()
    if rhs.startswith("~"):
        rhs = rhs[1:].strip()
    if "~" in rhs or not rhs:
        raise FormulaError(
            f"moderators must be a one-sided formula like '~ ablat + alloc', got {formula!r}."
        )
    check_safe(rhs, data.columns)  # the one safety gate shared with hm.Model formulas
    for name in sorted(referenced_names(rhs)):
        if name not in data.columns:
            raise DataError(
                f"Moderator {name!r} is not a column of the data "
                f"(columns: {', '.join(map(str, data.columns))})."
            )
        col = data[name]
        if col.isna().any():
            raise DataError(
                f"Moderator {name!r} has missing values in rows {list(data.index[col.isna()])}."
            )
        if col.nunique() < 2:
            raise DataError(
                f"Moderator {name!r} is constant ({col.iloc[0]!r}) across the studies, so its "
                "effect cannot be estimated; drop it from the formula."
            )
    from hiermodels.spec.formulae_import import import_formulae

    formulae = import_formulae()  # without scipy.interpolate
    try:
        dm = formulae.design_matrices(
            rhs, data.reset_index(drop=True), na_action="error", env=safe_environment()
        )
    except Exception as err:  # formulae raises many exception types
        raise FormulaError(f"Cannot build the moderator formula {formula!r}: {err}") from err
    frame = dm.common.as_dataframe()
    X = frame.to_numpy(dtype=float)
    names = [str(c) for c in frame.columns]
    for j, name in enumerate(names):
        if name != "Intercept" and np.ptp(X[:, j]) == 0:
            raise DataError(f"Moderator term {name!r} is constant across the studies; drop it.")
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise DataError(
            f"The moderator design {names} is rank deficient (collinear terms); drop a term."
        )
    if k <= X.shape[1]:
        raise DataError(
            f"{k} studies cannot estimate {X.shape[1]} meta-regression coefficients plus tau; "
            "use fewer moderators."
        )
    return X, names, dm.common


def new_design(design, names: list[str], newmods) -> np.ndarray:
    """Design rows for new moderator values (a DataFrame or dict of columns)."""
    if design is None:
        return np.ones((1, 1))
    new = pd.DataFrame(newmods) if not isinstance(newmods, pd.DataFrame) else newmods
    try:
        X = np.asarray(design.evaluate_new_data(new)).astype(float)
    except Exception as err:
        raise DataError(f"Cannot build moderator rows from newmods: {err}") from err
    if X.ndim != 2 or X.shape[1] != len(names):
        raise DataError(f"newmods must give the terms {names}.")
    return X
