import datetime as dt

from pccreport.config import Paths
from pccreport.inputs.narrative import due_label, due_status, load_narrative, md_inline


def test_markdown_is_rendered_and_html_is_neutralised():
    out = md_inline('**done** <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))')
    assert "<strong>done</strong>" in out
    assert "<script" not in out and "<img" not in out and 'href="javascript' not in out


def test_due_status_from_dates_relative_to_the_quarter_end():
    end = dt.date(2023, 3, 31)
    assert due_status("2023-03", 95, end) == "overdue"  # due at the quarter's end and not complete
    assert due_status("2023-04", 75, end) == "at risk"  # 11 of 12 months gone (92%), 75% done
    assert due_status("2023-04", 95, end) == "on track"
    assert due_status("2023-09", 10, end, start="2022-09") == "at risk"  # 6 of 12 months gone, 10% done
    assert due_status("2023-09", 60, end, start="2022-09") == "on track"
    assert due_status("2023-09", 10, end, start="2023-04") == "on track"  # not started yet: nothing behind
    assert due_label("Q4 2023") == "Dec 2023" and due_label("June 2023") == "Jun 2023"
    assert due_label("2023-06-15") == "15 Jun 2023"


def test_due_status_at_quarter_end():
    end = dt.date(2023, 3, 31)
    assert due_status("2023-Q4", 40, end) == "on track"
    assert due_status("2023-02", 50, end) == "overdue"
    assert due_status("2023-01", 100, end) == "complete"
    assert due_status("soon", 10, end) == "due date not understood"
    assert due_status("June 23", 10, end) == "due date not understood"


def test_missing_narrative_is_marked_not_supplied():
    nar = load_narrative(Paths.discover(), "wiltshire", "2031-Q2")
    assert nar.supplied is False and nar.priorities == {}


def test_sample_narrative_loads():
    nar = load_narrative(Paths.discover(), "wiltshire", "2023-Q1")
    assert set(nar.priorities) == {1, 2, 3, 4}
    assert all(0 <= d.progress <= 100 for s in nar.priorities.values() for d in s.deliverables)
