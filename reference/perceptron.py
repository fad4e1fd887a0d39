"""The perceptron: the Heaviside unit, Rosenblatt's online learning rule and Novikoff's
mistake bound.

Notation: a batch X of shape (n, D) with rows x_i, labels y_i in {0, 1} of shape (n,),
weights w of shape (D,) and a bias b. The unit outputs yhat = H(x . w + b) with the
Heaviside step H(z) = 1 if z >= 0 else 0 (``reference.activations.step``: H(0) = 1, the
unit fires on a zero net input). With t_i = 2 y_i - 1 in {-1, +1}, a sample is classified
correctly when t_i (x_i . w + b) > 0, or when x_i . w + b = 0 and y_i = 1.
"""

import numpy as np

from reference.activations import step


def perceptron_output(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """yhat = H(X w + b), shape (n,): 1 where the net input x_i . w + b is >= 0, else 0."""
    return step(np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b)


def train_perceptron(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    b: float,
    eta: float = 1.0,
    max_epochs: int = 100,
) -> tuple[np.ndarray, float, list[int]]:
    """Rosenblatt's rule, online: one sample at a time, in the order of the rows of X.

    In every epoch, for i = 0, 1, ..., n - 1::

        yhat_i = H(x_i . w + b)
        w <- w + eta (y_i - yhat_i) x_i
        b <- b + eta (y_i - yhat_i)

    so only a misclassified sample (y_i - yhat_i = +-1) moves w and b. ``mistakes[e]`` is
    the number of samples of epoch e with yhat_i != y_i. Training stops after the first
    epoch without a mistake (its 0 is the last entry) or after ``max_epochs`` epochs.
    Returns (w, b, mistakes) with w a new array of shape (D,) and b a float; the arguments
    are not modified.
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.array(w, dtype=np.float64)
    b = float(b)
    mistakes: list[int] = []
    for _ in range(max_epochs):
        count = 0
        for x_i, y_i in zip(X, np.asarray(y), strict=True):
            error = float(y_i) - float(x_i @ w + b >= 0.0)
            if error:
                w += eta * error * x_i
                b += eta * error
                count += 1
        mistakes.append(count)
        if count == 0:
            break
    return w, b, mistakes


def margin(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> float:
    """gamma = min_i t_i (x_i . w + b) / ||(w, b)||, with t_i = 2 y_i - 1.

    The distance, in the augmented space of x~ = (x, 1), from the samples to the
    hyperplane through the origin normal to (w, b); it is > 0 exactly when (w, b)
    classifies every sample correctly with a nonzero net input.
    """
    t = 2.0 * np.asarray(y, dtype=np.float64) - 1.0
    z = np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return float(np.min(t * z) / np.sqrt(np.sum(np.square(w)) + b * b))


def mistake_bound(X: np.ndarray, y: np.ndarray, w_star: np.ndarray, b_star: float) -> float:
    """Novikoff's bound (1962) on the number of updates of the perceptron: (R / gamma)^2.

    With the augmented inputs x~_i = (x_i, 1) (the bias is the weight of a constant
    input), R = max_i ||x~_i|| = max_i sqrt(||x_i||^2 + 1) and gamma = ``margin(X, y,
    w_star, b_star)``, the margin of a separating (w*, b*). Started from w = 0, b = 0,
    ``train_perceptron`` makes at most (R / gamma)^2 updates in all, whatever eta > 0.
    The bound holds for any separating (w*, b*); the largest margin gives the smallest.
    Raises ValueError if (w*, b*) does not separate the data (gamma <= 0).
    """
    gamma = margin(X, y, w_star, b_star)
    if gamma <= 0.0:
        raise ValueError("(w_star, b_star) does not separate the data: the margin is <= 0")
    X = np.asarray(X, dtype=np.float64)
    R = float(np.sqrt(np.max(np.sum(X * X, axis=1)) + 1.0))
    return (R / gamma) ** 2
