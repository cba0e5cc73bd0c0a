r"""A prior distribution as the user states it: ``Prior("Normal", mu=0, sigma=10)`` or the
string ``"normal(0, 10)"``; its support, log density and draws (NumPy, ``scipy.special``).

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
        """Log density at ``x`` (NumPy and ``scipy.special``), for prior-vs-posterior checks.

        The formulas of ``scipy.stats``' distributions with ``loc``/``scale`` (equal to
        them within rounding; ``tests/test_priors.py`` checks), without importing
        ``scipy.stats`` (~0.5 s in a fresh process, which every fit's small-cluster
        checks would otherwise pay): ``-inf`` outside the support, NaN at NaN.
        """
        from scipy import special as sc

        p, d = self.params, self.dist
        if d == "Normal":
            return _located(x, p["mu"], p["sigma"], lambda z: -(z**2) / 2.0 - _LOG_SQRT_2PI)
        if d in ("StudentT", "HalfStudentT"):
            nu = p["nu"]
            const = np.log(sc.poch(0.5 * nu, 0.5)) - 0.5 * (np.log(nu) + np.log(np.pi))
            if d == "StudentT":
                return _located(
                    x, p["mu"], p["sigma"], lambda z: const - (nu + 1) / 2 * np.log1p(z * z / nu)
                )
            t = _located(x, 0.0, p["sigma"], lambda z: const - (nu + 1) / 2 * np.log1p(z * z / nu))
            with np.errstate(divide="ignore"):
                return np.log(2) + t + np.log(np.asarray(x) >= 0)
        if d == "Cauchy":
            return _located(x, p["alpha"], p["beta"], lambda z: -np.log(np.pi) - sc.log1p(z * z))
        if d == "HalfNormal":
            return _located(
                x, 0.0, p["sigma"], lambda z: 0.5 * np.log(2.0 / np.pi) - z * z / 2.0, 0
            )
        if d == "HalfCauchy":
            return _located(x, 0.0, p["beta"], lambda z: np.log(2.0 / np.pi) - sc.log1p(z * z), 0)
        if d == "Exponential":
            return _located(x, 0.0, 1 / p["lam"], lambda z: -z, 0)
        if d == "Gamma":
            a = p["alpha"]
            return _located(
                x, 0.0, 1 / p["beta"], lambda z: sc.xlogy(a - 1.0, z) - z - sc.gammaln(a), 0
            )
        if d == "LogNormal":
            s = p["sigma"]
            return _located(x, 0.0, np.exp(p["mu"]), lambda z: _lognormal_logpdf(z, s), 0)
        if d == "Uniform":
            return _located(x, p["lower"], p["upper"] - p["lower"], lambda z: 0.0 * z, 0, 1)
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


_LOG_SQRT_2PI = np.log(np.sqrt(2 * np.pi))


def _located(x, loc, scale, logpdf, lower=-np.inf, upper=np.inf):
    """``logpdf((x - loc) / scale) - log(scale)`` on the support ``[lower, upper]`` of the
    standardised ``z``, ``-inf`` off it and NaN at NaN, as ``scipy.stats`` computes it; a
    scalar for a scalar ``x``."""
    z = (np.asarray(x, dtype=float) - loc) / scale
    inside = (z >= lower) & (z <= upper)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = logpdf(np.where(inside, z, max(lower, min(upper, 1.0))))
        out = np.where(inside, inner - np.log(scale), -np.inf)
    return np.where(np.isnan(z), np.nan, out)[()]


def _lognormal_logpdf(z, s):
    """``scipy.stats.lognorm``'s standard log density (``-inf`` at 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        val = -(np.log(z) ** 2) / (2 * s**2) - np.log(s * z * np.sqrt(2 * np.pi))
    return np.where(z != 0, val, -np.inf)


def fmt(v: float) -> str:
    return f"{v:.4g}"


def boundary_avoiding(scale: float) -> Prior:
    """Chung et al. (2013) Gamma(2, rate = 1/scale) prior for a group-level SD."""
    return Prior("Gamma", alpha=2.0, beta=1.0 / scale)
