"""A whole term on one assignment, as an instructor runs it with ``nngrade``.

A Canvas bulk download of 40 students (some late, some with two files, one file from
someone not on the roster, one corrupt upload), a roster and a course.toml; grading;
hand grades merged with comments; an explicit override; a fix to the hidden suite and a
regrade; the Canvas export. Every hand grade and comment survives, every id is the
roster's, the late penalty is applied, and nothing pending or refused is exported
silently. On SQLite, and on PostgreSQL where CI provides it.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.records.gradebook import Gradebook

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
HW = "hw3_cost"
SAMPLES = sorted((COURSE / "examples" / "submissions" / HW).glob("*.ipynb"))
STUDENTS = 40


def nngrade(course: Path, *args):
    return subprocess.run([sys.executable, "-m", "autograder.cli", "--course", str(course),
                           *map(str, args)], capture_output=True, text=True, cwd=course,
                          timeout=900)


def canvas_name(i: int, submission: int, late: bool = False, n: int = 0) -> str:
    flag = "_LATE" if late else ""
    suffix = f"-{n}" if n else ""
    return f"student{i:02d}name{flag}_{40000 + i}_{submission}_{HW}{suffix}.ipynb"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "gradebook.db")
        return
    yield request.getfixturevalue("postgres_url")


@pytest.fixture
def term(tmp_path, db):
    """A course folder with its own copy of the assignment, a roster, a course.toml and
    a Canvas download."""
    course = tmp_path / "course"
    shutil.copytree(COURSE / "solutions" / HW, course / "solutions" / HW)
    with open(course / "roster.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "email", "sis_user_id", "sis_login_id", "section"])
        for i in range(STUDENTS):
            w.writerow([40000 + i, f"Student {i:02d}", f"s{i}@uni.example", f"SIS{i:04d}",
                        f"login{i:02d}", "A" if i % 2 else "B"])
    (course / "course.toml").write_text(
        f"[grading]\nseed = 4242\nroster = 'roster.csv'\ndb = '{db}'\nout = 'out'\n"
        "[late]\npenalty_per_day = 10\nmax_penalty = 50\nunknown_days = 1\n"
        f"[assignments.{HW}]\ndeadline = 2026-10-06T23:59:00+02:00\n")
    download = course / "download"
    download.mkdir()
    for i in range(STUDENTS):
        sample = SAMPLES[i % len(SAMPLES)]
        if i % 10 == 5:  # an earlier file first, then the one that counts
            shutil.copy(SAMPLES[(i + 1) % len(SAMPLES)], download / canvas_name(i, 1000 + i))
        shutil.copy(sample, download / canvas_name(i, 2000 + i, late=i % 7 == 3,
                                                   n=1 if i % 10 == 5 else 0))
    corrupt = download / canvas_name(39, 2039)
    corrupt.write_bytes(corrupt.read_bytes()[:300])
    shutil.copy(SAMPLES[0], download / "strangerperson_99999_3000_hw3_cost.ipynb")
    return course


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, data: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(data[0]))
        w.writeheader()
        w.writerows(data)
    return path


def test_a_term_loses_no_grade_a_person_entered(term, db):
    # 1. grade the download: the assignment is read from the notebooks, ids from the roster
    first = nngrade(term, "grade", term / "download")
    assert first.returncode == 1, first.stdout + first.stderr  # the stranger, the corrupt one
    assert "not in the roster, not graded" in first.stdout and "99999" in first.stdout
    book = Gradebook(db)
    results = {r.student: r for r in book.latest(HW)}
    assert set(results) == {str(40000 + i) for i in range(STUDENTS)}
    assert "not valid JSON" in results["40039"].error
    two_files = [str(40000 + i) for i in range(STUDENTS) if i % 10 == 5]
    for student in two_files:
        history = book.history(HW, student)
        assert len(history) == 2 and results[student].attempt == 2
        assert results[student].path.endswith("-1.ipynb")  # the later file counts
    late = {str(40000 + i) for i in range(STUDENTS) if i % 7 == 3}
    assert {s for s, r in results.items() if r.late} == late

    # 2. nothing pending or refused is exported silently
    refused = nngrade(term, "export", "-a", HW, "--format", "canvas")
    assert refused.returncode == 1 and "pending manual grade: q6" in refused.stdout

    # 3. the teaching assistants' grades, with comments, merged back
    assert nngrade(term, "export", "-a", HW, "--format", "manual").returncode == 0
    sheet = rows(term / "out" / HW / "manual.csv")
    pending = [r for r in sheet if r["note"] == "pending"]
    assert pending and all(r["student"] in results for r in pending)
    for k, row in enumerate(pending):
        row["score"], row["comment"] = str(k % 3), f"comment for {row['student']}"
    merged = nngrade(term, "grade", "-a", HW, "--grader", "tara", "--manual-scores",
                     write_rows(term / "tas.csv", pending))
    assert merged.returncode == 0 and f"{len(pending)} hand grade(s) changed" in merged.stdout
    assert nngrade(term, "export", "-a", HW, "--format", "manual").returncode == 0
    again = rows(term / "out" / HW / "manual.csv")
    assert all(r["comment"] == f"comment for {r['student']}" and r["grader"] == "tara"
               for r in again if r["student"] in {p["student"] for p in pending})
    unchanged = nngrade(term, "grade", "-a", HW, "--manual-scores",
                        write_rows(term / "again.csv", again))
    assert "0 hand grade(s) changed" in unchanged.stdout

    # 4. an override must be asked for
    target = next(s for s, r in results.items() if not r.error and r.question("q2").score == 0)
    row = {"student": target, "question": "q2", "score": "2.5", "comment": "regrade request"}
    implicit = nngrade(term, "grade", "-a", HW, "--manual-scores",
                       write_rows(term / "o1.csv", [row]))
    assert implicit.returncode == 2 and "graded automatically" in implicit.stderr
    explicit = nngrade(term, "grade", "-a", HW, "--manual-scores",
                       write_rows(term / "o2.csv", [row | {"override": "yes"}]))
    assert explicit.returncode == 0 and "(override): 0 -> 2.5" in explicit.stdout

    # 5. a fix to the hidden suite, checked with a dry run, then a regrade
    before = {r.student: r for r in Gradebook(db).latest(HW)}
    hidden = term / "solutions" / HW / "hidden.py"
    hidden.write_text(hidden.read_text().replace("for shape in [(8,), (4, 3), (1, 5)]:",
                                                 "for shape in [(8,), (1, 5)]:"))
    dry = nngrade(term, "grade", term / "download", "--regrade", "--dry-run")
    assert "would change" in dry.stdout and "nothing was written" in dry.stdout
    assert [r.version for r in Gradebook(db).latest(HW)] == [r.version for r in before.values()]
    regrade = nngrade(term, "grade", term / "download", "--regrade")
    assert regrade.returncode == 1 and "changed " in regrade.stdout
    after = {r.student: r for r in Gradebook(db).latest(HW)}
    assert all(r.version == 2 for r in after.values())
    for student, old in before.items():
        for q_old in old.questions:
            q_new = after[student].question(q_old.question)
            if q_old.graded_by:  # every hand grade and comment survives the regrade
                assert (q_new.score, q_new.comment, q_new.graded_by) == (
                    q_old.score, q_old.comment, q_old.graded_by), (student, q_old.question)
    assert after[target].question("q2").score == 2.5
    assert after[target].question("q2").auto_score == 0

    # 6. the Canvas export: refused while a file is refused, then posted with the roster
    assert nngrade(term, "export", "-a", HW, "--format", "canvas").returncode == 1
    posted = nngrade(term, "export", "-a", HW, "--format", "canvas", "--allow-pending")
    assert posted.returncode == 0, posted.stdout + posted.stderr
    canvas = {r["ID"]: r for r in rows(term / "out" / HW / "canvas.csv")[1:]}
    assert set(canvas) == {str(40000 + i) for i in range(STUDENTS)}
    for student, result in after.items():
        row = canvas[student]
        i = int(student) - 40000
        assert (row["SIS User ID"], row["SIS Login ID"]) == (f"SIS{i:04d}", f"login{i:02d}")
        penalty = 0.1 * result.max_score if student in late else 0.0
        assert float(row[HW]) == pytest.approx(max(0.0, result.score - penalty), abs=1e-6)
