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
(``MetaFit``).
"""

from .effect_sizes import effect_sizes
from .empirical_priors import rhodes_prior, turner_prior
from .fit import MetaFit
from .frequentist import FrequentistFit, rma, typical_variance
from .model import MetaAnalysis
from .tau_priors import (
    Gamma,
    HalfCauchy,
    HalfNormal,
    LogNormalTau2,
    LogT5Tau2,
    PyMCPrior,
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
