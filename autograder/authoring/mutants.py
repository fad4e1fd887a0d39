"""Answers that classic mistakes give, shared by hidden suites (for ``mutants=``).

Each function computes what a student who made one named mistake would return, in the
reference's conventions (batches are rows, ``z^l = a^{l-1} W^l + b^l``, the cost is the
mean over the batch, so ``delta^l`` carries its ``1/n``)::

    grads = mutants.backprop_mutants(weights, biases, X, Y, activation="tanh", l2=lam)
    expect(got[0][i], "dW").close_to(dWs[i], mutants={m: g[0][i] for m, g in grads.items()})

``BACKPROP`` and ``FORWARD`` map each mistake's key to the sentence the feedback shows.
With ``mistake=None`` the functions compute the correct values (the reference's), so
a mutant differs from the right answer only by its mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from autograder.authoring.optimizer_mutants import DEFAULTS as OPTIMIZER_DEFAULTS
from autograder.authoring.optimizer_mutants import (
    OPTIMIZER,
    init_state,
    optimizer_runs,
    optimizer_step,
)
from autograder.authoring.training_mutants import TRAINING, minibatch_sgd
from reference.activations import ACTIVATIONS, sigmoid, sigmoid_prime, softmax

__all__ = ["BACKPROP", "FORWARD", "MEAN_OVER_ENTRIES", "OPTIMIZER", "OPTIMIZER_DEFAULTS",
           "TRAINING", "backprop", "backprop_mutants", "column_softmax",
           "epsilon_cost_mistakes", "forward_pass", "init_state", "minibatch_sgd",
           "naive_softmax", "one_sided_gradient", "optimizer_runs", "optimizer_step",
           "relative_error_mistakes"]

Grads = tuple[list[np.ndarray], list[np.ndarray]]

#: a cost (or its gradient) divided by every entry, n K, as np.mean over a batch of K outputs
MEAN_OVER_ENTRIES = ("averaged over every entry (n K) instead of summing over the K outputs "
                     "of a sample and averaging over the n samples")

BACKPROP: dict[str, str] = {
    "dW_no_transpose": "missing transpose: a^{l-1} @ delta^l instead of a^{l-1}.T @ delta^l",
    "dW_transposed": "dC/dW^l transposed: delta^l.T @ a^{l-1} (NNDL's column convention) has "
                     "shape (n_l, n_{l-1}), but W^l has shape (n_{l-1}, n_l)",
    "W_no_transpose": "missing transpose in BP2: delta^{l+1} @ W^{l+1} instead of "
                      "delta^{l+1} @ W^{l+1}.T",
    "W_off_by_one": "off-by-one layer index in BP2: delta^l = (delta^{l+1} W^{l+1 T}) f'(z^l) "
                    "multiplies by W^{l+1}, where W^l was used",
    "f_not_prime": "sigma instead of sigma': the activation f(z) was used instead of its "
                   "derivative f'(z)",
    "a_for_z": "using a where z is needed: f' was evaluated at the activation a = f(z) "
               "instead of the pre-activation z",
    "prime_formula_at_z": "using z where a is needed: f' was computed by its formula in "
                          "a = f(z) (sigma' = a (1 - a), tanh' = 1 - a**2) applied to z",
    "prime_from_masked_a": "f'(z^l) was computed from the masked activation "
                           "a^l = f(z^l) * m^l; use f(z^l) without the mask",
    "db_not_summed": "db was not summed over the batch: dC/db^l is the column sums of "
                     "delta^l, shape (n_l,)",
    "db_averaged": "db was averaged over the batch: the 1/n of the mean cost is already "
                   "inside delta^l, so sum its rows",
    "db_rows": "db was summed over the units (axis=1): dC/db^l sums delta^l over the batch, "
               "axis=0",
    "sum_not_mean": "summing instead of averaging: the gradients are n times too large; the "
                    "cost is the mean over the batch, so delta^L carries a factor 1/n",
    "mean_twice": "averaged twice: the gradients are n times too small; the 1/n of the mean "
                  "cost is already inside delta^L, so BP3 and BP4 are plain sums over the batch",
    "off_by_one_fprime": "off-by-one layer index: BP2 for layer l used f'(z^{l+1}) instead "
                         "of f'(z^l)",
    "off_by_one_a": "off-by-one layer index: dC/dW^l used a^l instead of a^{l-1}",
    "sigmoid_prime_always": "BP2 used sigma'(z^l) whatever the hidden activation: f' is the "
                            "derivative of the network's own activation f",
    "sign_flipped": "the output error has the wrong sign: delta^L = (a^L - Y) / n, not "
                    "(Y - a^L) / n",
    "all_signs_flipped": "the whole gradient has the wrong sign (the penalty's part too)",
    "bp1_at_z": "BP1's error is a^L - Y with the output a^L = g(z^L), not z^L - Y with the "
                "pre-activation z^L",
    "output_prime": "for a softmax output with the cross-entropy (or a sigmoid with the "
                    "binary cross-entropy), delta^L = (a^L - Y) / n: there is no g'(z^L) factor",
    "quadratic_bp1": "delta^L is BP1 of the quadratic cost with a sigmoid output, "
                     "(sigma(z^L) - Y) sigma'(z^L) / n; a softmax output with the cross-entropy "
                     "gives delta^L = (a^L - Y) / n",
    "mask_not_reused": "the dropout mask was used in the forward pass but not reused in the "
                       "backward pass: delta^l must be multiplied by the same mask m^l",
    "l2_missing": "the penalty's gradient lam W was not added to dC/dW",
    "l2_over_n": "the course's penalty is lam / 2 * sum ||W||^2, not divided by the number of "
                 "samples (Nielsen's lam / 2n)",
    "l2_half": "the derivative of lam / 2 * w^2 is lam w, not lam w / 2",
    "l2_double": "2 lam W is the gradient of lam sum W^2, not of the course's "
                 "lam / 2 sum W^2",
    "l2_on_biases": "the penalty applies to the weights only, not to the biases",
}

FORWARD: dict[str, str] = {
    "no_bias": "the bias b^l was not added: z^l = a^{l-1} W^l + b^l",
    "no_hidden_activation": "the hidden activation was not applied: a^l = f(z^l), not z^l",
    "z_from_z": "z^l was computed from z^{l-1} instead of a^{l-1} = f(z^{l-1})",
    "output_as_hidden": "the output layer applied the hidden activation instead of the "
                        "output function (softmax)",
    "hidden_as_output": "the hidden layers applied the output function (softmax) instead of "
                        "the hidden activation: a^l = f(z^l) for l < L",
    "output_after_hidden": "the output layer applied the hidden activation before the output "
                           "function: a^L = softmax(z^L), not softmax(f(z^L))",
    "zs_hold_a": "zs holds the activations a^l = f(z^l) instead of the pre-activations z^l",
    "column_softmax": "the softmax must normalise each row (axis=1), not each column",
    "naive_softmax": "exp of large logits overflows: subtract each row's maximum before exp",
    "mask_missing": "the dropout mask multiplies the hidden activations a^l = f(z^l) * m^l",
    "mask_on_z": "the dropout mask multiplies the activation a^l = f(z^l) * m^l, not the "
                 "pre-activation inside it, f(z^l * m^l)",
}

_OUTPUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "softmax": softmax, "sigmoid": sigmoid, "linear": lambda z: z}
_LOSS = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy", "linear": "quadratic"}
# f' written in terms of a = f(z), for the mistakes that feed it the wrong argument
_PRIME_OF_A: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a**2}


# ---------------------------------------------------------------------------
# softmax and finite differences


def naive_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z) / sum exp(z) without subtracting the maximum: nan once exp overflows."""
    with np.errstate(all="ignore"):
        e = np.exp(np.asarray(z, dtype=np.float64))
        return e / e.sum(axis=axis, keepdims=True)


def column_softmax(z: np.ndarray) -> np.ndarray:
    """The softmax of each column (axis=0) where each row's is expected."""
    return softmax(np.asarray(z, dtype=np.float64), axis=0)


def one_sided_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                       h: float) -> np.ndarray:
    """Forward differences grad[i] = (f(x + h e_i) - f(x)) / h, where the central
    (f(x + h e_i) - f(x - h e_i)) / 2h is expected. As in
    ``reference.gradcheck.numerical_gradient``, a float64 x is perturbed in place and
    each entry restored exactly, so f may read x through a closure."""
    x = np.asarray(x, dtype=np.float64)
    base = f(x)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        grad[i] = (f(x) - base) / h
        x[i] = old
    return grad


def relative_step_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                           h: float) -> np.ndarray:
    """Central differences with a step scaled to each entry, h_i = h |x_i| (h where
    x_i = 0), where the fixed step h is expected (on a copy of x)."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        step = h * abs(old) or h
        x[i] = old + step
        up = f(x)
        x[i] = old - step
        grad[i] = (up - f(x)) / (2 * step)
        x[i] = old
    return grad


def drifted_gradient(f: Callable[[np.ndarray], float], x: np.ndarray,
                     h: float) -> np.ndarray:
    """Central differences that never put an entry back: each entry stays at its value
    - h, so the later entries are differentiated at a drifted point (on a copy of x)."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        grad[i] = (up - f(x)) / (2 * h)
    return grad


def epsilon_cost_mistakes(P: np.ndarray, Y: np.ndarray, penalty: float = 0.0
                          ) -> dict[str, float | None]:
    """The cross-entropy -sum Y ln P / n (+ ``penalty``) of softmax outputs P, each never 0,
    taken with an epsilon some libraries add: its classic forms, keyed by what went wrong.
    Only confident outputs (P within 1e-7 of 0 or 1) tell the clipped forms apart, and
    scikit-learn's clipping at 1e-15 is offered only where a target's P is beyond it."""
    n = len(P)
    beyond = np.any((Y != 0) & ((P < 1e-15) | (P > 1 - 1e-15)))
    return {
        "ln(P + 1e-7) shifts the cost; the softmax's P is never 0 here, so take ln P itself":
            -float(np.sum(Y * np.log(P + 1e-7))) / n + penalty,
        "P was clipped to [1e-7, 1 - 1e-7] (Keras's epsilon), which changes the cost of "
        "confident outputs; the softmax's P is never 0 here, so take ln P itself":
            -float(np.sum(Y * np.log(np.clip(P, 1e-7, 1 - 1e-7)))) / n + penalty,
        "P was clipped to [1e-15, 1 - 1e-15] (scikit-learn's log_loss), which changes the "
        "cost of outputs beyond it; the softmax's P is never 0 here, so take ln P itself":
            -float(np.sum(Y * np.log(np.clip(P, 1e-15, 1 - 1e-15)))) / n + penalty
            if beyond else None}


def relative_error_mistakes(a: np.ndarray, b: np.ndarray) -> dict[str, float | None]:
    """The classic wrong forms of rel(a, b) = max|a_i - b_i| / max(|a_i| + |b_i|), keyed
    by what went wrong. For two zero arrays only the missing guard is named: every form
    without one gives 0/0 = nan there. A floor under the scale shows only on arrays whose
    max(|a_i| + |b_i|) is below it (where the entrywise form, floored at 1e-8 as usual,
    is the same number and is not named)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(all="ignore"):
        d, s = np.abs(a - b), np.abs(a) + np.abs(b)
        if np.max(s) == 0:
            return {"two zero arrays give 0/0 = nan; return 0 when both are zero": float("nan")}
        one_zero = not np.any(a) or not np.any(b)
        return {
            "the relative error was taken entry by entry, max |a_i - b_i| / (|a_i| + |b_i|); "
            "divide the largest difference by the largest |a_i| + |b_i|":
                float(np.max(d / np.maximum(s, 1e-8))) if np.max(s) >= 1e-8 else None,
            "norms were used, ||a - b|| / (||a|| + ||b||); use the maximum entries":
                float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))),
            "the scale was max|a| + max|b| instead of max(|a_i| + |b_i|)":
                float(np.max(d) / (np.max(np.abs(a)) + np.max(np.abs(b)))),
            "the scale was max|a_i + b_i| instead of max(|a_i| + |b_i|): entries of "
            "opposite signs cancel": float(np.max(d) / max(np.max(np.abs(a + b)), 1e-300)),
            "the scale was max(a_i + b_i) instead of max(|a_i| + |b_i|): the absolute values "
            "are missing": float(np.max(d) / np.max(a + b)),
            "0 for arrays that differ: a shortcut such as np.allclose(a, b) took a small "
            "difference for none (or max(a_i - b_i) lacks the absolute value); rel is 0 only "
            "when a == b": 0.0 if np.max(d) > 0 and np.allclose(a, b) else None,
            "the difference needs its absolute value: max|a_i - b_i|, not max(a_i - b_i)":
                float(np.max(a - b) / np.max(s)),
            "the relative error takes the largest entries, not the means: "
            "max|a_i - b_i| / max(|a_i| + |b_i|)": float(np.mean(d) / np.mean(s)),
            "np.linalg.norm(x, ord=np.inf) of a matrix is its largest row sum of |x_ij|, not "
            "its largest entry: take np.max(np.abs(x))": float(
                np.linalg.norm(d, np.inf) / np.linalg.norm(s, np.inf)) if d.ndim == 2 else None,
            "0 only when both arrays are zero: with one zero array, rel = max|b_i| / max|b_i| "
            "= 1": 0.0 if one_zero else None,
            "the scale was floored at 1e-8: rel(a, b) does not depend on the size of a and b, "
            "and only two zero arrays need a guard":
                float(np.max(d) / 1e-8) if np.max(s) < 1e-8 else None}


# ---------------------------------------------------------------------------
# the forward pass and backpropagation of an MLP


def forward_pass(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], X: np.ndarray,
                 mistake: str | None = None, *, activation: str = "sigmoid",
                 output: str = "softmax", masks: Sequence[np.ndarray] | None = None
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(zs, activations)`` as ``MLP.forward_pass`` computes them, with one mistake of
    :data:`FORWARD` (None: none): zs = [z^1, ..., z^L], activations = [a^0 = X, ..., a^L],
    with inverted-dropout ``masks`` (one per hidden layer) if given."""
    _known(mistake, FORWARD)
    f = ACTIVATIONS[activation][0]
    out = {"column_softmax": column_softmax, "naive_softmax": naive_softmax,
           "output_as_hidden": f,
           "output_after_hidden": lambda z: _OUTPUTS[output](f(z))}.get(mistake or "",
                                                                       _OUTPUTS[output])
    hidden = _OUTPUTS[output] if mistake == "hidden_as_output" else f
    zs: list[np.ndarray] = []
    acts = [np.asarray(X, dtype=np.float64)]
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        source = zs[-1] if mistake == "z_from_z" and zs else acts[-1]
        zs.append(source @ W + (0.0 if mistake == "no_bias" else b))
        if i == len(weights) - 1:
            acts.append(out(zs[-1]))
            continue
        if masks is not None and mistake == "mask_on_z":
            acts.append(hidden(zs[-1] * masks[i]))
            continue
        a = zs[-1] if mistake == "no_hidden_activation" else hidden(zs[-1])
        acts.append(a if masks is None or mistake == "mask_missing" else a * masks[i])
    if mistake == "zs_hold_a":
        zs = acts[1:]
    return zs, acts


def backprop(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], X: np.ndarray,
             Y: np.ndarray, mistake: str | None = None, *, activation: str = "sigmoid",
             output: str = "softmax", loss: str | None = None, l2: float = 0.0,
             masks: Sequence[np.ndarray] | None = None) -> Grads | None:
    """``(dWs, dbs)`` of the mean cost plus ``l2 / 2 * sum ||W^l||^2`` by the four
    equations (BP1 delta^L = (a^L - Y) / n, times g'(z^L) for a sigmoid output with the
    quadratic cost; BP2 delta^l = (delta^{l+1} W^{l+1 T}) * f'(z^l) (* m^l);
    BP3 dC/db^l = sum_rows delta^l; BP4 dC/dW^l = a^{l-1 T} delta^l + l2 W^l), with one
    mistake of :data:`BACKPROP` switched on (None: none). X is (n, n_0) and Y (n, n_L)
    (one-hot rows for a softmax output). ``loss`` defaults to the output's canonical
    cost. None when the mistake does not apply (a mask mistake
    without masks, a penalty mistake with ``l2 = 0``, a formula in ``a`` for an
    activation that has none) or makes the computation fail (shapes that do not fit)."""
    _known(mistake, BACKPROP)
    loss = loss or _LOSS[output]
    if not _applies(mistake, activation, (output, loss), l2, masks):
        return None
    f, fp = ACTIVATIONS[activation]
    zs, acts = forward_pass(weights, biases, X, activation=activation, output=output,
                            masks=masks)
    delta = _output_error(zs[-1], acts[-1], np.asarray(Y, dtype=np.float64), mistake, output,
                          loss)
    slope = {
        "f_not_prime": lambda j: f(zs[j]),
        "a_for_z": lambda j: fp(acts[j + 1]),
        "prime_formula_at_z": lambda j: _PRIME_OF_A[activation](zs[j]),
        "prime_from_masked_a": lambda j: _PRIME_OF_A[activation](acts[j + 1]),
        "off_by_one_fprime": lambda j: fp(zs[j + 1]),
        "sigmoid_prime_always": lambda j: sigmoid_prime(zs[j]),
    }.get(mistake or "", lambda j: fp(zs[j]))
    L = len(weights)
    dWs: list[np.ndarray] = [np.empty(0)] * L
    dbs: list[np.ndarray] = [np.empty(0)] * L
    try:
        for i in range(L - 1, -1, -1):
            dWs[i] = _weight_gradient(acts, delta, i, mistake) + _penalty(weights[i], l2,
                                                                         mistake, len(X))
            dbs[i] = _bias_gradient(delta, mistake) + (
                l2 * biases[i] if mistake == "l2_on_biases" else 0.0)
            if i > 0:
                W = {"W_no_transpose": weights[i],
                     "W_off_by_one": weights[i - 1].T}.get(mistake or "", weights[i].T)
                delta = (delta @ W) * slope(i - 1)
                if masks is not None and mistake != "mask_not_reused":
                    delta = delta * masks[i - 1]
    except (ValueError, IndexError):
        return None
    if mistake == "all_signs_flipped":
        return [-g for g in dWs], [-g for g in dbs]
    return dWs, dbs


def backprop_mutants(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                     X: np.ndarray, Y: np.ndarray, mistakes: Iterable[str] | None = None,
                     **options) -> dict[str, Grads]:
    """``{message: (dWs, dbs)}`` for each mistake (default: all of :data:`BACKPROP`) that
    applies here and changes the answer; ``options`` as for :func:`backprop`."""
    right = backprop(weights, biases, X, Y, **options)
    out = {}
    for key in BACKPROP if mistakes is None else mistakes:
        wrong = backprop(weights, biases, X, Y, key, **options)
        if wrong is not None and not _same(wrong, right):
            out[BACKPROP[key]] = wrong
    return out


def _known(mistake: str | None, table: dict[str, str]) -> None:
    if mistake is not None and mistake not in table:
        raise ValueError(f"unknown mistake {mistake!r}; known: {', '.join(table)}")


def _applies(mistake: str | None, activation: str, pair: tuple[str, str], l2: float,
             masks: Sequence[np.ndarray] | None) -> bool:
    """Whether the mistake can be made here at all."""
    if mistake in ("mask_not_reused", "prime_from_masked_a") and masks is None:
        return False
    if mistake == "output_prime":
        return pair in (("softmax", "cross_entropy"), ("sigmoid", "binary_cross_entropy"))
    if mistake == "quadratic_bp1":
        return pair == ("softmax", "cross_entropy")
    if mistake in ("prime_formula_at_z", "prime_from_masked_a"):
        return activation in _PRIME_OF_A
    if mistake == "sigmoid_prime_always":
        return activation != "sigmoid"
    return not (mistake is not None and mistake.startswith("l2_") and l2 == 0)


def _output_error(z: np.ndarray, a: np.ndarray, Y: np.ndarray, mistake: str | None,
                  output: str, loss: str) -> np.ndarray:
    """delta^L = dC/dz^L of the mean cost (BP1), or what a mistake makes of it."""
    out = z if mistake == "bp1_at_z" else a
    n = len(Y)
    delta = (out - Y) / {"sum_not_mean": 1, "mean_twice": n * n}.get(mistake or "", n)
    if mistake == "quadratic_bp1":
        delta = (sigmoid(z) - Y) * sigmoid_prime(z) / n
    elif (output, loss) == ("sigmoid", "quadratic"):
        delta = delta * sigmoid_prime(z)
    elif mistake == "output_prime":
        delta = delta * a * (1 - a)
    return -delta if mistake == "sign_flipped" else delta


def _weight_gradient(acts: list[np.ndarray], delta: np.ndarray, i: int,
                     mistake: str | None) -> np.ndarray:
    """BP4 for W^{i+1}, or what a mistake makes of it."""
    a_prev = acts[i + 1] if mistake == "off_by_one_a" else acts[i]
    if mistake == "dW_no_transpose":
        return a_prev @ delta
    if mistake == "dW_transposed":
        return delta.T @ a_prev
    return a_prev.T @ delta


def _bias_gradient(delta: np.ndarray, mistake: str | None) -> np.ndarray:
    """BP3, or what a mistake makes of it."""
    if mistake == "db_not_summed":
        return delta
    if mistake == "db_averaged":
        return delta.mean(axis=0)
    if mistake == "db_rows":
        return delta.sum(axis=1)
    return delta.sum(axis=0)


def _penalty(W: np.ndarray, l2: float, mistake: str | None, n: int) -> np.ndarray | float:
    """The gradient of l2 / 2 * ||W||^2, lam W, or what a mistake makes of it."""
    factor = {"l2_missing": 0.0, "l2_over_n": 1 / n, "l2_half": 0.5,
              "l2_double": 2.0}.get(mistake or "", 1.0)
    return factor * l2 * W if l2 else 0.0


def _same(a: Grads, b: Grads | None) -> bool:
    """The same gradients up to rounding (so the mistake changes nothing here)."""
    if b is None:
        return False
    pairs = list(zip(a[0] + a[1], b[0] + b[1], strict=True))
    return all(x.shape == y.shape and np.allclose(x, y, rtol=1e-9, atol=1e-12)
               for x, y in pairs)
