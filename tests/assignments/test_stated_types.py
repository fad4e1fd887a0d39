"""Every "returns a float" (or "an int") a notebook states is enforced: the master solution
with each such value returned as a one-entry array (or as floats) loses points in exactly
the questions that state the rule, and their feedback names it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.authoring.assign import master_notebook
from autograder.engine.pipeline import grade_path
from autograder.engine.results import Status

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SEED = 20261203
ONE = "np.array([_r])"

# function: how its result _r is rewrapped; the questions that then lose points
BROKEN = {
    "hw1_forward": ({"accuracy": ONE}, {"q7"}),
    "hw2_backprop": ({"tanh_regression": "(np.array([[_r[0]]]),) + tuple(_r[1:])",
                      "relative_error": ONE}, {"q6", "q7"}),
    "hw3_cost": ({"train_neuron": "(_r[0], np.array([_r[1]]), _r[2])",
                  "softmax_cross_entropy": ONE, "relative_error": ONE}, {"q4", "q5"}),
    "hw4_optimizers": ({"valley_cost": ONE, "power_schedule": "np.atleast_1d(_r)",
                        "exponential_schedule": "np.atleast_1d(_r)"}, {"q4", "q5"}),
    "hw5_regularization": ({"l1_penalty": ONE, "ridge_fit": "(_r[0], np.array([_r[1]]))"},
                           {"q1", "q11"}),
    "hw6_digits": ({"hyperparameter_study": '{**_r, "batch_size": {**_r["batch_size"], '
                    '"updates": [float(u) for u in _r["batch_size"]["updates"]]}}'}, {"q6"}),
    "hw7_capacity": ({"mistake_bound": ONE, "network_gradients": "(np.array([[_r[0]]]), _r[1])"},
                     {"q1", "q4"}),
}


def _rewrapped(hw: str, wrap: dict[str, str], path: Path) -> Path:
    """The master notebook with a last cell that rewraps each function's result."""
    nb = nbformat.read(master_notebook(COURSE, hw), as_version=4)
    for name, how in wrap.items():
        nb.cells.append(nbformat.v4.new_code_cell(
            f"def _rewrap(f):\n    def {name}(*a, **k):\n        _r = f(*a, **k)\n"
            f"        return {how}\n    return {name}\n\n{name} = _rewrap({name})\n"))
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("hw", BROKEN)
def test_a_stated_float_or_int_is_enforced_where_it_is_stated(hw, tmp_path, suites, factory):
    wrap, where = BROKEN[hw]
    result = grade_path(_rewrapped(hw, wrap, tmp_path / "rewrapped.ipynb"), suites(hw),
                        factory, SEED)
    lost = {q.question for q in result.questions
            if q.status != Status.MANUAL and q.score != q.max_points}
    assert lost == where, {q.question: q.feedback for q in result.questions}
    for q in where:
        feedback = result.question(q).feedback
        assert "expected a float" in feedback or "each entry is an int" in feedback, feedback
