"""An earlier answer that returns nothing never breaks the hidden suite of a question that
judges a later answer with it: the later question says what is wrong, and no check ends
in an internal error."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.authoring.assign import master_notebook
from autograder.engine.pipeline import grade_path
from autograder.engine.results import Failure

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]

# assignment, {definition: what it returns at once}, the question judged with the first
CASES = [("hw6_digits", {"def gradients(self, X, Y):\n": "None",
                         "def sgd_step(self, X, Y):\n": "None"}, "q3"),
         ("hw5_regularization", {"def ridge_fit(X, y, lam):\n": "None",
                                 "def weight_decay_scaling(X, y, lam, c):\n":
                                 "(np.zeros(len(X)),) * 3"}, "q11")]


@pytest.mark.parametrize("hw, returns, later", CASES, ids=[c[0] for c in CASES])
def test_nothing_returned_is_the_students_error_not_the_suites(hw, returns, later, tmp_path,
                                                             suites, factory):
    nb = nbformat.read(master_notebook(COURSE, hw), as_version=4)
    for definition, value in returns.items():
        cell, = [c for c in nb.cells if c.cell_type == "code" and definition in c.source]
        cell.source = cell.source.replace(definition, f"{definition}    return {value}\n", 1)
    nbformat.write(nb, tmp_path / f"{hw}.ipynb")
    result = grade_path(tmp_path / f"{hw}.ipynb", suites(hw), factory, 11)
    internal = {q.question for q in result.questions
                if any(c.kind == Failure.INTERNAL for c in q.checks)}
    assert internal == set(), {q: result.question(q).feedback for q in internal}
    assert result.question(later).score < result.question(later).max_points
