"""The catalogue of bad inputs (issue 15), shared by ``test_bad_inputs.py``.

Each case is a bad input a careless user or an attacker could give, the hiermodels error
class it must raise and a regular expression its message must match: the column, term or
value at fault (and, where it matters, the fix). Cases are cheap: they fail before
sampling; the few that need a fit share the fit written by the previous release
(``tests/data/fit_v0_1_0.nc``). The harness lives in ``test_bad_inputs.py``; the cases of
the CLI and of files on disk are in ``badcases_io.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import hiermodels as hm
from hiermodels.errors import DataError, FormulaError, HiermodelsError, PriorError, SamplingError


@dataclass(frozen=True)
class Case:
    """One bad input: ``fn(ctx)`` must raise ``exc`` with a message matching ``pattern``."""

    id: str
    fn: Any
    exc: type
    pattern: str
    kind: str = "api"  # "api" or "cli" (fn returns (exit code, stderr))


CASES: list[Case] = []


def case(id_, exc, pattern):
    def deco(fn):
        CASES.append(Case(id_, fn, exc, pattern))
        return fn

    return deco


def add(id_, fn, exc, pattern):
    CASES.append(Case(id_, fn, exc, pattern))


def M(c, formula="Reaction ~ Days + (Days | Subject)", data=None, **kw):
    return hm.Model(formula, c.sleep if data is None else data, **kw)


def with_col(df, **cols):
    out = df.copy()
    for k, v in cols.items():
        out[k] = v
    return out


def set_at(df, col, row, value):
    out = df.copy()
    out[col] = out[col].astype(object if isinstance(value, str) else float)
    out.loc[row, col] = value
    return out


# ----------------------------------------------------------------------------- formulas
F = FormulaError
for i, (formula, pattern) in enumerate(
    [
        ("", r"formula|empty|~"),
        ("Reaction Days", r"~"),
        ("~ Days", r"response|left"),
        ("Reaction ~ Days ~ Subject", r"~"),
        ("Reaction ~ Days + (1 | Subject", r"parenthes|\)"),
        ("Reaction ~ Days + (1 | )", r"group|factor|\|"),
        ("Reaction ~ Days + ( | Subject)", r"\|"),
        ("Reaction ~ __import__('os').system('true')", r"__import__"),
        ("Reaction ~ eval('1')", r"eval"),
        ("Reaction ~ open('/etc/passwd')", r"open"),
        ("Reaction ~ (lambda: 1)()", r"lambda"),
        ("Reaction ~ Days.__class__", r"__class__"),
        ("Reaction ~ np.load('x.npy')", r"load"),
        ("Reaction ~ foo(Days)", r"foo"),
        ("Reaction ~ exec('x=1')", r"exec"),
        ("Reaction ~ getattr(Days, 'x')", r"getattr"),
        ("Reaction ~ Days + (1 | Subject) + (1 | Subject)", r"Subject"),
        ("Reaction ~ Days + [1, 2]", r"\[|not allowed|cannot"),
        ("Reaction ~ Days + 'text'", r"text|string|cannot"),
        ("Reaction ~ Days; import os", r";|import|cannot"),
    ]
):
    add(f"formula-{i:02d}-{formula[:24]}", lambda c, f=formula: M(c, f), F, pattern)

add("formula-not-str", lambda c: M(c, 123), F, r"formula.*(string|str)|123")
add("formula-bytes", lambda c: M(c, b"Reaction ~ Days"), F, r"formula.*(string|str)|bytes")
add("formula-None", lambda c: M(c, None), F, r"formula")

# ----------------------------------------------------------------------------- columns
D = DataError
for i, (formula, name) in enumerate(
    [
        ("Reactoin ~ Days", "Reactoin"),
        ("Reaction ~ Dayz", "Dayz"),
        ("Reaction ~ Days + (1 | Subjekt)", "Subjekt"),
        ("Reaction ~ Days + (Dayz | Subject)", "Dayz"),
        ("Reaction ~ Days + (1 | Subject/Visit)", "Visit"),
        ("Reaction ~ Days + (1 | Subject:Visit)", "Visit"),
        ("Reaction ~ Days + offset(log(Exposure))", "Exposure"),
        ("Reaction ~ log(Dayz)", "Dayz"),
        ("Reaction ~ C(Group)", "Group"),
    ]
):
    add(f"column-{i}-{name}", lambda c, f=formula: M(c, f), HiermodelsError, name)


@case("data-list", D, r"DataFrame")
def _(c):
    return M(c, data=[1, 2, 3])


@case("data-str", D, r"DataFrame")
def _(c):
    return hm.Model("Reaction ~ Days", "sleepstudy.csv")


@case("data-None", D, r"DataFrame")
def _(c):
    return hm.Model("Reaction ~ Days", None)


@case("data-empty", D, r"no rows|empty|0 rows")
def _(c):
    return M(c, data=c.sleep.iloc[:0])


@case("data-one-row", D, r"one row|rows|Subject")
def _(c):
    return M(c, data=c.sleep.iloc[:1])


@case("data-duplicate-columns", D, r"Days|duplicate")
def _(c):
    df = pd.concat([c.sleep, c.sleep[["Days"]]], axis=1)
    return M(c, data=df)


for col in ("Reaction", "Days", "Subject"):
    add(f"nan-in-{col}", lambda c, col=col: M(c, data=set_at(c.sleep, col, 3, np.nan)), D, col)
add(
    "inf-in-Days",
    lambda c: M(c, data=set_at(c.sleep, "Days", 3, np.inf)),
    D,
    r"Days.*inf|inf.*Days",
)
add("inf-in-Reaction", lambda c: M(c, data=set_at(c.sleep, "Reaction", 3, -np.inf)), D, "Reaction")
add(
    "neginf-Days",
    lambda c: M(c, data=set_at(c.sleep, "Days", 0, -np.inf)),
    D,
    r"Days.*inf|inf.*Days",
)
add("string-response", lambda c: M(c, data=set_at(c.sleep, "Reaction", 3, "fast")), D, "Reaction")
add(
    "string-predictor-in-log", lambda c: M(c, "Reaction ~ log(Subject)"), HiermodelsError, "Subject"
)
add(
    "collinear",
    lambda c: M(c, "Reaction ~ Days + D2", data=with_col(c.sleep, D2=c.sleep.Days * 2)),
    D,
    r"D2|Days",
)
add(
    "one-level-factor",
    lambda c: M(c, "Reaction ~ Days + (1 | g)", data=with_col(c.sleep, g="a")),
    D,
    r"'g'|one level",
)
add(
    "slope-not-varying",
    lambda c: M(
        c,
        "Reaction ~ Days + (w | Subject)",
        data=with_col(c.sleep, w=c.sleep.Subject.astype(str).str[-1].astype(float)),
    ),
    D,
    r"'w'|\bw\b",
)
add("log-of-negative", lambda c: M(c, "Reaction ~ log(Days)"), D, r"Days|log")
add(
    "dropna-all-rows",
    lambda c: M(c, data=with_col(c.sleep, Days=np.nan), dropna=True),
    D,
    r"Days|no rows|all",
)
add("dropna-not-bool", lambda c: M(c, dropna="yes"), HiermodelsError, r"dropna")
add(
    "offset-nan",
    lambda c: M(
        c, "Reaction ~ Days + offset(o)", data=set_at(with_col(c.sleep, o=1.0), "o", 2, np.nan)
    ),
    D,
    r"\bo\b|offset",
)

# ----------------------------------------------------------------------------- families
for fam, pattern in (
    ("gausian", "gausian"),
    ("normal_dist", "normal_dist"),
    ("", "family"),
    (None, "family"),
    (3, "family"),
):
    add(f"family-{fam!r}", lambda c, f=fam: M(c, family=f), HiermodelsError, pattern)
add("link-unknown", lambda c: M(c, link="cloglogg"), HiermodelsError, "cloglogg")
add("link-probit-gaussian", lambda c: M(c, link="probit"), HiermodelsError, r"probit")
add(
    "poisson-negative",
    lambda c: M(c, "y ~ x", data=c.counts.assign(y=-1), family="poisson"),
    D,
    r"'y'|negative",
)
add(
    "poisson-noninteger",
    lambda c: M(c, "y ~ x", data=c.counts.assign(y=1.5), family="poisson"),
    D,
    r"'y'|integer",
)
add(
    "negbin-negative",
    lambda c: M(c, "y ~ x", data=c.counts.assign(y=-2), family="negbinomial"),
    D,
    r"'y'|negative",
)
add(
    "bernoulli-two",
    lambda c: M(c, "y ~ x", data=c.counts.assign(y=2), family="bernoulli"),
    D,
    r"'y'|0 (and|or) 1|two",
)
add(
    "bernoulli-three-levels",
    lambda c: M(c, "y ~ x", data=c.counts.assign(y=list("abc") * 10), family="bernoulli"),
    HiermodelsError,
    r"'y'|levels",
)
add(
    "binomial-no-trials",
    lambda c: M(c, "y ~ x", data=c.counts, family="binomial"),
    HiermodelsError,
    r"trials",
)
add(
    "binomial-success-gt-trials",
    lambda c: M(c, "y | trials(n) ~ x", data=c.counts.assign(n=1, y=3), family="binomial"),
    D,
    r"trials|'n'|exceed|>",
)
add(
    "binomial-negative-trials",
    lambda c: M(c, "y | trials(n) ~ x", data=c.counts.assign(n=-1, y=0), family="binomial"),
    D,
    r"'n'|trials|negative",
)
add(
    "binomial-fractional-trials",
    lambda c: M(c, "y | trials(n) ~ x", data=c.counts.assign(n=10.5), family="binomial"),
    D,
    r"'n'|trials|integer",
)
add(
    "binomial-trials-missing",
    lambda c: M(c, "y | trials(m) ~ x", data=c.counts, family="binomial"),
    HiermodelsError,
    r"\bm\b",
)
add(
    "trials-with-gaussian",
    lambda c: M(c, "y | trials(n) ~ x", data=c.counts.assign(n=10)),
    HiermodelsError,
    r"trials.*(binomial|family)|(binomial|family).*trials",
)
add(
    "trials-with-poisson",
    lambda c: M(c, "y | trials(n) ~ x", data=c.counts.assign(n=10), family="poisson"),
    HiermodelsError,
    r"trials",
)

# ----------------------------------------------------------------------------- priors
P = PriorError
add("priors-list", lambda c: M(c, priors=["normal(0, 1)"]), HiermodelsError, r"priors.*dict")
for key, value, pattern in [
    ("Dayz", "normal(0, 1)", "Dayz"),
    ("b", "normall(0, 1)", "normall"),
    ("b", "normal(0)", r"normal|Normal.*2"),
    ("b", "normal(a, b)", r"number"),
    ("b", "normal 0, 1", r"normal 0, 1"),
    ("b", None, r"b|None"),
    ("b", 5, r"'b'|Days|5"),
    ("sd", "normal(0, 1)", r"sd|positive"),
    ("Days", "half_normal(5)", r"Days|real"),
    ("sigma", "lkj(2)", r"sigma|positive"),
    ("cor", "normal(0, 1)", r"cor|lkj|correlation"),
    ("sd", "half_normal(-5)", r"-5|sigma|positive"),
    ("b", "normal(0, 0)", r"sigma|positive|> 0"),
    ("sigma", "exponential(-1)", r"lam|-1|positive"),
    ("sd", "gamma(-2, 1)", r"alpha|-2|positive"),
    ("sd", "uniform(5, 1)", r"lower|upper"),
    ("cor", "lkj(-1)", r"eta|-1|positive"),
    ("cor", "lkj(0)", r"eta|positive"),
    ("cor", -3, r"eta|-3|positive"),
    ("b", "student_t(-3, 0, 1)", r"nu|-3|positive"),
    ("Intercept", "normal(0, -1)", r"sigma|-1|positive"),
    ("b", "cauchy(0, 0)", r"beta|positive"),
    ("sd", "half_cauchy(-1)", r"beta|-1|positive"),
    ("sigma", "lognormal(0, -1)", r"sigma|-1|positive"),
    ("b", "normal(0, inf)", r"inf|finite"),
    ("sd", "half_student_t(0, 1)", r"nu|positive"),
    ("sd", "gamma(2, 0)", r"beta|positive"),
    ("sd(Subject, Dayz)", "half_normal(1)", r"Dayz"),
    ("sd(Subjekt)", "half_normal(1)", r"Subjekt"),
]:
    add(
        f"prior-{key}={value!r}",
        lambda c, k=key, v=value: M(c, priors={k: v}),
        P,
        pattern,
    )
add(
    "prior-cor-uncorrelated",
    lambda c: M(c, "Reaction ~ Days + (Days || Subject)", priors={"cor": "lkj(2)"}),
    P,
    r"cor",
)
add("prior-phi-gaussian", lambda c: M(c, priors={"phi": "gamma(2, 0.1)"}), P, r"phi")
for dist, params, pattern in [
    ("HalfNormal", {"sigma": -5}, r"sigma|-5"),
    ("Normal", {"mu": 0, "sigma": 0}, r"sigma"),
    ("LKJ", {"eta": -1}, r"eta"),
    ("Gamma", {"alpha": -2, "beta": 1}, r"alpha"),
    ("Uniform", {"lower": 5, "upper": 1}, r"lower|upper"),
    ("Exponential", {"lam": -1}, r"lam"),
    ("Normal", {"mu": "a", "sigma": 1}, r"mu|number"),
    ("Normal", {"mu": None, "sigma": 1}, r"mu|number"),
    ("Normal", {"mu": 0, "sigma": [1, 2]}, r"sigma|number"),
    ("Normal", {"mu": 0}, r"sigma"),
    ("Normal", {"mu": 0, "sigma": 1, "nu": 3}, r"nu"),
    ("Wishart", {"nu": 3}, r"Wishart"),
    ("Normal", {"mu": 0, "sigma": True}, r"sigma|number|bool"),
]:
    add(f"Prior({dist}, {params})", lambda c, d=dist, p=params: hm.Prior(d, **p), P, pattern)

# ----------------------------------------------------------------------------- parameterization
add(
    "param-unknown",
    lambda c: M(c, parameterization="fast"),
    HiermodelsError,
    r"fast|parameterization",
)
add(
    "param-collapsed-poisson",
    lambda c: M(
        c, "y ~ x + (1 | g)", data=c.counts, family="poisson", parameterization="collapsed"
    ),
    HiermodelsError,
    r"collapsed",
)
add(
    "param-dict-factor",
    lambda c: M(c, parameterization={"Subjekt": "centered"}),
    HiermodelsError,
    r"Subjekt",
)
add(
    "param-dict-value",
    lambda c: M(c, parameterization={"Subject": "sideways"}),
    HiermodelsError,
    r"sideways",
)
add("param-number", lambda c: M(c, parameterization=3), HiermodelsError, r"parameterization|3")

# ----------------------------------------------------------------------------- fit arguments
S = SamplingError
for arg, value, pattern in [
    ("draws", 0, r"draws"),
    ("draws", -1, r"draws"),
    ("draws", 1.5, r"draws"),
    ("draws", "100", r"draws"),
    ("draws", True, r"draws"),
    ("draws", None, r"draws"),
    ("draws", 10**12, r"draws"),
    ("draws", np.nan, r"draws"),
    ("tune", -1, r"tune"),
    ("tune", 2.5, r"tune"),
    ("tune", False, r"tune"),
    ("tune", 10**12, r"tune"),
    ("chains", 0, r"chains"),
    ("chains", -2, r"chains"),
    ("chains", 2.5, r"chains"),
    ("chains", 10**6, r"chains"),
    ("cores", 0, r"cores"),
    ("cores", -1, r"cores"),
    ("cores", 1.5, r"cores"),
    ("cores", "2", r"cores"),
    ("seed", -1, r"seed"),
    ("seed", 2**70, r"seed"),
    ("seed", 1.5, r"seed"),
    ("seed", "abc", r"seed"),
    ("target_accept", 0, r"target_accept"),
    ("target_accept", 1, r"target_accept"),
    ("target_accept", 1.5, r"target_accept"),
    ("target_accept", np.nan, r"target_accept"),
    ("target_accept", "0.9", r"target_accept"),
    ("sampler", "stan", r"stan"),
    ("sampler", 5, r"sampler|5"),
    ("sampler", "", r"sampler"),
    ("progressbar", "yes", r"progressbar"),
]:
    add(f"fit-{arg}={value!r}", lambda c, a=arg, v=value: c.small.fit(**{a: v}), S, pattern)
