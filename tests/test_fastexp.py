"""The kernels' vectorisable exponential against math.exp over the whole double range."""

import math
import time

import numpy as np

from hiermodels.backends.kernels.fastexp_nb import vexp, vexp_into


def _exact(x):
    def one(v):
        try:
            return math.exp(v)
        except OverflowError:
            return math.inf

    return np.array([one(v) for v in x])


def test_accuracy_over_the_double_range():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            np.linspace(-745.2, 709.8, 400_001),
            rng.normal(size=200_000) * 3,
            rng.uniform(-1e-8, 1e-8, 10_000),
            [0.0, -0.0, 1.0, -1.0, 709.78, 709.79, 710.0, 1e300, -745.13, -745.2, -1e300],
        ]
    )
    got = np.empty_like(x)
    vexp_into(x, got)
    ref = _exact(x)
    normal = (ref >= np.finfo(float).tiny) & np.isfinite(ref)
    ulp = np.abs(got[normal] - ref[normal]) / np.spacing(ref[normal])
    assert ulp.max() <= 2.0, ulp.max()
    assert np.all(got[ref == np.inf] == np.inf)
    zero = ref == 0.0
    assert zero.any() and np.all(got[zero] == 0.0)
    sub = (ref > 0) & (ref < np.finfo(float).tiny)  # subnormal results: absolute error tiny
    assert sub.any() and np.all(np.abs(got[sub] - ref[sub]) <= 4 * 5e-324)
    assert math.isnan(vexp(math.nan))
    assert vexp(-math.inf) == 0.0 and vexp(math.inf) == math.inf


def test_faster_than_the_library_call():
    """Not a timing gate on speed-ups, only that the vector loop is not slower than a
    scalar math.exp loop (the reason the function exists); the ratio is printed."""
    import numba as nb

    @nb.njit
    def lib(x, out):
        for i in range(x.shape[0]):
            out[i] = math.exp(x[i])

    x = np.random.default_rng(1).normal(size=100_000)
    out = np.empty_like(x)
    lib(x, out)
    vexp_into(x, out)
    best = {}
    for name, f in (("math.exp", lib), ("vexp", vexp_into)):
        ts = []
        for _ in range(7):
            t = time.perf_counter()
            for _ in range(20):
                f(x, out)
            ts.append(time.perf_counter() - t)
        best[name] = min(ts)
    print(f"vexp speed-up over math.exp: {best['math.exp'] / best['vexp']:.2f}x")
    assert best["vexp"] < best["math.exp"]
