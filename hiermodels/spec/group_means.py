r"""Formula functions ``within(x, g)`` and ``between(x, g)``: group-mean centring.

``within(x, g)`` is :math:`x_{ij} - \bar x_j` and ``between(x, g)`` is :math:`\bar x_j`,
the mean of ``x`` over the rows of the fitted data in the row's level ``j`` of ``g``.
Both are stateful formulae transforms: the group means are computed once, on the data
the model is fitted to, and reused for new data (``fit.predict(newdata)``); a level the
model never saw is an error, because its mean is unknown. They belong to the formula
layer: the safety gate whitelists exactly :data:`FORMULA_FUNCTIONS`. The statistics
(within, between and contextual effects) are in :mod:`hiermodels.derive.within_between`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.errors import DataError


class _GroupMeans:
    """Stateful formula transform: remembers the group means of the first data it sees."""

    __stateful_transform__ = True

    def __init__(self):
        self.means: dict | None = None

    def _bar(self, x, g) -> np.ndarray:
        x = np.asarray(x, float)
        keys = pd.Series(np.asarray(g)).astype(str)
        if self.means is None:
            self.means = pd.Series(x).groupby(keys.to_numpy()).mean().to_dict()
        unknown = sorted(set(keys) - set(self.means))
        if unknown:
            raise DataError(
                f"within()/between(): level(s) {unknown[:5]} of the grouping column were not "
                "in the fitted data, so their group mean is unknown. Predict for known "
                "levels, or add the group mean as a column and use it instead."
            )
        return keys.map(self.means).to_numpy(float)


class Within(_GroupMeans):
    """``within(x, g)``: x minus the mean of x in its group (group-mean centring)."""

    def __call__(self, x, g):
        return np.asarray(x, float) - self._bar(x, g)


class Between(_GroupMeans):
    """``between(x, g)``: the mean of x in the row's group."""

    def __call__(self, x, g):
        return self._bar(x, g)


#: The formula functions, for the safety gate's whitelist.
FORMULA_FUNCTIONS = {"within": Within, "between": Between}


def decompose(x, g) -> pd.DataFrame:
    """Columns ``within`` (x - group mean) and ``between`` (group mean) of x by g."""
    return pd.DataFrame({"within": Within()(x, g), "between": Between()(x, g)})
