r"""Beta family: :math:`y \sim \mathrm{Beta}(\mu\phi, (1-\mu)\phi)`, logit link, precision ``phi``.

The mean-precision parameterisation of Ferrari & Cribari-Neto (2004, J. Appl. Stat. 31,
799-815), as brms's ``Beta()``: with :math:`a = \mu\phi`, :math:`b = (1-\mu)\phi`,

.. math::

    \log p(y \mid \mu, \phi) = \log\Gamma(\phi) - \log\Gamma(a) - \log\Gamma(b)
    + (a - 1)\log y + (b - 1)\log(1 - y),
    \qquad E[y] = \mu = \mathrm{logit}^{-1}(\eta),\quad
    \mathrm{Var}[y] = \frac{\mu(1-\mu)}{1+\phi}.

Support :math:`0 < y < 1` strictly (proportions of a continuous whole; counts out of
:math:`n` are ``beta_binomial`` or ``binomial``). Default prior ``phi ~ Gamma(0.01, 0.01)``
as brms.

Distribution-specific variance (ICC, Nakagawa R^2), on the logit (link) scale: the exact
variance of :math:`\mathrm{logit}\,y` given :math:`\mu`,

.. math::

    \sigma_d^2 = \mathrm{Var}[\mathrm{logit}\,y] = \psi_1(\mu\phi) + \psi_1((1-\mu)\phi),

since :math:`\mathrm{logit}\,y = \log G_a - \log G_b` with independent
:math:`G_a \sim \mathrm{Gamma}(a, 1)`, :math:`G_b \sim \mathrm{Gamma}(b, 1)` and
:math:`\mathrm{Var}[\log G_a] = \psi_1(a)`. This is the beta analogue of the trigamma form
Nakagawa, Johnson & Schielzeth (2017, J. R. Soc. Interface 14: 20170213) give for the gamma
family; the delta method gives the first-order version
:math:`\mathrm{Var}[y]\,g'(\mu)^2 = 1/(\mu(1-\mu)(1+\phi))`, to which it tends for large
:math:`\phi`. :math:`\mu = \mathrm{logit}^{-1}(\bar\eta)` at the mean fixed linear predictor.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.errors import DataError
from hiermodels.families.base import Family
from hiermodels.spec.prior import Prior


def shape_parameters(eta, phi):
    """``(a, b) = (mu phi, (1 - mu) phi)`` with both tails of the logistic exact."""
    phi = np.asarray(phi, float)
    return special.expit(eta) * phi, special.expit(-np.asarray(eta, float)) * phi


class Beta(Family):
    """Continuous proportions strictly between 0 and 1."""

    links = ("logit",)
    aux = ("phi",)
    discrete = False
    mean_symbol = "mu_i"
    likelihood_text = "Beta(mu_i phi, (1 - mu_i) phi)   [Var = mu_i (1 - mu_i) / (1 + phi)]"

    def check_support(self, y, trials, response):
        out = (y <= 0) | (y >= 1)
        if np.any(out):
            bad = sorted({float(v) for v in y[out]})[:5]
            raise DataError(
                f"The beta response {response!r} must lie strictly between 0 and 1; found "
                f"{bad} ({int(out.sum())} rows). Squeeze it into (0, 1) with "
                "(y * (n - 1) + 0.5) / n (Smithson & Verkuilen 2006), use a zero/one-inflated "
                "beta model, or, for counts out of n, family='beta_binomial' or 'binomial'."
            )
        if np.ptp(y) == 0:
            raise DataError(f"The response {response!r} is constant; there is nothing to model.")

    def variance(self, eta, aux, trials=None):
        mu = self.inverse_link(eta)
        return mu * (1 - mu) / (1 + np.asarray(aux["phi"], float))

    def latent_variance(self, eta_mean, var_random, aux):
        r""":math:`\psi_1(\mu\phi) + \psi_1((1-\mu)\phi)` at :math:`\mu = \mathrm{logit}^{-1}(\bar\eta)`."""
        a, b = shape_parameters(eta_mean, aux["phi"])
        return special.polygamma(1, a) + special.polygamma(1, b) + 0 * np.asarray(var_random)

    def latent_variance_text(self):
        return "trigamma(mu phi) + trigamma((1 - mu) phi)"

    def logpdf(self, y, eta, aux, trials=None):
        phi = np.asarray(aux["phi"], float)
        a, b = shape_parameters(eta, phi)
        return (
            special.gammaln(phi)
            - special.gammaln(a)
            - special.gammaln(b)
            + (a - 1) * np.log(y)
            + (b - 1) * np.log1p(-y)
        )

    def cdf(self, y, eta, aux, trials=None):
        a, b = shape_parameters(eta, aux["phi"])
        return special.betainc(a, b, y)

    def draw(self, rng, eta, aux, trials=None):
        a, b = shape_parameters(eta, aux["phi"])
        a, b = np.broadcast_arrays(a, b)
        return rng.beta(a, b)

    def aux_starts(self, y):
        """phi starts at the marginal moment estimate m(1 - m)/v - 1, within [0.5, 1000]."""
        m, v = float(np.mean(y)), max(float(np.var(y)), 1e-300)
        return {"phi": float(np.clip(m * (1 - m) / v - 1, 0.5, 1e3))}

    def default_aux_priors(self, s_y, y_name):
        """phi ~ Gamma(0.01, 0.01), fixed (brms's default for the beta precision)."""
        return {
            "phi": (
                Prior("Gamma", alpha=0.01, beta=0.01),
                "fixed default (brms beta phi: gamma(0.01, 0.01))",
            )
        }

    def intercept_location(self, y, trials=None, offset=None):
        off = offset.mean() if offset is not None else 0.0
        return float(special.logit(np.mean(y)) - off)

    def start_eta(self, y, trials=None):
        return special.logit(y)
