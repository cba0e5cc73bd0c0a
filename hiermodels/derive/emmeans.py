r"""Estimated marginal means and their contrasts, emmeans-style (Lenth, R package emmeans).

**Reference grid**: every combination of the levels of the model's categorical
predictors, every numeric predictor at its sample mean (emmeans' default), random
effects at zero (a typical cluster, as emmeans does for ``glmer`` fits). For each
posterior draw :math:`s` the linear predictor :math:`\eta_s(r)` is computed at every
grid row :math:`r`; the **estimated marginal mean** of level :math:`l` of ``factor`` is
the equally weighted average over the other factors' level combinations

.. math:: \mathrm{EMM}_s(l) = \frac{1}{|R_l|} \sum_{r \in R_l} \eta_s(r)

(``scale="link"``, emmeans' default), or its back-transform :math:`g^{-1}(\mathrm{EMM}_s)`
(``scale="response"``, emmeans' ``type = "response"``). Contrasts are differences of
EMMs, per draw:

* ``"pairwise"``: every pair :math:`l_i - l_j`, :math:`i < j` (emmeans ``pairwise``);
* ``"trt_vs_ctrl"``: every level minus the first (emmeans ``trt.vs.ctrl``);
* ``"sequential"``: each level minus the previous one (emmeans ``consec``).

On the link scale of a logit model a contrast is a log odds ratio; with a single factor
and no interaction, ``"2 - 1"`` equals the coefficient ``factor[2]`` draw by draw.
Summaries are posterior means, sds, equal-tailed intervals and
:math:`P(\text{contrast} > 0)`. Unlike emmeans' frequentist output there are no
multiplicity adjustments: each interval is a marginal posterior interval.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..errors import HiermodelsError
from .grid import is_categorical, levels_of, predictor_columns, typical_row
from .marginal import summarise_draws
from .predict import predict

METHODS = ("pairwise", "trt_vs_ctrl", "sequential")
SCALES = ("link", "response")


def reference_grid(design, at: dict | None = None) -> pd.DataFrame:
    """All level combinations of the fixed-effect factors, numbers at their means.

    Parameters
    ----------
    at : dict, optional
        Values for numeric predictors instead of their means (``{"Days": 5}``).
    """
    grouping = {c for g in design.groups for c in g.name.split(":")}
    row = typical_row(design)
    for k, v in (at or {}).items():
        if k not in row:
            raise HiermodelsError(f"at={{{k!r}: ...}}: {k!r} is not a predictor of this model.")
        row[k] = v
    factors = [
        c for c in predictor_columns(design) if c not in grouping and is_categorical(design, c)
    ]
    combos = itertools.product(*(levels_of(design, c) for c in factors)) if factors else [()]
    return pd.DataFrame([{**row, **dict(zip(factors, c, strict=True))} for c in combos])


def emmean_draws(fit, factor: str, scale: str = "link", at=None):
    """(levels, draws (D, L)) of the estimated marginal means of ``factor``."""
    design = fit.design
    if scale not in SCALES:
        raise HiermodelsError(f"scale={scale!r}: use 'link' or 'response'.")
    if factor not in predictor_columns(design) or not is_categorical(design, factor):
        cats = [c for c in predictor_columns(design) if is_categorical(design, c)]
        raise HiermodelsError(
            f"{factor!r} is not a categorical predictor of this model; categorical "
            f"predictors: {cats}. Wrap a numeric code in C(...) in the formula."
        )
    grid = reference_grid(design, at)
    eta = predict(fit, grid, "link", "typical").draws
    levels = levels_of(design, factor)
    lab = grid[factor].astype(str).to_numpy()
    emm = np.column_stack([eta[:, lab == str(lev)].mean(axis=1) for lev in levels])
    if scale == "response":
        emm = fit.family.inverse_link(emm)
    return levels, emm


def emmeans(fit, factor: str, scale: str = "link", at=None, prob=None) -> pd.DataFrame:
    """Estimated marginal means of each level of ``factor``.

    Returns
    -------
    DataFrame
        ``factor`` column (the levels) and ``mean, sd, lower, upper``.
    """
    levels, emm = emmean_draws(fit, factor, scale, at)
    return summarise_draws(pd.DataFrame({factor: levels}), emm, prob)


def contrast_matrix(levels: list, method: str) -> tuple[list[str], np.ndarray]:
    """Labels and the (contrasts x levels) coefficient matrix of ``method``."""
    L = len(levels)
    if method == "pairwise":
        pairs = [(i, j) for i in range(L) for j in range(i + 1, L)]
    elif method == "trt_vs_ctrl":
        pairs = [(i, 0) for i in range(1, L)]
    elif method == "sequential":
        pairs = [(i, i - 1) for i in range(1, L)]
    else:
        raise HiermodelsError(f"method={method!r}: use one of {METHODS}.")
    C = np.zeros((len(pairs), L))
    for k, (i, j) in enumerate(pairs):
        C[k, i], C[k, j] = 1.0, -1.0
    return [f"{levels[i]} - {levels[j]}" for i, j in pairs], C


def contrast_draws(fit, factor: str, method: str = "pairwise", scale: str = "link", at=None):
    """(labels, draws (D, K)) of the contrasts of ``factor``'s marginal means."""
    levels, emm = emmean_draws(fit, factor, scale, at)
    labels, C = contrast_matrix(levels, method)
    return labels, emm @ C.T


def contrasts(fit, factor: str, method: str = "pairwise", scale: str = "link", at=None,
              prob=None) -> pd.DataFrame:  # fmt: skip
    """Contrasts of estimated marginal means with intervals and P(contrast > 0).

    Parameters
    ----------
    factor : str
        A categorical predictor.
    method : {"pairwise", "trt_vs_ctrl", "sequential"}
    scale : {"link", "response"}
        Differences of link-scale EMMs (log odds / log rate ratios) or of back-transformed
        EMMs (probabilities, rates).
    at : dict, optional
        Values of numeric predictors (default: their means).

    Returns
    -------
    DataFrame
        ``contrast`` (e.g. ``"2 - 1"``) and ``mean, sd, lower, upper, p_gt_0``.
    """
    labels, d = contrast_draws(fit, factor, method, scale, at)
    return summarise_draws(pd.DataFrame({"contrast": labels}), d, prob, p_gt_0=True)
