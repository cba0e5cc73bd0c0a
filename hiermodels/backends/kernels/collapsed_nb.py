r"""Collapsed Gaussian LMM with one grouping factor (MATH.md section 1), in numba.

With :math:`s = \sigma^{-2}`, :math:`S_j = Z_j'Z_j`, :math:`r_j = y_j - X_j\beta`,
:math:`A_j = I + s L'S_jL`, :math:`u_j = L'Z_j'r_j`, :math:`w_j = A_j^{-1}u_j`:

.. math::

    \ell = -\tfrac12\Big[N\log 2\pi - N\log s + \sum_j \log|A_j| + s\,r'r
           - s^2 \sum_j u_j'w_j\Big]

from the sufficient statistics :math:`X'X, X'y, y'y` and per group :math:`Z_j'Z_j,
Z_j'X_j, Z_j'y_j`, so one evaluation costs :math:`O(J q^3 + J q p)` whatever N is.
Gradients (derived by matrix calculus, checked by finite differences in the tests):

.. math::

    \partial_\beta\ell = s(X'y - X'X\beta) - s^2\sum_j (Z_j'X_j)' L w_j,\qquad
    \partial_L\ell = \sum_j\big[-s S_jLA_j^{-1} + s^2 Z_j'r_j w_j' - s^3 S_jLw_jw_j'\big],

    \partial_s\ell = \tfrac12\Big[N/s - \sum_j\mathrm{tr}(A_j^{-1}M_j) - r'r
        + 2s\sum_j u_j'w_j - s^2\sum_j w_j'M_jw_j\Big],\quad M_j = L'S_jL.

After sampling, :math:`a_j \sim N(sA_j^{-1}u_j, A_j^{-1})` and :math:`b_j = L a_j` are
drawn exactly for every posterior draw (:func:`draw_group_effects`).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hiermodels.backends.kernels.glmm_nb import factor_cholesky, fixed_priors, scale_priors
from hiermodels.backends.kernels.priors_nb import LOG_2PI, log_positive


@nb.njit(cache=True, error_model="numpy", nogil=True)
def collapsed_logp(
    theta,
    XtX,
    Xty,
    yty,
    ZtZ,
    ZtX,
    Zty,
    N,
    fq,
    flogsd,
    bfac,
    bstart,
    bsize,
    bcorr,
    bcpc,
    beta_eta,
    pri_int,
    pri_b,
    pri_sd,
    pri_aux,
    has_int,
    aux_pos,
):
    """Log posterior (unconstrained: beta, log sd, CPCs, log sigma) and gradient."""
    P1 = XtX.shape[0]
    J, q = ZtZ.shape[0], ZtZ.shape[1]
    grad = np.zeros(theta.shape[0])
    lp = fixed_priors(theta, grad, has_int, P1 - has_int, pri_int, pri_b)
    beta = theta[:P1].copy()
    l_aux, d_aux, sigma = log_positive(pri_aux, theta[aux_pos])
    lp += l_aux
    grad[aux_pos] += d_aux
    s = 1.0 / (sigma * sigma)
    L, Lc, sd = factor_cholesky(theta, 0, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc)
    XtXb = XtX @ beta
    rr = yty - 2.0 * (beta @ Xty) + beta @ XtXb
    g_beta = s * (Xty - XtXb)
    gL = np.zeros((q, q))
    logdet, quad, tr_am, wmw = 0.0, 0.0, 0.0, 0.0
    # work buffers, allocated once (the loop below must not allocate: it runs J times)
    SL = np.empty((q, q))
    M = np.empty((q, q))
    C = np.empty((q, q))
    Ainv = np.empty((q, q))
    Ci = np.empty((q, q))
    Zr = np.empty(q)
    u = np.empty(q)
    w = np.empty(q)
    Lw = np.empty(q)
    SLw = np.empty(q)
    for j in range(J):
        S = ZtZ[j]
        for a in range(q):
            Zr[a] = Zty[j, a]
            for p in range(P1):
                Zr[a] -= ZtX[j, a, p] * beta[p]
            for b in range(q):
                acc = 0.0
                for k in range(b, q):  # L lower-triangular: L[k, b] = 0 for k < b
                    acc += S[a, k] * L[k, b]
                SL[a, b] = acc
        for a in range(q):
            for b in range(a + 1):
                acc = 0.0
                for k in range(a, q):
                    acc += L[k, a] * SL[k, b]
                M[a, b] = acc
                M[b, a] = acc
        # Cholesky of A = I + s M, inverse from it
        for a in range(q):
            for b in range(a + 1):
                acc = s * M[a, b] + (1.0 if a == b else 0.0)
                for k in range(b):
                    acc -= C[a, k] * C[b, k]
                if a == b:
                    if acc <= 0.0:
                        return -np.inf, grad
                    C[a, a] = math.sqrt(acc)
                else:
                    C[a, b] = acc / C[b, b]
            for b in range(a + 1, q):
                C[a, b] = 0.0
        for a in range(q):
            Ci[a, a] = 1.0 / C[a, a]
            for b in range(a):
                acc = 0.0
                for k in range(b, a):
                    acc -= C[a, k] * Ci[k, b]
                Ci[a, b] = acc / C[a, a]
            for b in range(a + 1, q):
                Ci[a, b] = 0.0
        for a in range(q):
            for b in range(a + 1):
                acc = 0.0
                for k in range(a, q):
                    acc += Ci[k, a] * Ci[k, b]
                Ainv[a, b] = acc
                Ainv[b, a] = acc
            logdet += 2.0 * math.log(C[a, a])
        for a in range(q):
            acc = 0.0
            for k in range(a, q):
                acc += L[k, a] * Zr[k]
            u[a] = acc
        for a in range(q):
            acc = 0.0
            for b in range(q):
                acc += Ainv[a, b] * u[b]
                tr_am += Ainv[a, b] * M[a, b]
            w[a] = acc
            quad += u[a] * acc
        for a in range(q):
            acc_m = 0.0
            acc_l = 0.0
            acc_s = 0.0
            for b in range(q):
                acc_m += M[a, b] * w[b]
                acc_s += SL[a, b] * w[b]
                if b <= a:
                    acc_l += L[a, b] * w[b]
            wmw += w[a] * acc_m
            Lw[a] = acc_l
            SLw[a] = acc_s
        for p in range(P1):
            acc = 0.0
            for a in range(q):
                acc += ZtX[j, a, p] * Lw[a]
            g_beta[p] -= s * s * acc
        for a in range(q):
            for b in range(a + 1):
                acc = 0.0
                for k in range(q):
                    acc += SL[a, k] * Ainv[k, b]
                gL[a, b] += -s * acc + s * s * Zr[a] * w[b] - s * s * s * SLw[a] * w[b]
    lp += -0.5 * (N * LOG_2PI - N * math.log(s) + logdet + s * rr - s * s * quad)
    g_s = 0.5 * (N / s - tr_am - rr + 2.0 * s * quad - s * s * wmw)
    grad[aux_pos] += g_s * (-2.0 * s)
    for p in range(P1):
        grad[p] += g_beta[p]
    lp += scale_priors(
        theta,
        grad,
        fq,
        flogsd,
        bfac,
        bstart,
        bsize,
        bcorr,
        bcpc,
        beta_eta,
        pri_sd,
        gL.reshape((1, q, q)),
        Lc.reshape((1, q, q)),
        sd.reshape((1, q)),
    )
    return lp, grad


@nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def draw_group_effects(beta, sigma, L, ZtZ, ZtX, Zty, seeds):
    """Exact draws b_j = L a_j, a_j ~ N(s A_j^{-1} u_j, A_j^{-1}), for each posterior draw.

    Parameters: ``beta`` (D, P1), ``sigma`` (D,), ``L`` (D, q, q), statistics as in
    :func:`collapsed_logp`, ``seeds`` (D,) one RNG seed per draw (so the result does not
    depend on how draws are split across threads). Returns the draws (D, J, q) and the
    conditional means (D, J, q) (Rao-Blackwellised estimates).
    """
    D = beta.shape[0]
    J, q = ZtZ.shape[0], ZtZ.shape[1]
    P1 = beta.shape[1]
    out = np.empty((D, J, q))
    cmean = np.empty((D, J, q))
    for d in nb.prange(D):
        np.random.seed(seeds[d])  # noqa: NPY002 - numba per-thread RNG, seeded per draw
        SL = np.empty((q, q))
        C = np.empty((q, q))
        u = np.empty(q)
        v = np.empty(q)
        m = np.empty(q)
        x = np.empty(q)
        e = np.empty(q)
        s = 1.0 / (sigma[d] * sigma[d])
        Ld = L[d]
        for j in range(J):
            S = ZtZ[j]
            for a in range(q):
                for b in range(q):
                    acc = 0.0
                    for k in range(b, q):
                        acc += S[a, k] * Ld[k, b]
                    SL[a, b] = acc
            # Cholesky of A = I + s L'SL
            for a in range(q):
                for b in range(a + 1):
                    acc = 0.0
                    for k in range(a, q):
                        acc += Ld[k, a] * SL[k, b]
                    acc = s * acc + (1.0 if a == b else 0.0)
                    for k in range(b):
                        acc -= C[a, k] * C[b, k]
                    C[a, b] = math.sqrt(acc) if a == b else acc / C[b, b]
            # u = L'(Z'y - Z'X beta)
            for a in range(q):
                acc = Zty[j, a]
                for p in range(P1):
                    acc -= ZtX[j, a, p] * beta[d, p]
                v[a] = acc
            for a in range(q):
                acc = 0.0
                for k in range(a, q):
                    acc += Ld[k, a] * v[k]
                u[a] = acc
            for a in range(q):
                e[a] = np.random.standard_normal()  # noqa: NPY002
            # m = s A^{-1} u by two triangular solves; x = C^{-T} e
            for a in range(q):
                acc = u[a]
                for k in range(a):
                    acc -= C[a, k] * v[k]
                v[a] = acc / C[a, a]
            for a in range(q - 1, -1, -1):
                acc = v[a]
                acc2 = e[a]
                for k in range(a + 1, q):
                    acc -= C[k, a] * m[k]
                    acc2 -= C[k, a] * x[k]
                m[a] = acc / C[a, a]
                x[a] = acc2 / C[a, a]
            for a in range(q):
                acc = 0.0
                acc_m = 0.0
                for b in range(a + 1):
                    acc += Ld[a, b] * (s * m[b] + x[b])
                    acc_m += Ld[a, b] * s * m[b]
                out[d, j, a] = acc
                cmean[d, j, a] = acc_m
    return out, cmean


@nb.njit(cache=True, error_model="numpy", nogil=True)
def sufficient_stats(X, y, codes, Z, J):
    """Per-group Z'Z (J,q,q), Z'X (J,q,P), Z'y (J,q) in one pass over the rows."""
    N, q = Z.shape
    P = X.shape[1]
    ZtZ = np.zeros((J, q, q))
    ZtX = np.zeros((J, q, P))
    Zty = np.zeros((J, q))
    for i in range(N):
        j = codes[i]
        for a in range(q):
            za = Z[i, a]
            Zty[j, a] += za * y[i]
            for b in range(q):
                ZtZ[j, a, b] += za * Z[i, b]
            for p in range(P):
                ZtX[j, a, p] += za * X[i, p]
    return ZtZ, ZtX, Zty
