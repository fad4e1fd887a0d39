import math
import warnings

import numpy as np
import pytest

from reference import losses as L
from reference.activations import softmax
from reference.gradcheck import numerical_gradient, relative_error


def check_grad(cost, grad, a, y):
    numeric = numerical_gradient(lambda v: cost(v, y), a)
    analytic = grad(a, y)
    assert analytic.shape == np.shape(a)
    assert relative_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("shape", [(6, 3), (7,), ()])
def test_quadratic_grad(shape, rng):
    check_grad(L.quadratic, L.quadratic_grad, rng.normal(size=shape), rng.normal(size=shape))


@pytest.mark.parametrize("shape", [(6, 3), (7,), ()])
def test_binary_cross_entropy_grad(shape, rng):
    a = rng.uniform(0.05, 0.95, size=shape)
    y = rng.uniform(0.0, 1.0, size=shape)
    check_grad(L.binary_cross_entropy, L.binary_cross_entropy_grad, a, y)


@pytest.mark.parametrize("shape", [(6, 4), (4,)])
def test_categorical_cross_entropy_grad(shape, rng):
    p = softmax(rng.normal(size=shape))
    y = L.one_hot(rng.integers(0, 4, size=shape[:-1]), 4)
    check_grad(L.categorical_cross_entropy, L.categorical_cross_entropy_grad, p, y)


@pytest.mark.parametrize("shape", [(6, 4), (4,)])
def test_softmax_cross_entropy_grad(shape, rng):
    z = rng.normal(scale=2.0, size=shape)
    y = L.one_hot(rng.integers(0, 4, size=shape[:-1]), 4)
    check_grad(L.softmax_cross_entropy, L.softmax_cross_entropy_grad, z, y)


def test_softmax_cross_entropy_grad_soft_targets(rng):
    z = rng.normal(size=(5, 3))
    y = softmax(rng.normal(size=(5, 3)))  # rows sum to 1
    check_grad(L.softmax_cross_entropy, L.softmax_cross_entropy_grad, z, y)


def test_quadratic_conventions():
    # sum over outputs, mean over rows
    a = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]])
    assert L.quadratic(a, np.zeros((2, 3))) == pytest.approx(0.5 * (1 + 4 + 9) / 2)
    # 1-D: n samples with one output each
    assert L.quadratic(np.array([1.0, 2.0, 3.0]), np.zeros(3)) == pytest.approx(0.5 * 14 / 3)
    assert L.quadratic(3.0, 1.0) == 2.0
    np.testing.assert_allclose(L.quadratic_grad(a, np.zeros((2, 3))), a / 2)


# C(y, a) = -[y ln a + (1 - y) ln(1 - a)], worked by hand from ln 0.1 = -2.302585093,
# ln 0.2 = -1.609437912, ln 0.3 = -1.203972804, ln 0.4 = -0.916290732,
# ln 0.6 = -0.510825624, ln 0.7 = -0.356674944, ln 0.8 = -0.223143551, ln 0.9 = -0.105360516.
HAND_TABLE = [
    (0.2, 0.1, 0.2 * 2.302585093 + 0.8 * 0.105360516),  # 0.544805432
    (0.2, 0.9, 0.2 * 0.105360516 + 0.8 * 2.302585093),  # 1.863140177
    (0.4, 0.9, 0.4 * 0.105360516 + 0.6 * 2.302585093),  # 1.423695262
    (0.7, 0.1, 0.7 * 2.302585093 + 0.3 * 0.105360516),  # 1.643417720
    (0.7, 0.5, 0.693147181),
    (0.4, 0.6, 0.4 * 0.510825624 + 0.6 * 0.916290732),  # 0.753104689
]


@pytest.mark.parametrize(("y", "a", "expected"), HAND_TABLE)
def test_cross_entropy_table_entries(y, a, expected):
    assert L.binary_cross_entropy(a, y) == pytest.approx(expected, rel=1e-8)
    assert L.binary_cross_entropy(np.array([a]), np.array([y])) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize(
    ("y", "entropy"), [(0.2, 0.500402423), (0.4, 0.673011667), (0.7, 0.610864302)]
)
def test_cross_entropy_table_minimum_is_the_binary_entropy(y, entropy):
    grid = np.linspace(0.1, 0.9, 9)
    row = np.array([L.binary_cross_entropy(a, y) for a in grid])
    np.testing.assert_array_equal(row, -(y * np.log(grid) + (1 - y) * np.log(1 - grid)))
    assert grid[np.argmin(row)] == pytest.approx(y, abs=1e-12)
    assert row.min() == pytest.approx(L.binary_entropy(y), rel=1e-12)
    assert L.binary_entropy(y) == pytest.approx(entropy, rel=1e-8)


def test_binary_entropy_endpoints_and_shape():
    np.testing.assert_array_equal(L.binary_entropy(np.array([0.0, 1.0])), [0.0, 0.0])
    assert L.binary_entropy(0.5) == pytest.approx(math.log(2), rel=1e-15)
    assert L.binary_entropy(np.full((2, 3), 0.3)).shape == (2, 3)


def test_binary_cross_entropy_mean_over_rows_sum_over_outputs():
    a = np.array([[0.1, 0.5], [0.9, 0.5]])
    y = np.array([[0.2, 0.7], [0.4, 0.7]])
    expected = (HAND_TABLE[0][2] + 0.693147181 + HAND_TABLE[2][2] + 0.693147181) / 2
    assert L.binary_cross_entropy(a, y) == pytest.approx(expected, rel=1e-8)


def test_binary_cross_entropy_saturated_outputs_stay_finite():
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert L.binary_cross_entropy(np.array([0.0]), np.array([1.0])) == pytest.approx(
            -math.log(L.EPS)
        )
        assert L.binary_cross_entropy(np.array([1.0]), np.array([1.0])) < 1e-11
        assert np.all(
            np.isfinite(L.binary_cross_entropy_grad(np.array([0.0, 1.0]), np.array([1.0, 0.0])))
        )


def test_categorical_cross_entropy_value():
    p = np.array([[0.7, 0.2, 0.1], [0.25, 0.25, 0.5]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert L.categorical_cross_entropy(p, y) == pytest.approx(
        -(math.log(0.7) + math.log(0.5)) / 2, rel=1e-14
    )
    assert L.categorical_cross_entropy(p[0], y[0]) == pytest.approx(-math.log(0.7), rel=1e-14)
    # a zero probability on a zero target contributes nothing
    assert L.categorical_cross_entropy(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0


def test_softmax_cross_entropy_matches_categorical_on_softmax(rng):
    z = rng.normal(size=(8, 5))
    y = L.one_hot(rng.integers(0, 5, size=8), 5)
    assert L.softmax_cross_entropy(z, y) == pytest.approx(
        L.categorical_cross_entropy(softmax(z), y), rel=1e-13
    )


def test_softmax_cross_entropy_stable_at_large_logits():
    z = np.array([[1e4, -1e4, 0.0], [5e3, 5e3, -1e4]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        cost = L.softmax_cross_entropy(z, y)
        grad = L.softmax_cross_entropy_grad(z, y)
    assert cost == pytest.approx((2e4 + math.log(2)) / 2, rel=1e-15)
    np.testing.assert_array_equal(grad, [[0.5, -0.5, 0.0], [-0.25, 0.25, 0.0]])


def test_one_hot():
    Y = L.one_hot(np.array([2, 0, 1, 2]), 3)
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype == np.float64
    assert L.one_hot(np.array([], dtype=int), 3).shape == (0, 3)
    with pytest.raises(ValueError, match="labels must lie in 0..2"):
        L.one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError):
        L.one_hot(np.array([-1]), 3)
