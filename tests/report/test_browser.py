"""The HTML report and reports/index.html in a real browser (headless Chromium over the DevTools protocol).

No console errors, no network requests (the report opens offline from an email attachment), and full-page screenshots
at 1280 px and 420 px wide whose layout is checked: the sidebar beside the report on a wide screen, above it on a
narrow one, and nothing (the summary table included) wider than a 420 px screen. ``make test`` installs Debian's
chromium when it is missing; set PCCREPORT_SCREENSHOTS=<folder> to keep the screenshots.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--hide-scrollbars"]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("no chromium found: `make test` installs Debian's chromium (or: apt-get install chromium)")


class Browser:
    """One headless Chromium with a fresh profile, driven over its DevTools websocket (one page)."""

    def __init__(self, profile: Path):
        import websocket

        self.proc = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.monotonic() + 60
        while port is None and time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            port = m.group(1) if m else port
            if not line and self.proc.poll() is not None:
                break
        assert port, "chromium did not start its DevTools endpoint"
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30))
        url = next(p["webSocketDebuggerUrl"] for p in pages if p["type"] == "page")
        self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            assert time.monotonic() < deadline, f"no {method} within {timeout}s"
            self.events.append(json.loads(self.ws.recv()))

    def load(self, path: Path, width: int) -> None:
        self.events.clear()
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=False)
        self.call("Page.navigate", url=path.as_uri())
        self.wait_for("Page.loadEventFired")

    def js(self, expr: str):
        return self.call("Runtime.evaluate", expression=expr, returnByValue=True)["result"].get("value")

    def problems(self) -> tuple[list[str], list[str]]:
        """(console errors and uncaught exceptions, requests for anything but the file itself and inline data)."""
        errors, requests = [], []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                errors.append(p["entry"].get("text", ""))
            elif m == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(("file://", "data:")):
                    requests.append(url)
        return errors, requests

    def screenshot(self, out: Path) -> tuple[int, int]:
        size = self.call("Page.getLayoutMetrics")["cssContentSize"]
        w, h = int(size["width"]), int(size["height"])
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": w, "height": h, "scale": 1})
        out.write_bytes(base64.b64decode(shot["data"]))
        return w, h

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    keep = os.environ.get("PCCREPORT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return Path(keep)
    return tmp_path_factory.mktemp("screenshots")


def _page_size(png: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(png) as im:
        return im.size


@pytest.mark.parametrize("width", [1280, 420])
def test_the_report_loads_offline_without_errors_and_lays_out_at(width, built_twice, browser, shots):
    paths = built_twice[0]
    page = paths.report_dir("wiltshire", "2023-Q1") / "wiltshire-2023-Q1-report.html"
    browser.load(page, width)
    errors, requests = browser.problems()
    assert errors == [] and requests == []
    box = browser.js("(() => { const s = document.querySelector('nav.sidebar').getBoundingClientRect();"
                     " const m = document.querySelector('main').getBoundingClientRect();"
                     " const t = document.querySelector('table.scorecard').getBoundingClientRect();"
                     " return {sl: s.left, sr: s.right, sb: s.bottom + scrollY, sw: s.width, ml: m.left,"
                     " mt: m.top + scrollY, tr: t.right, sw_doc: document.documentElement.scrollWidth,"
                     " pos: getComputedStyle(document.querySelector('nav.sidebar')).position,"
                     " links: document.querySelectorAll('nav.sidebar a').length}; })()")
    assert box["links"] >= 5  # a sidebar entry per section
    if width == 1280:  # sidebar fixed at the left, the report beside it, not under it
        assert box["pos"] == "fixed" and box["sl"] == 0 and box["sw"] > 150 and box["ml"] >= box["sr"]
    else:  # sidebar above the report, nothing wider than the screen (the summary table included)
        assert box["pos"] == "static" and box["mt"] >= box["sb"] - 1
        assert box["tr"] <= width and box["sw_doc"] <= width
    w, h = browser.screenshot(shots / f"report-{width}.png")
    assert w == width and h > 3000 and _page_size(shots / f"report-{width}.png") == (w, h)


@pytest.mark.parametrize("width", [1280, 420])
def test_the_index_loads_offline_without_errors_and_fits_at(width, built_twice, browser, shots):
    paths = built_twice[0]
    browser.load(paths.reports / "index.html", width)
    errors, requests = browser.problems()
    assert errors == [] and requests == []
    info = browser.js("({rows: document.querySelectorAll('tbody tr').length,"
                      " links: [...document.querySelectorAll('a')].map(a => a.getAttribute('href')),"
                      " sw: document.documentElement.scrollWidth})")
    assert info["rows"] >= 1 and "wiltshire/2023-Q1/wiltshire-2023-Q1-report.html" in info["links"]
    assert info["sw"] <= width
    w, h = browser.screenshot(shots / f"index-{width}.png")
    assert w == width and _page_size(shots / f"index-{width}.png") == (w, h)


def test_a_section_in_a_notebook_shows_the_reports_styling_and_its_data_while_the_report_has_neither(
        built_twice, browser, shots, tmp_path):
    """The build's executed front notebook as JupyterLab draws it (nbconvert's lab template carries JupyterLab's
    stylesheet): the fragment's RAG labels, tiles and tables styled as in the report, the data collapsed after it."""
    import nbformat
    from nbconvert import HTMLExporter

    report_dir = built_twice[0].report_dir("wiltshire", "2023-Q1")
    nb = nbformat.read(report_dir / "notebooks" / "00_front.ipynb", as_version=4)
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    page = re.sub(r"<script[^>]*\ssrc=\"https?://[^\"]*\"[^>]*>\s*</script>", "", page)  # CDN scripts: offline here
    (tmp_path / "front.html").write_text(page, encoding="utf-8")
    browser.load(tmp_path / "front.html", 1100)
    got = browser.js(
        "(() => { const f = document.querySelector('.jp-OutputArea-output .pccreport-nb');"
        " const css = (sel) => { const e = f.querySelector(sel); return e ? getComputedStyle(e) : null; };"
        " const d = document.querySelector('details.pccreport-data');"
        " return {red: css('.rag-red').backgroundColor, tile: css('.rag-summary .rag').display,"
        " td: css('table.scorecard td').textAlign, num: css('table.scorecard td.num').textAlign,"
        " group: css('table.scorecard tr.group th').backgroundColor, h1: css('h1').color,"
        " details: !!d, open: d && d.open, tables: d ? d.querySelectorAll('table').length : 0,"
        " summary: d ? d.querySelector('summary').textContent : ''}; })()")
    assert got["red"] == "rgb(184, 67, 26)" and got["tile"] == "inline-block"  # report.css's RAG red, tiles in a row
    assert got["td"] == "left" and got["num"] == "right"  # the report's table alignment, not JupyterLab's
    assert got["group"] == "rgb(227, 236, 244)" and got["h1"] == "rgb(0, 114, 178)"
    assert got["details"] and not got["open"] and got["tables"] >= 2 and "scorecard" in got["summary"]
    browser.screenshot(shots / "notebook-front-1100.png")
    # The exported report: its one stylesheet, no notebook wrapper, no data view.
    html = (report_dir / "wiltshire-2023-Q1-report.html").read_text(encoding="utf-8")
    assert html.count("<style") == 1 and "pccreport-nb" not in html and "pccreport-data" not in html
