"""Save a :class:`~hiermodels.meta.MetaFit` to one netCDF file and load it back.

The file is the fit's ArviZ InferenceData plus a ``hiermodels_meta`` group holding the
study table, the raw coefficient draws (``gamma``, on the centred moderators) and, as
attributes, the analysis' arguments, the tau prior and the sampler settings. Loading
rebuilds the :class:`~hiermodels.meta.MetaAnalysis` and the fit from them; the study
effects are redrawn from the stored seed, so they come back identical. ``hm.load``
reads these files as well as multilevel fits.
"""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path

import numpy as np

from ..errors import HiermodelsError, HiermodelsWarning
from . import tau_priors

GROUP = "hiermodels_meta"
_PRIORS = ("HalfNormal", "HalfCauchy", "Uniform", "Gamma", "LogNormalTau2", "LogT5Tau2")


def _prior_to_json(prior):
    if prior is None:
        return None
    name = type(prior).__name__
    if name not in _PRIORS:
        raise HiermodelsError(
            f"A meta-analysis with a {prior.name} tau prior cannot be saved; use one of the "
            "hiermodels tau priors (HalfNormal, HalfCauchy, Uniform, Gamma, turner_prior, "
            "rhodes_prior)."
        )
    params = inspect.signature(type(prior)).parameters
    return {"class": name, "args": {k: v for k, v in vars(prior).items() if k in params}}


def _prior_from_json(d):
    if d is None:
        return None
    return getattr(tau_priors, d["class"])(**d["args"])


def _plain(obj):
    return obj.item() if hasattr(obj, "item") else str(obj)


def _gamma(fit) -> np.ndarray:
    """Coefficient draws on the centred moderators (chain, draw, p): beta = gamma T'."""
    beta = fit._beta
    c, d, p = beta.shape
    gamma = np.linalg.solve(fit.spec.T, beta.reshape(-1, p).T).T
    return gamma.reshape(c, d, p)


def save_meta_fit(fit, path) -> None:
    """Write ``fit`` (a MetaFit) to ``path`` (netCDF)."""
    from .. import __version__
    from ..io import _data_to_dataset

    spec = fit.spec
    args = {
        "yi": spec.yi_col,
        "vi": spec.vi_col,
        "sei": spec.sei_col,
        "study": None if spec.study_dim == "study" else spec.study_dim,
        "moderators": spec.moderators,
        "model": spec.model,
        "coef_prior_sd": [float(x) for x in spec.coef_sd],
    }
    if args["study"] is not None and args["study"] not in spec.data.columns:
        args["study"] = None
    data = spec.data.reset_index(drop=True)
    ds = _data_to_dataset(data)
    gamma = _gamma(fit)
    ds["gamma"] = (("chain", "draw", "coef"), gamma)
    ds["tau"] = (("chain", "draw"), fit._tau)
    ds.attrs.update(
        args=json.dumps(args),
        labels=json.dumps(list(spec.labels)),
        tau_prior=json.dumps(_prior_to_json(spec.tau_prior)),
        settings=json.dumps(fit.settings, default=_plain),
        sampling_time=float(fit.sampling_time),
        backend=fit.backend,
        hiermodels_version=__version__,
    )
    idata = fit.idata.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata.add_groups({GROUP: ds})
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    idata.to_netcdf(str(path))


def meta_fit_from_idata(idata):
    """Rebuild a MetaFit from InferenceData read from a file written by ``save_meta_fit``."""
    from ..io import _dataset_to_data
    from .fit import MetaFit
    from .model import MetaAnalysis

    ds = getattr(idata, GROUP)
    args = json.loads(ds.attrs["args"])
    data_vars = [v for v in ds.data_vars if v not in ("gamma", "tau")]
    data = _dataset_to_data(ds[data_vars].assign_attrs(ds.attrs))
    if args["study"] is None:
        data.index = json.loads(ds.attrs["labels"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HiermodelsWarning)
        spec = MetaAnalysis(
            data,
            tau_prior=_prior_from_json(json.loads(ds.attrs["tau_prior"])),
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
