"""The CLI never loses or mixes results and never reads files a spec should not (issue 15):
``--out`` checked and locked before sampling, data paths confined to the spec's folder,
a failed re-run leaves the previous run's files intact."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hiermodels.cli import main

REPO = Path(__file__).resolve().parents[1]
MODEL = '[model]\nformula = "Yield ~ 1 + (1 | Batch)"\ndata = "{data}"\n'
TINY = "[fit]\ndraws = 30\ntune = 30\nchains = 1\nseed = 1\n"


class ReachedSampler(BaseException):
    pass


@pytest.fixture
def no_sampling(monkeypatch):
    import nutpie

    def trip(*a, **k):
        raise ReachedSampler

    monkeypatch.setattr(nutpie, "sample", trip)


def run(*argv):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main([str(a) for a in argv])
    return rc, err.getvalue()


def spec(folder: Path, data="dyestuff", extra="") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "s.toml"
    p.write_text(MODEL.format(data=data) + extra)
    return p


def test_unwritable_out_is_refused_before_sampling(tmp_path, no_sampling):
    rc, err = run("fit", spec(tmp_path), "--out", "/proc/hm-out")
    assert rc == 2 and "/proc/hm-out" in err


def test_second_run_into_the_same_folder_is_refused(tmp_path, no_sampling):
    out = tmp_path / "out"
    code = textwrap.dedent(
        f"""
        import time
        from hiermodels.persist.atomic import FolderLock
        with FolderLock({str(out)!r}):
            print("locked", flush=True)
            time.sleep(60)
        """
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        rc, err = run("fit", spec(tmp_path), "--out", out)
        assert rc == 2 and "Another hiermodels run is writing into" in err
    finally:
        holder.kill()
        holder.wait()


def _outside_csv(tmp_path: Path) -> Path:
    import hiermodels as hm

    csv = tmp_path / "elsewhere" / "dye.csv"
    csv.parent.mkdir()
    hm.datasets.load("dyestuff").to_csv(csv, index=False)
    return csv


def test_data_outside_the_spec_folder_needs_the_flag(tmp_path, no_sampling):
    csv = _outside_csv(tmp_path)
    for ref in ("../elsewhere/dye.csv", str(csv)):
        rc, err = run("fit", spec(tmp_path / "specs", data=ref), "--out", tmp_path / "o")
        assert rc == 2 and "--allow-data-outside" in err, err
        assert "Yield" not in err  # nothing of the file is quoted
    with pytest.raises(ReachedSampler):  # with the flag the file is read and sampling starts
        run(
            "fit",
            spec(tmp_path / "specs", data="../elsewhere/dye.csv"),
            "--out",
            tmp_path / "o",
            "--allow-data-outside",
        )


def test_private_file_is_never_quoted(tmp_path, no_sampling):
    secret = tmp_path / "secret.csv"
    secret.write_text("password,token\nhunter2,abc\n")
    rc, err = run("fit", spec(tmp_path / "specs", data=str(secret)), "--out", tmp_path / "o")
    assert rc == 2 and "hunter2" not in err and "password" not in err


@pytest.mark.sampling
def test_failed_rerun_keeps_the_previous_results(tmp_path, monkeypatch):
    out = tmp_path / "out"
    rc, _ = run("fit", spec(tmp_path, extra=TINY), "--out", out, "--no-progress")
    assert rc == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert {"fit.nc", "report.html", "summary.csv"} <= set(before)

    from hiermodels import Fit

    def broken_report(self, path, *a, **k):
        Path(path).write_text("half a report")
        raise RuntimeError("the report failed")

    monkeypatch.setattr(Fit, "report", broken_report)
    rc, err = run("fit", spec(tmp_path, extra=TINY.replace("seed = 1", "seed = 2")), "--out", out)
    assert rc != 0 and "the report failed" in err
    after = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert after == before  # no new tables beside the old fit, no half files
