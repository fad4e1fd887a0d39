"""The SDK's structural and plain checks, and the suite's default tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring import (
    Tolerance,
    arrays,
    check,
    degenerate,
    expect,
    fail,
    numbers,
    rests_on,
    verify,
)
from autograder.engine.checks import DEFAULT_TOLERANCE, recording, refuse_trivial


def checks(func, tolerance=DEFAULT_TOLERANCE):
    with recording(tolerance) as rec:
        func()
    return rec.checks


@pytest.mark.parametrize("value, shape, dtype, problem", [
    (np.zeros((2, 3)), None, None, None),
    (np.zeros((2, 3)), (2, 3), float, None),
    (np.zeros((2, 3)), (None, 3), np.floating, None),
    (np.arange(3), (3,), np.integer, None),
    ([0.0, 1.0], None, None, "expected a NumPy array, got a list of length 2"),
    (None, (2,), None,
     "expected a NumPy array, got None (did the function return a value?)"),
    (np.zeros((3, 2)), (2, 3), None, "expected an array of shape (2, 3), got shape (3, 2)"),
    (np.zeros(3), (None, 3), None, "expected an array of shape (any, 3), got shape (3,)"),
    (np.zeros(3), (4,), None, "expected an array of shape (4,), got shape (3,)"),
    (np.arange(3), None, np.floating, "expected an array of dtype floating, got dtype int64"),
    (np.zeros(2), None, np.integer, "expected an array of dtype integer, got dtype float64"),
])
def test_is_array_checks_type_shape_and_dtype(value, shape, dtype, problem):
    [result] = checks(lambda: expect(value, "Z").is_array(shape, dtype))
    assert result.passed == (problem is None)
    if problem:
        assert result.message == f"Z: {problem}"


@pytest.mark.parametrize("value, shape, problem", [
    ([[1, 2], [3, 4]], (2, 2), None),
    (0.5, None, None),
    (np.zeros(3), (3, 1), "w: expected shape (3, 1), got an array of shape (3,)"),
    ("0.5", None, "w: expected numbers, got the string '0.5'"),
    ([1.0, None], None, "w: got a list of length 2 holding None"),
])
def test_numbers_gives_floats_or_fails_the_check_naming_the_value(value, shape, problem):
    got = []
    def question():
        with check("case"):
            got.append(numbers(value, "w", shape))
            verify(True, "unused")
    [result] = checks(question)
    assert result.passed == (problem is None)
    if problem:
        assert result.message.startswith(problem) and not got
    else:
        assert got[0].dtype == np.float64 and np.array_equal(got[0], np.asarray(value))


def test_arrays_reads_a_list_of_arrays_or_fails_the_check():
    got = []
    def question():
        with check("good"):
            got.extend(arrays((np.eye(2), [1, 2]), "weights"))
            verify(True, "unused")
        with check("bad"):
            arrays(np.eye(2), "weights")
    good, bad = checks(question)
    assert good.passed and [a.shape for a in got] == [(2, 2), (2,)]
    assert not bad.passed and bad.message.startswith("weights should be a list of arrays")


def test_verify_is_a_plain_condition_with_its_message():
    def question():
        with check("plot"):
            verify(True, "unused")
            verify(2 > 3, "expected axes with 7 lines", "figures")
        verify(1 < 2, "unused")
    first, second = checks(question)
    assert not first.passed and first.message == "figures: expected axes with 7 lines"
    assert second.passed


def test_close_to_without_tolerances_uses_the_suites_default():
    strict = Tolerance(1e-12, 0.0, "a test of the default")
    loose = Tolerance(1e-3, 0.0, "a test of the default")
    def question():
        with check("default"):
            expect(1.0 + 1e-6).close_to(1.0)
        with check("default, item by item"):
            expect([1.0 + 1e-6]).each_close_to([1.0])
        with check("an explicit tolerance wins"):
            expect(1.0 + 1e-6).close_to(1.0, rtol=1e-5)
        with check("the tolerance not given stays the default"):
            expect(1e-6).close_to(0.0, rtol=1e-5)
    assert [c.passed for c in checks(question, strict)] == [False, False, True, False]
    assert [c.passed for c in checks(question, loose)] == [True, True, True, False]
    assert "rtol=1e-12" in checks(question, strict)[0].message


def test_a_tolerance_must_state_its_reason():
    with pytest.raises(ValueError, match="reason"):
        Tolerance(1e-9, 1e-12, " ")
    with pytest.raises(ValueError, match=">= 0"):
        Tolerance(-1.0, 0.0, "negative")


def test_a_list_holding_none_is_refused_not_read_as_nan():
    from autograder.authoring.expect import numeric_mismatch
    problem = numeric_mismatch([1.0, None], np.array([1.0, np.nan]), 1e-9, 0.0)
    assert problem and "holding None" in problem
    assert "holding None" in numeric_mismatch([[0.5], [None]], np.ones((2, 1)), 1e-9, 0.0)


def test_close_to_accepts_the_alternatives_it_is_given():
    calls = []

    def own():
        calls.append(1)
        return np.array([2.0, 4.0])

    def question():
        with check("the expected value"):
            expect(np.array([1.0, 2.0])).close_to(np.array([1.0, 2.0]), accept={"own": own})
        with check("an accepted alternative"):
            expect(np.array([2.0, 4.0])).close_to(np.array([1.0, 2.0]), accept={
                "unavailable": None, "with your own f": own})
        with check("neither"):
            expect(np.array([3.0, 4.0]), "y").close_to(
                np.array([1.0, 2.0]), mutants={"tripled the first": np.array([3.0, 2.0]),
                                               "plus two": np.array([3.0, 4.0])},
                accept={"with your own f": own})
    right, alternative, wrong = checks(question)
    assert right.passed and alternative.passed and not wrong.passed
    assert len(calls) == 2  # only evaluated where the value is not the expected one
    assert "(Also accepted, and not matched either: with your own f.)" in wrong.message
    assert wrong.mistake == "plus two"  # the suite's mutants still name the mistake


def test_an_alternative_whose_student_call_fails_is_unavailable():
    from autograder.engine.errors import StudentError

    def broken():
        raise StudentError("error", "NameError: name 'f' is not defined")

    def fatal():
        raise StudentError("timeout", "the call took too long", fatal=True)

    def question():
        with check("broken"):
            expect(2.0).close_to(1.0, accept={"own": broken})
        with check("fatal"):
            expect(2.0).close_to(1.0, accept={"own": fatal})
    broken_check, fatal_check = checks(question)
    assert not broken_check.passed and "got 2, expected 1" in broken_check.message
    assert not fatal_check.passed and fatal_check.message == "the call took too long"


def test_each_close_to_accepts_alternatives_item_by_item():
    own = [np.array([2.0]), np.array([4.0])]

    def question():
        with check("own"):
            expect([np.array([2.0]), np.array([3.0])], "dWs").each_close_to(
                [np.array([1.0]), np.array([3.0])], accept={"your own": lambda: own})
        with check("unavailable"):
            expect([np.array([2.0])], "dWs").each_close_to([np.array([1.0])],
                                                           accept={"your own": None})
    own_check, unavailable = checks(question)
    assert own_check.passed
    assert not unavailable.passed and "not matched either" not in unavailable.message


def test_verify_may_name_the_broken_rule():
    def question():
        with check("type"):
            verify(False, "return a Python float", "result", mistake="not a Python float")
        with check("plain"):
            verify(False, "no legend")
    named, plain = checks(question)
    assert named.mistake == "not a Python float" and plain.mistake == ""


def test_a_note_follows_the_feedback_whether_the_check_passes_or_not():
    from autograder.authoring import note
    from autograder.engine.results import QuestionResult

    def question():
        with check("run_valley('adam', ...)"):
            note("judged with your own adam_step; run_valley itself is right")
            verify(True, "unused")
        with check("run_valley('gd', ...)"):
            note("judged with your own gd_step")
            verify(False, "the costs differ")
    good, bad = checks(question)
    assert good.passed and good.note.startswith("judged with your own adam_step")
    assert not bad.passed and bad.message == "the costs differ"
    feedback = QuestionResult.from_checks("q4", 3, [good]).feedback
    assert feedback == ("All 1 checks passed.\nNote: judged with your own adam_step; "
                        "run_valley itself is right")
    feedback = QuestionResult.from_checks("q4", 3, [good, bad]).feedback
    assert feedback.startswith("run_valley('gd', ...): the costs differ\n(1 of 2 checks")
    assert feedback.endswith("Note: judged with your own gd_step")
    feedback = QuestionResult.from_checks("q4", 3, [good, good]).feedback
    assert feedback.count("Note: judged with your own adam_step") == 1  # once per question
    with pytest.raises(RuntimeError, match="inside a check"), recording():
        note("outside")


def test_a_string_answer_is_matched_to_a_named_mistake():
    def question():
        with check("solver"):
            expect("adam", "solver").equals("lbfgs", mutants={
                "an array, not a string": np.arange(3), "the default solver": "adam"})
    [result] = checks(question)
    assert not result.passed and "This matches a common mistake: the default solver" in \
        result.message


def _question(func):
    """The checks of one question, after the question-level rule on trivial passes."""
    found = checks(func)
    refuse_trivial(found)
    return found


STUB = np.zeros(3)  # what a stub of the right shape returns
WANT = np.array([0.5, -1.0, 2.0])


def _stub_answers(right_somewhere: bool):
    with check("where the answer is zero"):
        expect(STUB, "std at rate 0").close_to(np.zeros(3))
    with check("as your own earlier function leads to"):
        expect(STUB, "mean").close_to(WANT, accept={"your own forward": np.zeros(3)})
    with check("a value with something to it"):
        expect(WANT if right_somewhere else STUB, "cost").close_to(WANT)


def test_a_stub_gets_no_point_for_trivial_values_where_nothing_else_is_right():
    found = _question(lambda: _stub_answers(right_somewhere=False))
    assert [c.passed for c in found] == [False, False, False]
    assert "empty, zero or NaN, as a stub's would be" in found[0].message
    assert "matches only an accepted alternative (your own forward)" in found[1].message


def test_an_answer_right_somewhere_keeps_its_trivial_and_accepted_passes():
    assert [c.passed for c in _question(lambda: _stub_answers(right_somewhere=True))] == \
        [True, True, True]


def test_a_question_whose_values_are_all_trivial_keeps_its_passes():
    def all_trivial():
        with check("no layer is wrong"):
            expect([], "wrong layers").equals([])
        with check("zero at rate 0"):
            expect(STUB, "std").close_to(np.zeros(3))
    assert [c.passed for c in _question(all_trivial)] == [True, True]


def test_an_informative_accepted_alternative_is_kept_but_shows_nothing_by_itself():
    def judged_with_own():
        with check("as your own earlier function leads to"):
            expect(WANT * 2, "mean").close_to(WANT, accept={"your own forward": WANT * 2})
        with check("zero at rate 0"):
            expect(STUB, "std").close_to(np.zeros(3))
    found = _question(judged_with_own)
    assert found[0].passed and not found[0].shown
    assert not found[1].passed  # the question matched nothing informative directly


PLACEHOLDER = "out = x is what a placeholder returning its input gives"


def _supported(own_function_right: bool, own_function_ran: bool = True):
    with check("rate 0: out = x", supporting=PLACEHOLDER):
        expect(WANT, "out").close_to(WANT)  # a stub that returns x gets this right
    with check("the question's own computation"):
        if not own_function_ran:
            fail("dropout_forward(...) gave None")
        expect(WANT if own_function_right else -WANT, "out").close_to(WANT)


def test_a_supporting_pass_counts_only_beside_a_right_answer():
    assert [c.passed for c in _question(lambda: _supported(True))] == [True, True]
    for ran in (True, False):  # a wrong answer, or a stub that fails before any comparison
        found = _question(lambda ran=ran: _supported(False, own_function_ran=ran))
        assert [c.passed for c in found] == [False, False]
        assert found[0].message == (f"{PLACEHOLDER}, and no other check of this question "
                                    "passed, so it does not count")


def test_a_supporting_check_does_not_vouch_for_a_trivial_pass_nor_a_trivial_pass_for_it():
    def question():
        with check("zero at rate 0"):
            expect(STUB, "std").close_to(np.zeros(3))
        with check("inference: out = x", supporting=PLACEHOLDER):
            expect(WANT, "out").close_to(WANT)
    assert [c.passed for c in _question(question)] == [False, False]


@pytest.mark.parametrize("value, is_degenerate", [
    ([], True), (None, True), ([np.nan, np.nan], True), (np.zeros((2, 3)), True),
    ([3.0, 3.0, 3.0], True), ([np.zeros((2, 2)), np.zeros(3)], True),
    ((np.full((2, 2), 0.1), [0.1]), True),
    (0.0, True), ([3.0], False), (0.25, False), ([1.0, 2.0], False),
    ([np.zeros((2, 2)), np.ones(3)], False), ("abc", False), ([np.zeros(2), "x"], False),
])
def test_degenerate_values_compute_nothing_of_their_input(value, is_degenerate):
    assert degenerate(value) is is_degenerate


GRADS = [np.zeros((2, 3)), np.zeros(3)]  # what a stub gradient function gives


def _judged_with_own_gradients(grads):
    with check("sgd_step, judged with your own gradients"):
        rests_on("your own gradients", grads)
        own = WANT - 0.1 * grads[1]  # the step the student's own gradients lead to
        expect(own, "biases").close_to(own)


def test_a_check_resting_on_degenerate_own_values_fails_even_beside_a_right_value():
    def question():
        _judged_with_own_gradients(GRADS)
        with check("a value with something to it"):
            expect(WANT, "cost").close_to(WANT)
    found = _question(question)
    assert [c.passed for c in found] == [False, True]
    assert found[0].message.startswith("this rests on your own gradients, which are empty, "
                                       "zero, NaN or one number repeated here")


def test_a_check_resting_on_own_values_that_vary_counts_as_any_other():
    def question():
        _judged_with_own_gradients([np.zeros((2, 3)), np.array([1.0, 2.0, 3.0])])
        with check("zero at rate 0"):
            expect(STUB, "std").close_to(np.zeros(3))
    assert [c.passed for c in _question(question)] == [True, True]


@pytest.mark.parametrize("table, kept", [(np.full((3, 2), 0.7), False),
                                         (np.array([[0.7, 0.2], [0.1, 0.4]]), True)])
def test_a_condition_of_degenerate_values_does_not_count(table, kept):
    [found] = _question(lambda: verify(table.min() >= 0, "negative entries", "the table",
                                       of=table))
    assert found.passed is kept
    if not kept:
        assert "the table holds here only for values that are empty, zero, NaN or one number " \
               "repeated" in found.message


def test_a_form_alone_of_a_zero_value_counts_only_beside_a_right_value():
    def question(right: bool):
        with check("db is a float"):
            expect(0.0, "db").is_number()
        with check("the cost"):
            expect(WANT if right else STUB, "cost").close_to(WANT)
    assert [c.passed for c in _question(lambda: question(False))] == [False, False]
    assert [c.passed for c in _question(lambda: question(True))] == [True, True]


def test_an_alternative_of_one_number_repeated_is_refused_where_the_answer_varies():
    uniform = np.full(3, 1 / 3)  # what a forward pass that ignores its weights leads to
    def question(expected):
        with check("as your own earlier function leads to"):
            expect(uniform, "mean").close_to(expected, accept={"your own forward": uniform})
        with check("the std"):
            expect(STUB, "std").close_to(WANT)
    assert [c.passed for c in _question(lambda: question(WANT))] == [False, False]
    assert [c.passed for c in _question(lambda: question(np.full(3, 0.3)))][0]
