r"""Meta-regression bubble plot data: studies, the fitted line and the prediction band.

A meta-regression :math:`y_i \sim N(\beta_0 + \beta_1 x_i,\ \tau^2 + v_i)` is a two-level
model whose level-1 variances :math:`v_i` are known: study :math:`i`'s true effect
:math:`\theta_i = \beta_0 + \beta_1 x_i + u_i`, :math:`u_i \sim N(0, \tau^2)` (residual
heterogeneity). The bubble plot shows each study at its moderator value with area
proportional to its random-effects weight :math:`w_i = 1/(v_i + \hat\tau^2)`, the
posterior of the line :math:`\beta_0 + \beta_1 x` and the band in which a new study's true
effect :math:`\theta_{new} \sim N(\beta_0 + \beta_1 x, \tau^2)` falls (Thompson & Higgins
2002, Stat. Med. 21, 1559-1573).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsError


def bubble_data(mfit, moderator: str, n_grid: int = 60, prob=None):
    """Studies, line and band of a meta-regression on one numeric moderator.

    Parameters
    ----------
    mfit : MetaFit
        A fit of ``MetaAnalysis(..., moderators="~ <moderator>")`` (one numeric moderator).
    moderator : str

    Returns
    -------
    (studies, line) : tuple of DataFrame
        ``studies``: index the study labels; ``x``, ``yi``, ``sei``, ``weight``
        (1/(v_i + tau^2) at the posterior mean of tau^2, normalised to sum to 1).
        ``line``: index the grid of ``x``; ``fitted_mean, fitted_lower, fitted_upper``
        (posterior of the line) and ``lower, upper`` (prediction band of a new study).
    """
    spec = mfit.spec
    if list(spec.terms) != ["Intercept", moderator]:
        raise HiermodelsError(
            f"bubble_data() needs a meta-regression on the one moderator {moderator!r}; "
            f"this fit's terms are {list(spec.terms)}."
        )
    x = spec.X[:, 1]
    tau2 = float(mfit.summary(prob).loc["tau2", "mean"])
    w = 1.0 / (spec.v + tau2)
    studies = pd.DataFrame(
        {"x": x, "yi": spec.y, "sei": np.sqrt(spec.v), "weight": w / w.sum()},
        index=pd.Index(spec.labels, name=spec.study_dim),
    )
    grid = np.linspace(x.min(), x.max(), n_grid)
    pi = mfit.prediction_interval(prob, newmods=pd.DataFrame({moderator: grid}))
    line = pd.DataFrame(
        {
            "fitted_mean": pi["fitted_mean"].to_numpy(),
            "fitted_lower": pi["fitted_lower"].to_numpy(),
            "fitted_upper": pi["fitted_upper"].to_numpy(),
            "lower": pi["lower"].to_numpy(),
            "upper": pi["upper"].to_numpy(),
        },
        index=pd.Index(grid, name=moderator),
    )
    return studies, line
