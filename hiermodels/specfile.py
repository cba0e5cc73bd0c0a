"""Analysis specifications in TOML (``models/*.toml``): read, validate, fit.

One file describes one analysis: a multilevel model (``[model]``, with optional
``[priors]``) or a meta-analysis (``[meta]``), plus optional sampler settings (``[fit]``).
The full schema is documented in ``models/README.md``::

    [model]
    formula = "Reaction ~ Days + (Days | Subject)"   # required
    data = "sleepstudy"          # a bundled dataset name, or a CSV path relative to the spec
    family = "gaussian"          # optional; also link, parameterization, dropna, title,
                                 # description
    [priors]                     # optional: class or parameter -> "normal(0, 10)" etc.
    sd = "boundary_avoiding"
    [fit]                        # optional: draws, tune, chains, seed, sampler, target_accept
    draws = 1000

    [meta]                       # instead of [model]: a meta-analysis of effect sizes
    data = "bcg"
    yi = "yi"
    vi = "vi"                    # or sei = "..." (exactly one)
    study = "trial"              # optional; also moderators, tau_prior, model, effect, ...

Formulas (and meta-regression moderators) go through the same restricted parser as in
Python, so a spec can never run code.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hiermodels.errors import SpecError
from hiermodels.spec.data_path import resolve_data_path
from hiermodels.spec.formula import suggest

#: The keys each section may hold, with their types.
_MODEL = {
    "formula": str,
    "data": str,
    "family": str,
    "link": str,
    "parameterization": str,
    "dropna": bool,
    "residual": str,  # Gaussian residual structure, e.g. "ar1(time | unit)" (issue 13)
    "sigma": str,  # varIdent factor, e.g. "~ 0 + C(age)"
    "title": str,
    "description": str,
}
_META = {
    "data": str,
    "yi": str,
    "vi": str,
    "sei": str,
    "study": str,
    "moderators": str,
    "tau_prior": str,
    "model": str,
    "effect": str,
    "title": str,
    "description": str,
}
_FIT = {
    "draws": int,
    "tune": int,
    "chains": int,
    "seed": int,
    "sampler": str,
    "target_accept": float,
}
_SECTIONS = {"model": _MODEL, "meta": _META, "priors": None, "fit": _FIT}

#: ``[fit] sampler`` values: multilevel models name a sampler, meta-analyses a backend.
MODEL_SAMPLERS = ("hiermodels", "nutpie", "pymc", "numpyro")
META_SAMPLERS = ("auto", "numpy", "pymc", "exact")


@dataclass
class Spec:
    """A validated spec file.

    Attributes
    ----------
    path : Path
    kind : {"model", "meta"}
    section : dict
        The ``[model]`` or ``[meta]`` table.
    priors : dict
        ``[priors]`` (multilevel models only).
    fit : dict
        ``[fit]`` settings.
    """

    path: Path
    kind: str
    section: dict
    priors: dict = field(default_factory=dict)
    fit: dict = field(default_factory=dict)

    @property
    def title(self) -> str:
        s = self.section
        if "title" in s:
            return s["title"]
        return s["formula"] if self.kind == "model" else f"Meta-analysis of {s['yi']}"

    @property
    def dataset(self) -> str | None:
        """The bundled dataset's name, or None when the data is a CSV file."""
        from hiermodels.data import datasets

        ref = self.section["data"]
        return ref if ref in datasets.names() else None

    def report_info(self) -> dict:
        """Title, description and data source, stored with the fit for its report."""
        info = {"title": self.title, "spec": self.path.name}
        for key in ("description", "effect"):
            if key in self.section:
                info[key] = self.section[key]
        if self.dataset is not None:
            info["dataset"] = self.dataset
        else:
            info["data_file"] = self.section["data"]
        return info


def _type_name(t) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}[t]


def _check_value(path, section, key, value, t):
    ok = isinstance(value, t) and not (t is int and isinstance(value, bool))
    if t is float and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise SpecError(
            f"{path}: [{section}] {key} must be {_type_name(t)}, got {value!r} "
            f"({type(value).__name__})."
        )


def read_spec(path) -> dict:
    """Parse and validate a TOML spec; raise :class:`SpecError` naming the problem.

    Returns
    -------
    dict
        The parsed TOML (sections -> tables).
    """
    path = Path(path)
    if path.is_dir():
        raise SpecError(f"{path} is a folder; give a spec file such as models/sleepstudy.toml.")
    if not path.exists():
        raise SpecError(f"No such spec file: {path}.")
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SpecError(f"{path} is not valid TOML: {err}.") from err
    for section, body in spec.items():
        if section not in _SECTIONS:
            raise SpecError(
                f"{path}: unknown section [{section}]{suggest(section, _SECTIONS)}; "
                f"allowed: {sorted(_SECTIONS)}."
            )
        if not isinstance(body, dict):
            raise SpecError(f"{path}: {section} must be a section [{section}], not a value.")
        allowed = _SECTIONS[section]
        for key, value in body.items():
            if allowed is None:  # [priors]: values are prior texts, checked by the model
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    raise SpecError(
                        f"{path}: [priors] {key} must be prior text such as "
                        f"'normal(0, 10)', got {value!r}."
                    )
                continue
            if key not in allowed:
                raise SpecError(
                    f"{path}: unknown key {key!r} in [{section}]"
                    f"{suggest(key, allowed)}; allowed: {sorted(allowed)}."
                )
            _check_value(path, section, key, value, allowed[key])
    kinds = [k for k in ("model", "meta") if k in spec]
    if len(kinds) != 1:
        what = "both" if kinds else "neither"
        raise SpecError(
            f"{path}: a spec needs exactly one of [model] (a multilevel model) or [meta] "
            f"(a meta-analysis); it has {what}."
        )
    kind = kinds[0]
    body = spec[kind]
    need = ("formula", "data") if kind == "model" else ("data", "yi")
    for key in need:
        if key not in body:
            raise SpecError(f"{path}: [{kind}] needs {key!r}.")
    if kind == "meta":
        if "priors" in spec:
            raise SpecError(
                f"{path}: [priors] applies to [model] specs; a meta-analysis sets "
                "tau_prior in [meta]."
            )
        if ("vi" in body) == ("sei" in body):
            raise SpecError(
                f"{path}: [meta] needs exactly one of 'vi' (sampling variances) or 'sei' "
                "(standard errors)."
            )
    return spec


def load_spec(path) -> Spec:
    """Read and validate a spec file into a :class:`Spec`."""
    path = Path(path)
    raw = read_spec(path)
    kind = "model" if "model" in raw else "meta"
    return Spec(path, kind, raw[kind], raw.get("priors", {}), raw.get("fit", {}))


def load_data(ref: str, base: Path, allow_outside: bool = False) -> pd.DataFrame:
    """A bundled dataset by name, or a CSV file relative to the spec's folder.

    A CSV must lie in the spec's folder or below it unless ``allow_outside`` (the CLI's
    ``--allow-data-outside``); see :mod:`hiermodels.spec.data_path`.
    """
    from hiermodels.data import datasets

    if ref in datasets.names():
        return datasets.load(ref)
    if not str(ref).lower().endswith(".csv") and "/" not in str(ref) and "\\" not in str(ref):
        raise SpecError(
            f"data = {ref!r} is neither a bundled dataset{suggest(ref, datasets.names())} "
            f"({', '.join(datasets.names())}) nor a CSV file (name it with .csv)."
        )
    csv = resolve_data_path(ref, base, allow_outside=allow_outside, names=datasets.names())
    try:
        return pd.read_csv(csv)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise SpecError(f"data = {ref!r}: cannot read {csv} as CSV ({err}).") from err


_TAU = re.compile(r"^\s*([A-Za-z][\w-]*)\s*(?:\((.*)\))?\s*$")


def parse_tau_prior(text: str):
    """``"half-normal"`` (scaled to the data) or ``"half-normal(0.5)"`` (explicit).

    Explicit forms: ``half-normal(scale)``, ``half-cauchy(scale)``, ``uniform(upper)``
    or ``uniform(0, upper)``, ``gamma(shape, rate)``.
    """
    from hiermodels.meta import Gamma, HalfCauchy, HalfNormal, Uniform

    m = _TAU.match(text)
    if m is None:
        raise SpecError(f"tau_prior = {text!r} is not a prior such as 'half-normal(0.5)'.")
    name, args = m.group(1).lower(), m.group(2)
    if args is None:
        return name  # MetaAnalysis scales it to the data (and names unknown ones)
    try:
        nums = [float(a) for a in args.split(",")] if args.strip() else []
    except ValueError as err:
        raise SpecError(f"tau_prior = {text!r}: the arguments must be numbers.") from err
    if name == "uniform" and len(nums) == 2 and nums[0] == 0:
        nums = nums[1:]
    makers = {"half-normal": (HalfNormal, 1), "half-cauchy": (HalfCauchy, 1)}
    makers.update({"uniform": (Uniform, 1), "gamma": (Gamma, 2)})
    if name not in makers:
        raise SpecError(
            f"tau_prior = {text!r}: unknown prior{suggest(name, makers)}; use "
            "half-normal(scale), half-cauchy(scale), uniform(upper) or gamma(shape, rate), "
            "or a bare name to scale it to the data."
        )
    cls, n = makers[name]
    if len(nums) != n or not all(math.isfinite(x) and x > 0 for x in nums):
        raise SpecError(f"tau_prior = {text!r}: {name} takes {n} positive number(s).")
    return cls(*nums)


def build(spec: Spec, allow_data_outside: bool = False):
    """The :class:`~hiermodels.Model` or :class:`~hiermodels.MetaAnalysis` a spec describes."""
    s = spec.section
    data = load_data(s["data"], spec.path.parent, allow_outside=allow_data_outside)
    if spec.kind == "meta":
        from hiermodels.meta import MetaAnalysis

        tau = s.get("tau_prior")
        return MetaAnalysis(
            data,
            yi=s["yi"],
            vi=s.get("vi"),
            sei=s.get("sei"),
            study=s.get("study"),
            moderators=s.get("moderators"),
            tau_prior=None if tau is None else parse_tau_prior(tau),
            model=s.get("model", "random"),
        )
    from hiermodels.api.model import Model

    return Model(
        s["formula"],
        data,
        family=s.get("family", "gaussian"),
        link=s.get("link"),
        priors=spec.priors or None,
        parameterization=s.get("parameterization", "auto"),
        dropna=s.get("dropna", False),
        residual=s.get("residual"),
        sigma=s.get("sigma"),
    )


def _settings(spec: Spec, overrides: dict | None) -> dict:
    kwargs = {**spec.fit, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    sampler = kwargs.pop("sampler", None)
    allowed = META_SAMPLERS if spec.kind == "meta" else MODEL_SAMPLERS
    if sampler is not None and sampler not in allowed:
        what = "a meta-analysis backend" if spec.kind == "meta" else "a sampler"
        raise SpecError(
            f"{spec.path}: sampler = {sampler!r} is not {what}; choose one of {', '.join(allowed)}."
        )
    if sampler is not None:
        kwargs["backend" if spec.kind == "meta" else "sampler"] = sampler
    return kwargs


def fit_spec(
    path,
    overrides: dict | None = None,
    progressbar: bool | None = None,
    allow_data_outside: bool = False,
):
    """Build and fit the analysis a spec describes.

    Parameters
    ----------
    path : str or Path
    overrides : dict, optional
        Settings that replace ``[fit]`` (``draws``, ``tune``, ``chains``, ``seed``,
        ``sampler``, ``target_accept``); ``None`` values are ignored.
    progressbar : bool, optional
        Default: on in interactive use.
    allow_data_outside : bool
        Let ``data`` name a CSV outside the spec's folder (absolute or with ``..``).

    Returns
    -------
    hiermodels.Fit or hiermodels.meta.MetaFit
        With the spec's title, description and data source stored in
        ``fit.idata.posterior.attrs["hiermodels_report"]`` for :meth:`report`.
    """
    spec = load_spec(path)
    settings = _settings(spec, overrides)
    analysis = build(spec, allow_data_outside=allow_data_outside)
    fit = analysis.fit(progressbar=progressbar, **settings)
    fit.idata.posterior.attrs["hiermodels_report"] = json.dumps(spec.report_info())
    return fit
