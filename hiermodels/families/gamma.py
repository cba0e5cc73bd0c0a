r"""Gamma family: :math:`y \sim \mathrm{Gamma}(\alpha, \alpha/\mu)`, log link, auxiliary ``shape``.

brms's parameterisation: shape :math:`\alpha` and rate :math:`\alpha/\mu`, so

.. math::

    \log p(y \mid \mu, \alpha) = \alpha\log\alpha - \alpha\log\mu - \log\Gamma(\alpha)
    + (\alpha - 1)\log y - \alpha y/\mu,
    \qquad E[y] = \mu = e^{\eta},\quad \mathrm{Var}[y] = \mu^2/\alpha .

The coefficient of variation :math:`1/\sqrt{\alpha}` is constant, which is what makes the
gamma the usual GLM for positive, right-skewed responses with multiplicative effects.

Default prior ``shape ~ Gamma(0.01, 0.01)`` (shape 0.01, rate 0.01: mean 1, very wide), as
brms's default for the gamma shape.

Distribution-specific variance (ICC, Nakagawa R^2): the *trigamma* form
:math:`\sigma_d^2 = \psi_1(\alpha)` of Nakagawa, Johnson & Schielzeth (2017, J. R. Soc.
Interface 14: 20170213). It is exact: :math:`\log y = \log\mu + \log(G/\alpha)` with
:math:`G \sim \mathrm{Gamma}(\alpha, 1)`, and :math:`\mathrm{Var}[\log G] = \psi_1(\alpha)`,
independent of :math:`\mu`. The paper's log-normal approximation :math:`\ln(1 + 1/\alpha)`
agrees for large :math:`\alpha` (it is :math:`\ln(1 + \mathrm{CV}^2)`) and is not used.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.errors import DataError
from hiermodels.families.base import Family
from hiermodels.spec.prior import Prior


class Gamma(Family):
    """Positive continuous responses with constant coefficient of variation."""

    links = ("log",)
    aux = ("shape",)
    discrete = False
    mean_symbol = "mu_i"
    likelihood_text = "Gamma(shape, shape / mu_i)   [mean mu_i, Var = mu_i^2 / shape]"

    def check_support(self, y, trials, response):
        if np.any(y <= 0):
            bad = sorted({float(v) for v in y[y <= 0]})[:5]
            raise DataError(
                f"The gamma response {response!r} must be strictly positive; found {bad}. "
                "Drop or recode the zeros (a hurdle-gamma model treats them separately), or "
                "use family='gaussian' on a transformed response."
            )
        if np.ptp(y) == 0:
            raise DataError(f"The response {response!r} is constant; there is nothing to model.")

    def variance(self, eta, aux, trials=None):
        return self.inverse_link(eta) ** 2 / np.asarray(aux["shape"], float)

    def latent_variance(self, eta_mean, var_random, aux):
        r""":math:`\psi_1(\alpha)` (trigamma; exact variance of :math:`\log y` given :math:`\mu`)."""
        return special.polygamma(1, np.asarray(aux["shape"], float)) + 0 * np.asarray(
            var_random, float
        )

    def latent_variance_text(self):
        return "trigamma(shape)"

    def logpdf(self, y, eta, aux, trials=None):
        a = np.asarray(aux["shape"], float)
        return (
            a * np.log(a)
            - a * eta
            - special.gammaln(a)
            + (a - 1) * np.log(y)
            - a * y * np.exp(-eta)
        )

    def cdf(self, y, eta, aux, trials=None):
        a = np.asarray(aux["shape"], float)
        return special.gammainc(a, a * y * np.exp(-eta))

    def draw(self, rng, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        a = np.broadcast_to(aux["shape"], np.shape(mu))
        return rng.gamma(a, mu / a)

    def aux_starts(self, y):
        """shape starts at the marginal moment estimate mean(y)^2 / var(y) (covariates and
        group effects only add variance, so it errs low), within [0.1, 1000]."""
        return {"shape": float(np.clip(np.mean(y) ** 2 / max(np.var(y), 1e-300), 0.1, 1e3))}

    def default_aux_priors(self, s_y, y_name):
        """shape ~ Gamma(0.01, 0.01), fixed (brms's default for the gamma shape)."""
        return {
            "shape": (
                Prior("Gamma", alpha=0.01, beta=0.01),
                "fixed default (brms gamma shape: gamma(0.01, 0.01))",
            )
        }

    def intercept_location(self, y, trials=None, offset=None):
        off = offset.mean() if offset is not None else 0.0
        return float(np.log(np.mean(y)) - off)

    def start_eta(self, y, trials=None):
        return np.log(y)
