"""All elements at once (``convergence.many``) gives the one-element estimators' numbers.

``many`` replaces a Python loop over thousands of group effects (issue 11: 14 s of
R-hat/ESS for InstEval's 4,118 quantities) and must not change a single bit: every element
is compared with :func:`rhat`, :func:`ess_bulk` and :func:`ess_tail` (themselves checked
against ArviZ in ``test_warm_start_convergence.py``), mixing the cases that take the batched
path with those that fall back to the one-element functions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import xarray as xr

from hiermodels.derive import convergence as C


def _ar1(rng, n_el, chains, draws):
    phi = rng.uniform(-0.5, 0.99, n_el)[:, None]
    x = np.empty((n_el, chains, draws))
    x[..., 0] = rng.normal(size=(n_el, chains))
    for t in range(1, draws):
        x[..., t] = phi * x[..., t - 1] + rng.normal(size=(n_el, chains))
    return x


@pytest.mark.parametrize(
    "chains, draws", [(4, 400), (2, 301), (1, 200), (3, 7), (2, 3), (9, 41), (2, 4)]
)
def test_many_equals_each_element_bit_for_bit(chains, draws):
    rng = np.random.default_rng(chains * 1000 + draws)
    a = _ar1(rng, 40, chains, draws)
    a[::7] = np.round(a[::7], 1)  # ties
    a[3] = 2.5  # constant
    a[5, -1] = 1.0  # one constant chain
    a[11] = np.where(a[11] > 0, 0.5, -1.0)  # two values
    a[12] = a[12] > 1.5  # a rare event, as floats
    a[9, 0, min(2, draws - 1)] = np.nan
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        got = C.many(a)
        for name, one in (("rhat", C.rhat), ("ess_bulk", C.ess_bulk), ("ess_tail", C.ess_tail)):
            ref = np.array([one(x) for x in a])
            assert np.array_equal(got[name], ref, equal_nan=True), name
    assert np.isnan(got["ess_bulk"][9])
    assert np.isfinite(got["ess_bulk"][0]) == (draws >= 4)


def test_many_on_integer_draws_takes_the_element_path():
    a = np.random.default_rng(3).integers(0, 4, size=(5, 2, 100))
    got = C.many(a, ("ess_bulk",))
    assert np.array_equal(got["ess_bulk"], [C.ess_bulk(x) for x in a])


def test_over_dataset_many_matches_over_dataset_per_variable():
    rng = np.random.default_rng(8)
    ds = xr.Dataset(
        {
            "mu": (("chain", "draw"), _ar1(rng, 1, 4, 300)[0]),
            "r": (
                ("chain", "draw", "g", "t"),
                _ar1(rng, 6, 4, 300).reshape(3, 2, 4, 300).transpose(2, 3, 0, 1),
            ),
        }
    )
    est = C.over_dataset_many(ds)
    for name, one in (("rhat", C.rhat), ("ess_bulk", C.ess_bulk), ("ess_tail", C.ess_tail)):
        for v in ds.data_vars:
            arr = ds[v].transpose(..., "chain", "draw").values
            ref = np.empty(arr.shape[:-2])
            for idx in np.ndindex(ref.shape):
                ref[idx] = one(arr[idx])
            assert est[name][v].shape == ref.shape
            assert np.array_equal(est[name][v], ref), (name, v)
