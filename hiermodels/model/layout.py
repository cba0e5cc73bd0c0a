r"""Where each parameter lives in the unconstrained vector NUTS samples.

One description of a model's parameters, built from the design, the resolved priors and
the family, that the numba kernels and the posterior assembly both read:

    theta = [Intercept_c?, b (P), per factor f: log sd_f (q_f), CPCs of each correlated
             block, aux block (n_aux)?, per factor f: z_f (J_f q_f, non-collapsed),
             zi block (Pz)?]

The **aux block** starts at ``aux_pos`` (-1 when empty) and holds ``n_aux`` entries, one
per ``aux_kind``:

* ``AUX_POSITIVE`` (0): a positive parameter of the family (``sigma``, ``phi``, ``nu``, in
  ``family.aux`` order) through :func:`~hiermodels.backends.kernels.priors_nb.positive_transform`
  (log, or logit-interval for ``Uniform``) with its own prior row;
* ``AUX_THRESHOLD`` (1): ordered thresholds of an ordinal family, K - 1 consecutive
  entries: :math:`c_1 = u_1` and :math:`c_k = c_{k-1} + e^{u_k}` (log-Jacobian
  :math:`\sum_{k \ge 2} u_k`), each :math:`c_k` with its own real-line prior row.

The constrained values, in the same order, are the ``aux`` vector the family
log-likelihoods receive. The **zi block** (``zi_pos``, ``Pz`` coefficients, -1 / 0 when
the family has no second linear predictor) holds the uncentred coefficients of the
``zi=`` formula. It comes last so that the positions of every other parameter, and
hence the draws of a model without it, are those of a layout without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AUX_POSITIVE, AUX_THRESHOLD = 0, 1


@dataclass
class Layout:
    """Where each parameter lives in the unconstrained vector."""

    has_int: int
    P: int
    fq: np.ndarray
    fJ: np.ndarray
    flogsd: np.ndarray
    fz: np.ndarray
    bfac: np.ndarray
    bstart: np.ndarray
    bsize: np.ndarray
    bcorr: np.ndarray
    bcpc: np.ndarray
    beta_eta: np.ndarray
    aux_pos: int
    n_dim: int
    collapsed: bool
    fcent: np.ndarray = None
    n_aux: int = 0
    aux_kind: np.ndarray = None
    zi_pos: int = -1
    Pz: int = 0
    #: hierarchical centring (:mod:`hiermodels.model.hierarchical_centring`): a centred
    #: block holds ``gamma = r + hc @ theta[hk]``; no columns = plain deviations ``r``
    hc: np.ndarray = None
    hk: np.ndarray = None
    #: per-level whitening (:mod:`hiermodels.model.level_whitening`): a whitened centred
    #: block holds xi with gamma_j = C_j xi_j; ``wc`` rows hold the C_j, ``wlogdet`` the
    #: constant log-Jacobian; identity rows and 0 otherwise
    wc: np.ndarray = None
    fwhite: np.ndarray = None
    wlogdet: float = 0.0
    #: per factor: 1 when it is centred and every term informative even at a low SD
    #: (:func:`~hiermodels.model.parameterization.informative_terms`), i.e. whatever it
    #: can absorb was absorbed; 0 otherwise
    fhier: np.ndarray = None

    def __post_init__(self):
        if self.fcent is None:
            self.fcent = np.zeros(len(self.fq), dtype=np.int64)
        if self.aux_kind is None:
            self.aux_kind = np.zeros(self.n_aux, dtype=np.int64)
        if self.hc is None:
            self.hc = np.zeros((int(np.sum(self.fJ * self.fq)), 0))
            self.hk = np.zeros(0, dtype=np.int64)
        if self.wc is None:
            qmax = int(max(self.fq, default=1))
            self.wc = np.zeros((int(np.sum(self.fJ * self.fq)), qmax))
            start = 0
            for J, q in zip(self.fJ, self.fq, strict=True):
                rows = self.wc[start : start + J * q].reshape(J, q, qmax)
                rows[:, np.arange(q), np.arange(q)] = 1.0
                start += J * q
            self.fwhite = np.zeros(len(self.fq), dtype=np.int64)
        if self.fhier is None:
            self.fhier = np.zeros(len(self.fq), dtype=np.int64)

    def block_rows(self, f: int) -> slice:
        """Factor ``f``'s rows in ``hc`` and ``wc`` (level-major, term-minor)."""
        start = int(np.sum(self.fJ[:f] * self.fq[:f]))
        return slice(start, start + int(self.fJ[f] * self.fq[f]))

    def level_roots(self, f: int) -> np.ndarray:
        """Factor ``f``'s whitening matrices ``C_j`` (J_f x q_f x q_f; identities when it
        is not whitened)."""
        J, q = int(self.fJ[f]), int(self.fq[f])
        return self.wc[self.block_rows(f), :q].reshape(J, q, q)

    def gamma(self, theta: np.ndarray, f: int) -> np.ndarray:
        """Factor ``f``'s block of ``theta`` (..., n_dim) as the levels' coefficients
        ``gamma`` (..., J_f, q_f): ``C_j xi_j`` when whitened, the block itself otherwise."""
        theta = np.asarray(theta)
        J, q = int(self.fJ[f]), int(self.fq[f])
        block = theta[..., self.fz[f] : self.fz[f] + J * q].reshape(*theta.shape[:-1], J, q)
        if not self.fwhite[f]:
            return block
        return np.einsum("jab,...jb->...ja", self.level_roots(f), block)

    def centring_shift(self, theta: np.ndarray, f: int) -> np.ndarray:
        """``T_f beta``: what factor ``f``'s sampled block loses to become ``r`` (shape
        ``theta.shape[:-1] + (J_f q_f,)``; zeros when it absorbs nothing)."""
        theta = np.asarray(theta)
        rows = self.hc[self.block_rows(f)]
        if not self.hk.size or not rows.any():
            return np.zeros((*theta.shape[:-1], rows.shape[0]))
        return theta[..., self.hk] @ rows.T


def make_layout(
    model, collapsed: bool, centered: dict | None = None, hierarchical: bool = False
) -> Layout:
    """The layout of ``model``; ``centered`` (factor -> bool) defaults to the model's choice;
    ``hierarchical`` centres the centred factors' blocks on the fixed effects they absorb
    (:mod:`hiermodels.model.hierarchical_centring`; the joint kernel's sampler asks for it)."""
    d = model.design
    if centered is None:
        choice = getattr(model, "factor_parameterization", None) or {}
        centered = {k: v == "centered" for k, v in choice.items()}
    has_int = int(d.has_intercept)
    P = len(d.fixed_names) - has_int
    pos = has_int + P
    fq, fJ, flogsd = [], [], []
    bfac, bstart, bsize, bcorr, bcpc, beta_eta = [], [], [], [], [], []
    for f, g in enumerate(d.groups):
        fq.append(g.q)
        fJ.append(g.n_levels)
        flogsd.append(pos)
        pos += g.q
        for block, corr in zip(g.blocks, g.correlated, strict=True):
            bfac.append(f)
            bstart.append(block[0])
            bsize.append(len(block))
            bcorr.append(int(corr))
            bcpc.append(pos)
            beta_eta.append(model._priors.cor.get(g.name, 1.0))
            if corr:
                pos += len(block) * (len(block) - 1) // 2
    aux_kind = [AUX_POSITIVE] * len(model.family.aux)
    aux_kind += [AUX_THRESHOLD] * len(getattr(model._priors, "threshold", []))
    aux_pos = -1
    if aux_kind:
        aux_pos = pos
        pos += len(aux_kind)
    fz = []
    for g in d.groups:
        fz.append(pos)
        if not collapsed:
            pos += g.n_levels * g.q
    zi_pos, Pz = -1, 0
    if getattr(d, "X_zi", None) is not None:
        zi_pos, Pz = pos, d.X_zi.shape[1]
        pos += Pz
    i64 = lambda v: np.asarray(v, dtype=np.int64)  # noqa: E731
    fcent = i64([int(bool(centered.get(g.name, False)) and not collapsed) for g in d.groups])
    hc = hk = wc = fwhite = fhier = None
    wlogdet = 0.0
    if hierarchical and fcent.any():
        from hiermodels.model.hierarchical_centring import absorption
        from hiermodels.model.level_whitening import whitening
        from hiermodels.model.parameterization import informative_terms, working_weights

        pilot = working_weights(d, model.family, full=True)  # once for both
        terms = informative_terms(d, model.family, fcent, pilot)
        hc, hk = absorption(d, model._priors.xbar, terms, has_int)
        wc, fwhite, wlogdet = whitening(d, model.family, terms, pilot)
        fhier = i64([int(c and t.all()) for c, t in zip(fcent, terms, strict=True)])
    return Layout(
        has_int,
        P,
        i64(fq),
        i64(fJ),
        i64(flogsd),
        i64(fz),
        i64(bfac),
        i64(bstart),
        i64(bsize),
        i64(bcorr),
        i64(bcpc),
        np.asarray(beta_eta, dtype=float),
        aux_pos,
        pos,
        collapsed,
        fcent,
        len(aux_kind),
        i64(aux_kind),
        zi_pos,
        Pz,
        hc,
        hk,
        wc,
        fwhite,
        wlogdet,
        fhier,
    )
