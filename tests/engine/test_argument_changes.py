"""A graded call must leave its array arguments unchanged: the worker reports changes,
the trusted side fails the check with the argument's name unless the question allows
the change."""

from __future__ import annotations

import time

import numpy as np
import pytest
from notebook_student import graded, running_student

from autograder.authoring.expect import check, expect
from autograder.engine.checks import recording
from autograder.engine.student import _report_arguments

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

CELLS = ['''
import numpy as np

def scale(theta, c):
    theta *= c                      # in place: the caller's array changes
    return theta

def scaled(theta, c):
    return theta * c

def step(params, grads, lr):
    for p, g in zip(params, grads):
        p -= lr * g                 # updates the list of parameters in place
    return params

def update(state, g):
    state["m"] += g
    return state

def total(*arrays):
    arrays[1][0] = 0.0
    return sum(float(a.sum()) for a in arrays)

def by_keyword(x, *, out):
    out[...] = x
    return x

def reshape_in_place(x):
    x.shape = (x.size,)
    return x

def nan_stays_nan(x):
    return x

def constrained(W, r):
    return W if np.all(np.abs(W) <= r) else np.clip(W, -r, r)

def halves(grads):
    return [g[: len(g) // 2] for g in grads]

class Net:
    def __init__(self):
        self.seen = None
    def fit(self, X, Y):
        X.sort(axis=0)              # shuffles the caller's data
        return 1.0

class Sly:
    @property
    def __signature__(self):
        raise RuntimeError("no signature for you")
    def __call__(self, x):
        x[0] = 1.0
        return 0.0

sly = Sly()
''']


@pytest.fixture(scope="module")
def student(factory):
    with running_student(factory, CELLS) as s:
        yield s


def test_a_function_that_changes_its_argument_fails_the_check_with_the_name(student):
    def question():
        with check("scale"):
            got = student.call("scale", np.ones(3), 2.0)
            expect(got).close_to(2 * np.ones(3))
    [result] = graded(question)
    assert not result.passed and result.mistake == "changed an argument in place"
    assert "`scale` changed its argument `theta` in place" in result.message


def test_a_function_that_builds_new_arrays_passes(student):
    def question():
        with check("scaled"):
            expect(student.call("scaled", np.ones(3), 2.0)).close_to(2 * np.ones(3))
        with check("nan"):
            expect(student.call("nan_stays_nan", np.array([np.nan, 1.0]))).close_to(
                np.array([np.nan, 1.0]))
    assert [r.passed for r in graded(question)] == [True, True]


@pytest.mark.parametrize("name, args, kwargs, shown", [
    ("step", ([np.ones(2), np.ones(3)], [np.ones(2), np.ones(3)], 0.1), {}, "`params[0]`"),
    ("update", ({"m": np.zeros(2), "t": 1}, np.ones(2)), {}, "`state['m']`"),
    ("total", (np.ones(2), np.ones(2)), {}, "`arrays[1]`"),
    ("by_keyword", (np.ones(2),), {"out": np.zeros(2)}, "`out`"),
    ("reshape_in_place", (np.ones((2, 2)),), {}, "`x`"),
    ("sly", (np.zeros(2),), {}, "`argument 1`"),  # no readable signature: its position
])
def test_changes_inside_lists_dicts_star_args_and_keywords_are_named(student, name, args,
                                                                      kwargs, shown):
    def question():
        with check(name):
            student.call(name, *args, **kwargs)
            expect(1.0).close_to(1.0)
    [result] = graded(question)
    assert not result.passed and f"changed its argument {shown} in place" in result.message


def test_methods_of_student_objects_are_watched_too(student):
    def question():
        with check("fit"):
            net = student.call("Net")
            expect(net.call("fit", np.array([[3.0], [1.0]]), np.ones(2))).close_to(1.0)
    [result] = graded(question)
    assert "`Net.fit` changed its argument `X` in place" in result.message


def test_a_question_may_allow_changes_to_all_or_to_named_arguments(student):
    params, grads = [np.ones(2)], [np.ones(2)]

    def question():
        with check("everything allowed"):
            student.call("step", params, grads, 0.1, may_change=True)
            expect(1.0).close_to(1.0)
        with check("params allowed by position"):
            student.call("step", params, grads, 0.1, may_change=(0,))
            expect(1.0).close_to(1.0)
        with check("out allowed by keyword"):
            student.call("by_keyword", np.ones(2), out=np.zeros(2), may_change={"out"})
            expect(1.0).close_to(1.0)
        with check("one name alone"):
            student.call("by_keyword", np.ones(2), out=np.zeros(2), may_change="out")
            expect(1.0).close_to(1.0)
        with check("nothing allowed"):
            student.call("step", [np.ones(2)], [np.ones(2)], 0.1, may_change=False)
            expect(1.0).close_to(1.0)
        with check("another argument allowed"):
            student.call("scale", np.ones(2), 2.0, may_change=(1,))
            expect(1.0).close_to(1.0)
    assert [r.passed for r in graded(question)] == [True, True, True, True, False, False]
    assert np.array_equal(params[0], np.ones(2))  # the trusted side's arrays never change


def test_a_function_that_changes_its_argument_again_is_charged_once_per_question(student):
    """The first check whose message is the change fails; later checks of the same
    function pass on that count with a note; another function, or the same function in
    a check that had already failed for another reason, is charged on its own."""
    def question():
        with check("already failed"):
            expect(1.0).close_to(2.0)
            student.call("scale", np.ones(2), 2.0)
        for label in ("first", "again", "once more"):
            with check(label):
                expect(student.call("scale", np.ones(2), 2.0)).close_to(2 * np.ones(2))
        with check("another function"):
            student.call("step", [np.ones(2)], [np.ones(2)], 0.1)
    results = graded(question)
    assert [r.passed for r in results] == [False, False, True, True, False]
    assert "changed its argument `theta` in place" in results[1].message
    assert results[2].note == ("`scale` changed an argument in place in other checks of "
                               "this question too; that is charged once")
    assert "`step` changed its argument `params[0]`" in results[4].message
    # a question of its own charges it again
    assert not graded(lambda: student.call("scale", np.ones(2), 2.0))[0].passed


def test_outside_a_check_block_a_change_is_a_failed_unit_of_its_own(student):
    def question():
        student.call("scale", np.ones(2), 3.0)
    [result] = graded(question)
    assert result.label == "`scale` leaves its arguments unchanged" and not result.passed


@pytest.mark.parametrize("report", [
    "changed", [1, 2], [{"arg": True, "path": ""}], [{"arg": 7, "path": ""}],
    [{"arg": "nope", "path": ""}], [{"arg": 0, "path": "x" * 500}], [{"arg": 0}],
])
def test_a_malformed_or_forged_report_is_ignored(report):
    with recording() as rec:
        _report_arguments("changed", "`f`", report, {0, 1})
    assert rec.checks == []


def test_a_forged_parameter_name_falls_back_to_the_position():
    with recording() as rec:
        _report_arguments("changed", "`f`", [{"arg": 1, "param": "p" * 1000, "path": ""}],
                          {0, 1})
    assert "`argument 2`" in rec.checks[0].message


def test_watching_costs_little(student):
    X = np.random.default_rng(0).normal(size=(1200, 64))  # the size of the digits set

    def timed(**options):
        start = time.perf_counter()
        for _ in range(20):
            student.call("scaled", X, 1.0, **options)
        return (time.perf_counter() - start) / 20

    with recording():
        timed(), timed(may_change=True)  # warm up
        watched = min(timed() for _ in range(3))
        unwatched = min(timed(may_change=True) for _ in range(3))
    # one copy and one comparison next to sending the array both ways
    assert watched < unwatched * 1.5 + 0.002, (watched, unwatched)


def test_with_fresh_a_result_that_is_an_argument_or_a_view_of_it_fails_the_check(student):
    """The text asks for a new array: W itself (when nothing is clipped) or a slice of a
    list's array writes through to the caller; a new array passes."""
    def question():
        with check("inside"):
            expect(student.call("constrained", np.ones(3), 2.0, fresh=True)).close_to(np.ones(3))
        with check("clipped"):
            expect(student.call("constrained", 3 * np.ones(3), 2.0, fresh=True)).close_to(
                2 * np.ones(3))
        with check("views"):
            student.call("halves", [np.ones(4), np.ones(2)], fresh=True)
        with check("not asked"):
            expect(student.call("constrained", np.ones(3), 2.0)).close_to(np.ones(3))
    inside, clipped, views, not_asked = graded(question)
    assert not inside.passed and "`constrained` returned its argument `W` itself" in \
        inside.message and inside.mistake == "returned an argument where a new array is asked"
    assert clipped.passed and not_asked.passed
    assert not views.passed and "returned its argument `grads[0]` itself" in views.message
