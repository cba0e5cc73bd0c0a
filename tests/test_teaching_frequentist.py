"""The frequentist side of the seed concepts, against published values and closed forms.

No MCMC. References:
* Dyestuff (Davies 1947; Box & Tiao 1973, table 5.1.2): ANOVA mean squares between
  batches 11271.5 (5 df), within 2451.25 (24 df); lme4 REML (Bates 2010, lme4 book ch. 1,
  ``fm1``): sd(Batch) 42.00, residual 49.51, SE(Intercept) 19.38;
* Dyestuff2: lme4 REML sd(Batch) 0 (singular fit), residual 3.716;
* sleepstudy, ``lmerTest::lmer(Reaction ~ Days + (Days | Subject))`` (Kuznetsova et al.
  2017): Intercept 251.405, SE 6.825, t 36.838, df 17; Days 10.467, SE 1.546, t 6.771,
  df 17, p 3.26e-06;
* cbpp, ``glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), binomial)``
  (lme4 ?cbpp; Bates et al. 2015, JSS 67(1)): Laplace (Intercept) -1.3983, period2
  -0.9919, period3 -1.1282, period4 -1.5797, sd(herd) 0.6421, deviance 184.05;
* seed 003 (design effect): ICC 0.057 and 30 patients per hospital give Deff 2.65 and
  standard errors understated by the factor 1.63.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

import hiermodels as hm
from hiermodels.data.design import make_design
from hiermodels.derive.anova import anova_components, anova_table
from hiermodels.derive.design_effect import (
    design_effect_summary,
    naive_standard_errors,
    reml_standard_errors,
)
from hiermodels.derive.ml_glmm import marginal_loglik, ml_fit
from hiermodels.derive.panel import hausman, within_estimator
from hiermodels.derive.satterthwaite import _Reml, satterthwaite
from hiermodels.errors import DataError, FormulaError, HiermodelsError

ONE_WAY = "Yield ~ 1 + (1 | Batch)"


# --------------------------------------------------------------------------- random-effects ANOVA
def test_anova_dyestuff_matches_published_table_and_lme4():
    tab = anova_components(ONE_WAY, hm.datasets.load("dyestuff"))
    ms = tab.attrs["table"]["MS"]
    assert ms["Batch"] == pytest.approx(11271.5)  # Box & Tiao table 5.1.2
    assert ms["Residual"] == pytest.approx(2451.25)
    assert tab.attrs["n0"] == 5 and not tab.attrs["truncated"]
    # (11271.5 - 2451.25) / 5 = 1764.05 -> sd 42.00 (lme4 REML, balanced data)
    assert tab.loc["sd(Batch, Intercept)", "anova"] == pytest.approx(42.00, abs=0.005)
    assert tab.loc["sigma", "anova"] == pytest.approx(49.51, abs=0.005)
    assert tab.loc["sd(Batch, Intercept)", "reml"] == pytest.approx(42.00, abs=0.01)
    assert tab.loc["sigma", "reml"] == pytest.approx(49.51, abs=0.01)


def test_anova_dyestuff2_is_truncated_and_says_so():
    df = hm.datasets.load("dyestuff2")
    tab = anova_components(ONE_WAY, df)
    # closed form from the group means, independent of the module
    means = df.groupby("Batch")["Yield"].mean()
    msa = 5 * ((means - df["Yield"].mean()) ** 2).sum() / 5
    mse = ((df["Yield"] - df.groupby("Batch")["Yield"].transform("mean")) ** 2).sum() / 24
    assert msa < mse
    assert tab.attrs["sigma2_alpha_raw"] == pytest.approx((msa - mse) / 5)
    assert tab.attrs["truncated"] and tab.loc["sd(Batch, Intercept)", "anova"] == 0
    assert "truncated at 0" in tab.attrs["message"]
    assert tab.loc["sigma", "reml"] == pytest.approx(3.716, abs=0.001)  # lme4
    assert tab.loc["sd(Batch, Intercept)", "reml"] < 1e-3


def test_unbalanced_n0():
    y = np.array([1.0, 2, 3, 5, 4, 7, 8, 6, 9, 9.5])
    g = np.array(["a", "a", "b", "b", "b", "c", "c", "c", "c", "c"])
    a = anova_table(y, g)
    assert a["n0"] == pytest.approx((10 - (4 + 9 + 25) / 10) / 2)  # Searle et al. 1992, 3.6
    assert not a["balanced"]


def test_anova_refuses_other_formulas_and_bad_data():
    df = hm.datasets.load("sleepstudy")
    with pytest.raises(FormulaError, match="one-way"):
        anova_components("Reaction ~ Days + (1 | Subject)", df)
    with pytest.raises(FormulaError, match=r"\(1 \| g\)"):
        anova_components("Reaction ~ 1 + (Days | Subject)", df)
    with pytest.raises(DataError, match="one level"):
        anova_components("Reaction ~ 1 + (1 | s)", df.assign(s="x"))


# --------------------------------------------------------------------------- design effect
def test_design_effect_seed_003_numbers():
    row = design_effect_summary(0.057, 30, n=3000).iloc[0]
    assert row["design_effect"] == pytest.approx(1 + 29 * 0.057)
    assert round(row["design_effect"], 2) == 2.65  # seed 003
    assert round(row["se_inflation"], 2) == 1.63  # seed 003
    assert row["effective_n"] == pytest.approx(3000 / 2.653)
    with pytest.raises(HiermodelsError, match="icc"):
        design_effect_summary(1.5, 30)


def test_naive_and_reml_standard_errors_of_the_grand_mean():
    df = hm.datasets.load("dyestuff")
    d = make_design(ONE_WAY, df)
    y = df["Yield"].to_numpy(float)
    naive = naive_standard_errors(d, hm.Model(ONE_WAY, df).family)["Intercept"]
    assert naive == pytest.approx(np.sqrt(y.var(ddof=1) / 30))  # s / sqrt(N)
    reml = reml_standard_errors(d)["Intercept"]
    assert reml == pytest.approx(np.sqrt(11271.5 / 30), rel=1e-4)  # MSA / N; lme4 19.38
    assert round(reml, 2) == 19.38


# --------------------------------------------------------------------------- Satterthwaite
def test_satterthwaite_sleepstudy_matches_lmertest():
    tab = satterthwaite(
        make_design("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
    )
    ref = {"Intercept": (251.405, 6.825, 36.838), "Days": (10.467, 1.546, 6.771)}
    for term, (est, se, t) in ref.items():
        assert tab.loc[term, "estimate"] == pytest.approx(est, abs=5e-4)
        assert tab.loc[term, "se"] == pytest.approx(se, abs=5e-4)
        assert tab.loc[term, "t"] == pytest.approx(t, abs=5e-3)
        assert tab.loc[term, "df"] == pytest.approx(17.0, abs=0.01)
    assert tab.loc["Days", "p"] == pytest.approx(3.26e-06, rel=0.01)


def test_satterthwaite_balanced_one_way_is_j_minus_1_and_boundary_is_n_minus_1():
    d1 = satterthwaite(make_design(ONE_WAY, hm.datasets.load("dyestuff")))
    assert d1.loc["Intercept", "df"] == pytest.approx(5.0, abs=0.01)  # closed form J - 1
    d2 = satterthwaite(make_design(ONE_WAY, hm.datasets.load("dyestuff2")))
    assert d2.attrs["boundary"]
    assert d2.loc["Intercept", "df"] == pytest.approx(29.0, abs=0.01)  # one-sample t test
    y = hm.datasets.load("dyestuff2")["Yield"]
    assert d2.loc["Intercept", "se"] == pytest.approx(y.std(ddof=1) / np.sqrt(30), rel=1e-4)


# --------------------------------------------------------------------------- panel FE vs RE
def test_within_estimator_equals_dummy_variable_regression():
    rng = np.random.default_rng(3)
    J, n = 12, 6
    codes = np.repeat(np.arange(J), n)
    u = rng.normal(size=J)
    x = rng.normal(size=J * n) + u[codes]  # x correlated with the unit effect
    z = rng.normal(size=J * n)
    y = 1 + 2 * x - z + 3 * u[codes] + rng.normal(size=J * n)
    X = np.column_stack([np.ones(J * n), x, z, u[codes]])  # last column unit-constant
    beta, cov, cols = within_estimator(y, X, codes)
    assert cols == [1, 2]
    D = np.column_stack([x, z, (codes[:, None] == np.arange(J)).astype(float)])
    ref, rss, *_ = np.linalg.lstsq(D, y, rcond=None)
    np.testing.assert_allclose(beta, ref[:2], rtol=1e-10)
    s2 = rss[0] / (J * n - J - 2)
    np.testing.assert_allclose(np.diag(cov), s2 * np.diag(np.linalg.inv(D.T @ D))[:2], rtol=1e-8)


def test_hausman_scalar_closed_form():
    h = hausman([2.0], [[0.5]], [1.0], [[0.25]])
    assert h["statistic"] == pytest.approx(1.0 / 0.25)
    assert h["p_value"] == pytest.approx(stats.chi2.sf(4.0, 1))


def test_reml_is_equivariant_under_centring_days():
    """REML on Days - 4.5 equals the closed-form shift of the uncentred REML G."""
    from hiermodels.derive.centering import shift_origin

    df = hm.datasets.load("sleepstudy")
    f = "Reaction ~ Days + (Days | Subject)"
    th = _Reml(make_design(f, df)).fit()
    thc = _Reml(make_design(f, df.assign(Days=df["Days"] - 4.5))).fit()
    t0, t1, r = np.sqrt(th[0]), np.sqrt(th[2]), th[1] / np.sqrt(th[0] * th[2])
    s0, _, rc = shift_origin(t0, t1, r, 4.5)
    assert s0 == pytest.approx(np.sqrt(thc[0]), rel=1e-3)
    assert rc == pytest.approx(thc[1] / np.sqrt(thc[0] * thc[2]), abs=1e-3)
    # lme4: sd(Intercept) 24.74, sd(Days) 5.922, cor 0.066 (uncentred)
    assert t0 == pytest.approx(24.74, abs=0.01)
    assert t1 == pytest.approx(5.922, abs=0.001)
    assert r == pytest.approx(0.066, abs=0.002)


# --------------------------------------------------------------------------- Laplace and AGQ
def test_laplace_cbpp_matches_glmer():
    cbpp = hm.datasets.load("cbpp")
    m = hm.Model("incidence | trials(size) ~ period + (1 | herd)", cbpp, family="binomial")
    tab = ml_fit(m, "laplace")
    ref = {
        "Intercept": -1.3983,
        "period[2]": -0.9919,
        "period[3]": -1.1282,
        "period[4]": -1.5797,
        "sd(herd, Intercept)": 0.6421,
    }
    for k, v in ref.items():
        assert tab.loc[k, "estimate"] == pytest.approx(v, abs=2e-3), k
    assert -2 * tab.attrs["loglik"] == pytest.approx(184.05, abs=0.02)


def _exact_loglik(params, y, X, codes, n):
    """Brute-force integral per cluster (scipy.integrate.quad): the reference for AGQ."""
    p = X.shape[1]
    beta, tau = params[:p], np.exp(params[p])
    total = 0.0
    for j in np.unique(codes):
        rows = codes == j
        eta = X[rows] @ beta

        def f(b, eta=eta, rows=rows):
            lp = stats.binom.logpmf(y[rows], n[rows], special.expit(eta + b))
            return np.exp(lp.sum()) * stats.norm.pdf(b, 0, tau)

        total += np.log(
            integrate.quad(f, -12 * tau, 12 * tau, epsabs=0, epsrel=1e-10, limit=200)[0]
        )
    return total


def test_adaptive_quadrature_converges_to_the_exact_integral_and_laplace_does_not():
    rng = np.random.default_rng(7)
    J, m = 15, 3  # few binary-ish rows per cluster and a large tau: Laplace's bad case
    codes = np.repeat(np.arange(J), m)
    X = np.column_stack([np.ones(J * m), rng.normal(size=J * m)])
    n = np.full(J * m, 2.0)
    y = rng.binomial(2, special.expit(-0.5 + X[:, 1] + rng.normal(0, 2.0, J)[codes])).astype(float)
    params = np.array([-0.5, 1.0, np.log(2.0)])
    exact = _exact_loglik(params, y, X, codes, n)
    agq = marginal_loglik(params, y, X, codes, "binomial", n, None, nAGQ=25)
    lap = marginal_loglik(params, y, X, codes, "binomial", n, None, nAGQ=1)
    assert agq == pytest.approx(exact, abs=1e-6)
    assert abs(lap - exact) > 1e-3  # the Laplace approximation error is visible


def test_ml_fit_refuses_slopes_and_unknown_methods():
    df = pd.DataFrame({"y": [0, 1, 2, 3] * 5, "x": np.arange(20.0), "g": list("abcde") * 4})
    m = hm.Model("y ~ x + (x | g)", df, family="poisson")
    with pytest.raises(HiermodelsError, match=r"\(1 \| g\)"):
        ml_fit(m)
    with pytest.raises(HiermodelsError, match="laplace"):
        ml_fit(hm.Model("y ~ x + (1 | g)", df, family="poisson"), method="newton")


# --------------------------------------------------------------------------- R reference values
def test_agq25_cbpp_matches_glmer_nagq25():
    from reference_values import CBPP_GLMER_LOGIT_AGQ25 as REF
    from reference_values import CBPP_LOGIT_LOGLIK_SCALES as LL

    cbpp = hm.datasets.load("cbpp")
    m = hm.Model("incidence | trials(size) ~ period + (1 | herd)", cbpp, family="binomial")
    tab = ml_fit(m, "agq", nAGQ=25)
    names = {
        "(Intercept)": "Intercept",
        "period2": "period[2]",
        "period3": "period[3]",
        "period4": "period[4]",
    }
    for r_name, name in names.items():
        assert tab.loc[name, "estimate"] == pytest.approx(REF["fixef"][r_name], abs=2e-4)
        assert tab.loc[name, "se"] == pytest.approx(REF["se"][r_name], rel=2e-3)
    assert tab.loc["sd(herd, Intercept)", "estimate"] == pytest.approx(
        REF["sd_herd_(Intercept)"], abs=5e-4
    )
    # lme4's logLik for nAGQ > 1 is on another constant; the exact integral is comparable
    assert tab.attrs["loglik"] == pytest.approx(
        LL["nAGQ25"]["exact_marginal_logLik_at_estimates"], abs=1e-4
    )


@pytest.mark.parametrize(
    "method,key", [("laplace", "EPIL_GLMER_POISSON_AGQ1"), ("agq", "EPIL_GLMER_POISSON_AGQ25")]
)
def test_epil_poisson_laplace_and_agq_match_glmer(method, key):
    import reference_values

    REF = getattr(reference_values, key)
    epil = hm.datasets.load("epil")
    m = hm.Model("y ~ lbase * trt + lage + V4 + (1 | subject)", epil, family="poisson")
    tab = ml_fit(m, method)
    names = {
        "(Intercept)": "Intercept",
        "lbase": "lbase",
        "trtprogabide": "trt[progabide]",
        "lage": "lage",
        "V4": "V4",
        "lbase:trtprogabide": "lbase:trt[progabide]",
    }
    for r_name, name in names.items():
        assert tab.loc[name, "estimate"] == pytest.approx(REF["fixef"][r_name], abs=1e-3), name
    assert tab.loc["sd(subject, Intercept)", "estimate"] == pytest.approx(
        REF["sd_subject_(Intercept)"], abs=1e-3
    )


def test_gee_epil_matches_geepack():
    from reference_values import EPIL_GEE_EXCH as REF

    from hiermodels.derive.gee import gee_estimates

    epil = hm.datasets.load("epil")
    m = hm.Model("y ~ lbase * trt + lage + V4 + (1 | subject)", epil, family="poisson")
    g = gee_estimates(m.design, m.family)
    names = {
        "(Intercept)": "Intercept",
        "lbase": "lbase",
        "trtprogabide": "trt[progabide]",
        "lage": "lage",
        "V4": "V4",
        "lbase:trtprogabide": "lbase:trt[progabide]",
    }
    for r_name, name in names.items():
        # statsmodels and geepack estimate alpha with different df conventions (0.354 vs
        # 0.357), which moves the coefficients in the 4th decimal
        assert g["params"][name] == pytest.approx(REF["coef"][r_name], abs=5e-4), name
        assert g["bse"][name] == pytest.approx(REF["robust_se"][r_name], rel=5e-3), name
    assert g["alpha"] == pytest.approx(REF["alpha"], abs=0.01)


def test_centred_sleepstudy_correlation_matches_lme4():
    from reference_values import SLEEPSTUDY_LMER as A
    from reference_values import SLEEPSTUDY_LMER_CENTRED as C

    from hiermodels.derive.centering import shift_origin

    s0, _, r = shift_origin(
        A["sd_Subject_(Intercept)"], A["sd_Subject_Days"], A["cor_Subject_(Intercept)_Days"], 4.5
    )
    assert s0 == pytest.approx(C["sd_Subject_(Intercept)"], rel=1e-4)
    assert r == pytest.approx(
        C["cor_Subject_(Intercept)_I(Days - 4.5)"], abs=1e-4
    )  # 0.066 -> 0.753
