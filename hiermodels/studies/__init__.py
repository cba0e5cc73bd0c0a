"""Simulation studies, power analysis and simulation-based calibration, on Dask distributed.

* :func:`study` — a design grid x replications: simulate, fit (Bayes and REML), and
  summarise bias, RMSE, coverage, interval width, power, REML boundary fits.
* :func:`sbc` — simulation-based calibration of a model and its priors (Talts et al. 2018).

Both run their fits as batches on a ``dask.distributed`` client and stream results to
Parquet so an interrupted run resumes (:mod:`.engine`). Needs the ``studies`` extra
(``pip install 'hiermodels[studies]'``: dask[distributed], pyarrow). Importing this
package is cheap: the pieces load on first use.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "StudySpec": "design",
    "StudyResult": "grid_study",
    "study": "grid_study",
    "SBCResult": "calibration",
    "sbc": "calibration",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hiermodels.studies' has no attribute {name!r}")


def __dir__():
    return __all__
