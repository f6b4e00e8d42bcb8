"""XmR (individuals and moving range) control charts as in NHS England "Making Data Count" (MDC)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LIMIT_FACTOR = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points
MR_SCREEN_FACTOR = 3.267  # D4 for n = 2: moving ranges at or above 3.267 × mean MR are screened out
BAND_FACTOR = LIMIT_FACTOR * 2 / 3  # the "close to limit" (2-sigma) band

RULE_LIMIT = "point beyond a process limit"
RULE_TREND = "trend"
RULE_TWO_OF_THREE = "two of three points close to a limit"
RULE_RUN = "run on one side of the mean"
PRECEDENCE = [RULE_LIMIT, RULE_TREND, RULE_TWO_OF_THREE, RULE_RUN]


@dataclass(frozen=True)
class XmrSettings:
    """How limits are computed and which rules are applied; defaults follow the MDC Excel tool."""

    run_length: int = 7
    trend_length: int = 7
    screen_moving_ranges: bool = False  # NHSRplotthedots screens by default; the MDC Excel tool does not
    two_of_three_includes_beyond_limits: bool = True  # MDC's November 2023 variant
    baseline_points: int | None = None  # fix limits on the first n points of each period
    rebase_at: tuple[pd.Period, ...] = ()  # recalculate limits from these months (named in the plan, never automatic)
    min_points: int = 15

    @property
    def needed(self) -> int:
        """Points a chart needs: the minimum, or the fixed baseline if that is longer."""
        return max(self.min_points, self.baseline_points or 0)

    def describe(self) -> str:
        """One line for a chart note naming the choices made."""
        parts = ["XmR chart (NHS Making Data Count): limits = mean ± 2.66 × mean moving range"]
        parts.append("moving ranges ≥ 3.267 × mean screened out" if self.screen_moving_ranges else "moving ranges not screened")
        if self.baseline_points:
            parts.append(f"limits fixed on the first {self.baseline_points} points")
        if self.rebase_at:
            parts.append("recalculated from " + ", ".join(p.strftime("%b-%y") for p in self.rebase_at))
        parts.append(f"run and trend rules use {self.run_length} and {self.trend_length} points")
        parts.append("two-of-three rule counts points beyond the limits (MDC, November 2023)"
                     if self.two_of_three_includes_beyond_limits else
                     "two-of-three rule leaves out points beyond the limits (pre-2023 MDC)")
        return "; ".join(parts) + "."


@dataclass(frozen=True)
class Signal:
    """One special-cause signal: the rule, the positions of its points, and whether it is high or low."""

    rule: str
    points: tuple[int, ...]
    side: str  # "high" or "low"


@dataclass
class XmrResult:
    """Limits per point (they step at rebase dates), and every signal found."""

    values: pd.Series
    mean: pd.Series
    upper: pd.Series
    lower: pd.Series
    upper_band: pd.Series
    lower_band: pd.Series
    mr_mean: pd.Series
    signals: list[Signal] = field(default_factory=list)
    settings: XmrSettings = XmrSettings()

    def point_signal(self, i: int) -> Signal | None:
        """The highest-precedence signal that includes point ``i``, if any."""
        hits = [s for s in self.signals if i in s.points]
        if not hits:
            return None
        return min(hits, key=lambda s: PRECEDENCE.index(s.rule))

    def verdict(self, i: int = -1, direction: str = "up") -> str:
        """MDC variation verdict for a point: 'special cause — improving', '… concerning' or 'common cause'."""
        i = i % len(self.values)
        sig = self.point_signal(i)
        if sig is None:
            return "common cause"
        if direction == "none":  # no good direction: say which side, not whether it is good
            return f"special cause — {sig.side}"
        good = (sig.side == "high") == (direction == "up")
        return "special cause — improving" if good else "special cause — concerning"

    def assurance(self, target: float | None, direction: str = "up") -> str | None:
        """MDC assurance against a target from the latest limits: consistently met / not met / hit and miss."""
        if target is None:
            return None
        lo, hi = float(self.lower.iloc[-1]), float(self.upper.iloc[-1])
        if direction == "up":
            if target <= lo:
                return "consistently met"
            if target > hi:
                return "consistently not met"
        else:
            if target >= hi:
                return "consistently met"
            if target < lo:
                return "consistently not met"
        return "hit and miss"


def moving_ranges(values: np.ndarray) -> np.ndarray:
    """Absolute differences between consecutive points."""
    return np.abs(np.diff(values))


def limits(values: np.ndarray, screen: bool = False) -> tuple[float, float]:
    """(mean, mean moving range) of a baseline, optionally screening moving ranges ≥ 3.267 × their mean (then recomputed)."""
    if len(values) < 2:
        raise ValueError("an XmR chart needs at least two points")
    mr = moving_ranges(values)
    mr_mean = float(mr.mean())
    if screen:
        kept = mr[mr < MR_SCREEN_FACTOR * mr_mean]
        if len(kept):
            mr_mean = float(kept.mean())
    return float(values.mean()), mr_mean


def xmr(series: pd.Series, settings: XmrSettings = XmrSettings()) -> XmrResult:
    """Compute an XmR chart for a monthly series with limits per period and all four MDC rules."""
    s = series.dropna().astype(float)
    if len(s) < 2:
        raise ValueError(f"an XmR chart needs at least two points, got {len(s)}")
    values = s.to_numpy()
    index = s.index
    starts = [0]
    if settings.rebase_at and not isinstance(index, pd.PeriodIndex):
        raise ValueError("rebasing needs a monthly (PeriodIndex) series: rebase dates are months")
    for when in sorted(settings.rebase_at):
        pos = int((index < when).sum())  # first point on or after the rebase month
        if 0 < pos < len(values) and pos not in starts:
            starts.append(pos)
    bounds = list(zip(starts, starts[1:] + [len(values)]))

    mean = np.empty(len(values))
    mrm = np.empty(len(values))
    for a, b in bounds:
        seg = values[a:b]
        base = seg[: settings.baseline_points] if settings.baseline_points else seg
        if len(base) < 2:
            raise ValueError(f"the period from point {a} has {len(seg)} point(s); a rebased period needs at least two")
        m, r = limits(base, settings.screen_moving_ranges)
        mean[a:b], mrm[a:b] = m, r
    upper, lower = mean + LIMIT_FACTOR * mrm, mean - LIMIT_FACTOR * mrm
    ub, lb = mean + BAND_FACTOR * mrm, mean - BAND_FACTOR * mrm

    signals: list[Signal] = []
    for a, b in bounds:
        signals += _signals(values, mean, upper, lower, ub, lb, a, b, settings)

    def ser(x: np.ndarray) -> pd.Series:
        return pd.Series(x, index=index)

    return XmrResult(s, ser(mean), ser(upper), ser(lower), ser(ub), ser(lb), ser(mrm), signals, settings)


def _signals(v, mean, upper, lower, ub, lb, a: int, b: int, st: XmrSettings) -> list[Signal]:
    out: list[Signal] = []
    for i in range(a, b):
        if v[i] > upper[i]:
            out.append(Signal(RULE_LIMIT, (i,), "high"))
        elif v[i] < lower[i]:
            out.append(Signal(RULE_LIMIT, (i,), "low"))
    # Trend: trend_length points each strictly above (or below) the one before; a tie breaks it.
    rising, falling = np.diff(v[a:b]) > 0, np.diff(v[a:b]) < 0
    for side, steps in (("high", rising), ("low", falling)):
        for i, j in _stretches(steps):  # steps i..j join points i..j+1
            if j - i + 2 >= st.trend_length:
                out.append(Signal(RULE_TREND, tuple(range(a + i, a + j + 2)), side))
    # Two of three consecutive points beyond the 2/3 band on the same side.
    for side in ("high", "low"):
        if side == "high":
            beyond = v > ub
            over_limit = v > upper
        else:
            beyond = v < lb
            over_limit = v < lower
        counted = beyond if st.two_of_three_includes_beyond_limits else beyond & ~over_limit
        flagged: set[int] = set()
        for i in range(a, b - 2):
            win = [i, i + 1, i + 2]
            hits = [w for w in win if counted[w]]
            if len(hits) >= 2:
                flagged.update(hits)
        if flagged:
            out.extend(_group(sorted(flagged), RULE_TWO_OF_THREE, side))
    # Run: run_length consecutive points on the same side of the mean; a point on the mean breaks it.
    for side, test in (("high", v[a:b] > mean[a:b]), ("low", v[a:b] < mean[a:b])):
        for i, j in _stretches(test):
            if j - i + 1 >= st.run_length:
                out.append(Signal(RULE_RUN, tuple(range(a + i, a + j + 1)), side))
    return out


def _stretches(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) positions of each stretch of consecutive True values."""
    padded = np.concatenate([[False], mask, [False]]).astype(int)
    edges = np.diff(padded)
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1))


def _group(idx: list[int], rule: str, side: str) -> list[Signal]:
    """Consecutive-ish flagged points (gaps of one allowed) become one signal each."""
    groups: list[list[int]] = [[idx[0]]]
    for i in idx[1:]:
        if i - groups[-1][-1] <= 2:
            groups[-1].append(i)
        else:
            groups.append([i])
    return [Signal(rule, tuple(g), side) for g in groups]


def consecutive_tail(series: pd.Series) -> tuple[pd.Series, list[pd.Period]]:
    """The unbroken run of monthly values ending at the last one, and the missing months that cut it off.

    A moving range across a missing month would compare points two months apart, so an XmR chart of a monthly
    series only uses consecutive months (the months before a gap are left out, and the chart note says so).
    """
    s = series.astype(float)
    if not isinstance(s.index, pd.PeriodIndex) or s.dropna().empty:
        return s.dropna(), []
    s = s.loc[: s.last_valid_index()]
    full = s.reindex(pd.period_range(s.index.min(), s.index.max(), freq="M"))
    missing = list(full.index[full.isna()])
    if not missing:
        return full, []
    return full[full.index > missing[-1]], missing


def chart_unavailable(series: pd.Series, settings: XmrSettings = XmrSettings()) -> str | None:
    """Why no XmR chart can be drawn for this series (a named outcome), or None when one can."""
    tail, missing = consecutive_tail(series)
    if len(tail) >= settings.needed:
        return None
    reason = f"too few months for a control chart ({len(tail)} of {settings.needed} needed)"
    if missing:
        gap = missing[-1].strftime("%b-%y")
        reason = f"too few consecutive months for a control chart ({len(tail)} of {settings.needed} needed; " \
                 f"{gap} is missing, so earlier months cannot be joined on)"
    return reason


def signal_phrase(sig: Signal, index: pd.Index) -> str:
    """Plain words for one signal: its rule, how many points, and their span, e.g. 'run below the mean: 9 points, Jul-22 to Mar-23'."""
    def label(i: int) -> str:
        p = index[i]
        return p.strftime("%b-%y") if isinstance(p, pd.Period) else str(p)

    where = {RULE_LIMIT: "above the upper limit" if sig.side == "high" else "below the lower limit",
             RULE_TREND: "rising trend" if sig.side == "high" else "falling trend",
             RULE_TWO_OF_THREE: "two of three points near the upper limit" if sig.side == "high"
             else "two of three points near the lower limit",
             RULE_RUN: "run above the mean" if sig.side == "high" else "run below the mean"}[sig.rule]
    if len(sig.points) == 1:
        return f"{where} at {label(sig.points[0])}"
    return f"{where}: {len(sig.points)} points, {label(sig.points[0])} to {label(sig.points[-1])}"
