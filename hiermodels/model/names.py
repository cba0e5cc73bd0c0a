"""The posterior naming convention: one place that spells every variable, dim and label.

Variables of the posterior (the InferenceData's names, shared by the PyMC graph, the
kernels and every derived quantity):

=================  ==========================================  =============================
name               what                                         dims
=================  ==========================================  =============================
``Intercept``      intercept at x = 0                           ()
``Intercept_c``    intercept at the predictor means (PyMC)      ()
``b``              slopes                                       ``coef``
``sd_<f>``         SDs of factor f's effects                    ``<f>__term``
``cor_<f>``        their correlation matrix                     ``<f>__term, <f>__term_bis``
``chol_<f>``       Cholesky factor (PyMC graph only)
``z_<f>``          standardised effects (non-centred graph)      ``<f>, <f>__term``
``r_<f>``          group-level deviations                       ``<f>, <f>__term``
``sigma``/``phi``  family auxiliary parameter(s) (``nu`` ...)   ()
``b_zi``           zero-inflation / hurdle coefficients          ``zi_coef`` (Intercept first)
                   (logit scale, ``zi=`` formula)
``threshold``      ordinal thresholds at x = 0                  ``cutpoint`` ("1|2", "2|3" ...)
``threshold_c``    thresholds at the predictor means (PyMC)     ``cutpoint``
=================  ==========================================  =============================

``<f>`` is the factor's safe dim name (:attr:`Design.groups[k].dim`). Table labels follow
lme4's VarCorr: ``sd(Subject, Days)``, ``cor(Subject, Intercept, Days)``. No dimension is
ever called ``group`` (ArviZ uses that name internally).
"""

from __future__ import annotations

import itertools

import numpy as np

from hiermodels.data.design import safe_name

INTERCEPT = "Intercept"
INTERCEPT_C = "Intercept_c"
SLOPES = "b"
COEF_DIM = "coef"
OBS_DIM = "obs"
ZI_COEF = "b_zi"  #: coefficients of the second (zero-inflation / hurdle) linear predictor
ZI_DIM = "zi_coef"
THRESHOLD = "threshold"  #: ordinal thresholds at x = 0 (dim THRESHOLD_DIM)
THRESHOLD_C = "threshold_c"  #: ordinal thresholds at the predictor means
THRESHOLD_DIM = "cutpoint"  # not "threshold": PyMC and xarray refuse a variable named as its dim
WEIGHTS_DATA = "weights"  #: the PyMC graph's data container of observation weights


def zi_label(name: str) -> str:
    """Table label of a zero-inflation coefficient: ``zi_Intercept``, ``zi_minedno``."""
    return f"zi_{name}"


def threshold_labels(categories) -> list[str]:
    """Threshold coordinates from the K category labels: ``"1|2"``, ``"2|3"`` (ordinal::clm)."""
    cats = [str(c) for c in categories]
    return [f"{a}|{b}" for a, b in itertools.pairwise(cats)]


def sd(g) -> str:
    """Variable of factor ``g``'s SDs."""
    return f"sd_{g.dim}"


def cor(g) -> str:
    """Variable of factor ``g``'s correlation matrix."""
    return f"cor_{g.dim}"


def effects(g) -> str:
    """Variable of factor ``g``'s group-level deviations."""
    return f"r_{g.dim}"


def std_effects(g) -> str:
    """Variable of factor ``g``'s standardised (non-centred) effects."""
    return f"z_{g.dim}"


def chol(g, block: int | None = None) -> str:
    """Variable of factor ``g``'s Cholesky factor (of one block when it has several)."""
    return f"chol_{g.dim}" if block is None else f"chol_{g.dim}_{block}"


def block_sd(g, term: str) -> str:
    """Variable of the SD of a one-term block of factor ``g``."""
    return f"sd_{g.dim}_{safe_name(term)}"


def codes(g) -> str:
    """Data container of factor ``g``'s level codes."""
    return f"codes_{g.dim}"


def zmatrix(g) -> str:
    """Data container of factor ``g``'s Z columns."""
    return f"Z_{g.dim}"


def term_dim(dim: str) -> str:
    """The terms dim of a factor whose level dim is ``dim``."""
    return f"{dim}__term"


def factor_of(var: str, kind: str) -> str | None:
    """The factor dim of posterior variable ``var`` if it is a ``kind`` ("sd", "cor", "r")."""
    prefix = f"{kind}_"
    return str(var)[len(prefix) :] if str(var).startswith(prefix) else None


def factor_dims(g) -> dict[str, list[str]]:
    """Dims of factor ``g``'s variables."""
    return {
        sd(g): [g.term_dim],
        cor(g): [g.term_dim, f"{g.term_dim}_bis"],
        effects(g): [g.dim, g.term_dim],
    }


def sd_label(factor: str, term: str) -> str:
    """Table label of an SD, as lme4's VarCorr: ``sd(Subject, Days)``."""
    return f"sd({factor}, {term})"


def cor_label(factor: str, a: str, b: str) -> str:
    """Table label of a correlation: ``cor(Subject, Intercept, Days)``."""
    return f"cor({factor}, {a}, {b})"


def parameters(design, aux=()) -> list[str]:
    """Every model parameter's variable (some may be absent from a given posterior)."""
    out = [INTERCEPT, SLOPES, *aux, ZI_COEF, THRESHOLD]
    out += [v for v in (PHI, RHO, COR_RESIDUAL, SIGMA_RATIO) if v not in out]  # residual=
    for g in design.groups:
        out += [sd(g), cor(g), effects(g)]
    return out


def coords_of(design) -> dict:
    """Coordinates of the model: observation index, coefficients, levels and terms."""
    coords = {OBS_DIM: np.arange(design.n)}
    slopes = [n for n in design.fixed_names if n != INTERCEPT]
    if slopes:
        coords[COEF_DIM] = slopes
    if getattr(design, "X_zi", None) is not None:
        coords[ZI_DIM] = list(design.zi_names)
    if getattr(design, "response_categories", None) is not None:
        coords[THRESHOLD_DIM] = threshold_labels(design.response_categories)
    for g in design.groups:
        coords[g.dim] = list(g.levels)
        coords[g.term_dim] = list(g.terms)
        coords[f"{g.term_dim}_bis"] = list(g.terms)
    return coords


def response_name(design) -> str:
    """Name of the observed variable: the response column, made safe and unclashing."""
    name = safe_name(design.response)
    reserved = {INTERCEPT, INTERCEPT_C, SLOPES, "sigma", "phi", OBS_DIM, COEF_DIM}
    reserved |= {"response", "X", "offset", "trials", "nu", ZI_COEF, ZI_DIM, "X_zi"}
    reserved |= {THRESHOLD, THRESHOLD_C, WEIGHTS_DATA, "weights_loglik"}
    for g in design.groups:
        reserved |= {sd(g), effects(g), std_effects(g), cor(g), g.dim}
    return f"{name}_obs" if name in reserved else name


# ---- residual structures (``residual=`` / ``sigma=`` of a Gaussian model)
PHI = "phi"  #: AR(1) / CAR(1) autocorrelation
RHO = "rho"  #: compound-symmetry correlation
COR_RESIDUAL = "cor_residual"  #: unstructured residual correlation matrix
SIGMA_RATIO = "sigma_ratio"  #: residual SD of each level / that of the first (varIdent)
SIGMA_LEVEL_DIM = "sigma__level"
RESID_TIME_DIM = "residual__time"
RESIDUAL_THETA = "theta_unconstrained"  #: the sampler's unconstrained vector, kept for reuse
RESIDUAL_ATTR = "hiermodels_residual"  #: posterior attribute: the residual structure's text


def residual_variable(kind: str) -> str | None:
    """Posterior variable of a residual structure's correlation (``None`` for iid)."""
    return {"ar1": PHI, "car1": PHI, "cs": RHO, "unstructured": COR_RESIDUAL}.get(kind)


def residual_cor_label(t1, t2) -> str:
    """Table label of an unstructured residual correlation: ``cor_residual(8, 10)``."""
    return f"{COR_RESIDUAL}({t1}, {t2})"


def sigma_level_label(factor: str, level) -> str:
    """Table label of a level's residual SD (varIdent): ``sigma(age=8)``."""
    return f"sigma({factor}={level})"


def clashes(design, aux=()) -> list[str]:
    """Factor dims that would collide with a posterior variable or dim (a factor named ``b``).

    ArviZ refuses a name that is both a variable and a coordinate ("found in both data_vars
    and coords"), so such a factor must be renamed before sampling.
    """
    taken = {INTERCEPT, INTERCEPT_C, SLOPES, COEF_DIM, OBS_DIM, "chain", "draw", *aux}
    taken |= {ZI_COEF, ZI_DIM, THRESHOLD, THRESHOLD_C, THRESHOLD_DIM}
    for g in design.groups:
        taken |= {sd(g), cor(g), effects(g), std_effects(g), chol(g)}
        taken |= {g.term_dim, f"{g.term_dim}_bis", codes(g), zmatrix(g)}
        taken |= {block_sd(g, t) for t in g.terms}
    return [g.dim for g in design.groups if g.dim in taken]
