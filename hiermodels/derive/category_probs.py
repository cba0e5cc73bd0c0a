r"""Category probabilities of an ordinal (cumulative) fit, per posterior draw.

For a row with linear predictor :math:`\eta` (no intercept; see
:mod:`hiermodels.families.cumulative`) and thresholds :math:`c_1 < \dots < c_{K-1}`,

.. math::

    P(y = k) = F(c_k - \eta) - F(c_{k-1} - \eta), \qquad k = 1, \dots, K,

with :math:`c_0 = -\infty`, :math:`c_K = +\infty`. Which group effects enter
:math:`\eta` follows :func:`hiermodels.derive.predict.predict`'s ``groups``:
``"fitted"``, ``"typical"`` (zero), ``"new"`` (a new cluster drawn per level and draw)
or ``"population"``, the population-averaged probabilities :math:`E_b[P(y = k \mid
\eta + b)]` over the normal random part (40-point Gauss-Hermite, per draw and row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hiermodels.derive.predict import _GH_W, _GH_X, _modes, linear_parts
from hiermodels.derive.summaries import summarize
from hiermodels.errors import HiermodelsError
from hiermodels.model import names


@dataclass
class CategoryProbabilities:
    """Posterior draws of :math:`P(y = k)` for each row and category.

    Attributes
    ----------
    draws : ndarray (n_draws, n_rows, K)
    data : DataFrame
        The rows predicted for.
    categories : list of str
        The K response categories, in order.
    groups : dict
        Factor -> mode of the group effects.
    """

    draws: np.ndarray
    data: pd.DataFrame
    categories: list
    groups: dict

    def summary(self, prob: float | None = None) -> pd.DataFrame:
        """One row per (data row, category): mean, sd, lower, upper."""
        D, n, K = self.draws.shape
        flat = self.draws.reshape(D, n * K)
        tab = summarize({i: flat[:, i] for i in range(n * K)}, prob, diagnostics=False)
        tab.index = pd.MultiIndex.from_product(
            [self.data.index, [str(c) for c in self.categories]], names=["row", "category"]
        )
        return tab

    def to_frame(self) -> pd.DataFrame:
        """``data`` with one column of posterior-mean probabilities per category."""
        mean = self.draws.mean(axis=0)
        cols = {f"P({c})": mean[:, k] for k, c in enumerate(self.categories)}
        return pd.concat([self.data, pd.DataFrame(cols, index=self.data.index)], axis=1)

    def __repr__(self) -> str:
        modes = ", ".join(f"{k}: {v}" for k, v in self.groups.items()) or "no groups"
        return f"CategoryProbabilities({modes})\n{self.to_frame().to_string()}"


def threshold_draws(fit, idx) -> np.ndarray:
    """The thresholds at x = 0 for draws ``idx``: (len(idx), K - 1)."""
    thr = fit.posterior[names.THRESHOLD]
    return thr.values.reshape(-1, thr.sizes[names.THRESHOLD_DIM])[idx]


def category_probabilities(fit, newdata=None, groups="fitted", seed=None, max_draws=None):
    """:math:`P(y = k)` per draw, row and category (see the module docstring).

    Parameters
    ----------
    fit : Fit
        A fit of an ordinal (``family="cumulative"``) model.
    newdata : DataFrame, optional
        Rows to predict for (default: the fitted rows).
    groups : {"fitted", "typical", "population", "new"} or dict factor -> mode
    seed : int, optional
        Seeds the new clusters' effects (``groups="new"``).
    max_draws : int, optional
        Evenly spaced posterior draws to use (default all).

    Returns
    -------
    CategoryProbabilities

    Raises
    ------
    HiermodelsError
        If the family is not ordinal.
    """
    fam = fit.family
    if not getattr(fam, "ordinal", False):
        raise HiermodelsError(
            f"Category probabilities are for ordinal models (family='cumulative'); this fit's "
            f"family is {fam.name!r}: use fit.predict(kind='mean') instead."
        )
    modes = _modes(groups, fit.design)
    eta, v, data, idx = linear_parts(fit, newdata, modes, np.random.default_rng(seed), max_draws)
    thr = threshold_draws(fit, idx)
    if np.any(v > 0):
        nodes = eta[..., None] + np.sqrt(v)[..., None] * _GH_X  # (D, n, G)
        P = fam.probabilities(nodes, {"threshold": thr[:, None, None, :]})
        P = np.einsum("dngk,g->dnk", P, _GH_W)
    else:
        P = fam.probabilities(eta, {"threshold": thr})
    categories = list(getattr(fit.design, "response_categories", None) or range(1, P.shape[-1] + 1))
    return CategoryProbabilities(P, data, categories, modes)
