"""The public tests (Otter doctests in each student notebook) judge values, not what the
student's functions print: a function that prints a line passes a check whose asserts
hold, and still fails one whose asserts do not."""

from __future__ import annotations

import doctest
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.authoring.assign import QUIET, assignments, quiet_case, student_notebook

COURSE = Path(__file__).resolve().parents[2]
CASE = (">>> x = np.array([1.0, 2.0])\n"
        ">>> assert np.isclose(total(x), 3.0)\n"
        ">>> for v in x:\n"
        "...     assert total(np.array([v])) == v\n")


def run(code: str, total) -> doctest.TestResults:
    test = doctest.DocTestParser().get_doctest(code, {"np": np, "total": total}, "case",
                                               None, 0)
    runner = doctest.DocTestRunner(verbose=False)
    runner.run(test, out=lambda _text: None)
    return runner.summarize(verbose=False)


def chatty_total(x):
    print(f"total of {len(x)} entries")
    return float(np.sum(x))


def test_a_function_that_prints_fails_the_plain_doctest_and_passes_the_quiet_one():
    assert run(CASE, chatty_total).failed > 0
    assert run(quiet_case(CASE), chatty_total) == (0, 5)  # two imports, three examples


def test_a_wrong_value_still_fails_the_quiet_doctest():
    assert run(quiet_case(CASE), lambda x: float(np.sum(x)) + 1.0).failed == 2


def test_an_example_with_expected_output_is_kept():
    code = ">>> total(np.array([1.0]))\n1.0\n>>> assert total(np.array([2.0])) == 2.0\n"
    quiet = quiet_case(code)
    assert ">>> total(np.array([1.0]))\n1.0\n" in quiet
    assert run(quiet, lambda x: float(np.sum(x))) == (0, 4)


@pytest.mark.parametrize("hw", assignments(COURSE))
def test_every_public_case_of_the_student_notebooks_is_quiet(hw):
    nb = nbformat.read(student_notebook(COURSE, hw), as_version=4)
    cases = [case["code"] for test in nb.metadata["otter"]["tests"].values()
             for suite in test["suites"] for case in suite["cases"]]
    assert cases and all(code.startswith(QUIET) for code in cases)
