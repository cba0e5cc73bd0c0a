r"""Lognormal log-likelihood for the numba kernels (family code 11).

:math:`\log y \sim N(\eta, \sigma^2)`, ``aux[0]`` the SD :math:`\sigma` of :math:`\log y`
(:mod:`hiermodels.families.lognormal`); with :math:`r = \log y - \eta`:

.. math::

    \ell = -\log y - \log\sigma - \tfrac12\log 2\pi - \frac{r^2}{2\sigma^2},\qquad
    \partial_\eta\ell = r/\sigma^2,\qquad
    \partial_\sigma\ell = -1/\sigma + r^2/\sigma^3.

The complete log density (the Jacobian :math:`-\log y` included).
"""

from __future__ import annotations

import math

import numba as nb

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(log p, d/d eta, 0.0)``; adds d log p / d sigma into ``gaux[0]``."""
    s = aux[0]
    ly = math.log(y)
    r = ly - eta
    s2 = s * s
    gaux[0] += -1.0 / s + r * r / (s2 * s)
    return -ly - math.log(s) - _HALF_LOG_2PI - 0.5 * r * r / s2, r / s2, 0.0
