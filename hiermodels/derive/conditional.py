r"""Conditional effects: the prediction along one predictor, brms ``conditional_effects``-style.

For a numeric ``effect`` the prediction is evaluated on ``n_points`` evenly spaced values
over its observed range (a categorical one at each level); a second predictor ``by``
gives one curve per level (numeric: at mean - sd, mean, mean + sd, as brms does) and
``facet`` one panel per level of a categorical column. Every other predictor is held at
its mean (numeric) or reference (first) level (categorical), as in brms.

Two cluster modes are computed (see :mod:`hiermodels.predict`): the **conditional**
curve, :math:`g^{-1}(x'\beta)` for a typical cluster (random effects 0), and — for a
non-identity link, where the two differ by Jensen's inequality — the
**population-averaged** curve :math:`E_b[g^{-1}(x'\beta + z'b)]` integrated over the
random-effect distribution for each posterior draw. For an identity link they coincide
and only the conditional curve is returned.

The result is a tidy DataFrame that :func:`hiermodels.present.plots.conditional_effects`
draws as it is.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from ..errors import HiermodelsError
from .grid import is_categorical, levels_of, predictor_columns, typical_row
from .marginal import TYPES, draws_at, summarise_draws

MODES = {"typical": "conditional", "population": "population-averaged"}


def _reference_row(design) -> dict:
    row = typical_row(design)
    grouping = {c for g in design.groups for c in g.name.split(":")}
    for c in row:
        if c not in grouping and is_categorical(design, c):
            row[c] = levels_of(design, c)[0]
    return row


def _values(design, column: str, n_points: int, role: str) -> list:
    if column not in predictor_columns(design):
        raise HiermodelsError(
            f"conditional_effects: {column!r} ({role}) is not a predictor of this model; "
            f"predictors: {predictor_columns(design)}."
        )
    if is_categorical(design, column):
        return levels_of(design, column)
    x = design.data[column].astype(float)
    if role == "effect":
        return list(np.linspace(x.min(), x.max(), n_points))
    if role == "facet":
        raise HiermodelsError(f"facet={column!r} must be a categorical predictor.")
    m, s = float(x.mean()), float(x.std())
    return [m - s, m, m + s]


def conditional_effects(fit, effect: str, by: str | None = None, facet: str | None = None,
                        groups=None, type: str = "response", n_points: int = 100, prob=None,
                        seed=None) -> pd.DataFrame:  # fmt: skip
    """Prediction curves along ``effect`` with intervals.

    Parameters
    ----------
    effect : str
        A predictor column, or ``"x:f"`` (brms notation) for ``effect="x", by="f"``.
    by : str, optional
        Second predictor: one curve per level (numeric: mean -/+ 1 sd).
    facet : str, optional
        A categorical predictor: one panel per level.
    groups : sequence of {"typical", "population"}, optional
        Default: both for a non-identity link, ``("typical",)`` for the identity link.
    type : {"response", "link"}
        ``"link"`` allows only the conditional curve.
    n_points : int
        Points along a numeric ``effect``.

    Returns
    -------
    DataFrame
        Columns ``effect`` / ``by`` / ``facet`` values (named by the columns), ``curve``
        ("conditional" or "population-averaged"), ``mean, sd, lower, upper``. ``attrs``
        holds ``effect``, ``by``, ``facet``, ``categorical``, ``response``, ``type``, ``link``.
    """
    design = fit.design
    if ":" in effect and by is None:
        effect, by = (s.strip() for s in effect.split(":", 1))
    if type not in TYPES:
        raise HiermodelsError(f"type={type!r}: use 'response' or 'link'.")
    identity = fit.family.link == "identity"
    if groups is None:
        groups = ("typical",) if identity or type == "link" else ("typical", "population")
    groups = (groups,) if isinstance(groups, str) else tuple(groups)
    bad = [g for g in groups if g not in MODES]
    if bad:
        raise HiermodelsError(f"groups={bad}: conditional_effects draws {list(MODES)} curves.")
    if type == "link" and "population" in groups:
        raise HiermodelsError("A population-averaged curve exists only for type='response'.")
    cols = [c for c in (effect, by, facet) if c is not None]
    if len(set(cols)) < len(cols):
        raise HiermodelsError(f"effect, by and facet must be different columns; got {cols}.")
    roles = {effect: "effect", by: "by", facet: "facet"}
    axes = {c: _values(design, c, n_points, roles[c]) for c in cols}
    base = _reference_row(design)
    grid = pd.DataFrame(
        [
            {**base, **dict(zip(cols, combo, strict=True))}
            for combo in itertools.product(*axes.values())
        ]
    )
    frames = []
    for mode in groups:
        d = draws_at(fit, grid, type, mode, seed)
        f = grid[cols].copy()
        f.insert(len(cols), "curve", MODES[mode])
        frames.append(summarise_draws(f, d, prob))
    out = pd.concat(frames, ignore_index=True)
    out.attrs.update(
        effect=effect,
        by=by,
        facet=facet,
        categorical=is_categorical(design, effect),
        response=design.response,
        type=type,
        link=fit.family.link,
    )
    return out
