r"""``hiermodels warmup``: pay the kernels' one-off compilation ahead of the first fit.

Fits a few tiny models that between them call every numba kernel (collapsed Gaussian,
Gaussian with two factors, each GLMM family, exact group-effect draws, the native
``cfunc``\ s), so the on-disk cache is warm afterwards (see
:mod:`hiermodels.backends.compile_cache` for where it lives). Useful in CI, Docker images and
classrooms.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from hiermodels.api.model import Model


def _tiny(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(6), 5)
    h = np.tile(np.arange(5), 6)
    x = rng.normal(size=g.size)
    eta = 0.3 * x + rng.normal(0, 0.5, 6)[g]
    return pd.DataFrame(
        {
            "g": g.astype(str),
            "h": h.astype(str),
            "x": x,
            "y": eta + rng.normal(size=g.size),
            "k": rng.poisson(np.exp(eta)),
            "b": (rng.random(g.size) < 1 / (1 + np.exp(-eta))).astype(int),
            "n": np.full(g.size, 4),
        }
    ).assign(s=lambda d: np.minimum(d["k"], d["n"]))


_MODELS = (  # (formula, family, extra Model arguments)
    ("y ~ x + (x | g)", "gaussian", {}),
    ("y ~ x + (1 | g) + (1 | h)", "gaussian", {}),
    ("y ~ x + (x | g)", "gaussian", {"parameterization": "collapsed"}),
    ("y ~ x", "gaussian", {"residual": "ar1(g)"}),
    ("b ~ x + (1 | g)", "bernoulli", {}),
    ("s | trials(n) ~ x + (1 | g)", "binomial", {}),
    ("k ~ x + (1 | g)", "poisson", {}),
    ("k ~ x + (1 | g)", "negbinomial", {}),
)


def warmup(verbose: bool = True) -> float:
    """Compile (or load) every kernel; returns the seconds it took."""
    data = _tiny()
    start = time.perf_counter()
    for formula, family, extra in _MODELS:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Model(formula, data, family=family, **extra).fit(
                draws=20, tune=20, chains=1, seed=1, progressbar=False
            )
        if verbose:
            what = ", ".join(f"{k}={v}" for k, v in extra.items())
            print(
                f"  {family:<12} {formula:<28} {what:<28} {time.perf_counter() - t0:6.1f} s",
                flush=True,
            )
    return time.perf_counter() - start
