r"""Sums over rows that LLVM vectorises: the joint kernel's reductions (numba).

A plain loop ``acc += a[i]`` is a chain of dependent floating-point additions: each waits
for the previous one (about 4 cycles), so a sum over 100,000 rows costs 0.13 ms however
wide the vector units are, and a GLMM gradient has several. These functions are compiled
with ``fastmath={"reassoc", "contract"}``: LLVM may reorder the additions (it keeps
several partial sums in vector registers) and fuse multiply-adds. Nothing else is
relaxed (no assumptions about NaN, infinities or signed zeros). The result is the same sum
rounded differently, within a few ulp of the left-to-right order, and the same on every
call on a given machine (the order is fixed at compile time).

The family loops of :func:`~.links_nb.loglik_rows` for Gaussian, Poisson and the logit
binomials live here too, for the same reason (their log-likelihood is a sum over rows).
"""

from __future__ import annotations

import math

import numba as nb

from hiermodels.backends.kernels.fastexp_nb import vexp_into
from hiermodels.backends.kernels.priors_nb import LOG_2PI

_FAST = {"reassoc", "contract"}


@nb.njit(cache=True, error_model="numpy", nogil=True, fastmath=_FAST)
def vsum(a, j0, j1):
    """:math:`\\sum_{i=j_0}^{j_1-1} a_i`."""
    acc = 0.0
    for i in range(j0, j1):
        acc += a[i]
    return acc


@nb.njit(cache=True, error_model="numpy", nogil=True, fastmath=_FAST)
def vdot(a, b, j0, j1):
    """:math:`\\sum_{i=j_0}^{j_1-1} a_i b_i`."""
    acc = 0.0
    for i in range(j0, j1):
        acc += a[i] * b[i]
    return acc


@nb.njit(cache=True, error_model="numpy", nogil=True, fastmath=_FAST)
def gaussian_rows(y, w, eta, sigma, d):
    r"""Gaussian rows: :math:`\sum_i w_i \log N(y_i \mid \eta_i, \sigma^2)`, ``d`` and the
    :math:`\sigma` derivative."""
    s2 = sigma * sigma
    ls = math.log(sigma)
    lp = 0.0
    g = 0.0
    for i in range(y.shape[0]):
        r = y[i] - eta[i]
        lp += w[i] * (-0.5 * LOG_2PI - ls - 0.5 * r * r / s2)
        d[i] = w[i] * r / s2
        g += w[i] * (-1.0 / sigma + r * r / (s2 * sigma))
    return lp, g


@nb.njit(cache=True, error_model="numpy", nogil=True, fastmath=_FAST)
def poisson_rows(y, w, eta, d):
    r"""Poisson rows (log link): :math:`\sum_i w_i (y_i\eta_i - e^{\eta_i})` and
    :math:`d_i = w_i (y_i - e^{\eta_i})`."""
    vexp_into(eta, d)  # d holds mu for a moment
    lp = 0.0
    for i in range(y.shape[0]):
        mu = d[i]
        lp += w[i] * (y[i] * eta[i] - mu)
        d[i] = w[i] * (y[i] - mu)
    return lp


@nb.njit(cache=True, error_model="numpy", nogil=True, fastmath=_FAST)
def logit_rows(y, trials, w, eta, d, bernoulli):
    r"""Binomial rows, logit link: :math:`\sum_i w_i (y_i\eta_i - n_i\log(1+e^{\eta_i}))` and
    :math:`d_i = w_i (y_i - n_i p_i)`, through :math:`e^{-|\eta|}` (no overflow)."""
    n = y.shape[0]
    for i in range(n):
        d[i] = -abs(eta[i])
    vexp_into(d, d)  # exp(-|eta|), in place
    lp = 0.0
    for i in range(n):
        e = eta[i]
        t = d[i]
        sp = max(e, 0.0) + math.log1p(t)
        p = 1.0 / (1.0 + t) if e >= 0 else t / (1.0 + t)
        ni = 1.0 if bernoulli else trials[i]
        lp += w[i] * (y[i] * e - ni * sp)
        d[i] = w[i] * (y[i] - ni * p)
    return lp
