"""Fully marginal Gaussian kernel (fixed + all group effects integrated out), no MCMC.

* log marginal likelihood: SciPy's dense N(Xm, X D^2 X' + Z G Z' + sigma^2 I) (rtol 1e-8);
* full log posterior over theta: + SciPy prior densities, log-Jacobians and the LKJ
  density with a numerically differentiated CPC Jacobian (as in test_kernel);
* gradient: central finite differences (rtol 1e-5);
* one factor: the existing collapsed kernel with beta integrated out exactly (its log
  density is quadratic in beta, so Laplace's formula is exact);
* exact draws: the dense Gaussian conditional of (b, beta) given (sigma, G).
"""

import inspect

import numpy as np
import pandas as pd
import pytest

import hiermodels as hm
from hiermodels.backends.kernels import _raw_logp, kernel_data
from hiermodels.backends.kernels.lapack_nb import lapack_addresses
from hiermodels.backends.kernels.marginal_data import (
    check_marginal_identifiable,
    marginal_data,
    marginal_layout,
    marginal_supported,
    stack_cholesky,
)
from hiermodels.backends.kernels.marginal_draws_nb import draw_effects
from hiermodels.backends.kernels.marginal_nb import marginal_loglik, marginal_logp
from hiermodels.backends.kernels.priors_nb import cpc_cholesky
from hiermodels.errors import HiermodelsError
from hiermodels.model.layout import make_layout
from tests.marginal_dense import dense, dense_loglik, setup_marginal

ARGS = list(inspect.signature(marginal_logp.py_func).parameters)[1:]
LL_ARGS = ("fq", "f0")
STATS = (
    "yty",
    "N",
    "ZtZ0",
    "Z0tX",
    "Z0ty",
    "pptr",
    "pcol",
    "P0",
    "CRR",
    "cRy",
    "rfac",
    "rterm",
    "lapack",
)

FORMULAS = [
    "y ~ x + (1 | ga) + (1 | gb)",  # crossed
    "y ~ x + (1 | gb/gc)",  # nested (gb:gc eliminated per level, gb in the rest)
    "y ~ x + (x | ga)",  # one factor, correlated slopes
    "y ~ x + (x || ga) + (x | gb)",  # uncorrelated + correlated slopes in the rest
    "y ~ x + z + (1 | ga) + (x + z | gb) + (1 | gc)",  # three factors, 3x3 LKJ in the rest
    "y ~ 0 + x + (1 | ga) + (1 | gc)",  # no intercept
]


@pytest.fixture(scope="module")
def sim():
    rng = np.random.default_rng(11)
    n = 96
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "z": rng.uniform(-1, 1, n),
            "ga": [f"a{k}" for k in rng.integers(0, 10, n)],
            "gb": [f"b{k}" for k in rng.integers(0, 4, n)],
            "gc": [f"c{k}" for k in rng.integers(0, 3, n)],
        }
    )
    df["y"] = 2 + df.x + rng.normal(0, 0.7, 10)[df.ga.str[1:].astype(int)] + rng.normal(size=n)
    return df


def _logp(data):
    return lambda th: marginal_logp(th, *[data[k] for k in ARGS])


def _thetas(lay, seed):
    rng = np.random.default_rng(seed)
    th = [rng.normal(0, 0.6, lay.n_dim) for _ in range(2)]
    near_singular = th[0].copy()
    near_singular[lay.flogsd[0]] = -25.0  # an SD of ~1e-11: G singular to working precision
    return [*th, near_singular]


def _loglik(lay, data, th, lapack=True):
    Ls = stack_cholesky(lay, th)[0]
    sigma = np.exp(th[lay.aux_pos])
    args = [data[k] for k in STATS]
    # SciPy's dpotrf/dpotri at every size, or plain numba loops at every size
    args[-1] = lapack_addresses(min_n=0) if lapack else np.zeros(3, dtype=np.int64)
    out = marginal_loglik(Ls, data["fq"], data["f0"], sigma**-2, data["mvec"], data["svec"], *args)
    return out, Ls, sigma


@pytest.mark.parametrize("formula", FORMULAS)
def test_loglik_equals_dense_mvn(sim, formula):
    m, lay, data = setup_marginal(formula, sim)
    for th in _thetas(lay, 1):
        (ll, gL, g_rho), Ls, sigma = _loglik(lay, data, th)
        ref = dense_loglik(m, data, [Ls[f, :q, :q] for f, q in enumerate(lay.fq)], sigma)
        np.testing.assert_allclose(ll, ref, rtol=1e-8)
        (ll2, gL2, g_rho2), _, _ = _loglik(lay, data, th, lapack=False)
        np.testing.assert_allclose([ll2, g_rho2], [ll, g_rho], rtol=1e-8)
        np.testing.assert_allclose(gL2, gL, rtol=1e-7, atol=1e-9 * np.abs(gL).max())


@pytest.mark.parametrize("formula", FORMULAS)
def test_gradient_finite_differences(sim, formula):
    _m, lay, data = setup_marginal(formula, sim)
    f = _logp(data)
    for th in _thetas(lay, 2)[:2]:
        lp, g = f(th)
        eps = 1e-6
        num = np.array(
            [(f(th + eps * e)[0] - f(th - eps * e)[0]) / (2 * eps) for e in np.eye(len(th))]
        )
        assert np.isfinite(lp)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-5 * (1 + np.abs(num).max()))


def _lkj_reference(y, mm, eta):
    """Stan's LKJ-Cholesky density + log|Jacobian| of y -> strictly-lower L (numeric)."""
    L = cpc_cholesky(y, mm)
    lp = sum((mm - i + 2 * eta - 3) * np.log(L[i, i]) for i in range(1, mm))
    idx = np.tril_indices(mm, -1)
    eps = 1e-6
    jac = np.array(
        [
            (cpc_cholesky(y + eps * e, mm)[idx] - cpc_cholesky(y - eps * e, mm)[idx]) / (2 * eps)
            for e in np.eye(len(y))
        ]
    )
    return lp + np.linalg.slogdet(jac)[1]


def _priors_reference(m, lay, th):
    pri = m._priors
    sigma = np.exp(th[lay.aux_pos])
    out = pri.aux["sigma"].logpdf(sigma) + th[lay.aux_pos]
    for f, g in enumerate(m.design.groups):
        for a, t in enumerate(g.terms):
            u = th[lay.flogsd[f] + a]
            out += pri.sd[g.name][t].logpdf(np.exp(u)) + u
    for k in range(len(lay.bfac)):
        if lay.bcorr[k] and lay.bsize[k] > 1:
            mm = lay.bsize[k]
            out += _lkj_reference(
                th[lay.bcpc[k] : lay.bcpc[k] + mm * (mm - 1) // 2], mm, lay.beta_eta[k]
            )
    return out


@pytest.mark.parametrize("formula", [FORMULAS[1], FORMULAS[4]])
def test_logp_is_marginal_plus_priors_and_jacobians(sim, formula):
    m, lay, data = setup_marginal(formula, sim)
    diffs = []
    for th in _thetas(lay, 3)[:2]:
        Ls = stack_cholesky(lay, th)[0]
        sigma = np.exp(th[lay.aux_pos])
        ref = dense_loglik(m, data, [Ls[f, :q, :q] for f, q in enumerate(lay.fq)], sigma)
        diffs.append(_logp(data)(th)[0] - ref - _priors_reference(m, lay, th))
    # equal up to the LKJ normalising constant, which the kernels omit
    assert abs(diffs[0] - diffs[1]) < 1e-6


@pytest.mark.parametrize(
    "formula", ["Reaction ~ Days + (Days | Subject)", "Reaction ~ 1 + (1 | Subject)"]
)
def test_one_factor_equals_collapsed_with_beta_integrated(sleep, formula):
    """log int exp(collapsed_logp(beta, theta)) dbeta, exact by Laplace (quadratic in beta)."""
    m = hm.Model(formula, sleep)
    lay_c = make_layout(m, collapsed=True)
    f_c = _raw_logp(lay_c)
    data_c = kernel_data(m, lay_c)
    lay = marginal_layout(m)
    data = marginal_data(m, lay)
    P1 = lay_c.has_int + lay_c.P
    rng = np.random.default_rng(4)
    for _ in range(2):
        th = rng.normal(0, 0.3, lay.n_dim)
        th[lay.aux_pos] += np.log(30.0)
        th[lay.flogsd] += np.log(20.0)
        beta = np.r_[300.0, np.zeros(P1 - 1)]
        g0 = f_c(np.r_[beta, th], **data_c)[1][:P1]
        eps = 1e-3
        H = np.array(
            [
                (
                    f_c(np.r_[beta + eps * e, th], **data_c)[1][:P1]
                    - f_c(np.r_[beta - eps * e, th], **data_c)[1][:P1]
                )
                / (2 * eps)
                for e in np.eye(P1)
            ]
        )
        H = -(H + H.T) / 2
        bhat = beta + np.linalg.solve(H, g0)
        lap = (
            f_c(np.r_[bhat, th], **data_c)[0]
            + 0.5 * P1 * np.log(2 * np.pi)
            - 0.5 * np.linalg.slogdet(H)[1]
        )
        np.testing.assert_allclose(_logp(data)(th)[0], lap, rtol=1e-9)


@pytest.mark.parametrize("formula", [FORMULAS[0], FORMULAS[1], FORMULAS[4]])
def test_exact_draws_match_dense_conditional(sim, formula):
    """(b, beta) | y, sigma, G ~ N(Q^-1 (Sigma0^-1 mu0 + W'y / sigma^2), Q^-1),
    Q = Sigma0^-1 + W'W / sigma^2 (dense, independent of the block elimination)."""
    m, lay, data = setup_marginal(formula, sim)
    th = _thetas(lay, 5)[0]
    Ls = stack_cholesky(lay, th)
    sigma = np.exp(th[lay.aux_pos])
    mean0, cov0, W, y = dense(m, data, [Ls[0, f, :q, :q] for f, q in enumerate(lay.fq)], sigma)
    P0inv = np.linalg.inv(cov0)
    Q = P0inv + W.T @ W / sigma**2
    cmean = np.linalg.solve(Q, P0inv @ mean0 + W.T @ y / sigma**2)
    n = 20000
    out = draw_effects(data, np.repeat(Ls, n, axis=0), np.full(n, sigma), np.random.default_rng(6))

    def flat(key_r, key_b):
        return np.column_stack([r.reshape(n, -1) for r in out[key_r]] + [out[key_b]])

    np.testing.assert_allclose(flat("r_mean", "beta_mean")[0], cmean, rtol=1e-8, atol=1e-10)
    # whitened by the dense conditional precision, the draws must be N(0, I): each entry of
    # their sample covariance has sd <= sqrt(2 / n); 5 sd over all entries
    Lq = np.linalg.cholesky(Q)
    e = (flat("r", "beta") - cmean) @ Lq
    assert np.all(np.abs(e.mean(0)) < 5 / np.sqrt(n))
    np.testing.assert_allclose(np.cov(e.T), np.eye(len(cmean)), rtol=0, atol=5 * np.sqrt(2 / n))
    # reproducible from the seed
    again = draw_effects(
        data, np.repeat(Ls, 3, axis=0), np.full(3, sigma), np.random.default_rng(6)
    )
    np.testing.assert_array_equal(again["beta"], out["beta"][:3])


def test_confounded_factor_raises_named_error(sim):
    m = hm.Model("y ~ gb + (1 | gb)", sim)
    with pytest.raises(HiermodelsError, match="'gb'"):
        check_marginal_identifiable(m)
    check_marginal_identifiable(hm.Model("y ~ x + (1 | ga) + (x | gb)", sim))  # fine
    # the kernel itself stays finite (A >= I in whitened form): no Cholesky traceback
    lay = marginal_layout(m)
    lp, g = _logp(marginal_data(m, lay))(np.zeros(lay.n_dim))
    assert np.isfinite(lp) and np.all(np.isfinite(g))


def test_non_finite_parameters_give_minus_inf(sim):
    _, lay, data = setup_marginal(FORMULAS[0], sim)
    th = np.zeros(lay.n_dim)
    th[lay.aux_pos] = 800.0  # sigma = inf
    assert _logp(data)(th)[0] == -np.inf
    th[lay.aux_pos] = 0.0
    th[lay.flogsd[0]] = np.nan
    assert _logp(data)(th)[0] == -np.inf


def test_supported_only_with_normal_fixed_priors(sim):
    assert marginal_supported(hm.Model("y ~ x + (1 | ga)", sim)) == (True, "")
    ok, why = marginal_supported(
        hm.Model("y ~ x + (1 | ga)", sim, priors={"b": "student_t(3, 0, 1)"})
    )
    assert not ok and "x" in why
    ok, why = marginal_supported(
        hm.Model("y ~ x + (1 | ga)", sim.assign(y=(sim.y > 2) * 1), family="bernoulli")
    )
    assert not ok


def test_native_cfunc_matches_kernel(sim):
    """The nutpie cfunc (user_data table of raw arrays) returns the kernel's logp and grad."""
    import ctypes

    from hiermodels.backends.kernels.marginal_native import marginal_cfunc, marginal_native_arrays
    from hiermodels.backends.kernels.native import make_table

    _, lay, data = setup_marginal(FORMULAS[4], sim)
    arrays = marginal_native_arrays(data)
    table = make_table(arrays)
    th = _thetas(lay, 7)[0]
    x = np.ascontiguousarray(th)
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
    lp, g = _logp(data)(th)
    assert rc == 0
    np.testing.assert_allclose(logp[0], lp, rtol=1e-12)
    np.testing.assert_allclose(out, g, rtol=1e-12)
