"""Where the kernels' one-off compilation is cached, whether it is warm, and saying so.

hiermodels' numba kernels are compiled once per machine and cached on disk (numba
``cache=True``), never per model. numba picks the cache folder (first that applies):

1. ``NUMBA_CACHE_DIR`` if set — hiermodels also honours ``HIERMODELS_CACHE_DIR``, which it
   copies into ``NUMBA_CACHE_DIR`` before numba is first imported;
2. ``__pycache__`` beside the kernel sources, when the package folder is writable;
3. a per-user cache folder (e.g. ``~/.cache/numba``), when it is not (a read-only
   site-packages, a system-wide install).

A cold cache costs tens of seconds on the first fit; :func:`announce_compile` prints one
line before that happens, and ``hiermodels warmup`` pays the cost ahead (CI, Docker images,
classrooms).

numba keys a cached function on its *own* source file's timestamp only: a kernel that
calls functions of another file (``glmm_nb`` -> ``links_nb`` -> ``family_*_nb``) would keep
running the old code after that other file changes (an upgrade, an edit). So
:func:`drop_stale_cache` keeps a fingerprint of all kernel sources beside the cache and,
when it differs, deletes the kernels' cache entries before any kernel runs (called when
:mod:`hiermodels.backends.kernels` is imported).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_KERNELS = Path(__file__).resolve().parent / "kernels"
# (source file, a function whose cache index proves the file's kernels were compiled)
_PROBES = (
    ("native_glmm.py", "glmm_cfunc"),
    ("marginal_native.py", "marginal_cfunc"),
    ("glmm_nb.py", "glmm_logp"),
)
_announced = False
_FINGERPRINT = "hiermodels-kernels.sha256"


def _probe():  # stands in for a kernel: numba's locators read only its line number
    return None


def use_configured_cache_dir() -> None:
    """Copy ``HIERMODELS_CACHE_DIR`` into ``NUMBA_CACHE_DIR`` (if numba is not loaded yet)."""
    d = os.environ.get("HIERMODELS_CACHE_DIR")
    if d and "numba" not in sys.modules:
        os.environ.setdefault("NUMBA_CACHE_DIR", d)


def cache_dirs() -> list[Path]:
    """The folders numba would use for the kernel sources, in numba's own order."""
    from numba.core.caching import CacheImpl

    out = []
    for src, _ in _PROBES:
        for cls in CacheImpl._locator_classes:
            try:
                loc = cls.from_function(_probe, str(_KERNELS / src))
            except Exception:  # a locator that needs a real function: not ours
                loc = None
            if loc is not None:
                out.append(Path(loc.get_cache_path()))
                break
    return out


def sources_fingerprint() -> str:
    """SHA-256 of every kernel source file (names and contents)."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted(_KERNELS.glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def drop_stale_cache() -> int:
    """Delete the kernels' numba cache entries when any kernel source changed since they were
    written; return how many files were removed (0 when the cache is current or absent).

    Never raises: a cache folder that cannot be read or written is left to numba.
    """
    removed = 0
    try:
        new = sources_fingerprint()
        stems = {f.stem for f in _KERNELS.glob("*.py")}
        for d in set(cache_dirs()):
            stamp = d / _FINGERPRINT
            if stamp.exists() and stamp.read_text() == new:
                continue
            if d.is_dir():
                for f in list(d.glob("*.nbi")) + list(d.glob("*.nbc")):
                    if f.name.split(".", 1)[0] in stems:
                        f.unlink(missing_ok=True)
                        removed += 1
            d.mkdir(parents=True, exist_ok=True)
            tmp = d / f"{_FINGERPRINT}.{os.getpid()}.tmp"
            tmp.write_text(new)
            os.replace(tmp, stamp)
    except OSError:
        return removed
    return removed


def is_warm() -> bool:
    """Whether every kernel source has a compiled cache entry."""
    try:
        dirs = cache_dirs()
    except Exception:
        return True  # cannot tell: say nothing rather than something wrong
    for (src, func), d in zip(_PROBES, dirs, strict=False):
        if not any(d.glob(f"{Path(src).stem}.{func}-*.nbi")):
            return False
    return True


def announce_compile(estimate_s: int = 70) -> bool:
    """Print one line before a cold-cache compile; True if it printed.

    ``estimate_s``: a cold first sleepstudy fit took 69 s on the 2-core reference machine
    (47 s before the one-factor marginal kernel, ``kernels/marginal_one_nb.py``, whose
    vectorised loops take ~11 s of LLVM time on their own)."""
    global _announced
    if _announced or is_warm():
        return False
    _announced = True
    print(
        f"hiermodels: compiling its sampling kernels once for this machine (about "
        f"{estimate_s} s; later fits start at once). `hiermodels warmup` does this ahead.",
        file=sys.stderr,
        flush=True,
    )
    return True
