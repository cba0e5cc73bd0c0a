r"""Bernoulli family: :math:`y \sim \mathrm{Bernoulli}(p)`, logit (default), probit or cloglog link.

Complementary log-log: :math:`p = 1 - \exp(-e^{\eta})`; its latent variable is the
standard Gumbel (minimum) with variance :math:`\pi^2/6`, the distribution-specific
variance Nakagawa, Johnson & Schielzeth (2017, J. R. Soc. Interface 14: 20170213) give for
the binomial cloglog link (also ``performance::get_variance``).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.errors import DataError
from hiermodels.families import links as _links
from hiermodels.families.base import Family


class Bernoulli(Family):
    """0/1 responses (or booleans, or a two-level column turned into 0/1 by the design)."""

    links = ("logit", "probit", "cloglog")
    mean_symbol = "p_i"
    likelihood_text = "Bernoulli(p_i)"

    def check_support(self, y, trials, response):
        if not np.all(np.isin(y, (0.0, 1.0))):
            bad = sorted({float(v) for v in y[~np.isin(y, (0.0, 1.0))]})[:5]
            raise DataError(
                f"A Bernoulli response must be 0/1 (or boolean, or a two-level column); "
                f"{response!r} has {bad}. For counts out of n use 'y | trials(n) ~ ...' "
                "with family='binomial'."
            )

    def variance(self, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        return mu * (1 - mu)

    def mean_derivative(self, eta, trials=None):
        if self.link == "cloglog":
            n = 1.0 if trials is None else trials
            return n * _links.inverse_link_derivative("cloglog", eta)
        return super().mean_derivative(eta, trials)

    def latent_variance(self, eta_mean, var_random, aux):
        """pi^2/3 (logit), 1 (probit) or pi^2/6 (cloglog)."""
        if self.link == "cloglog":
            return np.pi**2 / 6 + 0 * np.asarray(var_random, float)
        return self._link_latent_variance(var_random)

    def latent_variance_text(self):
        return {"logit": "pi^2/3", "cloglog": "pi^2/6"}.get(self.link, "1")

    def logpdf(self, y, eta, aux, trials=None):
        if self.link == "cloglog":
            log_p, log_q = _links.log_probabilities("cloglog", eta)
            return np.where(y > 0.5, log_p, log_q)
        if self.link == "logit":
            return -np.logaddexp(0, np.where(y > 0.5, -eta, eta))
        return np.where(y > 0.5, special.log_ndtr(eta), special.log_ndtr(-eta))

    def cdf(self, y, eta, aux, trials=None):
        return np.where(y >= 1, 1.0, 1 - self.inverse_link(eta))

    def draw(self, rng, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        return (rng.random(np.shape(mu)) < mu).astype(float)

    def intercept_location(self, y, trials=None, offset=None):
        n = trials if trials is not None else np.ones_like(y)
        return float(self.link_fn(np.clip(y.sum() / n.sum(), 0.01, 0.99)))

    def start_eta(self, y, trials=None):
        n = np.ones_like(y) if trials is None else trials
        return self.link_fn((y + 0.5) / (n + 1.0))

    def degenerate_reason(self, y, trials=None):
        n = np.ones_like(y) if trials is None else trials
        if np.all(y == 0) or np.all(y == n):
            return "all failures or all successes: the MLE is infinite"
        return super().degenerate_reason(y, trials)
