"""Bundled example datasets, readable offline.

Twelve small published datasets (mostly from R packages) ship as CSV files in
``hiermodels/data/datasets/data`` together with ``SOURCES.md`` (provenance and citations) and
``registry.json`` (the same metadata in machine-readable form).

Examples
--------
>>> from hiermodels import datasets
>>> df = datasets.load("sleepstudy")
>>> df.shape
(180, 3)
>>> datasets.describe("sleepstudy")["rows"]
180
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

import pandas as pd

from hiermodels.data.datasets.description import DatasetDescription
from hiermodels.errors import DataError

__all__ = ["citation", "describe", "info", "load", "names"]

# Columns restored as categoricals. Levels are sorted (numerically when every code looks
# like an integer), which is what R's factor() does, except where _LEVELS gives R's order.
_FACTORS: dict[str, tuple[str, ...]] = {
    "bball1970": (),
    "bcg": ("alloc",),
    "bodyweight": ("Rat", "Diet"),
    "cbpp": ("herd", "period"),
    "dyestuff": ("Batch",),
    "dyestuff2": ("Batch",),
    "eight_schools": ("school",),
    "epil": ("trt", "subject", "period"),
    "orthodont": ("Subject", "Sex"),
    "ovary": ("Mare",),
    "pastes": ("batch", "cask", "sample"),
    "penicillin": ("plate", "sample"),
    "radon": ("county",),
    "salamanders": ("site", "mined", "spp"),
    "sleepstudy": ("Subject",),
    "verbagg": ("Gender", "item", "resp", "id", "btype", "situ", "mode", "r2"),
    "wine": ("rating", "temp", "contact", "bottle", "judge"),
}

# Categoricals that are ordered factors in R (loaded with ordered=True).
_ORDERED = {("wine", "rating")}

# Level orders in which R's factor is not sorted (glmmTMB's Salamanders: GP is the
# reference species and `mined = "yes"` the reference level, as in its coefficient names
# sppPR, ..., minedno).
_LEVELS: dict[tuple[str, str], tuple[str, ...]] = {
    ("salamanders", "spp"): ("GP", "PR", "DM", "EC-A", "EC-L", "DES-L", "DF"),
    ("salamanders", "mined"): ("yes", "no"),
    # lme4's VerbAgg: items in questionnaire order, mode "want" before "do".
    ("verbagg", "item"): (
        "S1WantCurse",
        "S1WantScold",
        "S1WantShout",
        "S2WantCurse",
        "S2WantScold",
        "S2WantShout",
        "S3WantCurse",
        "S3WantScold",
        "S3WantShout",
        "S4wantCurse",
        "S4WantScold",
        "S4WantShout",
        "S1DoCurse",
        "S1DoScold",
        "S1DoShout",
        "S2DoCurse",
        "S2DoScold",
        "S2DoShout",
        "S3DoCurse",
        "S3DoScold",
        "S3DoShout",
        "S4DoCurse",
        "S4DoScold",
        "S4DoShout",
    ),
    ("verbagg", "mode"): ("want", "do"),
}

_INTEGER = re.compile(r"-?\d+")
_DESCRIBE_KEYS = ("title", "citation", "origin", "design", "columns", "rows", "licence")


def _data():
    return resources.files(__name__).joinpath("data")


@cache
def _names() -> tuple[str, ...]:
    return tuple(sorted(p.name[:-4] for p in _data().iterdir() if p.name.endswith(".csv")))


def _check(name) -> str:
    valid = _names()
    if isinstance(name, str) and name in valid:
        return name
    import difflib

    close = difflib.get_close_matches(str(name).lower(), valid, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise DataError(f"Unknown dataset {name!r}.{hint} Available datasets: {', '.join(valid)}.")


def _levels(values: pd.Series) -> list[str]:
    unique = values.dropna().unique().tolist()
    if all(_INTEGER.fullmatch(v) for v in unique):
        return sorted(unique, key=int)
    return sorted(unique)


@cache
def _read(name: str) -> pd.DataFrame:
    factors = _FACTORS.get(name, ())
    with _data().joinpath(f"{name}.csv").open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype=dict.fromkeys(factors, str))
    for col in factors:
        levels = _LEVELS.get((name, col)) or _levels(df[col])
        df[col] = pd.Categorical(df[col], categories=list(levels), ordered=(name, col) in _ORDERED)
    return df


@cache
def _registry() -> dict:
    text = _data().joinpath("registry.json").read_text(encoding="utf-8")
    return json.loads(text)["datasets"]


def names() -> list[str]:
    """Names of the bundled datasets.

    Returns
    -------
    list of str
        Sorted dataset names, e.g. ``"cbpp"``, ``"sleepstudy"``.
    """
    return list(_names())


def load(name: str) -> pd.DataFrame:
    """Load a bundled dataset as a DataFrame (offline).

    Factor columns come back as pandas categoricals with R's level order; numeric-looking
    codes (herd ``"1"``..``"15"``, Subject ``"308"``..) keep string values and sort
    numerically.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    pandas.DataFrame
        A fresh copy; changing it does not affect later calls.

    Raises
    ------
    DataError
        If ``name`` is not a bundled dataset; the message suggests the closest name.
    """
    return _read(_check(name)).copy(deep=True)


def describe(name: str) -> DatasetDescription:
    """Provenance and column meanings of a dataset, as recorded in ``SOURCES.md``.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    DatasetDescription
        A dict with keys ``"name"``, ``"title"``, ``"citation"``, ``"origin"``,
        ``"design"``, ``"columns"`` (column name -> meaning), ``"rows"`` and
        ``"licence"``; it prints as a short data card.

    Raises
    ------
    DataError
        If ``name`` is not a bundled dataset.
    """
    entry = _registry()[_check(name)]
    out = {"name": name, **{key: entry[key] for key in _DESCRIBE_KEYS}}
    out["columns"] = dict(out["columns"])
    return DatasetDescription(out)


def citation(name: str) -> str:
    """Full citation text(s) for a dataset.

    Parameters
    ----------
    name : str
        One of :func:`names`.

    Returns
    -------
    str
        The reference(s) to cite when using the dataset.
    """
    return _registry()[_check(name)]["citation"]


def info() -> pd.DataFrame:
    """One-line summary of every bundled dataset.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``rows``, ``columns`` (number of columns), ``title`` and
        ``citation`` (short form, e.g. ``"Belenky et al. (2003)"``), one row per dataset.
    """
    reg = _registry()
    rows = [
        {
            "name": n,
            "rows": reg[n]["rows"],
            "columns": len(reg[n]["columns"]),
            "title": reg[n]["title"],
            "citation": reg[n]["short_citation"],
        }
        for n in _names()
    ]
    return pd.DataFrame(rows, columns=["name", "rows", "columns", "title", "citation"])
