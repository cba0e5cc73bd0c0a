"""``MetaFit``: posterior draws of a meta-analysis and the tables people ask of them."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from hiermodels.derive.summaries import summarize
from hiermodels.errors import HiermodelsError, HiermodelsWarning
from hiermodels.meta.collapsed import draw_theta
from hiermodels.meta.design import new_design
from hiermodels.options import resolve_prob

_COLS = ["mean", "sd", "lower", "upper"]


class MetaFit:
    """A fitted :class:`~hiermodels.meta.MetaAnalysis`.

    Attributes
    ----------
    idata : arviz.InferenceData
        ``posterior``: ``mu`` (or ``beta`` with dim ``term``), ``tau`` (random-effects
        model) and ``theta`` (dim named after the study column): the study's true effects,
        drawn exactly from their Gaussian conditional for every posterior draw.
        ``sample_stats``, ``observed_data`` (``y``) and ``constant_data`` (``vi``).
    spec : MetaAnalysis
    sampling_time : float
        Wall time of sampling in seconds.
    """

    def __init__(self, spec, gamma, tau, sample_stats, settings, elapsed, backend):
        import arviz as az
        import xarray as xr

        self.spec = spec
        self.settings = dict(settings)
        self.seed = settings["seed"]
        self.sampling_time = float(elapsed)
        self.backend = backend
        self._beta = gamma @ spec.T.T  # (chain, draw, p)
        self._tau = np.asarray(tau, dtype=float)
        linpred = gamma @ spec.Xc.T
        rng = self._rng(1)
        theta = draw_theta(spec.y, spec.v, linpred, self._tau, rng)
        chain, draw = self._tau.shape
        cd = {"chain": np.arange(chain), "draw": np.arange(draw)}
        dim = spec.study_dim
        post = {}
        if spec.has_moderators:
            post["beta"] = xr.DataArray(
                self._beta, dims=("chain", "draw", "term"), coords={**cd, "term": spec.terms}
            )
        else:
            post["mu"] = xr.DataArray(self._beta[..., 0], dims=("chain", "draw"), coords=cd)
        if spec.tau_prior is not None:
            post["tau"] = xr.DataArray(self._tau, dims=("chain", "draw"), coords=cd)
        post["theta"] = xr.DataArray(
            theta, dims=("chain", "draw", dim), coords={**cd, dim: spec.labels}
        )
        self.idata = az.InferenceData(
            posterior=xr.Dataset(post),
            sample_stats=sample_stats,
            observed_data=xr.Dataset({"y": ((dim,), spec.y)}, coords={dim: spec.labels}),
            constant_data=xr.Dataset({"vi": ((dim,), spec.v)}, coords={dim: spec.labels}),
        )
        self._warn_diagnostics()

    def _rng(self, stream: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(stream,)))

    # draws -------------------------------------------------------------------------------
    def _param_draws(self) -> dict[str, np.ndarray]:
        out = {term: self._beta[..., j] for j, term in enumerate(self.spec.terms)}
        t2 = self._tau**2
        s2 = self.spec.s2
        out.update(tau=self._tau, tau2=t2, I2=t2 / (t2 + s2), H2=(t2 + s2) / s2)
        return out

    # tables ------------------------------------------------------------------------------
    def summary(self, prob: float | None = None) -> pd.DataFrame:
        """Posterior of the coefficients (``mu`` or the moderator terms), ``tau``, ``tau2``,
        ``I2`` = tau^2 / (tau^2 + s^2) (fraction) and ``H2`` = (tau^2 + s^2) / s^2, with s^2
        the typical within-study variance (Higgins & Thompson 2002; metafor's (k-p)/tr(P)).
        """
        return summarize(self._param_draws(), prob)

    def prediction_interval(self, prob: float | None = None, newmods=None) -> pd.DataFrame:
        """Posterior predictive of a new study's true effect theta_new ~ N(x'beta, tau^2).

        Columns ``mean, sd, lower, upper`` describe theta_new; ``fitted_mean,
        fitted_lower, fitted_upper`` the average effect x'beta at the same moderators.
        Index ``"theta_new"`` without moderators; with moderators one row per study
        (its moderator values) or per row of ``newmods`` (a DataFrame of moderators).
        """
        prob = resolve_prob(prob)
        spec = self.spec
        if not spec.has_moderators:
            X_new, index = np.ones((1, 1)), ["theta_new"]
        elif newmods is None:
            X_new, index = spec.X, pd.Index(spec.labels, name=spec.study_dim)
        else:
            X_new = new_design(spec._design, spec.terms, newmods)
            index = getattr(newmods, "index", None)
            index = index if index is not None else range(len(X_new))
        fitted = self._beta @ X_new.T  # (chain, draw, n)
        new = fitted + self._tau[..., None] * self._rng(2).standard_normal(fitted.shape)
        pred = summarize({i: new[..., j] for j, i in enumerate(range(X_new.shape[0]))}, prob)
        fit = summarize(
            {i: fitted[..., j] for j, i in enumerate(range(X_new.shape[0]))}, prob, False
        )
        out = pred[_COLS].copy()
        out["fitted_mean"] = fit["mean"].to_numpy()
        out["fitted_lower"] = fit["lower"].to_numpy()
        out["fitted_upper"] = fit["upper"].to_numpy()
        out.index = index
        return out

    def study_effects(self, prob: float | None = None) -> pd.DataFrame:
        """Observed y_i with its interval next to the shrunken theta_i posterior.

        Columns: ``yi``, ``sei``, ``obs_lower``/``obs_upper`` (y_i -+ z sei), ``mean``, ``sd``,
        ``lower``, ``upper`` (posterior of theta_i) and ``pooling``: the posterior mean of
        B_i = v_i / (v_i + tau^2), the weight of the population mean in theta_i's
        conditional mean (0 = no pooling, 1 = complete pooling).
        """
        prob = resolve_prob(prob)
        spec = self.spec
        theta = self.idata.posterior["theta"].transpose("chain", "draw", spec.study_dim)
        th = theta.to_numpy()
        tab = summarize({i: th[..., i] for i in range(spec.k)}, prob)
        z = stats.norm.ppf(0.5 + prob / 2)
        se = np.sqrt(spec.v)
        B = spec.v / (spec.v + self._tau[..., None] ** 2)
        out = pd.DataFrame(
            {
                "yi": spec.y,
                "sei": se,
                "obs_lower": spec.y - z * se,
                "obs_upper": spec.y + z * se,
            },
            index=pd.Index(spec.labels, name=spec.study_dim),
        )
        for c in [*_COLS, "ess_bulk", "r_hat"]:
            out[c] = tab[c].to_numpy()
        out["pooling"] = B.reshape(-1, spec.k).mean(axis=0)
        return out

    def frequentist(self, method: str = "REML", prob: float | None = None):
        """REML / DL / PM estimates on the same data (see :func:`hiermodels.meta.rma`)."""
        return self.spec.frequentist(method, prob)

    def side_by_side(self, methods=("REML", "DL", "PM"), prob: float | None = None):
        """Bayesian posterior (mean, lower, upper) next to frequentist point estimates."""
        bayes = self.summary(prob)[["mean", "lower", "upper"]]
        cols = {}
        for m in methods:
            f = self.frequentist(m, prob)
            est = dict(zip(f.terms, f.beta, strict=True))
            est.update(tau=f.tau, tau2=f.tau2, I2=f.I2, H2=f.H2)
            cols[f.method] = pd.Series(est)
        return bayes.join(pd.DataFrame(cols))

    def leave_one_out(self, method: str = "exact", prob: float | None = None) -> pd.DataFrame:
        """Posterior of the coefficients and tau with each study left out in turn.

        The priors (and the centring of moderators) stay those of the full analysis.
        ``method="exact"`` integrates over tau numerically (see
        :mod:`hiermodels.meta.exact`; milliseconds per refit, no Monte Carlo error);
        ``"mcmc"`` refits with the same sampler settings. Index: (omitted study,
        parameter), parameters the coefficients, ``tau`` and (without moderators)
        ``theta_new``, the prediction for a new study; columns mean, sd, lower, upper.
        """
        spec = self.spec
        parts = {}
        for i, label in enumerate(spec.labels):
            sub = spec.drop_study(i)
            parts[label] = self._refit(sub, method, prob)
        out = pd.concat(parts, names=[f"omitted_{spec.study_dim}", "parameter"])
        return out

    def compare_priors(self, priors, method: str = "mcmc", prob: float | None = None):
        """Refit under several tau priors and tabulate the coefficients, tau and theta_new.

        ``priors``: a list of tau-prior specifications (names, prior objects, PyMC
        distributions) or a dict label -> specification. ``method="mcmc"`` refits with
        the same sampler settings (seed included); ``"exact"`` integrates numerically.
        Index: (prior, parameter); columns mean, sd, lower, upper (``theta_new``: the
        prediction interval of a new study's true effect, without moderators).
        """
        if self.spec.tau_prior is None:
            raise HiermodelsError("compare_priors needs the random-effects model.")
        items = priors.items() if isinstance(priors, dict) else [(None, p) for p in priors]
        parts = {}
        for label, p in items:
            sub = self.spec.with_tau_prior(p)
            parts[label or sub.tau_prior.describe()] = self._refit(sub, method, prob)
        return pd.concat(parts, names=["prior", "parameter"])

    def _refit(self, spec, method, prob):
        keep = [*spec.terms, "tau"]
        if method == "exact":
            tab = spec.exact().summary(prob)
        elif method == "mcmc":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", HiermodelsWarning)
                s = {k: v for k, v in self.settings.items() if k != "progressbar"}
                fit = spec.fit(progressbar=False, backend=self.backend, **s)
            tab = fit.summary(prob)
            if not spec.has_moderators:
                tab = pd.concat([tab, fit.prediction_interval(prob)])
        else:
            raise HiermodelsError(f"method must be 'exact' or 'mcmc', got {method!r}.")
        if not spec.has_moderators:
            keep.append("theta_new")
        return tab.loc[[r for r in keep if r in tab.index], _COLS]

    # curves for plots ---------------------------------------------------------------------
    def tau_grid(self, n: int = 200, tau_max: float | None = None) -> np.ndarray:
        """A grid over tau covering the posterior (0 to 1.3 x its 99.5 % quantile)."""
        if self.spec.tau_prior is None:
            raise HiermodelsError("The common-effect model has no tau.")
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
            raise HiermodelsError(f"n (grid points) must be a whole number >= 2, got {n!r}.")
        if tau_max is None:
            tau_max = 1.3 * float(self.spec.exact().tau_quantile(0.995))
        return np.linspace(0.0, tau_max, n)

    def tau_prior_posterior(self, n: int = 300, tau_max: float | None = None) -> pd.DataFrame:
        """Prior and posterior density of tau on a grid (columns tau, prior, posterior).

        The posterior density is the exact one (numerical integration); the MCMC draws
        are in ``idata.posterior["tau"]``.
        """
        tau = self.tau_grid(n, tau_max)
        ex = self.spec.exact()
        return pd.DataFrame(
            {"tau": tau, "prior": self.spec.tau_prior.pdf(tau), "posterior": ex.tau_pdf(tau)}
        )

    def shrinkage_trace(self, n: int = 200, tau_max: float | None = None) -> pd.DataFrame:
        """E[theta_i | tau, y] over a grid of tau, one column per study (bayesmeta's traceplot).

        Coefficients are integrated out given tau. Without moderators the column ``mu``
        holds E[mu | tau, y]. Index: tau. At tau = 0 every study sits at the pooled
        estimate; as tau grows each moves to its own y_i.
        """
        spec = self.spec
        tau = self.tau_grid(n, tau_max)
        cond, lin = spec.exact().shrinkage_trace(tau, spec.X)
        out = pd.DataFrame(cond, columns=pd.Index(spec.labels, name=spec.study_dim))
        if not spec.has_moderators:
            out["mu"] = lin[:, 0]
        out.index = pd.Index(tau, name="tau")
        return out

    def funnel(self, prob: float | None = None) -> pd.DataFrame:
        """Per study: the effect (``yi``, or the residual yi - x_i'beta with moderators),
        its standard error ``sei`` and whether it lies outside the pseudo-confidence funnel."""
        prob = resolve_prob(prob)
        spec = self.spec
        x = spec.y if not spec.has_moderators else spec.y - spec.X @ self._beta.mean((0, 1))
        centre = 0.0 if spec.has_moderators else float(self._beta[..., 0].mean())
        se = np.sqrt(spec.v)
        z = stats.norm.ppf(0.5 + prob / 2)
        return pd.DataFrame(
            {"x": x, "sei": se, "outside": np.abs(x - centre) > z * se},
            index=pd.Index(spec.labels, name=spec.study_dim),
        )

    def funnel_region(self, prob: float | None = None, n: int = 50) -> pd.DataFrame:
        """The pseudo-confidence funnel centre -+ z se over se in [0, max se] (columns sei,
        centre, lower, upper); centre = posterior mean of mu (0 for residuals)."""
        prob = resolve_prob(prob)
        spec = self.spec
        centre = 0.0 if spec.has_moderators else float(self._beta[..., 0].mean())
        se = np.linspace(0.0, 1.05 * float(np.sqrt(spec.v.max())), n)
        z = stats.norm.ppf(0.5 + prob / 2)
        return pd.DataFrame(
            {"sei": se, "centre": centre, "lower": centre - z * se, "upper": centre + z * se}
        )

    # diagnostics ----------------------------------------------------------------------------
    def diagnostics(self) -> pd.Series:
        """Divergences, max R-hat, min bulk/tail ESS of the model parameters, and a verdict."""
        tab = self.summary()
        if self.spec.tau_prior is None:
            tab = tab.loc[self.spec.terms]
        div = int(np.asarray(self.idata.sample_stats["diverging"]).sum())
        r_hat = float(tab["r_hat"].max())
        ess = float(tab["ess_bulk"].min())
        ok = div == 0 and (np.isnan(r_hat) or r_hat <= 1.01) and ess >= 400
        return pd.Series(
            {
                "divergences": div,
                "max_r_hat": r_hat,
                "min_ess_bulk": ess,
                "min_ess_tail": float(tab["ess_tail"].min()),
                "sampling_time_s": self.sampling_time,
                "verdict": "ok" if ok else "check",
            }
        )

    def _warn_diagnostics(self):
        d = self.diagnostics()
        problems = []
        if d["divergences"] > 0:
            problems.append(f"{d['divergences']} divergent transitions")
        if d["max_r_hat"] > 1.01:
            problems.append(f"max R-hat {d['max_r_hat']:.3f} > 1.01")
        if problems:
            warnings.warn(
                "Sampling problems: " + ", ".join(problems) + ". Try target_accept=0.95 and "
                "more draws; see fit.diagnostics().",
                HiermodelsWarning,
                stacklevel=3,
            )

    # persistence ---------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write draws, analysis and study table to one netCDF file (``hm.load`` reads it)."""
        from hiermodels.meta.persist import save_meta_fit

        save_meta_fit(self, path)

    def report(self, path, title: str | None = None, citation: str | None = None):
        """Write one self-contained HTML report (see :func:`hiermodels.present.report.write_report`)."""
        from hiermodels.persist.atomic import atomic_write
        from hiermodels.present.report import write_report

        # atomic: a failing report never leaves a half-written file in place of a good one
        return atomic_write(
            path, lambda tmp: write_report(self, tmp, title=title, citation=citation)
        )

    # display -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        s = self.summary()[["mean", "sd", "lower", "upper", "r_hat"]]
        head = repr(self.spec).replace("MetaAnalysis(", "MetaFit(", 1)
        lines = [head, s.round(4).to_string()]
        if not self.spec.has_moderators:
            pi = self.prediction_interval().iloc[0]
            lines.append(
                f"prediction interval for a new study: ({pi['lower']:.4f}, {pi['upper']:.4f})"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        s = self.summary()[["mean", "sd", "lower", "upper", "ess_bulk", "r_hat"]]
        return f"<p><b>{self.spec!r}</b></p>" + s.round(4).to_html()
