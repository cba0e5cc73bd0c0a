"""Every bad input a clear hiermodels error (issue 15; DESIGN.md section 6).

A table-driven catalogue (``badcases.py``, ``badcases_io.py``) of bad inputs across
``Model``, fit arguments, ``Fit`` methods, ``MetaAnalysis``, ``effect_sizes``, ``load``
and the CLI. Each must raise its hiermodels error class with a message naming the
column, term or value at fault; a CLI case must exit with code 2 and print one line
``hiermodels: error: ...`` naming it, no traceback.

The samplers are replaced by a tripwire (:class:`ReachedSampler`): a bad input must be
refused *before* sampling, so reaching the sampler fails the case (and nothing here
samples). The Fit and MetaFit cases use the fits written by the previous release
(``tests/data``), so the catalogue needs no MCMC.

``python tests/test_bad_inputs.py`` prints the count of cases by outcome (clear error;
vague or foreign error; deep traceback; silent: no error, a hang or the sampler reached).
Measured on the 295 cases: before issue 15 (release 0.1.0) 215 clear, 21 vague or foreign,
5 deep tracebacks, 54 silent; after it, 295 clear.
"""

from __future__ import annotations

import re
import shutil
import sys
import traceback
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hiermodels as hm
from hiermodels.errors import HiermodelsError

sys.path.insert(0, str(Path(__file__).parent))

import badcases_io  # noqa: F401  (registers its cases)
from badcases import CASES

DATA = Path(__file__).parent / "data"
PACKAGE = str(Path(hm.__file__).parent)
OUTCOMES = ("clear", "vague or foreign", "deep traceback", "silent")


class ReachedSampler(BaseException):
    """A bad input reached the sampler unchecked."""


def _tripwire(*args, **kwargs):
    raise ReachedSampler("the sampler was reached")


def install_tripwires(patch) -> None:
    """Make every sampler entry point raise :class:`ReachedSampler`."""
    import nutpie
    import pymc

    patch(nutpie, "sample", _tripwire)
    patch(pymc, "sample", _tripwire)


def make_context(tmp: Path):
    """The data and fits the cases use."""
    c = types.SimpleNamespace(tmp=tmp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c.sleep = hm.datasets.load("sleepstudy")
        c.bcg = hm.datasets.load("bcg")
        rng = np.random.default_rng(0)
        c.counts = pd.DataFrame(
            {"y": rng.poisson(3, 30), "x": rng.normal(size=30), "g": np.repeat(list("abcde"), 6)}
        )
        c.means = pd.DataFrame(
            {"m1": [1.0, 2.0], "m2": [0.5, 1.0], "s1": [1.0, 1.2], "s2": [1.1, 1.0]}
            | {"n1": [20, 30], "n2": [22, 28]}
        )
        c.means_args = dict(m1i="m1", m2i="m2", sd1i="s1", sd2i="s2", n1i="n1", n2i="n2")
        c.small = hm.Model("Yield ~ 1 + (1 | Batch)", hm.datasets.load("dyestuff"))
        c.legacy = DATA / "fit_v0_1_0.nc"
        c.legacy_meta = DATA / "meta_fit_v0_1_0.nc"
        c.legacy_copy = tmp / "legacy-copy.nc"
        shutil.copy(c.legacy, c.legacy_copy)
        c.fit = hm.load(c.legacy_copy)
        c.fit._tmp = tmp / "fitdir"
        c.fit._tmp.mkdir()
        c.mfit = hm.load(c.legacy_meta)
    return c


def run_case(case, c) -> tuple[str, str]:
    """Run one case; return its outcome (one of OUTCOMES) and what happened."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = case.fn(c)
    except ReachedSampler:
        return "silent", "reached the sampler unchecked"
    except case.exc as err:
        msg = str(err)
        if re.search(case.pattern, msg, re.IGNORECASE):
            return "clear", msg
        return "vague or foreign", f"{type(err).__name__}: {msg} (wanted /{case.pattern}/)"
    except HiermodelsError as err:
        return "vague or foreign", f"{type(err).__name__} (wanted {case.exc.__name__}): {err}"
    except Exception as err:  # where did it come from?
        tb = traceback.extract_tb(err.__traceback__)
        inner = tb[-1].filename if tb else ""
        where = "vague or foreign" if inner.startswith(PACKAGE) else "deep traceback"
        return where, f"{type(err).__name__}: {err} (raised in {inner}:{tb[-1].lineno})"
    if case.kind == "cli":
        rc, err = result
        if "Traceback" in err:
            return "deep traceback", err[-300:]
        if rc == 0:
            return "silent", "exit code 0"
        if rc == 2 and re.search(case.pattern, err, re.IGNORECASE):
            return "clear", err.strip()
        return "vague or foreign", f"exit {rc}: {err.strip()} (wanted /{case.pattern}/)"
    return "silent", f"no error; returned {type(result).__name__}"


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    return make_context(tmp_path_factory.mktemp("bad_inputs"))


@pytest.fixture(autouse=True)
def _no_sampling(monkeypatch):
    install_tripwires(monkeypatch.setattr)


def test_catalogue_is_large_and_unique():
    ids = [c.id for c in CASES]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids), [i for i in ids if ids.count(i) > 1]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case, ctx):
    outcome, detail = run_case(case, ctx)
    assert outcome == "clear", f"{outcome}: {detail}"


def count(verbose: bool = False) -> dict:
    """Run the catalogue outside pytest; print and return the count by outcome."""
    import tempfile

    undo = []

    def patch(obj, name, value):
        undo.append((obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    install_tripwires(patch)
    counts = dict.fromkeys(OUTCOMES, 0)
    with tempfile.TemporaryDirectory() as tmp:
        c = make_context(Path(tmp))
        for case in CASES:
            outcome, detail = run_case(case, c)
            counts[outcome] += 1
            if verbose and outcome != "clear":
                print(f"[{outcome}] {case.id}: {' '.join(detail.split())[:220]}")
    for obj, name, value in undo:
        setattr(obj, name, value)
    print(f"{len(CASES)} bad inputs: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return counts


if __name__ == "__main__":
    count(verbose="-v" in sys.argv)
