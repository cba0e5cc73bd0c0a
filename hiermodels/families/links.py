r"""Link functions g and their inverses, in NumPy (shared by every family).

identity, log, logit, probit and the complementary log-log
:math:`\mathrm{cloglog}(\mu) = \log(-\log(1 - \mu))`, whose inverse
:math:`\mu = 1 - \exp(-e^{\eta})` is the Gumbel (minimum) CDF: the discrete-time
hazard / grouped proportional-hazards link, asymmetric unlike logit and probit.
"""

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
    # complementary log-log: mu = 1 - exp(-exp(eta)), d mu / d eta = exp(eta - exp(eta))
    "cloglog": (
        lambda mu: np.log(-np.log1p(-mu)),
        lambda eta: -np.expm1(-np.exp(eta)),
        lambda eta: np.exp(eta - np.exp(eta)),
    ),
}

#: How describe() writes g(mean) for each link, given the mean's symbol.
LINK_TEXT = {
    "identity": "{m}",
    "log": "log({m})",
    "logit": "logit({m})",
    "probit": "probit({m})",
    "cloglog": "cloglog({m})",
}


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


def log_probabilities(link: str, eta):
    r"""``(log p, log(1 - p))`` with ``p = g^{-1}(eta)``, for the binary links.

    Stable in both tails: logit via :math:`\log(1 + e^{\pm\eta})`, probit via
    ``log_ndtr``, cloglog via :math:`\log(1 - p) = -e^{\eta}` and
    :math:`\log p = \log(1 - e^{-x})`, :math:`x = e^{\eta}`, computed as
    ``log(-expm1(-x))`` for :math:`x < \log 2` and ``log1p(-exp(-x))`` above (Maechler
    2012, "Accurately computing log(1 - exp(-|a|))"), and as :math:`\eta - x/2` for
    :math:`\eta < -30`.
    """
    eta = np.asarray(eta, dtype=float)
    if link == "logit":
        return -np.logaddexp(0, -eta), -np.logaddexp(0, eta)
    if link == "probit":
        return special.log_ndtr(eta), special.log_ndtr(-eta)
    if link == "cloglog":
        x = np.exp(eta)
        with np.errstate(divide="ignore"):  # log(1 - e^{-x}) as Maechler's log1mexp
            log_p = np.where(x < np.log(2), np.log(-np.expm1(-x)), np.log1p(-np.exp(-x)))
        return np.where(eta < -30, eta - 0.5 * x, log_p), -x
    raise ValueError(f"no binary log-probabilities for link {link!r}")
