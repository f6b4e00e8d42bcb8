import math

import pytest

from pccreport import statements as st


def test_nan_never_reaches_a_sentence():
    with pytest.raises(ValueError, match="missing 'value'"):
        st.render("volume", name="Crime", period="Mar-23", value=math.nan, change="up 1.0%", judgement="")


def test_formats_as_the_seed_writes_them():
    assert st.fmt_duration(6893) == "1:54:53"
    assert st.fmt_duration(746) == "12:26"
    assert st.fmt_duration(48) == "48.0 secs"
    assert st.change_pct(6.1) == "up 6.1%" and st.change_pct(-0.1) == "down 0.1%" and st.change_pct(0.01) == "unchanged"
    assert st.judgement(6.1, "down") == ", a deterioration" and st.judgement(-3.8, "down") == ", an improvement"
