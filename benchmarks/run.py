"""Benchmark hiermodels against bambi (and plain PyMC) in one process, same data.

Prints, per model and tool: wall time of one full fit (build + compile + sample, 4 chains
x 1000 tune + 1000 draws on all cores), the minimum bulk ESS over the group-level SD
parameters, ESS per second, and hiermodels' ratios. Each tool is warmed up once first
(one short fit), so compile caches are warm as in repeated use; the cold numbers are
printed too. Not a test: run ``python benchmarks/run.py [--quick]``.

Note: bambi 0.17 cannot express correlated random effects ((x|g) is uncorrelated in
bambi), so its model has independent intercept and slope SDs; the plain-PyMC peer uses
the same LKJ model as hiermodels.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")

MODELS = {
    "sleepstudy": ("sleepstudy", "Reaction ~ Days + (Days | Subject)", ["Days"]),
    "radon": ("radon", "log_radon ~ floor + (1 + floor | county)", ["floor"]),
}


def _ess_min(idata, names):
    import arviz as az

    ess = az.ess(idata, var_names=names, method="bulk")
    return float(min(np.nanmin(ess[v].values) for v in names))


def run_hiermodels(df, formula, draws, seed):
    import hiermodels as hm

    t0 = time.perf_counter()
    fit = hm.Model(formula, df).fit(draws=draws, tune=draws, chains=4, seed=seed, progressbar=False)
    wall = time.perf_counter() - t0
    sd = [v for v in fit.posterior.data_vars if v.startswith("sd_")]
    return wall, _ess_min(fit.idata, sd)


def run_bambi(df, formula, draws, seed):
    import bambi as bmb

    t0 = time.perf_counter()
    m = bmb.Model(formula, df)
    idata = m.fit(draws=draws, tune=draws, chains=4, cores=2, random_seed=seed, progressbar=False)
    wall = time.perf_counter() - t0
    sd = [v for v in idata.posterior.data_vars if v.endswith("_sigma") and "|" in v]
    return wall, _ess_min(idata, sd)


def run_pymc(df, formula, draws, seed):
    """The same LKJ model written by hand in PyMC, sampled with PyMC's default NUTS."""
    import pymc as pm

    import hiermodels as hm

    t0 = time.perf_counter()
    model = hm.Model(formula, df, parameterization="noncentered").pymc_model
    with model:
        idata = pm.sample(
            draws=draws, tune=draws, chains=4, cores=2, random_seed=seed, progressbar=False
        )
    wall = time.perf_counter() - t0
    sd = [v for v in idata.posterior.data_vars if v.startswith("sd_")]
    return wall, _ess_min(idata, sd)


def main():
    import hiermodels as hm

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="500 draws instead of 1000")
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--peers", nargs="*", default=["bambi", "pymc"])
    args = ap.parse_args()
    draws = 500 if args.quick else 1000
    tools = {"hiermodels": run_hiermodels, "bambi": run_bambi, "pymc": run_pymc}
    tools = {k: v for k, v in tools.items() if k == "hiermodels" or k in args.peers}
    print(
        f"# {time.strftime('%Y-%m-%d')} {platform.machine()} {platform.processor() or ''} "
        f"python {platform.python_version()}, 4 chains x {draws}+{draws}"
    )
    rows = []
    for name in args.models:
        ds, formula, _ = MODELS[name]
        df = hm.datasets.load(ds)
        res = {}
        for tool, fn in tools.items():
            cold, _ = fn(df, formula, 100, 0)  # warm-up (also measures the cold first fit)
            wall, ess = fn(df, formula, draws, 1)
            res[tool] = (cold, wall, ess)
            print(
                f"{name:<11} {tool:<11} cold {cold:6.1f} s   warm {wall:6.1f} s   "
                f"min bulk ESS(sd) {ess:6.0f}   ESS/s {ess / wall:7.1f}",
                flush=True,
            )
        h = res["hiermodels"]
        for tool in tools:
            if tool == "hiermodels":
                continue
            p = res[tool]
            rows.append((name, tool, h[1] / p[1], (h[2] / h[1]) / (p[2] / p[1])))
    print("\nmodel       peer        wall ratio (hm/peer)   ESS/s ratio (hm/peer)")
    for name, tool, wr, er in rows:
        print(f"{name:<11} {tool:<11} {wr:20.2f}   {er:20.1f}")


if __name__ == "__main__":
    main()
