"""Simulation-based calibration: uniform ranks for every family, a wrong prior detected.

SBC (Talts et al. 2018) is exact: if data are simulated from the priors and the sampler is
right, each parameter's rank among L thinned posterior draws is uniform on 0..L. The
verdict's false-alarm rate is alpha = 0.01 over all parameters and both tests (chi-square
on bins, Säilynoja et al. 2022 simultaneous ECDF band), so a correct model fails these
fixed-seed tests with probability <= 0.01. The wrong-prior check fits a N(0, 0.5)
intercept prior to data whose intercept came from N(0, 5): posteriors are pulled toward
0, the true value's ranks pile at 0 and L, and the verdict must say so.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from daskhelp import shared_client

import hiermodels as hm
import hiermodels.studies as hs
from hiermodels.derive.sbc_ranks import ecdf_difference, n_bins, sbc_table, thinned_rank
from hiermodels.derive.simulate import parameter_names
from hiermodels.errors import HiermodelsError

N, L = 20, 19
FAST = dict(n=N, L=L, draws=100, tune=100, chains=2, batch_size=5, progress=False)


def _frame(family: str) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    K, m = 6, 4
    y = rng.poisson(2, K * m).astype(float)
    if family == "bernoulli":
        y = (y > 1).astype(float)
    return pd.DataFrame(
        {
            "y": y,
            "x": np.tile(np.linspace(-1, 1, m), K),
            "g": np.repeat([f"c{k}" for k in range(K)], m),
            "n": 10,
        }
    )


def _model(family: str, priors=None):
    f = "y | trials(n) ~ x + (1 | g)" if family == "binomial" else "y ~ x + (1 | g)"
    if family == "gaussian_slopes":  # correlated intercepts and slopes: LKJ prior on cor
        f, family = "y ~ x + (x | g)", "gaussian"
    if family == "poisson_centred":  # 30 levels x 20 rows: with seed 21, 18 of the 20
        # simulated data sets are centred with the intercept and x absorbed, 15 also whitened
        rng = np.random.default_rng(5)
        df = pd.DataFrame(
            {
                "y": rng.poisson(3, 600),
                "x": rng.normal(0.5, 1, 600),
                "g": np.repeat(np.arange(30), 20),
            }
        )
        return hm.Model("y ~ x + (x | g)", df, family="poisson")
    return hm.Model(f, _frame(family), family=family, priors=priors)


def _slow_ok(request) -> bool:
    expr = request.config.getoption("markexpr") or ""
    return bool(os.environ.get("HIERMODELS_SLOW")) or ("slow" in expr and "not slow" not in expr)


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")  # the "studies" extra (also in "test")
    pytest.importorskip("pyarrow")
    return shared_client()


@pytest.mark.sampling
@pytest.mark.parametrize(
    "family",
    [
        "gaussian",
        "poisson",
        pytest.param("bernoulli", marks=pytest.mark.slow),
        pytest.param("binomial", marks=pytest.mark.slow),
        pytest.param("negbinomial", marks=pytest.mark.slow),
        pytest.param("gaussian_slopes", marks=pytest.mark.slow),
        pytest.param("poisson_centred", marks=pytest.mark.slow),
    ],
)
def test_sbc_ranks_are_uniform(client, family, request):
    if family not in ("gaussian", "poisson") and not _slow_ok(request):
        pytest.skip("slow: run with -m slow or HIERMODELS_SLOW=1")
    model = _model(family)
    # 30 levels x 20 rows with SDs from the prior: 100 warm-up draws leave some chains
    # stuck in both parameterisations (R-hat 2); 400 suffice
    settings = FAST | {"tune": 400} if family == "poisson_centred" else FAST
    res = hs.sbc(model, client=client, seed=21, **settings)
    assert list(res.table.index) == parameter_names(model)
    assert (res.ranks["error"] == "").all()
    assert res.ranks["rank"].between(0, L).all()
    assert res.verdict.startswith("calibrated"), (res.verdict, res.table)
    assert (res.table["n"] == N).all() and (res.table["df"] == 3).all()


@pytest.mark.sampling
def test_sbc_detects_a_wrong_prior(client, tmp_path):
    fitted = _model("gaussian", priors={"Intercept": "normal(0, 0.5)"})
    truth = _model("gaussian", priors={"Intercept": "normal(0, 5)"})
    res = hs.sbc(fitted, generator=truth, client=client, seed=4, out=tmp_path, **FAST)
    assert res.verdict.startswith("miscalibrated") and "Intercept" in res.verdict
    assert not res.table.loc["Intercept", "calibrated"]
    r = res.ranks.query("parameter == 'Intercept'")["rank"]
    assert np.mean((r == 0) | (r == L)) > 0.5  # piled at the ends
    assert (tmp_path / "ranks.parquet").exists() and (tmp_path / "sbc_table.csv").exists()
    fig = res.plot()
    assert len([a for a in fig.axes if a.get_visible()]) == len(res.table)


def test_thinned_rank_and_bins():
    draws = np.arange(200.0).reshape(2, 100)  # chain 0: 0..99, chain 1: 100..199
    out = thinned_rank(draws, 100.5, L=19)
    kept = np.arange(200.0)[np.round(np.linspace(0, 199, 19)).astype(int)]
    assert out["rank"] == int(np.sum(kept < 100.5))
    assert out["ess_short"]  # a trend has tiny ESS: flagged
    rng = np.random.default_rng(0)
    iid = rng.standard_normal((2, 500))
    assert not thinned_rank(iid, 0.0, L=99)["ess_short"]
    assert n_bins(20, 19) == 4 and n_bins(100, 99) == 20 and n_bins(30, 99) == 5
    with pytest.raises(HiermodelsError, match="at least L"):
        thinned_rank(iid[:, :10], 0.0, L=99)


def test_uniformity_tests_on_known_ranks():
    """Exactly uniform ranks pass; ranks piled at the ends fail both tests."""
    L_, n = 19, 200
    uniform = pd.DataFrame(
        {
            "parameter": "a",
            "rank": np.tile(np.arange(L_ + 1), n // (L_ + 1)),
            "L": L_,
            "ess_short": False,
        }
    )
    piled = uniform.assign(parameter="b", rank=np.where(np.arange(n) % 2 == 0, 0, L_))
    tab = sbc_table(pd.concat([uniform, piled]), alpha=0.01)
    assert tab.loc["a", "calibrated"] and tab.loc["a", "chi2"] == pytest.approx(0.0)
    assert not tab.loc["b", "calibrated"] and tab.loc["b", "ecdf_outside"]
    e = ecdf_difference(uniform)
    assert np.allclose(e["ecdf_diff"], 0.0, atol=1e-12)
    assert (e["lower"] < 0).all() and (e["upper"] > 0).all()


def test_sbc_input_errors():
    m = _model("gaussian")
    with pytest.raises(HiermodelsError, match="n >= 10"):
        hs.sbc(m, n=3)
    with pytest.raises(HiermodelsError, match="same parameters"):
        hs.sbc(m, n=20, generator=_model("poisson"))
