"""The gradebook: attempts, versions, the hand-grade layer, concurrency."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, datetime

import pytest

from autograder.engine.results import GradedWith, QuestionResult, Status, SubmissionResult
from autograder.records.gradebook import Gradebook, GradebookError, HandEntry


def result(student="ada", sha="a" * 64, scores=(1.0, 2.0), assignment="hw", seed=1,
           answer="Because the transpose...", submitted_at=None):
    r = SubmissionResult(student, assignment, f"/x/{student}.ipynb", sha, seed=seed,
                         seconds=0.5, submitted_at=submitted_at)
    r.questions = [QuestionResult(f"q{i + 1}", 2.0, s,
                                  Status.PASSED if s == 2 else Status.PARTIAL, "fb")
                   for i, s in enumerate(scores)]
    r.questions.append(QuestionResult("q9", 3.0, None, Status.MANUAL, "Needs a manual grade.",
                                      answer=answer, manual=True))
    return r


def test_recording_the_same_file_twice_changes_nothing(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    assert book.record(result()) == 1
    assert book.record(result(scores=(0.0, 0.0))) == 1
    [latest] = book.latest("hw")
    assert [q.score for q in latest.questions] == [1.0, 2.0, None]
    assert book.recorded("hw") == {("ada", "a" * 64): GradedWith(1, "")}


def test_a_new_file_is_a_new_attempt_and_history_is_kept(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    assert book.record(result(sha="b" * 64, scores=(2.0, 2.0))) == 2
    [latest] = book.latest("hw")
    assert latest.attempt == 2 and latest.score == 4.0
    assert [r.attempt for r in book.history("hw", "ada")] == [1, 2]


def test_the_latest_submitted_file_counts_whatever_the_order_it_was_graded_in(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    late = datetime(2026, 10, 2, tzinfo=UTC)
    book.record(result(sha="b" * 64, scores=(2.0, 2.0), submitted_at=late))
    book.record(result(sha="a" * 64, submitted_at=datetime(2026, 10, 1, tzinfo=UTC)))
    [latest] = book.latest("hw")
    assert latest.sha256 == "b" * 64 and latest.submitted_at == late


def test_a_late_file_never_replaces_one_submitted_on_time(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    late = result(sha="b" * 64, scores=(2.0, 2.0))
    late.late = True
    book.record(late_only())
    book.record(result())
    book.record(late)
    latest = {r.student: r for r in book.latest("hw")}
    assert latest["ada"].sha256 == "a" * 64 and not latest["ada"].late
    assert latest["bo"].late  # a late file counts when nothing came on time


def late_only():
    r = result(student="bo", sha="c" * 64)
    r.late = True
    return r


def test_a_regrade_adds_a_version_and_reports_what_changed(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    [rec] = book.record_many([result(scores=(0.5, 2.0))], regrade=True)
    assert (rec.attempt, rec.version, rec.new) == (1, 2, True)
    assert rec.changes == [("q1", 1.0, 0.5)]
    [latest] = book.latest("hw")
    assert latest.version == 2 and latest.score == 2.5
    assert book.automatic_scores("ada", "hw", "a" * 64)["q1"] == 0.5


def test_hand_grades_survive_a_regrade_and_keep_who_and_when(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    assert book.pending_manual("hw") == [("ada", "q9")]
    book.enter_hand_grades("hw", [HandEntry("ada", "q9", 2.5, "good", "tara")])
    book.record(result(scores=(0.0, 0.0)), regrade=True)
    q9 = book.latest("hw")[0].question("q9")
    assert (q9.score, q9.status, q9.comment, q9.graded_by) == (2.5, Status.PARTIAL, "good",
                                                               "tara")
    assert q9.answer.startswith("Because") and book.pending_manual("hw") == []
    [entry] = book.hand_grades("hw")
    assert entry.grader == "tara" and entry.entered_at is not None


def test_a_manual_grade_follows_the_answer_not_the_file(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    book.enter_hand_grades("hw", [HandEntry("ada", "q9", 3.0)])
    book.record(result(sha="b" * 64))  # a new file, same answer: the grade carries over
    assert book.latest("hw")[0].question("q9").score == 3.0
    book.record(result(sha="c" * 64, answer="A different argument"))
    assert book.latest("hw")[0].question("q9").pending  # a new answer waits for a person


def test_an_override_is_explicit_and_applies_to_its_file(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    with pytest.raises(ValueError, match="graded automatically"):
        book.enter_hand_grades("hw", [HandEntry("ada", "q1", 2.0)])
    book.enter_hand_grades("hw", [HandEntry("ada", "q1", 2.0, "regrade request", "tara",
                                            override=True)])
    q1 = book.latest("hw")[0].question("q1")
    assert (q1.score, q1.auto_score, q1.graded_by) == (2.0, 1.0, "tara")
    book.enter_hand_grades("hw", [HandEntry("ada", "q1", None, override=True)])
    q1 = book.latest("hw")[0].question("q1")
    assert (q1.score, q1.auto_score, q1.graded_by) == (1.0, None, "")


def test_hand_grades_are_checked_all_or_none(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    with pytest.raises(ValueError, match="outside"):
        book.enter_hand_grades("hw", [HandEntry("ada", "q9", 1.0), HandEntry("ada", "q9", 4.0)])
    with pytest.raises(KeyError):
        book.enter_hand_grades("hw", [HandEntry("nobody", "q9", 1.0)])
    assert book.hand_grades("hw") == [] and book.pending_manual("hw") == [("ada", "q9")]


def test_a_gradebook_of_another_format_is_refused(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE attempts (id INTEGER PRIMARY KEY)")
    with pytest.raises(GradebookError, match="older version"):
        Gradebook(str(path))


def test_a_schema_2_gradebook_is_upgraded_keeping_every_grade(tmp_path):
    path = tmp_path / "g.db"
    book = Gradebook(str(path))
    book.record(result())
    book.enter_hand_grades("hw", [HandEntry("ada", "q9", 2.5, "good", "tara")])
    before = book.latest("hw")
    book.engine.dispose()
    with sqlite3.connect(path) as db:  # schema 2 is schema 3 without gradings.suite
        db.execute("ALTER TABLE gradings DROP COLUMN suite")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    upgraded = Gradebook(str(path))
    assert upgraded.latest("hw") == before
    assert upgraded.recorded("hw") == {("ada", "a" * 64): GradedWith(1, "")}
    later = result(sha="b" * 64)
    later.suite = "d" * 64
    upgraded.record(later)
    assert upgraded.recorded("hw")[("ada", "b" * 64)] == GradedWith(1, "d" * 64)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("3",)


def _writer(args):
    path, worker = args
    book = Gradebook(path)
    for i in range(20):
        book.record(result(student=f"s{worker}_{i}", sha=f"{worker:02d}{i:062d}"))
    return worker


def test_concurrent_writers_lose_nothing(tmp_path):
    path = str(tmp_path / "g.db")
    Gradebook(path)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.map(_writer, [(path, w) for w in range(4)])
    assert len(Gradebook(path).latest("hw")) == 80
