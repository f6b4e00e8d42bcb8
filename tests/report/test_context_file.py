"""The context a build computes once and every notebook reads: used when it matches, ignored when it does not."""

from __future__ import annotations

import pytest
from pandas.testing import assert_frame_equal

from pccreport import report
from pccreport.ingest.pipeline import ingest_force
from pccreport.registry import load_registry
from pccreport.report.context_file import context_key, context_path, read_context, write_context
from pccreport.report.scorecard import scorecard_frame

from ..conftest import make_root


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    paths = make_root(tmp_path_factory.mktemp("ctxfile"), start="2022-01", end="2023-03", national=False)
    ingest_force(paths, load_registry(paths)["wiltshire"])
    return paths


def test_a_notebook_given_the_build_context_reads_it_and_gets_the_same_scorecard(ingested, tmp_path):
    root = str(ingested.root)
    own = report.context("wiltshire", "2023-Q1", root, "2023-04-01T00:00:00+00:00")
    key = context_key("wiltshire", "2023-Q1", root, "2023-04-01T00:00:00+00:00")
    path = write_context(own, context_path(tmp_path, key, {"inputs": "x"}), key)
    assert path.name.startswith("context-") and path.suffix == ".pickle"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    read = report.context("wiltshire", "2023-Q1", root, "2023-04-01T00:00:00+00:00", str(path))
    assert read is not own
    # Read back as computed: the results a notebook sees are the stored ones, not recomputed from the plan.
    stored = read._results
    assert read.results is stored
    assert_frame_equal(scorecard_frame(read.results), scorecard_frame(own.results))
    assert read.provenance.as_dict() == own.provenance.as_dict()


def test_a_stored_context_for_other_parameters_or_a_missing_file_is_not_used(ingested, tmp_path):
    root = str(ingested.root)
    key = context_key("wiltshire", "2023-Q1", root, None)
    path = write_context(report.context("wiltshire", "2023-Q1", root), tmp_path / "c.pickle", key)
    assert read_context(path, key) is not None
    assert read_context(path, context_key("wiltshire", "2022-Q4", root, None)) is None
    assert read_context(tmp_path / "missing.pickle", key) is None
    other = report.context("wiltshire", "2022-Q4", root, None, str(path))  # computes its own
    assert other.quarter.label == "2022-Q4"


def test_hostile_parameters_are_refused_before_a_context_file_is_opened(ingested, tmp_path):
    from pccreport.errors import ParameterError

    with pytest.raises(ParameterError):
        report.context("../../etc", "2023-Q1", str(ingested.root), None, str(tmp_path / "c.pickle"))
