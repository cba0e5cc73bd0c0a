"""Run NUTS on any hiermodels kernel: the native cfunc when the nutpie adapter vouches for the
installed nutpie, else nutpie's public Python-callback interface (same density, same draws).
"""

from __future__ import annotations

import warnings

import numpy as np

from hiermodels.backends.nutpie_adapter import import_nutpie, native_model_from, native_status
from hiermodels.backends.sample import nutpie_sample, resolve_mass_matrix
from hiermodels.errors import HiermodelsWarning


def run_nuts(n_dim, arrays, address, logp, data, init, native, settings):
    """NUTS on a kernel: its native cfunc when the nutpie adapter vouches for this nutpie,
    else nutpie's public Python-callback interface (same density, same draws).

    ``arrays()`` gives the cfunc's table arrays, ``address`` the cfunc, ``logp(x, **data)``
    the same density for the callback path, ``init(rng)`` a start. ``native=None`` (default)
    falls back, with a one-line warning, on a nutpie version the adapter was not written for
    or when building the native sampler fails; ``True`` insists on the native path (errors
    propagate); ``False`` takes the callback path. ``settings["mass_matrix"]`` (default
    ``"auto"``) is resolved for ``n_dim`` by :func:`resolve_mass_matrix` and used on both
    paths.

    Returns a :class:`~hiermodels.backends.trace.Trace` (``posterior["theta"]``,
    ``sample_stats``): no ArviZ import on the way (see :mod:`hiermodels.backends.trace`).
    """
    settings = dict(settings, arviz=False)
    settings["mass_matrix"] = resolve_mass_matrix(settings.get("mass_matrix", "auto"), n_dim)
    start = lambda s: np.asarray(init(np.random.default_rng(s)), dtype=float)  # noqa: E731

    def callback():
        return nutpie_sample(_callback_model(logp, n_dim, data, start), **settings)

    def native_run():
        return nutpie_sample(native_model_from(arrays(), address, n_dim, start), **settings)

    if native is False:
        return callback()
    if native is None:
        ok, why = native_status()
        if not ok:
            _warn_fallback(why)
            return callback()
        try:
            return native_run()
        except (TypeError, AttributeError) as err:
            _warn_fallback(f"nutpie's native interface failed ({type(err).__name__}: {err})")
            return callback()
    return native_run()


def _callback_model(logp, n_dim, data, start):
    """nutpie's public ``from_pyfunc`` model of ``logp(x, **data)``; draws stored as ``theta``.

    The same model :func:`hiermodels.backends.nuts.sample_logp` builds for an identity
    ``expand``; built here so that every setting (``mass_matrix`` included) reaches
    :func:`nutpie_sample` on this path as on the native one.
    """
    import_nutpie()  # nutpie without ArviZ (see the nutpie adapter)
    from nutpie.compiled_pyfunc import from_pyfunc

    return from_pyfunc(
        n_dim,
        lambda: logp,
        lambda seed1, seed2, chain: lambda x, **k: {"theta": x.copy()},
        [np.dtype("float64")],
        [(n_dim,)],
        ["theta"],
        coords={},
        dims={},
        shared_data=dict(data or {}),
        make_initial_point_fn=start,
    )


def _warn_fallback(why: str) -> None:
    warnings.warn(
        f"{why}; sampling through nutpie's public Python-callback interface instead "
        "(same posterior, slower per gradient).",
        HiermodelsWarning,
        stacklevel=6,
    )
