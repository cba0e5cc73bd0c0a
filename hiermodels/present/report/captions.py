"""Captions and sentences of the report that make a claim, computed from the data shown.

A caption that states a general rule ("every level moves toward the population mean",
"levels with few rows move most") is wrong for some fits; each sentence here is built
from the same table the figure draws, so it says what this figure shows.
"""

from __future__ import annotations

from hiermodels.derive.shrink_moves import moves, size_pooling

#: Name at most this many levels in a sentence.
MAX_NAMED = 4


def _names(levels: list[str]) -> str:
    shown = ", ".join(levels[:MAX_NAMED])
    return shown + (f" and {len(levels) - MAX_NAMED} more" if len(levels) > MAX_NAMED else "")


def moves_sentence(tab, group: str, several_terms: bool) -> str:
    """Where the levels went under partial pooling, relative to the population mean."""
    m = moves(tab)
    n, crossed, away = m["n"], m["crossed"], m["away"]
    if not crossed and not away:
        return f"all {n} {group} levels move toward the population mean."
    parts = [f"{len(m['toward'])} of {n} {group} levels move toward the population mean"]
    if crossed:
        parts.append(f"{_names(crossed)} cross{'es' if len(crossed) == 1 else ''} it")
    if away:
        parts.append(f"{_names(away)} move{'s' if len(away) == 1 else ''} away from it")
    why = (
        " (the intercepts are shrunk jointly with the slopes, so an intercept also moves "
        "with its level's slope)"
        if several_terms
        else " (a level's own estimate and its partial-pooling estimate are adjusted for the "
        "other predictors differently)"
    )
    return "; ".join(parts) + why + "."


def efron_morris_caption(tab, group: str, several_terms: bool) -> str:
    """Caption of the own-estimate -> partial-pooling figure."""
    return (
        f"Each {group}'s own estimate (top) and its partial-pooling estimate (bottom): "
        + moves_sentence(tab, group, several_terms)
    )


def pooling_sentence(tab) -> str:
    """How the pooling factor relates to the number of rows per level, in these data."""
    r = size_pooling(tab)
    sizes = tab["n"].dropna()
    if r is None:
        if len(sizes) and sizes.nunique() == 1:
            return (
                f"Every level has {int(sizes.iloc[0])} rows, so size does not explain who is "
                "pooled more."
            )
        return "The pooling factor does not vary between levels here."
    if r <= -0.3:
        return (
            f"Levels with fewer rows are pooled more (rank correlation of size and pooling "
            f"factor {r:.2f})."
        )
    if r >= 0.3:
        return (
            f"Here larger levels are pooled more (rank correlation {r:.2f}): size is not "
            "what drives pooling in these data (the information per level is, e.g. trials "
            "or spread within a level)."
        )
    return f"Size barely predicts the pooling factor here (rank correlation {r:.2f})."
