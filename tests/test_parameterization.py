"""Centred and non-centred PyMC graphs state the same model.

Without MCMC: for r_j = L z_j, log p_c(theta, r) = log p_nc(theta, z) - J log|det L|
(change of variables per level). With MCMC: same posterior within Monte Carlo error.
"""

import numpy as np
import pandas as pd
import pytest

import hiermodels as hm


def _logps(model_nc, model_c, g, seed):
    """Log densities of both graphs at matching points, and J log|det L|."""
    import pytensor

    rng = np.random.default_rng(seed)
    ip = model_nc.initial_point()
    point = {k: v + rng.uniform(-0.5, 0.5, np.shape(v)) for k, v in ip.items()}
    logp_nc = model_nc.compile_logp()(point)
    (r_graph,) = model_nc.replace_rvs_by_values([model_nc[f"r_{g}"]])
    r_fn = pytensor.function(model_nc.value_vars, r_graph, on_unused_input="ignore")
    r = r_fn(**{v.name: point[v.name] for v in model_nc.value_vars})
    z = point[f"z_{g}"]
    Lt, *_ = np.linalg.lstsq(z, r, rcond=None)  # exact: r = z L' and z has full column rank
    point_c = {k: v for k, v in point.items() if k != f"z_{g}"}
    point_c[f"r_{g}"] = r
    logp_c = model_c.compile_logp()(point_c)
    return logp_c, logp_nc, z.shape[0] * np.log(abs(np.linalg.det(Lt)))


@pytest.mark.parametrize(
    "formula", ["Reaction ~ Days + (Days | Subject)", "Reaction ~ Days + (Days || Subject)"]
)
def test_centred_noncentred_same_logp(sleep, formula):
    nc = hm.Model(formula, sleep, parameterization="noncentered").pymc_model
    c = hm.Model(formula, sleep, parameterization="centered").pymc_model
    for seed in (0, 1):
        logp_c, logp_nc, logdet = _logps(nc, c, "Subject", seed)
        np.testing.assert_allclose(logp_c, logp_nc - logdet, rtol=1e-9)


@pytest.mark.sampling
def test_centred_posterior_matches(sleep):
    fc = hm.Model("Reaction ~ Days + (Days | Subject)", sleep, parameterization="centered").fit(
        seed=4, progressbar=False, target_accept=0.9
    )
    fk = hm.Model("Reaction ~ Days + (Days | Subject)", sleep).fit(seed=5, progressbar=False)
    assert fc.sampler == "hiermodels"  # centred runs on the kernel (issue 11)
    a, b = fc.summary(), fk.summary()
    mcse = np.sqrt((a["sd"] ** 2 / a["ess_bulk"]) + (b["sd"] ** 2 / b["ess_bulk"]))
    z = (a["mean"] - b["mean"]).abs() / mcse
    assert (z < 4).all(), z


def test_gamma_pilot_uses_its_own_fisher_weight():
    """Gamma (log link) rows carry information shape per row, not mu (Poisson's weight):
    with mean ~150, shape 0.5, tau 0.3 and 10 rows per level a typical pooling factor is
    0.09 * 10 * 0.5 / (1 + 0.45) ~ 0.3 -> non-centred (Poisson weights would say ~0.99)."""
    from hiermodels.model.parameterization import working_weights

    rng = np.random.default_rng(3)
    J, n, shape = 60, 10, 0.5
    g = np.repeat(np.arange(J), n)
    mu = np.exp(5.0 + rng.normal(scale=0.3, size=J)[g])
    df = pd.DataFrame({"y": rng.gamma(shape, mu / shape), "g": g.astype(str)})
    m = hm.Model("y ~ 1 + (1 | g)", df, family="gamma")
    w, _ = working_weights(m.design, m.family)
    est = np.mean(df.y) ** 2 / np.var(df.y)
    np.testing.assert_allclose(w, est)  # the moment estimate of the shape, every row
    assert 0.2 < est < 0.8
    assert m.factor_parameterization["g"] == "noncentered"
