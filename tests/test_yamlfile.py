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
