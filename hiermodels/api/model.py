"""``hm.Model``: a multilevel model from an lme4/brms formula and a DataFrame."""

from __future__ import annotations

import time
import warnings
from functools import cached_property

import numpy as np
import pandas as pd

from hiermodels.data.design import make_design
from hiermodels.derive import checks
from hiermodels.errors import HiermodelsError, HiermodelsWarning
from hiermodels.families import get_family
from hiermodels.model.priors import resolve_priors
from hiermodels.spec.model_spec import ModelSpec
from hiermodels.spec.prior import Prior

#: Attach posterior-predictive draws at fit time when rows x draws is at most this.


class Model:
    r"""A Bayesian multilevel (mixed-effects) model.

    Parameters
    ----------
    formula : str
        lme4/brms syntax: ``y ~ x + (x | g)`` correlated intercept and slope,
        ``(x || g)`` uncorrelated, ``(1 | a/b)`` nested, ``(1 | a) + (1 | b)`` crossed,
        ``0 +`` / ``- 1`` no intercept, ``C(f)`` / categorical columns, interactions
        ``x:f`` and ``x*f``, ``offset(log(t))``, and for binomial data
        ``successes | trials(n) ~ ...``. Allowed functions: log, log1p, exp, sqrt,
        abs, center, scale, standardize, C and their ``np.`` forms; nothing else runs.
    data : pandas.DataFrame
    family : {"gaussian", "bernoulli", "binomial", "poisson", "negbinomial"}
    link : str, optional
        ``"probit"`` for binary data; the canonical link otherwise.
    priors : dict, optional
        Overrides by class (``"Intercept"``, ``"b"``, ``"sd"``, ``"cor"``, ``"sigma"``,
        ``"phi"``) or parameter (``"Days"``, ``"sd(Subject, Days)"``); values are
        :class:`hiermodels.Prior` or text like ``"normal(0, 10)"``;
        ``{"sd": "boundary_avoiding"}`` for few clusters. See :mod:`hiermodels.spec.prior`.
    parameterization : {"auto", "noncentered", "centered", "collapsed"} or dict
        ``"auto"`` integrates the group effects out analytically for a Gaussian model
        with one grouping factor (the fast path) and is non-centred otherwise.
    dropna : bool
        Drop rows with missing values in used columns (warns with the count).

    Examples
    --------
    >>> import hiermodels as hm
    >>> df = hm.datasets.load("sleepstudy")
    >>> model = hm.Model("Reaction ~ Days + (Days | Subject)", df)
    >>> fit = model.fit(seed=1)                                 # doctest: +SKIP
    >>> fit.fixed_effects()                                     # doctest: +SKIP
    """

    def __init__(
        self,
        formula: str,
        data: pd.DataFrame,
        family: str = "gaussian",
        link: str | None = None,
        priors: dict | None = None,
        parameterization="auto",
        dropna: bool = False,
    ):
        if priors is not None and not isinstance(priors, dict):
            raise HiermodelsError("priors must be a dict such as {'b': 'normal(0, 10)'}.")
        self.family = get_family(family, link)
        self.spec = ModelSpec(
            formula=formula,
            family=self.family.name,
            link=self.family.link,
            priors={k: str(v) if isinstance(v, Prior) else v for k, v in (priors or {}).items()},
            parameterization=parameterization,
            dropna=dropna,
        )
        self.design = make_design(formula, data, dropna=dropna)
        self.family.validate(self.design.y, self.design.trials, self.design.response)
        self._announce_response()
        self._priors = resolve_priors(self.design, self.family, priors)
        self._check_parameterization()

    def _announce_response(self) -> None:
        d, fam = self.design, self.family
        if d.response_levels is not None:
            lo, hi = d.response_levels
            if fam.name != "bernoulli":
                raise HiermodelsError(
                    f"The response {d.response!r} has two levels ({lo!r}, {hi!r}); model it "
                    "with family='bernoulli', or convert it to numbers."
                )
            what = (
                "True is coded 1, False 0"
                if isinstance(hi, bool | np.bool_)
                else (f"{d.response!r} = {hi!r} is coded 1 and {lo!r} 0")
            )
            warnings.warn(
                f"Bernoulli response: {what} (the model is for P(1)).",
                HiermodelsWarning,
                stacklevel=3,
            )
        if fam.discrete and not np.any(d.y):
            warnings.warn(
                f"The response {d.response!r} is all zero: the intercept will run toward minus "
                "infinity and only the prior keeps it finite. Check the data.",
                HiermodelsWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ properties
    @property
    def formula(self) -> str:
        return self.spec.formula

    @property
    def data(self) -> pd.DataFrame:
        """The rows used (after ``dropna``), as given."""
        return self.design.data

    @property
    def priors(self) -> pd.DataFrame:
        """Every parameter's prior, its numbers, and where its scale came from."""
        return self._priors.table.copy()

    @property
    def collapsed(self) -> bool:
        """Whether the group effects are integrated out analytically when sampling."""
        par = self.spec.parameterization
        if par == "collapsed":
            return True
        return par == "auto" and self._collapsible()

    def _collapsible(self) -> bool:
        return self.family.name == "gaussian" and len(self.design.groups) == 1

    def _check_parameterization(self) -> None:
        par = self.spec.parameterization
        if par == "collapsed" and not self._collapsible():
            raise HiermodelsError(
                "parameterization='collapsed' needs a Gaussian model with exactly one grouping "
                f"factor; this one is {self.family.name} with "
                f"{len(self.design.groups)} factors. Use 'noncentered' or 'centered'."
            )
        if isinstance(par, dict):
            names = {g.name for g in self.design.groups}
            unknown = set(par) - names
            if unknown:
                raise HiermodelsError(
                    f"parameterization names unknown factors {sorted(unknown)}; factors: {sorted(names)}."
                )

    @property
    def graph_parameterization(self):
        """Parameterisation of the explicit PyMC graph (collapsed and auto -> non-centred)."""
        par = self.spec.parameterization
        return "noncentered" if par in ("auto", "collapsed") else par

    @cached_property
    def pymc_model(self):
        """The explicit ``pm.Model`` (group effects as parameters), for inspection or extension."""
        from hiermodels.backends.pymc.graph import build_model

        return build_model(self.design, self.family, self._priors, self.graph_parameterization)

    # ------------------------------------------------------------------ text
    def describe(self) -> str:
        """The model in words and math."""
        from hiermodels.present.describe import describe_model

        return describe_model(self)

    def __repr__(self) -> str:
        return self.describe()

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(self.describe())}</pre>" + self.priors.to_html()

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        seed: int | None = None,
        sampler: str | None = None,
        target_accept: float = 0.8,
        progressbar: bool | None = None,
        cores: int | None = None,
    ):
        """Sample the posterior with NUTS and return a :class:`hiermodels.Fit`.

        Parameters
        ----------
        draws, tune, chains : int
            Kept draws per chain, warm-up steps per chain, chains (run on all cores).
        seed : int, optional
            The same seed gives the same draws on the same machine.
        sampler : {"hiermodels", "nutpie", "pymc", "numpyro"}, optional
            ``"hiermodels"`` (default where it applies) runs nutpie's NUTS on hiermodels'
            own cached numba log density: no graph compilation. The others sample
            :attr:`pymc_model` (nutpie: numba-compiled, ~10-40 s to compile; PyMC in
            NUMBA mode; numpyro through JAX).
        target_accept : float
            Raise toward 0.95-0.99 when there are divergences.
        progressbar : bool, optional
            Default: on in interactive use.
        """
        from hiermodels.api.fit import Fit
        from hiermodels.backends.sample import check_settings

        sampler = self.default_sampler() if sampler is None else sampler
        check_settings(
            draws, tune, chains, "nutpie" if sampler == "hiermodels" else sampler, target_accept
        )
        start = time.perf_counter()
        if sampler == "hiermodels":
            from hiermodels.backends.compile_cache import announce_compile

            announce_compile()  # one line before a cold-cache compile (before the import)
            from hiermodels.backends.kernel_sampler import sample_kernel

            idata = sample_kernel(
                self,
                draws=draws,
                tune=tune,
                chains=chains,
                seed=seed,
                target_accept=target_accept,
                progressbar=progressbar,
                cores=cores,
            )
        else:
            from hiermodels.backends.sample import sample_pymc

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                idata = sample_pymc(
                    self.pymc_model,
                    draws=draws,
                    tune=tune,
                    chains=chains,
                    cores=cores,
                    seed=seed,
                    sampler=sampler,
                    target_accept=target_accept,
                    progressbar=progressbar,
                    cache_key=self._structure_key(),
                    data=self._data_arrays(),
                )
        fit = Fit(self, idata, sampler=sampler, wall_time=time.perf_counter() - start)
        if self.design.n * draws * chains <= checks.AUTO_PPC_CELLS:
            fit.posterior_predictive(seed=None if seed is None else [int(seed), 11])
        fit.warn_if_problems()
        return fit

    def default_sampler(self) -> str:
        """``"hiermodels"`` when its kernel covers the model, else ``"nutpie"``."""
        from hiermodels.backends.kernels import supports

        return "hiermodels" if supports(self) else "nutpie"

    def _data_arrays(self) -> dict:
        from hiermodels.backends.pymc.graph import data_arrays

        return data_arrays(self.design)

    def _structure_key(self):
        d = self.design
        return (
            self.spec.to_json(),
            tuple(d.fixed_names),
            tuple((g.name, tuple(g.terms), g.n_levels) for g in d.groups),
            d.n,
            self._priors.table["prior"].to_json(),
        )

    # ---- explanation (shrinkage, variance, checks)
    def prior_predictive(self, draws: int = 500, seed=None):
        """Parameters and responses simulated from the priors (NumPy, no compilation).

        Parameters
        ----------
        draws : int
        seed : int, optional

        Returns
        -------
        arviz.InferenceData
            Groups ``prior``, ``prior_predictive`` and ``observed_data``; see
            :func:`hiermodels.derive.checks.prior_predictive`.
        """
        from hiermodels.derive.checks import prior_predictive

        return prior_predictive(self, draws, seed)
