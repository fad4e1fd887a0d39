"""The gradebook: attempts, idempotent regrades, history, manual scores, concurrency."""

from __future__ import annotations

import multiprocessing

import pytest

from autograder.engine.results import QuestionResult, SubmissionResult
from autograder.records.gradebook import Gradebook


def result(student="ada", sha="a" * 64, scores=(1.0, 2.0), assignment="hw"):
    r = SubmissionResult(student, assignment, f"/x/{student}.ipynb", sha, seed=1, seconds=0.5)
    r.questions = [QuestionResult(f"q{i + 1}", 2.0, s, "passed" if s == 2 else "partial", "fb")
                   for i, s in enumerate(scores)]
    r.questions.append(QuestionResult("q9", 3.0, None, "manual", "Needs a manual grade.",
                                      answer="Because the transpose..."))
    return r


def test_recording_the_same_file_twice_changes_nothing(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    assert book.record(result()) == 1
    assert book.record(result(scores=(0.0, 0.0))) == 1
    [latest] = book.latest("hw")
    assert [q.score for q in latest.questions] == [1.0, 2.0, None]
    assert book.recorded("ada", "hw", "a" * 64)


def test_a_new_file_is_a_new_attempt_and_history_is_kept(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    assert book.record(result(sha="b" * 64, scores=(2.0, 2.0))) == 2
    [latest] = book.latest("hw")
    assert latest.attempt == 2 and latest.score == 4.0
    assert [r.attempt for r in book.history("hw", "ada")] == [1, 2]


def test_regrade_replaces_the_scores_of_that_attempt_in_place(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    book.record(result(scores=(0.5, 0.5)), regrade=True)
    [latest] = book.latest("hw")
    assert latest.attempt == 1 and latest.score == 1.0


def test_manual_scores_update_the_latest_attempt_within_bounds(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    book.record(result())
    assert list(book.pending_manual("hw")) == [("ada", "q9")]
    book.set_manual_score("hw", "ada", "q9", 2.5, "good")
    [latest] = book.latest("hw")
    q9 = latest.question("q9")
    assert q9.score == 2.5 and q9.status == "partial" and q9.feedback == "good"
    assert q9.answer.startswith("Because")
    with pytest.raises(ValueError):
        book.set_manual_score("hw", "ada", "q9", 4.0)
    with pytest.raises(KeyError):
        book.set_manual_score("hw", "nobody", "q9", 1.0)


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
