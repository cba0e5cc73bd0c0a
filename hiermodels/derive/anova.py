r"""One-way random-effects ANOVA: variance components by the method of moments.

The model :math:`y_{ij} = \mu + \alpha_j + \varepsilon_{ij}`, :math:`\alpha_j \sim
N(0, \sigma_\alpha^2)`, :math:`\varepsilon_{ij} \sim N(0, \sigma^2)`, with :math:`J`
groups of sizes :math:`n_j` and :math:`N = \sum_j n_j` rows. The ANOVA table

.. math::
    SSA = \sum_j n_j (\bar y_j - \bar y)^2,\quad MSA = SSA / (J - 1),\qquad
    SSE = \sum_{ij} (y_{ij} - \bar y_j)^2,\quad MSE = SSE / (N - J)

has expectations :math:`E[MSE] = \sigma^2` and :math:`E[MSA] = \sigma^2 + n_0
\sigma_\alpha^2` with :math:`n_0 = (N - \sum_j n_j^2 / N) / (J - 1)` (:math:`n_0 = n` when
every group has :math:`n` rows; Searle, Casella & McCulloch 1992, §3.5-3.6). Equating
mean squares to expectations gives

.. math:: \hat\sigma^2 = MSE, \qquad \hat\sigma_\alpha^2 = (MSA - MSE) / n_0,

which is negative whenever :math:`MSA < MSE` (the groups differ less than the rows
within them would make them differ by chance). A variance cannot be negative: the
estimate is truncated at 0 and the table says so. For balanced data a positive
method-of-moments estimate equals REML exactly; at the boundary REML instead pools
all rows into :math:`\hat\sigma^2 = SST / (N - 1)`.

The F test of :math:`H_0: \sigma_\alpha^2 = 0` is :math:`F = MSA / MSE` on
:math:`(J - 1, N - J)` degrees of freedom, and the ANOVA intraclass correlation is
:math:`\hat\sigma_\alpha^2 / (\hat\sigma_\alpha^2 + \hat\sigma^2)`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from hiermodels.errors import DataError, FormulaError
from hiermodels.model import names


def _one_way_parts(formula: str, data: pd.DataFrame) -> tuple[str, str]:
    """Response and grouping column of ``y ~ 1 + (1 | g)``; anything else is refused."""
    from hiermodels.spec.formula import parse_formula

    parsed = parse_formula(formula, data.columns)
    if parsed.fixed.replace(" ", "") not in ("1", "1+0") or len(parsed.groups) != 1:
        raise FormulaError(
            f"anova_components() needs a one-way random-effects formula 'y ~ 1 + (1 | g)'; "
            f"got {formula!r}. Fit other models with hm.Model and use fit.compare_reml()."
        )
    g = parsed.groups[0]
    if g.expr.replace(" ", "") != "1" or ":" in g.factor:
        raise FormulaError(
            f"anova_components() handles one random intercept (1 | g); got {g}. "
            "Write the grouping column by name, e.g. 'Yield ~ 1 + (1 | Batch)'."
        )
    for col in (parsed.response, g.factor):
        if col not in data.columns:
            raise DataError(f"Column {col!r} is not in the data; columns: {list(data.columns)}.")
    return parsed.response, g.factor


def anova_table(y, groups) -> dict:
    """Sums of squares, mean squares and the method-of-moments components.

    Parameters
    ----------
    y : array of float
    groups : array of labels (same length)

    Returns
    -------
    dict
        ``J, N, n0, SSA, SSE, MSA, MSE, F, p_value, sigma2_alpha_raw`` ((MSA - MSE)/n0,
        possibly negative), ``sigma2_alpha`` (truncated at 0), ``sigma2`` (MSE),
        ``truncated`` (bool), ``balanced`` (bool), ``icc``.
    """
    y = np.asarray(y, float)
    codes, _ = pd.factorize(np.asarray(groups), sort=True)
    J, N = int(codes.max()) + 1, y.size
    n_j = np.bincount(codes, minlength=J).astype(float)
    means = np.bincount(codes, y, J) / n_j
    grand = y.mean()
    ssa = float(np.sum(n_j * (means - grand) ** 2))
    sse = float(np.sum((y - means[codes]) ** 2))
    msa, mse = ssa / (J - 1), sse / (N - J)
    n0 = float((N - np.sum(n_j**2) / N) / (J - 1))
    raw = (msa - mse) / n0
    s2a = max(raw, 0.0)
    F = msa / mse if mse > 0 else np.inf
    return {
        "J": J,
        "N": N,
        "n0": n0,
        "SSA": ssa,
        "SSE": sse,
        "MSA": msa,
        "MSE": mse,
        "F": F,
        "p_value": float(stats.f.sf(F, J - 1, N - J)),
        "sigma2_alpha_raw": raw,
        "sigma2_alpha": s2a,
        "sigma2": mse,
        "truncated": raw < 0,
        "balanced": bool(np.all(n_j == n_j[0])),
        "icc": s2a / (s2a + mse),
    }


def anova_components(formula: str, data, reml: bool = True) -> pd.DataFrame:
    """Random-effects ANOVA (method of moments) beside REML for ``y ~ 1 + (1 | g)``.

    Parameters
    ----------
    formula : str
        A one-way random-effects formula, e.g. ``"Yield ~ 1 + (1 | Batch)"``.
    data : DataFrame
    reml : bool
        Add the REML estimates (statsmodels ``MixedLM``) in a second column.

    Returns
    -------
    DataFrame
        Index ``sd(g, Intercept)``, ``sigma``, ``icc``; columns ``anova`` (method of
        moments, truncated at 0) and ``reml``. ``attrs``: ``table`` (the ANOVA table:
        rows ``g`` and ``Residual``; columns ``df, SS, MS, F, p``), ``n0``,
        ``sigma2_alpha_raw`` (before truncation), ``truncated`` and ``message`` (one
        sentence saying what the numbers mean).

    Raises
    ------
    FormulaError
        If the formula is not one-way random intercept.
    DataError
        Unknown columns, missing values or a factor with fewer than two levels.
    """
    data = pd.DataFrame(data)
    resp, fac = _one_way_parts(formula, data)
    sub = data[[resp, fac]]
    if sub.isna().any().any():
        bad = [c for c in (resp, fac) if sub[c].isna().any()]
        raise DataError(f"Missing values in {bad}; drop those rows before the ANOVA.")
    if sub[fac].nunique() < 2:
        raise DataError(f"The grouping factor {fac!r} has one level; an ANOVA needs >= 2.")
    if sub[fac].value_counts().max() < 2:
        raise DataError(f"Every level of {fac!r} has one row: no within-group variation.")
    a = anova_table(sub[resp].to_numpy(float), sub[fac].to_numpy())
    label = names.sd_label(fac, "Intercept")
    out = pd.DataFrame(
        {"anova": [np.sqrt(a["sigma2_alpha"]), np.sqrt(a["sigma2"]), a["icc"]]},
        index=[label, "sigma", "icc"],
    )
    if reml:
        from hiermodels.data.design import make_design
        from hiermodels.derive.reml import reml_estimates

        est = reml_estimates(make_design(f"{resp} ~ 1 + (1 | {fac})", sub))["estimates"]
        s_a, s_e = est[label], est["sigma"]
        out["reml"] = [s_a, s_e, s_a**2 / (s_a**2 + s_e**2)]
    table = pd.DataFrame(
        {
            "df": [a["J"] - 1, a["N"] - a["J"]],
            "SS": [a["SSA"], a["SSE"]],
            "MS": [a["MSA"], a["MSE"]],
            "F": [a["F"], np.nan],
            "p": [a["p_value"], np.nan],
        },
        index=[fac, "Residual"],
    )
    n_word = "n" if a["balanced"] else "n0"
    if a["truncated"]:
        msg = (
            f"MSA ({a['MSA']:.4g}) < MSE ({a['MSE']:.4g}): the method-of-moments "
            f"estimate (MSA - MSE)/{n_word} = {a['sigma2_alpha_raw']:.4g} is negative and is "
            "truncated at 0 (REML sits on the same boundary). The data cannot tell the "
            "between-group SD from zero; a Bayesian fit with a boundary-avoiding prior "
            "shows the range of values they allow."
        )
    else:
        msg = (
            f"sigma_alpha^2 = (MSA - MSE)/{n_word} = ({a['MSA']:.4g} - {a['MSE']:.4g})/"
            f"{a['n0']:.4g} = {a['sigma2_alpha']:.4g}."
        )
    out.attrs.update(
        table=table,
        n0=a["n0"],
        sigma2_alpha_raw=a["sigma2_alpha_raw"],
        truncated=a["truncated"],
        balanced=a["balanced"],
        message=msg,
        group=fac,
        response=resp,
    )
    return out


def group_means(formula: str, data) -> pd.DataFrame:
    """Per level: n, mean and the grand mean (what the ANOVA figure draws).

    Returns
    -------
    DataFrame
        Index the levels; columns ``n``, ``mean``; ``attrs["grand_mean"]``.
    """
    data = pd.DataFrame(data)
    resp, fac = _one_way_parts(formula, data)
    tab = data.groupby(fac, observed=True)[resp].agg(["size", "mean"])
    tab.columns = ["n", "mean"]
    tab.attrs.update(grand_mean=float(data[resp].mean()), response=resp, group=fac)
    return tab
