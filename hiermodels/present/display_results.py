"""How result objects print: a few lines in a terminal, tables and a badge in a notebook.

Each class here is the object a method returned before (a ``dict``, a DataFrame or the
computational dataclass), with the same data and methods, plus a ``__repr__`` of a few
lines (the key numbers and where to find the rest) and a ``_repr_html_`` for notebooks.
Nothing here computes a statistic: the numbers come from the computational modules.

* :class:`Diagnostics` — ``fit.diagnostics()`` (a dict: ``d["verdict"]`` still works);
* :class:`ResidualChecks` — ``fit.residuals()`` (tests of the quantile residuals);
* :class:`PredictionView` — ``fit.predict()`` (the first rows and the shape);
* :class:`ComparisonTable` — ``hm.compare()`` (the table, and what ``warning`` means).
"""

from __future__ import annotations

import textwrap
from dataclasses import fields
from html import escape
from typing import ClassVar

import numpy as np
import pandas as pd

from ..derive.predict import Prediction
from ..derive.residuals import QuantileResiduals

#: Residual tests with a p-value below this are flagged (DHARMa highlights the same).
ALPHA = 0.05
#: Rows of a prediction shown by its repr.
HEAD_ROWS = 5
WIDTH = 100
_COLOURS = {"ok": "#2e7d32", "check": "#ef6c00", "problem": "#c62828"}


# --------------------------------------------------------------------------- helpers
def num(v, digits: int = 3) -> str:
    """A number for people: ``digits`` significant digits, integers plainly, NaN as '–'."""
    if v is None:
        return "–"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return str(int(v))
    v = float(v)
    if not np.isfinite(v):
        return "–" if np.isnan(v) else ("∞" if v > 0 else "−∞")
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
        return f"{v:.{digits}g}"
    if abs(v) >= 10 ** (digits + 1):
        return f"{v:.0f}"
    return f"{v:#.{digits}g}".rstrip(".")


def badge(verdict: str) -> str:
    """A coloured verdict label with inline style (notebooks have no report CSS)."""
    colour = _COLOURS.get(verdict, _COLOURS["check"])
    return (
        f'<span style="background:{colour};color:#fff;border-radius:1em;padding:0 .5em;'
        f'font-weight:600">{escape(verdict)}</span>'
    )


def html_table(df: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as an HTML table inside a box that scrolls sideways when too wide."""
    show = df.copy()
    for c in show.columns:
        if pd.api.types.is_float_dtype(show[c]):
            show[c] = show[c].map(lambda v: num(v, digits))
    return (
        '<div style="overflow-x:auto;max-width:100%">'
        + show.to_html(escape=True, border=0, na_rep="–")
        + "</div>"
    )


def _wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(
        " ".join(text.split()), WIDTH, initial_indent=indent, subsequent_indent=indent + "  "
    )


def _text_table(df: pd.DataFrame, digits: int = 3) -> str:
    show = df.copy()
    for c in show.columns:
        if pd.api.types.is_float_dtype(show[c]):
            show[c] = show[c].map(lambda v: num(v, digits))
    return show.to_string()


# --------------------------------------------------------------------------- diagnostics
class Diagnostics(dict):
    """``fit.diagnostics()``: the dict of numbers, a verdict and warnings, printed briefly.

    Keys: ``verdict`` ("ok", "check", "problem"), ``divergences``, ``draws``, ``chains``,
    ``max_rhat``, ``min_ess_bulk``, ``min_ess_tail``, ``min_bfmi``, ``warnings`` (advice,
    one string each), ``table`` (worst values per parameter) and, with group effects,
    ``small_clusters``.
    """

    def headline(self) -> str:
        chains = f" ({self['chains']} chains)" if "chains" in self else ""
        return (
            f"{self.get('divergences', 0)} divergences in {self.get('draws', '?')} draws"
            f"{chains}; max R-hat {self.get('max_rhat', float('nan')):.3f}; min ESS bulk "
            f"{num(self.get('min_ess_bulk'), 0)}, tail {num(self.get('min_ess_tail'), 0)}; "
            f"min E-BFMI {num(self.get('min_bfmi'), 2)}"
        )

    def __repr__(self) -> str:
        warns = self.get("warnings", [])
        lines = [f"Diagnostics: {self.get('verdict', '?')} — {self.headline()}"]
        lines += [_wrap(f"! {w}") for w in warns]
        more = ['d["table"] (per parameter)']
        if "small_clusters" in self:
            more.append('d["small_clusters"] (group SDs against their priors)')
        if isinstance(self.get("adequacy"), pd.DataFrame):
            more.append('d["adequacy"] (model checks)')
        if warns:
            more.append('d["warnings"]')
        lines.append("More: " + ", ".join(more))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        verdict = self.get("verdict", "check")
        parts = [f"<div><b>Diagnostics</b> {badge(verdict)} {escape(self.headline())}"]
        if self.get("warnings"):
            items = "".join(f"<li>{escape(w)}</li>" for w in self["warnings"])
            parts.append(f"<ul>{items}</ul>")
        tab = self.get("table")
        if isinstance(tab, pd.DataFrame) and len(tab):
            parts.append(
                f"<details><summary>Worst values per parameter</summary>{html_table(tab)}</details>"
            )
        return "".join(parts) + "</div>"


# --------------------------------------------------------------------------- residuals
_STAT = {
    "uniformity (KS)": "D",
    "dispersion": "ratio",
    "outliers": "share",
    "zero-inflation": "ratio",
}


class ResidualChecks(QuantileResiduals):
    """``fit.residuals()``: quantile residuals whose repr is their tests, not their arrays."""

    @classmethod
    def of(cls, res: QuantileResiduals) -> ResidualChecks:
        """The same residuals (no copy of the arrays) with this display."""
        return cls(**{f.name: getattr(res, f.name) for f in fields(res)})

    def _summary(self):
        tab = self.tests()
        flagged = tab.index[tab["p_value"] < ALPHA].tolist()
        head = (
            f"Quantile residuals (DHARMa): {len(self.residuals)} rows, {self.yrep.shape[0]} "
            f"simulations; {len(flagged)} of {len(tab)} tests flagged at p < {ALPHA}"
        )
        return tab, flagged, head

    def __repr__(self) -> str:
        tab, flagged, head = self._summary()
        lines = [head]
        for name, row in tab.iterrows():
            stat = f"{_STAT.get(name, 'stat')} {num(row['statistic'])}"
            exp = f" (expected {num(row['expected'])})" if name == "outliers" else ""
            flag = "  <- flagged" if name in flagged else ""
            lines.append(f"  {name:<16} {stat + exp:<34} p {num(row['p_value'], 2)}{flag}")
        lines.append(
            "  Under a correct model the residuals are uniform on (0, 1); a small p flags a misfit."
        )
        by = "".join(f', .by_group("{g}")' for g in list(self.codes)[:1])
        lines.append(
            f"More: .tests(), .to_frame() (per row){by}, hm.plots.plot_quantile_residuals(fit)"
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        tab, flagged, head = self._summary()
        verdict = "check" if flagged else "ok"
        show = tab.assign(flagged=[n in flagged for n in tab.index])
        return (
            f"<div><b>{escape(head)}</b> {badge(verdict)}{html_table(show)}"
            "<small>Uniform on (0, 1) under a correct model; .to_frame() has one row per "
            "observation.</small></div>"
        )


# --------------------------------------------------------------------------- predictions
class PredictionView(Prediction):
    """``fit.predict()``: prints the first rows and the shape, not every row."""

    @classmethod
    def of(cls, pred: Prediction) -> PredictionView:
        """The same prediction (no copy of the draws) with this display."""
        return cls(**{f.name: getattr(pred, f.name) for f in fields(pred)})

    def _head(self) -> pd.DataFrame:
        k = min(HEAD_ROWS, self.draws.shape[1])
        return Prediction(self.draws[:, :k], self.data.iloc[:k], self.kind, self.groups).to_frame()

    def _title(self) -> str:
        modes = ", ".join(f"{k}: {v}" for k, v in self.groups.items()) or "no group effects"
        n_draws, n_rows = self.draws.shape
        return f"Prediction (kind {self.kind!r}; {modes}): {n_rows} rows × {n_draws} draws"

    def __repr__(self) -> str:
        rest = self.draws.shape[1] - min(HEAD_ROWS, self.draws.shape[1])
        lines = [self._title(), _text_table(self._head())]
        if rest:
            lines.append(f"... {rest} more rows")
        lines.append("More: .summary() (every row), .to_frame() (with the data), .draws")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rest = self.draws.shape[1] - min(HEAD_ROWS, self.draws.shape[1])
        more = f"… {rest} more rows. " if rest else ""
        return (
            f"<div><b>{escape(self._title())}</b>{html_table(self._head())}"
            f"<small>{more}.summary(), .to_frame(), .draws</small></div>"
        )


# --------------------------------------------------------------------------- comparison
def pareto_details(loo) -> dict:
    """What ``az.compare``'s ``warning`` hides: the rows whose Pareto k is too high.

    Parameters
    ----------
    loo : arviz ELPDData from ``az.loo(..., pointwise=True)``
    """
    k = np.asarray(loo.pareto_k, float).ravel()
    good = float(loo["good_k"]) if "good_k" in getattr(loo, "index", ()) else 0.7
    bad = np.flatnonzero(k > good)
    return {
        "n": int(k.size),
        "good_k": good,
        "max_k": float(np.nanmax(k)) if k.size else float("nan"),
        "rows": bad.tolist(),
    }


class ComparisonTable(pd.DataFrame):
    """``hm.compare()``: ArviZ's comparison table that says what its warning means.

    A DataFrame (rows: fits, best first); ``.pareto`` maps each fit's name to its
    :func:`pareto_details`. Operations on it return plain DataFrames.
    """

    _metadata: ClassVar[list[str]] = ["pareto"]

    @property
    def _constructor(self):
        return pd.DataFrame

    @classmethod
    def of(cls, cmp: pd.DataFrame, loos: dict) -> ComparisonTable:
        """``cmp`` from ``az.compare`` and each fit's pointwise LOO, by the same names."""
        out = cls(cmp)
        out.pareto = {name: pareto_details(lo) for name, lo in loos.items()}
        return out

    def _plain(self) -> pd.DataFrame:
        cols = [c for c in ("rank", "elpd_loo", "p_loo", "elpd_diff", "dse", "weight") if c in self]
        return pd.DataFrame(self)[cols + [c for c in ("warning",) if c in self]]

    def explanation(self) -> list[str]:
        """Sentences: the best fit, each difference in units of its SE, each warning."""
        out = []
        plain = pd.DataFrame(self)
        if len(plain) >= 2 and "elpd_diff" in plain:
            best = plain.index[0]
            for name in plain.index[1:]:
                diff, dse = plain.loc[name, "elpd_diff"], plain.loc[name, "dse"]
                ratio = diff / dse if dse > 0 else float("inf")
                out.append(
                    f"{name} is {num(diff)} elpd below {best} (dse {num(dse)}, "
                    f"{num(ratio, 2)} × dse; under 2 × dse the two predict about equally well)."
                )
        flagged = {n: p for n, p in getattr(self, "pareto", {}).items() if p["rows"]}
        if flagged:
            good = max(p["good_k"] for p in flagged.values())
            out.append(
                f"warning = True: PSIS-LOO is unreliable for some rows of that fit (Pareto k "
                f"above {num(good, 2)}, ArviZ's threshold for this many draws), so its elpd may "
                "be too optimistic:"
            )
            for name, p in flagged.items():
                rows = ", ".join(map(str, p["rows"][:6])) + (", …" if len(p["rows"]) > 6 else "")
                out.append(
                    f"  {name}: {len(p['rows'])} of {p['n']} rows, max k {num(p['max_k'], 2)} "
                    f"(rows {rows}; 0-based)."
                )
            out.append(
                "These rows are influential (common when clusters have few rows): rank "
                "fit.kfold(...) results instead (grouped K-fold cross-validation)."
            )
        return out

    def __repr__(self) -> str:
        lines = ["Model comparison by PSIS-LOO (higher elpd_loo predicts new rows better)"]
        lines.append(_text_table(self._plain()))
        lines += [_wrap(s.strip(), "  " if s.startswith("  ") else "") for s in self.explanation()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{escape(s)}</li>" for s in self.explanation())
        return (
            "<div><b>Model comparison by PSIS-LOO</b> (higher elpd_loo predicts new rows "
            f"better){html_table(self._plain())}<ul>{items}</ul></div>"
        )
