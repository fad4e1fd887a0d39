import numpy as np
import pytest

from reference.data import make_separable, make_xor
from reference.perceptron import margin, mistake_bound, perceptron_output, train_perceptron

AND_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def signed_perceptron(X, y, w, b, eta, max_epochs):
    """An independent form: t = 2y - 1 in {-1, +1}, augmented x~ = (x, 1), w~ = (w, b),
    update w~ += eta t x~ on a mistake t w~.x~ < 0 (ties never occur from a random start)."""
    Xa = np.hstack([X, np.ones((len(X), 1))])
    wa = np.append(np.asarray(w, dtype=float), b)
    t = 2 * np.asarray(y) - 1
    history = []
    for _ in range(max_epochs):
        count = 0
        for x, s in zip(Xa, t, strict=True):
            if s * (x @ wa) < 0:
                wa = wa + eta * s * x
                count += 1
        history.append(count)
        if count == 0:
            break
    return wa[:-1], wa[-1], history


def test_output_is_the_heaviside_step_with_h0_equal_to_one():
    X = np.array([[1.0, 2.0], [0.0, 0.0], [-1.0, 0.5]])
    np.testing.assert_array_equal(perceptron_output(X, np.array([1.0, -0.5]), 0.0), [1, 1, 0])


def test_and_by_hand():
    # from w = 0, b = 0, eta = 1: the first sample has a zero net input, so H(0) = 1 is a
    # mistake for the label 0; every step below was worked out by hand
    w, b, mistakes = train_perceptron(AND_X, np.array([0, 0, 0, 1]), np.zeros(2), 0.0)
    assert mistakes == [2, 3, 3, 2, 1, 0]
    np.testing.assert_array_equal(w, [2.0, 1.0])
    assert b == -3.0
    np.testing.assert_array_equal(perceptron_output(AND_X, w, b), [0, 0, 0, 1])


def test_matches_the_signed_form_from_random_starts(rng):
    for n, d, max_epochs in [(12, 2, 50), (30, 5, 40), (9, 3, 7)]:
        X = rng.normal(size=(n, d))
        y = rng.integers(0, 2, size=n)
        w0, b0, eta = rng.normal(size=d), float(rng.normal()), float(rng.uniform(0.1, 2))
        got = train_perceptron(X, y, w0, b0, eta, max_epochs)
        want = signed_perceptron(X, y, w0, b0, eta, max_epochs)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
        assert got[1] == pytest.approx(want[1], rel=1e-12)
        assert got[2] == want[2]


def test_one_sample_at_a_time_in_order(rng):
    # a batch rule (the sum of the epoch's corrections at its end) or another order
    # gives other weights: the order of the rows is part of the rule
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 2, size=10)
    w0, b0 = rng.normal(size=2), 0.3
    w, b, _ = train_perceptron(X, y, w0, b0, 1.0, 1)
    w_rev, b_rev, _ = train_perceptron(X[::-1], y[::-1], w0, b0, 1.0, 1)
    assert not np.allclose(np.append(w, b), np.append(w_rev, b_rev))


def test_arguments_are_not_modified(rng):
    X, y = rng.normal(size=(6, 3)), np.array([0, 1, 0, 1, 1, 0])
    w0 = rng.normal(size=3)
    saved = w0.copy()
    w, _, _ = train_perceptron(X, y, w0, 0.5, 1.0, 5)
    np.testing.assert_array_equal(w0, saved)
    assert w is not w0


@pytest.mark.parametrize("d", [1, 2, 5])
def test_converges_within_novikoffs_bound(d, rng):
    for _ in range(20):
        X, y, w_star, b_star = make_separable(40, d, float(rng.uniform(0.05, 0.3)), rng)
        bound = mistake_bound(X, y, w_star, b_star)
        eta = float(rng.uniform(0.01, 3.0))
        w, b, mistakes = train_perceptron(X, y, np.zeros(d), 0.0, eta, int(bound) + 2)
        assert mistakes[-1] == 0 and all(m > 0 for m in mistakes[:-1])
        assert sum(mistakes) <= bound
        assert margin(X, y, w, b) > 0
        np.testing.assert_array_equal(perceptron_output(X, w, b), y)


def test_the_mistakes_from_zero_do_not_depend_on_eta(rng):
    # from w = 0 every w is eta times a sum of +-x~_i: the signs, hence the mistakes, are
    # the same for every eta > 0
    X, y, _, _ = make_separable(30, 3, 0.1, rng)
    runs = [train_perceptron(X, y, np.zeros(3), 0.0, eta, 500) for eta in (0.5, 1.0, 4.0)]
    assert runs[0][2] == runs[1][2] == runs[2][2]
    np.testing.assert_allclose(runs[2][0], 8 * runs[0][0], rtol=1e-12)


def test_never_converges_on_xor(rng):
    w, b, mistakes = train_perceptron(AND_X, XOR_Y, np.zeros(2), 0.0, 1.0, 30)
    assert len(mistakes) == 30 and min(mistakes) >= 1
    X, y = make_xor(40, rng)
    _, _, mistakes = train_perceptron(X, y, rng.normal(size=2), 0.1, 0.5, 25)
    assert len(mistakes) == 25 and min(mistakes) >= 1


def test_margin_and_bound_known_values():
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0]])
    y = np.array([1, 0, 1])
    # (w*, b*) = (1, 0, 0): margins 1, 1, 2; R = max sqrt(||x||^2 + 1) = sqrt(6)
    assert margin(X, y, np.array([1.0, 0.0]), 0.0) == pytest.approx(1.0)
    assert mistake_bound(X, y, np.array([1.0, 0.0]), 0.0) == pytest.approx(6.0)
    # scaling (w*, b*) changes nothing; a bias tilts the margin in augmented space
    assert mistake_bound(X, y, np.array([3.0, 0.0]), 0.0) == pytest.approx(6.0)
    assert margin(X, y, np.array([1.0, 0.0]), 0.5) == pytest.approx(0.5 / np.sqrt(1.25))


def test_bound_refuses_a_non_separating_vector():
    with pytest.raises(ValueError, match="separate"):
        mistake_bound(AND_X, XOR_Y, np.array([1.0, 1.0]), -0.5)


def test_make_separable(rng):
    for d in (1, 2, 4):
        X, y, w, b = make_separable(50, d, 0.2, rng)
        assert X.shape == (50, d) and y.shape == (50,) and y.dtype == np.int64
        assert np.all(np.abs(X) <= 1) and 0 < y.sum() < 50
        assert np.sqrt(w @ w + b * b) == pytest.approx(1.0)
        assert margin(X, y, w, b) >= 0.2
    with pytest.raises(ValueError):
        make_separable(10, 2, 0.6, rng)
