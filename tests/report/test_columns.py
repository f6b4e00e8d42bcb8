"""The score cards' balanced columns: pccreport.report.columns lays out exactly what WeasyPrint's own columns_layout
lays out (every box's position and size), at fewer trial heights. Small documents, laid out both ways."""

from __future__ import annotations

import pytest

weasyprint = pytest.importorskip("weasyprint")

import weasyprint.layout.block as block  # noqa: E402
import weasyprint.layout.column as column  # noqa: E402

from pccreport.report import columns  # noqa: E402

CSS = """@page { size: A5; margin: 10mm; } body { font-family: "DejaVu Sans", sans-serif; font-size: 8pt; }
.cards { columns: 2; column-gap: 4mm; } .metric { break-inside: avoid; } h3 { margin: 0.3em 0 0.1em; }"""


def _card(i: int, height: int | str) -> str:
    """A card: its heading, then a block of ``height`` pixels (a chart) or, given text, that text."""
    body = f"<p>{height}</p>" if isinstance(height, str) else f'<div style="height: {height}px"></div>'
    return f'<div class="metric"><h3>Measure {i}</h3>{body}</div>'


def _doc(heights: list, before: int = 0) -> str:
    """A page of ``before`` paragraphs, then cards of the given heights flowing down two balanced columns."""
    lead = "".join(f"<p>Lead paragraph {i}.</p>" for i in range(before))
    cards = "".join(_card(i, n) for i, n in enumerate(heights))
    return f"<html><head><style>{CSS}</style></head><body>{lead}<div class='cards'>{cards}</div></body></html>"


def _boxes(box) -> list[tuple]:
    out = [(type(box).__name__,) + tuple(getattr(box, a, None) for a in ("position_x", "position_y", "width",
                                                                         "height"))]
    for child in getattr(box, "children", None) or []:
        out += _boxes(child)
    return out


def _layout(html: str, layout) -> tuple[list[list[tuple]], int]:
    """Every page's boxes when WeasyPrint lays out columns with ``layout``; and how many column layouts it made."""
    calls = []
    original_block_box_layout = block.block_box_layout

    def counted(*args, **kwargs):
        calls.append(1)
        return original_block_box_layout(*args, **kwargs)

    saved = block.columns_layout
    block.columns_layout, block.block_box_layout = layout, counted
    try:
        doc = weasyprint.HTML(string=html).render()
    finally:
        block.columns_layout, block.block_box_layout = saved, original_block_box_layout
    return [_boxes(p._page_box) for p in doc.pages], len(calls)


@pytest.mark.parametrize("heights,before", [
    ([40, 40, 40, 40, 40], 0),  # cards of one size
    ([15, 15, 120], 0),  # the second column lays out nothing at first, then all the rest: two different splits
    ([15, 160, 15, 120, 30, 15], 5),  # mixed, starting part-way down the page
    ([120] * 9, 2),  # more than a page: the columns go on to the next page, then balance there
    (["A statement that wraps over lines. " * n for n in (6, 1, 3, 2)], 0),  # text broken into lines
])
def test_same_boxes_as_weasyprint(heights, before):
    html = _doc(heights, before)
    assert _layout(html, columns.columns_layout)[0] == _layout(html, column.columns_layout)[0]


def test_a_tall_first_card_costs_far_fewer_layouts():
    # Taller than half of all the cards (a chart, say): WeasyPrint climbs from half the height 1px at a time until
    # it fits.
    html = _doc([300, 15, 15, 15])
    stock, stock_calls = _layout(html, column.columns_layout)
    ours, our_calls = _layout(html, columns.columns_layout)
    assert ours == stock
    assert our_calls * 3 < stock_calls


def test_installed_only_over_the_function_it_was_copied_from(monkeypatch):
    monkeypatch.setattr(block, "columns_layout", column.columns_layout)
    assert columns.install() is True and block.columns_layout is columns.columns_layout
    monkeypatch.setattr(block, "columns_layout", column.columns_layout)
    monkeypatch.setattr(columns, "UPSTREAM_SHA256", "0" * 64)  # another WeasyPrint: its own function is kept
    assert columns.install() is False and block.columns_layout is column.columns_layout


def test_steps_are_the_floats_the_loop_makes():
    steps = columns._steps(532.8, 540.0)
    stepped, expected = 532.8, []
    for _ in range(8):
        stepped += 1  # the loop's "height += 1"
        expected.append(stepped)
    assert steps == expected and steps[-1] > 540.0 >= steps[-2]
