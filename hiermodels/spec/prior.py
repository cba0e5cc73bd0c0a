r"""A prior distribution as the user states it: ``Prior("Normal", mu=0, sigma=10)`` or the
string ``"normal(0, 10)"``; its support, log density and draws (NumPy/SciPy).

Which prior each parameter gets by default, and how overrides apply, is
:mod:`hiermodels.model.priors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from hiermodels.errors import PriorError
from hiermodels.spec.prior_params import check_prior_params

# distribution -> (positional parameter names, support)
_DISTS = {
    "Normal": (("mu", "sigma"), "real"),
    "StudentT": (("nu", "mu", "sigma"), "real"),
    "Cauchy": (("alpha", "beta"), "real"),
    "HalfNormal": (("sigma",), "positive"),
    "HalfStudentT": (("nu", "sigma"), "positive"),
    "HalfCauchy": (("beta",), "positive"),
    "Exponential": (("lam",), "positive"),
    "Gamma": (("alpha", "beta"), "positive"),
    "LogNormal": (("mu", "sigma"), "positive"),
    "Uniform": (("lower", "upper"), "interval"),
    "LKJ": (("eta",), "correlation"),
}
_ALIASES = {
    "normal": "Normal",
    "gaussian": "Normal",
    "student_t": "StudentT",
    "studentt": "StudentT",
    "t": "StudentT",
    "cauchy": "Cauchy",
    "half_normal": "HalfNormal",
    "halfnormal": "HalfNormal",
    "half_student_t": "HalfStudentT",
    "halfstudentt": "HalfStudentT",
    "half_t": "HalfStudentT",
    "half_cauchy": "HalfCauchy",
    "halfcauchy": "HalfCauchy",
    "exponential": "Exponential",
    "gamma": "Gamma",
    "lognormal": "LogNormal",
    "log_normal": "LogNormal",
    "uniform": "Uniform",
    "lkj": "LKJ",
    "lkj_corr": "LKJ",
    "lkjcorr": "LKJ",
}


@dataclass(frozen=True)
class Prior:
    """A prior distribution, e.g. ``Prior("Normal", mu=0, sigma=10)``.

    Parameters
    ----------
    dist : str
        A PyMC distribution name (Normal, StudentT, Cauchy, HalfNormal, HalfStudentT,
        HalfCauchy, Exponential, Gamma, LogNormal, Uniform) or ``"LKJ"`` for correlations.
    **params
        Its parameters, by PyMC's names (``lam`` is the exponential rate).
    """

    dist: str
    params: dict = field(default_factory=dict)

    def __init__(self, dist: str, **params):
        name = _ALIASES.get(str(dist).lower(), str(dist))
        if name not in _DISTS:
            raise PriorError(f"Unknown prior distribution {dist!r}; use one of {list(_DISTS)}.")
        names, _ = _DISTS[name]
        missing = [p for p in names if p not in params]
        extra = [p for p in params if p not in names]
        if missing or extra:
            raise PriorError(f"{name} takes parameters {names}; got {sorted(params)}.")
        values = check_prior_params(name, params)  # numbers, finite, scales > 0
        object.__setattr__(self, "dist", name)
        object.__setattr__(self, "params", {k: values[k] for k in names})

    @classmethod
    def parse(cls, spec) -> Prior:
        """Build a prior from ``"normal(0, 10)"``-style text (positional, R-like order)."""
        if isinstance(spec, Prior):
            return spec
        m = re.fullmatch(r"\s*([A-Za-z_]+)\s*\((.*)\)\s*", str(spec))
        if not m:
            raise PriorError(f"Cannot read the prior {spec!r}; write e.g. 'normal(0, 10)'.")
        name = _ALIASES.get(m.group(1).lower(), m.group(1))
        if name not in _DISTS:
            raise PriorError(f"Unknown prior distribution {m.group(1)!r} in {spec!r}.")
        try:
            args = [float(a) for a in m.group(2).split(",") if a.strip()]
        except ValueError as err:
            raise PriorError(f"Prior parameters in {spec!r} must be numbers.") from err
        names = _DISTS[name][0]
        if len(args) != len(names):
            raise PriorError(f"{spec!r}: {name} takes {len(names)} numbers ({', '.join(names)}).")
        return cls(name, **dict(zip(names, args, strict=True)))

    @property
    def support(self) -> str:
        return _DISTS[self.dist][1]

    def __str__(self) -> str:
        args = ", ".join(f"{fmt(v)}" for v in self.params.values())
        return f"{self.dist}({args})"

    def __repr__(self) -> str:
        return f"Prior({self!s})"

    def logpdf(self, x):
        """Log density at ``x`` (NumPy/SciPy), for prior-vs-posterior checks."""
        from scipy import stats

        p = self.params
        d = self.dist
        if d == "Normal":
            return stats.norm.logpdf(x, p["mu"], p["sigma"])
        if d == "StudentT":
            return stats.t.logpdf(x, p["nu"], p["mu"], p["sigma"])
        if d == "Cauchy":
            return stats.cauchy.logpdf(x, p["alpha"], p["beta"])
        if d == "HalfNormal":
            return stats.halfnorm.logpdf(x, 0, p["sigma"])
        if d == "HalfStudentT":
            return (
                np.log(2) + stats.t.logpdf(x, p["nu"], 0, p["sigma"]) + np.log(np.asarray(x) >= 0)
            )
        if d == "HalfCauchy":
            return stats.halfcauchy.logpdf(x, 0, p["beta"])
        if d == "Exponential":
            return stats.expon.logpdf(x, 0, 1 / p["lam"])
        if d == "Gamma":
            return stats.gamma.logpdf(x, p["alpha"], 0, 1 / p["beta"])
        if d == "LogNormal":
            return stats.lognorm.logpdf(x, p["sigma"], 0, np.exp(p["mu"]))
        if d == "Uniform":
            return stats.uniform.logpdf(x, p["lower"], p["upper"] - p["lower"])
        raise PriorError(f"No scalar density for {self}.")

    def draw(self, rng: np.random.Generator, size):
        """Draws from the prior (NumPy), for prior-vs-posterior plots."""
        p, d = self.params, self.dist
        if d == "Normal":
            return rng.normal(p["mu"], p["sigma"], size)
        if d == "StudentT":
            return p["mu"] + p["sigma"] * rng.standard_t(p["nu"], size)
        if d == "Cauchy":
            return p["alpha"] + p["beta"] * rng.standard_cauchy(size)
        if d == "HalfNormal":
            return np.abs(rng.normal(0, p["sigma"], size))
        if d == "HalfStudentT":
            return np.abs(p["sigma"] * rng.standard_t(p["nu"], size))
        if d == "HalfCauchy":
            return np.abs(p["beta"] * rng.standard_cauchy(size))
        if d == "Exponential":
            return rng.exponential(1 / p["lam"], size)
        if d == "Gamma":
            return rng.gamma(p["alpha"], 1 / p["beta"], size)
        if d == "LogNormal":
            return rng.lognormal(p["mu"], p["sigma"], size)
        if d == "Uniform":
            return rng.uniform(p["lower"], p["upper"], size)
        raise PriorError(f"Cannot draw from {self}.")


def fmt(v: float) -> str:
    return f"{v:.4g}"


def boundary_avoiding(scale: float) -> Prior:
    """Chung et al. (2013) Gamma(2, rate = 1/scale) prior for a group-level SD."""
    return Prior("Gamma", alpha=2.0, beta=1.0 / scale)
