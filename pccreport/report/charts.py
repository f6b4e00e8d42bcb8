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

# Okabe–Ito colour-blind-safe palette; MDC convention: blue improving, orange concerning, grey common cause.
IMPROVING = "#0072B2"
CONCERNING = "#E69F00"
COMMON = "#7F7F7F"
LINE = "#4D4D4D"
LIMIT = "#56B4E9"
TARGET = "#CC79A7"
DPI = 160
SIZE = (7.2, 3.3)  # inches: fits the A4 text width at a readable font size
HALF = (3.4, 1.5)  # inches: one of two charts side by side in the A4 text width, text still at about 8 pt
CAPTION = "pcc_caption"  # the Figure attribute holding its source and note, printed as text under the image

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
        fig, ax = _subplots(HALF)
        x = res.values.index.to_timestamp()
        y = res.values.to_numpy() / scale
        ax.plot(x, y, color=LINE, lw=1.0, zorder=2)
        ax.step(x, res.mean / scale, where="mid", color="black", lw=0.9, label="Mean")
        ax.step(x, res.upper / scale, where="mid", color=LIMIT, lw=0.9, ls="--", label="Process limits")
        ax.step(x, res.lower / scale, where="mid", color=LIMIT, lw=0.9, ls="--")
        colours = []
        for i in range(len(y)):
            sig = res.point_signal(i)
            if sig is None or i in r.seasonal_points:  # a seasonal high or low is not special cause on its own
                colours.append(COMMON)
            else:
                good = (sig.side == "high") == (m.direction == "up")
                colours.append(IMPROVING if good else CONCERNING)
        ax.scatter(x, y, c=colours, s=12, zorder=3, edgecolors="white", linewidths=0.3)
        if m.target is not None:
            tunit = r.unit if r.unit in ("percent", "seconds", "days") else "count"
            ax.axhline(m.target / scale, color=TARGET, lw=1.2, ls=(0, (4, 2)),
                       label=f"Target ({fmt_value(float(m.target), tunit)})")
        for j, when in enumerate(res.settings.rebase_at):
            ax.axvline(when.to_timestamp(), color="black", lw=0.8, ls="-.", alpha=0.7,
                       label="Limits recalculated" if j == 0 else None)
        ax.set_ylabel(unit, fontsize=7.5)
        ax.set_xlabel("Month", fontsize=7, labelpad=1)
        ax.tick_params(labelsize=7)
        _month_axis(ax, few=True)
        ax.set_title(_wrapped(chart_title(r), 46), loc="left", fontsize=8)
        # The key lists only what this chart shows: a point colour that no point has is left out.
        points = [(c, lbl) for c, lbl in ((IMPROVING, "Improving"), (CONCERNING, "Concerning"),
                                          (COMMON, "Common cause")) if c in colours]
        handles = [Line2D([], [], color=c, marker="o", ls="", ms=4, label=lbl) for c, lbl in points]
        keys = handles + ax.get_legend_handles_labels()[0]
        # One row of key where it fits the half width (up to five short entries), saving a line of every card.
        fig.legend(handles=keys, fontsize=6.5, ncols=min(5, len(keys)), loc="outside lower left",
                   frameon=False, handlelength=1.2, handletextpad=0.3, columnspacing=0.6, borderaxespad=0)
        _source_line(fig, f"Source: {source}." + _xmr_note(res.settings))
    return fig


def _xmr_note(settings) -> str:
    """What is particular to this control chart (the method itself is explained once, in the report's notes)."""
    parts = []
    if settings.rebase_at:
        parts.append("Limits recalculated from " + ", ".join(p.strftime("%b-%y") for p in settings.rebase_at) + ".")
    if settings.baseline_points:
        parts.append(f"Limits fixed on the first {settings.baseline_points} months.")
    default = type(settings)()
    if (settings.run_length, settings.trend_length) != (default.run_length, default.trend_length):
        parts.append(f"Runs of {settings.run_length} and trends of {settings.trend_length} points are signals.")
    if settings.screen_moving_ranges != default.screen_moving_ranges:
        parts.append("Unusually large month-to-month changes are left out of the limits.")
    return "".join(" " + p for p in parts)


def _wrapped(text: str, width: int) -> str:
    """A title broken at words onto lines of at most ``width`` characters (cheap: no text measurement)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _month_axis(ax: Axes, few: bool = False) -> None:
    """Month ticks in the report's 'Mar-23' style, a few per chart so they never collide (fewer on a half-width one)."""
    import matplotlib.dates as mdates

    if few:
        lo, hi = (mdates.num2date(v) for v in ax.dataLim.intervalx)
        months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
        step = next((k for k in (1, 2, 3, 4, 6, 12, 24) if months / k <= 5), 36)
        loc = mdates.MonthLocator(bymonth=range(1, 13, min(step, 12)), interval=max(1, step // 12))
    else:
        loc = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b-%y"))


def _source_line(fig: Figure, text: str) -> None:
    """Keep the chart's source and note with the figure; ``figure_html`` prints it as a caption under the image."""
    # Not drawn into the PNG: text in the image cannot be selected, searched or read by a screen reader, and
    # scaled with the image it fell to about 5 pt.
    setattr(fig, CAPTION, text)


def caption(fig: Figure) -> str:
    """The source and note a chart function gave its figure ('' if none)."""
    return getattr(fig, CAPTION, "")


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
        fig, ax = _subplots((SIZE[0], 2.9) if len(h) == 1 else HALF)
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
            ax.set_ylabel("Crimes per 1,000 (12 months)", fontsize=7.5)
            ax.set_xlabel("12 months ending", fontsize=7.5)
            ax.tick_params(labelsize=7)
            _month_axis(ax, few=True)
            ax.set_ylim(bottom=0)
            ax.legend(fontsize=6.5, frameon=False, loc="lower left")
        ax.set_title(_wrapped(title, 46 if len(h) > 1 else 100), loc="left", fontsize=8)
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
        from ..metrics.rates import Rank

        phrase = Rank(force, int(row["rank"].iloc[0]), n).phrase  # from the nearer end: "10th highest of 42"
        title = f"{name} has the {phrase.replace(' of ', ' crime rate of ')} forces (12 months to {period})"
    colours = [IMPROVING if f == force else (LIMIT if f in peers else "#BBBBBB") for f in df["force"]]
    with matplotlib.rc_context(_RC):
        # Columns, highest rate first, names under them: the whole ranking in a strip the width of the page.
        fig, ax = _subplots((SIZE[0], 3.0))
        x = range(n)
        ax.bar(list(x), df["rate"].astype(float), color=colours, width=0.75)
        ax.set_xticks(list(x), [names.get(f, f) for f in df["force"]], fontsize=6, rotation=90)
        for lbl, f in zip(ax.get_xticklabels(), df["force"]):
            if f == force:
                lbl.set_fontweight("bold")
        ax.margins(x=0.01)
        ax.set_ylabel("Crimes per 1,000 residents", fontsize=7.5)
        ax.set_xlabel(f"Police force area, 12 months to {period}", fontsize=7.5)
        ax.grid(axis="x", visible=False)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(title, loc="left", fontsize=9)
        handles = [Rectangle((0, 0), 1, 1, color=IMPROVING, label=name),
                   Rectangle((0, 0), 1, 1, color=LIMIT, label="Peer forces"),
                   Rectangle((0, 0), 1, 1, color="#BBBBBB", label="Other forces")]
        ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper right")
        _source_line(fig, f"Source: {source}. {offence_group}. Ranked from the lowest rate; City of London (not "
                          "ranked) and figures suppressed by ONS are left out.")
    return fig


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
        fig, ax = _subplots(HALF)
        full = r12.loc[s.index[0]:]
        ax.plot(full.index.to_timestamp(), full.to_numpy(), color=IMPROVING, lw=1.8, marker="o", ms=2.5)
        ax.set_ylabel("Crimes, rolling 12 months", fontsize=7.5)
        ax.set_xlabel("12 months ending", fontsize=7.5)
        ax.tick_params(labelsize=7)
        _month_axis(ax, few=True)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_title(_wrapped(title, 46), loc="left", fontsize=8)
        _source_line(fig, f"Source: {source}. All crime excluding anti-social behaviour; each point is the total of "
                          "the 12 months ending that month (R12).")
    return fig


def yoy_by_type_figure(yoy: pd.DataFrame, end: pd.Period, source: str) -> Figure:
    """Year-on-year % change in R12 crimes by crime type; falls (good) blue, rises (concerning) orange."""
    df = yoy.dropna(subset=["change"]).sort_values("change")
    rises = int((df["change"].round(1) > 0).sum())
    title = (f"Crime rose in {rises} of {len(df)} crime types, year on year to {end.strftime('%b-%y')}")
    with matplotlib.rc_context(_RC):
        fig, ax = _subplots((HALF[0], max(2.2, 0.16 * len(df) + 0.9)))
        vals = df["change"].astype(float).to_numpy()
        cols = [COMMON if round(v, 1) == 0 else (CONCERNING if v > 0 else IMPROVING) for v in vals]
        bars = ax.barh(df["crime_type"], vals, color=cols, height=0.65)
        ax.bar_label(bars, labels=[f"{v:+.1f}%" for v in vals], padding=2, fontsize=6.5)  # counts: in the table
        ax.axvline(0, color="black", lw=0.8)
        lim = max(5.0, float(np.nanmax(np.abs(vals))) * 1.45) if len(vals) else 5.0
        ax.set_xlim(-lim, lim)
        ax.set_xlabel(f"Change, 12 months to {end.strftime('%b-%y')} on the year before (%)", fontsize=7)
        ax.grid(axis="y", visible=False)
        ax.tick_params(labelsize=6.5)
        ax.set_title(_wrapped(title, 34), loc="left", fontsize=8)  # starts after the long type names
        _source_line(fig, f"Source: {source}. Labels: the change; the counts are in the table. "
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


class _TicksOnce(matplotlib.ticker.Locator):
    """Another locator's ticks, computed once for each view interval and tick space it is asked about.

    One tight-cropped, constrained-layout save asks each axis for its ticks about twenty times (each layout pass, each
    bounding box, the draw); a month locator answers through dateutil's rrule every time (the largest single cost
    in the drawing profile after text). The ticks depend only on the view interval and, for an 'auto' number of
    bins, on the axis length (``get_tick_space``), so both are the key and the pixels are the same.
    """

    def __init__(self, inner: matplotlib.ticker.Locator):
        self.inner = inner
        self._key: tuple | None = None
        self._ticks = None

    def set_axis(self, axis) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def __call__(self):
        key = (*self.axis.get_view_interval(), self.axis.get_tick_space())
        if key != self._key:
            self._key, self._ticks = key, np.asarray(self.inner())
        return self._ticks.copy()

    def tick_values(self, vmin, vmax):
        return self.inner.tick_values(vmin, vmax)

    def nonsingular(self, v0, v1):
        return self.inner.nonsingular(v0, v1)

    def view_limits(self, vmin, vmax):
        return self.inner.view_limits(vmin, vmax)


class _ticks_once:
    """While drawing: each axis's month or 'nice number' locator answered once per interval (``_TicksOnce``);
    the figure's own locators are put back afterwards, so a figure drawn again after a change ticks as before."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.swapped: list[tuple] = []

    def __enter__(self):
        import matplotlib.dates as mdates

        kinds = (matplotlib.ticker.MaxNLocator, mdates.RRuleLocator, mdates.AutoDateLocator)
        for ax in self.fig.axes:
            ax.get_xlim()  # autoscale now, with the figure's own locators, exactly as a draw would
            for axis in (ax.xaxis, ax.yaxis):
                loc = axis.get_major_locator()
                if isinstance(loc, kinds):
                    self.swapped.append((axis, loc, axis.isDefault_majloc))
                    axis.set_major_locator(_TicksOnce(loc))
        return self

    def __exit__(self, *exc) -> None:
        for axis, loc, default in self.swapped:
            axis.set_major_locator(loc)
            axis.isDefault_majloc = default


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
    with _ticks_once(fig):
        canvas.print_figure(raw, format="raw", dpi=DPI, bbox_inches="tight")
    size = (int(canvas.renderer.width), int(canvas.renderer.height))  # the renderer of the cropped draw
    rgba = Image.frombuffer("RGBA", size, raw.getvalue(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    rgba.convert("RGB").save(out, format="png", dpi=(DPI, DPI))  # the pHYs matplotlib writes
    return out.getvalue()


def figure_html(fig: Figure, alt: str, note: str | None = None) -> str:
    """The figure as a self-contained <figure>: embedded PNG, alt text and its source and note as a caption.

    ``note`` defaults to the caption the chart function gave the figure (see ``_source_line``).
    """
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    text = caption(fig) if note is None else note
    cap = f"<figcaption>{html.escape(text)}</figcaption>" if text else ""
    return f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"/>{cap}</figure>'
