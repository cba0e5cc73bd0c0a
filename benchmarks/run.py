"""Benchmark hiermodels against bambi and plain PyMC, in one process, on the same data.

For each case and tool: wall time of one full fit (model construction + compilation +
4 chains x (tune + draws) on both cores + hiermodels' post-processing), the minimum bulk
ESS over the group-level SD parameters, ESS per second, the peak extra resident memory
during the fit, and hiermodels' ratios against each peer. Each tool first runs one short
warm-up fit ("cold" column: includes compilation for the peers), then the timed fit, so
compile caches are warm as in repeated use.

Not a test. ``python benchmarks/run.py`` writes ``benchmarks/RESULTS.md``;
``--quick`` uses 500 draws, ``--cases`` selects cases, ``--no-write`` only prints.

Peers: bambi 0.17 has no correlated random effects ((x|g) is uncorrelated in bambi), so
its LKJ cases fit the uncorrelated model; bambi has no known-variance likelihood, so it
cannot fit the meta-analysis; and it builds a dense N x J group design, which cannot hold
1,000,000 rows x 20,000 columns. Plain PyMC is hiermodels' explicit graph
(``model.pymc_model``, non-centred) sampled with ``pm.sample`` and its default C backend.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
HERE = Path(__file__).resolve().parent


# ----------------------------------------------------------------------------- measuring
class PeakRSS:
    """Peak resident memory above the starting level while the block runs (GB)."""

    def __enter__(self):
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._watch, daemon=True)
        self._t.start()
        return self

    def _rss(self):
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.gb = (self.peak - self.base) / 1e9


def ess_min(idata, names):
    import arviz as az

    ess = az.ess(idata, var_names=names, method="bulk")
    return float(min(np.nanmin(ess[v].values) for v in names))


# ----------------------------------------------------------------------------- cases
@dataclass
class Case:
    name: str
    data: callable
    formula: str
    family: str = "gaussian"
    bambi_formula: str | None = None  # None: same as formula
    bambi_note: str = ""  # non-empty: bambi cannot fit it, and why
    meta: bool = False
    big: bool = False


def _sim_big(n=1_000_000, j=10_000, seed=1):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, j, n)
    x = rng.normal(size=n)
    u = rng.multivariate_normal([0, 0], [[1.0, 0.15], [0.15, 0.25]], j)
    y = 1 + u[g, 0] + (0.5 + u[g, 1]) * x + rng.normal(0, 1, n)
    return pd.DataFrame({"y": y, "x": x, "g": pd.Categorical(g)})


def _load(name):
    import hiermodels as hm

    return lambda: hm.datasets.load(name)


CASES = [
    Case("sleepstudy", _load("sleepstudy"), "Reaction ~ Days + (Days | Subject)"),
    Case("radon", _load("radon"), "log_radon ~ floor + (1 + floor | county)"),
    Case(
        "cbpp",
        _load("cbpp"),
        "incidence | trials(size) ~ period + (1 | herd)",
        "binomial",
        bambi_formula="p(incidence, size) ~ period + (1 | herd)",
    ),
    Case("epil", _load("epil"), "y ~ lbase * trt + lage + V4 + (1 | subject)", "poisson"),
    Case(
        "bcg",
        _load("bcg"),
        "yi, vi",
        meta=True,
        bambi_note="no likelihood with known sampling variances (no se() term)",
    ),
    Case(
        "sim 1e6x1e4",
        _sim_big,
        "y ~ x + (x | g)",
        big=True,
        bambi_note="dense N x J group design: 1e6 x 2e4 float64 = 160 GB",
    ),
]


# ----------------------------------------------------------------------------- tools
def fit_hiermodels(case, df, draws, seed):
    import hiermodels as hm

    if case.meta:
        fit = hm.MetaAnalysis(df, yi="yi", vi="vi", study="trial").fit(
            draws=draws, tune=draws, chains=4, seed=seed, progressbar=False
        )
        return fit.idata, ["tau"]
    fit = hm.Model(case.formula, df, family=case.family).fit(
        draws=draws, tune=draws, chains=4, seed=seed, progressbar=False
    )
    return fit.idata, [v for v in fit.posterior.data_vars if v.startswith("sd_")]


def fit_bambi(case, df, draws, seed):
    import bambi as bmb

    fam = {"poisson": "poisson", "binomial": "binomial"}.get(case.family, "gaussian")
    m = bmb.Model(case.bambi_formula or case.formula, df, family=fam)
    idata = m.fit(draws=draws, tune=draws, chains=4, cores=2, random_seed=seed, progressbar=False)
    return idata, [v for v in idata.posterior.data_vars if v.endswith("_sigma") and "|" in v]


def fit_pymc(case, df, draws, seed):
    import pymc as pm

    import hiermodels as hm

    if case.meta:
        model = hm.MetaAnalysis(df, yi="yi", vi="vi", study="trial").pymc_model
        names = ["tau"]
    else:
        model = hm.Model(
            case.formula, df, family=case.family, parameterization="noncentered"
        ).pymc_model
        names = [v.name for v in model.deterministics if v.name.startswith("sd_")]
        names += [v.name for v in model.free_RVs if v.name.startswith("sd_")]
    chains = 2 if case.big else 4
    with model:
        idata = pm.sample(
            draws=draws,
            tune=draws,
            chains=chains,
            cores=2,
            random_seed=seed,
            progressbar=False,
            compute_convergence_checks=False,
        )
    return idata, sorted(set(names))


TOOLS = {"hiermodels": fit_hiermodels, "bambi": fit_bambi, "pymc": fit_pymc}


def gradient_cost_pymc(case, df):
    """Seconds per log-density gradient of the plain PyMC graph (compiled once)."""
    import hiermodels as hm

    model = hm.Model(case.formula, df, parameterization="noncentered").pymc_model
    fn = model.compile_dlogp()
    point = model.initial_point()
    fn(point)
    t0 = time.perf_counter()
    for _ in range(5):
        fn(point)
    return (time.perf_counter() - t0) / 5


def gradient_cost_hiermodels(case, df):
    """Seconds per log-density gradient of hiermodels' collapsed kernel."""
    import hiermodels as hm
    from hiermodels.backends.kernels import initial_point, kernel_data, logp_function
    from hiermodels.model.layout import make_layout

    m = hm.Model(case.formula, df)
    lay = make_layout(m, collapsed=m.collapsed)
    data = kernel_data(m, lay)
    f = logp_function(lay)
    x = initial_point(m, lay, np.random.default_rng(0))
    f(x, **data)
    t0 = time.perf_counter()
    for _ in range(50):
        f(x, **data)
    return (time.perf_counter() - t0) / 50


def run_one(tool, case, df, draws, seed):
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        idata, names = TOOLS[tool](case, df, draws, seed)
        wall = time.perf_counter() - t0
    return wall, ess_min(idata, names), mem.gb


# ----------------------------------------------------------------------------- main
def machine() -> str:
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu or platform.machine()}), {mem:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def main():
    import hiermodels as hm

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500 draws instead of 1000")
    ap.add_argument("--cases", nargs="*", default=[c.name for c in CASES])
    ap.add_argument("--peers", nargs="*", default=["bambi", "pymc"])
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if "bambi" in args.peers:  # the bambi peer needs the bench extra
        from hiermodels.optional import require

        require("bench", "benchmarks/run.py --peers bambi")
    draws = 500 if args.quick else 1000
    header = (
        f"{time.strftime('%Y-%m-%d')} · {machine()} · hiermodels {hm.__version__} · "
        f"4 chains × ({draws} tune + {draws} draws)"
    )
    print(header, flush=True)
    rows = []
    for case in [c for c in CASES if c.name in args.cases]:
        df = case.data()
        for tool in ["hiermodels", *args.peers]:
            if tool == "bambi" and case.bambi_note:
                rows.append((case.name, tool, None, None, None, None, case.bambi_note))
                print(f"{case.name:<12} {tool:<10} cannot run: {case.bambi_note}", flush=True)
                continue
            if case.big and tool == "pymc":
                # NUTS on the non-centred graph with 20,000 latent effects and 1e6 rows needs
                # deep trees at ~10 ms per gradient: hours. Measure the gradient cost instead.
                g_pm = gradient_cost_pymc(case, df)
                g_hm = gradient_cost_hiermodels(case, df)
                note = (
                    f"not run (hours); one gradient {g_pm * 1e3:.1f} ms vs hiermodels "
                    f"{g_hm * 1e3:.2f} ms (collapsed: {g_pm / g_hm:.0f}x cheaper, before "
                    "counting the deeper trees of the 20,002-dim non-centred posterior)"
                )
                rows.append((case.name, tool, None, None, None, None, note))
                print(f"{case.name:<12} {tool:<10} {note}", flush=True)
                continue
            d = draws
            try:
                cold, _, _ = run_one(tool, case, df, 20 if case.big else 100, 0)
                wall, ess, mem = run_one(tool, case, df, d, 1)
            except Exception as err:
                rows.append((case.name, tool, None, None, None, None, f"failed: {err}"[:120]))
                print(f"{case.name:<12} {tool:<10} failed: {err}", flush=True)
                continue
            note = ""
            rows.append((case.name, tool, cold, wall, ess, mem, note))
            print(
                f"{case.name:<12} {tool:<10} cold {cold:7.1f} s  warm {wall:7.1f} s  "
                f"ESS {ess:6.0f}  ESS/s {ess / wall:8.1f}  peak +{mem:5.2f} GB {note}",
                flush=True,
            )
    table = _table(rows)
    print("\n" + table)
    if not args.no_write:
        (HERE / "RESULTS.md").write_text(_results_md(header, table))
        print(f"\nwrote {HERE / 'RESULTS.md'}")


def _table(rows) -> str:
    hm_rows = {r[0]: r for r in rows if r[1] == "hiermodels"}
    lines = [
        "| case | tool | cold (s) | warm wall (s) | min bulk ESS (SDs) | ESS/s | peak mem (GB) "
        "| wall ratio hm/peer | ESS/s ratio hm/peer | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case, tool, cold, wall, ess, mem, note in rows:
        if wall is None:
            lines.append(f"| {case} | {tool} | – | – | – | – | – | – | – | {note} |")
            continue
        ratio = esr = ""
        h = hm_rows.get(case)
        if tool != "hiermodels" and h and h[3]:
            ratio = f"{h[3] / wall:.2f}"
            esr = f"{(h[4] / h[3]) / (ess / wall):.1f}"
        lines.append(
            f"| {case} | {tool} | {cold:.1f} | {wall:.1f} | {ess:.0f} | {ess / wall:.0f} "
            f"| {mem:.2f} | {ratio} | {esr} | {note} |"
        )
    return "\n".join(lines)


def _results_md(header, table) -> str:
    return f"""# Benchmark results

Written by `python benchmarks/run.py` ({header}).

{table}

Cases: sleepstudy `Reaction ~ Days + (Days | Subject)` and radon
`log_radon ~ floor + (1 + floor | county)` (LKJ in hiermodels and plain PyMC; uncorrelated
in bambi, which has no LKJ); cbpp `incidence | trials(size) ~ period + (1 | herd)`
(binomial); epil `y ~ lbase * trt + lage + V4 + (1 | subject)` (Poisson); bcg random-effects
meta-analysis of log risk ratios; a simulated Gaussian data set with 1,000,000 rows and
10,000 groups, varying intercept and slope (LKJ), whose time includes building the design.

"cold" is the first (short) fit in the process, compilation included; "warm wall" is the
timed fit after it. ESS is the minimum bulk ESS over the group-level SD parameters (tau for
the meta-analysis). Peak memory is the largest resident-memory increase during the timed fit.
"""


if __name__ == "__main__":
    main()
