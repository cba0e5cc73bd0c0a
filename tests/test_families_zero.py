"""Zero-inflated NB2 and hurdle Poisson / NB2 families (issue 12, "F2").

Unit evidence, no MCMC: the NumPy densities against mixtures and truncations built here
from ``scipy.stats`` alone; the numba kernels against the NumPy densities and their
derivatives against central finite differences; replicated draws against the moments
with Monte Carlo tolerances; support errors.
"""

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, gammaln

from hiermodels.backends.kernels import family_hurdle_negbinomial_nb as k_hnb
from hiermodels.backends.kernels import family_hurdle_poisson_nb as k_hp
from hiermodels.backends.kernels import family_zero_inflated_negbinomial_nb as k_zinb
from hiermodels.errors import DataError, HiermodelsError
from hiermodels.families import FAMILIES, get_family
from hiermodels.families.hurdle_negbinomial import HurdleNegBinomial
from hiermodels.families.hurdle_poisson import HurdlePoisson
from hiermodels.families.zero_inflated_negbinomial import ZeroInflatedNegBinomial

NAMES = ("zero_inflated_negbinomial", "hurdle_poisson", "hurdle_negbinomial")
KERNELS = {"zero_inflated_negbinomial": k_zinb, "hurdle_poisson": k_hp, "hurdle_negbinomial": k_hnb}
RNG = np.random.default_rng(12)
N = 80
ETA = RNG.normal(0.4, 1.2, N)
ETA_ZI = RNG.normal(-0.2, 1.5, N)
PHI = 1.7


def _count(name, eta, phi=PHI):
    """The untruncated count distribution (SciPy)."""
    mu = np.exp(eta)
    return stats.poisson(mu) if name == "hurdle_poisson" else stats.nbinom(phi, phi / (phi + mu))


def _pmf(name, k, eta, eta_zi, phi=PHI):
    """P(y = k): zero-inflated mixture or hurdle (zero part + zero-truncated count)."""
    pi = expit(eta_zi)
    c = _count(name, eta, phi)
    if name.startswith("zero_inflated"):
        return np.where(k == 0, pi + (1 - pi) * c.pmf(0), (1 - pi) * c.pmf(k))
    return np.where(k == 0, pi, (1 - pi) * c.pmf(k) / c.sf(0))


def _aux(eta_zi, phi=PHI):
    return {"phi": phi, "eta_zi": eta_zi}


def test_registry_names_aliases_and_second_predictor():
    assert FAMILIES["zero_inflated_negbinomial"] is ZeroInflatedNegBinomial
    assert FAMILIES["hurdle_poisson"] is HurdlePoisson
    assert FAMILIES["hurdle_negbinomial"] is HurdleNegBinomial
    assert get_family("zinb") == get_family("zero_inflated_negbinomial")
    assert get_family("hurdle-negbinomial").name == "hurdle_negbinomial"
    for name in NAMES:
        f = get_family(name)
        assert f.link == "log" and f.second_predictor == "zi" and f.discrete
        assert type(f).__module__ == f"hiermodels.families.{name}"
        assert f.likelihood_text and f.latent_variance_text()
    assert get_family("hurdle_poisson").aux == ()
    assert get_family("hurdle_negbinomial").aux == ("phi",)
    assert get_family("zero_inflated_negbinomial").aux == ("phi",)
    with pytest.raises(HiermodelsError, match=r"Link 'logit'.*hurdle_poisson"):
        get_family("hurdle_poisson", "logit")


@pytest.mark.parametrize("name", NAMES)
def test_logpdf_cdf_against_scipy_mixture_and_truncation(name):
    f = get_family(name)
    y = RNG.integers(0, 9, N).astype(float)
    y[::4] = 0.0
    np.testing.assert_allclose(
        f.logpdf(y, ETA, _aux(ETA_ZI)), np.log(_pmf(name, y, ETA, ETA_ZI)), rtol=1e-10
    )
    ks = np.arange(0, 400.0)[:, None]
    cum = np.cumsum(_pmf(name, ks, ETA, ETA_ZI), axis=0)
    np.testing.assert_allclose(
        f.cdf(y, ETA, _aux(ETA_ZI)), cum[y.astype(int), np.arange(N)], rtol=1e-9, atol=1e-14
    )
    # draws-by-rows broadcasting: (draws, 1) auxiliaries, (draws, n) predictors
    eta2 = np.vstack([ETA, ETA + 0.3])
    ezi2 = np.vstack([ETA_ZI, ETA_ZI - 0.5])
    phi2 = np.array([[PHI], [2 * PHI]])
    lp2 = f.logpdf(y, eta2, {"phi": phi2, "eta_zi": ezi2})
    np.testing.assert_allclose(lp2[1], np.log(_pmf(name, y, eta2[1], ezi2[1], 2 * PHI)))


@pytest.mark.parametrize("name", NAMES)
def test_mean_and_variance_are_the_pmf_moments(name):
    f = get_family(name)
    ks = np.arange(0, 600.0)[:, None]
    p = _pmf(name, ks, ETA, ETA_ZI)
    m = (ks * p).sum(axis=0)
    v = ((ks - m) ** 2 * p).sum(axis=0)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(f.mean(ETA, None, _aux(ETA_ZI)), m, rtol=1e-10)
    np.testing.assert_allclose(f.variance(ETA, _aux(ETA_ZI)), v, rtol=1e-9)
    with pytest.raises(HiermodelsError, match=r"aux\['eta_zi'\].*zi="):
        f.mean(ETA)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("eta,eta_zi", [(0.4, -0.3), (-2.5, 0.8), (2.0, -1.5)])
def test_draws_have_the_family_moments(name, eta, eta_zi):
    """Sample mean within 4 MC standard errors; sample variance within 4 standard errors
    of the variance estimator, sqrt((m4 - v^2) / n), m4 the pmf's fourth central moment."""
    f = get_family(name)
    n = 200_000
    seed = 100 + NAMES.index(name)
    y = f.draw(np.random.default_rng(seed), np.full(n, eta), _aux(np.full(n, eta_zi)))
    ks = np.arange(0, 2000.0)
    p = _pmf(name, ks, eta, eta_zi)
    m = float(f.mean(np.array([eta]), None, _aux(np.array([eta_zi])))[0])
    v = float(f.variance(np.array([eta]), _aux(np.array([eta_zi])))[0])
    m4 = float((p * (ks - m) ** 4).sum())
    assert np.all(y == np.round(y)) and y.min() >= 0
    assert abs(y.mean() - m) < 4 * np.sqrt(v / n)
    assert abs(y.var() - v) < 4 * np.sqrt((m4 - v**2) / n)
    assert abs((y == 0).mean() - p[0]) < 4 * np.sqrt(p[0] * (1 - p[0]) / n)


def test_heavy_tailed_truncated_nb_draws():
    """phi = 0.25: the bisection of the inverse survival function reaches far tails; the
    frequencies of 1..5 and of > 20 match the truncated pmf within 4 binomial SEs."""
    f = get_family("hurdle_negbinomial")
    n, eta, eta_zi, phi = 100_000, 1.5, -1.0, 0.25
    y = f.draw(np.random.default_rng(9), np.full(n, eta), _aux(np.full(n, eta_zi), phi))
    p = _pmf("hurdle_negbinomial", np.arange(0, 21.0), eta, eta_zi, phi)
    for k in range(6):
        assert abs((y == k).mean() - p[k]) < 4 * np.sqrt(p[k] * (1 - p[k]) / n), k
    tail = 1 - p.sum()
    assert abs((y > 20).mean() - tail) < 4 * np.sqrt(tail * (1 - tail) / n)


@pytest.mark.parametrize("name", ("hurdle_poisson", "hurdle_negbinomial"))
def test_hurdle_draws_with_a_vanishing_count_mean_are_ones(name):
    """With mu -> 0 the zero-truncated count puts all its mass on 1 (inverse survival
    sampling stays exact where 1 - P0 is below double precision)."""
    f = get_family(name)
    y = f.draw(np.random.default_rng(1), np.full(2000, -40.0), _aux(np.full(2000, -0.5)))
    assert set(np.unique(y)) == {0.0, 1.0}
    assert abs((y == 0).mean() - expit(-0.5)) < 4 * np.sqrt(0.25 / 2000)


def _kernel(name, y, eta, eta2, phi):
    gaux = np.zeros(1)
    lp, d_eta, d_eta2 = KERNELS[name].loglik(float(y), 1.0, eta, eta2, np.array([phi]), gaux)
    return lp, d_eta, d_eta2, gaux[0]


@pytest.mark.parametrize("name", NAMES)
def test_kernel_matches_numpy_and_finite_differences(name):
    f = get_family(name)
    rng = np.random.default_rng(7)
    h = 1e-6
    for i in range(200):
        y = 0.0 if i % 3 == 0 else float(rng.integers(1, 12))
        eta, eta2, phi = rng.normal(0, 2), rng.normal(0, 3), float(np.exp(rng.normal(0, 1)))
        lp, d_eta, d_eta2, d_phi = _kernel(name, y, eta, eta2, phi)
        ref = f.logpdf(np.array([y]), np.array([eta]), _aux(np.array([eta2]), phi))[0]
        const = KERNELS[name].const(np.array([y]), np.ones(1))[0]
        assert lp + const == pytest.approx(ref, rel=1e-12, abs=1e-12)

        def lp_at(e, e2, ph, y=y):
            return _kernel(name, y, e, e2, ph)[0]

        fd_eta = (lp_at(eta + h, eta2, phi) - lp_at(eta - h, eta2, phi)) / (2 * h)
        fd_eta2 = (lp_at(eta, eta2 + h, phi) - lp_at(eta, eta2 - h, phi)) / (2 * h)
        fd_phi = (lp_at(eta, eta2, phi + h) - lp_at(eta, eta2, phi - h)) / (2 * h)
        assert d_eta == pytest.approx(fd_eta, rel=1e-6, abs=1e-7)
        assert d_eta2 == pytest.approx(fd_eta2, rel=1e-6, abs=1e-7)
        assert d_phi == pytest.approx(fd_phi if name != "hurdle_poisson" else 0.0, abs=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_kernel_is_stable_for_large_predictors(name):
    """Finite values and derivatives with the exact limits at |eta|, |eta2| of hundreds, and
    no jump where the truncation term switches to its series (mu = 1e-10)."""
    for y, eta, eta2 in [(0, -800, 800), (0, 30, -800), (1, -800, 0), (3, -30, 40), (2, 25, -40)]:
        out = _kernel(name, y, eta, eta2, 2.0)
        assert np.all(np.isfinite(out)), (y, eta, eta2, out)
    log_1mpi = -np.log1p(np.exp(0.3))
    lp, d_eta, d_eta2, _ = _kernel(name, 1, -800.0, 0.3, 2.0)
    if name.startswith("hurdle"):  # the truncated count is 1 with probability 1
        assert lp == pytest.approx(log_1mpi, abs=1e-12) and d_eta == pytest.approx(0, abs=1e-12)
    else:  # log(1 - pi) + eta - log(phi) + log Gamma(1 + phi) - log Gamma(phi)
        assert lp == pytest.approx(log_1mpi - 800 + gammaln(3.0) - gammaln(2.0) - np.log(2))
    assert d_eta2 == pytest.approx(-expit(0.3))
    # a zero where the count mean is e^700: it must be a structural / hurdle zero
    lp0, d0, d0_2, _ = _kernel(name, 0, 700.0, -700.0, 2.0)
    assert lp0 == pytest.approx(-700.0) and d0_2 == pytest.approx(1.0) and abs(d0) < 1e-12
    edge = np.log(1e-10) if name != "hurdle_negbinomial" else np.log(2e-10)
    lo, hi = _kernel(name, 2, edge - 1e-9, 0.0, 2.0), _kernel(name, 2, edge + 1e-9, 0.0, 2.0)
    np.testing.assert_allclose(lo, hi, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("name", ("hurdle_poisson", "hurdle_negbinomial"))
def test_hurdle_numpy_moments_when_the_count_mean_underflows(name):
    """mu = e^-800: the positive part is 1 with probability 1, so y ~ Bernoulli(1 - pi):
    mean 1 - pi, variance pi (1 - pi), F(1) = 1; no warnings (0/0, log 0)."""
    import warnings

    f = get_family(name)
    pi = expit(0.4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aux = _aux(np.array([0.4]), 2.0)
        assert f.mean(np.array([-800.0]), None, aux)[0] == pytest.approx(1 - pi)
        assert f.variance(np.array([-800.0]), aux)[0] == pytest.approx(pi * (1 - pi))
        assert f.cdf(np.array([1.0]), np.array([-800.0]), aux)[0] == pytest.approx(1.0)
        assert f.logpdf(np.array([1.0]), np.array([-800.0]), aux)[0] == pytest.approx(
            np.log(1 - pi)
        )


@pytest.mark.parametrize("name", NAMES)
def test_latent_variance_is_the_count_parts(name):
    """Nakagawa, Johnson & Schielzeth (2017), log link: ln(1 + 1/lambda [+ 1/phi]),
    lambda = exp(eta_bar + sigma^2/2), of the count part (zero part excluded)."""
    lam = np.exp(0.2 + 0.6 / 2)
    extra = 0.0 if name == "hurdle_poisson" else 1 / 2.0
    got = get_family(name).latent_variance(0.2, 0.6, {"phi": 2.0})
    assert got == pytest.approx(np.log(1 + 1 / lam + extra))


@pytest.mark.parametrize("name", NAMES)
def test_support_errors_name_the_response(name):
    f = get_family(name)
    for y in ([0, 1, -2], [0, 1.5, 3]):
        with pytest.raises(DataError, match=f"{name} response 'count' must be non-negative"):
            f.validate(np.asarray(y, float), None, "count")
    with pytest.raises(DataError, match="'count' has non-finite"):
        f.validate(np.array([0.0, np.nan]), None, "count")


def test_priors_and_starting_values():
    for name in ("zero_inflated_negbinomial", "hurdle_negbinomial"):
        phi = get_family(name).default_aux_priors(1.0, "unit")["phi"][0]
        assert phi.dist == "Gamma" and phi.params == {"alpha": 2.0, "beta": 0.1}
    assert get_family("hurdle_poisson").default_aux_priors(1.0, "unit") == {}
    y = np.array([0, 0, 0, 2, 4, 0, 6.0])
    for name in NAMES:
        start = get_family(name).start_eta(y)
        assert np.all(np.isfinite(start)) and start[0] == pytest.approx(np.log(4.1))
    assert get_family("hurdle_poisson").intercept_location(y) == pytest.approx(np.log(4.0))


GLMMTMB_FAMILY = {
    "zero_inflated_negbinomial": "nbinom2",
    "hurdle_poisson": "truncated_poisson",
    "hurdle_negbinomial": "truncated_nbinom2",
}


def _salamanders_X():
    """Intercept, spp (reference GP) and mined (reference yes) dummies, built with pandas."""
    import hiermodels as hm

    sal = hm.datasets.load("salamanders")
    spp = sal["spp"].astype(str)
    cols = [np.ones(len(sal))] + [(spp == s).to_numpy(float) for s in SPP_NON_REF]
    cols.append((sal["mined"].astype(str) == "no").to_numpy(float))
    return np.column_stack(cols), sal["count"].to_numpy(float)


SPP_NON_REF = ("PR", "DM", "EC-A", "EC-L", "DES-L", "DF")


@pytest.mark.parametrize("name", NAMES)
def test_loglik_and_score_at_glmmtmb_mle(name):
    """glmmTMB's exact log-likelihood of the fixed-effects zero-inflated / hurdle fits of
    salamanders (tests/reference_values.py SALAMANDERS_FIXED_ZI_HURDLE; Brooks et al. 2017,
    The R Journal 9(2), for the families) is the NumPy density summed at glmmTMB's MLE, to
    its 10 printed digits, and the kernel's score (X' d_eta, X' d_eta2, d_phi) vanishes there
    (measured max |score| 6e-4, 8e-5, 1.6e-3: glmmTMB's optimiser tolerance)."""
    from reference_values import SALAMANDERS_FIXED_ZI_HURDLE as REF

    X, y = _salamanders_X()
    ref = REF[GLMMTMB_FAMILY[name]]
    assert REF["coef_names"][1:7] == [f"spp{s}" for s in SPP_NON_REF]
    eta, eta_zi = X @ np.array(ref["cond"]), X @ np.array(ref["zi"])
    theta = ref.get("theta", 1.0)
    ll = get_family(name).logpdf(y, eta, _aux(eta_zi, theta)).sum()
    assert ll == pytest.approx(ref["logLik"], abs=1e-6)
    g_eta, g_zi, g_phi = np.zeros(len(y)), np.zeros(len(y)), np.zeros(1)
    lp = 0.0
    for i in range(len(y)):
        out = KERNELS[name].loglik(y[i], 1.0, eta[i], eta_zi[i], np.array([theta]), g_phi)
        lp += out[0]
        g_eta[i], g_zi[i] = out[1], out[2]
    lp += KERNELS[name].const(y, np.ones_like(y)).sum()
    assert lp == pytest.approx(ref["logLik"], abs=1e-6)
    score = np.concatenate([X.T @ g_eta, X.T @ g_zi, theta * g_phi])
    assert np.max(np.abs(score)) < 1e-2, score  # any coefficient moved by 0.05: > 0.25


# --------------------------------------------------------------- whole kernel vs the PyMC graph
def _sim_counts(seed=0, n_groups=10, per=16):
    """Zero-inflated NB2 counts with a site effect (values chosen so that every family
    below has zeros and a long positive tail)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), per)
    x = rng.normal(size=g.size)
    f = rng.choice(["a", "b", "c"], size=g.size)
    eta = 0.4 + 0.5 * x + rng.normal(0, 0.4, n_groups)[g]
    pi = expit(-0.3 + 0.9 * (f == "b"))
    nb = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(eta)))
    y = np.where(rng.random(g.size) < pi, 0, nb)
    return pd.DataFrame({"y": y, "x": x, "f": f, "g": [f"g{k}" for k in g]})


GRAPH = [
    ("zero_inflated_negbinomial", "~ f + x", "noncentered"),
    ("hurdle_poisson", None, "noncentered"),  # zi default "~ 1"
    ("hurdle_negbinomial", "~ f + x", "centered"),
]


@pytest.mark.parametrize("family,zi,par", GRAPH)
def test_kernel_logp_and_gradient_equal_pymc_graph(family, zi, par):
    """The whole kernel log density (codes 15-17 through links_nb.loglik_point, priors,
    Jacobians) equals PyMC's graph logp (pm.ZeroInflatedNegativeBinomial,
    pm.HurdlePoisson, pm.HurdleNegativeBinomial) at random points, and so does its
    gradient; the gradient also matches finite differences. PyMC's ``psi`` is the
    probability of the count part, 1 - pi (backends/pymc/likelihood.py)."""
    pytest.importorskip("pymc")
    from test_family_plumbing import _index_of, _pymc_point
    from test_kernel import _fd_check

    import hiermodels as hm
    from hiermodels.backends.kernels import _raw_logp, initial_point, kernel_data, supports
    from hiermodels.model.layout import make_layout

    m = hm.Model("y ~ x + (1 | g)", _sim_counts(), family=family, zi=zi, parameterization=par)
    assert supports(m)
    lay = make_layout(m, collapsed=False)
    data = kernel_data(m, lay)
    f = _raw_logp(lay)
    logp_fn, dlogp_fn = (
        m.pymc_model.compile_logp(mode="FAST_COMPILE"),
        m.pymc_model.compile_dlogp(mode="FAST_COMPILE"),
    )
    for seed in (0, 1, 2):
        x = initial_point(m, lay, np.random.default_rng(seed))
        x += np.random.default_rng(seed + 10).normal(0, 0.3, x.size)
        point = _pymc_point(m, lay, x)
        lp, grad = f(x, **data)
        np.testing.assert_allclose(lp, logp_fn(point), rtol=1e-8)
        g_pm = dlogp_fn(point)
        sizes = [np.size(point[v.name]) for v in m.pymc_model.value_vars]
        parts = np.split(g_pm, np.cumsum(sizes)[:-1])
        for v, part in zip(m.pymc_model.value_vars, parts, strict=True):
            idx = _index_of(m, lay, v.name)
            np.testing.assert_allclose(grad[idx], part, rtol=1e-7, atol=1e-8, err_msg=v.name)
        _fd_check(f, x, data)


# --------------------------------------------------------------- salamanders (MCMC) vs glmmTMB
SAL_FORMULA = "count ~ spp + mined + (1 | site)"
SAL_ZI = "~ spp + mined"


def _hm_coef(r_name):
    """glmmTMB's coefficient names -> hiermodels' (reference levels GP and mined = yes)."""
    if r_name == "(Intercept)":
        return "Intercept"
    if r_name == "minedno":
        return "mined[no]"
    return f"spp[{r_name[3:]}]"


def _sal_fit(family, draws, tune, seed, priors=None):
    import warnings

    import hiermodels as hm

    sal = hm.datasets.load("salamanders")
    zi = None if family == "poisson" else SAL_ZI
    model = hm.Model(SAL_FORMULA, sal, family=family, zi=zi, priors=priors)
    with warnings.catch_warnings():  # the verdict's model-check warnings are tested below
        warnings.simplefilter("ignore")
        return model.fit(draws=draws, tune=tune, chains=2, seed=seed, progressbar=False)


def _outside_95(fit, ref):
    """glmmTMB estimates outside the equal-tailed 95% posterior intervals, as
    ``(part, name, value, lower, upper)``; parts ``cond`` (Intercept and ``b``) and ``zi``
    (``b_zi``)."""
    post = fit.posterior
    draws = {
        "cond": {"Intercept": post["Intercept"].values.ravel()},
        "zi": {},
    }
    for c in post["b"].coords["coef"].values:
        draws["cond"][str(c)] = post["b"].sel(coef=c).values.ravel()
    for c in post["b_zi"].coords["zi_coef"].values:
        draws["zi"][str(c)] = post["b_zi"].sel(zi_coef=c).values.ravel()
    out = []
    for part in ("cond", "zi"):
        assert set(draws[part]) == {_hm_coef(r) for r in ref[f"{part}_fixef"]}
        for r_name, value in ref[f"{part}_fixef"].items():
            lo, hi = np.quantile(draws[part][_hm_coef(r_name)], [0.025, 0.975])
            if not lo < value < hi:
                out.append((part, _hm_coef(r_name), value, lo, hi))
    return out


def _sd_and_phi_outside(fit, ref):
    vc = fit.varcorr()
    checks = [("sd(site, Intercept)", ref["sd_site_intercept"])]
    if "nb_size_theta" in ref:  # glmmTMB's NB2 size theta is hiermodels' phi
        checks.append(("phi", ref["nb_size_theta"]))
    return [
        (label, value, vc.loc[label, "lower"], vc.loc[label, "upper"])
        for label, value in checks
        if not vc.loc[label, "lower"] < value < vc.loc[label, "upper"]
    ]


@pytest.mark.sampling
def test_salamanders_hurdle_poisson_against_glmmtmb_quick():
    """Default-run sibling of the slow salamanders checks (2 chains x 300 draws): the
    hurdle Poisson fixed effects of both parts (glmmTMB truncated_poisson with ziformula,
    the hurdle model of Brooks et al. 2017, The R Journal 9(2), 378-400;
    tests/reference_values.py SALAMANDERS_HURDLE_TRUNCPOIS) lie inside the posterior 95%
    intervals (measured |posterior mean - glmmTMB| <= 0.2 posterior SD for all 16)."""
    from reference_values import SALAMANDERS_HURDLE_TRUNCPOIS as REF

    fit = _sal_fit("hurdle_poisson", draws=300, tune=300, seed=11)
    assert _outside_95(fit, REF) == []
    assert _sd_and_phi_outside(fit, REF) == []


@pytest.mark.slow
@pytest.mark.sampling
@pytest.mark.parametrize(
    "family,ref_name",
    [
        ("hurdle_poisson", "SALAMANDERS_HURDLE_TRUNCPOIS"),
        ("hurdle_negbinomial", "SALAMANDERS_HURDLE_TRUNCNB2"),
    ],
)
def test_salamanders_hurdles_against_glmmtmb(family, ref_name):
    """Brooks et al. (2017), The R Journal 9(2), 378-400 (glmmTMB; the paper's hurdle NB
    model hnbm1): salamanders ``count ~ spp + mined + (1 | site)`` with zero part
    ``~ spp + mined``. Every glmmTMB fixed effect of both parts, the site SD and (NB) the
    size theta = phi lie inside the posterior 95% intervals (default priors)."""
    import reference_values

    ref = getattr(reference_values, ref_name)
    fit = _sal_fit(family, draws=1000, tune=1000, seed=3)
    assert _outside_95(fit, ref) == []
    assert _sd_and_phi_outside(fit, ref) == []


@pytest.mark.slow
@pytest.mark.sampling
def test_salamanders_loo_prefers_zinb_and_zero_check_flags_poisson():
    """Issue 12's evidence: on salamanders PSIS-LOO prefers the zero-inflated NB2 over the
    Poisson GLMM by more than 2 standard errors (measured: 163 elpd, 4.1 dse), and the
    DHARMa-style zero-inflation test of the simulated quantile residuals
    (derive/residuals.zero_inflation_test, run by the verdict's adequacy checks at
    p < 0.01) flags the Poisson fit (measured ratio 1.24, p < 0.002) and not the ZINB fit
    (ratio 1.02, p = 0.57)."""
    import warnings

    import hiermodels as hm
    from hiermodels.derive.adequacy import adequacy_checks

    fits = {
        "poisson": _sal_fit("poisson", draws=1000, tune=1000, seed=5),
        "zero_inflated_negbinomial": _sal_fit("zero_inflated_negbinomial", 1000, 1000, 5),
    }
    with warnings.catch_warnings():  # Pareto k > 0.7 on 1-2 influential rows of 644
        warnings.simplefilter("ignore")
        cmp = hm.compare(fits)
    assert cmp.index[0] == "zero_inflated_negbinomial"
    assert cmp.loc["poisson", "elpd_diff"] > 2 * cmp.loc["poisson", "dse"]
    checks = {name: adequacy_checks(fit) for name, fit in fits.items()}
    zero = {name: c["table"].loc["zero-inflation"] for name, c in checks.items()}
    assert zero["poisson"]["failed"] and zero["poisson"]["statistic"] > 1
    assert not zero["zero_inflated_negbinomial"]["failed"]
    assert any("more zeros than the model predicts" in w for w in checks["poisson"]["warnings"])
    assert not any("zeros" in w for w in checks["zero_inflated_negbinomial"]["warnings"])


@pytest.mark.slow
@pytest.mark.sampling
def test_salamanders_zinb_against_glmmtmb():
    """Brooks et al. (2017), The R Journal 9(2), 378-400 (glmmTMB, the paper's NB2
    zero-inflated model): salamanders ``count ~ spp + mined + (1 | site)``,
    ``zi = ~ spp + mined`` (tests/reference_values.py SALAMANDERS_ZINB2). Every glmmTMB
    fixed effect of both parts, the site SD and theta = phi lie inside the posterior 95%
    intervals under Normal(0, 1.5) priors on the zero-inflation coefficients.

    Why that prior is stated: the ZINB likelihood is flat towards "no zero-inflation" for
    several species. Profiling the fixed-effects version (SALAMANDERS_FIXED_ZI_HURDLE with
    the NumPy density) from glmmTMB's optimum, sending zi ``minedno`` to -8 changes the
    log-likelihood by +0.002, ``sppPR`` by -0.79, ``sppDF`` by -1.45. Under the default
    Normal(0, 2.5/sd(x)) = Normal(0, 7.1) priors on these dummies the posterior therefore
    puts most of its mass on that plateau (measured: zi slopes -3.5 to -7.5 with SD ~4,
    phi 1.04 +- 0.15 against glmmTMB's 1.51; zi ``sppPR`` 1.16 outside its interval): a
    property of the data and the prior, not of the sampler (the kernel equals PyMC's
    graph above, and the density equals glmmTMB's likelihood at its MLE)."""
    from reference_values import SALAMANDERS_ZINB2 as REF

    fit = _sal_fit("zero_inflated_negbinomial", 1000, 1000, 3, priors={"b_zi": "normal(0, 1.5)"})
    assert _outside_95(fit, REF) == []
    assert _sd_and_phi_outside(fit, REF) == []
