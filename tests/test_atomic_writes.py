"""No data loss (issue 15): atomic writes, disk full, Ctrl-C while writing, folder locks."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hiermodels.errors import HiermodelsError
from hiermodels.persist.atomic import (
    LOCK_NAME,
    FolderLock,
    atomic_path,
    atomic_write,
    check_output_folder,
    write_text,
)

PYTHON = sys.executable
REPO = Path(__file__).resolve().parents[1]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


def test_write_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    write_text(target, "new")
    assert target.read_text() == "new"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("exc", [ValueError("netCDF cannot store this"), KeyboardInterrupt()])
def test_failure_keeps_the_old_file(tmp_path, exc):
    target = tmp_path / "fit.nc"
    target.write_bytes(b"good old fit" * 1000)

    def writer(tmp):
        tmp.write_bytes(b"half a fi")  # a partial file, then the failure
        raise exc

    with pytest.raises(type(exc)):
        atomic_write(target, writer)
    assert target.read_bytes() == b"good old fit" * 1000
    assert leftovers(tmp_path) == []


def test_disk_full_is_a_clear_error(tmp_path):
    target = tmp_path / "fit.nc"
    target.write_text("keep me")

    def writer(tmp):
        tmp.write_text("partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(HiermodelsError, match=r"disk is full writing .*fit\.nc"):
        atomic_write(target, writer)
    assert target.read_text() == "keep me"
    assert leftovers(tmp_path) == []


def test_targets_that_are_folders_or_empty(tmp_path):
    with pytest.raises(HiermodelsError, match=r"is a folder"):
        write_text(tmp_path, "x")
    with pytest.raises(HiermodelsError, match=r"path is empty"):
        write_text("", "x")
    with pytest.raises(HiermodelsError, match=r"Nothing was written"):
        with atomic_path(tmp_path / "a.txt"):
            pass


def test_check_output_folder(tmp_path):
    new = tmp_path / "a" / "b"
    assert check_output_folder(new) == new and new.is_dir()
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(HiermodelsError, match=r"--out .*file exists and is not a folder"):
        check_output_folder(afile)
    with pytest.raises(HiermodelsError, match=r"/proc/hiermodels-x"):
        check_output_folder("/proc/hiermodels-x")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_check_output_folder_unwritable(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(HiermodelsError, match=r"permission"):
            check_output_folder(ro)
    finally:
        ro.chmod(0o700)


def _hold_lock(folder: Path):
    code = textwrap.dedent(
        f"""
        import sys, time
        from hiermodels.persist.atomic import FolderLock
        with FolderLock({str(folder)!r}):
            print("locked", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen([PYTHON, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_one_run_per_output_folder(tmp_path):
    out = tmp_path / "out"
    proc = _hold_lock(out)
    try:
        with pytest.raises(HiermodelsError, match=r"Another hiermodels run is writing into"):
            FolderLock(out).acquire()
    finally:
        proc.kill()
        proc.wait()
    with FolderLock(out):  # released when its holder dies
        assert (out / LOCK_NAME).exists()
    with FolderLock(out):  # and re-entrant in sequence
        pass


def test_sigint_while_writing_leaves_old_file(tmp_path):
    """Ctrl-C in the middle of a (slow) write: the old file survives, no temp file."""
    target = tmp_path / "fit.nc"
    target.write_text("the good fit")
    code = textwrap.dedent(
        f"""
        import time
        from hiermodels.persist.atomic import atomic_write

        def slow(tmp):
            with open(tmp, "w") as fh:
                fh.write("partial")
                fh.flush()
                print("writing", flush=True)
                time.sleep(60)

        atomic_write({str(target)!r}, slow)
        """
    )
    # a child of a background job inherits SIGINT ignored: restore Ctrl-C first
    restore = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    proc = subprocess.Popen(
        [PYTHON, "-c", restore + code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    assert target.read_text() == "the good fit"
    assert leftovers(tmp_path) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (root only); skipped where mounting is not allowed."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True
    )
    if res.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mnt
    for _ in range(5):
        if subprocess.run(["umount", str(mnt)], capture_output=True).returncode == 0:
            break
        time.sleep(0.2)


def test_really_full_disk(small_disk):
    """A real ENOSPC (tmpfs of 1 MiB): clear error, old file intact, no crash."""
    target = small_disk / "fit.bin"
    old = os.urandom(600_000)
    target.write_bytes(old)
    code = textwrap.dedent(
        f"""
        import os, sys
        from hiermodels.errors import HiermodelsError
        from hiermodels.persist.atomic import write_bytes
        try:
            write_bytes({str(target)!r}, os.urandom(600_000))
        except HiermodelsError as err:
            print(err)
            sys.exit(3)
        """
    )
    res = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert res.returncode == 3, res.stderr  # not a segfault (-11), not a traceback (1)
    assert "disk is full" in res.stdout
    assert target.read_bytes() == old
    assert leftovers(small_disk) == []


def test_staged_files_appear_together_or_not_at_all(tmp_path):
    from hiermodels.persist.atomic import StagedFiles

    (tmp_path / "summary.csv").write_text("old summary")
    (tmp_path / "fit.nc").write_text("old fit")
    with pytest.raises(KeyboardInterrupt):
        with StagedFiles() as staged:
            staged.write(tmp_path / "summary.csv", lambda p: p.write_text("new summary"))
            raise KeyboardInterrupt  # e.g. Ctrl-C while the fit is being saved
    assert (tmp_path / "summary.csv").read_text() == "old summary"
    assert (tmp_path / "fit.nc").read_text() == "old fit"
    assert leftovers(tmp_path) == []
    with StagedFiles() as staged:
        staged.write(tmp_path / "summary.csv", lambda p: p.write_text("new summary"))
        staged.write(tmp_path / "fit.nc", lambda p: p.write_text("new fit"))
        assert (tmp_path / "fit.nc").read_text() == "old fit"  # nothing visible yet
    assert (tmp_path / "summary.csv").read_text() == "new summary"
    assert (tmp_path / "fit.nc").read_text() == "new fit"
    assert leftovers(tmp_path) == []
