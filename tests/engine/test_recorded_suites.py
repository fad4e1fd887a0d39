"""A batch tells apart files recorded by this suite and those an earlier suite graded."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

from autograder.engine.batch import Job, run_batch
from autograder.engine.load import file_hash
from autograder.engine.results import SubmissionResult
from autograder.engine.suite import Suite, suite_digest
from autograder.records.gradebook import Gradebook


def _suite(digest: str) -> Suite:
    return Suite("hw", [], digest=digest)


def _batch(book: Gradebook, jobs: list[Job], suite: Suite, regrade: bool = False):
    graded: list[str] = []

    def grade(job: Job) -> SubmissionResult:
        graded.append(job.student)
        return SubmissionResult(job.student, "hw", str(job.path), file_hash(job.path), 1,
                                suite=suite.digest)

    return run_batch(jobs, suite, book, 1, 1, grade, lambda: None, regrade), graded


def test_files_an_earlier_suite_graded_are_listed_not_silently_skipped(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    jobs = []
    for name in ("ada", "alan"):
        (tmp_path / f"{name}.ipynb").write_text(f"{{}} {name}")
        jobs.append(Job(tmp_path / f"{name}.ipynb", name))
    _batch(book, jobs[:1], _suite("a" * 64))
    outcome, graded = _batch(book, jobs, _suite("b" * 64))
    assert graded == ["alan"]
    assert outcome.other_suite == [jobs[0]] and outcome.skipped == []
    outcome, graded = _batch(book, jobs, _suite("b" * 64), regrade=True)
    assert graded == ["ada", "alan"]
    outcome, graded = _batch(book, jobs, _suite("b" * 64))
    assert graded == [] and outcome.other_suite == [] and len(outcome.skipped) == 2


def test_a_grading_recorded_before_digests_were_kept_is_not_called_earlier(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    (tmp_path / "ada.ipynb").write_text("{}")
    jobs = [Job(tmp_path / "ada.ipynb", "ada")]
    _batch(book, jobs, _suite(""))
    outcome, graded = _batch(book, jobs, _suite("b" * 64))
    assert graded == [] and outcome.other_suite == [] and outcome.skipped == jobs


def test_the_digest_follows_the_suite_and_the_reference(tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "losses.py").write_text("def mse(): ...\n")
    spec = SimpleNamespace(submodule_search_locations=[str(reference)])
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: spec if name == "reference" else None)
    suite = tmp_path / "hidden.py"
    suite.write_text("x = 1\n")
    first = suite_digest(suite)
    assert suite_digest(suite) == first
    suite.write_text("x = 1  # corrected\n")
    second = suite_digest(suite)
    assert second != first
    (reference / "losses.py").write_text("def mse(): return 0\n")
    assert suite_digest(suite) != second
