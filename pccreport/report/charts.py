"""The house chart style (one module): XmR control charts in the Making Data Count style, embedded as PNG."""

from __future__ import annotations

import base64
import html
import io

import matplotlib
import matplotlib.ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
import numpy as np
import pandas as pd

from .scorecard import MetricResult
from .statements import fmt_value
from .wraptext import figure_text

# Okabe–Ito colour-blind-safe palette; MDC convention: blue improving, orange concerning, grey common cause.
IMPROVING = "#0072B2"
CONCERNING = "#E69F00"
COMMON = "#7F7F7F"
LINE = "#4D4D4D"
LIMIT = "#56B4E9"
TARGET = "#CC79A7"
DPI = 160
SIZE = (7.2, 3.3)  # inches: fits the A4 text width at a readable font size

_RC = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.25,
    "figure.dpi": DPI, "savefig.dpi": DPI,
    "text.parse_math": False,  # titles carry input text (force names, crime types): a "$" is shown, never parsed
}


def _subplots(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A Figure not registered with pyplot: no backend chosen, no global state, nothing to close."""
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _scale(r: MetricResult) -> tuple[float, str]:
    """Divisor and axis label: durations in seconds, minutes or hours by their size; counts per month."""
    if r.unit == "seconds":
        top = float(r.chart.values.max())
        if top >= 5 * 3600:
            return 3600.0, "Hours"
        return (60.0, "Minutes") if top >= 300 else (1.0, "Seconds")
    labels = {"percent": "Percent (%)", "days": "Days"}
    if r.unit in labels:
        return 1.0, labels[r.unit]
    return 1.0, f"{r.metric.unit.capitalize()} per month"


def xmr_figure(r: MetricResult, source: str) -> Figure:
    """An XmR chart for a metric: points coloured by signal, mean, limits, rebased periods, target line."""
    res = r.chart
    m = r.metric
    scale, unit = _scale(r)
    with matplotlib.rc_context(_RC):
        fig, ax = _subplots(SIZE)
        x = res.values.index.to_timestamp()
        y = res.values.to_numpy() / scale
        ax.plot(x, y, color=LINE, lw=1.2, zorder=2)
        ax.step(x, res.mean / scale, where="mid", color="black", lw=1, label="Mean")
        ax.step(x, res.upper / scale, where="mid", color=LIMIT, lw=1, ls="--", label="Process limits")
        ax.step(x, res.lower / scale, where="mid", color=LIMIT, lw=1, ls="--")
        colours = []
        for i in range(len(y)):
            sig = res.point_signal(i)
            if sig is None:
                colours.append(COMMON)
            else:
                good = (sig.side == "high") == (m.direction == "up")
                colours.append(IMPROVING if good else CONCERNING)
        ax.scatter(x, y, c=colours, s=18, zorder=3, edgecolors="white", linewidths=0.4)
        if m.target is not None:
            tunit = r.unit if r.unit in ("percent", "seconds", "days") else "count"
            ax.axhline(m.target / scale, color=TARGET, lw=1.4, ls=(0, (4, 2)),
                       label=f"Target ({fmt_value(float(m.target), tunit)})")
        for j, when in enumerate(res.settings.rebase_at):
            ax.axvline(when.to_timestamp(), color="black", lw=0.8, ls="-.", alpha=0.7,
                       label="Limits recalculated" if j == 0 else None)
        ax.set_ylabel(unit)
        ax.set_xlabel("Month")
        _month_axis(ax)
        ax.set_title(chart_title(r), loc="left")
        handles = [Line2D([], [], color=c, marker="o", ls="", label=lbl) for c, lbl in
                   ((IMPROVING, "Special cause – improving"), (CONCERNING, "Special cause – concerning"), (COMMON, "Common cause"))]
        ax.legend(handles=ax.get_legend_handles_labels()[0] + handles, fontsize=7, ncols=3, loc="upper left",
                  bbox_to_anchor=(0, -0.2), frameon=False)
        _source_line(fig, f"Source: {source}. {res.settings.describe()}")
    return fig


def _month_axis(ax: Axes) -> None:
    """Month ticks in the report's 'Mar-23' style, a few per chart so they never collide."""
    import matplotlib.dates as mdates

    loc = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b-%y"))


def _source_line(fig: Figure, text: str) -> None:
    """The source line under a chart, in the same place and size on every chart."""
    # Wrapped as fig.text(..., wrap=True) would, with far fewer text measurements (see wraptext.py).
    figure_text(fig, 0.0, -0.02, text, fontsize=6.5, color="#555555", wrap=True, va="top")


def _short_period(period_end: str) -> str:
    """'2025-06' -> 'Jun-25' (the seed report's period style)."""
    return pd.Period(str(period_end), freq="M").strftime("%b-%y")


def rate_comparison_figure(history: pd.DataFrame, force_name: str, offence_group: str, source: str) -> Figure:
    """Crime rate per 1,000 of the force against the peer-group average and the national rate.

    ``history``: period_end, force, peer, national (see comparison.rate_history). One period gives grouped bars,
    several give lines over time.
    """
    h = history.dropna(subset=["force"])
    last = h.iloc[-1]
    period = _short_period(last["period_end"])
    title = _rate_title(force_name, last["force"], last["peer"], last["national"], period)
    with matplotlib.rc_context(_RC):
        fig, ax = _subplots((SIZE[0], 2.9))
        series = [("force", force_name, IMPROVING), ("peer", "Peer-group average", CONCERNING),
                  ("national", "England and Wales", COMMON)]
        if len(h) == 1:
            labels, vals, cols = [], [], []
            for key, label, colour in series:
                if pd.notna(last[key]):
                    labels.append(label), vals.append(float(last[key])), cols.append(colour)
            bars = ax.barh(labels[::-1], vals[::-1], color=cols[::-1], height=0.6)
            ax.bar_label(bars, fmt="%.1f", padding=3, fontsize=8)
            ax.set_xlabel(f"Recorded crimes per 1,000 residents, 12 months to {period}")
            ax.grid(axis="y", visible=False)
            ax.set_xlim(0, max(vals) * 1.15)
        else:
            x = [pd.Period(p, freq="M").to_timestamp() for p in h["period_end"]]
            for key, label, colour in series:
                ax.plot(x, h[key].astype(float), color=colour, lw=2 if key == "force" else 1.4, marker="o", ms=3,
                        label=label)
            ax.set_ylabel("Crimes per 1,000 residents (12 months)")
            ax.set_xlabel("12 months ending")
            _month_axis(ax)
            ax.set_ylim(bottom=0)
            ax.legend(fontsize=7.5, frameon=False, loc="lower left")
        ax.set_title(title, loc="left")
        _source_line(fig, f"Source: {source}. {offence_group}. Rate per 1,000 residents (ONS mid-year "
                          "population); peer average: the peer forces' offences per 1,000 of their combined population.")
    return fig


def _rate_title(name: str, rate: float, peer: float | None, national: float | None, period: str) -> str:
    parts = [f"{name}: {rate:.1f} crimes per 1,000"]
    if national is not None and pd.notna(national):
        parts.append(f"{'below' if rate < national else 'above'} the national {national:.1f}")
    if peer is not None and pd.notna(peer):
        parts.append(f"{'below' if rate < peer else 'above'} peers' {peer:.1f}")
    return ", ".join(parts) + f" (12 months to {period})"


def ranked_figure(rates: pd.DataFrame, force: str, names: dict[str, str], peers: list[str], period_end: str,
                  offence_group: str, source: str) -> Figure:
    """Every ranked force's rate per 1,000 as a sorted bar chart; this force highlighted, its peers shaded."""
    df = rates[rates["rank"].notna()].sort_values("rate", ascending=False)
    n = len(df)
    period = _short_period(period_end)
    row = df[df["force"] == force]
    name = names.get(force, force)
    if row.empty:
        title = f"{name} is not ranked: rate per 1,000 of the {n} ranked forces, 12 months to {period}"
    else:
        rank = int(row["rank"].iloc[0])
        title = f"{name} has the {_ordinal(rank)} lowest crime rate of {n} forces (12 months to {period})"
    colours = [IMPROVING if f == force else (LIMIT if f in peers else "#BBBBBB") for f in df["force"]]
    with matplotlib.rc_context(_RC):
        fig, ax = _subplots((SIZE[0], max(3.0, 0.13 * n + 1.1)))
        y = range(n)
        ax.barh(list(y), df["rate"].astype(float), color=colours, height=0.75)
        ax.set_yticks(list(y), [names.get(f, f) for f in df["force"]], fontsize=6.5)
        for lbl, f in zip(ax.get_yticklabels(), df["force"]):
            if f == force:
                lbl.set_fontweight("bold")
        ax.margins(y=0.01)
        ax.set_xlabel(f"Recorded crimes per 1,000 residents, 12 months to {period}")
        ax.grid(axis="y", visible=False)
        ax.set_title(title, loc="left")
        handles = [Rectangle((0, 0), 1, 1, color=IMPROVING, label=name),
                   Rectangle((0, 0), 1, 1, color=LIMIT, label="Peer forces"),
                   Rectangle((0, 0), 1, 1, color="#BBBBBB", label="Other forces")]
        ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper right")
        _source_line(fig, f"Source: {source}. {offence_group}. Ranked from the lowest rate; City of London (not "
                          "ranked) and figures suppressed by ONS are left out.")
    return fig


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def r12_trend_figure(r12: pd.Series, force_name: str, change: float | None, source: str) -> Figure:
    """The rolling-12-month total of recorded crime by month."""
    s = r12.dropna()
    end = s.index[-1]
    if change is None:
        title = f"{force_name}: {s.iloc[-1]:,.0f} crimes in the 12 months to {end.strftime('%b-%y')}"
    else:
        word = "up" if change > 0 else "down"
        title = (f"{force_name}: crime {word} {abs(change):.1f}% year on year, {s.iloc[-1]:,.0f} in the 12 months "
                 f"to {end.strftime('%b-%y')}")
    with matplotlib.rc_context(_RC):
        fig, ax = _subplots((SIZE[0], 2.5))
        full = r12.loc[s.index[0]:]
        ax.plot(full.index.to_timestamp(), full.to_numpy(), color=IMPROVING, lw=1.8, marker="o", ms=2.5)
        ax.set_ylabel("Crimes, rolling 12 months")
        ax.set_xlabel("12 months ending")
        _month_axis(ax)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_title(title, loc="left")
        _source_line(fig, f"Source: {source}. All crime excluding anti-social behaviour; each point is the total of "
                          "the 12 months ending that month (R12).")
    return fig


def yoy_by_type_figure(yoy: pd.DataFrame, end: pd.Period, source: str) -> Figure:
    """Year-on-year % change in R12 crimes by crime type; falls (good) blue, rises (concerning) orange."""
    df = yoy.dropna(subset=["change"]).sort_values("change")
    rises = int((df["change"].round(1) > 0).sum())
    title = (f"Crime rose in {rises} of {len(df)} crime types, year on year to {end.strftime('%b-%y')}")
    with matplotlib.rc_context(_RC):
        fig, ax = _subplots((SIZE[0], max(2.4, 0.19 * len(df) + 1.0)))
        vals = df["change"].astype(float).to_numpy()
        cols = [COMMON if round(v, 1) == 0 else (CONCERNING if v > 0 else IMPROVING) for v in vals]
        bars = ax.barh(df["crime_type"], vals, color=cols, height=0.65)
        ax.bar_label(bars, labels=[f"{v:+.1f}% ({c:,.0f})" for v, c in zip(vals, df["current"])], padding=3,
                     fontsize=6.5)
        ax.axvline(0, color="black", lw=0.8)
        lim = max(5.0, float(np.nanmax(np.abs(vals))) * 1.45) if len(vals) else 5.0
        ax.set_xlim(-lim, lim)
        ax.set_xlabel(f"Change in crimes, 12 months to {end.strftime('%b-%y')} against the year before (%)")
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(title, loc="left")
        _source_line(fig, f"Source: {source}. Labels: change and the 12-month count. "
                          "Blue = fall, orange = rise, grey = no change.")
    return fig


def comparison_alt(kind: str, **kw) -> str:
    """Alt text for the comparison charts, stating what each shows and its key figures."""
    if kind == "rate":
        h = kw["history"].dropna(subset=["force"])
        last = h.iloc[-1]
        bits = [f"{kw['force_name']} {last['force']:.1f}"]
        if pd.notna(last["peer"]):
            bits.append(f"peer-group average {last['peer']:.1f}")
        if pd.notna(last["national"]):
            bits.append(f"England and Wales {last['national']:.1f}")
        period = _short_period(last["period_end"])
        return (f"Chart of recorded crimes per 1,000 residents in the 12 months to {period}: "
                + ", ".join(bits) + ".")
    if kind == "ranked":
        r = kw["rates"]
        ranked = r[r["rank"].notna()].sort_values("rate")
        row = ranked[ranked["force"] == kw["force"]]
        if row.empty:
            pos = f"{kw['force_name']} is not ranked"
        else:
            pos = f"{kw['force_name']} is ranked {int(row['rank'].iloc[0])} of {len(ranked)}"
        return (f"Bar chart of the crime rate per 1,000 residents of {len(ranked)} police forces, from "
                f"{ranked['rate'].iloc[0]:.1f} to {ranked['rate'].iloc[-1]:.1f}; {pos} (1 = lowest).")
    if kind == "r12":
        s = kw["r12"].dropna()
        return (f"Line chart of rolling 12-month recorded crime from {s.index[0].strftime('%b %Y')} "
                f"({s.iloc[0]:,.0f}) to {s.index[-1].strftime('%b %Y')} ({s.iloc[-1]:,.0f}).")
    if kind == "yoy":
        df = kw["yoy"].dropna(subset=["change"]).sort_values("change")
        items = "; ".join(f"{t} {c:+.1f}%" for t, c in zip(df["crime_type"], df["change"]))
        return f"Bar chart of year-on-year change in crimes by type: {items}."
    raise ValueError(f"unknown chart kind {kind!r}")


def chart_title(r: MetricResult) -> str:
    """A title that states the finding, with the period."""
    verdict = r.verdict or "no verdict"
    v = r.chart.values.dropna() if r.chart is not None else None
    if v is None or v.empty:
        return f"{r.metric.name}: {verdict} in {r.period}"
    unit = r.unit if r.unit in ("percent", "seconds", "days") else "count"
    latest = fmt_value(float(v.iloc[-1]), unit)
    return f"{r.metric.name}: {latest} in {v.index[-1].strftime('%b-%y')}, {verdict}"


def alt_text(r: MetricResult) -> str:
    """Alt text describing what the chart shows, for screen readers."""
    res = r.chart
    v = res.values
    n_sig = sum(1 for i in range(len(v)) if res.point_signal(i) is not None)
    return (f"Control chart of {r.metric.name} by month from {v.index[0].strftime('%b %Y')} to "
            f"{v.index[-1].strftime('%b %Y')}; mean {res.mean.iloc[-1]:,.1f}, limits {res.lower.iloc[-1]:,.1f} to "
            f"{res.upper.iloc[-1]:,.1f}; {n_sig} points flagged as special cause; latest month: {r.verdict}.")


def png_bytes(fig: Figure) -> bytes:
    """The figure as an opaque RGB PNG, cropped as ``savefig(bbox_inches="tight")`` crops it.

    matplotlib writes RGBA; every pixel of our charts is opaque (white figure background), and WeasyPrint splits an
    RGBA image into colour and an alpha mask and re-encodes both. RGB gives the same pixels, a smaller file, and one
    encoding fewer in the PDF step.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    raw = io.BytesIO()
    canvas.print_figure(raw, format="raw", dpi=DPI, bbox_inches="tight")
    size = (int(canvas.renderer.width), int(canvas.renderer.height))  # the renderer of the cropped draw
    rgba = Image.frombuffer("RGBA", size, raw.getvalue(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    rgba.convert("RGB").save(out, format="png", dpi=(DPI, DPI))  # the pHYs matplotlib writes
    return out.getvalue()


def figure_html(fig: Figure, alt: str, caption: str = "") -> str:
    """The figure as a self-contained <figure> with an embedded PNG and alt text."""
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"/>{cap}</figure>'
