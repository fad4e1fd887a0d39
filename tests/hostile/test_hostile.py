"""The hostile corpus, graded in one batch together with the ordinary Homework 1
samples (and the capstone's attacks with the capstone's samples): the batch finishes, no
hostile submission earns a point it did not earn, each gets its reason, and every
ordinary sample gets exactly its score when graded alone."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from autograder.engine.batch import Job, grade_batch
from autograder.engine.course import hidden_suite
from autograder.engine.session import WorkerFactory
from autograder.records.gradebook import Gradebook

from .cases import ACCEPTED, CAPSTONE_CASES, CASES, REFUSED

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "examples/submissions/hw1_forward"
ALONE = json.loads((ROOT / "tests/fixtures/hw1_forward_samples.json").read_text())
SEED = 20261127


def make_test_time_files(folder: Path) -> None:
    """The refused files too large or too odd to commit."""
    cells = [{"cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [],
              "execution_count": None}] * 100_000
    (folder / "hundred_thousand_cells.ipynb").write_text(json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with open(folder / "two_hundred_megabytes.ipynb", "wb") as f:
        f.write(b'{"cells": [')
        f.truncate(200 * 2**20)
    os.symlink(SAMPLES / "ada_lovelace.ipynb", folder / "symlink.ipynb")


class Listener:
    """A TCP listener on a free loopback port; the network case tries every port."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.sendall(b"print('the grader answered')")
                conn.close()
            except OSError:
                continue

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def worker_processes(uids: range) -> list[str]:
    """Processes still running under one of the batch's worker uids."""
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
        if uid in uids:
            left.append(f"{pid} uid={uid} {cmd}")
    return left


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    subs = folder / "submissions"
    shutil.copytree(HERE / "corpus", subs)
    for sample in SAMPLES.glob("*.ipynb"):
        shutil.copy(sample, subs / f"sample_{sample.name}")
    make_test_time_files(subs)
    os.environ["NNGRADE_CANARY"] = "the grader's secret"
    listener = Listener()
    suite = hidden_suite(ROOT, "hw1_forward")
    factory = WorkerFactory(suite.preload)
    book = Gradebook(str(folder / "gradebook.db"))
    try:
        jobs = [Job(p, p.stem) for p in sorted(subs.iterdir())]
        outcome = grade_batch(jobs, suite, book, SEED, 2, factory)
    finally:
        factory.close()
        listener.close()
        del os.environ["NNGRADE_CANARY"]
    results = {r.student: r for r in outcome.results}
    return results, book, listener, folder, factory.uids


def everything_reported(result) -> str:
    parts = [result.error] + [c.error for c in result.cells]
    parts += [q.feedback for q in result.questions]
    return "\n".join(parts)


def test_the_corpus_is_large_enough():
    assert len(CASES) + len(REFUSED) + len(ACCEPTED) + len(CAPSTONE_CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_submission_gets_exactly_its_score_and_reason(batch, name):
    results, *_ = batch
    result = results[name]
    assert not result.error, result.error
    assert result.score == pytest.approx(CASES[name]["score"], abs=1e-6), \
        everything_reported(result)
    assert CASES[name]["reason"] in everything_reported(result)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_files_are_recorded_with_their_reason(batch, name):
    results, *_ = batch
    result = results[name]
    assert REFUSED[name] in result.error and result.score == 0
    assert all(q.status == "error" for q in result.questions)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_odd_but_valid_files_are_graded(batch, name):
    results, *_ = batch
    assert not results[name].error and results[name].score == ACCEPTED[name]


def test_ordinary_samples_score_exactly_as_when_graded_alone(batch):
    results, *_ = batch
    for student, want in ALONE.items():
        got = {q.question: q.score for q in results[f"sample_{student}"].questions}
        assert got == pytest.approx(want["scores"], abs=1e-6), student


def test_the_gradebook_holds_exactly_what_the_grader_decided(batch):
    results, book, _, folder, _ = batch
    recorded = {r.student: r.score for r in book.latest("hw1_forward")}
    assert recorded == pytest.approx({s: r.score for s, r in results.items()})
    rows = sqlite3.connect(folder / "gradebook.db").execute(
        "SELECT COUNT(*) FROM scores WHERE points > max_points").fetchone()
    assert rows == (0,)


def test_nothing_reached_the_loopback_listener(batch):
    _, _, listener, _, _ = batch
    assert listener.connections == 0


def test_no_process_outlives_the_batch(batch):
    *_, uids = batch
    deadline = time.monotonic() + 5  # SIGKILL is immediate; reaping takes a moment
    while worker_processes(uids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert worker_processes(uids) == []


# ---------------------------------------------------------------------------
# the capstone: attacks through the student's own class, graded with its samples

CAPSTONE_SAMPLES = ROOT / "examples/submissions/hw6_digits"
CAPSTONE_ALONE = json.loads((ROOT / "tests/fixtures/hw6_digits_samples.json").read_text())


@pytest.fixture(scope="module")
def capstone_batch(tmp_path_factory):
    subs = tmp_path_factory.mktemp("capstone")
    for path in (HERE / "corpus_hw6_digits").glob("*.ipynb"):
        shutil.copy(path, subs)
    for sample in CAPSTONE_SAMPLES.glob("*.ipynb"):
        shutil.copy(sample, subs / f"sample_{sample.name}")
    suite = hidden_suite(ROOT, "hw6_digits")
    factory = WorkerFactory(suite.preload)
    try:
        jobs = [Job(p, p.stem) for p in sorted(subs.iterdir())]
        outcome = grade_batch(jobs, suite, None, SEED, 2, factory)
    finally:
        factory.close()
    return {r.student: r for r in outcome.results}


@pytest.mark.parametrize("name", sorted(CAPSTONE_CASES))
def test_capstone_attack_gets_exactly_its_score_and_reason(capstone_batch, name):
    result = capstone_batch[name]
    assert result.score == pytest.approx(CAPSTONE_CASES[name]["score"], abs=1e-6), \
        everything_reported(result)
    assert CAPSTONE_CASES[name]["reason"] in everything_reported(result)


def test_capstone_samples_score_exactly_as_when_graded_alone(capstone_batch):
    for student, want in CAPSTONE_ALONE.items():
        got = {q.question: q.score for q in capstone_batch[f"sample_{student}"].questions}
        assert got == pytest.approx(want["scores"], abs=1e-6), student
