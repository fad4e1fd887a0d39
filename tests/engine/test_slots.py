"""Grading slots as processes of their own (``autograder.engine.slots``) and the fork
server's clients: same grades as one process, one process per slot, a dead slot stops the
batch cleanly, and a client's workers end with it."""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from waiting import wait_for

from autograder.engine import batch
from autograder.engine.batch import Job, grade_batch
from autograder.engine.session import WorkerFactory
from autograder.sandbox import procs
from autograder.sandbox.limits import Limits

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

SAMPLES = ["ada_lovelace", "grace_hopper", "claude_shannon", "john_nash", "alan_turing"]


@pytest.fixture
def jobs(course, tmp_path) -> list[Job]:
    folder = course / "examples" / "submissions" / "hw1_forward"
    paths = []
    for name in SAMPLES:
        shutil.copy(folder / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
        paths.append(tmp_path / f"{name}.ipynb")
    return [Job(p, p.stem) for p in paths]


def scores(outcome) -> dict[str, list]:
    return {r.student: [(q.question, q.score, q.feedback) for q in r.questions]
            for r in outcome.results}


def stamped_with_pid(monkeypatch) -> None:
    """Each result notes the process that graded it (in its isolation line)."""
    grade = batch._grade_safely

    def noting(job, suite, factory, seed):
        result = grade(job, suite, factory, seed)
        result.isolation = f"{os.getpid()}"
        return result
    monkeypatch.setattr(batch, "_grade_safely", noting)


def test_two_workers_grade_in_two_processes_with_the_grades_of_one(
        jobs, suites, factory, monkeypatch):
    suite = suites("hw1_forward")
    alone = grade_batch(jobs, suite, None, 3, 1, factory)
    before = set(procs.children(os.getpid()))
    stamped_with_pid(monkeypatch)
    split = grade_batch(jobs, suite, None, 3, 2, factory)
    assert scores(split) == scores(alone)
    graders = {r.isolation for r in split.results}
    assert str(os.getpid()) not in graders and 1 <= len(graders) <= 2
    assert set(procs.children(os.getpid())) <= before  # the grading processes ended


def test_a_grading_process_that_dies_stops_the_batch_and_leaves_no_worker(
        jobs, suites, factory, monkeypatch):
    suite = suites("hw1_forward")
    grade = batch._grade_safely

    def dying(job, suite, f, seed):
        if job.student == "claude_shannon":
            f.spawn(suite.limits)  # a live worker, which the fork server must end
            os._exit(3)
        return grade(job, suite, f, seed)
    monkeypatch.setattr(batch, "_grade_safely", dying)
    server = factory._proc.pid
    before = set(procs.children(server))  # the grader's own spare worker, if any
    outcome = grade_batch(jobs, suite, None, 3, 2, factory)
    assert "a grading process ended unexpectedly (exit code 3)" in outcome.error
    assert "claude_shannon" not in {r.student for r in outcome.results}
    assert all(not r.error for r in outcome.results)  # what finished is a real grade
    assert wait_for(lambda: set(procs.children(server)) <= before, 10), \
        procs.children(server)


def test_the_fork_server_ends_the_workers_of_a_client_that_goes_away(factory):
    control = factory.attach()
    client = WorkerFactory.attached(factory, control)
    session = client.spawn(Limits())
    assert session.request({"op": "run", "source": "x = 1"}, timeout=10).header["ok"]
    client._lines.close()
    control.close()  # as when the grading process dies
    assert wait_for(lambda: not os.path.exists(f"/proc/{session.pid}"), 10)
    session.sock.settimeout(5)
    assert session.sock.recv(1) == b""  # the worker's end is closed
    own = factory.spawn(Limits())  # the grader's own connection still serves
    assert own.request({"op": "run", "source": "1"}, timeout=10).header["ok"]
    own.close()


def test_only_the_grader_adds_clients_to_its_fork_server(factory):
    control = factory.attach()
    client = WorkerFactory.attached(factory, control)
    a, b = socket.socketpair()
    try:
        reply = client._request({"op": "attach"}, [b.fileno()])
    finally:
        for sock in (a, b):
            sock.close()
        client.close()
    assert "error" in reply
