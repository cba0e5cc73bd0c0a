"""Checks of the data a design is built from: a DataFrame, the formula's columns present,
no missing or infinite values. No PyMC here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.errors import DataError
from hiermodels.spec.formula import ParsedFormula, referenced_names, suggest


def _as_frame(data, what: str = "data") -> pd.DataFrame:
    if isinstance(data, dict):
        try:
            data = pd.DataFrame(data)
        except Exception as err:
            raise DataError(f"{what} must be a pandas DataFrame; {err}") from err
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"{what} must be a pandas DataFrame (one row per observation), got "
            f"{type(data).__name__}; e.g. pd.read_csv(path) or hm.datasets.load(name)."
        )
    dup = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
    if dup:
        raise DataError(f"{what} has duplicate column names {dup}; rename them.")
    return data


def _check_finite(data: pd.DataFrame, used: list[str], what: str, dropna: bool) -> None:
    """Refuse missing (unless ``dropna``) and infinite values in the used columns."""
    for col in used:
        s = data[col]
        if not dropna and s.isna().any():
            rows = list(data.index[s.isna().to_numpy()][:5])
            raise DataError(
                f"Missing values (NaN) in column {col!r} of {what} (rows {rows}); every "
                "predictor and grouping column needs a value."
            )
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            inf = np.isinf(s.to_numpy(dtype=float, na_value=np.nan))
            if inf.any():
                rows = list(data.index[inf][:5])
                raise DataError(
                    f"Column {col!r} of {what} has infinite values (inf) in {int(inf.sum())} "
                    f"row(s), e.g. rows {rows}; replace or drop them (np.isinf)."
                )


def _used_columns(parsed: ParsedFormula, response: bool = True) -> list[str]:
    pieces = [parsed.fixed, *parsed.offsets, *(g.expr for g in parsed.groups)]
    if response:
        pieces.append(parsed.response)
        if parsed.trials:
            pieces.append(parsed.trials)
    names = set()
    for p in pieces:
        names |= referenced_names(p)
    for g in parsed.groups:
        names |= set(g.factor.split(":"))
    return sorted(names)


def _check_columns(parsed: ParsedFormula, data: pd.DataFrame, response: bool = True) -> list[str]:
    cols = [str(c) for c in data.columns]
    used = _used_columns(parsed, response)
    for name in used:
        if name not in cols:
            raise DataError(
                f"Column {name!r} used in the formula {parsed.formula!r} is not in the data."
                f"{suggest(name, cols)} Available columns: {cols[:20]}."
            )
    return used
