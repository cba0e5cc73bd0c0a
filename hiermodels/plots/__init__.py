"""Plots: one per module, each drawing only what a computational method returns.

Every function returns a ``matplotlib.figure.Figure``. Importing this package does not
import matplotlib; each plot loads on first use.
"""

from __future__ import annotations

import importlib

_PLOTS = {
    "plot_meta_forest": "meta_forest",
    "plot_meta_funnel": "meta_funnel",
    "plot_meta_shrinkage_trace": "meta_shrinkage_trace",
    "plot_tau_prior_posterior": "meta_tau_prior",
}

__all__ = sorted(_PLOTS)


def __getattr__(name: str):
    if name in _PLOTS:
        func = getattr(importlib.import_module(f"{__name__}.{_PLOTS[name]}"), name)
        globals()[name] = func
        return func
    raise AttributeError(f"module 'hiermodels.plots' has no attribute {name!r}")


def __dir__():
    return __all__
