r"""Priors: weakly informative, scaled to the data, printable and overridable.

Defaults (in the spirit of rstanarm's autoscaling and brms), with predictors centred
for the intercept prior; :math:`s_y` is the response SD (Gaussian) and :math:`s_x` a
predictor column's SD:

============ ============================================= ==============================
class        default                                       scale comes from
============ ============================================= ==============================
Intercept    Normal(g(ȳ), 2.5 s_y) (Gaussian: g = id)      mean/SD of the response;
             Normal(g(ȳ), 2.5) on the link scale (GLMs)    at the predictor means
b            Normal(0, 2.5 s_y / s_x) (Gaussian)           SD of y and of the column
             Normal(0, 2.5 / s_x) (GLMs)
sd           HalfNormal(s_y) intercept, s_y/s_x slopes;    as for b, without the 2.5
             GLMs HalfNormal(1), HalfNormal(1/s_x)
cor          LKJ(eta = 2)                                  fixed: mild shrinkage to 0
sigma        Exponential(1 / s_y)                          SD of the response
phi (NB2)    Gamma(2, 0.1)                                 fixed (Var = mu + mu^2/phi)
nu (Student) Gamma(2, 0.1)                                 fixed (brms's default)
b_zi         Intercept Normal(0, 1.5); slopes              logit scale; close to brms's
             Normal(0, 2.5 / s_x)                          logistic(0, 1) on the intercept
threshold    Student-t(3, 0, 2.5) each (ordinal)           brms's Intercept[k] default
============ ============================================= ==============================

Auxiliary parameters come from the family (:meth:`Family.default_aux_priors`, one row
each). ``b_zi`` rows (``zi_Intercept``, ``zi_<column>``) exist when the family has a
second linear predictor (the ``zi=`` formula, uncentred columns); ``threshold`` rows
(``threshold(1|2)`` ...) when it is ordinal.

The half-normal SD prior has its mode at zero *on purpose*: it lets the data say a
group-level variance is small. With few clusters (fewer than about 10) the posterior
of an SD can still pile up near zero, the Bayesian echo of lme4's singular fit. The
boundary-avoiding alternative of Chung, Rabe-Hesketh, Dorie, Gelman & Liu (2013,
Psychometrika 78, 685-709) is ``priors={"sd": "boundary_avoiding"}``: Gamma(shape 2,
rate 1/s), whose density is zero at 0 and rises linearly, so the posterior mode is
never at the boundary while the data still dominate.

Overrides: a dict keyed by class (``"Intercept"``, ``"b"``, ``"sd"``, ``"cor"``,
``"sigma"``, ``"phi"``) or by one parameter (``"Days"``, ``"sd(Subject)"``,
``"sd(Subject, Days)"``, ``"cor(Subject)"``); values are :class:`Prior` objects or
strings such as ``"normal(0, 10)"``, ``"student_t(3, 0, 5)"``, ``"half_normal(5)"``,
``"exponential(0.1)"``, ``"gamma(2, 0.1)"``, ``"lkj(1)"``. A key that matches nothing is
an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hiermodels.errors import PriorError
from hiermodels.model import names
from hiermodels.spec.formula import suggest
from hiermodels.spec.prior import Prior, boundary_avoiding, fmt


@dataclass
class ModelPriors:
    """The resolved prior of every parameter, as used by the graph builder.

    ``table`` is the user-facing DataFrame (``model.priors``).
    """

    intercept: Prior | None
    b: dict[str, Prior]
    sd: dict[str, dict[str, Prior]]
    cor: dict[str, float]
    aux: dict[str, Prior]
    table: pd.DataFrame
    xbar: np.ndarray = field(default_factory=lambda: np.zeros(0))
    zi: dict[str, Prior] = field(default_factory=dict)
    threshold: list[Prior] = field(default_factory=list)


def _sd(x) -> float:
    s = float(np.std(x))
    return s if s > 0 else 1.0


def resolve_priors(design, family, overrides: dict | None = None) -> ModelPriors:
    """Default priors scaled to ``design``, then the user's ``overrides``.

    Raises
    ------
    PriorError
        For a key naming no parameter, a value that is not a prior, or a prior whose
        support does not fit the parameter (e.g. Normal for an SD).
    """
    overrides = dict(overrides or {})
    rows: list[dict] = []
    y = design.y
    if family.gaussian_scale:
        s_y, y_name = _sd(y), f"sd({design.response})={fmt(_sd(y))}"
    else:
        s_y, y_name = 1.0, "link scale (unit)"
    fixed = design.fixed_names
    has_int = design.has_intercept
    slope_idx = [k for k, n in enumerate(fixed) if n != "Intercept"]
    X = design.X
    centre = has_int or getattr(family, "ordinal", False)  # thresholds act as intercepts
    xbar = X[:, slope_idx].mean(axis=0) if centre else np.zeros(len(slope_idx))

    intercept = None
    if has_int:
        loc = _intercept_location(design, family)
        intercept = Prior("Normal", mu=loc, sigma=2.5 * s_y)
        rows.append(
            _row(
                "Intercept",
                "Intercept",
                intercept,
                f"mean of {design.response} on the link scale = {fmt(loc)}; "
                f"2.5 × {y_name}; predictors centred",
            )
        )
    b = {}
    for k in slope_idx:
        n = fixed[k]
        s_x = _sd(X[:, k])
        b[n] = Prior("Normal", mu=0.0, sigma=2.5 * s_y / s_x)
        rows.append(_row(n, "b", b[n], f"2.5 × {y_name} / sd({n})={fmt(s_x)}"))

    sd, cor = {}, {}
    for g in design.groups:
        sd[g.name] = {}
        for k, term in enumerate(g.terms):
            z = g.Z[:, k]
            if term == "Intercept" or np.ptp(z) == 0:
                scale, why = s_y, y_name
            else:
                s_z = _sd(z)
                scale, why = s_y / s_z, f"{y_name} / sd({term})={fmt(s_z)}"
            sd[g.name][term] = Prior("HalfNormal", sigma=scale)
            rows.append(_row(names.sd_label(g.name, term), "sd", sd[g.name][term], why))
        if any(g.correlated):
            cor[g.name] = 2.0
            rows.append(
                _row(
                    f"cor({g.name})",
                    "cor",
                    Prior("LKJ", eta=2.0),
                    "default eta = 2: mild shrinkage of correlations toward 0",
                )
            )

    aux = {}
    for name, (prior, source) in family.default_aux_priors(s_y, y_name).items():
        aux[name] = prior
        rows.append(_row(name, name, prior, source))

    zi = {}
    if getattr(design, "X_zi", None) is not None:
        for k, n in enumerate(design.zi_names):
            if n == "Intercept":
                zi[n] = Prior("Normal", mu=0.0, sigma=1.5)
                why = "logit scale; close to brms's logistic(0, 1)"
            else:
                s_x = _sd(design.X_zi[:, k])
                zi[n] = Prior("Normal", mu=0.0, sigma=2.5 / s_x)
                why = f"logit scale: 2.5 / sd({n})={fmt(s_x)}"
            rows.append(_row(names.zi_label(n), names.ZI_COEF, zi[n], why))
    threshold = []
    cats = getattr(design, "response_categories", None)
    if getattr(family, "ordinal", False) and cats is not None:
        for lab in names.threshold_labels(cats):
            threshold.append(Prior("StudentT", nu=3.0, mu=0.0, sigma=2.5))
            rows.append(
                _row(
                    f"threshold({lab})",
                    names.THRESHOLD,
                    threshold[-1],
                    "brms's default for Intercept[k]; ordered (predictors centred)",
                )
            )

    table = pd.DataFrame(rows).set_index("parameter")
    result = ModelPriors(intercept, b, sd, cor, aux, table, xbar, zi, threshold)
    _apply_overrides(result, overrides, design)
    return result


def _intercept_location(design, family) -> float:
    return family.intercept_location(design.y, design.trials, design.offset)


def _row(param, cls, prior, source, user=False) -> dict:
    return {"parameter": param, "class": cls, "prior": str(prior), "source": source, "user": user}


def _specificity(key, table: pd.DataFrame) -> int:
    """0 for a class ("b", "sd"), 1 for all SDs of a factor ("sd(Subject)"), 2 for one term."""
    key = re.sub(r"\s+", "", str(key))
    if key in set(table["class"]):
        return 0
    return 1 if re.fullmatch(r"sd\([^,]+\)", key) else 2


def _apply_overrides(pri: ModelPriors, overrides: dict, design) -> None:
    table = pri.table
    # The more specific key wins whatever the dict order: classes first, then terms.
    ordered = sorted(overrides.items(), key=lambda kv: _specificity(kv[0], table))
    for key, value in ordered:
        key = str(key).strip()
        targets = _targets(key, table)
        if not targets:
            raise PriorError(
                f"The prior key {key!r} matches no parameter of this model. Valid keys: the "
                f"classes {sorted(set(table['class']))} or one of {list(table.index)}."
                f"{suggest(key, list(table.index))}"
            )
        for param in targets:
            cls = table.loc[param, "class"]
            prior = _coerce(value, cls, param, pri, design)
            _assign(pri, param, cls, prior)
            table.loc[param, "prior"] = str(prior)
            table.loc[param, "source"] = "user"
            table.loc[param, "user"] = True


def _targets(key: str, table: pd.DataFrame) -> list[str]:
    if key in set(table["class"]):
        return list(table.index[table["class"] == key])
    norm = re.sub(r"\s+", "", key)
    idx = {re.sub(r"\s+", "", p): p for p in table.index}
    if norm in idx:
        return [idx[norm]]
    m = re.fullmatch(r"sd\((.+)\)", norm)
    if m:  # sd(Subject) -> every sd(Subject, term)
        return [p for n, p in idx.items() if n.startswith(f"sd({m.group(1)},")]
    return []


def _coerce(value, cls: str, param: str, pri: ModelPriors, design) -> Prior:
    if isinstance(value, str) and value.strip().lower() in ("boundary_avoiding", "gamma"):
        if cls != "sd":
            raise PriorError(f"'boundary_avoiding' is a prior for group SDs, not for {param!r}.")
        g, term = param[3:-1].split(", ", 1)
        return boundary_avoiding(pri.sd[g][term].params["sigma"])
    if isinstance(value, int | float) and cls == "cor":
        value = Prior("LKJ", eta=float(value))
    try:
        prior = Prior.parse(value)
    except PriorError:
        raise  # already names the problem
    except Exception as err:
        raise PriorError(
            f"The prior for {param!r} must be a hm.Prior or text like "
            f"'normal(0, 10)', got {value!r}."
        ) from err
    want = {
        "Intercept": "real",
        "b": "real",
        names.ZI_COEF: "real",
        names.THRESHOLD: "real",
        "sd": "positive",
        "sigma": "positive",
        "phi": "positive",
        "cor": "correlation",
    }.get(cls, "positive")  # every other class is a family's positive auxiliary parameter
    if prior.support != want and not (
        want == "positive" and prior.support == "interval" and prior.params["lower"] >= 0
    ):
        raise PriorError(
            f"{prior} cannot be the prior of {param!r}: it needs a distribution on the "
            f"{want} scale (e.g. {'half_normal(5)' if want == 'positive' else 'normal(0, 5)' if want == 'real' else 'lkj(2)'})."
        )
    return prior


def _assign(pri: ModelPriors, param: str, cls: str, prior: Prior) -> None:
    if cls == "Intercept":
        pri.intercept = prior
    elif cls == "b":
        pri.b[param] = prior
    elif cls == "sd":
        g, term = param[3:-1].split(", ", 1)
        pri.sd[g][term] = prior
    elif cls == "cor":
        pri.cor[param[4:-1]] = prior.params["eta"]
    elif cls == names.ZI_COEF:
        pri.zi[param[len("zi_") :]] = prior
    elif cls == names.THRESHOLD:
        labels = [p for p in pri.table.index if pri.table.loc[p, "class"] == names.THRESHOLD]
        pri.threshold[labels.index(param)] = prior
    else:
        pri.aux[cls] = prior
