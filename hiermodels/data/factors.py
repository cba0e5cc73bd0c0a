"""Factors in a design: category order, reference levels, level labels of ``a:b``.

formulae sorts the levels of unordered categoricals; :func:`formulae_frame` makes them
ordered so the user's (or a bundled dataset's) category order, and so its first level as
the reference, is kept. No PyMC here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _restore_categories(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    new = new.copy()
    for col in new.columns:
        if col in old.columns and isinstance(old[col].dtype, pd.CategoricalDtype):
            cats = old[col].cat.categories
            # text levels ("308") asked with numbers (308): compare as text
            text = not pd.api.types.is_numeric_dtype(cats.dtype)
            vals = new[col].astype(str) if text else new[col]
            new[col] = pd.Categorical(vals, categories=cats)
    return new


def formulae_frame(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with every categorical made ordered, its unused levels dropped.

    formulae keeps the category order only of *ordered* categoricals and sorts the levels
    of the others, so a user's ``pd.Categorical(x, categories=[ref, ...])`` would lose its
    reference level. Ordering keeps it: the first category is the reference of the
    treatment (dummy) coding, as in R's ``factor(levels=)``. Levels absent from the data
    are dropped, so they do not become all-zero columns.
    """
    cats = [c for c in data.columns if isinstance(data[c].dtype, pd.CategoricalDtype)]
    if not cats:
        return data
    out = data.copy()
    for c in cats:
        out[c] = out[c].cat.remove_unused_categories().cat.as_ordered()
    return out


def factor_labels(data: pd.DataFrame, factor: str) -> np.ndarray:
    parts = [data[c].astype(str).to_numpy() for c in factor.split(":")]
    out = parts[0]
    for p in parts[1:]:
        out = np.char.add(np.char.add(out.astype(str), ":"), p.astype(str))
    return np.asarray(out, dtype=object)


def _level_order(data: pd.DataFrame, factor: str) -> list[str]:
    """Category order for single factors, sorted observed combinations for a:b."""
    cols = factor.split(":")
    if len(cols) == 1 and isinstance(data[cols[0]].dtype, pd.CategoricalDtype):
        present = set(data[cols[0]].astype(str))
        return [str(c) for c in data[cols[0]].cat.categories if str(c) in present]
    labels = pd.unique(factor_labels(data, factor))
    keys = []
    for lab in labels:
        parts = lab.split(":")
        keys.append(tuple((0, float(p), "") if _is_number(p) else (1, 0.0, p) for p in parts))
    return [lab for _, lab in sorted(zip(keys, labels, strict=True))]


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True
