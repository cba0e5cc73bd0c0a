"""``hm.Model``: a multilevel model from an lme4/brms formula and a DataFrame."""

from __future__ import annotations

import time
import warnings
from functools import cached_property

import numpy as np
import pandas as pd

from hiermodels.data.design import make_design
from hiermodels.errors import DataError, HiermodelsError, HiermodelsWarning
from hiermodels.families import get_family
from hiermodels.model import names
from hiermodels.model.priors import resolve_priors
from hiermodels.model.residual import residual_structure
from hiermodels.spec.fit_settings import warn_single_chain
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
    family : str
        ``"gaussian"``, ``"bernoulli"``, ``"binomial"``, ``"poisson"``, ``"negbinomial"``,
        ``"student"``, ``"zero_inflated_poisson"`` ... (every name in
        ``hiermodels.families.FAMILIES``).
    link : str, optional
        ``"probit"`` for binary data; the canonical link otherwise.
    priors : dict, optional
        Overrides by class (``"Intercept"``, ``"b"``, ``"sd"``, ``"cor"``, ``"sigma"``,
        ``"phi"``) or parameter (``"Days"``, ``"sd(Subject, Days)"``); values are
        :class:`hiermodels.Prior` or text like ``"normal(0, 10)"``;
        ``{"sd": "boundary_avoiding"}`` for few clusters. See :mod:`hiermodels.spec.prior`.
    parameterization : {"auto", "noncentered", "centered", "collapsed"} or dict
        ``"auto"`` integrates the group effects out analytically for a Gaussian model
        with one grouping factor (the fast path); otherwise each grouping factor of a
        model whose group effects are sampled is centred when its clusters are informative (median pooling
        factor > 0.5 at a pilot fit, see :mod:`hiermodels.model.parameterization`) and
        non-centred when not. A string forces one choice for every
        factor, a dict ``{factor: "centered" | "noncentered"}`` per factor (the rest
        follow the rule). :attr:`factor_parameterization` shows the choice.
    dropna : bool
        Drop rows with missing values in used columns (warns with the count).
    residual : str, optional
        Gaussian models: correlation of the residuals within a unit, ``"ar1(unit)"`` (row
        order), ``"ar1(time | unit)"``, ``"car1(time | unit)"``, ``"cs(unit)"`` or
        ``"unstructured(time | unit)"``; posterior variables ``phi``, ``rho``,
        ``cor_residual``. See :mod:`hiermodels.model.residual`.
    sigma : str, optional
        ``"~ 0 + C(f)"``: one residual SD per level of ``f`` (nlme varIdent).
    zi : str, optional
        Zero-inflated / hurdle families: the formula of the logit of the zero-inflation
        (hurdle) probability, e.g. ``"~ spp + mined"`` (fixed effects only; default
        ``"~ 1"``, as brms). Its coefficients are the posterior variable ``b_zi``.
    weights : str, optional
        A column of positive observation weights: each row's log-likelihood is multiplied
        by its weight (brms ``weights()``; an integer weight k counts the row k times).
        Weighted Gaussian models sample the joint kernel (not the marginal/collapsed
        paths). LOO and ``log_likelihood`` stay *unweighted* pointwise log densities: they
        estimate the predictive density of a new row, not of a weighted one.

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
        residual: str | None = None,
        sigma: str | None = None,
        zi: str | None = None,
        weights: str | None = None,
    ):
        if priors is not None and not isinstance(priors, dict):
            raise HiermodelsError("priors must be a dict such as {'b': 'normal(0, 10)'}.")
        if not isinstance(dropna, bool | np.bool_):
            raise DataError(f"dropna must be True or False, got {dropna!r}.")
        self.family = get_family(family, link)
        self.spec = ModelSpec(
            formula=formula,
            family=self.family.name,
            link=self.family.link,
            priors={k: str(v) if isinstance(v, Prior) else v for k, v in (priors or {}).items()},
            parameterization=parameterization,
            dropna=dropna,
            residual=residual,
            sigma=sigma,
            zi=zi,
            weights=weights,
        )
        if zi is not None and self.family.second_predictor is None:
            raise HiermodelsError(
                f"zi= is for zero-inflated and hurdle families; family {self.family.name!r} has "
                "no zero-inflation. Use e.g. family='zero_inflated_poisson', or drop zi=."
            )
        if weights is not None and (residual is not None or sigma is not None):
            raise HiermodelsError(
                "weights= cannot be combined with residual= or sigma= (the residual-structure "
                "sampler has no observation weights); drop one of them."
            )
        if self.family.second_predictor is not None and zi is None:
            zi = "~ 1"
        self.design = make_design(
            formula,
            data,
            dropna=dropna,
            zi=zi,
            weights=weights,
            ordinal_response=self.family.prepare_response if self.family.ordinal else None,
        )
        self._check_names()
        self.family.validate(self.design.y, self.design.trials, self.design.response)
        self._announce_response()
        self._priors = resolve_priors(self.design, self.family, priors)
        self.residual = residual_structure(residual, sigma, self.family.name, self.design)
        if self.residual is not None:  # phi / rho / cor_residual / varIdent priors
            self._priors.table = self.residual.with_prior_rows(self._priors.table)
        self._check_parameterization()

    def _check_names(self) -> None:
        d = self.design
        if d.trials is not None and not self.family.needs_trials:
            raise DataError(
                f"trials() in the response is for family='binomial' (successes out of n), "
                f"but this model is {self.family.name}; use family='binomial' or drop "
                f"'| trials(...)' from the formula."
            )
        for dim in names.clashes(d, self.family.aux):
            raise DataError(
                f"The grouping factor {dim!r} has the name of a posterior variable or "
                f"dimension; rename the column, e.g. df.rename(columns={{{dim!r}: "
                f"'{dim}_id'}}), and use the new name in the formula."
            )

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
        return par == "auto" and self._collapsible() and not self._bounded_scale_priors()

    def _collapsible(self) -> bool:
        return (
            self.family.name == "gaussian"
            and len(self.design.groups) == 1
            and self.design.weights is None
        )

    def _bounded_scale_priors(self) -> bool:
        """Whether an SD or sigma prior is bounded (Uniform): the collapsed kernel lacks it."""
        pri = self._priors
        scales = [*pri.aux.values()] + [p for g in pri.sd.values() for p in g.values()]
        return any(p.support == "interval" for p in scales)

    @cached_property
    def _parameterization_choice(self):
        from hiermodels.model.parameterization import choose

        par = self.spec.parameterization
        if par == "auto" and self.family.name == "gaussian" and self.design.groups:
            from hiermodels.backends.marginal_sampler import uses_marginal

            if uses_marginal(self):  # fixed and group effects integrated out together
                choice, table = choose(self.design, self.family, "marginal", False)
                table["source"] = "marginal"
                return choice, table
        return choose(self.design, self.family, par, self.collapsed)

    @property
    def factor_parameterization(self) -> dict:
        """Per grouping factor: ``"centered"``, ``"noncentered"`` or ``"collapsed"``.

        With ``parameterization="auto"`` the data rule of
        :mod:`hiermodels.model.parameterization` decides (centred when a typical level's
        pooling factor exceeds 0.5); :attr:`parameterization_table` shows its evidence.
        """
        return dict(self._parameterization_choice[0])

    @property
    def parameterization_table(self) -> pd.DataFrame:
        """Per factor: the choice, who made it, the median pooling factor and pilot SDs."""
        return self._parameterization_choice[1].copy()

    def _check_parameterization(self) -> None:
        par = self.spec.parameterization
        if par == "collapsed" and self._collapsible() and self._bounded_scale_priors():
            raise HiermodelsError(
                "parameterization='collapsed' does not take a Uniform prior on an SD or sigma; "
                "use parameterization='auto' (the group effects are then sampled)."
            )
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
        """Parameterisation of the explicit PyMC graph: the kernel's per-factor choice
        (``auto`` resolved by the data rule; collapsed factors -> non-centred)."""
        par = self.spec.parameterization
        if par == "collapsed" or (par == "auto" and self.collapsed):
            return "noncentered"
        if par in ("centered", "noncentered"):
            return par
        choice = {
            k: "centered" if v == "centered" else "noncentered"
            for k, v in self.factor_parameterization.items()
        }
        if choice and len(set(choice.values())) == 1:
            return next(iter(choice.values()))
        return choice or "noncentered"

    @cached_property
    def pymc_model(self):
        """The explicit ``pm.Model`` (group effects as parameters), for inspection or extension."""
        from hiermodels.backends.pymc.graph import build_model

        return build_model(self.design, self.family, self._priors, self.graph_parameterization)

    # ------------------------------------------------------------------ text
    def describe(self) -> str:
        """The model in words and math."""
        from hiermodels.present.describe import describe_model

        text = describe_model(self)
        table = self.parameterization_table
        if not len(table) or set(table["choice"]) <= {"collapsed", "marginal"}:
            return text
        parts = []
        for f, row in table.iterrows():
            why = row["source"]
            if why == "rule":
                why = f"rule: median pooling factor {row['median_pooling']:.2f}"
            parts.append(f"{f} {row['choice']} ({why})")
        return text + "\n\nParameterisation per factor: " + "; ".join(parts)

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
        target_accept: float | None = None,
        progressbar: bool | None = None,
        cores: int | None = None,
        mass_matrix: str = "auto",
    ):
        """Sample the posterior with NUTS and return a :class:`hiermodels.Fit`.

        Parameters
        ----------
        draws, tune, chains : int
            Kept draws per chain, warm-up steps per chain, chains (run on all cores).
        seed : int, optional
            The same seed gives the same draws on the same machine.
        sampler : {"hiermodels", "nutpie", "pymc", "numpyro"}, optional
            ``"hiermodels"`` (the default) runs nutpie's NUTS on hiermodels' own cached
            numba log density: no graph compilation; it covers every family, link, prior
            and parameterisation hiermodels offers. The others sample :attr:`pymc_model`
            (for users who extend it; they say so on stderr, since compiling the PyMC
            graph takes ~20-60 s): nutpie (numba-compiled), PyMC in NUMBA mode, numpyro
            through JAX.
        target_accept : float, optional
            NUTS' target acceptance rate. Default 0.99 on the fully marginal Gaussian path
            (a few variance parameters: smaller steps cost almost nothing and remove the
            rare divergence in the small-SD tail with few clusters), 0.8 elsewhere. Raise
            toward 0.95-0.99 when there are divergences.
        progressbar : bool, optional
            Default: on in interactive use.
        cores : int, optional
            Chains run in parallel; default all cores (at most ``chains``).
        mass_matrix : {"auto", "diag", "low_rank"}
            NUTS' mass matrix (adapted in warm-up): ``"diag"`` scales each unconstrained
            parameter; ``"low_rank"`` (nutpie's low-rank modified mass matrix) also adapts to
            a few strongly correlated directions, e.g. an intercept against the mean of
            centred group effects, at extra cost per step. ``"auto"`` is the diagonal one
            on every path (measured in
            :func:`hiermodels.backends.sample.resolve_mass_matrix`); try ``"low_rank"`` when
            R-hat or ESS is poor for an intercept of a model with a few hundred group
            effects. Samplers ``"pymc"`` and ``"numpyro"`` and ``residual=`` models use the
            diagonal one.
        """
        from threadpoolctl import threadpool_limits

        from hiermodels.api.fit import Fit
        from hiermodels.backends.sample import check_settings

        check_settings(  # every setting checked before anything compiles or is announced
            draws,
            tune,
            chains,
            "nutpie" if sampler in (None, "hiermodels") else sampler,
            0.8 if target_accept is None else target_accept,
            cores,
            seed,
            progressbar,
            mass_matrix,
        )
        if mass_matrix == "low_rank" and self.residual is not None:
            raise HiermodelsError(
                "mass_matrix='low_rank' is not available for residual=/sigma= models (their "
                "sampler adapts a diagonal mass matrix). Leave mass_matrix at 'auto'."
            )
        warn_single_chain(int(chains))
        if sampler is None:
            sampler = self.default_sampler()
            if sampler != "hiermodels" and self.residual is None:
                warnings.warn(
                    "hiermodels' kernel does not cover this model; sampling the PyMC graph "
                    "with nutpie instead (compiling the PyMC graph: ~20-60 s).",
                    HiermodelsWarning,
                    stacklevel=2,
                )
        elif sampler != "hiermodels" and self.residual is None:
            import sys

            print(
                f"hiermodels: sampler={sampler!r} samples the PyMC graph (compiling the PyMC "
                "graph: ~20-60 s); the default sampler needs no compilation.",
                file=sys.stderr,
                flush=True,
            )
        start = time.perf_counter()
        if self.residual is not None:
            if sampler not in ("hiermodels", "nutpie"):
                raise HiermodelsError(
                    f"residual=/sigma= models run on hiermodels' own kernel; sampler={sampler!r} "
                    "is not available for them. Leave sampler unset."
                )
            from hiermodels.backends.residual_sampler import sample_residual

            idata = sample_residual(
                self,
                draws=draws,
                tune=tune,
                chains=chains,
                seed=seed,
                target_accept=0.8 if target_accept is None else target_accept,
                progressbar=progressbar,
                cores=cores,
            )
        elif sampler == "hiermodels":
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
                mass_matrix=mass_matrix,
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
                    target_accept=0.8 if target_accept is None else target_accept,
                    progressbar=progressbar,
                    cache_key=self._structure_key(),
                    data=self._data_arrays(),
                    mass_matrix=mass_matrix,
                )
        if sampler != "hiermodels" and self.residual is None and self.design.groups:
            import json

            gp = self.graph_parameterization
            idata.posterior.attrs["parameterization"] = json.dumps(
                {
                    g.name: gp.get(g.name, "noncentered") if isinstance(gp, dict) else gp
                    for g in self.design.groups
                }
            )
        fit = Fit(self, idata, sampler=sampler, wall_time=time.perf_counter() - start)
        # the checks work on small arrays: OpenBLAS' threads, woken for each tiny BLAS call
        # (the KDE's triangular solve), cost more than they save (~0.2 s on 2 cores)
        from hiermodels.derive.checks import AUTO_PPC_CELLS  # (xarray: not before sampling)

        with threadpool_limits(1):
            if self.design.n * draws * chains <= AUTO_PPC_CELLS:
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
            # level labels too: a compiled model carries its coordinates, so reusing it for
            # data with other labels would name the new levels with the old ones
            tuple((g.name, tuple(g.terms), tuple(map(str, g.levels))) for g in d.groups),
            d.n,
            self._priors.table["prior"].to_json(),
            str(self.graph_parameterization),
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

    def simulate(self, params=None, draws: int = 1, seed=None):
        """Simulate responses from this model at ``params`` or from its priors.

        lme4's ``simulate(newparams=)``: new group effects r ~ N(0, G) and responses
        y ~ p(y | eta) for every simulated data set, on this model's design.

        Parameters
        ----------
        params : dict, optional
            Values by table name: every fixed effect (``Intercept``, ``Days``), every
            ``sd(g, term)``, ``sigma``/``phi``; ``cor(g, a, b)`` default to 0. A value may
            be an array of length ``draws``. ``None``: draw all of them from the priors.
        draws : int
        seed : int or numpy.random.Generator, optional

        Returns
        -------
        hiermodels.derive.simulate.Simulation
            ``y`` (draws x rows), ``params`` (the true values, one row per data set),
            ``group_effects`` and ``data(i)`` (the data with simulated response ``i``).
        """
        from hiermodels.derive.simulate import simulate

        return simulate(self, params, draws, seed)
