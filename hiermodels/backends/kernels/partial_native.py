"""The partially collapsed Gaussian kernel as a native nutpie target (cached numba ``cfunc``).

Same calling convention as :mod:`.native` (a ``user_data`` table of ``(address, size,
d0, d1, d2)`` rows rebuilt with ``numba.carray``): no Python runs per gradient, so chains
run in parallel.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hiermodels.backends.kernels.native import (
    _LOGP_SIG,
    ROW,
    _f1,
    _f2,
    _finish,
    _i1,
    table_arrays,
)
from hiermodels.backends.kernels.partial_nb import partial_logp

PARTIAL_ARRAYS = (
    "Wty",
    "wtw_ptr",
    "wtw_idx",
    "wtw_val",
    "Yc",
    "m_ptr",
    "m_idx",
    "m_val",
    "nlev",
    "goff",
    "fq",
    "fJ",
    "flogsd",
    "fz",
    "fcent",
    "bfac",
    "bstart",
    "bsize",
    "bcorr",
    "bcpc",
    "beta_eta",
    "pri_int",
    "pri_b",
    "pri_sd",
    "pri_sigma",
    "scal",
)
_N = len(PARTIAL_ARRAYS)


@nb.cfunc(_LOGP_SIG, cache=True, error_model="numpy")
def partial_cfunc(dim, x_, out_, logp_, ud):
    t = nb.carray(ud, (ROW * _N,), np.uint64)
    x = nb.carray(x_, (dim,))
    sc = _f1(t, 25)
    lp, g = partial_logp(
        x,
        sc[0],
        _f1(t, 0),
        _i1(t, 1),
        _i1(t, 2),
        _f1(t, 3),
        _f1(t, 4),
        _i1(t, 5),
        _i1(t, 6),
        _f1(t, 7),
        _i1(t, 8),
        _i1(t, 9),
        _i1(t, 10),
        _i1(t, 11),
        _i1(t, 12),
        _i1(t, 13),
        _i1(t, 14),
        _i1(t, 15),
        _i1(t, 16),
        _i1(t, 17),
        _i1(t, 18),
        _i1(t, 19),
        _f1(t, 20),
        _f1(t, 21),
        _f2(t, 22),
        _f2(t, 23),
        _f1(t, 24),
        int(sc[1]),
        int(sc[2]),
        int(sc[3]),
        int(sc[4]),
    )
    return _finish(lp, g, nb.carray(out_, (dim,)), nb.carray(logp_, (1,)), dim)


def partial_native_arrays(data: dict) -> list[np.ndarray]:
    """Kernel data dict (:func:`..partial_sampler.partial_parts`) -> the table's arrays."""
    scal = [data["yty"], data["has_int"], data["P"], data["sig_pos"], data["cfac"]]
    return table_arrays(data, PARTIAL_ARRAYS, scal)
