"""The one exception family hiermodels raises for bad input.

Every error names the column, term or value at fault and says how to fix it, so a
user never has to read a traceback from deep inside PyMC.
"""

from __future__ import annotations


class HiermodelsError(ValueError):
    """Base class of every error hiermodels raises on purpose."""


class FormulaError(HiermodelsError):
    """The formula cannot be parsed, or names something it may not use."""


class DataError(HiermodelsError):
    """The data do not fit the model: a missing column, NaN, a wrong type or range."""


class PriorError(HiermodelsError):
    """A prior override is malformed or names a parameter the model does not have."""


class SamplingError(HiermodelsError):
    """Sampler settings are invalid (e.g. draws <= 0) or the backend is unknown."""


class SpecError(HiermodelsError):
    """A model specification file (TOML) is malformed."""


class HiermodelsWarning(UserWarning):
    """Warnings about sampling quality, dropped rows or weakly identified parameters."""
