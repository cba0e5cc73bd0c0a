"""The cumulative ordinal family (issue 12): NumPy methods against SciPy and quadrature, the
numba log-likelihood against them and against finite differences, simulation frequencies
against the probabilities, response coding and its errors, and the wine likelihood against
ordinal::clmm (tests/reference_values.py). No MCMC in this part."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special, stats

from hiermodels.backends.kernels import family_cumulative_nb as nbc
from hiermodels.errors import DataError, HiermodelsError
from hiermodels.families import get_family
from hiermodels.families.cumulative import Cumulative
from tests.reference_values import WINE_CLMM_AGQ

RNG = np.random.default_rng(12)
C = np.array([-1.4, -0.2, 0.9, 2.6])  # K = 5
LINKS = ("logit", "probit")
DIST = {"logit": stats.logistic, "probit": stats.norm}
NB = {"logit": nbc.loglik_logit, "probit": nbc.loglik_probit}


def _scipy_logpmf(link, y, eta, c):
    """log P(y = j) from SciPy CDF differences, taken on the side where both terms are small."""
    F = DIST[link]
    cp = np.concatenate([[-np.inf], c, [np.inf]])
    j = np.asarray(y, int)
    lo, hi = cp[j] - eta, cp[j + 1] - eta
    p = np.where(lo > 0, F.sf(lo) - F.sf(hi), F.cdf(hi) - F.cdf(lo))
    return np.log(p)


def _quad_logpmf(link, a, b):
    """log of the integral of the density over (a, b), rescaled at the denser endpoint (quad)."""
    logf = (lambda x: -x - 2 * np.logaddexp(0, -x)) if link == "logit" else stats.norm.logpdf
    m = float(np.clip(0.0, a, b))  # the densest point of [a, b]: the integrand is <= 1

    def g(x):
        return np.exp(logf(x) - logf(m))

    parts = [(a, m), (m, b)] if a < m < b else [(a, b)]  # split at the mode
    val = sum(integrate.quad(g, lo, hi, epsabs=0, epsrel=1e-13)[0] for lo, hi in parts)
    return logf(m) + np.log(val)


def _nb_logpdf(link, y, eta, c):
    g = np.zeros(len(c))
    out = [NB[link](float(yi), 1.0, float(e), 0.0, c, g) for yi, e in zip(y, eta, strict=True)]
    return np.array([o[0] for o in out])


# ------------------------------------------------------------------ NumPy family methods
@pytest.mark.parametrize("link", LINKS)
def test_logpdf_and_cdf_against_scipy(link):
    f = get_family("cumulative", link)
    eta = RNG.normal(0.3, 1.5, 200)
    y = RNG.integers(0, 5, 200).astype(float)
    aux = {"threshold": C}
    np.testing.assert_allclose(f.logpdf(y, eta, aux), _scipy_logpmf(link, y, eta, C), rtol=1e-10)
    F = DIST[link].cdf
    cp = np.concatenate([C, [np.inf]])
    np.testing.assert_allclose(f.cdf(y, eta, aux), F(cp[y.astype(int)] - eta), rtol=1e-12)
    np.testing.assert_array_equal(f.cdf(np.full(3, -1.0), eta[:3], aux), 0.0)
    np.testing.assert_array_equal(f.cdf(np.full(3, 4.0), eta[:3], aux), 1.0)
    # a PIT step is the probability: cdf(y) - cdf(y - 1) = p(y)
    np.testing.assert_allclose(
        f.cdf(y, eta, aux) - f.cdf(y - 1, eta, aux), np.exp(f.logpdf(y, eta, aux)), atol=1e-14
    )


@pytest.mark.parametrize("link", LINKS)
def test_probabilities_mean_variance(link):
    f = get_family("cumulative", link)
    eta = RNG.normal(0, 2, 50)
    aux = {"threshold": C}
    P = f.probabilities(eta, aux)
    assert P.shape == (50, 5)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    codes = np.arange(5.0)
    ref = np.exp([_scipy_logpmf(link, np.full(50, k), eta, C) for k in codes]).T
    np.testing.assert_allclose(P, ref, rtol=1e-10, atol=1e-300)
    mean = (ref * codes).sum(axis=1)  # on the code scale 0..K-1, like y and draw()
    np.testing.assert_allclose(f.mean(eta, None, aux), mean, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        f.variance(eta, aux), (ref * codes**2).sum(axis=1) - mean**2, rtol=1e-9, atol=1e-14
    )
    with pytest.raises(HiermodelsError, match="thresholds"):
        f.mean(eta)


def test_draws_per_eta_and_threshold_broadcasting():
    """Thresholds (D, K-1) with eta (D, n): one threshold vector per draw."""
    f = get_family("cumulative", "logit")
    D, n = 4, 7
    eta = RNG.normal(0, 1, (D, n))
    thr = np.sort(RNG.normal(0, 2, (D, 4)), axis=1)
    y = RNG.integers(0, 5, (D, n)).astype(float)
    lp = f.logpdf(y, eta, {"threshold": thr})
    loop = np.array([_scipy_logpmf("logit", y[d], eta[d], thr[d]) for d in range(D)])
    np.testing.assert_allclose(lp, loop, rtol=1e-10)
    # the same thresholds given as (D, 1, K-1) (aux_draws style columns)
    np.testing.assert_allclose(f.logpdf(y, eta, {"threshold": thr[:, None, :]}), loop, rtol=1e-10)
    assert f.draw(RNG, eta, {"threshold": thr}).shape == (D, n)
    assert f.mean(eta, None, {"threshold": thr}).shape == (D, n)


@pytest.mark.parametrize("link", LINKS)
def test_draw_frequencies_match_probabilities(link):
    f = get_family("cumulative", link)
    S = 20_000
    for e in (-1.5, 0.4, 2.2):
        y = f.draw(np.random.default_rng(7), np.full(S, e), {"threshold": C})
        assert set(np.unique(y)) <= {0.0, 1.0, 2.0, 3.0, 4.0}
        freq = np.bincount(y.astype(int), minlength=5) / S
        p = np.exp(_scipy_logpmf(link, np.arange(5), np.full(5, e), C))
        se = np.sqrt(p * (1 - p) / S)
        assert np.all(np.abs(freq - p) < 4.5 * se + 1e-12), (e, freq, p)
        # and the mean of the draws is mean() (the code scale), within 4.5 MC standard errors
        mu, var = f.mean(e, None, {"threshold": C}), f.variance(e, {"threshold": C})
        assert abs(y.mean() - mu) < 4.5 * np.sqrt(var / S)


def test_latent_variance_and_text():
    lo, pr = get_family("cumulative"), get_family("cumulative", "probit")
    assert lo.link == "logit"
    np.testing.assert_allclose(lo.latent_variance(None, np.ones(3), {}), np.pi**2 / 3)
    np.testing.assert_allclose(pr.latent_variance(None, np.ones(3), {}), 1.0)
    assert lo.latent_variance_text() == "pi^2/3" and pr.latent_variance_text() == "1"
    assert lo.likelihood_text.startswith("cumulative(logit)")
    assert pr.likelihood_text.startswith("cumulative(probit)")
    assert lo.ordinal and lo.discrete and lo.aux == ()
    assert get_family("ordinal") == lo
    assert lo.intercept_location(np.arange(3.0)) == 0.0
    prior, _ = lo.default_threshold_prior()
    assert prior.dist == "StudentT" and prior.params == {"nu": 3.0, "mu": 0.0, "sigma": 2.5}
    with pytest.raises(HiermodelsError, match=r"Link 'log'.*cumulative"):
        get_family("cumulative", "log")


@pytest.mark.parametrize("link", LINKS)
def test_start_thresholds_match_cumulative_proportions(link):
    f = get_family("cumulative", link)
    y = np.repeat(np.arange(4.0), [10, 30, 40, 20])
    q = np.array([0.1, 0.4, 0.8])
    ref = special.logit(q) if link == "logit" else special.ndtri(q)
    np.testing.assert_allclose(f.start_thresholds(y), ref, atol=0.01)


# ------------------------------------------------------------------ response coding and errors
def test_prepare_response_orders():
    f = get_family("cumulative")
    cat = pd.Categorical(["mid", "low", "high", "mid"], categories=["low", "mid", "high"])
    codes, labels = f.prepare_response(pd.Series(cat), "y")
    np.testing.assert_array_equal(codes, [1, 0, 2, 1])
    assert labels == ("low", "mid", "high")
    # integers sort numerically (10 after 2), strings alphabetically
    codes, labels = f.prepare_response(pd.Series([10, 2, 3, 2]), "y")
    np.testing.assert_array_equal(codes, [2, 0, 1, 0])
    assert labels == (2, 3, 10)
    codes, labels = f.prepare_response(np.array(["b", "a", "c"]), "y")
    np.testing.assert_array_equal(codes, [1, 0, 2])
    # categories that no row takes are dropped
    cat = pd.Categorical(["a", "c", "d"], categories=["a", "b", "c", "d"], ordered=True)
    codes, labels = f.prepare_response(cat, "y")
    np.testing.assert_array_equal(codes, [0, 1, 2])
    assert labels == ("a", "c", "d")
    assert codes.dtype == float


def test_response_errors_name_the_response():
    f = get_family("cumulative")
    with pytest.raises(DataError, match=r"at least 3.*'grade' has 2.*family='bernoulli'"):
        f.prepare_response(pd.Series(["pass", "fail", "pass"]), "grade")
    with pytest.raises(DataError, match=r"at least 3.*'grade' has 1"):
        f.prepare_response(pd.Series([1, 1, 1]), "grade")
    with pytest.raises(DataError, match=r"'grade'.*missing"):
        f.prepare_response(pd.Series([1.0, np.nan, 2.0, 3.0]), "grade")
    with pytest.raises(DataError, match=r"'grade'.*ordered Categorical"):
        f.prepare_response(pd.Series([1, "a", 2.5], dtype=object), "grade")
    with pytest.raises(DataError, match=r"'grade'.*category codes"):
        f.validate(np.array([0.0, 1.5, 2.0]), None, "grade")
    with pytest.raises(DataError, match=r"at least 3.*'grade' has 2.*bernoulli"):
        f.validate(np.array([0.0, 1.0, 1.0]), None, "grade")


# ------------------------------------------------------------------ the numba log-likelihood
@pytest.mark.parametrize("link", LINKS)
def test_numba_matches_numpy_and_scipy(link):
    f = get_family("cumulative", link)
    eta = RNG.normal(0.2, 1.5, 300)
    y = RNG.integers(0, 5, 300).astype(float)
    lp = _nb_logpdf(link, y, eta, C)
    np.testing.assert_allclose(lp, _scipy_logpmf(link, y, eta, C), rtol=1e-10)
    np.testing.assert_allclose(lp, f.logpdf(y, eta, {"threshold": C}), rtol=1e-12)


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("eta", [-45.0, -25.0, 12.0, 38.0])
def test_tails_against_quadrature(link, eta):
    """Far tails (probabilities down to 1e-300 and below): numba and NumPy against a
    rescaled numerical integral of the latent density over (c_{j-1} - eta, c_j - eta)."""
    f = get_family("cumulative", link)
    y = np.arange(5.0)
    cp = np.concatenate([[-np.inf], C, [np.inf]])
    ref = np.array([_quad_logpmf(link, cp[j] - eta, cp[j + 1] - eta) for j in range(5)])
    lp_nb = _nb_logpdf(link, y, np.full(5, eta), C)
    lp_np = f.logpdf(y, np.full(5, eta), {"threshold": C})
    big = np.abs(ref) > 1e-8  # log p near 0: compare absolutely
    np.testing.assert_allclose(lp_nb[big], ref[big], rtol=1e-9)
    np.testing.assert_allclose(lp_np[big], ref[big], rtol=1e-9)
    np.testing.assert_allclose(lp_nb[~big], ref[~big], atol=1e-12)
    np.testing.assert_allclose(lp_np[~big], ref[~big], atol=1e-12)
    assert np.all(np.isfinite(lp_nb)) and np.all(np.isfinite(lp_np))


@pytest.mark.parametrize("link", LINKS)
def test_numba_derivatives_against_finite_differences(link):
    fn, h = NB[link], 1e-6
    for _ in range(40):
        eta = RNG.normal(0, 2.5)
        y = float(RNG.integers(0, 5))
        c = np.sort(RNG.normal(0, 2, 4))
        g = np.zeros(4)
        _, d_eta, d_eta2 = fn(y, 1.0, eta, 0.0, c, g)
        assert d_eta2 == 0.0
        fd = (
            fn(y, 1.0, eta + h, 0.0, c, np.zeros(4))[0]
            - fn(y, 1.0, eta - h, 0.0, c, np.zeros(4))[0]
        ) / (2 * h)
        np.testing.assert_allclose(d_eta, fd, rtol=1e-6, atol=1e-8)
        for k in range(4):
            cp, cm = c.copy(), c.copy()
            cp[k] += h
            cm[k] -= h
            fdk = (
                fn(y, 1.0, eta, 0.0, cp, np.zeros(4))[0] - fn(y, 1.0, eta, 0.0, cm, np.zeros(4))[0]
            ) / (2 * h)
            np.testing.assert_allclose(g[k], fdk, rtol=1e-6, atol=1e-8)
        # the gradient ADDS into gaux
        g2 = np.ones(4)
        fn(y, 1.0, eta, 0.0, c, g2)
        np.testing.assert_allclose(g2, g + 1.0, rtol=1e-14)
        # d lp / d eta = -(sum of threshold derivatives): the likelihood depends on c - eta
        np.testing.assert_allclose(d_eta, -g.sum(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("link", LINKS)
def test_numba_derivatives_in_the_tails(link):
    """Far out the derivatives stay finite and match finite differences of the (finite) log
    density: for code 0 at eta = +40 the logit slope is -1, the probit one ~ -(c_1 - eta)."""
    fn, h = NB[link], 1e-5
    for eta in (-40.0, 40.0):
        for y in range(5):
            g = np.zeros(4)
            lp, d_eta, _ = fn(float(y), 1.0, eta, 0.0, C, g)
            fd = (
                fn(float(y), 1.0, eta + h, 0.0, C, np.zeros(4))[0]
                - fn(float(y), 1.0, eta - h, 0.0, C, np.zeros(4))[0]
            ) / (2 * h)
            assert np.isfinite(lp) and np.isfinite(d_eta) and np.all(np.isfinite(g))
            np.testing.assert_allclose(d_eta, fd, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------ wine: the clmm likelihood
@pytest.mark.parametrize("link", LINKS)
def test_wine_marginal_loglik_equals_clmm_agq(link):
    """At ordinal::clmm's adaptive-quadrature estimates (nAGQ = 10; 25 nodes agree to 10
    digits) the marginal log-likelihood built from this family's logpdf, integrated over
    each judge's effect with SciPy quad, equals clmm's logLik: same model, same sign
    convention P(y <= k) = F(theta_k - x'beta - u)."""
    from hiermodels import datasets

    ref = WINE_CLMM_AGQ[link]
    wine = datasets.load("wine")
    f = get_family("cumulative", link)
    y, labels = f.prepare_response(wine["rating"], "rating")
    assert labels == ("1", "2", "3", "4", "5")
    x = np.column_stack([wine["temp"] == "warm", wine["contact"] == "yes"]).astype(float)
    eta = x @ np.array([ref["fixef"]["tempwarm"], ref["fixef"]["contactyes"]])
    aux = {"threshold": np.array(list(ref["thresholds"].values()))}
    s = ref["sd_judge"]
    total = 0.0
    for j in wine["judge"].cat.categories:
        rows = (wine["judge"] == j).to_numpy()

        def lik(u, rows=rows):
            return np.exp(f.logpdf(y[rows], eta[rows] + u, aux).sum()) * stats.norm.pdf(u, 0, s)

        val, _ = integrate.quad(lik, -12 * s, 12 * s, epsabs=0, epsrel=1e-12, limit=200)
        total += np.log(val)
    np.testing.assert_allclose(total, ref["logLik"], rtol=0, atol=1e-6)


def test_wine_is_bundled_with_an_ordered_rating():
    from hiermodels import datasets

    wine = datasets.load("wine")
    assert wine.shape == (72, 6)
    assert wine["rating"].cat.ordered
    assert list(wine["rating"].cat.categories) == ["1", "2", "3", "4", "5"]
    assert list(wine["temp"].cat.categories) == ["cold", "warm"]
    assert "Randall" in datasets.citation("wine")


def test_family_class_is_the_registry_entry():
    assert type(get_family("cumulative")) is Cumulative


# ------------------------------------------------------------------ end to end (kernel, PyMC, fits)
WINE_FORMULA = "rating ~ temp + contact + (1 | judge)"


def _wine_model(link="logit", **kw):
    import hiermodels as hm

    return hm.Model(WINE_FORMULA, hm.datasets.load("wine"), family="cumulative", link=link, **kw)


def _pymc_point(m, lay, x):
    """The PyMC graph's value variables at the kernel's unconstrained point ``x``, and their
    positions in ``x``: the ordered transform (c_1, log increments) is the kernel's
    threshold coordinates."""
    from hiermodels.model import names

    idx = {"b": np.arange(lay.has_int, lay.has_int + lay.P)}
    for f, g in enumerate(m.design.groups):
        idx[f"{names.sd(g)}_log__"] = np.arange(lay.flogsd[f], lay.flogsd[f] + g.q)
        z = names.effects(g) if lay.fcent[f] else names.std_effects(g)
        idx[z] = np.arange(lay.fz[f], lay.fz[f] + g.n_levels * g.q)
    idx[f"{names.THRESHOLD_C}_ordered__"] = np.arange(lay.aux_pos, lay.aux_pos + lay.n_aux)
    point = {k: x[v] for k, v in idx.items()}
    for f, g in enumerate(m.design.groups):
        z = names.effects(g) if lay.fcent[f] else names.std_effects(g)
        point[z] = point[z].reshape(g.n_levels, g.q)
    return point, idx


@pytest.mark.parametrize(
    "link,par",
    [
        ("logit", "noncentered"),
        pytest.param("probit", "noncentered", marks=pytest.mark.slow),
        pytest.param("logit", "centered", marks=pytest.mark.slow),
        pytest.param("probit", "centered", marks=pytest.mark.slow),
    ],
)
def test_kernel_logp_and_gradient_equal_pymc_graph(link, par):
    """Kernel (codes 18/19) and PyMC graph (pm.OrderedLogistic / OrderedProbit on the
    ordered transform) give the same log density and gradient at random points.

    Probit is compared more loosely because PyMC 5.28's OrderedProbit is the less exact side:
    its log p differs from SciPy's by up to 3.6e-7 per row in the upper tail (measured
    2026-12-01 on 200 random rows; this family's logpdf: 2e-15, see
    test_numba_matches_numpy_and_scipy), so over 72 rows the sums may differ by ~1e-5 and
    the gradients by ~1e-6 relative; at such a point the kernel's threshold derivative
    matched a Richardson-extrapolated finite difference to 1e-10 relative, PyMC's to 1e-8.
    The graph is compiled with FAST_COMPILE (no C compilation: ~15-30 s a model here)."""
    from hiermodels.backends.kernels import _raw_logp, initial_point, kernel_data, supports
    from hiermodels.model.layout import make_layout

    m = _wine_model(link, parameterization=par)
    assert supports(m) and "Intercept" not in m.design.fixed_names
    lay = make_layout(m, collapsed=False)
    assert lay.n_aux == 4 and list(lay.aux_kind) == [1, 1, 1, 1]
    data = kernel_data(m, lay)
    f = _raw_logp(lay)
    pm_model = m.pymc_model
    logp_fn = pm_model.compile_logp(mode="FAST_COMPILE")
    dlogp_fn = pm_model.compile_dlogp(mode="FAST_COMPILE")
    value_names = [v.name for v in pm_model.value_vars]
    lp_tol = {"rtol": 1e-9} if link == "logit" else {"rtol": 0, "atol": 72 * 4e-7}
    g_tol = {"rtol": 1e-8, "atol": 1e-9} if link == "logit" else {"rtol": 1e-5, "atol": 1e-6}
    for seed in range(3):
        x = initial_point(m, lay, np.random.default_rng(seed))
        x = x + np.random.default_rng(100 + seed).normal(0, 0.3, x.size)  # off the start
        point, idx = _pymc_point(m, lay, x)
        assert set(point) == set(value_names), (set(point), value_names)
        assert sorted(np.concatenate(list(idx.values()))) == list(range(x.size))
        lp, grad = f(x, **data)
        np.testing.assert_allclose(lp, logp_fn(point), **lp_tol)
        sizes = np.cumsum([np.size(point[n]) for n in value_names])[:-1]
        for n, part in zip(value_names, np.split(dlogp_fn(point), sizes), strict=True):
            np.testing.assert_allclose(grad[idx[n]], part, err_msg=n, **g_tol)


@pytest.fixture(scope="module")
def wine_fit():
    return _wine_model().fit(draws=1000, tune=1000, chains=2, seed=20, progressbar=False)


def _interval(draws, q=(2.5, 97.5)):
    return np.percentile(np.asarray(draws).reshape(-1), q)


@pytest.mark.sampling
def test_wine_cumulative_logit_matches_clmm(wine_fit):
    """rating ~ temp + contact + (1 | judge), cumulative logit: the 95% posterior intervals
    contain ordinal::clmm's estimates (Laplace and adaptive quadrature; our R run, in
    tests/reference_values.py) and the values printed in Christensen's clmm tutorial
    (temp 3.06, contact 1.83, judge SD 1.13); the posterior SDs of the slopes are within
    25% of clmm's standard errors (72 rows: the posterior is near normal)."""
    from hiermodels.model import names
    from tests.reference_values import WINE_CLMM_LOGIT

    post = wine_fit.posterior
    published = {"temp[warm]": 3.06, "contact[yes]": 1.83}
    for coef, key in (("temp[warm]", "tempwarm"), ("contact[yes]", "contactyes")):
        d = post["b"].sel(coef=coef).values
        lo, hi = _interval(d)
        for ref in (WINE_CLMM_LOGIT["fixef"][key], WINE_CLMM_AGQ["logit"]["fixef"][key]):
            assert lo < ref < hi, (coef, lo, ref, hi)
        assert lo < published[coef] < hi
        assert 0.75 < d.std() / WINE_CLMM_LOGIT["se"][key] < 1.33, (coef, d.std())
    lo, hi = _interval(post["sd_judge"].values)
    for ref in (WINE_CLMM_LOGIT["sd_judge"], WINE_CLMM_AGQ["logit"]["sd_judge"], 1.13):
        assert lo < ref < hi
    thr = post[names.THRESHOLD]
    assert list(thr[names.THRESHOLD_DIM].values) == ["1|2", "2|3", "3|4", "4|5"]
    for label, ref in WINE_CLMM_LOGIT["thresholds"].items():
        lo, hi = _interval(thr.sel({names.THRESHOLD_DIM: label}).values)
        assert lo < ref < hi, (label, lo, ref, hi)
    assert np.all(np.diff(thr.values, axis=-1) > 0)  # ordered in every draw


@pytest.mark.sampling
def test_wine_cumulative_probit_matches_clmm():
    from hiermodels.model import names
    from tests.reference_values import WINE_CLMM_PROBIT

    fit = _wine_model("probit").fit(draws=800, tune=800, chains=2, seed=21, progressbar=False)
    post = fit.posterior
    for coef, key in (("temp[warm]", "tempwarm"), ("contact[yes]", "contactyes")):
        lo, hi = _interval(post["b"].sel(coef=coef).values)
        assert lo < WINE_CLMM_PROBIT["fixef"][key] < hi
    lo, hi = _interval(post["sd_judge"].values)
    assert lo < WINE_CLMM_PROBIT["sd_judge"] < hi
    for label, ref in WINE_CLMM_PROBIT["thresholds"].items():
        lo, hi = _interval(post[names.THRESHOLD].sel({names.THRESHOLD_DIM: label}).values)
        assert lo < ref < hi, (label, lo, ref, hi)


@pytest.mark.sampling
def test_wine_pointwise_loglik_from_the_posterior_by_hand(wine_fit):
    """fit.log_likelihood() at a few draws equals SciPy logistic-CDF differences built by
    hand from that draw's b, r_judge and thresholds (at x = 0) on the uncentred X."""
    from hiermodels import datasets
    from hiermodels.model import names

    wine = datasets.load("wine")
    ll = wine_fit.log_likelihood()
    ll = ll.log_likelihood if hasattr(ll, "log_likelihood") else ll
    ll = np.asarray(ll[next(iter(ll.data_vars))] if hasattr(ll, "data_vars") else ll)
    ll = ll.reshape(-1, 72)
    post = wine_fit.posterior
    b = post["b"].values.reshape(-1, 2)
    r = post["r_judge"].values.reshape(-1, 9)
    c = post[names.THRESHOLD].values.reshape(-1, 4)
    X = np.column_stack([wine["temp"] == "warm", wine["contact"] == "yes"]).astype(float)
    judge = wine["judge"].cat.codes.to_numpy()
    y = wine["rating"].cat.codes.to_numpy()
    for d in (0, 500, 1999):
        eta = X @ b[d] + r[d, judge]
        np.testing.assert_allclose(ll[d], _scipy_logpmf("logit", y, eta, c[d]), rtol=1e-10)


@pytest.mark.sampling
def test_wine_predictions_probabilities_and_checks(wine_fit, tmp_path):
    import hiermodels as hm
    from hiermodels import datasets
    from hiermodels.model import names

    wine = datasets.load("wine")
    new = wine.drop_duplicates(["temp", "contact"]).head(4)
    # kind="mean" is the expected code sum_k k P(y = k): the same draws either way
    cp = wine_fit.category_probabilities(new, max_draws=400)
    assert cp.draws.shape == (400, 4, 5) and cp.categories == ["1", "2", "3", "4", "5"]
    np.testing.assert_allclose(cp.draws.sum(axis=-1), 1.0, rtol=1e-12)
    mean = wine_fit.predict(new, kind="mean", max_draws=400).draws
    np.testing.assert_allclose(mean, cp.draws @ np.arange(5.0), rtol=1e-10)
    # population-averaged probabilities (Gauss-Hermite) = the average over new judges
    # drawn from the fitted population, within Monte Carlo error of the latter
    pop = wine_fit.category_probabilities(new, groups="population").draws
    newj = new.assign(judge=pd.Categorical([f"new{i}" for i in range(4)]))
    sim = wine_fit.category_probabilities(newj, groups="new", seed=3).draws
    se = sim.std(axis=0) / np.sqrt(sim.shape[0])
    assert np.all(np.abs(pop.mean(axis=0) - sim.mean(axis=0)) < 4.5 * se + 1e-3)
    tab = cp.summary()
    assert tab.shape[0] == 20 and {"mean", "lower", "upper"} <= set(tab.columns)
    # response draws are codes 0..K-1, like the stored response
    yrep = wine_fit.predict(kind="response", seed=1, max_draws=200).draws
    assert set(np.unique(yrep)) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    ppc = wine_fit.ppc(seed=1)
    assert np.all((ppc["p_value"] > 0.01) & (ppc["p_value"] < 0.99))
    loo = wine_fit.loo()
    assert np.isfinite(loo.elpd_loo) and float(np.max(loo.pareto_k)) < 0.7
    tests = wine_fit.residuals(seed=2).tests()
    assert tests.loc["uniformity (KS)", "p_value"] > 0.001
    assert tests.loc["dispersion", "p_value"] > 0.001
    from types import SimpleNamespace

    from hiermodels.derive.category_probs import category_probabilities

    with pytest.raises(HiermodelsError, match=r"ordinal.*'gaussian'"):
        category_probabilities(SimpleNamespace(family=get_family("gaussian")))
    path = tmp_path / "wine.nc"
    wine_fit.save(path)
    back = hm.load(path)
    np.testing.assert_array_equal(
        back.posterior[names.THRESHOLD].values, wine_fit.posterior[names.THRESHOLD].values
    )
    assert back.family == wine_fit.family
    assert back.design.response_categories == ["1", "2", "3", "4", "5"]
    np.testing.assert_allclose(
        back.predict(new, kind="mean", max_draws=400).draws, mean, rtol=1e-12
    )
