"""Where one force-quarter's build spends its time: each phase of ``batch.build.build`` run in this process, then the
report's charts drawn again here and its PDF laid out again here, each timed on its own.

    .venv/bin/python benchmarks/build_phases.py --repeats 3

Phases (seconds since the build started, wall clock): the ingest check, the context (the scorecard), each lane's
warm kernel start (with its preloaded imports; the lanes start while the context is computed), each notebook, the
HTML and the PDF. Then, in this process: every chart of the report drawn and encoded (``charts.png_bytes``; wall
and CPU seconds, and the same without the per-interval tick locators, to show what they save), and the PDF step split
into HTML parse, layout and PDF writing, then laid out again with WeasyPrint's own column balancing (what
``report/columns.py`` saves). ``--tiny`` (run by tests/test_benchmarks.py): a one-metric-per-priority plan, one
repeat, result under ``--out`` only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import pickle
import tempfile
import threading
import time
from pathlib import Path

from common import TINY_START, conditions, median, out_dir, sample_root, save


def build_phases(paths, force: str = "wiltshire", quarter: str = "2023-Q1") -> tuple[list[dict], Path]:
    """Build once in this process with each phase's start and end stamped; returns the stamps and the report dir."""
    import pccreport.batch.build as build
    import pccreport.batch.kernel as kernel
    import pccreport.ingest.pipeline as pipeline
    import pccreport.report.notebook as notebook
    from pccreport.report import render

    t0 = time.monotonic()
    stamps: list[dict] = []
    lock = threading.Lock()

    def stamp(what: str, start: float) -> None:
        with lock:
            stamps.append({"what": what, "thread": threading.current_thread().name,
                           "start_s": round(start - t0, 2), "end_s": round(time.monotonic() - t0, 2)})

    def timed_call(label, f):
        def g(*a, **kw):
            s = time.monotonic()
            try:
                return f(*a, **kw)
            finally:
                stamp(label(*a) if callable(label) else label, s)
        return g

    saved = [(pipeline, "ingest_national"), (pipeline, "ingest_force"), (notebook, "context"), (render, "write_html"),
             (render, "write_pdf")]
    originals = [(mod, name, getattr(mod, name)) for mod, name in saved]
    k_init, k_exec = kernel.WarmKernel.__init__, kernel.WarmKernel.execute
    try:
        for mod, name, f in originals:
            setattr(mod, name, timed_call(name, f))
        kernel.WarmKernel.__init__ = timed_call("kernel start", k_init)
        kernel.WarmKernel.execute = timed_call(lambda self, src, out, *a: f"notebook {out.name}", k_exec)
        result = build.build(paths, force, quarter, jobs=2)
    finally:
        for mod, name, f in originals:
            setattr(mod, name, f)
        kernel.WarmKernel.__init__, kernel.WarmKernel.execute = k_init, k_exec
    if not result.ok:
        raise RuntimeError(result.error)
    stamps.append({"what": "build", "thread": "MainThread", "start_s": 0.0, "end_s": round(time.monotonic() - t0, 2)})
    return sorted(stamps, key=lambda s: s["start_s"]), paths.report_dir(force, quarter)


def report_figures(paths, force: str = "wiltshire", quarter: str = "2023-Q1") -> list[bytes]:
    """Every chart Figure of the report, pickled before it is drawn (the notebooks' cells run here, charts kept)."""
    import nbformat

    from pccreport.batch.build import notebook_runs
    from pccreport.inputs.plan import load_plan
    from pccreport.report import charts, notebook

    figs: list[bytes] = []
    original = charts.figure_html

    def keep(fig, alt, note=None):
        figs.append(pickle.dumps(fig))
        return ""

    ctx = notebook.context(force, quarter, str(paths.root))
    charts.figure_html = keep
    try:
        for run in notebook_runs(load_plan(paths, force)):
            nb = nbformat.read(paths.notebooks / run.template, as_version=4)
            ns: dict = {}
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                if "parameters" in cell.metadata.get("tags", []):
                    exec(cell.source, ns)
                    ns.update(force=force, quarter=quarter, project_root=str(paths.root), **run.params)
                    ns["_ctx"] = ctx
                    continue
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(cell.source.replace("report.context(force, quarter, project_root, built_at, context_file)",
                                             "_ctx"), ns)
    finally:
        charts.figure_html = original
    return figs


def draw_all(figs: list[bytes], memo: bool) -> tuple[float, float]:
    """(wall, CPU) seconds to draw and encode every figure, with or without the per-interval tick locators."""
    from pccreport.report import charts

    fresh = [pickle.loads(f) for f in figs]
    original = charts._ticks_once
    if not memo:
        charts._ticks_once = lambda fig: contextlib.nullcontext()
    try:
        w, c = time.perf_counter(), time.process_time()
        for fig in fresh:
            charts.png_bytes(fig)
        return time.perf_counter() - w, time.process_time() - c
    finally:
        charts._ticks_once = original


def pdf_split(report: Path) -> dict:
    """The PDF step of the built report again, in parts: HTML parse, layout (render), PDF writing; then the layout
    again with WeasyPrint's own multi-column layout in place of ``report.columns``' (CPU seconds of each)."""
    import weasyprint.layout.block as block
    import weasyprint.layout.column as column
    from weasyprint import HTML

    from pccreport.report import columns

    html = next(report.glob("*-report.html")).read_text(encoding="utf-8")
    columns.install()  # as render.pdf_bytes does
    HTML(string=html[:2000] + "</body></html>").write_pdf()  # imports and font set-up paid before the clock
    t = time.perf_counter()
    doc = HTML(string=html)
    t1 = time.perf_counter()
    c1 = time.process_time()
    rendered = doc.render()
    t2, c2 = time.perf_counter(), time.process_time()
    pdf = rendered.write_pdf()
    t3 = time.perf_counter()
    ours = block.columns_layout
    block.columns_layout = column.columns_layout
    try:
        c3 = time.process_time()
        HTML(string=html).render()
        stock_cpu = time.process_time() - c3
    finally:
        block.columns_layout = ours
    return {"parse_s": round(t1 - t, 2), "layout_s": round(t2 - t1, 2), "write_s": round(t3 - t2, 2),
            "layout_cpu_s": round(c2 - c1, 2), "layout_cpu_weasyprint_columns_s": round(stock_cpu, 2),
            "pages": len(rendered.pages), "images": html.count("data:image/png;base64,"),
            "html_mb": round(len(html.encode()) / 2**20, 2), "pdf_mb": round(len(pdf) / 2**20, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tiny", action="store_true", help="smoke test: one repeat of a one-metric-per-priority plan")
    ap.add_argument("--out", help="folder for build_phases.json (default benchmarks/results)")
    args = ap.parse_args()
    if args.tiny:
        args.repeats = 1
    tmp = Path(tempfile.mkdtemp(prefix="pcc-bench-phases-"))
    paths = sample_root(tmp / "root", ["wiltshire"], start=TINY_START if args.tiny else "2020-10", tiny=args.tiny)
    from pccreport.ingest.pipeline import ingest_force, ingest_national
    from pccreport.registry import validate_force

    ingest_national(paths)
    ingest_force(paths, validate_force("wiltshire", paths))
    runs = []
    for i in range(args.repeats):
        load = conditions()["loadavg_1_5_15"]
        stamps, report = build_phases(paths)
        figs = report_figures(paths)
        drawn = {"memo": draw_all(figs, True), "no_memo": draw_all(figs, False)}
        split = pdf_split(report)
        runs.append({"load_at_start": load, "phases": stamps, "charts": len(figs),
                     "charts_wall_cpu_s": {k: [round(x, 2) for x in v] for k, v in drawn.items()}, "pdf": split})
        print(f"repeat {i + 1} (load {load}): build {stamps[-1]['end_s']}s; {len(figs)} charts "
              f"{drawn['memo'][1]:.2f} CPU-s (without tick memo {drawn['no_memo'][1]:.2f}); PDF parse "
              f"{split['parse_s']}s layout {split['layout_s']}s (CPU {split['layout_cpu_s']}s, with WeasyPrint's own column "
              f"layout {split['layout_cpu_weasyprint_columns_s']}s) write {split['write_s']}s", flush=True)
    save("build_phases", {
        "what": "wiltshire 2023-Q1 built in-process (batch.build.build, jobs=2), phases stamped; charts and PDF again",
        "repeats": args.repeats, "runs": runs,
        "build_median_s": median([r["phases"][-1]["end_s"] for r in runs]),
        "charts_cpu_median_s": median([r["charts_wall_cpu_s"]["memo"][1] for r in runs]),
        "charts_cpu_no_memo_median_s": median([r["charts_wall_cpu_s"]["no_memo"][1] for r in runs]),
        "tiny": args.tiny, "conditions": conditions()}, out_dir(args.out))


if __name__ == "__main__":
    main()
