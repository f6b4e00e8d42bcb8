"""The house chart style (one module): XmR control charts in the Making Data Count style, embedded as PNG."""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")  # noqa: E402 - rendering happens headless in kernels and tests
import matplotlib.pyplot as plt  # noqa: E402

from .scorecard import MetricResult  # noqa: E402

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
}


def _scale(r: MetricResult) -> tuple[float, str]:
    """Divisor and axis label: durations in seconds, minutes or hours by their size; counts per month."""
    if r.unit == "seconds":
        top = float(r.chart.values.max())
        if top >= 2 * 3600:
            return 3600.0, "Hours"
        return (60.0, "Minutes") if top >= 300 else (1.0, "Seconds")
    labels = {"percent": "Percent (%)", "days": "Days"}
    if r.unit in labels:
        return 1.0, labels[r.unit]
    return 1.0, f"{r.metric.unit.capitalize()} per month"


def xmr_figure(r: MetricResult, source: str) -> plt.Figure:
    """An XmR chart for a metric: points coloured by signal, mean, limits, rebased periods, target line."""
    res = r.chart
    m = r.metric
    scale, unit = _scale(r)
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=SIZE, constrained_layout=True)
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
            ax.axhline(m.target / scale, color=TARGET, lw=1.2, ls=":", label="Target")
        for when in res.settings.rebase_at:
            ax.axvline(when.to_timestamp(), color="black", lw=0.6, ls="-.", alpha=0.6)
        ax.set_ylabel(unit)
        ax.set_xlabel("Month")
        ax.set_title(chart_title(r), loc="left")
        handles = [plt.Line2D([], [], color=c, marker="o", ls="", label=lbl) for c, lbl in
                   ((IMPROVING, "Special cause – improving"), (CONCERNING, "Special cause – concerning"), (COMMON, "Common cause"))]
        ax.legend(handles=ax.get_legend_handles_labels()[0] + handles, fontsize=7, ncols=3, loc="upper left",
                  bbox_to_anchor=(0, -0.22), frameon=False)
        fig.text(0.0, -0.02, f"Source: {source}. {res.settings.describe()}", fontsize=6.5, color="#555555", wrap=True,
                 va="top")
    return fig


def chart_title(r: MetricResult) -> str:
    """A title that states the finding, with the period."""
    verdict = r.verdict or "no verdict"
    return f"{r.metric.name}: {verdict} in {r.period}"


def alt_text(r: MetricResult) -> str:
    """Alt text describing what the chart shows, for screen readers."""
    res = r.chart
    v = res.values
    n_sig = sum(1 for i in range(len(v)) if res.point_signal(i) is not None)
    return (f"Control chart of {r.metric.name} by month from {v.index[0].strftime('%b %Y')} to "
            f"{v.index[-1].strftime('%b %Y')}; mean {res.mean.iloc[-1]:,.1f}, limits {res.lower.iloc[-1]:,.1f} to "
            f"{res.upper.iloc[-1]:,.1f}; {n_sig} points flagged as special cause; latest month: {r.verdict}.")


def figure_html(fig: plt.Figure, alt: str, caption: str = "") -> str:
    """The figure as a self-contained <figure> with an embedded PNG and alt text."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"/>{cap}</figure>'
