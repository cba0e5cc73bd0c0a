"""All elements at once (``convergence.many``): ArviZ's numbers for every element, bit for bit.

``many`` replaces a Python loop over thousands of group effects (issue 11: 14 s of
R-hat/ESS for InstEval's 4,118 quantities) and must not change a single bit: each element of
one batch, mixing elements ArviZ answers with a number and with NaN (NaN draws, too few
draws or chains, constants, ties, binary and integer draws), is compared with ArviZ 0.23's
``az.rhat`` / ``az.ess`` on that element alone.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hiermodels.derive import convergence as C

az = pytest.importorskip("arviz")


@pytest.fixture(autouse=True)
def arviz_numpy(monkeypatch):
    """ArviZ's NumPy branch (what ``convergence`` mirrors)."""
    from arviz.utils import Numba

    monkeypatch.setattr(Numba, "numba_flag", False)


def _ar1(rng, n_el, chains, draws):
    phi = rng.uniform(-0.5, 0.99, n_el)[:, None]
    x = np.empty((n_el, chains, draws))
    x[..., 0] = rng.normal(size=(n_el, chains))
    for t in range(1, draws):
        x[..., t] = phi * x[..., t - 1] + rng.normal(size=(n_el, chains))
    return x


def _arviz(a):
    return {
        "rhat": np.array([az.rhat(x) for x in a], dtype=float),
        "ess_bulk": np.array([az.ess(x, method="bulk") for x in a], dtype=float),
        "ess_tail": np.array([az.ess(x, method="tail") for x in a], dtype=float),
    }


@pytest.mark.parametrize(
    "chains, draws", [(4, 400), (2, 301), (1, 200), (3, 7), (2, 3), (9, 41), (2, 4)]
)
def test_many_equals_arviz_element_by_element(chains, draws):
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
        got, ref = C.many(a), _arviz(a)
    for name in ref:
        assert np.array_equal(got[name], ref[name], equal_nan=True), name
    assert np.isnan(got["ess_bulk"][9])
    assert np.isfinite(got["ess_bulk"][0]) == (draws >= 4)


def test_many_on_integer_draws_equals_arviz():
    a = np.random.default_rng(3).integers(0, 4, size=(5, 2, 100))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        got, ref = C.many(a), _arviz(a)
    for name in ref:
        assert np.array_equal(got[name], ref[name], equal_nan=True), name
