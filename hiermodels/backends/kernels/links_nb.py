r"""Pointwise log-likelihoods of the kernel families, with their derivatives (numba).

``family`` codes: 0 gaussian (identity), 1 bernoulli (logit), 2 binomial (logit),
3 poisson (log), 4 negative binomial NB2 (log), 5 bernoulli (probit), 6 binomial (probit).

:func:`loglik_point` leaves out the terms free of parameters (:math:`-\log y!`, the
binomial coefficient): one ``lgamma`` per row per gradient would cost as much as the rest
of the likelihood. :func:`loglik_const` sums them once per dataset, and the kernel adds
that sum, so the log density is still the complete one.

Probit: :math:`p = \Phi(\eta)`, so :math:`\log p(y \mid \eta) = y\log\Phi(\eta) +
(n - y)\log\Phi(-\eta) + \log\binom{n}{y}` and :math:`\partial_\eta = y\,m(\eta) -
(n - y)\,m(-\eta)` with the inverse Mills ratio :math:`m(x) = \phi(x)/\Phi(x)`.
:math:`\Phi(x) = \tfrac12\operatorname{erfc}(-x/\sqrt2)` is evaluated directly while it is
representable (:math:`x > -30`); further out the asymptotic series of Mills' ratio
(Abramowitz & Stegun 26.2.12), :math:`\Phi(x)/\phi(x) = t^{-1}(1 - t^{-2} + 3t^{-4} -
15t^{-6} + 105t^{-8} - 945t^{-10})`, :math:`t = -x`, whose relative truncation error
(< 10395 t^{-12}, 1.4e-14 at t = 30) is at double precision there, gives both :math:`\log\Phi` and :math:`m` without underflow.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy.special import gammaln

from hiermodels.backends.kernels.priors_nb import LOG_2PI, digamma

GAUSSIAN, BERNOULLI, BINOMIAL, POISSON, NEGBINOMIAL = 0, 1, 2, 3, 4
BERNOULLI_PROBIT, BINOMIAL_PROBIT = 5, 6
_SQRT2 = math.sqrt(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def log1pexp(x):
    """:math:`\\log(1 + e^x)` without overflow."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def log_phi_cdf(x):
    """``(log Phi(x), phi(x) / Phi(x))`` for the standard normal, stable for x << 0."""
    if x > 0.0:  # Phi = 1 - Q with Q = Phi(-x) small: log1p keeps log Phi exact
        q = 0.5 * math.erfc(x / _SQRT2)
        pdf = math.exp(-0.5 * x * x - _HALF_LOG_2PI)
        return math.log1p(-q), pdf / (1.0 - q)
    if x > -30.0:
        cdf = 0.5 * math.erfc(-x / _SQRT2)
        pdf = math.exp(-0.5 * x * x - _HALF_LOG_2PI)
        return math.log(cdf), pdf / cdf
    t = -x
    t2 = 1.0 / (t * t)
    ratio = (1.0 - t2 * (1.0 - t2 * (3.0 - t2 * (15.0 - t2 * (105.0 - 945.0 * t2))))) / t
    return -0.5 * x * x - _HALF_LOG_2PI + math.log(ratio), 1.0 / ratio


def loglik_const(family, y, n) -> float:
    """The parameter-free part of sum_i log p(y_i | ...) that :func:`loglik_point` omits."""
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    if family in (BINOMIAL, BINOMIAL_PROBIT):
        return float(np.sum(gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)))
    if family in (POISSON, NEGBINOMIAL):
        return float(-np.sum(gammaln(y + 1)))
    return 0.0


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik_point(family, y, n, eta, aux):
    """log p(y | eta, aux) less :func:`loglik_const`'s terms, and its derivatives w.r.t.
    eta and aux (the natural aux)."""
    if family == GAUSSIAN:
        r = y - eta
        s2 = aux * aux
        return (
            -0.5 * LOG_2PI - math.log(aux) - 0.5 * r * r / s2,
            r / s2,
            -1.0 / aux + r * r / (s2 * aux),
        )
    if family == BERNOULLI:
        p = 1.0 / (1.0 + math.exp(-eta))
        return y * eta - log1pexp(eta), y - p, 0.0
    if family == BINOMIAL:
        p = 1.0 / (1.0 + math.exp(-eta))
        return y * eta - n * log1pexp(eta), y - n * p, 0.0
    if family == BERNOULLI_PROBIT or family == BINOMIAL_PROBIT:
        lp_hi, m_hi = log_phi_cdf(eta)
        lp_lo, m_lo = log_phi_cdf(-eta)
        lp = 0.0
        d = 0.0
        if y > 0:
            lp += y * lp_hi
            d += y * m_hi
        if n - y > 0:
            lp += (n - y) * lp_lo
            d -= (n - y) * m_lo
        return lp, d, 0.0
    if family == POISSON:
        mu = math.exp(eta)
        return y * eta - mu, y - mu, 0.0
    phi = aux
    mu = math.exp(eta)
    lmp = math.log(mu + phi)
    lp = math.lgamma(y + phi) - math.lgamma(phi) + phi * (math.log(phi) - lmp) + y * (eta - lmp)
    d_eta = phi * (y - mu) / (mu + phi)
    d_phi = digamma(y + phi) - digamma(phi) + math.log(phi) + 1.0 - lmp - (y + phi) / (mu + phi)
    return lp, d_eta, d_phi
