"""Errors an instructor can act on: a broken suite, a suite bug during grading, a
master notebook that disagrees with its suite, a folder of mixed assignments, files an
earlier version of the suite graded."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
HW = "hw1_forward"


def nngrade(course: Path, *args):
    return subprocess.run([sys.executable, "-m", "autograder.cli", "--course", str(course),
                           *map(str, args)], capture_output=True, text=True, cwd=course,
                          timeout=600)


def course_with(tmp_path: Path, edit) -> Path:
    course = tmp_path / "course"
    shutil.copytree(COURSE / "solutions" / HW, course / "solutions" / HW)
    hidden = course / "solutions" / HW / "hidden.py"
    hidden.write_text(edit(hidden.read_text()))
    return course


def test_a_syntax_error_in_the_suite_is_one_line_with_file_and_line(tmp_path):
    course = course_with(tmp_path, lambda s: s.replace("def sigmoid_and_derivative(student, rng):",
                                                       "def sigmoid_and_derivative(student, rng)"))
    proc = nngrade(course, "check", COURSE / "examples/submissions" / HW / "ada_lovelace.ipynb")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "hidden.py:" in proc.stderr and "SyntaxError" in proc.stderr


def test_a_bug_in_a_question_is_an_internal_error_for_the_student_and_logged(tmp_path):
    course = course_with(tmp_path, lambda s: s.replace(
        "    _activation(student, rng, \"relu\", act.relu, {",
        "    {}['no such key']\n    _activation(student, rng, \"relu\", act.relu, {"))
    shutil.copy(COURSE / "examples/submissions" / HW / "ada_lovelace.ipynb", tmp_path / "ada.ipynb")
    proc = nngrade(course, "grade", tmp_path / "ada.ipynb", "-a", HW, "--db", tmp_path / "g.db",
                   "--out", tmp_path / "out")
    feedback = (tmp_path / "out" / HW / "feedback" / "ada.md").read_text()
    assert "internal error in the hidden suite; your instructor has been told" in feedback
    assert "no such key" not in feedback
    log = (tmp_path / "out" / "nngrade.log").read_text()
    assert "question q2" in log and "KeyError: 'no such key'" in log and "hidden.py" in log
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_files_an_earlier_suite_graded_are_named_until_regraded(tmp_path):
    course = course_with(tmp_path, lambda s: s)
    shutil.copy(COURSE / "examples/submissions" / HW / "ada_lovelace.ipynb", tmp_path / "ada.ipynb")
    grade = ("grade", tmp_path / "ada.ipynb", "-a", HW, "--db", tmp_path / "g.db",
             "--out", tmp_path / "out")
    assert nngrade(course, *grade).returncode == 0
    hidden = course / "solutions" / HW / "hidden.py"
    hidden.write_text(hidden.read_text() + "# corrected after the first batch\n")
    proc = nngrade(course, *grade)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = " ".join(proc.stdout.split())
    assert "0 graded, 0 already recorded" in said
    assert "graded by an earlier hidden suite 1 file(s) (ada)" in said and "--regrade" in said
    regraded = " ".join(nngrade(course, *grade, "--regrade").stdout.split())
    assert "Regraded 1 file(s): 0 with changed scores" in regraded  # a comment changes none
    proc = nngrade(course, *grade)
    assert "1 already recorded" in proc.stdout and "earlier hidden suite" not in proc.stdout


def test_assign_refuses_a_master_notebook_that_disagrees_with_its_suite(tmp_path):
    course = course_with(tmp_path, lambda s: s.replace('@question("q2", points=2)',
                                                       '@question("q2", points=3)'))
    proc = nngrade(course, "assign", "--check", HW)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "q2: 2 points in the master notebook, 3 in hidden.py" in proc.stdout


def test_a_folder_of_mixed_assignments_is_refused_with_the_list(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(COURSE / "examples/submissions" / HW / "ada_lovelace.ipynb", subs / "a.ipynb")
    shutil.copy(COURSE / "examples/submissions/hw3_cost/rosalind_franklin.ipynb", subs / "b.ipynb")
    proc = nngrade(COURSE, "grade", subs, "--db", tmp_path / "g.db", "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "hw1_forward (1 files)" in proc.stderr and "hw3_cost (1 files)" in proc.stderr


def test_check_of_a_missing_file_says_so(tmp_path):
    proc = nngrade(COURSE, "check", tmp_path / "typo.ipynb")
    assert proc.returncode == 2 and "does not exist" in proc.stderr
