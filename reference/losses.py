"""Cost functions (means over the batch) and their gradients with respect to the first argument.

Shapes: a batch is (n_samples, n_outputs); the cost of one sample sums over its outputs and
the cost of the batch is the mean over its n samples. For `quadratic` and
`binary_cross_entropy` a 1-D array of length n is n samples with one scalar output each, and
a scalar is one sample. For `categorical_cross_entropy` and `softmax_cross_entropy` a 1-D
array of length K is one sample over K classes. Each `<name>_grad` is the gradient of that
mean, so it carries the factor 1/n, and has the shape of its first argument.
"""

import numpy as np

from reference.activations import softmax

EPS = 1e-12
"""Probabilities are clipped into [EPS, 1 - EPS] (BCE) or [EPS, 1] (categorical CE) before
the log, so a saturated output gives a large finite cost instead of inf or nan."""


def _n_samples(a: np.ndarray) -> int:
    return a.shape[0] if a.ndim else 1


def quadratic(a: np.ndarray, y: np.ndarray) -> float:
    """C = (1/n) sum_x 0.5 ||a_x - y_x||^2; a, y of shape (n, n_outputs), (n,) or ()."""
    d = np.asarray(a, dtype=np.float64) - y
    return 0.5 * float(np.sum(d**2)) / _n_samples(d)


def quadratic_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dC/da = (a - y) / n, shape of a."""
    d = np.asarray(a, dtype=np.float64) - y
    return d / _n_samples(d)


def binary_cross_entropy(a: np.ndarray, y: np.ndarray) -> float:
    """C = -(1/n) sum_x sum_j [y ln a + (1 - y) ln(1 - a)]; a, y of shape (n, n_outputs), (n,)
    or ().

    a is clipped into [EPS, 1 - EPS] first (EPS = 1e-12). y may be any target in [0, 1], not
    only 0 or 1; for fixed y the cost is smallest at a = y, where it equals `binary_entropy(y)`.
    """
    a = np.clip(np.asarray(a, dtype=np.float64), EPS, 1.0 - EPS)
    y = np.asarray(y, dtype=np.float64)
    c = -(y * np.log(a) + (1.0 - y) * np.log(1.0 - a))
    return float(np.sum(c)) / _n_samples(a)


def binary_cross_entropy_grad(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dC/da = (a - y) / (a (1 - a)) / n, with a clipped as in `binary_cross_entropy`."""
    a = np.clip(np.asarray(a, dtype=np.float64), EPS, 1.0 - EPS)
    y = np.asarray(y, dtype=np.float64)
    return (a - y) / (a * (1.0 - a)) / _n_samples(a)


def binary_entropy(y: np.ndarray) -> np.ndarray:
    """H(y) = -[y ln y + (1 - y) ln(1 - y)] elementwise (no batch mean), 0 ln 0 = 0.

    H(y) = min over a of the one-sample binary cross-entropy -[y ln a + (1 - y) ln(1 - a)].
    """
    y = np.asarray(y, dtype=np.float64)
    return -(_xlogx(y) + _xlogx(1.0 - y))


def _xlogx(x: np.ndarray) -> np.ndarray:
    return x * np.log(np.where(x > 0, x, 1.0))


def categorical_cross_entropy(p: np.ndarray, y_onehot: np.ndarray) -> float:
    """C = -(1/n) sum_x sum_k y_k ln p_k; p, y_onehot of shape (n, K) or (K,) (one sample).

    p (rows of probabilities) is clipped into [EPS, 1] before the log.
    """
    p = np.atleast_2d(np.clip(np.asarray(p, dtype=np.float64), EPS, 1.0))
    return -float(np.sum(np.atleast_2d(y_onehot) * np.log(p))) / p.shape[0]


def categorical_cross_entropy_grad(p: np.ndarray, y_onehot: np.ndarray) -> np.ndarray:
    """dC/dp = -(y / p) / n, with p clipped as in `categorical_cross_entropy`; shape of p."""
    p = np.asarray(p, dtype=np.float64)
    n = p.shape[0] if p.ndim == 2 else 1
    return -(y_onehot / np.clip(p, EPS, 1.0)) / n


def softmax_cross_entropy(logits: np.ndarray, y_onehot: np.ndarray) -> float:
    """C = -(1/n) sum_x sum_k y_k log_softmax(z)_k; logits z, y_onehot of shape (n, K) or (K,).

    log_softmax(z)_k = z_k - m - ln sum_j exp(z_j - m) with m = max_j z_j (log-sum-exp), so
    logits of any size give a finite cost; no probability is formed or clipped.
    """
    z = np.atleast_2d(np.asarray(logits, dtype=np.float64))
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -float(np.sum(np.atleast_2d(y_onehot) * log_p)) / z.shape[0]


def softmax_cross_entropy_grad(logits: np.ndarray, y_onehot: np.ndarray) -> np.ndarray:
    """dC/dz = (softmax(z) - y) / n; shape of logits. Assumes each row of y sums to 1."""
    z = np.asarray(logits, dtype=np.float64)
    n = z.shape[0] if z.ndim == 2 else 1
    return (softmax(z) - y_onehot) / n


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Y[i, k] = 1 if labels[i] == k else 0; labels of shape (n,) in 0..n_classes-1, Y (n, K)."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1}, got {labels.min()}..{labels.max()}"
        )
    return np.eye(n_classes, dtype=np.float64)[labels]
