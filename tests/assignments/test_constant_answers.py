"""No check gives credit to functions that return constants (see constant_answers.py).

The assignments listed in HOLDS have no such check; the others still have some (found
by ``checks_passing_for_constants``) and join the list once their suites are fixed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from constant_answers import (
    DECORATOR,
    answer_cells,
    checks_passing_for_constants,
    constant_notebook,
    constant_source,
)

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SEED = 12345
HOLDS = ["hw3_cost", "hw4_optimizers", "hw5_regularization", "hw6_digits", "hw7_capacity"]


@pytest.mark.parametrize("hw", HOLDS)
def test_no_check_gives_credit_to_constant_answers(hw, suites, factory):
    assert checks_passing_for_constants(COURSE, hw, suites(hw), factory, SEED) == {}


def test_functions_and_methods_are_made_constant_and_other_code_is_kept():
    source = ("import numpy as np\n"
              "def f(x):\n    return x + 1\n"
              "class Net:\n"
              "    def __init__(self, sizes):\n        self.sizes = sizes\n"
              "    def __repr__(self):\n        return 'Net'\n"
              "    @staticmethod\n    def helper(z):\n        return z\n"
              "    @property\n    def size(self):\n        return 3\n"
              "    def forward(self, X):\n        return X\n"
              "print(f(1))\n")
    tree = ast.parse(constant_source(source, "zeros"))
    decorated = {node.name: [ast.unparse(d) for d in node.decorator_list]
                 for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert decorated["f"] == [f"{DECORATOR}('zeros', method=False)"]
    assert decorated["__init__"] == [f"{DECORATOR}('zeros', method=True)"]
    assert decorated["__repr__"] == []
    assert decorated["helper"] == ["staticmethod", f"{DECORATOR}('zeros', method=False)"]
    assert decorated["size"] == ["property", f"{DECORATOR}('zeros', method=True)"]
    assert "print(f(1))" in ast.unparse(tree)
    assert constant_source("%matplotlib inline\nx = 1", "ones") == "%matplotlib inline\nx = 1"


def test_the_constant_notebook_replaces_exactly_the_answer_cells():
    nb = constant_notebook(COURSE, "hw1_forward", "first")
    cells = answer_cells(nb)
    assert DECORATOR in nb.cells[0].source and cells
    assert all(DECORATOR in nb.cells[i].source for i in cells if "def " in nb.cells[i].source)
    others = [c for i, c in enumerate(nb.cells[1:], 1) if i not in cells]
    assert not any(DECORATOR in c.source for c in others)
