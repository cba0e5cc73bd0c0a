"""GLMMs: bad input, population-averaged vs conditional effects, reference fits.

References: lme4 1.1-31 ``glmer(cbind(incidence, size - incidence) ~ period + (1 | herd),
family = binomial, data = cbpp)`` (Laplace): Intercept -1.398, period2 -0.992,
period3 -1.128, period4 -1.580, herd SD 0.642 (Bates et al. 2015, JSS 67(1)). epil is
compared with lme4 1.1-31 ``glmer`` (adaptive Gauss-Hermite, nAGQ = 25) and ``glmer.nb``
(tests/reference_values.py: EPIL_GLMER_POISSON_AGQ25, EPIL_GLMER_NB).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import special

import hiermodels as hm
from hiermodels.derive.predict import population_mean
from hiermodels.errors import DataError
from hiermodels.families import get_family


def _counts(n=60, seed=0):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(12), n // 12)
    return pd.DataFrame(
        {
            "y": rng.poisson(2, n),
            "x": rng.normal(size=n),
            "g": g.astype(str),
            "t": rng.uniform(0.5, 2, n),
            "n": rng.integers(3, 9, n),
        }
    )


# ------------------------------------------------------------------ bad input (no MCMC)
@pytest.mark.parametrize("family", ["poisson", "negbinomial"])
def test_counts_must_be_non_negative_integers(family):
    df = _counts()
    with pytest.raises(DataError, match="non-negative integers"):
        hm.Model("y ~ x + (1 | g)", df.assign(y=df["y"] - 3), family=family)
    with pytest.raises(DataError, match="non-negative integers"):
        hm.Model("y ~ x + (1 | g)", df.assign(y=df["y"] + 0.5), family=family)


def test_binomial_trials_errors():
    df = _counts()
    with pytest.raises(DataError, match="more successes"):
        hm.Model("y | trials(n) ~ x + (1 | g)", df.assign(y=df["n"] + 1), family="binomial")
    with pytest.raises(DataError, match="positive integers"):
        hm.Model("y | trials(n) ~ x + (1 | g)", df.assign(n=0, y=0), family="binomial")
    with pytest.raises(DataError, match="trials"):
        hm.Model("y ~ x + (1 | g)", df, family="binomial")


def test_bernoulli_response_mapping_and_errors():
    df = _counts()
    with pytest.raises(DataError, match="0/1"):
        hm.Model("y ~ x + (1 | g)", df, family="bernoulli")
    yes = df.assign(r=np.where(df["y"] > 2, "yes", "no"))
    with pytest.warns(hm.HiermodelsWarning, match="'r' = 'yes' is coded 1"):
        m = hm.Model("r ~ x + (1 | g)", yes, family="bernoulli")
    assert np.array_equal(m.design.y, (yes["r"] == "yes").to_numpy(float))
    with pytest.warns(hm.HiermodelsWarning, match="True is coded 1"):
        hm.Model("b ~ x + (1 | g)", df.assign(b=df["y"] > 2), family="bernoulli")


def test_non_positive_exposure_in_log_offset():
    df = _counts()
    with pytest.raises(DataError, match=r"offset.*log of a zero or negative exposure"):
        hm.Model("y ~ x + offset(log(t)) + (1 | g)", df.assign(t=df["t"] - 1), family="poisson")


def test_all_zero_outcome_warns():
    with pytest.warns(hm.HiermodelsWarning, match="all zero"):
        hm.Model("y ~ x + (1 | g)", _counts().assign(y=0), family="poisson")


# ------------------------------------------------------------------ closed forms (no MCMC)
def test_population_mean_against_monte_carlo():
    rng = np.random.default_rng(1)
    eta, v = np.array([[-1.0, 0.5, 2.0]]), np.array([[0.3, 1.5, 4.0]])
    e = rng.standard_normal(2_000_000)
    for link in ("logit", "probit"):
        fam = get_family("bernoulli", link)
        got = population_mean(fam, eta, v)[0]
        mc = np.array([fam.inverse_link(eta[0, i] + np.sqrt(v[0, i]) * e).mean() for i in range(3)])
        se = 0.5 / np.sqrt(e.size)
        assert np.all(np.abs(got - mc) < 5 * se), (link, got, mc)
    pois = get_family("poisson")
    np.testing.assert_allclose(population_mean(pois, eta, v), np.exp(eta + v / 2))


@pytest.mark.parametrize("family", ["bernoulli", "binomial", "poisson", "negbinomial"])
def test_centred_and_noncentred_same_logp_per_family(family):
    from test_parameterization import _logps

    df = _counts(seed=3)
    formula = {"bernoulli": "yb ~ x + (x | g)", "binomial": "y | trials(n) ~ x + (x | g)"}.get(
        family, "y ~ x + (x | g)"
    )
    df = df.assign(yb=(df["y"] > 1).astype(int), n=df["n"] + df["y"])
    nc = hm.Model(formula, df, family=family, parameterization="noncentered").pymc_model
    c = hm.Model(formula, df, family=family, parameterization="centered").pymc_model
    logp_c, logp_nc, logdet = _logps(nc, c, "g", 0)
    np.testing.assert_allclose(logp_c, logp_nc - logdet, rtol=1e-9)


# ------------------------------------------------------------------ sampling
@pytest.fixture(scope="module")
def cbpp_fit():
    cbpp = hm.datasets.load("cbpp")
    return hm.Model("incidence | trials(size) ~ period + (1 | herd)", cbpp, family="binomial").fit(
        seed=2, progressbar=False
    )


@pytest.mark.sampling
def test_cbpp_matches_glmer(cbpp_fit):
    fe = cbpp_fit.fixed_effects(prob=0.9)
    ref = {"Intercept": -1.398, "period[2]": -0.992, "period[3]": -1.128, "period[4]": -1.580}
    for term, val in ref.items():
        assert fe.loc[term, "lower"] < val < fe.loc[term, "upper"], term
    vc = cbpp_fit.varcorr(prob=0.9)
    assert vc.loc["sd(herd, Intercept)", "lower"] < 0.642 < vc.loc["sd(herd, Intercept)", "upper"]
    assert cbpp_fit.diagnostics()["divergences"] == 0
    assert "posterior_predictive" in cbpp_fit.idata.groups()
    yrep = cbpp_fit.idata.posterior_predictive["incidence"].values
    assert yrep.shape == (4, 1000, 56) and np.all(yrep <= cbpp_fit.design.trials)


@pytest.mark.sampling
def test_predictions_modes(cbpp_fit):
    cbpp = cbpp_fit.model.data
    rows = cbpp.head(4)
    fitted = cbpp_fit.predict(rows).summary()
    typical = cbpp_fit.predict(rows, groups="typical").draws
    pop = cbpp_fit.predict(rows, groups="population").draws
    new = cbpp_fit.predict(rows.assign(herd="new-herd"), groups="new", seed=1).draws
    assert fitted.shape == (4, 4)
    # averaging over herds raises a small probability (the logistic curve is convex there)
    assert np.all(pop.mean(0) > typical.mean(0))
    # a new herd's probability is, on average over draws, the population-averaged one
    se = new.std(0) / np.sqrt(new.shape[0])
    assert np.all(np.abs(new.mean(0) - pop.mean(0)) < 5 * se)
    with pytest.raises(hm.HiermodelsError, match="groups='new'"):
        cbpp_fit.predict(rows.assign(herd="zzz"))
    rep = cbpp_fit.predict(rows, kind="response", seed=3)
    assert np.all(rep.draws <= rows["size"].to_numpy())


@pytest.mark.sampling
def test_epil_poisson_and_negbinomial_against_lme4_and_loo():
    from reference_values import EPIL_GLMER_NB, EPIL_GLMER_POISSON_AGQ25

    def hm_name(r_name):  # R's coefficient names -> hiermodels' term names
        return r_name.replace("(Intercept)", "Intercept").replace("trtprogabide", "trt[progabide]")

    epil = hm.datasets.load("epil")
    formula = "y ~ lbase * trt + lage + V4 + (1 | subject)"
    refs = {"poisson": EPIL_GLMER_POISSON_AGQ25, "negbinomial": EPIL_GLMER_NB}
    fits = {}
    for family, ref in refs.items():
        fit = hm.Model(formula, epil, family=family).fit(seed=4, progressbar=False)
        fe = fit.fixed_effects()
        assert sorted(map(hm_name, ref["fixef"])) == sorted(fe.index)
        for r_name, beta in ref["fixef"].items():
            name = hm_name(r_name)
            assert abs(fe.loc[name, "mean"] - beta) < 0.5 * fe.loc[name, "sd"], (family, name)
        vc = fit.varcorr()
        tau = ref["sd_subject_(Intercept)"]
        assert (
            vc.loc["sd(subject, Intercept)", "lower"]
            < tau
            < vc.loc["sd(subject, Intercept)", "upper"]
        )
        if family == "negbinomial":  # NB2: lme4's theta is hiermodels' phi
            assert vc.loc["phi", "lower"] < ref["theta"] < vc.loc["phi", "upper"]
        fits[family] = fit
    cmp = hm.compare(fits)
    assert cmp.index[0] == "negbinomial"
    assert cmp.loc["poisson", "elpd_diff"] > 2 * cmp.loc["poisson", "dse"]


@pytest.mark.sampling
def test_population_averaged_logit_slope_is_attenuated():
    """Known random-intercept SD: PA odds ratio from hiermodels vs brute-force Monte Carlo."""
    rng = np.random.default_rng(11)
    J, n, tau = 60, 30, 1.5
    g = np.repeat(np.arange(J), n)
    x = rng.normal(size=g.size)
    y = rng.binomial(1, special.expit(-0.5 + 1.0 * x + rng.normal(0, tau, J)[g]))
    df = pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})
    fit = hm.Model("y ~ x + (1 | g)", df, family="bernoulli").fit(seed=5, progressbar=False)
    eff = fit.effects()
    cond = eff.loc[("x", "conditional"), "mean"]
    pa = eff.loc[("x", "population-averaged"), "mean"]
    assert abs(np.log(pa)) < abs(np.log(cond))  # attenuated toward OR = 1
    # brute force for each (thinned) posterior draw: average expit over simulated intercepts
    x0 = df["x"].mean()
    rows = pd.DataFrame({"x": [x0, x0 + 1], "g": ["0", "0"]})
    pa_draws = fit.predict(rows, groups="population").draws[::20]
    or_pa = (pa_draws[:, 1] / (1 - pa_draws[:, 1])) / (pa_draws[:, 0] / (1 - pa_draws[:, 0]))
    post = fit.posterior
    b0 = post["Intercept"].values.ravel()[::20]
    b1 = post["b"].sel(coef="x").values.ravel()[::20]
    sd = post["sd_g"].values.reshape(-1)[::20]
    u = rng.standard_normal(200_000)
    brute = []
    for a, c, s in zip(b0, b1, sd, strict=True):
        p0 = special.expit(a + c * x0 + s * u).mean()
        p1 = special.expit(a + c * (x0 + 1) + s * u).mean()
        brute.append((p1 / (1 - p1)) / (p0 / (1 - p0)))
    # Monte Carlo error of 200,000 draws per integral is ~0.1 %; allow 0.5 %
    np.testing.assert_allclose(np.array(brute), or_pa, rtol=5e-3)
    assert abs(np.mean(or_pa) - pa) < 3 * np.std(or_pa) / np.sqrt(len(or_pa))


@pytest.mark.sampling
def test_log_link_rate_ratios_coincide():
    rng = np.random.default_rng(12)
    g = np.repeat(np.arange(40), 10)
    x = rng.normal(size=g.size)
    y = rng.poisson(np.exp(0.3 + 0.4 * x + rng.normal(0, 0.8, 40)[g]))
    df = pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})
    eff = hm.Model("y ~ x + (1 | g)", df, family="poisson").fit(seed=6, progressbar=False).effects()
    np.testing.assert_allclose(
        eff.loc[("x", "conditional"), "mean"],
        eff.loc[("x", "population-averaged"), "mean"],
        rtol=1e-10,
    )
    base_c = eff.loc[("baseline", "conditional"), "mean"]
    base_p = eff.loc[("baseline", "population-averaged"), "mean"]
    assert base_p > base_c  # baseline rate inflated by exp(tau^2 / 2)


@pytest.mark.sampling
def test_glmm_save_load_round_trip(cbpp_fit, tmp_path):
    cbpp_fit.save(tmp_path / "cbpp.nc")
    back = hm.load(tmp_path / "cbpp.nc")
    assert back.family.name == "binomial" and back.model.design.trials is not None
    pd.testing.assert_frame_equal(back.effects(), cbpp_fit.effects())
    assert "posterior_predictive" in back.idata.groups()
