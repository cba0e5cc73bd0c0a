"""Bayesian meta-analysis: posterior checks against REML (metafor) and exact integration.

Tolerances: MCMC means are compared with the exact posterior (numerical integration over
tau, checked against 2-D quadrature in test_meta_model.py) within 4 Monte Carlo standard
errors, MCSE = posterior sd / sqrt(bulk ESS); the BCG checks use the issue's stated bands
(posterior mean of mu within 0.1 of REML, tau interval covering 0.56).
Reference: metafor 3.8-1 rma(yi, vi, data=dat.bcg): mu -0.7145, tau2 0.3132 (tau 0.5597).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import hiermodels as hm
from hiermodels.errors import HiermodelsWarning

SETTINGS = dict(draws=500, tune=500, chains=4, progressbar=False)


@pytest.fixture(scope="module")
def bcg_fit(bcg):
    return hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial").fit(seed=1, **SETTINGS)


def _within_mcse(fit, exact, rows, k=4.0):
    tab = fit.summary()
    for r in rows:
        mcse = tab.loc[r, "sd"] / np.sqrt(tab.loc[r, "ess_bulk"])
        assert abs(tab.loc[r, "mean"] - exact.loc[r, "mean"]) < k * mcse, (r, tab.loc[r], mcse)


def _exact_theta_means(spec):
    ex = spec.exact()
    trace, _ = ex.shrinkage_trace(ex.grid, spec.X)
    return ex.weights @ trace


@pytest.mark.sampling
def test_bcg_posterior_next_to_reml(bcg_fit):
    fit = bcg_fit
    tab = fit.summary()
    assert list(tab.index) == ["mu", "tau", "tau2", "I2", "H2"]
    assert {"mean", "sd", "lower", "upper", "ess_bulk", "r_hat"} <= set(tab.columns)
    reml = fit.frequentist("REML")
    assert abs(tab.loc["mu", "mean"] - reml.beta[0]) < 0.1  # issue's band
    assert tab.loc["tau", "lower"] < 0.56 < tab.loc["tau", "upper"]
    assert 0 <= tab.loc["I2", "lower"] <= tab.loc["I2", "upper"] <= 1
    assert tab.loc["H2", "lower"] >= 1
    _within_mcse(fit, fit.spec.exact().summary(s2=fit.spec.s2), ["mu", "tau", "tau2", "I2"])
    diag = fit.diagnostics()
    assert diag["divergences"] == 0 and diag["max_r_hat"] < 1.01
    post = fit.idata.posterior
    assert set(post.data_vars) == {"mu", "tau", "theta"}
    assert post["theta"].dims == ("chain", "draw", "trial")
    assert "group" not in post.dims
    # study effects: observed next to shrunken, exact theta means within MCSE
    se = fit.study_effects()
    assert se.index.name == "trial" and len(se) == 13
    assert ((se["pooling"] > 0) & (se["pooling"] < 1)).all()
    # more precise studies are pooled less
    assert np.corrcoef(se["sei"], se["pooling"])[0, 1] > 0.8
    mcse = se["sd"] / np.sqrt(se["ess_bulk"])
    assert (np.abs(se["mean"] - _exact_theta_means(fit.spec)) < 4 * mcse).all()
    # the prediction interval is wider than mu's interval and than REML's PI
    pi = fit.prediction_interval().loc["theta_new"]
    assert pi["lower"] < tab.loc["mu", "lower"] and pi["upper"] > tab.loc["mu", "upper"]
    assert pi["upper"] - pi["lower"] > reml.pi[1] - reml.pi[0]
    assert "prediction interval" in repr(fit) and "<table" in fit._repr_html_()
    side = fit.side_by_side()
    assert side.loc["tau2", "REML"] == pytest.approx(0.3132, abs=1e-3)


@pytest.mark.sampling
def test_same_seed_same_draws(bcg, bcg_fit):
    again = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial").fit(seed=1, **SETTINGS)
    np.testing.assert_array_equal(again.idata.posterior["mu"], bcg_fit.idata.posterior["mu"])
    np.testing.assert_array_equal(again.idata.posterior["theta"], bcg_fit.idata.posterior["theta"])


@pytest.mark.sampling
def test_eight_schools_default_and_half_cauchy(schools):
    meta = hm.MetaAnalysis(schools, yi="y", sei="sigma", study="school")
    assert meta.frequentist("REML").tau2 == 0.0 and meta.frequentist("DL").tau2 == 0.0
    for prior in (None, "half-cauchy"):
        spec = meta if prior is None else meta.with_tau_prior(prior)
        fit = spec.fit(seed=2, **SETTINGS)
        tab = fit.summary()
        exact = spec.exact().summary(s2=spec.s2)
        _within_mcse(fit, exact, ["mu", "tau"])
        # tau is not 0: the posterior spreads over plausible heterogeneity
        assert tab.loc["tau", "lower"] > 0.05 and tab.loc["tau", "upper"] > 10
        assert fit.diagnostics()["divergences"] == 0
        se = fit.study_effects()
        assert list(se.index) == list("ABCDEFGH")
        mcse = se["sd"] / np.sqrt(se["ess_bulk"])
        assert (np.abs(se["mean"] - _exact_theta_means(spec)) < 4 * mcse).all()
        # strong pooling: every school keeps less than half of its own estimate's weight
        assert (se["pooling"] > 0.5).all()
        # school A (observed 28) is pulled toward the pooled mean but not past it
        y_a = float(schools.set_index("school").loc["A", "y"])
        assert exact.loc["mu", "mean"] < se.loc["A", "mean"] < y_a
    # the heavier-tailed prior leaves more mass at large tau (exact values)
    hn = meta.exact().summary()
    hc = meta.with_tau_prior("half-cauchy").exact().summary()
    assert hc.loc["tau", "upper"] > hn.loc["tau", "upper"]


@pytest.mark.sampling
def test_compare_priors_mcmc_and_exact(schools):
    meta = hm.MetaAnalysis(schools, yi="y", sei="sigma", study="school")
    fit = meta.fit(seed=3, **SETTINGS)
    priors = {"HN": "half-normal", "HC": "half-cauchy", "U(0, 50)": hm.meta.Uniform(50.0)}
    mc = fit.compare_priors(priors)
    ex = fit.compare_priors(priors, method="exact")
    assert list(mc.index.get_level_values("prior").unique()) == list(priors)
    assert set(mc.index.get_level_values("parameter")) == {"mu", "tau", "theta_new"}
    assert list(mc.columns) == ["mean", "sd", "lower", "upper"]
    for label, prior in priors.items():
        # the same refit as compare_priors (same seed): its measured bulk ESS sets the MCSE
        own = meta.with_tau_prior(prior).fit(seed=3, **SETTINGS).summary()
        for par in ("mu", "tau"):
            a, b = mc.loc[(label, par)], ex.loc[(label, par)]
            assert a["mean"] == pytest.approx(own.loc[par, "mean"], rel=1e-12)
            mcse = own.loc[par, "sd"] / np.sqrt(own.loc[par, "ess_bulk"])
            assert abs(a["mean"] - b["mean"]) < 5 * mcse, (label, par, mcse)
    # the flat prior on tau gives the widest posterior for tau
    assert ex.loc[("U(0, 50)", "tau"), "upper"] > ex.loc[("HN", "tau"), "upper"]


@pytest.mark.sampling
def test_meta_regression_and_common_effect(bcg):
    spec = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators="~ ablat")
    fit = spec.fit(seed=4, **SETTINGS)
    tab = fit.summary()
    assert list(tab.index) == ["Intercept", "ablat", "tau", "tau2", "I2", "H2"]
    assert fit.idata.posterior["beta"].dims == ("chain", "draw", "term")
    _within_mcse(fit, spec.exact().summary(s2=spec.s2), ["Intercept", "ablat", "tau"])
    assert abs(tab.loc["ablat", "mean"] - (-0.0291)) < 0.005  # metafor REML slope
    pred = fit.prediction_interval(newmods={"ablat": [13, 55]})
    assert pred["fitted_mean"].iloc[0] > pred["fitted_mean"].iloc[1]
    assert (pred["upper"] - pred["lower"] > pred["fitted_upper"] - pred["fitted_lower"]).all()
    common = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", model="common")
    cfit = common.fit(seed=5, **SETTINGS)
    assert "tau" not in cfit.idata.posterior
    # conjugate: mu | y ~ N(sum(w y) / (sum(w) + 1/s0^2), 1 / (sum(w) + 1/s0^2))
    w = 1 / common.v
    prec = w.sum() + common.coef_sd[0] ** -2
    row = cfit.summary().loc["mu"]
    assert abs(row["mean"] - (w @ common.y) / prec) < 4 * row["sd"] / np.sqrt(row["ess_bulk"])
    assert row["sd"] == pytest.approx(prec**-0.5, rel=0.08)
    assert cfit.summary().loc["tau", "mean"] == 0.0


@pytest.mark.sampling
def test_user_pymc_prior_goes_through_pymc(schools):
    import pymc as pm

    meta = hm.MetaAnalysis(
        schools, yi="y", sei="sigma", study="school", tau_prior=pm.Gamma.dist(2.0, 0.2)
    )
    fit = meta.fit(seed=6, **SETTINGS)
    assert fit.backend == "pymc"
    assert set(fit.idata.posterior.data_vars) == {"mu", "tau", "theta"}
    exact = meta.with_tau_prior(hm.meta.Gamma(2.0, 0.2)).exact().summary()
    _within_mcse(fit, exact, ["mu", "tau"])


def test_exact_backend_and_leave_one_out(bcg):
    meta = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial")
    fit = meta.fit(seed=7, backend="exact")
    assert fit.backend == "exact"
    tab, exact = fit.summary(), meta.exact().summary()
    for r in ("mu", "tau"):
        assert abs(tab.loc[r, "mean"] - exact.loc[r, "mean"]) < 4 * exact.loc[r, "sd"] / np.sqrt(
            4000
        )
    loo = fit.leave_one_out()
    assert loo.index.names == ["omitted_trial", "parameter"]
    assert len(loo) == 13 * 3
    sub = meta.drop_study(7).exact().summary()  # position 7 is trial 8 (TPT Madras)
    np.testing.assert_allclose(loo.loc[8].to_numpy(), sub.loc[["mu", "tau", "theta_new"]])
    # without the big null trial the pooled effect is more protective
    assert loo.loc[(8, "mu"), "mean"] < tab.loc["mu", "mean"]
    with pytest.raises(hm.HiermodelsError, match="method"):
        fit.leave_one_out(method="bootstrap")
    with warnings.catch_warnings():
        warnings.simplefilter("error", HiermodelsWarning)
        fit.diagnostics()
