"""Posterior-side seed concepts: ranks, funnels, within/between, centring, QQ, GLMM vs GEE.

Closed forms on synthetic draws first (no MCMC), then small sampled fits. References:
* Spiegelhalter (2005), Stat. Med. 24:1185, appendix A.1.1: interpolated binomial limits;
* Zeger, Liang & Albert (1988) and the probit identity E[Phi(eta + b)] = Phi(eta /
  sqrt(1 + tau^2)); the log-normal mean exp(eta + tau^2/2);
* Mundlak (1978): with x and its cluster mean in the model, x's coefficient is the
  within (fixed-effects) estimator; in a random-intercept model with group-mean-centred
  x the GLS within coefficient equals the FE estimator exactly.
"""

from __future__ import annotations

import warnings
from math import comb

import numpy as np
import pandas as pd
import pytest
from explainfits import fake_fit
from plothelp import save_png
from scipy import stats

import hiermodels as hm
from hiermodels.derive.centering import centering_table, shift_origin
from hiermodels.derive.funnel import binomial_limit, funnel_data
from hiermodels.derive.gee import compare_gee, population_average, subject_curves
from hiermodels.derive.ranks import rank_draws, rank_summary, rank_table
from hiermodels.derive.re_qq import blom_quantiles, re_qq
from hiermodels.derive.within_between import simpson_lines
from hiermodels.errors import DataError, HiermodelsError
from hiermodels.spec.group_means import Between, Within


# --------------------------------------------------------------------------- ranks
def test_rank_draws_and_two_unit_rank_probability():
    assert rank_draws([[3.0, 1.0, 2.0]]).tolist() == [[3, 1, 2]]
    rng = np.random.default_rng(1)
    S = 40_000
    x = np.column_stack([rng.normal(0.3, 1, S), rng.normal(0.0, 1, S)])
    tab = rank_summary(x, ["a", "b"], margin=0.0)
    p = stats.norm.cdf(0.3 / np.sqrt(2))  # P(X_a > X_b)
    mcse = np.sqrt(p * (1 - p) / S)
    assert tab.loc["a", "rank_mean"] - 1 == pytest.approx(p, abs=4 * mcse)
    assert tab.loc["a", "p_above"] == pytest.approx(stats.norm.sf(0, 0.3, 1), abs=4 * mcse)


def test_rank_flags_follow_the_interval_and_the_margin():
    x = np.column_stack(
        [np.linspace(1, 2, 101), np.linspace(-0.5, 0.5, 101), np.linspace(-3, -2, 101)]
    )
    tab = rank_summary(x, ["hi", "mid", "lo"], margin=0.0)
    assert tab["flag"].tolist() == ["above", "", "below"]
    assert rank_summary(x, ["hi", "mid", "lo"], margin=1.5)["flag"].tolist() == ["", "", "below"]
    with pytest.raises(HiermodelsError, match="margin"):
        rank_summary(x, ["a", "b", "c"], margin=-1)


# --------------------------------------------------------------------------- funnel limits
def test_binomial_limit_hand_computed():
    F = np.cumsum([comb(10, k) * 0.5**10 for k in range(11)])  # Binomial(10, 0.5) CDF
    r = int(np.searchsorted(F, 0.975))  # smallest r with F(r) >= 0.975 -> 8
    alpha = (F[r] - 0.975) / (F[r] - F[r - 1])
    assert binomial_limit(10, 0.5, 0.975)[0] == pytest.approx((r - alpha) / 10)


def test_binomial_limit_tends_to_the_normal_limit():
    n, p0 = 20_000, 0.1
    normal = p0 + stats.norm.ppf(0.975) * np.sqrt(p0 * (1 - p0) / n)
    assert binomial_limit(n, p0, 0.975)[0] == pytest.approx(normal, abs=1.5 / n)
    assert binomial_limit(5, 0.05, 0.001)[0] == 0.0  # clipped at 0


# --------------------------------------------------------------------------- population average
@pytest.mark.parametrize("tau", [0.5, 1.5])
def test_population_average_closed_forms(tau):
    eta = np.linspace(-2, 2, 9)
    np.testing.assert_allclose(
        population_average(eta, tau, "probit"),
        stats.norm.cdf(eta / np.sqrt(1 + tau**2)),
        atol=1e-10,
    )
    np.testing.assert_allclose(
        population_average(eta, tau, "log"), np.exp(eta + tau**2 / 2), rtol=1e-10
    )
    c = subject_curves(eta, tau, "logit", n_curves=4000)
    np.testing.assert_allclose(c["curves"].mean(axis=0), c["average"], atol=2e-3)
    # logit: attenuated toward 1/2 (Jensen)
    assert np.all(np.abs(c["average"] - 0.5) <= np.abs(c["typical"] - 0.5) + 1e-12)


# --------------------------------------------------------------------------- within / between
def _simpson_data(seed=2, J=15, n=8):
    rng = np.random.default_rng(seed)
    xbar = rng.normal(0, 2, J)
    g = np.repeat(np.arange(J), n)
    x = xbar[g] + rng.normal(0, 1, J * n)
    y = 1.0 * xbar[g] - 0.7 * (x - xbar[g]) + rng.normal(0, 0.5, J)[g] + rng.normal(0, 0.5, J * n)
    return pd.DataFrame({"y": y, "x": x, "g": [f"u{k:02d}" for k in g]})


def test_within_between_transforms_and_new_data():
    x, g = np.array([1.0, 2, 3, 10, 12]), np.array(["a", "a", "a", "b", "b"])
    w, b = Within(), Between()
    np.testing.assert_allclose(w(x, g), [-1, 0, 1, -1, 1])
    np.testing.assert_allclose(b(x, g), [2, 2, 2, 11, 11])
    np.testing.assert_allclose(
        w(np.array([0.0, 20]), np.array(["a", "b"])), [-2, 9]
    )  # means reused
    with pytest.raises(DataError, match=r"\['z'\]"):
        b(np.array([1.0]), np.array(["z"]))


def test_simpson_lines_are_least_squares():
    df = _simpson_data()
    lines = simpson_lines(df, "y", "x", "g")
    D = pd.get_dummies(df["g"]).to_numpy(float)
    ref = np.linalg.lstsq(np.column_stack([df["x"], D]), df["y"], rcond=None)[0][0]
    assert lines["within"] == pytest.approx(ref, rel=1e-10)
    gm = df.groupby("g")[["x", "y"]].mean()
    assert lines["between"][1] == pytest.approx(np.polyfit(gm["x"], gm["y"], 1)[0], rel=1e-10)
    assert lines["pooled"][1] == pytest.approx(np.polyfit(df["x"], df["y"], 1)[0], rel=1e-10)
    assert lines["within"] < 0 < lines["between"][1]  # the data were built to show the paradox


# --------------------------------------------------------------------------- centring (fake draws)
def _slope_fake(tau0=24.74, tau1=5.922, cor=0.066):
    df = hm.datasets.load("sleepstudy")
    model = hm.Model("Reaction ~ Days + (Days | Subject)", df)
    vals = {
        "Intercept": 251.4,
        "b": np.array([10.47]),
        "sigma": 25.59,
        "sd_Subject": np.array([tau0, tau1]),
        "cor_Subject": np.array([[1, cor], [cor, 1]]),
    }
    return fake_fit(model, vals, draws=50)


def test_centering_table_from_known_g():
    tab = centering_table(_slope_fake(), "Subject")
    assert tab.attrs["at"] == pytest.approx(4.5)  # mean of Days 0..9
    cov = 0.066 * 24.74 * 5.922 + 4.5 * 5.922**2  # tau01 + c tau1^2
    v0 = 24.74**2 + 2 * 4.5 * 0.066 * 24.74 * 5.922 + 4.5**2 * 5.922**2
    assert tab.loc["sd(Subject, Intercept)", "origin c"] == pytest.approx(np.sqrt(v0))
    assert tab.loc["cor(Subject, Intercept, Days)", "origin c"] == pytest.approx(
        cov / np.sqrt(v0) / 5.922
    )
    assert tab.attrs["decorrelating_origin"] == pytest.approx(-0.066 * 24.74 / 5.922)
    _, _, r0 = shift_origin(24.74, 5.922, 0.066, tab.attrs["decorrelating_origin"])
    assert r0 == pytest.approx(0.0, abs=1e-12)  # uncorrelated at c* = -tau01/tau1^2


def test_blom_quantiles():
    np.testing.assert_allclose(blom_quantiles(4), stats.norm.ppf((np.arange(1, 5) - 0.375) / 4.25))


# --------------------------------------------------------------------------- sampled fits
def _fit(formula, df, family="gaussian", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hm.Model(formula, df, family=family, **kw).fit(
            draws=400, tune=400, chains=2, seed=1, progressbar=False
        )


@pytest.fixture(scope="module")
def cbpp_fit():
    return _fit("incidence | trials(size) ~ 1 + (1 | herd)", hm.datasets.load("cbpp"), "binomial")


@pytest.mark.sampling
def test_rank_table_and_funnel_on_cbpp(cbpp_fit, tmp_path):
    tab = rank_table(cbpp_fit, "herd")
    J = len(tab)
    assert tab["rank_mean"].sum() == pytest.approx(J * (J + 1) / 2)  # ranks are a permutation
    assert set(tab.loc[tab["flag"] == "above", "lower"].gt(0)) <= {True}
    cbpp = hm.datasets.load("cbpp")
    units, lim = funnel_data(cbpp_fit, "herd")
    s = cbpp.groupby("herd")[["incidence", "size"]].sum()
    np.testing.assert_allclose(
        units["observed"].to_numpy(), (s["incidence"] / s["size"]).to_numpy()
    )
    assert lim.attrs["target"] == pytest.approx(s["incidence"].sum() / s["size"].sum())
    # shrinkage pulls every unit toward the target, never past it (one factor, intercept only)
    d_obs = units["observed"] - lim.attrs["target"]
    d_shr = units["shrunken"] - lim.attrs["target"]
    assert np.all(np.abs(d_shr) <= np.abs(d_obs) + 0.01)
    from hiermodels.present.plots.ranks import plot_funnel, plot_ranks

    assert len(save_png(plot_ranks(cbpp_fit, "herd"), tmp_path / "r.png")) == 1
    assert len(save_png(plot_funnel(cbpp_fit, "herd"), tmp_path / "f.png")) == 1


@pytest.mark.sampling
def test_gee_table_on_cbpp(cbpp_fit):
    df = hm.datasets.load("cbpp")
    fit = _fit("incidence | trials(size) ~ period + (1 | herd)", df, "binomial")
    tab = compare_gee(fit)
    assert list(tab.index) == ["period[2]", "period[3]", "period[4]"]
    assert (tab["scale"] == "odds ratio").all()
    # the GEE odds ratios are the marginal ones: inside the GLMM's population-averaged intervals
    assert ((tab["gee"] > tab["pa_lower"]) & (tab["gee"] < tab["pa_upper"])).all()
    assert 0 <= tab.attrs["working_correlation"] < 1


@pytest.mark.sampling
def test_re_qq_and_covariance_heatmap(tmp_path):
    fit = _fit("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
    qq = re_qq(fit, "Subject")
    assert len(qq) == 18 and qq["effect"].is_monotonic_increasing
    np.testing.assert_allclose(qq["theoretical"], blom_quantiles(18))
    from hiermodels.present.plots.covariance_heatmap import plot_covariance_heatmap
    from hiermodels.present.plots.re_qq import plot_re_qq

    assert save_png(plot_re_qq(fit, "Subject"), tmp_path / "q.png")
    axes = save_png(plot_covariance_heatmap(fit, "Subject"), tmp_path / "h.png")
    img = axes[0].get_images()[0].get_array()
    assert img.shape == (10, 10)
    np.testing.assert_allclose(np.diag(img), 1.0)  # Cor(y_t, y_t) = 1


@pytest.mark.sampling
def test_within_between_table_matches_the_fixed_effects_estimator():
    """Needs within()/between() whitelisted in the formula gate (see the issue-14 wiring)."""
    from hiermodels.derive.within_between import within_between

    df = _simpson_data()
    fe = simpson_lines(df, "y", "x", "g")["within"]
    wb = within_between(_fit("y ~ within(x, g) + between(x, g) + (1 | g)", df), "x")
    mu = within_between(_fit("y ~ x + between(x, g) + (1 | g)", df), "x")
    assert wb.attrs["form"] == "within-between" and mu.attrs["form"] == "Mundlak"
    for tab in (wb, mu):
        sd = tab.loc["within", "sd"]
        mcse = sd / np.sqrt(400)  # >= ESS/4 of 800 draws for these well-identified slopes
        assert tab.loc["within", "mean"] == pytest.approx(fe, abs=4 * mcse + 0.05 * sd)
        assert tab.loc["contextual", "mean"] == pytest.approx(
            tab.loc["between", "mean"] - tab.loc["within", "mean"], abs=1e-9
        )
    assert wb.loc["contextual", "mean"] == pytest.approx(mu.loc["contextual", "mean"], abs=0.15)


# --------------------------------------------------------------------------- figures draw what the calls return
def test_anova_and_simpson_figures_draw_the_computed_numbers(tmp_path):
    from hiermodels.derive.anova import group_means
    from hiermodels.present.plots.anova import plot_anova_components
    from hiermodels.present.plots.within_between import plot_within_between

    dye = hm.datasets.load("dyestuff")
    axes = save_png(plot_anova_components("Yield ~ 1 + (1 | Batch)", dye), tmp_path / "a.png")
    means = group_means("Yield ~ 1 + (1 | Batch)", dye)["mean"].to_numpy()
    drawn = axes[0].collections[1].get_offsets()[:, 1]
    np.testing.assert_allclose(drawn, means)
    df = _simpson_data()
    axes = save_png(plot_within_between(df, "y", "x", "g"), tmp_path / "s.png")
    slope = simpson_lines(df, "y", "x", "g")["between"][1]
    between = next(ln for ln in axes[0].lines if ln.get_label().startswith("between"))
    xs, ys = between.get_data()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(slope)


@pytest.mark.sampling
def test_subject_curves_and_compare_ml_figures(cbpp_fit, tmp_path):
    from hiermodels.derive.gee import curves_from_fit
    from hiermodels.present.plots.compare_ml import plot_compare_ml
    from hiermodels.present.plots.subject_curves import plot_subject_curves

    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(30), 8)
    x = rng.normal(size=g.size)
    y = rng.binomial(1, 1 / (1 + np.exp(-(x + rng.normal(0, 1.5, 30)[g]))))
    fit = _fit("y ~ x + (1 | c)", pd.DataFrame({"y": y, "x": x, "c": g.astype(str)}), "bernoulli")
    axes = save_png(plot_subject_curves(fit, "x"), tmp_path / "c.png")
    c = curves_from_fit(fit, "x")
    avg = next(ln for ln in axes[0].lines if ln.get_label().startswith("average"))
    np.testing.assert_allclose(avg.get_ydata(), c["average"])
    axes = save_png(plot_compare_ml(cbpp_fit, nAGQ=9), tmp_path / "m.png")
    assert len(axes[0].get_yticklabels()) == 2  # Intercept and sd(herd, Intercept)


@pytest.mark.sampling
def test_bubble_data_line_and_weights(bcg, tmp_path):
    from hiermodels.derive.meta_bubble import bubble_data
    from hiermodels.present.plots.meta_bubble import plot_meta_bubble

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators="~ ablat").fit(
            seed=1
        )
    studies, line = bubble_data(reg, "ablat")
    assert studies["weight"].sum() == pytest.approx(1.0)
    tau2 = reg.summary().loc["tau2", "mean"]
    w = 1 / (bcg["vi"].to_numpy() + tau2)
    np.testing.assert_allclose(studies["weight"], w / w.sum())
    b = reg.summary()["mean"]
    x = line.index.to_numpy()
    # the posterior mean of a linear function is linear in the posterior means
    np.testing.assert_allclose(line["fitted_mean"], b["Intercept"] + b["ablat"] * x, atol=1e-10)
    assert (line["lower"] < line["fitted_lower"]).all()  # prediction band contains tau
    with pytest.raises(HiermodelsError, match="moderator"):
        bubble_data(reg, "year")
    assert len(save_png(plot_meta_bubble(reg, "ablat"), tmp_path / "b.png")) == 1


def test_public_names_and_the_formula_gate():
    from hiermodels.spec.formula import parse_formula

    assert hm.anova_components is not None and hm.ml_fit is not None
    assert hm.design_effect_summary(0.057, 30)["design_effect"].iloc[0] == pytest.approx(2.653)
    for method in ("rank", "funnel", "within_between", "fe_vs_re", "centering", "re_qq",
                   "se_comparison", "compare_ml", "compare_gee"):  # fmt: skip
        assert callable(getattr(hm.Fit, method)), method
    for plot in ("plot_anova_components", "plot_ranks", "plot_funnel", "plot_within_between",
                 "plot_subject_curves", "plot_compare_ml", "plot_re_qq",
                 "plot_covariance_heatmap", "plot_meta_bubble"):  # fmt: skip
        assert callable(getattr(hm.plots, plot)), plot
    parsed = parse_formula("y ~ within(x, g) + between(x, g) + (1 | g)", ["y", "x", "g"])
    assert parsed.fixed == "within(x, g) + between(x, g)"
    with pytest.raises(hm.HiermodelsError, match="not allowed"):
        parse_formula("y ~ within(x, g) + eval(x) + (1 | g)", ["y", "x", "g"])
