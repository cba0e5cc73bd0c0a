r"""Data grids: the rows at which predictions, comparisons and slopes are evaluated.

Three kinds, as in the R package marginaleffects (``datagrid``) and bambi ``interpret``:

* ``"typical"`` — one row: every numeric predictor at its sample mean, every
  categorical one (and every grouping factor) at its most frequent level;
* a ``dict`` ``{column: values}`` — the Cartesian product of the given values, every
  other column at its typical value (a scalar is one value);
* ``"observed"`` (or a DataFrame) — the fitted rows (or the rows given), so that
  averaging over them gives the *average* prediction / comparison / slope of
  marginaleffects (the empirical distribution of the covariates).

A column counts as categorical when its dtype is not numeric (object, category, bool)
or when the formula wraps it in ``C(...)``.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd

from ..errors import DataError, HiermodelsError


def predictor_columns(design) -> list[str]:
    """Data columns the right-hand side of the formula uses (fixed, group terms, offsets)."""
    from ..data.design import _used_columns  # the design's own list of referenced columns

    return [c for c in _used_columns(design.parsed, response=False) if c in design.data.columns]


def is_categorical(design, column: str) -> bool:
    """Whether ``column`` enters the model as a factor (non-numeric dtype or ``C(column)``)."""
    col = design.data[column]
    if not pd.api.types.is_numeric_dtype(col) or col.dtype == bool:
        return True
    return re.search(rf"C\(\s*{re.escape(column)}\s*[,)]", design.parsed.formula) is not None


def levels_of(design, column: str) -> list:
    """The levels of a categorical column in model order (category order, else sorted)."""
    col = design.data[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col)
        return [c for c in col.cat.categories if c in present]
    return sorted(pd.unique(col), key=lambda v: (str(type(v)), v))


def typical_row(design) -> dict:
    """Each predictor column at its typical value: mean (numeric) or most frequent level."""
    out = {}
    grouping = {c for g in design.groups for c in g.name.split(":")}
    for c in predictor_columns(design):
        col = design.data[c]
        if c in grouping or is_categorical(design, c):
            out[c] = col.mode(dropna=True).iloc[0]
        else:
            out[c] = float(col.mean())
    return out


def _check_column(design, column: str) -> None:
    cols = predictor_columns(design)
    if column not in cols:
        from ..spec.formula import suggest

        raise DataError(
            f"{column!r} is not a predictor column of this model; its predictors are {cols}."
            f"{suggest(column, cols)}"
        )


def datagrid(design, grid="typical") -> pd.DataFrame:
    """Build the evaluation rows.

    Parameters
    ----------
    design : hiermodels.design.Design
    grid : {"typical", "observed"}, dict or DataFrame
        See the module docstring. Dict values may be scalars or lists.

    Returns
    -------
    DataFrame
        One row per evaluation point, every predictor column present.

    Raises
    ------
    DataError
        For a dict key that is not a predictor column, or an unknown level.
    """
    if isinstance(grid, pd.DataFrame):
        return grid.reset_index(drop=True)
    if isinstance(grid, str):
        if grid == "observed":
            return design.data.reset_index(drop=True)
        if grid == "typical":
            return pd.DataFrame([typical_row(design)])
        raise HiermodelsError(
            f"grid={grid!r}: use 'typical', 'observed', a dict {{column: values}} or a DataFrame."
        )
    if not isinstance(grid, dict):
        raise HiermodelsError(
            "grid must be 'typical', 'observed', a dict {column: values} or a DataFrame; "
            f"got {type(grid).__name__}."
        )
    base = typical_row(design)
    values = {}
    for col, val in grid.items():
        _check_column(design, col)
        vals = list(val) if isinstance(val, list | tuple | np.ndarray | pd.Series) else [val]
        if not vals:
            raise DataError(f"grid[{col!r}] is empty; give at least one value.")
        if is_categorical(design, col):
            known = {str(v) for v in levels_of(design, col)}
            bad = [v for v in vals if str(v) not in known]
            if bad:
                raise DataError(
                    f"grid[{col!r}] has levels {bad} not in the data; levels: {sorted(known)}."
                )
            vals = [_as_level(design, col, v) for v in vals]
        values[col] = vals
    rows = []
    for combo in itertools.product(*values.values()):
        row = dict(base)
        row.update(dict(zip(values, combo, strict=True)))
        rows.append(row)
    return pd.DataFrame(rows)


def _as_level(design, column: str, value):
    """The level of ``column`` whose string form equals ``value``'s (keeps the dtype)."""
    for lev in levels_of(design, column):
        if str(lev) == str(value):
            return lev
    return value


def with_value(grid: pd.DataFrame, column: str, value) -> pd.DataFrame:
    """A copy of ``grid`` with ``column`` set to ``value`` (scalar or array) in every row."""
    out = grid.copy()
    if isinstance(out[column].dtype, pd.CategoricalDtype):
        out[column] = pd.Categorical(
            np.broadcast_to(np.asarray(value, dtype=object), len(out)),
            categories=out[column].cat.categories,
        )
    else:
        out[column] = value
    return out
