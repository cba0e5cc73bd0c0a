r"""Prior log densities and the LKJ Cholesky transform, with gradients, in numba.

Scalar priors are encoded as ``(kind, p0, p1, p2)`` rows. Positive parameters are
sampled on the log scale: for :math:`v = e^u` the density of :math:`u` is
:math:`p(v)\,v`, whose log-gradient is :math:`v\,\partial_v \log p(v) + 1`.

Bounded parameters (a ``Uniform(lower, upper)`` prior on an SD, sigma or phi) are sampled on
the logit-interval scale, as PyMC's ``Interval`` transform does: :math:`v = l + (h - l)\,s`,
:math:`s = 1/(1 + e^{-u})`, so :math:`dv/du = (h - l)s(1 - s)` and the density of :math:`u` is
:math:`\frac{1}{h - l}\cdot(h - l)s(1-s) = s(1 - s)`, with log-gradient :math:`1 - 2s`
(:func:`positive_transform`). ``Uniform`` is in :data:`BOUNDED`, not in :data:`KIND`: kernels
that map every positive parameter through ``exp`` (collapsed, marginal) do not take it.

Correlation matrices use Stan's canonical-partial-correlation (CPC) transform
(Stan Reference Manual, "Cholesky factors of correlation matrices"; Lewandowski,
Kurowicka & Joe 2009): unconstrained :math:`y_k`, CPCs :math:`z_k = \tanh y_k`, and row
:math:`i` of the Cholesky factor :math:`L` is :math:`L_{i0} = z_{i0}`,
:math:`L_{ij} = z_{ij}\sqrt{1 - \sum_{k<j} L_{ik}^2}`, :math:`L_{ii} = \sqrt{1 -
\sum_{k<i} L_{ik}^2}`. The LKJ(:math:`\eta`) density of :math:`L` is
:math:`\prod_{i\ge1} L_{ii}^{m - i + 2\eta - 3}` (0-based :math:`i`), and the log-Jacobian
is :math:`\sum_k \log(1-z_k^2) + \tfrac12\sum_{i}\sum_{1\le j<i}\log(1-\sum_{k<j}L_{ik}^2)`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

NORMAL, STUDENT_T, CAUCHY = 0, 1, 2
HALF_NORMAL, HALF_STUDENT_T, HALF_CAUCHY, EXPONENTIAL, GAMMA, LOG_NORMAL = 10, 11, 12, 13, 14, 15
UNIFORM = 16

KIND = {
    "Normal": NORMAL,
    "StudentT": STUDENT_T,
    "Cauchy": CAUCHY,
    "HalfNormal": HALF_NORMAL,
    "HalfStudentT": HALF_STUDENT_T,
    "HalfCauchy": HALF_CAUCHY,
    "Exponential": EXPONENTIAL,
    "Gamma": GAMMA,
    "LogNormal": LOG_NORMAL,
}
#: Priors with a bounded support, sampled through the logit-interval transform (only by
#: kernels whose positive parameters go through :func:`positive_transform`).
BOUNDED = {"Uniform": UNIFORM}
LOG_2PI = math.log(2.0 * math.pi)


def encode(prior) -> np.ndarray:
    """``(kind, p0, p1, p2)`` for a :class:`hiermodels.Prior` (raises KeyError if unsupported)."""
    vals = list(prior.params.values())
    kind = KIND[prior.dist] if prior.dist in KIND else BOUNDED[prior.dist]
    return np.array([kind, *vals, *[0.0] * (3 - len(vals))], dtype=np.float64)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _t_logpdf(x, nu, mu, s):
    z = (x - mu) / s
    c = (
        math.lgamma(0.5 * (nu + 1))
        - math.lgamma(0.5 * nu)
        - 0.5 * math.log(nu * math.pi)
        - math.log(s)
    )
    return c - 0.5 * (nu + 1) * math.log1p(z * z / nu), -(nu + 1) * z / (s * (nu + z * z))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def real_prior(row, x):
    """Log density and derivative of a prior on the real line."""
    k = int(row[0])
    if k == NORMAL:
        z = (x - row[1]) / row[2]
        return -0.5 * z * z - math.log(row[2]) - 0.5 * LOG_2PI, -z / row[2]
    if k == STUDENT_T:
        return _t_logpdf(x, row[1], row[2], row[3])
    # Cauchy(alpha, beta)
    z = (x - row[1]) / row[2]
    return -math.log(math.pi * row[2] * (1 + z * z)), -2 * z / (row[2] * (1 + z * z))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def positive_prior(row, v):
    """Log density and derivative (w.r.t. v) of a prior on v > 0."""
    k = int(row[0])
    if k == HALF_NORMAL:
        z = v / row[1]
        return -0.5 * z * z - math.log(row[1]) + 0.5 * math.log(2 / math.pi), -z / row[1]
    if k == HALF_STUDENT_T:
        lp, g = _t_logpdf(v, row[1], 0.0, row[2])
        return lp + math.log(2.0), g
    if k == HALF_CAUCHY:
        z = v / row[1]
        return math.log(2 / (math.pi * row[1] * (1 + z * z))), -2 * z / (row[1] * (1 + z * z))
    if k == EXPONENTIAL:
        return math.log(row[1]) - row[1] * v, -row[1]
    if k == GAMMA:
        a, b = row[1], row[2]
        return a * math.log(b) - math.lgamma(a) + (a - 1) * math.log(v) - b * v, (a - 1) / v - b
    # LogNormal(mu, sigma)
    lv = math.log(v)
    z = (lv - row[1]) / row[2]
    return -lv - math.log(row[2]) - 0.5 * LOG_2PI - 0.5 * z * z, (-1 - z / row[2]) / v


@nb.njit(cache=True, error_model="numpy", nogil=True)
def log_positive(row, u):
    """Prior of v = exp(u) on the u scale (Jacobian included): value, d/du, and v."""
    v = math.exp(u)
    lp, g = positive_prior(row, v)
    return lp + u, g * v + 1.0, v


@nb.njit(cache=True, error_model="numpy", nogil=True)
def positive_transform(row, u):
    """A positive (or bounded) parameter from its unconstrained value ``u``.

    Returns ``(lp, dlp, v, dv)``: the prior's log density on the ``u`` scale (Jacobian
    included), its derivative w.r.t. ``u``, the value ``v`` and ``dv/du``. ``exp`` for every
    prior in :data:`KIND`; the logit-interval map for ``Uniform(lower, upper)``.
    """
    if int(row[0]) == UNIFORM:
        lo, hi = row[1], row[2]
        if u >= 0:  # s and 1 - s each without cancellation
            e = math.exp(-u)
            s, t = 1.0 / (1.0 + e), e / (1.0 + e)
            log_s, log_t = -math.log1p(e), -u - math.log1p(e)
        else:
            e = math.exp(u)
            s, t = e / (1.0 + e), 1.0 / (1.0 + e)
            log_s, log_t = u - math.log1p(e), -math.log1p(e)
        return log_s + log_t, t - s, lo + (hi - lo) * s, (hi - lo) * s * t
    v = math.exp(u)
    lp, g = positive_prior(row, v)
    return lp + u, g * v + 1.0, v, v


@nb.njit(cache=True, error_model="numpy", nogil=True)
def cpc_cholesky(y, m):
    """Correlation Cholesky factor (m x m) from m(m-1)/2 unconstrained values."""
    L = np.zeros((m, m))
    L[0, 0] = 1.0
    k = 0
    for i in range(1, m):
        s = 0.0
        for j in range(i):
            z = math.tanh(y[k])
            k += 1
            L[i, j] = z * math.sqrt(1.0 - s)
            s += L[i, j] * L[i, j]
        L[i, i] = math.sqrt(1.0 - s)
    return L


@nb.njit(cache=True, error_model="numpy", nogil=True)
def lkj_cpc(y, m, eta, gL, gy):
    """log LKJ(eta) density of the Cholesky factor + log-Jacobian of the CPC map.

    ``gL`` (m x m) holds d(objective)/dL from the rest of the model; the gradient of
    the whole objective with respect to ``y`` is written into ``gy``. Returns the log
    density + Jacobian term.
    """
    lp = 0.0
    k0 = 0
    for i in range(1, m):
        n = i  # CPCs in this row
        z = np.empty(n)
        w = np.empty(n)
        s = np.empty(n + 1)
        s[0] = 0.0
        for j in range(n):
            z[j] = math.tanh(y[k0 + j])
            w[j] = math.sqrt(1.0 - s[j])
            lij = z[j] * w[j]
            s[j + 1] = s[j] + lij * lij
            lp += math.log1p(-z[j] * z[j])
            if j >= 1:
                lp += 0.5 * math.log1p(-s[j])
        c = m - i + 2.0 * eta - 3.0
        lp += 0.5 * c * math.log1p(-s[n])
        # reverse pass
        lii = math.sqrt(1.0 - s[n])
        a_s = -0.5 * c / (1.0 - s[n]) - 0.5 * gL[i, i] / lii
        for j in range(n - 1, -1, -1):
            lij = z[j] * w[j]
            a_l = gL[i, j] + 2.0 * lij * a_s
            a_z = a_l * w[j]
            a_w = a_l * z[j]
            a_s_prev = a_s
            if w[j] > 0:
                a_s_prev += -0.5 * a_w / w[j]
            if j >= 1:
                a_s_prev += -0.5 / (1.0 - s[j])
            gy[k0 + j] += a_z * (1.0 - z[j] * z[j]) - 2.0 * z[j]
            a_s = a_s_prev
        k0 += n
    return lp


@nb.njit(cache=True, error_model="numpy", nogil=True)
def digamma(x):
    """Digamma function for x > 0 (recurrence + asymptotic series)."""
    r = 0.0
    while x < 6.0:
        r -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    return (
        r
        + math.log(x)
        - 0.5 / x
        - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))))
    )
