"""Finite-difference derivatives for checking analytic gradients.

`numerical_gradient` and `jacobian` perturb x in place, one entry at a time, and restore
each entry exactly before moving on; f may therefore read x through a closure instead of
its argument (e.g. `f = lambda _: net.loss(X, Y)` with x one of `net.weights`), as long as
x is a float64 ndarray (anything else is first copied to one, and the closure would not see
the perturbation).
"""

from collections.abc import Callable

import numpy as np


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Central differences: grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h).

    f maps an array of x's shape to a scalar; x has any shape; returns an array of x's
    shape. x is left unmodified.
    """
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences: J[i, j] = (f(x + h e_j)_i - f(x - h e_j)_i) / (2 h).

    For f: R^n -> R^m and x of shape (n,), J has shape (m, n). Inputs and outputs of other
    shapes are flattened in C (row-major) order: J[i, j] = d f(x).ravel()[i] / d x.ravel()[j],
    shape (f(x).size, x.size). x is left unmodified.
    """
    x = np.asarray(x, dtype=np.float64)
    columns = []
    for j in np.ndindex(x.shape):  # C order
        old = x[j]
        x[j] = old + h
        f_plus = np.array(f(x), dtype=np.float64).ravel()
        x[j] = old - h
        f_minus = np.array(f(x), dtype=np.float64).ravel()
        x[j] = old
        columns.append((f_plus - f_minus) / (2.0 * h))
    return np.stack(columns, axis=1)


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """H = (J + J^T) / 2 with J the central-difference Jacobian of the numerical gradient.

    H[i, j] approximates d^2 f / (dx_i dx_j); x flattened in C order, H of shape
    (x.size, x.size). The default h = 1e-4 (about eps^(1/4)) balances the O(h^2) truncation
    error against the O(eps |f| / h^2) rounding error of a second difference.
    """
    J = jacobian(lambda v: numerical_gradient(f, v, h), x, h)
    return 0.5 * (J + J.T)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """rel(a, b) = max_i |a_i - b_i| / max(max_i (|a_i| + |b_i|), tiny).

    One number for the whole array, in [0, 1], scaled by the largest entries, so a
    gradient entry that is zero up to rounding does not blow the error up (as the
    elementwise |a - b| / max(|a|, |b|) would); tiny = the smallest positive normal float64,
    so two zero arrays give 0. a and b have the same (any) shape.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    scale = max(float(np.max(np.abs(a) + np.abs(b), initial=0.0)), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale
