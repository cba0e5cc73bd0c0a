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

import numpy as np

from hiermodels.errors import HiermodelsError
from hiermodels.meta import tau_priors

GROUP = "hiermodels_meta"
# The tau priors a file may name: an explicit registry, never a lookup by a name from the file.
_PRIORS = {
    cls.__name__: cls
    for cls in (
        tau_priors.HalfNormal,
        tau_priors.HalfCauchy,
        tau_priors.Uniform,
        tau_priors.Gamma,
        tau_priors.LogNormalTau2,
        tau_priors.LogT5Tau2,
    )
}


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


def prior_from_json(d):
    """The tau prior stored by :func:`_prior_to_json` (only classes in the registry)."""
    if d is None:
        return None
    cls = _PRIORS.get(d.get("class")) if isinstance(d, dict) else None
    if cls is None:
        raise HiermodelsError(
            f"The file names an unknown tau prior {d!r}; known: {', '.join(_PRIORS)}."
        )
    try:
        return cls(**d.get("args", {}))
    except (TypeError, ValueError) as err:
        raise HiermodelsError(
            f"The file's {d['class']} tau prior has invalid arguments {d.get('args')!r}: {err}"
        ) from err


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
    from hiermodels._version import __version__
    from hiermodels.persist.netcdf import data_to_dataset, write_idata

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
    ds = data_to_dataset(data)
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
        if GROUP in idata.groups():
            del idata[GROUP]
        idata.add_groups({GROUP: ds})
    write_idata(idata, path)  # atomic: a failed save leaves an existing file intact
