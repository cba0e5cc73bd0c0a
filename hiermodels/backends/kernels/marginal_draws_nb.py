r"""Exact joint draws of (beta, every group effect) after the fully marginal Gaussian fit.

Given (sigma, G) the whitened effects a (:mod:`.marginal_nb`) are Gaussian,
:math:`a \mid y \sim N(\rho A^{-1}u,\; A^{-1})`. With the block factorisation used for the
density, :math:`A = \mathcal L\mathcal L'`, :math:`\mathcal L = \begin{pmatrix} C & 0 \\
\tilde F' & C_S\end{pmatrix}` (:math:`C = \mathrm{diag}(C_j)`), a draw is
:math:`a = \rho w + \mathcal L^{-T} z`, :math:`z \sim N(0, I)`:
:math:`x_R = C_S^{-T}z_R`, :math:`x_j = C_j^{-T}(z_j - \tilde F_j x_{R,P_j})`. Then
:math:`b_{fk} = L_f a_{fk}` and :math:`\beta = m + D a_\beta` (raw scale). The conditional
means :math:`\rho\tilde\Lambda w` come along (Rao-Blackwellised estimates). One seed per
posterior draw keeps the result independent of how numba splits draws across threads.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hiermodels.backends.kernels.lapack_nb import lapack_addresses, potrf_upper, solve_upper
from hiermodels.backends.kernels.marginal_schur_nb import assemble, back_solve, lam_row, lam_table


@nb.njit(cache=True, error_model="numpy", nogil=True, parallel=True)
def draw_marginal_effects(
    Ls,
    sigma,
    fq,
    f0,
    mvec,
    svec,
    ZtZ0,
    Z0tX,
    Z0ty,
    pptr,
    pcol,
    P0,
    CRR,
    cRy,
    rfac,
    rterm,
    lapack,
    seeds,
):
    """Draws for D posterior draws: ``Ls`` (D, F, qmax, qmax), ``sigma`` (D,), ``seeds`` (D,).

    Returns ``beta`` (D, P1), ``b0`` (D, J0, q0) (factor ``f0``), ``bR`` (D, nR) (the
    other factors, R order: see ``rfac``/``rterm``), and the conditional means of the
    three, same shapes. A draw whose precision is not PD gives NaN.
    """
    D = sigma.shape[0]
    J0, q0 = ZtZ0.shape[0], ZtZ0.shape[1]
    P1 = Z0tX.shape[2]
    R = CRR.shape[0]
    nR = R - P1
    beta = np.full((D, P1), np.nan)
    b0 = np.full((D, J0, q0), np.nan)
    bR = np.full((D, nR), np.nan)
    mbeta = np.full((D, P1), np.nan)
    mb0 = np.full((D, J0, q0), np.nan)
    mbR = np.full((D, nR), np.nan)
    for d in nb.prange(D):
        np.random.seed(seeds[d])  # noqa: NPY002 - numba per-thread RNG, seeded per draw
        rho = 1.0 / (sigma[d] * sigma[d])
        Ld = Ls[d]
        lam, ra, rq = lam_table(Ld, fq, rfac, rterm, svec, nR, R)
        ok, C, Ft, g, _u1, S, uRs, _uR, _logdet = assemble(
            Ld[f0, :q0, :q0], lam, ra, rq, rho, mvec, ZtZ0, Z0tX, Z0ty, pptr, pcol, P0, CRR, cRy
        )
        if not ok or not np.all(np.isfinite(S)):
            continue
        if not potrf_upper(S, lapack):  # S = U'U: C_S = U' in the block factor
            continue
        wR = solve_upper(S, uRs)
        xR = np.empty(R)
        for a in range(R):
            xR[a] = np.random.standard_normal()  # noqa: NPY002
        for a in range(R - 1, -1, -1):  # x_R = C_S^-T z_R = U^-1 z_R
            acc = xR[a]
            for k in range(a + 1, R):
                acc -= S[a, k] * xR[k]
            xR[a] = acc / S[a, a]
        aR = rho * wR + xR
        mR = rho * wR
        for c in range(R):
            dr = lam_row(lam, ra, c, aR, c)
            mr = lam_row(lam, ra, c, mR, c)
            if c < nR:
                bR[d, c] = dr
                mbR[d, c] = mr
            else:
                beta[d, c - nR] = mvec[c - nR] + dr
                mbeta[d, c - nR] = mvec[c - nR] + mr
        w1 = np.empty((1, q0))
        z1 = np.empty((1, q0))
        x1 = np.empty((1, q0))
        for j in range(J0):
            p0, cj = pptr[j], pptr[j + 1] - pptr[j]
            back_solve(C, j, Ft, pcol, p0, cj, g, j, wR, w1, 0)
            for a in range(q0):
                z1[0, a] = np.random.standard_normal()  # noqa: NPY002
            back_solve(C, j, Ft, pcol, p0, cj, z1, 0, xR, x1, 0)
            for a in range(q0):
                acc = 0.0
                acc_m = 0.0
                for b in range(a + 1):
                    acc += Ld[f0, a, b] * (rho * w1[0, b] + x1[0, b])
                    acc_m += Ld[f0, a, b] * rho * w1[0, b]
                b0[d, j, a] = acc
                mb0[d, j, a] = acc_m
    return beta, b0, bR, mbeta, mb0, mbR


def draw_effects(data: dict, Ls: np.ndarray, sigma: np.ndarray, rng: np.random.Generator):
    """Exact draws of the fixed and group effects, split per factor (Python wrapper).

    ``data`` from :func:`.marginal_data.marginal_data` (or ``marginal_stats`` + ``mvec``,
    ``svec``, ``fq``), ``Ls`` (D, F, qmax, qmax), ``sigma`` (D,). Returns
    ``{"beta": (D, P1), "beta_mean": ..., "r": [per factor (D, J_f, q_f)],
    "r_mean": [...]}`` with beta = (centred intercept, slopes) as in the kernel.
    """
    seeds = rng.integers(0, 2**31 - 1, len(sigma))
    args = [data[k] for k in ("fq", "f0", "mvec", "svec", "ZtZ0", "Z0tX", "Z0ty", "pptr")]
    args += [data[k] for k in ("pcol", "P0", "CRR", "cRy", "rfac", "rterm")]
    args.append(data.get("lapack", lapack_addresses()))
    beta, b0, bR, mbeta, mb0, mbR = draw_marginal_effects(
        np.ascontiguousarray(Ls, dtype=float), np.asarray(sigma, dtype=float), *args, seeds
    )
    fq, f0, rfac = data["fq"], data["f0"], data["rfac"]
    r, r_mean = [], []
    for f in range(len(fq)):
        if f == f0:
            r.append(b0)
            r_mean.append(mb0)
            continue
        cols = np.flatnonzero(rfac == f)
        r.append(bR[:, cols].reshape(len(sigma), -1, fq[f]))
        r_mean.append(mbR[:, cols].reshape(len(sigma), -1, fq[f]))
    return {"beta": beta, "beta_mean": mbeta, "r": r, "r_mean": r_mean}
