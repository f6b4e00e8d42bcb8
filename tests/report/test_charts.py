"""The house chart style: every chart has a finding title, labelled axes, a source line under it as text, and alt
text."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.inputs.plan import Metric
from pccreport.metrics.spc import XmrSettings, xmr
from pccreport.report import charts, comparison
from pccreport.report.scorecard import MetricResult
from tests.national_frames import TOTAL, national_frame

PATHS = Paths(DEFAULT_ROOT)


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


def _check_house_style(fig, source_start: str = "Source:"):
    ax = fig.axes[0]
    assert ax.get_title(loc="left"), "every chart states its finding in the title"
    assert ax.get_xlabel() and (ax.get_ylabel() or ax.get_yticklabels())
    # The source and note are selectable text in the caption under the image, never drawn into the PNG.
    assert charts.caption(fig).startswith(source_start), "every chart has a source line"
    assert not any("Source" in t for t in _texts(fig)), "no source note baked into the image"
    assert f"<figcaption>{charts.caption(fig).split('.')[0]}" in charts.figure_html(fig, "alt text of the chart")
    w, h = fig.get_size_inches()
    assert w <= 7.3, "fits the A4 text width without scaling the text below readable size"


def _metric(**kw) -> Metric:
    base = dict(id="calls", name="999 average time to answer", source="kpi", kpi="calls", measure="value",
                unit="seconds", direction="down", target=10)
    base.update(kw)
    return Metric(**base)


def _result(values, rebase=(), target=10) -> MetricResult:
    idx = pd.period_range("2021-01", periods=len(values), freq="M")
    s = pd.Series(values, index=idx, dtype=float)
    res = xmr(s, XmrSettings(rebase_at=tuple(pd.Period(r, freq="M") for r in rebase)))
    r = MetricResult(_metric(target=target), 1, "Wait", idx[-1].strftime("%b-%y"), float(values[-1]), "seconds")
    r.chart = res
    r.verdict = res.verdict(-1, "down")
    return r


def test_xmr_chart_shows_mean_limits_target_rebase_and_coloured_signals():
    vals = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 30, 10, 11, 9, 10, 6, 6, 6, 6, 6, 6, 6, 6, 6]
    r = _result(vals, rebase=("2021-12",))
    fig = charts.xmr_figure(r, "force systems")
    _check_house_style(fig)
    ax = fig.axes[0]
    labels = fig.legends[0].get_texts()  # a figure legend under the axes
    text = [t.get_text() for t in labels]
    assert "Mean" in text and "Process limits" in text and "Limits recalculated" in text
    assert any(t.startswith("Target (10.0 secs)") for t in text)
    colours = {tuple(np.round(c, 3)) for c in ax.collections[0].get_facecolors()}
    from matplotlib.colors import to_rgba

    # The spike (30 s, bad for a 'down' metric) is concerning; the run of 6 s below the new mean is improving.
    assert tuple(np.round(to_rgba(charts.CONCERNING), 3)) in colours
    assert tuple(np.round(to_rgba(charts.IMPROVING), 3)) in colours
    assert "6.0 secs in Dec-22" in ax.get_title(loc="left").replace("\n", " ")
    # Only what is particular to this chart is noted under it; the method is explained once, in the notes.
    assert charts.caption(fig) == "Source: force systems. Limits recalculated from Dec-21."
    plt.close(fig)


def test_alt_text_and_embedded_png_at_house_dpi():
    r = _result([10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 10, 11, 9, 10, 10])
    alt = charts.alt_text(r)
    assert alt.startswith("Control chart of 999 average time to answer by month from Jan 2021 to Apr 2022")
    html = charts.figure_html(charts.xmr_figure(r, "force systems"), alt)
    assert 'alt="Control chart of' in html and html.count("<img") == 1 and "data:image/png;base64," in html
    import base64

    png = base64.b64decode(html.split("base64,")[1].split('"')[0])
    im = Image.open(io.BytesIO(png))
    dpi = im.info.get("dpi", (0, 0))[0]
    assert 150 <= round(dpi) <= 200
    # A control chart is one of two side by side: half the A4 text width at >= 150 dpi, so shown at about its size.
    assert charts.HALF[0] * 150 * 0.95 <= im.size[0] <= charts.HALF[0] * 200 * 1.1


def test_the_embedded_png_has_exactly_the_pixels_matplotlib_saves_without_the_always_opaque_alpha():
    r = _result([10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 10, 11, 9, 10, 30])
    buf = io.BytesIO()
    charts.xmr_figure(r, "force systems").savefig(buf, format="png", dpi=charts.DPI, bbox_inches="tight")
    theirs = np.asarray(Image.open(buf))
    ours = Image.open(io.BytesIO(charts.png_bytes(charts.xmr_figure(r, "force systems"))))
    assert ours.mode == "RGB" and round(ours.info["dpi"][0]) == charts.DPI
    assert theirs.shape[:2] == np.asarray(ours).shape[:2] and (theirs[..., 3] == 255).all()
    assert (theirs[..., :3] == np.asarray(ours)).all()


def test_colours_are_the_okabe_ito_colour_blind_safe_set():
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
    for c in (charts.IMPROVING, charts.CONCERNING, charts.LIMIT, charts.TARGET):
        assert c.upper() in okabe_ito


def test_ranked_chart_highlights_the_force_and_leaves_out_unranked():
    nat = national_frame(PATHS)
    reg_ranked = {"city-of-london": False}
    rates = comparison.force_rates(nat, "2023-03", TOTAL, reg_ranked)
    names = {"wiltshire": "Wiltshire"}
    fig = charts.ranked_figure(rates, "wiltshire", names, ["warwickshire", "west-mercia"], "2023-03", TOTAL, "ONS")
    _check_house_style(fig)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == 42 and "city-of-london" not in ticks and "Wiltshire" in ticks
    rank = int(rates.loc[rates["force"] == "wiltshire", "rank"].iloc[0])
    from pccreport.metrics.rates import ordinal

    # The rank is phrased from the nearer end ("10th highest of 42", never "33rd lowest of 42").
    nearer = f"{ordinal(rank)} lowest" if rank <= 21.5 else f"{ordinal(43 - rank)} highest"
    assert f"{nearer} crime rate of 42 forces" in ax.get_title(loc="left")
    bars = ax.patches
    wilts = bars[ticks.index("Wiltshire")]
    assert wilts.get_facecolor()[:3] == pytest.approx(plt.matplotlib.colors.to_rgb(charts.IMPROVING))
    alt = charts.comparison_alt("ranked", rates=rates, force="wiltshire", force_name="Wiltshire")
    assert f"Wiltshire is ranked {rank} of 42" in alt
    plt.close(fig)


def test_rate_comparison_chart_single_period_bars_and_history_lines():
    nat = national_frame(PATHS)
    hist = comparison.rate_history(nat[nat["offence_group"] == TOTAL], "wiltshire", ["warwickshire"], TOTAL)
    for h, kind in ((hist.tail(1), "bars"), (hist, "lines")):
        fig = charts.rate_comparison_figure(h, "Wiltshire", TOTAL, "ONS")
        _check_house_style(fig)
        ax = fig.axes[0]
        title = ax.get_title(loc="left").replace("\n", " ")
        assert title.startswith(f"Wiltshire: {h['force'].iloc[-1]:.1f} crimes per 1,000")
        assert "12 months to Mar-23" in title
        if kind == "lines":
            assert len(ax.get_lines()) == 3
        else:
            assert len(ax.patches) == 3
        plt.close(fig)


def test_r12_and_yoy_charts():
    idx = pd.period_range("2021-01", "2023-03", freq="M")
    monthly = pd.Series(100.0, index=idx)
    monthly[monthly.index >= pd.Period("2022-04", freq="M")] = 110.0
    r12 = comparison.r12_series(monthly)
    fig = charts.r12_trend_figure(r12, "Wiltshire", 10.0, "data.police.uk")
    _check_house_style(fig)
    assert ("crime up 10.0% year on year, 1,320 in the 12 months to Mar-23"
            in fig.axes[0].get_title(loc="left").replace("\n", " "))
    plt.close(fig)
    yoy = pd.DataFrame({"crime_type": ["Burglary", "Drugs", "Robbery"], "current": [110, 90, 50],
                        "previous": [100, 100, 50], "change": [10.0, -10.0, 0.0]})
    fig = charts.yoy_by_type_figure(yoy, pd.Period("2023-03", freq="M"), "data.police.uk")
    _check_house_style(fig)
    assert fig.axes[0].get_title(loc="left").replace("\n", " ") == "Crime rose in 1 of 3 crime types, year on year to Mar-23"
    plt.close(fig)


def _r12_figure():
    idx = pd.period_range("2020-01", "2023-03", freq="M")
    monthly = pd.Series(np.linspace(900, 1300, len(idx)), index=idx)
    return charts.r12_trend_figure(comparison.r12_series(monthly), "Wiltshire", 4.2, "data.police.uk")


def _auto_dates_figure():
    with plt.matplotlib.rc_context(charts._RC):
        fig, ax = charts._subplots(charts.SIZE)
        idx = pd.period_range("2019-04", "2023-03", freq="M").to_timestamp()
        ax.plot(idx, np.sin(np.arange(len(idx)) / 3) * 40 + 300)
        charts._month_axis(ax)  # the automatic date locator (full-width charts)
        ax.set_title("A full-width chart", loc="left")
    return fig


@pytest.mark.parametrize("make", [_r12_figure, _auto_dates_figure])
def test_ticks_asked_once_per_interval_give_savefigs_pixels_and_the_figure_keeps_its_locators(make):
    buf = io.BytesIO()
    make().savefig(buf, format="png", dpi=charts.DPI, bbox_inches="tight")
    theirs = np.asarray(Image.open(buf))[..., :3]
    fig = make()
    before = [(ax.xaxis.get_major_locator(), ax.yaxis.get_major_locator()) for ax in fig.axes]
    ours = np.asarray(Image.open(io.BytesIO(charts.png_bytes(fig))))
    assert ours.shape == theirs.shape and (ours == theirs).all()
    assert [(ax.xaxis.get_major_locator(), ax.yaxis.get_major_locator()) for ax in fig.axes] == before
    assert not any(isinstance(loc, charts._TicksOnce) for pair in before for loc in pair)
