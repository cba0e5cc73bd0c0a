r"""Zero-inflated Poisson: a structural zero with probability :math:`\pi_i`, else Poisson.

.. math::

    p(y_i = 0) = \pi_i + (1 - \pi_i)e^{-\lambda_i}, \qquad
    p(y_i = k) = (1 - \pi_i)\,\frac{\lambda_i^k e^{-\lambda_i}}{k!} \quad (k > 0),

with :math:`\log\lambda_i = \eta_i` (the model formula) and
:math:`\mathrm{logit}\,\pi_i = \eta^{zi}_i = x^{zi\prime}_i\gamma` (the ``zi=`` formula,
default ``"~ 1"``; its coefficients are the posterior variable ``b_zi``, dim ``zi_coef``).
:math:`E[y] = (1 - \pi)\lambda`, :math:`\mathrm{Var}[y] = (1 - \pi)\lambda(1 + \pi\lambda)`
(Lambert 1992; glmmTMB's ``ziformula``, brms's ``zero_inflated_poisson``).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.families.poisson import Poisson


def _log_pi(eta_zi):
    """(log pi, log(1 - pi)) for pi = expit(eta_zi), without overflow."""
    eta_zi = np.asarray(eta_zi, float)
    return -np.logaddexp(0.0, -eta_zi), -np.logaddexp(0.0, eta_zi)


class ZeroInflatedPoisson(Poisson):
    """Poisson counts with extra zeros; second linear predictor ``zi`` (logit link)."""

    aux = ()
    second_predictor = "zi"
    likelihood_text = "ZIPoisson(lambda_i, zi_i)   [logit(zi_i) = eta_zi_i]"

    def mean(self, eta, trials=None, aux=None):
        lam = self.inverse_link(eta)
        if aux is None or "eta_zi" not in aux:
            raise ValueError("the zero-inflated Poisson mean needs aux['eta_zi']")
        return lam * special.expit(-np.asarray(aux["eta_zi"], float))

    def variance(self, eta, aux, trials=None):
        lam = self.inverse_link(eta)
        pi = special.expit(np.asarray(aux["eta_zi"], float))
        return (1 - pi) * lam * (1 + pi * lam)

    def latent_variance(self, eta_mean, var_random, aux):
        r""":math:`\ln(1 + 1/\lambda)` of the count part (the zero-inflation is not a
        latent-scale variance; ICC/R^2 refer to the conditional count model, as
        ``performance::icc`` does for glmmTMB's zero-inflated fits)."""
        return super().latent_variance(eta_mean, var_random, aux)

    def latent_variance_text(self):
        return "ln(1 + 1/lambda) (count part)"

    def logpdf(self, y, eta, aux, trials=None):
        log_pi, log_1mpi = _log_pi(aux["eta_zi"])
        y = np.asarray(y, float)
        lam = self.inverse_link(eta)
        count = y * eta - lam - special.gammaln(y + 1)
        return np.where(y == 0, np.logaddexp(log_pi, log_1mpi - lam), log_1mpi + count)

    def cdf(self, y, eta, aux, trials=None):
        pi = special.expit(np.asarray(aux["eta_zi"], float))
        from scipy import stats  # imported on use (~0.5 s)

        return pi * (np.asarray(y) >= 0) + (1 - pi) * stats.poisson.cdf(y, self.inverse_link(eta))

    def draw(self, rng, eta, aux, trials=None):
        lam = self.inverse_link(eta)
        pi = special.expit(np.asarray(aux["eta_zi"], float))
        shape = np.broadcast_shapes(np.shape(lam), np.shape(pi))
        zero = rng.random(shape) < pi
        return np.where(zero, 0.0, rng.poisson(np.broadcast_to(lam, shape))).astype(float)

    def start_eta(self, y, trials=None):
        pos = y[y > 0]
        return np.log(np.where(y > 0, y, pos.mean() if pos.size else 0.1) + 0.1)
