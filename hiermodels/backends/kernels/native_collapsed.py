"""The one-factor collapsed kernel as a native nutpie target: a cached numba ``cfunc`` (see
:mod:`.native` for the table it reads; imported only when this kernel samples)."""

from __future__ import annotations

import numba as nb
import numpy as np

from hiermodels.backends.kernels.collapsed_nb import collapsed_logp
from hiermodels.backends.kernels.native import (
    _LOGP_SIG,
    ROW,
    _f1,
    _f2,
    _f3,
    _finish,
    _i1,
)


@nb.cfunc(_LOGP_SIG, cache=True, error_model="numpy")
def collapsed_cfunc(dim, x_, out_, logp_, ud):
    t = nb.carray(ud, (ROW * 18,), np.uint64)
    x = nb.carray(x_, (dim,))
    sc = _f1(t, 17)
    lp, g = collapsed_logp(
        x,
        _f2(t, 0),
        _f1(t, 1),
        sc[0],
        _f3(t, 2),
        _f3(t, 3),
        _f2(t, 4),
        sc[1],
        _i1(t, 5),
        _i1(t, 6),
        _i1(t, 7),
        _i1(t, 8),
        _i1(t, 9),
        _i1(t, 10),
        _i1(t, 11),
        _f1(t, 12),
        _f1(t, 13),
        _f2(t, 14),
        _f2(t, 15),
        _f1(t, 16),
        int(sc[2]),
        int(sc[3]),
    )
    return _finish(lp, g, nb.carray(out_, (dim,)), nb.carray(logp_, (1,)), dim)
