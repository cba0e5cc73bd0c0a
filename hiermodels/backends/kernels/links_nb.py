r"""Pointwise log-likelihoods of the kernel families, with their derivatives (numba).

``family`` codes: 0 gaussian (identity), 1 bernoulli (logit), 2 binomial (logit),
3 poisson (log), 4 negative binomial NB2 (log), 5 bernoulli (probit), 6 binomial (probit);
reserved for the families of their own modules ``family_<name>_nb.py``: 7 bernoulli
(cloglog), 8 binomial (cloglog), 9 student (identity), 10 gamma (log), 11 lognormal
(identity), 12 beta (logit), 13 beta_binomial (logit), 14 zero_inflated_poisson (log),
15 zero_inflated_negbinomial (log), 16 hurdle_poisson (log), 17 hurdle_negbinomial (log),
18 cumulative (logit), 19 cumulative (probit). The ``(name, link) -> code`` map is
``_FAMILY_CODE`` in :mod:`hiermodels.backends.kernels`.

The interface, one call per row:
``loglik_point(family, y, n, eta, eta2, aux, gaux) -> (lp, d_eta, d_eta2)``. ``aux`` holds
the *constrained* auxiliary values in the layout's order (``family.aux`` names, then any
ordered thresholds; length >= 1, zeros when none); the function **adds**
:math:`\partial\ell/\partial\,\mathrm{aux}_k` into ``gaux`` (same length). ``eta2`` is the
second linear predictor (zero-inflation / hurdle logit; 0.0 when the family has none) and
``d_eta2`` its derivative. Gaussian ``sigma`` and NB ``phi`` are ``aux[0]``. A family
module exposes ``loglik(y, n, eta, eta2, aux, gaux)`` with the same contract, giving the
complete log density unless it also exposes ``const(y, n)`` (NumPy, elementwise): the
parameter-free part that :func:`loglik_const` then sums once per dataset.

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

from hiermodels.backends.kernels import (
    family_beta_binomial_nb,
    family_beta_nb,
    family_cloglog_nb,
    family_cumulative_nb,
    family_gamma_nb,
    family_hurdle_negbinomial_nb,
    family_hurdle_poisson_nb,
    family_lognormal_nb,
    family_student_nb,
    family_zero_inflated_negbinomial_nb,
    family_zero_inflated_poisson_nb,
)
from hiermodels.backends.kernels.priors_nb import LOG_2PI, digamma
from hiermodels.backends.kernels.reduce_nb import gaussian_rows, logit_rows, poisson_rows

GAUSSIAN, BERNOULLI, BINOMIAL, POISSON, NEGBINOMIAL = 0, 1, 2, 3, 4
BERNOULLI_PROBIT, BINOMIAL_PROBIT = 5, 6
STUDENT = 9
BERNOULLI_CLOGLOG, BINOMIAL_CLOGLOG = 7, 8
GAMMA, LOGNORMAL, BETA, BETA_BINOMIAL = 10, 11, 12, 13
ZERO_INFLATED_POISSON = 14
ZERO_INFLATED_NEGBINOMIAL, HURDLE_POISSON, HURDLE_NEGBINOMIAL = 15, 16, 17
CUMULATIVE_LOGIT, CUMULATIVE_PROBIT = 18, 19
#: code -> module whose ``const(y, n)`` gives the parameter-free part per row
CONST_MODULES = {ZERO_INFLATED_POISSON: family_zero_inflated_poisson_nb}
CONST_MODULES[ZERO_INFLATED_NEGBINOMIAL] = family_zero_inflated_negbinomial_nb
CONST_MODULES[HURDLE_POISSON] = family_hurdle_poisson_nb
CONST_MODULES[HURDLE_NEGBINOMIAL] = family_hurdle_negbinomial_nb
CONST_MODULES[BINOMIAL_CLOGLOG] = family_cloglog_nb
CONST_MODULES[BETA_BINOMIAL] = family_beta_binomial_nb
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


def loglik_const(family, y, n, w=None) -> float:
    """The parameter-free part of sum_i w_i log p(y_i | ...) that :func:`loglik_point`
    omits (``w``: observation weights, default 1)."""
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    if family in (BINOMIAL, BINOMIAL_PROBIT):
        c = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
    elif family in (POISSON, NEGBINOMIAL):
        c = -gammaln(y + 1)
    elif family in CONST_MODULES:
        c = np.asarray(CONST_MODULES[family].const(y, n), dtype=float)
    else:
        return 0.0
    if w is None:
        return float(np.sum(c))  # sum(-x) == -sum(x) exactly: the pre-weights value
    return float(np.sum(np.asarray(w, dtype=float) * c))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik_point(family, y, n, eta, eta2, aux, gaux):
    """log p(y | eta, eta2, aux) less :func:`loglik_const`'s terms: ``(lp, d_eta, d_eta2)``;
    d lp / d aux_k (constrained aux) is added into ``gaux[k]``."""
    if family == GAUSSIAN:
        sigma = aux[0]
        r = y - eta
        s2 = sigma * sigma
        gaux[0] += -1.0 / sigma + r * r / (s2 * sigma)
        return -0.5 * LOG_2PI - math.log(sigma) - 0.5 * r * r / s2, r / s2, 0.0
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
    if family == NEGBINOMIAL:
        phi = aux[0]
        mu = math.exp(eta)
        lmp = math.log(mu + phi)
        lp = math.lgamma(y + phi) - math.lgamma(phi) + phi * (math.log(phi) - lmp) + y * (eta - lmp)
        d_eta = phi * (y - mu) / (mu + phi)
        gaux[0] += (
            digamma(y + phi) - digamma(phi) + math.log(phi) + 1.0 - lmp - (y + phi) / (mu + phi)
        )
        return lp, d_eta, 0.0
    # ---- families of their own modules (family_<name>_nb.py): one line each
    if family == STUDENT:
        return family_student_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == ZERO_INFLATED_POISSON:
        return family_zero_inflated_poisson_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == BERNOULLI_CLOGLOG or family == BINOMIAL_CLOGLOG:
        return family_cloglog_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == GAMMA:
        return family_gamma_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == LOGNORMAL:
        return family_lognormal_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == BETA:
        return family_beta_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == BETA_BINOMIAL:
        return family_beta_binomial_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == ZERO_INFLATED_NEGBINOMIAL:
        return family_zero_inflated_negbinomial_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == HURDLE_POISSON:
        return family_hurdle_poisson_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == HURDLE_NEGBINOMIAL:
        return family_hurdle_negbinomial_nb.loglik(y, n, eta, eta2, aux, gaux)
    if family == CUMULATIVE_LOGIT:
        return family_cumulative_nb.loglik_logit(y, n, eta, eta2, aux, gaux)
    if family == CUMULATIVE_PROBIT:
        return family_cumulative_nb.loglik_probit(y, n, eta, eta2, aux, gaux)
    return math.nan, 0.0, 0.0  # a code without a branch: the step is rejected


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik_rows(family, y, n, w, eta, eta2, aux, gaux, d, d2):
    r"""Every row at once: :math:`\sum_i w_i \ell_i` (less :func:`loglik_const`'s terms).

    Writes :math:`d_i = w_i\,\partial\ell_i/\partial\eta_i` into ``d`` and, when ``d2`` has
    length N (a family with a second predictor), :math:`w_i\,\partial\ell_i/\partial\eta_{2,i}`
    into ``d2``; adds :math:`\sum_i w_i\,\partial\ell_i/\partial\mathrm{aux}_k` into ``gaux``.
    The family is chosen once per call, not once per row: Gaussian, Poisson and the logit
    binomials run as tight loops with the same formulas as :func:`loglik_point`
    (:mod:`.reduce_nb`: vectorised sums, exponentials by :func:`~.fastexp_nb.vexp`, within
    2 ulp of ``math.exp``); the other families call :func:`loglik_point` row by row.
    """
    N = y.shape[0]
    lp = 0.0
    if family == GAUSSIAN:
        lp, g = gaussian_rows(y, w, eta, aux[0], d)
        gaux[0] += g
        return lp
    if family == POISSON:
        return poisson_rows(y, w, eta, d)
    if family == BERNOULLI or family == BINOMIAL:
        return logit_rows(y, n, w, eta, d, family == BERNOULLI)
    has2 = d2.shape[0] > 0
    gtmp = np.zeros(gaux.shape[0])
    for i in range(N):
        for k in range(gtmp.shape[0]):
            gtmp[k] = 0.0
        l1, e, e2 = loglik_point(family, y[i], n[i], eta[i], eta2[i] if has2 else 0.0, aux, gtmp)
        wi = w[i]
        lp += wi * l1
        for k in range(gtmp.shape[0]):
            gaux[k] += wi * gtmp[k]
        d[i] = wi * e
        if has2:
            d2[i] = wi * e2
    return lp
