r"""Block elimination for :mod:`.marginal_nb`: factor-0 blocks, Schur complement, solves,
and the likelihood terms it shares with :mod:`.marginal_one_nb`.

Notation as in :mod:`.marginal_nb`. "R" is the rest: the effects of every factor but
``f0`` (level-major, terms contiguous: column ``c`` has factor ``rfac[c]`` and term
``rterm[c]``), then the P1 fixed effects. ``pptr``/``pcol``/``P0`` hold, per level j of
``f0``, the R columns sharing rows with j (whole level blocks, then all fixed columns)
and the raw cross-products :math:`Z_{0j}'[Z\;X]_{\cdot c}` (one q0-row per column).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hiermodels.backends.kernels.priors_nb import LOG_2PI

_JIT = dict(cache=True, error_model="numpy", nogil=True)


@nb.njit(**_JIT)
def residual_ss(yty, mvec, CRR, cRy, nR):
    """r'r for r = y - Xm, from y'y and the fixed block (from ``nR`` on) of CRR and cRy."""
    P1 = mvec.shape[0]
    rr = yty
    for p in range(P1):
        rr -= 2.0 * mvec[p] * cRy[nR + p]
        for p2 in range(P1):
            rr += mvec[p] * CRR[nR + p, nR + p2] * mvec[p2]
    return rr


@nb.njit(**_JIT)
def loglik_value(N, rho, logdet, rr, quad):
    """-1/2 [N log 2 pi - N log rho + log|A| + rho r'r - rho^2 u'w] (:mod:`.marginal_nb`)."""
    return -0.5 * (N * LOG_2PI - N * math.log(rho) + logdet + rho * rr - rho * rho * quad)


@nb.njit(**_JIT)
def rho_gradient(N, rho, K, trA, rr, quad, ww):
    """d ll / d rho = 1/2 [N/rho - (K - tr Sigma)/rho - r'r + rho u'w + rho w'w]."""
    return 0.5 * (N / rho - (K - trA) / rho - rr + rho * quad + rho * ww)


@nb.njit(**_JIT)
def _chol_small(A, C, j):
    """Lower Cholesky factor of the small SPD matrix A into C[j]; False if not PD."""
    q = A.shape[0]
    for a in range(q):
        for b in range(a + 1):
            acc = A[a, b]
            for k in range(b):
                acc -= C[j, a, k] * C[j, b, k]
            if a == b:
                if not acc > 0.0:
                    return False
                C[j, a, a] = math.sqrt(acc)
            else:
                C[j, a, b] = acc / C[j, b, b]
        for b in range(a + 1, q):
            C[j, a, b] = 0.0
    return True


@nb.njit(**_JIT)
def lam_table(Ls, fq, rfac, rterm, svec, nR, R):
    r"""The rows of :math:`\tilde\Lambda` on the rest, packed once per evaluation.

    Returns ``lam`` (R, qmax), ``ra``, ``rq`` (R,): column c is term ``ra[c]`` of a block of
    ``rq[c]`` columns starting at ``c - ra[c]``, and row c of :math:`\tilde\Lambda` is
    ``lam[c, k]`` at column ``c - ra[c] + k`` (k <= ra[c]): a row of :math:`L_f`, or
    :math:`s_p` for a fixed effect (``ra = 0``, ``rq = 1``). The loops below read these
    instead of branching on the factor of every entry.
    """
    lam = np.zeros((R, Ls.shape[1]))
    ra = np.zeros(R, dtype=np.int64)
    rq = np.ones(R, dtype=np.int64)
    for c in range(nR):
        f, a = rfac[c], rterm[c]
        ra[c] = a
        rq[c] = fq[f]
        for k in range(a + 1):
            lam[c, k] = Ls[f, a, k]
    for c in range(nR, R):
        lam[c, 0] = svec[c - nR]
    return lam, ra, rq


@nb.njit(**_JIT)
def lam_col(lam, ra, rq, c, vec, pos):
    """Entry ``pos`` of (vec @ Lambda~) for R column c; the block of c sits contiguously in
    vec around ``pos`` (``sum_{b >= a} vec[pos - a + b] Lambda~[c - a + b, c]``)."""
    a = ra[c]
    acc = 0.0
    for b in range(a, rq[c]):
        acc += vec[pos - a + b] * lam[c - a + b, a]
    return acc


@nb.njit(**_JIT)
def lam_row2(lam, ra, c, M, row, pos):
    """Like :func:`lam_row` on row ``row`` of the matrix M (no view is created)."""
    a = ra[c]
    acc = 0.0
    for k in range(a + 1):
        acc += lam[c, k] * M[row, pos - a + k]
    return acc


@nb.njit(**_JIT)
def lam_row(lam, ra, c, vec, pos):
    """Entry ``pos`` of (Lambda~ @ vec) for R row c (``sum_{k <= a} lam[c, k] vec[pos-a+k]``)."""
    a = ra[c]
    acc = 0.0
    for k in range(a + 1):
        acc += lam[c, k] * vec[pos - a + k]
    return acc


@nb.njit(**_JIT)
def assemble(L0, lam, ra, rq, rho, mvec, ZtZ0, Z0tX, Z0ty, pptr, pcol, P0, CRR, cRy):
    """Factor the factor-0 blocks and form the Schur complement S on the rest.

    ``L0`` is the factor of ``f0`` (q0 x q0), ``lam, ra, rq`` the rest's
    :func:`lam_table`. Returns ``ok, C (J0,q0,q0), Ft (nnz,q0), g (J0,q0) = C^-1 u_1,
    u1 (J0,q0), S (R,R), uRs (R) reduced right-hand side, uR (R), logdet of the factor-0
    blocks``.
    """
    J0, q0 = ZtZ0.shape[0], ZtZ0.shape[1]
    P1 = Z0tX.shape[2]
    R = CRR.shape[0]
    nR = R - P1
    C = np.zeros((J0, q0, q0))
    Ft = np.zeros((P0.shape[0], q0))
    g = np.zeros((J0, q0))
    u1 = np.zeros((J0, q0))
    # rest block: S = I + rho Lam' CRR Lam (block-diagonal Lam)
    scalar = True  # every rest block 1 x 1 (crossed/nested intercepts): Lam is diagonal
    for c in range(R):
        if rq[c] != 1:
            scalar = False
            break
    S = np.empty((R, R))
    if scalar:
        for r in range(R):
            lr = rho * lam[r, 0]
            for c in range(R):
                S[r, c] = lr * lam[c, 0] * CRR[r, c]
            S[r, r] += 1.0
    else:
        T1 = np.empty((R, R))  # CRR Lam
        for r in range(R):
            for c in range(R):
                a = ra[c]
                acc = 0.0
                for b in range(a, rq[c]):
                    acc += CRR[r, c - a + b] * lam[c - a + b, a]
                T1[r, c] = acc
        for r in range(R):  # Lam' T1
            a = ra[r]
            for c in range(R):
                S[r, c] = 0.0
            for b in range(a, rq[r]):
                lba = rho * lam[r - a + b, a]
                for c in range(R):
                    S[r, c] += lba * T1[r - a + b, c]
            S[r, r] += 1.0
    raw = cRy.copy()
    for r in range(R):
        for p in range(P1):
            raw[r] -= CRR[r, nR + p] * mvec[p]
    uR = np.empty(R)
    for c in range(R):
        uR[c] = lam_col(lam, ra, rq, c, raw, c)
    uRs = uR.copy()
    M = np.empty((q0, q0))
    SL = np.empty((q0, q0))
    zr = np.empty(q0)
    cmax = 0
    for j in range(J0):
        cmax = max(cmax, pptr[j + 1] - pptr[j])
    Bw = np.empty((cmax, q0))
    logdet = 0.0
    for j in range(J0):
        for a in range(q0):
            for b in range(q0):
                acc = 0.0
                for k in range(b, q0):
                    acc += ZtZ0[j, a, k] * L0[k, b]
                SL[a, b] = acc
        for a in range(q0):
            for b in range(q0):
                acc = 0.0
                for k in range(a, q0):
                    acc += L0[k, a] * SL[k, b]
                M[a, b] = rho * acc + (1.0 if a == b else 0.0)
        if not _chol_small(M, C, j):
            return False, C, Ft, g, u1, S, uRs, uR, 0.0
        for a in range(q0):
            logdet += 2.0 * math.log(C[j, a, a])
        # u1 = L0'(Z0'y - Z0'X m), g = C^-1 u1
        for a in range(q0):
            acc = Z0ty[j, a]
            for p in range(P1):
                acc -= Z0tX[j, a, p] * mvec[p]
            zr[a] = acc
        for a in range(q0):
            acc = 0.0
            for k in range(a, q0):
                acc += L0[k, a] * zr[k]
            u1[j, a] = acc
        for a in range(q0):
            acc = u1[j, a]
            for k in range(a):
                acc -= C[j, a, k] * g[j, k]
            g[j, a] = acc / C[j, a, a]
        # whitened cross block: Bw[t] = (P0 row t) Lambda~ (per column), A12 = rho L0' Bw'
        p0, p1 = pptr[j], pptr[j + 1]
        cj = p1 - p0
        for t in range(cj):
            c = pcol[p0 + t]
            at = ra[c]
            for a in range(q0):
                acc = 0.0
                for b in range(at, rq[c]):
                    acc += P0[p0 + t - at + b, a] * lam[c - at + b, at]
                Bw[t, a] = acc
        for t in range(cj):
            for a in range(q0):  # Ft = C^-1 (rho L0' Bw[t]) by forward substitution
                acc = 0.0
                for k in range(a, q0):
                    acc += L0[k, a] * Bw[t, k]
                acc *= rho
                for k in range(a):
                    acc -= C[j, a, k] * Ft[p0 + t, k]
                Ft[p0 + t, a] = acc / C[j, a, a]
        for t in range(cj):  # rank-q0 update of the upper triangle (row-wise: cache friendly)
            ct = pcol[p0 + t]
            acc = 0.0
            for a in range(q0):
                acc += Ft[p0 + t, a] * g[j, a]
            uRs[ct] -= acc
            for t2 in range(t, cj):
                acc = 0.0
                for a in range(q0):
                    acc += Ft[p0 + t, a] * Ft[p0 + t2, a]
                S[ct, pcol[p0 + t2]] -= acc
    for r in range(R):  # mirror: S is returned full and symmetric
        for c in range(r):
            S[r, c] = S[c, r]
    return True, C, Ft, g, u1, S, uRs, uR, logdet


@nb.njit(**_JIT)
def back_solve(C, j, Ft, pcol, p0, cj, g, gr, wR, out, orow):
    """out[orow] = C_j^-T (g[gr] - Ft_j wR[pattern]) (the factor-0 part of A^-1 u)."""
    q0 = C.shape[1]
    for a in range(q0):
        acc = g[gr, a]
        for t in range(cj):
            acc -= Ft[p0 + t, a] * wR[pcol[p0 + t]]
        out[orow, a] = acc
    for a in range(q0 - 1, -1, -1):
        acc = out[orow, a]
        for k in range(a + 1, q0):
            acc -= C[j, k, a] * out[orow, k]
        out[orow, a] = acc / C[j, a, a]
