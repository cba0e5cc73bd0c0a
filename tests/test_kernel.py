"""hiermodels' numba log densities against independent computations (no MCMC).

* gradients: central finite differences;
* collapsed Gaussian marginal likelihood: dense N(X beta, Z G Z' + sigma^2 I) from SciPy;
* non-centred likelihood: family log-pmf/pdf from SciPy + N(0, 1) on the z's;
* priors: SciPy densities; LKJ on the Cholesky factor: Stan's formula with a numerically
  differentiated Jacobian of the canonical-partial-correlation map.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import hiermodels as hm
from hiermodels.backends.kernels import _raw_logp, initial_point, kernel_data
from hiermodels.backends.kernels.posterior import constrained
from hiermodels.backends.kernels.priors_nb import cpc_cholesky, lkj_cpc
from hiermodels.model.layout import make_layout


def _fd_check(f, x, data, rel=1e-5):
    lp, g = f(x, **data)
    eps = 1e-6
    num = np.array(
        [
            (f(x + eps * e, **data)[0] - f(x - eps * e, **data)[0]) / (2 * eps)
            for e in np.eye(len(x))
        ]
    )
    assert np.isfinite(lp)
    np.testing.assert_allclose(g, num, rtol=rel, atol=rel * (1 + np.abs(num).max()))


def _sim_counts(seed=3):
    rng = np.random.default_rng(seed)
    n = 120
    g = rng.integers(0, 8, n)
    h = rng.integers(0, 5, n)
    x = rng.normal(size=n)
    eta = 0.3 + 0.5 * x + rng.normal(0, 0.5, 8)[g] + rng.normal(0, 0.3, 5)[h]
    return pd.DataFrame(
        {
            "x": x,
            "g": [f"g{k}" for k in g],
            "h": [f"h{k}" for k in h],
            "yc": rng.poisson(np.exp(eta)),
            "yb": rng.binomial(1, 1 / (1 + np.exp(-eta))),
            "n": rng.integers(5, 12, n),
            "yg": eta + rng.normal(0, 0.4, n),
            "t": rng.uniform(0.5, 2, n),
        }
    ).assign(ys=lambda d: rng.binomial(d["n"], 1 / (1 + np.exp(-eta))))


CASES = [
    ("yg ~ x + (x | g) + (1 | h)", "gaussian"),
    ("yb ~ x + (x | g)", "bernoulli"),
    ("ys | trials(n) ~ x + (1 | g) + (1 | h)", "binomial"),
    ("yc ~ x + offset(log(t)) + (x || g)", "poisson"),
    ("yc ~ x + (x | g) + (1 | g:h)", "negbinomial"),
]


@pytest.mark.parametrize("formula,family", CASES)
def test_noncentred_gradient(formula, family):
    m = hm.Model(formula, _sim_counts(), family=family, parameterization="noncentered")
    lay = make_layout(m, collapsed=False)
    data = kernel_data(m, lay)
    x = initial_point(m, lay, np.random.default_rng(0))
    _fd_check(_raw_logp(lay), x, data)


@pytest.mark.parametrize(
    "formula",
    [
        "Reaction ~ Days + (Days | Subject)",
        "Reaction ~ Days + (Days || Subject)",
        "Reaction ~ 1 + (1 | Subject)",
    ],
)
def test_collapsed_gradient(sleep, formula):
    m = hm.Model(formula, sleep)
    lay = make_layout(m, collapsed=True)
    x = initial_point(m, lay, np.random.default_rng(2))
    _fd_check(_raw_logp(lay), x, kernel_data(m, lay))


def _lkj_reference(y, m, eta):
    """Stan's LKJ-Cholesky density + log|Jacobian| of y -> strictly-lower L (numeric)."""
    L = cpc_cholesky(y, m)
    lp = sum((m - i + 2 * eta - 3) * np.log(L[i, i]) for i in range(1, m))
    idx = np.tril_indices(m, -1)
    eps = 1e-6
    jac = np.array(
        [
            (cpc_cholesky(y + eps * e, m)[idx] - cpc_cholesky(y - eps * e, m)[idx]) / (2 * eps)
            for e in np.eye(len(y))
        ]
    )
    return lp + np.linalg.slogdet(jac)[1]


@pytest.mark.parametrize("m", [2, 3, 4])
def test_lkj_cpc_density_and_jacobian(m):
    rng = np.random.default_rng(m)
    k = m * (m - 1) // 2
    y1, y2 = rng.normal(size=k), rng.normal(size=k)
    got = [lkj_cpc(y, m, 2.0, np.zeros((m, m)), np.zeros(k)) for y in (y1, y2)]
    ref = [_lkj_reference(y, m, 2.0) for y in (y1, y2)]
    np.testing.assert_allclose(got[0] - got[1], ref[0] - ref[1], rtol=1e-6, atol=1e-6)
    L = cpc_cholesky(y1, m)
    np.testing.assert_allclose(np.diag(L @ L.T), 1.0)


def _prior_terms(m, vals):
    pri = m._priors
    lp = 0.0
    if pri.intercept is not None:
        lp += pri.intercept.logpdf(vals["Intercept_c"])
    for k, name in enumerate(n for n in m.design.fixed_names if n != "Intercept"):
        lp += pri.b[name].logpdf(vals["b"][k])
    for g in m.design.groups:
        for a, t in enumerate(g.terms):
            lp += pri.sd[g.name][t].logpdf(vals[f"sd_{g.dim}"][a])
    for name, p in pri.aux.items():
        lp += p.logpdf(vals[name])
    return lp


def _log_jac_and_lkj(m, lay, x):
    """log-Jacobian of the positive parameters + LKJ/CPC part (reference implementation)."""
    out = float(
        np.sum(
            x[
                np.concatenate(
                    [
                        np.arange(lay.flogsd[f], lay.flogsd[f] + lay.fq[f])
                        for f in range(len(lay.fq))
                    ]
                )
            ]
        )
    )
    if lay.aux_pos >= 0:
        out += x[lay.aux_pos]
    for k in range(len(lay.bfac)):
        if lay.bcorr[k] and lay.bsize[k] > 1:
            mm = lay.bsize[k]
            out += _lkj_reference(
                x[lay.bcpc[k] : lay.bcpc[k] + mm * (mm - 1) // 2], mm, lay.beta_eta[k]
            )
    return out


def test_collapsed_logp_equals_dense_marginal(sleep):
    m = hm.Model("Reaction ~ Days + (Days | Subject)", sleep)
    lay = make_layout(m, collapsed=True)
    data = kernel_data(m, lay)
    f = _raw_logp(lay)
    d = m.design
    vals_diff = []
    for seed in (0, 1):
        x = initial_point(m, lay, np.random.default_rng(seed))
        v = {k: a[0] for k, a in constrained(m, lay, x[None, :]).items()}
        G = v["L_Subject"] @ v["L_Subject"].T
        mu = v["Intercept"] + d.X[:, 1] * v["b"][0]
        Zfull = np.zeros((d.n, 36))
        g = d.groups[0]
        for a in range(2):
            Zfull[np.arange(d.n), g.codes * 2 + a] = g.Z[:, a]
        V = Zfull @ np.kron(np.eye(18), G) @ Zfull.T + v["sigma"] ** 2 * np.eye(d.n)
        ref = stats.multivariate_normal(mu, V).logpdf(d.y) + _prior_terms(m, v)
        ref += _log_jac_and_lkj(m, lay, x)
        vals_diff.append(f(x, **data)[0] - ref)
    # equal up to the LKJ normalising constant, which the kernel omits
    assert abs(vals_diff[0] - vals_diff[1]) < 1e-6


@pytest.mark.parametrize("formula,family", CASES)
def test_noncentred_logp_equals_scipy(formula, family):
    m = hm.Model(formula, _sim_counts(), family=family, parameterization="noncentered")
    lay = make_layout(m, collapsed=False)
    data = kernel_data(m, lay)
    f = _raw_logp(lay)
    d = m.design
    diffs = []
    for seed in (0, 1):
        x = initial_point(m, lay, np.random.default_rng(seed))
        v = {k: a[0] for k, a in constrained(m, lay, x[None, :]).items()}
        eta = d.X @ np.r_[v.get("Intercept", []), v.get("b", [])] + (
            d.offset if d.offset is not None else 0.0
        )
        zlp = 0.0
        for k, g in enumerate(d.groups):
            z = x[lay.fz[k] : lay.fz[k] + g.n_levels * g.q].reshape(g.n_levels, g.q)
            r = z @ v[f"L_{g.dim}"].T
            eta = eta + np.sum(g.Z * r[g.codes], axis=1)
            zlp += stats.norm.logpdf(z).sum()
        aux = {a: v[a] for a in m.family.aux}
        ll = m.family.logpdf(d.y, eta, aux, d.trials).sum()
        ref = ll + zlp + _prior_terms(m, v) + _log_jac_and_lkj(m, lay, x)
        diffs.append(f(x, **data)[0] - ref)
    assert abs(diffs[0] - diffs[1]) < 1e-6


def test_exact_group_effect_draws_match_dense_conditional(sleep):
    """b_j | y, theta ~ N(G Z_j' V_j^{-1} r_j, (G^{-1} + Z_j'Z_j / sigma^2)^{-1})."""
    from hiermodels.backends.kernels.collapsed_nb import draw_group_effects

    m = hm.Model("Reaction ~ Days + (Days | Subject)", sleep)
    lay = make_layout(m, collapsed=True)
    data = kernel_data(m, lay)
    x = initial_point(m, lay, np.random.default_rng(4))
    v = {k: a[0] for k, a in constrained(m, lay, x[None, :]).items()}
    L, sigma = v["L_Subject"], v["sigma"]
    beta = x[:2]
    n = 20000
    seeds = np.random.default_rng(5).integers(0, 2**31 - 1, n)
    out, cmean = draw_group_effects(
        np.tile(beta, (n, 1)),
        np.full(n, sigma),
        np.tile(L, (n, 1, 1)),
        data["ZtZ"],
        data["ZtX"],
        data["Zty"],
        seeds,
    )
    d, g = m.design, m.design.groups[0]
    G = L @ L.T
    Xc = np.column_stack([np.ones(d.n), d.X[:, 1] - m._priors.xbar])
    for j in (0, 7):
        rows = g.codes == j
        Z = g.Z[rows]
        V = Z @ G @ Z.T + sigma**2 * np.eye(rows.sum())
        mean = G @ Z.T @ np.linalg.solve(V, d.y[rows] - Xc[rows] @ beta)
        cov = np.linalg.inv(np.linalg.inv(G) + Z.T @ Z / sigma**2)
        np.testing.assert_allclose(cmean[0, j], mean, rtol=1e-8)
        se = np.sqrt(np.diag(cov) / n)
        assert np.all(np.abs(out[:, j].mean(0) - mean) < 4 * se)
        # sample covariance within Monte Carlo error (sd of a variance estimate ~ sqrt(2/n))
        np.testing.assert_allclose(np.cov(out[:, j].T), cov, rtol=6 * np.sqrt(2 / n), atol=0)
