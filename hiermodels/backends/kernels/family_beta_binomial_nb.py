r"""Beta-binomial (logit link) log-likelihood for the numba kernels (family code 13).

``y`` successes of ``n`` trials, :math:`\mu = \mathrm{logit}^{-1}\eta`, ``aux[0]`` the
precision :math:`\phi` (:mod:`hiermodels.families.beta_binomial`); :math:`a = \mu\phi`,
:math:`b = (1-\mu)\phi`:

.. math::

    \ell = \log\binom{n}{y} + \log\Gamma(y+a) + \log\Gamma(n-y+b) - \log\Gamma(n+\phi)
    - \log\Gamma(a) - \log\Gamma(b) + \log\Gamma(\phi),

    \partial_\eta\ell = \phi\mu(1-\mu)\,[\psi(y+a) - \psi(a) - \psi(n-y+b) + \psi(b)],

    \partial_\phi\ell = \mu[\psi(y+a) - \psi(a)] + (1-\mu)[\psi(n-y+b) - \psi(b)]
    - \psi(n+\phi) + \psi(\phi).

:func:`loglik` leaves out :math:`\log\binom{n}{y}`; :func:`const` gives it per row and
``links_nb.loglik_const`` sums it once per dataset (times any observation weights).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy.special import gammaln

from hiermodels.backends.kernels.priors_nb import digamma


def const(y, n) -> np.ndarray:
    """log C(n_i, y_i) per row (elementwise): the parameter-free part :func:`loglik` omits."""
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    return gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(log p - log C(n, y), d/d eta, 0.0)``; adds d log p / d phi into ``gaux[0]``."""
    phi = aux[0]
    mu = 1.0 / (1.0 + math.exp(-eta))
    nu = 1.0 / (1.0 + math.exp(eta))  # 1 - mu without cancellation
    a = mu * phi
    b = nu * phi
    lp = (
        math.lgamma(y + a)
        + math.lgamma(n - y + b)
        - math.lgamma(n + phi)
        - math.lgamma(a)
        - math.lgamma(b)
        + math.lgamma(phi)
    )
    ga = digamma(y + a) - digamma(a)
    gb = digamma(n - y + b) - digamma(b)
    gaux[0] += mu * ga + nu * gb - digamma(n + phi) + digamma(phi)
    return lp, phi * mu * nu * (ga - gb), 0.0
