"""Class 6, YAML cannot expand without bound: aliases refused and size capped before any validation, for every file
the package reads through the shared loader (plan, narrative, catalogue, forces, glossary)."""

from __future__ import annotations

import os
import time

import pytest
import yaml

from pccreport import yamlfile
from pccreport.errors import InputError
from pccreport.safefiles import MAX_YAML_BYTES
from pccreport.yamlfile import load_yaml, safe_load

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9))

ALIAS_FORMS = {
    "billion laughs": LAUGHS,
    "merge key": "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
    "scalar alias": "a: &x hello\nb: *x\n",
    "alias in a list": "items: [&i one, *i]\n",
    "self-referencing": "a: &r [*r]\n",
}


@pytest.mark.parametrize("name", ALIAS_FORMS)
def test_aliases_are_refused_quickly(tmp_path, name):
    path = tmp_path / "narrative.yaml"
    path.write_text(ALIAS_FORMS[name], encoding="utf-8")
    t0 = time.process_time()
    with pytest.raises(InputError) as exc:
        load_yaml(path)
    assert time.process_time() - t0 < 5  # a generous ceiling: the expansion would take minutes and gigabytes
    assert "alias" in str(exc.value) and "line" in str(exc.value)


def test_anchors_without_aliases_and_plain_yaml_still_load(tmp_path):
    assert safe_load("a: &unused 1\nb: [1, 2]\nc: '*not an alias'\n") == {"a": 1, "b": [1, 2], "c": "*not an alias"}


def test_oversized_yaml_is_refused_before_parsing(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("x: " + "a" * (MAX_YAML_BYTES + 1), encoding="utf-8")
    with pytest.raises(InputError, match="limit"):
        load_yaml(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_yaml_that_is_a_fifo_or_device_is_refused(tmp_path):
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_yaml(fifo)
    dev = tmp_path / "narrative.yaml"
    dev.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        load_yaml(dev)


def test_every_reader_of_analyst_yaml_refuses_aliases(tmp_path):
    """The plan, narrative, catalogue and registry readers all go through the one loader."""
    import shutil

    from pccreport.config import Paths
    from pccreport.inputs.narrative import load_narrative
    from pccreport.inputs.plan import load_plan
    from pccreport.registry import load_registry
    from pccreport.config import DEFAULT_ROOT

    cases = {"params/wiltshire/plan.yaml": lambda p: load_plan(p, "wiltshire"),
             "params/wiltshire/2023-Q1.yaml": lambda p: load_narrative(p, "wiltshire", "2023-Q1"),
             "params/forces.yaml": load_registry}
    for rel, reader in cases.items():
        root = tmp_path / rel.replace("/", "_")
        shutil.copytree(DEFAULT_ROOT / "params", root / "params")
        target = root / rel
        target.write_text(target.read_text(encoding="utf-8") + "\nzz_extra: &z [1]\nzz_more: *z\n", encoding="utf-8")
        with pytest.raises(InputError, match="alias"):
            reader(Paths(root))


def test_the_c_and_python_loaders_read_every_shipped_yaml_file_alike():
    """libyaml parses where PyYAML has it; the pure-Python loader stays the reference (and gives every error)."""
    from pccreport.config import DEFAULT_ROOT

    if yamlfile._C_LOADER is None:
        pytest.skip("PyYAML was built without libyaml: only the Python loader is used")
    files = sorted((DEFAULT_ROOT / "params").rglob("*.yaml"))
    assert len(files) > 5
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert yamlfile._c_load(text) == yaml.load(text, Loader=yamlfile._NoAliasLoader), f  # noqa: S506


@pytest.mark.parametrize("name", ALIAS_FORMS)
def test_the_c_path_refuses_every_alias_form_itself(name):
    if yamlfile._C_LOADER is None:
        pytest.skip("PyYAML was built without libyaml")
    with pytest.raises(yaml.YAMLError) as exc:
        yamlfile._c_load(ALIAS_FORMS[name])
    assert "is not allowed in analyst YAML" in str(exc.value)


def test_a_syntax_error_reads_as_the_python_loader_gives_it(tmp_path):
    bad = "a: [1, 2\nb: 3\n"
    with pytest.raises(yaml.YAMLError) as ref:
        yaml.load(bad, Loader=yamlfile._NoAliasLoader)  # noqa: S506
    with pytest.raises(yaml.YAMLError) as got:
        safe_load(bad)
    assert str(got.value) == str(ref.value)


# ---------------------------------------------------------------- round two: nesting, repeated keys, bad values

DEEP = {
    "flow sequences": "[" * 50_000 + "]" * 50_000,  # libyaml's recursive composer overflowed the C stack (segfault)
    "flow mappings": "{a: " * 30_000 + "1" + "}" * 30_000,
    "block mappings": "".join("  " * i + "k:\n" for i in range(200)) + "  " * 200 + "v\n",
    "block sequences": "".join("  " * i + "-\n" for i in range(200)) + "  " * 200 + "x\n",
}


def _loaders():
    yield "python", lambda t: yaml.load(t, Loader=yamlfile._NoAliasLoader)  # noqa: S506
    if yamlfile._C_LOADER is not None:
        yield "libyaml", yamlfile._c_load
    yield "safe_load", safe_load


@pytest.mark.parametrize("name", DEEP)
def test_nesting_past_the_limit_is_refused_by_every_loader(tmp_path, name):
    for label, load in _loaders():
        with pytest.raises(yaml.YAMLError, match="nested more than"):
            load(DEEP[name])
    path = tmp_path / "plan.yaml"
    path.write_text(DEEP[name], encoding="utf-8")
    with pytest.raises(InputError, match=r"line \d+, column \d+.*nested more than 64"):
        load_yaml(path)


def test_nesting_at_the_limit_still_loads():
    text = "[" * yamlfile.MAX_DEPTH + "1" + "]" * yamlfile.MAX_DEPTH
    for _, load in _loaders():
        value = load(text)
        for _ in range(yamlfile.MAX_DEPTH - 1):
            value = value[0]
        assert value == [1]


REPEATED = {
    "top level": ("title: A\nperiod: x\ntitle: B\n", "title", 3),
    "nested": ("a:\n  b: 1\n  c: 2\n  b: 3\n", "b", 4),
    "in a list item": ("items:\n- {id: 1, id: 2}\n", "id", 2),
    "quoted and plain": ("'title': A\ntitle: B\n", "title", 2),
}


@pytest.mark.parametrize("name", REPEATED)
def test_a_repeated_key_is_refused_at_its_line_not_silently_dropped(tmp_path, name):
    text, key, line = REPEATED[name]
    for _, load in _loaders():
        with pytest.raises(yaml.YAMLError, match=f"key '{key}' is given twice"):
            load(text)
    path = tmp_path / "narrative.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=f"line {line}, column"):
        load_yaml(path)


def test_same_key_text_in_different_mappings_or_types_is_not_a_repeat():
    assert safe_load("a: {x: 1}\nb: {x: 2}\n") == {"a": {"x": 1}, "b": {"x": 2}}
    assert safe_load("1: a\n'1': b\n") == {1: "a", "1": "b"}  # an int and a string key
    assert safe_load("a: {<<: {x: 1}, y: 2}\n") == {"a": {"x": 1, "y": 2}}  # an inline merge, no alias


@pytest.mark.parametrize("text,what", [
    ("a: " + "9" * 5000 + "\n", "integer"),        # int() refuses past 4,300 digits: a bare ValueError before
    ("due: 2023-02-30\n", "day is out of range"),  # a YAML timestamp that is no date
])
def test_a_value_yaml_cannot_construct_is_an_input_error_naming_its_line(tmp_path, text, what):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=f"line 1, column .*{what}"):
        load_yaml(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("name", ["forces.yaml", "glossary.yaml"])
def test_the_registry_and_glossary_are_read_bounded(tmp_path, name):
    """Both were read with read_text: a FIFO there hung every build, and an alias-free 1 GB file was read whole."""
    import shutil

    from pccreport.config import DEFAULT_ROOT, Paths
    from pccreport.registry import load_registry
    from pccreport.report.sections import load_glossary

    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    target = tmp_path / "params" / name
    read = (lambda: load_registry(Paths(tmp_path))) if name == "forces.yaml" else (lambda: load_glossary(target))
    target.unlink()
    os.mkfifo(target)
    with pytest.raises(InputError, match="not a regular file"):
        read()
    target.unlink()
    target.write_text("x: " + "a" * (MAX_YAML_BYTES + 1), encoding="utf-8")
    with pytest.raises(InputError, match="limit"):
        read()


# ---------------------------------------------------------------- AnalystModel: what analyst text may hold

def _with_root(tmp_path):
    import shutil

    from pccreport.config import DEFAULT_ROOT, Paths

    shutil.copytree(DEFAULT_ROOT / "params", tmp_path / "params")
    return Paths(tmp_path)


BAD_TEXT = {"right-to-left override": "Plan \u202e2202", "ANSI escape": "Plan \x1b[2J", "NUL": "Plan \x00",
            "bell": "Plan \x07", "first-strong isolate": "Plan \u2068x"}


@pytest.mark.parametrize("name", BAD_TEXT)
def test_control_and_bidi_characters_are_refused_in_every_analyst_yaml(tmp_path, name):
    """Plan title, narrative text, KPI catalogue name and registry name: one schema base refuses them all."""
    from pccreport.ingest.kpis import load_catalogue
    from pccreport.inputs.narrative import load_narrative
    from pccreport.inputs.plan import load_plan
    from pccreport.registry import load_registry

    paths = _with_root(tmp_path)
    bad = BAD_TEXT[name]
    edits = {
        "wiltshire/plan.yaml": (lambda d: d.update(title=bad), lambda: load_plan(paths, "wiltshire")),
        "wiltshire/2023-Q1.yaml": (lambda d: d.update(author=bad),
                                   lambda: load_narrative(paths, "wiltshire", "2023-Q1")),
        "kpi_catalogue.yaml": (lambda d: next(iter(d["metrics"].values())).update(name=bad),
                               lambda: load_catalogue(paths.params, "wiltshire")),
        "forces.yaml": (lambda d: d["forces"][0].update(name=bad), lambda: load_registry(paths)),
    }
    for rel, (edit, read) in edits.items():
        f = paths.params / rel
        original = f.read_text(encoding="utf-8")
        doc = yaml.safe_load(original)
        edit(doc)
        f.write_text(yaml.safe_dump(doc, allow_unicode=False), encoding="utf-8")  # escaped: \e, \u202E, \0
        with pytest.raises(InputError, match="which a report must not carry"):
            read()
        f.write_text(original, encoding="utf-8")


def test_line_breaks_and_tabs_in_narrative_text_still_load(tmp_path):
    from pccreport.inputs.narrative import load_narrative

    paths = _with_root(tmp_path)
    f = paths.params / "wiltshire" / "2023-Q1.yaml"
    doc = yaml.safe_load(f.read_text(encoding="utf-8"))
    doc["author"] = "First line\nsecond line\twith a tab; ‘quotes’, é, — and “more”"
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    assert load_narrative(paths, "wiltshire", "2023-Q1").author == doc["author"]


@pytest.mark.parametrize("field,value", [("target", ".nan"), ("target", ".inf"), ("target", "-.inf"),
                                         ("service_level", ".inf")])
def test_nan_and_infinity_are_refused_in_plan_numbers(tmp_path, field, value):
    import re

    from pccreport.inputs.plan import load_plan

    paths = _with_root(tmp_path)
    f = paths.params / "wiltshire" / "plan.yaml"
    text = f.read_text(encoding="utf-8")
    assert re.search(rf"^\s+{field}: ", text, re.M)
    f.write_text(re.sub(rf"^(\s+){field}: .*$", rf"\g<1>{field}: {value}", text, count=1, flags=re.M),
                 encoding="utf-8")
    with pytest.raises(InputError, match=f"{field}': Input should be a finite number"):
        load_plan(paths, "wiltshire")
