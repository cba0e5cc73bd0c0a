"""Empirical heterogeneity priors of Turner et al. (2015) and Rhodes et al. (2015).

Both papers fitted hierarchical models to thousands of Cochrane meta-analyses and
published predictive distributions for the between-study variance tau^2 of a new
meta-analysis, by outcome type and type of intervention comparison:

- Turner RM, Jackson D, Wei Y, Thompson SG, Higgins JPT (2015). Predictive distributions
  for between-study heterogeneity and simple methods for their application in Bayesian
  meta-analysis. *Statistics in Medicine* 34(6):984-998. doi:10.1002/sim.6381.
  Table IV: **log-normal** distributions, log(tau^2) ~ N(mu, sigma^2), for **log odds
  ratios**; 16 outcome types x 5 comparison types.
- Rhodes KM, Turner RM, Higgins JPT (2015). Predictive distributions were developed for
  the extent of heterogeneity in meta-analyses of continuous outcome data. *Journal of
  Clinical Epidemiology* 68(1):52-60. doi:10.1016/j.jclinepi.2014.08.012.
  Table 3 (and appendix tables A.3.1 respiratory, A.3.2 cancer): **log-t with 5 degrees
  of freedom**, log(tau^2) ~ t_5(location, scale), for **standardised mean differences**;
  8 outcome types x 3 comparison types x 3 medical areas, plus the marginal
  ("any setting") t_5(-3.44, 2.59).

Both are distributions for tau^2; hiermodels samples tau and uses the exactly transformed
densities (log tau = log(tau^2) / 2, so location and scale are halved).

The numbers below are transcribed from the tables as encoded in the R package
bayesmeta (Röver 2020, J Stat Softw 93(6); functions ``TurnerEtAlPrior`` and
``RhodesEtAlPrior``, file R/bayesmeta.R), including its mapping of comparator pairs to
comparison types. Note: the Rhodes "other area, non-pharmacological, mental health"
location is -3.85 in that source, out of line with its neighbours (-2.86 / -3.27 ...);
it is reproduced as published there and could not be checked against the paper offline.
"""

from __future__ import annotations

import numpy as np

from hiermodels.errors import HiermodelsError
from hiermodels.meta.tau_priors import LogNormalTau2, LogT5Tau2

COMPARATORS = ("pharmacological", "non-pharmacological", "placebo / control")

TURNER_OUTCOMES = (
    "all-cause mortality",
    "obstetric outcomes",
    "cause-specific mortality / major morbidity event / composite (mortality or morbidity)",
    "resource use / hospital stay / process",
    "surgical / device related success / failure",
    "withdrawals / drop-outs",
    "internal / structure-related outcomes",
    "general physical health indicators",
    "adverse events",
    "infection / onset of new disease",
    "signs / symptoms reflecting continuation / end of condition",
    "pain",
    "quality of life / functioning (dichotomized)",
    "mental health indicators",
    "biological markers (dichotomized)",
    "subjective outcomes (various)",
)
TURNER_COMPARISONS = (
    "pharmacological vs. placebo / control",
    "pharmacological vs. pharmacological",
    "non-pharmacological vs. placebo / control",
    "non-pharmacological vs. pharmacological",
    "non-pharmacological vs. non-pharmacological",
)
# Turner et al. (2015) Table IV; rows = outcomes (order above), columns = comparisons.
_TURNER_MU = -np.array(
    [
        [3.95, 4.18, 4.17, 2.92, 3.50],
        [3.52, 3.75, 3.74, 2.49, 3.08],
        [3.71, 3.95, 3.93, 2.68, 3.27],
        [2.34, 2.58, 2.56, 1.31, 1.90],
        [2.14, 2.37, 2.36, 1.11, 1.69],
        [2.99, 3.23, 3.21, 1.96, 2.55],
        [2.71, 2.94, 2.93, 1.67, 2.26],
        [2.29, 2.53, 2.51, 1.26, 1.85],
        [1.87, 2.10, 2.10, 0.84, 1.43],
        [2.49, 2.73, 2.71, 1.46, 2.05],
        [2.06, 2.29, 2.28, 1.03, 1.61],
        [1.83, 2.06, 2.05, 0.80, 1.38],
        [2.54, 2.78, 2.77, 1.51, 2.10],
        [2.12, 2.35, 2.34, 1.09, 1.67],
        [1.77, 2.00, 1.99, 0.74, 1.33],
        [2.70, 2.93, 2.92, 1.67, 2.26],
    ]
)
_TURNER_SIGMA = np.array(
    [
        [1.34, 1.41, 1.55, 1.02, 1.26],
        [1.74, 1.79, 1.91, 1.50, 1.68],
        [1.74, 1.79, 1.91, 1.51, 1.68],
        [1.74, 1.79, 1.91, 1.50, 1.68],
        [1.74, 1.79, 1.91, 1.50, 1.68],
        [1.74, 1.79, 1.91, 1.51, 1.68],
        [1.74, 1.79, 1.92, 1.51, 1.68],
        [1.53, 1.58, 1.72, 1.25, 1.46],
        [1.52, 1.58, 1.71, 1.24, 1.45],
        [1.52, 1.58, 1.71, 1.24, 1.45],
        [1.51, 1.58, 1.71, 1.24, 1.45],
        [1.52, 1.58, 1.71, 1.25, 1.45],
        [1.54, 1.60, 1.73, 1.27, 1.47],
        [1.53, 1.60, 1.72, 1.27, 1.47],
        [1.52, 1.58, 1.71, 1.24, 1.45],
        [1.52, 1.58, 1.71, 1.25, 1.45],
    ]
)
# Comparator pair -> comparison column (bayesmeta's matrix; symmetric, placebo-placebo invalid).
_TURNER_PAIR = {
    ("pharmacological", "pharmacological"): 1,
    ("pharmacological", "non-pharmacological"): 3,
    ("pharmacological", "placebo / control"): 0,
    ("non-pharmacological", "non-pharmacological"): 4,
    ("non-pharmacological", "placebo / control"): 2,
}

RHODES_OUTCOMES = (
    "obstetric outcome",
    "resource use and hospital stay / process",
    "internal and external structure-related outcome",
    "general physical health and adverse event and pain and quality of life / functioning",
    "signs / symptoms reflecting continuation / end of condition and infection / onset of "
    "new acute / chronic disease",
    "mental health outcome",
    "biological marker",
    "various subjectively measured outcomes",
)
RHODES_COMPARISONS = (
    "pharmacological vs. placebo / control",
    "pharmacological vs. pharmacological",
    "non-pharmacological (any)",
)
RHODES_AREAS = ("other", "respiratory", "cancer")
# Rhodes et al. (2015) Table 3 ("other"), Tables A.3.1 (respiratory), A.3.2 (cancer).
# [area][outcome][comparison]
_RHODES_LOCATION = -np.array(
    [
        [  # other (Table 3)
            [4.13, 4.40, 3.99],
            [2.55, 2.83, 2.41],
            [2.43, 2.70, 2.29],
            [3.16, 3.44, 3.02],
            [3.00, 3.27, 2.86],
            [2.99, 3.27, 3.85],
            [3.41, 3.68, 3.27],
            [2.76, 3.03, 2.62],
        ],
        [  # respiratory (Table A.3.1)
            [6.03, 6.31, 5.89],
            [4.46, 4.73, 4.32],
            [4.33, 4.61, 4.19],
            [5.07, 5.34, 4.93],
            [4.90, 5.18, 4.76],
            [4.90, 5.17, 4.76],
            [5.31, 5.59, 5.17],
            [4.66, 4.94, 4.52],
        ],
        [  # cancer (Table A.3.2)
            [1.57, 1.85, 1.43],
            [-0.01, 0.27, -0.15],
            [0.13, 0.14, -0.27],
            [0.60, 0.88, 0.46],
            [0.44, 0.71, 0.30],
            [0.43, 0.71, 0.29],
            [0.85, 1.13, 0.71],
            [0.20, 0.48, 0.06],
        ],
    ]
)
_RHODES_SCALE = np.array(
    [
        [
            [2.34, 2.31, 2.11],
            [2.73, 2.70, 2.57],
            [2.50, 2.46, 2.32],
            [2.50, 2.44, 2.27],
            [2.50, 2.47, 2.33],
            [2.16, 2.14, 1.93],
            [2.83, 2.78, 2.66],
            [2.58, 2.59, 2.41],
        ],
        [
            [2.36, 2.31, 2.21],
            [2.74, 2.70, 2.57],
            [2.51, 2.46, 2.33],
            [2.51, 2.45, 2.28],
            [2.50, 2.47, 2.33],
            [2.17, 2.14, 1.94],
            [2.83, 2.78, 2.66],
            [2.59, 2.59, 2.41],
        ],
        [
            [2.45, 2.41, 2.24],
            [2.83, 2.79, 2.68],
            [2.61, 2.56, 2.45],
            [2.61, 2.55, 2.40],
            [2.60, 2.57, 2.46],
            [2.28, 2.25, 2.08],
            [2.93, 2.87, 2.78],
            [2.68, 2.68, 2.53],
        ],
    ]
)
_RHODES_PAIR = {
    ("pharmacological", "pharmacological"): 1,
    ("pharmacological", "non-pharmacological"): 2,
    ("pharmacological", "placebo / control"): 0,
    ("non-pharmacological", "non-pharmacological"): 2,
    ("non-pharmacological", "placebo / control"): 2,
}
RHODES_MARGINAL = (-3.44, 2.59)


def _match(value: str, choices, what: str) -> int:
    """Index of ``value`` in ``choices``: exact, else a unique prefix (like R's match.arg)."""
    if not isinstance(value, str):
        raise HiermodelsError(f"{what} must be a string, got {value!r}.")
    v = value.strip().lower()
    lowered = [c.lower() for c in choices]
    if v in lowered:
        return lowered.index(v)
    hits = [i for i, c in enumerate(lowered) if c.startswith(v)]
    if len(hits) == 1:
        return hits[0]
    listing = "; ".join(f"'{c}'" for c in choices)
    kind = "ambiguous" if hits else "unknown"
    raise HiermodelsError(f"{kind} {what} {value!r}; choose one of: {listing}.")


def _comparison(c1: str, c2: str, table: dict) -> int:
    a = COMPARATORS[_match(c1, COMPARATORS, "comparator")]
    b = COMPARATORS[_match(c2, COMPARATORS, "comparator")]
    key = (a, b) if (a, b) in table else (b, a)
    if key not in table:
        raise HiermodelsError("Both comparators cannot be 'placebo / control'.")
    return table[key]


def turner_prior(
    outcome: str = "all-cause mortality",
    comparator1: str = "pharmacological",
    comparator2: str = "placebo / control",
) -> LogNormalTau2:
    """Empirical log-normal prior for tau^2 of a log-odds-ratio meta-analysis.

    Turner et al. (2015, Stat Med 34:984-998), Table IV: log(tau^2) ~ N(mu, sigma^2)
    by outcome type and comparison type. Arguments accept unique prefixes
    (``"pharma"``, ``"placebo"``, ``"pain"``); the outcome types are in
    :data:`TURNER_OUTCOMES`.

    Examples
    --------
    >>> turner_prior("all-cause mortality", "pharma", "placebo").describe()  # doctest: +ELLIPSIS
    'log(tau^2) ~ N(-3.95, 1.34^2); Turner et al. (2015) Table IV: ...'
    """
    i = _match(outcome, TURNER_OUTCOMES, "Turner outcome type")
    j = _comparison(comparator1, comparator2, _TURNER_PAIR)
    label = f"Turner et al. (2015) Table IV: {TURNER_OUTCOMES[i]}, {TURNER_COMPARISONS[j]}"
    return LogNormalTau2(float(_TURNER_MU[i, j]), float(_TURNER_SIGMA[i, j]), label=label)


def rhodes_prior(
    outcome: str | None = None,
    comparator1: str = "pharmacological",
    comparator2: str = "placebo / control",
    area: str = "other",
) -> LogT5Tau2:
    """Empirical log-t_5 prior for tau^2 of a standardised-mean-difference meta-analysis.

    Rhodes et al. (2015, J Clin Epidemiol 68:52-60): log(tau^2) ~ t_5(location, scale),
    Table 3 (``area="other"``) and appendix Tables A.3.1 (``"respiratory"``) and A.3.2
    (``"cancer"``). ``outcome=None`` gives the marginal prior for any setting,
    t_5(-3.44, 2.59). Outcome types are in :data:`RHODES_OUTCOMES`.
    """
    if outcome is None:
        loc, scale = RHODES_MARGINAL
        return LogT5Tau2(loc, scale, label="Rhodes et al. (2015): any setting")
    i = _match(outcome, RHODES_OUTCOMES, "Rhodes outcome type")
    j = _comparison(comparator1, comparator2, _RHODES_PAIR)
    a = _match(area, RHODES_AREAS, "medical area")
    table = ("Table 3", "Table A.3.1", "Table A.3.2")[a]
    label = (
        f"Rhodes et al. (2015) {table}: {RHODES_OUTCOMES[i]}, {RHODES_COMPARISONS[j]}, "
        f"area {RHODES_AREAS[a]}"
    )
    return LogT5Tau2(float(_RHODES_LOCATION[a, i, j]), float(_RHODES_SCALE[a, i, j]), label=label)
