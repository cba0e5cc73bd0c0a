r"""Cumulative ordinal family (proportional odds): logit (default) or probit link.

For an ordered response with :math:`K \ge 3` categories :math:`1 < 2 < \dots < K`,

.. math::

    P(y_i \le k) = F(c_k - \eta_i), \qquad k = 1, \dots, K - 1,
    \qquad c_1 < c_2 < \dots < c_{K-1},

so :math:`P(y_i = k) = F(c_k - \eta_i) - F(c_{k-1} - \eta_i)` with :math:`c_0 = -\infty`,
:math:`c_K = +\infty`; :math:`F` is the logistic CDF (``logit``) or the standard normal CDF
(``probit``). The linear predictor :math:`\eta_i` has **no intercept**: the thresholds
:math:`c_k` replace it (the parameterisation of ``ordinal::clm``/``clmm`` and of brms'
``cumulative()``, so a positive coefficient moves the response to higher categories).
Equivalently, :math:`y_i` is the category of a latent :math:`y^*_i = \eta_i +
\varepsilon_i`, :math:`\varepsilon_i \sim F`, cut at the thresholds; the latent residual
variance is :math:`\pi^2/3` (logit) or 1 (probit), the distribution-specific variance of
Nakagawa, Johnson & Schielzeth (2017) for ICC and :math:`R^2`.

The response
------------
A pandas ordered (or unordered) ``Categorical`` keeps its category order; integers or
strings are ordered by sorting (numbers numerically, strings alphabetically, so ``"10"``
sorts before ``"2"``: use a ``Categorical`` for another order). Categories that no row
takes are dropped (their thresholds would be identified by the prior alone); at least
three categories must be present (two: use ``family="bernoulli"``).

The response is stored as category **codes** :math:`0, \dots, K-1` (the category's
position: code 0 is the first category), and every response-scale quantity is on that
scale: :meth:`Cumulative.logpdf` and :meth:`Cumulative.cdf` take codes,
:meth:`Cumulative.draw` (posterior-predictive draws, ``predict(kind="response")``, PPC)
returns codes, and :meth:`Cumulative.mean` (``predict(kind="mean")``) is the expected code
:math:`E[y] = \sum_{k=0}^{K-1} k\,P(y = k)`, so that residuals :math:`y - E[y]` and the
posterior-predictive checks compare like with like. For the expected score of categories
scored :math:`1, \dots, K` add 1; for the probability of each category use
:meth:`Cumulative.probabilities` (``Fit.category_probabilities``).

Thresholds
----------
The thresholds are an ordered vector, sampled as :math:`c_1` and
:math:`\log(c_k - c_{k-1})` (the ordered transform, Jacobian included), each with a
Student-t(3, 0, 2.5) prior (brms' default for ``Intercept[k]``). In the NumPy methods they
arrive as ``aux["threshold"]``, last axis :math:`K - 1` (see :func:`thresholds_like`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from hiermodels.errors import DataError, HiermodelsError
from hiermodels.families.base import Family
from hiermodels.spec.prior import Prior


def thresholds_like(eta, thresholds) -> np.ndarray:
    """Thresholds aligned with ``eta``: shape ``eta.shape + (K - 1,)`` after broadcasting.

    ``thresholds`` of shape ``(K-1,)`` are shared by every element of ``eta``; shape
    ``eta.shape[:-1] + (K-1,)`` (e.g. ``(draws, K-1)`` with ``eta`` of shape
    ``(draws, rows)``) gives one vector per leading index; shape ``eta.shape + (K-1,)``
    (or anything that broadcasts to it, such as ``(draws, 1, K-1)``) is used as is.
    """
    eta = np.asarray(eta, dtype=float)
    c = np.asarray(thresholds, dtype=float)
    if c.ndim == 0:
        raise HiermodelsError("aux['threshold'] must have a last axis of K - 1 thresholds.")
    if c.ndim == 1 or c.ndim == eta.ndim + 1:
        return c
    if c.ndim == eta.ndim:
        return c[..., None, :]
    raise HiermodelsError(
        f"aux['threshold'] has shape {c.shape}, which does not line up with eta {eta.shape}."
    )


def _padded(eta, thresholds):
    """``(eta, c)`` with ``c`` of shape ``eta.shape + (K+1,)``: ``-inf, c_1..c_{K-1}, +inf``."""
    eta = np.asarray(eta, dtype=float)
    c = thresholds_like(eta, thresholds)
    shape = np.broadcast_shapes((*eta.shape, 1), (*c.shape[:-1], 1))[:-1]
    c = np.broadcast_to(c, shape + c.shape[-1:])
    inf = np.full((*shape, 1), np.inf)
    return np.broadcast_to(eta, shape), np.concatenate([-inf, c, inf], axis=-1)


def _codes(y, K):
    y = np.asarray(y, dtype=float)
    if np.any((y < 0) | (y > K - 1) | (y != np.round(y))):
        raise HiermodelsError(f"Cumulative responses are category codes 0..{K - 1}.")
    return y.astype(np.int64)


class Cumulative(Family):
    """Ordered categories with ordered thresholds (see the module docstring)."""

    links = ("logit", "probit")
    aux = ()  # the thresholds are not a positive aux: they arrive as aux["threshold"]
    ordinal = True
    discrete = True
    mean_symbol = "eta_i"

    # ------------------------------------------------------------------ text
    @property
    def likelihood_text(self) -> str:  # type: ignore[override]
        return f"cumulative({self.link}): P(y_i <= k) = F(c_k - eta_i), c_1 < ... < c_(K-1)"

    def link_text(self) -> str:
        return "eta_i"

    # ------------------------------------------------------------------ the response
    def prepare_response(self, values, response: str):
        """Category codes ``0..K-1`` (as floats) and the category labels, in order.

        Parameters
        ----------
        values : pandas Series, Categorical or array-like
            The response column. A ``Categorical`` keeps its category order; other
            values are sorted (numbers numerically, strings alphabetically).
        response : str
            The response's name, for error messages.

        Raises
        ------
        DataError
            Missing values, or fewer than three categories present (two: use
            ``family="bernoulli"``).
        """
        s = values if isinstance(values, pd.Series) else pd.Series(values)
        if s.isna().any():
            raise DataError(
                f"The ordinal response {response!r} has {int(s.isna().sum())} missing values; "
                "remove those rows (or pass dropna=True)."
            )
        if isinstance(s.dtype, pd.CategoricalDtype):
            present = set(s.unique())
            labels = [c for c in s.cat.categories if c in present]
        else:
            uniq = pd.unique(s.to_numpy())
            if s.dtype == bool:
                labels = sorted(uniq)
            elif pd.api.types.is_numeric_dtype(s):
                vals = s.to_numpy(dtype=float)
                if not np.all(np.isfinite(vals)):
                    raise DataError(f"The ordinal response {response!r} has non-finite values.")
                labels = sorted(uniq)
            else:
                try:
                    labels = sorted(uniq)
                except TypeError as err:
                    raise DataError(
                        f"The ordinal response {response!r} mixes types that cannot be sorted "
                        f"({sorted({type(v).__name__ for v in uniq})}); make it a pandas "
                        "ordered Categorical."
                    ) from err
        K = len(labels)
        if K < 3:
            hint = (
                " With two categories use family='bernoulli'."
                if K == 2
                else " A model needs at least two different responses."
            )
            raise DataError(
                f"A cumulative (ordinal) response needs at least 3 categories; {response!r} has "
                f"{K} ({[str(v) for v in labels]}).{hint}"
            )
        index = {v: k for k, v in enumerate(labels)}
        codes = np.array([index[v] for v in s], dtype=float)
        return codes, tuple(labels)

    def check_support(self, y, trials, response):
        y = np.asarray(y, dtype=float)
        bad = (y < 0) | (y != np.round(y))
        if np.any(bad):
            vals = sorted({float(v) for v in y[bad]})[:5]
            raise DataError(
                f"The cumulative response {response!r} must be category codes 0, 1, ..., K-1 "
                f"(from an ordered categorical); found {vals}."
            )
        if len(np.unique(y)) < 3:
            raise DataError(
                f"A cumulative (ordinal) response needs at least 3 categories; {response!r} has "
                f"{len(np.unique(y))}. With two categories use family='bernoulli'."
            )

    # ------------------------------------------------------------------ the CDF F
    def _F(self, x):
        return special.expit(x) if self.link == "logit" else special.ndtr(x)

    def _logF(self, x):
        return -np.logaddexp(0.0, -x) if self.link == "logit" else special.log_ndtr(x)

    def cumulative_probabilities(self, eta, aux):
        """:math:`P(y \\le k) = F(c_k - \\eta)`, ``k = 1..K-1``: shape ``eta.shape + (K-1,)``."""
        eta, c = _padded(eta, aux["threshold"])
        return self._F(c[..., 1:-1] - eta[..., None])

    def probabilities(self, eta, aux):
        r"""Category probabilities :math:`P(y = k)`, ``k = 1..K``: shape ``eta.shape + (K,)``.

        Computed as differences of :math:`F`, with the upper tail taken from the
        complementary side so that probabilities near 1 lose no precision.
        """
        eta, c = _padded(eta, aux["threshold"])
        lo, hi = c[..., :-1] - eta[..., None], c[..., 1:] - eta[..., None]
        # F(hi) - F(lo) = F(-lo) - F(-hi): use the side where both are small
        upper = lo > 0
        p = np.where(upper, self._F(-lo) - self._F(-hi), self._F(hi) - self._F(lo))
        return np.maximum(p, 0.0)

    # ------------------------------------------------------------------ moments
    def mean(self, eta, trials=None, aux=None):
        r"""Expected category code :math:`E[y] = \sum_{k=0}^{K-1} k\,P(y = k) = (K - 1) -
        \sum_{k=1}^{K-1} F(c_k - \eta)` (codes ``0..K-1``, the scale of the stored response
        and of :meth:`draw`; add 1 for scores ``1..K``). Needs ``aux["threshold"]``."""
        if aux is None or "threshold" not in aux:
            raise HiermodelsError(
                "The mean of a cumulative model needs the thresholds: pass "
                "aux={'threshold': ...} (shape (..., K-1))."
            )
        P = self.cumulative_probabilities(eta, aux)
        return P.shape[-1] - P.sum(axis=-1)

    def inverse_link(self, eta):
        """:math:`F(\\eta)` = P(latent :math:`y^* > 0`); use :meth:`mean` or
        :meth:`probabilities` for the response scale (they need the thresholds)."""
        return super().inverse_link(eta)

    def variance(self, eta, aux, trials=None):
        """Var of the category code (the same for any equally spaced scores)."""
        p = self.probabilities(eta, aux)
        k = np.arange(1, p.shape[-1] + 1, dtype=float)
        m = (p * k).sum(axis=-1)
        return np.maximum((p * k**2).sum(axis=-1) - m**2, 0.0)

    def latent_variance(self, eta_mean, var_random, aux):
        """pi^2/3 (logit) or 1 (probit): the latent logistic / normal residual variance."""
        return self._link_latent_variance(var_random)

    def latent_variance_text(self):
        return "pi^2/3" if self.link == "logit" else "1"

    # ------------------------------------------------------------------ densities
    def _log_diff(self, lo, hi):
        """log(F(hi) - F(lo)) for lo < hi, stable in both tails (NumPy)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.link == "logit":
                # F(b) - F(a) = (e^b - e^a) / ((1 + e^a)(1 + e^b))
                d = hi - lo
                lead = np.where(np.isfinite(hi) & np.isfinite(lo), hi, 0.0)
                l1m = np.where(d < np.log(2.0), np.log(-np.expm1(-d)), np.log1p(-np.exp(-d)))
                both = lead + l1m - np.logaddexp(0.0, lo) - np.logaddexp(0.0, hi)
                out = np.where(np.isneginf(lo), -np.logaddexp(0.0, -hi), both)
                return np.where(np.isposinf(hi), -np.logaddexp(0.0, lo), out)
            # probit: take the tail where both CDFs are small, then log1m(exp(.))
            upper = lo > 0
            a = np.where(upper, -hi, lo)  # F(hi) - F(lo) = F(-lo) - F(-hi) when lo > 0
            b = np.where(upper, -lo, hi)
            lb, la = special.log_ndtr(b), special.log_ndtr(a)
            d = lb - la
            l1m = np.where(d < np.log(2.0), np.log(-np.expm1(-d)), np.log1p(-np.exp(-d)))
            out = lb + l1m
            # a < 0 < b: 1 - F(a) - F(-b), both terms <= 1/2
            mid = (a < 0) & (b > 0)
            out = np.where(mid, np.log1p(-(special.ndtr(a) + special.ndtr(-b))), out)
            return np.where(np.isneginf(a), lb, out)

    def logpdf(self, y, eta, aux, trials=None):
        eta, c = _padded(eta, aux["threshold"])
        j = _codes(np.broadcast_to(y, eta.shape), c.shape[-1] - 1)
        lo = np.take_along_axis(c, j[..., None], axis=-1)[..., 0] - eta
        hi = np.take_along_axis(c, j[..., None] + 1, axis=-1)[..., 0] - eta
        return self._log_diff(lo, hi)

    def cdf(self, y, eta, aux, trials=None):
        """P(Y <= y) for codes ``y`` (-1 gives 0, K-1 gives 1)."""
        eta, c = _padded(eta, aux["threshold"])
        K = c.shape[-1] - 1
        j = np.clip(np.floor(np.broadcast_to(np.asarray(y, float), eta.shape)), -1, K - 1)
        cy = np.take_along_axis(c, j.astype(np.int64)[..., None] + 1, axis=-1)[..., 0]
        return self._F(cy - eta)

    def draw(self, rng, eta, aux, trials=None):
        """Category codes ``0..K-1`` (as floats): the number of thresholds the latent
        ``u ~ U(0, 1)`` exceeds on the CDF scale."""
        P = self.cumulative_probabilities(eta, aux)
        u = rng.random(P.shape[:-1])
        return (u[..., None] > P).sum(axis=-1).astype(float)

    # ------------------------------------------------------------------ priors and starts
    def default_threshold_prior(self) -> tuple[Prior, str]:
        """Each threshold ~ Student-t(3, 0, 2.5) (brms' default for ``Intercept[k]``)."""
        return (
            Prior("StudentT", nu=3.0, mu=0.0, sigma=2.5),
            "fixed default on each threshold (brms cumulative Intercept[k])",
        )

    def start_thresholds(self, y) -> np.ndarray:
        """Thresholds at ``eta = 0`` matching the observed cumulative proportions (clipped)."""
        y = np.asarray(y, dtype=float)
        K = int(y.max()) + 1
        cum = np.array([np.mean(y <= k) for k in range(K - 1)])
        cum = np.clip(cum, 0.5 / len(y), 1 - 0.5 / len(y))
        q = special.logit(cum) if self.link == "logit" else special.ndtri(cum)
        return np.maximum.accumulate(q + 1e-3 * np.arange(K - 1))

    def intercept_location(self, y, trials=None, offset=None) -> float:
        """0: a cumulative model has no intercept (the thresholds take its place)."""
        return 0.0

    def start_eta(self, y, trials=None):
        """Zeros: the thresholds carry the location."""
        return np.zeros(np.shape(y), dtype=float)

    def degenerate_reason(self, y, trials=None) -> str:
        if len(np.unique(y)) < 2:
            return "one category only: the thresholds are not identified"
        return "no finite MLE (complete separation of categories)"
