"""``hm.Fit``: the results of fitting a :class:`hiermodels.Model`.

The Fit holds the model (spec, design, priors) and the ArviZ InferenceData; its
methods are thin: each delegates to a computational module (tables, diagnostics,
predict, shrinkage, variance, checks) and returns a DataFrame.
"""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np
import pandas as pd

from . import tables
from .errors import HiermodelsWarning


class Fit:
    """Posterior draws of a multilevel model and the questions you can ask of them.

    Attributes
    ----------
    model : hiermodels.Model
    idata : arviz.InferenceData
        Groups ``posterior``, ``sample_stats`` and ``observed_data``; the posterior holds
        ``Intercept``, ``b`` (dim ``coef``), ``sd_<factor>``, ``cor_<factor>``,
        ``r_<factor>`` (levels x terms), ``sigma``/``phi``.
    sampler : str
    wall_time : float
        Seconds from the call to ``fit`` to the returned draws (compilation included).
    """

    def __init__(self, model, idata, sampler: str = "", wall_time: float = float("nan")):
        self.model = model
        self.idata = idata
        self.sampler = sampler
        self.wall_time = wall_time
        self._attach_observed()

    def _attach_observed(self) -> None:
        import xarray as xr

        if "observed_data" in self.idata.groups():
            return
        from .build import response_name

        d = self.model.design
        ds = xr.Dataset({response_name(d): ("obs", d.y)}, coords={"obs": np.arange(d.n)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.idata.add_groups(observed_data=ds)

    # ------------------------------------------------------------------ basics
    @property
    def posterior(self):
        return self.idata.posterior

    @property
    def design(self):
        return self.model.design

    @property
    def family(self):
        return self.model.family

    @property
    def parameter_names(self) -> list[str]:
        """Posterior variables that are model parameters (not derived per-row values)."""
        names = ["Intercept", "b", *self.family.aux]
        for g in self.design.groups:
            names += [f"sd_{g.dim}", f"cor_{g.dim}", f"r_{g.dim}"]
        return [n for n in names if n in self.posterior]

    def summary(self, prob: float | None = None) -> pd.DataFrame:
        """One row per parameter (fixed effects, SDs, correlations, sigma/phi)."""
        return tables.summary(self.posterior, self.design, self.family, prob)

    def fixed_effects(self, prob: float | None = None) -> pd.DataFrame:
        """Population-level coefficients, indexed by formula term (``Intercept``, ``Days``...)."""
        return tables.fixed_effects(self.posterior, self.design, prob)

    def varcorr(self, prob: float | None = None) -> pd.DataFrame:
        """lme4's VarCorr: ``sd(g, term)``, ``cor(g, t1, t2)`` and ``sigma`` (posterior)."""
        return tables.varcorr(self.posterior, self.design, self.family, prob)

    def group_effects(self, group: str, prob: float | None = None) -> pd.DataFrame:
        """Per level and term of ``group``: the deviation and the total coefficient."""
        return tables.group_effects(self.posterior, self.design, group, prob)

    # ------------------------------------------------------------------ diagnostics
    @cached_property
    def _diagnostics(self) -> dict:
        from .diagnostics import diagnose

        names = self.parameter_names
        if self.posterior.attrs.get("collapsed"):
            # Group effects of a collapsed fit are exact draws from their conditional given
            # each hyperparameter draw: they converge when the hyperparameters do, so checking
            # them adds nothing (and costs minutes for 10,000 groups).
            names = [n for n in names if not n.startswith("r_")]
        return diagnose(self.idata, names)

    def diagnostics(self) -> dict:
        """Divergences, max R-hat, min bulk/tail ESS, E-BFMI, a ``verdict`` and ``warnings``."""
        d = dict(self._diagnostics)
        d["warnings"] = list(d["warnings"])
        return d

    def warn_if_problems(self) -> None:
        """Emit one :class:`HiermodelsWarning` per diagnostic problem, with advice."""
        for msg in self._diagnostics["warnings"]:
            warnings.warn(msg, HiermodelsWarning, stacklevel=3)

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Write draws, model spec and data to one netCDF file (``hm.load`` reads it)."""
        from .io import save_fit

        save_fit(self, path)

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        from .display import fit_text

        return fit_text(self)

    def _repr_html_(self) -> str:
        from .display import fit_html

        return fit_html(self)
