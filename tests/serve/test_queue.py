"""The submission queue in the gradebook's database: claims are atomic (many graders,
every entry claimed exactly once), a server's leftovers are requeued, on SQLite and on
PostgreSQL where CI provides it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from autograder.records.access import Tokens
from autograder.records.gradebook import Gradebook
from autograder.records.queue import DONE, QUEUED, RUNNING, SubmissionQueue, day_window


@pytest.fixture(params=["sqlite", "postgresql"])
def book(request, tmp_path):
    if request.param == "sqlite":
        yield Gradebook(str(tmp_path / "gradebook.db"))
        return
    book = Gradebook(request.getfixturevalue("postgres_url"))
    yield book
    book.engine.dispose()


def fill(queue: SubmissionQueue, n: int) -> None:
    now = datetime.now(UTC)
    for i in range(n):
        queue.add(f"s{i:03d}", "hw1_forward", f"{i:064x}", f"/data/{i}.ipynb", "nb.ipynb",
                  100, now, late=False)


def test_many_graders_claim_each_submission_exactly_once(book):
    queue = SubmissionQueue(book)
    fill(queue, 120)
    claimed: dict[str, list[int]] = {}
    start = threading.Barrier(8)

    def grader(name: str) -> None:
        mine = claimed.setdefault(name, [])
        start.wait()
        while (entry := queue.claim(name)) is not None:
            assert entry.state == RUNNING and entry.runs == 1
            mine.append(entry.id)
            queue.finish(entry.id, attempt=1)

    threads = [threading.Thread(target=grader, args=(f"g{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    ids = [i for got in claimed.values() for i in got]
    assert sorted(ids) == sorted(e.id for e in queue.all()) and len(ids) == 120
    assert sum(1 for got in claimed.values() if got) > 1  # the work was shared
    assert queue.counts() == {"queued": 0, "running": 0, "done": 120, "failed": 0}
    assert all(e.runs == 1 and e.state == DONE for e in queue.all())


def test_claims_go_oldest_first_and_a_restart_requeues_what_was_running(book):
    queue = SubmissionQueue(book)
    fill(queue, 3)
    first, second = queue.claim("old-server"), queue.claim("old-server")
    assert (first.student, second.student) == ("s000", "s001")
    assert queue.position(queue.get(queue.all()[2].public_id)) == 0
    assert SubmissionQueue(book).requeue_running() == 2  # the next server starts
    states = [e.state for e in queue.all()]
    assert states == [QUEUED] * 3
    again = queue.claim("new-server")
    assert again.id == first.id and again.runs == 2


def test_errors_are_kept_and_daily_counts_see_only_recent_own_uploads(book):
    queue = SubmissionQueue(book)
    now = datetime.now(UTC)
    old = queue.add("ada", "hw1_forward", "a" * 64, "/x", "x.ipynb", 1,
                    now - timedelta(days=2), False)
    new = queue.add("ada", "hw1_forward", "b" * 64, "/y", "y.ipynb", 1, now, False)
    queue.add("ada", "hw1_forward", "b" * 64, "/y", "y.ipynb", 1, now, False, regrade=True)
    assert [e.id for e in queue.graded_since("ada", "hw1_forward", day_window(now))] == [new.id]
    assert queue.find_file("ada", "hw1_forward", "a" * 64).id == old.id
    entry = queue.claim("g")
    queue.finish(entry.id, None, "the gradebook could not be written")
    assert queue.get(entry.public_id).state == "failed"
    assert queue.get(entry.public_id).error == "the gradebook could not be written"
    assert len(old.public_id) >= 20 and old.public_id != new.public_id


def test_tokens_are_stored_hashed_and_replaced(book):
    tokens = Tokens(book)
    first = tokens.issue({"ada": "student", "ines": "instructor"})
    who = tokens.identify(first["ada"])
    assert who.person == "ada" and not who.staff and tokens.identify(first["ines"]).staff
    with book.engine.connect() as c:
        stored = " ".join(str(v) for row in c.exec_driver_sql("SELECT * FROM web_tokens")
                          for v in row)
    assert first["ada"] not in stored and first["ines"] not in stored
    second = tokens.issue({"ada": "student"})
    assert tokens.identify(first["ada"]) is None and tokens.identify(second["ada"])
    assert not tokens.still_valid(who.token_id, "ada")
    assert tokens.identify("") is None and tokens.identify("x" * 1000) is None
    assert tokens.revoke(["ines"]) == 1 and tokens.holders() == {"ada"}
