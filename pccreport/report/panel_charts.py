"""Charts for the seed's comparison panels, in the house style of ``charts.py``: a scorecard's measures against
their comparators, priority response mean and median against the service level, and the governance structure.

Notes go under each image as selectable text (``charts.figure_html``'s caption), never into the image.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..inputs.plan import GovernanceBody
from .charts import _RC, COMMON, CONCERNING, HALF, IMPROVING, LINE, SIZE, TARGET, _month_axis, _subplots
from .scorecard import MetricResult
from .statements import fmt_duration, fmt_value

MARKERS = ["D", "s", "^", "v", "P"]
COMPARATOR_COLOURS = [CONCERNING, "#009E73", "#CC79A7", "#D55E00", "#F0E442"]
UNIT_LABELS = {"percent": "Percent (%)", "days": "Days", "seconds": "Minutes"}


def _shown(r: MetricResult) -> bool:
    return r.supplied and r.value is not None


def comparison_figure(results: list[MetricResult], title: str) -> Figure | None:
    """One row per measure: the latest figure (with its 95% interval where it has one), the figure it is compared
    with (previous quarter or year) and each comparator's; a panel per unit. None when no measure has a figure."""
    shown = [r for r in results if _shown(r)]
    if not shown:
        return None
    units = list(dict.fromkeys(r.unit for r in shown))
    heights = [sum(1 for r in shown if r.unit == u) for u in units]
    with matplotlib.rc_context(_RC):
        # Half the text width, beside the panel's table; the key goes under it, two entries to a line.
        # Each row tall enough for its measure name's wrapped lines (three lines need more than a dot's room).
        lines = max(_wrap(r.metric.name, 28).count("\n") + 1 for r in shown)
        row = max(0.3, 0.13 * lines)
        fig = Figure(figsize=(HALF[0], row * sum(heights) + 0.4 * len(units) + 0.85), layout="constrained")
        axes = fig.subplots(len(units), 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
        comp_style: dict[str, tuple[str, str]] = {}
        for ax, unit in zip(axes, units):
            rows = [r for r in shown if r.unit == unit][::-1]
            scale = 60.0 if unit == "seconds" else 1.0
            y = np.arange(len(rows))
            for yi, r in zip(y, rows):
                if r.low is not None and r.high is not None:
                    ax.plot([r.low / scale, r.high / scale], [yi, yi], color=IMPROVING, lw=2.2, alpha=0.45,
                            solid_capstyle="butt", label="95% interval")
                if r.previous_value is not None:
                    ax.scatter([r.previous_value / scale], [yi], s=34, facecolors="white", edgecolors=COMMON,
                               linewidths=1.2, zorder=3, label=_previous_legend(r))
                    ax.annotate("", (r.value / scale, yi), (r.previous_value / scale, yi),
                                arrowprops={"arrowstyle": "->", "color": COMMON, "lw": 0.8})
                for area, (v, lo, hi) in r.comparators.items():
                    key = area.split(" (")[0]
                    if key not in comp_style:
                        n = len(comp_style)
                        comp_style[key] = (MARKERS[n % len(MARKERS)], COMPARATOR_COLOURS[n % len(COMPARATOR_COLOURS)])
                    marker, colour = comp_style[key]
                    if lo is not None and hi is not None:
                        ax.plot([lo / scale, hi / scale], [yi - 0.22, yi - 0.22], color=colour, lw=1.6, alpha=0.6)
                    ax.scatter([v / scale], [yi - 0.22 if lo is not None else yi], marker=marker, s=30, color=colour,
                               zorder=4, label=key)
                ax.scatter([r.value / scale], [yi], s=46, color=IMPROVING, zorder=5, label="This period")
                ax.annotate(fmt_value(r.value, unit if unit in ("percent", "days", "seconds") else "count"),
                            (r.value / scale, yi), xytext=(0, 6), textcoords="offset points", ha="center",
                            fontsize=7, color=IMPROVING)
            ax.set_yticks(y, [_wrap(r.metric.name, 28) for r in rows], fontsize=7)
            ax.set_ylim(-0.7, len(rows) - 0.4)
            ax.grid(axis="y", visible=False)
            ax.set_xlabel(UNIT_LABELS.get(unit, unit))
            if unit == "percent":
                lo = min(min(_values(r)) for r in rows)
                hi = max(max(_values(r)) for r in rows)
                pad = max(2.0, (hi - lo) * 0.12)
                ax.set_xlim(max(0.0, lo - pad), min(100.0, hi + pad))
        handles, labels = [], []
        for ax in axes:
            for h, lbl in zip(*ax.get_legend_handles_labels()):
                if lbl not in labels:
                    handles.append(h), labels.append(lbl)
        fig.legend(handles, labels, fontsize=6.5, ncols=2, loc="outside lower left", frameon=False,
                   handletextpad=0.3, columnspacing=0.6, borderaxespad=0)
        # Over the whole figure (not from the axes' left edge, after the measure names), wrapped, at the control
        # charts' title size: a title wider than the figure widens the cropped PNG, and the page then shrinks the
        # whole chart, its text with it, to fit the half width.
        fig.suptitle(_wrap(title, 44), x=0.01, ha="left", fontsize=8, fontweight="bold")
    return fig


def _values(r: MetricResult) -> list[float]:
    vals = [r.value]
    vals += [x for x in (r.low, r.high, r.previous_value) if x is not None]
    for v, lo, hi in r.comparators.values():
        vals += [x for x in (v, lo, hi) if x is not None]
    return vals


def _previous_legend(r: MetricResult) -> str:
    label = r.previous_label.split(" (")[0]
    return {"previous quarter": "Previous quarter"}.get(label, label[0].upper() + label[1:] if label else "Earlier")


def _wrap(text: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def comparison_alt(results: list[MetricResult]) -> str:
    """Alt text naming each measure's latest figure and its comparators."""
    parts = []
    for r in results:
        if not _shown(r):
            parts.append(f"{r.metric.name}: not supplied")
            continue
        unit = r.unit if r.unit in ("percent", "days", "seconds") else "count"
        bits = [f"{r.metric.name} {fmt_value(r.value, unit)}"]
        bits += [f"{a} {fmt_value(v, unit)}" for a, (v, _, _) in r.comparators.items()]
        if r.previous_value is not None:
            bits.append(f"{r.previous_label} {fmt_value(r.previous_value, unit)}")
        parts.append(", ".join(bits))
    return "Chart of each measure against its comparators: " + "; ".join(parts) + "."


def mean_median_figure(r: MetricResult, median: pd.Series, service_level: float) -> Figure:
    """Monthly mean and median response times against the service level (both shown: the times are skewed)."""
    mean = r.series.dropna()
    med = median.dropna()
    with matplotlib.rc_context(_RC):
        fig, ax = _subplots((SIZE[0], 2.6))
        ax.plot(mean.index.to_timestamp(), mean.to_numpy() / 60, color=CONCERNING, lw=1.6, marker="o", ms=2.5,
                label="Average (mean)")
        ax.plot(med.index.to_timestamp(), med.to_numpy() / 60, color=IMPROVING, lw=1.6, marker="o", ms=2.5,
                label="Median")
        ax.axhline(service_level / 60, color=TARGET, lw=1.4, ls=(0, (4, 2)),
                   label=f"Service level ({fmt_duration(service_level)})")
        ax.set_ylabel("Minutes")
        ax.set_xlabel("Month")
        ax.set_ylim(bottom=0)
        _month_axis(ax)
        last = mean.index[-1]
        m_last, d_last = float(mean.iloc[-1]), float(med.get(last, np.nan))
        title = f"{r.metric.name}: average {fmt_duration(m_last)}"
        if not np.isnan(d_last):
            title += f", median {fmt_duration(d_last)}"
        ax.set_title(f"{title} in {last.strftime('%b-%y')}", loc="left")
        ax.legend(fontsize=7, ncols=3, loc="upper left", bbox_to_anchor=(0, -0.22), frameon=False)
    return fig


def mean_median_alt(r: MetricResult, median: pd.Series, service_level: float) -> str:
    """Alt text for the mean and median chart."""
    mean = r.series.dropna()
    last = mean.index[-1]
    med = median.get(last)
    return (f"Line chart of the monthly average and median {r.metric.name.lower()} from {mean.index[0].strftime('%b %Y')} "
            f"to {last.strftime('%b %Y')} against the service level of {fmt_duration(service_level)}; latest average "
            f"{fmt_duration(float(mean.iloc[-1]))}" + ("" if med is None or pd.isna(med) else
                                                       f", median {fmt_duration(float(med))}") + ".")


def governance_figure(root: GovernanceBody) -> Figure:
    """The governance structure as boxes: the plan at the top, the bodies reporting to it below, each with what it
    produces beneath it (a tree drawn level by level)."""
    levels: list[list[tuple[GovernanceBody, GovernanceBody | None]]] = [[(root, None)]]
    while True:
        nxt = [(c, b) for b, _ in levels[-1] for c in b.reports]
        if not nxt:
            break
        levels.append(nxt)
    depth = len(levels)
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(SIZE[0], 0.4 + 0.8 * depth), layout="constrained")
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.85, depth - 0.7)
        pos: dict[int, tuple[float, float]] = {}
        for d, level in enumerate(levels):
            yv = depth - 1 - d
            for j, (body, parent) in enumerate(level):
                xv = (j + 0.5) / len(level)
                pos[id(body)] = (xv, yv)
                width = min(0.9 / len(level), 0.6)
                _box(ax, xv, yv, _wrap(body.name, max(14, int(width * 80))), IMPROVING, "white", width)
                if parent is not None:
                    px, py = pos[id(parent)]
                    ax.annotate("", (xv, yv + 0.22), (px, py - 0.22),
                                arrowprops={"arrowstyle": "-", "color": LINE, "lw": 0.9, "connectionstyle": "angle,angleA=0,angleB=90"})
                if body.produces:
                    text = "\n".join(_wrap(p, max(14, int(width * 80))) for p in body.produces)
                    _box(ax, xv, yv - 0.55, text, "#DDEBF7", "black", width * 0.92, fontsize=7)
                    ax.plot([xv, xv], [yv - 0.22, yv - 0.4], color=LINE, lw=0.8)
    return fig


def _box(ax, x: float, y: float, text: str, face: str, colour: str, width: float, fontsize: float = 7.5) -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=colour, wrap=False,
            bbox={"boxstyle": "round,pad=0.45", "facecolor": face, "edgecolor": LINE, "linewidth": 0.6})


def governance_alt(root: GovernanceBody) -> str:
    """Alt text listing the governance structure."""
    def walk(b: GovernanceBody) -> str:
        s = b.name + (f" (produces {', '.join(b.produces)})" if b.produces else "")
        if b.reports:
            s += ", reported to by: " + "; ".join(walk(c) for c in b.reports)
        return s

    return "Diagram of the governance structure: " + walk(root) + "."
