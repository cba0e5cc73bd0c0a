"""The one-line sampling progress fits the terminal and does not change the draws."""

from __future__ import annotations

import io

import numpy as np
import pytest

from hiermodels.backends.progress_line import TEMPLATE, LineProgress, State, parse, render


def _text(done, total, tuning=(True, False), div=(0, 2), cdone=0, rem="3s"):
    chains = "".join(f"{d},{str(t).lower()};" for d, t in zip(div, tuning, strict=True))
    return f"{done}|{total}|{cdone}|{len(div)}|1s|{rem}|{chains}"


def test_parse_reads_nutpie_template_fields():
    s = parse(_text(120, 800, div=(1, 4), tuning=(True, False)))
    assert s == State(120, 800, 0, 2, "1s", "3s", 5, 1)
    assert parse("format error: unknown") is None
    for field in ("total_finished_draws", "total_draws", "c.divergences", "c.tuning"):
        assert field in TEMPLATE


@pytest.mark.parametrize("width", [20, 40, 60, 80, 120, 250])
@pytest.mark.parametrize("done", [0, 399, 800])
def test_render_fits_the_width_and_keeps_the_essentials(width, done):
    s = parse(_text(done, 800, tuning=(done < 400, done < 400)))
    line = render(s, width, seconds=12.34)
    assert len(line) <= max(20, width - 1)
    assert line.startswith("2 chains ")
    if width >= 40:
        assert f"{done / 800:4.0%}".strip() in line
    if width >= 80:
        assert f"{done}/800 draws" in line and "2 divergent" in line
        assert ("12.3 s" in line) == (done == 800)
        assert ("warmup" in line) == (done < 400)
    bar = line.count("━") + line.count("─")
    if bar:
        assert line.count("━") == round(bar * done / 800)


def test_line_progress_rewrites_one_line_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    out = Tty()
    p = LineProgress(out, width=60)
    for done in (0, 400, 800):
        p(_text(done, 800, cdone=2 * (done == 800)))
    p.close()
    text = out.getvalue()
    assert text.count("\r") == 4 and text.count("\n") == 1 and text.endswith("\n")
    assert all(len(seg.split("\x1b")[0]) <= 59 for seg in text.split("\r")[1:])


def test_line_progress_off_a_terminal_writes_the_final_state_once():
    out = io.StringIO()
    p = LineProgress(out, width=100)
    p(_text(10, 800))
    p(_text(800, 800))
    p.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "800/800 draws" in lines[0] and "\r" not in out.getvalue()


@pytest.mark.sampling
def test_same_draws_as_nutpie_sample():
    nutpie = pytest.importorskip("nutpie")
    import pymc as pm

    from hiermodels.backends.nutpie_adapter import line_progress_sampler
    from hiermodels.backends.sample import wait_for

    with pm.Model() as m:
        pm.Normal("x", 0, 1, shape=2)
    cm = nutpie.compile_pymc_model(m)
    kw = {"draws": 200, "tune": 200, "chains": 2, "cores": 2, "seed": 7, "target_accept": 0.8}
    out = io.StringIO()
    progress = LineProgress(out)
    a = wait_for(line_progress_sampler(cm, progress=progress, **kw))
    progress.close()
    b = nutpie.sample(cm, save_warmup=False, progress_bar=False, **kw)
    np.testing.assert_array_equal(a.posterior["x"].values, b.posterior["x"].values)
    total = kw["chains"] * (kw["draws"] + kw["tune"])  # nutpie counts warmup draws too
    assert f"{total}/{total} draws" in out.getvalue() and "0 divergent" in out.getvalue()


def test_report_status_counts_sections_and_figures():
    from hiermodels.present.report.html import report_progress
    from hiermodels.present.report.status import ReportStatus

    class Tty(io.StringIO):
        def isatty(self):
            return True

    for stream in (io.StringIO(), Tty()):
        status = ReportStatus("report.html", stream)
        with report_progress(status):
            from hiermodels.present.report.html import _tick

            for kind, label in [("section", "Model"), ("figure", "a"), ("section", "LOO")]:
                _tick(kind, label)
        _tick("figure", "outside the block")  # no callback: not counted
        status.done()
        text = stream.getvalue()
        assert "wrote report.html: 2 sections, 1 figure in" in text
        if isinstance(stream, Tty):
            assert text.count("\r") == 4 and "1 figure · LOO" in text
        else:
            assert text.count("\n") == 2 and "\r" not in text
