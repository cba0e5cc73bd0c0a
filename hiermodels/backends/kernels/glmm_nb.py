r"""Non-centred multilevel GLM log density and gradient (numba, compiled once per machine).

The model is the one :func:`hiermodels.backends.pymc.graph.build_model` writes as a PyMC graph:
:math:`\eta_i = \alpha_c + x_{ci}'\beta + o_i + \sum_f z_{fi}' r_{f,f[i]}` with
:math:`r_{f,j} = L_f u_{f,j}`, :math:`u_{f,j} \sim N(0, I)`,
:math:`L_f = \mathrm{diag}(s_f)\, L^{\Omega}_f` block-diagonal over correlation blocks.
The gradient is hand-written reverse mode: with :math:`e_i = \partial\ell/\partial\eta_i`,
:math:`R_{f,ja} = \sum_{i: f[i]=j} e_i z_{fia}`, then
:math:`\partial/\partial u_{f,j} = L_f' R_{f,j} - u_{f,j}` and
:math:`\partial/\partial L_f = \sum_j R_{f,j} u_{f,j}'`.

Families (``family`` code): 0 gaussian (identity), 1 bernoulli (logit), 2 binomial
(logit), 3 poisson (log), 4 negative binomial NB2 (log).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hiermodels.backends.kernels.priors_nb import (
    LOG_2PI,
    cpc_cholesky,
    digamma,
    lkj_cpc,
    log_positive,
    real_prior,
)

GAUSSIAN, BERNOULLI, BINOMIAL, POISSON, NEGBINOMIAL = 0, 1, 2, 3, 4


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _log1pexp(x):
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


@nb.njit(cache=True, error_model="numpy", nogil=True)
def loglik_point(family, y, n, eta, aux):
    """log p(y | eta, aux) and its derivatives w.r.t. eta and aux (the natural aux)."""
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
        return y * eta - _log1pexp(eta), y - p, 0.0
    if family == BINOMIAL:
        p = 1.0 / (1.0 + math.exp(-eta))
        c = math.lgamma(n + 1) - math.lgamma(y + 1) - math.lgamma(n - y + 1)
        return c + y * eta - n * _log1pexp(eta), y - n * p, 0.0
    if family == POISSON:
        mu = math.exp(eta)
        return y * eta - mu - math.lgamma(y + 1), y - mu, 0.0
    phi = aux
    mu = math.exp(eta)
    lmp = math.log(mu + phi)
    lp = (
        math.lgamma(y + phi)
        - math.lgamma(phi)
        - math.lgamma(y + 1)
        + phi * (math.log(phi) - lmp)
        + y * (eta - lmp)
    )
    d_eta = phi * (y - mu) / (mu + phi)
    d_phi = digamma(y + phi) - digamma(phi) + math.log(phi) + 1.0 - lmp - (y + phi) / (mu + phi)
    return lp, d_eta, d_phi


@nb.njit(cache=True, error_model="numpy", nogil=True)
def factor_cholesky(theta, f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc):
    """L_f (q x q), the correlation factor Lc and the SDs of factor f."""
    q = fq[f]
    sd = np.empty(q)
    for a in range(q):
        sd[a] = math.exp(theta[flogsd[f] + a])
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
def scale_priors(
    theta, grad, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, beta_eta, pri_sd, gLs, Lcs, sds
):
    """Priors of the SDs and correlations + chain rule from dL to (log sd, CPC)."""
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
            u = theta[flogsd[f] + a]
            l0, d0, v = log_positive(pri_sd[col + a], u)
            lp += l0
            grad[flogsd[f] + a] += d0 + g_sd * v
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
def glmm_logp(
    theta,
    y,
    trials,
    Xc,
    offset,
    codes,
    Z,
    fq,
    fJ,
    fzcol,
    flogsd,
    fz,
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
    family,
):
    """Log posterior density (unconstrained) and its gradient."""
    N, P = Xc.shape
    F = fq.shape[0]
    grad = np.zeros(theta.shape[0])
    lp = fixed_priors(theta, grad, has_int, P, pri_int, pri_b)
    eta = offset.copy()
    c0 = theta[0] if has_int else 0.0
    for i in range(N):
        acc = c0
        for p in range(P):
            acc += Xc[i, p] * theta[has_int + p]
        eta[i] += acc
    qmax = np.max(fq) if F > 0 else 1
    Ls = np.zeros((F, qmax, qmax))
    Lcs = np.zeros((F, qmax, qmax))
    sds = np.zeros((F, qmax))
    for f in range(F):
        Lf, Lc, sd = factor_cholesky(theta, f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc)
        q, J = fq[f], fJ[f]
        zf = theta[fz[f] : fz[f] + J * q].reshape((J, q))
        r = zf @ Lf.T
        for j in range(J):
            for a in range(q):
                lp += -0.5 * zf[j, a] * zf[j, a] - 0.5 * LOG_2PI
        for i in range(N):
            j = codes[f, i]
            acc = 0.0
            for a in range(q):
                acc += Z[i, fzcol[f] + a] * r[j, a]
            eta[i] += acc
        Ls[f, :q, :q] = Lf
        Lcs[f, :q, :q] = Lc
        sds[f, :q] = sd
    aux = 0.0
    if aux_pos >= 0:
        l0, d0, aux = log_positive(pri_aux, theta[aux_pos])
        lp += l0
        grad[aux_pos] += d0
    e = np.empty(N)
    g_aux = 0.0
    for i in range(N):
        l1, d_eta, d_aux = loglik_point(family, y[i], trials[i], eta[i], aux)
        lp += l1
        e[i] = d_eta
        g_aux += d_aux
    if aux_pos >= 0:
        grad[aux_pos] += g_aux * aux
    for i in range(N):
        if has_int:
            grad[0] += e[i]
        for p in range(P):
            grad[has_int + p] += e[i] * Xc[i, p]
    gLs = np.zeros((F, qmax, qmax))
    for f in range(F):
        q, J = fq[f], fJ[f]
        R = np.zeros((J, q))
        for i in range(N):
            j = codes[f, i]
            for a in range(q):
                R[j, a] += e[i] * Z[i, fzcol[f] + a]
        zf = theta[fz[f] : fz[f] + J * q].reshape((J, q))
        gz = R @ np.ascontiguousarray(Ls[f, :q, :q]) - zf
        for j in range(J):
            for a in range(q):
                grad[fz[f] + j * q + a] += gz[j, a]
        gLs[f, :q, :q] = R.T @ zf
    lp += scale_priors(
        theta, grad, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, beta_eta, pri_sd, gLs, Lcs, sds
    )
    return lp, grad
