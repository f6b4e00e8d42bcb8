import math

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from pccreport.report import statements as st


def test_nan_never_reaches_a_sentence():
    with pytest.raises(ValueError, match="missing 'value'"):
        st.render("volume", name="Crime", period="Mar-23", value=math.nan, change="up 1.0%", judgement="")


def test_formats_as_the_seed_writes_them():
    assert st.fmt_duration(6893) == "1:54:53"
    assert st.fmt_duration(746) == "12:26"
    assert st.fmt_duration(48) == "48.0 secs"
    assert st.change_pct(6.1) == "up 6.1%" and st.change_pct(-0.1) == "down 0.1%" and st.change_pct(0.01) == "unchanged"
    assert st.judgement(6.1, "down") == ", a deterioration" and st.judgement(-3.8, "down") == ", an improvement"


def test_seed_style_sentences():
    s = st.render("volume", name="Crime", period="Mar-23", value=st.fmt_count(45123),
                  comparison=st.comparison(6.1, "", "down", "year on year"), month="Mar-23", month_value="3,900",
                  month_comparison=st.comparison(-2.0, "", None, "on Mar-22"))
    assert s == ("Crime to Mar-23: 45,123 in the last 12 months (R12), up 6.1% year on year, a deterioration. "
                 "Mar-23 alone: 3,900, down 2.0% on Mar-22.")
    none = st.comparison(None, "R12 to Mar-22 needs 12 months; missing Jan-22", "down", "year on year")
    assert none == "; no year-on-year comparison (R12 to Mar-22 needs 12 months; missing Jan-22)"
    assert st.comparison(None, "no figure for Mar-22", None, "on Mar-22") == "; no comparison with Mar-22 (no figure for Mar-22)"
    assert st.comparison(1.24, "", "up", "year on year", "pts") == ", up 1.2pts year on year, an improvement"
    with pytest.raises(ValueError, match="needs field 'comparison'"):
        st.render("volume", name="Crime", period="Mar-23", value="1")
    assert st.change_in(15, "days") == "up 15 days" and st.change_in(-2, "percent") == "down 2 percentage points"
    assert st.change_in(0.01, "days") == "no change"
    assert st.sla_phrase(True, 3600) == "breaching the service level of 1:00:00"


def test_every_template_kind_fails_loudly_on_missing_fields():
    import string

    for kind, text in st.TEMPLATES.items():
        names = [f for _, f, _, _ in string.Formatter().parse(text) if f]
        with pytest.raises(ValueError, match="is missing"):
            st.render(kind, **{n: (None if i == 0 else "x") for i, n in enumerate(names)})


def test_significance_is_led_by_the_test_never_by_the_margin_alone():
    assert st.significance_phrase(-10.9, 5.0, True, 0.001).startswith("greater than the ±5.0pt margin of error (95% CI)")
    assert st.significance_phrase(-1.0, 5.0, False, 0.6).startswith("within the ±5.0pt margin of error")
    near = st.significance_phrase(-5.1, 5.0, False, 0.051)
    assert "finds no significant change" in near and "greater than" not in near


@given(hs.one_of(hs.none(), hs.floats(-1e6, 1e6)), hs.sampled_from(["up", "down", None]), hs.sampled_from(["%", "pts"]))
def test_comparison_clause_is_always_words(change, direction, unit):
    text = st.comparison(change, "no figure for Mar-22", direction, "year on year", unit)
    assert text[:2] in (", ", "; ") and "nan" not in text.lower().split()
    if change is not None and round(change, 1) != 0 and direction is not None:
        assert text.endswith("an improvement") or text.endswith("a deterioration")


def test_tiny_p_value_is_a_bound_not_zero():
    assert "p < 0.001" in st.significance_phrase(1.5, 0.1, True, 1e-9)
    assert "p = 0.037" in st.significance_phrase(1.9, 1.8, True, 0.037)
