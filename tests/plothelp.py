"""Shared helper of the plot tests: render a figure to PNG and check the file."""


def save_png(fig, path):
    """Save ``fig`` to ``path``; assert a real PNG came out; return the visible axes."""
    fig.savefig(path, dpi=60)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000
    return [ax for ax in fig.axes if ax.get_visible()]
