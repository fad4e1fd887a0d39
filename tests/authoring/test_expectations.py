"""The SDK's structural and plain checks, and the suite's default tolerance."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring import Tolerance, check, expect, verify
from autograder.engine.checks import DEFAULT_TOLERANCE, recording


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
