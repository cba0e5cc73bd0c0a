"""Posterior-predictive statistics, quantile residuals, prior predictive, small-cluster checks.

References: lme4 1.1-31 REML fits — Dyestuff sd(Batch) 42.00, residual 49.51; Dyestuff2
sd(Batch) 0 (singular, isSingular() TRUE), residual 3.716 (Bates 2010, lme4 book ch. 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from explainfits import count_fit, fake_fit, fit_of
from scipy import stats

import hiermodels as hm
from hiermodels.derive.checks import lkj_cholesky
from hiermodels.derive.diagnostics import boundary_warnings, sd_at_zero
from hiermodels.derive.residuals import (
    dispersion_test,
    outlier_test,
    pearson_dispersion_test,
    pit_residuals,
    zero_inflation_test,
)


# --------------------------------------------------------------------------- no MCMC
def test_randomised_pit_is_uniform_for_discrete_data():
    rng = np.random.default_rng(0)
    mu = rng.uniform(0.2, 3, 2000)
    y = rng.poisson(mu)
    yrep = rng.poisson(mu, (1000, mu.size))
    r = pit_residuals(y, yrep, rng)
    assert stats.kstest(r, "uniform").pvalue > 0.05
    # without randomisation the PIT of counts is far from uniform
    assert stats.kstest((yrep < y).mean(axis=0), "uniform").pvalue < 1e-6


def test_dispersion_outlier_zero_tests_on_known_data():
    rng = np.random.default_rng(1)
    mu = np.full(500, 3.0)
    yrep = rng.poisson(mu, (800, 500)).astype(float)
    y_ok = rng.poisson(mu).astype(float)
    y_over = rng.poisson(rng.gamma(1.0, mu)).astype(float)  # NB with shape 1
    ratio, p = dispersion_test(y_ok, yrep)
    assert p > 0.01 and ratio == pytest.approx(1, abs=0.2)
    ratio, p = dispersion_test(y_over, yrep)
    assert p < 0.01 and ratio > 2
    t_obs = ((y_over - mu) ** 2 / mu).sum() * np.ones(800)
    t_rep = ((yrep - mu) ** 2 / mu).sum(axis=1)
    assert pearson_dispersion_test(t_obs, t_rep)[1] < 0.01
    share, p, rate = outlier_test(np.r_[np.zeros(30), rng.uniform(size=470)], 800)
    assert share == pytest.approx(0.06) and p < 1e-10 and rate == 2 / 801
    zr, p = zero_inflation_test(np.where(rng.uniform(size=500) < 0.3, 0.0, y_ok), yrep)
    assert zr > 1.5 and p < 0.01


def test_lkj_onion_marginals():
    # each correlation of LKJ(eta) in dimension q is 2 Beta(a, a) - 1, a = eta - 1 + q/2,
    # so Var = 1 / (2a + 1) (Lewandowski et al. 2009)
    rng = np.random.default_rng(2)
    for q, eta in [(2, 1.0), (3, 2.0), (4, 0.8)]:
        L = lkj_cholesky(rng, q, eta, 40_000)
        C = L @ np.swapaxes(L, 1, 2)
        a = eta - 1 + q / 2
        assert np.allclose(np.diagonal(C, axis1=1, axis2=2), 1)
        assert C[:, 0, q - 1].var() == pytest.approx(1 / (2 * a + 1), rel=0.05)


def test_prior_predictive_structure_and_scale():
    s = hm.datasets.load("sleepstudy")
    model = hm.Model("Reaction ~ Days + (Days | Subject)", s)
    pp = model.prior_predictive(draws=400, seed=1)
    assert {"prior", "prior_predictive", "observed_data"} <= set(pp.groups())
    prior = pp.prior
    assert prior["sd_Subject"].dims == ("chain", "draw", "Subject__term")
    assert prior["r_Subject"].shape == (1, 400, 18, 2)
    # the intercept prior is Normal(mean(y), 2.5 sd(y)) at the centred predictor
    ic = prior["Intercept"].values + prior["b"].values[..., 0] * s["Days"].mean()
    assert ic.mean() == pytest.approx(s["Reaction"].mean(), abs=4 * 2.5 * s["Reaction"].std() / 20)
    sd = prior["sd_Subject"].sel(Subject__term="Intercept").values
    assert np.median(sd) == pytest.approx(0.6745 * s["Reaction"].std(ddof=0), rel=0.15)
    assert pp.prior_predictive["Reaction"].shape == (1, 400, 180)
    # same seed, same draws
    again = model.prior_predictive(draws=400, seed=1)
    assert np.array_equal(again.prior_predictive["Reaction"], pp.prior_predictive["Reaction"])


def test_sd_shape_rule_and_barely_moved_flag():
    rng = np.random.default_rng(3)
    assert sd_at_zero(np.abs(rng.normal(0, 1, 4000)))["piles_at_zero"]  # half-normal
    assert not sd_at_zero(rng.gamma(4, 1, 4000))["piles_at_zero"]
    # a posterior equal to its prior: barely moved
    df = hm.datasets.load("dyestuff")
    model = hm.Model("Yield ~ 1 + (1 | Batch)", df)
    scale = model._priors.sd["Batch"]["Intercept"].params["sigma"]
    fit = fake_fit(
        model,
        {
            "Intercept": 1500.0,
            "sd_Batch": np.abs(rng.normal(0, scale, (1, 4000, 1))),
            "sigma": 50.0,
        },
        draws=4000,
    )
    tab = fit.prior_posterior()
    assert tab["overlap"].iloc[0] > 0.9 and abs(tab["contraction"].iloc[0]) < 0.2
    assert tab["barely_moved"].iloc[0] and tab["piles_at_zero"].iloc[0]
    assert any("piles up at zero" in w for w in boundary_warnings(fit.idata))


# --------------------------------------------------------------------------- sampled
@pytest.mark.sampling
def test_residuals_uniform_for_correct_poisson_glmm():
    res = count_fit(False).residuals(seed=1)
    t = res.tests()
    assert t.loc["uniformity (KS)", "p_value"] > 0.05
    assert t.loc["dispersion", "p_value"] > 0.05
    assert 0.8 < t.loc["dispersion", "statistic"] < 1.2
    bg = res.by_group("g")
    assert len(bg) == 40 and bg["residual"].between(0, 1).all()
    assert list(res.to_frame().columns) == ["observed", "predicted", "residual", "predicted_rank"]


@pytest.mark.sampling
def test_residuals_flag_overdispersion_of_nb_data():
    t = count_fit(True).residuals(seed=1).tests()
    assert t.loc["dispersion", "p_value"] < 0.001
    assert t.loc["dispersion", "statistic"] > 1.4


@pytest.mark.sampling
def test_compare_poisson_with_negbinomial_on_nb_data():
    cmp = hm.compare({"poisson": count_fit(True), "negbinomial": count_fit(True, "negbinomial")})
    assert cmp.index[0] == "negbinomial"
    loo = count_fit(False).loo()
    assert np.isfinite(loo.elpd_loo)


@pytest.mark.sampling
def test_ppc_statistics_and_grouped_means():
    fit = fit_of("sleepstudy", "Reaction ~ Days + (1 | Subject)")
    tab = fit.ppc(group="Subject")
    assert list(tab.columns) == [
        "statistic",
        "level",
        "observed",
        "mean",
        "sd",
        "lower",
        "upper",
        "p_value",
    ]
    assert tab.loc["mean", "p_value"] == pytest.approx(0.5, abs=0.1)  # a fitted statistic
    assert len(tab) == 4 + 18 and tab["p_value"].between(0, 1).all()
    counts = count_fit(False).ppc()
    assert "zeros" in counts.index


@pytest.mark.sampling
def test_dyestuff2_warns_dyestuff_does_not():
    d2 = fit_of("dyestuff2", "Yield ~ 1 + (1 | Batch)")
    d1 = fit_of("dyestuff", "Yield ~ 1 + (1 | Batch)")
    w2 = d2.diagnostics()["warnings"]
    assert any("sd(Batch, Intercept) piles up at zero" in w for w in w2)
    assert d2.diagnostics()["verdict"] != "ok"
    assert not any("piles up" in w for w in d1.diagnostics()["warnings"])
    # REML: boundary for Dyestuff2, lme4's values for Dyestuff
    r2 = d2.compare_reml()
    assert (
        r2.loc["sd(Batch, Intercept)", "boundary"] and r2.loc["sd(Batch, Intercept)", "reml"] < 1e-3
    )
    assert r2.loc["sigma", "reml"] == pytest.approx(3.716, abs=0.002)
    r1 = d1.compare_reml()
    assert not r1["boundary"].any()
    assert r1.loc["sd(Batch, Intercept)", "reml"] == pytest.approx(42.00, abs=0.01)
    assert r1.loc["sigma", "reml"] == pytest.approx(49.51, abs=0.01)
    assert r1["inside"].all()
    checks = d2.small_cluster_checks()
    assert checks["table"].loc["sd(Batch, Intercept)", "near_zero_ratio"] > 1.5


def test_outlier_rate_of_discrete_data_comes_from_the_simulations():
    """Bernoulli rows can hardly lie outside 400 simulations: the expected share is then
    ~0 and 0 rows outside is no evidence (with the continuous rate 2/401 and 5,000 rows,
    0 outside gave p < 1e-10). Continuous simulations keep 2/(S+1); an excess of rows
    outside is still found in discrete data."""
    rng = np.random.default_rng(3)
    S, n = 400, 5000
    yrep = rng.binomial(1, 0.3, (S, n)).astype(float)
    r = rng.uniform(0.01, 0.99, n)
    share, p, rate = outlier_test(r, S, yrep)
    assert share == 0 and rate < 1e-4 and p > 0.5
    assert outlier_test(r, S)[1] < 1e-10  # the continuous rate: a false alarm
    cont = rng.normal(size=(S, 50))
    assert outlier_test(rng.uniform(size=50), S, cont)[2] == pytest.approx(2 / (S + 1))
    counts = rng.poisson(20, (S, n)).astype(float)  # wide counts: few ties at the extremes
    _, _, rate = outlier_test(r, S, counts)
    assert 0 < rate < 2 / (S + 1)
    r_bad = np.r_[np.zeros(100), rng.uniform(size=n - 100)]
    assert outlier_test(r_bad, S, counts)[1] < 1e-6
