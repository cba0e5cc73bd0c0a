"""Each posterior draw's covariance factors, looped in numba: one call, not one per draw.

The posterior assembly turns every draw's unconstrained SDs and CPCs into the Cholesky
factor L_f of G_f, the correlation factor and the SDs. Calling the per-draw kernels of
:mod:`.glmm_nb` from a Python loop costs a numba dispatch per draw (~5-10 us each: 20-40 ms
for 4 x 1000 draws, per factor). These loops call the same kernels, so the values are the
same bit for bit.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hiermodels.backends.kernels.glmm_nb import factor_cholesky, factor_cholesky_pri

_JIT = dict(cache=True, error_model="numpy", nogil=True)


@nb.njit(**_JIT)
def factor_cholesky_draws(theta, f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, pri_sd):
    """:func:`.glmm_nb.factor_cholesky_pri` for every row of ``theta`` (D, n_dim).

    Returns ``(L, Lc, sd)`` of shapes (D, q, q), (D, q, q), (D, q) for factor ``f``.
    """
    D, q = theta.shape[0], fq[f]
    L = np.empty((D, q, q))
    Lc = np.empty((D, q, q))
    sd = np.empty((D, q))
    for k in range(D):
        Lk, Lck, sdk = factor_cholesky_pri(
            theta[k], f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc, pri_sd
        )
        L[k] = Lk
        Lc[k] = Lck
        sd[k] = sdk
    return L, Lc, sd


@nb.njit(**_JIT)
def stack_factor_cholesky(theta, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc):
    """:func:`.glmm_nb.factor_cholesky` (SDs on the log scale) of every factor and every row
    of ``theta`` (D, n_dim): L of shape (D, F, qmax, qmax), zero-padded."""
    D, F = theta.shape[0], fq.shape[0]
    qmax = 1
    for f in range(F):
        qmax = max(qmax, fq[f])
    Ls = np.zeros((D, F, qmax, qmax))
    for d in range(D):
        for f in range(F):
            q = fq[f]
            Ls[d, f, :q, :q] = factor_cholesky(
                theta[d], f, fq, flogsd, bfac, bstart, bsize, bcorr, bcpc
            )[0]
    return Ls
