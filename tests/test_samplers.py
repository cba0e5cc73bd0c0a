"""The non-default samplers and the compiled-model cache (issue 15: untested paths).

``sampler="pymc"`` (PyMC NUTS, NUMBA mode) and ``sampler="numpyro"`` (JAX) sample the same
PyMC graph as nutpie: they must return the same variable names and coordinates, agree with
the default kernel within Monte Carlo error (measured ESS), and cover lme4's estimates
(tests/reference_values.py, DYESTUFF_LMER: lme4 1.1-31, lmer(Yield ~ 1 + (1|Batch), REML)).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from reference_values import DYESTUFF_LMER as REF

import hiermodels as hm

TINY = dict(draws=300, tune=300, chains=2, seed=1, progressbar=False)


def _fit(model, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(**{**TINY, **kw})


@pytest.fixture(scope="module")
def dyestuff():
    return hm.datasets.load("dyestuff")


@pytest.fixture(scope="module")
def kernel_fit(dyestuff):
    return _fit(hm.Model("Yield ~ 1 + (1 | Batch)", dyestuff))


@pytest.mark.sampling
@pytest.mark.parametrize("sampler", ["pymc", "numpyro"])
def test_other_samplers_agree(sampler, dyestuff, kernel_fit):
    fit = _fit(hm.Model("Yield ~ 1 + (1 | Batch)", dyestuff), sampler=sampler)
    assert fit.sampler == sampler
    assert list(fit.posterior["r_Batch"].coords["Batch"].values) == list("ABCDEF")
    assert set(kernel_fit.parameter_names) <= set(fit.parameter_names)
    a, b = fit.summary(), kernel_fit.summary()
    for row in ("Intercept", "sd(Batch, Intercept)", "sigma"):
        mcse = np.hypot(
            a.loc[row, "sd"] / np.sqrt(a.loc[row, "ess_bulk"]),
            b.loc[row, "sd"] / np.sqrt(b.loc[row, "ess_bulk"]),
        )
        assert abs(a.loc[row, "mean"] - b.loc[row, "mean"]) < 4 * mcse, (sampler, row)
    fe, vc = fit.fixed_effects(), fit.varcorr()
    assert fe.loc["Intercept", "lower"] < REF["fixef"]["(Intercept)"] < fe.loc["Intercept", "upper"]
    assert vc.loc["sigma", "lower"] < REF["sigma"] < vc.loc["sigma", "upper"]


def test_cache_key_holds_level_labels(dyestuff):
    m1 = hm.Model("Yield ~ 1 + (1 | Batch)", dyestuff)
    relabelled = dyestuff.assign(Batch=dyestuff["Batch"].astype(str).str.lower())
    m2 = hm.Model("Yield ~ 1 + (1 | Batch)", relabelled)
    assert m1._structure_key() != m2._structure_key()
    # the same labels with new responses may reuse the compiled model
    m3 = hm.Model("Yield ~ 1 + (1 | Batch)", dyestuff.assign(Yield=dyestuff["Yield"] + 1.0))
    assert m1._structure_key()[2] == m3._structure_key()[2]


@pytest.mark.slow
def test_reused_compiled_model_keeps_the_new_labels(dyestuff):
    first = _fit(hm.Model("Yield ~ 1 + (1 | Batch)", dyestuff), sampler="nutpie")
    relabelled = dyestuff.assign(Batch=dyestuff["Batch"].astype(str).str.lower())
    second = _fit(hm.Model("Yield ~ 1 + (1 | Batch)", relabelled), sampler="nutpie")
    assert list(first.posterior["r_Batch"].coords["Batch"].values) == list("ABCDEF")
    assert list(second.posterior["r_Batch"].coords["Batch"].values) == list("abcdef")
    assert list(second.group_effects("Batch").index.get_level_values(0).unique()) == list("abcdef")
