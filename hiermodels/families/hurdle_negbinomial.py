r"""Hurdle negative binomial (NB2): a zero part and a zero-truncated NB2 for positive counts.

.. math::

    \pi_i = \operatorname{logit}^{-1}(\eta^{zi}_i), \qquad \mu_i = \exp(\eta_i), \qquad
    P_0 = \left(\frac{\phi}{\phi + \mu_i}\right)^{\phi},

    P(y_i = 0) = \pi_i, \qquad
    P(y_i = k) = (1 - \pi_i)\,\frac{\mathrm{NB2}(k \mid \mu_i, \phi)}{1 - P_0}
    \quad (k \ge 1),

with NB2 as in :mod:`~hiermodels.families.negbinomial` (Var = mu + mu^2/phi). This is
glmmTMB's ``family = truncated_nbinom2`` with ``ziformula`` (the hurdle NB of Brooks et
al. 2017) and brms's ``hurdle_negbinomial`` (``hu`` = :math:`\pi`). Moments:

.. math::

    E[y] = \frac{(1-\pi)\mu}{1 - P_0}, \qquad
    \mathrm{Var}[y] = \frac{(1-\pi)(\mu + \mu^2/\phi + \mu^2)}{1 - P_0} - E[y]^2.

The precision :math:`\phi` has the NB2 default prior Gamma(2, 0.1) (brms/Stan convention).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.families.hurdle_poisson import _TINY, HurdlePoisson
from hiermodels.families.negbinomial import NegBinomial
from hiermodels.families.zero_part import log1mexp


class HurdleNegBinomial(HurdlePoisson):
    """Zero part (logit) + zero-truncated NB2 counts (log link, precision ``phi``)."""

    aux = ("phi",)
    mean_symbol = "mu_i"
    likelihood_text = (
        "HurdleNegBinomial2(mu_i, phi, hu_i)   "
        "[P(y=0) = hu_i, logit(hu_i) = eta_zi_i; y > 0: NB2(mu_i, phi) truncated at 0]"
    )

    def _log_count_positive(self, eta, aux):
        r""":math:`\log(1 - P_0)`, :math:`\log P_0 = -\phi\log(1 + \mu/\phi)`; for
        :math:`\mu/\phi` below 1e-10 the series :math:`\eta - \mu/(2\phi) - \mu/2`."""
        eta = np.asarray(eta, float)
        phi = np.asarray(aux["phi"], float)
        mu = np.exp(eta)
        x = mu / phi
        return np.where(x < _TINY, eta - x / 2 - mu / 2, log1mexp(-phi * np.log1p(x)))

    def _count_logpmf(self, y, eta, aux):
        return NegBinomial.logpdf(self, y, eta, aux)

    def _count_second_moment_over_mean(self, mu, aux):
        return 1 + mu / aux["phi"] + mu

    def _count_sf(self, y, eta, aux):
        r""":math:`P(Y > y) = I_z(y + 1, \phi)`, :math:`z = \mu/(\phi + \mu)` (regularised
        incomplete beta), with :math:`z` formed as :math:`\operatorname{logit}^{-1}(\eta -
        \log\phi)`: accurate for tiny :math:`\mu`, where SciPy's ``nbinom.sf`` (built on
        :math:`1 - p`) returns 0."""
        phi = np.asarray(aux["phi"], float)
        z = special.expit(np.asarray(eta, float) - np.log(phi))
        return special.betainc(np.asarray(y, float) + 1, phi, z)

    def latent_variance(self, eta_mean, var_random, aux):
        r"""The NB2 count part's :math:`\ln(1 + 1/\lambda + 1/\phi)` (Nakagawa, Johnson &
        Schielzeth 2017, log link, lognormal approximation), :math:`\lambda =
        \exp(\bar\eta + \sum\sigma_l^2/2)`; the hurdle (zero) part is not in the
        decomposition (see :class:`~hiermodels.families.hurdle_poisson.HurdlePoisson`)."""
        return NegBinomial.latent_variance(self, eta_mean, var_random, aux)

    def _extra_latent(self, aux):
        return NegBinomial._extra_latent(self, aux)

    def latent_variance_text(self):
        return "ln(1 + 1/lambda + 1/phi) of the NB2 count part (hurdle excluded)"

    def default_aux_priors(self, s_y, y_name):
        """phi ~ Gamma(2, 0.1), fixed (brms/Stan NB2 convention)."""
        return NegBinomial.default_aux_priors(self, s_y, y_name)
