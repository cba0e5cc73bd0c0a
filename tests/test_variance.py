"""Variance decomposition, ICC, R², design effect and random-slope variance functions.

Closed forms on synthetic draws (no MCMC), then sampled fits against lme4 values:
* sleepstudy, lmer(Reaction ~ Days + (1 | Subject)) REML: sd(Subject) 37.12, residual
  30.99, so ICC = 1378.2 / (1378.2 + 960.5) = 0.589 (Bates et al. 2015, lme4 1.1-31);
* Pastes, lmer(strength ~ 1 + (1 | batch/cask)): variances batch 1.657, cask:batch 8.434,
  residual 0.678; two rows of one cask correlate (1.657 + 8.434) / 10.769 = 0.937;
* cbpp, glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), binomial): herd
  variance 0.4123, latent ICC 0.4123 / (0.4123 + pi^2/3) = 0.111.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from explainfits import fake_fit, fit_of

import hiermodels as hm
from hiermodels.derive.variance import (
    design_effect_formula,
    distribution_variance,
    icc_from_variances,
    slope_covariance,
    slope_variance,
)
from hiermodels.families import get_family


# --------------------------------------------------------------------------- closed forms
def test_icc_from_known_variances():
    out = icc_from_variances({"a": 2.0, "b": 1.0}, residual_var=1.0, fixed_var=4.0)
    assert out["VPC(a)"] == pytest.approx(0.5)
    assert out["VPC(b)"] == pytest.approx(0.25)
    assert out["adjusted"] == pytest.approx(0.75)
    assert out["conditional"] == pytest.approx(3 / 8)


def test_design_effect_formula():
    assert design_effect_formula(0.1, 11) == pytest.approx(2.0)  # Kish: 1 + (m - 1) icc
    assert design_effect_formula(0.0, 50, 0.7) == pytest.approx(1.0)
    # Eldridge et al. (2006): 1 + ((cv^2 + 1) m - 1) icc
    assert design_effect_formula(0.05, 20, 0.5) == pytest.approx(1 + (1.25 * 20 - 1) * 0.05)


def test_slope_covariance_formula_against_simulation():
    rng = np.random.default_rng(0)
    tau0, tau1, rho = 2.0, 0.7, -0.4
    cov = np.array([[tau0**2, rho * tau0 * tau1], [rho * tau0 * tau1, tau1**2]])
    b = rng.multivariate_normal([0, 0], cov, 400_000)
    for t, t2 in [(0.0, 3.0), (1.0, 2.0), (4.0, 4.0)]:
        mc = np.cov(b[:, 0] + b[:, 1] * t, b[:, 0] + b[:, 1] * t2)[0, 1]
        exact = slope_covariance(tau0, tau1, rho, t, t2)
        assert exact == pytest.approx(tau0**2 + (t + t2) * rho * tau0 * tau1 + t * t2 * tau1**2)
        assert mc == pytest.approx(exact, abs=0.05)
    assert slope_variance(tau0, tau1, rho, 2.5) == pytest.approx(
        slope_covariance(tau0, tau1, rho, 2.5, 2.5)
    )


def test_distribution_specific_variances():
    assert distribution_variance(get_family("bernoulli")) == pytest.approx(np.pi**2 / 3)
    assert distribution_variance(get_family("bernoulli", "probit")) == pytest.approx(1.0)
    lam = np.exp(0.3 + 0.5 / 2)
    assert distribution_variance(get_family("poisson"), 0.3, 0.5) == pytest.approx(
        np.log1p(1 / lam)
    )
    nb = distribution_variance(get_family("negbinomial"), 0.3, 0.5, phi=4.0)
    assert nb == pytest.approx(np.log(1 + 1 / lam + 1 / 4))


def _nested_fake(tau_a=2.0, tau_b=1.0, sigma=1.5):
    df = hm.datasets.load("pastes")
    model = hm.Model("strength ~ 1 + (1 | batch/cask)", df)
    return fake_fit(
        model,
        {
            "Intercept": 60.0,
            "sd_batch": np.array([tau_a]),
            "sd_batch__cask": np.array([tau_b]),
            "sigma": sigma,
        },
    )


def test_variance_decomposition_and_icc_from_known_variances():
    fit = _nested_fake()
    vd = fit.variance_decomposition()
    total = 4.0 + 1.0 + 2.25
    np.testing.assert_allclose(vd["mean"], [4 / total, 1 / total, 2.25 / total])
    np.testing.assert_allclose(vd["variance"], [4.0, 1.0, 2.25])
    assert list(vd.columns) == ["variance", "mean", "sd", "lower", "upper"]
    icc = fit.icc()
    assert icc.loc["ICC(batch)", "mean"] == pytest.approx(4 / total)
    assert icc.loc["ICC(batch:cask)", "mean"] == pytest.approx(5 / total)  # same batch and cask
    assert icc.loc["ICC adjusted", "mean"] == pytest.approx(5 / total)
    de = fit.design_effect()
    m = 60 / 30
    assert de.loc[("batch:cask", "design_effect"), "mean"] == pytest.approx(1 + (m - 1) * 5 / total)
    assert de.loc[("batch:cask", "effective_n"), "mean"] == pytest.approx(
        60 / (1 + (m - 1) * 5 / total)
    )


def test_random_slope_components_and_r2_on_synthetic_draws():
    s = hm.datasets.load("sleepstudy")
    model = hm.Model("Reaction ~ Days + (Days | Subject)", s)
    tau0, tau1, rho, sigma, beta = 25.0, 6.0, 0.1, 25.0, 10.0
    fit = fake_fit(
        model,
        {
            "Intercept": 250.0,
            "b": np.array([beta]),
            "sd_Subject": np.array([tau0, tau1]),
            "cor_Subject": np.array([[1.0, rho], [rho, 1.0]]),
            "sigma": sigma,
        },
    )
    days = model.design.X[:, 1]
    # Johnson (2014): sigma_l^2 = mean over rows of z'Gz
    sig_l = np.mean(slope_variance(tau0, tau1, rho, days))
    sig_f = beta**2 * days.var()
    r2 = fit.r2()
    assert r2.loc["marginal", "mean"] == pytest.approx(sig_f / (sig_f + sig_l + sigma**2))
    assert r2.loc["conditional", "mean"] == pytest.approx(
        (sig_f + sig_l) / (sig_f + sig_l + sigma**2)
    )
    vf = fit.variance_function("Subject", x=[0.0, 5.0])
    assert vf.loc[5.0, "mean"] == pytest.approx(slope_variance(tau0, tau1, rho, 5.0))
    assert vf.attrs["pattern"].startswith("fan-out")  # rho > 0: vertex below 0
    wc = fit.within_covariance("Subject", x=[0.0, 9.0])
    assert wc.loc[(0.0, 9.0), "mean"] == pytest.approx(slope_covariance(tau0, tau1, rho, 0, 9))
    assert wc.loc[(9.0, 9.0), "mean"] == pytest.approx(
        slope_variance(tau0, tau1, rho, 9) + sigma**2
    )


# --------------------------------------------------------------------------- sampled fits
@pytest.mark.sampling
def test_sleepstudy_icc_contains_lme4():
    fit = fit_of("sleepstudy", "Reaction ~ Days + (1 | Subject)")
    icc = fit.icc()
    row = icc.loc["ICC(Subject)"]
    assert row["lower"] < 0.589 < row["upper"]
    assert icc.loc["ICC adjusted", "mean"] == pytest.approx(row["mean"])
    assert icc.loc["ICC conditional", "mean"] < row["mean"]
    r2 = fit.r2()
    assert 0 < r2.loc["marginal", "mean"] < r2.loc["conditional", "mean"] < 1
    assert 0.5 < r2.loc["bayes", "mean"] < 0.9
    assert fit.variance_decomposition()["mean"].sum() == pytest.approx(1.0)


@pytest.mark.sampling
def test_pastes_nested_icc_contains_lme4():
    fit = fit_of("pastes", "strength ~ 1 + (1 | batch/cask)")
    icc = fit.icc()
    row = icc.loc["ICC(batch:cask)"]
    assert row["lower"] < 0.937 < row["upper"]
    assert icc.loc["ICC(batch)", "lower"] < 1.657 / 10.769 < icc.loc["ICC(batch)", "upper"]
    vd = fit.variance_decomposition()
    assert list(vd.index) == ["batch", "batch:cask", "residual"]


@pytest.mark.sampling
def test_cbpp_latent_icc_contains_glmer():
    fit = fit_of("cbpp", "incidence | trials(size) ~ period + (1 | herd)", "binomial")
    icc = fit.icc()
    assert icc.loc["ICC(herd)", "lower"] < 0.111 < icc.loc["ICC(herd)", "upper"]
    assert "pi^2/3" in icc.attrs["scale"]


@pytest.mark.sampling
def test_sleepstudy_random_slopes_fan_out():
    fit = fit_of("sleepstudy", "Reaction ~ Days + (Days | Subject)")
    vf = fit.variance_function("Subject")
    assert vf.attrs["pattern"].startswith("fan-out")
    assert vf["mean"].iloc[-1] > 3 * vf["mean"].iloc[0]
    assert isinstance(fit.design_effect(), pd.DataFrame)
