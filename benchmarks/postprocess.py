"""Issue 11: the warm fresh-process sleepstudy run (import + Model + fit 4 x 1000 + summary).

Not a test. Each repetition is a fresh Python process (warm numba cache), alternating the
current code ("new": no ArviZ on this path, R-hat/ESS/E-BFMI from
``hiermodels.derive.convergence``) with the reference ("arviz": ArviZ imported at the start
of the fit, as nutpie used to import it, and ``az.rhat``/``az.ess``/``az.bfmi`` on NumPy
(``Numba.numba_flag`` off, as ``Fit`` ran them before) in place of hiermodels' own). It
prints per phase the wall seconds, the CPU seconds of all threads and those of the main
thread (the serial part: nutpie samples in its own threads), with the load average (CPU
time is the steadier number on a shared machine), which heavy packages each mode imported,
and checks that both modes give the same summary table bit for bit, every column.

    python benchmarks/postprocess.py [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, sys, time
def clock(): return (time.perf_counter(), time.process_time(), time.thread_time())
T = {}
t0 = clock()
import hiermodels as hm
import hiermodels.api.model
T["import"] = clock()
m = hm.Model("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
T["model"] = clock()
if sys.argv[1] == "arviz":
    import arviz as az
    import numpy as np
    from arviz.utils import Numba
    import hiermodels.derive.convergence as C
    Numba.numba_flag = False
    ref = {"rhat": az.rhat, "ess_bulk": lambda x: az.ess(x, method="bulk"),
           "ess_tail": lambda x: az.ess(x, method="tail")}
    # every R-hat/ESS of hiermodels goes through convergence.many: ArviZ per element instead
    C.many = lambda a, want=tuple(ref): {w: np.array([ref[w](x) for x in np.asarray(a)], float)
                                         for w in want}
    C.bfmi = lambda e: az.bfmi(np.asarray(e))
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    f = m.fit(draws=1000, tune=1000, chains=4, seed=1, progressbar=False)
T["fit"] = clock()
s = f.summary()
T["summary"] = clock()
out, prev = {}, t0
for k, v in T.items():
    out[k] = [round(v[i] - prev[i], 3) for i in range(3)]
    prev = v
out["total"] = [round(prev[i] - t0[i], 3) for i in range(3)]
out["load"] = os.getloadavg()[0]
out["imported"] = [k for k in ("arviz", "matplotlib", "dask", "pymc") if k in sys.modules]
out["summary_table"] = s.to_dict()
out["diagnostics"] = {k: v for k, v in f.diagnostics().items() if isinstance(v, (int, float))}
print(json.dumps(out))
"""


def run(mode: str) -> dict:
    p = subprocess.run(
        [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True
    )
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    tables, diags = {}, {}
    for i in range(a.reps):
        for mode in ("arviz", "new") if i % 2 == 0 else ("new", "arviz"):
            r = run(mode)
            tables.setdefault(mode, r.pop("summary_table"))
            diags.setdefault(mode, r.pop("diagnostics"))
            imported = ",".join(r.pop("imported")) or "-"
            phases = " ".join(
                f"{k} {v[0]:.2f}/{v[1]:.2f}/{v[2]:.2f}" for k, v in r.items() if k != "load"
            )
            print(
                f"{mode:5}: wall/cpu/main-thread cpu s  {phases}  load {r['load']:.1f}  "
                f"imported: {imported}",
                flush=True,
            )
    import pandas as pd

    ref, new = (pd.DataFrame(tables[m]) for m in ("arviz", "new"))
    exact = bool(ref.equals(new))
    print(f"summary identical (every column, bit for bit): {exact}")
    print(f"diagnostics identical (max R-hat, min ESS, E-BFMI): {diags['arviz'] == diags['new']}")
    # hiermodels is installed editable: without .pyc files every process compiles its modules
    print(f"bytecode cached (.pyc written): {not sys.dont_write_bytecode}")
    print(f"load: {os.getloadavg()}")


if __name__ == "__main__":
    main()
