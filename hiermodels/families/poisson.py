r"""Poisson family: :math:`y \sim \mathrm{Poisson}(\lambda)`, log link."""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.families.base import Family


class Poisson(Family):
    """Counts with Var = mean."""

    links = ("log",)
    mean_symbol = "lambda_i"
    likelihood_text = "Poisson(lambda_i)"

    def check_support(self, y, trials, response):
        self._check_counts(y, response)

    def variance(self, eta, aux, trials=None):
        return self.inverse_link(eta)

    def _extra_latent(self, aux):
        return 0.0

    def latent_variance(self, eta_mean, var_random, aux):
        r""":math:`\ln(1 + 1/\lambda [+ 1/\phi])`, :math:`\lambda = \exp(\bar\eta + \sum\sigma_l^2/2)`
        (log-normal approximation, as ``performance::icc``)."""
        lam = np.exp(np.asarray(eta_mean, float) + np.asarray(var_random, float) / 2)
        return np.log1p(1 / lam + self._extra_latent(aux))

    def latent_variance_text(self):
        return "ln(1 + 1/lambda)"

    def logpdf(self, y, eta, aux, trials=None):
        return y * eta - self.inverse_link(eta) - special.gammaln(y + 1)

    def cdf(self, y, eta, aux, trials=None):
        from scipy import stats  # imported on use (~0.5 s)

        return stats.poisson.cdf(y, self.inverse_link(eta))

    def draw(self, rng, eta, aux, trials=None):
        return rng.poisson(self.inverse_link(eta)).astype(float)

    def intercept_location(self, y, trials=None, offset=None):
        off = offset.mean() if offset is not None else 0.0
        return float(np.log(max(np.mean(y), 0.01)) - off)

    def start_eta(self, y, trials=None):
        return np.log(y + 0.1)

    def degenerate_reason(self, y, trials=None):
        if np.all(y == 0):
            return "all counts are 0: the MLE is minus infinity"
        return super().degenerate_reason(y, trials)
