"""A graded call may be forbidden to draw random numbers (``no_draws=True``): the worker
snapshots the state of every generator it built from ``student.rng(seed)`` and reports
the ones the call drew from; the trusted side fails the check, naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
from notebook_student import graded, running_student

from autograder.authoring.expect import check, expect
from autograder.engine.checks import recording
from autograder.engine.student import _report_arguments

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

CELLS = ['''
import numpy as np

def dropout(x, rate, rng, training=True):
    u = rng.random(x.shape)         # drawn even at inference
    return x * (u >= rate) / (1 - rate) if training else x

def careful(x, rate, rng, training=True):
    return x * (rng.random(x.shape) >= rate) / (1 - rate) if training else x

def nested(x, options):
    options["rng"].normal()
    return x

def spawned(x, rng):
    rng.spawn(1)                    # a new child generator: the parent's state is unchanged
    return x

GLOBAL = np.random.default_rng(0)

def own_generator(x, rng):
    GLOBAL.random()                 # a generator that the call was not given
    return x

class Layer:
    def apply(self, x, rng):
        rng.integers(10)
        return x
''']


@pytest.fixture(scope="module")
def student(factory):
    with running_student(factory, CELLS) as s:
        yield s


def test_a_draw_fails_the_check_and_names_the_argument(student):
    x = np.ones((2, 3))

    def question():
        with check("dropout at inference"):
            got = student.call("dropout", x, 0.5, student.rng(3), training=False,
                               no_draws=True)
            expect(got).close_to(x)
    [result] = graded(question)
    assert not result.passed
    assert result.mistake == "drew random numbers where none may be drawn"
    assert "`dropout` drew random numbers from its argument `rng`" in result.message


def test_no_draw_passes_and_draws_are_allowed_by_default(student):
    x = np.ones((2, 3))

    def question():
        with check("careful at inference"):
            got = student.call("careful", x, 0.5, student.rng(3), training=False,
                               no_draws=True)
            expect(got).close_to(x)
        with check("dropout in training, draws allowed"):
            got = student.call("dropout", x, 0.0, student.rng(3))
            expect(got).close_to(x)
        with check("a generator that was not passed is not watched"):
            expect(student.call("own_generator", x, student.rng(1), no_draws=True)).close_to(x)
        with check("spawning children leaves the generator's own state as it was"):
            expect(student.call("spawned", x, student.rng(1), no_draws=True)).close_to(x)
    assert [r.passed for r in graded(question)] == [True, True, True, True]


@pytest.mark.parametrize("call, shown", [
    (lambda s: s.call("nested", np.ones(2), {"rng": s.rng(5)}, no_draws=True),
     "`nested` drew random numbers from its argument `options['rng']`"),
    (lambda s: s.call("Layer").call("apply", np.ones(2), rng=s.rng(5), no_draws=True),
     "`Layer.apply` drew random numbers from its argument `rng`"),
])
def test_generators_inside_dicts_and_methods_of_objects_are_watched(student, call, shown):
    def question():
        with check("draws"):
            call(student)
            expect(1.0).close_to(1.0)
    [result] = graded(question)
    assert not result.passed and shown in result.message


@pytest.mark.parametrize("report", [
    "drew", [1, 2], [{"arg": True, "path": ""}], [{"arg": 7, "path": ""}],
    [{"arg": "nope", "path": ""}], [{"arg": 0, "path": "x" * 500}], [{"arg": 0}],
])
def test_a_malformed_or_forged_report_is_ignored(report):
    with recording() as rec:
        _report_arguments("drew", "`f`", report, {0, 1})
    assert rec.checks == []
