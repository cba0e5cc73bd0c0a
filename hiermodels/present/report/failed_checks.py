"""Which checks in a report failed, and the advice shown beside each.

Each function takes the table a Fit method returned and maps the label of every failed
row to one sentence of advice; rows that passed are absent. The report highlights those
rows and prints the advice under the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.derive.diagnostics import PSENSE_MAX

#: Residual tests with p below this fail (DHARMa's default highlighting).
ALPHA = 0.05
#: Posterior-predictive p-values are one-sided, P(T(y_rep) >= T(y)): both tails fail.
PPC_TAILS = (0.025, 0.975)

_PPC_ADVICE = {
    "mean": "the model does not reproduce the average response: check the link, an "
    "offset, or a missing predictor.",
    "sd": "the spread of the data differs from the replicates: check the family's "
    "dispersion (e.g. negbinomial instead of poisson) and the residual scale.",
    "min": "the smallest observations are not reproduced: look for outliers or a bounded "
    "response, or try a family with different tails.",
    "max": "the largest observations are not reproduced: look for outliers, or try a "
    "heavier-tailed or skewed family.",
    "zeros": "the share of zeros is not reproduced: consider a zero-inflated model or the "
    "negbinomial family.",
}


def residual_failures(tests: pd.DataFrame) -> dict[str, str]:
    """Failed quantile-residual tests (``fit.residuals().tests()``) and what to try."""
    out = {}
    for name, row in tests.iterrows():
        p, stat, exp = row["p_value"], row["statistic"], row["expected"]
        if not p < ALPHA:
            continue
        if name.startswith("uniformity"):
            text = (
                f"the residuals are not uniform (KS p = {p:.2g}): the distribution the model "
                "assumes does not match the data; see the QQ plot for where, then check the "
                "family, the link and missing predictors."
            )
        elif name == "dispersion":
            kind = "more" if stat > exp else "less"
            fix = (
                "use family='negbinomial' for counts or add an observation-level effect"
                if stat > exp
                else "a binomial with few trials or a mis-specified variance can cause this"
            )
            text = f"{kind} variation than the model allows (ratio {stat:.2f}, p = {p:.2g}): {fix}."
        elif name == "outliers":
            text = (
                f"{stat:.1%} of rows fall outside every simulation (about {exp:.1%} expected, "
                f"p = {p:.2g}): inspect them in fit.residuals().to_frame() for data errors, or "
                "use a heavier-tailed family."
            )
        else:
            more = "more" if stat > exp else "fewer"
            text = (
                f"{more} zeros than the model expects (ratio {stat:.2f}, p = {p:.2g}): "
                + (_PPC_ADVICE["zeros"])
            )
        out[name] = text[0].upper() + text[1:]
    return out


def ppc_failures(tab: pd.DataFrame) -> dict:
    """Failed posterior-predictive statistics (``fit.ppc()``), keyed by the table's index."""
    lo, hi = PPC_TAILS
    out = {}
    for idx, row in tab.iterrows():
        p = row["p_value"]
        if not (p < lo or p > hi):
            continue
        stat = str(row.get("statistic", idx))
        level = row.get("level")
        side = "above" if p < lo else "below"
        where = f" for {level}" if level is not None and not pd.isna(level) else ""
        advice = _PPC_ADVICE.get(stat, "the model does not reproduce this feature of the data.")
        out[idx] = (
            f"Observed {stat}{where} lies {side} nearly all replicates (p = {p:.2g}): " + advice
        )
    n_levels = int(tab["level"].notna().sum()) if "level" in tab else 0
    if n_levels and any(pd.notna(tab.loc[k, "level"]) for k in out):
        out["_levels"] = (
            f"With {n_levels} per-level statistics, about {0.05 * n_levels:.1f} fall outside "
            "by chance alone; a level matters when it is far outside or many are."
        )
    return out


def prior_failures(tab: pd.DataFrame, psense_max: float = PSENSE_MAX) -> dict[str, str]:
    """Group SDs the data barely inform (``fit.prior_posterior()``), with advice."""
    out = {}
    for label, row in tab.iterrows():
        barely = bool(row.get("barely_moved", False))
        sens = row.get("prior_sensitivity", np.nan)
        sensitive = bool(np.isfinite(sens) and sens > psense_max)
        if not (barely or sensitive):
            continue
        why = (
            f"its posterior barely moved from the prior (overlap {row['overlap']:.0%}, "
            f"contraction {row['contraction']:.2f})"
            if barely
            else f"it is sensitive to the prior (power-scaling {sens:.3f} > {psense_max})"
        )
        out[label] = (
            f"{label}: {why}, so the data say little about it and results lean on the prior. "
            "State the prior, try a boundary-avoiding or more informative one "
            "(priors={'sd': 'boundary_avoiding'}), and compare."
        )
    return out
