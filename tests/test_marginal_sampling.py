"""The fully marginal Gaussian path end to end: sampling, exact effect draws, agreement.

The kernel itself (log density vs SciPy's dense multivariate normal, gradients vs finite
differences, exact draws vs the dense conditional) is tested in tests/test_marginal.py.
Here: the posterior it gives equals the posterior of two other, independent samplers of
the same model (the one-factor collapsed kernel, which samples the fixed effects, and the
joint kernel, which samples every group effect) within Monte Carlo error — tolerances are
4 combined Monte Carlo standard errors from the MEASURED bulk ESS of both fits; it has no
divergences where the old paths had them (pastes: 88, penicillin: 10, issue 11); lme4's
REML estimates lie inside its intervals; SBC ranks of a crossed model are uniform.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference_values import PASTES_LMER, PENICILLIN_LMER

import hiermodels as hm
from hiermodels.errors import DataError

pytestmark = pytest.mark.sampling


def _mcse(tab):
    return tab["sd"] / np.sqrt(tab["ess_bulk"])


def _agree(a, b):
    sa, sb = a.summary(), b.summary()
    z = (sa["mean"] - sb["mean"]).abs() / np.sqrt(_mcse(sa) ** 2 + _mcse(sb) ** 2)
    assert (z < 4).all(), pd.DataFrame({"a": sa["mean"], "b": sb["mean"], "z": z})


def _crossed(seed=5, A=8, C=6, m=3):
    rng = np.random.default_rng(seed)
    a = np.repeat(np.arange(A), C * m)
    c = np.tile(np.repeat(np.arange(C), m), A)
    x = rng.normal(size=a.size)
    y = 1 + 0.5 * x + rng.normal(0, 0.7, A)[a] + rng.normal(0, 0.4, C)[c] + rng.normal(size=a.size)
    return pd.DataFrame({"y": y, "x": x, "a": a.astype(str), "c": c.astype(str)})


def test_sleepstudy_marginal_equals_collapsed_kernel(sleep):
    f = "Reaction ~ Days + (Days | Subject)"
    a = hm.Model(f, sleep).fit(seed=3, progressbar=False)
    b = hm.Model(f, sleep, parameterization="collapsed").fit(seed=4, progressbar=False)
    assert a.idata.posterior.attrs["parameterization"] == '{"Subject": "marginal"}'
    assert "rao_blackwell" in a.idata.groups()
    _agree(a, b)


def test_pastes_nested_no_divergences_and_lme4_inside():
    fit = hm.Model("strength ~ 1 + (1 | batch/cask)", hm.datasets.load("pastes")).fit(
        seed=1, progressbar=False
    )
    d = fit.diagnostics()
    assert d["divergences"] == 0 and d["max_rhat"] <= 1.01
    fe, vc = fit.fixed_effects(), fit.varcorr()
    lo, hi = fe.loc["Intercept", ["lower", "upper"]]
    assert lo < PASTES_LMER["fixef"]["(Intercept)"] < hi
    lo, hi = vc.loc["sd(batch:cask, Intercept)", ["lower", "upper"]]
    assert lo < PASTES_LMER["sd_cask:batch_(Intercept)"] < hi
    lo, hi = vc.loc["sigma", ["lower", "upper"]]
    assert lo < PASTES_LMER["sigma"] < hi


def test_penicillin_crossed_agrees_with_joint_kernel():
    data = hm.datasets.load("penicillin")
    f = "diameter ~ 1 + (1 | plate) + (1 | sample)"
    a = hm.Model(f, data).fit(seed=1, progressbar=False)
    assert a.diagnostics()["divergences"] == 0
    b = hm.Model(f, data, parameterization="noncentered").fit(
        seed=2, target_accept=0.99, progressbar=False
    )
    _agree(a, b)
    vc = a.varcorr()
    for row, key in (("sd(plate, Intercept)", "sd_plate_(Intercept)"), ("sigma", "sigma")):
        lo, hi = vc.loc[row, ["lower", "upper"]]
        assert lo < PENICILLIN_LMER[key] < hi, row


def test_simulated_crossed_with_slope_agrees_with_joint_kernel():
    df = _crossed()
    f = "y ~ x + (1 | a) + (1 | c)"
    a = hm.Model(f, df).fit(seed=1, chains=2, progressbar=False)
    b = hm.Model(f, df, parameterization="noncentered").fit(
        seed=2, chains=2, target_accept=0.95, progressbar=False
    )
    assert a.diagnostics()["divergences"] == 0
    _agree(a, b)
    # exact group-effect draws: their posterior mean equals the Rao-Blackwell mean within MC
    r = a.idata.posterior["r_a"].values.reshape(-1, 8)
    rb = a.idata.rao_blackwell["r_a"].values.ravel()
    assert np.all(np.abs(r.mean(0) - rb) < 5 * r.std(0) / np.sqrt(r.shape[0]))


def test_sbc_ranks_uniform_for_crossed_marginal_model():
    pytest.importorskip("distributed")
    pytest.importorskip("pyarrow")
    from daskhelp import shared_client

    import hiermodels.studies as hs

    rng = np.random.default_rng(8)
    a = np.repeat(np.arange(5), 6)
    c = np.tile(np.arange(3), 10)
    df = pd.DataFrame(
        {"y": rng.normal(size=30), "x": rng.normal(size=30), "a": a.astype(str), "c": c.astype(str)}
    )
    model = hm.Model("y ~ x + (1 | a) + (1 | c)", df)
    res = hs.sbc(
        model, client=shared_client(), n=20, L=19, draws=100, tune=100, chains=2, seed=13,
        batch_size=5, progress=False,
    )  # fmt: skip
    assert (res.ranks["error"] == "").all()
    assert res.verdict.startswith("calibrated"), (res.verdict, res.table)


def test_factor_confounded_with_fixed_effect_is_a_clear_error():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"y": rng.normal(size=20), "g": np.repeat(list("abcd"), 5)})
    with pytest.raises(DataError, match="g"):
        hm.Model("y ~ g + (1 | g)", df).fit(draws=50, tune=50, chains=1, progressbar=False)
