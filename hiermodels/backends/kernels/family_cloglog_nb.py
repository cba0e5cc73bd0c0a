r"""Bernoulli / binomial log-likelihood with the complementary log-log link (codes 7, 8).

:math:`p = 1 - \exp(-e^{\eta})`, ``y`` successes of ``n`` trials (``n = 1`` for the
Bernoulli). With :math:`x = e^{\eta}`: :math:`\log(1-p) = -x` exactly and
:math:`\log p = \log(-\mathrm{expm1}(-x))`, so

.. math::

    \ell = y\log p - (n-y)\,x + \log\binom{n}{y},\qquad
    \partial_\eta\ell = y\,\frac{x}{\mathrm{expm1}(x)} - (n-y)\,x .

Stable for large :math:`|\eta|`: for :math:`\eta < -30`, where :math:`x < 10^{-13}`,
:math:`\log p = \eta + \log(1 - x/2 + x^2/6 - \dots) = \eta - x/2 + O(x^2)` and
:math:`x/\mathrm{expm1}(x) = 1 - x/2 + O(x^2)` to double precision without under/overflow;
:math:`\log p = \log(1 - e^{-x})` is ``log(-expm1(-x))`` below :math:`x = \log 2` and
``log1p(-exp(-x))`` above (Maechler 2012, "Accurately computing log(1 - exp(-|a|))"); for
:math:`x > 745`, where :math:`e^{-x}` underflows, both it and the derivative
:math:`x e^{-x}/p` are returned as 0 (no ``inf / inf``), while the failure term
:math:`-(n-y)e^{\eta}` is the true, steep log-probability. A term whose count is zero is
skipped, so :math:`0\cdot\infty` never occurs.

:func:`loglik` leaves out :math:`\log\binom{n}{y}`; :func:`const` gives it per row and
``links_nb.loglik_const`` sums it once per dataset (times any observation weights).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy.special import gammaln

_LOG2 = math.log(2.0)


def const(y, n) -> np.ndarray:
    """log C(n_i, y_i) per row (elementwise; 0 for Bernoulli rows)."""
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    return gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def log_p(eta):
    """``(log p, d log p / d eta)`` for p = 1 - exp(-exp(eta))."""
    x = math.exp(eta)
    if eta < -30.0:
        return eta - 0.5 * x, 1.0 - 0.5 * x
    if x < _LOG2:
        return math.log(-math.expm1(-x)), x / math.expm1(x)
    if x > 745.0:  # e^{-x} underflows: log p and x e^{-x} / p below 1e-320
        return 0.0, 0.0
    q = math.exp(-x)
    return math.log1p(-q), x * q / (1.0 - q)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik(y, n, eta, eta2, aux, gaux):
    """``(log p(y | n, eta) - log C(n, y), d/d eta, 0.0)``; no auxiliary parameter."""
    lp = 0.0
    d = 0.0
    if y > 0.0:
        lpp, dpp = log_p(eta)
        lp += y * lpp
        d += y * dpp
    if n - y > 0.0:
        x = math.exp(eta)
        lp -= (n - y) * x
        d -= (n - y) * x
    return lp, d, 0.0
