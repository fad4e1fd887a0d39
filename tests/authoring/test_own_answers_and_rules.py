"""Accepted answers (a later question graded with the student's own earlier function),
errors explained by the rule they break, and rules named by ``verify``."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring import check, error_hint, expect, own_global, own_result, verify
from autograder.authoring.earlier import shaped_like
from autograder.engine.budgets import Budgets
from autograder.engine.checks import recording
from autograder.engine.errors import StudentError
from autograder.engine.results import QuestionResult
from autograder.engine.runtime import NotebookRuntime
from autograder.engine.student import QuestionBudget, Student
from autograder.sandbox.limits import Limits


def graded(func, points=2.0):
    with recording() as rec:
        func()
    return QuestionResult.from_checks("q", points, rec.checks)


def test_an_accepted_value_passes_and_the_label_says_which():
    own = np.array([0.5, 0.25])
    def question():
        with check("forward pass"):
            expect(own.copy(), "A1").close_to(np.array([0.5, 0.3]), accept={
                "what your own sigmoid gives": own})
        with check("layers"):
            expect([1, 3], "layers").equals([1, 2], accept={"your own verdict": [1, 3]})
    result = graded(question)
    assert result.score == 2.0
    assert [c.label for c in result.checks] == [
        "forward pass (accepted: what your own sigmoid gives)",
        "layers (accepted: your own verdict)"]


def test_the_label_names_an_accepted_value_only_when_one_was_used_and_only_an_available_one():
    def question():
        with check("right"):
            expect(np.ones(2)).close_to(np.ones(2), accept={"your own": np.ones(2)})
        with check("wrong"):
            expect(np.zeros(2)).close_to(np.ones(2), accept={"your own": np.ones(2),
                                                            "missing": None})
    right, wrong = graded(question).checks
    assert [right.label, wrong.label] == ["right", "wrong"]
    assert "(Also accepted, and not matched either: your own.)" in wrong.message


def test_an_accepted_value_may_be_computed_only_for_a_wrong_answer():
    calls = []
    def own():
        calls.append(1)
        return np.array([2.0])
    def question():
        with check("right"):
            expect(np.array([1.0])).close_to(np.array([1.0]), accept={"your own": own})
        with check("wrong, but what your own function gives"):
            expect(np.array([2.0])).close_to(np.array([1.0]), accept={"your own": own})
    result = graded(question)
    assert result.score == 2.0 and len(calls) == 1


def test_lists_of_arrays_accept_item_by_item():
    want, own = [np.zeros(2), np.ones(3)], [np.zeros(2), 2 * np.ones(3)]
    def question():
        with check("gradients"):
            expect([np.zeros(2), 2 * np.ones(3)], "dWs").each_close_to(
                want, mutants={"none here": None}, accept={"your own": lambda: own})
        with check("no own value"):
            expect([np.zeros(2), 2 * np.ones(3)], "dWs").each_close_to(
                want, accept={"your own": lambda: None})
    right, wrong = graded(question).checks
    assert right.passed and right.label == "gradients (accepted: your own)"
    assert not wrong.passed and "dWs[1]" in wrong.message


@pytest.mark.parametrize("value, template, shaped", [
    ((np.ones((2, 3)), [1.0, 2.0]), [np.zeros((2, 3)), np.zeros(2)], True),
    ([np.ones((3, 2)), [1.0, 2.0]], [np.zeros((2, 3)), np.zeros(2)], False),
    ([np.ones((2, 3))], [np.zeros((2, 3)), np.zeros(2)], False),
    (np.float64(0.5), 0.0, True), (np.array([0.5]), 0.0, False), (None, 0.0, False),
    ("text", np.zeros(2), False),
])
def test_values_shaped_like_a_template(value, template, shaped):
    got = shaped_like(value, template)
    assert (got is not None) == shaped
    if shaped:
        assert np.shape(got if not isinstance(got, list) else got[0]) == np.shape(
            template if not isinstance(template, list) else template[0])


def test_with_broadcast_a_value_counts_as_the_student_arithmetic_uses_it():
    """b - lr * db takes db as it is wherever it broadcasts against b: one number, or a row
    kept 2-D with keepdims (b then turns 2-D, as in the student's own loop)."""
    got = shaped_like((np.ones((2, 3)), 1.5), (np.zeros((2, 3)), np.zeros(3)), broadcast=True)
    assert got[1] == 1.5 and np.shape(got[1]) == ()
    assert shaped_like([np.ones((1, 3))], [np.zeros(3)], broadcast=True)[0].shape == (1, 3)
    assert shaped_like([np.ones((3, 1))], [np.zeros((3, 2))], broadcast=True)[0].shape == (3, 1)
    assert shaped_like([np.ones(2)], [np.zeros(3)], broadcast=True) is None
    assert shaped_like([1.5], [np.zeros(3)]) is None  # only when asked


def test_a_value_that_matches_nothing_says_so_and_is_still_diagnosed():
    def question():
        with check("case"):
            expect(np.array([2.0, 4.0]), "P").close_to(
                np.array([1.0, 2.0]), mutants={"doubled": np.array([2.0, 4.0])},
                accept={"what your own softmax gives": np.array([1.0, 3.0])})
    [c] = graded(question, 1).checks
    assert not c.passed and c.mistake == "doubled" and c.label == "case"
    assert "(Also accepted, and not matched either: what your own softmax gives.)" \
        in c.message


def test_verify_names_a_broken_rule_only_when_it_fails():
    def question():
        with check("kept"):
            verify(True, "unused", mistake="never")
        with check("broken"):
            verify(False, "return float arrays", "dtype", mistake="booleans returned")
    kept, broken = graded(question).checks
    assert kept.passed and kept.mistake == ""
    assert broken.mistake == "booleans returned" and broken.message == (
        "dtype: return float arrays")


def test_error_hint_explains_an_error_and_names_its_mistake():
    def question():
        with check("stable"), error_hint("use a stable form", "exp overflows",
                                         ["FloatingPointError"]):
            raise StudentError("error", "FloatingPointError: overflow encountered in exp")
        with check("time-outs pass through"), error_hint("unused", "unused"):
            raise StudentError("timeout", "no answer within 3 s")
        with check("other exceptions"), error_hint("unused", "unused", ["FloatingPointError"]):
            raise StudentError("error", "ValueError: operands could not be broadcast")
    stable, slow, other = graded(question, 3).checks
    assert other.message == "ValueError: operands could not be broadcast"
    assert other.mistake == ""
    assert stable.message == ("FloatingPointError: overflow encountered in exp\n"
                              "use a stable form")
    assert stable.mistake == "exp overflows" and stable.kind == "error"
    assert slow.message == "no answer within 3 s" and slow.mistake == ""
    assert graded(question).mistakes == ["exp overflows"]


@pytest.mark.integration  # runs a notebook in the sandbox
def test_error_hint_may_depend_on_a_condition_checked_only_for_an_error():
    asked = []
    def fails_too():
        asked.append(1)
        return len(asked) == 1
    def question():
        with check("uses a failing function"), error_hint("see Question 5", "Question 5",
                                                          when=fails_too):
            raise StudentError("error", "ValueError: shapes (4,3) (4,2)")
        with check("fails by itself"), error_hint("see Question 5", "Question 5",
                                                  when=fails_too):
            raise StudentError("error", "ValueError: shapes (4,3) (4,2)")
        with check("no error"), error_hint("unused", "unused", when=fails_too):
            expect(1.0).close_to(1.0)
    first, second, third = graded(question, 3).checks
    assert first.mistake == "Question 5" and first.message.endswith("see Question 5")
    assert second.mistake == "" and third.passed and len(asked) == 2


def test_own_result_and_own_global_are_none_when_unavailable_and_record_nothing(factory):
    cells = ["import numpy as np\n"
             "def doubled(x):\n    x *= 2\n    return x\n"
             "def broken(x):\n    return 1 / 0\n"
             "EPOCHS, LAM, FLAG = 40, 1e-3, True\n"]
    runtime = NotebookRuntime(factory, Limits(), Budgets(), cells)
    try:
        runtime.run_notebook()
        student = Student(runtime, QuestionBudget(30))
        with recording() as rec:
            x = np.arange(3.0)
            assert np.array_equal(own_result(student, "doubled", x), 2 * x)
            assert own_result(student, "doubled", x, like=np.zeros(3)).dtype == np.float64
            assert own_result(student, "doubled", x, like=np.zeros(4)) is None
            assert own_result(student, "broken", x) is None
            assert own_result(student, "undefined", x) is None
            assert own_global(student, "EPOCHS", int) == 40
            assert own_global(student, "LAM", float) == 1e-3
            assert own_global(student, "LAM", int) is None  # not of the type asked for
            assert own_global(student, "FLAG", int) is None  # a bool is not a setting
            assert own_global(student, "UNDEFINED") is None
        assert rec.checks == [] and np.array_equal(x, np.arange(3.0))
    finally:
        runtime.close()


class _Signatures:
    """A stand-in for the student proxy: the defaults the worker would report."""

    def __init__(self, found):
        self.found = found

    def defaults(self, name):
        return self.found[name]


def test_verify_defaults_names_a_changed_missing_or_removed_default():
    from autograder.authoring import verify_defaults
    from autograder.engine.student import NO_DEFAULT
    student = _Signatures({"ok": {"z": NO_DEFAULT, "alpha": 0.01, "own": 3},
                           "int_for_float": {"alpha": 1}, "changed": {"alpha": 0.1},
                           "removed": {"alpha": NO_DEFAULT}, "renamed": {"a": 0.01},
                           "text": {"cost": "quadratic"}, "flag": {"h": True},
                           "kwargs": {"z": NO_DEFAULT, "**": NO_DEFAULT}})

    def question():
        for name in ("ok", "int_for_float", "changed", "removed", "renamed"):
            with check(name):
                verify_defaults(student, name, alpha=0.01 if name != "int_for_float" else 1.0)
        with check("text"):
            verify_defaults(student, "text", cost="cross_entropy")
        with check("flag"):
            verify_defaults(student, "flag", h=1)
        with check("kwargs"):  # alpha may hide in **kwargs: the calls judge it
            verify_defaults(student, "kwargs", alpha=0.01)
    ok, int_float, changed, removed, renamed, text, flag, kwargs = graded(question, 8).checks
    assert kwargs.passed
    assert ok.passed and int_float.passed
    assert ok.label == "the signature keeps the template's default alpha=0.01; ok"
    assert "the default alpha=0.1 differs from the template's alpha=0.01" in changed.message
    assert "alpha has no default; the template's is alpha=0.01" in removed.message
    assert "has no parameter alpha" in renamed.message
    assert "cost='quadratic' differs from the template's cost='cross_entropy'" in text.message
    assert not flag.passed and changed.mistake == "a default argument differs from the template's"
