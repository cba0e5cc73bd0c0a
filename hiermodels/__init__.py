"""hiermodels: Bayesian multilevel models with lme4/brms formulas, on PyMC and ArviZ.

Importing the package is cheap: PyMC, nutpie and ArviZ load on first use.
"""

from __future__ import annotations

import importlib

from .errors import HiermodelsError, HiermodelsWarning
from .options import get_option, options, set_options

__version__ = "0.1.0"

_LAZY = {
    "Model": ("hiermodels.model", "Model"),
    "Fit": ("hiermodels.fit", "Fit"),
    "Prior": ("hiermodels.priors", "Prior"),
    "load": ("hiermodels.io", "load"),
    "compare": ("hiermodels.checks", "compare"),
    "MetaAnalysis": ("hiermodels.meta", "MetaAnalysis"),
    "effect_sizes": ("hiermodels.meta", "effect_sizes"),
    "datasets": ("hiermodels.datasets", None),
    "plots": ("hiermodels.plots", None),
}

__all__ = [
    "HiermodelsError",
    "HiermodelsWarning",
    "get_option",
    "options",
    "set_options",
    *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        module, attr = _LAZY[name]
        mod = importlib.import_module(module)
        value = mod if attr is None else getattr(mod, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hiermodels' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
