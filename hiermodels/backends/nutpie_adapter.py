"""The one place that touches nutpie's private API, checked against the version it was written for.

hiermodels' native NUTS target (:mod:`hiermodels.backends.kernels.native`) is a numba
``cfunc`` that nutpie calls with no Python per gradient. nutpie has no public interface for
that, so this adapter builds nutpie's extension types (``_lib.LogpFunc``,
``_lib.ExpandFunc``, ``_lib.PyVariable``, ``_lib.PyMcModel``, ``_lib.PySampler.from_pymc``)
and subclasses ``nutpie.sample.CompiledModel`` — as nutpie's own ``compile_pymc_model``
does. Private APIs change without notice (nutpie 0.16.9 changed
``CompiledModel._make_sampler``), so :func:`native_status` accepts only the versions in
``TESTED_VERSIONS``; on any other version, or when building the native sampler fails,
sampling falls back to nutpie's public ``nutpie.from_pyfunc`` path
(:func:`hiermodels.backends.nuts.sample_logp`) with a one-line warning. Same posterior,
about 60 us more per gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from hiermodels.backends.kernels.native import (
    expand_cfunc,
    make_table,
)

TESTED_VERSIONS = ("0.16.8",)
_PRIVATE = ("LogpFunc", "ExpandFunc", "PyMcModel", "PySampler", "PyVariable")


@cache
def native_status() -> tuple[bool, str]:
    """(usable, reason): whether the installed nutpie is one this adapter was written for."""
    try:
        import nutpie
        from nutpie import _lib
        from nutpie.sample import CompiledModel  # noqa: F401
    except ImportError as err:  # pragma: no cover - nutpie is a hard dependency
        return False, f"nutpie's private API cannot be imported ({err})"
    version = getattr(nutpie, "__version__", "unknown")
    if version not in TESTED_VERSIONS:
        return False, (
            f"nutpie {version} is not a version hiermodels' native sampler was written for "
            f"({', '.join(TESTED_VERSIONS)})"
        )
    missing = [n for n in _PRIVATE if not hasattr(_lib, n)]
    if missing:
        return False, f"nutpie {version} lacks {', '.join(missing)}"
    return True, f"nutpie {version}"


def _base():
    from nutpie.sample import CompiledModel

    return CompiledModel


@cache
def _native_class():
    """``NativeModel``: a nutpie ``CompiledModel`` around a kernel ``cfunc``."""
    from nutpie import _lib

    @dataclass(frozen=True)
    class NativeModel(_base()):
        """A nutpie model around a hiermodels kernel ``cfunc`` (no Python per gradient)."""

        address: int = 0
        n: int = 0
        arrays: tuple = ()
        table: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
        init: object = None

        @property
        def n_dim(self) -> int:
            return self.n

        @property
        def shapes(self):
            return {"theta": (self.n,)}

        @property
        def coords(self):
            return {"theta_dim_0": pd.RangeIndex(self.n)}

        def _make_model(self, init_mean):
            ud = self.table.ctypes.data
            expand_fn = _lib.ExpandFunc(self.n, self.n, expand_cfunc.address, ud, self)
            logp_fn = _lib.LogpFunc(self.address, ud, self)
            sizes = {"theta_dim_0": self.n}
            coords = {"theta_dim_0": pd.RangeIndex(self.n)}
            dims = {"theta": ("theta_dim_0",)}
            variables = _lib.PyVariable.new_variables(
                ["theta"], ["float64"], [(self.n,)], sizes, dims
            )

            def make_adapter(*args, **kwargs):
                from nutpie.transform_adapter import make_transform_adapter

                return make_transform_adapter()(*args, **kwargs, logp_fn=None)

            return _lib.PyMcModel(
                logp_fn, expand_fn, variables, self.n, sizes, coords, self.init, make_adapter
            )

        def _make_sampler(self, settings, init_mean, cores, progress_type, store):
            return _lib.PySampler.from_pymc(
                settings, cores, self._make_model(init_mean), progress_type, store
            )

    return NativeModel


def native_model_from(arrays: list, address: int, n_dim: int, init):
    """The nutpie model of any kernel ``cfunc`` (its ``address``) reading ``arrays``."""
    arrays = tuple(arrays)
    return _native_class()(
        dims={"theta": ("theta_dim_0",)},
        address=int(address),
        n=n_dim,
        arrays=arrays,
        table=make_table(list(arrays)),
        init=init,
    )


def line_progress_sampler(
    compiled, *, draws, tune, chains, cores, seed, target_accept, progress, low_rank=False
):
    """``nutpie.sample(..., blocking=False, save_warmup=False)`` with a text progress callback.

    nutpie picks its progress display itself: in a terminal a wide per-chain table. This
    builds the same background sampler, with the same settings (so the same draws), but
    with nutpie's template callback (:mod:`hiermodels.backends.progress_line`), which
    renders ``progress.TEMPLATE`` and calls ``progress(text)``. Returns None when this
    nutpie is not a tested version; the caller then uses ``nutpie.sample``.
    """
    from hiermodels.backends.progress_line import RATE_MS, TEMPLATE

    usable, _ = native_status()
    if not usable:
        return None
    from nutpie import _lib
    from nutpie.sample import _BackgroundSampler

    # as nutpie.sample(low_rank_modified_mass_matrix=low_rank) builds them
    settings = (_lib.PyNutsSettings.LowRank if low_rank else _lib.PyNutsSettings.Diag)(seed)
    settings.num_tune, settings.num_draws, settings.num_chains = tune, draws, chains
    settings.target_accept = target_accept

    class LineSampler(_BackgroundSampler):
        def __init__(self):  # _BackgroundSampler.__init__ minus its choice of display
            self._settings, self._compiled_model = settings, compiled
            self._save_warmup, self._return_raw_trace, self._html = False, False, None
            self._store = _lib.PyStorage.arrow()
            kind = _lib.ProgressType.template_callback(RATE_MS, TEMPLATE, cores, progress)
            self._sampler = compiled._make_sampler(
                settings, np.zeros(compiled.n_dim), cores, kind, self._store
            )

    return LineSampler()
