r"""Zero-inflated negative binomial (NB2): a point mass at zero mixed with an NB2 count.

.. math::

    \pi_i = \operatorname{logit}^{-1}(\eta^{zi}_i), \qquad \mu_i = \exp(\eta_i),

    P(y_i = 0) = \pi_i + (1 - \pi_i)\left(\frac{\phi}{\phi + \mu_i}\right)^{\phi}, \qquad
    P(y_i = k) = (1 - \pi_i)\,\mathrm{NB2}(k \mid \mu_i, \phi) \quad (k \ge 1),

with :math:`\mathrm{NB2}(k \mid \mu, \phi) = \frac{\Gamma(k + \phi)}{\Gamma(\phi)\,k!}
\left(\frac{\phi}{\phi+\mu}\right)^{\phi}\left(\frac{\mu}{\phi+\mu}\right)^{k}` as in
:mod:`~hiermodels.families.negbinomial` (Var = mu + mu^2/phi). :math:`\pi_i` is the
probability of a *structural* zero; its linear predictor :math:`\eta^{zi}` comes from the
``zi=`` formula (glmmTMB's ``ziformula``, brms's ``zi ~``). Moments:
:math:`E[y] = (1-\pi)\mu`, :math:`\mathrm{Var}[y] = (1-\pi)\mu\,(1 + \mu/\phi + \pi\mu)`.

The precision :math:`\phi` has the NB2 default prior Gamma(2, 0.1) (brms/Stan convention).
"""

from __future__ import annotations

import numpy as np

from hiermodels.families.negbinomial import NegBinomial
from hiermodels.families.zero_part import log_zero_probabilities, zero_probability


class ZeroInflatedNegBinomial(NegBinomial):
    """NB2 counts with extra (structural) zeros; log link, precision ``phi``, zi logit."""

    second_predictor = "zi"
    aux = ("phi",)
    mean_symbol = "mu_i"
    likelihood_text = (
        "ZeroInflatedNegBinomial2(mu_i, phi, zi_i)   "
        "[P(y=0) = zi_i + (1 - zi_i) NB2(0 | mu_i, phi), logit(zi_i) = eta_zi_i]"
    )

    def mean(self, eta, trials=None, aux=None):
        r""":math:`E[y] = (1 - \pi)\mu`."""
        return (1 - zero_probability(aux)) * self.inverse_link(eta)

    def variance(self, eta, aux, trials=None):
        r""":math:`(1-\pi)\mu(1 + \mu/\phi + \pi\mu)`."""
        mu = self.inverse_link(eta)
        pi = zero_probability(aux)
        return (1 - pi) * mu * (1 + mu / aux["phi"] + pi * mu)

    def latent_variance(self, eta_mean, var_random, aux):
        r"""The NB2 count component's :math:`\ln(1 + 1/\lambda + 1/\phi)`,
        :math:`\lambda = \exp(\bar\eta + \sum\sigma_l^2/2)` (Nakagawa, Johnson & Schielzeth
        2017, log link, lognormal approximation).

        The decomposed variance is that of the *count* (conditional) part on the log scale:
        the group-level effects enter :math:`\eta` only, so the ICC and R^2 describe the
        NB2 process that produces the non-structural counts; the zero-inflation
        probability is not part of the decomposition (it would need a second latent scale).
        """
        return super().latent_variance(eta_mean, var_random, aux)

    def latent_variance_text(self):
        return "ln(1 + 1/lambda + 1/phi) of the NB2 count part (zero-inflation excluded)"

    def logpdf(self, y, eta, aux, trials=None):
        log_pi, log_1mpi = log_zero_probabilities(aux)
        y = np.asarray(y, float)
        count = super().logpdf(y, eta, aux)
        phi = aux["phi"]
        log_nb0 = -phi * np.log1p(np.exp(eta) / phi)
        zero = np.logaddexp(log_pi, log_1mpi + log_nb0)
        return np.where(y == 0, zero, log_1mpi + count)

    def cdf(self, y, eta, aux, trials=None):
        pi = zero_probability(aux)
        return pi + (1 - pi) * super().cdf(y, eta, aux)

    def draw(self, rng, eta, aux, trials=None):
        pi = zero_probability(aux)
        counts = super().draw(rng, eta, aux)
        structural = rng.uniform(size=np.shape(counts)) < pi
        return np.where(structural, 0.0, counts)

    def start_eta(self, y, trials=None):
        """log(y + 0.1), zeros replaced by the mean positive count (many zeros are
        structural, so they say little about the count mean)."""
        pos = y[y > 0]
        return np.log(np.where(y > 0, y, pos.mean() if pos.size else 0.1) + 0.1)

    def default_aux_priors(self, s_y, y_name):
        """phi ~ Gamma(2, 0.1), fixed (brms/Stan NB2 convention)."""
        return super().default_aux_priors(s_y, y_name)
