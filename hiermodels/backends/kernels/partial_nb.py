r"""Gaussian models with one intercept-only factor integrated out, the rest sampled (numba).

For big crossed Gaussian designs (lme4's InstEval: 2,972 students x 1,128 lecturers) the
fully marginal path needs a dense Cholesky of the effects left after eliminating the
largest factor (O(R^3) per gradient), and the joint kernel samples every effect. Here the
largest *intercept-only* factor :math:`c` is integrated out exactly and everything else
(fixed effects, the other factors' effects, SDs, sigma) is sampled, so a gradient costs
O(N) and the sampled space loses its largest block.

Given the sampled parameters, write :math:`\mu_i` for the linear predictor without factor
:math:`c` and :math:`e_i = y_i - \mu_i`. The rows of level :math:`j` of :math:`c`
(:math:`n_j` of them) are :math:`e_{(j)} \sim N(0, \sigma^2 I + \tau^2 \mathbf 1\mathbf 1')`,
independent over :math:`j`. With :math:`S_j = \sum e_i`, :math:`Q_j = \sum e_i^2`,
:math:`s = \sigma^2`, :math:`t = \tau^2`, :math:`D_j = s + n_j t`
(matrix determinant lemma and Sherman-Morrison):

.. math::

    \ell_j = -\tfrac{n_j}{2}\log 2\pi - \tfrac{n_j - 1}{2}\log s - \tfrac12 \log D_j
             - \frac{1}{2s}\Big(Q_j - \frac{t S_j^2}{D_j}\Big),

    \frac{\partial \ell_j}{\partial \mu_i} = \frac{e_i - a_j}{s},\quad a_j = \frac{t S_j}{D_j},
    \qquad
    \frac{\partial \ell_j}{\partial t} = -\frac{n_j}{2D_j} + \frac{S_j^2}{2D_j^2},

    \frac{\partial \ell_j}{\partial s} = -\frac{n_j - 1}{2s} - \frac{1}{2D_j}
        + \frac{Q_j}{2s^2} - \frac{t S_j^2 (D_j + s)}{2 s^2 D_j^2}.

Afterwards the effects of :math:`c` are drawn exactly, per posterior draw:
:math:`r_{c,j} \mid \cdot \sim N(a_j,\; s t / D_j)`.

The model is Gaussian, so no gradient touches the N rows: with :math:`\gamma` the sampled
location parameters (centred intercept, slopes, the other factors' effects) and
:math:`W` their sparse N x G design, :math:`\sum_i e_i^2 = \tilde y'\tilde y - 2\gamma'W'\tilde y
+ \gamma'W'W\gamma` and :math:`S = Z_c'\tilde y - M\gamma`, :math:`M = Z_c'W`
(:math:`\tilde y = y -` offset), so a gradient costs O(nnz(W'W) + nnz(M)) with the sparse
matrices precomputed once (InstEval: ~0.2 M entries instead of 73,421 x 15 row terms), and

.. math::

    \nabla_\gamma \ell = \frac{1}{s}\big(W'\tilde y - W'W\gamma - M'a\big).

The other factors (any q, correlated blocks, centred or non-centred) and the priors are
those of :mod:`.glmm_nb`; the sampled vector is the joint kernel's
(:mod:`hiermodels.model.layout`) without factor c's block.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hiermodels.backends.kernels.glmm_nb import (
    centred_prior,
    factor_cholesky_pri,
    fixed_priors,
    scale_priors,
)
from hiermodels.backends.kernels.priors_nb import LOG_2PI, positive_transform


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _gamma(
    theta,
    has_int,
    P,
    fq,
    fJ,
    flogsd,
    fz,
    fcent,
    bfac,
    bstart,
    bsize,
    bcorr,
    bcpc,
    pri_sd,
    cfac,
    goff,
    Ls,
    Lcs,
    sds,
):
    """The location vector gamma = (c0?, b, other factors' effects) from theta; fills L's."""
    G = goff[fq.shape[0]]
    gam = np.empty(G)
    for p in range(has_int + P):
        gam[p] = theta[p]
    for f in range(fq.shape[0]):
        Lf, Lc, sd = factor_cholesky_pri(
            theta, f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, pri_sd
        )
        q = fq[f]
        Ls[f, :q, :q] = Lf
        Lcs[f, :q, :q] = Lc
        sds[f, :q] = sd
        if f == cfac:
            continue
        J = fJ[f]
        for j in range(J):
            for a in range(q):
                if fcent[f] == 1:
                    gam[goff[f] + j * q + a] = theta[fz[f] + j * q + a]
                else:
                    acc = 0.0
                    for b in range(a + 1):
                        acc += Lf[a, b] * theta[fz[f] + j * q + b]
                    gam[goff[f] + j * q + a] = acc
    return gam


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _csr_matvec(ptr, idx, val, x, out):
    for r in range(ptr.shape[0] - 1):
        acc = 0.0
        for k in range(ptr[r], ptr[r + 1]):
            acc += val[k] * x[idx[k]]
        out[r] = acc


@nb.njit(cache=True, error_model="numpy", nogil=True)
def partial_logp(
    theta,
    yty,
    Wty,
    wtw_ptr,
    wtw_idx,
    wtw_val,
    Yc,
    m_ptr,
    m_idx,
    m_val,
    nlev,
    goff,
    fq,
    fJ,
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
    pri_sigma,
    has_int,
    P,
    sig_pos,
    cfac,
):
    """Log posterior density (unconstrained) and gradient; factor ``cfac`` integrated out.

    ``W'W`` and ``M = Z_c'W`` come as CSR arrays, ``Wty`` = W'(y - offset), ``Yc`` =
    Z_c'(y - offset), ``nlev`` the rows per level of ``cfac``, ``goff`` the offsets of each
    factor's effects in gamma (``cfac``'s block empty).
    """
    F = fq.shape[0]
    grad = np.zeros(theta.shape[0])
    lp = fixed_priors(theta, grad, has_int, P, pri_int, pri_b)
    qmax = np.max(fq)
    Ls = np.zeros((F, qmax, qmax))
    Lcs = np.zeros((F, qmax, qmax))
    sds = np.zeros((F, qmax))
    gam = _gamma(
        theta,
        has_int,
        P,
        fq,
        fJ,
        flogsd,
        fz,
        fcent,
        bfac,
        bstart,
        bsize,
        bcorr,
        bcpc,
        pri_sd,
        cfac,
        goff,
        Ls,
        Lcs,
        sds,
    )
    for f in range(F):
        if f == cfac or fcent[f] == 1:
            continue
        for k in range(fJ[f] * fq[f]):
            z = theta[fz[f] + k]
            lp += -0.5 * z * z - 0.5 * LOG_2PI
    l0, d0, sigma, dsig_du = positive_transform(pri_sigma, theta[sig_pos])
    lp += l0
    grad[sig_pos] += d0
    tau = Ls[cfac, 0, 0]
    s, t = sigma * sigma, tau * tau
    G = gam.shape[0]
    WWg = np.empty(G)
    _csr_matvec(wtw_ptr, wtw_idx, wtw_val, gam, WWg)
    see = yty
    for k in range(G):
        see += gam[k] * (WWg[k] - 2.0 * Wty[k])
    Jc = nlev.shape[0]
    Mg = np.empty(Jc)
    _csr_matvec(m_ptr, m_idx, m_val, gam, Mg)
    a = np.zeros(Jc)
    g_t = 0.0
    g_s = 0.5 * see / (s * s)
    quad = see
    for j in range(Jc):
        n = nlev[j]
        if n == 0:
            continue
        S = Yc[j] - Mg[j]
        D = s + n * t
        lp += -0.5 * n * LOG_2PI - 0.5 * (n - 1) * math.log(s) - 0.5 * math.log(D)
        quad -= t * S * S / D
        a[j] = t * S / D
        g_t += -0.5 * n / D + 0.5 * S * S / (D * D)
        g_s += -0.5 * (n - 1) / s - 0.5 / D - 0.5 * t * S * S * (D + s) / (s * s * D * D)
    lp += -0.5 * quad / s
    grad[sig_pos] += 2.0 * sigma * g_s * dsig_du
    # d l / d gamma = (W'y - W'W gamma - M'a) / s
    gg = np.empty(G)
    for k in range(G):
        gg[k] = (Wty[k] - WWg[k]) / s
    for j in range(Jc):
        if a[j] == 0.0:
            continue
        c = a[j] / s
        for k in range(m_ptr[j], m_ptr[j + 1]):
            gg[m_idx[k]] -= c * m_val[k]
    for p in range(has_int + P):
        grad[p] += gg[p]
    gLs = np.zeros((F, qmax, qmax))
    gLs[cfac, 0, 0] = 2.0 * tau * g_t
    for f in range(F):
        if f == cfac:
            continue
        q, J = fq[f], fJ[f]
        R = gg[goff[f] : goff[f] + J * q].reshape((J, q))
        zf = theta[fz[f] : fz[f] + J * q].reshape((J, q))
        L = np.ascontiguousarray(Ls[f, :q, :q])
        if fcent[f] == 1:
            gL = np.zeros((q, q))
            lp += centred_prior(zf, L, R, gL)
            gz = R
        else:
            gz = R @ L - zf
            gL = R.T @ zf
        for j in range(J):
            for b in range(q):
                grad[fz[f] + j * q + b] += gz[j, b]
        gLs[f, :q, :q] = gL
    lp += scale_priors(
        theta, grad, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, beta_eta, pri_sd, gLs, Lcs, sds
    )
    return lp, grad


@nb.njit(cache=True, error_model="numpy", parallel=True)
def draw_collapsed_effects(gams, sig, tau, Yc, m_ptr, m_idx, m_val, nlev, seeds):
    r"""Exact draws and conditional means of the integrated factor's effects, per draw.

    ``gams`` (D, G): gamma of each posterior draw; ``sig``, ``tau`` (D,): sigma and the
    factor's SD. Level j: :math:`N(t S_j / D_j, s t / D_j)`, :math:`S = Y_c - M\gamma`.
    """
    D = gams.shape[0]
    Jc = nlev.shape[0]
    out = np.empty((D, Jc))
    cmean = np.empty((D, Jc))
    for k in nb.prange(D):
        np.random.seed(seeds[k])  # noqa: NPY002 - numba per-thread RNG, seeded per draw
        s, t = sig[k] * sig[k], tau[k] * tau[k]
        for j in range(Jc):
            S = Yc[j]
            for e in range(m_ptr[j], m_ptr[j + 1]):
                S -= m_val[e] * gams[k, m_idx[e]]
            Dj = s + nlev[j] * t
            m = t * S / Dj
            cmean[k, j] = m
            out[k, j] = m + math.sqrt(s * t / Dj) * np.random.standard_normal()  # noqa: NPY002
    return out, cmean
