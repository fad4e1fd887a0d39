"""Expected values are withheld from the feedback text, whatever the numbers, and
nothing else of the message is lost."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.authoring.expect import _pair, exact_mismatch, numeric_mismatch
from autograder.authoring.redact import WITHHELD, redact_expected

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                  elements=FLOATS), st.data())
def test_a_numeric_mismatch_keeps_everything_but_the_expected_value(expected, data):
    got = data.draw(hnp.arrays(np.float64, expected.shape, elements=FLOATS))
    with np.errstate(all="ignore"):
        message = numeric_mismatch(got, expected, 1e-7, 1e-12)
        if message is None:
            return
        bad = np.argwhere(~np.isclose(got, expected, rtol=1e-7, atol=1e-12, equal_nan=True))
    redacted = redact_expected(message)
    index = tuple(int(i) for i in bad[0])
    got_text, exp_text = _pair(got[index], expected[index])
    assert f"expected {WITHHELD}" in redacted
    assert f"expected {exp_text}" not in redacted
    assert f"got {got_text}" in redacted and f"shape {expected.shape}" in redacted
    assert redacted.replace(WITHHELD, exp_text) == message  # only the value was replaced


@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_an_expected_string_is_withheld(got, expected):
    message = exact_mismatch(got, expected)
    if message is None:
        return
    redacted = redact_expected(message)
    assert redacted.startswith(f"expected {WITHHELD}, got ")
    assert repr(expected) not in redacted.removesuffix(repr(got[:60]))


def test_booleans_and_integer_arrays_are_withheld():
    assert redact_expected(exact_mismatch(np.array(0), True)) == \
        f"expected {WITHHELD}, got an array of shape () and dtype int64"
    message = exact_mismatch(np.array([1, 2, 7]), np.array([1, 2, 3]))
    assert "expected 3" in message and "expected 3" not in redact_expected(message)


def test_what_describes_the_task_stays():
    for text in ("expected shape (2, 3), got shape (3, 2)",
                 "expected a tuple (dW, db) of two arrays",
                 "expected (dWs, dbs): two lists of 3 arrays",
                 "expected numbers, got None (did the function return a value?)",
                 "This matches a common mistake: softmax over columns instead of rows."):
        assert redact_expected(text) == text


def test_every_expected_value_of_a_multi_line_feedback_is_withheld():
    text = ("sigmoid'(z) for z of shape (5,): first mismatch at index (2,): got 0.25, "
            "expected 0.19661193 (shape (5,); 3 of 5 entries differ; tolerance rtol=1e-09, "
            "atol=1e-12)\nThis matches a common mistake: sigma instead of sigma'.\n"
            "name: expected 'relu', got the string 'tanh'\n(1 of 3 checks passed)")
    redacted = redact_expected(text)
    assert "0.19661193" not in redacted and "'relu'" not in redacted
    assert redacted.count(WITHHELD) == 2
    assert "got 0.25" in redacted and "sigma instead of sigma'" in redacted
