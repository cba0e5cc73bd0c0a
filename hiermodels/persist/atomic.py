"""Write files so that a failure never destroys what was there, and lock output folders.

Every file hiermodels writes (a saved fit, a report, a CLI table) goes through
:func:`atomic_path`: the writer fills a temporary file *in the same folder*, the bytes are
flushed to disk (``fsync``), and only then ``os.replace`` puts it in place, which is atomic
on POSIX and Windows. Whatever goes wrong before that (an attribute netCDF cannot store, a
full disk, Ctrl-C) removes the temporary file and leaves the old file untouched, so the
target is always either the complete old file or the complete new one, never a torso.

:class:`FolderLock` is one lock per output folder (``fcntl.flock`` on
``.hiermodels.lock``, which stays in the folder): a second run into the same ``--out`` folder is refused at once
instead of interleaving its files with the first one's. :func:`check_output_folder`
checks that a folder can be written *before* any sampling.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from hiermodels.errors import HiermodelsError

LOCK_NAME = ".hiermodels.lock"


def _temp_name(path: Path) -> Path:
    # Same folder (so os.replace never crosses file systems), hidden, same suffix.
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp{path.suffix}")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _describe(err: OSError, path: Path) -> str:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full writing {path}; free some space and try again"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"no permission to write {path}; choose a folder you can write to"
    return f"cannot write {path}: {err.strerror or err}"


def check_target(path) -> Path:
    """Refuse a target that is a folder or has no name; return it as a Path."""
    text = str(path)
    if not text.strip():
        raise HiermodelsError("The file path is empty; give a file name such as 'fit.nc'.")
    p = Path(text)
    if p.is_dir():
        raise HiermodelsError(f"{p} is a folder; give a file path inside it, e.g. {p / 'fit.nc'}.")
    return p


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` atomically.

    On any exception, ``KeyboardInterrupt`` included, the temporary file is removed,
    ``path`` is left as it was and the exception propagates (an ``OSError`` such as a
    full disk becomes a :class:`~hiermodels.errors.HiermodelsError` naming ``path``).
    """
    target = check_target(path)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise HiermodelsError(_describe(err, folder)) from err
    tmp = _temp_name(target)
    try:
        yield tmp
        if not tmp.exists():
            raise HiermodelsError(f"Nothing was written for {target}.")
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(err, OSError):
            raise HiermodelsError(_describe(err, target)) from err
        raise
    _fsync_dir(folder)


def atomic_write(path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``path`` atomically."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_text(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding=encoding))


def write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


class StagedFiles:
    """Write several files so that they appear together or not at all.

    Each :meth:`write` fills a temporary file next to its target; :meth:`commit` (on a
    clean exit of the ``with`` block) moves them all into place, one ``os.replace`` each,
    only after every one was written. An exception (Ctrl-C included) removes the
    temporary files: the folder keeps the previous run's complete set, never new tables
    beside an old fit.
    """

    def __init__(self):
        self._pending: list[tuple[Path, Path]] = []

    def write(self, path, writer: Callable[[Path], object]) -> Path:
        target = check_target(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_name(target)
        self._pending.append((tmp, target))
        try:
            writer(tmp)
            if not tmp.exists():
                raise HiermodelsError(f"Nothing was written for {target}.")
            _fsync_file(tmp)
        except OSError as err:
            raise HiermodelsError(_describe(err, target)) from err
        return target

    def commit(self) -> None:
        for tmp, target in self._pending:
            os.replace(tmp, target)
        for folder in {t.parent for _, t in self._pending}:
            _fsync_dir(folder)
        self._pending = []

    def discard(self) -> None:
        for tmp, _ in self._pending:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._pending = []

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def check_output_folder(folder) -> Path:
    """Create ``folder`` if needed and prove it is writable; call before any sampling.

    Raises
    ------
    HiermodelsError
        Naming the folder when it is a file, cannot be created or cannot be written.
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise HiermodelsError(f"--out {out} exists and is not a folder; choose another path.")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = _temp_name(out / "probe")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise HiermodelsError(f"--out {out}: {_describe(err, out)}.") from err
    return out


class FolderLock:
    """An exclusive lock on an output folder, held for the duration of a ``with`` block.

    >>> with FolderLock("out/sleepstudy"):          # doctest: +SKIP
    ...     ...  # sample, then write every file
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        import fcntl

        check_output_folder(self.folder)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise HiermodelsError(
                    f"Another hiermodels run is writing into {self.folder}; wait for it to "
                    "finish or choose another --out folder."
                ) from err
            raise HiermodelsError(_describe(err, self.path)) from err
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        import fcntl

        if self._fd is None:
            return
        # The lock file stays: unlinking it would let a waiting run lock a dead inode
        # while a third run locks a new file.
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
