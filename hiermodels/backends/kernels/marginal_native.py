"""The fully marginal Gaussian kernel as a native nutpie target (cached numba ``cfunc``).

Same calling convention as :mod:`.native` (a ``user_data`` table of ``(address, size,
d0, d1, d2)`` rows rebuilt with ``numba.carray``): no Python runs per gradient. The nutpie
side (:mod:`hiermodels.backends.nutpie_adapter`) passes ``marginal_cfunc.address`` and
``make_table(marginal_native_arrays(data))`` exactly as it does for the other kernels.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hiermodels.backends.kernels.marginal_nb import marginal_logp
from hiermodels.backends.kernels.native import (
    _LOGP_SIG,
    ROW,
    _f1,
    _f2,
    _f3,
    _finish,
    _i1,
    table_arrays,
)

MARGINAL_ARRAYS = (
    "ZtZ0",
    "Z0tX",
    "Z0ty",
    "pptr",
    "pcol",
    "P0",
    "CRR",
    "cRy",
    "rfac",
    "rterm",
    "lapack",
    "mvec",
    "svec",
    "fq",
    "flogsd",
    "bfac",
    "bstart",
    "bsize",
    "bcorr",
    "bcpc",
    "beta_eta",
    "pri_sd",
    "pri_aux",
    "scal",
    "zz",
    "zx",
    "e0",
)
_N = len(MARGINAL_ARRAYS)


@nb.cfunc(_LOGP_SIG, cache=True, error_model="numpy")
def marginal_cfunc(dim, x_, out_, logp_, ud):
    t = nb.carray(ud, (ROW * _N,), np.uint64)
    x = nb.carray(x_, (dim,))
    sc = _f1(t, 23)
    lp, g = marginal_logp(
        x,
        sc[0],
        int(sc[1]),
        _f3(t, 0),
        _f3(t, 1),
        _f2(t, 2),
        _i1(t, 3),
        _i1(t, 4),
        _f2(t, 5),
        _f2(t, 6),
        _f1(t, 7),
        _i1(t, 8),
        _i1(t, 9),
        _i1(t, 10),
        _f1(t, 11),
        _f1(t, 12),
        int(sc[2]),
        _i1(t, 13),
        _i1(t, 14),
        _i1(t, 15),
        _i1(t, 16),
        _i1(t, 17),
        _i1(t, 18),
        _i1(t, 19),
        _f1(t, 20),
        _f2(t, 21),
        _f1(t, 22),
        int(sc[3]),
        _f3(t, 24),
        _f3(t, 25),
        _f2(t, 26),
    )
    return _finish(lp, g, nb.carray(out_, (dim,)), nb.carray(logp_, (1,)), dim)


def marginal_native_arrays(data: dict) -> list[np.ndarray]:
    """Kernel data dict (:func:`.marginal_data.marginal_data`) -> the table's arrays."""
    scal = [data["yty"], data["N"], data["f0"], data["aux_pos"]]
    return table_arrays(data, MARGINAL_ARRAYS, scal)
