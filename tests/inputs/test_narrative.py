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


# Class 8 for due dates: only the documented forms are read, so no date is guessed at (issue 15, round two).

import pytest  # noqa: E402

from pccreport.errors import InputError  # noqa: E402
from pccreport.inputs import narrative  # noqa: E402


@pytest.mark.parametrize("text,date", [
    ("2023-06-15", dt.date(2023, 6, 15)), ("2023-06", dt.date(2023, 6, 30)), ("2023-Q2", dt.date(2023, 6, 30)),
    ("Q2 2023", dt.date(2023, 6, 30)), ("June 2023", dt.date(2023, 6, 30)), ("jun 2023", dt.date(2023, 6, 30)),
    ("Sept. 2023", dt.date(2023, 9, 30)), ("15 June 2023", dt.date(2023, 6, 15)),  # its day kept, not month end
    ("2024-02", dt.date(2024, 2, 29)),
])
def test_documented_due_dates_are_read_as_written(text, date):
    assert narrative._parse_due(text) == date


@pytest.mark.parametrize("text", [
    "now", "today",                      # pandas: the day of the build, so the status changed run to run
    "01/02/2023",                        # pandas: 2 January (US order), where a UK analyst means 1 February
    "2023",                              # pandas: January
    "20230615", "2023.06.15", "2023-06-15T10:00",  # pandas: the 15th lost, read as the end of June
    "2023-02-30", "31 Jun 2023", "2023-13", "Q5 2023", "1999-06", "٢٠٢٣-06", "Smarch 2023",
])
def test_undocumented_or_impossible_due_dates_are_not_guessed(text):
    assert narrative._parse_due(text) is None
    with pytest.raises(ValueError, match="must be a date written"):
        narrative.Deliverable(action="x", due=text, progress=10)


@pytest.mark.parametrize("start", ["2023-01-99", "2023-02-30", "٢٠٢٣-01", "2023-01\n", "1999-01"])
def test_a_deliverable_start_that_is_no_date_is_refused_when_loaded(tmp_path, start):
    """'2023-01-99' passed the old pattern and raised inside pandas while the report was drawn."""
    import shutil

    import yaml

    from pccreport.config import DEFAULT_ROOT

    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    f = tmp_path / "params" / "wiltshire" / "2023-Q1.yaml"
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    section = next(s for s in doc["priorities"].values() if s.get("deliverables"))
    section["deliverables"][0]["start"] = start
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(InputError, match=r"deliverables\.0\.start"):
        load_narrative(Paths(tmp_path), "wiltshire", "2023-Q1")


@pytest.mark.parametrize("link", ["../../.logs/run.log", "//evil.example/x", "#top", "file:///etc/passwd",
                                  "ftp://x.example/", "reports/index.html"])
def test_a_link_that_is_not_http_or_mailto_is_refused_and_never_rendered(link):
    text = f"See [the plan]({link})."
    with pytest.raises(ValueError, match="links must start https://"):
        narrative._markdown_only(text)
    assert "href" not in md_inline(text)  # the renderer drops it too, whatever passed validation


def test_absolute_web_and_mail_links_are_kept():
    for link in ("https://www.gov.uk/x", "http://example.org/y", "mailto:pcc@example.org"):
        assert narrative._markdown_only(f"[x]({link})") and f'href="{link}"' in md_inline(f"[x]({link})")
