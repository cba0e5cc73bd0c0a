"""``hiermodels study SPEC.toml --out DIR``: run a study spec and write its results.

Writes into DIR: ``table.csv`` (the operating characteristics), ``fits.parquet`` (every
fit), ``parts/`` (the streamed per-batch results that make a rerun resume), one PNG per
figure (power, coverage, REML boundary share against the number of clusters) and
``summary.html`` (self-contained: the design, the key table, the figures).

Spec schema (``models/studies/README`` style)::

    [study]                      # required
    title = "..."                # optional
    description = "..."          # optional
    formula = "y ~ x + (1 | g)"  # uses y, x, g (and n for binomial trials)
    family = "gaussian"
    x_kind = "cluster"           # or "within"
    replications = 200
    methods = ["bayes", "reml"]
    seed = 1
    batch_size = 10
    parameter = "x"              # the parameter the summary and figures focus on
    [grid]                       # required: clusters, rows, and any parameter name
    clusters = [4, 6, 10, 20]
    rows = [10]
    x = [0.5]
    [values]                     # fixed parameter values
    "sd(g, Intercept)" = 0.5
    [priors]                     # optional Bayesian prior overrides
    [fit]                        # optional: draws, tune, chains, prob, threshold
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from hiermodels.errors import SpecError

_SECTIONS = {"study", "grid", "values", "priors", "fit"}
_STUDY_KEYS = {
    "title",
    "description",
    "formula",
    "family",
    "x_kind",
    "trials",
    "replications",
    "methods",
    "seed",
    "batch_size",
    "parameter",
}
_FIT_KEYS = {"draws", "tune", "chains", "prob", "threshold"}
KEY_COLUMNS = [
    "method",
    "n_fits",
    "power",
    "power_prob",
    "coverage",
    "width",
    "bias",
    "rmse",
    "boundary",
    "divergent",
]


def read_study_spec(path) -> tuple:
    """Parse a study TOML file into a :class:`StudySpec` and its text (title, description)."""
    from .design import StudySpec

    path = Path(path)
    if not path.exists():
        raise SpecError(f"No such study spec file: {path}.")
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path} is not valid TOML: {err}.") from err
    unknown = set(raw) - _SECTIONS
    if unknown or "study" not in raw or "grid" not in raw:
        raise SpecError(
            f"{path}: a study spec has the sections [study] and [grid] (and optionally "
            f"[values], [priors], [fit]); found {sorted(raw)}."
        )
    st, fit = dict(raw["study"]), dict(raw.get("fit", {}))
    bad = (set(st) - _STUDY_KEYS) | {f"fit.{k}" for k in set(fit) - _FIT_KEYS}
    if bad:
        raise SpecError(
            f"{path}: unknown keys {sorted(bad)}; [study] takes {sorted(_STUDY_KEYS)} and "
            f"[fit] takes {sorted(_FIT_KEYS)}."
        )
    info = {k: st.pop(k) for k in ("title", "description", "parameter") if k in st}
    info.setdefault("title", path.stem.replace("_", " "))
    info.setdefault("parameter", "x")
    spec = StudySpec(
        **st,
        **fit,
        grid=raw["grid"],
        values=raw.get("values", {}),
        priors=raw.get("priors") or None,
    )
    return spec, info


def write_outputs(res, info: dict, out: Path) -> list[str]:
    """Figures (PNG) and ``summary.html`` for a finished study; returns the file names."""
    import matplotlib.pyplot as plt

    from hiermodels.present.report.html import Section, figure, kv_table, page, para, table

    par = info.get("parameter", "x")
    figs = {"power": res.plot_power(par), "coverage": res.plot_coverage(par)}
    if "reml" in res.spec.methods and (res.table["method"] == "reml").any():
        from hiermodels.present.plots.study_curves import plot_study_curve

        sd_rows = res.table[res.table["parameter"].str.startswith("sd(")]
        if len(sd_rows):
            figs["boundary"] = plot_study_curve(res.table, sd_rows["parameter"].iloc[0], "boundary")
    written = []
    parts = []
    for name, fig in figs.items():
        fig.savefig(out / f"{name}.png", dpi=100, bbox_inches="tight", facecolor="white")
        written.append(f"{name}.png")
        parts.append(
            figure(fig, caption=f"{name} against the number of clusters (error bars: 2 MC SE)")
        )
    plt.close("all")
    key = res.table[res.table["parameter"] == par]
    grid_cols = [c for c in key.columns[: list(key.columns).index("method")] if c not in ("cell",)]
    design = {k: ", ".join(map(str, v)) for k, v in res.spec.grid.items()}
    design.update({k: v for k, v in res.spec.values.items()})
    design.update(
        formula=res.spec.formula,
        family=res.spec.family,
        replications=res.spec.replications,
        methods=", ".join(res.spec.methods),
        seed=res.spec.seed,
        workers=res.facts.get("workers"),
        wall_seconds=res.facts.get("wall_seconds"),
    )
    sections = [
        Section("design", "Design", [para(info.get("description", "")), kv_table(design)]),
        Section(
            "results",
            f"Operating characteristics for {par}",
            [
                table(
                    key[[*grid_cols, *[c for c in KEY_COLUMNS if c in key]]],
                    index=False,
                    text_cols=("method",),
                )
            ],
        ),
        Section("figures", "Figures", parts),
        Section(
            "all",
            "All parameters",
            [
                table(
                    res.table.drop(columns=["cell"]), index=False, text_cols=("method", "parameter")
                )
            ],
        ),
    ]
    html = page(
        info["title"], [para("Simulation study (hiermodels)")], sections, "hiermodels study"
    )
    (out / "summary.html").write_text(html)
    written.append("summary.html")
    return written


def run_study_file(
    path,
    out,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    replications: int | None = None,
) -> object:
    """Run the study in ``path`` into ``out`` (resuming what is there) and write its outputs.

    Returns the :class:`hiermodels.studies.grid_study.StudyResult` (``written``: the files).
    """
    from .design import StudySpec
    from .grid_study import study

    spec, info = read_study_spec(path)
    if replications is not None:
        spec = StudySpec(**{**spec.to_dict(), "replications": int(replications)})
    out = Path(out)
    res = study(spec, out=out, scheduler=scheduler, workers=workers, progress=progress)
    res.written = ["table.csv", "fits.parquet", *write_outputs(res, info, out)]
    return res


def add_parser(sub, epilog: str = ""):
    """Add the ``study`` subcommand to the CLI's subparsers."""
    s = sub.add_parser(
        "study",
        help="run a simulation study (power, coverage, REML vs Bayes) on Dask",
        description="Run the simulation study in SPEC on a Dask LocalCluster (or --scheduler); "
        "results stream to DIR/parts so an interrupted run resumes; writes table.csv, "
        "fits.parquet, figures and summary.html.",
        epilog=epilog,
    )
    s.add_argument("spec", metavar="SPEC.toml", help="e.g. models/studies/few_clusters_study.toml")
    s.add_argument("--out", metavar="DIR", help="output folder (default: out/<spec name>)")
    s.add_argument("--scheduler", metavar="ADDR", help="a running Dask scheduler, tcp://host:8786")
    s.add_argument(
        "--workers", type=int, metavar="N", help="local worker processes (default: cores)"
    )
    s.add_argument("--replications", type=int, metavar="N", help="override the spec's replications")
    s.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return s


def cmd_study(args) -> int:
    """The ``hiermodels study`` command (argparse namespace in, exit code out)."""
    out = Path(args.out) if args.out else Path("out") / Path(args.spec).stem
    res = run_study_file(
        args.spec,
        out,
        scheduler=args.scheduler,
        workers=args.workers,
        progress=not args.no_progress,
        replications=args.replications,
    )
    _, info = read_study_spec(args.spec)
    key = res.table[res.table["parameter"] == info["parameter"]]
    cols = [c for c in key.columns[: list(key.columns).index("method")] if c != "cell"]
    show = [*cols, *[c for c in KEY_COLUMNS if c in key]]
    print(key[show].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    f = res.facts
    print(
        f"\n{f['ran']} batches run, {f['resumed']} resumed, on {f['workers']} workers in "
        f"{f['wall_seconds']:.1f} s. Wrote {', '.join(res.written)} into {out}/"
    )
    return 0
