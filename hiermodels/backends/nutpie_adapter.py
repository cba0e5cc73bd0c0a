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

Two more private pieces keep ArviZ (1-2 s to import, see :mod:`hiermodels.backends.trace`)
off a kernel fit: :func:`import_nutpie` imports nutpie with ``arviz`` deferred (nutpie's
``sample`` module imports it at the top but uses it only to convert a finished trace), and
:func:`trace_from_raw` converts nutpie's raw Arrow trace into the posterior and
sample_stats Datasets that ``nutpie.sample`` would have put in its InferenceData.
"""

from __future__ import annotations

import sys
import types
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


class _DeferredArviz(types.ModuleType):
    """What ``import arviz`` gives nutpie's modules while :func:`import_nutpie` imports them.

    Attribute access imports the real ArviZ and forwards to it, so nutpie behaves as before;
    only ``arviz.InferenceData`` read while nutpie is being imported (its ``sample()``
    return annotations, evaluated at definition) gets a placeholder class.
    """

    def __init__(self):
        super().__init__("arviz", "stand-in for arviz while nutpie is imported")
        self._importing = True

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._importing and name == "InferenceData":
            return _InferenceDataAnnotation
        if sys.modules.get("arviz") is self:
            del sys.modules["arviz"]
        import importlib

        return getattr(importlib.import_module("arviz"), name)


class _InferenceDataAnnotation:
    """Placeholder for ``arviz.InferenceData`` in nutpie 0.16.8's ``sample()`` annotations."""


def _tested_distribution() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nutpie") in TESTED_VERSIONS
    except PackageNotFoundError:
        return False


def import_nutpie():
    """``import nutpie`` without importing ArviZ, on the nutpie versions in ``TESTED_VERSIONS``.

    nutpie 0.16.8's ``nutpie/sample.py`` runs ``import arviz`` at the top (1-2 s: matplotlib,
    arviz-base/-stats/-plots, a numba ufunc compiled at import) but uses it only in
    ``arviz.from_dict``/``from_datatree`` when it converts a finished trace, which the kernel
    path does itself (:func:`trace_from_raw`). So while nutpie's modules are imported,
    ``sys.modules["arviz"]`` is a :class:`_DeferredArviz` that forwards to the real ArviZ on
    first use; it is removed as soon as nutpie is imported, so every other ``import arviz``
    gets the real module. (``importlib.util.LazyLoader`` cannot do this on Python 3.11: the
    ``import arviz`` statement itself reads ``arviz.__spec__`` and so loads it.) With ArviZ
    already imported, or another nutpie version, this is a plain ``import nutpie``. (Another
    thread importing ArviZ during those milliseconds would get the stand-in too: it forwards,
    so it works, only slower.)
    """
    if "nutpie" in sys.modules or "arviz" in sys.modules or not _tested_distribution():
        import nutpie

        return nutpie
    stub = _DeferredArviz()
    sys.modules["arviz"] = stub
    try:
        import nutpie
    finally:
        stub._importing = False
        if sys.modules.get("arviz") is stub:
            del sys.modules["arviz"]
    return nutpie


@cache
def native_status() -> tuple[bool, str]:
    """(usable, reason): whether the installed nutpie is one this adapter was written for."""
    try:
        nutpie = import_nutpie()
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
    compiled,
    *,
    draws,
    tune,
    chains,
    cores,
    seed,
    target_accept,
    progress,
    low_rank=False,
    raw=False,
):
    """``nutpie.sample(..., blocking=False, save_warmup=False)`` with a text progress callback.

    nutpie picks its progress display itself: in a terminal a wide per-chain table. This
    builds the same background sampler, with the same settings (so the same draws), but
    with nutpie's template callback (:mod:`hiermodels.backends.progress_line`), which
    renders ``progress.TEMPLATE`` and calls ``progress(text)``. ``raw=True``: its ``wait()``
    returns nutpie's raw trace (``return_raw_trace``) for :func:`trace_from_raw`. Returns
    None when this nutpie is not a tested version; the caller then uses ``nutpie.sample``.
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
            self._save_warmup, self._return_raw_trace, self._html = False, bool(raw), None
            self._store = _lib.PyStorage.arrow()
            kind = _lib.ProgressType.template_callback(RATE_MS, TEMPLATE, cores, progress)
            self._sampler = compiled._make_sampler(
                settings, np.zeros(compiled.n_dim), cores, kind, self._store
            )

    return LineSampler()


# sampler settings -> sample_stats columns nutpie leaves out unless asked (its ``_extract``)
_SKIPS = {
    "store_gradient": ["gradient"],
    "store_unconstrained": ["unconstrained_draw"],
    "store_mass_matrix": ["mass_matrix_inv", "mass_matrix_eigvals", "mass_matrix_stds"],
    "store_divergences": [
        "divergence_start",
        "divergence_end",
        "divergence_momentum",
        "divergence_start_gradient",
    ],
}


def trace_from_raw(results, settings, coords):
    """The ``posterior`` and ``sample_stats`` Datasets of nutpie's raw Arrow trace.

    The same Datasets (values, dtypes, dims, coordinates, attributes) as nutpie 0.16.8's
    ``nutpie.sample(..., save_warmup=False)`` puts in its InferenceData through
    ``arviz.from_dict`` (nutpie's ``_arrow_to_arviz``; checked in
    ``tests/test_warm_start_trace.py``), without importing ArviZ: warm-up rows dropped,
    NaN/zero padding by nutpie's own ``_add_arrow_data``, then ArviZ's naming (``chain``,
    ``draw``, ``<var>_dim_<i>`` where nutpie gives no dims, coordinates 0..n-1 unless
    ``coords`` has them) and its ``created_at``/``arviz_version`` attributes.

    Returns
    -------
    (posterior, sample_stats) : tuple of xarray.Dataset
    """
    from nutpie.sample import _add_arrow_data

    skip = [
        n for flag, names in _SKIPS.items() if not getattr(settings, flag, False) for n in names
    ]
    draw_batches, stat_batches = results.get_arrow_trace()
    n_chains = len(draw_batches)
    num_tuning = [stat.column("tuning").to_numpy().sum() for stat in stat_batches]
    n_draws = max([0, *(d.num_rows - t for d, t in zip(draw_batches, num_tuning, strict=True))])
    post, stats, dims = {}, {}, {}
    for out, batches, skip_vars in ((post, draw_batches, []), (stats, stat_batches, skip)):
        for i, (batch, t) in enumerate(zip(batches, num_tuning, strict=True)):
            kept = batch.slice(t, batch.num_rows - t)
            _add_arrow_data(out, n_draws, kept, i, n_chains, dims, skip_vars)
    attrs = _arviz_attrs()
    coords = {k: np.asarray(v) for k, v in (coords or {}).items()}
    return (
        _dataset(post, dims, coords, dict(attrs)),
        _dataset(stats, dims, coords, dict(attrs)),
    )


def sampler_trace(sampler, results):
    """:func:`trace_from_raw` of a finished ``_BackgroundSampler`` (its settings, coords)."""
    return trace_from_raw(results, sampler._settings, sampler._compiled_model.coords)


def _arviz_attrs() -> dict:
    """ArviZ's ``make_attrs()`` (``created_at``, ``arviz_version``) without importing it."""
    import datetime

    return {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "arviz_version": arviz_version(),
    }


@cache
def arviz_version() -> str:
    """The installed ArviZ's version, read once per process from its package metadata.

    ``importlib.metadata.version`` parses the metadata file (and imports the ``email``
    parser on first use): ~0.01 s, paid while nutpie samples
    (:func:`hiermodels.backends.sample.import_while_sampling`) instead of after.
    """
    from importlib.metadata import version

    return version("arviz")


def _dataset(data: dict, dims: dict, coords: dict, attrs: dict):
    """ArviZ's ``dict_to_dataset`` for (chain, draw, ...) arrays (index origin 0).

    Built in one ``xr.Dataset`` call from (dims, array) pairs and one coordinate per
    dimension: the Dataset ArviZ's one DataArray per variable gives (``identical``), without
    aligning and merging those DataArrays' coordinates (~10 ms for nutpie's statistics).
    As in that merge, a variable named like a dimension (nutpie's ``chain`` and ``draw``
    statistics) gives way to the dimension's coordinate.
    """
    import xarray as xr

    arrays, values = {}, {}
    for name, ary in data.items():
        n_chains, n_draws, *shape = ary.shape
        names = list(dims.get(name) or [])
        for i in range(len(shape)):
            if len(names) < i + 1:
                names.append(f"{name}_dim_{i}")
            elif names[i] is None:
                names[i] = f"{name}_dim_{i}"
        values.setdefault("chain", np.arange(n_chains))
        values.setdefault("draw", np.arange(n_draws))
        for dim, n in zip(names, shape, strict=True):
            values.setdefault(dim, np.asarray(coords[dim] if dim in coords else np.arange(n)))
        arrays[name] = (["chain", "draw", *names], ary)
    arrays = {k: v for k, v in arrays.items() if k not in values}
    return xr.Dataset(data_vars=arrays, coords=values, attrs=attrs)
