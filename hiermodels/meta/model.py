r"""``MetaAnalysis``: the specification of a Bayesian random-effects meta-analysis."""

from __future__ import annotations

import copy
import math
import time
import warnings

import numpy as np
import pandas as pd

from hiermodels.backends.sample import new_seed
from hiermodels.errors import DataError, HiermodelsError, HiermodelsWarning
from hiermodels.meta import tau_priors as tp
from hiermodels.meta.collapsed import CollapsedPosterior, WhitenedPosterior, centre_design
from hiermodels.meta.collapsed import coef_prior_sd as _default_coef_sd
from hiermodels.meta.design import moderator_design
from hiermodels.meta.frequentist import rma, typical_variance
from hiermodels.meta.tau_priors import default_tau_scale


def _numeric(data: pd.DataFrame, name, arg: str) -> np.ndarray:
    if not isinstance(name, str) or name not in data.columns:
        raise DataError(f"{arg}={name!r} is not a column of the data.")
    try:
        x = pd.to_numeric(data[name]).to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"Column {name!r} ({arg}) must be numeric.") from err
    bad = ~np.isfinite(x)
    if bad.any():
        raise DataError(
            f"Column {name!r} ({arg}) has missing or infinite values in rows "
            f"{list(data.index[bad])}; drop those studies first."
        )
    return x


class MetaAnalysis:
    r"""Bayesian random-effects meta-analysis and meta-regression with known variances.

    Model (normal-normal hierarchical model):

    .. math::

        y_i \mid \theta_i \sim N(\theta_i, v_i), \qquad
        \theta_i \sim N(x_i'\beta, \tau^2), \qquad i = 1, \dots, k,

    with :math:`x_i'\beta = \mu` without moderators. The sampler uses the collapsed form
    :math:`y_i \sim N(x_i'\beta, \tau^2 + v_i)` (NUTS on a hand-written log density, no
    graph compilation) and then draws each :math:`\theta_i` exactly from
    :math:`N(B_i x_i'\beta + (1 - B_i) y_i, (1 - B_i) v_i)`, :math:`B_i = v_i/(v_i + \tau^2)`.
    ``model="common"`` fixes :math:`\tau = 0`.

    Priors (see :attr:`priors`):

    - coefficients: :math:`N(0, (10 S)^2)` on the intercept at the mean moderator values and
      :math:`N(0, (10 S / \mathrm{sd}(x_j))^2)` on slopes, :math:`S = \sqrt{\overline{y^2} +
      \mathrm{median}(v)}`; flat relative to the likelihood, so the posterior of
      :math:`\mu` is close to the REML answer when tau is well estimated;
    - tau: half-normal with scale :math:`s_\tau = \max(\mathrm{SD}(y_i), s)`, :math:`s^2`
      the Higgins-Thompson typical within-study variance (weakly informative on the data's
      scale; its mode is at 0 so it lets the data say "no heterogeneity"). Alternatives:
      ``"half-cauchy"`` (HalfCauchy(s_tau)), ``"uniform"`` (Uniform(0, 10 s_tau)),
      ``"gamma"`` (Gamma(2, 1/s_tau): boundary-avoiding, Chung et al. 2013, for very few
      studies), prior objects such as :func:`~hiermodels.meta.turner_prior` (log odds
      ratios) and :func:`~hiermodels.meta.rhodes_prior` (SMDs), or any positive PyMC
      distribution (``pm.Gamma.dist(2, 1)``, sampled through PyMC).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per study.
    yi : str
        Column of effect sizes.
    vi, sei : str
        Column of sampling variances, or of standard errors (exactly one of the two).
    study : str, optional
        Column of unique study labels; it names the study dimension of the posterior.
        Default: the DataFrame index, dimension ``"study"``.
    moderators : str, optional
        One-sided formula, e.g. ``"~ ablat"`` (meta-regression).
    tau_prior : str, TauPrior or PyMC distribution, optional
        Default ``"half-normal"`` as above.
    model : {"random", "common"}
    coef_prior_sd : float or sequence, optional
        Override the prior SDs of the (centred) coefficients.

    Examples
    --------
    Eight schools (Rubin 1981): REML and DL put tau at exactly 0, while the posterior
    of tau spreads over plausible values and the schools are partially pooled:

    >>> import hiermodels as hm
    >>> schools = hm.datasets.load("eight_schools")  # doctest: +SKIP
    >>> meta = hm.MetaAnalysis(schools, yi="y", sei="sigma", study="school")  # doctest: +SKIP
    >>> meta.frequentist("REML").tau2  # doctest: +SKIP
    0.0
    >>> fit = meta.fit(seed=1)  # doctest: +SKIP
    >>> fit.summary().loc[["mu", "tau"], ["mean", "lower", "upper"]]  # doctest: +SKIP
    >>> fit.study_effects()[["yi", "mean", "lower", "upper", "pooling"]]  # doctest: +SKIP
    >>> cauchy = hm.MetaAnalysis(schools, yi="y", sei="sigma", study="school",
    ...                          tau_prior="half-cauchy").fit(seed=1)  # doctest: +SKIP
    >>> fit.compare_priors(["half-normal", "half-cauchy", "uniform"])  # doctest: +SKIP

    Measured (4 chains x 1000 draws, seed 1; exact values by numerical integration in
    brackets): under the default HalfNormal(11.66) prior, tau has posterior mean 5.1 [5.13]
    and 95 % interval (0.21, 14.4) [(0.20, 15.0)]; under HalfCauchy(11.66) 4.9 [4.98] and
    (0.17, 14.8) [(0.19, 15.3)]. mu is about 7.7 (-1.5, 17.3) either way, and school A's
    effect shrinks from 28 to a posterior mean of 10.2 (interval -2.3 to 27.5). See
    ``tests/test_meta_bayes.py``.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        yi: str = "yi",
        vi: str | None = None,
        sei: str | None = None,
        study: str | None = None,
        moderators: str | None = None,
        tau_prior=None,
        model: str = "random",
        coef_prior_sd=None,
    ):
        if not isinstance(data, pd.DataFrame):
            raise DataError("data must be a pandas DataFrame with one row per study.")
        if model not in ("random", "common"):
            raise HiermodelsError(f"model must be 'random' or 'common', got {model!r}.")
        if (vi is None) == (sei is None):
            raise DataError(
                "Give exactly one of vi= (sampling variances) or sei= (standard errors); "
                f"got vi={vi!r}, sei={sei!r}."
            )
        self.data = data.copy()
        self.yi_col, self.vi_col, self.sei_col = yi, vi, sei
        self.y = _numeric(data, yi, "yi")
        if vi is not None:
            self.v = _numeric(data, vi, "vi")
            bad, what = self.v <= 0, f"sampling variances in {vi!r}"
        else:
            se = _numeric(data, sei, "sei")
            bad, what = se <= 0, f"standard errors in {sei!r}"
            self.v = se**2
        if study is None:
            labels, self.study_dim = list(data.index), "study"
        else:
            if not isinstance(study, str) or study not in data.columns:
                raise DataError(f"study={study!r} is not a column of the data.")
            labels, self.study_dim = data[study].tolist(), study
        self.labels = [x.item() if hasattr(x, "item") else x for x in labels]
        if bad.any():
            names = [self.labels[i] for i in np.flatnonzero(bad)]
            raise DataError(f"Non-positive {what} for studies {names}; they must be > 0.")
        dup = pd.Series(self.labels).duplicated(keep=False)
        if dup.any():
            raise DataError(
                f"Study labels must be unique; duplicated: {sorted(set(pd.Series(self.labels)[dup]), key=str)}."
            )
        self.k = self.y.size
        if self.k < 2:
            raise DataError(f"A meta-analysis needs at least 2 studies, got {self.k}.")
        self.model = model
        self.moderators = moderators
        self.X, self.terms, self._design = moderator_design(moderators, data)
        self.Xc, self.T, _ = centre_design(self.X)
        self.p = len(self.terms)
        if coef_prior_sd is None:
            self.coef_sd = _default_coef_sd(self.y, self.v, self.X)
        else:
            sd = np.broadcast_to(np.asarray(coef_prior_sd, dtype=float), (self.p,)).copy()
            if not np.all(np.isfinite(sd) & (sd > 0)):
                raise HiermodelsError(f"coef_prior_sd must be positive, got {coef_prior_sd!r}.")
            self.coef_sd = sd
        if model == "common":
            if tau_prior is not None:
                warnings.warn(
                    "model='common' fixes tau = 0; the tau prior is ignored.",
                    HiermodelsWarning,
                    stacklevel=2,
                )
            self.tau_prior = None
        else:
            self.tau_prior = resolve_tau_prior(tau_prior, self.y, self.v)
            if self.k < 5:
                warnings.warn(
                    f"Only {self.k} studies: tau is weakly identified and its posterior "
                    "depends on the prior. Check the sensitivity with .compare_priors().",
                    HiermodelsWarning,
                    stacklevel=2,
                )
        self.s2 = typical_variance(self.v, self.X)
        self._exact = None

    # description ----------------------------------------------------------------------
    @property
    def has_moderators(self) -> bool:
        return self._design is not None

    @property
    def priors(self) -> pd.DataFrame:
        """Every prior, its distribution and where its scale comes from."""
        S = math.sqrt(float(np.mean(self.y**2)) + float(np.median(self.v)))
        rows = []
        _, _, ic = centre_design(self.X)
        for j, term in enumerate(self.terms):
            if j == ic:
                at = " at the mean moderator values" if self.has_moderators else ""
                source = f"effect{at}: 10 S, S = sqrt(mean(y^2) + median(v)) = {S:.4g}"
            else:
                source = f"slope: 10 S / sd({term})"
            rows.append(
                {"parameter": term, "prior": f"Normal(0, {self.coef_sd[j]:.4g})", "source": source}
            )
        if self.tau_prior is None:
            rows.append({"parameter": "tau", "prior": "0 (common-effect model)", "source": ""})
        else:
            s = default_tau_scale(self.y, self.v)
            rows.append(
                {
                    "parameter": "tau",
                    "prior": self.tau_prior.describe(),
                    "source": f"data scale s_tau = max(SD(y), sqrt(s^2)) = {s:.4g}",
                }
            )
        return pd.DataFrame(rows).set_index("parameter")

    def __repr__(self) -> str:
        kind = "common-effect" if self.model == "common" else "random-effects"
        mods = f", moderators {self.moderators!r}" if self.has_moderators else ""
        prior = "" if self.tau_prior is None else f", {self.tau_prior.describe()}"
        return f"MetaAnalysis({kind}, k = {self.k}{mods}{prior})"

    # computation ----------------------------------------------------------------------
    def collapsed(self, parameterization: str = "whitened") -> CollapsedPosterior:
        """The NumPy log posterior sampled by NUTS.

        ``"direct"``: coordinates (gamma, eta = log tau); ``"whitened"`` (default):
        (z, eta) with gamma = m(tau) + C(tau)^-T z, the same posterior without the funnel.
        """
        if parameterization not in ("whitened", "direct"):
            raise HiermodelsError(
                f"parameterization must be 'whitened' or 'direct', got {parameterization!r}."
            )
        cls = WhitenedPosterior if parameterization == "whitened" else CollapsedPosterior
        return cls(self.y, self.v, self.Xc, self.coef_sd, self.tau_prior)

    def exact(self):
        """The grid-integrated posterior (:class:`~hiermodels.meta.exact.ExactPosterior`)."""
        if self._exact is None:
            from hiermodels.meta.exact import ExactPosterior

            self._exact = ExactPosterior(
                self.y, self.v, self.Xc, self.T, self.coef_sd, self.tau_prior, self.terms
            )
        return self._exact

    def frequentist(self, method: str = "REML", prob: float | None = None):
        """REML, DL or PM fit (:func:`hiermodels.meta.frequentist.rma`), metafor conventions."""
        return rma(self.y, self.v, self.X, method=method, prob=prob, terms=tuple(self.terms))

    @property
    def pymc_model(self):
        """The same model as a readable PyMC graph (collapsed form)."""
        from hiermodels.meta.pymc_backend import pymc_graph

        return pymc_graph(self)

    def fit(
        self,
        draws: int = 1000,
        tune: int = 1000,
        chains: int = 4,
        seed: int | None = None,
        target_accept: float = 0.9,
        cores: int | None = None,
        progressbar: bool | None = None,
        backend: str = "auto",
        parameterization: str = "whitened",
    ):
        """Sample the posterior with NUTS and return a :class:`~hiermodels.meta.MetaFit`.

        ``backend="auto"`` samples the NumPy log density with nutpie (no compilation);
        a PyMC tau prior (or ``backend="pymc"``) samples the PyMC graph instead;
        ``backend="exact"`` makes independent draws from the grid-integrated posterior
        (:meth:`exact`; no MCMC, no sampler diagnostics).
        ``parameterization`` selects the NumPy sampler's coordinates (see
        :meth:`collapsed`). ``target_accept`` defaults to 0.9: under a half-normal prior
        the upper tail of log(tau) is steep (curvature ~ -2 tau^2 / s^2), and at 0.8 a few
        divergences appeared there in eight schools (0 of 4000 at 0.9 in 18 test fits).
        """
        from hiermodels.meta.fit import MetaFit

        if backend not in ("auto", "numpy", "pymc", "exact"):
            raise HiermodelsError(
                f"backend must be 'auto', 'numpy', 'pymc' or 'exact', got {backend!r}."
            )
        if seed is None:
            seed = new_seed()
        use_pymc = backend == "pymc" or not getattr(self.tau_prior, "has_gradient", True)
        settings = dict(draws=draws, tune=tune, chains=chains, seed=seed)
        settings.update(target_accept=target_accept, cores=cores, progressbar=progressbar)
        t0 = time.perf_counter()
        if backend == "exact":
            gamma, tau, stats = self._sample_exact(settings)
            used = "exact"
        elif use_pymc:
            gamma, tau, stats = self._sample_pymc(settings)
            used = "pymc"
        else:
            gamma, tau, stats = self._sample_numpy(settings, parameterization)
            used = "numpy"
        elapsed = time.perf_counter() - t0
        return MetaFit(self, gamma, tau, stats, settings, elapsed, used)

    def _sample_exact(self, settings):
        import xarray as xr

        from hiermodels.backends.sample import check_settings

        check_settings(settings["draws"], settings["tune"], settings["chains"], "nutpie", 0.5)
        rng = np.random.default_rng(np.random.SeedSequence(settings["seed"], spawn_key=(3,)))
        gamma, tau = self.exact().draw(int(settings["chains"]), int(settings["draws"]), rng)
        stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros(tau.shape, dtype=bool))})
        return gamma, tau, stats

    def _sample_numpy(self, settings, parameterization):
        from hiermodels.backends.nuts import sample_logp

        post = self.collapsed(parameterization)
        if self.tau_prior is None:
            tau_start = 0.0
        else:
            dl = self.frequentist("DL").tau
            tau_start = max(dl, 0.1 * default_tau_scale(self.y, self.v))

        def init(rng):
            return post.initial_point(rng, tau_start)

        idata = sample_logp(
            post.logp_grad,
            post.n_dim,
            post.expand,
            {"gamma": (self.p,), "tau": ()},
            dims={"gamma": ("term",)},
            coords={"term": list(self.terms)},
            init=init,
            **settings,
        )
        gamma = idata.posterior["gamma"].transpose("chain", "draw", "term").to_numpy()
        tau = idata.posterior["tau"].to_numpy()
        return gamma, tau, idata.sample_stats

    def _sample_pymc(self, settings):
        from hiermodels.backends.sample import sample_pymc

        idata = sample_pymc(self.pymc_model, **settings)
        post = idata.posterior
        if self.has_moderators:
            gamma = post["gamma"].transpose("chain", "draw", "term").to_numpy()
        else:
            gamma = post["mu"].to_numpy()[..., None]
        tau = post["tau"].to_numpy() if self.tau_prior is not None else np.zeros(gamma.shape[:2])
        return gamma, tau, idata.sample_stats

    # variants ---------------------------------------------------------------------------
    def with_tau_prior(self, tau_prior) -> MetaAnalysis:
        """The same analysis under another tau prior (names scale with the same data)."""
        new = copy.copy(self)
        new.tau_prior = resolve_tau_prior(tau_prior, self.y, self.v)
        new.model = "random"
        new._exact = None
        return new

    def drop_study(self, i: int) -> MetaAnalysis:
        """The same analysis (same priors, same centring) without study ``i`` (position)."""
        keep = np.arange(self.k) != i
        new = copy.copy(self)
        new.y, new.v = self.y[keep], self.v[keep]
        new.X, new.Xc = self.X[keep], self.Xc[keep]
        new.labels = [lab for j, lab in enumerate(self.labels) if keep[j]]
        new.data = self.data.iloc[np.flatnonzero(keep)]
        new.k = self.k - 1
        new._exact = None
        if new.k > self.p:
            new.s2 = typical_variance(new.v, new.X)
        else:
            new.s2 = math.nan
        return new


def resolve_tau_prior(spec, yi: np.ndarray, vi: np.ndarray) -> tp.TauPrior:
    """Turn the user's ``tau_prior`` into a :class:`TauPrior`.

    ``spec`` may be a :class:`TauPrior`, a name (``"half-normal"`` (default),
    ``"half-cauchy"``, ``"uniform"``, ``"gamma"``) whose scale comes from
    :func:`default_tau_scale` (``s``): HalfNormal(s), HalfCauchy(s), Uniform(0, 10 s),
    Gamma(2, rate = 1/s) (mode at s), or a scalar PyMC distribution.
    """
    if spec is None:
        spec = "half-normal"
    if isinstance(spec, tp.TauPrior):
        return spec
    if isinstance(spec, str):
        cls = tp.NAMES.get(spec.strip().lower())
        if cls is None:
            raise HiermodelsError(
                f"Unknown tau prior {spec!r}. Use 'half-normal', 'half-cauchy', 'uniform', "
                "'gamma', a prior object (hiermodels.meta.HalfNormal(0.5), turner_prior(...), "
                "rhodes_prior(...)) or a PyMC distribution such as pm.Gamma.dist(2, 1)."
            )
        s = tp.default_tau_scale(yi, vi)
        if cls is tp.Uniform:
            return tp.Uniform(10 * s)
        if cls is tp.Gamma:
            return tp.Gamma(2.0, 1.0 / s)
        return cls(s)
    if type(spec).__module__.startswith("pytensor"):  # a PyMC distribution
        from hiermodels.meta.pymc_backend import PyMCPrior

        return PyMCPrior(spec)
    raise HiermodelsError(
        f"tau_prior must be a name, a hiermodels tau prior or a PyMC distribution, got {spec!r}."
    )
