"""Shared look of the explanation plots (colours, spines); no computation here."""

from __future__ import annotations

#: One colour per pooling kind, used by every shrinkage plot.
COLORS = {
    "no_pool": "#d95f02",
    "partial": "#1b9e77",
    "complete": "#7570b3",
    "population": "0.25",
    "observed": "#222222",
    "replicated": "#6baed6",
    "prior": "#7570b3",
    "posterior": "#1b9e77",
}


def despine(ax) -> None:
    """Hide the top and right spines."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def title(ax, text: str, size: float = 11) -> None:
    """Left-aligned axes title."""
    ax.set_title(text, loc="left", fontsize=size)
