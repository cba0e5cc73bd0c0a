r"""Within- and between-cluster effects: group-mean centring, the contextual effect, Mundlak.

A predictor that varies within clusters mixes two relations. Write
:math:`x_{ij} = \bar x_j + (x_{ij} - \bar x_j)` and fit

.. math:: y_{ij} = \beta_0 + \beta_W (x_{ij} - \bar x_j) + \beta_B \bar x_j + u_j + e_{ij}.

:math:`\beta_W` (within) is how :math:`y` changes when :math:`x` changes inside a cluster;
:math:`\beta_B` (between) is how cluster means of :math:`y` change with cluster means of
:math:`x`. Their difference :math:`\beta_C = \beta_B - \beta_W` is the *contextual*
effect (Raudenbush & Bryk 2002, §5.2): the effect of the cluster's average over and above
the row's own value. Equivalently (Mundlak 1978) fit :math:`y = \beta_0 + \beta_x x_{ij} +
\beta_m \bar x_j + \dots`: then :math:`\beta_x = \beta_W` and :math:`\beta_m = \beta_C`.
A model with :math:`x` alone forces :math:`\beta_W = \beta_B`; when they differ its
single slope is a variance-weighted blend of the two, and reading a between-cluster
(ecological) relation as a within-cluster one is the *ecological fallacy* (Robinson
1950; Simpson's paradox when the signs differ).

In a formula: ``within(x, g)`` is :math:`x - \bar x_{g}` and ``between(x, g)`` is
:math:`\bar x_g`; the group means come from the data the model was fitted to and are
reused for new data (a level the model never saw is an error: its mean is unknown).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hiermodels.errors import DataError, HiermodelsError
from hiermodels.spec.group_means import Between, Within, decompose  # noqa: F401 (re-exported)


def _term(names, func, x):
    pat = re.compile(rf"^{func}\(\s*{re.escape(x)}\s*,\s*([^)]+?)\s*\)$")
    for n in names:
        m = pat.match(n)
        if m:
            return n, m.group(1)
    return None, None


def within_between(fit, x: str, prob=None) -> pd.DataFrame:
    """Within, between and contextual effect of ``x`` (from either parameterisation).

    The model must contain ``within(x, g) + between(x, g)`` (the within-between form) or
    ``x + between(x, g)`` (Mundlak's form).

    Returns
    -------
    DataFrame
        Index ``within``, ``between``, ``contextual`` (between − within); columns ``mean,
        sd, lower, upper`` and ``term`` (how the row was obtained). ``attrs``: ``form``
        ("within-between" or "Mundlak"), ``group``.
    """
    from hiermodels.derive.summaries import summarize
    from hiermodels.derive.tables import fixed_draws

    names = fit.design.fixed_names
    draws = fixed_draws(fit.posterior, fit.design)
    w_name, gw = _term(names, "within", x)
    b_name, gb = _term(names, "between", x)
    if b_name is None:
        raise HiermodelsError(
            f"within_between({x!r}) needs a between({x}, g) term in the formula, with "
            f"within({x}, g) or {x} itself; the fixed effects are {names}."
        )
    if w_name is not None:
        w, b = draws[w_name], draws[b_name]
        out = {"within": w, "between": b, "contextual": b - w}
        how = [w_name, b_name, f"{b_name} - {w_name}"]
        form = "within-between"
    elif x in names:
        w, c = draws[x], draws[b_name]
        out = {"within": w, "between": w + c, "contextual": c}
        how = [x, f"{x} + {b_name}", b_name]
        form = "Mundlak"
    else:
        raise HiermodelsError(
            f"The formula has {b_name} but neither within({x}, {gb}) nor {x}: the within "
            "effect is not identified. Add one of them."
        )
    tab = summarize(out, prob, diagnostics=False)
    tab["term"] = how
    tab.attrs.update(form=form, group=gb if gw is None else gw, x=x)
    return tab


def _ols_slope(x, y) -> tuple[float, float]:
    x, y = np.asarray(x, float), np.asarray(y, float)
    xc = x - x.mean()
    slope = float(np.sum(xc * (y - y.mean())) / np.sum(xc**2))
    return float(y.mean() - slope * x.mean()), slope


def simpson_lines(data, y: str, x: str, group: str) -> dict:
    """The least-squares lines of the Simpson figure, computed from the data alone.

    Returns
    -------
    dict
        ``pooled`` (intercept, slope of y on x ignoring groups), ``between`` (of the
        group means of y on the group means of x), ``within`` (the common slope of the
        fixed-effects estimator, :math:`\\sum (x-\bar x_j)(y-\bar y_j)/\\sum(x-\bar x_j)^2`),
        ``groups`` (DataFrame per level: ``x_mean, y_mean, x_min, x_max`` and the
        within line's intercept ``y_mean - within * x_mean``).
    """
    df = pd.DataFrame(data)
    for col in (y, x, group):
        if col not in df.columns:
            raise DataError(f"Column {col!r} is not in the data; columns: {list(df.columns)}.")
    gm = df.groupby(group, observed=True).agg(
        x_mean=(x, "mean"), y_mean=(y, "mean"), x_min=(x, "min"), x_max=(x, "max")
    )
    xw = df[x] - df.groupby(group, observed=True)[x].transform("mean")
    yw = df[y] - df.groupby(group, observed=True)[y].transform("mean")
    if float(np.sum(xw**2)) == 0:
        raise DataError(f"{x!r} does not vary within any level of {group!r}: no within slope.")
    within = float(np.sum(xw * yw) / np.sum(xw**2))
    gm["intercept"] = gm["y_mean"] - within * gm["x_mean"]
    return {
        "pooled": _ols_slope(df[x], df[y]),
        "between": _ols_slope(gm["x_mean"], gm["y_mean"]),
        "within": within,
        "groups": gm,
    }
