r"""Multilevel GLM log density and gradient, per factor centred or non-centred (numba).

The model is the one :func:`hiermodels.backends.pymc.graph.build_model` writes as a PyMC graph:
:math:`\eta_i = \alpha_c + x_{ci}'\beta + o_i + \sum_f z_{fi}' r_{f,f[i]}`,
:math:`r_{f,j} \sim N(0, L_f L_f')`,
:math:`L_f = \mathrm{diag}(s_f)\, L^{\Omega}_f` block-diagonal over correlation blocks.
Each factor is sampled one of two ways (``fcent[f]``, chosen by
:mod:`hiermodels.model.parameterization`):

* **non-centred** (``fcent = 0``): :math:`r_{f,j} = L_f u_{f,j}`, :math:`u_{f,j} \sim N(0, I)`;
* **centred** (``fcent = 1``): :math:`r_{f,j}` itself, with prior
  :math:`\sum_j \log N(r_j \mid 0, LL') = -J\sum_a \log L_{aa} - \tfrac12\sum_j
  \lVert w_j\rVert^2 - \tfrac{Jq}{2}\log 2\pi`, :math:`w_j = L^{-1} r_j`.

The gradient is hand-written reverse mode: with :math:`e_i = \partial\ell/\partial\eta_i`,
:math:`R_{f,ja} = \sum_{i: f[i]=j} e_i z_{fia}`, then non-centred
:math:`\partial/\partial u_{f,j} = L_f' R_{f,j} - u_{f,j}`,
:math:`\partial/\partial L_f = \sum_j R_{f,j} u_{f,j}'`; centred
:math:`\partial/\partial r_{f,j} = R_{f,j} - L^{-\top} w_j` and
:math:`\partial/\partial L_f = \mathrm{lower}\big(\sum_j (L^{-\top} w_j) w_j'\big) -
J\,\mathrm{diag}(1/L_{aa})` (from :math:`d\,\mathrm{tr}(L^{-1}SL^{-\top}) =
-2\,\mathrm{tr}(L^{-1}SL^{-\top}L^{-1}dL)`, :math:`S = \sum_j r_j r_j'`). Either way
:math:`\partial/\partial L_f` is carried to the SDs and CPCs by :func:`scale_priors`.

SDs and positive auxiliary parameters go through :func:`~.priors_nb.positive_transform`
(log scale, or logit-interval for a ``Uniform`` prior); ordered thresholds through
:math:`c_1 = u_1`, :math:`c_k = c_{k-1} + e^{u_k}` (:mod:`hiermodels.model.layout`), whose
gradient is :math:`\partial/\partial u_1 = \sum_k g_k`, :math:`\partial/\partial u_m =
e^{u_m}\sum_{k \ge m} g_k + 1` (the 1 from the log-Jacobian), :math:`g_k` the derivative
with respect to :math:`c_k`. Families and links: :mod:`.links_nb`.

A second linear predictor :math:`\eta_{2,i} = x^{zi\prime}_i\gamma` (zero-inflation /
hurdle, uncentred columns ``Xzt``, real-line priors ``pri_zi``) enters each row's
log-likelihood; its derivative pulls back to :math:`\gamma` as
:math:`\sum_i \partial\ell_i/\partial\eta_{2,i}\, x^{zi}_i`. Observation weights ``w``
multiply each row's log-likelihood and its derivatives (ones: the unweighted model,
bit for bit).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hiermodels.backends.kernels.links_nb import loglik_rows
from hiermodels.backends.kernels.priors_nb import (
    LOG_2PI,
    cpc_cholesky,
    lkj_cpc,
    positive_transform,
    real_prior,
)
from hiermodels.backends.kernels.reduce_nb import vdot, vsum

AUX_POSITIVE, AUX_THRESHOLD = 0, 1  # hiermodels.model.layout's aux kinds


@nb.njit(cache=True, error_model="numpy", nogil=True)
def aux_transform(theta, grad, aux_pos, aux_kind, pri_aux):
    """The constrained aux vector from theta's aux block.

    Returns ``(lp, aux, dv, gc)``: the log prior + log-Jacobian (its derivatives with
    respect to the positive entries added into ``grad``), the values (length >= 1), the
    per-entry ``dv/du`` and ``gc``, the thresholds' prior derivatives with respect to the
    constrained values (to be pulled back with the likelihood's by :func:`aux_pullback`).
    """
    A = aux_kind.shape[0]
    aux = np.zeros(max(A, 1))
    dv = np.zeros(max(A, 1))
    gc = np.zeros(max(A, 1))
    lp = 0.0
    for k in range(A):
        u = theta[aux_pos + k]
        if aux_kind[k] == AUX_POSITIVE:
            l0, d0, v, dvu = positive_transform(pri_aux[k], u)
            lp += l0
            grad[aux_pos + k] += d0
            aux[k] = v
            dv[k] = dvu
        else:
            if k == 0 or aux_kind[k - 1] != AUX_THRESHOLD:
                aux[k] = u
                dv[k] = 1.0
            else:
                e = math.exp(u)
                aux[k] = aux[k - 1] + e
                dv[k] = e
                lp += u
                grad[aux_pos + k] += 1.0
            l0, d0 = real_prior(pri_aux[k], aux[k])
            lp += l0
            gc[k] += d0
    return lp, aux, dv, gc


@nb.njit(cache=True, error_model="numpy", nogil=True)
def aux_pullback(grad, aux_pos, aux_kind, gaux, dv):
    """Add d/du of the aux block to ``grad`` from ``gaux`` (d/d constrained values)."""
    suffix = 0.0
    for k in range(aux_kind.shape[0] - 1, -1, -1):
        if aux_kind[k] == AUX_POSITIVE:
            grad[aux_pos + k] += gaux[k] * dv[k]
        else:
            suffix += gaux[k]
            grad[aux_pos + k] += suffix * dv[k]
            if k == 0 or aux_kind[k - 1] != AUX_THRESHOLD:
                suffix = 0.0


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _cholesky_from_sd(theta, f, sd, fq, bfac, bstart, bsize, bcorr, bcpc):
    q = fq[f]
    Lc = np.zeros((q, q))
    for k in range(bfac.shape[0]):
        if bfac[k] != f:
            continue
        st, m = bstart[k], bsize[k]
        if bcorr[k] == 1 and m > 1:
            L = cpc_cholesky(theta[bcpc[k] : bcpc[k] + m * (m - 1) // 2], m)
            for i in range(m):
                for j in range(i + 1):
                    Lc[st + i, st + j] = L[i, j]
        else:
            for i in range(m):
                Lc[st + i, st + i] = 1.0
    Lf = np.zeros((q, q))
    for a in range(q):
        for b in range(a + 1):
            Lf[a, b] = sd[a] * Lc[a, b]
    return Lf, Lc, sd


@nb.njit(cache=True, error_model="numpy", nogil=True)
def factor_cholesky(theta, f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc):
    """L_f (q x q), the correlation factor Lc and the SDs of factor f (SDs on the log scale)."""
    q = fq[f]
    sd = np.empty(q)
    for a in range(q):
        sd[a] = math.exp(theta[flogsd[f] + a])
    return _cholesky_from_sd(theta, f, sd, fq, bfac, bstart, bsize, bcorr, bcpc)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def factor_cholesky_pri(theta, f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, pri_sd):
    """As :func:`factor_cholesky`, each SD through its prior's transform (``pri_sd`` rows)."""
    q = fq[f]
    col = 0
    for g in range(f):
        col += fq[g]
    sd = np.empty(q)
    for a in range(q):
        sd[a] = positive_transform(pri_sd[col + a], theta[flogsd[f] + a])[2]
    return _cholesky_from_sd(theta, f, sd, fq, bfac, bstart, bsize, bcorr, bcpc)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def scale_priors(
    theta, grad, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, beta_eta, pri_sd, gLs, Lcs, sds
):
    """Priors of the SDs and correlations + chain rule from dL to (unconstrained sd, CPC)."""
    lp = 0.0
    col = 0
    for f in range(fq.shape[0]):
        q = fq[f]
        gL, Lc, sd = gLs[f, :q, :q], Lcs[f, :q, :q], sds[f, :q]
        gLc = np.zeros((q, q))
        for a in range(q):
            g_sd = 0.0
            for b in range(a + 1):
                g_sd += gL[a, b] * Lc[a, b]
                gLc[a, b] = gL[a, b] * sd[a]
            l0, d0, _, dv = positive_transform(pri_sd[col + a], theta[flogsd[f] + a])
            lp += l0
            grad[flogsd[f] + a] += d0 + g_sd * dv
        for k in range(bfac.shape[0]):
            if bfac[k] != f or bcorr[k] != 1 or bsize[k] < 2:
                continue
            st, m = bstart[k], bsize[k]
            nc = m * (m - 1) // 2
            gsub = np.zeros((m, m))
            for i in range(m):
                for j in range(i + 1):
                    gsub[i, j] = gLc[st + i, st + j]
            gy = np.zeros(nc)
            lp += lkj_cpc(theta[bcpc[k] : bcpc[k] + nc], m, beta_eta[k], gsub, gy)
            for t in range(nc):
                grad[bcpc[k] + t] += gy[t]
        col += q
    return lp


@nb.njit(cache=True, error_model="numpy", nogil=True)
def fixed_priors(theta, grad, has_int, P, pri_int, pri_b):
    lp = 0.0
    if has_int:
        l0, d0 = real_prior(pri_int, theta[0])
        lp += l0
        grad[0] += d0
    for p in range(P):
        l0, d0 = real_prior(pri_b[p], theta[has_int + p])
        lp += l0
        grad[has_int + p] += d0
    return lp


@nb.njit(cache=True, error_model="numpy", nogil=True)
def centred_prior(rf, L, grad_r, gL):
    """sum_j log N(r_j | 0, LL'): adds -L^-T w_j to ``grad_r`` (J x q) and dL to ``gL``."""
    J, q = rf.shape
    lp = -0.5 * J * q * LOG_2PI
    for a in range(q):
        lp -= J * math.log(L[a, a])
        gL[a, a] -= J / L[a, a]
    w = np.empty(q)
    u = np.empty(q)
    for j in range(J):
        for a in range(q):  # w = L^-1 r_j (forward substitution)
            acc = rf[j, a]
            for b in range(a):
                acc -= L[a, b] * w[b]
            w[a] = acc / L[a, a]
            lp -= 0.5 * w[a] * w[a]
        for a in range(q - 1, -1, -1):  # u = L^-T w (back substitution)
            acc = w[a]
            for b in range(a + 1, q):
                acc -= L[b, a] * u[b]
            u[a] = acc / L[a, a]
        for a in range(q):
            grad_r[j, a] -= u[a]
            for b in range(a + 1):
                gL[a, b] += u[a] * w[b]
    return lp


@nb.njit(cache=True, error_model="numpy", nogil=True)
def glmm_logp(
    theta,
    y,
    trials,
    w,
    Xct,
    offset,
    codes,
    Zt,
    Xzt,
    fq,
    fJ,
    fzcol,
    flogsd,
    fz,
    fcent,
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
    aux_kind,
    pri_zi,
    has_int,
    aux_pos,
    zi_pos,
    family,
    lconst,
    hc,
    hk,
    wc,
    fwhite,
    zone,
    runs,
    run_level,
    blocks,
    fs,
):
    r"""Log posterior density (unconstrained) and its gradient.

    ``lconst`` is :func:`~.links_nb.loglik_const` of the data (added, not recomputed).
    ``pri_aux`` (A x 4) and ``aux_kind`` (A) describe the aux block at ``aux_pos``;
    ``Xz`` (N x Pz) and ``pri_zi`` the zi block at ``zi_pos``; ``w`` the row weights.
    A centred block holds :math:`\gamma = r + T\beta` with ``T = hc`` on the fixed effects
    at ``hk`` (:mod:`hiermodels.model.hierarchical_centring`; no columns: :math:`r`); when
    ``fwhite[f]``, it holds :math:`\xi` with :math:`\gamma_j = C_j\xi_j`, :math:`C_j` in
    rows of ``wc`` (:mod:`hiermodels.model.level_whitening`; its constant log-Jacobian is
    in ``lconst``).

    The data are column-major (``Xct`` P x N, ``Zt`` sum q x N, ``Xzt`` Pz x N; ``zone``
    flags columns of ``Zt`` that are all ones, never read) with rows sorted by the levels of
    factor ``fs``; ``offset`` is empty when zero. Rows are visited in ``blocks`` of
    ``runs`` (:mod:`.row_blocks`): per block, :math:`\eta`, the likelihood and
    :math:`\partial\ell/\partial\eta` in small buffers, then their pull-back; factor
    ``fs`` enters once per run.
    """
    P = Xct.shape[0]
    Pz = Xzt.shape[0]
    F = fq.shape[0]
    grad = np.zeros(theta.shape[0])
    lp = lconst + fixed_priors(theta, grad, has_int, P, pri_int, pri_b)
    qmax = np.max(fq) if F > 0 else 1
    Ls = np.zeros((F, qmax, qmax))
    Lcs = np.zeros((F, qmax, qmax))
    sds = np.zeros((F, qmax))
    # group effects of all factors, flat in theta's order (offset roff[f]): r = z L' or r
    roff = np.zeros(F + 1, dtype=np.int64)
    for f in range(F):
        roff[f + 1] = roff[f] + fJ[f] * fq[f]
    rall = np.empty(roff[F])
    gall = np.empty(roff[F])  # what the rows see: gamma = r + T beta (centred), else r
    shift = np.zeros(roff[F])  # T beta: a centred block minus this is r
    absorbed = np.zeros(has_int + P, dtype=np.bool_)  # X beta of these is inside Z gamma
    for k in range(hk.shape[0]):
        absorbed[hk[k]] = True
    for k in range(hk.shape[0]):
        bk = theta[hk[k]]
        for r in range(roff[F]):
            shift[r] += hc[r, k] * bk
    for f in range(F):
        Lf, Lc, sd = factor_cholesky_pri(
            theta, f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, pri_sd
        )
        q, J = fq[f], fJ[f]
        zf = theta[fz[f] : fz[f] + J * q].reshape((J, q))
        if fcent[f] == 1:
            for j in range(J):
                for a in range(q):
                    k = roff[f] + j * q + a
                    if fwhite[f] == 1:  # gamma_j = C_j xi_j
                        acc = 0.0
                        for b in range(q):
                            acc += wc[k, b] * theta[fz[f] + j * q + b]
                    else:
                        acc = theta[fz[f] + j * q + a]
                    gall[k] = acc
                    rall[k] = acc - shift[k]
        else:
            rall[roff[f] : roff[f + 1]] = (zf @ Lf.T).ravel()
            gall[roff[f] : roff[f + 1]] = rall[roff[f] : roff[f + 1]]
            for j in range(J):
                for a in range(q):
                    lp += -0.5 * zf[j, a] * zf[j, a] - 0.5 * LOG_2PI
        Ls[f, :q, :q] = Lf
        Lcs[f, :q, :q] = Lc
        sds[f, :q] = sd
    l0, aux, dv, gaux = aux_transform(theta, grad, aux_pos, aux_kind, pri_aux)
    lp += l0
    # An absorbed fixed effect's X beta equals Z T beta row by row (hierarchical centring
    # keeps exact within-level fits only), so eta = offset + (X beta)_rest + Z gamma: its
    # columns are skipped, and its likelihood gradient X'd - T'Z'd vanishes.
    c0 = theta[0] if has_int and not absorbed[0] else 0.0
    bfix = np.zeros(P)
    for p in range(P):
        bfix[p] = theta[has_int + p]
    bzi = np.zeros(Pz)
    for p in range(Pz):
        bzi[p] = theta[zi_pos + p]
    has_off = offset.shape[0] > 0
    nmax = 0
    for b in range(blocks.shape[0] - 1):
        nmax = max(nmax, runs[blocks[b + 1]] - runs[blocks[b]])
    eta = np.empty(nmax)
    d = np.empty(nmax)
    eta2 = np.zeros(nmax if Pz > 0 else 0)
    d2 = np.empty(nmax if Pz > 0 else 0)
    g0 = 0.0
    gb = np.zeros(P)
    gzi = np.zeros(Pz)
    Rall = np.zeros(roff[F])
    for b in range(blocks.shape[0] - 1):
        r0, r1 = blocks[b], blocks[b + 1]
        i0, i1 = runs[r0], runs[r1]
        n = i1 - i0
        # eta, column by column (loops of one multiply-add that LLVM unrolls)
        eb = eta[:n]
        if has_off:
            for i in range(n):
                eb[i] = offset[i0 + i] + c0
        else:
            for i in range(n):
                eb[i] = c0
        for p in range(P):
            if not absorbed[has_int + p]:
                bp = bfix[p]
                xp = Xct[p, i0:i1]
                for i in range(n):
                    eb[i] += xp[i] * bp
        for f in range(F):
            q, col, base = fq[f], fzcol[f], roff[f]
            if f == fs:  # one coefficient per run
                for r in range(r0, r1):
                    j0, j1 = runs[r] - i0, runs[r + 1] - i0
                    for a in range(q):
                        c = gall[base + run_level[r] * q + a]
                        if zone[col + a] == 1:
                            for i in range(j0, j1):
                                eb[i] += c
                        else:
                            za = Zt[col + a, i0:i1]
                            for i in range(j0, j1):
                                eb[i] += za[i] * c
            else:
                cf = codes[f, i0:i1]
                for a in range(q):
                    if zone[col + a] == 1:
                        for i in range(n):
                            eb[i] += gall[base + cf[i] * q + a]
                    else:
                        za = Zt[col + a, i0:i1]
                        for i in range(n):
                            eb[i] += za[i] * gall[base + cf[i] * q + a]
        e2b = eta2[: n if Pz > 0 else 0]
        for i in range(e2b.shape[0]):
            e2b[i] = 0.0
        for p in range(Pz):
            xp = Xzt[p, i0:i1]
            for i in range(n):
                e2b[i] += xp[i] * bzi[p]
        db = d[:n]
        d2b = d2[: n if Pz > 0 else 0]
        lp += loglik_rows(family, y[i0:i1], trials[i0:i1], w[i0:i1], eb, e2b, aux, gaux, db, d2b)
        # the pull-back of d l / d eta to the intercept, slopes and group effects
        if has_int and not absorbed[0]:
            g0 += vsum(db, 0, n)
        for p in range(P):
            if not absorbed[has_int + p]:
                gb[p] += vdot(db, Xct[p, i0:i1], 0, n)
        for p in range(Pz):
            gzi[p] += vdot(d2b, Xzt[p, i0:i1], 0, n)
        for f in range(F):
            q, col, base = fq[f], fzcol[f], roff[f]
            if f == fs:
                for r in range(r0, r1):
                    j0, j1 = runs[r] - i0, runs[r + 1] - i0
                    for a in range(q):
                        if zone[col + a] == 1:
                            acc = vsum(db, j0, j1)
                        else:
                            acc = vdot(db, Zt[col + a, i0:i1], j0, j1)
                        Rall[base + run_level[r] * q + a] += acc
            else:
                cf = codes[f, i0:i1]
                for a in range(q):
                    if zone[col + a] == 1:
                        for i in range(n):
                            Rall[base + cf[i] * q + a] += db[i]
                    else:
                        za = Zt[col + a, i0:i1]
                        for i in range(n):
                            Rall[base + cf[i] * q + a] += db[i] * za[i]
    aux_pullback(grad, aux_pos, aux_kind, gaux, dv)
    for p in range(Pz):
        l0, d0 = real_prior(pri_zi[p], theta[zi_pos + p])
        lp += l0
        grad[zi_pos + p] += d0 + gzi[p]
    if has_int:
        grad[0] += g0
    for p in range(P):
        grad[has_int + p] += gb[p]
    gLs = np.zeros((F, qmax, qmax))
    for f in range(F):
        q, J = fq[f], fJ[f]
        R = Rall[roff[f] : roff[f + 1]].reshape((J, q))
        zf = theta[fz[f] : fz[f] + J * q].reshape((J, q))
        L = np.ascontiguousarray(Ls[f, :q, :q])
        if fcent[f] == 1:
            gL = np.zeros((q, q))
            rf = rall[roff[f] : roff[f + 1]].reshape((J, q))
            gp = np.zeros((J, q))  # the prior's part: beta enters only there
            lp += centred_prior(rf, L, gp, gL)
            gz = R + gp
            for k in range(hk.shape[0]):  # d r / d beta = -T
                acc = 0.0
                for j in range(J):
                    for a in range(q):
                        acc += hc[roff[f] + j * q + a, k] * gp[j, a]
                grad[hk[k]] -= acc
            if fwhite[f] == 1:  # d gamma_j / d xi_j = C_j
                gx = np.zeros((J, q))
                for j in range(J):
                    for b in range(q):
                        acc = 0.0
                        for a in range(q):
                            acc += wc[roff[f] + j * q + a, b] * gz[j, a]
                        gx[j, b] = acc
                gz = gx
        else:
            gz = R @ L - zf
            gL = R.T @ zf
        for j in range(J):
            for a in range(q):
                grad[fz[f] + j * q + a] += gz[j, a]
        gLs[f, :q, :q] = gL
    lp += scale_priors(
        theta, grad, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, beta_eta, pri_sd, gLs, Lcs, sds
    )
    return lp, grad
