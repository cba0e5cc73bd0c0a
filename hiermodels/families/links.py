"""Link functions g and their inverses, in NumPy (shared by every family)."""

from __future__ import annotations

import numpy as np
from scipy import special

#: link -> (g(mu), g^{-1}(eta), d g^{-1} / d eta)
LINKS = {
    "identity": (lambda mu: mu, lambda eta: eta, lambda eta: np.ones_like(eta)),
    "log": (np.log, np.exp, np.exp),
    "logit": (
        special.logit,
        special.expit,
        lambda eta: special.expit(eta) * (1 - special.expit(eta)),
    ),
    "probit": (
        special.ndtri,
        special.ndtr,
        lambda eta: np.exp(-0.5 * eta**2) / np.sqrt(2 * np.pi),
    ),
}

#: How describe() writes g(mean) for each link, given the mean's symbol.
LINK_TEXT = {"identity": "{m}", "log": "log({m})", "logit": "logit({m})", "probit": "probit({m})"}


def inverse_link(link: str, eta):
    """Mean from the linear predictor, ``g^{-1}(eta)``."""
    if link == "identity":
        return eta
    return LINKS[link][1](eta)


def link_fn(link: str, mu):
    """``g(mu)`` as floats."""
    return LINKS[link][0](np.asarray(mu, dtype=float))


def inverse_link_derivative(link: str, eta):
    """``d g^{-1}(eta) / d eta``."""
    return LINKS[link][2](eta)
