"""Comparisons, partial credit and statuses, without a worker."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring.expect import check, diagnose, expect, numeric_mismatch
from autograder.engine.checks import recording
from autograder.engine.errors import StudentError
from autograder.engine.results import Failure, QuestionResult


def test_numeric_mismatch_names_the_first_bad_index_and_counts():
    exp = np.arange(6.0).reshape(2, 3)
    got = exp.copy()
    got[1, 0] += 1
    got[1, 2] += 1
    msg = numeric_mismatch(got, exp, 1e-9, 1e-12)
    assert "index (1, 0)" in msg and "got 4, expected 3" in msg and "2 of 6 entries" in msg


@pytest.mark.parametrize("got, fragment", [
    (None, "None (did the function return a value?)"),
    (np.ones((3, 2)), "expected shape (2, 3), got shape (3, 2)"),
    ([[1, 2], [3]], "not a rectangular array"),
    ("text", "expected numbers"),
    ({"a": 1}, "expected numbers, got a dict"),
    (np.array(["a", "b"]), "expected numbers"),
])
def test_wrong_kinds_of_values_are_described(got, fragment):
    assert fragment in numeric_mismatch(got, np.zeros((2, 3)), 1e-9, 1e-12)


def test_close_numbers_are_shown_with_enough_digits_to_differ():
    msg = numeric_mismatch(-2.1836712, -2.1836719, 1e-9, 0)
    assert "got -2.1836712, expected -2.1836719" in msg


def test_nan_only_matches_where_nan_is_expected():
    assert numeric_mismatch(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), 0, 0) is None
    assert "got nan" in numeric_mismatch(np.array([np.nan, 1.0]), np.array([0.0, 1.0]), 0, 0)


def test_scalars_accept_one_element_arrays_and_lists_are_arrays():
    assert numeric_mismatch(np.array([2.0]), 2.0, 0, 0) is None
    assert numeric_mismatch([[1, 2]], np.array([[1.0, 2.0]]), 0, 0) is None


def test_tolerance_is_relative_to_expected_plus_absolute():
    assert numeric_mismatch(1.0 + 1e-10, 1.0, 1e-9, 0) is None
    assert numeric_mismatch(1.0 + 1e-8, 1.0, 1e-9, 0) is not None
    assert numeric_mismatch(1e-13, 0.0, 1e-9, 1e-12) is None


def test_mutants_name_the_matching_mistake_only():
    z = np.array([1.0, 2.0])
    mutants = {"forgot the square": z, "doubled": 2 * z}
    assert diagnose(2 * z, mutants, 1e-9, 1e-12) == "doubled"
    assert diagnose(3 * z, mutants, 1e-9, 1e-12) is None


def score(func, points=4.0):
    with recording() as rec:
        abort = None
        try:
            func()
        except StudentError as exc:
            from autograder.engine.results import CheckResult
            abort = CheckResult("", False, 1.0, exc.message, exc.kind)
    return QuestionResult.from_checks("q", points, rec.checks, abort)


def test_each_check_block_is_an_equal_share_of_the_points():
    def question():
        for i in range(4):
            with check(f"case {i}"):
                expect(i, "value").close_to(0 if i == 3 else i)
    result = score(question)
    assert result.score == 3.0 and result.status == "partial"
    assert result.feedback.startswith("case 3: value: ")


def test_a_student_error_inside_a_check_fails_only_that_check():
    def question():
        with check("first"):
            raise StudentError("error", "ZeroDivisionError: division by zero")
        with check("second"):
            expect(1.0).close_to(1.0)
    result = score(question, points=2)
    assert result.score == 1.0 and "ZeroDivisionError" in result.feedback


def test_an_error_outside_checks_scores_zero_with_its_kind():
    def question():
        with check("ok"):
            expect(1.0).close_to(1.0)
        raise StudentError("timeout", "no answer within 10 s")
    result = score(question)
    assert result.score == 0.0 and result.status == "timeout"


@pytest.mark.parametrize("kinds, status", [
    (["missing", "missing"], "missing"), (["missing", "error"], "error"),
    (["mismatch"], "failed"), (["timeout", "mismatch"], "timeout"),
])
def test_status_of_a_zero_score_says_why(kinds, status):
    def question():
        for kind in kinds:
            with check(kind):
                if kind == "mismatch":
                    expect(0.0).close_to(1.0)
                else:
                    raise StudentError(kind, kind)
    assert score(question).status == status


def test_a_check_without_expectations_does_not_pass():
    def question():
        with check("empty"):
            pass
    assert score(question).score == 0.0


def test_satisfies_catches_errors_in_the_predicate():
    def question():
        expect(None, "tuple").satisfies(lambda g: len(g) == 4, "expected four arrays")
    result = score(question)
    assert result.score == 0 and "expected four arrays" in result.feedback


def test_is_tuple_says_what_came_instead():
    def question():
        expect([1, 2], "pair").is_tuple(2, "(dW, db)")
        expect(None, "pair").is_tuple(2, "(dW, db)")
    result = score(question, points=2)
    assert result.score == 1.0
    assert "expected a tuple (dW, db), got None" in result.feedback


def test_each_close_to_compares_item_by_item_with_per_item_mutants():
    want = [np.zeros(2), np.ones(3)]
    def question():
        with check("right"):
            assert expect([np.zeros(2), np.ones(3)], "grads").each_close_to(want)
        with check("second item wrong"):
            expect((np.zeros(2), 2 * np.ones(3)), "grads").each_close_to(
                want, mutants={"doubled": [np.zeros(2), 2 * np.ones(3)]})
        with check("too short"):
            expect([np.zeros(2)], "grads").each_close_to(want)
    result = score(question, points=3)
    assert result.score == 1.0
    second, short = result.checks[1], result.checks[2]
    assert "grads[1]" in second.message and "doubled" in second.message
    assert "expected a list of 2 arrays, got a list of length 1" in short.message


def test_a_mutant_given_as_a_function_is_computed_only_for_a_wrong_answer():
    calls = []

    def doubled(z):
        calls.append(1)
        return 2 * z
    z = np.array([1.0, 2.0])

    def question():
        with check("right"):
            expect(z.copy(), "z").close_to(z, mutants={"doubled": lambda: doubled(z)})
        with check("doubled"):
            expect(2 * z, "z").close_to(z, mutants={"doubled": lambda: doubled(z)})
    result = score(question, points=2)
    assert result.score == 1.0 and len(calls) == 1
    assert "This matches a common mistake: doubled" in result.checks[1].message


def test_lazy_list_mutants_run_once_and_an_unavailable_one_names_nothing():
    calls, want = [], [np.zeros(2), np.ones(3)]

    def doubled():
        calls.append(1)
        return [np.ones(2), 2 * np.ones(3)]

    def broken():
        raise StudentError(Failure.ERROR, "the student's function raised")

    def question():
        with check("both items wrong"):
            expect([np.ones(2), 2 * np.ones(3)], "grads").each_close_to(
                want, mutants={"broken": broken, "doubled": doubled, "absent": lambda: None})
    result = score(question, points=1)
    assert len(calls) == 1
    message = result.checks[0].message
    assert "grads[0]" in message and "This matches a common mistake: doubled" in message
    assert "broken" not in message


def test_integers_are_shown_in_full():
    assert "got 0, expected 107612897" in numeric_mismatch(0, 107612897, 0, 0)
    assert "got 1.5, expected 2" in numeric_mismatch(1.5, 2, 0, 0)


@pytest.mark.parametrize("value", [0.5, 3, np.float32(0.5), np.int64(2), np.array(0.5)])
def test_is_number_takes_any_single_real_number(value):
    def question():
        expect(value, "cost").is_number()
    assert score(question, points=1).score == 1.0


@pytest.mark.parametrize("value, shown", [
    (np.array([[0.5]]), "an array of shape (1, 1)"), ([0.5], "a list of length 1"),
    (True, "bool True"), ("0.5", "the string '0.5'"), (None, "None"),
    (np.array(1 + 2j), "an array of shape () and dtype complex128")])
def test_is_number_refuses_arrays_and_other_types_naming_the_rule(value, shown):
    def question():
        with check("the cost"):
            expect(value, "cost").is_number("float(np.sum(r**2))")
    result = score(question)
    assert result.score == 0.0
    assert f"cost: expected a float, got {shown}" in result.feedback
    assert "float(np.sum(r**2))" in result.feedback
    assert result.mistakes == ["cost not returned as the float the text asks for"]
