"""Run NUTS on any hiermodels kernel: the native cfunc when the nutpie adapter vouches for the
installed nutpie, else nutpie's public Python-callback interface (same density, same draws).
"""

from __future__ import annotations

import warnings

import numpy as np

from hiermodels.backends.nutpie_adapter import native_model_from, native_status
from hiermodels.backends.nuts import sample_logp
from hiermodels.backends.sample import nutpie_sample
from hiermodels.errors import HiermodelsWarning


def run_nuts(n_dim, arrays, address, logp, data, init, native, settings):
    """NUTS on a kernel: its native cfunc when the nutpie adapter vouches for this nutpie,
    else nutpie's public Python-callback interface (same density, same draws).

    ``arrays()`` gives the cfunc's table arrays, ``address`` the cfunc, ``logp(x, **data)``
    the same density for the callback path, ``init(rng)`` a start. ``native=None`` (default)
    falls back, with a one-line warning, on a nutpie version the adapter was not written for
    or when building the native sampler fails; ``True`` insists on the native path (errors
    propagate); ``False`` takes the callback path.
    """
    start = lambda s: np.asarray(init(np.random.default_rng(s)), dtype=float)  # noqa: E731

    def callback():
        return sample_logp(
            logp,
            n_dim,
            lambda x, **k: {"theta": x.copy()},
            {"theta": (n_dim,)},
            data=data,
            init=init,
            **settings,
        )

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


def _warn_fallback(why: str) -> None:
    warnings.warn(
        f"{why}; sampling through nutpie's public Python-callback interface instead "
        "(same posterior, slower per gradient).",
        HiermodelsWarning,
        stacklevel=6,
    )
