"""Source notes wrapped by bisection break at the same words as matplotlib's own ``wrap=True``: same PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from pccreport.report.wraptext import figure_text  # noqa: E402

NOTES = [
    "Source: force systems (KPI CSV). XmR chart (NHS Making Data Count): limits from the mean moving range; a run "
    "of 7 points on one side of the mean, a trend of 7, or a point beyond the limits is flagged as special cause.",
    "short",
    "Averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongwordthatcannotfit and more",
    "Two lines given\nby the caller, the second long enough to wrap again at the figure edge when drawn at A4 width.",
]


def _png(add) -> tuple[bytes, str]:
    fig, ax = plt.subplots(figsize=(7.2, 3.3), dpi=100, constrained_layout=True)
    ax.plot([1, 2, 3])
    t = add(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")  # the figure dpi: wrap state stays comparable
    wrapped = t._get_wrapped_text()
    plt.close(fig)
    return buf.getvalue(), wrapped


@pytest.mark.parametrize("note", NOTES)
def test_bisect_wrap_draws_the_same_image_as_matplotlib(note):
    kw = {"fontsize": 6.5, "color": "#555555", "wrap": True, "va": "top"}
    ours = _png(lambda fig: figure_text(fig, 0.0, -0.02, note, **kw))
    theirs = _png(lambda fig: fig.text(0.0, -0.02, note, **kw))
    assert ours[1] == theirs[1]
    assert ours[0] == theirs[0]
    if len(note) > 150:
        assert "\n" in ours[1]
