"""The hidden-suite SDK: everything a ``solutions/<hw>/hidden.py`` imports.

::

    from autograder.authoring import Budgets, check, expect, manual, question

    @question("q3", points=4)
    def output_delta(student, rng):
        X = rng.normal(size=(5, 3))                # fresh inputs from the seeded rng
        with check(f"output_delta for X of shape {X.shape}"):
            got = student.call("output_delta", X)  # runs inside the sandboxed worker
            expect(got).close_to(reference_delta(X), rtol=1e-9, atol=1e-12)

    manual("q9", points=3)                         # graded by a person
    BUDGETS = Budgets(call_seconds=30)             # optional, per assignment

Only inputs travel to the worker; expected values are computed here.
"""

from autograder.authoring.expect import (
    Expectation,
    as_float_array,
    check,
    describe_value,
    expect,
    fail,
    timeout_hint,
)
from autograder.authoring.figures import Axes, Figure, Line, all_axes, parse_figures
from autograder.authoring.questions import manual, question
from autograder.engine.budgets import Budgets
from autograder.engine.results import Failure
from autograder.engine.student import Handle, Student
from autograder.sandbox.limits import Limits

__all__ = ["Axes", "Budgets", "Expectation", "Failure", "Figure", "Handle", "Limits", "Line",
           "Student", "all_axes", "as_float_array", "check", "describe_value", "expect",
           "fail", "manual", "parse_figures", "question", "timeout_hint"]
