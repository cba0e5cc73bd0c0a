r"""Gamma (log link) log-likelihood for the numba kernels (family code 10).

:math:`y \sim \mathrm{Gamma}(\alpha, \alpha/\mu)`, :math:`\mu = e^\eta`, ``aux[0]`` the
shape :math:`\alpha` (:mod:`hiermodels.families.gamma`):

.. math::

    \ell = \alpha\log\alpha - \alpha\eta - \log\Gamma(\alpha) + (\alpha-1)\log y
    - \alpha y e^{-\eta},\qquad
    \partial_\eta\ell = \alpha(y e^{-\eta} - 1),\qquad
    \partial_\alpha\ell = \log\alpha + 1 - \eta - \psi(\alpha) + \log y - y e^{-\eta}.

The complete log density (no omitted constant).
"""

from __future__ import annotations

import math

import numba as nb

from hiermodels.backends.kernels.priors_nb import digamma


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(log p, d/d eta, 0.0)``; adds d log p / d shape into ``gaux[0]``."""
    a = aux[0]
    ly = math.log(y)
    r = y * math.exp(-eta)
    lp = a * math.log(a) - a * eta - math.lgamma(a) + (a - 1.0) * ly - a * r
    gaux[0] += math.log(a) + 1.0 - eta - digamma(a) + ly - r
    return lp, a * (r - 1.0), 0.0
