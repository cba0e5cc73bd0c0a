r"""Simulate responses from a built model at chosen parameter values or from its priors.

The generative model is the one :class:`hiermodels.Model` fits. For row :math:`i` in
level :math:`j[i]` of each grouping factor :math:`g`,

.. math::

    \eta_i = x_i^\top \beta + \mathrm{offset}_i + \sum_g z_{gi}^\top r_{g, j[i]},
    \qquad r_{gj} \sim N(0, D_g C_g D_g),\qquad y_i \sim p(y \mid g^{-1}(\eta_i), \theta),

with :math:`D_g = \mathrm{diag}(\mathrm{sd}(g, \cdot))`, :math:`C_g` the correlation
matrix (identity outside correlated blocks), :math:`g^{-1}` the inverse link and
:math:`\theta` the family's auxiliary parameter (``sigma`` for Gaussian, ``phi`` for NB2,
:math:`\mathrm{Var} = \mu + \mu^2/\phi`). New group effects are drawn for every
simulated data set (lme4's ``simulate(re.form = NA)``); the design (``X``, ``Z``, group
codes, trials, offset) is the model's own.

Parameters are named as in the posterior tables (``fit.fixed_effects()``,
``fit.varcorr()``): the fixed-effect terms (``Intercept``, ``x``), ``sd(g, term)``,
``cor(g, a, b)``, ``sigma`` and ``phi``. With ``params=None`` every parameter is drawn from
the model's priors exactly as the PyMC graph states them (see
:func:`hiermodels.derive.checks.prior_predictive`).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hiermodels.errors import DataError, HiermodelsError
from hiermodels.model import names

#: Cap of a log-link linear predictor for prior draws (exp(40) ~ 2e17), as in prior_predictive.
ETA_CAP = 40.0


def parameter_names(model) -> list[str]:
    """Every named parameter of ``model``: fixed effects, ``sd(g, t)``, ``cor(g, a, b)``, aux."""
    d = model.design
    out = list(d.fixed_names)
    for g in d.groups:
        out += [names.sd_label(g.name, t) for t in g.terms]
    for g in d.groups:
        out += [names.cor_label(g.name, a, b) for a, b in _cor_pairs(g)]
    out += list(model.family.aux)
    if getattr(d, "X_zi", None) is not None:
        out += [names.zi_label(n) for n in d.zi_names]
    out += _threshold_names(model)
    return out


def _threshold_names(model) -> list[str]:
    cats = getattr(model.design, "response_categories", None)
    if not getattr(model.family, "ordinal", False) or cats is None:
        return []
    return [f"threshold({lab})" for lab in names.threshold_labels(cats)]


def _cor_pairs(g):
    for block, corr in zip(g.blocks, g.correlated, strict=True):
        if corr:
            for a in range(len(block)):
                for b in range(a + 1, len(block)):
                    yield g.terms[block[a]], g.terms[block[b]]


@dataclass
class Simulation:
    """Simulated responses and the parameter values that produced them.

    Attributes
    ----------
    y : ndarray (draws, n)
        Responses on the scale of the model's response column (successes for binomial).
    params : DataFrame
        One row per simulated data set, one column per named parameter
        (:func:`parameter_names`).
    group_effects : dict
        Factor name -> ndarray (draws, levels, terms): the group effects :math:`r_{gj}`.
    """

    y: np.ndarray
    params: pd.DataFrame
    group_effects: dict
    model: object = dataclasses.field(repr=False, default=None)

    @property
    def draws(self) -> int:
        return self.y.shape[0]

    def data(self, i: int = 0) -> pd.DataFrame:
        """The model's data with its response column replaced by simulated data set ``i``."""
        d = self.model.design
        col = d.response
        if col not in d.data.columns:
            raise DataError(
                f"The response {col!r} is an expression, not a column, so simulated values "
                "cannot be written back into the data; use Simulation.y, or write the "
                "transformed response as its own column."
            )
        out = d.data.copy()
        out[col] = self.y[i]
        return out


def simulate(model, params=None, draws: int = 1, seed=None) -> Simulation:
    """Simulate responses from ``model`` at ``params`` or from its priors.

    Parameters
    ----------
    model : hiermodels.Model
    params : dict, optional
        Parameter name -> value (a number, or an array of length ``draws`` for one value
        per simulated data set). Every fixed effect, every ``sd(g, t)`` and the family's
        auxiliary parameter are required; correlations default to 0. ``None``: draw every
        parameter from the model's priors.
    draws : int
        Number of simulated data sets.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    Simulation
        ``y`` (draws x rows), ``params`` (the true values used, one row per data set),
        ``group_effects`` and :meth:`Simulation.data`.

    Examples
    --------
    >>> sim = simulate(model, {"Intercept": 250, "Days": 10, "sd(Subject, Intercept)": 25,
    ...                        "sd(Subject, Days)": 6, "cor(Subject, Intercept, Days)": 0.1,
    ...                        "sigma": 25}, draws=100, seed=1)          # doctest: +SKIP
    >>> sim.y.shape                                                       # doctest: +SKIP
    (100, 180)
    """
    if not isinstance(draws, int | np.integer) or draws < 1:
        raise HiermodelsError(f"draws must be a positive integer, got {draws!r}.")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    draws = int(draws)
    if params is None:
        values = prior_parameters(model, draws, rng)
        cap = True
    else:
        values = _check_params(model, params, draws)
        cap = False
    y, r = _generate(model, values, draws, rng, cap)
    table = pd.DataFrame({k: np.broadcast_to(v, (draws,)) for k, v in values.items()})
    return Simulation(y=y, params=table, group_effects=r, model=model)


def prior_parameters(model, draws: int, rng) -> dict[str, np.ndarray]:
    """Draws of every named parameter from the model's priors (arrays of length ``draws``)."""
    from hiermodels.derive.checks import _prior_draws

    raw = _prior_draws(model, draws, rng)
    d = model.design
    out = {}
    slopes = [n for n in d.fixed_names if n != "Intercept"]
    for name in d.fixed_names:
        out[name] = raw["Intercept"] if name == "Intercept" else raw["b"][:, slopes.index(name)]
    for g in d.groups:
        for k, t in enumerate(g.terms):
            out[names.sd_label(g.name, t)] = raw[names.sd(g)][:, k]
    for g in d.groups:
        for a, b in _cor_pairs(g):
            C = raw[names.cor(g)]
            out[names.cor_label(g.name, a, b)] = C[:, g.terms.index(a), g.terms.index(b)]
    for k in model.family.aux:
        out[k] = raw[k]
    if names.ZI_COEF in raw:
        for j, n in enumerate(d.zi_names):
            out[names.zi_label(n)] = raw[names.ZI_COEF][:, j]
    for j, n in enumerate(_threshold_names(model)):
        out[n] = raw[names.THRESHOLD][:, j]
    return out


def _check_params(model, params, draws: int) -> dict[str, np.ndarray]:
    if not isinstance(params, dict):
        raise HiermodelsError(
            "params must be a dict such as {'Intercept': 1.0, 'x': 0.5, "
            "'sd(g, Intercept)': 0.3, 'sigma': 1.0}."
        )
    valid = parameter_names(model)
    unknown = [k for k in params if k not in valid]
    if unknown:
        raise HiermodelsError(f"params names unknown parameters {unknown}; this model has {valid}.")
    missing = [n for n in valid if n not in params and not n.startswith("cor(")]
    if missing:
        raise HiermodelsError(
            f"params is missing {missing}; give every fixed effect, group SD and "
            f"{'/'.join(model.family.aux) or 'no auxiliary parameter'} (correlations default to 0)."
        )
    out = {}
    for n in valid:
        v = np.asarray(params.get(n, 0.0), dtype=float)
        if v.ndim > 1 or (v.ndim == 1 and len(v) != draws):
            raise HiermodelsError(
                f"params[{n!r}] must be a number or an array of length draws={draws}."
            )
        if not np.all(np.isfinite(v)):
            raise HiermodelsError(f"params[{n!r}] = {params[n]!r} is not finite.")
        if (n.startswith("sd(") and np.any(v < 0)) or (n in model.family.aux and np.any(v <= 0)):
            raise HiermodelsError(f"params[{n!r}] = {params[n]!r} must be positive.")
        if n.startswith("cor(") and np.any(np.abs(v) >= 1):
            raise HiermodelsError(f"params[{n!r}] = {params[n]!r} must lie strictly in (-1, 1).")
        out[n] = v
    return out


def _generate(model, values: dict, draws: int, rng, cap: bool):
    d, fam = model.design, model.family
    beta = np.column_stack([np.broadcast_to(values[n], (draws,)) for n in d.fixed_names])
    eta = beta @ d.X.T if d.fixed_names else np.zeros((draws, d.n))
    if d.offset is not None:
        eta = eta + d.offset
    effects = {}
    for g in d.groups:
        sd = np.column_stack(
            [np.broadcast_to(values[names.sd_label(g.name, t)], (draws,)) for t in g.terms]
        )
        C = np.broadcast_to(np.eye(g.q), (draws, g.q, g.q)).copy()
        for a, b in _cor_pairs(g):
            i, j = g.terms.index(a), g.terms.index(b)
            C[:, i, j] = C[:, j, i] = values[names.cor_label(g.name, a, b)]
        try:
            Lc = np.linalg.cholesky(C)
        except np.linalg.LinAlgError as err:
            raise HiermodelsError(
                f"The correlations of {g.name!r} do not form a positive-definite matrix; "
                "choose values whose correlation matrix is valid."
            ) from err
        L = sd[:, :, None] * Lc  # D L_C: a factor of D C D, valid when an SD is 0
        r = np.einsum("dqk,djk->djq", L, rng.standard_normal((draws, g.n_levels, g.q)))
        effects[g.name] = r
        eta = eta + np.einsum("nq,dnq->dn", g.Z, r[:, g.codes, :])
    if cap and fam.link == "log":
        eta = np.minimum(eta, ETA_CAP)
    par = {k: np.broadcast_to(values[k], (draws,)) for k in fam.aux}
    if getattr(d, "X_zi", None) is not None:
        par[names.ZI_COEF] = np.column_stack(
            [np.broadcast_to(values[names.zi_label(n)], (draws,)) for n in d.zi_names]
        )
    thr = _threshold_names(model)
    if thr:
        par[names.THRESHOLD] = np.column_stack([np.broadcast_to(values[n], (draws,)) for n in thr])
        if np.any(np.diff(par[names.THRESHOLD], axis=1) <= 0):
            raise HiermodelsError(f"The thresholds {thr} must be strictly increasing.")
    from hiermodels.derive.checks import family_aux

    y = fam.draw(rng, eta, family_aux(fam, d, par), d.trials)
    return np.asarray(y, dtype=float).reshape(draws, d.n), effects


def with_response(model, y):
    """The same model (design, priors, settings) with the response replaced by ``y``.

    The priors are *not* re-derived from ``y``: this is what simulation-based calibration
    needs (the data are simulated from exactly these priors) and what makes a refit on
    simulated data cost no formula parsing.

    Raises
    ------
    DataError
        When ``y`` has the wrong length or cannot come from the model's family.
    """
    d = model.design
    y = np.asarray(y, dtype=float)
    if y.shape != (d.n,):
        raise DataError(f"The new response must have {d.n} values (one per row), got {y.shape}.")
    model.family.validate(y, d.trials, d.response)
    data = d.data
    if d.response in data.columns:
        data = data.copy()
        data[d.response] = y
    new = copy.copy(model)
    new.__dict__.pop("pymc_model", None)  # a cached PyMC graph holds the old data
    new.design = dataclasses.replace(d, y=y, data=data)
    return new
