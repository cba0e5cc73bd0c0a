"""Bayesian random-effects meta-analysis and meta-regression, with REML/DL/PM side by side.

>>> import hiermodels as hm
>>> bcg = hm.datasets.load("bcg")                                   # doctest: +SKIP
>>> meta = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial")    # doctest: +SKIP
>>> mfit = meta.fit(seed=1)                                         # doctest: +SKIP
>>> mfit.summary(); mfit.prediction_interval(); mfit.study_effects()  # doctest: +SKIP
>>> mfit.frequentist("REML")                                        # doctest: +SKIP

Modules: :mod:`~.effect_sizes` (escalc-like effect sizes), :mod:`~.frequentist` (REML,
DL, PM), :mod:`~.tau_priors` and :mod:`~.empirical_priors` (heterogeneity priors),
:mod:`~.collapsed` (log posterior and exact study effects), :mod:`~.exact` (posterior by
numerical integration over tau), :mod:`~.model` (``MetaAnalysis``), :mod:`~.fit`
(``MetaFit``), :mod:`~.persist`/:mod:`~.load` (files), :mod:`~.pymc_backend` (the PyMC graph
and ``PyMCPrior``; the only PyMC importer, loaded on first use).
"""

from hiermodels.meta.effect_sizes import effect_sizes
from hiermodels.meta.empirical_priors import rhodes_prior, turner_prior
from hiermodels.meta.fit import MetaFit
from hiermodels.meta.frequentist import FrequentistFit, rma, typical_variance
from hiermodels.meta.model import MetaAnalysis
from hiermodels.meta.tau_priors import (
    Gamma,
    HalfCauchy,
    HalfNormal,
    LogNormalTau2,
    LogT5Tau2,
    TauPrior,
    Uniform,
)

__all__ = [
    "FrequentistFit",
    "Gamma",
    "HalfCauchy",
    "HalfNormal",
    "LogNormalTau2",
    "LogT5Tau2",
    "MetaAnalysis",
    "MetaFit",
    "PyMCPrior",
    "TauPrior",
    "Uniform",
    "effect_sizes",
    "rhodes_prior",
    "rma",
    "turner_prior",
    "typical_variance",
]


def __getattr__(name: str):
    if name == "PyMCPrior":  # imports PyMC: only on first use
        from hiermodels.meta.pymc_backend import PyMCPrior

        return PyMCPrior
    raise AttributeError(f"module 'hiermodels.meta' has no attribute {name!r}")
