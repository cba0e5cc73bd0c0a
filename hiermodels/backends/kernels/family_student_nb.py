r"""Student-t log-likelihood (identity link) and its derivatives, in numba (code 9).

``aux = [sigma, nu]`` (constrained). With :math:`r = y - \eta`,
:math:`D = \nu\sigma^2 + r^2`:

.. math::

    \ell = \log\Gamma\!\left(\tfrac{\nu+1}{2}\right) - \log\Gamma\!\left(\tfrac{\nu}{2}\right)
    - \tfrac12\log(\nu\pi) - \log\sigma - \tfrac{\nu+1}{2}\log\!\left(1 + \tfrac{r^2}{\nu\sigma^2}\right)

    \partial_\eta\ell = \frac{(\nu+1)\,r}{D}, \quad
    \partial_\sigma\ell = -\frac1\sigma + \frac{(\nu+1)\,r^2}{\sigma D}, \quad
    \partial_\nu\ell = \tfrac12\psi\!\left(\tfrac{\nu+1}{2}\right) - \tfrac12\psi\!\left(\tfrac{\nu}{2}\right)
    - \frac{1}{2\nu} - \tfrac12\log\!\left(1 + \tfrac{r^2}{\nu\sigma^2}\right)
    + \frac{(\nu+1)\,r^2}{2\nu D}

(:math:`\psi` the digamma function). The density is complete (constants included).
"""

from __future__ import annotations

import math

import numba as nb

from hiermodels.backends.kernels.priors_nb import digamma


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(lp, d_eta, d_eta2)``; adds d lp / d sigma and d lp / d nu into ``gaux[0:2]``."""
    sigma = aux[0]
    nu = aux[1]
    r = y - eta
    r2 = r * r
    s2 = sigma * sigma
    D = nu * s2 + r2
    l1p = math.log1p(r2 / (nu * s2))
    lp = (
        math.lgamma(0.5 * (nu + 1.0))
        - math.lgamma(0.5 * nu)
        - 0.5 * math.log(nu * math.pi)
        - math.log(sigma)
        - 0.5 * (nu + 1.0) * l1p
    )
    gaux[0] += -1.0 / sigma + (nu + 1.0) * r2 / (sigma * D)
    gaux[1] += (
        0.5 * digamma(0.5 * (nu + 1.0))
        - 0.5 * digamma(0.5 * nu)
        - 0.5 / nu
        - 0.5 * l1p
        + 0.5 * (nu + 1.0) * r2 / (nu * D)
    )
    return lp, (nu + 1.0) * r / D, 0.0
