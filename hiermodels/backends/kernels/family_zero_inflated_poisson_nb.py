r"""Zero-inflated Poisson log-likelihood (log link, logit zero-inflation), numba (code 14).

:math:`\lambda = e^\eta`, :math:`\pi = \mathrm{logit}^{-1}(\eta_2)`, no auxiliary value.
With :math:`\log\pi = -\log(1 + e^{-\eta_2})`, :math:`\log(1-\pi) = -\log(1 + e^{\eta_2})`:

* :math:`y = 0`: :math:`\ell = \log(\pi + (1-\pi)e^{-\lambda})` = logaddexp of
  :math:`a = \log\pi` and :math:`b = \log(1-\pi) - \lambda`; with :math:`w = e^{b - \ell}`
  (the Poisson share of the zero), :math:`\partial_\eta\ell = -\lambda w` and
  :math:`\partial_{\eta_2}\ell = (1-w)(1-\pi) - w\pi`;
* :math:`y > 0`: :math:`\ell = \log(1-\pi) + y\eta - \lambda - \log y!`,
  :math:`\partial_\eta\ell = y - \lambda`, :math:`\partial_{\eta_2}\ell = -\pi`.

:func:`loglik` omits :math:`-\log y!`; :func:`const` gives it per row (NumPy), and
:func:`~.links_nb.loglik_const` adds its (weighted) sum once per dataset.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy.special import gammaln


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _log1pexp(x):
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(lp, d_eta, d_eta2)`` less ``-log y!``; ``aux``/``gaux`` unused."""
    lam = math.exp(eta)
    log_pi = -_log1pexp(-eta2)
    log_1mpi = -_log1pexp(eta2)
    pi = math.exp(log_pi)
    if y > 0:
        return log_1mpi + y * eta - lam, y - lam, -pi
    a = log_pi
    b = log_1mpi - lam
    m = a if a > b else b
    lp = m + math.log(math.exp(a - m) + math.exp(b - m))
    w = math.exp(b - lp)
    return lp, -lam * w, (1.0 - w) * (1.0 - pi) - w * pi


def const(y, n):
    """The parameter-free part ``-log y!`` per row (NumPy, elementwise)."""
    return -gammaln(np.asarray(y, dtype=float) + 1.0)
