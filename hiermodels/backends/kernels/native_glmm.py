"""The joint (group effects sampled) kernel as a native nutpie target: a cached numba ``cfunc`` (see
:mod:`.native` for the table it reads; imported only when this kernel samples)."""

from __future__ import annotations

import numba as nb
import numpy as np

from hiermodels.backends.kernels.glmm_nb import glmm_logp
from hiermodels.backends.kernels.native import (
    _LOGP_SIG,
    ROW,
    _f1,
    _f2,
    _finish,
    _i1,
    _i2,
)


@nb.cfunc(_LOGP_SIG, cache=True, error_model="numpy")
def glmm_cfunc(dim, x_, out_, logp_, ud):
    t = nb.carray(ud, (ROW * 35,), np.uint64)
    x = nb.carray(x_, (dim,))
    sc = _f1(t, 34)
    lp, g = glmm_logp(
        x,
        _f1(t, 0),
        _f1(t, 1),
        _f1(t, 2),
        _f2(t, 3),
        _f1(t, 4),
        _i2(t, 5),
        _f2(t, 6),
        _f2(t, 7),
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
        _f1(t, 19),
        _f1(t, 20),
        _f2(t, 21),
        _f2(t, 22),
        _f2(t, 23),
        _i1(t, 24),
        _f2(t, 25),
        int(sc[0]),
        int(sc[1]),
        int(sc[2]),
        int(sc[3]),
        sc[4],
        _f2(t, 26),
        _i1(t, 27),
        _f2(t, 28),
        _i1(t, 29),
        _i1(t, 30),
        _i1(t, 31),
        _i1(t, 32),
        _i1(t, 33),
        int(sc[5]),
    )
    return _finish(lp, g, nb.carray(out_, (dim,)), nb.carray(logp_, (1,)), dim)
