"""The observed node of a family in a PyMC graph (``eta`` on the link scale)."""

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
    return 0.5 * (1 + pt.erf(eta / np.sqrt(2.0)))


def likelihood(family, name: str, eta, aux: dict, observed, trials=None, dims=None):
    """Add the observed node of ``family`` to the current ``pm.Model``."""
    mu = inverse_link(family, eta)
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
    return pm.NegativeBinomial(name, mu=mu, alpha=aux["phi"], observed=observed, dims=dims)
