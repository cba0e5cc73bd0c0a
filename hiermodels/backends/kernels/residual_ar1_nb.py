r"""AR(1) / CAR(1) residuals without random effects in O(n) per unit (Markov factorisation).

Observed at sorted times :math:`t_1 < \dots < t_n` (gaps allowed), the standardised
residuals :math:`w_i = r_i / D_i` of an AR(1) or CAR(1) process form a Markov chain with
:math:`c_k = \phi^{t_k - t_{k-1}}`: :math:`w_1 \sim N(0, 1)` and
:math:`w_k \mid w_{k-1} \sim N(c_k w_{k-1},\, 1 - c_k^2)` — the tridiagonal precision of
:math:`R_u`. Hence, with :math:`e_k = w_k - c_k w_{k-1}` and :math:`s_k = 1 - c_k^2`,

.. math::

    \log N(r_u \mid 0, D R D) = -\tfrac n2\log 2\pi - \sum_i \log D_i - \tfrac12 w_1^2
        - \tfrac12\sum_{k\ge2}\left(\log s_k + e_k^2 / s_k\right),

whose derivatives are :math:`\partial/\partial w_k = -e_k/s_k + c_{k+1}e_{k+1}/s_{k+1}`,
:math:`\partial/\partial c_k = c_k/s_k + e_kw_{k-1}/s_k - c_ke_k^2/s_k^2`,
:math:`\partial c_k/\partial\phi = d_k\phi^{d_k-1}`; :math:`\partial/\partial\log D_i =
-1 - w_i\,\partial/\partial w_i` and :math:`\partial/\partial\gamma = -\sum_i
(\partial/\partial w_i) X_i / D_i`. Rows of each unit must be sorted by time.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

LOG_2PI = math.log(2.0 * math.pi)


@nb.njit(cache=True, error_model="numpy", nogil=True)
def markov_unit(s, e, order, y, X, gamma, sd, slev, tval, phi, grad, gsd):
    """log N of one unit; adds d/dgamma into ``grad[:p]`` and d/dlog sd into ``gsd``.

    Returns (log density, d log density / d phi).
    """
    n = e - s
    p = gamma.shape[0]
    w = np.empty(n)
    c = np.zeros(n)
    dc = np.zeros(n)
    lp = -0.5 * n * LOG_2PI
    for a in range(n):
        i = order[s + a]
        D = sd[slev[i]]
        w[a] = (y[i] - X[i] @ gamma) / D
        lp -= math.log(D)
        if a > 0:
            d = tval[i] - tval[order[s + a - 1]]
            c[a] = phi**d
            dc[a] = d * phi ** (d - 1.0)
    gw = np.zeros(n)
    gphi = 0.0
    lp -= 0.5 * w[0] * w[0]
    gw[0] = -w[0]
    for a in range(1, n):
        sk = 1.0 - c[a] * c[a]
        ek = w[a] - c[a] * w[a - 1]
        lp -= 0.5 * (math.log(sk) + ek * ek / sk)
        gw[a] -= ek / sk
        gw[a - 1] += c[a] * ek / sk
        gphi += (c[a] / sk + ek * w[a - 1] / sk - c[a] * ek * ek / (sk * sk)) * dc[a]
    for a in range(n):
        i = order[s + a]
        D = sd[slev[i]]
        gsd[slev[i]] += -1.0 - w[a] * gw[a]
        for k in range(p):
            grad[k] -= gw[a] * X[i, k] / D
    return lp, gphi
