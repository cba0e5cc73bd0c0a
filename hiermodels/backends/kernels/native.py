"""Native (GIL-free) NUTS target for nutpie: the kernels as cached numba ``cfunc``\\ s.

nutpie calls a log density through a C function pointer and a ``user_data`` pointer.
hiermodels passes a table of ``(address, size, shape0, shape1, shape2)`` rows, one per
data array, and the ``cfunc`` rebuilds the arrays from it with ``numba.carray``; so one
compiled function (cached on disk, ``cache=True``) serves every dataset, and no Python
runs per gradient: chains run truly in parallel. The same pattern nutpie uses for PyMC
graphs (``nutpie.compile_pymc``), with hiermodels' hand-written kernels inside.

This module holds only the numba side (the ``cfunc``\\ s and the table); handing them to
nutpie needs its private extension types and lives, version-checked, in
:mod:`hiermodels.backends.nutpie_adapter`.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from hiermodels.backends.kernels.collapsed_nb import collapsed_logp
from hiermodels.backends.kernels.glmm_nb import glmm_logp

ROW = 5
COLLAPSED_ARRAYS = (
    "XtX",
    "Xty",
    "ZtZ",
    "ZtX",
    "Zty",
    "fq",
    "flogsd",
    "bfac",
    "bstart",
    "bsize",
    "bcorr",
    "bcpc",
    "beta_eta",
    "pri_int",
    "pri_b",
    "pri_sd",
    "pri_aux",
    "scal",
)
GLMM_ARRAYS = (
    "y",
    "trials",
    "w",
    "Xc",
    "offset",
    "codes",
    "Z",
    "Xz",
    "fq",
    "fJ",
    "fzcol",
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
    "pri_aux",
    "aux_kind",
    "pri_zi",
    "scal",
)


@intrinsic
def _voidptr(typingctx, src):
    """An integer address as a ``void*``."""
    sig = types.voidptr(src)

    def codegen(cgctx, builder, sig, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return sig, codegen


@nb.njit(cache=True, inline="always")
def _f1(t, k):
    return nb.carray(_voidptr(t[ROW * k]), (int(t[ROW * k + 2]),), np.float64)


@nb.njit(cache=True, inline="always")
def _f2(t, k):
    return nb.carray(_voidptr(t[ROW * k]), (int(t[ROW * k + 2]), int(t[ROW * k + 3])), np.float64)


@nb.njit(cache=True, inline="always")
def _f3(t, k):
    shape = (int(t[ROW * k + 2]), int(t[ROW * k + 3]), int(t[ROW * k + 4]))
    return nb.carray(_voidptr(t[ROW * k]), shape, np.float64)


@nb.njit(cache=True, inline="always")
def _i1(t, k):
    return nb.carray(_voidptr(t[ROW * k]), (int(t[ROW * k + 2]),), np.int64)


@nb.njit(cache=True, inline="always")
def _i2(t, k):
    return nb.carray(_voidptr(t[ROW * k]), (int(t[ROW * k + 2]), int(t[ROW * k + 3])), np.int64)


_LOGP_SIG = types.int64(
    types.uint64,
    types.CPointer(types.double),
    types.CPointer(types.double),
    types.CPointer(types.double),
    types.voidptr,
)
_EXPAND_SIG = types.int64(
    types.uint64,
    types.uint64,
    types.CPointer(types.double),
    types.CPointer(types.double),
    types.voidptr,
)


@nb.njit(cache=True, inline="always")
def _finish(lp, g, out, logp, dim):
    if not np.isfinite(lp):
        return 4
    for i in range(dim):
        if not np.isfinite(g[i]):
            return 3
        out[i] = g[i]
    logp[0] = lp
    return 0


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


@nb.cfunc(_LOGP_SIG, cache=True, error_model="numpy")
def glmm_cfunc(dim, x_, out_, logp_, ud):
    t = nb.carray(ud, (ROW * 27,), np.uint64)
    x = nb.carray(x_, (dim,))
    sc = _f1(t, 26)
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
    )
    return _finish(lp, g, nb.carray(out_, (dim,)), nb.carray(logp_, (1,)), dim)


@nb.cfunc(_EXPAND_SIG, cache=True, error_model="numpy")
def expand_cfunc(dim, n_expanded, x_, out_, ud):
    x = nb.carray(x_, (dim,))
    out = nb.carray(out_, (n_expanded,))
    for i in range(dim):
        out[i] = x[i]
    return 0


def make_table(arrays: list[np.ndarray]) -> np.ndarray:
    """The ``user_data`` table: one (address, size, d0, d1, d2) row per C-contiguous array."""
    t = np.zeros(ROW * len(arrays), dtype=np.uint64)
    for k, a in enumerate(arrays):
        if not a.flags.c_contiguous:
            raise ValueError("native kernel arrays must be C-contiguous")
        t[ROW * k] = a.ctypes.data
        t[ROW * k + 1] = a.size
        for d, n in enumerate(a.shape[:3]):
            t[ROW * k + 2 + d] = n
    return t


def native_arrays(data: dict, collapsed: bool) -> list[np.ndarray]:
    """Kernel data dict -> the ordered, typed, contiguous arrays of the table."""
    if collapsed:
        scal = [data["yty"], data["N"], data["has_int"], data["aux_pos"]]
        names = COLLAPSED_ARRAYS
    else:
        scal = [data["has_int"], data["aux_pos"], data["zi_pos"], data["family"], data["lconst"]]
        names = GLMM_ARRAYS
    out = []
    for n in names:
        if n == "scal":
            out.append(np.asarray(scal, dtype=np.float64))
            continue
        a = np.asarray(data[n])
        dtype = np.int64 if a.dtype.kind in "iub" else np.float64
        out.append(np.ascontiguousarray(a, dtype=dtype))
    return out
