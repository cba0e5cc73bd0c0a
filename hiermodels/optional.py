"""Optional dependencies: which extra provides what, and the error when one is missing.

The core install carries everything the default path needs (the hiermodels and nutpie
samplers, PyMC, ArviZ, reports). Paths that need more name the extra to install:

======================  ===========================  ===================================
extra                   packages                     needed for
======================  ===========================  ===================================
``numpyro``             jax, jaxlib, numpyro         ``fit(sampler="numpyro")``
``bench``               bambi                        ``benchmarks/run.py`` peers
``studies``             dask[distributed], pyarrow   ``hiermodels.studies`` on a cluster
``test``                pytest, ruff, jupytext, ...  the test suite
======================  ===========================  ===================================
"""

from __future__ import annotations

import importlib.util

from .errors import HiermodelsError

#: extra -> the importable modules it provides (checked in this order).
EXTRAS: dict[str, tuple[str, ...]] = {
    "numpyro": ("jax", "numpyro"),
    "bench": ("bambi",),
    "studies": ("distributed",),
}


class MissingExtraError(HiermodelsError, ImportError):
    """An optional path was asked for without the extra that provides it."""


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here (empty when all can)."""
    return [m for m in EXTRAS[extra] if importlib.util.find_spec(m) is None]


def require(extra: str, what: str) -> None:
    """Raise :class:`MissingExtraError` naming the extra when ``what`` cannot run.

    Parameters
    ----------
    extra : str
        A key of :data:`EXTRAS`.
    what : str
        What the user asked for, e.g. ``"sampler='numpyro'"``.
    """
    absent = missing(extra)
    if absent:
        raise MissingExtraError(
            f"{what} needs the optional package(s) {', '.join(absent)}, which are not "
            f"installed. Install them with: pip install 'hiermodels[{extra}]' "
            "(or, from a checkout: pip install -e '.[" + extra + "]')."
        )
