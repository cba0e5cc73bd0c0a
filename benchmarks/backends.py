"""Which sampler backend, and what compilation costs: cold first fit, warm first fit, refit.

Each measurement runs in a fresh Python process so that "cold" means empty compile caches
(a new ``PYTENSOR_FLAGS=base_compiledir`` and ``NUMBA_CACHE_DIR``) and "warm" means the
caches left by the cold run. Model: sleepstudy ``Reaction ~ Days + (Days | Subject)``,
4 chains x (1000 tune + 1000 draws) on both cores. Not a test:
``python benchmarks/backends.py`` prints a Markdown table.

Backends: hiermodels' kernel (native cfunc, and the Python-callback fallback), and the
explicit PyMC graph sampled by nutpie (numba; jax), PyMC's NUTS (NUMBA mode; default C
backend) and numpyro.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap

CHILD = textwrap.dedent(
    """
    import json, sys, time, warnings
    warnings.filterwarnings("ignore")
    t_start = time.perf_counter()
    import numpy as np
    import hiermodels as hm
    backend, refit = sys.argv[1], sys.argv[2] == "1"
    df = hm.datasets.load("sleepstudy")
    formula = "Reaction ~ Days + (Days | Subject)"

    def one(data, seed):
        t0 = time.perf_counter()
        if backend in ("hiermodels", "hiermodels-callback"):
            from hiermodels.backends.kernel_sampler import sample_kernel
            m = hm.Model(formula, data)
            sample_kernel(m, draws=1000, tune=1000, chains=4, seed=seed, target_accept=0.8,
                          progressbar=False, native=backend == "hiermodels")
        else:
            import pymc as pm
            m = hm.Model(formula, data, parameterization="noncentered").pymc_model
            if backend == "nutpie-numba":
                from hiermodels.backends.sample import sample_pymc
                sample_pymc(m, seed=seed, sampler="nutpie", progressbar=False)
            elif backend == "nutpie-jax":
                import nutpie
                from hiermodels.backends.sample import _initial_points
                cm = nutpie.compile_pymc_model(m, backend="jax", gradient_backend="jax",
                                               initial_points=_initial_points(m))
                nutpie.sample(cm, draws=1000, tune=1000, chains=4, cores=2, seed=seed,
                              progress_bar=False)
            elif backend == "pymc-numba":
                from hiermodels.backends.sample import sample_pymc
                sample_pymc(m, seed=seed, sampler="pymc", progressbar=False)
            elif backend == "pymc-c":
                with m:
                    pm.sample(draws=1000, tune=1000, chains=4, cores=2, random_seed=seed,
                              progressbar=False)
            elif backend == "numpyro":
                from hiermodels.backends.sample import sample_pymc
                sample_pymc(m, seed=seed, sampler="numpyro", progressbar=False)
        return time.perf_counter() - t0

    first = one(df, 1)
    out = {"process_to_first_fit": time.perf_counter() - t_start, "first_fit": first}
    if refit:
        rng = np.random.default_rng(0)
        boot = df.assign(Reaction=df["Reaction"].to_numpy()[rng.integers(0, len(df), len(df))])
        out["refit_new_data"] = one(boot, 2)
    print("RESULT " + json.dumps(out))
    """
)

BACKENDS = [
    "hiermodels",
    "hiermodels-callback",
    "nutpie-numba",
    "nutpie-jax",
    "pymc-numba",
    "pymc-c",
    "numpyro",
]


def run(backend: str, cache: str, refit: bool) -> dict:
    env = dict(os.environ)
    env["PYTENSOR_FLAGS"] = f"base_compiledir={cache}/pytensor"
    env["NUMBA_CACHE_DIR"] = f"{cache}/numba"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, backend, "1" if refit else "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1][:100]}


def main():
    backends = sys.argv[1:] or BACKENDS
    print(
        "| backend | cold: process start to first fit (s) | cold: first fit (s) "
        "| warm: first fit (s) | refit with new data, same process (s) |"
    )
    print("|---|---|---|---|---|")
    for b in backends:
        with tempfile.TemporaryDirectory() as cache:
            cold = run(b, cache, refit=False)
            warm = run(b, cache, refit=True)
        if "error" in cold or "error" in warm:
            print(f"| {b} | failed: {cold.get('error') or warm.get('error')} | | | |", flush=True)
            continue
        print(
            f"| {b} | {cold['process_to_first_fit']:.1f} | {cold['first_fit']:.1f} | "
            f"{warm['first_fit']:.1f} | {warm['refit_new_data']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
