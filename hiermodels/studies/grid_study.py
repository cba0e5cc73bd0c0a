r"""``hm.study``: simulation studies and power analysis for multilevel designs, on Dask.

Examples
--------
How many clusters does a cluster-randomised trial need, and can REML be trusted with few?

>>> import hiermodels as hm
>>> res = hm.study(
...     formula="y ~ x + (1 | g)",
...     grid={"clusters": [4, 6, 10, 20], "rows": [10], "x": [0.5]},
...     values={"sd(g, Intercept)": 0.5, "sigma": 1.0},
...     replications=200, out="out/few_clusters", workers=2,
... )                                                               # doctest: +SKIP
>>> res.table.query("parameter == 'x'")[["clusters", "method", "power", "coverage", "boundary"]]
...                                                                 # doctest: +SKIP
>>> res.plot_power(); res.plot_coverage()                           # doctest: +SKIP

Bayesian assurance / precision target: the share of replicates whose 95 % interval for the
effect is narrower than 0.8 — pick the smallest number of clusters where it reaches 80 %:

>>> a = res.assurance("x", width=0.8)                               # doctest: +SKIP
>>> a.loc[a["assurance"] >= 0.8, "clusters"].min()                  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hiermodels.derive.simulate import parameter_names
from hiermodels.derive.study_summary import assurance, summarise
from hiermodels.errors import HiermodelsError

from .design import GRID_DESIGN_KEYS, StudySpec, cell_family, cell_frame, template_model
from .engine import check_out_dir, run_tasks


@dataclass
class StudyResult:
    """A finished (or resumed) study.

    Attributes
    ----------
    spec : StudySpec
    fits : DataFrame
        One row per (cell, replicate, method, parameter): ``true``, ``estimate``,
        ``lower``, ``upper``, ``p_gt0``, ``boundary``, diagnostics, ``error``, ``seconds``
        and the grid columns.
    table : DataFrame
        :func:`hiermodels.derive.study_summary.summarise` of ``fits``.
    facts : dict
        ``tasks``, ``ran``, ``resumed``, ``workers``, ``wall_seconds``.
    """

    spec: StudySpec
    fits: pd.DataFrame
    table: pd.DataFrame
    facts: dict = field(default_factory=dict)

    def assurance(self, parameter: str, width: float, method: str = "bayes") -> pd.DataFrame:
        """Share of fits per cell with an interval for ``parameter`` narrower than ``width``."""
        return assurance(self.fits, parameter, width, method)

    def plot_power(self, parameter: str = "x", ax=None):
        """Power against the number of clusters, one line per method (and other grid values)."""
        from hiermodels.present.plots.study_curves import plot_study_curve

        return plot_study_curve(self.table, parameter, "power", ax=ax)

    def plot_coverage(self, parameter: str = "x", ax=None):
        """Coverage of the intervals against the number of clusters, nominal level marked."""
        from hiermodels.present.plots.study_curves import plot_study_curve

        return plot_study_curve(self.table, parameter, "coverage", nominal=self.spec.prob, ax=ax)


def _tasks(spec: StudySpec) -> dict:
    cells = spec.cells()
    tasks = {}
    R, B = int(spec.replications), int(spec.batch_size)
    for c, cell in cells.iterrows():
        cell = {
            k: str(v) if k == "family" else int(v) if k in GRID_DESIGN_KEYS else float(v)
            for k, v in cell.items()
        }
        for start in range(0, R, B):
            reps = list(range(start, min(start + B, R)))
            tasks[f"c{c:04d}-r{start:06d}"] = (spec.to_dict(), int(c), cell, reps)
    return tasks


def _validate(spec: StudySpec) -> None:
    """Fail before any work is sent out: unknown or missing parameter names."""
    from hiermodels.derive.simulate import _check_params

    cells = spec.cells()
    given = set(spec.values) | {k for k in spec.grid if k not in GRID_DESIGN_KEYS}
    all_names = set()
    for family in dict.fromkeys(cell_family(spec, c) for _, c in cells.iterrows()):
        first = next(c for _, c in cells.iterrows() if cell_family(spec, c) == family).to_dict()
        template = template_model(spec, cell_frame(spec, 0, first), family)
        names = parameter_names(template)
        all_names |= set(names)
        vals = {k: v for k, v in spec.cell_values(first).items() if k in names}
        _check_params(template, vals, 1)
    unknown = sorted(given - all_names)
    if unknown:
        raise HiermodelsError(
            f"The study names parameters {unknown} that the model {spec.formula!r} "
            f"does not have; its parameters are {sorted(all_names)}."
        )


def study(
    spec: StudySpec | dict | None = None,
    *,
    out=None,
    client=None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    stop_after: int | None = None,
    _worker_pool: list | None = None,
    **kwargs,
) -> StudyResult:
    """Run a simulation study (power, bias, coverage, REML boundary) on Dask distributed.

    Parameters
    ----------
    spec : StudySpec or dict, optional
        Or give its fields as keyword arguments (``formula``, ``family``, ``grid``,
        ``values``, ``replications``, ``methods``, ``priors``, ``draws``, ...).
    out : str or Path, optional
        Folder for streamed results (``parts/*.parquet``), ``fits.parquet`` and
        ``table.csv``. Rerunning with the same folder resumes an interrupted study.
    client, scheduler, workers
        A ``distributed.Client``; or a scheduler address ``"tcp://host:8786"``; or the
        number of local worker processes (default: all cores).
    progress : bool
        Show a progress bar.
    stop_after : int, optional
        Stop after this many batches (for testing resumption).

    Returns
    -------
    StudyResult
    """
    import time

    if spec is None:
        spec = StudySpec(**kwargs)
    elif isinstance(spec, dict):
        spec = StudySpec(**{**spec, **kwargs})
    elif kwargs:
        raise HiermodelsError("Give either a StudySpec or keyword fields, not both.")
    _validate(spec)
    from .fits import run_batch

    outp = None if out is None else Path(out)
    if outp is not None:
        check_out_dir(outp, "study", spec.fingerprint(), spec.to_dict())
    start = time.perf_counter()
    fits, facts = run_tasks(
        run_batch,
        _tasks(spec),
        outp,
        client=client,
        scheduler=scheduler,
        workers=workers,
        progress=progress,
        worker_pool=_worker_pool,
        stop_after=stop_after,
    )
    facts["wall_seconds"] = time.perf_counter() - start
    table = summarise(fits, spec.threshold) if len(fits) else pd.DataFrame()
    if outp is not None and facts["ran"] + facts["resumed"] == facts["tasks"]:
        fits.to_parquet(outp / "fits.parquet", index=False)
        table.to_csv(outp / "table.csv", index=False)
    return StudyResult(spec, fits, table, facts)
