"""One self-contained HTML report of a fit (``fit.report(path)``).

The report computes nothing new: it calls the fit's own methods (tables) and the plot
registry (figures) and lays them out: the model in words and math, its priors, the
diagnostics verdict and warnings, the estimates, shrinkage, variance decomposition,
posterior-predictive and residual checks and LOO for a multilevel :class:`~hiermodels.Fit`;
pooled effect, heterogeneity, study effects, forest/funnel plots, frequentist estimates
and leave-one-out for a :class:`~hiermodels.meta.MetaFit`. Figures are embedded as PNG,
styles inline; the page needs no network. A section that cannot be computed shows a
short note and the rest of the report stands.

Modules: :mod:`~.html` (page, tables, figures), :mod:`~.multilevel`, :mod:`~.meta`.
"""

from __future__ import annotations

import json
import platform
import time
from datetime import date
from html import escape
from pathlib import Path

#: Posterior attribute with the spec's title, description and data source (JSON).
INFO_ATTR = "hiermodels_report"

__all__ = ["INFO_ATTR", "render", "write_report"]


def report_info(fit) -> dict:
    """Title, description and data source stored with the fit (by ``hiermodels fit``)."""
    raw = fit.idata.posterior.attrs.get(INFO_ATTR)
    if not raw:
        return {}
    try:
        return dict(json.loads(raw))
    except (TypeError, ValueError):
        return {}


def _citation(info: dict, citation: str | None) -> str | None:
    if citation is not None:
        return citation
    name = info.get("dataset")
    if not name:
        return None
    from hiermodels.data import datasets

    try:
        d = datasets.describe(name)
    except Exception:  # the citation is an extra
        return None
    return f"Data: {d['title']}. {d['citation']}"


def _footer(elapsed: float) -> str:
    from hiermodels._version import __version__

    return escape(
        f"Written by hiermodels {__version__} (Python {platform.python_version()}) on "
        f"{date.today().isoformat()} in {elapsed:.1f} s. Self-contained: no scripts, no "
        "network."
    )


def render(fit, title: str | None = None, citation: str | None = None) -> str:
    """The report of ``fit`` (a Fit or a MetaFit) as an HTML string.

    Parameters
    ----------
    fit : hiermodels.Fit or hiermodels.meta.MetaFit
    title : str, optional
        Default: the spec's title when fitted from a spec, else the formula.
    citation : str, optional
        Citation of the data; default: the bundled dataset's, when the fit came from a
        spec naming one.
    """
    import matplotlib

    start = time.perf_counter()
    info = report_info(fit)
    cite = _citation(info, citation)
    with matplotlib.rc_context({"figure.max_open_warning": 0}):
        if hasattr(fit, "spec") and hasattr(fit, "study_effects"):
            from hiermodels.present.report.meta import build_meta

            title, header, sections = build_meta(fit, info, title, cite)
        else:
            from hiermodels.present.report.multilevel import build_multilevel

            title, header, sections = build_multilevel(fit, info, title, cite)
    from hiermodels.present.report.html import page

    return page(title, header, sections, _footer(time.perf_counter() - start))


def write_report(fit, path, title: str | None = None, citation: str | None = None) -> Path:
    """Write the report of ``fit`` to ``path`` (one HTML file) and return the path.

    See :func:`render` for the parameters.
    """
    path = Path(path)
    html = render(fit, title=title, citation=citation)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
