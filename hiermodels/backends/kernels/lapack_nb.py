"""LAPACK ``dpotrf``/``dpotri`` (Cholesky factor and SPD inverse from it) inside numba.

numba's ``np.linalg.inv`` inverts by LU (about 2 n^3 flops); the SPD inverse from the
Cholesky factor costs n^3 / 3 + 2 n^3 / 3. SciPy exports the Fortran routines as
function pointers (``scipy.linalg.cython_lapack``); their addresses are looked up at run
time (:func:`lapack_addresses`) and passed to the kernel as data, so the compiled kernel
stays cacheable (``cache=True``: no address is baked into the machine code). Small
matrices (and an address of 0) use plain loops instead.

Both routines see a C-ordered symmetric matrix as its (equal) transpose: with
``uplo='L'`` the Fortran lower triangle is the C *upper* triangle, so after
:func:`potrf_upper` the C upper triangle holds U = C_S' (S = U'U).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_UPLO_L = 76  # ord("L")


@intrinsic
def _call5(typingctx, addr, p1, p2, p3, p4, p5):
    """Call ``void f(void*, void*, void*, void*, void*)`` at integer address ``addr``."""
    sig = types.void(addr, p1, p2, p3, p4, p5)

    def codegen(context, builder, sig, args):
        vp = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [vp] * 5)
        fn = builder.inttoptr(args[0], fnty.as_pointer())
        builder.call(fn, [builder.inttoptr(a, vp) for a in args[1:]])
        return context.get_dummy_value()

    return sig, codegen


SMALL_N = 64  # below this size plain loops beat a LAPACK call (and its thread pool)


def lapack_addresses(min_n: int = SMALL_N) -> np.ndarray:
    """``[dpotrf, dpotri, min_n]``: SciPy's routine addresses and the smallest n for which
    they are used (zeros if unavailable: plain numba loops everywhere).

    Run multi-chain sampling with one BLAS thread per chain (e.g.
    ``threadpoolctl.threadpool_limits(1)``): OpenBLAS' own threads, spinning beside
    parallel chains, slow every call down by orders of magnitude.
    """
    try:
        from numba.extending import get_cython_function_address

        mod = "scipy.linalg.cython_lapack"
        addr = [get_cython_function_address(mod, n) for n in ("dpotrf", "dpotri")]
        return np.array([*addr, min_n], dtype=np.int64)
    except Exception:  # pragma: no cover - SciPy always ships cython_lapack
        return np.zeros(3, dtype=np.int64)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def _lapack(addr, S):
    n = S.shape[0]
    uplo = np.full(1, _UPLO_L, dtype=np.uint8)
    nn = np.full(1, n, dtype=np.int32)
    info = np.zeros(1, dtype=np.int32)
    _call5(addr, uplo.ctypes.data, nn.ctypes.data, S.ctypes.data, nn.ctypes.data, info.ctypes.data)
    return info[0] == 0


@nb.njit(cache=True, error_model="numpy", nogil=True)
def potrf_upper(S, lapack):
    """In place: the C upper triangle of S becomes U with S = U'U. False if not PD.

    Reads only the upper triangle of S."""
    n = S.shape[0]
    if lapack[0] != 0 and n >= lapack[2]:
        return _lapack(lapack[0], S)
    for a in range(n):
        for b in range(a, n):
            acc = S[a, b]
            for k in range(a):
                acc -= S[k, a] * S[k, b]
            if b == a:
                if not acc > 0.0:
                    return False
                S[a, a] = np.sqrt(acc)
            else:
                S[a, b] = acc / S[a, a]
    return True


@nb.njit(cache=True, error_model="numpy", nogil=True)
def potri_full(U, lapack):
    """In place: from U of :func:`potrf_upper`, the full symmetric inverse of S = U'U."""
    n = U.shape[0]
    if lapack[1] != 0 and n >= lapack[2]:
        _lapack(lapack[1], U)
    else:
        Ui = np.zeros((n, n))  # U^-1 (upper), then S^-1 = U^-1 U^-T
        for a in range(n):
            Ui[a, a] = 1.0 / U[a, a]
            for b in range(a + 1, n):
                acc = 0.0
                for k in range(a, b):
                    acc -= Ui[a, k] * U[k, b]
                Ui[a, b] = acc / U[b, b]
        for a in range(n):
            for b in range(a, n):
                acc = 0.0
                for k in range(b, n):
                    acc += Ui[a, k] * Ui[b, k]
                U[a, b] = acc
    for a in range(n):
        for b in range(a):
            U[a, b] = U[b, a]


@nb.njit(cache=True, error_model="numpy", nogil=True)
def solve_upper(U, b):
    """Solve (U'U) x = b with U upper triangular (C order)."""
    n = b.shape[0]
    x = b.copy()
    for a in range(n):  # U' z = b
        acc = x[a]
        for k in range(a):
            acc -= U[k, a] * x[k]
        x[a] = acc / U[a, a]
    for a in range(n - 1, -1, -1):  # U x = z
        acc = x[a]
        for k in range(a + 1, n):
            acc -= U[a, k] * x[k]
        x[a] = acc / U[a, a]
    return x
