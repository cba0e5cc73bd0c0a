"""Per-factor centred / non-centred kernel, probit link and Uniform priors (issue 11, 2-3).

Independent references:

* log density and gradient against the PyMC graph built with the same per-factor
  parameterisation (``model.pymc_model.compile_logp`` / ``compile_dlogp``), for models
  whose PyMC value variables are the kernel's coordinates (uncorrelated factors);
* centred group effects against ``scipy.stats.multivariate_normal`` and the change of
  variables r = L z (log p_c = log p_nc - J log|det L|);
* probit log-likelihood against ``scipy.special.log_ndtr`` (also far in the tail);
* gradients against central finite differences.
"""

import numpy as np
import pytest
from scipy import special, stats
from test_kernel import _fd_check, _sim_counts

import hiermodels as hm
from hiermodels.backends.kernels import _raw_logp, initial_point, kernel_data, supports
from hiermodels.backends.kernels.links_nb import log_phi_cdf
from hiermodels.backends.kernels.posterior import constrained
from hiermodels.backends.kernels.priors_nb import encode, positive_transform
from hiermodels.model import names
from hiermodels.model.layout import make_layout
from hiermodels.spec.prior import Prior

CASES = [
    ("yc ~ x + (x | g) + (1 | h)", "poisson", None, "centered", None),
    ("yb ~ x + (x | g)", "bernoulli", "probit", {"g": "centered"}, None),
    (
        "ys | trials(n) ~ x + (1 | g) + (1 | h)",
        "binomial",
        "probit",
        {"g": "centered", "h": "noncentered"},
        {"sd": "uniform(0, 5)"},
    ),
    ("yc ~ x + (x | g) + (1 | g:h)", "negbinomial", None, "centered", {"phi": "uniform(0.1, 50)"}),
    ("yg ~ x + (x | g) + (1 | h)", "gaussian", None, "centered", {"sigma": "uniform(0, 10)"}),
]


def _model(formula, family, link, par, priors):
    return hm.Model(
        formula, _sim_counts(), family=family, link=link, parameterization=par, priors=priors
    )


@pytest.mark.parametrize("formula,family,link,par,priors", CASES)
def test_gradient_finite_differences(formula, family, link, par, priors):
    m = _model(formula, family, link, par, priors)
    assert supports(m)
    lay = make_layout(m, collapsed=False)
    assert lay.fcent.sum() >= 1
    data = kernel_data(m, lay)
    for seed in (0, 1):
        _fd_check(_raw_logp(lay), initial_point(m, lay, np.random.default_rng(seed)), data)


def _pymc_point(m, lay, x):
    """The PyMC graph's value variables at the kernel's unconstrained point ``x``."""
    pm_model = m.pymc_model
    pri = m._priors
    point = {}
    if lay.has_int:
        point["Intercept_c"] = x[0]
    if lay.P:
        point["b"] = x[lay.has_int : lay.has_int + lay.P]
    for f, g in enumerate(m.design.groups):
        tr = "interval" if pri.sd[g.name][g.terms[0]].dist == "Uniform" else "log"
        point[f"{names.sd(g)}_{tr}__"] = x[lay.flogsd[f] : lay.flogsd[f] + g.q]
        block = x[lay.fz[f] : lay.fz[f] + g.n_levels * g.q].reshape(g.n_levels, g.q)
        point[names.effects(g) if lay.fcent[f] else names.std_effects(g)] = block
    for name, p in pri.aux.items():
        point[f"{name}_{'interval' if p.dist == 'Uniform' else 'log'}__"] = x[lay.aux_pos]
    assert set(point) == {v.name for v in pm_model.value_vars}, (set(point), pm_model.value_vars)
    return point


GRAPH_CASES = [
    (
        "yc ~ x + (1 | g) + (x || h)",
        "negbinomial",
        None,
        {"g": "centered", "h": "noncentered"},
        {"sd(h)": "uniform(0, 3)", "phi": "uniform(0.5, 40)"},
    ),
    (
        "ys | trials(n) ~ x + (1 | g) + (1 | h)",
        "binomial",
        "probit",
        {"g": "noncentered", "h": "centered"},
        {"sd(g)": "uniform(0, 4)"},
    ),
]


@pytest.mark.parametrize("formula,family,link,par,priors", GRAPH_CASES)
def test_logp_and_gradient_equal_pymc_graph(formula, family, link, par, priors):
    """Same coordinates (log / interval transforms, r or z) -> same density and gradient."""
    m = _model(formula, family, link, par, priors)
    lay = make_layout(m, collapsed=False)
    assert list(lay.fcent) == [int(par[g.name] == "centered") for g in m.design.groups]
    data = kernel_data(m, lay)
    f = _raw_logp(lay)
    pm_model = m.pymc_model
    logp_fn, dlogp_fn = pm_model.compile_logp(), pm_model.compile_dlogp()
    for seed in (0, 1):
        x = initial_point(m, lay, np.random.default_rng(seed))
        point = _pymc_point(m, lay, x)
        lp, grad = f(x, **data)
        np.testing.assert_allclose(lp, logp_fn(point), rtol=1e-10)
        g_pm = dlogp_fn(point)
        # PyMC's gradient is over value_vars in order, raveled; place the kernel's alike
        sizes = [np.size(point[v.name]) for v in pm_model.value_vars]
        parts = np.split(g_pm, np.cumsum(sizes)[:-1])
        for v, part in zip(pm_model.value_vars, parts, strict=True):
            idx = _index_of(m, lay, v.name)
            np.testing.assert_allclose(grad[idx], part, rtol=1e-8, atol=1e-8, err_msg=v.name)


def _index_of(m, lay, name):
    if name == "Intercept_c":
        return np.array([0])
    if name == "b":
        return np.arange(lay.has_int, lay.has_int + lay.P)
    for f, g in enumerate(m.design.groups):
        if name.startswith(names.sd(g) + "_"):
            return np.arange(lay.flogsd[f], lay.flogsd[f] + g.q)
        if name in (names.effects(g), names.std_effects(g)):
            return np.arange(lay.fz[f], lay.fz[f] + g.n_levels * g.q)
    return np.array([lay.aux_pos])


def test_centred_equals_noncentred_minus_jacobian_and_scipy():
    """r_j = L z_j: log p_c(theta, r) = log p_nc(theta, z) - J log|det L|; and the centred
    prior term equals sum_j scipy multivariate_normal(0, LL').logpdf(r_j)."""
    df = _sim_counts()
    kw = dict(family="poisson")
    mc = hm.Model("yc ~ x + (x | g)", df, parameterization="centered", **kw)
    mn = hm.Model("yc ~ x + (x | g)", df, parameterization="noncentered", **kw)
    lc, ln = make_layout(mc, collapsed=False), make_layout(mn, collapsed=False)
    assert list(lc.fcent) == [1] and list(ln.fcent) == [0]
    fc, fn = _raw_logp(lc), _raw_logp(ln)
    dc, dn = kernel_data(mc, lc), kernel_data(mn, ln)
    g = mc.design.groups[0]
    for seed in (0, 1, 2):
        xn = initial_point(mn, ln, np.random.default_rng(seed))
        L = constrained(mn, ln, xn[None, :])["L_g"][0]
        z = xn[ln.fz[0] :].reshape(g.n_levels, g.q)
        r = z @ L.T
        xc = xn.copy()
        xc[lc.fz[0] :] = r.ravel()
        logdet = g.n_levels * np.log(abs(np.linalg.det(L)))
        np.testing.assert_allclose(fc(xc, **dc)[0], fn(xn, **dn)[0] - logdet, rtol=1e-11)
        # the prior term alone: swap r for 2r changes only it (and the likelihood, removed)
        mvn = stats.multivariate_normal(np.zeros(g.q), L @ L.T)
        ref = mvn.logpdf(2 * r).sum() - mvn.logpdf(r).sum()
        x2 = xc.copy()
        x2[lc.fz[0] :] = 2 * r.ravel()
        lik = _poisson_loglik(mc, lc, x2) - _poisson_loglik(mc, lc, xc)
        np.testing.assert_allclose(fc(x2, **dc)[0] - fc(xc, **dc)[0] - lik, ref, rtol=1e-9)


def _poisson_loglik(m, lay, x):
    d = m.design
    v = {k: a[0] for k, a in constrained(m, lay, x[None, :]).items()}
    eta = d.X @ np.r_[v["Intercept"], v["b"]]
    g = d.groups[0]
    r = x[lay.fz[0] :].reshape(g.n_levels, g.q)
    eta = eta + np.sum(g.Z * r[g.codes], axis=1)
    return stats.poisson.logpmf(d.y, np.exp(eta)).sum()


@pytest.mark.parametrize("x", [-45.0, -37.5, -31.0, -29.0, -8.0, -1.0, 0.0, 2.5, 9.0])
def test_log_phi_cdf_matches_scipy_far_in_tail(x):
    lp, m = log_phi_cdf(x)
    np.testing.assert_allclose(lp, special.log_ndtr(x), rtol=1e-13, atol=1e-300)
    ref = np.exp(stats.norm.logpdf(x) - special.log_ndtr(x))
    np.testing.assert_allclose(m, ref, rtol=1e-12)


def test_probit_loglik_matches_scipy():
    m = _model("ys | trials(n) ~ x + (1 | g)", "binomial", "probit", "centered", None)
    lay = make_layout(m, collapsed=False)
    data = kernel_data(m, lay)
    d = m.design
    x = initial_point(m, lay, np.random.default_rng(3))
    v = {k: a[0] for k, a in constrained(m, lay, x[None, :]).items()}
    r = x[lay.fz[0] :].reshape(-1, 1)
    eta = d.X @ np.r_[v["Intercept"], v["b"]] + r[d.groups[0].codes, 0]
    ll = stats.binom.logpmf(d.y, d.trials, special.ndtr(eta)).sum()
    ref = ll + stats.norm.logpdf(r[:, 0], 0, v["sd_g"][0]).sum()
    ref += m._priors.intercept.logpdf(v["Intercept_c"]) + m._priors.b["x"].logpdf(v["b"][0])
    ref += m._priors.sd["g"]["Intercept"].logpdf(v["sd_g"][0]) + x[lay.flogsd[0]]
    np.testing.assert_allclose(_raw_logp(lay)(x, **data)[0], ref, rtol=1e-10)


@pytest.mark.parametrize("u", [-30.0, -2.0, 0.0, 0.7, 25.0])
def test_uniform_logit_interval_transform(u):
    """v = lo + (hi - lo) expit(u): value, dv/du (finite differences), log density of u."""
    row = encode(Prior("Uniform", lower=0.5, upper=4.0))
    lp, dlp, v, dv = positive_transform(row, u)
    np.testing.assert_allclose(v, 0.5 + 3.5 * special.expit(u), rtol=1e-14)
    np.testing.assert_allclose(dv, 3.5 * special.expit(u) * special.expit(-u), rtol=1e-12)
    # density of u = uniform density x |dv/du|
    np.testing.assert_allclose(lp, stats.uniform.logpdf(v, 0.5, 3.5) + np.log(dv), rtol=1e-10)
    if abs(u) < 5:  # finite differences where v still moves at double precision
        eps = 1e-6
        fd = [
            (positive_transform(row, u + eps)[k] - positive_transform(row, u - eps)[k]) / (2 * eps)
            for k in (0, 2)
        ]
        np.testing.assert_allclose([dlp, dv], fd, rtol=1e-6)


# ---------------------------------------------------------------- the auto rule
def _sim_poisson(n_groups, per_group, tau, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), per_group)
    x = rng.normal(size=g.size)
    eta = 1.0 + 0.5 * x + rng.normal(0, tau, n_groups)[g]
    return pd.DataFrame({"y": rng.poisson(np.exp(eta)), "x": x, "g": g.astype(str)})


def test_auto_rule_centres_informative_clusters_only():
    rich = hm.Model("y ~ x + (1 | g)", _sim_poisson(30, 60, 0.5), family="poisson")
    poor = hm.Model("y ~ x + (1 | g)", _sim_poisson(30, 2, 0.1), family="poisson")
    assert rich.factor_parameterization == {"g": "centered"}
    assert poor.factor_parameterization == {"g": "noncentered"}
    # the evidence: median pooling factor tau^2 I / (tau^2 I + 1) from the pilot
    row = rich.parameterization_table.loc["g"]
    assert row["source"] == "rule" and row["median_pooling"] > 0.5
    assert 0.3 < row["pilot_sd"][0] < 0.7  # simulated tau = 0.5, ~30 levels
    assert poor.parameterization_table.loc["g", "median_pooling"] < 0.5
    assert "g centered (rule: median pooling factor" in rich.describe()


def test_overrides_and_gaussian_defaults(sleep):
    df = _sim_poisson(30, 60, 0.5)
    m = hm.Model("y ~ x + (1 | g)", df, family="poisson", parameterization="noncentered")
    assert m.factor_parameterization == {"g": "noncentered"}
    m = hm.Model("y ~ x + (1 | g)", df, family="poisson", parameterization={"g": "noncentered"})
    assert m.factor_parameterization == {"g": "noncentered"}
    assert m.parameterization_table.loc["g", "source"] == "user"
    g = hm.Model("Reaction ~ Days + (Days | Subject)", sleep)
    # integrated out: collapsed, or fully marginal where that path applies
    assert g.factor_parameterization["Subject"] in ("collapsed", "marginal")
    # a Uniform SD prior leaves the collapsed path for the sampled-effects kernel
    u = hm.Model("Reaction ~ Days + (Days | Subject)", sleep, priors={"sd": "uniform(0, 100)"})
    assert not u.collapsed and supports(u) and u.default_sampler() == "hiermodels"
    # 10 rows per subject, lme4 REML sd(Intercept) 24.7, sigma 25.6: informative clusters
    assert u.factor_parameterization == {"Subject": "centered"}
    with pytest.raises(hm.HiermodelsError, match="Uniform"):
        hm.Model(
            "Reaction ~ Days + (Days | Subject)",
            sleep,
            parameterization="collapsed",
            priors={"sd": "uniform(0, 100)"},
        )


@pytest.mark.sampling
def test_centred_kernel_fit_matches_noncentred_and_is_reported(tmp_path):
    df = _sim_poisson(20, 40, 0.5, seed=2)
    kw = dict(draws=400, tune=400, chains=2, progressbar=False)
    fc = hm.Model("y ~ x + (1 | g)", df, family="poisson", parameterization="centered").fit(
        seed=1, **kw
    )
    fn = hm.Model("y ~ x + (1 | g)", df, family="poisson", parameterization="noncentered").fit(
        seed=2, **kw
    )
    assert fc.sampler == "hiermodels"
    assert fc.diagnostics()["parameterization"] == {"g": "centered"}
    assert fn.diagnostics()["parameterization"] == {"g": "noncentered"}
    fc.save(tmp_path / "fit.nc")
    assert hm.load(tmp_path / "fit.nc").diagnostics()["parameterization"] == {"g": "centered"}
    a, b = fc.summary(), fn.summary()
    mcse = np.sqrt(a["sd"] ** 2 / a["ess_bulk"] + b["sd"] ** 2 / b["ess_bulk"])
    z = ((a["mean"] - b["mean"]).abs() / mcse).dropna()
    assert len(z) == 3 and (z < 4).all(), z
    # the 20 group effects r_g: same posterior means within Monte Carlo error (measured ESS)
    import arviz as az

    ra, rb = fc.idata.posterior["r_g"], fn.idata.posterior["r_g"]
    ea, eb = az.ess(ra.to_dataset())["r_g"], az.ess(rb.to_dataset())["r_g"]
    dims = ("chain", "draw")
    se = np.sqrt(ra.var(dims) / ea + rb.var(dims) / eb)
    zr = np.abs(ra.mean(dims) - rb.mean(dims)) / se
    assert float(zr.max()) < 4.5, zr.values  # 20 comparisons: P(max |z| > 4.5) < 1e-4


def test_explicit_graph_sampler_says_what_it_costs(sleep, monkeypatch, capsys):
    """sampler="nutpie" samples the PyMC graph only when asked, with a one-line cost note."""
    import hiermodels.backends.sample as sample

    class Stop(Exception):
        pass

    def fake_sample_pymc(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(sample, "sample_pymc", fake_sample_pymc)
    m = hm.Model("Reaction ~ Days + (Days | Subject)", sleep, parameterization="centered")
    assert m.default_sampler() == "hiermodels"
    with pytest.raises(Stop):
        m.fit(sampler="nutpie", draws=10, tune=10, chains=2, progressbar=False)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "compiling the PyMC graph: ~20-60 s" in err[0]
