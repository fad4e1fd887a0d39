"""Layers as forward/backward pairs: `forward(...) -> (out, cache)`, `backward(dout, cache)`.

`dout` is dC/dout for a scalar cost C, with the shape of `out`; each backward returns the
gradients of C with respect to the forward's inputs, with their shapes.
"""

from typing import Any

import numpy as np

from reference.activations import ACTIVATIONS, softmax


def dense_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """out = x W + b; x (n, n_in), W (n_in, n_out), b (n_out,), out (n, n_out)."""
    return x @ W + b, (x, W)


def dense_backward(
    dout: np.ndarray, cache: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dx = dout W^T (n, n_in), dW = x^T dout (n_in, n_out), db = sum over rows of dout (n_out,)."""
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def activation_forward(z: np.ndarray, name: str, **kwargs: float) -> tuple[np.ndarray, Any]:
    """a = f(z) for f = ACTIVATIONS[name] (elementwise, any shape) or "softmax" (along the last
    axis); kwargs go to f, e.g. alpha for leaky_relu and elu.
    """
    if name == "softmax":
        a = softmax(z)
        return a, (name, a)
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known: softmax, {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name][0](z, **kwargs), (name, z, kwargs)


def activation_backward(da: np.ndarray, cache: Any) -> np.ndarray:
    """dz = da * f'(z) elementwise; for softmax, the Jacobian-vector product of each row,
    dz = p * (da - sum_k da_k p_k) = (diag(p) - p p^T) da. Shape of da.
    """
    if cache[0] == "softmax":
        p = cache[1]
        return p * (da - np.sum(da * p, axis=-1, keepdims=True))
    name, z, kwargs = cache
    return da * ACTIVATIONS[name][1](z, **kwargs)
