"""Residual structures of Gaussian models (issue 13): log density, gradient, REML (no MCMC).

Independent checks: the kernel's log-likelihood against scipy's dense multivariate normal
(covariance built here entry by entry from the constrained parameters), its gradient
against central finite differences, and hiermodels' own REML against nlme 3.1-162's
published fits in ``reference_values.py`` (Pinheiro & Bates 2000, sec. 5.3; calls quoted
there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import reference_values as ref
from scipy.stats import multivariate_normal

import hiermodels as hm
from hiermodels.backends import residual_sampler as rs
from hiermodels.derive.residual_reml import fit_reml
from hiermodels.errors import DataError, HiermodelsError, SpecError
from hiermodels.spec.residual import parse_residual, parse_sigma

CASES = [  # (residual, sigma, formula): every structure, with varIdent and random effects
    ("ar1(t | u)", None, "y ~ x"),
    ("ar1(u)", "~ 0 + C(f)", "y ~ x"),
    ("car1(tc | u)", "~ 0 + C(f)", "y ~ x"),
    ("cs(u)", "~ f", "y ~ x"),
    ("unstructured(t | u)", "~ 0 + C(f)", "y ~ x"),
    ("ar1(t | u)", None, "y ~ x + (1 | u)"),
    ("cs(u)", None, "y ~ x + (x | u)"),
    ("car1(tc | u)", None, "y ~ x + (x || u)"),
    ("unstructured(t | u)", None, "y ~ x + (1 | u)"),
    (None, "~ 0 + C(f)", "y ~ x"),
]


@pytest.fixture(scope="module")
def unbalanced():
    """Six units with missing occasions (2-5 of 6 times), a real-valued time and a factor."""
    rng = np.random.default_rng(1)
    rows = []
    for u in range(6):
        times = sorted(rng.choice(6, size=rng.integers(2, 6), replace=False))
        for t in times:
            f = ["a", "b", "c"][t % 3]
            rows.append(
                dict(u=f"u{u}", t=t, tc=t * 1.7 + 0.3 * u, x=rng.normal(), f=f, y=rng.normal())
            )
    return pd.DataFrame(rows)


def _dense_loglik(model, c, df):
    """sum_u log N(y_u; X_u beta, V_u), V_u built entry by entry, scipy's density."""
    st, d = model.residual, model.design
    beta = np.r_[np.atleast_1d(c["Intercept"]), np.atleast_1d(c.get("b", []))]
    mu = d.X @ beta
    sd = c["sigma"] * (c["sigma_ratio"][st.slev] if "sigma_ratio" in c else 1.0) * np.ones(d.n)
    total = 0.0
    for u in range(len(st.unit_levels)):
        idx = st.order[st.ptr[u] : st.ptr[u + 1]]
        n = len(idx)
        V = np.zeros((n, n))
        for a in range(n):
            for b in range(n):
                ti, tj = st.tval[idx[a]], st.tval[idx[b]]
                if a == b:
                    r = 1.0
                elif st.kind in ("ar1", "car1"):
                    r = c["phi"] ** abs(ti - tj)
                elif st.kind == "cs":
                    r = c["rho"]
                elif st.kind == "unstructured":
                    r = c["cor_residual"][int(ti), int(tj)]
                else:
                    r = 0.0
                V[a, b] = sd[idx[a]] * sd[idx[b]] * r
        for g in d.groups:
            s = c[f"sd_{g.dim}"]
            G = np.outer(s, s) * c.get(f"cor_{g.dim}", np.eye(g.q))
            V += g.Z[idx] @ G @ g.Z[idx].T
        total += multivariate_normal(mu[idx], V).logpdf(df["y"].to_numpy()[idx])
    return total


@pytest.mark.parametrize(("residual", "sigma", "formula"), CASES)
def test_log_density_equals_dense_multivariate_normal(unbalanced, residual, sigma, formula):
    model = hm.Model(formula, unbalanced, residual=residual, sigma=sigma)
    data = rs.residual_data(model)
    rng = np.random.default_rng(3)
    for _ in range(3):
        theta = rng.normal(scale=0.6, size=rs.n_dim(data))
        c = rs.constrained(theta, data, model)
        got = rs.unit_loglik(theta, data).sum()
        assert got == pytest.approx(_dense_loglik(model, c, unbalanced), rel=1e-10, abs=1e-9)


@pytest.mark.parametrize(("residual", "sigma", "formula"), CASES)
def test_gradient_matches_finite_differences(unbalanced, residual, sigma, formula):
    model = hm.Model(formula, unbalanced, residual=residual, sigma=sigma)
    data = rs.residual_data(model)
    theta = np.random.default_rng(4).normal(scale=0.5, size=rs.n_dim(data))
    _, grad = rs.logp(theta, data)
    eps = 1e-6
    fd = np.array(
        [
            (rs.logp(theta + eps * e, data)[0] - rs.logp(theta - eps * e, data)[0]) / (2 * eps)
            for e in np.eye(len(theta))
        ]
    )
    # central differences: truncation O(eps^2 f''') and rounding O(1e-16 |f| / eps) ~ 1e-8
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-5)


def test_parse_spellings():
    assert parse_residual("ar1(Mare)").time is None
    s = parse_residual("car1(Time | Rat)")
    assert (s.kind, s.time, s.unit) == ("car1", "Time", "Rat")
    assert parse_residual("unstructured(age | Subject)").kind == "unstructured"
    assert parse_residual("cs(Subject)").text == "cs(Subject)"
    assert parse_sigma("~ 0 + C(age)") == "age"
    assert parse_sigma("~ age") == "age"
    assert parse_sigma(None) is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("ar2(unit)", "unknown structure"),
        ("cs(time | unit)", "does not depend on time"),
        ("car1(unit)", "needs a time column"),
        ("ar1(a | b | c)", "inside must be"),
    ],
)
def test_bad_residual_text_names_the_fix(text, fragment):
    with pytest.raises(SpecError, match=fragment):
        parse_residual(text)


def test_bad_input_raises_hiermodels_errors(unbalanced):
    with pytest.raises(DataError, match="integer occasions"):
        hm.Model("y ~ x", unbalanced, residual="ar1(tc | u)")
    with pytest.raises(DataError, match="not in the data"):
        hm.Model("y ~ x", unbalanced, residual="ar1(t | unit)")
    dup = pd.concat([unbalanced, unbalanced.iloc[:1]], ignore_index=True)
    with pytest.raises(DataError, match="same 't'"):
        hm.Model("y ~ x", dup, residual="ar1(t | u)")
    with pytest.raises(HiermodelsError, match="Gaussian"):
        df = unbalanced.assign(k=np.arange(len(unbalanced)) % 3)
        hm.Model("k ~ x", df, family="poisson", residual="ar1(t | u)")
    with pytest.raises(SpecError, match="cross the residual unit"):
        hm.Model("y ~ x + (1 | f)", unbalanced, residual="ar1(t | u)")
    with pytest.raises(SpecError, match="one factor"):
        hm.Model("y ~ x", unbalanced, sigma="~ f + x")
    flat = hm.Model("y ~ x", unbalanced, residual="cs(u)", priors={"sigma": "uniform(0, 100)"})
    with pytest.raises(hm.HiermodelsError, match="not available for residual= models"):
        rs.residual_data(flat)


# ------------------------------------------------------------------ REML vs nlme (published)
def _fixef(est, nlme, names):
    for mine, theirs in names.items():
        assert est["beta"][mine] == pytest.approx(nlme["fixef"][theirs], rel=1e-4, abs=1e-4)
        assert est["se"][mine] == pytest.approx(nlme["se"][theirs], rel=1e-4)


SEASON = {"sin(2 * pi * Time)": "sin(2 * pi * Time)", "cos(2 * pi * Time)": "cos(2 * pi * Time)"}


def test_reml_ovary_gls_ar1_reproduces_nlme():
    m = hm.Model(
        "follicles ~ sin(2*pi*Time) + cos(2*pi*Time)",
        hm.datasets.load("ovary"),
        residual="ar1(Mare)",
    )
    est, nl = fit_reml(m), ref.OVARY_GLS_AR1
    assert est["loglik"] == pytest.approx(nl["reml_logLik"], abs=1e-4)
    assert est["params"]["phi"] == pytest.approx(nl["phi"], abs=1e-4)
    assert est["params"]["sigma"] == pytest.approx(nl["sigma"], rel=1e-4)
    _fixef(est, nl, {"Intercept": "(Intercept)", **SEASON})
    assert fit_reml(m, reml=False)["loglik"] == pytest.approx(nl["ml_logLik"], abs=1e-4)


def test_reml_ovary_lme_ar1_reproduces_nlme():
    m = hm.Model(
        "follicles ~ sin(2*pi*Time) + cos(2*pi*Time) + (1 | Mare)",
        hm.datasets.load("ovary"),
        residual="ar1(Mare)",
    )
    est, nl = fit_reml(m), ref.OVARY_LME_AR1
    assert est["loglik"] == pytest.approx(nl["reml_logLik"], abs=1e-4)
    assert est["params"]["phi"] == pytest.approx(nl["phi"], abs=1e-4)
    assert est["params"]["sigma"] == pytest.approx(nl["sigma"], rel=1e-4)
    assert est["params"]["sd(Mare, Intercept)"] == pytest.approx(nl["sd_(Intercept)"], rel=1e-4)
    _fixef(est, nl, {"Intercept": "(Intercept)", **SEASON})


def test_reml_bodyweight_lme_car1_reproduces_nlme():
    m = hm.Model(
        "weight ~ Time * Diet + (Time | Rat)",
        hm.datasets.load("bodyweight"),
        residual="car1(Time | Rat)",
    )
    est, nl = fit_reml(m), ref.BODYWEIGHT_LME_CAR1
    p = est["params"]
    assert est["loglik"] == pytest.approx(nl["reml_logLik"], abs=1e-3)
    assert p["phi"] == pytest.approx(nl["phi"], abs=1e-4)
    assert p["sigma"] == pytest.approx(nl["sigma"], rel=1e-4)
    assert p["sd(Rat, Intercept)"] == pytest.approx(nl["sd_(Intercept)"], rel=1e-4)
    assert p["sd(Rat, Time)"] == pytest.approx(nl["sd_Time"], rel=1e-4)
    assert p["cor(Rat, Intercept, Time)"] == pytest.approx(nl["cor_random"], abs=1e-3)
    names = {"Intercept": "(Intercept)", "Time": "Time", "Diet[2]": "Diet2", "Diet[3]": "Diet3"}
    names |= {"Time:Diet[2]": "Time:Diet2", "Time:Diet[3]": "Time:Diet3"}
    _fixef(est, nl, names)


ORTHO = {"Intercept": "(Intercept)", "age": "age", "Sex[Male]": "SexMale"}
ORTHO |= {"age:Sex[Male]": "age:SexMale"}


def test_reml_orthodont_unstructured_varident_reproduces_nlme():
    m = hm.Model(
        "distance ~ age * Sex",
        hm.datasets.load("orthodont"),
        residual="unstructured(age | Subject)",
        sigma="~ 0 + C(age)",
    )
    est, nl = fit_reml(m), ref.ORTHODONT_GLS_UN
    assert est["loglik"] == pytest.approx(nl["reml_logLik"], abs=1e-3)
    ages = ["8", "10", "12", "14"]
    for k, a in enumerate(ages):  # a flat optimum: nlme's and ours agree to ~1e-4
        assert est["params"][f"sigma(age={a})"] == pytest.approx(
            nl["sd_by_age"][f"age{a}"], rel=2e-4
        )
        for b in range(k + 1, 4):
            got = est["params"][f"cor_residual({a}, {ages[b]})"]
            assert got == pytest.approx(nl["cor_matrix_ages_8_10_12_14"][k][b], abs=2e-4)
    for mine, theirs in ORTHO.items():
        assert est["beta"][mine] == pytest.approx(nl["fixef"][theirs], abs=2e-4)
        assert est["se"][mine] == pytest.approx(nl["se"][theirs], rel=1e-4)


def test_reml_orthodont_cs_reproduces_nlme_and_the_random_intercept():
    od = hm.datasets.load("orthodont")
    est = fit_reml(hm.Model("distance ~ age * Sex", od, residual="cs(Subject)"))
    nl = ref.ORTHODONT_GLS_CS
    assert est["loglik"] == pytest.approx(nl["reml_logLik"], abs=1e-4)
    assert est["params"]["rho"] == pytest.approx(nl["rho"], abs=1e-5)
    assert est["params"]["sigma"] == pytest.approx(nl["sigma"], rel=1e-5)
    _fixef(est, nl, ORTHO)
    # CS with rho > 0 is the random-intercept model: the same REML fit (nlme, both)
    ri = ref.ORTHODONT_LME_RI
    assert est["loglik"] == pytest.approx(ri["reml_logLik"], abs=1e-4)
    assert est["params"]["rho"] == pytest.approx(ri["implied_intraclass_cor"], abs=1e-5)
    tau2 = est["params"]["rho"] * est["params"]["sigma"] ** 2
    assert np.sqrt(tau2) == pytest.approx(ri["sd_Subject"], rel=1e-4)


def test_priors_and_description_state_the_structure():
    od = hm.datasets.load("orthodont")
    m = hm.Model(
        "distance ~ age * Sex", od, residual="unstructured(age | Subject)", sigma="~ 0 + C(age)"
    )
    pri = m.priors
    assert pri.loc["cor_residual", "prior"] == "LKJ(eta=2)"
    assert pri.loc["sigma(age=14) / sigma(age=8)", "prior"] == "LogNormal(0, 1)"
    assert "cor_residual[a(i), a(j)]" in m.describe()
    cs = hm.Model("distance ~ age * Sex", od, residual="cs(Subject)")
    assert cs.residual.cs_lower == pytest.approx(-1 / 3)  # 4 visits: rho > -1/(4 - 1)
    assert "Uniform(-0.3333, 1)" == cs.priors.loc["rho", "prior"]
    assert cs.spec.residual == "cs(Subject)" and cs.spec.sigma is None


def test_exact_group_effect_draws_match_the_conditional_gaussian(unbalanced):
    """b | y, theta ~ N(G Z' V^-1 r, G - G Z' V^-1 Z G) per unit, checked on 4000 draws."""
    from hiermodels.backends.kernels import residual_nb as rk

    model = hm.Model("y ~ x + (x | u)", unbalanced, residual="ar1(t | u)")
    data = rs.residual_data(model)
    theta = np.random.default_rng(5).normal(scale=0.5, size=rs.n_dim(data))
    c = rs.constrained(theta, data, model)
    keys = (*rs._DATA_KEYS, "nlev")
    rng = np.random.default_rng(6)
    S = 4000
    draws = np.stack(
        [
            rk.draw_effects(theta, *(data[k] for k in keys), rng.standard_normal((6, 2)))
            for _ in range(S)
        ]
    )
    st, g = model.residual, model.design.groups[0]
    G = np.outer(c["sd_u"], c["sd_u"]) * c["cor_u"]
    beta = np.r_[c["Intercept"], c["b"]]
    for u in range(6):
        idx = st.order[st.ptr[u] : st.ptr[u + 1]]
        t = st.tval[idx]
        V = (
            c["sigma"] ** 2 * c["phi"] ** np.abs(t[:, None] - t[None, :])
            + g.Z[idx] @ G @ g.Z[idx].T
        )
        r = unbalanced["y"].to_numpy()[idx] - model.design.X[idx] @ beta
        C = G @ g.Z[idx].T
        mean = C @ np.linalg.solve(V, r)
        cov = G - C @ np.linalg.solve(V, C.T)
        lev = g.codes[idx][0]
        got = draws[:, lev]
        se = np.sqrt(np.diag(cov) / S)
        assert np.all(np.abs(got.mean(axis=0) - mean) < 4.5 * se)  # MC error of a mean
        # sample variance: sd of s^2 ~ sigma^2 sqrt(2 / S) for Gaussian draws
        np.testing.assert_allclose(got.var(axis=0), np.diag(cov), rtol=4.5 * np.sqrt(2 / S))


def test_correlated_residual_draws_have_the_structure_covariance():
    from hiermodels.backends.kernels import residual_nb as rk

    df = pd.DataFrame(
        {"u": ["a"] * 4, "t": [1, 2, 3, 4], "f": list("xyxy"), "y": [0.1, 0.5, -0.2, 0.3]}
    )
    model = hm.Model("y ~ 1", df, residual="unstructured(t | u)", sigma="~ 0 + C(f)")
    data = rs.residual_data(model)
    theta = np.random.default_rng(7).normal(scale=0.5, size=rs.n_dim(data))
    c = rs.constrained(theta, data, model)
    sd = c["sigma"] * c["sigma_ratio"][model.residual.slev]
    target = np.outer(sd, sd) * c["cor_residual"]
    keys = ("meta", "lo", "Z", "codes", "order", "ptr", "tval", "slev")
    rng = np.random.default_rng(8)
    S = 20000
    e = np.stack(
        [
            rk.draw_residuals(theta, *(data[k] for k in keys), rng.standard_normal(4))
            for _ in range(S)
        ]
    )
    # sd of a sample covariance entry: sqrt((S_ii S_jj + S_ij^2) / S) (Wishart)
    tol = 4.5 * np.sqrt((np.outer(np.diag(target), np.diag(target)) + target**2) / S)
    assert np.all(np.abs(np.cov(e.T) - target) < tol)


def test_comparison_helper_picks_car1_for_real_valued_times():
    from hiermodels.api.residual_compare import _residual

    df = pd.DataFrame({"t": [1.0, 2.5, 4.0], "u": ["a"] * 3})
    assert _residual("ar1", "u", "t", df) == "car1(t | u)"
    assert _residual("ar1", "u", None, df) == "ar1(u)"
    assert _residual("cs", "u", "t", df) == "cs(u)"
    assert _residual("unstructured", "u", "t", df) == "unstructured(t | u)"


def test_seasonal_terms_sin_cos_pi_are_allowed_in_formulas():
    ov = hm.datasets.load("ovary")
    m = hm.Model("follicles ~ sin(2*pi*Time) + cos(2*pi*Time)", ov, residual="ar1(Mare)")
    assert m.design.fixed_names == ["Intercept", "sin(2 * pi * Time)", "cos(2 * pi * Time)"]
    np.testing.assert_allclose(m.design.X[:, 1], np.sin(2 * np.pi * ov["Time"].to_numpy()))
    with pytest.raises(hm.HiermodelsError, match="not allowed"):
        hm.Model("follicles ~ tan(Time)", ov)
