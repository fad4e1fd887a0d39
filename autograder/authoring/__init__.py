"""The hidden-suite SDK: everything a ``solutions/<hw>/hidden.py`` imports.

::

    from autograder.authoring import Budgets, Tolerance, builders, check, expect, question

    TOLERANCE = Tolerance(1e-9, 1e-12, "a correct formula written another way differs by "
                          "a few ulps; every mistake by orders of magnitude more")

    @question("q3", points=4)
    def output_delta(student, rng):
        X, Y = builders.batch(rng, 5, 3, 4)            # fresh inputs from the seeded rng
        with check(f"output_delta for X of shape {X.shape}", context={"n": 5}):
            got = student.call("output_delta", X, Y)   # runs inside the sandboxed worker
            expect(got).close_to(reference_delta(X, Y))

    manual("q9", points=3)                             # graded by a person
    BUDGETS = Budgets(call_seconds=30)                 # optional, per assignment

Only inputs travel to the worker; expected values are computed here. ``builders``
draws inputs in the reference's conventions, ``mutants`` computes the answers of
classic mistakes, and ``diagnoses`` names the mistakes no mutant covers.
"""

from autograder.authoring import builders, mutants
from autograder.authoring.diagnoses import Diagnosis, Probe, probe
from autograder.authoring.earlier import (
    changes_arguments,
    own_attribute,
    own_global,
    own_result,
    shaped_like,
)
from autograder.authoring.expect import (
    Expectation,
    arrays,
    as_float_array,
    check,
    degenerate,
    describe_value,
    error_hint,
    expect,
    fail,
    maybe_numbers,
    note,
    numbers,
    rests_on,
    timeout_hint,
    verify,
    verify_defaults,
    verify_whole_array,
)
from autograder.authoring.figures import Axes, Figure, Line, all_axes, parse_figures
from autograder.authoring.questions import manual, question
from autograder.engine.budgets import Budgets
from autograder.engine.checks import Tolerance
from autograder.engine.results import Failure
from autograder.engine.student import Handle, Student
from autograder.sandbox.limits import Limits

__all__ = ["Axes", "Budgets", "Diagnosis", "Expectation", "Failure", "Figure", "Handle", "Limits",
           "Line", "Probe", "Student", "Tolerance", "all_axes", "arrays", "as_float_array",
           "builders", "changes_arguments", "check", "degenerate", "describe_value", "error_hint",
           "expect", "fail", "manual", "maybe_numbers", "mutants", "note",
           "numbers", "own_attribute", "own_global", "own_result", "parse_figures", "probe",
           "question", "rests_on", "shaped_like", "timeout_hint", "verify", "verify_defaults",
           "verify_whole_array"]
