"""The one-factor marginal kernel (levels vectorised) against independent answers.

``one_factor_loglik`` must equal the dense multivariate normal log density of y
(``tests/marginal_dense.py``: SciPy, the full N x N covariance), its gradient must equal that of the general block-elimination
kernel (``marginal_loglik``, a different algorithm) and finite differences, and the nutpie
cfunc must return exactly what ``marginal_logp`` returns.
"""

from __future__ import annotations

import ctypes
import inspect

import numpy as np
import pandas as pd
import pytest

from hiermodels.backends.kernels.lapack_nb import lapack_addresses
from hiermodels.backends.kernels.marginal_data import (
    stack_cholesky,
)
from hiermodels.backends.kernels.marginal_native import marginal_cfunc, marginal_native_arrays
from hiermodels.backends.kernels.marginal_nb import marginal_loglik, marginal_logp
from hiermodels.backends.kernels.marginal_one_nb import one_factor_loglik
from hiermodels.backends.kernels.native import make_table
from tests.marginal_dense import dense_loglik, setup_marginal

ARGS = list(inspect.signature(marginal_logp.py_func).parameters)[1:]
STATS = ("yty", "N", "ZtZ0", "Z0tX", "Z0ty", "pptr", "pcol", "P0", "CRR", "cRy", "rfac", "rterm")
FORMULAS = [
    "y ~ x + (1 | g)",  # q = 1
    "y ~ x + (x | g)",  # q = 2, correlated
    "y ~ x + z + (x + z | g)",  # q = 3, 3 x 3 LKJ
    "y ~ 0 + x + (1 | g)",  # no intercept
    "y ~ x + z + (x || g)",  # uncorrelated slopes
]


@pytest.fixture(scope="module")
def sim():
    rng = np.random.default_rng(5)
    n = 90
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.uniform(-1, 1, n),
            "g": [f"g{k}" for k in rng.integers(0, 12, n)],
        }
    )
    df["y"] = 1 + df.x + rng.normal(0, 0.8, 12)[df.g.str[1:].astype(int)] + rng.normal(size=n)
    return df


def _thetas(lay, seed):
    rng = np.random.default_rng(seed)
    th = [rng.normal(0, 0.7, lay.n_dim) for _ in range(3)]
    th[2][lay.flogsd[0]] = -25.0  # an SD of ~1e-11: G singular to working precision
    return th


def _one(data, L, rho, lapack):
    args = [data[k] for k in ("mvec", "svec", "yty", "N", "zz", "zx", "e0", "CRR", "cRy")]
    return one_factor_loglik(L, rho, *args, lapack)


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("lapack", [True, False])
def test_equals_dense_mvn_and_general_kernel(sim, formula, lapack):
    m, lay, data = setup_marginal(formula, sim)
    q = lay.fq[0]
    # SciPy's dpotrf/dpotri at every size, or the plain numba loops
    addr = lapack_addresses(min_n=0) if lapack else np.zeros(3, dtype=np.int64)
    for th in _thetas(lay, 1):
        Ls = stack_cholesky(lay, th)[0]
        sigma = float(np.exp(th[lay.aux_pos]))
        ll, gL, g_rho = _one(data, np.ascontiguousarray(Ls[0]), sigma**-2, addr)
        np.testing.assert_allclose(ll, dense_loglik(m, data, [Ls[0, :q, :q]], sigma), rtol=1e-9)
        args = [data[k] for k in STATS]
        ref = marginal_loglik(Ls, data["fq"], data["f0"], sigma**-2, data["mvec"], data["svec"],
                              *args, addr)  # fmt: skip
        np.testing.assert_allclose(ll, ref[0], rtol=1e-12)
        np.testing.assert_allclose(g_rho, ref[2], rtol=1e-8)
        low = np.tril_indices(q)  # the priors read the lower triangle only
        np.testing.assert_allclose(
            gL[low], ref[1][0][low], rtol=1e-7, atol=1e-9 * np.abs(ref[1][0]).max()
        )


@pytest.mark.parametrize("formula", FORMULAS[2:])
def test_logp_gradient_finite_differences(sim, formula):
    _m, lay, data = setup_marginal(formula, sim)

    def f(th):
        return marginal_logp(th, *[data[k] for k in ARGS])

    for th in _thetas(lay, 2)[:2]:
        lp, g = f(th)
        eps = 1e-6
        num = np.array(
            [(f(th + eps * e)[0] - f(th - eps * e)[0]) / (2 * eps) for e in np.eye(len(th))]
        )
        assert np.isfinite(lp)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5 * (1 + np.abs(num).max()))


def test_not_positive_definite_or_bad_rho_is_minus_inf(sim):
    _m, _lay, data = setup_marginal(FORMULAS[1], sim)
    L = np.eye(2)
    addr = lapack_addresses()
    for rho in (0.0, -1.0, np.inf, np.nan):
        assert _one(data, L, rho, addr)[0] == -np.inf
    assert _one(data, np.full((2, 2), np.nan), 1.0, addr)[0] == -np.inf


def test_native_cfunc_one_factor(sim):
    """The nutpie cfunc (user_data table, now with the level-last arrays) = the kernel."""
    _m, lay, data = setup_marginal(FORMULAS[2], sim)
    arrays = marginal_native_arrays(data)  # the table points into these: keep them alive
    table = make_table(arrays)
    x = np.ascontiguousarray(_thetas(lay, 7)[0])
    out = np.zeros(lay.n_dim)
    logp = np.zeros(1)
    dptr = ctypes.POINTER(ctypes.c_double)
    rc = marginal_cfunc.ctypes(
        lay.n_dim,
        x.ctypes.data_as(dptr),
        out.ctypes.data_as(dptr),
        logp.ctypes.data_as(dptr),
        ctypes.c_void_p(table.ctypes.data),
    )
    lp, g = marginal_logp(x, *[data[k] for k in ARGS])
    assert rc == 0
    assert logp[0] == lp
    np.testing.assert_array_equal(out, g)
