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

from hiermodels.derive import tables
from hiermodels.errors import HiermodelsWarning
from hiermodels.model import names


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
        from hiermodels.model.names import response_name

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
        return [n for n in names.parameters(self.design, self.family.aux) if n in self.posterior]

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
        from hiermodels.derive.diagnostics import diagnose

        params = self.parameter_names
        if self.posterior.attrs.get("collapsed"):
            # Group effects of a collapsed fit are exact draws from their conditional given
            # each hyperparameter draw: they converge when the hyperparameters do, so checking
            # them adds nothing (and costs minutes for 10,000 groups).
            effects = {names.effects(g) for g in self.design.groups}
            params = [n for n in params if n not in effects]
        out = diagnose(self.idata, params)
        if self.design.groups:  # the Bayesian analogue of lme4's singular fit, with advice
            from hiermodels.derive.diagnostics import small_cluster_checks

            small = small_cluster_checks(self, psense=False)  # psense: fit.prior_posterior()
            out["warnings"] = out["warnings"] + small["warnings"]
            out["small_clusters"] = small["table"]
            if small["warnings"] and out["verdict"] == "ok":
                out["verdict"] = "check"
        return out

    def diagnostics(self) -> dict:
        """Divergences, max R-hat, min bulk/tail ESS, E-BFMI, a ``verdict`` and ``warnings``."""
        d = dict(self._diagnostics)
        d["warnings"] = list(d["warnings"])
        return d

    def warn_if_problems(self) -> None:
        """Emit one :class:`HiermodelsWarning` per diagnostic problem, with advice."""
        for msg in self._diagnostics["warnings"]:
            warnings.warn(msg, HiermodelsWarning, stacklevel=3)

    # ------------------------------------------------------------------ predictions
    def predict(self, newdata=None, kind: str = "mean", groups="fitted", seed=None, max_draws=None):
        """Posterior predictions; see :mod:`hiermodels.derive.predict` for ``groups``.

        Parameters
        ----------
        newdata : DataFrame, optional
            Rows to predict for (default: the fitted rows).
        kind : {"mean", "link", "response"}
        groups : {"fitted", "typical", "population", "new"} or dict factor -> mode
            Whose group effects: the fitted clusters', zero (a typical cluster:
            conditional), averaged over the population (population-averaged), or a new
            cluster drawn from the population.

        Returns
        -------
        hiermodels.predict.Prediction
            ``.draws`` (draws x rows), ``.summary()``, ``.to_frame()``.
        """
        from hiermodels.derive.predict import predict

        return predict(self, newdata, kind, groups, seed, max_draws)

    def effects(self, prob: float | None = None) -> pd.DataFrame:
        """Conditional vs population-averaged effects (odds/rate ratios), side by side."""
        from hiermodels.derive.effects import effects_table

        return effects_table(self, prob)

    def posterior_predictive(self, seed=None, max_draws=None):
        """Replicated data for every draw, attached as ``idata.posterior_predictive``."""
        from hiermodels.derive.checks import posterior_predictive

        return posterior_predictive(self, seed, max_draws)

    def log_likelihood(self, max_draws=None):
        """Pointwise log-likelihood, attached as ``idata.log_likelihood``."""
        from hiermodels.derive.checks import log_likelihood

        return log_likelihood(self, max_draws)

    def loo(self, pointwise: bool = False):
        """PSIS-LOO cross-validation (ArviZ), observation-level."""
        from hiermodels.derive.checks import loo

        return loo(self, pointwise)

    # ------------------------------------------------------------------ persistence
    def save(self, path) -> None:
        """Write draws, model spec and data to one netCDF file (``hm.load`` reads it)."""
        from hiermodels.persist.netcdf import save_fit

        save_fit(self, path)

    def report(self, path, title: str | None = None, citation: str | None = None):
        """Write one self-contained HTML report (see :func:`hiermodels.present.report.write_report`).

        Parameters
        ----------
        path : str or Path
        title : str, optional
            Default: the spec's title, else the formula.
        citation : str, optional
            The data's citation (default: the bundled dataset's, when known).

        Returns
        -------
        pathlib.Path
        """
        from hiermodels.present.report import write_report

        return write_report(self, path, title=title, citation=citation)

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        from hiermodels.present.display import fit_text

        return fit_text(self)

    def _repr_html_(self) -> str:
        from hiermodels.present.display import fit_html

        return fit_html(self)

    # ---- explanation (shrinkage, variance, checks)
    def shrinkage(self, group: str, term="Intercept", prob=None, scale: str = "link"):
        """Per level: n, no-, complete- and partial-pooling estimates, pooling factor.

        Parameters
        ----------
        group : str
        term : str or sequence of str
            One term of the factor, or several (e.g. intercept and slope) jointly.
        prob : float, optional
        scale : {"link", "response"}

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.shrinkage.shrinkage` for the columns and formulas.
        """
        from hiermodels.derive.shrinkage import shrinkage

        return shrinkage(self, group, term, prob, scale)

    def pooling_lines(self, group: str, x: str, levels=None) -> pd.DataFrame:
        """Per-cluster lines in ``x`` under complete, no and partial pooling.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.shrinkage.pooling_lines`.
        """
        from hiermodels.derive.shrinkage import pooling_lines

        return pooling_lines(self, group, x, levels)

    def variance_decomposition(self, prob=None, include_fixed: bool = False) -> pd.DataFrame:
        """Share of each variance component (VPC) with its interval.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.variance.variance_decomposition`.
        """
        from hiermodels.derive.variance import variance_decomposition

        return variance_decomposition(self, prob, include_fixed)

    def icc(self, prob=None) -> pd.DataFrame:
        """ICC per factor, adjusted and conditional (Nakagawa et al. 2017); fractions.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.variance.icc`.
        """
        from hiermodels.derive.variance import icc

        return icc(self, prob)

    def r2(self, prob=None) -> pd.DataFrame:
        """Marginal and conditional R² (Nakagawa) and Bayesian R² (Gelman et al. 2019).

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.variance.r2`.
        """
        from hiermodels.derive.variance import r2

        return r2(self, prob)

    def design_effect(self, prob=None) -> pd.DataFrame:
        """Design effect 1 + ((CV² + 1) m - 1) ICC and effective sample size per factor.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.variance.design_effect`.
        """
        from hiermodels.derive.variance import design_effect

        return design_effect(self, prob)

    def variance_function(self, group: str, term=None, x=None, prob=None) -> pd.DataFrame:
        """Between-cluster variance tau0² + 2 tau01 x + tau1² x² over x (fan-in / fan-out).

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.variance.variance_function`.
        """
        from hiermodels.derive.variance import variance_function

        return variance_function(self, group, term, x, prob)

    def within_covariance(self, group: str, x=None, term=None, prob=None) -> pd.DataFrame:
        """Cov(y_it, y_it') = tau0² + (t + t') tau01 + t t' tau1² and the correlation.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.variance.within_covariance`.
        """
        from hiermodels.derive.variance import within_covariance

        return within_covariance(self, group, x, term, prob)

    def ppc(self, stats=None, group=None, prob=None, seed=None) -> pd.DataFrame:
        """Posterior-predictive test statistics with Bayesian p-values.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.checks.ppc_statistics`.
        """
        from hiermodels.derive.checks import ppc_statistics

        return ppc_statistics(self, stats, group, prob, seed)

    def residuals(self, seed=None, groups: str = "fitted", max_draws: int = 1000):
        """Simulation-based scaled quantile residuals (DHARMa) and their tests.

        Returns
        -------
        hiermodels.residuals.QuantileResiduals
            ``.to_frame()``, ``.tests()``, ``.by_group(group)``.
        """
        from hiermodels.derive.residuals import quantile_residuals

        return quantile_residuals(self, seed, groups, max_draws)

    def prior_posterior(self, prob=None) -> pd.DataFrame:
        """Each group SD's prior vs posterior: overlap, contraction, sensitivity.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.diagnostics.prior_posterior`.
        """
        from hiermodels.derive.diagnostics import prior_posterior

        return prior_posterior(self, prob)

    def small_cluster_checks(self, prob=None) -> dict:
        """Boundary (singular-fit) and prior-dominance checks with advice.

        Returns
        -------
        dict
            ``table`` and ``warnings``; see :func:`hiermodels.derive.diagnostics.small_cluster_checks`.
        """
        from hiermodels.derive.diagnostics import small_cluster_checks

        return small_cluster_checks(self, prob)

    def compare_reml(self, prob=None) -> pd.DataFrame:
        """REML estimates (statsmodels) beside the posterior, boundary values flagged.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.reml.compare_reml`.
        """
        from hiermodels.derive.reml import compare_reml

        return compare_reml(self, prob)
