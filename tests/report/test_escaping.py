"""Class 1, hostile text in every context it lands in: a CSS string, HTML, matplotlib text, and what the PDF
renderer may fetch. Cheap: no build, the page is made from a small body."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import pytest

from pccreport.report import render
from pccreport.report.escape import css_string
from pccreport.report.fetcher import ReportOnlyFetcher

TITLE = "Plan</style><script>alert(1)</script><img src=http://127.0.0.1:{port}/x.png><style>"
CSS_ATTACKS = ['"; } body { display: none } @page { content: "', "</style><script>alert(1)</script>",
               "a\\\"b", "line\nbreak\r\f", "\x00nul", "\u202eevil", "}</STYLE ><svg onload=alert(1)>",
               "url(http://127.0.0.1/x)", "/* comment */ @import 'http://x/y.css';"]


class _Hits(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server name
        _Hits.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):  # keep pytest output clean
        pass


@pytest.fixture
def server():
    _Hits.hits = []
    srv = http.server.HTTPServer(("127.0.0.1", 0), _Hits)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


@pytest.mark.parametrize("text", CSS_ATTACKS)
def test_css_string_cannot_leave_the_string(text):
    out = css_string(text)
    # Whatever the input, the escaped form holds only safe characters and hex escapes.
    assert re.fullmatch(r"(?:[A-Za-z0-9 ,.·—–:;()'_-]|\\[0-9a-f]{6})*", out), out


def test_footer_and_title_give_no_live_markup(server):
    title = TITLE.format(port=server)
    page = render.page_html("<p>body</p>", title, [("a", title)], title)
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style and "<" not in style.group(1)  # the stylesheet is never closed early
    assert "<script" not in page.lower() and "<img" not in page.lower()
    assert page.lower().count("<style>") == 1 and page.lower().count("</style>") == 1


def test_pdf_fetches_nothing_from_the_network(server):
    title = TITLE.format(port=server)
    body = (f'<p>x</p><img src="http://127.0.0.1:{server}/body.png">'
            f'<div style="background: url(http://127.0.0.1:{server}/bg.png)">y</div>'
            f'<link rel="stylesheet" href="http://127.0.0.1:{server}/s.css">')
    pdf = render.pdf_bytes(render.page_html(body, title, [], title))
    assert pdf.startswith(b"%PDF") and _Hits.hits == []


def test_pdf_reads_no_file_outside_the_report(tmp_path):
    secret = tmp_path / "outside" / "secret.css"
    secret.parent.mkdir()
    secret.write_text("p { color: red }")
    own = tmp_path / "report"
    own.mkdir()
    (own / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    (own / "link.css").symlink_to(secret)
    fetcher = ReportOnlyFetcher([own])
    for url in [secret.as_uri(), (own / "link.css").as_uri(), (own / ".." / "outside" / "secret.css").as_uri(),
                "file:///etc/passwd", "file://otherhost/etc/passwd", "ftp://127.0.0.1/x", "https://example.org/x"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch((own / "logo.svg").as_uri()) is not None
    assert fetcher.fetch("data:text/plain,hi") is not None


@pytest.mark.parametrize("text", ["$x^2$", r"$\\frac{a}{b}$", "a\\b $", "$$", r"\\undefined{$"])
def test_chart_text_is_literal(text):
    import matplotlib.pyplot as plt

    from pccreport.report.charts import _RC

    with plt.rc_context(_RC):
        fig, ax = plt.subplots()
        ax.set_title(text)
    fig.canvas.draw()  # mathtext would fail on the malformed ones or drop the dollars on the others
    assert ax.title.get_text() == text and not ax.title._parse_math
    plt.close(fig)
