"""``hm.Fit``: the results of fitting a :class:`hiermodels.Model`.

The Fit holds the model (spec, design, priors) and the ArviZ InferenceData; its
methods are thin: each delegates to a computational module (tables, diagnostics,
predict, shrinkage, variance, checks) and returns a DataFrame.

The InferenceData is built on first access to ``fit.idata``: a fit, its checks and its
summary read the same groups from ``fit.trace`` (:class:`hiermodels.backends.trace.Trace`)
without importing ArviZ, which costs 1-2 s in a fresh process.
"""

from __future__ import annotations

import warnings
from functools import cached_property

import numpy as np
import pandas as pd

from hiermodels.api.teaching import TeachingMethods
from hiermodels.api.verbs import FitVerbs
from hiermodels.backends.sample import register_import_hook
from hiermodels.derive import tables
from hiermodels.errors import HiermodelsWarning
from hiermodels.model import names


def import_fit_checks() -> None:
    """Import the modules of the checks every fit runs (:meth:`Fit.warn_if_problems`).

    Registered with :func:`hiermodels.backends.sample.register_import_hook`, so a fresh
    process imports them while nutpie samples instead of after the draws (~0.03 s, more
    where Python compiles the sources: no cached bytecode).
    """
    from hiermodels.derive import adequacy, checks, convergence, diagnostics, kde  # noqa: F401


register_import_hook(import_fit_checks)


class Fit(FitVerbs, TeachingMethods):
    """Posterior draws of a multilevel model and the questions you can ask of them.

    Interpretation verbs (from :class:`hiermodels.api.verbs.FitVerbs`): ``predictions``,
    ``comparisons``, ``slopes``, ``emmeans``, ``contrasts``, ``hypothesis``,
    ``conditional_effects``, ``kfold``, ``draws``, ``update``; teaching methods (from
    :class:`hiermodels.api.teaching.TeachingMethods`): ``rank``, ``funnel``,
    ``within_between``, ``fe_vs_re``, ``centering``, ``re_qq``, ``se_comparison``,
    ``compare_ml``, ``compare_gee``; every plot of
    :mod:`hiermodels.plots` is a method of ``fit.plot`` (``fit.plot.caterpillar(...)``).

    Attributes
    ----------
    model : hiermodels.Model
    idata : arviz.InferenceData
        Groups ``posterior``, ``sample_stats`` and ``observed_data``; the posterior holds
        ``Intercept``, ``b`` (dim ``coef``), ``sd_<factor>``, ``cor_<factor>``,
        ``r_<factor>`` (levels x terms), ``sigma``/``phi``. Built on first access.
    trace : hiermodels.backends.trace.Trace
        The same groups, readable without building the InferenceData (``trace.posterior``,
        ``trace.groups()``, ``trace.add_groups``); once ``idata`` exists, a view of it.
    sampler : str
    wall_time : float
        Seconds from the call to ``fit`` to the returned draws (compilation included).
    """

    def __init__(self, model, idata, sampler: str = "", wall_time: float = float("nan")):
        self.model = model
        self.idata = idata  # an InferenceData or a Trace (the kernel samplers')
        self.sampler = sampler
        self.wall_time = wall_time
        self._attach_observed()

    @property
    def idata(self):
        """The ``arviz.InferenceData`` (built from :attr:`trace` on first access)."""
        return self.trace.to_arviz()

    @idata.setter
    def idata(self, value) -> None:
        from hiermodels.backends.trace import Trace

        self.trace = Trace.of(value)

    def _attach_observed(self) -> None:
        import xarray as xr

        if "observed_data" in self.trace.groups():
            return
        from hiermodels.model.names import response_name

        d = self.model.design
        ds = xr.Dataset({response_name(d): ("obs", d.y)}, coords={"obs": np.arange(d.n)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.trace.add_groups(observed_data=ds)

    # ------------------------------------------------------------------ basics
    @property
    def posterior(self):
        return self.trace.posterior

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
        return self._diagnose()

    def _diagnose(self) -> dict:
        from hiermodels.derive.diagnostics import diagnose

        params = self.parameter_names
        if self.posterior.attrs.get("collapsed"):
            # Group effects of a collapsed fit are exact draws from their conditional given
            # each hyperparameter draw: they converge when the hyperparameters do, so checking
            # them adds nothing (and costs minutes for 10,000 groups).
            effects = {names.effects(g) for g in self.design.groups}
            params = [n for n in params if n not in effects]
        out = diagnose(self.trace, params)
        if self.design.groups:  # the Bayesian analogue of lme4's singular fit, with advice
            from hiermodels.derive.diagnostics import small_cluster_checks

            small = small_cluster_checks(self, psense=False)  # psense: fit.prior_posterior()
            out["warnings"] = out["warnings"] + small["warnings"]
            out["small_clusters"] = small["table"]
            if small["warnings"] and out["verdict"] == "ok":
                out["verdict"] = "check"
        # the verdict also covers model adequacy: failed residual checks, with advice
        out["adequacy"], adequacy = self._adequacy()
        out["warnings"] = out["warnings"] + adequacy
        if adequacy and out["verdict"] == "ok":
            out["verdict"] = "check"
        return out

    def _adequacy(self) -> tuple:
        from hiermodels.derive.adequacy import adequacy_checks

        try:
            res = adequacy_checks(self)
        except Exception as err:  # shown, never swallowed: the verdict cannot be "ok"
            what = f"{type(err).__name__}: {err}"
            return None, [f"Model checks (quantile residuals) could not be run: {what}."]
        return res["table"], res["warnings"]

    def diagnostics(self) -> dict:
        """Divergences, max R-hat, min bulk/tail ESS, E-BFMI, a ``verdict`` and ``warnings``."""
        from hiermodels.present.display_results import Diagnostics

        d = Diagnostics(self._diagnostics)  # a dict that prints as a few lines
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
        from hiermodels.present.display_results import PredictionView

        return PredictionView.of(predict(self, newdata, kind, groups, seed, max_draws))

    def category_probabilities(self, newdata=None, groups="fitted", seed=None, max_draws=None):
        """P(y = k) per draw, row and category of an ordinal (``cumulative``) fit; see
        :mod:`hiermodels.derive.category_probs`.

        Returns
        -------
        hiermodels.derive.category_probs.CategoryProbabilities
            ``.draws`` (draws x rows x K), ``.summary()`` (per row and category),
            ``.to_frame()`` (posterior-mean probability columns ``P(<category>)``).
        """
        from hiermodels.derive.category_probs import category_probabilities

        return category_probabilities(self, newdata, groups, seed, max_draws)

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
        """PSIS-LOO cross-validation (ArviZ), observation-level.

        Warns when Pareto k > 0.7 (common on clustered data) and points to
        :meth:`kfold` (grouped, leave-clusters-out cross-validation).
        """
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
        from hiermodels.persist.atomic import atomic_write
        from hiermodels.present.report import write_report

        # atomic: a failing report never leaves a half-written file in place of a good one
        return atomic_write(
            path, lambda tmp: write_report(self, tmp, title=title, citation=citation)
        )

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

    def within_covariance(
        self, group: str | None = None, x=None, term=None, prob=None, unit=None
    ) -> pd.DataFrame:
        """Cov(y_it, y_it') = tau0² + (t + t') tau01 + t t' tau1² and the correlation.

        With a residual structure (``residual=``/``sigma=``), no ``group``, or a random
        intercept only: the model-implied covariance of every pair of rows of one ``unit``
        (default: the largest), random effects plus residual structure (a random intercept
        alone gives compound symmetry).

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.variance.within_covariance` and
            :func:`hiermodels.derive.residual_cov.within_covariance`.
        """
        factors = {g.name for g in self.design.groups}
        intercept_only = group in factors and self.design.group(group).q == 1
        if self.model.residual is not None or group is None or intercept_only:
            from hiermodels.derive.residual_cov import within_covariance as unit_covariance

            return unit_covariance(self, unit, prob)  # `unit`: one unit's label (default: largest)
        from hiermodels.derive.variance import within_covariance

        return within_covariance(self, group, x, term, prob)

    def residual_acf(self, max_lag: int = 10, max_draws: int = 200, prob=None) -> pd.DataFrame:
        """Autocorrelation of the within-unit residuals by lag, raw and normalised.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.residual_acf.residual_acf`;
            ``fit.plot.residual_acf()`` draws it.
        """
        from hiermodels.derive.residual_acf import residual_acf

        return residual_acf(self, max_lag, max_draws, prob)

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
        from hiermodels.present.display_results import ResidualChecks

        return ResidualChecks.of(quantile_residuals(self, seed, groups, max_draws))

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

    def compare_reml(self, prob=None, df: bool = False) -> pd.DataFrame:
        """REML estimates (statsmodels) beside the posterior, boundary values flagged.

        ``df=True`` adds REML standard errors with Satterthwaite degrees of freedom, t and
        p for the fixed effects (as lmerTest; one grouping factor).

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.reml.compare_reml` and
            :func:`hiermodels.derive.satterthwaite.compare_reml_df`.
        """
        if self.model.residual is not None:  # nlme-style REML of the residual structure
            from hiermodels.derive.residual_reml import compare_reml as residual_reml

            return residual_reml(self, prob)
        if df:
            from hiermodels.derive.satterthwaite import compare_reml_df

            return compare_reml_df(self, prob)
        from hiermodels.derive.reml import compare_reml

        return compare_reml(self, prob)
