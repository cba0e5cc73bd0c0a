r"""Negative binomial (NB2): :math:`y \sim \mathrm{NB2}(\mu, \phi)`, :math:`\mathrm{Var} = \mu + \mu^2/\phi`.

The prior of the precision :math:`\phi` is Gamma(2, 0.1) (shape 2, rate 0.1: mean 20), the
brms/Stan NB2 convention.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.families.poisson import Poisson
from hiermodels.spec.prior import Prior


class NegBinomial(Poisson):
    """Overdispersed counts, log link, auxiliary precision ``phi``."""

    aux = ("phi",)
    mean_symbol = "mu_i"
    likelihood_text = "NegBinomial2(mu_i, phi)   [Var = mu + mu^2/phi]"

    def variance(self, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        return mu + mu**2 / aux["phi"]

    def _extra_latent(self, aux):
        return 1 / np.asarray(aux["phi"], float)

    def latent_variance_text(self):
        return "ln(1 + 1/lambda + 1/phi)"

    def logpdf(self, y, eta, aux, trials=None):
        phi = aux["phi"]
        return (
            special.gammaln(y + phi)
            - special.gammaln(phi)
            - special.gammaln(y + 1)
            + phi * (np.log(phi) - np.logaddexp(np.log(phi), eta))
            + y * (eta - np.logaddexp(np.log(phi), eta))
        )

    def cdf(self, y, eta, aux, trials=None):
        phi = aux["phi"]
        from scipy import stats  # imported on use (~0.5 s)

        return stats.nbinom.cdf(y, phi, phi / (phi + self.inverse_link(eta)))

    def draw(self, rng, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        phi = np.broadcast_to(aux["phi"], np.shape(mu))
        return rng.poisson(rng.gamma(phi, mu / phi)).astype(float)

    def default_aux_priors(self, s_y, y_name):
        """phi ~ Gamma(2, 0.1), fixed (brms/Stan NB2 convention)."""
        return {
            "phi": (Prior("Gamma", alpha=2.0, beta=0.1), "fixed default (brms/Stan NB2 convention)")
        }
