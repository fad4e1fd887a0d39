"""Answers that classic mistakes of a minibatch training loop give.

The course's loop (``fit``): in each epoch draw one order of the rows from ``rng``, take
one SGD step on each batch of ``batch_size`` rows of that order (the last may be smaller),
then record the cost over the whole training set, penalty included::

    history, ws, bs = mutants.minibatch_sgd(ws, bs, X, Y, 0.5, 0.01, 3, 5, rng, "misaligned")

With ``mistake=None`` this is ``MLP.fit`` with ``reference.optim.SGD(lr)`` and ``l2=lam``
(a sigmoid network with a softmax output and the cross-entropy). ``gradients(ws, bs, X, Y)``
and ``loss(ws, bs)`` replace the reference's, to judge a loop with a student's own
functions. ``TRAINING`` maps each mistake to the sentence the feedback shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from reference.network import MLP

TRAINING: dict[str, str] = {
    "no_shuffle": "each epoch draws a new order, rng.permutation(n), and takes the batches in "
                  "that order",
    "shuffle_once": "draw a new permutation in every epoch, not once before the loop",
    "misaligned": "the rows of X and Y were shuffled with different permutations, so the labels "
                  "no longer belong to their inputs: draw one order per epoch and index both X "
                  "and Y with it",
    "drop_last": "the last, smaller batch must not be dropped",
    "cost_before": "append the cost after each epoch, not before it",
    "cost_without_penalty": "the cost the loop records includes the penalty "
                            "lam / 2 * sum ||W||^2",
    "last_batch_cost": "record the cost over the whole training set after each epoch, not "
                       "the cost of the last batch",
    "array_split": "the batches are consecutive slices of batch_size rows of the order (the "
                   "last may be smaller), not np.array_split into n // batch_size parts",
    "array_split_ceil": "the batches are consecutive slices of batch_size rows of the order "
                        "(the last may be smaller), not np.array_split into ceil(n / "
                        "batch_size) balanced parts",
    "cost_every_step": "record the cost once per epoch, after its last step, not after every "
                       "step",
    "batch_cost_mean": "record the cost over the whole training set after each epoch, not the "
                       "mean of the batches' costs met during the epoch (the running average "
                       "Keras reports)",
}


def minibatch_sgd(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], X: np.ndarray,
                  Y: np.ndarray, lr: float, lam: float, epochs: int, batch_size: int,
                  rng: np.random.Generator, mistake: str | None = None, *,
                  gradients: Callable | None = None, loss: Callable | None = None
                  ) -> tuple[list[float], list[np.ndarray], list[np.ndarray]]:
    """``(costs after each epoch, weights, biases)`` of the loop with one mistake of
    :data:`TRAINING` (None: none); the given parameters are not changed."""
    if mistake is not None and mistake not in TRAINING:
        raise ValueError(f"unknown mistake {mistake!r}; known: {', '.join(TRAINING)}")
    gradients = gradients or (lambda W, b, Xb, Yb: MLP.from_params(W, b).gradients(
        Xb, Yb, l2=lam))
    penalty = 0.0 if mistake == "cost_without_penalty" else lam
    loss = loss or (lambda W, b: MLP.from_params(W, b).loss(X, Y, l2=penalty))
    ws, bs = [np.array(W, dtype=float) for W in weights], [np.array(b, float) for b in biases]
    n, history = len(X), []
    order = rng.permutation(n) if mistake == "shuffle_once" else np.arange(n)
    stop = n - n % batch_size if mistake == "drop_last" else n
    for _ in range(epochs):
        if mistake == "cost_before":
            history.append(loss(ws, bs))
        if mistake != "shuffle_once":
            order = np.arange(n) if mistake == "no_shuffle" else rng.permutation(n)
        labels = rng.permutation(n) if mistake == "misaligned" else order
        batches = [(order[i:i + batch_size], labels[i:i + batch_size])
                   for i in range(0, stop, batch_size)]
        if mistake in ("array_split", "array_split_ceil"):
            parts = -(-n // batch_size) if mistake == "array_split_ceil" else n // batch_size
            batches = [(b, b) for b in np.array_split(order, max(parts, 1))]
        met = []  # with batch_cost_mean: each batch's cost before its step, and its size
        for rows, targets in batches:
            if mistake == "batch_cost_mean":
                met.append((MLP.from_params(ws, bs).loss(X[rows], Y[targets], l2=lam), len(rows)))
            dWs, dbs = gradients(ws, bs, X[rows], Y[targets])
            ws = [W - lr * dW for W, dW in zip(ws, dWs, strict=True)]
            bs = [b - lr * db for b, db in zip(bs, dbs, strict=True)]
            if mistake == "cost_every_step":
                history.append(loss(ws, bs))
        if mistake == "cost_every_step":
            continue
        if mistake == "batch_cost_mean":
            costs, sizes = zip(*met, strict=True)
            history.append(float(np.average(costs, weights=sizes)))
        elif mistake == "last_batch_cost":
            last = batches[-1][0]
            history.append(MLP.from_params(ws, bs).loss(X[last], Y[last], l2=lam))
        elif mistake != "cost_before":
            history.append(loss(ws, bs))
    return history, ws, bs
