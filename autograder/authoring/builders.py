"""Seeded inputs for hidden suites, in the reference's conventions.

Batches are rows, ``X.shape == (n, n_in)``; a layer's weights have shape
``(n_in, n_out)`` and its biases ``(n_out,)``; ``weights[l - 1]`` is ``W^l``. Every
builder draws from the question's ``rng`` and nothing else, so a run is reproducible
and each student sees fresh inputs::

    sizes = builders.layer_sizes(rng, depth=3)             # e.g. [4, 2, 6, 3]
    weights, biases = builders.network(rng, sizes)
    X, Y = builders.batch(rng, 5, sizes[0], sizes[-1])    # Y one-hot, shape (5, 3)
    out = student.call("dropout_forward", x, 0.3, student.rng(builders.seed(rng)))
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reference.losses import one_hot
from reference.network import MLP


def seed(rng: np.random.Generator) -> int:
    """A fresh seed in [0, 2**31) for ``student.rng(seed)`` and ``np.random.default_rng``."""
    return int(rng.integers(2**31))


def fan_pairs(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """``(fan_in, fan_out)`` of each layer of a network with these layer sizes, which is
    also the shape of its weight matrix."""
    return [(int(m), int(k)) for m, k in zip(sizes[:-1], sizes[1:], strict=False)]


def shapes_of(arrays: Sequence[np.ndarray], sep: str = " ") -> str:
    """The shapes of ``arrays`` for a check's label: ``"(4, 3) (3,)"``."""
    return sep.join(str(np.shape(a)) for a in arrays)


def random_shape(rng: np.random.Generator, ndim: int, low: int = 1,
                 high: int = 8) -> tuple[int, ...]:
    """A shape of ``ndim`` axes, each of a length drawn from ``[low, high]``."""
    return tuple(int(s) for s in rng.integers(low, high + 1, size=ndim))


def varied_shapes(rng: np.random.Generator, low: int = 2,
                  high: int = 8) -> list[tuple[int, ...]]:
    """One row ``(1, k)``, a vector ``(k,)`` and a matrix ``(m, k)``, lengths from
    ``[low, high]``: the three cases where axis mistakes show."""
    return [(1,) + random_shape(rng, 1, low, high), random_shape(rng, 1, low, high),
            random_shape(rng, 2, low, high)]


def fortran(a: np.ndarray) -> np.ndarray:
    """``a`` with the same values stored column by column, as a transpose ``A.T`` is (its
    layout crosses to the worker unchanged). A function that writes through ``ravel()`` or
    ``reshape(-1)``, which copy such an array, or that reads it in memory order
    (``ravel(order="K")``) and reshapes in C order, shows its mistake on it."""
    return np.asfortranarray(a)


def spread_logits(weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray,
                  spread: float, activation: str = "sigmoid") -> np.ndarray:
    """Scale the output layer (in the lists) so that each row's logits z^L are about
    ``spread`` apart on average: a softmax output then comes within about e^-spread of 0
    and of 1 (confident outputs), and is never 0. Returns the scaled logits."""
    logits = MLP.from_params(weights, biases, activation).forward_pass(X)[0][-1]
    factor = spread / np.ptp(logits, axis=1).mean()
    weights[-1], biases[-1] = weights[-1] * factor, biases[-1] * factor
    return logits * factor


def layer_sizes(rng: np.random.Generator, depth: int, low: int = 2,
                high: int = 6) -> list[int]:
    """Sizes ``[n_0, ..., n_depth]`` of a network of ``depth`` layers, each in
    ``[low, high]``."""
    return [int(s) for s in rng.integers(low, high + 1, size=depth + 1)]


def network(rng: np.random.Generator, sizes: Sequence[int], weight_scale: float = 1.0,
            bias_scale: float = 0.5) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(weights, biases)`` with ``W^l ~ weight_scale * N(0, 1 / n_{l-1})`` and
    ``b^l ~ N(0, bias_scale^2)``: by default pre-activations of order 1, so that sigmoid
    and tanh units are not saturated. The weights are drawn first, then the biases."""
    weights = [weight_scale * rng.normal(size=(m, k)) / np.sqrt(m) for m, k in fan_pairs(sizes)]
    biases = [rng.normal(scale=bias_scale, size=k) for k in sizes[1:]]
    return weights, biases


def labels(rng: np.random.Generator, n: int, n_classes: int,
           every_class: bool = False) -> np.ndarray:
    """Integer labels ``(n,)`` in ``[0, n_classes)``; with ``every_class``, the first
    ``min(n, n_classes)`` distinct classes all occur, in a random order."""
    y = rng.integers(0, n_classes, size=n)
    if every_class:
        k = min(n, n_classes)
        y[:k] = rng.permutation(n_classes)[:k]
        y = rng.permutation(y)
    return y


def batch(rng: np.random.Generator, n: int, n_in: int, n_classes: int, *,
          targets: str = "one_hot", every_class: bool = False,
          scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``X ~ N(0, scale^2)`` of shape ``(n, n_in)`` and their targets: one-hot rows
    ``(n, n_classes)`` (``targets="one_hot"``) or integer labels ``(n,)``
    (``targets="labels"``). X is drawn first, then the labels (see :func:`labels`)."""
    if targets not in ("one_hot", "labels"):
        raise ValueError(f"targets must be 'one_hot' or 'labels', got {targets!r}")
    X = rng.normal(scale=scale, size=(n, n_in))
    y = labels(rng, n, n_classes, every_class)
    return X, (one_hot(y, n_classes) if targets == "one_hot" else y)
