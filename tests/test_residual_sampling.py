"""Residual structures end to end with MCMC (issue 13): nlme agreement and recovery.

Published values: nlme 3.1-162 REML fits in ``reference_values.py`` (Pinheiro & Bates 2000,
sec. 5.3; calls quoted there). With weakly informative priors the posterior must contain
them within its interval; each interval end is widened by 2 Monte Carlo standard errors
of a quantile, approximated as sd / sqrt(ESS_tail) with the *measured* tail ESS.
Recovery on simulated data: |posterior mean - truth| <= 3.5 sqrt(sd^2 + MCSE^2), MCSE =
sd / sqrt(ESS_bulk) (a 3.5-sigma statistical bound, false-alarm rate ~5e-4 per check).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import reference_values as ref

import hiermodels as hm

pytestmark = pytest.mark.sampling
SETTINGS = dict(draws=300, tune=300, chains=2, progressbar=False)


def _inside(tab, label, value):
    row = tab.loc[label]
    mc = 2 * row["sd"] / np.sqrt(row["ess_tail"])
    assert row["lower"] - mc <= value <= row["upper"] + mc, (label, value, dict(row))


def _recovered(tab, label, truth):
    row = tab.loc[label]
    scale = np.hypot(row["sd"], row["sd"] / np.sqrt(row["ess_bulk"]))
    assert abs(row["mean"] - truth) <= 3.5 * scale, (label, truth, dict(row))


SEASON = "follicles ~ sin(2*pi*Time) + cos(2*pi*Time)"


def test_ovary_gls_ar1_contains_nlme_and_downstream(tmp_path):
    fit = hm.Model(SEASON, hm.datasets.load("ovary"), residual="ar1(Mare)").fit(seed=11, **SETTINGS)
    tab, nl = fit.summary(), ref.OVARY_GLS_AR1
    _inside(tab, "phi", nl["phi"])
    _inside(tab, "sigma", nl["sigma"])
    _inside(tab, "Intercept", nl["fixef"]["(Intercept)"])
    for t in ("sin(2 * pi * Time)", "cos(2 * pi * Time)"):
        _inside(tab, t, nl["fixef"][t])
    assert {"phi", "sigma"} <= set(fit.varcorr().index)
    assert fit.diagnostics()["max_rhat"] < 1.05
    # residual ACF: strong at lag 1 in the raw residuals, removed by the AR(1) normalisation
    acf = fit.residual_acf(max_lag=3)
    assert acf.loc[1, "raw_lower"] > 0.4
    # (P&B 2000 sec. 5.3 go on to ARMA(1,1): AR(1) leaves a little, here about -0.14)
    assert abs(acf.loc[1, "norm_mean"]) < acf.loc[1, "raw_mean"] / 3
    assert acf.loc[1, "implied"] == pytest.approx(tab.loc["phi", "mean"], abs=0.02)
    # replicated data keep the within-mare correlation: lag-1 correlation of y_rep residuals
    yrep = fit.idata.posterior_predictive["follicles"].values.reshape(-1, 308)
    mu = fit.predict(kind="mean").draws.mean(axis=0)
    e = yrep[:50] - mu
    same = fit.model.data["Mare"].to_numpy()
    pair = same[1:] == same[:-1]
    lag1 = np.mean([np.corrcoef(x[:-1][pair], x[1:][pair])[0, 1] for x in e])
    assert lag1 > 0.5  # iid replicates would give ~0; phi ~ 0.75
    # so do predictions for new rows of a unit (here mares 1 and 2 again)
    new = fit.model.data[fit.model.data["Mare"].isin(["1", "2"])]
    draws = fit.predict(new, kind="response", seed=3, max_draws=200).draws
    e = draws - draws.mean(axis=0)
    pair = new["Mare"].to_numpy()[1:] == new["Mare"].to_numpy()[:-1]
    assert np.mean([np.corrcoef(x[:-1][pair], x[1:][pair])[0, 1] for x in e]) > 0.5
    fig = fit.plot.residual_acf(max_lag=3)
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) >= 3
    loo = fit.loo()
    assert loo.n_data_points == 11  # leave-one-mare-out: rows within a mare are dependent
    fit.save(tmp_path / "ar1.nc")
    back = hm.load(tmp_path / "ar1.nc")
    pd.testing.assert_frame_equal(back.varcorr(), fit.varcorr())


def test_ovary_lme_ar1_compare_reml_and_within_covariance():
    fit = hm.Model(SEASON + " + (1 | Mare)", hm.datasets.load("ovary"), residual="ar1(Mare)").fit(
        seed=12, **SETTINGS
    )
    cmp, nl = fit.compare_reml(), ref.OVARY_LME_AR1
    assert cmp.loc["phi", "reml"] == pytest.approx(nl["phi"], abs=1e-4)
    assert cmp.loc["sd(Mare, Intercept)", "reml"] == pytest.approx(nl["sd_(Intercept)"], rel=1e-4)
    tab = fit.summary()
    for label, value in (("phi", nl["phi"]), ("sigma", nl["sigma"])):
        _inside(tab, label, value)
    _inside(tab, "sd(Mare, Intercept)", nl["sd_(Intercept)"])
    _inside(tab, "Intercept", nl["fixef"]["(Intercept)"])
    # Cov(y_t, y_t') = tau^2 + sigma^2 phi^|t - t'|, draw by draw
    assert "ar1(Mare)" in fit.icc().attrs["conditioning"]
    wc = fit.within_covariance()
    post = fit.posterior
    tau2 = post["sd_Mare"].values[..., 0] ** 2
    s2, phi = post["sigma"].values ** 2, post["phi"].values
    assert wc.loc[(0, 0), "mean"] == pytest.approx(np.mean(tau2 + s2), rel=1e-10)
    assert wc.loc[(0, 3), "mean"] == pytest.approx(np.mean(tau2 + s2 * phi**3), rel=1e-10)


def test_orthodont_unstructured_varident_contains_nlme(tmp_path):
    fit = hm.Model(
        "distance ~ age * Sex",
        hm.datasets.load("orthodont"),
        residual="unstructured(age | Subject)",
        sigma="~ 0 + C(age)",
    ).fit(seed=13, **SETTINGS)
    vc, nl = fit.varcorr(), ref.ORTHODONT_GLS_UN
    ages = ["8", "10", "12", "14"]
    for k, a in enumerate(ages):
        _inside(vc, f"sigma(age={a})", nl["sd_by_age"][f"age{a}"])
        for b in range(k + 1, 4):
            _inside(vc, f"cor_residual({a}, {ages[b]})", nl["cor_matrix_ages_8_10_12_14"][k][b])
    fe = fit.summary()
    _inside(fe, "age:Sex[Male]", nl["fixef"]["age:SexMale"])
    _inside(fe, "Intercept", nl["fixef"]["(Intercept)"])
    fit.save(tmp_path / "un.nc")  # the structure and its varIdent levels survive a round trip
    back = hm.load(tmp_path / "un.nc")
    assert back.model.residual.time_levels == ages
    pd.testing.assert_frame_equal(back.varcorr(), vc)


def test_orthodont_cs_equals_random_intercept_correlation():
    od = hm.datasets.load("orthodont")
    cs = hm.Model("distance ~ age * Sex", od, residual="cs(Subject)").fit(seed=14, **SETTINGS)
    tab = cs.summary()
    _inside(tab, "rho", ref.ORTHODONT_GLS_CS["rho"])
    _inside(tab, "sigma", ref.ORTHODONT_GLS_CS["sigma"])
    # the random-intercept model implies compound symmetry: within_covariance shows it
    ri = hm.Model("distance ~ age * Sex + (1 | Subject)", od).fit(seed=15, **SETTINGS)
    wc = ri.within_covariance("Subject")
    off = wc[wc.index.get_level_values(0) != wc.index.get_level_values(1)]
    assert np.ptp(off["cor_mean"]) < 1e-12  # the same correlation for every pair of ages
    icc = ref.ORTHODONT_LME_RI["implied_intraclass_cor"]
    assert off["cor_lower"].iloc[0] <= icc <= off["cor_upper"].iloc[0]
    assert tab.loc["rho", "lower"] <= off["cor_mean"].iloc[0] <= tab.loc["rho", "upper"]


def test_bodyweight_car1_random_slopes_contains_nlme():
    fit = hm.Model(
        "weight ~ Time * Diet + (Time | Rat)",
        hm.datasets.load("bodyweight"),
        residual="car1(Time | Rat)",
    ).fit(seed=16, **SETTINGS)
    tab, nl = fit.summary(), ref.BODYWEIGHT_LME_CAR1
    _inside(tab, "phi", nl["phi"])
    _inside(tab, "sigma", nl["sigma"])
    _inside(tab, "sd(Rat, Time)", nl["sd_Time"])
    _inside(tab, "Time:Diet[2]", nl["fixef"]["Time:Diet2"])
    assert "r_Rat" in fit.posterior  # exact conditional draws of the group effects


def _simulate_ar1(phi=0.6, sigma=1.5, units=40, times=8, seed=5):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(units):
        e = np.empty(times)
        e[0] = rng.normal(0, sigma)
        for t in range(1, times):
            e[t] = phi * e[t - 1] + rng.normal(0, sigma * np.sqrt(1 - phi**2))
        keep = np.sort(rng.choice(times, size=rng.integers(4, times + 1), replace=False))
        x = rng.normal(size=times)
        for t in keep:  # missing occasions: AR(1) over the actual time gaps
            rows.append(dict(u=f"u{u}", t=t, x=x[t], y=1.0 + 0.5 * x[t] + e[t]))
    return pd.DataFrame(rows)


def test_recovery_of_phi_and_comparison_prefers_ar1():
    df = _simulate_ar1()
    table, fits = hm.compare_residual_structures(
        "y ~ x", df, unit="u", time="t", structures=("iid", "ar1"), seed=17, **SETTINGS
    )
    assert table.index[0] == "ar1(t | u)"
    assert table.loc["iid(u)", "elpd_diff"] > 2 * table.loc["iid(u)", "dse"]
    tab = fits["ar1(t | u)"].summary()
    _recovered(tab, "phi", 0.6)
    _recovered(tab, "sigma", 1.5)
    _recovered(tab, "x", 0.5)
    # data that are AR(1): the normalised residuals are white noise, the raw ones are not
    acf = fits["ar1(t | u)"].residual_acf(max_lag=2)
    assert (acf["norm_mean"].abs() < acf["band"]).all()
    assert acf.loc[1, "raw_lower"] > acf.loc[1, "band"]


def test_recovery_of_unstructured_correlations():
    rng = np.random.default_rng(8)
    omega = np.array([[1.0, 0.7, 0.2], [0.7, 1.0, -0.4], [0.2, -0.4, 1.0]])
    sds = np.array([1.0, 2.0, 0.5])
    n = 150
    e = rng.multivariate_normal(np.zeros(3), omega * np.outer(sds, sds), size=n)
    df = pd.DataFrame(
        {"u": np.repeat(np.arange(n), 3), "t": np.tile([1, 2, 3], n), "y": 3.0 + e.ravel()}
    )
    df = df.drop(index=rng.choice(len(df), 40, replace=False))  # missing occasions
    fit = hm.Model("y ~ 1", df, residual="unstructured(t | u)", sigma="~ 0 + C(t)").fit(
        seed=18, **SETTINGS
    )
    vc = fit.varcorr()
    _recovered(vc, "cor_residual(1, 2)", 0.7)
    _recovered(vc, "cor_residual(1, 3)", 0.2)
    _recovered(vc, "cor_residual(2, 3)", -0.4)
    for k, s in enumerate(sds, start=1):
        _recovered(vc, f"sigma(t={k})", s)
