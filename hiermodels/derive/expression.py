r"""Safe parsing of hypothesis expressions such as ``"Intercept + period[2] = 0"``.

The same idea as the formula safety gate (:func:`hiermodels.formula.check_safe`): nothing
a user types is ever evaluated as Python. The text is parsed with :mod:`ast` and every
node is checked against a whitelist *before* anything is computed; the accepted tree is
converted to a tiny arithmetic language evaluated on NumPy arrays of draws.

Allowed:

* numbers (``2``, ``0.5``, ``1e-3``), parameter names (``Days``, ``sigma``), names
  subscripted by literals (``period[2]``, ``r_Subject[308, Days]``, ``b[Days]``),
  the VarCorr names ``sd(Subject, Days)`` and ``cor(Subject, Intercept, Days)``, and any
  name in backticks (```Days:period[2]```);
* ``+ - * / **``, unary minus and parentheses;
* at most one comparison: ``<``, ``<=``, ``>``, ``>=``, or ``=`` / ``==`` (a point
  hypothesis).

Everything else — attribute access, any other call (``__import__``, ``open``), strings
outside subscripts, lambdas, comprehensions, names containing ``__`` — is refused with a
:class:`hiermodels.errors.HiermodelsError` before evaluation.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import numpy as np

from ..errors import HiermodelsError

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "="}
_CALLS = {"sd", "cor"}  # VarCorr names, never calls


@dataclass(frozen=True)
class Hypothesis:
    """A parsed hypothesis ``lhs op rhs`` (``op`` one of ``< <= > >= =``)."""

    text: str
    lhs: tuple
    op: str
    rhs: tuple

    def names(self) -> set[str]:
        """Parameter names the hypothesis refers to."""
        return _names(self.lhs) | _names(self.rhs)


def _names(node) -> set[str]:
    if node[0] == "name":
        return {node[1]}
    return set().union(*(_names(n) for n in node[1:] if isinstance(n, tuple)))


def _refuse(text: str, what: str) -> HiermodelsError:
    return HiermodelsError(
        f"The hypothesis {text!r} contains {what}, which is not allowed. Write arithmetic "
        "(+ - * / **) on parameter names and numbers with one comparison, e.g. "
        "'Days > 5' or 'Intercept + `period[2]` = 0'."
    )


def parse_hypothesis(text: str) -> Hypothesis:
    """Parse and check one hypothesis; see the module docstring for the grammar.

    Raises
    ------
    HiermodelsError
        On syntax errors, disallowed constructs, or a missing comparison.
    """
    if not isinstance(text, str) or not text.strip():
        raise HiermodelsError("A hypothesis must be a non-empty string such as 'Days > 0'.")
    if "__" in text:
        raise _refuse(text, "a name with '__'")
    quoted: dict[str, str] = {}

    def _quote(m):
        key = f"q_{len(quoted)}_"
        quoted[key] = m.group(1).strip()
        return key

    src = re.sub(r"`([^`]*)`", _quote, text)
    if any(ch in src for ch in ";\\@:$`\n"):
        raise _refuse(text, "an unexpected character (or an unclosed backtick)")
    src = re.sub(r"(?<![<>=!])=(?!=)", "==", src)
    try:
        tree = ast.parse(src.strip(), mode="eval")
    except SyntaxError as err:
        raise HiermodelsError(
            f"Cannot read the hypothesis {text!r}: {err.msg}. Example: 'Days > 5'."
        ) from err
    body = tree.body
    if not isinstance(body, ast.Compare):
        _convert(body, text, quoted)  # refuse unsafe text before saying what is missing
        raise HiermodelsError(
            f"The hypothesis {text!r} has no comparison; write e.g. '{text} > 0' or '{text} = 0'."
        )
    if len(body.ops) != 1 or type(body.ops[0]) not in _CMPOPS:
        raise _refuse(text, "a chained comparison or '!='")
    lhs = _convert(body.left, text, quoted)
    rhs = _convert(body.comparators[0], text, quoted)
    return Hypothesis(text.strip(), lhs, _CMPOPS[type(body.ops[0])], rhs)


def _literal(node, text: str, quoted: dict) -> str:
    """A subscript / VarCorr argument: a number, a name or a string literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str):
        if isinstance(node.value, bool):
            raise _refuse(text, "a boolean")
        return str(node.value)
    if isinstance(node, ast.Name):
        return quoted.get(node.id, node.id)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
    ):
        return f"-{node.operand.value}"
    raise _refuse(text, f"a {type(node).__name__} inside brackets")


def _convert(node, text: str, quoted: dict) -> tuple:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _refuse(text, f"the literal {node.value!r}")
        return ("num", float(node.value))
    if isinstance(node, ast.Name):
        return ("name", quoted.get(node.id, node.id))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return (
            "bin",
            _BINOPS[type(node.op)],
            _convert(node.left, text, quoted),
            _convert(node.right, text, quoted),
        )
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _convert(node.operand, text, quoted)
        return ("neg", inner) if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        sl = node.slice
        parts = sl.elts if isinstance(sl, ast.Tuple) else [sl]
        inner = ", ".join(_literal(p, text, quoted) for p in parts)
        return ("name", f"{node.value.id}[{inner}]")
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _CALLS
        and not node.keywords
        and node.args
    ):
        inner = ", ".join(_literal(p, text, quoted) for p in node.args)
        return ("name", f"{node.func.id}({inner})")
    if isinstance(node, ast.Call):
        fn = node.func.id if isinstance(node.func, ast.Name) else type(node.func).__name__
        raise _refuse(text, f"a call of {fn}(...)")
    raise _refuse(text, f"a {type(node).__name__} expression")


def evaluate(node: tuple, lookup) -> np.ndarray:
    """Value of a converted expression; ``lookup(name)`` returns an array of draws."""
    kind = node[0]
    if kind == "num":
        return np.asarray(node[1])
    if kind == "name":
        return np.asarray(lookup(node[1]), dtype=float)
    if kind == "neg":
        return -evaluate(node[1], lookup)
    op, a, b = node[1], evaluate(node[2], lookup), evaluate(node[3], lookup)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        return a**b
