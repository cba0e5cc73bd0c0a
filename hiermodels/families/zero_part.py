r"""The zero part shared by zero-inflated and hurdle families.

Both read a second linear predictor :math:`\eta^{zi}` (the ``zi=`` formula), passed to the
NumPy methods as ``aux["eta_zi"]`` with the shape of ``eta``, and map it through the logit:
:math:`\pi = \operatorname{logit}^{-1}(\eta^{zi})`. For a zero-inflated family
:math:`\pi` is the probability of a structural zero (mixed with the count's own zeros);
for a hurdle family it is :math:`P(y = 0)` itself (glmmTMB/brms ``hu``), and the positive
counts follow the zero-truncated count distribution.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.errors import HiermodelsError


def eta_zi(aux) -> np.ndarray:
    """``aux["eta_zi"]`` as floats, or a clear error when the zero part is missing."""
    if aux is None or "eta_zi" not in aux:
        raise HiermodelsError(
            "A zero-inflated or hurdle family needs the zero-part linear predictor "
            "aux['eta_zi'] (from the zi= formula) next to eta."
        )
    return np.asarray(aux["eta_zi"], float)


def zero_probability(aux) -> np.ndarray:
    r""":math:`\pi = \operatorname{logit}^{-1}(\eta^{zi})`."""
    return special.expit(eta_zi(aux))


def log_zero_probabilities(aux) -> tuple[np.ndarray, np.ndarray]:
    r"""``(log pi, log(1 - pi))``, exact for large :math:`|\eta^{zi}|` (no overflow)."""
    e = eta_zi(aux)
    return -np.logaddexp(0.0, -e), -np.logaddexp(0.0, e)


def log1mexp(a) -> np.ndarray:
    r""":math:`\log(1 - e^{a})` for :math:`a \le 0` (Maechler 2012: ``log(-expm1(a))``
    near 0, ``log1p(-exp(a))`` below :math:`-\log 2`)."""
    a = np.asarray(a, float)
    with np.errstate(divide="ignore"):
        return np.where(
            a > -np.log(2.0), np.log(-np.expm1(np.minimum(a, 0.0))), np.log1p(-np.exp(a))
        )
