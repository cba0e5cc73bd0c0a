r"""Lognormal family: :math:`\log y \sim N(\mu, \sigma^2)`, identity link on the log scale.

The linear predictor is the mean of :math:`\log y` (brms's ``lognormal()``, whose ``mu`` has
an identity link), so effects are multiplicative on :math:`y`:

.. math::

    \log p(y \mid \mu, \sigma) = -\log y - \log\sigma - \tfrac12\log(2\pi)
    - \frac{(\log y - \mu)^2}{2\sigma^2},
    \qquad E[y] = e^{\mu + \sigma^2/2},\quad
    \mathrm{Var}[y] = (e^{\sigma^2} - 1)\,e^{2\mu + \sigma^2},

and :math:`e^{\mu}` is the median of :math:`y`. Because the mean needs :math:`\sigma`,
:meth:`Lognormal.mean` requires the ``aux`` dict.

Priors: the coefficients are on the log scale (the unit link scale, as for the GLM
families); :math:`\sigma \sim \mathrm{Exponential}(1/s)` like the Gaussian family's
:math:`\sigma`, with :math:`s` the scale :func:`default_aux_priors` is given (the unit link
scale by default; :meth:`Lognormal.prior_scale` gives sd(log y) for a caller that scales
the priors of a log-scale response to its own SD).

Distribution-specific variance (ICC, Nakagawa R^2): :math:`\sigma^2`, the residual variance
of :math:`\log y`, which is the link scale here (Nakagawa, Johnson & Schielzeth 2017,
J. R. Soc. Interface 14: 20170213: the Gaussian case on the log scale).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.errors import DataError, HiermodelsError
from hiermodels.families.base import Family
from hiermodels.spec.prior import Prior

_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


class Lognormal(Family):
    """Positive continuous responses, normal on the log scale."""

    links = ("identity",)
    aux = ("sigma",)
    discrete = False
    mean_symbol = "mu_i"
    likelihood_text = "LogNormal(mu_i, sigma)   [log y_i ~ Normal(mu_i, sigma)]"

    def check_support(self, y, trials, response):
        if np.any(y <= 0):
            bad = sorted({float(v) for v in y[y <= 0]})[:5]
            raise DataError(
                f"The lognormal response {response!r} must be strictly positive; found {bad}. "
                "Drop or recode the zeros (a hurdle model treats them separately), or use "
                "family='gaussian' on a transformed response."
            )
        if np.ptp(y) == 0:
            raise DataError(f"The response {response!r} is constant; there is nothing to model.")

    def mean(self, eta, trials=None, aux=None):
        """E[y | eta] = exp(eta + sigma^2 / 2); needs ``aux["sigma"]``."""
        if aux is None or "sigma" not in aux:
            raise HiermodelsError(
                "The mean of a lognormal response is exp(mu + sigma^2/2): pass the draws of "
                "sigma as aux={'sigma': ...} (exp(mu) alone is the median)."
            )
        return np.exp(eta + np.asarray(aux["sigma"], float) ** 2 / 2)

    def variance(self, eta, aux, trials=None):
        s2 = np.asarray(aux["sigma"], float) ** 2
        return np.expm1(s2) * np.exp(2 * eta + s2)

    def latent_variance(self, eta_mean, var_random, aux):
        """sigma^2 (residual variance of log y, the link scale)."""
        return np.asarray(aux["sigma"], float) ** 2 + 0 * np.asarray(var_random, float)

    def latent_variance_text(self):
        return "sigma^2 (of log y)"

    def logpdf(self, y, eta, aux, trials=None):
        s = np.asarray(aux["sigma"], float)
        ly = np.log(y)
        return -ly - np.log(s) - _HALF_LOG_2PI - 0.5 * ((ly - eta) / s) ** 2

    def cdf(self, y, eta, aux, trials=None):
        return special.ndtr((np.log(y) - eta) / np.asarray(aux["sigma"], float))

    def draw(self, rng, eta, aux, trials=None):
        return np.exp(rng.normal(eta, aux["sigma"]))

    def aux_starts(self, y):
        """sigma starts at half of sd(log y) (the residual SD is below the marginal SD)."""
        return {"sigma": 0.5 * self.prior_scale(y)}

    def prior_scale(self, y) -> float:
        """sd(log y): the response's own scale on the link scale."""
        s = float(np.std(np.log(y)))
        return s if s > 0 else 1.0

    def default_aux_priors(self, s_y, y_name):
        """sigma ~ Exponential(1 / s_y) (as the Gaussian sigma; s_y on the log scale)."""
        return {"sigma": (Prior("Exponential", lam=1.0 / s_y), f"rate 1 / {y_name}")}

    def intercept_location(self, y, trials=None, offset=None):
        off = offset.mean() if offset is not None else 0.0
        return float(np.mean(np.log(y)) - off)

    def start_eta(self, y, trials=None):
        return np.log(y)
