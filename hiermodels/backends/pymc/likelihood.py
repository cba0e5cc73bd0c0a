"""The observed node of a family in a PyMC graph (``eta`` on the link scale).

``aux`` holds the family's auxiliary variables by name (``aux["sigma"]``, ``aux["nu"]``),
the second linear predictor as ``aux["eta_zi"]`` (logit of the zero-inflation / hurdle
probability, per row) and ordered thresholds as ``aux["threshold"]`` (at the centred
predictors, like ``eta``): the same keys the NumPy families read. One branch per family.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt


def inverse_link(family, eta):
    """The family's inverse link as a pytensor expression."""
    if family.link == "identity":
        return eta
    if family.link == "log":
        return pt.exp(eta)
    if family.link == "logit":
        return pt.sigmoid(eta)
    if family.link == "cloglog":
        return -pt.expm1(-pt.exp(eta))
    return 0.5 * (1 + pt.erf(eta / np.sqrt(2.0)))


def _cloglog_logp(value, eta, n):
    """Binomial(n, p = 1 - exp(-e^eta)) log-pmf with log(1 - p) = -e^eta exactly and
    log p = log1mexp(-e^eta): PyMC's Bernoulli/Binomial take log(1 - p) of a p that rounds
    to 1 once e^eta > 37, which would give -inf."""
    x = pt.exp(eta)
    coef = pt.gammaln(n + 1) - pt.gammaln(value + 1) - pt.gammaln(n - value + 1)
    return coef + pt.switch(pt.gt(value, 0), value * pt.log1mexp(-x), 0.0) - (n - value) * x


def _cloglog_random(eta, n, rng=None, size=None):
    p = -np.expm1(-np.exp(eta))
    return rng.binomial(np.asarray(n).astype(np.int64), p, size=size)


def likelihood(family, name: str, eta, aux: dict, observed, trials=None, dims=None):
    """Add the observed node of ``family`` to the current ``pm.Model``."""
    mu = inverse_link(family, eta)
    if family.link == "cloglog" and family.name in ("bernoulli", "binomial"):
        n = 1.0 if trials is None else trials
        return pm.CustomDist(
            name, eta, n, logp=_cloglog_logp, random=_cloglog_random, dtype="int64",
            observed=observed, dims=dims,
        )  # fmt: skip
    if family.name == "gamma":
        shape = aux["shape"]
        return pm.Gamma(name, alpha=shape, beta=shape / mu, observed=observed, dims=dims)
    if family.name == "lognormal":
        return pm.LogNormal(name, mu=eta, sigma=aux["sigma"], observed=observed, dims=dims)
    if family.name == "beta":
        phi = aux["phi"]
        a, b = mu * phi, pt.sigmoid(-eta) * phi  # (1 - mu) phi without cancellation
        return pm.Beta(name, alpha=a, beta=b, observed=observed, dims=dims)
    if family.name == "beta_binomial":
        phi = aux["phi"]
        a, b = pt.sigmoid(eta) * phi, pt.sigmoid(-eta) * phi
        return pm.BetaBinomial(name, n=trials, alpha=a, beta=b, observed=observed, dims=dims)
    if family.name == "gaussian":
        return pm.Normal(name, mu=mu, sigma=aux["sigma"], observed=observed, dims=dims)
    if family.name == "bernoulli":
        if family.link == "logit":
            return pm.Bernoulli(name, logit_p=eta, observed=observed, dims=dims)
        return pm.Bernoulli(name, p=mu, observed=observed, dims=dims)
    if family.name == "binomial":
        if family.link == "logit":
            return pm.Binomial(name, n=trials, logit_p=eta, observed=observed, dims=dims)
        return pm.Binomial(name, n=trials, p=mu, observed=observed, dims=dims)
    if family.name == "poisson":
        return pm.Poisson(name, mu=mu, observed=observed, dims=dims)
    if family.name == "negbinomial":
        return pm.NegativeBinomial(name, mu=mu, alpha=aux["phi"], observed=observed, dims=dims)
    if family.name == "student":
        return pm.StudentT(
            name, nu=aux["nu"], mu=mu, sigma=aux["sigma"], observed=observed, dims=dims
        )
    if family.name == "zero_inflated_poisson":  # PyMC's psi: P(from the Poisson part)
        psi = pt.sigmoid(-aux["eta_zi"])
        return pm.ZeroInflatedPoisson(name, psi=psi, mu=mu, observed=observed, dims=dims)
    if family.name == "zero_inflated_negbinomial":  # psi: P(from the NB2 part) = 1 - zi
        psi = pt.sigmoid(-aux["eta_zi"])
        return pm.ZeroInflatedNegativeBinomial(
            name, psi=psi, mu=mu, alpha=aux["phi"], observed=observed, dims=dims
        )
    if family.name == "hurdle_poisson":  # psi: P(y > 0) = 1 - hu
        psi = pt.sigmoid(-aux["eta_zi"])
        return pm.HurdlePoisson(name, psi=psi, mu=mu, observed=observed, dims=dims)
    if family.name == "hurdle_negbinomial":  # psi: P(y > 0) = 1 - hu
        psi = pt.sigmoid(-aux["eta_zi"])
        return pm.HurdleNegativeBinomial(
            name, psi=psi, mu=mu, alpha=aux["phi"], observed=observed, dims=dims
        )
    if family.name == "cumulative":  # P(y <= k) = F(c_k - eta), as PyMC's sign convention
        y = np.asarray(observed).astype("int64") if isinstance(observed, np.ndarray) else observed
        ordered = pm.OrderedLogistic if family.link == "logit" else pm.OrderedProbit
        eta = eta + pt.zeros(pt.as_tensor_variable(y).shape[0])  # one row each, even eta = 0
        return ordered(
            name, eta=eta, cutpoints=aux["threshold"], compute_p=False, observed=y, dims=dims
        )
    raise NotImplementedError(f"no PyMC likelihood for family {family.name!r}")
