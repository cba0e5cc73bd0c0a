"""Per-evaluation cost of the fully marginal Gaussian kernel (log density + gradient).

Not a timed test: prints, per design, the dimensions of the block elimination (J0 x q0
eliminated per level, R the dense rest), the median wall time of one kernel call over many
calls (CPU time and wall time: on a shared machine the CPU time is the kernel's cost).
Run single threaded for comparable numbers:

    OPENBLAS_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/marginal_eval.py
"""

from __future__ import annotations

import inspect
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import hiermodels as hm
from hiermodels.backends.kernels.marginal_data import marginal_data, marginal_layout
from hiermodels.backends.kernels.marginal_nb import marginal_logp

SHARED = Path(os.environ.get("HM_SHARED_DATA", Path(__file__).parents[2] / "shared" / "data"))
ARGS = list(inspect.signature(marginal_logp.py_func).parameters)[1:]


def cases():
    yield "sleepstudy", "Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy")
    yield "pastes", "strength ~ 1 + (1 | batch/cask)", hm.datasets.load("pastes")
    yield "penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", hm.datasets.load("penicillin")
    yield "radon", "log_radon ~ floor + (1 + floor | county)", hm.datasets.load("radon")
    path = SHARED / "insteval.csv"
    if path.exists():
        ie = pd.read_csv(path, dtype={"s": str, "d": str, "dept": str})
        yield "insteval", "y ~ service + dept + (1 | s) + (1 | d)", ie


def median_time(f, x, budget=3.0, max_calls=2000):
    """Median CPU (process) time and wall time of one call; CPU time is what a shared,
    loaded machine does not inflate (single-threaded kernel: CPU time = its cost)."""
    f(x)
    cpu, wall = [], []
    t_end = time.perf_counter() + budget
    while len(cpu) < max_calls and (len(cpu) < 5 or time.perf_counter() < t_end):
        w0, c0 = time.perf_counter(), time.process_time()
        f(x)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return float(np.median(cpu)), float(np.median(wall)), len(cpu)


def main(names=None):
    print(f"uptime: {os.popen('uptime').read().strip()}")
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    head = f"{'case':12s} {'N':>7s} {'J0 x q0':>10s} {'R':>6s} {'cpu/call':>11s} {'wall/call':>11s}"
    print(head + f" {'calls':>6s}")
    for name, formula, df in cases():
        if names and name not in names:
            continue
        t0 = time.perf_counter()
        m = hm.Model(formula, df)
        lay = marginal_layout(m)
        data = marginal_data(m, lay)
        t_setup = time.perf_counter() - t0
        args = [data[k] for k in ARGS]
        x = np.zeros(lay.n_dim)
        x[lay.aux_pos] = np.log(np.std(m.design.y) / 2)
        cpu, wall, n = median_time(lambda th, a=args: marginal_logp(th, *a), x)
        J0, q0 = data["ZtZ0"].shape[:2]
        print(
            f"{name:12s} {m.design.n:7d} {f'{J0} x {q0}':>10s} {data['CRR'].shape[0]:6d} "
            f"{cpu * 1e3:9.3f}ms {wall * 1e3:9.3f}ms {n:6d}   (setup {t_setup:.2f}s)"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or None)
