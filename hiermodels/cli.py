"""The ``hiermodels`` command line: fit a model spec (TOML), list datasets.

``hiermodels fit models/sleepstudy.toml --out out/sleepstudy`` prints the summary and
writes ``summary.csv``, ``fixed_effects.csv``, ``varcorr.csv`` and ``fit.nc`` into the
output directory. Errors in specs or paths exit non-zero with one line, no traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import HiermodelsError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hiermodels", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit the model described by a TOML spec")
    f.add_argument("spec", help="path to a model spec (see models/README.md)")
    f.add_argument("--out", help="output directory (default out/<spec name>)")
    f.add_argument("--draws", type=int)
    f.add_argument("--tune", type=int)
    f.add_argument("--chains", type=int)
    f.add_argument("--seed", type=int)
    f.add_argument("--sampler", choices=["hiermodels", "nutpie", "pymc", "numpyro"])
    f.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    sub.add_parser("datasets", help="list the bundled datasets with their citations")
    return p


def _cmd_fit(args) -> int:
    from .specfile import fit_spec

    out = Path(args.out) if args.out else Path("out") / Path(args.spec).stem
    overrides = {k: getattr(args, k) for k in ("draws", "tune", "chains", "seed", "sampler")}
    fit = fit_spec(
        args.spec,
        overrides={k: v for k, v in overrides.items() if v is not None},
        progressbar=not args.no_progress,
    )
    out.mkdir(parents=True, exist_ok=True)
    fit.summary().to_csv(out / "summary.csv")
    fit.fixed_effects().to_csv(out / "fixed_effects.csv")
    fit.varcorr().to_csv(out / "varcorr.csv")
    fit.save(out / "fit.nc")
    print(fit)
    print(f"\nWrote {out}/summary.csv, fixed_effects.csv, varcorr.csv, fit.nc")
    return 0


def _cmd_datasets(args) -> int:
    from . import datasets

    info = datasets.info()
    with_pd = info.to_string(index=False)
    print(with_pd)
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"fit": _cmd_fit, "datasets": _cmd_datasets}[args.command](args)
    except HiermodelsError as err:
        print(f"hiermodels: error: {err}", file=sys.stderr)
        return 2
    except (OSError, KeyError) as err:
        print(f"hiermodels: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
