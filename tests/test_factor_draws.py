"""``kernels.factor_draws_nb``: every draw's covariance factors in one numba call, equal
bit for bit to the per-draw kernels it loops over."""

from __future__ import annotations

import numpy as np

import hiermodels as hm
from hiermodels.backends.kernels import _prior_arrays
from hiermodels.backends.kernels.factor_draws_nb import (
    factor_cholesky_draws,
    stack_factor_cholesky,
)
from hiermodels.backends.kernels.glmm_nb import factor_cholesky, factor_cholesky_pri
from hiermodels.model.layout import make_layout


def _model():
    """Two factors: a correlated intercept + slope (q = 2) and an intercept (q = 1)."""
    df = hm.datasets.load("sleepstudy").copy()
    df["half"] = (df["Days"] >= 5).astype(str)
    return hm.Model("Reaction ~ Days + (Days | Subject) + (1 | half)", df)


def test_loops_equal_the_per_draw_kernels():
    m = _model()
    lay = make_layout(m, collapsed=True)
    theta = np.random.default_rng(3).normal(scale=0.7, size=(57, lay.n_dim))
    args = (lay.fq, lay.flogsd, lay.bfac, lay.bstart, lay.bsize, lay.bcorr, lay.bcpc)
    pri_sd = _prior_arrays(m)["pri_sd"]
    Ls = stack_factor_cholesky(theta, *args)
    assert Ls.shape == (57, 2, 2, 2)
    for f, q in enumerate(lay.fq):
        L, Lc, sd = factor_cholesky_draws(theta, f, *args, pri_sd)
        for k in range(theta.shape[0]):
            ref = factor_cholesky_pri(theta[k], f, *args, pri_sd)
            np.testing.assert_array_equal(L[k], ref[0])
            np.testing.assert_array_equal(Lc[k], ref[1])
            np.testing.assert_array_equal(sd[k], ref[2])
            np.testing.assert_array_equal(Ls[k, f, :q, :q], factor_cholesky(theta[k], f, *args)[0])
        assert not Ls[:, f, q:, :].any() and not Ls[:, f, :, q:].any()  # zero padding
