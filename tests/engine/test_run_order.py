"""A notebook that works only when its cells run out of order loses a check of the question
whose cell failed, as every homework's "Submitting" section says it will."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.engine.load import load_submission
from autograder.engine.pipeline import grade_path
from autograder.engine.results import CellLog, CheckResult, QuestionResult, Status
from autograder.engine.run_order import LABEL, OutOfOrder, charge, out_of_order
from autograder.engine.source import modules_used_by, top_level_names

COURSE = Path(__file__).resolve().parents[2]
FULL_MARKS = COURSE / "examples/submissions/hw1_forward/ada_lovelace.ipynb"  # 17/17


def test_the_names_a_cell_binds_at_top_level():
    source = ("%matplotlib inline\nimport numpy as np, os.path\nfrom math import exp as e\n"
              "A = B, C = 1, 2\nfor i in range(3):\n    D = i\nwith open('x') as F:\n    pass\n"
              "def f(x):\n    local = x\n    return local\nclass K:\n    inner = 1\n"
              "G: float = 0.5\n(H := 3)\nlam = lambda q: q\n")
    assert top_level_names(source) == {"np", "os", "e", "A", "B", "C", "i", "D", "F", "f", "K",
                                       "G", "H", "lam"}
    assert top_level_names("def broken(:\n") == set()


def test_the_modules_the_graded_code_uses_and_only_those():
    cells = ["import numpy as np\nimport sklearn\nfrom sklearn.neural_network import "
             "MLPClassifier as M\nimport torch.nn",
             "class Net:\n    def loss(self, X):\n        return np.zeros(1)\n",
             "def fit(self, X):\n    return helper(X)\n\n\nNet.fit = fit\n",
             "def helper(X):\n    from sklearn.svm import SVC\n    return M().fit(X)\n",
             "def other():\n    return sklearn.linear_model.Ridge(), torch.nn.Linear\n",
             "print(torch.nn.Linear, sklearn.tree)  # a scratch comparison", "def broken(:"]
    net, other = modules_used_by(cells, ["Net"]), modules_used_by(cells, ["other"])
    assert {"numpy.zeros", "sklearn.neural_network.MLPClassifier", "sklearn.svm.SVC"} <= net
    assert {"sklearn.linear_model.Ridge", "torch.nn.Linear"} <= other
    assert not any(m.startswith(("torch", "sklearn.tree", "sklearn.linear")) for m in net)
    assert not any(m.startswith(("sklearn.tree", "sklearn.neural", "sklearn.svm"))
                   for m in other)
    assert modules_used_by(cells, ["missing"]) == set()


def _log(index: int, error: str) -> CellLog:
    return CellLog(index, False, 0.0, error)


def test_a_name_only_a_later_cell_defines_is_out_of_order():
    cells = ["x = 1", "print(SCALE * x)", "print(typo)", "SCALE = 2\ntypo_fixed = 1",
             "y = z + 1\nz = 0"]
    logs = [CellLog(0, True, 0.0), _log(1, "NameError: name 'SCALE' is not defined"),
            _log(2, "NameError: name 'typo' is not defined"),
            CellLog(3, True, 0.0), _log(4, "NameError: name 'z' is not defined")]
    assert out_of_order(cells, logs) == [OutOfOrder(1, "SCALE", 3)]
    assert out_of_order(["print(SCALE)", "SCALE = 1"],
                        [_log(0, "ZeroDivisionError: division by zero")]) == []


def test_each_code_cell_belongs_to_the_question_of_its_section():
    sub = load_submission(FULL_MARKS)
    blocks = dict(zip(sub.positions, sub.blocks, strict=True))
    assert blocks[2] is None  # the imports, above the first question's heading
    assert blocks[4] == "q1" and blocks[10] == "q3" and blocks[22] == "q7"
    assert blocks[24] == "q7"  # a demonstration below the question's check


PASSED = {3.0: [True, True], 1.5: [True, False], 0.0: [False]}  # score -> its checks


def _question(score: float) -> QuestionResult:
    return QuestionResult.from_checks("q3", 3.0, [
        CheckResult(f"check {i}", ok, kind="" if ok else "error")
        for i, ok in enumerate(PASSED[score])])


@pytest.mark.parametrize("score, charged", [(3.0, 2.0), (1.5, 1.0), (0.0, 0.0)])
def test_the_charge_is_one_check_of_the_question(score, charged):
    questions = [_question(score)]
    charge(questions, [OutOfOrder(0, "SCALE", 1)], ["q3", None], lambda i: f"cell {i + 1}")
    assert questions[0].score == pytest.approx(charged)
    if score:
        assert questions[0].checks[-1].label == LABEL
        assert "name 'SCALE' is not defined" in questions[0].checks[-1].message
        assert "only the later cell 2 defines it" in questions[0].checks[-1].message


def _with_cells(tmp_path, after_check: str, at_end: str):
    nb = nbformat.read(FULL_MARKS, as_version=4)
    check, = [i for i, c in enumerate(nb.cells) if 'grader.check("q3")' in c.source]
    nb.cells.insert(check + 1, nbformat.v4.new_code_cell(after_check))
    nb.cells.append(nbformat.v4.new_code_cell(at_end))
    path = tmp_path / "ada.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.integration
def test_a_demonstration_that_needs_a_later_cell_costs_its_question_a_check(
        tmp_path, suites, factory):
    suite = suites("hw1_forward")
    path = _with_cells(tmp_path, "print(elu(np.linspace(-2, 2, 5), alpha=DEMO_ALPHA))",
                       "DEMO_ALPHA = 0.5")
    result = grade_path(path, suite, factory, 7)
    lost = {q.question: q for q in result.questions if q.score != q.max_points}
    assert set(lost) == {"q3"}, {q.question: q.feedback for q in result.questions}
    q3 = lost["q3"]
    assert q3.status == Status.PARTIAL and q3.checks[-1].label == LABEL
    assert q3.score == pytest.approx(3.0 * (len(q3.checks) - 1) / len(q3.checks))
    assert "only the later cell" in q3.checks[-1].message and "DEMO_ALPHA" in q3.feedback

    in_order = _with_cells(tmp_path, "DEMO_ALPHA = 0.5",
                           "print(elu(np.linspace(-2, 2, 5), alpha=DEMO_ALPHA))")
    assert grade_path(in_order, suite, factory, 7).score == suite.max_score
    misspelt = _with_cells(tmp_path, "print(elu(np.linspace(-2, 2, 5), alpha=DEMO_ALPA))",
                           "DEMO_ALPHA = 0.5")
    assert grade_path(misspelt, suite, factory, 7).score == suite.max_score  # a typo, no more
