"""The ``residual=`` and ``sigma=`` arguments of a Gaussian model, parsed and checked.

Spellings (nlme / glmmTMB equivalents in brackets):

==============================  =================================================  ==========
``residual=``                   correlation of two residuals of one unit             parameter
==============================  =================================================  ==========
``"ar1(unit)"``                 :math:`\\phi^{|i-j|}`, i, j = row order in the unit  ``phi``
``"ar1(time | unit)"``          :math:`\\phi^{|t_i-t_j|}`, integer times (corAR1)    ``phi``
``"car1(time | unit)"``         :math:`\\phi^{|t_i-t_j|}`, real times, 0<phi<1       ``phi``
                                (corCAR1)
``"cs(unit)"``                  :math:`\\rho` for every pair (corCompSymm)           ``rho``
``"unstructured(time | unit)"`` a free correlation per pair of time levels         ``cor_residual``
                                (corSymm)
``"iid(unit)"``                 0 (independent residuals; units for LOO by unit)     none
==============================  =================================================  ==========

``sigma="~ 0 + C(age)"`` (or ``"~ age"``) gives each level of one factor its own residual
SD, :math:`\\sigma_k = \\sigma\\,\\delta_k` with :math:`\\delta_1 = 1` (nlme ``varIdent``).
This module only reads text; :mod:`hiermodels.model.residual` checks it against the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hiermodels.errors import SpecError

KINDS = ("ar1", "car1", "cs", "unstructured", "iid")
_ALIASES = {"un": "unstructured", "us": "unstructured", "exchangeable": "cs"}
_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"
_HELP = (
    "Write residual= as 'ar1(unit)', 'ar1(time | unit)', 'car1(time | unit)', 'cs(unit)' "
    "or 'unstructured(time | unit)', with your column names."
)


@dataclass(frozen=True)
class ResidualSpec:
    """A parsed ``residual=`` argument.

    Attributes
    ----------
    kind : {"ar1", "car1", "cs", "unstructured", "iid"}
    unit : str or None
        The column whose levels are the independent units (``None`` for ``"iid"``).
    time : str or None
        The time column (``None``: the row order within the unit).
    """

    kind: str
    unit: str | None
    time: str | None = None

    @property
    def text(self) -> str:
        if self.kind == "iid":
            return "iid"
        inner = self.unit if self.time is None else f"{self.time} | {self.unit}"
        return f"{self.kind}({inner})"


def parse_residual(text) -> ResidualSpec:
    """Parse ``residual=`` text; raise :class:`SpecError` naming the fix when it is wrong."""
    if text is None:
        return ResidualSpec("iid", None)
    if not isinstance(text, str):
        raise SpecError(f"residual= must be text such as 'ar1(time | unit)', got {text!r}.")
    m = re.fullmatch(r"\s*([A-Za-z0-9_]+)\s*\((.*)\)\s*", text)
    if not m:
        raise SpecError(f"residual={text!r} is not understood. {_HELP}")
    kind = _ALIASES.get(m.group(1).lower(), m.group(1).lower())
    if kind not in KINDS:
        raise SpecError(f"residual={text!r}: unknown structure {m.group(1)!r}. {_HELP}")
    parts = [p.strip() for p in m.group(2).split("|")]
    if len(parts) > 2 or not all(re.fullmatch(_NAME, p) for p in parts):
        raise SpecError(f"residual={text!r}: the inside must be 'unit' or 'time | unit'. {_HELP}")
    time, unit = (None, parts[0]) if len(parts) == 1 else (parts[0], parts[1])
    if kind in ("cs", "iid") and time is not None:
        raise SpecError(
            f"residual={text!r}: {kind} does not depend on time; write '{kind}({unit})'."
        )
    if kind in ("car1", "unstructured") and time is None:
        raise SpecError(
            f"residual={text!r}: {kind} needs a time column, e.g. '{kind}(time | {unit})'."
        )
    return ResidualSpec(kind, unit, time)


def parse_sigma(text) -> str | None:
    """The factor column of ``sigma="~ 0 + C(f)"`` (``None`` for no ``sigma=``/``"~ 1"``)."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise SpecError(f"sigma= must be a one-sided formula such as '~ 0 + C(age)', got {text!r}.")
    body = text.strip()
    if not body.startswith("~"):
        raise SpecError(f"sigma={text!r} must start with '~', e.g. '~ 0 + C(age)'.")
    terms = [t.strip() for t in body[1:].split("+")]
    terms = [t for t in terms if t not in ("0", "1", "-1")]
    if not terms:
        return None
    m = re.fullmatch(rf"(?:C\(\s*({_NAME})\s*\)|({_NAME}))", terms[0]) if len(terms) == 1 else None
    if not m:
        raise SpecError(
            f"sigma={text!r}: the residual SD can vary by one factor, e.g. '~ 0 + C(age)' "
            "(one SD per level, nlme's varIdent); continuous variance functions are not "
            "supported."
        )
    return m.group(1) or m.group(2)
