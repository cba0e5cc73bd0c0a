"""Bundled datasets: shapes, factor levels, published values and metadata (no MCMC)."""

from __future__ import annotations

import csv
import subprocess
import sys
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from hiermodels.data import datasets
from hiermodels.errors import DataError, HiermodelsError

ROWS = {
    "sleepstudy": 180,
    "cbpp": 56,
    "epil": 236,
    "bcg": 13,
    "radon": 919,
    "bball1970": 18,
    "eight_schools": 8,
    "dyestuff2": 30,
    "dyestuff": 30,
    "salamanders": 644,
    "pastes": 60,
    "penicillin": 144,
    "ovary": 308,
    "bodyweight": 176,
    "orthodont": 108,
    "verbagg": 7584,
    "wine": 72,
}

N_LEVELS = [
    ("sleepstudy", "Subject", 18),
    ("cbpp", "herd", 15),
    ("cbpp", "period", 4),
    ("radon", "county", 85),
    ("pastes", "batch", 10),
    ("pastes", "cask", 3),
    ("pastes", "sample", 30),
    ("penicillin", "plate", 24),
    ("penicillin", "sample", 6),
    ("epil", "subject", 59),
    ("epil", "period", 4),
    ("epil", "trt", 2),
    ("bcg", "alloc", 3),
    ("dyestuff", "Batch", 6),
    ("dyestuff2", "Batch", 6),
    ("salamanders", "site", 23),
    ("salamanders", "mined", 2),
    ("salamanders", "spp", 7),
    ("eight_schools", "school", 8),
    ("ovary", "Mare", 11),
    ("bodyweight", "Rat", 16),
    ("bodyweight", "Diet", 3),
    ("orthodont", "Subject", 27),
    ("orthodont", "Sex", 2),
    ("verbagg", "id", 316),
    ("verbagg", "item", 24),
    ("wine", "rating", 5),
    ("wine", "judge", 9),
]

NOT_CATEGORICAL = [
    ("epil", ["y", "base", "age", "V4", "lbase", "lage"]),
    ("bcg", ["trial", "year", "yi", "vi"]),
    ("radon", ["floor", "log_radon", "log_uranium"]),
    ("salamanders", ["sample", "count", "cover"]),
    ("sleepstudy", ["Reaction", "Days"]),
]


def csv_header(name: str) -> list[str]:
    path = resources.files("hiermodels.data.datasets").joinpath("data", f"{name}.csv")
    with path.open("r", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def test_names_sorted_and_complete():
    assert datasets.names() == sorted(ROWS)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_load_row_counts(name):
    df = datasets.load(name)
    assert isinstance(df, pd.DataFrame)
    assert len(df) == ROWS[name]
    assert list(df.columns) == csv_header(name)
    assert not df.isna().any().any()


@pytest.mark.parametrize(("name", "column", "n"), N_LEVELS)
def test_factor_columns_are_categorical(name, column, n):
    col = datasets.load(name)[column]
    assert isinstance(col.dtype, pd.CategoricalDtype)
    assert len(col.cat.categories) == n
    assert all(isinstance(level, str) for level in col.cat.categories)


@pytest.mark.parametrize(("name", "columns"), NOT_CATEGORICAL)
def test_numeric_columns_stay_numeric(name, columns):
    df = datasets.load(name)
    for column in columns:
        assert pd.api.types.is_numeric_dtype(df[column]), column


def test_plain_string_columns():
    assert not isinstance(datasets.load("bball1970")["Player"].dtype, pd.CategoricalDtype)
    assert not isinstance(datasets.load("bcg")["author"].dtype, pd.CategoricalDtype)
    assert pd.api.types.is_integer_dtype(datasets.load("bcg")["trial"])


def test_numeric_looking_levels_in_numeric_order():
    herd = list(datasets.load("cbpp")["herd"].cat.categories)
    assert herd == [str(i) for i in range(1, 16)]
    subject = list(datasets.load("epil")["subject"].cat.categories)
    assert subject == [str(i) for i in range(1, 60)]
    sleep = list(datasets.load("sleepstudy")["Subject"].cat.categories)
    assert sleep[:3] == ["308", "309", "310"]
    assert sleep == sorted(sleep, key=int)


def test_text_levels_sorted_like_r():
    pastes = datasets.load("pastes")
    assert list(pastes["batch"].cat.categories) == list("ABCDEFGHIJ")
    assert pastes["sample"].cat.categories[0] == "A:a"
    assert pastes["sample"].cat.categories[-1] == "J:c"
    assert list(datasets.load("epil")["trt"].cat.categories) == ["placebo", "progabide"]


def test_salamanders_levels_follow_r():
    sal = datasets.load("salamanders")
    assert list(sal["spp"].cat.categories) == ["GP", "PR", "DM", "EC-A", "EC-L", "DES-L", "DF"]
    assert list(sal["mined"].cat.categories) == ["yes", "no"]


def test_eight_schools_published_values():
    df = datasets.load("eight_schools")
    assert list(df["school"]) == list("ABCDEFGH")
    np.testing.assert_array_equal(df["y"], [28, 8, -3, 7, -1, 1, 18, 12])
    np.testing.assert_array_equal(df["sigma"], [15, 10, 16, 11, 9, 11, 10, 18])


def test_epil_lbase_is_centred_log_base():
    df = datasets.load("epil")
    lb = np.log(df["base"] / 4)
    np.testing.assert_allclose(df["lbase"], lb - lb.mean(), rtol=0, atol=1e-10)


def test_bcg_effect_sizes_match_counts():
    df = datasets.load("bcg")
    t, c = df["tpos"] / (df["tpos"] + df["tneg"]), df["cpos"] / (df["cpos"] + df["cneg"])
    np.testing.assert_allclose(df["yi"], np.log(t / c), atol=1e-10)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_describe_matches_csv(name):
    meta = datasets.describe(name)
    assert set(meta) == {
        "name",
        "title",
        "citation",
        "origin",
        "design",
        "columns",
        "rows",
        "licence",
    }
    assert meta["name"] == name
    assert meta["rows"] == ROWS[name]
    assert set(meta["columns"]) == set(csv_header(name))
    assert all(meta["columns"].values())
    for key in ("title", "citation", "origin", "design", "licence"):
        assert isinstance(meta[key], str) and meta[key].strip(), key
    assert datasets.citation(name) == meta["citation"]


def test_describe_returns_copy():
    datasets.describe("cbpp")["columns"]["herd"] = "changed"
    assert datasets.describe("cbpp")["columns"]["herd"] != "changed"


def test_info_lists_every_dataset():
    table = datasets.info()
    assert list(table.columns) == ["name", "rows", "columns", "title", "citation"]
    assert list(table["name"]) == datasets.names()
    assert dict(zip(table["name"], table["rows"], strict=True)) == ROWS
    row = table.set_index("name").loc["sleepstudy"]
    assert row["columns"] == 3
    assert row["citation"] == "Belenky et al. (2003)"


@pytest.mark.parametrize(
    ("bad", "suggestion"), [("sleepstudyy", "sleepstudy"), ("Dyestuff", "dyestuff")]
)
def test_unknown_name_suggests_closest(bad, suggestion):
    with pytest.raises(DataError) as err:
        datasets.load(bad)
    message = str(err.value)
    assert repr(bad) in message
    assert f"Did you mean {suggestion!r}" in message
    assert "penicillin" in message  # lists the valid names
    assert isinstance(err.value, HiermodelsError)


@pytest.mark.parametrize("func", [datasets.describe, datasets.citation])
def test_unknown_name_in_metadata(func):
    with pytest.raises(DataError, match="radon"):
        func("radom")


def test_load_returns_independent_copy():
    first = datasets.load("sleepstudy")
    first.loc[0, "Reaction"] = -1.0
    first["Days"] = 0
    first.drop(columns="Subject", inplace=True)
    second = datasets.load("sleepstudy")
    assert second.loc[0, "Reaction"] == pytest.approx(249.56)
    assert second["Days"].max() == 9
    assert "Subject" in second.columns


def test_sources_file_ships_with_data():
    text = (
        resources.files("hiermodels.data.datasets")
        .joinpath("data", "SOURCES.md")
        .read_text("utf-8")
    )
    for name in datasets.names():
        assert f"{name}.csv" in text


def test_import_does_not_load_pymc():
    code = "import sys, hiermodels.data.datasets; sys.exit('pymc' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
