r"""Centring a random slope's predictor: what the intercept means, and cor(intercept, slope).

With random intercept and slope on :math:`t`, :math:`b_{0j} + b_{1j} t`, the intercept
is the cluster's value at :math:`t = 0`. Shifting the origin to :math:`t = c` (e.g.
``center(Days)``, :math:`c = \bar t`) re-expresses the same model: the new intercept is
:math:`b_{0j} + c\, b_{1j}`, so with :math:`G = \begin{pmatrix}\tau_0^2 & \tau_{01}\\
\tau_{01} & \tau_1^2\end{pmatrix}`

.. math:: \tau_0'^2 = \tau_0^2 + 2c\,\tau_{01} + c^2\tau_1^2, \qquad
          \tau_{01}' = \tau_{01} + c\,\tau_1^2, \qquad \tau_1' = \tau_1,

and :math:`\rho' = \tau_{01}' / (\tau_0' \tau_1)`. The fit (likelihood, predictions,
slope variance) is unchanged — ML and REML are equivariant under this reparameterisation
— but the intercept SD and the correlation describe a different point on the time axis:
spread at the start versus spread in the middle of the study (Snijders & Bosker 2012,
§5.2; Hox 2010, §4.2). A near-zero correlation at :math:`t = 0` can be a strong one at the
centre. The intercept variance is :math:`\mathrm{Var}(b_0 + b_1 c)`, the variance function
evaluated at :math:`c`; it is smallest at :math:`c^* = -\tau_{01}/\tau_1^2`, the origin at
which intercept and slope are uncorrelated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsError
from hiermodels.model import names


def shift_origin(tau0, tau1, cor, c):
    """(tau0', tau1, cor') of the intercept/slope pair after moving the origin to t = c."""
    tau0, tau1, cor = (np.asarray(v, float) for v in (tau0, tau1, cor))
    cov01 = cor * tau0 * tau1
    v0 = tau0**2 + 2 * c * cov01 + c**2 * tau1**2
    new_cov = cov01 + c * tau1**2
    return np.sqrt(v0), tau1, new_cov / np.sqrt(v0 * tau1**2)


def centering_table(fit, group: str, term: str | None = None, at=None, prob=None):
    """Intercept SD and cor(Intercept, slope) at the current origin and at ``at``.

    Parameters
    ----------
    fit : hiermodels.Fit
        With correlated random intercept and slope on ``group``.
    term : str, optional
        The slope (default the first).
    at : float, optional
        The new origin (default the mean of the slope's predictor in the data).

    Returns
    -------
    DataFrame
        Index ``sd(g, Intercept)``, ``cor(g, Intercept, term)``; columns ``origin 0`` and
        ``origin c`` posterior means and the ``lower_0, upper_0, lower_c, upper_c``
        intervals. ``attrs``: ``at`` (c), ``decorrelating_origin`` (posterior mean of
        -tau01/tau1^2).
    """
    from hiermodels.derive.summaries import summarize
    from hiermodels.derive.tables import varcorr_draws

    d = fit.design
    g = d.group(group)
    slopes = [t for t in g.terms if t != "Intercept"]
    if "Intercept" not in g.terms or not slopes:
        raise HiermodelsError(
            f"{g.name!r} needs a random intercept and slope, like (x | {g.name})."
        )
    term = slopes[0] if term is None else term
    if term not in slopes:
        raise HiermodelsError(f"{term!r} is not a random slope of {g.name!r}: {slopes}.")
    vc = varcorr_draws(fit.posterior, d, fit.family)
    key = names.cor_label(g.name, "Intercept", term)
    if key not in vc:
        raise HiermodelsError(
            f"{g.name!r}'s intercept and {term!r} are uncorrelated (||): "
            "centring changes the model then; refit with (x | g)."
        )
    lab_sd = names.sd_label(g.name, "Intercept")
    t0, t1, r = vc[lab_sd], vc[names.sd_label(g.name, term)], vc[key]
    c = float(np.mean(g.Z[:, g.terms.index(term)])) if at is None else float(at)
    s0, _, rc = shift_origin(t0, t1, r, c)
    lab_cor = key
    s_before = summarize({lab_sd: t0, lab_cor: r}, prob, diagnostics=False)
    s_after = summarize({lab_sd: s0, lab_cor: rc}, prob, diagnostics=False)
    tab = pd.DataFrame(
        {
            "origin 0": s_before["mean"],
            "lower_0": s_before["lower"],
            "upper_0": s_before["upper"],
            "origin c": s_after["mean"],
            "lower_c": s_after["lower"],
            "upper_c": s_after["upper"],
        }
    )
    tab.attrs.update(
        at=c, term=term, group=g.name, decorrelating_origin=float(np.mean(-r * t0 / t1))
    )
    return tab
