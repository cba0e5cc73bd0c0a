"""Effect sizes and sampling variances, following metafor's ``escalc`` (default settings).

=========  ====================================  ===========================================
measure    inputs (column names)                 y_i and v_i
=========  ====================================  ===========================================
``RR``     ai, bi, ci, di (or ai, n1i, ci, n2i)  log((a/n1) / (c/n2));  1/a - 1/n1 + 1/c - 1/n2
``OR``     same                                  log(a d / (b c));  1/a + 1/b + 1/c + 1/d
``RD``     same                                  a/n1 - c/n2;  p1(1-p1)/n1 + p2(1-p2)/n2
``MD``     m1i, m2i, sd1i, sd2i, n1i, n2i        m1 - m2;  sd1^2/n1 + sd2^2/n2
``SMD``    same                                  Hedges' g = J d, d = (m1 - m2)/s_pooled,
                                                 J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)),
                                                 m = n1 + n2 - 2;  1/n1 + 1/n2 + g^2/(2(n1+n2))
``ZCOR``   ri, ni                                atanh(r);  1/(n - 3)
``PLO``    xi, ni                                log(x/(n - x));  1/x + 1/(n - x)
=========  ====================================  ===========================================

Group 1 (ai, bi, m1i, ...) is the treatment group; "a" = events in group 1, "b" =
non-events in group 1, "c"/"d" the same in group 2.

**Zero cells** (RR, OR, RD, PLO): as metafor's default (``add=1/2, to="only0"``), 1/2 is
added to every cell of a study's table only when that table has a zero cell; other
studies are untouched. The amount added is reported per study in the column ``cc`` and
a :class:`~hiermodels.errors.HiermodelsWarning` names the corrected studies.
``to="all"`` adds to every study, ``to="none"`` never (zero cells then give infinite
y_i or v_i and raise an error).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from hiermodels.errors import DataError, HiermodelsWarning

MEASURES = ("RR", "OR", "RD", "MD", "SMD", "ZCOR", "PLO")
_TWO_BY_TWO = ("RR", "OR", "RD")


def _column(data: pd.DataFrame, name, arg: str, measure: str) -> np.ndarray:
    if name is None:
        raise DataError(f"measure={measure!r} needs the argument {arg}= (a column name).")
    if name not in data.columns:
        raise DataError(f"{arg}={name!r} is not a column of the data.")
    try:
        x = pd.to_numeric(data[name]).to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise DataError(f"Column {name!r} ({arg}) must be numeric.") from err
    if np.isnan(x).any():
        rows = list(data.index[np.isnan(x)])
        raise DataError(f"Column {name!r} ({arg}) has missing values in rows {rows}.")
    return x


def _nonnegative(x, name, arg):
    if np.any(x < 0):
        raise DataError(f"Column {name!r} ({arg}) has negative values; counts must be >= 0.")


def _cc_mask(cells: list[np.ndarray], to: str) -> np.ndarray:
    has_zero = np.zeros(cells[0].shape, dtype=bool)
    for c in cells:
        has_zero |= c == 0
    if to == "only0":
        return has_zero
    if to == "all":
        return np.ones_like(has_zero)
    if to == "if0all":
        return np.full_like(has_zero, has_zero.any())
    return np.zeros_like(has_zero)


def _two_by_two(data, measure, ai, bi, ci, di, n1i, n2i, add, to):
    a = _column(data, ai, "ai", measure)
    c = _column(data, ci, "ci", measure)
    if bi is not None:
        b = _column(data, bi, "bi", measure)
    else:
        b = _column(data, n1i, "n1i (or bi)", measure) - a
    if di is not None:
        d = _column(data, di, "di", measure)
    else:
        d = _column(data, n2i, "n2i (or di)", measure) - c
    for x, name, arg in ((a, ai, "ai"), (c, ci, "ci")):
        _nonnegative(x, name, arg)
    if np.any(b < 0) or np.any(d < 0):
        what = "bi/di" if bi is not None else "n1i/n2i (fewer than the events)"
        raise DataError(f"Negative non-event counts from {what}; counts must be >= 0.")
    mask = _cc_mask([a, b, c, d], to)
    cc = np.where(mask, add, 0.0)
    a, b, c, d = a + cc, b + cc, c + cc, d + cc
    n1, n2 = a + b, c + d
    if np.any(n1 <= 0) or np.any(n2 <= 0):
        raise DataError("A group has no participants (n1i or n2i is 0).")
    p1, p2 = a / n1, c / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi = np.log(p1) - np.log(p2)
            vi = 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif measure == "OR":
            yi = np.log(a / b) - np.log(c / d)
            vi = 1 / a + 1 / b + 1 / c + 1 / d
        else:
            yi = p1 - p2
            vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    return yi, vi, cc


def _means(data, measure, m1i, m2i, sd1i, sd2i, n1i, n2i):
    m1 = _column(data, m1i, "m1i", measure)
    m2 = _column(data, m2i, "m2i", measure)
    s1 = _column(data, sd1i, "sd1i", measure)
    s2 = _column(data, sd2i, "sd2i", measure)
    n1 = _column(data, n1i, "n1i", measure)
    n2 = _column(data, n2i, "n2i", measure)
    if np.any(s1 < 0) or np.any(s2 < 0):
        raise DataError("Standard deviations (sd1i, sd2i) must be >= 0.")
    if np.any(n1 <= 0) or np.any(n2 <= 0):
        raise DataError("Group sizes (n1i, n2i) must be > 0.")
    if measure == "MD":
        return m1 - m2, s1**2 / n1 + s2**2 / n2, np.zeros_like(m1)
    m = n1 + n2 - 2
    if np.any(m < 2):
        raise DataError("Hedges' g needs n1i + n2i >= 4 in every study.")
    sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / m)
    if np.any(sp == 0):
        raise DataError("The pooled standard deviation is 0 in some study; SMD is undefined.")
    j = np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))
    g = j * (m1 - m2) / sp
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2)), np.zeros_like(g)


def _correlations(data, measure, ri, ni):
    r = _column(data, ri, "ri", measure)
    n = _column(data, ni, "ni", measure)
    if np.any(np.abs(r) >= 1):
        raise DataError(f"Correlations in {ri!r} must lie strictly between -1 and 1.")
    if np.any(n <= 3):
        raise DataError(f"Fisher's z needs sample sizes ni > 3 (column {ni!r}).")
    return np.arctanh(r), 1 / (n - 3), np.zeros_like(r)


def _proportions(data, measure, xi, ni, add, to):
    x = _column(data, xi, "xi", measure)
    n = _column(data, ni, "ni", measure)
    _nonnegative(x, xi, "xi")
    if np.any(x > n):
        raise DataError(f"Event counts {xi!r} exceed the sample sizes {ni!r}.")
    nx = n - x
    cc = np.where(_cc_mask([x, nx], to), add, 0.0)
    x, nx = x + cc, nx + cc
    with np.errstate(divide="ignore"):
        return np.log(x / nx), 1 / x + 1 / nx, cc


def effect_sizes(
    data: pd.DataFrame,
    measure: str,
    *,
    ai: str | None = None,
    bi: str | None = None,
    ci: str | None = None,
    di: str | None = None,
    n1i: str | None = None,
    n2i: str | None = None,
    m1i: str | None = None,
    m2i: str | None = None,
    sd1i: str | None = None,
    sd2i: str | None = None,
    ri: str | None = None,
    ni: str | None = None,
    xi: str | None = None,
    add: float = 0.5,
    to: str = "only0",
) -> pd.DataFrame:
    """Compute effect sizes ``yi`` and sampling variances ``vi`` like metafor's ``escalc``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per study.
    measure : {"RR", "OR", "RD", "MD", "SMD", "ZCOR", "PLO"}
        Log risk ratio, log odds ratio, risk difference, mean difference, Hedges' g,
        Fisher's z of a correlation, logit of a proportion (formulas in the module doc).
    ai, bi, ci, di, n1i, n2i, m1i, m2i, sd1i, sd2i, ri, ni, xi : str
        Column names of the inputs the measure needs (metafor's argument names).
    add : float
        Continuity correction added to the cells of tables with a zero cell.
    to : {"only0", "all", "if0all", "none"}
        Which studies get the correction (metafor's ``to``); default only those with a
        zero cell.

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with columns ``yi``, ``vi``, ``sei`` and ``cc`` (the amount
        added to each cell; 0 where no correction was needed).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"tpos": [4, 0], "tneg": [119, 50], "cpos": [11, 3], "cneg": [128, 47]})
    >>> es = effect_sizes(d, "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg")  # doctest: +SKIP
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError("data must be a pandas DataFrame with one row per study.")
    m = str(measure).upper()
    if m not in MEASURES:
        raise DataError(f"Unknown measure {measure!r}; choose one of {', '.join(MEASURES)}.")
    if to not in ("only0", "all", "if0all", "none"):
        raise DataError(f"to must be 'only0', 'all', 'if0all' or 'none', got {to!r}.")
    if (
        isinstance(add, bool)
        or not isinstance(add, int | float)
        or not (np.isfinite(add) and add >= 0)
    ):
        raise DataError(f"add must be a non-negative number, got {add!r}.")
    if m in _TWO_BY_TWO:
        yi, vi, cc = _two_by_two(data, m, ai, bi, ci, di, n1i, n2i, add, to)
    elif m in ("MD", "SMD"):
        yi, vi, cc = _means(data, m, m1i, m2i, sd1i, sd2i, n1i, n2i)
    elif m == "ZCOR":
        yi, vi, cc = _correlations(data, m, ri, ni)
    else:
        yi, vi, cc = _proportions(data, m, xi, ni, add, to)
    bad = ~np.isfinite(yi) | ~np.isfinite(vi) | (vi <= 0)
    if bad.any():
        rows = list(data.index[bad])
        raise DataError(
            f"{m} is undefined or has zero variance in rows {rows} (zero cells without a "
            "continuity correction, or all/no events in both groups for RD). Use add > 0 "
            "with to='only0', or drop those studies."
        )
    if (cc > 0).any():
        rows = list(data.index[cc > 0])
        warnings.warn(
            f"Continuity correction: {add:g} added to every cell of {len(rows)} "
            f"stud{'y' if len(rows) == 1 else 'ies'} (rows {rows}) with a zero cell; "
            "see column 'cc'.",
            HiermodelsWarning,
            stacklevel=2,
        )
    out = data.copy()
    out["yi"], out["vi"], out["sei"], out["cc"] = yi, vi, np.sqrt(vi), cc
    out.attrs["measure"] = m
    return out
