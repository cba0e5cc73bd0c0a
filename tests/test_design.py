"""Design arrays and bad-input errors (no MCMC)."""

import numpy as np
import pandas as pd
import pytest

import hiermodels as hm
from hiermodels.data.design import make_design
from hiermodels.errors import DataError, FormulaError


def test_sleepstudy_design(sleep):
    d = make_design("Reaction ~ Days + (Days | Subject)", sleep)
    assert d.X.shape == (180, 2) and d.fixed_names == ["Intercept", "Days"]
    g = d.groups[0]
    assert g.terms == ["Intercept", "Days"] and g.n_levels == 18
    assert g.Z.shape == (180, 2)  # per-term columns, never N x J
    assert g.codes.shape == (180,) and g.codes.max() == 17
    assert g.blocks == [(0, 1)] and g.correlated == [True]
    # codes index the Subject categories in order
    assert g.levels[g.codes[0]] == str(sleep["Subject"].iloc[0])


def test_memory_is_o_nq_for_many_levels():
    n, J = 20000, 5000
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"y": rng.normal(size=n), "x": rng.normal(size=n), "g": rng.integers(0, J, n).astype(str)}
    )
    d = make_design("y ~ x + (x | g)", df)
    g = d.groups[0]
    assert g.Z.nbytes + g.codes.nbytes <= n * 3 * 8


def test_uncorrelated_blocks_and_nested_and_crossed():
    pastes = hm.datasets.load("pastes")
    d = make_design("strength ~ 1 + (1 | batch/cask)", pastes)
    assert [g.name for g in d.groups] == ["batch", "batch:cask"]
    assert d.groups[1].n_levels == 30 and d.groups[1].parent == "batch"
    pen = hm.datasets.load("penicillin")
    d2 = make_design("diameter ~ 1 + (1 | plate) + (1 | sample)", pen)
    assert [g.n_levels for g in d2.groups] == [24, 6]
    sleep = hm.datasets.load("sleepstudy")
    d3 = make_design("Reaction ~ Days + (Days || Subject)", sleep)
    assert d3.groups[0].blocks == [(0,), (1,)] and d3.groups[0].correlated == [False, False]


def test_categorical_interaction_and_cluster_level_predictor(radon):
    d = make_design("log_radon ~ floor + log_uranium + (1 + floor | county)", radon)
    assert d.fixed_names == ["Intercept", "floor", "log_uranium"]
    cbpp = hm.datasets.load("cbpp")
    d2 = make_design("incidence | trials(size) ~ period + (1 | herd)", cbpp)
    assert d2.fixed_names == ["Intercept", "period[2]", "period[3]", "period[4]"]
    assert np.array_equal(d2.trials, cbpp["size"].to_numpy(float))
    d3 = make_design("Reaction ~ Days * C(Subject)", hm.datasets.load("sleepstudy"))
    assert d3.X.shape[1] == 36


def test_new_data_uses_training_levels(sleep):
    d = make_design("Reaction ~ Days + (Days | Subject)", sleep)
    new = pd.DataFrame({"Days": [0, 5], "Subject": ["309", "372"]})
    out = d.new_data(new)
    assert list(out["groups"]["Subject"]["codes"]) == [1, 17]
    with pytest.raises(DataError, match="not seen"):
        d.new_data(pd.DataFrame({"Days": [1], "Subject": ["999"]}))


# ----------------------------------------------------------------- bad input
def test_unknown_column_suggests(sleep):
    with pytest.raises(DataError, match=r"'Dayz'.*Did you mean 'Days'"):
        hm.Model("Reaction ~ Dayz + (1 | Subject)", sleep)


def test_nan_is_an_error_unless_dropna(sleep):
    df = sleep.copy()
    df.loc[[3, 7], "Days"] = np.nan
    with pytest.raises(DataError, match=r"\['Days'\]: 2 rows"):
        hm.Model("Reaction ~ Days + (1 | Subject)", df)
    with pytest.warns(hm.HiermodelsWarning, match="Dropped 2 of 180"):
        m = hm.Model("Reaction ~ Days + (1 | Subject)", df, dropna=True)
    assert m.design.n == 178


def test_non_numeric_response(sleep):
    df = sleep.assign(resp=["a", "b", "c"] * 60)
    with pytest.raises(DataError, match="'resp' is not numeric"):
        hm.Model("resp ~ Days + (1 | Subject)", df)


def test_single_level_factor(sleep):
    df = sleep.assign(one="x")
    with pytest.raises(DataError, match="'one' has only 1 level"):
        hm.Model("Reaction ~ Days + (1 | one)", df)


def test_constant_slope_within_groups(radon):
    with pytest.raises(DataError, match="'log_uranium' does not vary within any level of 'county'"):
        hm.Model("log_radon ~ floor + (1 + log_uranium | county)", radon)


def test_empty_data(sleep):
    with pytest.raises(DataError, match="no rows"):
        hm.Model("Reaction ~ Days + (1 | Subject)", sleep.iloc[:0])


def test_collinear_fixed_effects(sleep):
    df = sleep.assign(Days2=2 * sleep["Days"])
    with pytest.raises(DataError, match="'Days2' is a linear combination"):
        hm.Model("Reaction ~ Days + Days2 + (1 | Subject)", df)


def test_formula_syntax_error_is_hiermodels_error(sleep):
    with pytest.raises(FormulaError):
        hm.Model("Reaction ~ Days + (Days | Subject", sleep)


def test_constant_response(sleep):
    with pytest.raises(DataError, match="constant"):
        hm.Model("c ~ Days + (1 | Subject)", sleep.assign(c=1.0))


@pytest.mark.parametrize(
    "kw",
    [
        {"draws": 0},
        {"chains": 0},
        {"draws": -5},
        {"tune": -1},
        {"target_accept": 1.5},
        {"sampler": "gibbs"},
    ],
)
def test_bad_sampler_settings(sleep, kw):
    m = hm.Model("Reaction ~ Days + (1 | Subject)", sleep)
    with pytest.raises(hm.HiermodelsError):
        m.fit(**kw)


def test_unknown_family_and_link(sleep):
    with pytest.raises(hm.HiermodelsError, match="Unknown family"):
        hm.Model("Reaction ~ Days + (1 | Subject)", sleep, family="weibull")
    with pytest.raises(hm.HiermodelsError, match="not available"):
        hm.Model("Reaction ~ Days + (1 | Subject)", sleep, link="log")


def test_graph_builds_when_response_is_named_like_a_data_container():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"y": rng.poisson(2, 40), "X": rng.normal(size=40), "g": np.repeat(list("abcd"), 10)}
    )
    model = hm.Model("y ~ X + (1 | g)", df, family="poisson").pymc_model
    assert "y" in model.named_vars and "response" in model.named_vars
