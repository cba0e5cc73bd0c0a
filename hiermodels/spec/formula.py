"""Parse lme4/brms formulas into their parts, safely.

``Reaction ~ Days + (Days | Subject)`` is split into the response, the population-level
(fixed) part, offsets and group-level terms. formulae evaluates the fixed part and the
left side of each group term; hiermodels handles what formulae cannot: ``(x || g)``
(uncorrelated), ``(1 | a/b)`` (nested), the brms binomial response
``successes | trials(n)`` and ``offset(...)``.

Safety: formulae resolves calls against a Python namespace, so a term such as
``os.system('...')`` would run. Every call in a formula is checked against a whitelist
*before* anything is evaluated, and evaluation uses a namespace that holds only the
whitelisted functions. This module never imports PyMC.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np

from hiermodels.errors import FormulaError
from hiermodels.spec.group_means import FORMULA_FUNCTIONS as _GROUP_MEAN_FUNCTIONS

#: Functions a formula may call (R/brms spellings and NumPy ones), plus the group-mean
#: centring transforms ``within(x, g)`` and ``between(x, g)`` (stateful: the group means
#: of the fitted data are reused for new data).
SAFE_FUNCTIONS = {
    "log": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "log1p": np.log1p,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "square": np.square,
    "sin": np.sin,  # seasonal terms such as sin(2*pi*Time) (nlme's Ovary example)
    "cos": np.cos,
    **_GROUP_MEAN_FUNCTIONS,
}
_NUMPY_OK = {"log", "log2", "log10", "log1p", "exp", "sqrt", "abs", "square", "power", "sin", "cos"}
#: Named constants a formula may use (unless the data has a column of that name).
CONSTANTS = {"pi": np.pi}
#: Calls formulae itself implements (stateful transforms and factor coding); formulae
#: resolves these from its own transforms, never from a caller's namespace:
#: ``I(x**2)`` arithmetic on columns, ``poly(x, k)`` orthogonal polynomials and
#: ``bs(x, df=k)`` B-splines (coefficients / knots of the fitted data reused on new data),
#: ``C(x, Sum)`` / ``C(x, Treatment("ref"))`` contrast coding.
_FORMULAE_BUILTINS = {"C", "I", "center", "scale", "standardize", "poly", "bs", "Treatment"}
#: Contrast names usable (uncalled) as the second argument of ``C()``.
CONTRASTS = {"Sum", "Treatment"}
#: Splines users may expect that formulae 0.6.2 does not provide, with the alternative.
_NOT_PROVIDED = {
    "cr": "natural cubic regression splines cr() are not provided by formulae 0.6.2",
    "ns": "natural splines ns() are not provided by formulae 0.6.2",
    "cc": "cyclic splines cc() are not provided by formulae 0.6.2",
    "te": "tensor-product smooths te() are not provided by formulae 0.6.2",
    "s": "penalised smooths s() are not supported",
}
#: Calls hiermodels interprets itself.
_SPECIAL = {"offset", "trials"}


class _SafeNumpy:
    """A stand-in for ``np`` inside formulas that exposes only safe functions."""

    def __init__(self):
        for name in _NUMPY_OK:
            setattr(self, name, getattr(np, name))


def safe_environment():
    """A formulae ``Environment`` holding only the whitelisted functions."""
    from hiermodels.spec.formulae_import import import_formulae

    import_formulae()  # without scipy.interpolate
    from formulae.environment import Environment

    return Environment([{**CONSTANTS, **SAFE_FUNCTIONS, "np": _SafeNumpy(), "numpy": _SafeNumpy()}])


@dataclass(frozen=True)
class GroupTerm:
    """One group-level term ``(expr | factor)`` or ``(expr || factor)``.

    ``factor`` is already expanded: ``a/b`` gives two terms, on ``a`` and on ``a:b``.
    """

    expr: str
    factor: str
    correlated: bool = True
    parent: str | None = None

    def __str__(self) -> str:
        bar = "|" if self.correlated else "||"
        return f"({self.expr} {bar} {self.factor})"


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into the pieces the design layer evaluates."""

    formula: str
    response: str
    trials: str | None
    fixed: str
    offsets: tuple[str, ...] = ()
    groups: tuple[GroupTerm, ...] = field(default_factory=tuple)

    @property
    def factors(self) -> tuple[str, ...]:
        """Grouping factors in order of first appearance."""
        seen: list[str] = []
        for g in self.groups:
            if g.factor not in seen:
                seen.append(g.factor)
        return tuple(seen)


# --------------------------------------------------------------------------- splitting
def _split_top(text: str, seps: tuple[str, ...]) -> list[tuple[str, str]]:
    """Split ``text`` at separators outside parentheses/brackets/quotes.

    Returns (separator-before, piece) pairs; the first separator is ''.
    """
    out, depth, start, prev, i, quote = [], 0, 0, "", 0, None
    while i < len(text):
        ch = text[i]
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                raise FormulaError(f"Unbalanced ')' in {text!r}.")
        elif depth == 0:
            for sep in seps:
                if text.startswith(sep, i):
                    out.append((prev, text[start:i]))
                    prev, start = sep, i + len(sep)
                    i += len(sep) - 1
                    break
        i += 1
    if depth != 0 or quote:
        raise FormulaError(f"Unbalanced parentheses or quotes in {text!r}.")
    out.append((prev, text[start:]))
    return out


def _strip_outer(text: str) -> str | None:
    """Inner text if ``text`` is entirely wrapped in one pair of parentheses."""
    t = text.strip()
    if not (t.startswith("(") and t.endswith(")")):
        return None
    depth = 0
    for i, ch in enumerate(t):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(t) - 1:
            return None
    return t[1:-1]


_CALL = re.compile(r"([A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*)\s*\(")
_CONTRAST_ARG = re.compile(r"\bC\s*\(\s*[^,()]+,\s*([A-Za-z_]\w*)\s*[,)]")
_DOTTED = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*)\.([A-Za-z_]\w*)")


def check_safe(text: str, columns=()) -> None:
    """Refuse any call that is not whitelisted, any dunder and any attribute access.

    Raises
    ------
    FormulaError
        Naming the offending call and listing what is allowed.
    """
    if "__" in text:
        raise FormulaError(f"Names with '__' are not allowed in a formula (in {text!r}).")
    if any(ch in text for ch in ";\\@"):
        raise FormulaError(f"Unexpected character in formula {text!r}.")
    keyword = re.search(r"\b(lambda)\b", text)
    if keyword:
        raise FormulaError(
            f"{keyword.group(1)!r} is not allowed in a formula (in {text!r}); a formula names "
            "columns and whitelisted functions only."
        )
    allowed = _FORMULAE_BUILTINS | _SPECIAL | set(SAFE_FUNCTIONS)
    allowed |= {f"{m}.{f}" for m in ("np", "numpy") for f in _NUMPY_OK}
    for m in _CALL.finditer(text):
        name = m.group(1)
        if name in _NOT_PROVIDED:
            raise FormulaError(
                f"Unknown function {name}() in the formula: {_NOT_PROVIDED[name]}. Use "
                "bs(x, df=k) (B-spline basis, knots kept for new data) or poly(x, k) "
                "(orthogonal polynomial) instead."
            )
        if name not in allowed:
            raise FormulaError(
                f"Unknown function {name}() in the formula: {name}(...) is not allowed; formula terms may "
                f"only use {', '.join(sorted(allowed - _SPECIAL))}, offset() and trials(). "
                "Compute other transformations in the DataFrame first."
            )
    cols = set(map(str, columns))
    for m in _CONTRAST_ARG.finditer(text):
        if m.group(1) not in CONTRASTS and m.group(1) not in cols:
            raise FormulaError(
                f"Unknown contrast {m.group(1)!r} in C(): use C(x, Sum) (sum-to-zero, "
                "effects against the grand mean) or C(x, Treatment('ref')) (dummies against "
                "the reference level 'ref')."
            )
    for m in _DOTTED.finditer(text):
        full = f"{m.group(1)}.{m.group(2)}"
        if m.group(1) in {"np", "numpy"} and m.group(2) in _NUMPY_OK:
            continue
        if full in cols:
            continue
        raise FormulaError(f"Attribute access {full!r} is not allowed in a formula.")


# --------------------------------------------------------------------------- parsing
_TRIALS = re.compile(r"^(?P<succ>.+?)\|\s*trials\s*\((?P<n>.+)\)\s*$")


def _parse_factor(text: str) -> list[tuple[str, str | None]]:
    """``a/b/c`` -> [(a, None), (a:b, a), (a:b:c, a:b)]; ``a:b`` -> [(a:b, None)]."""
    parts = [p.strip() for p in text.split("/")]
    if any(not p for p in parts):
        raise FormulaError(f"Empty grouping factor in {text!r}.")
    out, prefix = [], None
    for p in parts:
        names = [q.strip() for q in p.split(":")]
        if any(not re.fullmatch(r"[A-Za-z_.][\w.]*|`[^`]+`", q) for q in names):
            raise FormulaError(
                f"Grouping factor {p!r} must be a column name or an interaction a:b of columns."
            )
        label = ":".join(n.strip("`") for n in names)
        full = label if prefix is None else f"{prefix}:{label}"
        out.append((full, prefix))
        prefix = full
    return out


def _group_terms(inner: str) -> list[GroupTerm]:
    pieces = _split_top(inner, ("||", "|"))
    if len(pieces) != 2:
        raise FormulaError(f"A group term needs exactly one '|' or '||': ({inner}).")
    (_, expr), (bar, factor) = pieces
    expr = expr.strip()
    if not expr:
        raise FormulaError(
            f"Missing left side in group term ({inner}); write (1 | {factor.strip()})."
        )
    if "|" in expr:
        raise FormulaError(f"Nested bars in group term ({inner}).")
    return [
        GroupTerm(expr=expr, factor=f, correlated=(bar == "|"), parent=parent)
        for f, parent in _parse_factor(factor)
    ]


def parse_formula(formula: str, columns=()) -> ParsedFormula:
    """Split an lme4/brms formula into response, fixed part, offsets and group terms.

    Parameters
    ----------
    formula : str
        e.g. ``"Reaction ~ Days + (Days | Subject)"``,
        ``"incidence | trials(size) ~ period + (1 | herd)"``,
        ``"strength ~ 1 + (1 | batch/cask)"``, ``"y ~ x + offset(log(t)) + (x || g)"``.
    columns : iterable of str
        Data columns (used only to allow dotted column names).

    Returns
    -------
    ParsedFormula

    Raises
    ------
    FormulaError
        On syntax errors or disallowed code.
    """
    if not isinstance(formula, str) or not formula.strip():
        raise FormulaError("The formula must be a non-empty string such as 'y ~ x + (1 | g)'.")
    check_safe(formula, columns)
    sides = _split_top(formula, ("~",))
    if len(sides) != 2:
        raise FormulaError(
            f"The formula {formula!r} needs exactly one '~' between the response and the predictors."
        )
    lhs, rhs = sides[0][1].strip(), sides[1][1].strip()
    if not lhs:
        raise FormulaError(f"The formula {formula!r} has no response on the left of '~'.")
    if not rhs:
        raise FormulaError(f"The formula {formula!r} has nothing on the right of '~'; use 'y ~ 1'.")
    trials = None
    m = _TRIALS.match(lhs)
    if m:
        lhs, trials = m.group("succ").strip(), m.group("n").strip()
    elif "|" in lhs:
        raise FormulaError(
            f"Response {lhs!r}: the only supported '|' on the left is 'successes | trials(n)'."
        )

    fixed, offsets, groups = [], [], []
    for sign, term in _split_top(rhs, ("+", "-")):
        t = term.strip()
        if not t:
            if sign == "" and rhs.lstrip().startswith("-"):
                continue
            raise FormulaError(f"Empty term in {rhs!r} (a dangling '+' or '-'?).")
        inner = _strip_outer(t)
        if inner is not None and _split_top(inner, ("|",))[1:]:
            if sign == "-":
                raise FormulaError(f"A group term cannot be subtracted: -{t}.")
            groups.extend(_group_terms(inner))
            continue
        mo = re.fullmatch(r"offset\s*\((.+)\)", t)
        if mo:
            if sign == "-":
                raise FormulaError(f"An offset cannot be subtracted: -{t}.")
            offsets.append(mo.group(1).strip())
            continue
        fixed.append(f"{sign} {t}" if sign else t)
    fixed_text = " ".join(fixed).strip()
    if fixed_text.startswith("+"):
        fixed_text = fixed_text[1:].strip()
    if not fixed_text:
        fixed_text = "1"
    elif fixed_text.startswith("-"):
        fixed_text = "1 " + fixed_text
    _check_duplicate_groups(groups)
    return ParsedFormula(
        formula=formula.strip(),
        response=lhs,
        trials=trials,
        fixed=fixed_text,
        offsets=tuple(offsets),
        groups=tuple(groups),
    )


def _check_duplicate_groups(groups: list[GroupTerm]) -> None:
    seen = set()
    for g in groups:
        key = (g.expr.replace(" ", ""), g.factor)
        if key in seen:
            raise FormulaError(f"The group term {g} appears twice.")
        seen.add(key)


def suggest(name: str, options) -> str:
    """' Did you mean ...?' for a misspelt name, or ''."""
    close = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def referenced_names(text: str) -> set[str]:
    """Identifiers a formula piece refers to.

    Function names, keyword-argument names (``df=`` in ``bs(x, df=4)``), ``True`` /
    ``False`` / ``None`` and the contrast names of ``C(x, Sum)`` are not column names.
    """
    text = re.sub(r"'[^']*'|\"[^\"]*\"", " ", text)
    names = set()
    for m in re.finditer(r"`([^`]+)`|([A-Za-z_][\w.]*)", text):
        tok = m.group(1) or m.group(2)
        end = m.end()
        rest = text[end:].lstrip()
        if m.group(2) and rest.startswith("("):
            continue
        if m.group(2) and rest.startswith("=") and not rest.startswith("=="):
            continue
        if m.group(2) and (tok in {"True", "False", "None"} or _is_contrast(text, m)):
            continue
        if tok in {"np", "numpy"} or tok.startswith(("np.", "numpy.")) or tok in CONSTANTS:
            continue
        names.add(tok)
    return names


def _is_contrast(text: str, match) -> bool:
    """Whether the name at ``match`` is a contrast (``Sum``) given as an argument of ``C()``."""
    if match.group(2) not in CONTRASTS:
        return False
    before = text[: match.start()].rstrip()
    return before.endswith(",") and re.search(r"\bC\s*\([^()]*$", before) is not None
