r"""Predictions from a multilevel fit: which clusters, and which kind of effect.

For a row with fixed-effect predictors :math:`x` and group-level predictors :math:`z_f`,
each posterior draw gives the linear predictor :math:`\eta = x'\beta + o + \sum_f z_f' b_f`.
What :math:`b_f` is depends on ``groups``:

* ``"fitted"`` — the fitted clusters' own effects :math:`b_{f,j}` (levels must exist);
* ``"typical"`` — a typical cluster, :math:`b_f = 0`: the *conditional*
  (subject-specific) prediction;
* ``"population"`` — *population-averaged*: the mean over the random-effect
  distribution, :math:`E_b[g^{-1}(x'\beta + \sum_f z_f'b_f)]`, computed for every draw.
  The random part is normal with variance :math:`v = \sum_f z_f' G_f z_f`, so this is a
  one-dimensional Gauss-Hermite integral (40 nodes) per row and draw;
* ``"new"`` — a new, unseen cluster drawn from the population: one
  :math:`b_f \sim N(0, G_f)` per new level and draw (rows sharing a level share it).

A dict ``{factor: mode}`` mixes them (e.g. a fitted school in a new district).
For an identity link ``"typical"`` and ``"population"`` means coincide; for logit they
differ (Jensen: averaging flattens the curve, so population-averaged effects are
attenuated toward zero); for the log link :math:`E[e^{\eta + u}] = e^{\eta + v/2}`: the
baseline rate is inflated but rate ratios are unchanged unless slopes vary.

``kind="mean"`` returns the expected response (a probability for binary and binomial
data, a rate for counts, times the exposure offset), ``"link"`` the linear predictor
(not available with ``"population"``), ``"response"`` posterior-predictive draws of
new observations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hiermodels.data.design import factor_labels
from hiermodels.derive.summaries import summarize
from hiermodels.derive.tables import fixed_matrix
from hiermodels.errors import HiermodelsError
from hiermodels.model import names

MODES = ("fitted", "typical", "population", "new")
KINDS = ("mean", "link", "response")
_GH_X, _GH_W = np.polynomial.hermite_e.hermegauss(40)
_GH_W = _GH_W / _GH_W.sum()


@dataclass
class Prediction:
    """Posterior draws of predictions and their summary.

    Attributes
    ----------
    draws : ndarray (n_draws, n_rows)
    data : DataFrame
        The rows predicted for.
    kind, groups : what was predicted.
    """

    draws: np.ndarray
    data: pd.DataFrame
    kind: str
    groups: dict

    def summary(self, prob: float | None = None) -> pd.DataFrame:
        """Per row: mean, sd, lower, upper (index as in ``data``)."""
        tab = summarize(
            {i: self.draws[:, i] for i in range(self.draws.shape[1])}, prob, diagnostics=False
        )
        tab.index = self.data.index
        return tab

    def to_frame(self, prob: float | None = None) -> pd.DataFrame:
        """``data`` with the summary columns appended."""
        return pd.concat([self.data, self.summary(prob)], axis=1)

    def __repr__(self) -> str:
        modes = ", ".join(f"{k}: {v}" for k, v in self.groups.items()) or "no groups"
        return f"Prediction(kind={self.kind!r}; {modes})\n{self.to_frame().to_string()}"


def group_covariance(post, g) -> np.ndarray:
    """Covariance matrix G of factor ``g``'s terms for every draw (D, q, q)."""
    sd = post[names.sd(g)].values.reshape(-1, g.q)
    if names.cor(g) in post:
        cor = post[names.cor(g)].values.reshape(-1, g.q, g.q)
    else:
        cor = np.broadcast_to(np.eye(g.q), (sd.shape[0], g.q, g.q))
    return sd[:, :, None] * cor * sd[:, None, :]


def group_covariances(post, design) -> dict[str, np.ndarray]:
    """:func:`group_covariance` of every factor, by factor name."""
    return {g.name: group_covariance(post, g) for g in design.groups}


def _modes(groups, design) -> dict[str, str]:
    if isinstance(groups, str):
        modes = {g.name: groups for g in design.groups}
    elif isinstance(groups, dict):
        unknown = set(groups) - {g.name for g in design.groups}
        if unknown:
            raise HiermodelsError(f"groups names unknown factors {sorted(unknown)}.")
        modes = {g.name: groups.get(g.name, "fitted") for g in design.groups}
    else:
        raise HiermodelsError(f"groups must be one of {MODES} or a dict factor -> mode.")
    for f, m in modes.items():
        if m not in MODES:
            raise HiermodelsError(f"groups[{f!r}] = {m!r}; choose one of {MODES}.")
    return modes


def linear_parts(fit, newdata, modes, rng, max_draws=None):
    """eta (D, n) without the population-averaged factors, and v (D, n) for them."""
    design, post = fit.design, fit.posterior
    D_all = post.sizes["chain"] * post.sizes["draw"]
    if max_draws is not None and (
        isinstance(max_draws, bool) or not isinstance(max_draws, int | np.integer) or max_draws < 1
    ):
        raise HiermodelsError(
            f"max_draws must be a positive whole number (or None for all {D_all}), "
            f"got {max_draws!r}."
        )
    idx = (
        np.arange(D_all)
        if max_draws is None or max_draws >= D_all
        else np.linspace(0, D_all - 1, max_draws).astype(int)
    )
    if newdata is None:
        X, offset = design.X, design.offset
        groups = {g.name: {"codes": g.codes, "Z": g.Z} for g in design.groups}
        data = design.data
    else:
        nd = design.new_data(newdata, allow_new_levels=True)
        X, offset, groups = nd["X"], nd["offset"], nd["groups"]
        data = (
            newdata.reset_index(drop=True)
            if isinstance(newdata, pd.DataFrame)
            else (pd.DataFrame(newdata))
        )
    beta = fixed_matrix(post, design)[idx]
    eta = beta @ X.T  # a new array: the group effects are added to it in place
    if offset is not None:
        eta = eta + offset
    v = np.zeros(eta.shape, dtype=eta.dtype)  # zero pages, touched only if written or read
    for g in design.groups:
        mode, codes, Z = modes[g.name], groups[g.name]["codes"], groups[g.name]["Z"]
        if mode == "fitted":
            if np.any(codes < 0):
                bad = sorted({str(v) for v in factor_labels(data, g.name)[codes < 0]})
                raise HiermodelsError(
                    f"newdata has levels of {g.name!r} not in the fit: {bad[:5]}. Use "
                    "groups='new' for new clusters drawn from the population, 'typical' for "
                    "a cluster at the population mean, or 'population' to average over them."
                )
            r = post[names.effects(g)].values.reshape(D_all, g.n_levels, g.q)[idx]
            for a in range(g.q):
                eta += Z[:, a] * r[:, codes, a]
        elif mode == "population":
            v = v + np.einsum("nq,dqr,nr->dn", Z, group_covariance(post, g)[idx], Z)
        elif mode == "new":
            # every distinct level in the rows is a new cluster; rows of a level share it
            uniq, inv = np.unique(factor_labels(data, g.name), return_inverse=True)
            G = group_covariance(post, g)[idx]
            L = np.linalg.cholesky(G + 1e-12 * np.eye(g.q))
            b = np.einsum("dqr,dkr->dkq", L, rng.standard_normal((len(idx), len(uniq), g.q)))
            for a in range(g.q):
                eta += Z[:, a] * b[:, inv, a]
        # "typical": b = 0
    return eta, v, data, idx


def aux_draws(fit, idx, X_zi=None) -> dict:
    """The ``aux`` dict of the family's NumPy methods at draws ``idx``.

    Positive auxiliary parameters by name (``sigma``, ``phi``, ``nu``) as columns (D, 1);
    for a family with a second linear predictor ``eta_zi`` = ``b_zi`` times the zi design
    ``X_zi`` (default: the fitted rows), shape (D, n); for an ordinal family ``threshold``
    (D, 1, K - 1), at x = 0 like the fixed effects.
    """
    post, fam = fit.posterior, fit.family
    out = {a: post[a].values.reshape(-1)[idx][:, None] for a in fam.aux}
    if fam.second_predictor is not None:
        X_zi = fit.design.X_zi if X_zi is None else X_zi
        gamma = post[names.ZI_COEF].values.reshape(-1, X_zi.shape[1])[idx]
        out["eta_zi"] = gamma @ X_zi.T
    if getattr(fam, "ordinal", False):
        thr = post[names.THRESHOLD].values
        out["threshold"] = thr.reshape(-1, thr.shape[-1])[idx][:, None, :]
    return out


def _own_mean(family) -> bool:
    """Whether ``family`` defines its own mean (zero-inflated, hurdle, lognormal, ordinal)."""
    from hiermodels.families.base import Family

    return type(family).mean is not Family.mean


def _new_zi(fit, newdata):
    """The zi design of ``newdata`` (None when the family has no second predictor)."""
    if fit.family.second_predictor is None or newdata is None:
        return None
    return fit.design.new_data(newdata, allow_new_levels=True)["X_zi"]


def fitted_eta(fit, max_draws=None):
    """Linear predictor of the fitted rows with each cluster's own effects: (eta, idx)."""
    modes = {g.name: "fitted" for g in fit.design.groups}
    eta, _, _, idx = linear_parts(fit, None, modes, np.random.default_rng(0), max_draws)
    return eta, idx


def predict(fit, newdata=None, kind="mean", groups="fitted", seed=None, max_draws=None):
    """Predict for ``newdata`` (default: the fitted rows). See the module docstring."""
    if kind not in KINDS:
        raise HiermodelsError(f"kind must be one of {KINDS}, got {kind!r}.")
    modes = _modes(groups, fit.design)
    rng = np.random.default_rng(seed)
    eta, v, data, idx = linear_parts(fit, newdata, modes, rng, max_draws)
    fam = fit.family
    pop = np.any(v > 0)
    if kind == "link":
        if pop:
            raise HiermodelsError(
                "kind='link' is not defined for population-averaged predictions; use kind='mean'."
            )
        out = eta
    elif kind == "mean" and _own_mean(fam):  # the mean is not g^{-1}(eta): it needs aux
        aux = aux_draws(fit, idx, _new_zi(fit, newdata))
        out = population_mean(fam, eta, v, aux) if pop else fam.mean(eta, None, aux)
    elif kind == "mean":
        out = population_mean(fam, eta, v) if pop else fam.inverse_link(eta)
    else:
        if pop:
            eta = eta + np.sqrt(v) * rng.standard_normal(eta.shape)
        trials = _trials(fit, newdata, data)
        if getattr(fit.model, "residual", None) is not None:  # correlated within units
            from hiermodels.derive.residual_predict import residual_noise

            out = eta + residual_noise(fit, data, idx, rng)
        else:
            out = fam.draw(rng, eta, aux_draws(fit, idx, _new_zi(fit, newdata)), trials)
    return Prediction(out, data, kind, modes)


def population_mean(family, eta, v, aux=None):
    """E[g^{-1}(eta + sqrt(v) e)], e ~ N(0, 1), by 40-point Gauss-Hermite (per draw, row).

    With ``aux`` (families whose mean is not the inverse link: zero-inflated, hurdle,
    ordinal) the family's own ``mean`` is averaged over the same nodes.
    """
    if aux is not None:
        nodes = eta[..., None] + np.sqrt(v)[..., None] * _GH_X
        aux_n = {k: np.asarray(a)[..., None] if k != "threshold" else a for k, a in aux.items()}
        if "threshold" in aux_n:  # (D, 1, K-1) -> (D, 1, 1, K-1) against nodes (D, n, 40)
            aux_n["threshold"] = np.asarray(aux["threshold"])[:, :, None, :]
        return (family.mean(nodes, None, aux_n) * _GH_W).sum(axis=-1)
    if family.link == "identity":
        return eta
    if family.link == "log":
        return np.exp(eta + v / 2)
    nodes = eta[..., None] + np.sqrt(v)[..., None] * _GH_X
    return (family.inverse_link(nodes) * _GH_W).sum(axis=-1)


def _trials(fit, newdata, data):
    if not fit.family.needs_trials:
        return None
    if newdata is None:
        return fit.design.trials
    from hiermodels.data.design import _eval_expr

    expr = fit.design.parsed.trials
    try:
        return _eval_expr(expr, data, "trials()")
    except Exception as err:
        raise HiermodelsError(
            f"kind='response' for a binomial model needs the trials column {expr!r} in newdata."
        ) from err
