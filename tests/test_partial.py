"""The partially collapsed Gaussian path (largest intercept-only factor integrated out).

Independent references: the log density satisfies the Gaussian identity
p(theta | y) * p(r_c | theta, y) = p(theta, r_c | y) with the conditional computed by dense
linear algebra (numpy solve, scipy multivariate normal) and the joint density from the joint
kernel; gradients against central finite differences; the exact draws' conditional means
against the dense conditional mean; the posterior against the fully marginal path (a different
exact algorithm) within Monte Carlo error from measured ESS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

import hiermodels as hm
from hiermodels.backends.kernels import _raw_logp, kernel_data
from hiermodels.backends.kernels.posterior import constrained
from hiermodels.backends.marginal_sampler import uses_marginal
from hiermodels.backends.partial_sampler import (
    logp_function,
    partial_factor,
    partial_parts,
    partial_route,
    sample_partial,
)


def _crossed(n=240, Ja=20, Jc=7, seed=1):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a": rng.integers(0, Ja, n).astype(str),
            "c": rng.integers(0, Jc, n).astype(str),
            "x": rng.normal(size=n),
        }
    )
    ra = rng.normal(scale=0.7, size=Ja)
    rc = rng.normal(scale=0.5, size=Jc)
    df["y"] = (
        1 + 0.5 * df.x + ra[df.a.astype(int)] + rc[df.c.astype(int)] + rng.normal(scale=0.8, size=n)
    )
    return df


def _mu_without(m, full, th, cf):
    """The linear predictor without factor cf, by plain NumPy from the named parameters."""
    vals = constrained(m, full, th[None])
    d = m.design
    Xc = d.X[:, [k for k, n in enumerate(d.fixed_names) if n != "Intercept"]] - m._priors.xbar
    mu = th[0] + Xc @ th[1 : 1 + Xc.shape[1]]
    for f, g in enumerate(m.design.groups):
        if f == cf:
            continue
        z = th[full.fz[f] : full.fz[f] + g.n_levels * g.q].reshape(g.n_levels, g.q)
        r = z if full.fcent[f] else z @ vals["L_" + g.dim][0].T
        mu = mu + np.sum(g.Z * r[g.codes], axis=1)
    return mu, vals


@pytest.mark.parametrize("formula", ["y ~ x + (1 | a) + (1 | c)", "y ~ x + (1 | a) + (x | c)"])
@pytest.mark.parametrize("par", ["auto", {"c": "centered"}, {"c": "noncentered"}])
def test_log_density_identity_and_gradient(formula, par):
    df = _crossed()
    m = hm.Model(formula, df, parameterization=par)
    cf = partial_factor(m)
    assert m.design.groups[cf].name == "a"  # the intercept-only factor with most levels
    full, data, keep = partial_parts(m, cf)
    f = logp_function()
    rng = np.random.default_rng(2)
    th = rng.normal(scale=0.5, size=len(keep))
    lp, grad = f(th, **data)
    eps = 1e-6
    fd = np.array(
        [
            (f(th + eps * e, **data)[0] - f(th - eps * e, **data)[0]) / (2 * eps)
            for e in np.eye(len(th))
        ]
    )
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(grad).max()))
    # identity with the joint kernel (factor a centred there) and the dense conditional of r_a
    g = m.design.groups[cf]
    J = g.n_levels
    fullth = np.zeros(full.n_dim)
    fullth[keep] = th
    ra = rng.normal(size=J)
    fullth[full.fz[cf] : full.fz[cf] + J] = ra
    lp_joint, _ = _raw_logp(full)(fullth, **kernel_data(m, full))
    mu, vals = _mu_without(m, full, fullth, cf)
    sig = vals["sigma"][0]
    tau = vals["sd_" + g.dim][0, 0]
    Za = np.zeros((len(df), J))
    Za[np.arange(len(df)), g.codes] = 1.0
    prec = Za.T @ Za / sig**2 + np.eye(J) / tau**2
    mean = np.linalg.solve(prec, Za.T @ (df.y.to_numpy() - mu) / sig**2)
    lcond = st.multivariate_normal(mean, np.linalg.inv(prec)).logpdf(ra)
    assert lp == pytest.approx(lp_joint - lcond, rel=1e-10, abs=1e-8)


def test_exact_draws_conditional_mean_is_dense_conditional_mean():
    from hiermodels.backends.kernels.partial_nb import draw_collapsed_effects

    df = _crossed(seed=4)
    m = hm.Model("y ~ x + (1 | a) + (1 | c)", df)
    cf = partial_factor(m)
    full, data, keep = partial_parts(m, cf)
    rng = np.random.default_rng(5)
    th = np.zeros(full.n_dim)
    th[keep] = rng.normal(scale=0.4, size=len(keep))
    mu, vals = _mu_without(m, full, th, cf)
    g = m.design.groups[cf]
    other = next(h for f, h in enumerate(m.design.groups) if f != cf)
    fo = m.design.groups.index(other)
    z = th[full.fz[fo] : full.fz[fo] + other.n_levels].reshape(-1, 1)
    r_other = z if full.fcent[fo] else z * vals["sd_" + other.dim][0, 0]
    sig, tau = vals["sigma"][0], vals["sd_" + g.dim][0, 0]
    gam = np.concatenate([th[: full.has_int + full.P], r_other.ravel()])
    draws, cmean = draw_collapsed_effects(
        gam[None].copy(),
        np.array([sig]),
        np.array([tau]),
        data["Yc"],
        data["m_ptr"],
        data["m_idx"],
        data["m_val"],
        data["nlev"],
        np.array([7]),
    )
    Za = np.zeros((len(df), g.n_levels))
    Za[np.arange(len(df)), g.codes] = 1.0
    prec = Za.T @ Za / sig**2 + np.eye(g.n_levels) / tau**2
    dense_mean = np.linalg.solve(prec, Za.T @ (df.y.to_numpy() - mu) / sig**2)
    np.testing.assert_allclose(cmean[0], dense_mean, rtol=1e-9, atol=1e-12)
    # the draw's standardised deviations are N(0, 1) (variance from the dense conditional)
    zdev = (draws[0] - dense_mean) / np.sqrt(np.diag(np.linalg.inv(prec)))
    assert np.all(np.abs(zdev) < 5)


def test_route_big_crossed_gaussian_takes_partial_path():
    rng = np.random.default_rng(0)
    n = 3000
    df = pd.DataFrame(
        {"a": rng.integers(0, 900, n).astype(str), "c": rng.integers(0, 450, n).astype(str)}
    )
    df["y"] = rng.normal(size=n)
    m = hm.Model("y ~ 1 + (1 | a) + (1 | c)", df)
    assert not uses_marginal(m)  # dense rest 451 > MAX_DENSE_REST
    assert partial_route(m) == [g.name for g in m.design.groups].index("a")
    small = hm.Model("y ~ 1 + (1 | a) + (1 | c)", _crossed())
    assert uses_marginal(small)
    # not for non-Gaussian models or explicit parameterisations
    assert (
        partial_route(hm.Model("y ~ 1 + (1 | a) + (1 | c)", df, parameterization="centered"))
        is None
    )


@pytest.mark.sampling
def test_posterior_agrees_with_marginal_path_and_native_equals_callback():
    df = _crossed(n=300, Ja=24, Jc=8, seed=9)
    m = hm.Model("y ~ x + (1 | a) + (1 | c)", df)
    cf = partial_factor(m)
    kw = dict(draws=400, tune=300, chains=2, seed=13, target_accept=0.9, progressbar=False)
    part = sample_partial(m, cf, native=True, **kw)
    again = sample_partial(m, cf, native=False, **kw)
    for v in ("sd_a", "sd_c", "sigma", "Intercept", "r_a"):
        np.testing.assert_array_equal(part.posterior[v].values, again.posterior[v].values)
    assert int(part.sample_stats.diverging.sum()) == 0
    ref = m.fit(draws=600, tune=300, chains=2, seed=14, progressbar=False)  # marginal path
    import arviz as az

    for v in ("sd_a", "sd_c", "sigma", "Intercept", "b"):
        a = part.posterior[v].values.reshape(800, -1)
        b = ref.idata.posterior[v].values.reshape(1200, -1)
        ess_a = np.atleast_1d(az.ess(part.posterior, var_names=[v])[v].values).ravel()
        ess_b = np.atleast_1d(az.ess(ref.idata, var_names=[v])[v].values).ravel()
        se = np.sqrt(a.var(0) / ess_a + b.var(0) / ess_b)
        assert np.all(np.abs(a.mean(0) - b.mean(0)) < 4 * se), v
    ra = part.posterior["r_a"].values.reshape(800, -1)
    rb = ref.idata.posterior["r_a"].values.reshape(1200, -1)
    assert np.corrcoef(ra.mean(0), rb.mean(0))[0, 1] > 0.99
