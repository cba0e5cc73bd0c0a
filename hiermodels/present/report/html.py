"""HTML building blocks of the report: page, sections, tables, embedded figures.

Everything is inline (CSS in a ``<style>`` element, figures as base64 PNG), so the
file opens offline and can be mailed as one attachment. The layout is a centred
column that reads at laptop and phone widths: tables scroll sideways inside their own
box, images shrink to the column, and a figure of several panels becomes a stack of
one image per panel below 600 px.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from html import escape

import numpy as np
import pandas as pd

from hiermodels.present.report.panels import CSS as PANEL_CSS
from hiermodels.present.report.panels import figure_html

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f6f7f9;color:#1d2733;font:16px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:1.25rem 1rem 3rem;background:#fff;
min-height:100vh}
header{border-bottom:3px solid #1b9e77;margin-bottom:1rem;padding-bottom:.6rem}
h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0 .4rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-top:.4rem;border-top:1px solid #e3e6ea}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
p{margin:.45rem 0}
.meta{color:#51606f;font-size:.92rem}
nav{font-size:.9rem;margin:.6rem 0 0}
nav a{display:inline-block;margin:0 .7rem .25rem 0;color:#0b6e55;text-decoration:none}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86rem}
pre{background:#f3f5f7;padding:.7rem .8rem;border-radius:6px;overflow-x:auto;
line-height:1.35}
.tbl{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.4rem 0 .8rem;
max-width:100%}
table{border-collapse:collapse;font-size:.86rem;font-variant-numeric:tabular-nums}
th,td{padding:.28rem .6rem;border-bottom:1px solid #e3e6ea;text-align:right;
white-space:nowrap}
th{background:#f3f5f7;font-weight:600}
tbody th{text-align:left;background:#fafbfc}
thead th{text-align:right}
thead th:first-child{text-align:left}
td.txt{text-align:left;white-space:normal;min-width:14rem}
th.txt{text-align:left}
figure{margin:.8rem 0 1.2rem}
figure img{display:block;max-width:100%;height:auto;border:1px solid #eceff2}
figcaption{color:#51606f;font-size:.88rem;margin-top:.3rem}
.badge{display:inline-block;padding:.1rem .55rem;border-radius:1rem;color:#fff;
font-weight:600}
.ok{background:#2e7d32}.check{background:#ef6c00}.problem{background:#c62828}
.note{background:#fff8e1;border-left:4px solid #ffb300;padding:.45rem .7rem;margin:.6rem 0;
font-size:.92rem}
ul.warn li{margin:.25rem 0}
tr.fail th,tr.fail td{background:#fdecea}
.fail{background:#fdecea;border-left:4px solid #c62828;padding:.45rem .7rem;margin:.6rem 0;
font-size:.92rem}
.fail ul{margin:.25rem 0 0;padding-left:1.2rem}.fail li{margin:.2rem 0}
details{margin:.4rem 0 .8rem}
summary{cursor:pointer;color:#0b6e55}
.cite{font-size:.9rem;color:#3b4754}
footer{margin-top:2.5rem;color:#6b7785;font-size:.82rem;border-top:1px solid #e3e6ea;
padding-top:.6rem}
@media (max-width:600px){body{font-size:15px}main{padding:.8rem .7rem 2rem}
h1{font-size:1.3rem}h2{font-size:1.12rem}th,td{padding:.22rem .4rem}}
"""


#: The report's progress callback ``(kind, label)``, see :func:`report_progress`.
_PROGRESS: ContextVar = ContextVar("report_progress", default=None)


@contextmanager
def report_progress(callback):
    """Within the block, report writing calls ``callback("section", title)`` as each
    section starts and ``callback("figure", caption)`` after each figure (the CLI's
    status line)."""
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def _tick(kind: str, label: str) -> None:
    callback = _PROGRESS.get()
    if callback is not None:
        callback(kind, label)


def fmt(value) -> str:
    """A number with 4 significant digits; integers plainly; missing as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
            return f"{v:.3g}"
        if abs(v) >= 1000:
            return f"{v:.0f}"
        return f"{v:.4g}"
    return str(value)


def table(df: pd.DataFrame, columns=None, index: bool = True, text_cols=(), failed=()) -> str:
    """A DataFrame as an HTML table in a horizontally scrolling box (all cells escaped).

    Rows whose index label is in ``failed`` are highlighted (a failed check).
    """
    if isinstance(df, pd.Series):
        df = df.to_frame()
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    head = []
    if index:
        names = [n for n in (df.index.names or []) if n is not None]
        head.append("<th>" + escape(" / ".join(map(str, names))) + "</th>")
    for c in df.columns:
        cls = ' class="txt"' if c in text_cols else ""
        head.append(f"<th{cls}>{escape(str(c))}</th>")
    rows = []
    for idx, row in zip(df.index, df.itertuples(index=False), strict=True):
        cells = []
        if index:
            label = " · ".join(map(str, idx)) if isinstance(idx, tuple) else str(idx)
            cells.append(f"<th>{escape(label)}</th>")
        for col, v in zip(df.columns, row, strict=True):
            cls = ' class="txt"' if col in text_cols else ""
            cells.append(f"<td{cls}>{escape(fmt(v))}</td>")
        tr = '<tr class="fail">' if idx in failed else "<tr>"
        rows.append(tr + "".join(cells) + "</tr>")
    thead = "<tr>" + "".join(head) + "</tr>"
    return (
        f'<div class="tbl"><table><thead>{thead}</thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def kv_table(items: dict) -> str:
    """A two-column table of labelled values (no header row)."""
    rows = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(fmt(v))}</td></tr>" for k, v in items.items()
    )
    return f'<div class="tbl"><table><tbody>{rows}</tbody></table></div>'


def collapsible(summary: str, body: str) -> str:
    """Content hidden behind a click (``<details>``; no JavaScript)."""
    return f"<details><summary>{escape(summary)}</summary>{body}</details>"


def figure(fig, caption: str = "", alt: str = "", dpi: int = 100) -> str:
    """Embed a matplotlib Figure as base64 PNG and close it.

    A figure of several panels is also embedded one panel per image, shown instead on
    screens narrower than 600 px (:mod:`~hiermodels.present.report.panels`).
    """
    import matplotlib.pyplot as plt

    try:
        html = figure_html(fig, caption, alt, dpi)
    finally:
        plt.close(fig)
    _tick("figure", caption)
    return html


def para(text: str) -> str:
    """A paragraph of plain text (escaped)."""
    return f"<p>{escape(text)}</p>"


def note(text: str) -> str:
    """A highlighted remark (e.g. why a section is missing)."""
    return f'<div class="note">{escape(text)}</div>'


def failed(advice) -> str:
    """Failed checks, each with its advice, in a red-edged box (empty when none failed)."""
    items = list(advice.values()) if isinstance(advice, dict) else list(advice)
    if not items:
        return ""
    lis = "".join(f"<li>{escape(str(a))}</li>" for a in items)
    label = "Failed check" if len(items) == 1 else f"{len(items)} failed checks"
    return f'<div class="fail"><b>{label}</b><ul>{lis}</ul></div>'


def pre(text: str) -> str:
    """Preformatted text (model description, formulas)."""
    return f"<pre>{escape(text)}</pre>"


def badge(verdict: str) -> str:
    """The diagnostics verdict as a coloured label."""
    cls = verdict if verdict in ("ok", "check", "problem") else "check"
    return f'<span class="badge {cls}">{escape(verdict)}</span>'


def bullet_list(items, cls: str = "") -> str:
    """An unordered list of plain-text items."""
    attr = f' class="{cls}"' if cls else ""
    return f"<ul{attr}>" + "".join(f"<li>{escape(str(i))}</li>" for i in items) + "</ul>"


class Section:
    """One titled part of the report; ``id`` is its anchor in the table of contents."""

    def __init__(self, id: str, title: str, parts: list[str]):
        self.id, self.title, self.parts = id, title, parts

    def html(self) -> str:
        return (
            f'<section id="{self.id}"><h2>{escape(self.title)}</h2>{"".join(self.parts)}</section>'
        )


def data_source(info: dict) -> list[str]:
    """Where the data came from: a bundled dataset's description and citation, or a file."""
    name = info.get("dataset")
    if name:
        from hiermodels.data import datasets

        desc = datasets.describe(name)
        cols = pd.Series(desc["columns"], name="meaning").to_frame()
        return [
            para(f"Bundled dataset {name!r}: {desc['title']}."),
            para(f"Design: {desc['design']}"),
            table(cols, text_cols=("meaning",)),
            para(f"Citation: {desc['citation']}"),
        ]
    if info.get("data_file"):
        return [para(f"Read from {info['data_file']}.")]
    return []


def guarded(id: str, title: str, build, *args) -> Section | None:
    """Run ``build(*args)`` -> list of HTML parts (or None to omit the section).

    An optional section that fails shows a short note instead of breaking the report.
    """
    _tick("section", title)
    try:
        parts = build(*args)
    except Exception as err:  # a report must not die on one section
        msg = str(err).splitlines()[0] if str(err) else ""
        parts = [note(f"This section could not be computed: {type(err).__name__}: {msg}")]
    if parts is None:
        return None
    return Section(id, title, parts)


def page(title: str, header: list[str], sections: list[Section], footer: str) -> str:
    """The whole HTML document."""
    nav = "".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in sections)
    body = "".join(s.html() for s in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}{PANEL_CSS}</style></head><body><main>"
        f"<header><h1>{escape(title)}</h1>{''.join(header)}<nav>{nav}</nav></header>"
        f"{body}<footer>{footer}</footer></main></body></html>\n"
    )
