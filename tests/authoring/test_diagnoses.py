"""Generic diagnoses: each names its mistake when the relation holds (true positives)
and stays silent on correct values, on values wrong in an unrelated way, and on
degenerate expected values where the relation means nothing (false positives)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from autograder.authoring.diagnoses import diagnose_value, probe
from autograder.authoring.expect import check, expect
from autograder.engine.checks import recording

RTOL, ATOL = 1e-9, 1e-12


def name(got, expected, context=None, probes=()):
    found = diagnose_value(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                           RTOL, ATOL, context, probes)
    return found.name if found else None


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def A(rng):
    return rng.normal(size=(4, 3))


def unrelated(A, rng):
    """A wrong value related to A by nothing: A plus noise."""
    return A + rng.normal(scale=0.3, size=A.shape)


# ---------------------------------------------------------------------------
# nothing to say


def test_correct_values_and_unrelated_mistakes_get_no_diagnosis(A, rng):
    assert name(A, A) is None
    assert name(unrelated(A, rng), A, {"n": 4, "K": 3, "p": 0.3}) is None
    assert name(np.sin(A), A) is None
    assert name(A ** 2, A) is None
    assert name(A + 1.0, A) is None
    v = rng.normal(size=7)
    assert name(np.cumsum(v), v) is None
    assert name(v[::-1] + 0.1, v) is None


@pytest.mark.parametrize("expected", [np.zeros((3, 4)), np.zeros(5), 0.0])
def test_all_zero_expected_values_get_no_factor_sign_or_permutation(expected):
    got = np.ones_like(np.asarray(expected)) * 0.5
    assert name(got, expected, {"n": 2}) is None
    assert name(-np.asarray(expected), expected) is None  # -0 == 0: nothing flipped


# ---------------------------------------------------------------------------
# constant factors


@pytest.mark.parametrize("factor, context, label", [
    (6.0, {"n": 6}, "constant factor n"),
    (1 / 6, {"n": 6}, "constant factor 1/n"),
    (4.0, {"K": 4}, "constant factor K"),
    (1 / 4, {"K": 4}, "constant factor 1/K"),
    (1 / 0.7, {"p": 0.3}, "constant factor 1/(1-p)"),
    (0.7, {"p": 0.3}, "constant factor 1-p"),
    (0.3, {"p": 0.3}, "constant factor p"),
    (2.0, {}, "constant factor 2"),
    (0.5, {}, "constant factor 1/2"),
    (5 / 4, {"n": 5}, "constant factor n/(n-1)"),
    (0.25, {"lr": 0.25}, "constant factor lr"),
])
def test_a_named_factor_names_its_likely_cause(A, factor, context, label):
    assert name(factor * A, A, context) == label
    assert name(factor * 0.37, 0.37, context) == label  # named factors apply to scalars too


def test_the_cause_of_a_factor_is_in_the_message(A):
    found = diagnose_value(6 * A, A, RTOL, ATOL, {"n": 6})
    assert found.message.startswith("This looks like the expected value times 6")
    assert "number of samples" in found.message


def test_any_factor_of_an_informative_array_is_named_with_its_value(A):
    found = diagnose_value(3.7 * A, A, RTOL, ATOL)
    assert found.name == "constant factor" and "times 3.7" in found.message


@pytest.mark.parametrize("expected", [0.37, np.full(5, 2.0), np.array([0.0, 0.0, 3.0])])
def test_an_unnamed_factor_of_a_scalar_or_constant_array_means_nothing(expected):
    assert name(3.7 * np.asarray(expected), expected) is None


def test_a_factor_that_holds_only_roughly_is_not_named(A, rng):
    assert name(2 * A * (1 + 1e-3 * rng.normal(size=A.shape)), A) is None


def test_returning_zeros_is_no_factor(A):
    assert name(np.zeros_like(A), A) is None


# ---------------------------------------------------------------------------
# sign, transpose, shape


def test_a_flipped_sign(A):
    assert name(-A, A) == "sign flipped"
    assert name(-0.4, 0.4) == "sign flipped"


def test_a_transpose_of_a_matrix_that_is_not_symmetric(A, rng):
    assert name(A.T, A) == "transposed"
    S = A[:3] @ A[:3].T  # symmetric: its transpose is itself
    assert name(unrelated(S, rng).T, S) is None
    assert name(unrelated(A, rng).T, A) is None


def test_the_right_values_in_the_wrong_shape(A):
    assert name(A.ravel(), A) == "right values in the wrong shape"
    v = A[0]
    assert name(v[:, None], v) == "right values in the wrong shape"
    assert name(np.ones(6), np.ones((2, 3))) is None  # constant: any shape would do
    assert name(np.float64(0.37), np.array([0.37])) == "right values in the wrong shape"
    assert name(np.zeros(()), np.zeros(1)) is None  # a lone zero says nothing
    assert name(A.ravel()[::-1], A) is None


# ---------------------------------------------------------------------------
# sequences shifted by one step


@pytest.fixture
def costs():
    return 2.0 * 0.8 ** np.arange(8) + np.linspace(0, 0.3, 8) ** 2


@pytest.mark.parametrize("make", [
    lambda c: np.append(c[1:], 0.1),      # one step ahead
    lambda c: np.insert(c[:-1], 0, 5.0),  # one step behind
    lambda c: c[1:],                      # the first value missing
    lambda c: c[:-1],                     # the last value missing
    lambda c: np.append(c, 0.2),          # one value too many at the end
    lambda c: np.insert(c, 0, 3.0),       # one value too many at the start
])
def test_a_sequence_shifted_by_one_step(costs, make):
    assert name(make(costs), costs) == "off by one step"


def test_a_constant_sequence_is_never_shifted():
    flat = np.full(6, 0.25)
    assert name(np.full(5, 0.25), flat) is None
    assert name(np.append(flat[1:], 1.0), flat) is None


def test_a_geometric_sequence_shifted_is_a_shift_not_a_factor():
    seq = 0.5 * 0.9 ** np.arange(6)
    assert name(0.9 * seq, seq) == "off by one step"


# ---------------------------------------------------------------------------
# permutations


def test_rows_in_another_order_and_reversed(A, rng):
    order = np.array([2, 0, 3, 1])
    assert name(A[order], A) == "rows permuted"
    assert name(A[::-1], A) == "rows in reverse order"
    v = rng.normal(size=5)
    assert name(v[[1, 0, 2, 3, 4]], v) == "entries permuted"


def test_repeated_rows_or_entries_are_never_called_permuted(rng):
    labels = np.array([0.0, 1.0, 1.0, 2.0, 0.0])
    assert name(labels[[1, 0, 2, 3, 4]], labels) is None  # a swap of 0 and 1
    one_hot = np.eye(3)[[0, 1, 1, 2]]
    assert name(one_hot[[1, 0, 2, 3]], one_hot) is None
    assert name(np.zeros((3, 2)), np.zeros((3, 2))) is None


def test_a_permutation_with_a_wrong_row_is_not_named(A, rng):
    got = A[[2, 0, 3, 1]].copy()
    got[0] += 1.0
    assert name(got, A) is None


# ---------------------------------------------------------------------------
# nan and inf


def test_values_computed_in_single_precision(A, rng):
    """float32 values of a float64 result are named, but not float32-exact expected values
    (a float32 answer is then right) nor float64 values off by a little more than float32's
    rounding (those are other mistakes)."""
    assert name(A.astype(np.float32), A) == "single precision"
    assert name(np.exp(A.astype(np.float32)), np.exp(A)) == "single precision"
    halves = np.round(A * 2) / 2  # every entry a float32 number already
    assert name(halves.astype(np.float32), halves) is None
    assert name(A + 1e-7 * rng.normal(size=A.shape), A) is None
    assert name((A + 1e-4 * rng.normal(size=A.shape)).astype(np.float32), A) is None


def test_values_rounded_to_a_few_decimals(A):
    """Rounded values are named, with the number of decimals; not values off by a little
    more, values that rounding leaves as they are, nor a single whole number."""
    found = diagnose_value(np.round(A, 3), A, RTOL, ATOL)
    assert found.name == "rounded" and "rounded to 3 decimals" in found.message
    assert name(np.round(A, 1), A) == "rounded"
    assert name(np.round(A, 2) + 1e-9, A) is None
    halves = np.round(A * 2) / 2  # already at one decimal: rounding to more shows nothing
    assert name(np.round(halves, 3), halves) is None
    assert name(np.array(2.0), np.array(2.4)) is None  # one whole number: a coincidence
    assert name(np.array(0.67), np.array(2 / 3)) == "rounded"


def test_nan_or_inf_where_the_value_is_finite(A):
    got = A.copy()
    got[1, 2] = np.nan
    found = diagnose_value(got, A, RTOL, ATOL)
    assert found.name == "nan or inf where the value is finite"
    assert "index (1, 2)" in found.message and found.message.startswith("This looks like")
    got[1, 2] = np.inf
    assert name(got, A) == "nan or inf where the value is finite"


def test_nan_where_nan_is_expected_is_no_overflow(A, rng):
    expected = A.copy()
    expected[0, 0] = np.nan
    got = unrelated(A, rng)
    got[0, 0] = np.nan
    assert name(got, expected) is None


# ---------------------------------------------------------------------------
# hard-coded results and ignored arguments (a second input/output pair)


def test_the_same_result_for_other_inputs_is_hard_coded(A, rng):
    B = rng.normal(size=(4, 3))
    assert name(B, A, probes=[probe(B, 2 * B)]) == "hard-coded result"


def test_a_result_that_does_not_follow_an_argument(A, rng):
    wrong = unrelated(A, rng)
    found = diagnose_value(wrong, A, RTOL, ATOL, probes=[probe(wrong, A + 1, changed="h")])
    assert found.name == "argument h ignored" and "`h`" in found.message


def test_probes_stay_silent_when_the_result_follows_the_inputs(A, rng):
    wrong = unrelated(A, rng)
    assert name(wrong, A, probes=[probe(wrong + 1, A + 1)]) is None
    # the argument does not matter for these inputs: the expected value did not change
    assert name(wrong, A, probes=[probe(wrong, A.copy(), changed="h")]) is None


# ---------------------------------------------------------------------------
# through expect(): the message, the mistake name, mutants first, secrets


def run(func):
    with recording() as rec:
        func()
    return rec.checks


def test_expect_appends_the_diagnosis_and_records_its_name(A):
    def question():
        with check("dW", context={"n": 6}):
            expect(6 * A, "dW").close_to(A, RTOL, ATOL)
    [result] = run(question)
    assert result.mistake == "constant factor n"
    assert "first mismatch" in result.message and "This looks like" in result.message


def test_a_suite_mutant_wins_over_a_generic_diagnosis(A):
    def question():
        expect(-A).close_to(A, RTOL, ATOL, mutants={"the error is y - a, not a - y": -A})
    [result] = run(question)
    assert result.mistake == "the error is y - a, not a - y"
    assert "This matches a common mistake" in result.message


def test_the_comparison_context_adds_to_the_block_context(A):
    def question():
        with check("grads", context={"n": 6}):
            expect(4 * A).close_to(A, RTOL, ATOL, context={"K": 4})
    assert run(question)[0].mistake == "constant factor K"


def test_a_secret_answer_is_neither_shown_nor_related_to():
    def question():
        expect(1, "BUGGY_LAYER").equals(2, secret=True)
        expect(0.5, "ratio").close_to(1.0, RTOL, ATOL, secret=True)
        expect(np.array([1, 2]), "layers").equals(np.array([2, 4]), secret=True)
        expect(np.array([1, 2]), "layers").equals(np.array([2, 4]))  # not secret
    results = run(question)
    assert [r.message for r in results[:3]] == [
        "BUGGY_LAYER: got 1, which is not the answer",
        "ratio: got 0.5, which is not the answer",
        "layers: got an array of shape (2,) and dtype int64, which is not the answer"]
    assert [r.mistake for r in results] == ["", "", "", "constant factor 1/2"]
    assert "expected 2" in results[3].message


def test_a_diagnosis_that_fails_costs_nothing(A, monkeypatch):
    expect_module = importlib.import_module("autograder.authoring.expect")

    def broken(*args, **kwargs):
        raise ValueError("a bug in a diagnosis")

    monkeypatch.setattr(expect_module, "diagnose_value", broken)

    def question():
        with check("right"):
            expect(A).close_to(A, RTOL, ATOL)
        with check("wrong"):
            expect(2 * A).close_to(A, RTOL, ATOL)
    right, wrong = run(question)
    assert right.passed and not wrong.passed and "first mismatch" in wrong.message
    assert wrong.mistake == "" and wrong.kind == "mismatch"


@pytest.mark.parametrize("got", [np.ones((3, 4)), np.ones((4, 3)), np.ones(12),
                                 np.arange(12.0).reshape(3, 4), np.full((3, 4), np.nan)])
def test_no_rule_but_overflow_speaks_for_an_all_zero_expected_value(got):
    expected = np.zeros((3, 4))
    found = name(got, expected, {"n": 3, "K": 4, "p": 0.5})
    assert found is None or (found.startswith("nan") and np.isnan(got).any())


def test_a_sequence_shifted_and_also_wrong_is_not_called_shifted(costs, rng):
    noisy = np.append(costs[1:], 0.1) + rng.normal(scale=1e-3, size=len(costs))
    assert name(noisy, costs) is None
    assert name(np.append(costs[2:], [0.1, 0.2]), costs) is None  # shifted by two
