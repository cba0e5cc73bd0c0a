r"""Zero-inflated NB2 log-likelihood with derivatives (numba; family code 15).

:math:`\pi = \operatorname{logit}^{-1}(\eta_2)`, :math:`\mu = e^\eta`,
:math:`x = \mu/\phi`, :math:`\log P_0 = a = -\phi\log(1+x)`:

.. math::

    \ell(0) = \log\big(\pi + (1-\pi)e^{a}\big), \qquad
    \ell(y > 0) = \log(1-\pi) + \log\Gamma(y+\phi) - \log\Gamma(\phi) - \log y!
      + \phi\log\tfrac{\phi}{\phi+\mu} + y\log\tfrac{\mu}{\phi+\mu}.

Derivatives at :math:`y = 0`, with the component weights :math:`u = \pi/P(0)` and
:math:`w = (1-\pi)e^a/P(0)`: :math:`\partial_\eta = -w\mu/(1+x)`,
:math:`\partial_\phi = w\,(-\log(1+x) + x/(1+x))`, :math:`\partial_{\eta_2} = (1-\pi)u - \pi w`;
at :math:`y > 0`: :math:`\partial_\eta = (y-\mu)/(1+x)`, :math:`\partial_\phi =
\psi(y+\phi) - \psi(\phi) - \log(1+x) + (x - y/\phi)/(1+x)`, :math:`\partial_{\eta_2} = -\pi`.
Every log term is formed from :math:`\eta`, :math:`\log(1+x)` and softplus, so the
density stays finite for large :math:`|\eta|` and :math:`|\eta_2|`.

``loglik`` leaves out :math:`-\log y!`; :func:`const` gives it per row.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy.special import gammaln

from hiermodels.backends.kernels.priors_nb import digamma
from hiermodels.backends.kernels.zero_part_nb import log_pi_pair, logaddexp, nb_zero_dphi


def const(y, n):
    """The parameter-free part ``-log y!`` per row (NumPy, elementwise); the kernel adds
    its (weighted) sum once per dataset."""
    return -gammaln(np.asarray(y, dtype=float) + 1.0)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(log p(y | eta, eta2, phi) + log y!, d/d eta, d/d eta2)``; adds d/d phi to gaux[0]."""
    phi = aux[0]
    log_pi, log_1mpi, pi = log_pi_pair(eta2)
    mu = math.exp(eta)
    x = mu / phi
    l1px = math.log1p(x)
    if y == 0.0:
        lc = log_1mpi - phi * l1px
        lp = logaddexp(log_pi, lc)
        w = math.exp(lc - lp)
        u = math.exp(log_pi - lp)
        gaux[0] += w * nb_zero_dphi(x)
        return lp, -w * mu / (1.0 + x), (1.0 - pi) * u - pi * w
    lp = (
        log_1mpi
        + math.lgamma(y + phi)
        - math.lgamma(phi)
        - phi * l1px
        + y * (eta - math.log(phi) - l1px)
    )
    gaux[0] += digamma(y + phi) - digamma(phi) - l1px + (x - y / phi) / (1.0 + x)
    return lp, (y - mu) / (1.0 + x), -pi
