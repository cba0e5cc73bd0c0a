"""Native (GIL-free) NUTS target for nutpie: the kernels as cached numba ``cfunc``\\ s.

nutpie calls a log density through a C function pointer and a ``user_data`` pointer.
hiermodels passes a table of ``(address, size, shape0, shape1, shape2)`` rows, one per
data array, and the ``cfunc`` rebuilds the arrays from it with ``numba.carray``; so one
compiled function (cached on disk, ``cache=True``) serves every dataset, and no Python
runs per gradient: chains run truly in parallel. The same pattern nutpie uses for PyMC
graphs (``nutpie.compile_pymc``), with hiermodels' hand-written kernels inside.

This module holds the numba side shared by every target (the table, the array readers,
the identity ``expand`` cfunc); each target's ``cfunc`` lives in a module of its own
(:mod:`.native_glmm`, :mod:`.native_collapsed`, :mod:`.marginal_native`,
:mod:`.partial_native`), imported only by the sampler that runs it, because numba loads
a cached ``cfunc`` when its module is imported (tens to hundreds of ms each). Handing them
to nutpie needs its private extension types and lives, version-checked, in
:mod:`hiermodels.backends.nutpie_adapter`.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

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
    "Xct",
    "offset",
    "codes",
    "Zt",
    "Xzt",
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
    "hc",
    "hk",
    "wc",
    "fwhite",
    "zone",
    "runs",
    "run_level",
    "blocks",
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
        return table_arrays(data, COLLAPSED_ARRAYS, scal)
    scal = [data["has_int"], data["aux_pos"], data["zi_pos"], data["family"], data["lconst"]]
    return table_arrays(data, GLMM_ARRAYS, [*scal, data["fs"]])


def table_arrays(data: dict, names, scal: list) -> list[np.ndarray]:
    """``data[name]`` for each of ``names`` as a C-contiguous int64 (integer or boolean
    data) or float64 array, with the scalars ``scal`` as one float64 array at ``"scal"``."""
    out = []
    for n in names:
        if n == "scal":
            out.append(np.asarray(scal, dtype=np.float64))
            continue
        a = np.asarray(data[n])
        dtype = np.int64 if a.dtype.kind in "iub" else np.float64
        out.append(np.ascontiguousarray(a, dtype=dtype))
    return out
