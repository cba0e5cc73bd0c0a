"""hiermodels' own R-hat, bulk/tail ESS and E-BFMI (``derive/convergence``) against ArviZ.

They exist so that a fit and its summary need not import ArviZ (1-2 s, issue 11); they
follow ArviZ 0.23.4's NumPy branch and must give its numbers: bit for bit here (the
contract is 1e-12), on well-mixed, autocorrelated, short, odd-length, constant, partly
constant, integer, boolean and NaN-containing chains.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from hiermodels.derive import convergence

az = pytest.importorskip("arviz")


@pytest.fixture(autouse=True)
def arviz_numpy(monkeypatch):
    """ArviZ's NumPy branch (what hiermodels called before, and what these mirror)."""
    from arviz.utils import Numba

    monkeypatch.setattr(Numba, "numba_flag", False)


def _ar1(rng, chains, draws, phi, shift=0.0):
    x = np.empty((chains, draws))
    x[:, 0] = rng.normal(size=chains)
    for t in range(1, draws):
        x[:, t] = phi * x[:, t - 1] + rng.normal(size=chains)
    return x + shift * np.arange(chains)[:, None]


def _arrays():
    rng = np.random.default_rng(20261202)
    const = np.full((4, 100), 2.5)
    one_const = rng.normal(size=(4, 100))
    one_const[2] = 1.0
    with_nan = rng.normal(size=(3, 50))
    with_nan[1, 7] = np.nan
    return {
        "normal 4x1000": rng.normal(size=(4, 1000)),
        "ar1 0.9 4x500": _ar1(rng, 4, 500, 0.9),
        "ar1 shifted chains": _ar1(rng, 4, 300, 0.5, shift=0.7),
        "heavy tails 2x801": rng.standard_t(2, size=(2, 801)),
        "short 2x7": rng.normal(size=(2, 7)),
        "too short 2x3": rng.normal(size=(2, 3)),
        "one chain 1x200": rng.normal(size=(1, 200)),
        "1-d 200": rng.normal(size=200),
        "constant": const,
        "one chain constant": one_const,
        "ties (integers)": rng.integers(0, 4, size=(4, 200)),
        "booleans": rng.random((4, 200)) < 0.1,
        "NaN": with_nan,
    }


def _same(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)
    assert np.array_equal(np.asarray(ours), np.asarray(theirs), equal_nan=True)  # bit for bit


@pytest.mark.parametrize("name", list(_arrays()))
def test_rhat_and_ess_equal_arviz(name):
    a = _arrays()[name]
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = (az.rhat(a), az.ess(a, method="bulk"), az.ess(a, method="tail"))
            ours = (convergence.rhat(a), convergence.ess_bulk(a), convergence.ess_tail(a))
    for o, t in zip(ours, theirs, strict=True):
        _same(o, t)


def test_over_dataset_equals_arviz_on_a_dataset():
    """Per element of multi-dimensional variables, as ``az.rhat(ds)`` / ``az.ess(ds)``."""
    rng = np.random.default_rng(5)
    b = _ar1(rng, 4, 400, 0.6)[..., None] * np.array([1.0, 3.0, -2.0])
    ds = xr.Dataset(
        {
            "mu": (("chain", "draw"), _ar1(rng, 4, 400, 0.3)),
            "b": (("chain", "draw", "coef"), b),
            "cor": (("chain", "draw", "t1", "t2"), np.tile(np.eye(2), (4, 400, 1, 1))),
        }
    )
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        est = convergence.over_dataset_many(ds)
        pairs = [
            (est["rhat"], az.rhat(ds)),
            (est["ess_bulk"], az.ess(ds, method="bulk")),
            (est["ess_tail"], az.ess(ds, method="tail")),
        ]
    for ours, theirs in pairs:
        for v in ds.data_vars:
            assert ours[v].shape == theirs[v].shape
            _same(ours[v], theirs[v].values)


def test_bfmi_equals_arviz():
    rng = np.random.default_rng(11)
    energy = _ar1(rng, 4, 1000, 0.8) + 100
    ss = xr.Dataset({"energy": (("chain", "draw"), energy)})
    _same(convergence.bfmi(energy), az.bfmi(az.InferenceData(sample_stats=ss)))


def test_average_ranks_equal_scipy_rankdata_with_ties():
    from scipy import stats

    from hiermodels.derive.convergence import _average_ranks_rows

    rng = np.random.default_rng(7)
    for a in (
        rng.normal(size=1000),
        rng.integers(0, 4, 999).astype(float),
        np.zeros(10),
        np.array([3.0, -0.0, 0.0, np.inf, -np.inf, 3.0]),
    ):
        ranks, _ = _average_ranks_rows(a[None])
        np.testing.assert_array_equal(ranks[0], stats.rankdata(a, method="average"))
