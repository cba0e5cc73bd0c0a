"""Model specifications in TOML (``models/*.toml``): read, validate, fit.

Schema (see ``models/README.md``)::

    [model]
    formula = "Reaction ~ Days + (Days | Subject)"   # required
    data = "sleepstudy"          # a bundled dataset name, or a CSV path relative to the spec
    family = "gaussian"          # optional; also link, parameterization, dropna
    [priors]                     # optional: class or parameter -> "normal(0, 10)" etc.
    sd = "boundary_avoiding"
    [fit]                        # optional: draws, tune, chains, seed, sampler, target_accept
    draws = 1000
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from .errors import SpecError
from .formula import suggest

_SECTIONS = {
    "model": {
        "formula",
        "data",
        "family",
        "link",
        "parameterization",
        "dropna",
        "title",
        "description",
    },
    "priors": None,
    "fit": {"draws", "tune", "chains", "seed", "sampler", "target_accept"},
}


def read_spec(path) -> dict:
    """Parse and validate a TOML spec; raise :class:`SpecError` naming the problem."""
    path = Path(path)
    if not path.exists():
        raise SpecError(f"No such spec file: {path}.")
    try:
        spec = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path} is not valid TOML: {err}.") from err
    for section, body in spec.items():
        if section not in _SECTIONS:
            raise SpecError(
                f"{path}: unknown section [{section}]{suggest(section, _SECTIONS)}; "
                f"allowed: {sorted(_SECTIONS)}."
            )
        allowed = _SECTIONS[section]
        if allowed is not None:
            for key in body:
                if key not in allowed:
                    raise SpecError(
                        f"{path}: unknown key {key!r} in [{section}]"
                        f"{suggest(key, allowed)}; allowed: {sorted(allowed)}."
                    )
    model = spec.get("model", {})
    for key in ("formula", "data"):
        if key not in model:
            raise SpecError(f"{path}: [model] needs {key!r}.")
    return spec


def load_data(ref: str, base: Path) -> pd.DataFrame:
    """A bundled dataset by name, or a CSV file relative to the spec's folder."""
    from . import datasets

    if ref in datasets.names():
        return datasets.load(ref)
    csv = (base / ref).resolve()
    if not csv.exists():
        raise SpecError(
            f"data = {ref!r} is neither a bundled dataset ({', '.join(datasets.names())}) "
            f"nor an existing CSV file (looked for {csv})."
        )
    return pd.read_csv(csv)


def fit_spec(path, overrides: dict | None = None, progressbar: bool | None = None):
    """Build and fit the model a spec describes; returns the fit."""
    from .model import Model

    path = Path(path)
    spec = read_spec(path)
    m = spec["model"]
    data = load_data(m["data"], path.parent)
    model = Model(
        m["formula"],
        data,
        family=m.get("family", "gaussian"),
        link=m.get("link"),
        priors=spec.get("priors"),
        parameterization=m.get("parameterization", "auto"),
        dropna=m.get("dropna", False),
    )
    kwargs = {**spec.get("fit", {}), **(overrides or {})}
    return model.fit(progressbar=progressbar, **kwargs)
