"""Back matter text: notes on methods from docs/methods.md (public part only, no leaks) and a glossary of the
terms the assembled report actually uses."""

from __future__ import annotations

import re

import pytest

from pccreport.config import DEFAULT_ROOT, Paths
from pccreport.metrics.spc import XmrSettings
from pccreport.report import comparison, notes, render


def _glossary(*terms: str) -> str:
    rows = "".join(f'<p data-term="{t}"><b>{t}</b> def of {t}</p>' for t in terms)
    return f'<section id="glossary"><div class="glossary">{rows}</div><!-- glossary --></section>'


def test_glossary_keeps_only_terms_the_rest_of_the_body_uses():
    body = ("<section><p>The CSP rate and the <b>process limits</b>; S&amp;H recorded.</p>"
            '<img alt="MSG in alt text only" src="data:image/png;base64,CSEW"/></section>'
            + _glossary("CSP", "CSEW", "MSG", "Process limits", "S&amp;H", "SLA", "Special cause"))
    out = notes.prune_glossary(body)
    kept = re.findall(r'data-term="([^"]*)"', out)
    # Acronyms as whole words in the visible text; phrases in any case; alt text and image data do not count.
    assert kept == ["CSP", "Process limits", "S&amp;H"]


def test_a_glossary_term_used_only_in_the_glossary_is_dropped_and_an_empty_glossary_says_so():
    out = notes.prune_glossary("<p>Nothing here.</p>" + _glossary("SLA"))
    assert 'data-term="SLA"' not in out and "uses none of the glossary" in out


def test_term_matching_acronym_exact_phrase_any_case():
    assert notes.term_used("CSP", "each CSP area") and not notes.term_used("CSP", "CSPs")
    assert not notes.term_used("CSP", "a csp area")  # an acronym is matched as written
    assert notes.term_used("Special cause", "shows special cause variation")
    assert not notes.term_used("SLA", "SLAB") and not notes.term_used("S&H", "S&HX")


def test_page_html_prunes_the_glossary_so_a_section_added_by_any_template_counts():
    page = render.page_html("<section><p>Against the SLA.</p></section>" + _glossary("SLA", "CSEW"), "T", [], "F")
    assert 'data-term="SLA"' in page and 'data-term="CSEW"' not in page


def test_methods_public_part_renders_without_the_maintainers_section_or_any_leak():
    out = notes.methods_html(Paths(DEFAULT_ROOT).methods)
    text = notes.visible_text(out)
    for heading in ("Ratings", "Control charts", "Comparisons and trends", "Assumptions and caveats"):
        assert f"<h2>{heading}</h2>" in out
    assert notes.PRIVATE not in text and "rag.py" not in text and "<code>" not in out
    assert notes.public_leaks(text) == []
    # The assumptions log has its four columns (Aqua Book: what, why, effect, who can change it).
    assert "<th>Assumption</th><th>Why</th><th>Effect</th><th>Who can change it</th>" in out.replace("\n", "")


@pytest.mark.parametrize("leak", ["see `rag.py`", "in params/forces.yaml", "limits = mean ± 2.66 × mR",
                                  "Σ offences ÷ Σ population"])
def test_methods_with_a_leak_in_the_public_part_is_refused_naming_the_file(tmp_path, leak):
    doc = tmp_path / "methods.md"
    doc.write_text(f"# Methods\n\n## Ratings\n\nText {leak}.\n\n## {notes.PRIVATE}\n\n`ok here`\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(str(doc))):
        notes.methods_html(doc)


def test_methods_states_the_figures_the_code_uses():
    text = " ".join(notes.public_methods(Paths(DEFAULT_ROOT).methods.read_text(encoding="utf-8")).split())
    s = XmrSettings()
    assert f"{s.run_length} points in a row lie on one side" in text
    assert f"{s.trend_length} points in a row rise or fall" in text
    assert f"at least {s.min_points} months" in text
    assert f"at least {comparison.MIN_TREND_POINTS} points" in text
