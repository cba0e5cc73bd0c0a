"""Report captions state what the data show; failed checks get advice (no MCMC here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hiermodels.derive.shrink_moves import moves, size_pooling
from hiermodels.present.report.failed_checks import (
    ALPHA,
    PPC_TAILS,
    ppc_failures,
    prior_failures,
    residual_failures,
)


def _shrink(no_pool, mean, pop=0.0, n=None):
    idx = pd.Index([f"L{i}" for i in range(len(no_pool))], name="g")
    n = np.full(len(no_pool), 10) if n is None else n
    return pd.DataFrame(
        {"no_pool": no_pool, "mean": mean, "population": pop, "n": n, "pooling": 0.3}, index=idx
    )


def test_moves_classifies_toward_across_and_away():
    rng = np.random.default_rng(4)
    a = rng.normal(0, 2, 200)
    b = a * rng.uniform(-0.6, 1.4, 200)  # some shrink, some cross, some grow
    tab = _shrink(a, b, pop=0.0)
    tab.iloc[0, tab.columns.get_loc("no_pool")] = np.nan  # a level without its own estimate
    m = moves(tab)
    assert m["n"] == 199
    assert len(m["toward"]) + len(m["crossed"]) + len(m["away"]) == 199
    for lev in m["crossed"]:
        assert np.sign(tab.loc[lev, "no_pool"]) != np.sign(tab.loc[lev, "mean"])
    for lev in m["away"]:
        assert abs(tab.loc[lev, "mean"]) > abs(tab.loc[lev, "no_pool"])
    for lev in m["toward"]:
        assert abs(tab.loc[lev, "mean"]) <= abs(tab.loc[lev, "no_pool"])
    assert m["crossed"] and m["away"]
    assert "L0" not in m["toward"] + m["crossed"] + m["away"]


def test_moves_all_toward_when_every_level_shrinks():
    a = np.linspace(-3, 3, 11) + 0.1
    m = moves(_shrink(a + 5, 0.6 * a + 5, pop=5.0))
    assert m["crossed"] == [] and m["away"] == [] and len(m["toward"]) == 11


def test_size_pooling_is_none_for_equal_sizes_and_spearman_otherwise():
    tab = _shrink(np.arange(6.0), np.arange(6.0))
    assert size_pooling(tab) is None
    tab["n"] = [2, 4, 8, 16, 32, 64]
    tab["pooling"] = [0.9, 0.8, 0.5, 0.6, 0.2, 0.1]
    r = size_pooling(tab)
    assert r == pytest.approx(stats.spearmanr(tab["n"], tab["pooling"]).statistic) and r < 0


def _tests(p, stat=(0.05, 1.0, 0.01), discrete=False):
    names = ["uniformity (KS)", "dispersion", "outliers"] + ["zero-inflation"] * discrete
    exp = [0.0, 1.0, 0.004] + [1.0] * discrete
    return pd.DataFrame({"statistic": stat, "p_value": p, "expected": exp}, index=names)


def test_residual_failures_only_for_small_p_with_direction():
    ok = residual_failures(_tests([0.5, 0.3, 0.2]))
    assert ok == {}
    bad = residual_failures(_tests([0.001, 0.01, 0.04], stat=(0.2, 1.9, 0.03)))
    assert set(bad) == {"uniformity (KS)", "dispersion", "outliers"}
    assert "More variation" in bad["dispersion"] and "negbinomial" in bad["dispersion"]
    assert "1.90" in bad["dispersion"] and "3.0%" in bad["outliers"]
    under = residual_failures(_tests([0.5, 0.01, 0.5], stat=(0.05, 0.6, 0.0)))
    assert "Less variation" in under["dispersion"]
    edge = residual_failures(_tests([ALPHA, 0.5, 0.5]))
    assert edge == {}  # p exactly at alpha passes


def test_ppc_failures_both_tails_and_per_level_note():
    lo, hi = PPC_TAILS
    tab = pd.DataFrame(
        {
            "statistic": ["mean", "sd", "min", "max", "mean", "mean"],
            "level": [None, None, None, None, "a", "b"],
            "p_value": [0.5, hi + 0.01, lo - 0.01, 0.5, 0.001, 0.4],
        },
        index=["mean", "sd", "min", "max", "mean[a]", "mean[b]"],
    )
    out = ppc_failures(tab)
    assert set(out) == {"sd", "min", "mean[a]", "_levels"}
    assert "below" in out["sd"] and "above" in out["min"] and "for a" in out["mean[a]"]
    assert "With 2 per-level statistics" in out["_levels"]
    assert "_levels" not in ppc_failures(tab.drop(index="mean[a]"))


def test_prior_failures_flags_barely_moved_or_sensitive():
    tab = pd.DataFrame(
        {
            "barely_moved": [True, False, False],
            "overlap": [0.8, 0.3, 0.4],
            "contraction": [0.2, 0.9, 0.9],
            "prior_sensitivity": [np.nan, 0.01, 0.2],
        },
        index=["sd(g, Intercept)", "sd(g, x)", "sd(h, Intercept)"],
    )
    out = prior_failures(tab)
    assert set(out) == {"sd(g, Intercept)", "sd(h, Intercept)"}
    assert "overlap 80%" in out["sd(g, Intercept)"] and "0.200" in out["sd(h, Intercept)"]
