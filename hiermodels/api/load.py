"""``hm.load``: read any fit hiermodels wrote (multilevel or meta-analysis)."""

from __future__ import annotations

import numpy as np

from hiermodels.api.fit import Fit
from hiermodels.api.model import Model
from hiermodels.meta.load import meta_fit_from_idata
from hiermodels.persist.netcdf import DATA_GROUP, dataset_to_data, read_idata
from hiermodels.spec.model_spec import ModelSpec


def load(path):
    """Read a fit written by :meth:`hiermodels.Fit.save` (or ``MetaFit.save``).

    Raises
    ------
    HiermodelsError
        If the file does not exist or was not written by hiermodels.
    """
    idata, kind = read_idata(path)
    if kind == "meta":
        return meta_fit_from_idata(idata)
    attrs = idata.posterior.attrs
    spec = ModelSpec.from_json(attrs["hiermodels_spec"])
    data = dataset_to_data(getattr(idata, DATA_GROUP))
    model = Model(
        spec.formula,
        data,
        family=spec.family,
        link=spec.link,
        priors=spec.priors,
        parameterization=spec.parameterization,
        dropna=spec.dropna,
        residual=spec.residual,
        sigma=spec.sigma,
        zi=spec.zi,
        weights=spec.weights,
    )
    return Fit(
        model,
        idata,
        sampler=str(attrs.get("hiermodels_sampler", "")),
        wall_time=float(attrs.get("hiermodels_wall_time", np.nan)),
    )
