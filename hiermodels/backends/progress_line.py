"""Sampling progress on one terminal line that fits the window.

nutpie's own terminal progress (indicatif) is a table with one row per chain, about 110
columns wide: in an 80-column terminal every row wraps, and its last line is left
without a newline, so the next output is glued onto it. Here nutpie's progress callback
(the mechanism it uses for notebooks; wired in
:func:`hiermodels.backends.nutpie_adapter.line_progress_sampler`) fills the small text
template :data:`TEMPLATE` instead, and
:class:`LineProgress` rewrites one line, cut to the terminal's current width, ending it
with a newline when sampling is done. When the stream is not a terminal (a log file,
CI), only the final line is written.
"""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass

#: nutpie progress template (its ``upon`` syntax): totals, then per chain divergences/tuning.
TEMPLATE = (
    "{{ total_finished_draws }}|{{ total_draws }}|{{ finished_chains }}|{{ num_chains }}|"
    "{{ time_sampling }}|{{ time_remaining_estimate }}|"
    "{% for c in chains %}{{ c.divergences }},{{ c.tuning }};{% endfor %}"
)
RATE_MS = 200
_BAR_MIN = 8


@dataclass
class State:
    """What the progress line shows."""

    done: int
    total: int
    chains_done: int
    chains: int
    elapsed: str
    remaining: str
    divergences: int
    tuning: int


def parse(text: str) -> State | None:
    """A :class:`State` from nutpie's rendering of :data:`TEMPLATE` (None if unreadable)."""
    try:
        done, total, cdone, chains, elapsed, remaining, per_chain = text.strip().split("|", 6)
        pairs = [c.split(",") for c in per_chain.split(";") if c]
        return State(
            int(done),
            int(total),
            int(cdone),
            int(chains),
            elapsed.strip(),
            remaining.strip(),
            sum(int(d) for d, _ in pairs),
            sum(t.strip() == "true" for _, t in pairs),
        )
    except ValueError:
        return None


def render(s: State, width: int, seconds: float | None = None) -> str:
    """The progress line, at most ``width - 1`` characters (the last column stays free).

    ``seconds``: wall time so far, shown when sampling is done.
    """
    width = max(20, width - 1)
    frac = s.done / s.total if s.total else 1.0
    finished = s.done >= s.total > 0
    phase = "done" if finished else ("warmup" if s.tuning else "sampling")
    head = f"{s.chains} chains "
    tail = [
        f" {frac:4.0%}",
        f" · {s.done}/{s.total} draws",
        f" · {phase}",
        f" · {s.divergences} divergent",
    ]
    if finished and seconds is not None:
        tail.append(f" · {seconds:.1f} s")
    elif not finished and s.remaining and s.remaining != "now":
        tail.append(f" · {s.remaining} left")
    while tail and len(head) + _BAR_MIN + len("".join(tail)) > width:
        tail.pop()  # drop the least important detail first
    bar_w = max(0, width - len(head) - len("".join(tail)))
    filled = round(bar_w * frac)
    line = head + "━" * filled + "─" * (bar_w - filled) + "".join(tail)
    return line[:width]


class LineProgress:
    """nutpie progress callback writing :func:`render` in place on ``stream``."""

    def __init__(self, stream=None, width: int | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.last: State | None = None
        self.start = time.perf_counter()
        self.end: float | None = None
        try:
            self.tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False

    def _seconds(self) -> float:
        return (self.end or time.perf_counter()) - self.start

    def _width(self) -> int:
        return self.width or shutil.get_terminal_size((80, 24)).columns

    def __call__(self, text: str) -> None:
        state = parse(text)
        if state is None:
            return
        self.last = state
        if self.end is None and state.done >= state.total > 0:
            self.end = time.perf_counter()  # the wall time shown stays that of the sampling
        if self.tty:
            line = render(state, self._width(), self._seconds())
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        """End the line (or, off a terminal, write the final state once)."""
        if self.last is None:
            return
        line = render(self.last, self._width(), self._seconds())
        self.stream.write(("\r" + line + "\x1b[K\n") if self.tty else line + "\n")
        self.stream.flush()
