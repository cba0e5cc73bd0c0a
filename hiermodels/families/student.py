r"""Student-t family: :math:`y \sim t_\nu(\mu, \sigma)`, identity link, auxiliary sigma and nu.

.. math::

    \log p(y \mid \mu, \sigma, \nu) = \log\Gamma\!\left(\tfrac{\nu+1}{2}\right)
    - \log\Gamma\!\left(\tfrac{\nu}{2}\right) - \tfrac12\log(\nu\pi) - \log\sigma
    - \tfrac{\nu+1}{2}\log\!\left(1 + \frac{(y-\mu)^2}{\nu\sigma^2}\right)

Heavy-tailed residuals: as :math:`\nu \to \infty` it is the Gaussian model. Priors:
:math:`\sigma \sim \mathrm{Exponential}(1/s_y)` (as the Gaussian family) and
:math:`\nu \sim \mathrm{Gamma}(2, 0.1)` (shape 2, rate 0.1: mean 20), brms's default for
``nu`` (Juárez & Steel 2010); unlike brms, :math:`\nu` is not truncated below at 1.
:math:`\mathrm{Var}(y) = \sigma^2\nu/(\nu - 2)` for :math:`\nu > 2` (infinite otherwise).
"""

from __future__ import annotations

import numpy as np

from hiermodels.families.gaussian import Gaussian
from hiermodels.spec.prior import Prior


class Student(Gaussian):
    """Student-t likelihood with scale ``sigma`` and degrees of freedom ``nu``."""

    aux = ("sigma", "nu")
    likelihood_text = "Student_t(nu, mu_i, sigma)"

    def variance(self, eta, aux, trials=None):
        nu = np.asarray(aux["nu"], float)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(nu > 2, np.asarray(aux["sigma"], float) ** 2 * nu / (nu - 2), np.inf)
        return np.broadcast_to(v, np.broadcast_shapes(np.shape(v), np.shape(eta)))

    def latent_variance(self, eta_mean, var_random, aux):
        """sigma^2 nu / (nu - 2): the residual variance (infinite for nu <= 2)."""
        nu = np.asarray(aux["nu"], float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(nu > 2, np.asarray(aux["sigma"], float) ** 2 * nu / (nu - 2), np.inf)

    def latent_variance_text(self):
        return "sigma^2 nu/(nu - 2)"

    def logpdf(self, y, eta, aux, trials=None):
        from scipy import stats  # imported on use (~0.5 s)

        return stats.t.logpdf(y, aux["nu"], eta, aux["sigma"])

    def cdf(self, y, eta, aux, trials=None):
        from scipy import stats  # imported on use (~0.5 s)

        return stats.t.cdf(y, aux["nu"], eta, aux["sigma"])

    def draw(self, rng, eta, aux, trials=None):
        shape = np.broadcast_shapes(np.shape(eta), np.shape(aux["nu"]), np.shape(aux["sigma"]))
        t = rng.standard_t(np.broadcast_to(aux["nu"], shape))
        return eta + np.asarray(aux["sigma"]) * t

    def aux_starts(self, y):
        """nu starts at 10 (jittered): moderately heavy tails."""
        return {"nu": 10.0}

    def default_aux_priors(self, s_y, y_name):
        """sigma ~ Exponential(1 / s_y); nu ~ Gamma(2, 0.1) (brms's default)."""
        return {
            "sigma": (Prior("Exponential", lam=1.0 / s_y), f"rate 1 / {y_name}"),
            "nu": (
                Prior("Gamma", alpha=2.0, beta=0.1),
                "fixed default (brms: Juárez & Steel 2010)",
            ),
        }
