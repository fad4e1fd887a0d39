"""The graders' loop without running notebooks: a backend that fails (a lost cluster, a
broken suite) puts the submission back, and gives it up after a few tries with the
reason; a result is recorded once whatever happens after."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from autograder.engine.results import QuestionResult, Status, SubmissionResult
from autograder.records.gradebook import Gradebook
from autograder.records.queue import SubmissionQueue
from autograder.serve import grading
from autograder.serve.grading import Graders

COURSE = Path(__file__).resolve().parents[2]


class Backend:
    slots = 1

    def __init__(self, fail: bool) -> None:
        self.fail, self.calls = fail, 0

    def grade(self, job, suite, seed):
        self.calls += 1
        if self.fail:
            raise ConnectionError("lost the Dask cluster at tcp://10.0.0.1:8786")
        result = SubmissionResult(job.student, suite.assignment, str(job.path), "c" * 64, seed)
        result.questions = [QuestionResult("q1", 2, 2.0, Status.PASSED)]
        return result

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass


def queued(tmp_path):
    book = Gradebook(str(tmp_path / "g.db"))
    queue = SubmissionQueue(book)
    entry = queue.add("ada", "hw1_forward", "c" * 64, str(tmp_path / "x.ipynb"), "x.ipynb", 1,
                      datetime.now(UTC), False)
    return book, queue, entry


def test_a_failing_backend_is_retried_then_given_up_with_its_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(grading, "RETRY_SECONDS", 0.0)
    book, queue, entry = queued(tmp_path)
    backend = Backend(fail=True)
    graders = Graders(queue, book, COURSE, lambda: 1, backend)
    for run in range(1, grading.MAX_RUNS + 1):
        claimed = queue.claim(graders.name)
        assert claimed.runs == run
        graders.grade(claimed)
    final = queue.get(entry.public_id)
    assert final.state == "failed" and "lost the Dask cluster" in final.error
    assert backend.calls == grading.MAX_RUNS and queue.claim("g") is None
    assert book.latest("hw1_forward") == []


def test_a_result_is_recorded_once_even_when_graded_again(tmp_path):
    book, queue, entry = queued(tmp_path)
    graders = Graders(queue, book, COURSE, lambda: 1, Backend(fail=False))
    graders.grade(queue.claim(graders.name))
    queue.requeue_running()
    again = queue.add("ada", "hw1_forward", "c" * 64, entry.stored, "x.ipynb", 1,
                      datetime.now(UTC), False)
    graders.grade(queue.claim(graders.name))
    assert [e.state for e in queue.all()] == ["done", "done"]
    assert queue.get(again.public_id).attempt == 1
    (result,) = book.history("hw1_forward", "ada")
    assert result.version == 1 and result.score == 2.0


def test_course_toml_is_read_again_when_it_changes(tmp_path, caplog):
    import os

    from autograder.records.config import load_config
    from autograder.records.roster import Roster
    from autograder.serve.service import Service

    path = tmp_path / "course.toml"
    path.write_text("[assignments.hw1_forward]\npublished = false\n")
    service = Service(COURSE, load_config(COURSE, path), Roster.load(
        COURSE / "examples" / "roster.csv"), Gradebook(str(tmp_path / "g.db")),
        tmp_path / "data", path)
    assert not service.policy("hw1_forward").published
    path.write_text("[assignments.hw1_forward]\npublished = true\n")
    os.utime(path, (1, 1))
    assert service.policy("hw1_forward").published
    path.write_text("[assignments.hw1_forward]\npublishd = true\n")  # a typo: kept the last
    os.utime(path, (2, 2))
    assert service.policy("hw1_forward").published
    assert "course.toml not reloaded" in caplog.text


def test_a_given_up_submission_shows_its_reason_to_staff_only(tmp_path):
    from autograder.serve.app import create_app

    from .conftest import Browser, TestClient, make_service

    service = make_service(tmp_path)
    entry = service.queue.add("ada_lovelace", "hw1_forward", "d" * 64, "/x.ipynb", "x.ipynb",
                              1, datetime.now(UTC), False)
    service.queue.claim("g")
    service.queue.finish(entry.id, None, "solutions/hw1_forward/hidden.py:3: SyntaxError")
    tokens = service.tokens.issue({"ada_lovelace": "student", "ines": "instructor"})
    app = create_app(service)
    pages = {}
    for person in tokens:
        browser = Browser(TestClient(app, base_url="http://127.0.0.1"))
        browser.sign_in(tokens[person])
        pages[person] = browser.get(f"/s/{entry.public_id}").text
    assert "fault on our side" in pages["ada_lovelace"]
    assert "hidden.py" not in pages["ada_lovelace"] and "hidden.py:3" in pages["ines"]
