r"""Cumulative ordinal log-likelihood (logit and probit links) and its derivatives (numba).

For a category code :math:`y = j \in \{0, \dots, K-1\}` and ordered thresholds
:math:`c_1 < \dots < c_{K-1}` (``aux``, constrained values),

.. math::

    \log p(y = j \mid \eta) = \log\{F(b) - F(a)\}, \qquad
    a = c_j - \eta,\; b = c_{j+1} - \eta

(with :math:`c_0 = -\infty`, :math:`c_K = +\infty`; thresholds numbered from 1 here, so
``aux[j]`` is :math:`c_{j+1}`). Derivatives:
:math:`\partial_b = f(b)/D`, :math:`\partial_a = -f(a)/D`, :math:`D = F(b) - F(a)`,
:math:`\partial_\eta = -(\partial_a + \partial_b)`, and the threshold derivatives are added
into ``gaux`` (``gaux[j-1] += d/da``, ``gaux[j] += d/db``).

Logit, stable in both tails: :math:`F(b) - F(a) = (e^b - e^a)/\{(1+e^a)(1+e^b)\}`, so
:math:`\log D = b + \log(1 - e^{-(b-a)}) - \log(1+e^a) - \log(1+e^b)`,
:math:`\partial_b = 1 - F(b) + 1/(e^{b-a} - 1)` and :math:`\partial_a = -F(a) -
1/(e^{b-a} - 1)`.

Probit: both CDFs are taken in the tail where they are small (reflecting
:math:`F(b) - F(a) = F(-a) - F(-b)` when :math:`a > 0`), so that
:math:`\log D = \log F(b) + \log(1 - e^{\log F(a) - \log F(b)})` with
:func:`log_phi_cdf` (links_nb's, asymptotic beyond -30); when
:math:`a < 0 < b`, :math:`D = 1 - F(a) - F(-b)` with both terms below 1/2. The
derivatives are :math:`\exp\{\log\phi(\cdot) - \log D\}`.

The log density is complete (no parameter-free constant is left out).
"""

from __future__ import annotations

import math

import numba as nb

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG2 = math.log(2.0)
_SQRT2 = math.sqrt(2.0)


# log1pexp and log_phi_cdf repeat links_nb's (same formulas): links_nb dispatches to this
# module, so importing them from there would make an import circle.
@nb.njit(cache=True, error_model="numpy", nogil=True)
def log1pexp(x):
    """:math:`\\log(1 + e^x)` without overflow."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def log_phi_cdf(x):
    """``(log Phi(x), phi(x) / Phi(x))``, stable for x << 0 (as links_nb.log_phi_cdf:
    erfc while representable, Mills' ratio series A&S 26.2.12 beyond -30)."""
    if x > 0.0:
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


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _expit(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _log1mexp(d):
    """:math:`\\log(1 - e^{-d})` for d > 0 (Maechler 2012)."""
    if d < _LOG2:
        return math.log(-math.expm1(-d))
    return math.log1p(-math.exp(-d))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _logit_pair(a, b):
    """log(F(b) - F(a)), d/da, d/db for the logistic F, finite a < b."""
    d = b - a
    lp = b + _log1mexp(d) - log1pexp(a) - log1pexp(b)
    r = 1.0 / math.expm1(d)
    return lp, -_expit(a) - r, 1.0 - _expit(b) + r


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _probit_pair(a, b):
    """log(Phi(b) - Phi(a)), d/da, d/db for the standard normal, finite a < b."""
    if a > 0.0:  # both in the upper tail: Phi(-a) - Phi(-b)
        lhi, _ = log_phi_cdf(-a)
        llo, _ = log_phi_cdf(-b)
        lp = lhi + _log1mexp(lhi - llo)
    elif b <= 0.0:  # both in the lower tail
        lhi, _ = log_phi_cdf(b)
        llo, _ = log_phi_cdf(a)
        lp = lhi + _log1mexp(lhi - llo)
    else:  # a <= 0 < b: 1 - Phi(a) - Phi(-b), both terms at most 1/2
        lp = math.log1p(-(0.5 * math.erfc(-a / _SQRT2) + 0.5 * math.erfc(b / _SQRT2)))
    da = -math.exp(-0.5 * a * a - _HALF_LOG_2PI - lp)
    db = math.exp(-0.5 * b * b - _HALF_LOG_2PI - lp)
    return lp, da, db


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik_link(probit, y, eta, aux, gaux):
    """``(lp, d_eta)`` of code ``y`` given ``eta`` and thresholds ``aux``; adds d lp / d c
    into ``gaux``. ``probit``: False for the logit link."""
    K1 = aux.shape[0]
    j = int(y)
    if j <= 0:
        b = aux[0] - eta
        if probit:
            lp, db = log_phi_cdf(b)
        else:
            lp = -log1pexp(-b)
            db = _expit(-b)
        gaux[0] += db
        return lp, -db
    if j >= K1:
        a = aux[K1 - 1] - eta
        if probit:
            lp, m = log_phi_cdf(-a)
            da = -m
        else:
            lp = -log1pexp(a)
            da = -_expit(a)
        gaux[K1 - 1] += da
        return lp, -da
    a = aux[j - 1] - eta
    b = aux[j] - eta
    if probit:
        lp, da, db = _probit_pair(a, b)
    else:
        lp, da, db = _logit_pair(a, b)
    gaux[j - 1] += da
    gaux[j] += db
    return lp, -(da + db)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik_logit(y, n, eta, eta2, aux, gaux):
    """Cumulative logit: ``(lp, d_eta, d_eta2 = 0)``; threshold gradient added into ``gaux``."""
    lp, d = loglik_link(False, y, eta, aux, gaux)
    return lp, d, 0.0


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik_probit(y, n, eta, eta2, aux, gaux):
    """Cumulative probit: ``(lp, d_eta, d_eta2 = 0)``; threshold gradient added into ``gaux``."""
    lp, d = loglik_link(True, y, eta, aux, gaux)
    return lp, d, 0.0


#: The contract's name: the logit link (code 18); probit (code 19) is :func:`loglik_probit`.
loglik = loglik_logit
