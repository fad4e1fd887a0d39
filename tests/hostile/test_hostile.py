"""The hostile corpus, graded in one batch together with the ordinary Homework 1
samples (and the capstone's attacks with the capstone's samples): the batch finishes, no
hostile submission earns a point it did not earn, each gets its reason, and every
ordinary sample gets exactly its score when graded alone.

Each batch runs twice: in the ``full`` tier (this machine's namespaces), and in the
``reduced`` tier, by ``nngrade grade`` run as in a Docker container whose seccomp profile
refuses namespaces (``tests/docker_like.py``): the workers must find the refusal by
themselves and fall back to Landlock, seccomp and a uid of their own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import docker_like
import pytest

from autograder.engine.batch import Job, grade_batch
from autograder.engine.course import hidden_suite
from autograder.engine.results import SubmissionResult
from autograder.engine.session import UID_FIRST, WorkerFactory
from autograder.records.gradebook import Gradebook
from autograder.sandbox.tiers import UID_SLOTS

from .cases import ACCEPTED, CAPSTONE_CASES, CASES, REFUSED

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SAMPLES = ROOT / "examples/submissions/hw1_forward"
ALONE = json.loads((ROOT / "tests/fixtures/hw1_forward_samples.json").read_text())
SEED = 20261127
TIERS = ("full", "reduced")
CANARY = "the grader's secret"
# The instructor's files, which no batch may change (modes, owners, ACLs, contents).
INSTRUCTOR_FILES = [ROOT / d for d in ("solutions", "reference", "examples", "assignments")]


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


def snapshot(paths: list[Path]) -> dict[str, tuple]:
    """Mode, owner, size, modification time and extended attributes (ACLs) of every
    file and folder under ``paths``, and of the folders themselves."""
    seen = {}
    for top in paths:
        for path in [top, *sorted(top.rglob("*"))]:
            st = path.lstat()
            xattrs = tuple(sorted((name, os.getxattr(path, name, follow_symlinks=False))
                                  for name in os.listxattr(path, follow_symlinks=False)))
            seen[str(path)] = (st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns,
                               xattrs)
    return seen


@dataclass
class Batch:
    """One graded batch and what was observed around it."""

    tier: str
    results: dict[str, SubmissionResult]
    book: Gradebook
    listener: Listener
    folder: Path
    uids: range       # the block of uids its workers ran as
    output: str       # what nngrade printed (reduced tier), else ""
    unchanged: bool   # the instructor's files and the submissions are as they were


def grade_here(subs: Path, assignment: str, folder: Path) -> tuple[dict, range, str]:
    """The full tier: this machine's namespaces, in this process."""
    suite = hidden_suite(ROOT, assignment)
    factory = WorkerFactory(suite.preload, protect=(ROOT, folder))
    book = Gradebook(str(folder / "gradebook.db"))
    try:
        jobs = [Job(p, p.stem) for p in sorted(subs.iterdir())]
        outcome = grade_batch(jobs, suite, book, SEED, 2, factory)
    finally:
        factory.close()
    return {r.student: r for r in outcome.results}, factory.uids, ""


def grade_in_container(subs: Path, assignment: str, folder: Path) -> tuple[dict, range, str]:
    """The reduced tier: ``nngrade grade`` as in a container that refuses namespaces."""
    args = [sys.executable, "-m", "autograder.cli", "grade", str(subs), "-a", assignment,
            "--db", str(folder / "gradebook.db"), "--out", str(folder / "out"), "-j", "2",
            "--seed", str(SEED)]
    proc = subprocess.run(docker_like.command(args), capture_output=True, text=True, cwd=ROOT,
                          timeout=1800)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    uid = int(re.search(r"uid\s+(\d+)\s+of\s+its\s+own", proc.stdout).group(1))
    base = UID_FIRST + (uid - UID_FIRST) // UID_SLOTS * UID_SLOTS
    book = Gradebook(str(folder / "gradebook.db"))
    results = {r.student: r for r in book.latest(assignment)}
    return results, range(base, base + UID_SLOTS), proc.stdout


def run_batch(tier: str, subs: Path, assignment: str, folder: Path) -> Batch:
    """Grade every file of ``subs`` in ``tier`` with a canary in the environment and a
    loopback listener running; note whether anything of the instructor's changed."""
    before = snapshot(INSTRUCTOR_FILES + [subs])
    os.environ["NNGRADE_CANARY"] = CANARY
    listener = Listener()
    grade = grade_here if tier == "full" else grade_in_container
    try:
        results, uids, output = grade(subs, assignment, folder)
    finally:
        listener.close()
        del os.environ["NNGRADE_CANARY"]
    unchanged = snapshot(INSTRUCTOR_FILES + [subs]) == before
    return Batch(tier, results, Gradebook(str(folder / "gradebook.db")), listener, folder, uids,
                 output, unchanged)


@pytest.fixture(scope="module", params=TIERS)
def batch(request, tmp_path_factory) -> Batch:
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    subs = folder / "submissions"
    shutil.copytree(HERE / "corpus", subs)
    for sample in SAMPLES.glob("*.ipynb"):
        shutil.copy(sample, subs / f"sample_{sample.name}")
    make_test_time_files(subs)
    return run_batch(request.param, subs, "hw1_forward", folder)


def everything_reported(result) -> str:
    parts = [result.error] + [c.error for c in result.cells]
    parts += [q.feedback for q in result.questions]
    return "\n".join(parts)


def reason(case: dict, tier: str) -> str:
    """What the grader must report for a case in ``tier``."""
    return case.get("reasons", {}).get(tier, case["reason"])


def test_the_corpus_is_large_enough():
    assert len(CASES) + len(REFUSED) + len(ACCEPTED) + len(CAPSTONE_CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_submission_gets_exactly_its_score_and_reason(batch, name):
    result = batch.results[name]
    assert not result.error, result.error
    assert result.score == pytest.approx(CASES[name]["score"], abs=1e-6), \
        everything_reported(result)
    assert reason(CASES[name], batch.tier) in everything_reported(result)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_files_are_recorded_with_their_reason(batch, name):
    result = batch.results[name]
    assert REFUSED[name] in result.error and result.score == 0
    assert all(q.status == "error" for q in result.questions)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_odd_but_valid_files_are_graded(batch, name):
    assert not batch.results[name].error and batch.results[name].score == ACCEPTED[name]


def test_ordinary_samples_score_exactly_as_when_graded_alone(batch):
    for student, want in ALONE.items():
        got = {q.question: q.score for q in batch.results[f"sample_{student}"].questions}
        assert got == pytest.approx(want["scores"], abs=1e-6), student


def test_every_graded_submission_records_the_tier_in_force(batch):
    graded = [r for r in batch.results.values() if not r.error]
    wrong = {r.student: r.isolation for r in graded if not r.isolation.startswith(batch.tier)}
    assert graded and not wrong


def test_the_tier_in_force_is_the_strongest_the_machine_allows(batch):
    graded = [r for r in batch.results.values() if not r.error]
    if batch.tier == "full":
        assert all(r.isolation.startswith("full: namespaces: mount, pid, network, ipc, uts; "
                                          "private read-only root") for r in graded)
        return
    text = " ".join(batch.output.split())  # as printed, whatever the terminal's width
    tier = text.find("isolation: reduced: namespaces refused (unshare: Operation not "
                     "permitted); Landlock ABI")
    assert 0 <= tier < text.find("grading hw1_forward"), batch.output[:2000]
    for r in graded:
        assert "seccomp refuses socket() of every address family" in r.isolation
        assert re.search(r"; uid \d+ of its own;", r.isolation), r.isolation


def test_the_gradebook_holds_exactly_what_the_grader_decided(batch):
    recorded = {r.student: r.score for r in batch.book.latest("hw1_forward")}
    assert recorded == pytest.approx({s: r.score for s, r in batch.results.items()})
    rows = sqlite3.connect(batch.folder / "gradebook.db").execute(
        "SELECT COUNT(*) FROM scores WHERE points > max_points").fetchone()
    assert rows == (0,)


def test_nothing_reached_the_loopback_listener(batch):
    assert batch.listener.connections == 0


def test_no_process_outlives_the_batch(batch):
    deadline = time.monotonic() + 5  # SIGKILL is immediate; reaping takes a moment
    while worker_processes(batch.uids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert worker_processes(batch.uids) == []


def test_the_instructors_files_and_the_submissions_are_unchanged(batch):
    assert batch.unchanged


# ---------------------------------------------------------------------------
# the capstone: attacks through the student's own class, graded with its samples

CAPSTONE_SAMPLES = ROOT / "examples/submissions/hw6_digits"
CAPSTONE_ALONE = json.loads((ROOT / "tests/fixtures/hw6_digits_samples.json").read_text())


@pytest.fixture(scope="module", params=TIERS)
def capstone_batch(request, tmp_path_factory) -> Batch:
    folder = tmp_path_factory.mktemp(f"capstone-{request.param}")
    subs = folder / "submissions"
    subs.mkdir()
    for path in (HERE / "corpus_hw6_digits").glob("*.ipynb"):
        shutil.copy(path, subs)
    for sample in CAPSTONE_SAMPLES.glob("*.ipynb"):
        shutil.copy(sample, subs / f"sample_{sample.name}")
    return run_batch(request.param, subs, "hw6_digits", folder)


@pytest.mark.parametrize("name", sorted(CAPSTONE_CASES))
def test_capstone_attack_gets_exactly_its_score_and_reason(capstone_batch, name):
    result = capstone_batch.results[name]
    assert result.score == pytest.approx(CAPSTONE_CASES[name]["score"], abs=1e-6), \
        everything_reported(result)
    assert reason(CAPSTONE_CASES[name], capstone_batch.tier) in everything_reported(result)


def test_capstone_samples_score_exactly_as_when_graded_alone(capstone_batch):
    for student, want in CAPSTONE_ALONE.items():
        got = {q.question: q.score for q in capstone_batch.results[f"sample_{student}"].questions}
        assert got == pytest.approx(want["scores"], abs=1e-6), student
