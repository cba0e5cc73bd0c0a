"""Issue 11 (parts 2-3): a data-rich Poisson GLMM, auto rule (centred) vs forced non-centred.

``y ~ x + (x | g)``: 100,000 rows x 1,000 groups, intercept 1, slope 0.5, SDs 0.5 / 0.3,
correlation 0.3, x ~ N(0, 1), fixed seed. 2 chains x 1000 draws (1000 tuning). Prints the
wall time and the minimum bulk ESS of the group SDs for each parameterisation, and the
rule's evidence (median pooling factor, pilot SDs). Not a test; run it on a quiet machine:

    python benchmarks/glmm_parameterization.py [--rows 100000] [--groups 1000] [--only auto]
        [--peer-draws 300]     # + the plain PyMC graph on nutpie, ESS per second ratio

Targets (issue 11): min bulk ESS of the SDs >= 400, wall <= 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd


def simulate(rows: int, groups: int, seed: int = 20261201) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sd, cor = np.array([0.5, 0.3]), 0.3
    G = np.diag(sd) @ np.array([[1, cor], [cor, 1]]) @ np.diag(sd)
    b = rng.multivariate_normal(np.zeros(2), G, size=groups)
    g = rng.integers(0, groups, rows)
    x = rng.normal(size=rows)
    eta = 1.0 + 0.5 * x + b[g, 0] + b[g, 1] * x
    return pd.DataFrame({"y": rng.poisson(np.exp(eta)), "x": x, "g": g.astype(str)})


def run(df, parameterization, chains, draws, seed=1, sampler="hiermodels"):
    import arviz as az

    import hiermodels as hm

    m = hm.Model("y ~ x + (x | g)", df, family="poisson", parameterization=parameterization)
    choice = m.factor_parameterization
    t, cpu = time.perf_counter(), time.process_time()
    fit = m.fit(
        draws=draws, tune=draws, chains=chains, seed=seed, progressbar=False, sampler=sampler
    )
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    ess = az.ess(fit.idata.posterior[["sd_g"]], method="bulk")["sd_g"].values
    d = fit.diagnostics()
    ss = fit.idata.sample_stats
    return {
        "sampler": sampler,
        "parameterization": parameterization,
        "choice": choice["g"],
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "gradients_per_draw": round(float(ss["n_steps"].mean()), 1),
        "worst_rhat": d["table"]["max_rhat"].fillna(0).idxmax(),
        "load": tuple(round(v, 1) for v in os.getloadavg()),
        "sampling_wall_s": round(fit.wall_time, 1),
        "min_ess_bulk_sd": round(float(ess.min()), 0),
        "ess_per_s": round(float(ess.min()) / wall, 2),
        "divergences": d["divergences"],
        "max_rhat": round(d["max_rhat"], 3),
        "sd_mean": np.round(fit.idata.posterior["sd_g"].mean(("chain", "draw")).values, 3),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--groups", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--only", choices=["auto", "noncentered"], default=None)
    ap.add_argument(
        "--peer-draws",
        type=int,
        default=0,
        help="also sample the same model's plain PyMC graph with nutpie (sampler='nutpie', "
        "non-centred, compile included) for this many draws and tuning steps per chain, and "
        "print the ratio of min bulk ESS of the SDs per wall second",
    )
    a = ap.parse_args()
    import hiermodels as hm

    df = simulate(a.rows, a.groups)
    print(f"load average {os.getloadavg()}; {a.rows} rows x {a.groups} groups")
    m = hm.Model("y ~ x + (x | g)", df, family="poisson")
    print(m.parameterization_table.to_string())
    # warm the kernels on a tiny copy so compilation is not timed
    run(simulate(2000, 20), "auto", 2, 50)
    run(simulate(2000, 20), "noncentered", 2, 50)
    rows = {}
    for par in [a.only] if a.only else ["auto", "noncentered"]:
        rows[par] = run(df, par, a.chains, a.draws)
        print(rows[par], flush=True)
    if a.peer_draws:
        peer = run(df, "noncentered", a.chains, a.peer_draws, sampler="nutpie")
        print(peer, flush=True)
        ours = rows.get("auto") or next(iter(rows.values()))
        print(
            f"ESS/s of the SDs: hiermodels {ours['ess_per_s']} vs PyMC graph on nutpie "
            f"{peer['ess_per_s']}: {ours['ess_per_s'] / max(peer['ess_per_s'], 1e-9):.1f}x "
            f"(same process, load {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
