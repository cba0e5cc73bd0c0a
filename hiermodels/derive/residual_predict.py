"""Correlated residual noise for ``fit.predict(newdata, kind="response")`` (``residual=``).

New rows of one unit get residuals :math:`e_u \\sim N(0, D_uR_uD_u)` under each posterior
draw's structure parameters — rows are grouped by the unit column, timed by the time
column (or their order within the unit for ``ar1(unit)``), and take the fitted SD of their
``sigma=`` level — so replicated trajectories keep the within-unit correlation.
The draws are unconditional on the fitted units' observed residuals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.derive.residual_cov import residual_matrix
from hiermodels.errors import DataError


def _codes(values, levels, what) -> np.ndarray:
    lookup = {str(v): k for k, v in enumerate(levels)}
    bad = sorted({str(v) for v in values} - set(lookup))
    if bad:
        raise DataError(f"newdata has {what} level(s) {bad[:5]} the model was not fitted with.")
    return np.array([lookup[str(v)] for v in values], dtype=int)


def residual_noise(fit, data: pd.DataFrame, idx, rng) -> np.ndarray:
    """Draws (len(idx)) x rows of residuals with the fitted within-unit correlation."""
    st, post = fit.model.residual, fit.posterior
    n = len(data)
    lev = np.zeros(n, int)
    if st.sigma_by is not None:
        lev = _codes(data[st.sigma_by].to_numpy(), st.sigma_levels, f"sigma {st.sigma_by!r}")
    units = data[st.spec.unit].astype(str).to_numpy() if st.spec.unit else np.arange(n).astype(str)
    out = np.zeros((len(idx), n))
    for u in pd.unique(units):
        rows = np.flatnonzero(units == u)
        if st.kind == "unstructured":
            t = _codes(data[st.spec.time].to_numpy()[rows], st.time_levels, "time").astype(float)
        elif st.spec.time is not None:
            t = data[st.spec.time].to_numpy(float)[rows]
        else:
            t = np.arange(len(rows), dtype=float)
        L = np.linalg.cholesky(residual_matrix(post, st, idx, t, lev[rows]))
        out[:, rows] = np.einsum("sij,sj->si", L, rng.standard_normal((len(idx), len(rows))))
    return out
