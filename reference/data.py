"""Data sets: scikit-learn's bundled 8x8 digits (offline) and small synthetic sets for tests.

Features are float64 rows, X.shape == (n_samples, n_features); class labels are int64
arrays of shape (n_samples,). All randomness comes from the `rng` argument.
"""

import math

import numpy as np


def load_digits_split(
    test_size: float = 0.2, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Digits (1797 images of 8x8 pixels, 10 classes), x = pixels / 16 in [0, 1], split at random.

    n_test = ceil(test_size * 1797) rows (360 for 0.2) go to the test set, chosen by a
    permutation drawn from rng (not stratified). Returns X_train (n_train, 64),
    X_test (n_test, 64), y_train (n_train,), y_test (n_test,). rng is required.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("load_digits_split needs rng=np.random.default_rng(seed)")
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    n_test = math.ceil(test_size * len(y))
    order = rng.permutation(len(y))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def make_blobs_classification(
    n: int, n_features: int, n_classes: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: y ~ uniform over classes, x = mu_y + N(0, I), mu_k ~ N(0, 9 I).

    Returns X (n, n_features), y (n,) with labels in 0..n_classes-1.
    """
    centers = rng.normal(0.0, 3.0, size=(n_classes, n_features))
    y = rng.integers(0, n_classes, size=n)
    return centers[y] + rng.normal(size=(n, n_features)), y


def make_xor(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """XOR: x ~ U([-1, 1]^2), y = 1 if x_1 x_2 < 0 else 0 (opposite quadrants share a class).

    Returns X (n, 2), y (n,); not linearly separable, a perceptron cannot learn it.
    """
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    return X, (X[:, 0] * X[:, 1] < 0).astype(np.int64)


def make_regression_1d(
    n: int, rng: np.random.Generator, noise: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """y = sin(x) + noise * N(0, 1) with x ~ U(-pi, pi); X (n, 1), Y (n, 1) (one output column)."""
    X = rng.uniform(-np.pi, np.pi, size=(n, 1))
    return X, np.sin(X) + noise * rng.normal(size=(n, 1))


def make_separable(
    n: int, n_features: int, margin: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Linearly separable data with a known separator and margin at least `margin`.

    (w*, b*) is a unit vector of R^(D+1) (w* ~ N(0, I), b* ~ U(-0.3, 0.3) ||w*||, then
    scaled to ||(w*, b*)|| = 1); x ~ U([-1, 1]^D) is kept when |x . w* + b*| >= margin and
    labelled y = 1 if x . w* + b* > 0 else 0, until n points are kept with both classes
    present. Returns X (n, D), y (n,) int64, w* (D,) and b* (float). Needs n >= 2 and
    0 <= margin < 0.5.
    """
    if n < 2 or not 0.0 <= margin < 0.5:
        raise ValueError(f"need n >= 2 and 0 <= margin < 0.5, got n={n}, margin={margin}")
    w = rng.normal(size=n_features)
    b = rng.uniform(-0.3, 0.3) * np.linalg.norm(w)
    scale = np.sqrt(w @ w + b * b)
    w, b = w / scale, float(b / scale)
    while True:
        kept = np.empty((0, n_features))
        while len(kept) < n:
            X = rng.uniform(-1.0, 1.0, size=(2 * n, n_features))
            kept = np.vstack([kept, X[np.abs(X @ w + b) >= margin]])
        X = kept[:n]
        y = (X @ w + b > 0).astype(np.int64)
        if 0 < y.sum() < n:
            return X, y, w, b
