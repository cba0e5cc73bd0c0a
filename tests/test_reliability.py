"""Reliability attacks of issue 15 that need the whole package: files written by the
previous release, save/load of awkward data, failed saves, prior precedence, names that
clash with posterior variables, and Ctrl-C (SIGINT) during sampling and in the CLI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from explainfits import fake_fit

import hiermodels as hm
from hiermodels.errors import HiermodelsError

DATA = Path(__file__).parent / "data"
LEGACY, LEGACY_META = DATA / "fit_v0_1_0.nc", DATA / "meta_fit_v0_1_0.nc"
REPO = Path(__file__).resolve().parents[1]


def _h5_mean(path, group, var):
    """Posterior mean read straight from the file with h5py (independent of hiermodels)."""
    import h5py

    with h5py.File(path, "r") as h:
        return np.asarray(h[group][var][...], dtype=float).mean(axis=(0, 1))


# ----------------------------------------------------------------------------- old files
def test_files_of_the_previous_release_still_load():
    fit = hm.load(LEGACY)
    fe = fit.fixed_effects()
    assert list(fe.index) == ["Intercept", "Days"]
    assert fe.loc["Intercept", "mean"] == pytest.approx(_h5_mean(LEGACY, "posterior", "Intercept"))
    assert fe.loc["Days", "mean"] == pytest.approx(_h5_mean(LEGACY, "posterior", "b")[0])
    assert list(fit.model.data["Subject"].cat.categories)[:2] == ["308", "309"]
    assert fit.predict(fit.model.data.head(3)).draws.shape[1] == 3
    meta = hm.load(LEGACY_META)
    tau = meta.summary().loc["tau", "mean"]
    assert tau == pytest.approx(_h5_mean(LEGACY_META, "hiermodels_meta", "tau"))
    assert list(meta.summary().index[:2]) == ["Intercept", "ablat"]


def test_load_then_save_to_the_same_path(tmp_path):
    p = tmp_path / "fit.nc"
    shutil.copy(LEGACY, p)
    fit = hm.load(p)
    fit.save(p)  # the loaded fit must not keep the file open
    again = hm.load(p)
    pd.testing.assert_frame_equal(again.fixed_effects(), fit.fixed_effects())
    m = tmp_path / "meta.nc"
    shutil.copy(LEGACY_META, m)
    hm.load(m).save(m)
    assert hm.load(m).summary().loc["tau", "mean"] > 0


def test_a_failing_save_keeps_the_good_file(tmp_path):
    p = tmp_path / "fit.nc"
    shutil.copy(LEGACY, p)
    before = p.read_bytes()
    fit = hm.load(LEGACY)
    fit.idata.posterior.attrs["unstorable"] = {"netCDF": "cannot store a dict"}
    with pytest.raises(HiermodelsError, match=r"fit\.nc"):
        fit.save(p)
    assert p.read_bytes() == before
    assert [q.name for q in tmp_path.iterdir()] == ["fit.nc"]
    hm.load(p)


def _odd_frame():
    df = hm.datasets.load("sleepstudy")
    n = len(df)
    dose = pd.Categorical(
        np.tile(["mid", "high", "low"], n // 3), categories=["low", "mid", "high"], ordered=True
    )
    return (
        df.assign(
            dose=dose,
            count=pd.array([1, None] * (n // 2), dtype="Int64"),
            flag=pd.array([True, None, False] * (n // 3), dtype="boolean"),
            note=pd.array(["a", None] * (n // 2), dtype="string"),
            **{"a/b": np.arange(n, dtype=float)},
        )
        .assign(**{"0": 1.0})
        .rename(columns={"0": 0})
    )


def test_awkward_data_survive_save_and_load(tmp_path):
    df = _odd_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hm.Model("Reaction ~ Days + dose + (1 | Subject)", df)
    assert model.design.fixed_names == ["Intercept", "Days", "dose[mid]", "dose[high]"]
    fit = fake_fit(
        model,
        {"Intercept": 250.0, "b": [10.0, 5.0, -5.0], "sd_Subject": [30.0], "sigma": 25.0},
    )
    fit.save(tmp_path / "odd.nc")
    back = hm.load(tmp_path / "odd.nc")
    pd.testing.assert_frame_equal(back.model.data.reset_index(drop=True), df)
    assert list(back.fixed_effects().index) == list(fit.fixed_effects().index)
    new = df.head(2).assign(dose=pd.Categorical(["low", "high"], ["low", "mid", "high"], True))
    np.testing.assert_allclose(
        back.predict(new).draws.mean(axis=0), fit.predict(new).draws.mean(axis=0)
    )


# ----------------------------------------------------------------------------- priors
@pytest.mark.parametrize("order", ["term first", "class first"])
def test_term_prior_beats_class_prior_in_any_order(order):
    items = [("Days", "normal(0, 1)"), ("b", "normal(0, 100)")]
    priors = dict(items if order == "term first" else items[::-1])
    model = hm.Model(
        "Reaction ~ Days + (1 | Subject)", hm.datasets.load("sleepstudy"), priors=priors
    )
    assert model.priors.loc["Days", "prior"] == "Normal(0, 1)"
    sd_items = [("sd(Subject, Intercept)", "half_normal(3)"), ("sd", "half_normal(50)")]
    for items2 in (sd_items, sd_items[::-1]):
        m = hm.Model(
            "Reaction ~ Days + (1 | Subject)", hm.datasets.load("sleepstudy"), priors=dict(items2)
        )
        assert m.priors.loc["sd(Subject, Intercept)", "prior"] == "HalfNormal(3)"


# ----------------------------------------------------------------------------- clashing names
@pytest.mark.parametrize("name", ["b", "sigma", "Intercept", "coef", "sd_g"])
def test_factor_named_like_a_posterior_variable(name):
    df = hm.datasets.load("dyestuff").rename(columns={"Batch": name})
    try:
        model = hm.Model(f"Yield ~ 1 + (1 | {name})", df)
    except HiermodelsError as err:  # a clear error before sampling is fine ...
        assert repr(name) in str(err) and "rename" in str(err)
        return
    with warnings.catch_warnings():  # ... and so is a fit that works
        warnings.simplefilter("ignore")
        fit = model.fit(draws=30, tune=30, chains=1, seed=1, progressbar=False)
    assert f"sd({name}, Intercept)" in fit.varcorr().index


def test_integer_group_levels_are_found():
    df = hm.datasets.load("sleepstudy")
    df["Subject"] = df["Subject"].astype(str).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hm.Model("Reaction ~ Days + (1 | Subject)", df)
    fit = fake_fit(model, {"Intercept": 250.0, "b": [10.0], "sd_Subject": [30.0], "sigma": 25.0})
    new = pd.DataFrame({"Days": [1, 2], "Subject": [308, 309]})
    assert fit.predict(new).draws.shape[1] == 2
    with pytest.raises(HiermodelsError, match=r"999"):
        fit.predict(pd.DataFrame({"Days": [1], "Subject": [999]}))
    # a categorical group column with text levels ("308"), asked with integers (308)
    legacy = hm.load(LEGACY)
    by_int = legacy.predict(pd.DataFrame({"Days": [1, 2], "Subject": [308, 309]}))
    by_str = legacy.predict(pd.DataFrame({"Days": [1, 2], "Subject": ["308", "309"]}))
    np.testing.assert_allclose(by_int.draws, by_str.draws)


# ----------------------------------------------------------------------------- interrupts
#: A child started from a background job inherits SIGINT ignored (POSIX shells without job
#: control do that), and Python then never raises KeyboardInterrupt: restore Ctrl-C first.
RESTORE_SIGINT = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"


def _start(code: str, cwd: Path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", RESTORE_SIGINT + textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
    )


@pytest.mark.sampling
def test_ctrl_c_during_sampling_is_a_clean_keyboard_interrupt(tmp_path):
    proc = _start(
        """
        import hiermodels as hm
        m = hm.Model("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
        print("start", flush=True)
        m.fit(draws=2_000_000, tune=500, chains=2, seed=1, progressbar=False)
        print("finished", flush=True)
        """,
        REPO,
    )
    assert proc.stdout.readline().strip() == "start"
    time.sleep(8)  # compiling (cached) and sampling
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "finished" not in out
    assert "KeyboardInterrupt" in err, err[-2000:]
    assert "ValueError" not in err and "infs or NaNs" not in err, err[-2000:]


@pytest.mark.sampling
def test_cli_ctrl_c_exits_130_without_partial_files(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(
        '[model]\nformula = "Reaction ~ Days + (Days | Subject)"\ndata = "sleepstudy"\n'
        "[fit]\ndraws = 2000000\ntune = 500\nchains = 2\n"
    )
    out_dir = tmp_path / "out"
    proc = _start(
        f"""
        import sys
        from hiermodels.cli import main
        print("start", flush=True)
        sys.exit(main(["fit", {str(spec)!r}, "--out", {str(out_dir)!r}, "--no-progress"]))
        """,
        REPO,
    )
    assert proc.stdout.readline().strip() == "start"
    time.sleep(8)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err and "Traceback" not in err
    left = sorted(p.name for p in out_dir.iterdir()) if out_dir.exists() else []
    assert set(left) <= {".hiermodels.lock"}, left
