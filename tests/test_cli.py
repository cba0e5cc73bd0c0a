"""The command line: fit a spec, re-render a report, list data; one-line errors (exit 2)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from hiermodels.cli import main

FAST = ["--draws", "150", "--tune", "150", "--chains", "2", "--seed", "2", "--no-progress"]


def _spec(tmp_path, body, name="m.toml"):
    p = tmp_path / name
    p.write_text(body)
    return str(p)


def _one_line_error(capsys, msg=""):
    err = capsys.readouterr().err
    assert err.startswith("hiermodels: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and msg in err, err
    return err


@pytest.mark.parametrize(
    "body,msg",
    [
        ('[model]\nformula = "Reaction ~ Days + (1 | Subject)"\n', "needs 'data'"),
        ('[model]\nformula = "y ~ x"\ndata = "nope.csv"\n', "neither a bundled dataset"),
        (
            '[model]\nformula = "Reaction ~ Days"\ndata = "sleepstudy"\nfamly = "x"\n',
            "unknown key 'famly'",
        ),
        ('[modle]\nformula = "y ~ x"\n', "unknown section"),
        (
            '[model]\nformula = "Reaction ~ Days + (1|Subject)"\ndata = "sleepstudy"\nfamily = "weibull"\n',
            "Unknown family",
        ),
        ("[model\n", "not valid TOML"),
    ],
)
def test_bad_specs_exit_with_one_line(tmp_path, capsys, body, msg):
    assert main(["fit", _spec(tmp_path, body)]) == 2
    _one_line_error(capsys, msg)


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["fit", "no/such/spec.toml"], "No such spec file"),
        (["report", "no/such/fit.nc"], "No such file"),
        (["fit", "models"], "is a folder"),
        (["frobnicate"], "invalid choice"),
        (["fit"], "required"),
        (["fit", "models/sleepstudy.toml", "--draws", "many"], "invalid int value"),
        (["fit", "models/sleepstudy.toml", "--draws", "-5", "--no-progress"], "draws must be"),
        (["fit", "models/bcg.toml", "--sampler", "hiermodels"], "meta-analysis backend"),
    ],
)
def test_bad_paths_and_flags_exit_with_one_line(capsys, monkeypatch, argv, msg):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    assert _run(argv) == 2
    _one_line_error(capsys, msg)


def _run(argv) -> int:
    """main(argv)'s exit code, whether returned or raised by argparse."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def test_report_of_a_file_that_is_not_a_fit(tmp_path, capsys):
    bad = tmp_path / "fit.nc"
    bad.write_text("not netcdf")
    assert main(["report", str(bad)]) == 2
    _one_line_error(capsys, "not a netCDF file written by hiermodels")


def test_spec_formula_cannot_run_code(tmp_path, capsys, monkeypatch):
    # pwn() writes a file and is reachable where formulae evaluates terms (the design
    # module's namespace), so only the safety gate stops it (see test_formula.py)
    import hiermodels.data.design as design

    target = tmp_path / "pwned"
    monkeypatch.setattr(design, "pwn", lambda x: target.write_text("ran") and x, raising=False)
    body = '[model]\nformula = "Reaction ~ Days + pwn(Days)"\ndata = "sleepstudy"\n'
    assert main(["fit", str(_spec(tmp_path, body)), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "not allowed" in err and "pwn" in err
    assert not target.exists()


@pytest.mark.parametrize("sub", [[], ["fit"], ["report"], ["datasets"]])
def test_help_everywhere(capsys, sub):
    with pytest.raises(SystemExit) as exit_:
        main([*sub, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: hiermodels" + (f" {sub[0]}" if sub else ""))


@pytest.mark.sampling
def test_fit_spec_writes_outputs_and_report(tmp_path, capsys):
    import hiermodels as hm

    hm.datasets.load("dyestuff").to_csv(tmp_path / "d.csv", index=False)
    spec = _spec(
        tmp_path,
        '[model]\ntitle = "Dyestuff from CSV"\nformula = "Yield ~ 1 + (1 | Batch)"\n'
        'data = "d.csv"\n[fit]\ndraws = 300\ntune = 300\n',
    )
    out = tmp_path / "out"
    assert main(["fit", spec, "--out", str(out), "--seed", "2", "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert "sd(Batch, Intercept)" in captured.out and "report.html" in captured.out
    assert "Traceback" not in captured.err and "warnings.warn" not in captured.err
    assert captured.out.startswith("\n Family:")  # a blank line before the summary
    # off a terminal the report's status is one line before and one line after
    done = re.search(r"wrote report\.html: (\d+) sections, (\d+) figures in", captured.err)
    assert "writing report.html …" in captured.err and done, captured.err[-500:]
    html_figures = (out / "report.html").read_text().count("<figure")
    assert int(done.group(2)) == html_figures > 0
    fe = pd.read_csv(out / "fixed_effects.csv", index_col=0)
    assert list(fe.index) == ["Intercept"]
    for name in ("summary.csv", "varcorr.csv", "fit.nc", "report.html"):
        assert (out / name).exists(), name
    html = (out / "report.html").read_text()
    assert "<title>Dyestuff from CSV</title>" in html and "d.csv" in html
    # re-render from the saved fit (folder or file), keeping the spec's title
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert "<title>Dyestuff from CSV</title>" in (out / "report.html").read_text()
    assert main(["report", str(out / "fit.nc"), "--out", str(tmp_path / "x.html")]) == 0
    assert (tmp_path / "x.html").exists()


@pytest.mark.sampling
def test_fit_meta_spec_and_rerender(tmp_path, capsys):
    spec = str(Path(__file__).resolve().parents[1] / "models" / "eight_schools.toml")
    out = tmp_path / "schools"
    assert main(["fit", spec, "--out", str(out), *FAST]) == 0
    assert "prediction interval" in capsys.readouterr().out
    for name in ("summary.csv", "study_effects.csv", "prediction_interval.csv", "fit.nc"):
        assert (out / name).exists(), name
    tab = pd.read_csv(out / "summary.csv", index_col=0)
    assert {"mu", "tau", "I2"} <= set(tab.index)
    assert main(["report", str(out / "fit.nc"), "--out", str(tmp_path / "r.html")]) == 0
    html = (tmp_path / "r.html").read_text()
    assert "Eight schools: SAT coaching effects" in html and "Rubin" in html


def test_datasets_listing(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "sleepstudy" in out and "Belenky" in out


def test_console_script_is_installed():
    exe = shutil.which("hiermodels") or str(Path(sys.executable).parent / "hiermodels")
    assert Path(exe).exists(), "the hiermodels console script is not installed"
    ok = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "fit" in ok.stdout and "report" in ok.stdout
    bad = subprocess.run([exe, "fit", "nope.toml"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr == "hiermodels: error: No such spec file: nope.toml.\n"
