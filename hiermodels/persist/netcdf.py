"""Save a fit to one netCDF file and load it back, model spec and data included.

The file is an ArviZ InferenceData netCDF with two additions: the model spec (JSON)
and the package version in the posterior's attributes, and the rows the model was fitted
on in a ``hiermodels_data`` group (categorical columns keep their level order). Loading
rebuilds the model from spec + data, so predictions and every table work as before.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd

from hiermodels._version import __version__
from hiermodels.errors import HiermodelsError

DATA_GROUP = "hiermodels_data"


def data_to_dataset(df: pd.DataFrame):
    import xarray as xr

    cats, kinds, vars_ = {}, {}, {}
    for col in df.columns:
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats[col] = [str(c) for c in s.cat.categories]
            vars_[col] = ("row", s.astype(str).to_numpy(dtype=str))
            kinds[col] = "category"
        elif pd.api.types.is_numeric_dtype(s) or s.dtype == bool:
            vars_[col] = ("row", s.to_numpy())
            kinds[col] = str(s.dtype)
        else:
            vars_[col] = ("row", s.astype(str).to_numpy(dtype=str))
            kinds[col] = "str"
    ds = xr.Dataset(vars_)
    ds.attrs["categories"] = json.dumps(cats)
    ds.attrs["kinds"] = json.dumps(kinds)
    ds.attrs["columns"] = json.dumps([str(c) for c in df.columns])
    return ds


def dataset_to_data(ds) -> pd.DataFrame:
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


def save_fit(fit, path) -> None:
    """Write ``fit`` to ``path`` (netCDF)."""
    idata = fit.idata.copy()
    post = idata.posterior
    post.attrs["hiermodels_spec"] = fit.model.spec.to_json()
    post.attrs["hiermodels_version"] = __version__
    post.attrs["hiermodels_sampler"] = fit.sampler
    post.attrs["hiermodels_wall_time"] = float(fit.wall_time)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if DATA_GROUP not in idata.groups():
            idata.add_groups({DATA_GROUP: data_to_dataset(fit.model.data)})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    idata.to_netcdf(str(path))


def read_idata(path):
    """Read a netCDF file written by hiermodels into memory and say what it holds.

    Returns
    -------
    (idata, kind)
        ``kind`` is ``"meta"`` for a meta-analysis (``MetaFit.save``) and ``"fit"`` for a
        multilevel fit (``Fit.save``).

    Raises
    ------
    HiermodelsError
        If the file does not exist or was not written by hiermodels.
    """
    import arviz as az

    path = Path(path)
    if not path.exists():
        raise HiermodelsError(f"No such file: {path}.")
    try:
        idata = az.from_netcdf(str(path))
    except Exception as err:
        raise HiermodelsError(f"{path} is not a netCDF file written by hiermodels: {err}") from err
    if "hiermodels_meta" in idata.groups():
        return idata, "meta"
    attrs = idata.posterior.attrs
    if "hiermodels_spec" not in attrs or DATA_GROUP not in idata.groups():
        raise HiermodelsError(f"{path} has no hiermodels model spec; was it saved by Fit.save()?")
    return idata, "fit"
