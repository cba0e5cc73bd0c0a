"""``import formulae`` without importing ``scipy.interpolate`` on the way.

formulae 0.6's ``formulae/transforms.py`` runs ``from scipy.interpolate import splev`` at
the top (~0.2 s in a fresh process: ``scipy.interpolate`` imports ``scipy.optimize``) but
calls ``splev`` only when a formula uses a B-spline (``bs(x, ...)``), which hiermodels'
safety gate does not allow. So while formulae's modules are imported,
``sys.modules["scipy.interpolate"]`` is a stand-in whose ``splev`` imports the real
function on its first call; it is removed as soon as formulae is imported, so every other
``import scipy.interpolate`` gets the real module. The pattern of
:func:`hiermodels.backends.nutpie_adapter.import_nutpie` (for ArviZ under nutpie).

On another formulae version, or with ``scipy.interpolate`` or formulae already imported,
this is a plain ``import formulae``; if formulae asks the stand-in for anything else, its
half-imported modules are dropped and it is imported again, plainly. (Another thread
importing ``scipy.interpolate`` during those milliseconds would get the stand-in: its
``splev`` works, anything else raises ImportError there.)
"""

from __future__ import annotations

import sys
import types

#: formulae versions whose only use of ``scipy.interpolate`` at import is ``splev``.
TESTED_VERSIONS = ("0.6.2",)


def import_formulae():
    """The ``formulae`` module, imported without ``scipy.interpolate`` where that is safe."""
    if "formulae" in sys.modules or "scipy.interpolate" in sys.modules or not _tested():
        import formulae

        return formulae
    stub = types.ModuleType("scipy.interpolate")
    stub.splev = _splev
    sys.modules["scipy.interpolate"] = stub
    try:
        import formulae
    except ImportError:  # it wanted more of scipy.interpolate: import it plainly
        for name in [m for m in sys.modules if m == "formulae" or m.startswith("formulae.")]:
            del sys.modules[name]
        if sys.modules.get("scipy.interpolate") is stub:
            del sys.modules["scipy.interpolate"]
        import formulae
    finally:
        if sys.modules.get("scipy.interpolate") is stub:
            del sys.modules["scipy.interpolate"]
    return formulae


def _splev(*args, **kwargs):
    """``scipy.interpolate.splev``, imported on the first call."""
    from scipy.interpolate import splev

    return splev(*args, **kwargs)


def _tested() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("formulae") in TESTED_VERSIONS
    except PackageNotFoundError:  # pragma: no cover - formulae is a hard dependency
        return False
