"""Family log densities, CDFs and moments against SciPy (no MCMC)."""

import numpy as np
import pytest
from scipy import stats

from hiermodels.errors import DataError
from hiermodels.families import get_family

RNG = np.random.default_rng(0)
ETA = RNG.normal(0, 1, 50)


def test_gaussian():
    f = get_family("gaussian")
    y = RNG.normal(size=50)
    np.testing.assert_allclose(f.logpdf(y, ETA, {"sigma": 1.3}), stats.norm.logpdf(y, ETA, 1.3))


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_bernoulli_and_binomial(link):
    p = stats.norm.cdf(ETA) if link == "probit" else 1 / (1 + np.exp(-ETA))
    y = RNG.binomial(1, p)
    f = get_family("bernoulli", link)
    np.testing.assert_allclose(f.logpdf(y, ETA, {}), stats.bernoulli.logpmf(y, p), rtol=1e-10)
    n = RNG.integers(1, 20, 50)
    k = RNG.binomial(n, p)
    g = get_family("binomial", link)
    np.testing.assert_allclose(g.logpdf(k, ETA, {}, n), stats.binom.logpmf(k, n, p), rtol=1e-10)
    np.testing.assert_allclose(g.variance(ETA, {}, n), n * p * (1 - p))


def test_poisson_and_negbinomial():
    mu = np.exp(ETA)
    y = RNG.poisson(mu)
    np.testing.assert_allclose(
        get_family("poisson").logpdf(y, ETA, {}), stats.poisson.logpmf(y, mu)
    )
    phi = 2.5
    nb = get_family("negbinomial")
    ref = stats.nbinom.logpmf(y, phi, phi / (phi + mu))
    np.testing.assert_allclose(nb.logpdf(y, ETA, {"phi": phi}), ref, rtol=1e-10)
    np.testing.assert_allclose(nb.variance(ETA, {"phi": phi}), mu + mu**2 / phi)
    np.testing.assert_allclose(
        nb.cdf(y, ETA, {"phi": phi}), stats.nbinom.cdf(y, phi, phi / (phi + mu))
    )
    draws = nb.draw(np.random.default_rng(1), np.full(200000, 0.7), {"phi": phi})
    m = np.exp(0.7)
    assert abs(draws.mean() - m) < 4 * np.sqrt((m + m**2 / phi) / 200000)


@pytest.mark.parametrize(
    "family,y,trials,msg",
    [
        ("poisson", [1, -1, 2], None, "non-negative integers"),
        ("poisson", [1, 1.5, 2], None, "non-negative integers"),
        ("negbinomial", [0, 2, -3], None, "non-negative integers"),
        ("bernoulli", [0, 1, 2], None, "0/1"),
        ("binomial", [1, 2, 3], None, "trials"),
        ("binomial", [1, 5, 3], [4, 4, 4], "more successes"),
        ("binomial", [0, 1, 1], [0, 4, 4], "positive integers"),
    ],
)
def test_bad_responses(family, y, trials, msg):
    f = get_family(family)
    with pytest.raises(DataError, match=msg):
        f.validate(np.asarray(y, float), None if trials is None else np.asarray(trials, float), "y")
