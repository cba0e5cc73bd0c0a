r"""Hurdle Poisson: a zero part and a zero-truncated Poisson for the positive counts.

.. math::

    \pi_i = \operatorname{logit}^{-1}(\eta^{zi}_i), \qquad \lambda_i = \exp(\eta_i),

    P(y_i = 0) = \pi_i, \qquad
    P(y_i = k) = (1 - \pi_i)\,\frac{\lambda_i^k e^{-\lambda_i} / k!}{1 - e^{-\lambda_i}}
    \quad (k \ge 1).

Every zero comes from the zero part (glmmTMB ``family = truncated_poisson`` with
``ziformula``; brms ``hurdle_poisson``, whose ``hu`` is :math:`\pi`): :math:`\eta^{zi}`
is the logit of :math:`P(y = 0)`, from the ``zi=`` formula, and :math:`\lambda` is the
mean of the *untruncated* Poisson. Moments, with :math:`P_0 = e^{-\lambda}` the count
distribution's own zero probability:

.. math::

    E[y] = \frac{(1-\pi)\lambda}{1 - P_0}, \qquad
    \mathrm{Var}[y] = \frac{(1-\pi)(\lambda + \lambda^2)}{1 - P_0} - E[y]^2.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from hiermodels.families.poisson import Poisson
from hiermodels.families.zero_part import log1mexp, log_zero_probabilities, zero_probability

#: Below this count mean (relative to phi for NB) log(1 - P0) uses its series in eta.
_TINY = 1e-10


class HurdlePoisson(Poisson):
    """Zero part (logit) + zero-truncated Poisson counts (log link)."""

    second_predictor = "zi"
    mean_symbol = "lambda_i"
    likelihood_text = (
        "HurdlePoisson(lambda_i, hu_i)   "
        "[P(y=0) = hu_i, logit(hu_i) = eta_zi_i; y > 0: Poisson(lambda_i) truncated at 0]"
    )

    # ------------------------------------------------------------ the count part
    def _log_count_positive(self, eta, aux):
        r""":math:`\log(1 - P_0)` of the untruncated count, exact also when
        :math:`\lambda` underflows (series :math:`\eta - \lambda/2`)."""
        eta = np.asarray(eta, float)
        mu = np.exp(eta)
        return np.where(mu < _TINY, eta - mu / 2, log1mexp(-mu))

    def _count_logpmf(self, y, eta, aux):
        return Poisson.logpdf(self, y, eta, aux)

    def _count_second_moment_over_mean(self, mu, aux):
        return 1 + mu

    def _count_sf(self, y, eta, aux):
        r""":math:`P(Y > y) = P(y + 1, \lambda)` (regularised lower incomplete gamma),
        accurate in relative terms also when :math:`\lambda` is tiny (SciPy's
        ``poisson.sf`` is not)."""
        return special.gammainc(np.asarray(y, float) + 1, self.inverse_link(eta))

    # ------------------------------------------------------------ moments
    def _truncated_mean(self, eta, aux):
        r""":math:`\lambda / (1 - P_0) = e^{\eta - \log(1 - P_0)}` (finite as
        :math:`\lambda \to 0`, where it tends to 1)."""
        return np.exp(np.asarray(eta, float) - self._log_count_positive(eta, aux))

    def mean(self, eta, trials=None, aux=None):
        r""":math:`E[y] = (1 - \pi)\lambda / (1 - P_0)`."""
        return (1 - zero_probability(aux)) * self._truncated_mean(eta, aux)

    def variance(self, eta, aux, trials=None):
        r""":math:`E[y^2] - E[y]^2`, :math:`E[y^2] = (1-\pi)\,E[Y^2]/(1 - P_0)` with
        :math:`E[Y^2]/\lambda` of the untruncated count (:math:`1 + \lambda` Poisson)."""
        pi = zero_probability(aux)
        t = self._truncated_mean(eta, aux)
        second = (1 - pi) * t * self._count_second_moment_over_mean(self.inverse_link(eta), aux)
        return second - ((1 - pi) * t) ** 2

    def latent_variance(self, eta_mean, var_random, aux):
        r"""The count part's :math:`\ln(1 + 1/\lambda)` (Nakagawa, Johnson & Schielzeth
        2017, log link, lognormal approximation), :math:`\lambda = \exp(\bar\eta +
        \sum\sigma_l^2/2)`.

        The decomposed variance is that of the log mean :math:`\eta` of the (untruncated)
        count process, where the group-level effects enter; the hurdle (zero) part is not
        in the decomposition.
        """
        return super().latent_variance(eta_mean, var_random, aux)

    def latent_variance_text(self):
        return "ln(1 + 1/lambda) of the count part (hurdle excluded)"

    # ------------------------------------------------------------ densities
    def logpdf(self, y, eta, aux, trials=None):
        log_pi, log_1mpi = log_zero_probabilities(aux)
        y = np.asarray(y, float)
        positive = log_1mpi + self._count_logpmf(y, eta, aux) - self._log_count_positive(eta, aux)
        return np.where(y == 0, log_pi, positive)

    def cdf(self, y, eta, aux, trials=None):
        r""":math:`F(y) = 1 - (1-\pi)\,S_c(y)/S_c(0)` for :math:`y \ge 0`, :math:`S_c` the
        count's survival function."""
        pi = zero_probability(aux)
        y = np.asarray(y, float)
        with np.errstate(divide="ignore"):  # S(y) underflowing to 0: F(y) = 1
            log_sf = np.log(self._count_sf(np.maximum(y, 0), eta, aux))
        ratio = np.exp(log_sf - self._log_count_positive(eta, aux))
        return np.where(y < 0, 0.0, 1 - (1 - pi) * np.minimum(ratio, 1.0))

    def draw(self, rng, eta, aux, trials=None):
        """Zero with probability pi, else a zero-truncated count (:meth:`_positive_counts`)."""
        pi = zero_probability(aux)
        eta = np.asarray(eta, float)
        shape = np.broadcast_shapes(np.shape(eta), np.shape(pi))
        eta_b = np.broadcast_to(eta, shape).ravel()
        aux_b = {a: np.broadcast_to(np.asarray(aux[a], float), shape).ravel() for a in self.aux}
        counts = self._positive_counts(rng, eta_b, aux_b).reshape(shape)
        return np.where(rng.uniform(size=shape) < pi, 0.0, counts)

    def _positive_counts(self, rng, eta, aux):
        r"""Zero-truncated counts by inverse survival: the smallest :math:`k \ge 1` with
        :math:`S(k)/S(0) \le V`, :math:`V \sim U(0, 1]`, found by doubling then bisection
        on the log scale (exact where :math:`S(0) = 1 - P_0` is below double precision,
        and :math:`O(\log k)` SciPy calls for heavy tails)."""
        log_v = np.log1p(-rng.uniform(size=eta.shape))
        log_s0 = self._log_count_positive(eta, aux)

        def too_small(k, i):
            sub = {a: v[i] for a, v in aux.items()}
            with np.errstate(divide="ignore"):
                return np.log(self._count_sf(k, eta[i], sub)) - log_s0[i] > log_v[i]

        lo, hi = np.zeros(eta.shape), np.ones(eta.shape)
        i = np.flatnonzero(too_small(hi, slice(None)))
        while i.size:
            lo[i], hi[i] = hi[i], 2 * hi[i]
            i = i[too_small(hi[i], i)]
        i = np.flatnonzero(hi - lo > 1)
        while i.size:
            mid = np.floor((lo[i] + hi[i]) / 2)
            small = too_small(mid, i)
            lo[i] = np.where(small, mid, lo[i])
            hi[i] = np.where(small, hi[i], mid)
            i = i[hi[i] - lo[i] > 1]
        return hi

    # ------------------------------------------------------------ priors and starts
    def intercept_location(self, y, trials=None, offset=None):
        """log of the mean positive count (the truncated mean, a little above lambda)."""
        off = offset.mean() if offset is not None else 0.0
        pos = np.asarray(y, float)[np.asarray(y) > 0]
        return float(np.log(max(pos.mean() if pos.size else 0.01, 0.01)) - off)

    def start_eta(self, y, trials=None):
        """log(y + 0.1), zeros (the hurdle part's data) replaced by the mean positive count."""
        pos = y[y > 0]
        return np.log(np.where(y > 0, y, pos.mean() if pos.size else 0.1) + 0.1)

    def degenerate_reason(self, y, trials=None):
        if np.all(np.asarray(y) == 0):
            return "all counts are 0: the count part has no data"
        return super().degenerate_reason(y, trials)
