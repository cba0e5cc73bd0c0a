"""Shrinkage tables: closed forms on synthetic draws (no MCMC), then sampled fits.

References: the pooling factor lambda_j = (sigma^2/n_j) / (sigma^2/n_j + tau^2) of a
Gaussian random intercept (Gelman & Hill 2007, eq. 12.16); the conditional posterior mean
of b_j is (1 - lambda_j) times its least-squares estimate (Lindley & Smith 1972).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from explainfits import fake_fit, fit_of

import hiermodels as hm
from hiermodels.derive.shrinkage import grouped_glm, pooling_factors
from hiermodels.errors import HiermodelsError
from hiermodels.families import get_family


# --------------------------------------------------------------------------- closed forms
def test_pooling_factor_closed_form_gaussian_intercept():
    rng = np.random.default_rng(0)
    tau = rng.uniform(0.1, 3, 50)
    sigma = rng.uniform(0.5, 2, 50)
    n = np.arange(1, 21)
    lam = pooling_factors(
        tau[:, None, None] ** 2, (n / 1.0)[None, :, None, None] / sigma[:, None, None, None] ** 2
    )
    expect = (sigma[:, None] ** 2 / n) / (sigma[:, None] ** 2 / n + tau[:, None] ** 2)
    np.testing.assert_allclose(lam[..., 0, 0], expect, rtol=1e-12)


def test_pooling_matrix_gives_the_conditional_posterior_mean():
    # y = Z b + e, b ~ N(0, G): E[b | y] = (Z'Z/s2 + G^-1)^-1 Z'y / s2 = (I - Lambda) b_LS
    rng = np.random.default_rng(1)
    Z = np.column_stack([np.ones(7), np.arange(7.0)])
    G = np.array([[2.0, 0.3], [0.3, 0.5]])
    s2 = 1.7
    y = rng.normal(size=7)
    info = Z.T @ Z / s2
    exact = np.linalg.solve(info + np.linalg.inv(G), Z.T @ y / s2)
    b_ls = np.linalg.lstsq(Z, y, rcond=None)[0]
    lam = pooling_factors(G[None], info[None])[0, 0]
    np.testing.assert_allclose((np.eye(2) - lam) @ b_ls, exact, rtol=1e-10)
    # a singular G (an SD of exactly zero) pools that term completely, no error
    lam0 = pooling_factors(np.diag([0.0, 1.0])[None], info[None])[0, 0]
    assert lam0[0, 0] == pytest.approx(1.0)


def test_grouped_glm_gaussian_equals_per_cluster_least_squares():
    rng = np.random.default_rng(2)
    codes = np.repeat(np.arange(5), [1, 2, 4, 6, 8])
    x = rng.normal(size=codes.size)
    Z = np.column_stack([np.ones_like(x), x])
    y = 1 + 2 * x + rng.normal(size=x.size)
    fam = get_family("gaussian")
    coef, cov, why = grouped_glm(fam, y, Z, codes, 5, np.zeros_like(y), {"sigma": 1.3})
    assert np.all(np.isnan(coef[0])) and why[0] == "1 row(s) for 2 coefficient(s)"
    for j in range(1, 5):
        m = codes == j
        ref = np.linalg.lstsq(Z[m], y[m], rcond=None)[0]
        np.testing.assert_allclose(coef[j], ref, rtol=1e-10)
        np.testing.assert_allclose(cov[j], 1.3**2 * np.linalg.inv(Z[m].T @ Z[m]), rtol=1e-10)


def test_grouped_glm_poisson_mle_and_degenerate_clusters():
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    codes = np.repeat(np.arange(4), 12)
    x = rng.normal(size=codes.size)
    Z = np.column_stack([np.ones_like(x), x])
    y = rng.poisson(np.exp(0.3 + 0.5 * x)).astype(float)
    y[codes == 2] = 0  # all-zero cluster: the MLE runs to minus infinity
    Z[codes == 3, 1] = 1.5  # a slope that does not vary inside the cluster
    off = rng.normal(0, 0.1, codes.size)
    coef, cov, why = grouped_glm(get_family("poisson"), y, Z, codes, 4, off, {})
    for j in (0, 1):
        m = codes == j
        ref = sm.GLM(y[m], Z[m], family=sm.families.Poisson(), offset=off[m]).fit()
        np.testing.assert_allclose(coef[j], ref.params, rtol=1e-6)
        np.testing.assert_allclose(np.sqrt(np.diag(cov[j])), ref.bse, rtol=1e-4)
    assert np.isnan(coef[2]).all() and "all counts are 0" in why[2]
    assert np.isnan(coef[3]).all() and "does not vary" in why[3]


def _cluster_data():
    rng = np.random.default_rng(4)
    sizes = [1, 1, 2, 3, 5, 8, 13, 21]
    g = np.repeat(np.arange(len(sizes)), sizes)
    y = 10 + rng.normal(0, 2, len(sizes))[g] + rng.normal(0, 1.5, g.size)
    return pd.DataFrame({"y": y, "g": [f"L{k}" for k in g]})


def test_shrinkage_table_on_exact_conditional_draws():
    """Fixed hyperparameters, exact conditional draws of b_j: everything has a closed form."""
    df = _cluster_data()
    model = hm.Model("y ~ 1 + (1 | g)", df)
    g = model.design.groups[0]
    mu, tau, sigma, S = 10.0, 1.2, 1.5, 4000
    n = g.counts()
    ybar = np.bincount(g.codes, model.design.y) / n
    lam = (sigma**2 / n) / (sigma**2 / n + tau**2)
    rng = np.random.default_rng(5)
    r = (1 - lam) * (ybar - mu) + np.sqrt(lam * tau**2) * rng.standard_normal((1, S, len(n)))
    fit = fake_fit(
        model,
        {"Intercept": mu, "sd_g": np.array([tau]), "sigma": sigma, "r_g": r[..., None]},
        draws=S,
    )
    tab = fit.shrinkage("g")
    np.testing.assert_allclose(tab["pooling"], lam, rtol=1e-12)
    np.testing.assert_allclose(tab["no_pool"], ybar, rtol=1e-12)
    np.testing.assert_allclose(tab["no_pool_se"], sigma / np.sqrt(n), rtol=1e-12)
    assert tab["complete_pool"].iloc[0] == pytest.approx(model.design.y.mean())
    mcse = np.sqrt(lam * tau**2 / S)
    expect = mu + (1 - lam) * (ybar - mu)
    assert np.all(np.abs(tab["mean"] - expect) < 4 * mcse)
    assert np.all(np.abs(tab["pooling_empirical"] - lam) < 4 * mcse / np.abs(ybar - mu))
    assert list(tab["n"]) == list(n) and tab.index.name == "g"


def test_shrinkage_errors():
    model = hm.Model("y ~ 1 + (1 | g)", _cluster_data())
    fit = fake_fit(model, {"Intercept": 10.0, "sd_g": np.array([1.0]), "sigma": 1.0})
    with pytest.raises(HiermodelsError, match="not a term"):
        fit.shrinkage("g", "x")
    with pytest.raises(HiermodelsError, match="No grouping factor"):
        fit.shrinkage("h")


# --------------------------------------------------------------------------- sampled fits
@pytest.mark.sampling
def test_radon_shrinkage_toward_population_and_by_size():
    fit = fit_of("radon", "log_radon ~ floor + (1 | county)")
    tab = fit.shrinkage("county")
    assert len(tab) == 85 and tab["no_pool"].notna().all()
    pop = tab["population"].iloc[0]
    lo = np.minimum(tab["no_pool"], pop)
    hi = np.maximum(tab["no_pool"], pop)
    # every partial-pooling estimate lies between its no-pooling estimate and the population mean
    assert ((tab["mean"] >= lo) & (tab["mean"] <= hi)).all()
    # ... and, for the counties away from the population line, also between no and complete
    # pooling (OLS weights counties by size, the model by precision, so the two lines differ)
    cp = tab["complete_pool"].iloc[0]
    away = (tab["no_pool"] - pop).abs() > abs(pop - cp)
    lo2, hi2 = np.minimum(tab["no_pool"], cp), np.maximum(tab["no_pool"], cp)
    inside = (tab["mean"] >= lo2 - abs(pop - cp)) & (tab["mean"] <= hi2 + abs(pop - cp))
    assert inside[away].all()
    # shrinkage grows as county size falls
    rho = pd.Series(tab["n"]).rank().corr(tab["pooling"].rank())
    assert rho < -0.95
    assert tab.loc[tab["n"] <= 2, "pooling"].min() > tab.loc[tab["n"] >= 20, "pooling"].max()
    assert (tab["moved"].abs()[tab["n"] <= 2].mean()) > 3 * tab["moved"].abs()[
        tab["n"] >= 20
    ].mean()
    # the model-based pooling factor matches the observed movement
    assert np.corrcoef(tab["pooling"], tab["pooling_empirical"])[0, 1] > 0.99


@pytest.mark.sampling
def test_sleepstudy_joint_intercept_slope():
    fit = fit_of("sleepstudy", "Reaction ~ Days + (Days | Subject)")
    tab = fit.shrinkage("Subject", ["Intercept", "Days"])
    assert tab.index.names == ["Subject", "term"] and len(tab) == 36
    cov = np.array(tab.attrs["covariance"])
    assert np.allclose(cov, cov.T) and np.all(np.linalg.eigvalsh(cov) > 0)
    assert set(tab.attrs["center"]) == {"Intercept", "Days"}
    # jointly, each subject moves toward the centre in the metric of G: with
    # u = G^-1/2 b the conditional mean is (I + A)^-1 A u, A = G^1/2 I_j G^1/2 (a contraction),
    # although one coordinate alone may move away (the slope is pulled by the intercept)
    c = np.array(list(tab.attrs["center"].values()))
    Gi = np.linalg.inv(cov)
    P = np.column_stack([tab.xs(t, level="term")["mean"] for t in ("Intercept", "Days")]) - c
    N = np.column_stack([tab.xs(t, level="term")["no_pool"] for t in ("Intercept", "Days")]) - c
    ratio = np.sqrt(np.einsum("ji,ik,jk->j", P, Gi, P) / np.einsum("ji,ik,jk->j", N, Gi, N))
    assert np.all(ratio < 1)
    lines = fit.pooling_lines("Subject", "Days", levels=["308", "309"])
    assert list(lines.columns) == ["level", "x", "complete_pool", "no_pool", "partial_pool"]


@pytest.mark.sampling
def test_binomial_response_scale_is_the_observed_proportion():
    fit = fit_of("bball1970", "Hits | trials(AB) ~ 1 + (1 | Player)", "binomial")
    df = hm.datasets.load("bball1970")
    tab = fit.shrinkage("Player", scale="response")
    obs = (df["Hits"] / df["AB"]).to_numpy()
    order = [list(df["Player"].astype(str)).index(p) for p in tab.index]
    np.testing.assert_allclose(tab["no_pool"], obs[order], rtol=1e-6)
    # James-Stein: the partial-pooling estimates are far less spread than the raw averages
    assert tab["mean"].std() < 0.5 * tab["no_pool"].std()
    assert (tab["pooling"] > 0.5).all()
