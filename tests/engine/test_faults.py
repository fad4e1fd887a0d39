"""Fault injection on whole batches, run as a user runs ``nngrade``: signals with many
submissions queued, a grader killed with -9 and resumed, two graders on one gradebook,
and every bad input refused before anything is graded or recorded."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from waiting import wait_for

from autograder.records.gradebook import Gradebook

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SAMPLES = COURSE / "examples" / "submissions" / "hw1_forward"
GOOD = ["ada_lovelace", "grace_hopper", "claude_shannon", "john_nash"]


def nngrade(*args, cwd=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or COURSE, timeout=timeout)


def start(*args):
    """The grader in the background, with SIGINT handled as from a terminal."""
    return subprocess.Popen([sys.executable, "-m", "autograder.cli", *map(str, args)],
                            cwd=COURSE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT,
                                                                        signal.SIG_DFL))


def recorded(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT COUNT(*) FROM gradings").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def folder_of(tmp: Path, fast: int, slow: int) -> Path:
    """``fast`` ordinary submissions graded first, then ``slow`` endless-loop ones (each
    stopped only at hw1's 10 s cell limit)."""
    subs = tmp / "subs"
    subs.mkdir()
    for i in range(fast):
        shutil.copy(SAMPLES / f"{GOOD[i % len(GOOD)]}.ipynb", subs / f"a{i:03d}.ipynb")
    for i in range(slow):
        shutil.copy(SAMPLES / "barbara_liskov.ipynb", subs / f"z{i:03d}.ipynb")
    return subs


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_a_long_batch_at_once_and_grades_nothing_queued(tmp_path, how):
    subs = folder_of(tmp_path, fast=4, slow=40)  # about 200 s of grading if it went on
    db = tmp_path / "g.db"
    proc = start("grade", subs, "-a", "hw1_forward", "--db", db, "--out", tmp_path / "out",
                 "-j", "2")
    assert wait_for(lambda: recorded(db) >= 4, 120), proc.stdout
    time.sleep(1.0)  # the endless loops are running now
    at_signal = recorded(db)
    sent = time.monotonic()
    proc.send_signal(how)
    output = proc.communicate(timeout=60)[0]
    stopped_after = time.monotonic() - sent
    assert proc.returncode == 130, output
    assert f"Interrupted by {how.name}" in output and "not started" in output
    assert stopped_after < 5, f"the batch took {stopped_after:.1f} s to stop"
    assert recorded(db) == at_signal  # the running ones were cut short, none started after


def test_a_grader_killed_with_sigkill_leaves_no_worker_and_resumes_exactly(tmp_path):
    subs = folder_of(tmp_path, fast=8, slow=2)
    db = tmp_path / "g.db"
    args = ["grade", subs, "-a", "hw1_forward", "--db", db, "--out", tmp_path / "out", "-j", "2"]
    proc = start(*args)
    assert wait_for(lambda: recorded(db) >= 8, 120)
    time.sleep(1.0)
    family = descendants(proc.pid)
    assert family, "the grader should have a fork server and workers"
    proc.kill()
    proc.wait()
    assert wait_for(lambda: not any(alive(pid) for pid in family), 10), \
        [pid for pid in family if alive(pid)]
    again = nngrade(*args)
    assert again.returncode == 0, again.stdout + again.stderr
    with sqlite3.connect(db) as conn:
        attempts = conn.execute("SELECT COUNT(*), COUNT(DISTINCT student) FROM attempts")
        assert attempts.fetchone() == (10, 10)
        assert conn.execute("SELECT COUNT(*) FROM gradings").fetchone()[0] == 10


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_two_graders_on_one_sqlite_gradebook_grade_each_file_once(tmp_path):
    subs = folder_of(tmp_path, fast=12, slow=0)
    db = tmp_path / "g.db"
    args = ["grade", subs, "-a", "hw1_forward", "--db", db, "-j", "1"]
    first = start(*args, "--out", tmp_path / "o1")
    second = start(*args, "--out", tmp_path / "o2")
    outputs = [p.communicate(timeout=300)[0] for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 12
        versions = conn.execute("SELECT MAX(version) FROM gradings").fetchone()[0]
        assert versions == 1 and conn.execute("SELECT COUNT(*) FROM gradings").fetchone()[0] == 12


def test_a_missing_path_is_a_usage_error_and_records_nothing(tmp_path):
    proc = nngrade("grade", tmp_path / "nope.ipynb", "-a", "hw1_forward", "--db",
                   tmp_path / "g.db", "--out", tmp_path / "out")
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr
    assert not (tmp_path / "g.db").exists() and not (tmp_path / "out").exists()


def test_two_files_for_one_student_are_refused_with_both_paths(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(SAMPLES / "ada_lovelace.ipynb", tmp_path / folder / "alice.ipynb")
    proc = nngrade("grade", tmp_path / "a", tmp_path / "b", "-a", "hw1_forward", "--db",
                   tmp_path / "g.db", "--out", tmp_path / "out")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "alice" in proc.stderr and str(tmp_path / "b" / "alice.ipynb") in proc.stderr
    assert recorded(tmp_path / "g.db") == 0


def test_a_folder_without_notebooks_is_a_usage_error_and_leaves_the_exports(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "out" / "hw1_forward").mkdir(parents=True)
    marker = tmp_path / "out" / "hw1_forward" / "gradebook.csv"
    marker.write_text("untouched")
    proc = nngrade("grade", tmp_path / "empty", "-a", "hw1_forward", "--db", tmp_path / "g.db",
                   "--out", tmp_path / "out")
    assert proc.returncode == 2 and "no notebooks" in proc.stderr
    assert marker.read_text() == "untouched"


def bad_databases(tmp: Path) -> dict[str, str]:
    not_a_db = tmp / "notes.db"
    not_a_db.write_text("these are my notes, not a database\n" * 100)
    read_only = tmp / "ro.db"
    Gradebook(str(read_only)).engine.dispose()
    return {
        "unknown dialect": "nosuchdb://host/db",
        "refused port": "postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        "missing folder": str(tmp / "no" / "such" / "folder" / "g.db"),
        "not a database": str(not_a_db),
        "read-only file": f"sqlite:///file:{read_only}?mode=ro&uri=true",
    }


@pytest.mark.parametrize("case", ["unknown dialect", "refused port", "missing folder",
                                  "not a database", "read-only file"])
def test_an_unusable_gradebook_is_one_line_and_exit_2(tmp_path, case):
    db = bad_databases(tmp_path)[case]
    shutil.copy(SAMPLES / "ada_lovelace.ipynb", tmp_path / "ada.ipynb")
    proc = nngrade("grade", tmp_path / "ada.ipynb", "-a", "hw1_forward", "--db", db,
                   "--out", tmp_path / "out")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) <= 4
    assert "--db" in proc.stderr


def test_an_unwritable_output_folder_is_refused_before_grading(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    shutil.copy(SAMPLES / "ada_lovelace.ipynb", tmp_path / "ada.ipynb")
    proc = nngrade("grade", tmp_path / "ada.ipynb", "-a", "hw1_forward", "--db",
                   tmp_path / "g.db", "--out", blocker / "out")
    assert proc.returncode == 2 and "--out" in proc.stderr and "not writable" in proc.stderr
    assert recorded(tmp_path / "g.db") == 0
