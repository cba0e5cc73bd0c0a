"""Exact one-intercept REML against lme4 (interior, and singular fits statsmodels misses)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hiermodels as hm
from hiermodels.derive.reml import reml_estimates
from hiermodels.derive.reml_intercept import profiled_reml, random_intercept_reml
from tests.reference_values import DYESTUFF2_LMER, DYESTUFF_LMER, REML_BOUNDARY_LMER

DATA = Path(__file__).parent / "data"


def _codes(s):
    return pd.Series(s).astype("category").cat.codes.to_numpy()


@pytest.mark.parametrize(
    "name, ref, boundary",
    [("dyestuff", DYESTUFF_LMER, False), ("dyestuff2", DYESTUFF2_LMER, True)],
)
def test_dyestuff_matches_lme4(name, ref, boundary):
    d = hm.datasets.load(name)
    r = random_intercept_reml(d.Yield, np.ones((len(d), 1)), _codes(d.Batch))
    assert r["ll"] == pytest.approx(ref["reml_logLik"], abs=1e-6)
    assert r["beta"][0] == pytest.approx(ref["fixef"]["(Intercept)"], rel=1e-8)
    assert np.sqrt(r["cov_beta"][0, 0]) == pytest.approx(ref["se"]["(Intercept)"], rel=1e-6)
    assert np.sqrt(r["sigma2"]) == pytest.approx(ref["sigma"], rel=1e-6)
    assert np.sqrt(r["tau2"]) == pytest.approx(ref["sd_Batch_(Intercept)"], rel=1e-6, abs=1e-9)
    assert r["boundary"] is boundary


def test_singular_fit_that_statsmodels_misses_matches_lme4():
    d = pd.read_csv(DATA / "reml_boundary.csv")
    X = np.column_stack([np.ones(len(d)), d.x])
    ref = REML_BOUNDARY_LMER
    r = random_intercept_reml(d.y, X, _codes(d.g))
    assert r["boundary"] and r["tau2"] == 0.0
    assert r["ll"] == pytest.approx(ref["reml_logLik"], abs=1e-8)
    np.testing.assert_allclose(r["beta"], list(ref["fixef"].values()), rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(r["cov_beta"])), list(ref["se"].values()), rtol=1e-8)
    assert np.sqrt(r["sigma2"]) == pytest.approx(ref["sigma"], rel=1e-8)
    # every interior gamma is worse: the optimum really is the boundary
    for g in (1e-6, 1e-3, 0.05, 1.0):
        assert profiled_reml(g, d.y.to_numpy(), X, _codes(d.g))["ll"] < r["ll"]
    # statsmodels on its own stops short (the bug this module fixes) ...
    from statsmodels.regression.mixed_linear_model import MixedLM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = MixedLM(d.y.to_numpy(), X, groups=_codes(d.g)).fit(reml=True)
    assert float(np.asarray(sm.cov_re)[0, 0]) > 1e-4 * float(sm.scale)
    # ... while compare_reml's estimates now flag the singular fit as lme4 does
    m = hm.Model("y ~ x + (1 | g)", d)
    est = reml_estimates(m.design)
    assert est["boundary"]["sd(g, Intercept)"]
    assert est["estimates"]["sd(g, Intercept)"] == 0.0
    assert est["estimates"]["x"] == pytest.approx(ref["fixef"]["x"], rel=1e-8)


def test_study_reml_arm_flags_the_boundary():
    from hiermodels.studies.fits import _reml

    d = pd.read_csv(DATA / "reml_boundary.csv")
    m = hm.Model("y ~ x + (1 | g)", d)
    out = _reml(m, d, 0.95)
    assert out["boundary"] is True
    assert out["params"]["sd(g, Intercept)"]["estimate"] == 0.0
    assert out["params"]["x"]["estimate"] == pytest.approx(
        REML_BOUNDARY_LMER["fixef"]["x"], rel=1e-8
    )
