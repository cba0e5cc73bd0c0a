r"""Binomial family: :math:`y \sim \mathrm{Binomial}(n, p)` with ``y | trials(n) ~ ...``."""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.errors import DataError
from hiermodels.families import links as _links
from hiermodels.families.bernoulli import Bernoulli


class Binomial(Bernoulli):
    """Successes out of ``trials(n)``; the mean is n p (counts), the link acts on p."""

    needs_trials = True
    likelihood_text = "Binomial(n_i, p_i)"

    def check_support(self, y, trials, response):
        self._check_counts(y, response)
        if trials is None:
            raise DataError(
                f"family='binomial' needs the number of trials: write "
                f"'{response} | trials(n) ~ ...' with n a column of trial counts."
            )
        if np.any(trials <= 0) or np.any(trials != np.round(trials)):
            raise DataError("trials() must be positive integers; fix or drop rows with n <= 0.")
        if np.any(y > trials):
            k = int(np.sum(y > trials))
            raise DataError(
                f"{k} rows have more successes ({response!r}) than trials; check the columns."
            )

    def variance(self, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        return trials * mu * (1 - mu)

    def logpdf(self, y, eta, aux, trials=None):
        if self.link == "cloglog":
            log_p, log_q = _links.log_probabilities("cloglog", eta)
        elif self.link == "logit":
            log_p, log_q = -np.logaddexp(0, -eta), -np.logaddexp(0, eta)
        else:
            log_p, log_q = special.log_ndtr(eta), special.log_ndtr(-eta)
        return (
            special.gammaln(trials + 1)
            - special.gammaln(y + 1)
            - special.gammaln(trials - y + 1)
            + y * log_p
            + (trials - y) * log_q
        )

    def cdf(self, y, eta, aux, trials=None):
        from scipy import stats  # imported on use (~0.5 s)

        return stats.binom.cdf(y, trials, self.inverse_link(eta))

    def draw(self, rng, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        n = np.broadcast_to(trials, np.shape(mu)).astype(np.int64)
        return rng.binomial(n, mu).astype(float)
