"""Hierarchical centring of centred factors (issue 11): which fixed effects each centred
factor absorbs, and that the reparameterisation leaves the log density unchanged.

Independent references: the absorbed columns and coefficients are checked against values
worked out by hand from the simulated design; the log density with absorption at
(beta, gamma) must equal the plain-deviation kernel at (beta, r = gamma - T beta) (a unit
Jacobian map), and its gradient must match central finite differences.
"""

import numpy as np
import pandas as pd
import pytest
from test_kernel import _fd_check

import hiermodels as hm
from hiermodels.backends.kernels import _raw_logp, initial_point, kernel_data
from hiermodels.model.hierarchical_centring import absorption
from hiermodels.model.layout import make_layout


def _data(seed=5, n=240):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 10, n)
    h = rng.integers(0, 4, n)
    x = rng.normal(1.0, 1.0, n)
    u_level = rng.normal(size=10)  # a level-level covariate of g
    w = rng.normal(size=n)  # a row-level covariate in no random term
    eta = 0.2 + 0.4 * x + 0.3 * u_level[g] + 0.2 * w + rng.normal(0, 0.4, 10)[g]
    return pd.DataFrame(
        {
            "x": x,
            "u": u_level[g],
            "w": w,
            "g": [f"g{k}" for k in g],
            "h": [f"h{k}" for k in h],
            "yc": rng.poisson(np.exp(eta)),
            "yb": rng.binomial(1, 1 / (1 + np.exp(-eta))),
            "yo": np.digitize(eta + rng.logistic(size=n), [-0.5, 0.5, 1.5]),
        }
    )


def test_absorption_columns_and_values():
    df = _data()
    m = hm.Model(
        "yc ~ x + u + w + (x | g) + (1 | h)", df, family="poisson", parameterization="centered"
    )
    d = m.design
    xbar = m._priors.xbar  # order: x, u, w
    hc, hk = absorption(d, xbar, [True, True], 1)
    # the intercept goes to the coarsest centred factor (h: 4 levels), x and u to g, w nowhere
    assert list(hk) == [0, 1, 2]
    Jg = d.groups[0].n_levels
    Tg = hc[: Jg * 2].reshape(Jg, 2, 3)
    Th = hc[Jg * 2 :].reshape(-1, 1, 3)
    np.testing.assert_allclose(Th[:, 0, 0], 1.0, atol=1e-12)  # h's intercept column: alpha
    np.testing.assert_allclose(Th[:, 0, 1:], 0.0, atol=1e-12)
    np.testing.assert_allclose(Tg[:, :, 0], 0.0, atol=1e-12)  # g does not take the intercept
    # x: its own column (1) and -xbar on g's intercept column
    np.testing.assert_allclose(Tg[:, 1, 1], 1.0, atol=1e-12)
    np.testing.assert_allclose(Tg[:, 0, 1], -xbar[0], atol=1e-12)
    # u (constant within g): u_j - ubar on the intercept column, nothing on the slope column
    u_j = df.groupby("g")["u"].first().reindex(d.groups[0].levels).to_numpy()
    np.testing.assert_allclose(Tg[:, 0, 2], u_j - xbar[1], atol=1e-12)
    np.testing.assert_allclose(Tg[:, 1, 2], 0.0, atol=1e-12)


def test_absorption_only_centred_factors():
    m = hm.Model(
        "yc ~ x + (x | g) + (1 | h)", _data(), family="poisson", parameterization="centered"
    )
    hc, hk = absorption(m.design, m._priors.xbar, [False, False], 1)
    assert hc.shape[1] == 0 and hk.size == 0
    hc, hk = absorption(m.design, m._priors.xbar, [False, True], 1)
    assert list(hk) == [0]  # only h is centred: it takes the intercept, x stays
    lay = make_layout(m, collapsed=False, hierarchical=False)
    assert lay.hc.shape[1] == 0


def _forced(m):
    """The joint kernel's layout with every centred term absorbed and whitened, whatever
    the pilot says (the map must be exact anyway)."""
    from hiermodels.model.level_whitening import whitening

    lay = make_layout(m, collapsed=False)
    terms = [np.full(q, bool(c)) for q, c in zip(lay.fq, lay.fcent, strict=True)]
    lay.hc, lay.hk = absorption(m.design, m._priors.xbar, terms, lay.has_int)
    lay.wc, lay.fwhite, lay.wlogdet = whitening(m.design, m.family, terms)
    return lay


def test_gate_leaves_weakly_identified_terms_alone():
    """A slope with no variance across 10 levels (pilot SD 0.13, centred by the rule): no
    absorption or whitening; 1,000 informative levels: both."""
    m = hm.Model("yc ~ x + u + (x | g)", _data(seed=8, n=400), family="poisson")
    assert m.factor_parameterization == {"g": "centered"}
    lay = make_layout(m, collapsed=False, hierarchical=True)
    assert lay.hk.size == 0 and not lay.fwhite.any()
    assert "g: deviations r (not informative enough" in m.describe()
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(1000), 30)
    x = rng.normal(size=g.size)
    ab = rng.normal(size=(1000, 2)) * [0.5, 0.3]
    y = rng.poisson(np.exp(1 + ab[g, 0] + (0.5 + ab[g, 1]) * x))
    df = pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})
    m = hm.Model("y ~ x + (x | g)", df, family="poisson")
    lay = make_layout(m, collapsed=False, hierarchical=True)
    assert list(lay.hk) == [0, 1] and list(lay.fwhite) == [1]
    assert "g: levels' own coefficients, centred on Intercept, x, whitened per level" in (
        m.describe()
    )


CASES = [
    ("yc ~ x + u + w + (x | g) + (1 | h)", "poisson", {}),
    ("yb ~ x + u + (1 | g) + (1 | h)", "bernoulli", {}),
    ("yo ~ x + u + (1 | g)", "cumulative", {}),  # no intercept: thresholds
    ("yc ~ x + (x | g)", "zero_inflated_poisson", {"zi": "~ w"}),
]


@pytest.mark.parametrize("formula,family,kw", CASES)
def test_log_density_unchanged_and_gradient(formula, family, kw):
    m = hm.Model(formula, _data(), family=family, parameterization="centered", **kw)
    A = _forced(m)
    B = make_layout(m, collapsed=False)
    assert A.hk.size >= 1
    f, dA, dB = _raw_logp(A), kernel_data(m, A), kernel_data(m, B)
    for seed in (0, 1):
        x = initial_point(m, A, np.random.default_rng(seed))
        xB = x.copy()
        for k in np.flatnonzero(A.fcent):
            gamma = A.gamma(x, k).ravel()
            xB[A.fz[k] : A.fz[k] + A.fJ[k] * A.fq[k]] = gamma - A.centring_shift(x, k)
        lpA, _ = f(x, **dA)
        lpB, _ = f(xB, **dB)
        # the same density up to the whitening map's constant log-Jacobian
        assert abs(lpA - A.wlogdet - lpB) <= 1e-9 * abs(lpB)
        _fd_check(f, x, dA)


def test_initial_point_is_centred_on_the_absorbed_effects():
    m = hm.Model("yc ~ x + u + (1 | g)", _data(), family="poisson", parameterization="centered")
    lay = _forced(m)
    x = initial_point(m, lay, np.random.default_rng(0))
    gamma = x[lay.fz[0] : lay.fz[0] + lay.fJ[0]]
    r = gamma - lay.centring_shift(x, 0)
    # r starts within +-1 starting SD of zero (as without absorption); gamma around T beta
    assert np.abs(r).max() < 1.0 and np.abs(gamma - r).max() > 0.1


def test_whitening_is_the_inverse_curvature_square_root():
    """A gamma model's Fisher weight is its shape, whatever eta: H_j = shape Z_j'Z_j +
    diag(1/tau^2) in closed form (shape and tau: the pilot's); C_j C_j' must be its
    inverse, C_j lower triangular."""
    from hiermodels.model.level_whitening import whitening
    from hiermodels.model.parameterization import pooling_factors, working_weights

    df = _data()
    rng = np.random.default_rng(1)
    lev = df["g"].str[1:].astype(int).to_numpy()
    a, b = rng.normal(0, 1.0, 10), rng.normal(0, 0.5, 10)
    df["yp"] = np.exp(a[lev] + (0.3 + b[lev]) * df["x"]) * rng.gamma(4.0, 0.25, len(df))
    m = hm.Model("yp ~ x + (x | g) + (1 | h)", df, family="gamma")
    d = m.design
    wc, fwhite, logdet = whitening(d, m.family, [np.ones(2, bool), np.ones(1, bool)])
    assert list(fwhite) == [1, 0]  # h has one term: left alone
    g = d.groups[0]
    shape = working_weights(d, m.family, full=True)[3]
    taus = np.asarray(pooling_factors(d, m.family, [g])[g.name][1])
    assert np.all(taus > 0)
    J = g.n_levels
    C = wc[: J * 2].reshape(J, 2, 2)
    for j in range(J):
        Zj = g.Z[g.codes == j]
        H = shape * Zj.T @ Zj + np.diag(1 / taus**2)
        np.testing.assert_allclose(C[j] @ C[j].T, np.linalg.inv(H), rtol=1e-8)
        assert C[j][0, 1] == 0.0
    np.testing.assert_array_equal(wc[J * 2 :, 0], 1.0)  # identity rows for h
    assert np.isclose(logdet, np.sum(np.log(np.abs(np.diagonal(C, axis1=1, axis2=2)))))


def test_whitened_posterior_matches_plain_deviations():
    """Posterior means and SDs of the same Poisson model sampled (a) with hierarchical
    centring + whitening (the default kernel path) and (b) non-centred agree within
    4 Monte Carlo standard errors (from measured ESS)."""
    import arviz as az

    rng = np.random.default_rng(8)
    J, n = 12, 40
    g = np.repeat(np.arange(J), n)
    x = rng.normal(0.5, 1.0, J * n)
    u = rng.normal(size=J)
    ab = rng.normal(size=(J, 2)) * [0.5, 0.3]
    eta = 1.0 + 0.3 * u[g] + ab[g, 0] + (0.5 + ab[g, 1]) * x
    df = pd.DataFrame({"x": x, "u": u[g], "g": g.astype(str), "yc": rng.poisson(np.exp(eta))})
    fits = {}
    lay = make_layout(
        hm.Model("yc ~ x + u + (x | g)", df, family="poisson", parameterization="centered"),
        collapsed=False,
        hierarchical=True,
    )
    assert list(lay.hk) == [0, 1, 2] and list(lay.fwhite) == [1]  # the path under test
    for par in ("centered", "noncentered"):
        m = hm.Model("yc ~ x + u + (x | g)", df, family="poisson", parameterization=par)
        fits[par] = m.fit(draws=600, tune=600, chains=2, seed=3, progressbar=False)
    assert fits["centered"].diagnostics()["divergences"] == 0
    for v in ("Intercept", "b", "sd_g", "r_g"):
        a, b = (fits[p].idata.posterior[v] for p in ("centered", "noncentered"))
        se = np.sqrt(
            (a.std(("chain", "draw")) ** 2 / az.ess(a)[v])
            + (b.std(("chain", "draw")) ** 2 / az.ess(b)[v])
        )
        z = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw"))) / se
        assert float(z.max()) < 4.5, (v, float(z.max()))


def test_whitening_falls_back_to_identity_when_the_pilot_fails():
    """All-zero counts: no finite curvature at the pilot; the factor is left unwhitened
    (the map stays exact) instead of raising."""
    from hiermodels.model.level_whitening import whitening

    df = _data()
    df["y0"] = 0
    m = hm.Model("y0 ~ x + (x | g)", df, family="poisson")
    wc, fwhite, logdet = whitening(m.design, m.family, [np.ones(2, bool)])
    J = m.design.groups[0].n_levels
    rows = wc.reshape(J, 2, 2)
    if not fwhite[0]:
        np.testing.assert_array_equal(rows, np.broadcast_to(np.eye(2), rows.shape))
        assert logdet == 0.0
    else:  # a finite, positive-definite curvature after all
        assert np.all(np.isfinite(wc)) and np.all(np.diagonal(rows, axis1=1, axis2=2) > 0)
