"""Sampling at the edges (issue 11): few clusters, crossed/nested designs, data-rich GLMMs.

Not a test: run it on a quiet machine and read the table. Every number is measured in this
process; peers (lme4/glmmTMB) cannot run here and are quoted from tests/reference_values.py
with the machine they came from.

    python benchmarks/edges.py few --reps 100        # the few-cluster table (K = 4, 6, 10, 20)
    python benchmarks/edges.py designs               # pastes, penicillin, radon, sleepstudy, verbagg
    python benchmarks/edges.py insteval              # crossed Gaussian at InstEval's size
    python benchmarks/edges.py poisson               # Poisson (x | g), 100,000 rows x 1,000 groups

Few-cluster design (the issue's table): ``y ~ 1 + x + (1 | g)``, K clusters of 5 rows,
intercept 0, slope 0.5, tau 0.5, sigma 1, x ~ N(0, 1); 2 chains x 1000 draws, default
priors; REML by statsmodels MixedLM beside it (Wald 95 % intervals for the fixed effects,
the REML tau as a point estimate).
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


def _fit(model, **kw):
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fit = model.fit(progressbar=False, **kw)
    wall = time.perf_counter() - t0
    d = fit.diagnostics()
    return (
        fit,
        wall,
        d,
        [str(w.message) for w in rec if issubclass(w.category, hm.HiermodelsWarning)],
    )


def _row(name, fit, wall, d, warns):
    sd_vars = [v for v in fit.idata.posterior.data_vars if str(v).startswith("sd_")]
    import arviz as az

    ess_sd = min(float(az.ess(fit.idata.posterior[v]).to_array().min()) for v in sd_vars)
    return {
        "case": name,
        "wall_s": round(wall, 1),
        "divergences": int(d["divergences"]),
        "max_rhat": round(float(d["max_rhat"]), 4),
        "min_ess_bulk_sd": round(ess_sd),
        "sampler": fit.sampler,
        "warnings": len(warns),
    }


def few(reps: int, Ks=(4, 6, 10, 20), seed: int = 2026) -> pd.DataFrame:
    from statsmodels.regression.mixed_linear_model import MixedLM

    rows = []
    for K in Ks:
        cover = {"Intercept": 0, "x": 0, "tau": 0}
        cover_reml = {"Intercept": 0, "x": 0}
        width = {"Intercept": [], "x": [], "tau": []}
        div = warn = boundary = 0
        t0 = time.perf_counter()
        for r in range(reps):
            rng = np.random.default_rng([seed, K, r])
            g = np.repeat(np.arange(K), 5)
            x = rng.normal(size=g.size)
            y = 0.5 * x + rng.normal(0, 0.5, K)[g] + rng.normal(size=g.size)
            df = pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})
            fit, _, d, warns = _fit(
                hm.Model("y ~ 1 + x + (1 | g)", df), draws=1000, tune=1000, chains=2, seed=r
            )
            div += d["divergences"] > 0
            warn += bool(warns)
            fe = fit.fixed_effects()
            vc = fit.varcorr()
            for term, truth in (("Intercept", 0.0), ("x", 0.5)):
                lo, hi = fe.loc[term, "lower"], fe.loc[term, "upper"]
                cover[term] += lo <= truth <= hi
                width[term].append(hi - lo)
            lo, hi = vc.loc["sd(g, Intercept)", "lower"], vc.loc["sd(g, Intercept)", "upper"]
            cover["tau"] += lo <= 0.5 <= hi
            width["tau"].append(hi - lo)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = MixedLM(y, np.column_stack([np.ones_like(x), x]), groups=g).fit(reml=True)
            ci = res.conf_int(alpha=0.05)
            for k, (term, truth) in enumerate((("Intercept", 0.0), ("x", 0.5))):
                cover_reml[term] += ci[k, 0] <= truth <= ci[k, 1]
            boundary += float(np.asarray(res.cov_re)[0, 0]) < 1e-6 * float(res.scale)
        rows.append(
            {
                "K": K,
                "fits": reps,
                "any_divergence": div / reps,
                "any_warning": warn / reps,
                "cover_Intercept": cover["Intercept"] / reps,
                "cover_x": cover["x"] / reps,
                "cover_tau": cover["tau"] / reps,
                "width_tau": float(np.mean(width["tau"])),
                "reml_cover_Intercept": cover_reml["Intercept"] / reps,
                "reml_cover_x": cover_reml["x"] / reps,
                "reml_tau_at_0": boundary / reps,
                "s_per_fit": round((time.perf_counter() - t0) / reps, 2),
            }
        )
        print(pd.DataFrame(rows).to_string(index=False), flush=True)
    return pd.DataFrame(rows)


def designs() -> pd.DataFrame:
    cases = [
        ("pastes", "strength ~ 1 + (1 | batch/cask)", "gaussian"),
        ("penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", "gaussian"),
        ("radon", "log_radon ~ floor + (1 + floor | county)", "gaussian"),
        ("sleepstudy", "Reaction ~ Days + (Days | Subject)", "gaussian"),
        ("verbagg", "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)", "bernoulli"),
    ]
    rows = []
    for data, formula, family in cases:
        df = _load(data)
        if data == "verbagg":
            df = df.assign(r2=(df["r2"] == "Y").astype(int))
        fit, wall, d, warns = _fit(
            hm.Model(formula, df, family=family), draws=1000, tune=1000, chains=4, seed=1
        )
        rows.append(_row(data, fit, wall, d, warns))
        print(pd.DataFrame(rows).to_string(index=False), flush=True)
    return pd.DataFrame(rows)


def insteval() -> pd.DataFrame:
    df = _load("insteval")
    for c in ("s", "d", "dept", "service"):
        df[c] = df[c].astype(str)
    fit, wall, d, warns = _fit(
        hm.Model("y ~ service + dept + (1 | s) + (1 | d)", df),
        draws=1000,
        tune=1000,
        chains=2,
        seed=1,
    )
    out = pd.DataFrame([_row("insteval", fit, wall, d, warns)])
    print(out.to_string(index=False))
    print(fit.varcorr())
    return out


def poisson(centred: str = "auto") -> pd.DataFrame:
    rng = np.random.default_rng(100_000)
    J, n = 1000, 100
    g = np.repeat(np.arange(J), n)
    x = rng.normal(size=g.size)
    L = np.linalg.cholesky(np.array([[0.25, 0.3 * 0.5 * 0.3], [0.3 * 0.5 * 0.3, 0.09]]))
    u = rng.normal(size=(J, 2)) @ L.T
    y = rng.poisson(np.exp(1.0 + u[g, 0] + (0.5 + u[g, 1]) * x))
    df = pd.DataFrame({"y": y, "x": x, "g": g.astype(str)})
    kw = {} if centred == "auto" else {"parameterization": centred}
    fit, wall, d, warns = _fit(
        hm.Model("y ~ x + (x | g)", df, family="poisson", **kw),
        draws=1000,
        tune=1000,
        chains=2,
        seed=1,
    )
    out = pd.DataFrame([_row(f"poisson 1e5 x 1e3 ({centred})", fit, wall, d, warns)])
    print(out.to_string(index=False))
    return out


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("case", choices=["few", "designs", "insteval", "poisson"])
    p.add_argument("--reps", type=int, default=100)
    p.add_argument("--parameterization", default="auto")
    a = p.parse_args()
    print(f"load: {os.getloadavg()}")
    if a.case == "few":
        few(a.reps)
    elif a.case == "poisson":
        poisson(a.parameterization)
    else:
        globals()[a.case]()
    print(f"load: {os.getloadavg()}")
