"""Figures that read on a phone: a multi-panel figure is also cut into one image per panel.

A figure of several panels shrunk to a 390 px screen has 3-4 px text. The report
therefore embeds such a figure twice: whole (shown on screens of 600 px and wider) and
as one image per panel, stacked (shown below 600 px; see :data:`CSS`). The figure is
drawn once; the whole image and every panel (its tight bounding box: title, tick labels
and axis labels) are cut from that one drawing, so the cost is the PNG encoding only.
Tick labels that shared axes hid on inner panels are switched on first, so that each
panel reads alone; figure titles and legends become strips above the panels, a figure
x label a strip below. Many small panels (one per cluster) go two to a row.

Every ``<img>`` carries ``data-dpi`` and ``data-width`` (pixels), so that a test can
check the size at which text is drawn on screen.
"""

from __future__ import annotations

import base64
import io
from html import escape

import numpy as np

#: Below this many pixels of natural width a figure is shown as it is.
NARROW_MIN_WIDTH = 600
#: On a narrow screen no image is shrunk below this share of its natural width (at 100
#: dpi: 0.72 screen pixels per point, so 10-pt text stays 7.2 px); wider ones scroll
#: sideways inside their figure, like wide tables.
MIN_SCALE = 0.52
#: Panels at most this many inches wide go two to a row on a phone.
SMALL_PANEL_IN = 3.2
_PAD_IN = 0.06
_TIGHT_PAD_IN = 0.1  # matplotlib's pad for bbox_inches="tight"


def _encode(rgba: np.ndarray) -> tuple[str, int]:
    """An RGB(A) pixel array as base64 PNG and its width."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(buf, format="PNG", optimize=False)
    return base64.b64encode(buf.getvalue()).decode("ascii"), int(rgba.shape[1])


def panel_axes(fig) -> list:
    """The axes that are panels: visible, not colorbars, not empty decoration."""
    out = []
    for ax in fig.axes:
        if not ax.get_visible() or hasattr(ax, "_colorbar"):
            continue
        if not ax.axison and not (ax.lines or ax.collections or ax.patches or ax.images):
            continue
        out.append(ax)
    return out


def _show_shared_labels(axes) -> None:
    """Turn tick labels back on where shared axes hid them (each panel stands alone)."""
    for ax in axes:
        if len(ax.get_shared_x_axes().get_siblings(ax)) > 1:
            ax.tick_params(axis="x", labelbottom=True)
        if len(ax.get_shared_y_axes().get_siblings(ax)) > 1:
            ax.tick_params(axis="y", labelleft=True)


def _crop(pixels: np.ndarray, bbox, pad_px: float) -> np.ndarray:
    """The pixels inside ``bbox`` (display coordinates, origin bottom left) plus a margin."""
    h, w = pixels.shape[:2]
    x0 = int(max(0, np.floor(bbox.x0 - pad_px)))
    x1 = int(min(w, np.ceil(bbox.x1 + pad_px)))
    y0 = int(max(0, np.floor(h - bbox.y1 - pad_px)))
    y1 = int(min(h, np.ceil(h - bbox.y0 + pad_px)))
    return pixels[y0:y1, x0:x1]


def _fig_texts(fig) -> list:
    texts = [getattr(fig, n, None) for n in ("_suptitle", "_supxlabel", "_supylabel")]
    return [t for t in texts if t is not None and t.get_text() and t.get_visible()]


def render(fig, dpi: int, split: bool):
    """Draw ``fig`` once at ``dpi``: (whole image, strips above, panels, strips below).

    Each image is (base64 PNG, width in pixels); without ``split`` only the whole image.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    axes = panel_axes(fig) if split else []
    if len(axes) >= 2:
        _show_shared_labels(axes)
    fig.set_dpi(dpi)
    fig.patch.set_facecolor("white")
    canvas = fig.canvas if hasattr(fig.canvas, "buffer_rgba") else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    pixels = np.asarray(canvas.buffer_rgba())
    tight = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)  # inches -> pixels
    whole = _encode(_crop(pixels, tight, dpi * _TIGHT_PAD_IN))
    if len(axes) < 2 or whole[1] < NARROW_MIN_WIDTH:
        return whole, [], [], []
    pad = dpi * _PAD_IN
    panels = [_encode(_crop(pixels, ax.get_tightbbox(renderer), pad)) for ax in axes]
    top, bottom = [], []
    for art in [*_fig_texts(fig), *(leg for leg in fig.legends if leg.get_visible())]:
        strip = _encode(_crop(pixels, art.get_window_extent(renderer), pad))
        (bottom if art is getattr(fig, "_supxlabel", None) else top).append(strip)
    return whole, top, panels, bottom


def _img(data: str, width: int, dpi: int, alt: str, cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return (
        f'<img{c} src="data:image/png;base64,{data}" alt="{escape(alt)}" '
        f'data-dpi="{dpi}" data-width="{width}" style="--min:{round(MIN_SCALE * width)}px">'
    )


def figure_html(fig, caption: str = "", alt: str = "", dpi: int = 100) -> str:
    """A ``<figure>``: the whole figure, plus per-panel images when it has several panels."""
    alt = alt or caption
    (whole, width), top, panels, bottom = render(fig, dpi, split=True)
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    if not panels:
        return f"<figure>{_img(whole, width, dpi, alt)}{cap}</figure>"
    imgs = [_img(d, w, dpi, f"{alt} (panel {i + 1})") for i, (d, w) in enumerate(panels)]
    if len(panels) >= 4 and max(w for _, w in panels) <= SMALL_PANEL_IN * dpi:
        imgs = [f'<div class="grid2">{"".join(imgs)}</div>']  # two small panels to a row
    pieces = [
        *(_img(d, w, dpi, "", "strip") for d, w in top),
        *imgs,
        *(_img(d, w, dpi, "", "strip") for d, w in bottom),
    ]
    return (
        f'<figure class="multi">{_img(whole, width, dpi, alt, "whole")}'
        f'<div class="panels">{"".join(pieces)}</div>{cap}</figure>'
    )


#: CSS for :func:`figure_html` (appended to the report's stylesheet).
CSS = """
figure.multi .panels{display:none}
@media (max-width:600px){figure{overflow-x:auto;-webkit-overflow-scrolling:touch}
figure img{min-width:var(--min,0)}
figure.multi img.whole{display:none}
figure.multi .panels{display:block}
figure.multi .panels img{margin:0 0 .5rem}
figure.multi .panels img.strip{border:0;margin:0 0 .3rem}
figure.multi .grid2{display:grid;grid-template-columns:1fr 1fr;gap:.4rem;margin:0 0 .5rem}
figure.multi .grid2 img{margin:0}}
"""
