"""Load: 200 students each sign in and upload a notebook within one minute to a real
``nngrade serve`` on 127.0.0.1 (two graders, as on a 2-core machine). Every submission
must be graded exactly once (one claim, one grading, one attempt each) with the score
its sample gets alone; the test prints submissions per minute and the median and 95th
percentile of the time from upload to feedback. It asserts correctness, not speed.

Only loopback traffic; every loop is bounded in count and time."""

from __future__ import annotations

import csv
import json
import re
import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from autograder.engine.load import LoadError, load_submission
from autograder.records.gradebook import Attempt, Gradebook, Grading
from autograder.records.queue import SubmissionQueue

from .conftest import SAMPLES, SEED
from .server import running

pytestmark = pytest.mark.integration  # grades notebooks in the sandbox

STUDENTS = 200
WINDOW = 60.0        # seconds over which the uploads are spread
DEADLINE = 900.0     # no submission may take longer than this to be graded
HW = "hw1_forward"
FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                      f"{HW}_samples.json").read_text())


def _loadable(path: Path) -> bool:
    try:
        load_submission(path)
    except LoadError:
        return False
    return True


# The samples the service accepts (a file it refuses at upload is not queued at all).
SAMPLE_FILES = [p for p in sorted((SAMPLES / HW).glob("*.ipynb")) if _loadable(p)]


def total(student: str) -> float:
    return round(sum(v or 0.0 for v in FIXTURE[student]["scores"].values()), 6)


class Student(threading.Thread):
    """Signs in, uploads at its moment in the window, polls like the progress page
    does (once a second when next, less often deeper in the queue) and reads its score
    from the feedback page."""

    def __init__(self, url: str, token: str, notebook: Path, at: float) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.notebook, self.at = url, token, notebook, at
        self.score: str | None = None
        self.observed: float | None = None
        self.problem = ""

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # reported by the test, with the student
            self.problem = f"{type(exc).__name__}: {exc}"

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            csrf = _csrf(client.get(f"/signin?token={self.token}").text)
            client.post("/signin", data={"csrf": csrf, "token": self.token})
            csrf = _csrf(client.get(f"/a/{HW}").text)
            time.sleep(max(0.0, self.at - time.monotonic()))
            start = time.monotonic()
            response = client.post(f"/a/{HW}/submit", data={"csrf": csrf}, files={
                "notebook": (self.notebook.name, self.notebook.read_bytes())})
            if response.status_code != 303:
                self.problem = f"upload answered {response.status_code}"
                return
            location = response.headers["location"]
            while time.monotonic() - start < DEADLINE:
                status = client.get(f"{location}/status").json()
                if status["state"] in ("done", "failed"):
                    break
                time.sleep(poll_seconds(status["position"]))
            self.observed = time.monotonic() - start
            found = re.search(r'id="score">([^<]+)<', client.get(location).text)
            self.score = found.group(1) if found else None


def poll_seconds(position: int) -> float:
    """How long the progress page waits before asking again (its script's rule)."""
    return min(5.0, 1.0 + 0.05 * position)


def _csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def test_two_hundred_students_submit_within_a_minute(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name"])
        w.writerows([f"load{i:03d}", f"Student {i}"] for i in range(STUDENTS))
    config = f"[grading]\nseed = {SEED}\n[serve]\nuploads_per_minute = 10\n"
    with running(tmp_path, config, roster, workers=2) as server:
        begin = time.monotonic() + 5.0  # every student is signed in by then
        students = [Student(server.url, server.tokens[f"load{i:03d}"],
                            SAMPLE_FILES[i % len(SAMPLE_FILES)], begin + i * WINDOW / STUDENTS)
                    for i in range(STUDENTS)]
        for s in students:
            s.start()
        for s in students:
            s.join(WINDOW + DEADLINE + 60)
        health = httpx.get(f"{server.url}/healthz").json()
    problems = [(s.notebook.stem, s.problem) for s in students if s.problem]
    assert not problems, problems[:5]
    for s in students:
        assert s.score == f"{round(total(s.notebook.stem), 3):g} / 17", (s.notebook.stem, s.score)

    book = Gradebook(str(server.db))
    entries = SubmissionQueue(book).all()
    assert len(entries) == STUDENTS and {e.student for e in entries} == {
        f"load{i:03d}" for i in range(STUDENTS)}
    assert all(e.state == "done" and e.runs == 1 and e.attempt == 1 for e in entries)
    with Session(book.engine) as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == STUDENTS
        assert s.scalar(select(func.count()).select_from(Grading)) == STUDENTS
    assert health["queue"] == {"queued": 0, "running": 0, "done": STUDENTS, "failed": 0}

    seconds = [e.seconds_to_feedback for e in entries]
    span = (max(e.finished_at for e in entries) - min(e.submitted_at for e in entries))
    per_minute = 60 * STUDENTS / span.total_seconds()
    observed = [s.observed for s in students]
    grading = [(e.finished_at - e.started_at).total_seconds() for e in entries]
    with capsys.disabled():
        print(f"\nload: {STUDENTS} submissions in {span.total_seconds():.0f} s "
              f"({per_minute:.0f} per minute, uploads spread over {WINDOW:.0f} s, 2 graders); "
              f"upload to feedback: median {statistics.median(seconds):.1f} s, "
              f"95th percentile {percentile(seconds, 0.95):.1f} s, max {max(seconds):.1f} s; "
              f"as the students' pages saw it (polling): median "
              f"{statistics.median(observed):.1f} s, 95th percentile "
              f"{percentile(observed, 0.95):.1f} s; grading alone (claim to record): "
              f"median {statistics.median(grading):.2f} s, mean {statistics.mean(grading):.2f} s "
              f"(some samples run into time limits)")
