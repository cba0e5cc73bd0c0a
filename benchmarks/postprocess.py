"""Issue 11: the warm fresh-process sleepstudy run (import + Model + fit 4 x 1000 + summary).

Not a test. Each repetition is a fresh Python process (warm numba cache), alternating the
current code ("new") with ArviZ's numba diagnostics left on ("old": ``Fit._arviz_numpy``
replaced by a no-op), and prints wall and CPU seconds per phase with the load average.
CPU time (all threads) is the steadier number on a shared machine. It also checks that
both give the same summary table (R-hat and bulk ESS bit for bit).

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
def clock(): return (time.perf_counter(), time.process_time())
T = {}
t0 = clock()
import hiermodels as hm
import hiermodels.api.model
T["import"] = clock()
if sys.argv[1] == "old":
    import contextlib
    import hiermodels.api.fit as F
    F._arviz_numpy = contextlib.nullcontext
m = hm.Model("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
T["model"] = clock()
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    f = m.fit(draws=1000, tune=1000, chains=4, seed=1, progressbar=False)
T["fit"] = clock()
s = f.summary()
T["summary"] = clock()
out, prev = {}, t0
for k, v in T.items():
    out[k] = [round(v[0] - prev[0], 3), round(v[1] - prev[1], 3)]
    prev = v
out["total"] = [round(prev[0] - t0[0], 3), round(prev[1] - t0[1], 3)]
out["load"] = os.getloadavg()[0]
out["summary_table"] = s.to_dict()
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
    tables = {}
    for i in range(a.reps):
        for mode in ("old", "new") if i % 2 == 0 else ("new", "old"):
            r = run(mode)
            tables.setdefault(mode, r.pop("summary_table"))
            phases = " ".join(f"{k} {v[0]:.2f}/{v[1]:.2f}" for k, v in r.items() if k != "load")
            print(f"{mode}: wall/cpu s  {phases}  load {r['load']:.1f}", flush=True)
    import pandas as pd

    old, new = (pd.DataFrame(tables[m]) for m in ("old", "new"))
    same = ["mean", "sd", "lower", "upper", "ess_bulk", "r_hat"]
    exact = bool((old[same] == new[same]).all().all())
    tail = float((old["ess_tail"] - new["ess_tail"]).abs().max())
    print(f"summary identical (mean..r_hat, bit for bit): {exact}; max |ess_tail diff| {tail:.2e}")
    print(f"load: {os.getloadavg()}")


if __name__ == "__main__":
    main()
