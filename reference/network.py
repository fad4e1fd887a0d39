"""A fully connected network trained by backpropagation and minibatch gradient descent.

Notation (batches are rows): a^0 = X of shape (n, n_0); for layers l = 1..L,
z^l = a^{l-1} W^l + b^l with W^l of shape (n_{l-1}, n_l) and b^l of shape (n_l,),
a^l = f(z^l) on hidden layers and a^L = g(z^L) on the output layer. `weights[l - 1]` is W^l.

The cost C is the mean over the n rows of the per-sample cost (see reference.losses), plus,
when l2 = lambda > 0, the penalty lambda/2 * sum_l ||W^l||^2 (weights only, not biases).

Supported (output, loss) pairs: ("softmax", "cross_entropy"),
("sigmoid", "binary_cross_entropy"), ("sigmoid", "quadratic") and ("linear", "quadratic").
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from reference import init as initializers
from reference.activations import ACTIVATIONS, identity, sigmoid, sigmoid_prime, softmax
from reference.losses import binary_cross_entropy, one_hot, quadratic, softmax_cross_entropy
from reference.optim import SGD

COMBOS = {
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("sigmoid", "quadratic"),
    ("linear", "quadratic"),
}
_OUTPUTS = {"softmax": softmax, "sigmoid": sigmoid, "linear": identity}
INITIALIZERS = {
    name: getattr(initializers, name)
    for name in (
        "glorot_normal",
        "glorot_uniform",
        "he_normal",
        "he_uniform",
        "lecun_normal",
        "lecun_uniform",
    )
}

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]


class Optimizer(Protocol):
    """What `MLP.fit` needs of an optimizer: the reference.optim interface."""

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray]) -> None: ...


class MLP:
    """Multilayer perceptron with layer sizes [n_0, n_1, ..., n_L].

    hidden_activation: a name in reference.activations.ACTIVATIONS (default "sigmoid").
    output, loss: one of the supported pairs (module docstring); others raise ValueError.
    rng: np.random.Generator, required; it draws the initial weights and is the default
    source of randomness (shuffling, dropout) in `fit`.
    `MLP.from_params(weights, biases, ...)` builds a network with given parameters instead.
    init: the weight initializer, a name in INITIALIZERS or a function
    (fan_in, fan_out, rng) -> (fan_in, fan_out) array; default "glorot_normal",
    W ~ N(0, 2 / (fan_in + fan_out)). Biases start at 0.

    Targets Y: for softmax outputs, one-hot rows (n, n_L) or integer labels (n,); otherwise
    (n, n_L), or (n,) when n_L = 1.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        hidden_activation: str = "sigmoid",
        output: str = "softmax",
        loss: str = "cross_entropy",
        rng: np.random.Generator | None = None,
        init: str | Initializer = "glorot_normal",
    ) -> None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError("MLP needs an explicit rng=np.random.default_rng(seed)")
        if isinstance(init, str):
            if init not in INITIALIZERS:
                raise ValueError(f"unknown init {init!r}; known: {', '.join(INITIALIZERS)}")
            init = INITIALIZERS[init]
        self._configure(layer_sizes, hidden_activation, output, loss, rng)
        self.weights = [
            init(m, k, rng)
            for m, k in zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True)
        ]
        self.biases = [np.zeros(k) for k in self.layer_sizes[1:]]

    @classmethod
    def from_params(
        cls,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        hidden_activation: str = "sigmoid",
        output: str = "softmax",
        loss: str = "cross_entropy",
        rng: np.random.Generator | None = None,
    ) -> "MLP":
        """The network with the given parameters: W^l = weights[l - 1] of shape
        (n_{l-1}, n_l), b^l = biases[l - 1] of shape (n_l,), copied as float64 (the
        caller's arrays are never changed). The layer sizes follow from the shapes.

        rng is optional here, since nothing is drawn; without it `fit` and dropout need
        their own rng argument.
        """
        weights = [np.array(W, dtype=np.float64) for W in weights]
        biases = [np.array(b, dtype=np.float64) for b in biases]
        if not weights or len(weights) != len(biases):
            raise ValueError(f"{len(weights)} weight matrices and {len(biases)} bias vectors; "
                             "give one of each per layer")
        sizes = [weights[0].shape[0]] + [W.shape[-1] for W in weights]
        for l, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):
            if W.shape != (sizes[l - 1], sizes[l]) or b.shape != (sizes[l],):
                raise ValueError(f"layer {l}: W of shape {W.shape} and b of shape {b.shape} "
                                 f"do not fit layer sizes {sizes}")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise TypeError("rng must be a np.random.Generator or None")
        net = cls.__new__(cls)
        net._configure(sizes, hidden_activation, output, loss, rng)
        net.weights, net.biases = weights, biases
        return net

    def _configure(self, layer_sizes: Sequence[int], hidden_activation: str, output: str,
                   loss: str, rng: np.random.Generator | None) -> None:
        """Check and store everything but the parameters."""
        if (output, loss) not in COMBOS:
            supported = ", ".join(f"output={o!r} with loss={c!r}" for o, c in sorted(COMBOS))
            raise ValueError(f"unsupported output={output!r} with loss={loss!r}; use {supported}")
        if hidden_activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown hidden_activation {hidden_activation!r}; known: {', '.join(ACTIVATIONS)}"
            )
        if len(layer_sizes) < 2:
            raise ValueError("layer_sizes needs at least an input and an output size")
        self.layer_sizes = list(layer_sizes)
        self.hidden_activation = hidden_activation
        self.output = output
        self.loss_name = loss
        self.rng = rng
        self._f, self._f_prime = ACTIVATIONS[hidden_activation]

    def forward_pass(
        self, X: np.ndarray, masks: Sequence[np.ndarray] | None = None
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """zs = [z^1, ..., z^L], activations = [a^0 = X, a^1, ..., a^L], each (n, n_l).

        masks: optional inverted-dropout masks, one (n, n_l) array per hidden layer; the
        hidden activations become a^l = f(z^l) * mask^l.
        """
        zs, activations = [], [np.asarray(X, dtype=np.float64)]
        last = len(self.weights) - 1
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = activations[-1] @ W + b
            zs.append(z)
            if l == last:
                activations.append(_OUTPUTS[self.output](z))
            else:
                a = self._f(z)
                activations.append(a if masks is None else a * masks[l])
        return zs, activations

    def forward(self, X: np.ndarray) -> np.ndarray:
        """a^L, the output activations, shape (n, n_L)."""
        return self.forward_pass(X)[1][-1]

    def loss(self, X: np.ndarray, Y: np.ndarray, l2: float = 0.0) -> float:
        """C = (1/n) sum_x C_x + lambda/2 sum_l ||W^l||^2 with lambda = l2.

        The softmax cross-entropy is computed from z^L by log-sum-exp.
        """
        Y = self._targets(Y, len(X))
        zs, activations = self.forward_pass(X)
        if self.loss_name == "cross_entropy":
            cost = softmax_cross_entropy(zs[-1], Y)
        elif self.loss_name == "binary_cross_entropy":
            cost = binary_cross_entropy(activations[-1], Y)
        else:
            cost = quadratic(activations[-1], Y)
        return cost + 0.5 * l2 * sum(float(np.sum(W * W)) for W in self.weights)

    def gradients(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        l2: float = 0.0,
        masks: Sequence[np.ndarray] | None = None,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """dWs[l - 1] = dC/dW^l (n_{l-1}, n_l) and dbs[l - 1] = dC/db^l (n_l,), by backpropagation.

        BP1  delta^L = (a^L - y) / n for softmax + cross-entropy and sigmoid + binary
             cross-entropy (the canonical pairs: f'(z^L) cancels), otherwise
             delta^L = (a^L - y) / n * g'(z^L) (quadratic cost);
        BP2  delta^l = (delta^{l+1} W^{l+1 T}) * f'(z^l)   (* mask^l with dropout);
        BP3  dC/db^l = sum over the rows of delta^l;
        BP4  dC/dW^l = a^{l-1 T} delta^l  (+ lambda W^l with l2 = lambda).
        delta^l = dC/dz^l has shape (n, n_l) and carries the 1/n of the mean cost.
        masks: as in `forward_pass`; the gradient is that of the cost with these masks fixed.
        """
        Y = self._targets(Y, len(X))
        zs, activations = self.forward_pass(X, masks)
        delta = (activations[-1] - Y) / len(Y)
        if (self.output, self.loss_name) == ("sigmoid", "quadratic"):
            delta *= sigmoid_prime(zs[-1])
        L = len(self.weights)
        dWs, dbs = [None] * L, [None] * L
        for l in range(L - 1, -1, -1):
            dWs[l] = activations[l].T @ delta + l2 * self.weights[l]
            dbs[l] = delta.sum(axis=0)
            if l > 0:
                delta = (delta @ self.weights[l].T) * self._f_prime(zs[l - 1])
                if masks is not None:
                    delta *= masks[l - 1]
        return dWs, dbs

    def dropout_masks(self, n: int, rate: float, rng: np.random.Generator) -> list[np.ndarray]:
        """Inverted dropout: mask^l = [u >= rate] / (1 - rate), u ~ U[0, 1), one (n, n_l) array
        per hidden layer, so each unit is dropped with probability `rate` and E[mask] = 1.
        """
        return [(rng.random((n, k)) >= rate) / (1.0 - rate) for k in self.layer_sizes[1:-1]]

    def fit(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        epochs: int,
        batch_size: int,
        optimizer: Optimizer | None = None,
        l2: float = 0.0,
        dropout: float = 0.0,
        early_stopping: int | None = None,
        X_val: np.ndarray | None = None,
        Y_val: np.ndarray | None = None,
        rng: np.random.Generator | None = None,
        verbose: bool = False,
        callback: Callable[[int, dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Minibatch gradient descent on C; returns the history {"loss": [...], "val_loss": [...]}.

        Each epoch shuffles the rows with a permutation from rng (default: the constructor's)
        and takes one optimizer step per batch of `batch_size` rows (the last may be smaller):
        optimizer.step(weights + biases, dWs + dbs), with any reference.optim optimizer
        (default SGD(lr=0.1)). l2: the penalty lambda/2 sum ||W||^2. dropout: the rate of
        inverted dropout on hidden units, in training only. After each epoch "loss" records
        `self.loss(X, Y, l2)` (no dropout) and, given X_val and Y_val, "val_loss" records
        `self.loss(X_val, Y_val)` (no penalty).
        early_stopping = patience: stop once the validation loss has not been strictly below
        its best for `patience` consecutive epochs, then restore the weights and biases of the
        best epoch (also when all epochs ran); history["best_epoch"] is its 0-based index.
        verbose prints one line per epoch; callback(epoch, history) is called after each.
        """
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if (X_val is None) != (Y_val is None):
            raise ValueError("give both X_val and Y_val, or neither")
        if early_stopping is not None and X_val is None:
            raise ValueError("early_stopping needs X_val and Y_val")
        rng = self.rng if rng is None else rng
        if rng is None:
            raise TypeError("fit needs rng=np.random.default_rng(seed): this network has none")
        optimizer = SGD(lr=0.1) if optimizer is None else optimizer
        X = np.asarray(X, dtype=np.float64)
        Y = self._targets(Y, len(X))
        params = self.weights + self.biases
        history: dict[str, Any] = {"loss": [], "val_loss": []}
        best, best_params, wait = np.inf, None, 0
        for epoch in range(epochs):
            order = rng.permutation(len(X))
            for start in range(0, len(X), batch_size):
                rows = order[start : start + batch_size]
                masks = self.dropout_masks(len(rows), dropout, rng) if dropout else None
                dWs, dbs = self.gradients(X[rows], Y[rows], l2, masks)
                optimizer.step(params, dWs + dbs)
            history["loss"].append(self.loss(X, Y, l2))
            if X_val is not None:
                history["val_loss"].append(self.loss(X_val, Y_val))
            if verbose:
                val = f", val_loss {history['val_loss'][-1]:.6f}" if history["val_loss"] else ""
                print(f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.6f}{val}")
            if callback is not None:
                callback(epoch, history)
            if early_stopping is not None:
                if history["val_loss"][-1] < best:
                    best, best_params, wait = history["val_loss"][-1], [p.copy() for p in params], 0
                    history["best_epoch"] = epoch
                else:
                    wait += 1
                    if wait >= early_stopping:
                        break
        if best_params is not None:
            for p, saved in zip(params, best_params, strict=True):
                p[...] = saved
        return history

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities a^L: softmax rows (n, K), or sigmoid outputs (n, n_L)."""
        if self.output == "linear":
            raise ValueError("predict_proba needs a softmax or sigmoid output")
        return self.forward(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """softmax: argmax_k a^L_k (n,) int; sigmoid: [a^L >= 0.5] as int, (n,) when n_L = 1
        else (n, n_L); linear: a^L itself, (n, n_L).
        """
        a = self.forward(X)
        if self.output == "softmax":
            return np.argmax(a, axis=1)
        if self.output == "sigmoid":
            labels = (a >= 0.5).astype(np.int64)
            return labels.ravel() if labels.shape[1] == 1 else labels
        return a

    def _targets(self, Y: np.ndarray, n: int) -> np.ndarray:
        """Y as a float (n, n_L) array: one-hot rows for integer labels of a softmax output."""
        Y = np.asarray(Y)
        n_out = self.layer_sizes[-1]
        if self.output == "softmax" and Y.ndim == 1:
            Y = one_hot(Y, n_out)
        Y = np.asarray(Y, dtype=np.float64).reshape(len(Y), -1)
        if Y.shape != (n, n_out):
            raise ValueError(f"targets of shape {Y.shape} for {n} samples and {n_out} outputs")
        return Y
