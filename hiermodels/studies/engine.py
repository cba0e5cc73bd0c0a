"""Run independent tasks on Dask distributed, streaming each result to Parquet.

Every study and SBC run is a list of tasks (a batch of fits each). They are submitted to a
``dask.distributed`` client: a :class:`distributed.LocalCluster` with ``workers``
single-threaded worker *processes* by default (numba kernels are cached on disk, so each
worker loads them once and reuses them for all its tasks), or any running scheduler
(``scheduler="tcp://host:8786"``), or a ``client=`` you made yourself.

Results are written by the submitting process, one Parquet file per task, as the tasks
finish (``<out>/parts/<task>.parquet``, written to a temporary name and renamed, so a file
is either complete or absent). Rerunning with the same ``out`` skips the tasks whose file
exists: an interrupted study resumes where it stopped and gives the same table as an
uninterrupted one, because every task's seeds depend only on its (cell, replicate).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from hiermodels.errors import HiermodelsError


@contextlib.contextmanager
def dask_client(client=None, scheduler: str | None = None, workers: int | None = None):
    """A distributed client: ``client`` as given, one connected to ``scheduler``, or a new
    LocalCluster (``workers`` processes x 1 thread) that is closed on exit."""
    if client is not None:
        yield client
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - depends on the install
        raise HiermodelsError(
            "Studies run on Dask distributed: pip install 'hiermodels[studies]' "
            "(dask[distributed] and pyarrow)."
        ) from err
    if scheduler is not None:
        c = Client(scheduler)
        try:
            yield c
        finally:
            c.close()
        return
    n = int(workers) if workers else max(1, os.cpu_count() or 1)
    if n < 1:
        raise HiermodelsError(f"workers must be >= 1, got {workers!r}.")
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    c = Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def check_out_dir(out: Path, kind: str, fingerprint: str, spec: dict) -> None:
    """Create ``out`` or check that it holds the same study (else refuse to mix results)."""
    out.mkdir(parents=True, exist_ok=True)
    meta = out / "study.json"
    if meta.exists():
        old = json.loads(meta.read_text())
        if old.get("fingerprint") != fingerprint or old.get("kind") != kind:
            raise HiermodelsError(
                f"{out} holds results of a different {old.get('kind', 'study')} "
                f"(fingerprint {old.get('fingerprint')} != {fingerprint}); choose another "
                "output folder or delete it to start afresh."
            )
        return
    meta.write_text(json.dumps({"kind": kind, "fingerprint": fingerprint, "spec": spec}, indent=2))


def run_tasks(
    func: Callable,
    tasks: dict[str, tuple],
    out: Path | None = None,
    client=None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    worker_pool: list | None = None,
    stop_after: int | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Run ``func(*args)`` for every task on Dask and concatenate the returned DataFrames.

    Parameters
    ----------
    func : callable
        Importable top-level function returning a DataFrame.
    tasks : dict
        Task id (sorts in the output order) -> positional arguments.
    out : Path, optional
        Folder for the per-task Parquet files; tasks already there are not rerun.
    worker_pool : list of str, optional
        Restrict the tasks to these worker addresses.
    stop_after : int, optional
        Stop (as if interrupted) after this many tasks have been written.

    Returns
    -------
    (DataFrame, dict)
        All results in task-id order, and run facts: ``tasks``, ``ran``, ``resumed``,
        ``workers`` and ``ran_on`` (the addresses of the workers that ran this call's tasks).
    """
    parts = None if out is None else Path(out) / "parts"
    done: dict[str, pd.DataFrame] = {}
    if parts is not None:
        parts.mkdir(parents=True, exist_ok=True)
        for tid in tasks:
            f = parts / f"{tid}.parquet"
            if f.exists():
                done[tid] = pd.read_parquet(f)
    pending = [t for t in sorted(tasks) if t not in done]
    facts = {"tasks": len(tasks), "resumed": len(done), "ran": 0, "workers": 0}
    if pending:
        from distributed import as_completed
        from tqdm.auto import tqdm

        with dask_client(client, scheduler, workers) as c:
            facts["workers"] = len(worker_pool or c.scheduler_info()["workers"])
            run_id = uuid.uuid4().hex[:12]  # fresh keys: never reuse a result held by the scheduler
            futures = {
                c.submit(
                    func,
                    *tasks[t],
                    key=f"hiermodels-{t}-{run_id}",
                    workers=worker_pool,
                    pure=False,
                ): t
                for t in pending
            }
            bar = tqdm(total=len(tasks), initial=len(done), disable=not progress, desc="fits")
            try:
                for fut in as_completed(futures):
                    tid = futures[fut]
                    df = fut.result()
                    if parts is not None:
                        tmp = parts / f".{tid}.parquet.tmp"
                        df.to_parquet(tmp, index=False)
                        os.replace(tmp, parts / f"{tid}.parquet")
                    done[tid] = df
                    facts["ran"] += 1
                    bar.update(1)
                    if stop_after is not None and facts["ran"] >= stop_after:
                        for f in futures:
                            f.cancel()
                        break
            finally:
                bar.close()
            held = c.who_has([f for f in futures if f.status == "finished"])
            facts["ran_on"] = sorted({w for ws in held.values() for w in ws})
    frames = [done[t] for t in sorted(done)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table, facts
