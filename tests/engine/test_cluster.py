"""Grading on a Dask cluster (here a local one on the loopback address) gives exactly
the scores of grading on this machine, and records them the same way."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from pathlib import Path

import local_cluster
import pytest

from autograder.engine.batch import Job
from autograder.engine.cluster import REMOTE_PREFIX, grade_on_cluster
from autograder.records.gradebook import Gradebook

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SAMPLES = COURSE / "examples" / "submissions" / "hw1_forward"
EXPECTED = json.loads((COURSE / "tests/fixtures/hw1_forward_samples.json").read_text())
NAMES = ["ada_lovelace", "grace_hopper", "kurt_goedel", "edsger_dijkstra"]


@pytest.fixture(scope="module")
def scheduler():
    cluster = local_cluster.start(2)
    yield cluster.scheduler_address
    local_cluster.close(cluster)


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


@pytest.fixture(scope="module")
def threaded_scheduler():
    """One Dask worker process running two tasks at once: suites and fork servers are
    shared between its threads."""
    cluster = local_cluster.start(1, 2)
    yield cluster
    local_cluster.close(cluster)


def test_a_worker_with_several_threads_grades_exactly_as_here(threaded_scheduler, suites,
                                                              tmp_path):
    names = ["ada_lovelace", "grace_hopper", "kurt_goedel", "john_nash", "claude_shannon"]
    jobs = []
    for i, name in enumerate(names * 2):
        path = tmp_path / f"{name}_{i}.ipynb"
        shutil.copy(SAMPLES / f"{name}.ipynb", path)
        jobs.append(Job(path, f"{name}_{i}"))
    outcome = grade_on_cluster(jobs, suites("hw1_forward"), COURSE, None, 20261127,
                               threaded_scheduler.scheduler_address)
    assert not outcome.error and len(outcome.results) == len(jobs)
    for result in outcome.results:
        name = result.student.rsplit("_", 1)[0]
        got = {q.question: q.score for q in result.questions}
        assert got == pytest.approx(EXPECTED[name]["scores"], abs=1e-6), result.student


def test_a_scheduler_that_dies_mid_batch_stops_it_with_one_reason(suites, tmp_path):
    cluster = local_cluster.start(1)
    jobs = []
    for i in range(6):  # endless loops: each runs into hw1's 10 s cell limit
        path = tmp_path / f"loop{i}.ipynb"
        shutil.copy(SAMPLES / "barbara_liskov.ipynb", path)
        jobs.append(Job(path, f"loop{i}"))
    threading.Timer(3.0, cluster.close).start()
    start = time.monotonic()
    outcome = grade_on_cluster(jobs, suites("hw1_forward"), COURSE, None, 20261127,
                               cluster.scheduler_address)
    assert outcome.error.startswith("lost the Dask cluster") and "\n" not in outcome.error
    assert not outcome.interrupted and outcome.not_started
    assert time.monotonic() - start < 30
    # the killed Dask worker may leave its copy of a notebook; the next start removes it
    local_cluster.close(cluster)
    assert not list(Path(tempfile.gettempdir()).glob(f"{REMOTE_PREFIX}*"))


def test_a_stop_under_the_cluster_ends_the_batch_like_here(suites, tmp_path):
    cluster = local_cluster.start(1)
    try:
        jobs = []
        for i in range(6):
            path = tmp_path / f"loop{i}.ipynb"
            shutil.copy(SAMPLES / "barbara_liskov.ipynb", path)
            jobs.append(Job(path, f"loop{i}"))
        stop = threading.Event()
        threading.Timer(3.0, stop.set).start()
        start = time.monotonic()
        outcome = grade_on_cluster(jobs, suites("hw1_forward"), COURSE, None, 20261127,
                                   cluster.scheduler_address, stop=stop)
        assert outcome.interrupted and not outcome.error and outcome.results == []
        assert time.monotonic() - start < 10
    finally:
        local_cluster.close(cluster)
