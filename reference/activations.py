"""Activation functions and their derivatives with respect to the pre-activation z.

Every function is elementwise on an array of any shape and returns float64, except
`softmax` (normalises along `axis`) and `softmax_jacobian` (one vector in, a matrix out).

Conventions at the kinks (the derivative does not exist there; these are the values used):
relu'(0) = 0, leaky_relu'(0) = alpha, elu'(0) = alpha, selu'(0) = SELU_SCALE * SELU_ALPHA,
step(0) = 1 (the perceptron fires on a zero net input).

Underflow to 0 (e.g. exp(-1e4) in `sigmoid` and `softmax`) is the correctly rounded result
and is not flagged under numpy's default error state; overflow never occurs.
"""

from collections.abc import Callable

import numpy as np

# Klambauer et al. 2017, "Self-Normalizing Neural Networks", eq. 14 (lambda_01, alpha_01).
# A widely copied notebook prints the scale as 1.00507; the paper's value is 1.0507...
SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + exp(-z)), any shape.

    Evaluated as 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0 with e = exp(-|z|),
    so exp never sees a positive argument and cannot overflow.
    """
    e = np.exp(-np.abs(z))
    return np.where(np.greater_equal(z, 0), 1.0, e) / (1.0 + e)


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """sigma'(z) = sigma(z) (1 - sigma(z)), any shape."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z: np.ndarray) -> np.ndarray:
    """tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z)), any shape."""
    return np.tanh(np.asarray(z, dtype=np.float64))


def tanh_prime(z: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - tanh(z)^2, any shape."""
    return 1.0 - np.tanh(np.asarray(z, dtype=np.float64)) ** 2


def relu(z: np.ndarray) -> np.ndarray:
    """relu(z) = max(0, z), any shape."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_prime(z: np.ndarray) -> np.ndarray:
    """relu'(z) = 1 if z > 0 else 0 (so relu'(0) = 0), any shape."""
    return np.greater(z, 0).astype(np.float64)


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """leaky_relu(z) = z if z > 0 else alpha z, any shape."""
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_prime(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """leaky_relu'(z) = 1 if z > 0 else alpha (so leaky_relu'(0) = alpha), any shape."""
    return np.where(np.greater(z, 0), 1.0, alpha)


def elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """elu(z) = z if z > 0 else alpha (exp(z) - 1), any shape."""
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_prime(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """elu'(z) = 1 if z > 0 else alpha exp(z) (so elu'(0) = alpha), any shape."""
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def selu(z: np.ndarray) -> np.ndarray:
    """selu(z) = lambda * (z if z > 0 else alpha (exp(z) - 1)), any shape.

    lambda = SELU_SCALE = 1.0507009873554804934193349852946 and
    alpha = SELU_ALPHA = 1.6732632423543772848170429916717 (Klambauer et al. 2017, eq. 14).
    A widely copied notebook prints the scale as 1.00507, which is wrong.
    """
    return SELU_SCALE * elu(z, SELU_ALPHA)


def selu_prime(z: np.ndarray) -> np.ndarray:
    """selu'(z) = lambda * (1 if z > 0 else alpha exp(z)), any shape (constants as in `selu`)."""
    return SELU_SCALE * elu_prime(z, SELU_ALPHA)


def identity(z: np.ndarray) -> np.ndarray:
    """identity(z) = z (the linear output unit), any shape."""
    return np.asarray(z, dtype=np.float64)


def identity_prime(z: np.ndarray) -> np.ndarray:
    """identity'(z) = 1, any shape."""
    return np.ones_like(z, dtype=np.float64)


def step(z: np.ndarray) -> np.ndarray:
    """Heaviside step of the perceptron: step(z) = 1 if z >= 0 else 0 (so step(0) = 1)."""
    return np.greater_equal(z, 0).astype(np.float64)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z)_k = exp(z_k - m) / sum_j exp(z_j - m), m = max_j z_j, along `axis`.

    Subtracting the maximum leaves the result unchanged and keeps exp's argument <= 0, so
    logits of +-1e4 do not overflow. Shape of z, e.g. (n_samples, n_classes) for axis=-1.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_jacobian(z: np.ndarray) -> np.ndarray:
    """J = d softmax(z) / dz = diag(p) - p p^T with p = softmax(z); z of shape (K,), J (K, K).

    J[i, j] = d p_i / d z_j = p_i (delta_ij - p_j).
    """
    p = softmax(z)
    return np.diag(p) - np.outer(p, p)


Activation = Callable[..., np.ndarray]

# name -> (f, f'), for the elementwise activations a network layer can use.
ACTIVATIONS: dict[str, tuple[Activation, Activation]] = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime),
    "elu": (elu, elu_prime),
    "selu": (selu, selu_prime),
    "identity": (identity, identity_prime),
    "linear": (identity, identity_prime),
}
