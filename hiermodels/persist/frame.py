"""A pandas DataFrame to an xarray Dataset netCDF can store, and back, without loss.

What a user's data frame may hold and netCDF cannot, and how it is kept:

* **column names** that are not strings (``0``, ``1.5``) or contain ``/`` (an HDF5 path
  separator): variables are named ``c0``, ``c1``, ... and the names, with their types, are
  stored as JSON (attribute ``names``);
* **nullable dtypes** (``Int64``, ``Float64``, ``boolean``, ``string``) and missing values
  in any column: the values with a fill, plus a mask variable ``c<i>__na``; the dtype
  name is restored exactly;
* **categoricals**: categories keep their type (integers stay integers) and order, and
  ``ordered=True`` survives, so the reference level and the level lookup are the same
  after loading;
* datetimes (without time zone) as int64 counts of their unit.

Files written before this format (hiermodels 0.1.0: no ``version`` attribute, variables
named by column, categories as text) are still read.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsError

VERSION = "2"
_NULLABLE = {"Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"}
_NULLABLE |= {"Float32", "Float64", "boolean"}


def _plain(x):
    """A JSON-able scalar (NumPy scalars -> Python)."""
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, int | float | str | bool) or x is None:
        return x
    return str(x)


def _encode_column(s: pd.Series) -> tuple[str, np.ndarray, np.ndarray | None, list | None]:
    """(kind, values, NA mask or None, categories or None)."""
    dtype = s.dtype
    na = s.isna().to_numpy()
    mask = na if na.any() else None
    if isinstance(dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.int64)
        return "category", codes, None, [_plain(c) for c in dtype.categories]
    name = str(dtype)
    if name in _NULLABLE:
        fill = False if name == "boolean" else 0
        values = s.to_numpy(dtype=_numpy_of(name), na_value=fill)
        return name, values, mask, None
    if pd.api.types.is_datetime64_dtype(dtype):  # "datetime64[ns]", "[us]", ...
        values = s.to_numpy(dtype=name).view(np.int64).copy()
        values[na] = 0
        return name, values, mask, None
    if pd.api.types.is_bool_dtype(dtype):
        return "bool", s.to_numpy(dtype=bool), None, None
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return name, s.to_numpy(), None, None  # float NaN is stored as NaN
    # text: pandas' string dtypes keep their name ("str" in pandas 3, "string"); anything
    # else (object columns of mixed values) is stored as text.
    kind = str(dtype) if isinstance(dtype, pd.StringDtype) else "object"
    values = np.array(["" if m else str(v) for v, m in zip(s.to_numpy(), na, strict=True)])
    return kind, values.astype(str), mask, None


def _numpy_of(name: str) -> str:
    return "bool" if name == "boolean" else name.lower()


def frame_to_dataset(df: pd.DataFrame):
    """An ``xarray.Dataset`` (dim ``row``) that :func:`dataset_to_frame` turns back into ``df``."""
    import xarray as xr

    vars_, kinds, names, cats, ordered = {}, [], [], {}, []
    for i, col in enumerate(df.columns):
        col_value = _plain(col) if isinstance(col, np.generic) else col
        if not isinstance(col_value, str | int | float | bool):
            raise HiermodelsError(
                f"Column name {col!r} cannot be saved; rename it to a string (df.columns)."
            )
        names.append(col_value)
        kind, values, mask, categories = _encode_column(df.iloc[:, i])
        kinds.append(kind)
        vars_[f"c{i}"] = ("row", values)
        if mask is not None:
            vars_[f"c{i}__na"] = ("row", mask)
        if categories is not None:
            cats[str(i)] = categories
            if df.iloc[:, i].cat.ordered:
                ordered.append(i)
    ds = xr.Dataset(vars_)
    ds.attrs.update(
        version=VERSION,
        names=json.dumps(names),
        kinds=json.dumps(kinds),
        categories=json.dumps(cats),
        ordered=json.dumps(ordered),
    )
    return ds


def dataset_to_frame(ds) -> pd.DataFrame:
    """The DataFrame :func:`frame_to_dataset` stored (or a 0.1.0 file's data group)."""
    try:
        if str(ds.attrs.get("version", "")) != VERSION:
            return _legacy(ds)
        names = json.loads(ds.attrs["names"])
        kinds = json.loads(ds.attrs["kinds"])
        cats = json.loads(ds.attrs["categories"])
        ordered = set(json.loads(ds.attrs["ordered"]))
        cols = [
            _decode(ds, i, kind, cats.get(str(i)), i in ordered) for i, kind in enumerate(kinds)
        ]
    except (KeyError, ValueError, TypeError, json.JSONDecodeError) as err:
        raise HiermodelsError(
            f"The saved data table is damaged ({type(err).__name__}: {err}); save the fit again."
        ) from err
    out = pd.concat(cols, axis=1) if cols else pd.DataFrame(index=range(ds.sizes.get("row", 0)))
    if cols:
        text = all(isinstance(n, str) for n in names)
        out.columns = pd.Index(names) if text else pd.Index(names, dtype=object)
    return out


def _decode(ds, i: int, kind: str, categories, ordered: bool) -> pd.Series:
    values = ds[f"c{i}"].values
    mask_name = f"c{i}__na"
    mask = ds[mask_name].values.astype(bool) if mask_name in ds else None
    if kind == "category":
        return pd.Series(
            pd.Categorical.from_codes(
                values.astype(np.int64), categories=categories, ordered=ordered
            )
        )
    if kind in _NULLABLE:
        arr = pd.array(values.astype(_numpy_of(kind)), dtype=kind)
        if mask is not None:
            arr[mask] = pd.NA
        return pd.Series(arr)
    if kind.startswith("datetime64["):
        s = pd.Series(values.astype(np.int64).view(kind))
        if mask is not None:
            s[mask] = pd.NaT
        return s
    if kind in ("str", "string", "object"):
        s = pd.Series(values.astype(str), dtype=kind)
        if mask is not None:
            s[mask] = None
        return s
    return pd.Series(values.astype(kind))


def _legacy(ds) -> pd.DataFrame:
    """hiermodels 0.1.0: variables named by column, categories as text."""
    cats = json.loads(ds.attrs["categories"])
    kinds = json.loads(ds.attrs["kinds"])
    out = {}
    for col in json.loads(ds.attrs["columns"]):
        vals = ds[col].values
        if kinds[col] == "category":
            out[col] = pd.Categorical(vals.astype(str), categories=cats[col])
        elif kinds[col] == "str":
            out[col] = vals.astype(str)
        else:
            out[col] = vals.astype(kinds[col]) if kinds[col] != "bool" else vals.astype(bool)
    return pd.DataFrame(out)
