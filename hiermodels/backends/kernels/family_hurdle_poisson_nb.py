r"""Hurdle Poisson log-likelihood with derivatives (numba; family code 16).

:math:`\pi = \operatorname{logit}^{-1}(\eta_2) = P(y=0)`, :math:`\mu = e^\eta`:

.. math::

    \ell(0) = \log\pi, \qquad
    \ell(y > 0) = \log(1-\pi) + y\eta - \mu - \log y! - \log(1 - e^{-\mu}).

Derivatives: :math:`\partial_{\eta_2}\ell(0) = 1 - \pi`, :math:`\partial_\eta\ell(0) = 0`;
:math:`\partial_{\eta_2}\ell(y) = -\pi`, :math:`\partial_\eta\ell(y) = y - \mu -
\mu/(e^\mu - 1)`. For :math:`\mu < 10^{-10}` (where :math:`\mu` may underflow)
:math:`\log(1-e^{-\mu}) = \eta - \mu/2 + O(\mu^2)` and :math:`\mu/(e^\mu - 1) = 1 - \mu/2
+ O(\mu^2)`.

``loglik`` leaves out :math:`-\log y!`; :func:`const` gives it per row.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy.special import gammaln

from hiermodels.backends.kernels.zero_part_nb import TINY, log1mexp, log_pi_pair


def const(y, n):
    """The parameter-free part ``-log y!`` per row (NumPy, elementwise); the kernel adds
    its (weighted) sum once per dataset."""
    return -gammaln(np.asarray(y, dtype=float) + 1.0)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(log p(y | eta, eta2) + log y!, d/d eta, d/d eta2)``; no auxiliary parameter."""
    log_pi, log_1mpi, pi = log_pi_pair(eta2)
    if y == 0.0:
        return log_pi, 0.0, 1.0 - pi
    mu = math.exp(eta)
    if mu < TINY:
        lpos = eta - 0.5 * mu
        r = 1.0 - 0.5 * mu
    else:
        lpos = log1mexp(-mu)
        r = mu / math.expm1(mu)
    return log_1mpi + y * eta - mu - lpos, y - mu - r, -pi
