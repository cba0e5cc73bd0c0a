r"""Row order and blocks for the joint kernel's pass over the data.

The joint kernel (:func:`~.glmm_nb.glmm_logp`) evaluates the likelihood block by block: a
block is a few hundred consecutive rows whose linear predictor, log-likelihood terms and
:math:`\partial\ell/\partial\eta` live in buffers that stay in the L1 cache, so the only
memory traffic per gradient is the data columns themselves (a GLMM of 100,000 rows reads
2-3 MB instead of 6-8 MB of data and temporaries).

The rows are sorted by the level of one grouping factor (the one with most levels, whose
gathers and scatters cost most): its levels then occupy *runs* of consecutive rows, so its
contribution to :math:`\eta` is one coefficient broadcast over a run and its pull-back one
sum per run, with no per-row index. The log density is a sum over rows, so the order does
not change it (beyond floating-point rounding); nothing else reads the kernel's row order.

Runs longer than ``size`` rows are cut; consecutive runs are merged into blocks of at most
``size`` rows.
"""

from __future__ import annotations

import itertools

import numpy as np

#: Rows per block: 512 doubles in each buffer (4 KiB), well inside a 32 KiB L1 data cache.
BLOCK = 512


def sort_factor(n_levels: list[int]) -> int:
    """The factor whose runs the kernel uses: the one with most levels (-1: no factor)."""
    return int(np.argmax(n_levels)) if len(n_levels) else -1


def row_blocks(codes: np.ndarray | None, n: int, size: int | None = None):
    """Row order, runs and blocks for one factor's level codes (None: no factor).

    Parameters
    ----------
    codes : ndarray (N,) of int or None
        Level of each row (data order).
    n : int
        Number of rows.
    size : int, optional
        Most rows in a run and in a block (default :data:`BLOCK`).

    Returns
    -------
    order : ndarray (N,) int
        Data row of each kernel row (a stable sort by level).
    runs : ndarray (R + 1,) int
        Kernel row where each run starts, and N.
    run_level : ndarray (R,) int
        Level of each run (0 without a factor).
    blocks : ndarray (B + 1,) int
        First run of each block, and R.
    """
    size = BLOCK if size is None else int(size)
    if codes is None:
        order = np.arange(n)
        sorted_codes = np.zeros(n, dtype=np.int64)
    else:
        order = np.argsort(codes, kind="stable")
        sorted_codes = np.asarray(codes)[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if n else []
    bounds = [*starts, n]
    runs = []
    for s, e in itertools.pairwise(bounds):
        runs.extend(range(int(s), int(e), size))
    runs.append(n)
    runs = np.asarray(runs, dtype=np.int64)
    run_level = sorted_codes[runs[:-1]].astype(np.int64)
    blocks = [0]
    rows = 0
    for r in range(len(runs) - 1):
        length = runs[r + 1] - runs[r]
        if rows + length > size and rows > 0:
            blocks.append(r)
            rows = 0
        rows += length
    blocks.append(len(runs) - 1)
    return order, runs, run_level, np.asarray(blocks, dtype=np.int64)
