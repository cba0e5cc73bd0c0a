r"""Beta-binomial family: ``y | trials(n) ~ ...``, logit link, precision ``phi``.

brms's ``beta_binomial()`` parameterisation: the success probability of each row is
:math:`p_i \sim \mathrm{Beta}(\mu_i\phi, (1-\mu_i)\phi)` and :math:`y_i \mid p_i \sim
\mathrm{Binomial}(n_i, p_i)`, so with :math:`a = \mu\phi`, :math:`b = (1-\mu)\phi`,

.. math::

    \log p(y \mid n, \mu, \phi) = \log\binom{n}{y} + \log B(y + a, n - y + b) - \log B(a, b),

    E[y] = n\mu,\quad \mathrm{Var}[y] = n\mu(1-\mu)\left(1 + \frac{n - 1}{\phi + 1}\right),

with :math:`\mu = \mathrm{logit}^{-1}(\eta)`. As :math:`\phi \to \infty` it is the binomial;
small :math:`\phi` is overdispersion (intra-row correlation :math:`1/(1+\phi)`). Default prior
``phi ~ Gamma(0.01, 0.01)`` as brms.

Distribution-specific variance (ICC, Nakagawa R^2) on the logit scale:
:math:`\pi^2/3 + \psi_1(\mu\phi) + \psi_1((1-\mu)\phi)`. The binomial's latent logistic
residual (:math:`\pi^2/3`, Nakagawa, Johnson & Schielzeth 2017, J. R. Soc. Interface 14:
20170213) plus the variance of :math:`\mathrm{logit}\,p_i` under its beta distribution (the
exact trigamma form, see :mod:`hiermodels.families.beta`), the way the paper adds an
observation-level random effect's variance to :math:`\pi^2/3`;
:math:`\mu = \mathrm{logit}^{-1}(\bar\eta)` at the mean fixed linear predictor.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.errors import DataError
from hiermodels.families.beta import shape_parameters
from hiermodels.families.binomial import Binomial
from hiermodels.spec.prior import Prior


class BetaBinomial(Binomial):
    """Overdispersed successes out of ``trials(n)``; the link acts on the mean proportion."""

    links = ("logit",)
    aux = ("phi",)
    mean_symbol = "mu_i"
    likelihood_text = "BetaBinomial(n_i, mu_i phi, (1 - mu_i) phi)"

    def check_support(self, y, trials, response):
        if trials is None:
            raise DataError(
                f"family={self.name!r} needs the number of trials: write "
                f"'{response} | trials(n) ~ ...' with n a column of trial counts."
            )
        super().check_support(y, trials, response)

    def variance(self, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        phi = np.asarray(aux["phi"], float)
        return trials * mu * (1 - mu) * (1 + (trials - 1) / (phi + 1))

    def latent_variance(self, eta_mean, var_random, aux):
        r""":math:`\pi^2/3 + \psi_1(\mu\phi) + \psi_1((1-\mu)\phi)`."""
        a, b = shape_parameters(eta_mean, aux["phi"])
        extra = special.polygamma(1, a) + special.polygamma(1, b)
        return np.pi**2 / 3 + extra + 0 * np.asarray(var_random, float)

    def latent_variance_text(self):
        return "pi^2/3 + trigamma(mu phi) + trigamma((1 - mu) phi)"

    def logpdf(self, y, eta, aux, trials=None):
        a, b = shape_parameters(eta, aux["phi"])
        n = trials
        return (
            special.gammaln(n + 1)
            - special.gammaln(y + 1)
            - special.gammaln(n - y + 1)
            + special.betaln(y + a, n - y + b)
            - special.betaln(a, b)
        )

    def cdf(self, y, eta, aux, trials=None):
        """Sum of the pmf over 0..y (exact; trials are small integers in practice)."""
        a, b = shape_parameters(eta, aux["phi"])
        y, n, a, b = np.broadcast_arrays(np.asarray(y, float), trials, a, b)
        k_max = int(np.max(y)) if y.size else 0
        out = np.zeros(y.shape)
        log_b_ab = special.betaln(a, b)
        for k in range(k_max + 1):
            with np.errstate(invalid="ignore", divide="ignore"):  # k > n rows are masked
                lp = (
                    special.gammaln(n + 1)
                    - special.gammaln(k + 1)
                    - special.gammaln(n - k + 1)
                    + special.betaln(k + a, n - k + b)
                    - log_b_ab
                )
            out += np.where(k <= y, np.exp(np.where(k <= y, lp, -np.inf)), 0.0)
        return np.minimum(out, 1.0)

    def draw(self, rng, eta, aux, trials=None):
        a, b = shape_parameters(eta, aux["phi"])
        a, b = np.broadcast_arrays(a, b)
        p = rng.beta(a, b)
        n = np.broadcast_to(trials, p.shape).astype(np.int64)
        return rng.binomial(n, p).astype(float)

    def default_aux_priors(self, s_y, y_name):
        """phi ~ Gamma(0.01, 0.01), fixed (brms's default for the beta-binomial phi)."""
        return {
            "phi": (
                Prior("Gamma", alpha=0.01, beta=0.01),
                "fixed default (brms beta_binomial phi: gamma(0.01, 0.01))",
            )
        }
