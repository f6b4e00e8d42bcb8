"""The package's stages import only the stages below them, and no module imports itself back through others.

Stages, lowest first (docs/architecture.md): the shared core at the package root, ``metrics/``, ``ingest/``,
``inputs/``, ``report/``, ``batch/``, and ``__main__`` on top. Every import counts, including the ones made inside a
function to keep start-up cheap: they are dependencies all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pccreport"
STAGES = ["", "metrics", "ingest", "inputs", "report", "batch", "__main__"]  # "" is the shared core


def module_name(path: Path, package: Path) -> str:
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, package: Path) -> set[str]:
    """Every module of ``package`` that the file at ``path`` imports, anywhere in it, as dotted names."""
    me = module_name(path, package)
    here = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    known = {module_name(p, package) for p in package.rglob("*.py")}
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == package.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == package.name:
                target = node.module
            else:
                continue
            # ``from . import render`` names a module; ``from .plan import Plan`` names something in one.
            subs = {f"{target}.{a.name}" for a in node.names} & known
            out.update(subs or {target})
            if subs and len(subs) < len(node.names):
                out.add(target)
    return {m for m in out if m in known and m != me}


def import_graph(package: Path) -> dict[str, set[str]]:
    return {module_name(p, package): imports_of(p, package) for p in sorted(package.rglob("*.py"))}


def stage_of(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts:
        return ""
    if parts[0] == "__main__":
        return "__main__"
    return parts[0] if len(parts) > 1 or parts[0] in STAGES else ""


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a module to one in a higher stage, as readable lines."""
    bad = []
    for mod, deps in graph.items():
        for dep in deps:
            if STAGES.index(stage_of(dep)) > STAGES.index(stage_of(mod)):
                bad.append(f"{mod} ({stage_of(mod) or 'core'}) imports {dep} ({stage_of(dep)})")
    return sorted(bad)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_package_root_holds_only_the_shared_core():
    modules = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert modules == ["__init__", "__main__", "config", "errors", "hashing", "periods", "registry", "safefiles", "yamlfile"]
    assert sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__") == [
        "batch", "ingest", "inputs", "metrics", "report"]


def test_no_stage_imports_a_higher_one():
    assert upward_imports(import_graph(PACKAGE)) == []


def test_no_import_cycles():
    assert cycles(import_graph(PACKAGE)) == []


def test_graph_sees_the_imports_it_must():
    # Guards the checker itself: known edges of the real package, lazy imports inside functions included.
    graph = import_graph(PACKAGE)
    assert "pccreport.report.render" in graph["pccreport.batch.build"]  # imported inside run_one
    assert "pccreport.ingest.kpis" in graph["pccreport.inputs.plan"]
    assert "pccreport.yamlfile" in graph["pccreport.ingest.kpis"]
    assert "pccreport.metrics.spc" in graph["pccreport.report.scorecard"]
    assert "pccreport" in graph["pccreport.batch.manifest"]  # from .. import __version__


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pccreport"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    for d in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        (d / "__init__.py").touch()
    return root


@pytest.mark.parametrize("files, expected", [
    ({"inputs/plan.py": "from ..ingest.kpis import load\n", "ingest/kpis.py": "def f():\n    from ..inputs import plan\n"},
     [["pccreport.ingest.kpis", "pccreport.inputs.plan"]]),
    ({"report/a.py": "from . import b\n", "report/b.py": "from .c import x\n", "report/c.py": "import pccreport.report.a\n"},
     [["pccreport.report.a", "pccreport.report.b", "pccreport.report.c"]]),
])
def test_checker_finds_a_planted_cycle(tmp_path, files, expected):
    assert cycles(import_graph(_package(tmp_path, files))) == expected


@pytest.mark.parametrize("files, culprit", [
    ({"metrics/spc.py": "from ..report.statements import s\n", "report/statements.py": "s = 1\n"}, "pccreport.metrics.spc"),
    ({"config.py": "def f():\n    from .batch import cli\n", "batch/cli.py": ""}, "pccreport.config"),
    ({"ingest/police_uk.py": "from pccreport.inputs import plan\n", "inputs/plan.py": ""}, "pccreport.ingest.police_uk"),
])
def test_checker_finds_an_upward_import(tmp_path, files, culprit):
    bad = upward_imports(import_graph(_package(tmp_path, files)))
    assert len(bad) == 1 and bad[0].startswith(culprit + " ")
