"""Incomplete notebooks, as students hand them in at the deadline: some questions answered
completely and correctly, the others left as the template's `...`, `pass`, `return
None`, `raise NotImplementedError`, a commented-out body, a deleted definition, a
SyntaxError, a NameError, or a placeholder that returns zeros or its own input. Every
answered question is at full marks and every unanswered one at zero: a placeholder
earns nothing, even where its value happens to be right (dropout at rate 0 returns its
input) or where the question's checks also exercise an earlier question's code (the
training run of Homework 6, the NumPy network beside MLPRegressor in Homework 7). And an
answered question does not pay for an unanswered earlier one that its checks also run.

Each notebook is named <assignment>__<what is missing>.ipynb."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.engine.pipeline import grade_path
from autograder.engine.results import Status

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

HERE = Path(__file__).resolve().parent / "incomplete"
ANSWERED = {  # the questions answered; every other graded automatically is left unanswered
    "hw2_backprop__late_questions_only": {"q5", "q6", "q7", "q8", "q9", "q10"},
    "hw4_optimizers__placeholders_everywhere_but_one": {"q6"},
    "hw5_regularization__placeholders_and_gaps": {"q3", "q4", "q10"},
    "hw6_digits__the_class_alone": {"q1", "q2"},
    "hw7_capacity__a_network_and_no_sklearn": {"q4", "q5"},
    "hw7_capacity__sklearn_without_the_network": {"q6"},
}


def test_every_notebook_is_listed():
    assert sorted(p.stem for p in HERE.glob("*.ipynb")) == sorted(ANSWERED)


@pytest.mark.parametrize("name", sorted(ANSWERED))
def test_answered_questions_get_full_marks_and_the_others_nothing(name, suites, factory):
    result = grade_path(HERE / f"{name}.ipynb", suites(name.split("__")[0]), factory, 20261127)
    assert not result.error, result.error
    graded = [q for q in result.questions if q.status != Status.MANUAL]
    short = {q.question: q.feedback for q in graded
             if q.question in ANSWERED[name] and q.score != q.max_points}
    paid = {q.question: (q.score, q.feedback) for q in graded
            if q.question not in ANSWERED[name] and q.score}
    assert not short, short
    assert not paid, paid
