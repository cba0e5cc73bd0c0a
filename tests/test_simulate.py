"""simulate(): moments of simulated responses against closed forms (no MCMC).

Tolerances: every check compares a Monte Carlo average over D simulated data sets with its
closed-form expectation and allows 4.5 standard errors, the SE computed from the closed-form
variance of that average (so a wrong formula fails, and a correct one fails with
probability < 1e-5 per check).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hiermodels as hm
from hiermodels.derive.simulate import parameter_names, simulate, with_response
from hiermodels.errors import DataError, HiermodelsError

D = 6000
Z = 4.5


def _frame(K=6, m=4, seed=0):
    rng = np.random.default_rng(seed)
    g = np.repeat([f"c{k}" for k in range(K)], m)
    x = np.tile(np.linspace(-1, 1, m), K)
    y = rng.poisson(3, K * m).astype(float)
    n = np.full(K * m, 8)
    return pd.DataFrame({"y": y, "x": x, "g": g, "n": n, "b": (y > 2).astype(float)})


def _close(est, expected, se):
    assert abs(est - expected) < Z * se, (est, expected, se)


def test_gaussian_random_intercept_moments():
    """y = b0 + b1 x + r_j + e: E y = Xb, Var y = tau^2 + sigma^2, Cov (same cluster) = tau^2."""
    df = _frame()
    model = hm.Model("y ~ x + (1 | g)", df)
    tau, sigma = 0.8, 0.6
    p = {"Intercept": 1.0, "x": 2.0, "sd(g, Intercept)": tau, "sigma": sigma}
    sim = simulate(model, p, draws=D, seed=1)
    assert sim.y.shape == (D, len(df))
    v = tau**2 + sigma**2
    mu = 1.0 + 2.0 * df["x"].to_numpy()
    _close(sim.y[:, 0].mean(), mu[0], np.sqrt(v / D))
    _close(sim.y[:, 3].mean(), mu[3], np.sqrt(v / D))
    # Var of a sample variance of normals: 2 v^2 / (D - 1)
    _close(sim.y[:, 0].var(ddof=1), v, np.sqrt(2 * v**2 / (D - 1)))
    # Cov of two rows of one cluster: tau^2; Var(product estimator) = v^2 + tau^4 (normal)
    c = np.cov(sim.y[:, 0], sim.y[:, 1])[0, 1]
    _close(c, tau**2, np.sqrt((v**2 + tau**4) / D))
    # rows of different clusters are independent
    c2 = np.cov(sim.y[:, 0], sim.y[:, 4])[0, 1]
    _close(c2, 0.0, np.sqrt(v**2 / D))
    assert list(sim.params.columns) == parameter_names(model)
    assert np.all(sim.params["x"] == 2.0)


def test_correlated_slopes_within_cluster_covariance():
    """Cov(y_t, y_t') = tau0^2 + (x_t + x_t') tau01 + x_t x_t' tau1^2 (MATH.md §3)."""
    df = _frame()
    model = hm.Model("y ~ x + (x | g)", df)
    t0, t1, rho, sigma = 1.0, 0.7, 0.5, 0.3
    p = {
        "Intercept": 0.0,
        "x": 0.0,
        "sd(g, Intercept)": t0,
        "sd(g, x)": t1,
        "cor(g, Intercept, x)": rho,
        "sigma": sigma,
    }
    sim = simulate(model, p, draws=D, seed=2)
    x = df["x"].to_numpy()
    i, j = 0, 3  # x = -1 and x = 1 in cluster c0
    cov = t0**2 + (x[i] + x[j]) * rho * t0 * t1 + x[i] * x[j] * t1**2
    vi = t0**2 + 2 * x[i] * rho * t0 * t1 + x[i] ** 2 * t1**2 + sigma**2
    vj = t0**2 + 2 * x[j] * rho * t0 * t1 + x[j] ** 2 * t1**2 + sigma**2
    _close(np.cov(sim.y[:, i], sim.y[:, j])[0, 1], cov, np.sqrt((vi * vj + cov**2) / D))
    r = sim.group_effects["g"].reshape(-1, 2)
    _close(np.corrcoef(r.T)[0, 1], rho, (1 - rho**2) / np.sqrt(r.shape[0]))


def test_poisson_lognormal_mixture_moments():
    """Poisson with a N(0, tau^2) intercept: E y = e^{eta + tau^2/2}, Var = E + E^2 (e^{tau^2} - 1)."""
    df = _frame()
    model = hm.Model("y ~ x + (1 | g)", df, family="poisson")
    tau = 0.5
    sim = simulate(model, {"Intercept": 1.0, "x": 0.3, "sd(g, Intercept)": tau}, draws=D, seed=3)
    eta = 1.0 + 0.3 * df["x"].to_numpy()[0]
    m = np.exp(eta + tau**2 / 2)
    v = m + m**2 * (np.exp(tau**2) - 1)
    _close(sim.y[:, 0].mean(), m, np.sqrt(v / D))
    # the 4th central moment is not simple: check the variance through the mean of (y - m)^2
    # using its empirical SD (D = 6000 makes that SE estimate accurate to a few per cent)
    dev = (sim.y[:, 0] - m) ** 2
    _close(dev.mean(), v, dev.std(ddof=1) / np.sqrt(D))


def test_negbinomial_and_binomial_moments():
    """NB2: Var = mu + mu^2/phi; binomial: mean n p, Var n p (1 - p) (zero group SD)."""
    df = _frame()
    nb = hm.Model("y ~ x + (1 | g)", df, family="negbinomial")
    sim = simulate(nb, {"Intercept": 1.5, "x": 0.0, "sd(g, Intercept)": 0.0, "phi": 2.0}, D, 4)
    mu, phi = np.exp(1.5), 2.0
    v = mu + mu**2 / phi
    _close(sim.y[:, 0].mean(), mu, np.sqrt(v / D))
    dev = (sim.y[:, 0] - mu) ** 2
    _close(dev.mean(), v, dev.std(ddof=1) / np.sqrt(D))

    bi = hm.Model(
        "y | trials(n) ~ x + (1 | g)", df.assign(y=np.minimum(df.y, 8)), family="binomial"
    )
    sim = simulate(bi, {"Intercept": 0.4, "x": 0.0, "sd(g, Intercept)": 0.0}, D, 5)
    p = 1 / (1 + np.exp(-0.4))
    _close(sim.y[:, 0].mean(), 8 * p, np.sqrt(8 * p * (1 - p) / D))
    assert sim.y.max() <= 8 and np.all(sim.y == np.round(sim.y))

    be = hm.Model("b ~ x + (1 | g)", df, family="bernoulli")
    sim = simulate(be, {"Intercept": -0.5, "x": 1.0, "sd(g, Intercept)": 0.0}, D, 6)
    p = 1 / (1 + np.exp(-(-0.5 + df["x"].iloc[3])))
    _close(sim.y[:, 3].mean(), p, np.sqrt(p * (1 - p) / D))


def test_prior_mode_draws_parameters_from_the_priors():
    """params=None: sd(g, Intercept) ~ HalfNormal(s) has mean s sqrt(2/pi), sd s sqrt(1 - 2/pi)."""
    df = _frame()
    model = hm.Model("y ~ x + (1 | g)", df, priors={"sd": "half_normal(2)", "x": "normal(1, 0.5)"})
    sim = simulate(model, None, draws=D, seed=7)
    s = 2.0
    _close(
        sim.params["sd(g, Intercept)"].mean(),
        s * np.sqrt(2 / np.pi),
        s * np.sqrt((1 - 2 / np.pi) / D),
    )
    _close(sim.params["x"].mean(), 1.0, 0.5 / np.sqrt(D))
    # the group effects follow the drawn SDs: E[r^2 | sd] = sd^2
    r = sim.group_effects["g"][:, :, 0]
    ratio = (r**2).mean(axis=1) / sim.params["sd(g, Intercept)"].to_numpy() ** 2
    assert abs(np.mean(ratio) - 1) < Z * np.sqrt(2 / r.shape[1] / D)


def test_same_seed_same_data_and_data_frame_roundtrip():
    df = _frame()
    model = hm.Model("y ~ x + (1 | g)", df, family="poisson")
    p = {"Intercept": 1.0, "x": 0.3, "sd(g, Intercept)": 0.5}
    a, b = simulate(model, p, draws=3, seed=11), simulate(model, p, draws=3, seed=11)
    assert np.array_equal(a.y, b.y)
    out = a.data(2)
    assert np.array_equal(out["y"].to_numpy(), a.y[2]) and list(out.columns) == list(df.columns)
    m2 = with_response(model, a.y[1])
    assert np.array_equal(m2.design.y, a.y[1])
    assert m2.priors.equals(model.priors)  # priors are kept, not re-derived
    assert np.array_equal(model.design.y, df["y"].to_numpy())  # the original is untouched


def test_bad_params_raise_naming_the_parameter():
    model = hm.Model("y ~ x + (1 | g)", _frame())
    good = {"Intercept": 0.0, "x": 1.0, "sd(g, Intercept)": 1.0, "sigma": 1.0}
    with pytest.raises(HiermodelsError, match=r"missing.*sigma"):
        simulate(model, {k: v for k, v in good.items() if k != "sigma"})
    with pytest.raises(HiermodelsError, match=r"unknown parameters.*'slope'"):
        simulate(model, {**good, "slope": 1.0})
    with pytest.raises(HiermodelsError, match=r"sd\(g, Intercept\).*positive"):
        simulate(model, {**good, "sd(g, Intercept)": -1.0})
    with pytest.raises(HiermodelsError, match="length draws=2"):
        simulate(model, {**good, "x": [1.0, 2.0, 3.0]}, draws=2)
    with pytest.raises(DataError, match="one per row"):
        with_response(model, np.zeros(3))
    pois = hm.Model("y ~ x + (1 | g)", _frame(), family="poisson")
    with pytest.raises(DataError, match="non-negative integers"):
        with_response(pois, np.full(len(_frame()), -1.0))


def test_model_simulate_delegates_and_is_reproducible():
    model = hm.Model("y ~ x + (1 | g)", _frame())
    p = {"Intercept": 0.0, "x": 1.0, "sd(g, Intercept)": 1.0, "sigma": 1.0}
    a, b = model.simulate(p, draws=2, seed=3), simulate(model, p, draws=2, seed=3)
    assert np.array_equal(a.y, b.y) and a.params.equals(b.params)
    prior = model.simulate(draws=4, seed=1)  # params=None: from the priors
    assert prior.params.shape == (4, 4) and prior.params["sigma"].gt(0).all()
