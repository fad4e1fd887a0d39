"""The size of a network: counting its parameters, fitting one hidden layer of M tanh units
to a function of one variable, and choosing M by the validation error of random starts.

The regression network maps x (n, 1) to a = tanh(x W1 + b1) W2 + b2 (n, 1), with W1 (1, M),
b1 (M,), W2 (M, 1), b2 (1,): ``reference.network.MLP([1, M, 1], "tanh", "linear",
"quadratic")``. Its cost is the course's quadratic cost with an L2 penalty on the weights,

    C = 1/(2n) sum_i (a_i - y_i)^2 + lambda/2 (||W1||^2 + ||W2||^2),

and its error is the mean squared error E = 1/n sum_i (a_i - y_i)^2 (no 1/2, no penalty).
"""

from collections.abc import Sequence

import numpy as np

from reference.network import MLP
from reference.optim import Adam


def count_parameters(layer_sizes: Sequence[int]) -> int:
    """P = sum_{l=1}^{L} (n_{l-1} + 1) n_l for layer sizes [n_0, n_1, ..., n_L].

    Layer l has an (n_{l-1}, n_l) weight matrix and n_l biases. With one hidden layer,
    [D, M, K], this is the lecture's (D + 1) M + (M + 1) K.
    """
    sizes = [int(s) for s in layer_sizes]
    return sum((m + 1) * k for m, k in zip(sizes[:-1], sizes[1:], strict=True))


def largest_hidden_layer(n_inputs: int, n_outputs: int, budget: int) -> int:
    """The largest M with (D + 1) M + (M + 1) K <= budget: M = floor((budget - K) / (D + K + 1)).

    D = n_inputs, K = n_outputs; 0 when not even one hidden unit fits the budget.
    """
    return max(0, (int(budget) - int(n_outputs)) // (int(n_inputs) + int(n_outputs) + 1))


def _undrawn(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    return np.zeros((fan_in, fan_out))


def tanh_regressor(n_hidden: int, rng: np.random.Generator) -> MLP:
    """MLP([1, M, 1]) with tanh hidden units and a linear output, initialised by drawing
    from rng, in this order,

        W1 = rng.normal(0, 2, size=(1, M)),  b1 = rng.normal(0, 1, size=M),
        W2 = rng.normal(0, 1 / sqrt(M), size=(M, 1)),  b2 = 0.

    On inputs in [-1, 1] the unit j changes sign at x = -b1_j / W1_j, so these scales
    spread the units' transitions over the interval with slopes of order 2; the
    1/sqrt(M) keeps the output of order one whatever M.
    """
    net = MLP([1, n_hidden, 1], "tanh", "linear", "quadratic", rng=rng, init=_undrawn)
    W1 = rng.normal(0.0, 2.0, size=(1, n_hidden))
    b1 = rng.normal(0.0, 1.0, size=n_hidden)
    W2 = rng.normal(0.0, 1.0 / np.sqrt(n_hidden), size=(n_hidden, 1))
    net.weights = [W1, W2]
    net.biases = [b1, np.zeros(1)]
    return net


def fit_full_batch(net: MLP, X: np.ndarray, Y: np.ndarray, lr: float, epochs: int,
                   l2: float = 0.0) -> None:
    """``epochs`` steps of Adam(lr) (``reference.optim.Adam``, betas (0.9, 0.999), eps 1e-8)
    on the whole batch: each step computes dC/dtheta by backpropagation on all n rows and
    moves every W and b, in place. C is the cost of the module docstring with lambda = l2.
    """
    optimizer = Adam(lr)
    for _ in range(epochs):
        dWs, dbs = net.gradients(X, Y, l2=l2)
        optimizer.step(net.weights + net.biases, dWs + dbs)


def mean_squared_error(prediction: np.ndarray, Y: np.ndarray) -> float:
    """E = 1/n sum_i ||a_i - y_i||^2 over the n rows (no 1/2, no penalty)."""
    d = np.asarray(prediction, dtype=np.float64) - np.asarray(Y, dtype=np.float64)
    return float(np.sum(d * d) / len(d))


def train_tanh_regressor(X: np.ndarray, Y: np.ndarray, n_hidden: int, lr: float, epochs: int,
                         l2: float, seed: int) -> MLP:
    """``tanh_regressor(M, np.random.default_rng(seed))`` after ``fit_full_batch``."""
    net = tanh_regressor(n_hidden, np.random.default_rng(seed))
    fit_full_batch(net, X, Y, lr, epochs, l2)
    return net


def training_errors(X: np.ndarray, Y: np.ndarray, hidden_sizes: Sequence[int], lr: float,
                    epochs: int, l2: float, seed: int) -> np.ndarray:
    """E_train(M) for each M of ``hidden_sizes``: the training error of
    ``train_tanh_regressor(X, Y, M, lr, epochs, l2, seed)`` (the same seed for every M)."""
    return np.array([mean_squared_error(
        train_tanh_regressor(X, Y, M, lr, epochs, l2, seed).forward(X), Y)
        for M in hidden_sizes])


def start_seed(seed: int, i: int, r: int, n_starts: int) -> int:
    """The seed of random start r (0 <= r < R) of the i-th hidden size: seed + i R + r, so
    that each of the len(Ms) R networks starts from its own initial weights."""
    return seed + i * n_starts + r


def validation_table(X_train: np.ndarray, Y_train: np.ndarray, X_val: np.ndarray,
                     Y_val: np.ndarray, hidden_sizes: Sequence[int], n_starts: int, lr: float,
                     epochs: int, l2: float, seed: int) -> np.ndarray:
    """table[i, r] = E_val of the network with M = hidden_sizes[i] trained on the training
    split from ``start_seed(seed, i, r, R)``; shape (len(Ms), R) with R = n_starts."""
    table = np.empty((len(hidden_sizes), n_starts))
    for i, M in enumerate(hidden_sizes):
        for r in range(n_starts):
            net = train_tanh_regressor(X_train, Y_train, M, lr, epochs, l2,
                                       start_seed(seed, i, r, n_starts))
            table[i, r] = mean_squared_error(net.forward(X_val), Y_val)
    return table


def best_hidden_units(hidden_sizes: Sequence[int], table: np.ndarray) -> int:
    """M* = Ms[argmin_i min_r table[i, r]]: the size whose best random start has the
    smallest validation error (the first such size on a tie)."""
    return int(hidden_sizes[int(np.argmin(np.min(np.asarray(table), axis=1)))])


def sklearn_alpha(l2: float, n_samples: int) -> float:
    """scikit-learn's ``alpha`` for the penalty lambda/2 sum ||W||^2 of the course's cost.

    ``MLPRegressor`` minimises 1/(2n) sum_i ||a_i - y_i||^2 + alpha/(2n) sum ||W||^2: its
    penalty is divided by the number of training samples n. The two costs are equal when
    alpha = n lambda.
    """
    return float(l2) * int(n_samples)
