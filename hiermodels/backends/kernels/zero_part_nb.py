r"""Scalar helpers of the zero-inflated and hurdle kernel log-likelihoods (numba).

The zero part is :math:`\pi = \operatorname{logit}^{-1}(\eta_2)`; :func:`log_pi_pair`
returns :math:`(\log\pi, \log(1-\pi), \pi)` exactly for any :math:`|\eta_2|`. The truncated
count needs :math:`\log(1 - P_0)` with :math:`P_0 = e^{a}`, :math:`a \le 0`
(:func:`log1mexp`, Maechler 2012), and the NB2 precision gradient needs
:math:`g(x) = -\log(1 + x) + x/(1 + x)` at :math:`x = \mu/\phi`, which cancels for small
:math:`x` (:func:`nb_zero_dphi`: series :math:`-x^2/2 + 2x^3/3 - 3x^4/4 + 4x^5/5` below
:math:`10^{-3}`, relative error < 2e-12).
"""

from __future__ import annotations

import math

import numba as nb

#: Below this count mean (relative to phi for NB2), log(1 - P0) and its derivatives use
#: their first-order series in eta (the exact forms divide 0 by 0 once mu underflows).
TINY = 1e-10
_LOG2 = math.log(2.0)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def softplus(x):
    """:math:`\\log(1 + e^x)` without overflow."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def log_pi_pair(eta2):
    """``(log pi, log(1 - pi), pi)`` for pi = logistic(eta2)."""
    log_pi = -softplus(-eta2)
    return log_pi, -softplus(eta2), math.exp(log_pi)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def logaddexp(a, b):
    """:math:`\\log(e^a + e^b)`."""
    m = a if a > b else b
    return m + math.log1p(math.exp(-abs(a - b)))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def log1mexp(a):
    """:math:`\\log(1 - e^a)` for :math:`a < 0`."""
    if a > -_LOG2:
        return math.log(-math.expm1(a))
    return math.log1p(-math.exp(a))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def nb_zero_dphi(x):
    r""":math:`\partial_\phi \log P_0 = -\log(1+x) + x/(1+x)`, :math:`x = \mu/\phi`."""
    if x < 1e-3:
        return x * x * (-0.5 + x * (2.0 / 3.0 - x * (0.75 - 0.8 * x)))
    return -math.log1p(x) + x / (1.0 + x)
