"""Package-wide options: the one default interval probability, used everywhere.

Intervals are equal-tailed (quantile) posterior intervals, like brms: invariant to
monotone transforms and well defined for standard deviations piled up near zero.
"""

from __future__ import annotations

from contextlib import contextmanager

_OPTIONS = {"prob": 0.95}


def get_option(name: str):
    """Return the current value of option ``name`` (``"prob"``)."""
    return _OPTIONS[name]


def set_options(*, prob: float | None = None) -> None:
    """Set package-wide defaults.

    Parameters
    ----------
    prob : float, optional
        Default probability of every posterior interval (default 0.95).
    """
    from hiermodels.errors import HiermodelsError

    if prob is not None:
        if isinstance(prob, bool) or not isinstance(prob, int | float) or not 0 < prob < 1:
            raise HiermodelsError(f"prob must be between 0 and 1, got {prob!r}.")
        _OPTIONS["prob"] = float(prob)


@contextmanager
def options(*, prob: float | None = None):
    """Temporarily change options inside a ``with`` block."""
    old = dict(_OPTIONS)
    set_options(prob=prob)
    try:
        yield
    finally:
        _OPTIONS.update(old)


def resolve_prob(prob: float | None) -> float:
    """``prob`` if given (validated), else the package default."""
    from hiermodels.errors import HiermodelsError

    if prob is None:
        return _OPTIONS["prob"]
    if isinstance(prob, bool) or not isinstance(prob, int | float) or not 0 < prob < 1:
        raise HiermodelsError(f"prob must be a number between 0 and 1, e.g. 0.9, got {prob!r}.")
    return float(prob)
