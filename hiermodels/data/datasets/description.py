"""``hm.datasets.describe(name)``: a dict that prints as a short data card."""

from __future__ import annotations

import textwrap
from html import escape

WIDTH = 100


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


class DatasetDescription(dict):
    """Provenance and column meanings of a bundled dataset.

    A dict with keys ``name``, ``title``, ``citation``, ``origin``, ``design``,
    ``columns`` (column -> meaning), ``rows`` and ``licence``; it prints as a few lines
    (title, size, columns, the design's first sentence, the citation) and as a small
    table in a notebook.
    """

    def __repr__(self) -> str:
        cols = self.get("columns", {})
        width = max((len(c) for c in cols), default=0)
        lines = [
            f"{self.get('name')}: {self.get('title')} — {self.get('rows')} rows, {len(cols)} columns"
        ]
        for col, meaning in cols.items():
            short = textwrap.shorten(meaning, WIDTH - width - 4, placeholder=" …")
            lines.append(f"  {col:<{width}}  {short}")
        fill = {"width": WIDTH, "initial_indent": "", "subsequent_indent": "  "}
        lines.append(textwrap.fill("Design: " + _first_sentence(self.get("design", "")), **fill))
        lines.append(textwrap.fill("Cite: " + " ".join(self.get("citation", "").split()), **fill))
        lines.append('More: d["design"], d["origin"], d["licence"]; hm.datasets.load(name)')
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{escape(c)}</th>"
            f"<td style='text-align:left'>{escape(m)}</td></tr>"
            for c, m in self.get("columns", {}).items()
        )
        return (
            f"<div><b>{escape(str(self.get('name')))}</b>: {escape(str(self.get('title')))} "
            f"— {self.get('rows')} rows"
            f"<div style='overflow-x:auto;max-width:100%'><table>{rows}</table></div>"
            f"<p>{escape(self.get('design', ''))}</p>"
            f"<p><i>Cite:</i> {escape(self.get('citation', ''))}</p>"
            f"<details><summary>Origin and licence</summary><p>{escape(self.get('origin', ''))}"
            f"</p><p>{escape(self.get('licence', ''))}</p></details></div>"
        )
