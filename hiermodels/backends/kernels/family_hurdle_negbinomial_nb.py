r"""Hurdle NB2 log-likelihood with derivatives (numba; family code 17).

:math:`\pi = \operatorname{logit}^{-1}(\eta_2) = P(y=0)`, :math:`\mu = e^\eta`,
:math:`x = \mu/\phi`, :math:`\log P_0 = a = -\phi\log(1+x)`:

.. math::

    \ell(0) = \log\pi, \qquad
    \ell(y > 0) = \log(1-\pi) + \log\mathrm{NB2}(y \mid \mu, \phi) - \log(1 - e^{a}).

With :math:`L = \log(1 - e^a)`: :math:`\partial_\eta L = \frac{\mu/(1+x)}{e^{-a} - 1}`,
:math:`\partial_\phi L = \frac{\log(1+x) - x/(1+x)}{e^{-a} - 1}`; for :math:`x < 10^{-10}`
their series :math:`1 - x(\phi+1)/2` and :math:`x/(2\phi)`, and :math:`L = \eta - x/2 -
\mu/2`, keep them finite when :math:`\mu` underflows. NB2 terms as in
:mod:`.family_zero_inflated_negbinomial_nb`; :math:`\partial_{\eta_2}\ell(0) = 1 - \pi`,
:math:`\partial_{\eta_2}\ell(y) = -\pi`.

``loglik`` leaves out :math:`-\log y!`; :func:`const` gives it per row.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy.special import gammaln

from hiermodels.backends.kernels.priors_nb import digamma
from hiermodels.backends.kernels.zero_part_nb import TINY, log1mexp, log_pi_pair, nb_zero_dphi


def const(y, n):
    """The parameter-free part ``-log y!`` per row (NumPy, elementwise); the kernel adds
    its (weighted) sum once per dataset."""
    return -gammaln(np.asarray(y, dtype=float) + 1.0)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(log p(y | eta, eta2, phi) + log y!, d/d eta, d/d eta2)``; adds d/d phi to gaux[0]."""
    log_pi, log_1mpi, pi = log_pi_pair(eta2)
    if y == 0.0:
        return log_pi, 0.0, 1.0 - pi
    phi = aux[0]
    mu = math.exp(eta)
    x = mu / phi
    l1px = math.log1p(x)
    if x < TINY:
        lpos = eta - 0.5 * x - 0.5 * mu
        dpos_eta = 1.0 - 0.5 * x * (phi + 1.0)
        dpos_phi = 0.5 * x / phi
    else:
        em1 = math.expm1(phi * l1px)
        lpos = log1mexp(-phi * l1px)
        dpos_eta = mu / (1.0 + x) / em1
        dpos_phi = -nb_zero_dphi(x) / em1
    lp = (
        log_1mpi
        + math.lgamma(y + phi)
        - math.lgamma(phi)
        - phi * l1px
        + y * (eta - math.log(phi) - l1px)
        - lpos
    )
    gaux[0] += digamma(y + phi) - digamma(phi) - l1px + (x - y / phi) / (1.0 + x) - dpos_phi
    return lp, (y - mu) / (1.0 + x) - dpos_eta, -pi
