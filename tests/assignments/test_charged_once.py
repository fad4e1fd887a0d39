"""A mistake is charged once: honest notebooks, each correct everywhere but for one early
function whose mistake flows into the later questions that build on it (tanh' built
as 4 sigma'(2z) on a wrong sigma', a gradient n times too small, masks that are NaN at rate 0, a prediction of one number, logits for
probabilities, a step that never moves the weights, a last batch dropped). Every later
question is at full marks, judged with the student's own earlier functions; only the
question of the mistake loses points, and Homework 6's Question 4, whose test accuracy is
the end-to-end result of the whole network by design.

Each notebook is named <assignment>__<mistake>.ipynb."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograder.engine.pipeline import grade_path
from autograder.engine.results import Status

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

HERE = Path(__file__).resolve().parent / "charged_once"
MISTAKE_IN = {  # the question whose function has the mistake
    "hw1_forward__sigmoid_prime_of_the_activation": "q1",
    "hw2_backprop__layer_gradients_averaged_twice": "q3",
    "hw5_regularization__rate_taken_as_keep_probability": "q2",
    "hw6_digits__argmax_without_axis": "q1",
    "hw6_digits__logits_for_probabilities": "q1",
    "hw6_digits__step_that_never_moves": "q3",
    "hw6_digits__last_batch_dropped": "q3",
}
END_TO_END = {"hw6_digits": {"q4"}}  # the trained network's test accuracy


def test_every_notebook_is_listed():
    assert sorted(p.stem for p in HERE.glob("*.ipynb")) == sorted(MISTAKE_IN)


@pytest.mark.parametrize("name", sorted(MISTAKE_IN))
def test_a_mistake_costs_points_only_where_it_is(name, suites, factory):
    assignment = name.split("__")[0]
    result = grade_path(HERE / f"{name}.ipynb", suites(assignment), factory, 20261127)
    assert not result.error, result.error
    lost = {q.question: q.feedback for q in result.questions
            if q.status != Status.MANUAL and q.score != q.max_points}
    assert MISTAKE_IN[name] in lost, "the mistake itself is not charged"
    others = set(lost) - {MISTAKE_IN[name]} - END_TO_END.get(assignment, set())
    assert not others, {q: lost[q] for q in others}
