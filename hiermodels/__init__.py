"""hiermodels: Bayesian multilevel models with lme4/brms formulas, on PyMC and ArviZ.

Importing the package is cheap: PyMC, nutpie and ArviZ load on first use.
"""

from __future__ import annotations

import importlib

from hiermodels._version import __version__ as __version__
from hiermodels.backends.compile_cache import use_configured_cache_dir
from hiermodels.errors import HiermodelsError, HiermodelsWarning
from hiermodels.options import get_option, options, set_options

use_configured_cache_dir()

_LAZY = {
    "Model": ("hiermodels.api.model", "Model"),
    "Fit": ("hiermodels.api.fit", "Fit"),
    "Prior": ("hiermodels.spec.prior", "Prior"),
    "load": ("hiermodels.api.load", "load"),
    "compare": ("hiermodels.api.compare", "compare"),
    "MetaAnalysis": ("hiermodels.meta", "MetaAnalysis"),
    "effect_sizes": ("hiermodels.meta", "effect_sizes"),
    "datasets": ("hiermodels.data.datasets", None),
    "plots": ("hiermodels.present.plots", None),
    "study": ("hiermodels.studies", "study"),
    "sbc": ("hiermodels.studies", "sbc"),
    "StudySpec": ("hiermodels.studies", "StudySpec"),
    # teaching calls that need no fit (issue 14)
    "anova_components": ("hiermodels.derive.anova", "anova_components"),
    "design_effect_summary": ("hiermodels.derive.design_effect", "design_effect_summary"),
    "ml_fit": ("hiermodels.derive.ml_glmm", "ml_fit"),
    # longitudinal residual structures (issue 13)
    "compare_residual_structures": (
        "hiermodels.api.residual_compare",
        "compare_residual_structures",
    ),
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
