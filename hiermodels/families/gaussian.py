r"""Gaussian family: :math:`y \sim N(\mu, \sigma^2)`, identity link, auxiliary sigma."""

from __future__ import annotations

import numpy as np

from hiermodels.errors import DataError
from hiermodels.families.base import Family
from hiermodels.spec.prior import Prior


class Gaussian(Family):
    """Normal likelihood; priors on the response's own scale (``s_y`` = SD of y)."""

    links = ("identity",)
    aux = ("sigma",)
    discrete = False
    gaussian_scale = True
    mean_symbol = "mu_i"
    likelihood_text = "Normal(mu_i, sigma)"

    def check_support(self, y, trials, response):
        if np.ptp(y) == 0:
            raise DataError(f"The response {response!r} is constant; there is nothing to model.")

    def variance(self, eta, aux, trials=None):
        return np.broadcast_to(np.asarray(aux["sigma"]) ** 2, np.shape(eta))

    def latent_variance(self, eta_mean, var_random, aux):
        """sigma^2 (the residual variance itself)."""
        return np.asarray(aux["sigma"], float) ** 2

    def latent_variance_text(self):
        return "sigma^2"

    def logpdf(self, y, eta, aux, trials=None):
        from scipy import stats  # imported on use (~0.5 s)

        return stats.norm.logpdf(y, eta, aux["sigma"])

    def cdf(self, y, eta, aux, trials=None):
        from scipy import stats  # imported on use (~0.5 s)

        return stats.norm.cdf(y, eta, aux["sigma"])

    def draw(self, rng, eta, aux, trials=None):
        return rng.normal(eta, aux["sigma"])

    def default_aux_priors(self, s_y, y_name):
        """sigma ~ Exponential(1 / s_y)."""
        return {"sigma": (Prior("Exponential", lam=1.0 / s_y), f"rate 1 / {y_name}")}

    def intercept_location(self, y, trials=None, offset=None):
        return float(np.mean(y))

    def start_eta(self, y, trials=None):
        return y.astype(float)
