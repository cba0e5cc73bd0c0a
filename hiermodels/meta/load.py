"""Rebuild a :class:`MetaFit` from a file written by ``MetaFit.save``."""

from __future__ import annotations

import json
import warnings

from hiermodels.errors import HiermodelsWarning
from hiermodels.meta.fit import MetaFit
from hiermodels.meta.model import MetaAnalysis
from hiermodels.meta.persist import GROUP, prior_from_json
from hiermodels.persist.netcdf import dataset_to_data


def meta_fit_from_idata(idata):
    """Rebuild a MetaFit from InferenceData read from a file written by ``save_meta_fit``."""
    ds = getattr(idata, GROUP)
    args = json.loads(ds.attrs["args"])
    data_vars = [v for v in ds.data_vars if v not in ("gamma", "tau")]
    data = dataset_to_data(ds[data_vars].assign_attrs(ds.attrs))
    if args["study"] is None:
        data.index = json.loads(ds.attrs["labels"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HiermodelsWarning)
        spec = MetaAnalysis(
            data,
            tau_prior=prior_from_json(json.loads(ds.attrs["tau_prior"])),
            **args,
        )
        fit = MetaFit(
            spec,
            ds["gamma"].transpose("chain", "draw", "coef").to_numpy(),
            ds["tau"].transpose("chain", "draw").to_numpy(),
            idata.sample_stats,
            json.loads(ds.attrs["settings"]),
            float(ds.attrs["sampling_time"]),
            str(ds.attrs["backend"]),
        )
    fit.idata.posterior.attrs.update(
        {k: v for k, v in idata.posterior.attrs.items() if k.startswith("hiermodels")}
    )
    return fit
