"""The plumbing new likelihood families plug into (issue 12, "core"), piloted by ``student``
(two auxiliary parameters) and ``zero_inflated_poisson`` (a second linear predictor).

Independent references:

* NumPy ``logpdf`` against ``scipy.stats`` (t; Poisson mixed with a point mass at 0);
* the numba log-likelihoods (``links_nb.loglik_point`` codes 9 and 14) against those, and
  their derivatives (eta, eta2, aux) against central finite differences;
* the whole kernel log density against the PyMC graph (``compile_logp``/``compile_dlogp``) at
  random points, and its gradient against finite differences;
* integer observation weights against the model with rows duplicated;
* the ordered-threshold aux kind against an explicit change of variables;
* draws: recovery of simulated parameters within Monte Carlo error, and salamanders ZIP
  against glmmTMB (tests/reference_values.py: SALAMANDERS_ZIP; Brooks et al. 2017).
"""

import numpy as np
import pandas as pd
import pytest
from reference_values import SALAMANDERS_ZIP
from scipy import special, stats
from test_kernel import _fd_check

import hiermodels as hm
from hiermodels.backends.kernels import _raw_logp, initial_point, kernel_data, supports
from hiermodels.backends.kernels.links_nb import loglik_point
from hiermodels.errors import DataError, FormulaError, HiermodelsError
from hiermodels.families import get_family
from hiermodels.model import names
from hiermodels.model.layout import make_layout


def _sim(n_groups=12, per=15, seed=0):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), per)
    x = rng.normal(size=g.size)
    f = rng.choice(["a", "b", "c"], size=g.size)
    u = rng.normal(0, 0.5, n_groups)[g]
    eta_t = 1.0 + 0.8 * x + u
    y_t = eta_t + 0.7 * rng.standard_t(4, size=g.size)
    lam = np.exp(0.3 + 0.5 * x + u)
    pi = special.expit(-0.5 + 1.0 * (f == "b"))
    y_zip = np.where(rng.random(g.size) < pi, 0, rng.poisson(lam))
    w = rng.integers(1, 4, size=g.size)
    return pd.DataFrame({"yt": y_t, "yc": y_zip, "x": x, "f": f, "g": [f"g{k}" for k in g], "w": w})


# ------------------------------------------------------------------ NumPy families vs SciPy
def test_student_numpy_logpdf_cdf_draw_against_scipy():
    fam = get_family("student")
    assert fam.aux == ("sigma", "nu") and fam.link == "identity"
    rng = np.random.default_rng(1)
    y, eta = rng.normal(size=20), rng.normal(size=20)
    aux = {"sigma": 1.7, "nu": 3.5}
    np.testing.assert_allclose(
        fam.logpdf(y, eta, aux), stats.t.logpdf(y, 3.5, loc=eta, scale=1.7), rtol=1e-12
    )
    np.testing.assert_allclose(fam.cdf(y, eta, aux), stats.t.cdf(y, 3.5, eta, 1.7), rtol=1e-12)
    d = fam.draw(np.random.default_rng(2), np.zeros(40000), {"sigma": 2.0, "nu": 5.0})
    # Var = sigma^2 nu / (nu - 2) = 20/3; the sample variance's SE is about 0.15 here
    assert abs(d.var() - 20 / 3) < 5 * 0.15
    assert np.isinf(fam.variance(0.0, {"sigma": 1.0, "nu": 1.5}))


def test_zip_numpy_logpdf_cdf_against_scipy_mixture():
    fam = get_family("zero_inflated_poisson")
    assert fam.second_predictor == "zi" and fam.link == "log"
    rng = np.random.default_rng(3)
    y = rng.poisson(2.0, 50).astype(float)
    eta, ez = rng.normal(0.5, 0.5, 50), rng.normal(0, 1.5, 50)
    lam, pi = np.exp(eta), special.expit(ez)
    ref = np.log(pi * (y == 0) + (1 - pi) * stats.poisson.pmf(y, lam))
    np.testing.assert_allclose(fam.logpdf(y, eta, {"eta_zi": ez}), ref, rtol=1e-12)
    np.testing.assert_allclose(
        fam.cdf(y, eta, {"eta_zi": ez}), pi + (1 - pi) * stats.poisson.cdf(y, lam), rtol=1e-12
    )
    np.testing.assert_allclose(fam.mean(eta, None, {"eta_zi": ez}), (1 - pi) * lam, rtol=1e-12)
    d = fam.draw(np.random.default_rng(4), np.full(50000, 1.0), {"eta_zi": np.zeros(50000)})
    # E = 0.5 e, SE = sqrt(Var / n) with Var = 0.5 e (1 + 0.5 e)
    m, v = 0.5 * np.e, 0.5 * np.e * (1 + 0.5 * np.e)
    assert abs(d.mean() - m) < 5 * np.sqrt(v / 50000)
    assert abs((d == 0).mean() - (0.5 + 0.5 * np.exp(-np.e))) < 5 * np.sqrt(0.25 / 50000)


# ------------------------------------------------------------------ numba pointwise kernels
def _point(code, y, eta, eta2, aux):
    g = np.zeros(len(aux))
    lp, de, de2 = loglik_point(code, y, 1.0, eta, eta2, np.asarray(aux, float), g)
    return lp, de, de2, g


@pytest.mark.parametrize("y", [-2.3, 0.0, 0.4, 7.5])
def test_student_loglik_point_scipy_and_derivatives(y):
    eta, aux, h = 0.3, [1.4, 3.2], 1e-6
    lp, de, de2, g = _point(9, y, eta, 0.0, aux)
    np.testing.assert_allclose(lp, stats.t.logpdf(y, 3.2, 0.3, 1.4), rtol=1e-12)
    num_e = (_point(9, y, eta + h, 0.0, aux)[0] - _point(9, y, eta - h, 0.0, aux)[0]) / (2 * h)
    np.testing.assert_allclose(de, num_e, rtol=1e-6, atol=1e-9)
    assert de2 == 0.0
    for k in range(2):
        up, dn = list(aux), list(aux)
        up[k] += h
        dn[k] -= h
        num = (_point(9, y, eta, 0.0, up)[0] - _point(9, y, eta, 0.0, dn)[0]) / (2 * h)
        np.testing.assert_allclose(g[k], num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("y", [0.0, 1.0, 4.0])
@pytest.mark.parametrize("eta2", [-3.0, 0.2, 4.0])
def test_zip_loglik_point_scipy_and_derivatives(y, eta2):
    eta, h = 0.7, 1e-6
    lp, de, de2, _ = _point(14, y, eta, eta2, [0.0])
    pi, lam = special.expit(eta2), np.exp(eta)
    ref = np.log(pi * (y == 0) + (1 - pi) * stats.poisson.pmf(y, lam)) + special.gammaln(y + 1)
    np.testing.assert_allclose(lp, ref, rtol=1e-12)  # less -log y!, added by loglik_const
    num_e = (_point(14, y, eta + h, eta2, [0.0])[0] - _point(14, y, eta - h, eta2, [0.0])[0]) / (
        2 * h
    )
    num_2 = (_point(14, y, eta, eta2 + h, [0.0])[0] - _point(14, y, eta, eta2 - h, [0.0])[0]) / (
        2 * h
    )
    np.testing.assert_allclose([de, de2], [num_e, num_2], rtol=1e-6, atol=1e-9)


def test_unknown_code_rejects_the_step():
    lp, _, _, _ = _point(99, 1.0, 0.0, 0.0, [1.0])
    assert np.isnan(lp)


# ------------------------------------------------------------------ kernel vs the PyMC graph
def _pymc_point(m, lay, x):
    """The PyMC graph's value variables at the kernel's point ``x`` (uncorrelated factors)."""
    pri, point = m._priors, {}
    if lay.has_int:
        point["Intercept_c"] = x[0]
    if lay.P:
        point["b"] = x[lay.has_int : lay.has_int + lay.P]
    for f, g in enumerate(m.design.groups):
        point[f"{names.sd(g)}_log__"] = x[lay.flogsd[f] : lay.flogsd[f] + g.q]
        block = x[lay.fz[f] : lay.fz[f] + g.n_levels * g.q].reshape(g.n_levels, g.q)
        point[names.effects(g) if lay.fcent[f] else names.std_effects(g)] = block
    for k, a in enumerate(m.family.aux):
        point[f"{a}_{'interval' if pri.aux[a].dist == 'Uniform' else 'log'}__"] = x[lay.aux_pos + k]
    if lay.Pz:
        point[names.ZI_COEF] = x[lay.zi_pos : lay.zi_pos + lay.Pz]
    assert set(point) == {v.name for v in m.pymc_model.value_vars}
    return point


def _index_of(m, lay, name):
    if name == "Intercept_c":
        return np.array([0])
    if name == "b":
        return np.arange(lay.has_int, lay.has_int + lay.P)
    if name == names.ZI_COEF:
        return np.arange(lay.zi_pos, lay.zi_pos + lay.Pz)
    for f, g in enumerate(m.design.groups):
        if name.startswith(names.sd(g) + "_"):
            return np.arange(lay.flogsd[f], lay.flogsd[f] + g.q)
        if name in (names.effects(g), names.std_effects(g)):
            return np.arange(lay.fz[f], lay.fz[f] + g.n_levels * g.q)
    k = [f"{a}_" for a in m.family.aux].index(name.rsplit("_", 3)[0] + "_")
    return np.array([lay.aux_pos + k])


GRAPH = [
    ("yt ~ x + (1 | g)", "student", None, {"nu": "uniform(1, 60)"}, "centered"),
    ("yt ~ x + f + (1 | g)", "student", None, None, "noncentered"),
    ("yc ~ x + (1 | g)", "zero_inflated_poisson", "~ f + x", None, "noncentered"),
    ("yc ~ x + (1 | g)", "zero_inflated_poisson", None, None, "centered"),
]


@pytest.mark.parametrize("formula,family,zi,priors,par", GRAPH)
def test_kernel_logp_and_gradient_equal_pymc_graph(formula, family, zi, priors, par):
    m = hm.Model(formula, _sim(), family=family, zi=zi, priors=priors, parameterization=par)
    assert supports(m)
    lay = make_layout(m, collapsed=False)
    data = kernel_data(m, lay)
    f = _raw_logp(lay)
    pm_model = m.pymc_model
    logp_fn, dlogp_fn = (
        pm_model.compile_logp(mode="FAST_COMPILE"),
        pm_model.compile_dlogp(mode="FAST_COMPILE"),
    )
    for seed in (0, 1, 2):
        x = initial_point(m, lay, np.random.default_rng(seed))
        x += np.random.default_rng(seed + 10).normal(0, 0.3, x.size)
        point = _pymc_point(m, lay, x)
        lp, grad = f(x, **data)
        np.testing.assert_allclose(lp, logp_fn(point), rtol=1e-8)
        g_pm = dlogp_fn(point)
        sizes = [np.size(point[v.name]) for v in pm_model.value_vars]
        for v, part in zip(pm_model.value_vars, np.split(g_pm, np.cumsum(sizes)[:-1]), strict=True):
            idx = _index_of(m, lay, v.name)
            np.testing.assert_allclose(grad[idx], part, rtol=1e-8, atol=1e-8, err_msg=v.name)
        _fd_check(f, x, data)


def test_layout_blocks_and_prior_rows():
    m = hm.Model("yc ~ x + (1 | g)", _sim(), family="zero_inflated_poisson", zi="~ f")
    lay = make_layout(m, collapsed=False)
    assert lay.aux_pos == -1 and lay.n_aux == 0 and lay.Pz == 3
    assert lay.zi_pos == lay.n_dim - 3  # last: the other positions are unchanged
    assert m.design.zi_names == ["Intercept", "f[b]", "f[c]"]
    tab = m.priors
    assert list(tab.index[tab["class"] == names.ZI_COEF]) == ["zi_Intercept", "zi_f[b]", "zi_f[c]"]
    assert tab.loc["zi_Intercept", "prior"] == "Normal(0, 1.5)"
    pri = {"b_zi": "normal(0, 1)", "zi_f[b]": "student_t(3, 0, 2)"}
    m2 = hm.Model("yc ~ x + (1 | g)", _sim(), family="zip", zi="~ f", priors=pri)
    assert [str(m2._priors.zi[n]) for n in m2.design.zi_names] == [
        "Normal(0, 1)",
        "StudentT(3, 0, 2)",
        "Normal(0, 1)",
    ]
    m3 = hm.Model("yc ~ x + (1 | g)", _sim(), family="zero_inflated_poisson")
    assert m3.design.zi_names == ["Intercept"]  # default zi = "~ 1", as brms
    s = hm.Model("yt ~ x + (1 | g)", _sim(), family="student")
    ls = make_layout(s, collapsed=False)
    assert ls.n_aux == 2 and list(ls.aux_kind) == [0, 0]
    assert list(s.priors.loc[["sigma", "nu"], "class"]) == ["sigma", "nu"]
    assert s.priors.loc["nu", "prior"] == "Gamma(2, 0.1)"
    assert kernel_data(s, ls)["pri_aux"].shape == (2, 4)


def test_bad_zi_and_weights_inputs():
    df = _sim()
    with pytest.raises(HiermodelsError, match="zi= is for zero-inflated"):
        hm.Model("yc ~ x + (1 | g)", df, family="poisson", zi="~ f")
    with pytest.raises(FormulaError, match="fixed effects only"):
        hm.Model("yc ~ x + (1 | g)", df, family="zero_inflated_poisson", zi="~ x + (1 | g)")
    with pytest.raises(FormulaError, match="not allowed"):
        hm.Model("yc ~ x + (1 | g)", df, family="zero_inflated_poisson", zi="~ os.system(1)")
    with pytest.raises(DataError, match="'nope'"):
        hm.Model("yc ~ x + (1 | g)", df, family="zero_inflated_poisson", zi="~ nope")
    with pytest.raises(DataError, match=r"weights column 'w' must be positive"):
        hm.Model("yt ~ x + (1 | g)", df.assign(w=df["w"] - 2), weights="w")
    with pytest.raises(DataError, match="must name a column"):
        hm.Model("yt ~ x + (1 | g)", df, weights="ww")
    with pytest.raises(DataError, match="must be numeric"):
        hm.Model("yt ~ x + (1 | g)", df.assign(w="a"), weights="w")


# ------------------------------------------------------------------ weights
@pytest.mark.parametrize(
    "family,formula,zi",
    [
        ("zero_inflated_poisson", "yc ~ 1 + (1 | g)", "~ f + x"),
        ("student", "yt ~ 1 + (1 | g)", None),
        ("negbinomial", "yc ~ 1 + (1 | g)", None),
        ("gaussian", "yt ~ 1 + (1 | g)", None),
    ],
)
def test_integer_weights_equal_duplicated_rows(family, formula, zi):
    """Kernel log density and gradient with integer weights w equal those of the unweighted
    model on the data with each row repeated w times. Priors are fixed (the defaults scale
    with the data), and the main formula has no slopes (their centring means would differ);
    the zi formula (uncentred) has them."""
    df = _sim()
    pri = {"Intercept": "normal(0, 3)", "sd": "half_normal(1)"}
    if family in ("student", "gaussian"):
        pri["sigma"] = "exponential(1)"
    if zi:
        pri["b_zi"] = "normal(0, 1.5)"
    kw = dict(family=family, zi=zi, priors=pri, parameterization="noncentered")
    mw = hm.Model(formula, df, weights="w", **kw)
    md = hm.Model(formula, df.loc[df.index.repeat(df["w"])].reset_index(drop=True), **kw)
    assert not mw.collapsed and mw.default_sampler() == "hiermodels"
    lw, ld = make_layout(mw, collapsed=False), make_layout(md, collapsed=False)
    assert lw.n_dim == ld.n_dim
    dw, dd = kernel_data(mw, lw), kernel_data(md, ld)
    fw, fd = _raw_logp(lw), _raw_logp(ld)
    for seed in (0, 1, 2):
        x = initial_point(mw, lw, np.random.default_rng(seed))
        lpw, gw = fw(x, **dw)
        lpd, gd = fd(x, **dd)
        np.testing.assert_allclose(lpw, lpd, rtol=1e-11)
        np.testing.assert_allclose(gw, gd, rtol=1e-9, atol=1e-9)
    # the weights change the density: w = 1 everywhere would not
    lp1 = fw(x, **{**dw, "w": np.ones_like(dw["w"])})[0]
    assert abs(lp1 - lpw) > 1.0


def test_weighted_gaussian_leaves_the_marginal_path_and_pymc_graph_weighs():
    from hiermodels.backends.marginal_sampler import uses_marginal

    df = _sim()
    m = hm.Model("yt ~ x + (1 | g)", df, weights="w")
    assert not uses_marginal(m) and not m.collapsed
    assert uses_marginal(hm.Model("yt ~ x + (1 | g)", df))
    # PyMC graph: log density = sum_i w_i log p(y_i); compare to the kernel at a point
    lay = make_layout(m, collapsed=False)
    data = kernel_data(m, lay)
    x = initial_point(m, lay, np.random.default_rng(0))
    lp = _raw_logp(lay)(x, **data)[0]
    np.testing.assert_allclose(
        m.pymc_model.compile_logp(mode="FAST_COMPILE")(_pymc_point(m, lay, x)), lp, rtol=1e-9
    )
    with pytest.raises(HiermodelsError, match="weights= cannot be combined"):
        hm.Model("yt ~ x + (1 | g)", df, weights="w", residual="ar1(g)")


# ------------------------------------------------------------------ ordered thresholds
def test_ordered_threshold_aux_kind_change_of_variables():
    """aux block [positive sigma, thresholds c_1 < c_2 < c_3]: values, log prior + Jacobian,
    and the pulled-back gradient of lp + sum_k a_k aux_k against finite differences."""
    from hiermodels.backends.kernels.glmm_nb import aux_pullback, aux_transform
    from hiermodels.backends.kernels.priors_nb import encode
    from hiermodels.spec.prior import Prior

    kind = np.array([0, 1, 1, 1], dtype=np.int64)
    rows = np.array(
        [encode(Prior("Exponential", lam=0.5))]
        + [encode(Prior("StudentT", nu=3.0, mu=0.0, sigma=2.5))] * 3
    )
    a = np.array([0.3, -1.2, 0.4, 2.0])  # d(likelihood)/d(aux values), made up

    def total(u):
        theta = np.concatenate([[9.0], u])  # the block starts at position 1
        grad = np.zeros(theta.size)
        lp, aux, dv, gc = aux_transform(theta, grad, 1, kind, rows)
        gc = gc + a
        aux_pullback(grad, 1, kind, gc, dv)
        return lp + a @ aux, grad[1:], aux

    u = np.array([0.2, -0.5, 0.1, -1.0])
    lp, g, aux = total(u)
    c = np.cumsum([u[1], np.exp(u[2]), np.exp(u[3])])
    np.testing.assert_allclose(aux, [np.exp(0.2), *c], rtol=1e-14)
    ref = (
        stats.expon.logpdf(np.exp(0.2), scale=2.0)
        + 0.2  # log-Jacobian of sigma = exp(u)
        + stats.t.logpdf(c, 3.0, 0.0, 2.5).sum()
        + u[2]
        + u[3]  # log-Jacobian of c_k = c_{k-1} + exp(u_k)
        + a @ np.concatenate([[np.exp(0.2)], c])
    )
    np.testing.assert_allclose(lp, ref, rtol=1e-13)
    h = 1e-6
    num = [(total(u + h * e)[0] - total(u - h * e)[0]) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(g, num, rtol=1e-7, atol=1e-8)


# ------------------------------------------------------------------ draws
@pytest.mark.sampling
def test_student_recovery_and_fit_api():
    """Simulated t_4 residuals (sigma 0.7): the posterior covers the truth within MC error;
    predict / PPC / LOO / residuals / save-load run."""
    df = _sim(n_groups=15, per=20, seed=5)
    m = hm.Model("yt ~ x + (1 | g)", df, family="student")
    assert m.default_sampler() == "hiermodels"
    fit = m.fit(draws=400, tune=400, chains=2, seed=3, progressbar=False)
    _covers(fit, {"Intercept": 1.0, "x": 0.8, "sigma": 0.7, "sd(g, Intercept)": 0.5})
    nu = fit.posterior["nu"].values.ravel()
    assert 1.5 < np.median(nu) < 15  # truth 4; the prior's mean is 20
    _api_runs(fit, df)


@pytest.mark.sampling
def test_zip_recovery_and_fit_api():
    df = _sim(n_groups=15, per=30, seed=6)
    m = hm.Model("yc ~ x + (1 | g)", df, family="zero_inflated_poisson", zi="~ f")
    fit = m.fit(draws=400, tune=400, chains=2, seed=4, progressbar=False)
    _covers(
        fit,
        {"Intercept": 0.3, "x": 0.5, "zi_Intercept": -0.5, "zi_f[b]": 1.0, "zi_f[c]": 0.0},
    )
    assert list(fit.posterior[names.ZI_COEF].coords[names.ZI_DIM].values) == [
        "Intercept",
        "f[b]",
        "f[c]",
    ]
    _api_runs(fit, df)


def _covers(fit, truth):
    """Each true value within the central 99.5% posterior interval, widened by the
    interval's Monte Carlo error (quantile SE from the bulk ESS)."""
    tab = pd.concat([fit.fixed_effects(prob=0.995), fit.varcorr(prob=0.995)])
    for k, v in truth.items():
        row = tab.loc[k]
        slack = 3 * row["sd"] / np.sqrt(row["ess_bulk"])
        assert row["lower"] - slack < v < row["upper"] + slack, (k, v, row.to_dict())
        assert row["r_hat"] < 1.05, (k, row["r_hat"])


def _api_runs(fit, df):
    import os
    import tempfile

    new = df.head(5)
    for kind in ("mean", "response", "link"):
        p = fit.predict(new, kind=kind, seed=1, max_draws=50)
        assert p.draws.shape == (50, 5) and np.all(np.isfinite(p.draws))
    p = fit.predict(new, groups="population", max_draws=20)
    assert np.all(np.isfinite(p.draws))
    assert np.isfinite(fit.loo().elpd_loo)  # all draws (before a subset is attached)
    ll = fit.log_likelihood(max_draws=30)
    assert all(np.isfinite(v.values).all() for v in ll.data_vars.values())
    fit.residuals(seed=1, max_draws=50)
    assert fit.ppc(seed=1) is not None
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fit.nc")
        fit.save(path)
        back = hm.load(path)
    assert back.model.spec == fit.model.spec
    np.testing.assert_array_equal(
        back.predict(new, max_draws=10).draws, fit.predict(new, max_draws=10).draws
    )
    assert "zi" in back.model.describe() or back.family.second_predictor is None


@pytest.mark.sampling
@pytest.mark.slow
def test_salamanders_zip_against_glmmtmb():
    """Brooks et al. (2017) zero-inflated Poisson: every conditional and zero-inflation fixed
    effect of glmmTMB inside the posterior 95% interval (widened by its MC error)."""
    sal = hm.datasets.load("salamanders")
    m = hm.Model(
        "count ~ spp + mined + (1 | site)", sal, family="zero_inflated_poisson", zi="~ spp + mined"
    )
    fit = m.fit(draws=1000, tune=1000, chains=2, seed=12, progressbar=False)
    tab = fit.fixed_effects(prob=0.95)
    ref = SALAMANDERS_ZIP
    pairs = [(k, k) for k in ref["cond_fixef"]] + [(k, "zi") for k in ref["zi_fixef"]]
    for k, part in pairs:
        ours = _term(k)
        if part == "zi":
            ours, v = names.zi_label(ours), ref["zi_fixef"][k]
        else:
            v = ref["cond_fixef"][k]
        row = tab.loc[ours]
        slack = 3 * row["sd"] / np.sqrt(row["ess_bulk"])
        assert row["lower"] - slack < v < row["upper"] + slack, (ours, v, row.to_dict())


def _term(r_name):
    """glmmTMB's coefficient name -> the formula term name (``sppPR`` -> ``spp[PR]``)."""
    if r_name == "(Intercept)":
        return "Intercept"
    for f in ("spp", "mined"):
        if r_name.startswith(f):
            return f"{f}[{r_name[len(f) :]}]"
    raise KeyError(r_name)


@pytest.mark.sampling
def test_salamanders_zip_fast_check():
    """The default-run sibling of the glmmTMB comparison: short chains, the two effects the
    paper discusses (mining on the count and on the zero-inflation) inside the 99% interval."""
    sal = hm.datasets.load("salamanders")
    m = hm.Model(
        "count ~ spp + mined + (1 | site)", sal, family="zero_inflated_poisson", zi="~ spp + mined"
    )
    fit = m.fit(draws=250, tune=300, chains=2, seed=2, progressbar=False)
    tab = fit.fixed_effects(prob=0.99)
    for ours, v in [
        ("mined[no]", SALAMANDERS_ZIP["cond_fixef"]["minedno"]),
        ("zi_mined[no]", SALAMANDERS_ZIP["zi_fixef"]["minedno"]),
    ]:
        row = tab.loc[ours]
        assert row["lower"] < v < row["upper"], (ours, v, row.to_dict())


def test_pymc_ordered_thresholds_match_the_kernel_transform():
    """graph._thresholds (PyMC's ``ordered`` transform + Student-t priors) has the kernel's
    log density on the unconstrained scale, Jacobian included."""
    from types import SimpleNamespace

    import pymc as pm

    from hiermodels.backends.kernels.glmm_nb import aux_transform
    from hiermodels.backends.kernels.priors_nb import encode
    from hiermodels.backends.pymc.graph import _thresholds
    from hiermodels.spec.prior import Prior

    plist = [Prior("StudentT", nu=3.0, mu=0.0, sigma=2.5)] * 4
    with pm.Model(coords={names.THRESHOLD_DIM: ["1|2", "2|3", "3|4", "4|5"]}) as model:
        _thresholds(SimpleNamespace(threshold=plist))
    logp = model.compile_logp(mode="FAST_COMPILE")
    (vv,) = model.value_vars
    rows = np.array([encode(p) for p in plist])
    for u in ([-1.5, 0.1, -0.3, 0.7], [0.4, -2.0, 1.0, 0.0]):
        u = np.asarray(u)
        ref = aux_transform(u, np.zeros(4), 0, np.ones(4, dtype=np.int64), rows)[0]
        np.testing.assert_allclose(logp({vv.name: u}), ref, rtol=1e-12)


def test_ordinal_design_priors_layout_and_threshold_names():
    """An ordinal family (the ``ordinal`` ClassVar + ``prepare_response``) gets category
    codes, no Intercept column, K - 1 ordered threshold entries in the aux block, and
    ``threshold`` = ``threshold_c`` + xbar'b (the centred kernel's thresholds at x = 0)."""
    from hiermodels.backends.kernels.posterior import constrained
    from hiermodels.families import FAMILIES

    ordinal = [n for n, c in FAMILIES.items() if getattr(c, "ordinal", False)]
    if not ordinal:
        pytest.skip("no ordinal family registered yet")
    df = _sim()
    df["r"] = pd.Categorical(
        np.digitize(df["yt"], [0.0, 1.0, 2.0]).astype(str), categories=["0", "1", "2", "3"]
    )
    m = hm.Model("r ~ x + f + (1 | g)", df, family=ordinal[0])
    d = m.design
    assert d.response_categories == ["0", "1", "2", "3"] and "Intercept" not in d.fixed_names
    assert set(d.y) == {0.0, 1.0, 2.0, 3.0}
    assert list(m.priors.index[m.priors["class"] == names.THRESHOLD]) == [
        "threshold(0|1)",
        "threshold(1|2)",
        "threshold(2|3)",
    ]
    lay = make_layout(m, collapsed=False)
    assert lay.has_int == 0 and lay.n_aux == 3 and list(lay.aux_kind) == [1, 1, 1]
    x = initial_point(m, lay, np.random.default_rng(0))
    out = constrained(m, lay, x[None, :])
    c = np.cumsum([x[lay.aux_pos], *np.exp(x[lay.aux_pos + 1 : lay.aux_pos + 3])])
    np.testing.assert_allclose(out[names.THRESHOLD_C][0], c, rtol=1e-14)
    np.testing.assert_allclose(
        out[names.THRESHOLD][0], c + out["b"][0] @ m._priors.xbar, rtol=1e-14
    )
    assert m._priors.xbar.shape == (lay.P,) and np.all(m._priors.xbar != 0)
    new = d.new_data(df.head(4))
    assert new["X"].shape == (4, lay.P)  # no Intercept column for new rows either


def test_simulate_and_prior_predictive_carry_zi_and_aux():
    """Model.simulate takes zi_<name> and nu; zero share of a ZIP with pi = 0.5 and
    lambda = 3 is 0.5 + 0.5 exp(-3) (binomial SE); the prior predictive has b_zi."""
    df = _sim()
    m = hm.Model("yc ~ 1 + (1 | g)", df, family="zero_inflated_poisson", zi="~ 1")
    params = {"Intercept": np.log(3.0), "sd(g, Intercept)": 0.0, "zi_Intercept": 0.0}
    sim = m.simulate(params, draws=200, seed=1)
    p0, n = 0.5 + 0.5 * np.exp(-3.0), sim.y.size
    assert abs((sim.y == 0).mean() - p0) < 5 * np.sqrt(p0 * (1 - p0) / n)
    pp = m.prior_predictive(draws=30, seed=2)
    assert pp.prior[names.ZI_COEF].dims[-1] == names.ZI_DIM
    s = hm.Model("yt ~ 1 + (1 | g)", df, family="student")
    sim = s.simulate(
        {"Intercept": 0.0, "sd(g, Intercept)": 0.0, "sigma": 1.0, "nu": 3.0}, draws=100, seed=3
    )
    # P(|t_3| > t_3 quantile 0.975) = 0.05 (binomial SE over 18000 draws)
    tail = (np.abs(sim.y) > stats.t.ppf(0.975, 3)).mean()
    assert abs(tail - 0.05) < 5 * np.sqrt(0.05 * 0.95 / sim.y.size)
    with pytest.raises(HiermodelsError, match="positive"):
        s.simulate({"Intercept": 0.0, "sd(g, Intercept)": 0.0, "sigma": 1.0, "nu": -1.0})
