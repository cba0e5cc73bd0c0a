"""The joint kernel's row order and blocks (``backends/kernels/row_blocks``, issue 11).

The kernel sorts rows by one factor's levels and walks them in blocks of runs; the log
density must not depend on either: it is checked against the PyMC graph (an independent
computation in data order) on shuffled data with an offset, weights, two crossed factors and
a slope column, and against itself with blocks of 3 rows and with one block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_family_plumbing import _fd_check, _pymc_point

import hiermodels as hm
from hiermodels.backends.kernels import _raw_logp, initial_point, kernel_data
from hiermodels.backends.kernels import row_blocks as rb
from hiermodels.model.layout import make_layout


def test_runs_and_blocks_partition_the_sorted_rows():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 9, size=200)
    codes[:40] = 3  # one long run, cut at the size
    order, runs, run_level, blocks = rb.row_blocks(codes, codes.size, size=16)
    assert np.array_equal(order, np.argsort(codes, kind="stable"))
    s = codes[order]
    assert runs[0] == 0 and runs[-1] == codes.size and np.all(np.diff(runs) > 0)
    assert np.all(np.diff(runs) <= 16)
    for r in range(len(runs) - 1):  # a run is one level
        assert np.all(s[runs[r] : runs[r + 1]] == run_level[r])
    assert blocks[0] == 0 and blocks[-1] == len(runs) - 1 and np.all(np.diff(blocks) > 0)
    rows = runs[blocks[1:]] - runs[blocks[:-1]]
    assert np.all(rows <= 16) and rows.sum() == codes.size
    # no factor: blocks of consecutive rows in data order
    order, runs, run_level, blocks = rb.row_blocks(None, 50, size=16)
    assert np.array_equal(order, np.arange(50)) and list(runs) == [0, 16, 32, 48, 50]
    assert rb.sort_factor([4, 30, 30]) == 1 and rb.sort_factor([]) == -1


def _crossed(seed=3):
    rng = np.random.default_rng(seed)
    n = 400
    g, h = rng.integers(0, 25, n), rng.integers(0, 6, n)
    x = rng.normal(size=n)
    t = rng.uniform(0.5, 3.0, n)
    eta = 0.2 + 0.4 * x + np.log(t) + rng.normal(0, 0.5, 25)[g] + rng.normal(0, 0.3, 6)[h]
    return pd.DataFrame(
        {
            "y": rng.poisson(np.exp(eta)),
            "x": x,
            "t": t,
            "w": rng.integers(1, 4, n),
            "g": [f"g{k}" for k in g],
            "h": [f"h{k}" for k in h],
        }
    )


@pytest.mark.parametrize("par", ["noncentered", "centered"])
def test_blocked_kernel_equals_the_pymc_graph_and_any_block_size(par, monkeypatch):
    m = hm.Model(
        "y ~ x + offset(log(t)) + (1 | g) + (0 + x | h)",
        _crossed(),
        family="poisson",
        weights="w",
        parameterization=par,
    )
    lay = make_layout(m, collapsed=False)
    data = kernel_data(m, lay)
    assert data["fs"] == 0 and list(data["zone"]) == [1, 0]  # sorted by g; x not all ones
    f = _raw_logp(lay)
    logp_fn = m.pymc_model.compile_logp(mode="FAST_COMPILE")
    monkeypatch.setattr(rb, "BLOCK", 3)
    small = kernel_data(m, lay)
    assert len(small["blocks"]) > 100
    monkeypatch.setattr(rb, "BLOCK", 10_000)
    one = kernel_data(m, lay)
    assert len(one["blocks"]) == 2
    for seed in (0, 1):
        x = initial_point(m, lay, np.random.default_rng(seed))
        x += np.random.default_rng(seed + 5).normal(0, 0.3, x.size)
        lp, grad = f(x, **data)
        np.testing.assert_allclose(lp, logp_fn(_pymc_point(m, lay, x)), rtol=1e-9)
        _fd_check(f, x, data)
        for other in (small, one):
            lp2, grad2 = f(x, **other)
            np.testing.assert_allclose(lp2, lp, rtol=1e-12)
            np.testing.assert_allclose(grad2, grad, rtol=1e-9, atol=1e-9)
