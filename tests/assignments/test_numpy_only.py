"""Homework 6 says "You will write, with NumPy only": a network whose training uses a
library's model loses a check in each question that trains it, while a scratch cell that
only compares with such a model costs nothing."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.authoring.assign import master_notebook
from autograder.engine.pipeline import grade_path
from autograder.engine.results import Status

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
HW = "hw6_digits"
TRAINING = {"q3", "q4", "q5", "q6"}


def _master_with(tmp_path: Path, edit) -> Path:
    nb = nbformat.read(master_notebook(COURSE, HW), as_version=4)
    edit(nb)
    path = tmp_path / f"{HW}.ipynb"
    nbformat.write(nb, path)
    return path


def _library_in_fit(nb) -> None:
    cell, = [c for c in nb.cells if c.cell_type == "code" and "def fit(self, X, Y):" in c.source]
    cell.source = ("from sklearn.neural_network import MLPClassifier as _Library\n\n"
                   + cell.source.replace("    history = []\n",
                                         "    history = []\n    self.library = _Library\n", 1))


def _library_in_scratch(nb) -> None:
    nb.cells.append(nbformat.v4.new_code_cell(
        "from sklearn.neural_network import MLPClassifier\n\n\n"
        "def compare(X, y):\n    return MLPClassifier(max_iter=5).fit(X, y).score(X, y)\n"))


def test_a_library_in_the_training_costs_a_check_of_each_training_question(
        tmp_path, suites, factory):
    result = grade_path(_master_with(tmp_path, _library_in_fit), suites(HW), factory, 5)
    lost = {q.question: q for q in result.questions
            if q.status != Status.MANUAL and q.score != q.max_points}
    assert set(lost) == TRAINING, {q.question: q.feedback for q in result.questions}
    for q in lost.values():
        assert [c.passed for c in q.checks].count(False) == 1
        assert "sklearn.neural_network.MLPClassifier" in q.feedback
        assert "with NumPy only" in q.feedback


def test_a_scratch_comparison_with_a_library_costs_nothing(tmp_path, suites, factory):
    result = grade_path(_master_with(tmp_path, _library_in_scratch), suites(HW), factory, 5)
    suite = suites(HW)
    automatic = sum(q.points for q in suite.questions if not q.manual)
    assert result.score == pytest.approx(automatic), \
        {q.question: q.feedback for q in result.questions if q.score != q.max_points}
