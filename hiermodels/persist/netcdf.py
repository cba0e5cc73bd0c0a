"""Save a fit to one netCDF file and load it back, model spec and data included.

The file is an ArviZ InferenceData netCDF with two additions: the model spec (JSON)
and the package version in the posterior's attributes, and the rows the model was fitted
on in a ``hiermodels_data`` group (every dtype, level order and column name kept: see
:mod:`~hiermodels.persist.frame`). Loading rebuilds the model from spec + data, so
predictions and every table work as before.

Writes are atomic (:mod:`~hiermodels.persist.atomic`: a failed save never damages an
existing file) and reads are guarded (:mod:`~hiermodels.persist.safety`: no external or
virtual datasets, no unknown attributes; the file is closed after reading, so
``hm.load(p).save(p)`` works).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from hiermodels._version import __version__
from hiermodels.errors import HiermodelsError
from hiermodels.persist.atomic import atomic_write
from hiermodels.persist.frame import dataset_to_frame, frame_to_dataset
from hiermodels.persist.safety import read_idata as safe_read_idata

DATA_GROUP = "hiermodels_data"


def data_to_dataset(df: pd.DataFrame):
    """The fitted rows as a Dataset netCDF can store (see :mod:`hiermodels.persist.frame`)."""
    return frame_to_dataset(df)


def dataset_to_data(ds) -> pd.DataFrame:
    """The rows :func:`data_to_dataset` stored (also hiermodels 0.1.0's layout)."""
    return dataset_to_frame(ds)


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
        if DATA_GROUP in idata.groups():  # a loaded fit: store the model's rows afresh
            del idata[DATA_GROUP]
        idata.add_groups({DATA_GROUP: data_to_dataset(fit.model.data)})
    write_idata(idata, path)


def write_idata(idata, path) -> None:
    """Write ``idata`` to ``path`` atomically: a failure leaves an existing file untouched.

    Raises
    ------
    HiermodelsError
        Naming ``path`` and the reason (an attribute netCDF cannot store, a full disk...).
    """
    try:
        atomic_write(path, lambda tmp: idata.to_netcdf(str(tmp), engine="h5netcdf"))
    except HiermodelsError:
        raise
    except Exception as err:
        raise HiermodelsError(
            f"Could not save {path}: {type(err).__name__}: {' '.join(str(err).split())[:300]}. "
            "Any existing file there is unchanged."
        ) from err


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
    path = Path(path)
    if not path.exists():
        raise HiermodelsError(f"No such file: {path}.")
    if path.is_dir():
        raise HiermodelsError(f"{path} is a folder; give the saved fit inside it, e.g. fit.nc.")
    idata = safe_read_idata(path)  # no external data, no unknown attributes, file closed
    if "hiermodels_meta" in idata.groups():
        return idata, "meta"
    attrs = idata.posterior.attrs
    if "hiermodels_spec" not in attrs or DATA_GROUP not in idata.groups():
        raise HiermodelsError(f"{path} has no hiermodels model spec; was it saved by Fit.save()?")
    return idata, "fit"
