"""The family protocol (issue 12, part 1, NumPy side): one module per family behind
``families.base.Family`` and the ``get_family`` registry. Every method is checked
against SciPy or finite differences, and the derive/model/present callers are checked
to go through the family's methods (no MCMC)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hiermodels.errors import DataError, HiermodelsError
from hiermodels.families import FAMILIES, Family, get_family
from hiermodels.families.bernoulli import Bernoulli
from hiermodels.families.binomial import Binomial
from hiermodels.families.gaussian import Gaussian
from hiermodels.families.negbinomial import NegBinomial
from hiermodels.families.poisson import Poisson

RNG = np.random.default_rng(3)
ETA = RNG.normal(0.3, 0.8, 60)
TRIALS = RNG.integers(1, 25, 60).astype(float)
AUX = {"sigma": 1.7, "phi": 3.2}
CASES = [("gaussian", "identity"), ("bernoulli", "logit"), ("bernoulli", "probit")]
CASES += [("binomial", "logit"), ("binomial", "probit"), ("poisson", "log")]
CASES += [("negbinomial", "log")]


def _scipy(name, link, eta):
    """The frozen SciPy distribution of y given eta (independent of hiermodels)."""
    if name == "gaussian":
        return stats.norm(eta, AUX["sigma"])
    p = stats.norm.cdf(eta) if link == "probit" else 1 / (1 + np.exp(-eta))
    if name == "bernoulli":
        return stats.bernoulli(p)
    if name == "binomial":
        return stats.binom(TRIALS.astype(int), p)
    mu = np.exp(eta)
    if name == "poisson":
        return stats.poisson(mu)
    return stats.nbinom(AUX["phi"], AUX["phi"] / (AUX["phi"] + mu))


def test_registry_one_class_per_module():
    assert {
        "gaussian": Gaussian,
        "bernoulli": Bernoulli,
        "binomial": Binomial,
        "poisson": Poisson,
        "negbinomial": NegBinomial,
    }.items() <= FAMILIES.items()  # the five first families; issue 12 adds more
    for name, cls in FAMILIES.items():
        f = get_family(name)
        assert type(f) is cls and issubclass(cls, Family)
        assert f.link == cls.links[0] and f.name == name
        assert cls.__module__ == f"hiermodels.families.{name}"
    assert get_family("nb2") == get_family("negbinomial")
    assert get_family("normal").name == "gaussian"
    f = get_family("poisson")
    assert get_family(f) is f


def test_registry_errors_list_the_choices():
    with pytest.raises(HiermodelsError, match=r"Unknown family 'weibull'.*gaussian"):
        get_family("weibull")
    with pytest.raises(HiermodelsError, match=r"Link 'log'.*'bernoulli'.*logit"):
        get_family("bernoulli", "log")


@pytest.mark.parametrize("name,link", CASES)
def test_density_cdf_moments_against_scipy(name, link):
    f = get_family(name, link)
    dist = _scipy(name, link, ETA)
    y = dist.rvs(random_state=RNG).astype(float)
    n = TRIALS if f.needs_trials else None
    np.testing.assert_allclose(
        f.logpdf(y, ETA, AUX, n),
        dist.logpdf(y) if name == "gaussian" else dist.logpmf(y),
        rtol=1e-9,
    )
    np.testing.assert_allclose(f.cdf(y, ETA, AUX, n), dist.cdf(y), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(f.mean(ETA, n), dist.mean(), rtol=1e-12)
    np.testing.assert_allclose(f.variance(ETA, AUX, n), dist.var(), rtol=1e-9)


@pytest.mark.parametrize("name,link", CASES)
def test_mean_derivative_and_link_inverse(name, link):
    f = get_family(name, link)
    n = TRIALS if f.needs_trials else None
    h = 1e-6
    fd = (f.mean(ETA + h, n) - f.mean(ETA - h, n)) / (2 * h)
    np.testing.assert_allclose(f.mean_derivative(ETA, n), fd, rtol=1e-6)
    np.testing.assert_allclose(f.link_fn(f.inverse_link(ETA)), ETA, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name,link", CASES)
def test_draws_have_the_family_moments(name, link):
    f = get_family(name, link)
    eta = np.full(100_000, 0.4)
    n = np.full(100_000, 7.0) if f.needs_trials else None
    y = f.draw(np.random.default_rng(5), eta, AUX, n)
    m, v = float(f.mean(eta, n)[0]), float(f.variance(eta, AUX, n)[0])
    assert abs(y.mean() - m) < 5 * np.sqrt(v / y.size)
    assert abs(y.var() - v) < 0.05 * v


def test_latent_variances_are_nakagawa_2017():
    """MATH.md section 3: logit pi^2/3, probit 1, Poisson ln(1 + 1/lambda), NB2
    ln(1 + 1/lambda + 1/phi) with lambda = exp(eta_bar + sum sigma_l^2 / 2); Gaussian sigma^2."""
    lam = np.exp(0.2 + 0.6 / 2)
    assert get_family("bernoulli").latent_variance(0.2, 0.6, {}) == pytest.approx(np.pi**2 / 3)
    assert get_family("binomial", "probit").latent_variance(0.2, 0.6, {}) == pytest.approx(1.0)
    assert get_family("poisson").latent_variance(0.2, 0.6, {}) == pytest.approx(np.log(1 + 1 / lam))
    nb = get_family("negbinomial").latent_variance(0.2, 0.6, {"phi": 2.0})
    assert nb == pytest.approx(np.log(1 + 1 / lam + 0.5))
    g = get_family("gaussian").latent_variance(None, 0.6, {"sigma": np.array([2.0, 3.0])})
    np.testing.assert_allclose(g, [4.0, 9.0])
    assert get_family("negbinomial").latent_variance_text() == "ln(1 + 1/lambda + 1/phi)"


def test_default_aux_priors_and_their_scale():
    sig = get_family("gaussian").default_aux_priors(4.0, "sd(y)=4")
    assert str(sig["sigma"][0]) == str(Gaussian.default_aux_priors(None, 4.0, "")["sigma"][0])
    assert sig["sigma"][0].params == {"lam": 0.25} and "1 / sd(y)=4" in sig["sigma"][1]
    phi = get_family("negbinomial").default_aux_priors(1.0, "unit")["phi"][0]
    assert phi.dist == "Gamma" and phi.params == {"alpha": 2.0, "beta": 0.1}
    for name in ("bernoulli", "binomial", "poisson"):
        assert get_family(name).default_aux_priors(1.0, "unit") == {}
        assert get_family(name).aux == ()


@pytest.mark.parametrize(
    "name,y,trials,msg",
    [
        ("gaussian", [2.0, 2.0, 2.0], None, "'resp' is constant"),
        ("gaussian", [1.0, np.inf, 2.0], None, "'resp' has non-finite"),
        ("bernoulli", [0, 1, 2], None, "'resp' has \\[2.0\\]"),
        ("poisson", [1, -1, 2], None, "poisson response 'resp' must be non-negative"),
        ("negbinomial", [0, 1.5, 3], None, "negbinomial response 'resp'"),
        ("binomial", [1, 2, 3], None, "'resp \\| trials\\(n\\)"),
    ],
)
def test_support_errors_name_the_response(name, y, trials, msg):
    with pytest.raises(DataError, match=msg):
        get_family(name).validate(np.asarray(y, float), trials, "resp")


def test_callers_use_the_family_methods():
    """describe(), the prior table and the variance decomposition read the family object:
    a family that writes itself differently is written differently (no name switches)."""
    from dataclasses import dataclass

    import hiermodels as hm
    from hiermodels.derive.variance import _scale_note, distribution_variance
    from hiermodels.model.priors import resolve_priors

    @dataclass(frozen=True)
    class Loud(Poisson):
        likelihood_text = "Loud(lambda_i)"

        def latent_variance(self, eta_mean, var_random, aux):
            return 42.0

        def latent_variance_text(self):
            return "forty-two"

        def default_aux_priors(self, s_y, y_name):
            return {"phi": NegBinomial.default_aux_priors(self, s_y, y_name)["phi"]}

    loud = Loud("poisson", "log")
    assert distribution_variance(loud, 0.0, 1.0) == 42.0
    assert _scale_note(loud).endswith("forty-two")
    df = pd.DataFrame({"y": [0, 1, 3, 2, 5, 1], "g": list("aabbcc")})
    model = hm.Model("y ~ 1 + (1 | g)", df, family="poisson")
    pri = resolve_priors(model.design, loud)
    assert "phi" in pri.aux and pri.table.loc["phi", "prior"].startswith("Gamma")
    assert "y_i ~ Poisson(lambda_i)" in model.describe()
    assert "log(lambda_i)" in model.describe()
