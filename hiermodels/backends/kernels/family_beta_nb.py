r"""Beta (logit link) log-likelihood for the numba kernels (family code 12).

:math:`y \sim \mathrm{Beta}(\mu\phi, (1-\mu)\phi)`, :math:`\mu = \mathrm{logit}^{-1}\eta`,
``aux[0]`` the precision :math:`\phi` (:mod:`hiermodels.families.beta`). With
:math:`a = \mu\phi`, :math:`b = (1-\mu)\phi` and :math:`d\mu/d\eta = \mu(1-\mu)`:

.. math::

    \ell = \log\Gamma(\phi) - \log\Gamma(a) - \log\Gamma(b) + (a-1)\log y + (b-1)\log(1-y),

    \partial_\eta\ell = \phi\mu(1-\mu)\,[\log y - \log(1-y) - \psi(a) + \psi(b)],

    \partial_\phi\ell = \psi(\phi) - \mu\psi(a) - (1-\mu)\psi(b) + \mu\log y + (1-\mu)\log(1-y).

:math:`\mu` and :math:`1-\mu` are each computed as a logistic of :math:`\pm\eta`, so
neither cancels for large :math:`|\eta|`. The complete log density.
"""

from __future__ import annotations

import math

import numba as nb

from hiermodels.backends.kernels.priors_nb import digamma


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(log p, d/d eta, 0.0)``; adds d log p / d phi into ``gaux[0]``."""
    phi = aux[0]
    mu = 1.0 / (1.0 + math.exp(-eta))
    nu = 1.0 / (1.0 + math.exp(eta))  # 1 - mu without cancellation
    a = mu * phi
    b = nu * phi
    ly = math.log(y)
    l1y = math.log1p(-y)
    da = digamma(a)
    db = digamma(b)
    lp = math.lgamma(phi) - math.lgamma(a) - math.lgamma(b) + (a - 1.0) * ly + (b - 1.0) * l1y
    gaux[0] += digamma(phi) - mu * da - nu * db + mu * ly + nu * l1y
    return lp, phi * mu * nu * (ly - l1y - da + db), 0.0
