"""MetaAnalysis spec, priors, log density and closed forms (no MCMC)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, stats

import hiermodels as hm
from hiermodels.errors import DataError, FormulaError, HiermodelsError, HiermodelsWarning
from hiermodels.meta import (
    Gamma,
    HalfCauchy,
    HalfNormal,
    LogNormalTau2,
    LogT5Tau2,
    Uniform,
    rhodes_prior,
    turner_prior,
)
from hiermodels.meta.collapsed import conditional_theta
from hiermodels.meta.tau_priors import default_tau_scale


# bad input -------------------------------------------------------------------------------------
def test_bad_variances(bcg):
    d = bcg.copy()
    d.loc[3, "vi"] = 0.0
    with pytest.raises(DataError, match=r"Non-positive sampling variances .* \[4\]"):
        hm.MetaAnalysis(d, yi="yi", vi="vi", study="trial")
    d.loc[3, "vi"] = -1.0
    with pytest.raises(DataError, match="Non-positive"):
        hm.MetaAnalysis(d, yi="yi", vi="vi", study="trial")
    d.loc[3, "vi"] = np.nan
    with pytest.raises(DataError, match="missing or infinite"):
        hm.MetaAnalysis(d, yi="yi", vi="vi", study="trial")
    d = bcg.assign(se=-np.sqrt(bcg.vi))
    with pytest.raises(DataError, match="standard errors"):
        hm.MetaAnalysis(d, yi="yi", sei="se")


def test_both_or_neither_variance_column(bcg):
    with pytest.raises(DataError, match="exactly one of vi"):
        hm.MetaAnalysis(bcg, yi="yi")
    with pytest.raises(DataError, match="exactly one of vi"):
        hm.MetaAnalysis(bcg.assign(se=np.sqrt(bcg.vi)), yi="yi", vi="vi", sei="se")


def test_number_of_studies(bcg):
    with pytest.raises(DataError, match="at least 2 studies"):
        hm.MetaAnalysis(bcg.iloc[:1], yi="yi", vi="vi")
    with pytest.warns(HiermodelsWarning, match="Only 3 studies"):
        hm.MetaAnalysis(bcg.iloc[:3], yi="yi", vi="vi")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hm.MetaAnalysis(bcg.iloc[:3], yi="yi", vi="vi", model="common")


def test_duplicated_labels_and_columns(bcg):
    with pytest.raises(DataError, match=r"unique.*Comstock et al"):
        hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="author")
    with pytest.raises(DataError, match="'effect' is not a column"):
        hm.MetaAnalysis(bcg, yi="effect", vi="vi")
    with pytest.raises(DataError, match="must be numeric"):
        hm.MetaAnalysis(bcg, yi="author", vi="vi")


def test_moderator_errors(bcg):
    with pytest.raises(DataError, match="'latitude' is not a column"):
        hm.MetaAnalysis(bcg, yi="yi", vi="vi", moderators="~ latitude")
    with pytest.raises(DataError, match="'const' is constant"):
        hm.MetaAnalysis(bcg.assign(const=1.0), yi="yi", vi="vi", moderators="~ ablat + const")
    with pytest.raises(FormulaError, match="one-sided"):
        hm.MetaAnalysis(bcg, yi="yi", vi="vi", moderators="yi ~ ablat")
    with pytest.raises(FormulaError, match="not allowed"):  # no arbitrary code in formulas
        hm.MetaAnalysis(bcg, yi="yi", vi="vi", moderators="~ os.system('true')")
    meta = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators="~ ablat + alloc")
    assert meta.terms == ["Intercept", "ablat", "alloc[random]", "alloc[systematic]"]


def test_tau_prior_specifications(bcg):
    with pytest.raises(HiermodelsError, match="Unknown tau prior"):
        hm.MetaAnalysis(bcg, yi="yi", vi="vi", tau_prior="flat")
    with pytest.raises(HiermodelsError, match="positive"):
        HalfNormal(-1.0)
    with pytest.raises(HiermodelsError, match="model must be"):
        hm.MetaAnalysis(bcg, yi="yi", vi="vi", model="fixed")
    meta = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial")
    s = default_tau_scale(bcg.yi, bcg.vi)
    assert s == pytest.approx(np.std(bcg.yi, ddof=1))  # SD(y) > typical SE here
    assert meta.tau_prior == HalfNormal(s)
    assert meta.with_tau_prior("half-cauchy").tau_prior == HalfCauchy(s)
    assert meta.with_tau_prior("uniform").tau_prior == Uniform(10 * s)
    assert meta.with_tau_prior("gamma").tau_prior == Gamma(2, 1 / s)
    pri = meta.priors
    assert list(pri.index) == ["mu", "tau"]
    assert "HalfNormal" in pri.loc["tau", "prior"]
    with pytest.warns(HiermodelsWarning, match="ignored"):
        hm.MetaAnalysis(bcg, yi="yi", vi="vi", model="common", tau_prior="uniform")


# tau priors --------------------------------------------------------------------------------------
PRIORS = [
    HalfNormal(0.7),
    HalfCauchy(0.5),
    Uniform(3.0),
    Gamma(2.0, 1.5),
    LogNormalTau2(-2.06, 1.51),
    LogT5Tau2(-3.44, 2.59),
]


@pytest.mark.parametrize("prior", PRIORS, ids=repr)
def test_prior_density_gradient_and_sampler(prior):
    upper = min(prior.upper, 50.0)
    total = integrate.quad(lambda t: prior.pdf(t), 0, upper, limit=400, points=[0.01, 0.1, 1])[0]
    if not math.isfinite(prior.upper):
        total += integrate.quad(lambda t: prior.pdf(t), upper, np.inf, limit=400)[0]
    assert total == pytest.approx(1.0, abs=1e-6)
    t = np.array([0.05, 0.3, 1.0, 2.5])
    h = 1e-6
    fd = (prior.logpdf(t + h) - prior.logpdf(t - h)) / (2 * h)
    np.testing.assert_allclose(prior.dlogpdf(t), fd, rtol=1e-5, atol=1e-6)
    # the sampler draws from the density: Kolmogorov-Smirnov against the numerical CDF
    draws = prior.rvs(4000, np.random.default_rng(1))
    grid = np.quantile(draws, [0.1, 0.5, 0.9])
    cdf = [integrate.quad(lambda s: prior.pdf(s), 0, g, points=[0.01, 0.1])[0] for g in grid]
    np.testing.assert_allclose(cdf, [0.1, 0.5, 0.9], atol=0.03)  # ~3.5 binomial SEs at n=4000


def test_turner_and_rhodes_tables():
    # Turner et al. (2015) Table IV, as in bayesmeta::TurnerEtAlPrior
    p = turner_prior("all-cause mortality", "pharma", "placebo")
    assert (p.mu, p.sigma) == (-3.95, 1.34)
    p = turner_prior("signs / symptoms", "non-pharma", "pharma")
    assert (p.mu, p.sigma) == (-1.03, 1.24)
    assert turner_prior("pain", "placebo", "pharma") == turner_prior("pain", "pharma", "placebo")
    p = turner_prior("subjective", "non-pharma", "non-pharma")
    assert (p.mu, p.sigma) == (-2.26, 1.45)
    # log(tau^2) ~ N(mu, sigma^2): prior median of tau is exp(mu/2)
    assert float(np.sqrt(stats.lognorm(1.34, scale=np.exp(-3.95)).median())) == pytest.approx(
        math.exp(-3.95 / 2)
    )
    # Rhodes et al. (2015): marginal t5(-3.44, 2.59); Table 3 and appendix A.3.1 / A.3.2
    r = rhodes_prior()
    assert (r.location, r.scale) == (-3.44, 2.59)
    r = rhodes_prior("obstetric", "pharma", "placebo")
    assert (r.location, r.scale) == (-4.13, 2.34)
    r = rhodes_prior("mental health", "pharma", "pharma", area="respiratory")
    assert (r.location, r.scale) == (-5.17, 2.14)
    r = rhodes_prior("biological", "non-pharma", "placebo", area="cancer")
    assert (r.location, r.scale) == (-0.71, 2.78)
    with pytest.raises(HiermodelsError, match="placebo"):
        turner_prior("pain", "placebo", "placebo")
    with pytest.raises(HiermodelsError, match="unknown Turner outcome"):
        turner_prior("happiness")
    with pytest.raises(HiermodelsError, match="ambiguous"):
        turner_prior("s")
    # density on tau is the exact transform of the density on tau^2
    t = 0.3
    dens_tau2 = stats.t.pdf((np.log(t**2) + 3.44) / 2.59, 5) / (2.59 * t**2)
    assert rhodes_prior().pdf(t) == pytest.approx(dens_tau2 * 2 * t, rel=1e-10)
    dens_tau2 = stats.lognorm(1.34, scale=np.exp(-3.95)).pdf(t**2)
    assert turner_prior().pdf(t) == pytest.approx(dens_tau2 * 2 * t, rel=1e-10)


# log density -----------------------------------------------------------------------------------
def _specs(bcg, schools):
    yield hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial")
    yield hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators="~ ablat")
    yield hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators="~ ablat + alloc")
    yield hm.MetaAnalysis(schools, yi="y", sei="sigma", study="school", tau_prior=Uniform(40.0))
    yield hm.MetaAnalysis(schools, yi="y", sei="sigma", tau_prior=rhodes_prior())
    yield hm.MetaAnalysis(bcg, yi="yi", vi="vi", model="common")


@pytest.mark.parametrize("par", ["direct", "whitened"])
def test_gradient_finite_differences(bcg, schools, par):
    rng = np.random.default_rng(3)
    for spec in _specs(bcg, schools):
        post = spec.collapsed(par)
        for _ in range(3):
            x = rng.normal(0, 0.5, post.n_dim)
            lp, g = post.logp_grad(x)
            h = 1e-6
            fd = np.array(
                [(post.logp(x + h * e) - post.logp(x - h * e)) / (2 * h) for e in np.eye(x.size)]
            )
            np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-5 * max(1.0, abs(lp)))


def test_whitened_equals_direct_plus_jacobian(bcg, schools):
    rng = np.random.default_rng(4)
    for spec in _specs(bcg, schools):
        if spec.tau_prior is None:
            continue  # common effect: the whitened density drops the constant log p(y)
        w, d = spec.collapsed("whitened"), spec.collapsed("direct")
        for _ in range(3):
            x = rng.normal(0, 0.7, w.n_dim)
            gamma = w.gamma_of(x)
            tau = w.expand(x)["tau"]
            _, _Ainv, logdetA, _, _ = w._moments(float(tau))
            y = np.concatenate([gamma, x[spec.p :]])
            # p(z, eta) = p(gamma(z), eta) |dgamma/dz|, |dgamma/dz| = |A|^(-1/2)
            assert w.logp(x) == pytest.approx(d.logp(y) - 0.5 * logdetA, abs=1e-9)


def _pymc_point(model, spec, x):
    names = [v.name for v in model.value_vars]
    coef = "mu" if not spec.has_moderators else "gamma"
    point = {coef: x[0] if coef == "mu" else x[: spec.p]}
    if len(names) > 1:
        point[names[1]] = x[spec.p]
    return point


@pytest.mark.parametrize(
    "prior",
    [None, HalfCauchy(0.4), Uniform(2.0), Gamma(2.0, 2.0), turner_prior(), rhodes_prior(), "pymc"],
    ids=["default", "halfcauchy", "uniform", "gamma", "turner", "rhodes", "pymc-gamma"],
)
def test_logp_matches_pymc_graph(bcg, prior):
    import pymc as pm

    for mods in (None, "~ ablat"):
        spec = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators=mods)
        if prior == "pymc":
            user = spec.with_tau_prior(pm.Gamma.dist(2.0, 2.0))
            ours = spec.with_tau_prior(Gamma(2.0, 2.0))
        else:
            user = ours = spec if prior is None else spec.with_tau_prior(prior)
        model = user.pymc_model
        # PyMC adds the log-Jacobian of its transform (log, interval or none for log_tau)
        logp = model.compile_logp(jacobian=True, mode="FAST_COMPILE")
        post = ours.collapsed("direct")
        for x in ([*[-0.6, -0.01, -0.5][: spec.p], -0.8], [*[0.1, 0.02, 0.3][: spec.p], 0.4]):
            x = np.array(x)
            assert logp(_pymc_point(model, spec, x)) == pytest.approx(post.logp(x), abs=1e-8)
    assert "y" in [v.name for v in model.observed_RVs]
    assert spec.study_dim in model.coords


# closed forms -----------------------------------------------------------------------------------
def test_conditional_theta_is_precision_weighted(bcg):
    y, v = bcg["yi"].to_numpy(), bcg["vi"].to_numpy()
    mu, tau = -0.71, 0.56
    mean, var, B = conditional_theta(y, v, np.full_like(y, mu), np.array(tau))
    # the textbook form: precision-weighted average of y_i and mu
    prec = 1 / v + 1 / tau**2
    np.testing.assert_allclose(mean, (y / v + mu / tau**2) / prec, rtol=1e-12)
    np.testing.assert_allclose(var, 1 / prec, rtol=1e-12)
    np.testing.assert_allclose(B, v / (v + tau**2))
    # tau -> 0: complete pooling; tau -> inf: no pooling
    m0, v0, _ = conditional_theta(y, v, np.full_like(y, mu), np.array(0.0))
    np.testing.assert_allclose(m0, mu)
    np.testing.assert_allclose(v0, 0.0)
    m_inf, _, _ = conditional_theta(y, v, np.full_like(y, mu), np.array(1e8))
    np.testing.assert_allclose(m_inf, y, atol=1e-10)


def test_exact_posterior_against_quadrature(schools):
    spec = hm.MetaAnalysis(schools, yi="y", sei="sigma", study="school")
    y, v, s0, prior = spec.y, spec.v, spec.coef_sd[0], spec.tau_prior

    def joint(mu, tau):
        sd = np.sqrt(tau**2 + v)
        lp = stats.norm.logpdf(y, mu, sd).sum() + stats.norm.logpdf(mu, 0, s0)
        return math.exp(lp + prior.logpdf(tau) + 30)

    z = integrate.dblquad(joint, 0, 80, -60, 80, epsabs=1e-13)[0]
    e_tau = integrate.dblquad(lambda m, t: t * joint(m, t), 0, 80, -60, 80, epsabs=1e-13)[0]
    e_mu = integrate.dblquad(lambda m, t: m * joint(m, t), 0, 80, -60, 80, epsabs=1e-13)[0]
    tab = spec.exact().summary()
    assert tab.loc["tau", "mean"] == pytest.approx(e_tau / z, rel=1e-4)
    assert tab.loc["mu", "mean"] == pytest.approx(e_mu / z, rel=1e-4)
    # conditional means at tau = 0 all equal the common-effect estimate
    trace, lin = spec.exact().shrinkage_trace(np.array([0.0, 1e6]), spec.X)
    w = 1 / v
    assert trace[0] == pytest.approx(np.full(8, lin[0, 0]))
    assert lin[0, 0] == pytest.approx((w @ y) / (w.sum() + s0**-2), rel=1e-12)
    np.testing.assert_allclose(trace[1], y, atol=1e-6)
