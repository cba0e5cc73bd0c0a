"""Verdicts that do not hide failed checks (issue 15): model adequacy in the verdict,
PSIS-LOO's Pareto-k warning shown with advice, one chain never 'ok'."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from explainfits import fake_fit

import hiermodels as hm
from hiermodels.derive.adequacy import adequacy_checks
from hiermodels.derive.pareto import k_threshold, pareto_k_message
from hiermodels.errors import HiermodelsWarning

LEGACY = Path(__file__).parent / "data" / "fit_v0_1_0.nc"


def _counts(nb: bool, seed: int = 5, J: int = 30, n: int = 12, phi: float = 1.5):
    """log mu = 0.5 + 0.4 x + u_j, u_j ~ N(0, 0.6^2); Poisson or NB2(shape phi) counts."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(J), n)
    x = rng.normal(size=J * n)
    u = rng.normal(0, 0.6, J)
    mu = np.exp(0.5 + 0.4 * x + u[g])
    y = rng.poisson(rng.gamma(phi, mu / phi)) if nb else rng.poisson(mu)
    df = pd.DataFrame({"y": y, "x": x, "g": [f"c{k:02d}" for k in g]})
    return df, u


def _with_stats(fit):
    """Give a fake fit the sample_stats a sampler writes (no divergences)."""
    import xarray as xr

    post = fit.posterior
    zeros = np.zeros((post.sizes["chain"], post.sizes["draw"]), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit.idata.add_groups(
            sample_stats=xr.Dataset(
                {"diverging": (("chain", "draw"), zeros)},
                coords={"chain": post.chain, "draw": post.draw},
            )
        )
    return fit


def _poisson_fit_at_truth(nb: bool):
    """A Poisson 'fit' whose every draw is the true parameter (no MCMC)."""
    df, u = _counts(nb)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hm.Model("y ~ x + (1 | g)", df, family="poisson")
    return _with_stats(
        fake_fit(
            model,
            {"Intercept": 0.5, "b": [0.4], "sd_g": [0.6], "r_g": u[:, None]},
            draws=300,
            chains=2,
        )
    )


def test_overdispersed_counts_fail_the_check_with_advice():
    out = adequacy_checks(_poisson_fit_at_truth(nb=True))
    tab = out["table"]
    assert tab.loc["dispersion", "failed"] and tab.loc["dispersion", "statistic"] > 1.3
    assert any("overdispersed" in w and "family='negbinomial'" in w for w in out["warnings"])


def test_correct_model_passes():
    out = adequacy_checks(_poisson_fit_at_truth(nb=False))
    assert not out["table"]["failed"].any(), out["table"]
    assert out["warnings"] == []


def test_verdict_covers_adequacy():
    fit = _poisson_fit_at_truth(nb=True)
    d = fit.diagnostics()
    assert d["verdict"] != "ok"
    assert any("negbinomial" in w for w in d["warnings"])
    assert "negbinomial" in repr(fit)
    good = _poisson_fit_at_truth(nb=False).diagnostics()
    assert not any(w.startswith("Model check") for w in good["warnings"])


def test_one_chain_is_never_ok():
    fit = _poisson_fit_at_truth(nb=False)
    one = _with_stats(
        fake_fit(
            fit.model, {k: fit.posterior[k].values[:1] for k in fit.parameter_names}, draws=300
        )
    )
    d = one.diagnostics()
    assert d["chains"] == 1 and d["verdict"] != "ok"
    assert any("R-hat" in w and "chains" in w for w in d["warnings"])


def test_pareto_k_threshold_and_message():
    # Vehtari et al. (2024): min(1 - 1/log10(S), 0.7)
    assert k_threshold(100) == pytest.approx(0.5)
    assert k_threshold(4000) == 0.7
    assert pareto_k_message([0.1, 0.69, 0.2], 4000) is None
    msg = pareto_k_message([0.1, 0.9, 0.75, np.nan], 4000, factors=("subject",))
    assert "2 of 4 observations" in msg and "max 0.90" in msg
    assert "fit.kfold(k=10, by='subject')" in msg and "leave-one-cluster-out" in msg


def test_loo_and_compare_show_pareto_k():
    fit = hm.load(LEGACY)  # 200 draws: threshold 0.57; sleepstudy has rows above it
    with pytest.warns(HiermodelsWarning, match=r"Pareto k > 0\.5.*fit\.kfold"):
        res = fit.loo()
    assert int(np.sum(res.pareto_k.values > k_threshold(200))) >= 1
    other = hm.load(LEGACY)
    with pytest.warns(HiermodelsWarning, match=r"Pareto k"):
        hm.compare({"a": fit, "b": other})


def test_prior_sensitivity_is_finite():
    tab = hm.load(LEGACY).prior_posterior()
    assert np.isfinite(tab["prior_sensitivity"]).all(), tab["prior_sensitivity"]
