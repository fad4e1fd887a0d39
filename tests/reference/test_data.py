import numpy as np
import pytest

from reference import data


def test_digits_split_shapes_and_scaling():
    X_train, X_test, y_train, y_test = data.load_digits_split(0.2, np.random.default_rng(0))
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert y_train.shape == (1437,) and y_test.shape == (360,)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    X = np.vstack([X_train, X_test])
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(np.unique(X * 16)) <= set(range(17))  # pixel counts 0..16, divided by 16
    assert set(np.unique(y_test)) == set(range(10))


def test_digits_split_is_a_partition():
    from sklearn.datasets import load_digits

    X_train, X_test, y_train, y_test = data.load_digits_split(0.25, np.random.default_rng(1))
    assert len(X_test) == 450  # ceil(0.25 * 1797)
    full = load_digits()
    rows = np.vstack([X_train, X_test]) * 16
    labels = np.concatenate([y_train, y_test])
    order = np.lexsort(np.column_stack([rows, labels]).T)
    ref_order = np.lexsort(np.column_stack([full.data, full.target]).T)
    np.testing.assert_array_equal(rows[order], full.data[ref_order])
    np.testing.assert_array_equal(labels[order], full.target[ref_order])


def test_digits_split_reproducible():
    a = data.load_digits_split(0.2, rng=np.random.default_rng(7))
    b = data.load_digits_split(0.2, rng=np.random.default_rng(7))
    c = data.load_digits_split(0.2, rng=np.random.default_rng(8))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[3], c[3])


def test_digits_split_requires_rng():
    with pytest.raises(TypeError, match="rng"):
        data.load_digits_split(0.2)


def test_blobs(rng):
    X, y = data.make_blobs_classification(300, 4, 3, rng)
    assert X.shape == (300, 4) and y.shape == (300,)
    assert set(np.unique(y)) == {0, 1, 2}
    # each class is one unit-variance blob around its own center
    for k in range(3):
        assert X[y == k].std(axis=0) == pytest.approx(np.ones(4), rel=0.3)


def test_xor(rng):
    X, y = data.make_xor(400, rng)
    assert X.shape == (400, 2) and y.shape == (400,)
    assert np.all(np.abs(X) <= 1)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert 0.4 < y.mean() < 0.6


def test_regression_1d(rng):
    X, Y = data.make_regression_1d(500, rng, noise=0.05)
    assert X.shape == (500, 1) and Y.shape == (500, 1)
    assert np.all(np.abs(X) <= np.pi)
    residual = Y - np.sin(X)
    assert residual.std() == pytest.approx(0.05, rel=0.15)
    X0, Y0 = data.make_regression_1d(10, rng, noise=0.0)
    np.testing.assert_array_equal(Y0, np.sin(X0))


def test_synthetic_sets_reproducible():
    for make in (
        lambda r: data.make_blobs_classification(50, 3, 4, r),
        lambda r: data.make_xor(50, r),
    ):
        a, b = make(np.random.default_rng(5)), make(np.random.default_rng(5))
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
