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

    def __post_init__(self):
        if self.fcent is None:
            self.fcent = np.zeros(len(self.fq), dtype=np.int64)
        if self.aux_kind is None:
            self.aux_kind = np.zeros(self.n_aux, dtype=np.int64)


def make_layout(model, collapsed: bool, centered: dict | None = None) -> Layout:
    """The layout of ``model``; ``centered`` (factor -> bool) defaults to the model's choice."""
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
        i64([int(bool(centered.get(g.name, False)) and not collapsed) for g in d.groups]),
        len(aux_kind),
        i64(aux_kind),
        zi_pos,
        Pz,
    )
