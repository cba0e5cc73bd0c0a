"""Issue 11: nutpie's diagonal vs low-rank modified mass matrix, back to back in one process.

Not a test: run it on a quiet machine and read the table. For each case and each
``mass_matrix`` it fits with the same seed and prints wall time, gradient evaluations per
draw (mean ``n_steps``), CPU time (all threads; steadier than wall on a shared machine) and
CPU microseconds per gradient, divergences, max R-hat, min bulk ESS of
the group SDs and min bulk ESS over all fixed effects and SDs, and the load average.

    python benchmarks/mass_matrix.py verbagg            # crossed Bernoulli, 4 x 1000
    python benchmarks/mass_matrix.py poisson            # Poisson (x | g), 1e5 x 1e3, 2 x 1000
    python benchmarks/mass_matrix.py poisson --rows 20000 --groups 200
    python benchmarks/mass_matrix.py small              # sleepstudy, cbpp, pastes, radon
    python benchmarks/mass_matrix.py verbagg --mass diag low_rank auto --seeds 1 2
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd

import hiermodels as hm

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")


def _load(name: str) -> pd.DataFrame:
    try:
        return hm.datasets.load(name)
    except hm.HiermodelsError:
        return pd.read_csv(os.path.join(SHARED, f"{name}.csv"))


def verbagg_model():
    df = _load("verbagg")
    df = df.assign(r2=(df["r2"] == "Y").astype(int))
    f = "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)"
    return hm.Model(f, df, family="bernoulli")


def poisson_model(rows: int = 100_000, groups: int = 1000):
    """The data of ``benchmarks/edges.py poisson`` (same seed) at ``rows`` x ``groups``."""
    rng = np.random.default_rng(100_000)
    n = rows // groups
    g = np.repeat(np.arange(groups), n)
    x = rng.normal(size=g.size)
    L = np.linalg.cholesky(np.array([[0.25, 0.3 * 0.5 * 0.3], [0.3 * 0.5 * 0.3, 0.09]]))
    u = rng.normal(size=(groups, 2)) @ L.T
    y = rng.poisson(np.exp(1.0 + u[g, 0] + (0.5 + u[g, 1]) * x))
    df = pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})
    return hm.Model("y ~ x + (x | g)", df, family="poisson")


def small_models():
    return {
        "sleepstudy": hm.Model("Reaction ~ Days + (Days | Subject)", _load("sleepstudy")),
        "pastes": hm.Model("strength ~ 1 + (1 | batch/cask)", _load("pastes")),
        "cbpp": hm.Model(
            "incidence | trials(size) ~ period + (1 | herd)", _load("cbpp"), family="binomial"
        ),
        "radon": hm.Model("log_radon ~ floor + (1 + floor | county)", _load("radon")),
    }


def measure(name, model, mass, *, draws, tune, chains, seed) -> dict:
    import arviz as az

    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            progressbar=False,
            mass_matrix=mass,
        )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    post = fit.idata.posterior
    ss = fit.idata.sample_stats
    steps = float(ss["n_steps"].mean())
    sd_vars = [v for v in post.data_vars if str(v).startswith("sd_")]
    key = sd_vars + [v for v in ("Intercept", "b") if v in post.data_vars]
    ess_sd = min(float(az.ess(post[[v]], method="bulk")[v].min()) for v in sd_vars)
    ess_key = min(float(az.ess(post[[v]], method="bulk")[v].min()) for v in key)
    rhat = max(float(az.rhat(post[[v]])[v].max()) for v in key)
    grads = steps * (draws + tune) * chains
    return {
        "case": name,
        "mass": mass,
        "seed": seed,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "grad_per_draw": round(steps, 1),
        "cpu_us_per_grad": round(1e6 * cpu / grads) if grads else None,
        "divergences": int(ss["diverging"].sum()),
        "max_rhat_key": round(rhat, 4),
        "min_ess_sd": round(ess_sd),
        "min_ess_key": round(ess_key),
        "ess_sd_per_s": round(ess_sd / wall, 1),
        "load1": round(os.getloadavg()[0], 2),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case", choices=["verbagg", "poisson", "small"])
    p.add_argument("--mass", nargs="+", default=["diag", "low_rank"])
    p.add_argument("--seeds", nargs="+", type=int, default=[1])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--groups", type=int, default=1000)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--chains", type=int, default=None)
    a = p.parse_args()
    print(f"load: {os.getloadavg()}", flush=True)
    if a.case == "verbagg":
        models, chains = {"verbagg": verbagg_model()}, a.chains or 4
    elif a.case == "poisson":
        models = {f"poisson {a.rows}x{a.groups}": poisson_model(a.rows, a.groups)}
        chains = a.chains or 2
    else:
        models, chains = small_models(), a.chains or 4
    rows = []
    for name, model in models.items():
        for seed in a.seeds:
            for mass in a.mass:
                rows.append(
                    measure(
                        name, model, mass, draws=a.draws, tune=a.draws, chains=chains, seed=seed
                    )
                )
                print(pd.DataFrame(rows).to_string(index=False), flush=True)
    print(f"load: {os.getloadavg()}")


if __name__ == "__main__":
    main()
