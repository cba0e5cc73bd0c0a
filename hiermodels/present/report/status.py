"""A status line while the CLI writes a report ("writing report.html … 7 figures").

Writing a report takes 5-20 s (every figure is drawn and encoded); without a sign of
life a user thinks the program hung. :class:`ReportStatus` is the report's progress
callback: ``status(kind, label)`` with kind ``"section"`` or ``"figure"``. On a terminal
it rewrites one line; elsewhere it writes one line at the start and one at the end.
"""

from __future__ import annotations

import shutil
import sys
import time


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class ReportStatus:
    """Progress of one report on ``stream`` (default stderr)."""

    def __init__(self, name: str, stream=None):
        self.name = name
        self.stream = sys.stderr if stream is None else stream
        self.sections = 0
        self.figures = 0
        self.section = ""
        self.start = time.perf_counter()
        try:
            self.tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        if not self.tty:
            self._write(f"writing {self.name} …\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def line(self) -> str:
        """The current status, cut to the terminal width."""
        width = shutil.get_terminal_size((80, 24)).columns - 1
        text = f"writing {self.name} … {_count(self.figures, 'figure')}"
        if self.section:
            text += f" · {self.section}"
        return text[:width]

    def __call__(self, kind: str, label: str = "") -> None:
        if kind == "section":
            self.sections += 1
            self.section = label
        elif kind == "figure":
            self.figures += 1
        if self.tty:
            self._write("\r" + self.line() + "\x1b[K")

    def done(self) -> None:
        """The closing line: sections, figures and seconds."""
        secs = time.perf_counter() - self.start
        text = (
            f"wrote {self.name}: {_count(self.sections, 'section')}, "
            f"{_count(self.figures, 'figure')} in {secs:.1f} s"
        )
        self._write(("\r" + text + "\x1b[K\n") if self.tty else text + "\n")
