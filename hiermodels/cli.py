"""The ``hiermodels`` command line: fit an analysis spec (TOML), re-render a report, list data.

``hiermodels fit models/sleepstudy.toml --out out/sleepstudy`` samples the model with a
progress bar, prints the summary and writes ``report.html``, summary CSVs and the saved
fit ``fit.nc`` into the output folder. ``hiermodels report out/sleepstudy/fit.nc``
re-renders the report of a saved fit; ``hiermodels datasets`` lists the bundled data.
Bad specs or paths exit with code 2 and one line ``hiermodels: error: ...``, no traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from hiermodels.errors import HiermodelsError

EPILOG = "Spec format: models/README.md. Each command has --help."


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line (exit code 2) like every other error."""

    def error(self, message):
        self.exit(2, f"hiermodels: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="hiermodels",
        description="Bayesian multilevel models and meta-analyses from TOML specs.",
        epilog=EPILOG,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    p.add_argument(
        "--traceback", action="store_true", help="show the full traceback of unexpected errors"
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    f = sub.add_parser(
        "fit",
        help="fit the analysis a TOML spec describes and write its report",
        description="Fit the model or meta-analysis in SPEC; print the summary; write "
        "report.html, summary CSVs and fit.nc into the output folder. Flags override the "
        "spec's [fit] section.",
        epilog=EPILOG,
    )
    f.add_argument("spec", metavar="SPEC.toml", help="a spec file, e.g. models/sleepstudy.toml")
    f.add_argument("--out", metavar="DIR", help="output folder (default: out/<spec name>)")
    f.add_argument("--draws", type=int, metavar="N", help="kept draws per chain")
    f.add_argument("--tune", type=int, metavar="N", help="warm-up steps per chain")
    f.add_argument("--chains", type=int, metavar="N", help="number of chains")
    f.add_argument("--seed", type=int, metavar="N", help="random seed (same seed, same draws)")
    f.add_argument(
        "--sampler",
        metavar="NAME",
        help="models: hiermodels, nutpie, pymc, numpyro; meta-analyses: auto, numpy, pymc, exact",
    )
    f.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    f.add_argument("--no-report", action="store_true", help="skip report.html")
    f.add_argument(
        "--allow-data-outside",
        action="store_true",
        help="let the spec read a CSV outside its own folder (an absolute path or '..'); "
        "off by default, so a downloaded spec cannot read your files",
    )
    r = sub.add_parser(
        "report",
        help="re-render the HTML report of a saved fit",
        description="Write the HTML report of a fit saved by 'hiermodels fit' (fit.nc) or "
        "by fit.save().",
        epilog=EPILOG,
    )
    r.add_argument("fit", metavar="FIT", help="a saved fit, e.g. out/sleepstudy/fit.nc")
    r.add_argument("--out", metavar="PATH", help="HTML file (default: report.html beside FIT)")
    r.add_argument("--title", help="report title (default: the spec's title)")
    sub.add_parser(
        "warmup",
        help="compile the sampling kernels once for this machine, ahead of the first fit",
        description="Compile (or load from the cache) every numba kernel by fitting tiny "
        "models, so the first real fit starts at once. For CI, Docker images and classrooms. "
        "The cache lives beside the package, in a per-user folder when that is read-only, or "
        "in HIERMODELS_CACHE_DIR / NUMBA_CACHE_DIR if set.",
    )
    sub.add_parser(
        "datasets",
        help="list the bundled datasets with their citations",
        description="List the bundled datasets (usable as data = NAME in a spec).",
    )
    from hiermodels.studies.command import add_parser as add_study_parser

    add_study_parser(sub, EPILOG)
    return p


def _version() -> str:
    from hiermodels._version import __version__

    return __version__


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # on a terminal, first clear a status line (sampling, report) that may be showing
    clear = "\r\x1b[K" if sys.stderr.isatty() else ""
    print(f"{clear}hiermodels: warning: {message}", file=sys.stderr)


#: Every file ``hiermodels fit`` writes; a run replaces the whole set (none left stale).
OUTPUTS = (
    "summary.csv",
    "fixed_effects.csv",
    "varcorr.csv",
    "study_effects.csv",
    "prediction_interval.csv",
    "fit.nc",
    "report.html",
)


def _write_tables(fit, out: Path, staged) -> list[str]:
    if hasattr(fit, "study_effects"):  # meta-analysis
        tables = {"summary": fit.summary(), "study_effects": fit.study_effects()}
        if fit.spec.tau_prior is not None:
            tables["prediction_interval"] = fit.prediction_interval()
    else:
        tables = {
            "summary": fit.summary(),
            "fixed_effects": fit.fixed_effects(),
            "varcorr": fit.varcorr(),
        }
    for name, tab in tables.items():
        staged.write(out / f"{name}.csv", tab.to_csv)
    return [f"{name}.csv" for name in tables]


def _cmd_fit(args) -> int:
    from hiermodels.persist.atomic import FolderLock, StagedFiles, check_output_folder
    from hiermodels.specfile import fit_spec

    out = Path(args.out) if args.out else Path("out") / Path(args.spec).stem
    check_output_folder(out)  # before sampling: a bad --out must not cost a fit
    overrides = {k: getattr(args, k) for k in ("draws", "tune", "chains", "seed", "sampler")}
    with FolderLock(out):  # one run per output folder
        fit = fit_spec(
            args.spec,
            overrides=overrides,
            progressbar=False if args.no_progress else None,
            allow_data_outside=args.allow_data_outside,
        )
        print()  # a blank line between the progress line and the summary
        print(repr(fit))
        # all files appear together after every one was written, or none does
        with StagedFiles() as staged:
            written = _write_tables(fit, out, staged)
            staged.write(out / "fit.nc", fit.save)
            written.append("fit.nc")
            if not args.no_report:
                _with_status("report.html", staged.write, out / "report.html", fit.report)
                written.append("report.html")
        for stale in set(OUTPUTS) - set(written):  # an older run's files do not belong
            (out / stale).unlink(missing_ok=True)
    print(f"\nWrote {', '.join(written)} into {out}/")
    return 0


def _with_status(name: str, write, *args, **kw):
    """Run ``write(*args, **kw)`` (which writes a report) with a status line on stderr."""
    from hiermodels.present.report.html import report_progress
    from hiermodels.present.report.status import ReportStatus

    status = ReportStatus(name)
    with report_progress(status):
        result = write(*args, **kw)
    status.done()
    return result


def _cmd_report(args) -> int:
    from hiermodels.api.load import load

    path = Path(args.fit)
    if path.is_dir() and (path / "fit.nc").exists():
        path = path / "fit.nc"
    fit = load(path)
    out = Path(args.out) if args.out else path.with_name("report.html")
    _with_status(out.name, fit.report, out, title=args.title)
    print(f"Wrote {out}")
    return 0


def _cmd_datasets(args) -> int:
    from hiermodels.data import datasets

    print(datasets.info().to_string(index=False))
    print("\nUse one in a spec as data = NAME; citations: hm.datasets.describe(NAME).")
    return 0


def _cmd_warmup(args) -> int:
    from hiermodels.backends.compile_cache import cache_dirs, is_warm
    from hiermodels.warmup import warmup

    print("hiermodels: compiling the sampling kernels (once per machine) ...", flush=True)
    seconds = warmup(verbose=True)
    where = ", ".join(sorted({str(d) for d in cache_dirs()}))
    print(f"Done in {seconds:.1f} s; cache {'warm' if is_warm() else 'NOT written'} in {where}")
    return 0


def _cmd_study(args) -> int:
    from hiermodels.studies.command import cmd_study

    return cmd_study(args)


def main(argv=None) -> int:
    """Entry point of the ``hiermodels`` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")  # the CLI only writes files
    commands = {
        "fit": _cmd_fit,
        "report": _cmd_report,
        "datasets": _cmd_datasets,
        "warmup": _cmd_warmup,
        "study": _cmd_study,
    }
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return commands[args.command](args)
    except (HiermodelsError, OSError) as err:
        print(f"hiermodels: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hiermodels: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if args.traceback:
            raise
        print(
            f"hiermodels: error: unexpected {type(err).__name__}: {_one_line(err)} "
            "(rerun with --traceback for details)",
            file=sys.stderr,
        )
        return 1


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


if __name__ == "__main__":
    sys.exit(main())
