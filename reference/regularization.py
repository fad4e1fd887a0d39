"""Regularization: weight penalties, dropout, max-norm, early stopping, batch normalization.

Weight penalties take ``weights``, either one array or a list of arrays (usually
the weight matrices only: biases are not penalized); penalties return a float
summed over every array, gradients return the same structure as ``weights`` (an
array for an array, a list for a list). One convention throughout, the
lecture's: L2 = lam/2 * sum ||W||^2 so that its gradient is lam * W.
"""

from collections.abc import Sequence

import numpy as np

Weights = np.ndarray | Sequence[np.ndarray]


def _map(f, weights: Weights) -> np.ndarray | list[np.ndarray]:
    if isinstance(weights, np.ndarray):
        return f(weights)
    return [f(np.asarray(W, dtype=np.float64)) for W in weights]


def _total(f, weights: Weights) -> float:
    if isinstance(weights, np.ndarray):
        return float(f(weights))
    return float(sum(f(np.asarray(W, dtype=np.float64)) for W in weights))


def l1_penalty(weights: Weights, lam: float) -> float:
    """L1 = lam * sum_W sum_ij |W_ij|."""
    return lam * _total(lambda W: np.abs(W).sum(), weights)


def l1_grad(weights: Weights, lam: float) -> np.ndarray | list[np.ndarray]:
    """dL1/dW = lam * sign(W), taking sign(0) = 0 (a subgradient); same shapes as weights."""
    return _map(lambda W: lam * np.sign(W), weights)


def l2_penalty(weights: Weights, lam: float) -> float:
    """L2 = lam / 2 * sum_W ||W||_F^2."""
    return 0.5 * lam * _total(lambda W: np.sum(W * W), weights)


def l2_grad(weights: Weights, lam: float) -> np.ndarray | list[np.ndarray]:
    """dL2/dW = lam * W; same shapes as weights."""
    return _map(lambda W: lam * W, weights)


def elastic_net_penalty(weights: Weights, lam: float, l1_ratio: float) -> float:
    """EN = r * L1 + (1 - r) * L2 with r = ``l1_ratio`` and the same lam in both terms.

    r = 1 is pure L1 (lam * sum |W|), r = 0 is pure L2 (lam / 2 * sum W^2).
    """
    return l1_ratio * l1_penalty(weights, lam) + (1.0 - l1_ratio) * l2_penalty(weights, lam)


def elastic_net_grad(
    weights: Weights, lam: float, l1_ratio: float
) -> np.ndarray | list[np.ndarray]:
    """dEN/dW = lam * (r * sign(W) + (1 - r) * W); same shapes as weights."""
    return _map(lambda W: lam * (l1_ratio * np.sign(W) + (1.0 - l1_ratio) * W), weights)


def dropout_forward(
    x: np.ndarray, rate: float, rng: np.random.Generator | None, training: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout: out = x * mask, mask = [u >= rate] / (1 - rate), u ~ U[0, 1).

    ``rate`` is the probability of dropping a unit (0 <= rate < 1); the kept units
    are scaled by 1 / (1 - rate) during training so that E[out] = x and nothing
    changes at inference. With ``training=False`` the mask is all ones, out equals
    x, and ``rng`` is not used (it may be None). x and mask have the same shape.
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    if training:
        if rng is None:
            raise ValueError("dropout in training needs a generator rng")
        mask = (rng.random(x.shape) >= rate) / (1.0 - rate)
    else:
        mask = np.ones_like(x, dtype=np.float64)
    return x * mask, mask


def dropout_backward(dout: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """dx = dout * mask, with the mask of the forward pass; shape of dout."""
    return dout * mask


def max_norm(W: np.ndarray, r: float, axis: int = 0) -> np.ndarray:
    """Max-norm constraint: w <- w * r / max(||w||_2, r) for each slice w along ``axis``.

    With W of shape (n_in, n_out) and axis=0, w is a column: the incoming weights
    of one output unit. Slices whose norm is at most r are returned unchanged.
    Returns a new array of W's shape.
    """
    if r <= 0.0:
        raise ValueError(f"r must be > 0, got {r}")
    norms = np.linalg.norm(W, axis=axis, keepdims=True)
    return W * (r / np.maximum(norms, r))


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` consecutive calls.

    Call ``update(val_loss)`` once per epoch. The call with 0-based index k
    improves when val_loss < best_loss - min_delta (the first call always does,
    for a finite loss); then best_loss = val_loss, best_epoch = k and the count
    of non-improvements ``wait`` restarts at 0, otherwise wait += 1.
    ``update`` returns should_stop = (wait >= patience); restore the weights of
    ``best_epoch`` after stopping.
    """

    def __init__(self, patience: int, min_delta: float = 0.0) -> None:
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        if min_delta < 0.0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = np.inf
        self.best_epoch = -1
        self.epoch = -1
        self.wait = 0
        self.should_stop = False

    def update(self, val_loss: float) -> bool:
        """Record the loss of the next epoch; True means stop training."""
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.wait = 0
        else:
            self.wait += 1
        self.should_stop = self.wait >= self.patience
        return self.should_stop


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    eps: float = 1e-5,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    momentum: float = 0.1,
    training: bool = True,
) -> tuple[np.ndarray, tuple]:
    """Batch normalization over the rows of x: out = gamma * x_hat + beta.

    x is (n, d); gamma, beta, running_mean, running_var are (d,); out is (n, d).

    Training: mu = mean_i x_i, var = mean_i (x_i - mu)^2 (the biased variance),
    x_hat = (x - mu) / sqrt(var + eps). If running_mean and running_var are given
    they are updated in place with torch's convention (``momentum`` is the weight
    of the new batch, and the running variance uses the unbiased variance)::

        running_mean <- (1 - momentum) * running_mean + momentum * mu
        running_var  <- (1 - momentum) * running_var + momentum * n / (n - 1) * var

    Inference (``training=False``): x_hat = (x - running_mean) / sqrt(running_var + eps),
    and nothing is updated.

    cache = (x_hat, gamma, 1 / sqrt(var + eps), training) for ``batchnorm_backward``.
    """
    if training:
        n = x.shape[0]
        if n < 2:
            raise ValueError("training-mode batch norm needs at least 2 rows")
        mu = x.mean(axis=0)
        var = x.var(axis=0)
        if running_mean is not None:
            running_mean *= 1.0 - momentum
            running_mean += momentum * mu
        if running_var is not None:
            running_var *= 1.0 - momentum
            running_var += momentum * x.var(axis=0, ddof=1)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("inference-mode batch norm needs running_mean and running_var")
        mu, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mu) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, training)


def batchnorm_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of batch normalization; dout and dx are (n, d), dgamma and dbeta (d,).

    dbeta = sum_i dout_i,  dgamma = sum_i dout_i * x_hat_i, and in training mode
    (mu and var depend on x; the compact cs231n form)::

        dx = gamma / (n * sqrt(var + eps)) * (n * dout - dbeta - x_hat * dgamma)

    In inference mode the statistics are constants: dx = gamma * dout / sqrt(var + eps).
    """
    x_hat, gamma, inv_std, training = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    if not training:
        return gamma * inv_std * dout, dgamma, dbeta
    n = dout.shape[0]
    dx = gamma * inv_std / n * (n * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta


def fuse_batchnorm(
    W: np.ndarray,
    b: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray]:
    """Fold inference-mode batch norm into the preceding dense layer Z = X @ W + b.

    With s = gamma / sqrt(var + eps) (one scale per output column)::

        W' = W * s                       (column j of W scaled by s_j)
        b' = (b - mean) * s + beta

    so that X @ W' + b' = gamma * (X @ W + b - mean) / sqrt(var + eps) + beta.
    W is (n_in, n_out); b, gamma, beta, mean, var and b' are (n_out,); W' is (n_in, n_out).
    """
    s = gamma / np.sqrt(var + eps)
    return W * s, (b - mean) * s + beta
