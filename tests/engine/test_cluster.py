"""Grading on a Dask cluster (here a local one on the loopback address) gives exactly
the scores of grading on this machine, and records them the same way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.engine.batch import Job
from autograder.engine.cluster import grade_on_cluster
from autograder.records.gradebook import Gradebook

COURSE = Path(__file__).resolve().parents[2]
SAMPLES = COURSE / "examples" / "submissions" / "hw1_forward"
EXPECTED = json.loads((COURSE / "tests/fixtures/hw1_forward_samples.json").read_text())
NAMES = ["ada_lovelace", "grace_hopper", "kurt_goedel", "edsger_dijkstra"]


@pytest.fixture(scope="module")
def scheduler():
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


def test_a_batch_graded_on_the_cluster_matches_the_fixture(scheduler, suites, tmp_path):
    for name in NAMES:
        shutil.copy(SAMPLES / f"{name}.ipynb", tmp_path)
    paths = sorted(tmp_path.glob("*.ipynb"))
    jobs = [Job(p, p.stem) for p in paths]
    book = Gradebook(str(tmp_path / "g.db"))
    seen = []
    outcome = grade_on_cluster(jobs, suites("hw1_forward"), COURSE, book, 20261127,
                               scheduler, progress=seen.append)
    assert [r.student for r in outcome.results] == sorted(NAMES) and len(seen) == len(NAMES)
    for result in outcome.results:
        got = {q.question: q.score for q in result.questions}
        assert got == pytest.approx(EXPECTED[result.student]["scores"], abs=1e-6)
        assert result.path == str(tmp_path / f"{result.student}.ipynb")
    assert "private read-only root" in outcome.results[0].isolation
    assert "not valid JSON" in outcome.results[1].error  # refused here, never shipped
    again = grade_on_cluster(jobs, suites("hw1_forward"), COURSE, book, 20261127, scheduler)
    assert again.results == [] and len(again.skipped) == len(NAMES)
