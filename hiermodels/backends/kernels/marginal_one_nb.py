r"""The fully marginal Gaussian kernel for ONE grouping factor, its levels vectorised.

Same model, notation and formulas as :mod:`.marginal_nb` with a single factor (``F = 1``,
q effects per level, J levels, P fixed effects): the rest R of the block elimination is the
fixed effects only, and every level's pattern is all of them. Then every step is one small
loop nest over the block indices (a, b < q; t < P) with the levels innermost, on
level-last copies of the data (``zz[a, b, j]``, ``zx[a, t, j]``): contiguous loops of
length J that the compiler vectorises, instead of J passes through q x q loops whose
trip counts it cannot know (the general kernel's cost for one factor: ~11 µs per gradient
for sleepstudy, J = 18, q = 2).

With :math:`M_j = I + \rho L'Z_j'Z_jL = C_jC_j'`, :math:`e_j = Z_j'(y - Xm)`,
:math:`u_j = L'e_j`, :math:`g_j = C_j^{-1}u_j`,
:math:`\tilde F_j = C_j^{-1}\rho L'Z_j'XD` (q x P) and
:math:`S = I + \rho DX'XD - \sum_j \tilde F_j'\tilde F_j = U'U`:

.. math::

    \log|A| = \sum_j \log|M_j| + \log|S|,\quad
    w_R = S^{-1}\big(D(X'y - X'Xm) - \textstyle\sum_j \tilde F_j'g_j\big),\quad
    w_j = C_j^{-T}(g_j - \tilde F_j w_R),

and, with :math:`H_j = C_j^{-T}\tilde F_j` (q x P) and the selected blocks of
:math:`\Sigma = A^{-1}`, :math:`\Sigma_{jR} = -H_jS^{-1}` (q x P) and
:math:`\Sigma_{jj} = C_j^{-T}C_j^{-1} - H_j\Sigma_{jR}'`, the gradient of
:func:`.marginal_nb.marginal_loglik` becomes

.. math::

    \partial_L\ell = -\rho\sum_j\big(Z_j'Z_jL\Sigma_{jj} + Z_j'XD\,\Sigma_{jR}'\big)
        + \rho^2\sum_j t_jw_j',\qquad t_j = e_j - \rho\,(Z_j'Z_jLw_j + Z_j'XDw_R).

Tested against the general kernel and against finite differences
(``tests/test_marginal_one.py``).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hiermodels.backends.kernels.lapack_nb import potrf_upper, potri_full, solve_upper
from hiermodels.backends.kernels.marginal_schur_nb import loglik_value, residual_ss, rho_gradient

_JIT = dict(cache=True, error_model="numpy", nogil=True)


@nb.njit(**_JIT)
def one_factor_loglik(L, rho, mvec, svec, yty, N, zz, zx, e, CRR, cRy, lapack):
    """log N(y | Xm, XD^2X' + ZGZ' + I/rho) for one factor (G = LL'), and its gradient.

    Arguments as :func:`.marginal_nb.marginal_loglik` (``CRR = X'X``, ``cRy = X'y``),
    with the level-last statistics of :func:`.marginal_data.level_last`: ``zz[a, b, j]``
    :math:`= (Z_j'Z_j)_{ab}`, ``zx[a, t, j]`` :math:`= (Z_j'X)_{at}`, ``e[a, j]``
    :math:`= (Z_j'(y - Xm))_a`. Returns ``(ll, gL (q, q), g_rho)``; ``ll = -inf`` when a
    precision block is not PD.
    """
    q, P, J = zx.shape
    gL = np.zeros((q, q))
    if not (rho > 0.0 and np.isfinite(rho)):
        return -np.inf, gL, 0.0
    # M_j = I + rho L' zz_j L (lower triangle), through SL = zz L
    SL = np.zeros((q, q, J))
    for a in range(q):
        for b in range(q):
            for k in range(b, q):
                lkb = L[k, b]
                for j in range(J):
                    SL[a, b, j] += zz[a, k, j] * lkb
    C = np.zeros((q, q, J))  # M, then its lower Cholesky factor, in place
    for a in range(q):
        for b in range(a + 1):
            for k in range(a, q):
                lka = rho * L[k, a]
                for j in range(J):
                    C[a, b, j] += lka * SL[k, b, j]
        C[a, a, :] += 1.0
    logdet = 0.0
    for a in range(q):
        for b in range(a + 1):
            for k in range(b):
                for j in range(J):
                    C[a, b, j] -= C[a, k, j] * C[b, k, j]
            if a == b:
                for j in range(J):
                    if not C[a, a, j] > 0.0:
                        return -np.inf, gL, 0.0
                    C[a, a, j] = math.sqrt(C[a, a, j])
                    logdet += 2.0 * math.log(C[a, a, j])
            else:
                for j in range(J):
                    C[a, b, j] /= C[b, b, j]
    # u = L'e, g = C^-1 u; Ft[:, t] = C^-1 (rho s_t L' zx[:, t])
    u = np.zeros((q, J))
    for a in range(q):
        for k in range(a, q):
            lka = L[k, a]
            for j in range(J):
                u[a, j] += lka * e[k, j]
    g = u.copy()
    _forward(C, g.reshape((q, 1, J)))
    Ft = np.zeros((q, P, J))
    for a in range(q):
        for t in range(P):
            for k in range(a, q):
                c = rho * svec[t] * L[k, a]
                for j in range(J):
                    Ft[a, t, j] += c * zx[k, t, j]
    _forward(C, Ft)
    # S = I + rho D X'X D - sum_j Ft_j'Ft_j; uR = D(X'y - X'X m); uRs = uR - sum_j Ft_j'g_j
    S = np.empty((P, P))
    uR = np.empty(P)
    uRs = np.empty(P)
    rr = residual_ss(yty, mvec, CRR, cRy, 0)
    for t in range(P):
        acc = cRy[t]
        for t2 in range(P):
            acc -= CRR[t, t2] * mvec[t2]
        uR[t] = svec[t] * acc
        acc = uR[t]
        for a in range(q):
            for j in range(J):
                acc -= Ft[a, t, j] * g[a, j]
        uRs[t] = acc
        for t2 in range(t, P):
            acc = rho * svec[t] * svec[t2] * CRR[t, t2] + (1.0 if t == t2 else 0.0)
            for a in range(q):
                for j in range(J):
                    acc -= Ft[a, t, j] * Ft[a, t2, j]
            S[t, t2] = acc
            S[t2, t] = acc
    for t in range(P):
        for t2 in range(P):
            if not np.isfinite(S[t, t2]):
                return -np.inf, gL, 0.0
    if not potrf_upper(S, lapack):
        return -np.inf, gL, 0.0
    for t in range(P):
        logdet += 2.0 * math.log(S[t, t])
    wR = solve_upper(S, uRs)
    # w_j = C^-T (g_j - Ft_j wR)
    W = g.copy()
    for a in range(q):
        for t in range(P):
            for j in range(J):
                W[a, j] -= Ft[a, t, j] * wR[t]
    _backward(C, W.reshape((q, 1, J)))
    quad, ww = 0.0, 0.0
    for a in range(q):
        for j in range(J):
            quad += u[a, j] * W[a, j]
            ww += W[a, j] * W[a, j]
    for t in range(P):
        quad += uR[t] * wR[t]
        ww += wR[t] * wR[t]
    ll = loglik_value(N, rho, logdet, rr, quad)

    # ---- gradient
    potri_full(S, lapack)  # in place: S^-1
    trA = 0.0
    for t in range(P):
        trA += S[t, t]
    # H = C^-T Ft (per column t), SpT[b, t] = -(S^-1 H')[t, b]  (Sigma_{R, j}')
    H = Ft.copy()
    _backward(C, H)
    SpT = np.zeros((q, P, J))
    for b in range(q):
        for t in range(P):
            for t2 in range(P):
                st = S[t, t2]
                for j in range(J):
                    SpT[b, t, j] -= st * H[b, t2, j]
    # Sig_jj = C^-T C^-1 - H SpT' (q x q per level), via Ci = C^-1 (lower)
    Ci = np.zeros((q, q, J))
    for a in range(q):
        for j in range(J):
            Ci[a, a, j] = 1.0 / C[a, a, j]
        for b in range(a):
            for k in range(b, a):
                for j in range(J):
                    Ci[a, b, j] -= C[a, k, j] * Ci[k, b, j]
            for j in range(J):
                Ci[a, b, j] *= Ci[a, a, j]
    Sig = np.zeros((q, q, J))
    for a in range(q):
        for b in range(q):
            for k in range(max(a, b), q):
                for j in range(J):
                    Sig[a, b, j] += Ci[k, a, j] * Ci[k, b, j]
            for t in range(P):
                for j in range(J):
                    Sig[a, b, j] -= H[a, t, j] * SpT[b, t, j]
    for a in range(q):
        for j in range(J):
            trA += Sig[a, a, j]
    # LS = L Sig (reuses SL); v = L w; t_j = e_j - rho (zz_j v_j + zx_j D wR)
    LS = SL
    LS[:] = 0.0
    v = np.zeros((q, J))
    for a in range(q):
        for k in range(a + 1):
            lak = L[a, k]
            for b in range(q):
                for j in range(J):
                    LS[a, b, j] += lak * Sig[k, b, j]
            for j in range(J):
                v[a, j] += lak * W[k, j]
    tv = np.empty((q, J))
    for a in range(q):
        for j in range(J):
            tv[a, j] = e[a, j]
        for k in range(q):
            for j in range(J):
                tv[a, j] -= rho * zz[a, k, j] * v[k, j]
        for t in range(P):
            c = rho * svec[t] * wR[t]
            for j in range(J):
                tv[a, j] -= zx[a, t, j] * c
    for a in range(q):
        for b in range(q):
            G = 0.0
            for k in range(q):
                for j in range(J):
                    G += zz[a, k, j] * LS[k, b, j]
            for t in range(P):
                acc = 0.0
                for j in range(J):
                    acc += zx[a, t, j] * SpT[b, t, j]
                G += svec[t] * acc
            acc = 0.0
            for j in range(J):
                acc += tv[a, j] * W[b, j]
            gL[a, b] = rho * rho * acc - rho * G
    K = J * q + P
    g_rho = rho_gradient(N, rho, K, trA, rr, quad, ww)
    return ll, gL, g_rho


@nb.njit(**_JIT)
def _forward(C, x):
    """In place: x[:, t, j] <- C_j^-1 x[:, t, j] for every column t and level j (x: q, T, J)."""
    q, T, J = x.shape
    for a in range(q):
        for k in range(a):
            for t in range(T):
                for j in range(J):
                    x[a, t, j] -= C[a, k, j] * x[k, t, j]
        for t in range(T):
            for j in range(J):
                x[a, t, j] /= C[a, a, j]


@nb.njit(**_JIT)
def _backward(C, x):
    """In place: x[:, t, j] <- C_j^-T x[:, t, j] for every column t and level j."""
    q, T, J = x.shape
    for a in range(q - 1, -1, -1):
        for k in range(a + 1, q):
            for t in range(T):
                for j in range(J):
                    x[a, t, j] -= C[k, a, j] * x[k, t, j]
        for t in range(T):
            for j in range(J):
                x[a, t, j] /= C[a, a, j]
