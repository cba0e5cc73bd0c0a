"""Check the numbers of a prior before anything samples it.

``half_normal(-5)``, ``normal(0, 0)``, ``exponential(-1)``, ``gamma(-2, 1)``,
``uniform(5, 1)`` and ``lkj(-1)`` are not distributions; without this check they are
accepted, then fail deep inside PyMC or sample garbage. Every scale, rate, shape and
degrees-of-freedom parameter must be a finite number > 0, a location a finite number, and a
uniform's lower bound below its upper bound.
"""

from __future__ import annotations

import math
import numbers

from hiermodels.errors import PriorError

#: distribution -> parameters that must be > 0 (and what they are, for the message).
POSITIVE = {
    "Normal": {"sigma": "standard deviation"},
    "StudentT": {"nu": "degrees of freedom", "sigma": "scale"},
    "Cauchy": {"beta": "scale"},
    "HalfNormal": {"sigma": "scale"},
    "HalfStudentT": {"nu": "degrees of freedom", "sigma": "scale"},
    "HalfCauchy": {"beta": "scale"},
    "Exponential": {"lam": "rate"},
    "Gamma": {"alpha": "shape", "beta": "rate"},
    "LogNormal": {"sigma": "standard deviation of the log"},
    "LKJ": {"eta": "concentration"},
}


def as_number(dist: str, name: str, value) -> float:
    """``value`` as a finite float, or a :class:`PriorError` naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise PriorError(
            f"Parameter {name} of the {dist} prior must be a number, got {value!r} "
            f"({type(value).__name__})."
        )
    x = float(value)
    if not math.isfinite(x):
        raise PriorError(f"Parameter {name}={value!r} of the {dist} prior is not finite.")
    return x


def check_prior_params(dist: str, params: dict) -> dict:
    """Return ``params`` as floats; raise :class:`PriorError` for an impossible value."""
    out = {k: as_number(dist, k, v) for k, v in params.items()}
    for name, what in POSITIVE.get(dist, {}).items():
        if name in out and not out[name] > 0:
            raise PriorError(
                f"{dist}({name}={out[name]:g}): the {what} {name} must be > 0. {_example(dist)}"
            )
    if dist == "Uniform" and not out.get("lower", 0) < out.get("upper", 1):
        raise PriorError(
            f"Uniform(lower={out['lower']:g}, upper={out['upper']:g}): lower must be below "
            "upper, e.g. uniform(0, 100)."
        )
    return out


def _example(dist: str) -> str:
    examples = {
        "Normal": "normal(0, 10)",
        "StudentT": "student_t(3, 0, 5)",
        "Cauchy": "cauchy(0, 5)",
        "HalfNormal": "half_normal(5)",
        "HalfStudentT": "half_student_t(3, 5)",
        "HalfCauchy": "half_cauchy(5)",
        "Exponential": "exponential(0.1)",
        "Gamma": "gamma(2, 0.1)",
        "LogNormal": "lognormal(0, 1)",
        "LKJ": "lkj(2) (1 is uniform over correlations)",
    }
    return f"For example {examples[dist]}." if dist in examples else ""
