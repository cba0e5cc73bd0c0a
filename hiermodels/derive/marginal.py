r"""Predictions, comparisons and slopes on a data grid (marginaleffects / bambi ``interpret``).

Every quantity is computed for each posterior draw :math:`s` and then summarised, so the
intervals carry all posterior uncertainty. On a grid row :math:`x` (see
:mod:`hiermodels.derive.grid`), with cluster mode ``groups`` as in
:func:`hiermodels.predict.predict`:

* **prediction**: :math:`\mu_s(x) = E[y \mid x, \theta_s]` (``type="response"``: the
  expected response — a probability, a rate, a mean) or :math:`\eta_s(x)` (``"link"``).
  With ``groups="population"`` the mean is integrated over the random effects,
  :math:`\bar\mu_s(x) = E_b[g^{-1}(\eta_s(x) + z'b)]` (population-averaged);
* **comparison** of variable :math:`v`: :math:`\mu_s(x^{(1)}) - \mu_s(x^{(0)})` (or the
  ratio) where :math:`x^{(0)}, x^{(1)}` are the row with :math:`v` set to two values — a
  numeric :math:`v` raised from its grid value by ``delta``; a categorical :math:`v` at a
  level versus the reference (first) level, or the pair ``values=(lo, hi)``;
* **slope** (marginal effect) of a numeric :math:`v`:
  :math:`\partial\mu_s/\partial v \approx [\mu_s(v + h/2) - \mu_s(v - h/2)]/h` with
  :math:`h = 10^{-4}\,\mathrm{sd}(v)` (central difference).

``by`` averages per draw over grid rows with equal weights: ``by=True`` over all rows
(with ``grid="observed"`` this is marginaleffects' *average* prediction / comparison /
slope), ``by="period"`` within each level of a grid column. Comparisons averaged with
``comparison="ratio"`` are ratios of the averaged predictions.

Each function returns a tidy DataFrame: the grid (or ``by``) columns, then ``mean, sd,
lower, upper`` at the package's interval probability (and ``p_gt_0`` = the share of draws
above 0 for comparisons and slopes). The ``*_draws`` functions return the draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import HiermodelsError
from .grid import datagrid, is_categorical, levels_of, predictor_columns, with_value
from .predict import predict
from .summaries import summarize

TYPES = {"response": "mean", "link": "link"}
#: seed of the new-cluster effects when none is given: lo and hi rows share them.
_DEFAULT_SEED = 20240531


def _kind(type_: str) -> str:
    if type_ not in TYPES:
        raise HiermodelsError(f"type={type_!r}: use 'response' (the expected response) or 'link'.")
    return TYPES[type_]


def draws_at(fit, grid: pd.DataFrame, type="response", groups="typical", seed=None, max_draws=None):
    """Posterior draws (D, rows) of the prediction at every grid row."""
    seed = _DEFAULT_SEED if seed is None else seed
    return predict(fit, grid, _kind(type), groups, seed, max_draws).draws


def _by_groups(grid: pd.DataFrame, by) -> tuple[pd.DataFrame, list[np.ndarray]]:
    """Rows of the output table and, for each, the grid rows it averages."""
    if by is None or by is False:
        return grid.reset_index(drop=True), [np.array([i]) for i in range(len(grid))]
    if by is True:
        return pd.DataFrame(index=[0]), [np.arange(len(grid))]
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in grid.columns]
    if missing:
        raise HiermodelsError(f"by={missing} are not grid columns; grid columns: {list(grid)}.")
    keys = grid[cols].astype(str).agg("\x1f".join, axis=1)
    order = list(dict.fromkeys(keys))
    rows = [np.flatnonzero(keys.to_numpy() == k) for k in order]
    out = pd.DataFrame([grid.iloc[r[0]][cols].to_dict() for r in rows])
    return out, rows


def _shown(frame: pd.DataFrame, design, groups) -> pd.DataFrame:
    """Drop grouping-factor columns that do not affect typical / population predictions."""
    if groups not in ("typical", "population"):
        return frame
    cols = {c for g in design.groups for c in g.name.split(":")}
    return frame.drop(columns=[c for c in frame.columns if c in cols])


def _average(draws: np.ndarray, rows: list[np.ndarray]) -> np.ndarray:
    return np.column_stack([draws[:, r].mean(axis=1) for r in rows])


def summarise_draws(frame: pd.DataFrame, draws: np.ndarray, prob=None, p_gt_0=False):
    """``frame`` with ``mean, sd, lower, upper`` (+ ``p_gt_0``) of each draws column."""
    tab = summarize({i: draws[:, i] for i in range(draws.shape[1])}, prob, diagnostics=False)
    tab.index = frame.index
    if p_gt_0:
        tab["p_gt_0"] = (draws > 0).mean(axis=0)
    return pd.concat([frame, tab], axis=1)


def prediction_draws(fit, grid="typical", type="response", groups="typical", by=None, seed=None):
    """(table rows, draws (D, rows)) of :func:`predictions`."""
    g = datagrid(fit.design, grid)
    frame, rows = _by_groups(g, by)
    return _shown(frame, fit.design, groups), _average(draws_at(fit, g, type, groups, seed), rows)


def predictions(
    fit, grid="typical", type="response", groups="typical", by=None, prob=None, seed=None
):
    """Posterior predictions on a data grid, optionally averaged.

    Parameters
    ----------
    grid : {"typical", "observed"}, dict or DataFrame
        See :func:`hiermodels.derive.grid.datagrid`.
    type : {"response", "link"}
    groups : {"typical", "population", "fitted", "new"} or dict
        Cluster mode (see :mod:`hiermodels.predict`).
    by : None, True, str or list of str
        Average over grid rows (all, or within levels of these columns).
    prob : float, optional

    Returns
    -------
    DataFrame
        Grid (or ``by``) columns and ``mean, sd, lower, upper``.
    """
    frame, d = prediction_draws(fit, grid, type, groups, by, seed)
    return summarise_draws(frame, d, prob)


def _pairs(design, variable: str, values, delta: float):
    """[(label, lo value, hi value, lo is 'grid value')] for the comparison of ``variable``."""
    if is_categorical(design, variable):
        levels = levels_of(design, variable)
        if values is not None:
            if len(values) != 2:
                raise HiermodelsError(f"values= must be a pair (lo, hi) for {variable!r}.")
            known = {str(v): v for v in levels}
            bad = [v for v in values if str(v) not in known]
            if bad:
                raise HiermodelsError(
                    f"values {bad} are not levels of {variable!r}; levels: {list(known)}."
                )
            lo, hi = (known[str(v)] for v in values)
            return [(f"{hi} - {lo}", lo, hi)]
        return [(f"{lev} - {levels[0]}", levels[0], lev) for lev in levels[1:]]
    if values is not None:
        if len(values) != 2:
            raise HiermodelsError(f"values= must be a pair (lo, hi) for {variable!r}.")
        lo, hi = (float(v) for v in values)
        return [(f"{hi:g} - {lo:g}", lo, hi)]
    return [(f"+{delta:g}", None, float(delta))]


def comparison_draws(
    fit,
    variable: str,
    grid="typical",
    type="response",
    groups="typical",
    by=None,
    values=None,
    delta: float = 1.0,
    comparison: str = "difference",
    seed=None,
):
    """(table rows, draws (D, rows)) of :func:`comparisons`."""
    if comparison not in ("difference", "ratio"):
        raise HiermodelsError(f"comparison={comparison!r}: use 'difference' or 'ratio'.")
    design = fit.design
    if variable not in predictor_columns(design):
        raise HiermodelsError(
            f"{variable!r} is not a predictor of this model; predictors: "
            f"{predictor_columns(design)}."
        )
    g = datagrid(design, grid)
    frame, rows = _by_groups(g, by)
    frame = _shown(frame.drop(columns=[variable], errors="ignore"), design, groups)
    frames, out = [], []
    for label, lo, hi in _pairs(design, variable, values, delta):
        if lo is None:  # numeric: from the grid value to the grid value + delta
            g0, g1 = g, with_value(g, variable, g[variable].to_numpy(float) + hi)
        else:
            g0, g1 = with_value(g, variable, lo), with_value(g, variable, hi)
        m0 = _average(draws_at(fit, g0, type, groups, seed), rows)
        m1 = _average(draws_at(fit, g1, type, groups, seed), rows)
        out.append(m1 - m0 if comparison == "difference" else m1 / m0)
        f = frame.copy()
        f.insert(0, "contrast", label)
        f.insert(0, "term", variable)
        frames.append(f)
    return pd.concat(frames, ignore_index=True), np.column_stack(out)


def comparisons(fit, variable: str, grid="typical", type="response", groups="typical", by=None,
                values=None, delta: float = 1.0, comparison: str = "difference", prob=None,
                seed=None):  # fmt: skip
    """Posterior of the change in the prediction when ``variable`` changes.

    Parameters
    ----------
    variable : str
        A predictor column.
    values : pair, optional
        (lo, hi): compare these two values/levels (default: every level against the
        first for a factor; grid value + ``delta`` against the grid value for a number).
    delta : float
        Step of a numeric variable (default 1 unit).
    comparison : {"difference", "ratio"}
    grid, type, groups, by, prob
        As in :func:`predictions`.

    Returns
    -------
    DataFrame
        ``term``, ``contrast``, grid/``by`` columns, ``mean, sd, lower, upper, p_gt_0``.
    """
    frame, d = comparison_draws(
        fit, variable, grid, type, groups, by, values, delta, comparison, seed
    )
    return summarise_draws(frame, d, prob, p_gt_0=True)


def slope_draws(fit, variable: str, grid="typical", type="response", groups="typical", by=None,
                eps=None, seed=None):  # fmt: skip
    """(table rows, draws (D, rows)) of :func:`slopes`."""
    design = fit.design
    if variable not in predictor_columns(design) or is_categorical(design, variable):
        raise HiermodelsError(
            f"slopes() needs a numeric predictor; {variable!r} is not one (for a factor use "
            "comparisons())."
        )
    h = float(eps) if eps is not None else 1e-4 * float(design.data[variable].std() or 1.0)
    g = datagrid(design, grid)
    frame, rows = _by_groups(g, by)
    x = g[variable].to_numpy(float)
    m0 = _average(draws_at(fit, with_value(g, variable, x - h / 2), type, groups, seed), rows)
    m1 = _average(draws_at(fit, with_value(g, variable, x + h / 2), type, groups, seed), rows)
    frame = _shown(frame, design, groups)
    frame.insert(0, "term", variable)
    return frame, (m1 - m0) / h


def slopes(fit, variable: str, grid="typical", type="response", groups="typical", by=None,
           eps=None, prob=None, seed=None):  # fmt: skip
    """Posterior of the derivative of the prediction with respect to ``variable``.

    Parameters
    ----------
    variable : str
        A numeric predictor column.
    eps : float, optional
        Finite-difference step (default ``1e-4 * sd(variable)``).
    grid, type, groups, by, prob
        As in :func:`predictions`.

    Returns
    -------
    DataFrame
        ``term``, grid/``by`` columns, ``mean, sd, lower, upper, p_gt_0``.
    """
    frame, d = slope_draws(fit, variable, grid, type, groups, by, eps, seed)
    return summarise_draws(frame, d, prob, p_gt_0=True)
