"""A question that builds on an earlier function is judged with the student's own earlier
function: a mistake there costs its points once, and the passed check says what it
accepted. Graded on samples whose earlier function is wrong (see their specs)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.authoring.assign import master_notebook
from autograder.engine.pipeline import grade_path

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SEED = 20261127


@pytest.mark.parametrize("hw, student, earlier, later, accepted", [
    # softmax over columns (q4); mlp_forward uses it
    ("hw1_forward", "kurt_goedel", "q4", "q6", "what your own sigmoid and softmax"),
    # sigma(-z) (q1); mlp_forward uses it
    ("hw1_forward", "margaret_hamilton", "q1", "q6", "what your own sigmoid and softmax"),
    # softmax overwrites its argument (q4); mlp_forward returns the Z2 it overwrote
    ("hw1_forward", "hypatia_of_alexandria", "q4", "q6", "what your own sigmoid and softmax"),
    # a summed cost (q7): its finite differences and its verdict in q8
    ("hw2_backprop", "joseph_fourier", "q7", "q8", "what your own numerical_gradient_of_cost"),
    ("hw2_backprop", "joseph_fourier", "q7", "q7", "central differences of your own cost"),
    # a summed output error (q2) and so a summed backprop: the Hessian and training of
    # q9 and q10 use that backprop
    ("hw2_backprop", "joseph_fourier", "q2", "q9", "central differences of your own backprop"),
    ("hw2_backprop", "joseph_fourier", "q2", "q10", "gradient descent with your own backprop"),
    # the hidden biases added twice (q5): the cost of q7 is judged with that forward_pass
    ("hw2_backprop", "paul_dirac", "q5", "q7", "the cost of your own forward_pass"),
    # the relative error entry by entry and one-sided differences (q7), used by q8
    ("hw2_backprop", "emilie_du_chatelet", "q7", "q8", "what your own numerical_gradient_of_cost"),
])
def test_a_later_question_accepts_the_students_own_earlier_function(
        hw, student, earlier, later, accepted, suites, factory):
    result = grade_path(COURSE / "examples" / "submissions" / hw / f"{student}.ipynb",
                        suites(hw), factory, SEED, student=student)
    assert result.question(earlier).score < result.question(earlier).max_points
    labels = [c.label for c in result.question(later).checks if c.passed]
    assert any(f"(accepted: {accepted}" in label for label in labels), labels


@pytest.mark.parametrize("hw, old, new, earlier, later, accepted", [
    # softmax squeezes a batch of one to (K,) (q4): mlp_forward's P has that shape too
    ("hw1_forward", "    return E / E.sum(axis=-1, keepdims=True)\n",
     "    return np.squeeze(E / E.sum(axis=-1, keepdims=True))\n", "q4", "q6",
     "what your own sigmoid and softmax"),
    # db summed to one number (q3): gradient descent with that backprop broadcasts it to b
    ("hw2_backprop", "delta.sum(axis=0)\n", "delta.sum()\n", "q3", "q10",
     "gradient descent with your own backprop"),
])
def test_a_master_with_one_earlier_mistake_loses_points_there_only_once(
        hw, old, new, earlier, later, accepted, tmp_path, suites, factory):
    nb = nbformat.read(master_notebook(COURSE, hw), as_version=4)
    cell, = [c for c in nb.cells if old in c.source]
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, tmp_path / "one_mistake.ipynb")
    result = grade_path(tmp_path / "one_mistake.ipynb", suites(hw), factory, SEED)
    assert result.question(earlier).score < result.question(earlier).max_points
    assert result.question(later).score == result.question(later).max_points
    labels = [c.label for c in result.question(later).checks]
    assert any(f"(accepted: {accepted}" in label for label in labels), labels


def test_a_predict_column_costs_its_shape_once(tmp_path, suites, factory):
    """hw6: a predict that returns a column (n, 1) loses Question 1's shape check only. The
    notebook's own accuracy helper, np.mean(pred == y), then broadcasts to (n, n), and the
    accuracies the notebook reports in Questions 4 to 6 are judged as that gives them."""
    nb = nbformat.read(master_notebook(COURSE, "hw6_digits"), as_version=4)
    right = "return np.argmax(self.predict_proba(X), axis=1)"
    cell, = [c for c in nb.cells if right in c.source]
    cell.source = cell.source.replace(right, right + "[:, None]")
    path = tmp_path / "column.ipynb"
    nbformat.write(nb, path)
    result = grade_path(path, suites("hw6_digits"), factory, SEED)
    assert [c.label for c in result.question("q1").checks if not c.passed] == [
        "predict(X (12, 5)) for layer sizes [5, 6, 4]: integer class indices; with zero "
        "weights, where every class ties, still one index per row"]
    for q in ("q4", "q5", "q6"):
        assert result.question(q).score == result.question(q).max_points, q
        assert any("(accepted: the accuracies your own predict's column" in c.label
                   for c in result.question(q).checks), q


def test_a_heaviside_with_another_tie_is_charged_once(tmp_path, suites, factory):
    """hw7: H(0) = 0 in heaviside fails its own check; the runs from zero that use it (a
    net input of exactly 0 first, and xor_mistakes) are judged with that H(0) too."""
    nb = nbformat.read(master_notebook(COURSE, "hw7_capacity"), as_version=4)
    right = "np.where(np.asarray(z) >= 0, 1.0, 0.0)"
    cell, = [c for c in nb.cells if right in c.source]
    cell.source = cell.source.replace(right, "np.where(np.asarray(z) > 0, 1.0, 0.0)")
    nbformat.write(nb, tmp_path / "tie.ipynb")
    checks = grade_path(tmp_path / "tie.ipynb", suites("hw7_capacity"), factory,
                        SEED).question("q1").checks
    assert [c.label.split(" for ")[0] for c in checks if not c.passed] == ["heaviside(z)"]
    assert sum("(accepted: the run with the H(0) of your own heaviside" in c.label
               for c in checks) == 2
