"""Step changes on a control chart in words: the old and new mean and the month the process changed."""

from __future__ import annotations

from collections.abc import Callable

from ..metrics.spc import RULE_RUN, XmrResult
from ..periods import month_label


def step_phrases(res: XmrResult, fmt: Callable[[float], str]) -> list[str]:
    """One sentence per recalculation of the limits (a rebase) and per shift (run) still going at the latest month."""
    out = []
    means = res.mean.astype(float)
    idx = means.index
    for i in range(1, len(means)):
        old, new = float(means.iloc[i - 1]), float(means.iloc[i])
        if old != new:
            later = [s for s in res.signals if min(s.points) >= i]
            since = "has been stable since" if not later else "has shown unusual variation since"
            word = "rose" if new > old else "fell"
            out.append(f"From {month_label(idx[i])} the average {word} from {fmt(old)} to {fmt(new)} and {since}.")
    last = len(means) - 1
    for s in res.signals:
        if s.rule == RULE_RUN and last in s.points:
            first = min(s.points)
            run = res.values.astype(float).iloc[first:last + 1].mean()
            side = "above" if s.side == "high" else "below"
            out.append(f"Since {month_label(idx[first])} every month has been {side} the average of "
                       f"{fmt(float(means.iloc[last]))} (averaging {fmt(float(run))}): a shift in the process.")
    return out
