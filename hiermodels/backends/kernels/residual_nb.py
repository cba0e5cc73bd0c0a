r"""Log posterior and its analytic gradient for Gaussian models with residual structures.

Per unit :math:`u` (see :mod:`hiermodels.model.residual`), with :math:`r_u = y_u - X_u\gamma`,

.. math::

    \log N(y_u \mid X_u\gamma, V_u) = -\tfrac12\left(n_u\log 2\pi + \log|V_u|
        + r_u^\top V_u^{-1} r_u\right),

evaluated through a dense Cholesky factor of :math:`V_u` (units are small). With
:math:`\alpha = V_u^{-1}r_u` and :math:`W = \alpha\alpha^\top - V_u^{-1}`, the derivative with
respect to any entry is :math:`\partial\log N/\partial V_{ij} = \tfrac12 W_{ij}` and
:math:`\partial\log N/\partial\gamma = X_u^\top\alpha`; the chain rule then gives

* :math:`\partial/\partial\log\sigma = \sum_{ij} W_{ij}(D R D)_{ij}` and
  :math:`\partial/\partial\log\delta_k = \sum_{i:k(i)=k}\sum_j W_{ij}(DRD)_{ij}`;
* :math:`\partial/\partial\phi = \tfrac12\sum_{i\ne j} W_{ij}D_iD_j|t_i-t_j|\phi^{|t_i-t_j|-1}`;
  :math:`\partial/\partial\rho = \tfrac12\sum_{i\ne j}W_{ij}D_iD_j`;
* unstructured :math:`\Omega = L L^\top`: :math:`\partial/\partial\Omega_{ab} = \tfrac12
  \sum_{a(i)=a, a(j)=b} W_{ij}D_iD_j`, :math:`\partial/\partial L = 2(\partial/\partial\Omega)L`,
  then the CPC map (:func:`priors_nb.lkj_cpc`);
* random effects :math:`G = \Lambda\Lambda^\top`, :math:`\Lambda = \mathrm{diag}(\tau)L_c`:
  :math:`M = \sum_{c_i=c_j}W_{ij}z_iz_j^\top`, :math:`\partial/\partial\Lambda = M\Lambda`.

The unconstrained vector is ``[gamma (p), log sigma, log delta_2.. (K-1), correlation (nc),
log tau (q), CPCs of L_c]``; ``gamma`` multiplies the centred design (intercept at the
predictor means). Transforms: AR(1) :math:`\phi=\tanh z`, CAR(1) :math:`\phi = 1/(1+e^{-z})`,
CS :math:`\rho = l + (1-l)/(1+e^{-z})` (uniform priors on their ranges, log-Jacobians
included), :math:`\log\delta_k \sim N(0, 1)` (lognormal ratios).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hiermodels.backends.kernels.priors_nb import (
    cpc_cholesky,
    lkj_cpc,
    log_positive,
    real_prior,
)
from hiermodels.backends.kernels.residual_ar1_nb import markov_unit

LOG_2PI = math.log(2.0 * math.pi)
IID, AR1, CAR1, CS, UN = 0, 1, 2, 3, 4
# meta: p, K, kind, nc, nT, q, re_correlated, n_cpc_re
_JIT = dict(cache=True, error_model="numpy", nogil=True)


@nb.njit(**_JIT)
def corr_param(kind, z, lo):
    """(value, d value/dz, log-Jacobian + log prior, its d/dz) of a scalar correlation."""
    if kind == AR1:
        v = math.tanh(z)
        return v, 1.0 - v * v, math.log1p(-v * v) - math.log(2.0), -2.0 * v
    p = 1.0 / (1.0 + math.exp(-z))
    if kind == CAR1:
        return p, p * (1.0 - p), math.log(p) + math.log1p(-p), 1.0 - 2.0 * p
    return (
        lo + (1.0 - lo) * p,
        (1.0 - lo) * p * (1.0 - p),
        math.log(p) + math.log1p(-p),
        1.0 - 2.0 * p,
    )


@nb.njit(**_JIT)
def unpack(theta, meta, lo):
    """Constrained parts: gamma, SD per level, scalar correlation, Omega's L, Lambda."""
    p, K, kind, nc, nT, q, rec = meta[0], meta[1], meta[2], meta[3], meta[4], meta[5], meta[6]
    gamma = theta[:p]
    sd = np.empty(K)
    sigma = math.exp(theta[p])
    sd[0] = sigma
    for k in range(1, K):
        sd[k] = sigma * math.exp(theta[p + k])
    c0 = p + K
    par = 0.0
    Lr = np.eye(max(nT, 1))
    if kind == UN:
        Lr = cpc_cholesky(theta[c0 : c0 + nc], nT)
    elif kind != IID:
        par = corr_param(kind, theta[c0], lo)[0]
    g0 = c0 + nc
    Lc = np.eye(q)
    if rec and q > 1:
        Lc = cpc_cholesky(theta[g0 + q :], q)
    Lam = np.empty((q, q))
    for a in range(q):
        for b in range(q):
            Lam[a, b] = math.exp(theta[g0 + a]) * Lc[a, b]
    return gamma, sd, par, Lr, Lc, Lam


@nb.njit(**_JIT)
def unit_cov(s, e, order, kind, par, Om, sd, slev, tval, Z, codes, G):
    """Residual part D R D and full covariance V of the unit's rows order[s:e]."""
    n = e - s
    Vr = np.empty((n, n))
    for a in range(n):
        i = order[s + a]
        for b in range(a + 1):  # lower triangle, mirrored
            j = order[s + b]
            if a == b:
                R = 1.0
            elif kind == AR1 or kind == CAR1:
                R = par ** abs(tval[i] - tval[j])
            elif kind == CS:
                R = par
            elif kind == UN:
                R = Om[int(tval[i]), int(tval[j])]
            else:
                R = 0.0
            Vr[a, b] = sd[slev[i]] * sd[slev[j]] * R
            Vr[b, a] = Vr[a, b]
    V = Vr.copy()
    q = G.shape[0]
    if q > 0:
        for a in range(n):
            i = order[s + a]
            for b in range(n):
                j = order[s + b]
                if codes[i] == codes[j]:
                    acc = 0.0
                    for k in range(q):
                        for m in range(q):
                            acc += Z[i, k] * G[k, m] * Z[j, m]
                    V[a, b] += acc
    return Vr, V


@nb.njit(**_JIT)
def chol_inv(V):
    """(ok, log|V|, V^-1) through a Cholesky factor."""
    n = V.shape[0]
    L = np.zeros((n, n))
    logdet = 0.0
    for j in range(n):
        s = V[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        if not s > 0.0:
            return False, 0.0, L
        L[j, j] = math.sqrt(s)
        logdet += 2.0 * math.log(L[j, j])
        for i in range(j + 1, n):
            t = V[i, j]
            for k in range(j):
                t -= L[i, k] * L[j, k]
            L[i, j] = t / L[j, j]
    Li = np.zeros((n, n))  # L^-1 (lower)
    for c in range(n):
        Li[c, c] = 1.0 / L[c, c]
        for i in range(c + 1, n):
            t = 0.0
            for k in range(c, i):
                t -= L[i, k] * Li[k, c]
            Li[i, c] = t / L[i, i]
    return True, logdet, Li.T @ Li


@nb.njit(**_JIT)
def unit_loglik(theta, meta, lo, y, X, Z, codes, order, ptr, tval, slev):
    """log N(y_u | X_u gamma, V_u) per unit (random effects integrated out)."""
    gamma, sd, par, Lr, _Lc, Lam = unpack(theta, meta, lo)
    Om = Lr @ Lr.T
    G = Lam @ Lam.T
    U = ptr.shape[0] - 1
    out = np.empty(U)
    markov = meta[5] == 0 and (meta[2] == AR1 or meta[2] == CAR1)
    scratch, gsd = np.zeros(gamma.shape[0]), np.zeros(sd.shape[0])
    for u in range(U):
        s, e = ptr[u], ptr[u + 1]
        if markov:
            out[u] = markov_unit(s, e, order, y, X, gamma, sd, slev, tval, par, scratch, gsd)[0]
            continue
        _Vr, V = unit_cov(s, e, order, meta[2], par, Om, sd, slev, tval, Z, codes, G)
        ok, logdet, Vi = chol_inv(V)
        if not ok:
            out[u] = -np.inf
            continue
        r = np.empty(e - s)
        for a in range(e - s):
            i = order[s + a]
            r[a] = y[i] - X[i] @ gamma
        out[u] = -0.5 * ((e - s) * LOG_2PI + logdet + r @ (Vi @ r))
    return out


@nb.njit(**_JIT)
def logp_grad(theta, meta, lo, y, X, Z, codes, order, ptr, tval, slev, pri_g, pri_s, pri_t, eta):
    """Log posterior (unconstrained space, Jacobians included) and its gradient."""
    p, K, kind, nc, nT, q, rec = meta[0], meta[1], meta[2], meta[3], meta[4], meta[5], meta[6]
    gamma, sd, par, Lr, Lc, Lam = unpack(theta, meta, lo)
    Om = Lr @ Lr.T
    G = Lam @ Lam.T
    grad = np.zeros(theta.shape[0])
    gsd = np.zeros(K)  # d/d log sd_k (before splitting into sigma and ratios)
    gpar = 0.0
    gOm = np.zeros((max(nT, 1), max(nT, 1)))
    M = np.zeros((q, q))
    lp = 0.0
    markov = q == 0 and (kind == AR1 or kind == CAR1)  # O(n): tridiagonal precision
    for u in range(ptr.shape[0] - 1):
        s, e = ptr[u], ptr[u + 1]
        n = e - s
        if markov:
            v, gp = markov_unit(s, e, order, y, X, gamma, sd, slev, tval, par, grad, gsd)
            lp += v
            gpar += gp
            continue
        Vr, V = unit_cov(s, e, order, kind, par, Om, sd, slev, tval, Z, codes, G)
        ok, logdet, Vi = chol_inv(V)
        if not ok:
            return -np.inf, grad
        r = np.empty(n)
        for a in range(n):
            i = order[s + a]
            r[a] = y[i] - X[i] @ gamma
        al = Vi @ r
        lp += -0.5 * (n * LOG_2PI + logdet + r @ al)
        for a in range(n):
            i = order[s + a]
            for k in range(p):
                grad[k] += X[i, k] * al[a]
            for b in range(n):
                j = order[s + b]
                W = al[a] * al[b] - Vi[a, b]
                gsd[slev[i]] += W * Vr[a, b]
                if a == b:
                    continue
                dd = sd[slev[i]] * sd[slev[j]]
                if kind == AR1 or kind == CAR1:
                    lag = abs(tval[i] - tval[j])
                    if abs(par) > 1e-8:  # d(phi^lag)/dphi = lag phi^lag / phi, no pow
                        gpar += 0.5 * W * lag * Vr[a, b] / par
                    else:
                        gpar += 0.5 * W * dd * lag * par ** (lag - 1.0)
                elif kind == CS:
                    gpar += 0.5 * W * dd
                elif kind == UN:
                    gOm[int(tval[i]), int(tval[j])] += 0.5 * W * dd
                if q > 0 and codes[i] == codes[j]:
                    for k in range(q):
                        for m in range(q):
                            M[k, m] += W * Z[i, k] * Z[j, m]
            if q > 0:  # the diagonal term of M
                W = al[a] * al[a] - Vi[a, a]
                for k in range(q):
                    for m in range(q):
                        M[k, m] += W * Z[i, k] * Z[i, m]
    # fixed effects prior
    for k in range(p):
        v, d = real_prior(pri_g[k], theta[k])
        lp += v
        grad[k] += d
    # sigma and varIdent ratios
    v, d, _ = log_positive(pri_s, theta[p])
    lp += v
    grad[p] += d
    for k in range(K):
        grad[p] += gsd[k]
        if k > 0:
            grad[p + k] += gsd[k] - theta[p + k]
            lp += -0.5 * theta[p + k] ** 2 - 0.5 * LOG_2PI
    c0 = p + K
    if kind == UN:
        gL = 2.0 * (gOm @ Lr)
        lp += lkj_cpc(theta[c0 : c0 + nc], nT, 2.0, gL, grad[c0 : c0 + nc])
    elif kind != IID:
        _, dv, lj, dlj = corr_param(kind, theta[c0], lo)
        lp += lj
        grad[c0] += gpar * dv + dlj
    g0 = c0 + nc
    if q > 0:
        gLam = M @ Lam
        gLc = np.zeros((q, q))
        for a in range(q):
            tau = math.exp(theta[g0 + a])
            gt = 0.0
            for b in range(q):
                gt += gLam[a, b] * Lc[a, b]
                gLc[a, b] = gLam[a, b] * tau
            v, d, _ = log_positive(pri_t[a], theta[g0 + a])
            lp += v
            grad[g0 + a] += d + gt * tau
        if rec and q > 1:
            lp += lkj_cpc(theta[g0 + q :], q, eta, gLc, grad[g0 + q :])
    return lp, grad


@nb.njit(**_JIT)
def _chol_psd(A):
    """Lower Cholesky factor of a positive semi-definite matrix (non-positive pivots -> 0)."""
    n = A.shape[0]
    L = np.zeros((n, n))
    for j in range(n):
        s = A[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        if s <= 1e-14 * max(abs(A[j, j]), 1e-300):
            continue
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, n):
            t = A[i, j]
            for k in range(j):
                t -= L[i, k] * L[j, k]
            L[i, j] = t / L[j, j]
    return L


@nb.njit(**_JIT)
def draw_effects(theta, meta, lo, y, X, Z, codes, order, ptr, tval, slev, nlev, zstd):
    """One exact draw of the group effects b | y, theta (levels x q); ``zstd`` ~ N(0, 1).

    Per unit, with the unit's levels stacked: :math:`b \\mid y \\sim N(G_f Z_f^\\top V^{-1} r,\\;
    G_f - G_f Z_f^\\top V^{-1} Z_f G_f)`, :math:`G_f = I \\otimes G`.
    """
    gamma, sd, par, Lr, _Lc, Lam = unpack(theta, meta, lo)
    Om = Lr @ Lr.T
    G = Lam @ Lam.T
    q = G.shape[0]
    out = np.zeros((nlev, q))
    for u in range(ptr.shape[0] - 1):
        s, e = ptr[u], ptr[u + 1]
        n = e - s
        _Vr, V = unit_cov(s, e, order, meta[2], par, Om, sd, slev, tval, Z, codes, G)
        Vi = chol_inv(V)[2]
        levs = np.unique(codes[order[s:e]])
        m = levs.shape[0]
        Zf = np.zeros((n, m * q))
        r = np.empty(n)
        for a in range(n):
            i = order[s + a]
            r[a] = y[i] - X[i] @ gamma
            li = np.searchsorted(levs, codes[i])
            for k in range(q):
                Zf[a, li * q + k] = Z[i, k]
        Gf = np.zeros((m * q, m * q))
        for li in range(m):
            Gf[li * q : (li + 1) * q, li * q : (li + 1) * q] = G
        C = Gf @ Zf.T
        mean = C @ (Vi @ r)
        cov = Gf - C @ Vi @ C.T
        Lb = _chol_psd(0.5 * (cov + cov.T))
        for li in range(m):
            for k in range(q):
                acc = mean[li * q + k]
                for t in range(m * q):
                    acc += Lb[li * q + k, t] * zstd[levs[t // q], t % q]
                out[levs[li], k] = acc
    return out


@nb.njit(**_JIT)
def draw_residuals(theta, meta, lo, Z, codes, order, ptr, tval, slev, zstd):
    """One draw of the correlated residuals e_u ~ N(0, D_u R_u D_u), in design row order."""
    _gamma, sd, par, Lr, _Lc, _Lam = unpack(theta, meta, lo)
    Om = Lr @ Lr.T
    G = np.zeros((0, 0))
    out = np.zeros(order.shape[0])
    for u in range(ptr.shape[0] - 1):
        s, e = ptr[u], ptr[u + 1]
        Vr, _V = unit_cov(s, e, order, meta[2], par, Om, sd, slev, tval, Z, codes, G)
        L = _chol_psd(Vr)
        for a in range(e - s):
            acc = 0.0
            for b in range(a + 1):
                acc += L[a, b] * zstd[order[s + b]]
            out[order[s + a]] = acc
    return out
