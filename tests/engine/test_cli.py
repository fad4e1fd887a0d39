"""The nngrade command, run as a user runs it."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SAMPLES = COURSE / "examples" / "submissions" / "hw1_forward"


def nngrade(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd or COURSE, timeout=600)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    subs = tmp / "subs"
    subs.mkdir()
    for name in ("ada_lovelace", "grace_hopper", "edsger_dijkstra", "barbara_liskov"):
        shutil.copy(SAMPLES / f"{name}.ipynb", subs)
    (subs / "carl friedrich's ∑ notebook.ipynb").write_bytes(
        (SAMPLES / "ada_lovelace.ipynb").read_bytes())
    proc = nngrade("grade", subs, "-a", "hw1_forward", "--db", tmp / "g.db", "--out", tmp / "out")
    return tmp, proc


def test_grade_records_every_submission_and_exits_1_for_the_corrupt_one(batch):
    tmp, proc = batch
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "not graded" in proc.stdout and "edsger_dijkstra" in proc.stdout
    rows = {r["student"]: r for r in csv.DictReader((tmp / "out/hw1_forward/gradebook.csv").open())}
    assert set(rows) == {"ada_lovelace", "grace_hopper", "edsger_dijkstra", "barbara_liskov",
                         "carl friedrich's ∑ notebook"}
    assert rows["ada_lovelace"]["total"] == "17"
    assert rows["carl friedrich's ∑ notebook"]["total"] == "17"
    corrupt = rows["edsger_dijkstra"]
    assert corrupt["total"] == "0" and "not valid JSON" in corrupt["error"]


def test_an_infinite_loop_is_stopped_at_the_cell_limit(batch):
    tmp, _ = batch
    feedback = (tmp / "out/hw1_forward/feedback/barbara_liskov.md").read_text()
    assert "after 10 s (time limit for one cell)" in feedback  # hw1's cell limit


def test_gradescope_results_are_written_per_student(batch):
    tmp, _ = batch
    data = json.loads((tmp / "out/hw1_forward/gradescope/grace_hopper/results.json").read_text())
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    assert [t["name"] for t in data["tests"]] == [f"q{i}" for i in range(1, 8)]


def test_rerunning_the_batch_grades_nothing_again(batch):
    tmp, _ = batch
    proc = nngrade("grade", tmp / "subs", "-a", "hw1_forward", "--db", tmp / "g.db",
                   "--out", tmp / "out")
    assert proc.returncode == 0
    assert "5 file(s), 0 to grade" in proc.stdout and "0 graded, 5 already recorded" in proc.stdout


@pytest.mark.parametrize("fmt, name", [("feedback", "feedback"), ("manual", "manual.md")])
def test_export_formats(batch, fmt, name):
    tmp, _ = batch
    proc = nngrade("export", "-a", "hw1_forward", "--format", fmt, "--db", tmp / "g.db",
                   "--out", tmp / "export")
    assert proc.returncode == 0, proc.stderr
    assert (tmp / "export" / "hw1_forward" / name).exists()


@pytest.mark.parametrize("fmt, name", [("csv", "gradebook.csv"), ("canvas", "canvas.csv"),
                                       ("gradescope", "gradescope")])
def test_grade_exports_refuse_while_a_file_is_refused_unless_allowed(batch, fmt, name):
    tmp, _ = batch
    args = ["export", "-a", "hw1_forward", "--format", fmt, "--db", tmp / "g.db",
            "--out", tmp / fmt]
    proc = nngrade(*args)
    assert proc.returncode == 1 and "edsger_dijkstra: refused" in proc.stdout
    assert not (tmp / fmt / "hw1_forward" / name).exists()
    proc = nngrade(*args, "--allow-pending")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp / fmt / "hw1_forward" / name).exists() and "not final" in proc.stdout


def test_report_writes_html_and_plots(batch):
    tmp, _ = batch
    proc = nngrade("report", "-a", "hw1_forward", "--db", tmp / "g.db", "--out", tmp / "rep")
    assert proc.returncode == 0, proc.stderr
    html = (tmp / "rep/hw1_forward/report/report.html").read_text()
    assert "edsger_dijkstra" in html and "private read-only root" in html
    assert 'id="student-table"' in html and html.count("data:image/svg+xml") == 3
    assert (tmp / "rep/hw1_forward/feedback/grace_hopper.html").exists()
    assert (tmp / "out/hw1_forward/feedback/grace_hopper.html").exists()


def test_check_prints_feedback_and_reads_the_assignment_from_the_notebook():
    proc = nngrade("check", SAMPLES / "grace_hopper.ipynb")
    assert proc.returncode == 0
    words = " ".join(proc.stdout.split())  # the console wraps long lines
    fixture = json.loads((COURSE / "tests/fixtures/hw1_forward_samples.json").read_text())
    total = sum(fixture["grace_hopper"]["scores"].values())
    assert f"{total:g} / 17" in words and "subtract each row's maximum" in words


@pytest.mark.parametrize("args", [("grade", "x.ipynb"), ("grade", "-a", "nope", "x.ipynb"),
                                  ("export", "-a", "hw1_forward", "--format", "pdf")])
def test_usage_errors_exit_2(args, tmp_path):
    proc = nngrade(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr


def test_manual_answers_are_exported_and_scores_merged_back(tmp_path):
    samples = COURSE / "examples" / "submissions" / "hw3_cost"
    proc = nngrade("grade", samples, "-a", "hw3_cost", "--db", tmp_path / "g.db",
                   "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stdout
    proc = nngrade("export", "-a", "hw3_cost", "--format", "manual", "--db", tmp_path / "g.db",
                   "--out", tmp_path / "out")
    assert proc.returncode == 0
    text = (tmp_path / "out/hw3_cost/manual.md").read_text()
    assert "## rosalind_franklin" in text and "### q6 (2 points; now pending)" in text
    assert "**q6 asks:** Why can no choice of cost function" in text
    rows = list(csv.DictReader((tmp_path / "out/hw3_cost/manual.csv").open()))
    assert {r["question"] for r in rows} == {"q6"} and all(r["score"] == "" for r in rows)
    assert {r["note"] for r in rows if r["student"] == "lise_meitner"} == {
        "no answer (0 unless graded)"}
    rows = [r for r in rows if r["note"] == "pending"]
    rows[0]["score"], rows[0]["comment"] = "1.5", "right idea, no formula"
    with open(tmp_path / "scores.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    proc = nngrade("grade", "-a", "hw3_cost", "--db", tmp_path / "g.db",
                   "--manual-scores", tmp_path / "scores.csv")
    assert proc.returncode == 0 and "1 hand grade(s) changed" in proc.stdout
    proc = nngrade("export", "-a", "hw3_cost", "--db", tmp_path / "g.db", "--out", tmp_path / "o")
    assert proc.returncode == 1 and "pending manual grade: q6" in proc.stdout
    proc = nngrade("export", "-a", "hw3_cost", "--db", tmp_path / "g.db", "--out", tmp_path / "o",
                   "--allow-pending")
    exported = (tmp_path / "o/hw3_cost/gradebook.csv").open()
    graded = {r["student"]: r for r in csv.DictReader(exported)}
    assert graded[rows[0]["student"]]["q6"] == "1.5"
    assert graded[rows[1]["student"]]["q6"] == "pending"
    rows[1]["score"] = "9"
    with open(tmp_path / "bad.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[1]))
        w.writeheader()
        w.writerow(rows[1])
    proc = nngrade("grade", "-a", "hw3_cost", "--db", tmp_path / "g.db",
                   "--manual-scores", tmp_path / "bad.csv")
    assert proc.returncode == 2 and "outside 0..2" in proc.stdout + proc.stderr


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_an_interrupted_batch_resumes_without_regrading(tmp_path, how):
    subs = tmp_path / "subs"
    subs.mkdir()
    names = ["ada_lovelace", "grace_hopper", "claude_shannon", "barbara_liskov", "john_nash"]
    for name in names:
        shutil.copy(SAMPLES / f"{name}.ipynb", subs)
    # graded last: its endless loop keeps the batch busy while the test interrupts it
    shutil.copy(SAMPLES / "barbara_liskov.ipynb", subs / "zelda_loop.ipynb")
    names.append("zelda_loop")
    args = ["grade", subs, "-a", "hw1_forward", "--db", tmp_path / "g.db", "--out",
            tmp_path / "out", "--workers", "1"]
    # as from a terminal: a test run in the background inherits SIGINT ignored
    proc = subprocess.Popen([sys.executable, "-m", "autograder.cli", *map(str, args)],
                            cwd=COURSE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, preexec_fn=_default_sigint)
    book = tmp_path / "g.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if book.exists() and _recorded(book) >= 3:
            break
        time.sleep(0.2)
    proc.send_signal(how)
    output = proc.communicate(timeout=30)[0]
    assert proc.returncode == 130 and "Interrupted" in output
    done = _recorded(book)
    assert 3 <= done < len(names)
    proc = nngrade(*args)
    assert proc.returncode == 0
    assert f"{len(names) - done} graded, {done} already recorded" in proc.stdout
    assert _recorded(book) == len(names)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _recorded(db: Path) -> int:
    import sqlite3
    try:
        return sqlite3.connect(db).execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
