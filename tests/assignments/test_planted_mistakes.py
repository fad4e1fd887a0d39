"""Classic mistakes and broken rules, each planted in the master notebook on its own: the
question it belongs to loses points and its feedback names it; every other automatically
graded question keeps full marks (a mistake costs points once)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.authoring.assign import master_notebook
from autograder.engine.pipeline import grade_path
from autograder.engine.results import Status

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SEED = 20261202

PLANTED = {
    "hw2 output_delta_softmax with a softmax of its own": (
        "hw2_backprop", "    return (softmax(ZL) - Y) / ZL.shape[0]\n",
        "    E = np.exp(ZL - ZL.max(axis=1, keepdims=True))\n"
        "    return (E / E.sum(axis=1, keepdims=True) - Y) / ZL.shape[0]\n", "q2",
        "did not call your softmax"),
    "hw3 cost_table row by row": (
        "hw3_cost", "    return -(y * np.log(a) + (1 - y) * np.log(1 - a))\n",
        "    return np.array([-(t * np.log(a[0]) + (1 - t) * np.log(1 - a[0])) for t in y[:, 0]])\n",
        "q2", "a Python loop over the rows or entries"),
    "hw3 numerical_gradient of a cost of its own": (
        "hw3_cost", "    Z = np.array(Z, dtype=float)\n    grad = np.empty_like(Z)\n",
        "    def softmax_cross_entropy(V, Y):  # a private copy\n"
        "        m = V.max(axis=1, keepdims=True)\n"
        "        lse = np.log(np.exp(V - m).sum(axis=1)) + m[:, 0]\n"
        "        return float(np.mean(lse * Y.sum(axis=1) - (Y * V).sum(axis=1)))\n"
        "    Z = np.array(Z, dtype=float)\n    grad = np.empty_like(Z)\n",
        "q5", "did not call your softmax_cross_entropy"),
    "hw5 init_experiment with the Glorot formula written out": (
        "hw5_regularization", "    glorot = [glorot_normal(m, k, rng) for m, k in shapes]\n",
        "    glorot = [rng.normal(0.0, np.sqrt(2.0 / (m + k)), size=(m, k)) for m, k in shapes]\n",
        "q10", "did not call your glorot_normal"),
    "hw1 one_hot by a Python loop over the labels": (
        "hw1_forward", "    Y[np.arange(labels.shape[0]), labels] = 1.0\n",
        "    for i, label in enumerate(labels):\n        Y[i, label] = 1.0\n", "q5",
        "a Python loop over the rows or entries"),
    "hw7 predict_network row by row": (
        "hw7_capacity", "    return np.tanh(X @ W1 + b1) @ W2 + b2\n",
        "    return np.vstack([np.tanh(x @ W1 + b1) @ W2 + b2 for x in X])\n", "q4",
        "a Python loop over the rows or entries"),
    "hw7 select_hidden_units choosing best_M itself": (
        "hw7_capacity", "    return table, best_hidden_units(Ms, table)\n",
        "    return table, Ms[int(np.argmin(table.min(axis=1)))]\n", "q5",
        "did not call your best_hidden_units"),
    "hw6 fit repeating sgd_step's work inline": (
        "hw6_digits", "            self.sgd_step(X[rows], Y[rows])\n",
        "            dWs, dbs = self.gradients(X[rows], Y[rows])\n"
        "            self.weights = [W - self.lr * dW for W, dW in zip(self.weights, dWs)]\n"
        "            self.biases = [b - self.lr * db for b, db in zip(self.biases, dbs)]\n",
        "q3", "did not call your NeuralNetwork.sgd_step"),
    "hw6 predict_proba with a softmax of its own": (
        "hw6_digits", "        return self.feedforward(X)[1][-1]\n",
        "        a = X\n"
        "        for W, b in zip(self.weights[:-1], self.biases[:-1]):\n"
        "            a = sigmoid(a @ W + b)\n"
        "        z = a @ self.weights[-1] + self.biases[-1]\n"
        "        e = np.exp(z - z.max(axis=1, keepdims=True))\n"
        "        return e / e.sum(axis=1, keepdims=True)\n", "q1", "did not call your softmax"),
    "hw6 feedforward with a sigmoid of its own": (
        "hw6_digits", "activations.append(softmax(z) if l == last else sigmoid(z))",
        "activations.append(softmax(z) if l == last else 1.0 / (1.0 + np.exp(-z)))", "q1",
        "did not call your sigmoid"),
    "hw1 tanh' as sech(z)": (
        "hw1_forward", "return 1.0 - np.tanh(z) ** 2", "return 1.0 / np.cosh(z)", "q3",
        "sech(z)**2 = 1 / cosh(z)**2: the square is missing"),
    "hw1 softmax shifted by the row minimum": (
        "hw1_forward", "E = np.exp(Z - Z.max(axis=-1, keepdims=True))",
        "E = np.exp(Z - Z.min(axis=-1, keepdims=True))", "q4", "subtracted each row's minimum"),
    "hw1 accuracy rounded": (
        "hw1_forward", "return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))",
        "return round(float(np.mean(np.asarray(y_true) == np.asarray(y_pred))), 2)", "q7",
        "the fraction was rounded"),
    "hw1 elu' truncated to ints for an int input": (
        "hw1_forward", "z = np.asarray(z, dtype=float)\n    return np.where(z > 0, 1.0, alpha * "
        "np.exp(np.minimum(z, 0.0)))", "z = np.asarray(z)\n    return np.where(z > 0, 1.0, alpha "
        "* np.exp(np.minimum(z, 0.0))).astype(z.dtype)", "q3",
        "an int input gave a result truncated to an int"),
    "hw1 mlp_forward without the notebook's sigmoid": (
        "hw1_forward", "    A1 = sigmoid(Z1)\n", "    A1 = 1.0 / (1.0 + np.exp(-Z1))\n", "q6",
        "did not call your sigmoid"),
    "hw1 the hidden activation before the output softmax": (
        "hw1_forward", "    return Z1, A1, Z2, softmax(Z2)\n",
        "    return Z1, A1, Z2, softmax(sigmoid(Z2))\n", "q6",
        "the output layer applied the hidden activation before the output function"),
    "hw1 sigmoid of a plain number through math.exp": (
        "hw1_forward", '    """Logistic sigmoid, stable for any z."""\n',
        '    """Logistic sigmoid, stable for any z."""\n    if isinstance(z, float):\n'
        '        import math\n        return 1.0 / (1.0 + math.exp(-z))\n', "q1",
        "stable for every z"),
    "hw1 mlp_forward with sigmoid_prime for the hidden activation": (
        "hw1_forward", "    A1 = sigmoid(Z1)\n", "    A1 = sigmoid_prime(Z1)\n", "q6",
        "not its derivative sigmoid_prime(Z1)"),
    "hw1 predict with every tied index": (
        "hw1_forward", "return np.argmax(P, axis=-1)",
        "return np.nonzero(P == P.max(axis=-1, keepdims=True))[-1]", "q7",
        "np.nonzero(P == P.max(...)) gives every tied index"),
    "hw1 leaky_relu keeps its results by z alone": (
        "hw1_forward", "def leaky_relu(z, alpha=0.01):\n",
        "_kept = {}\n\n\ndef leaky_relu(z, alpha=0.01):\n"
        "    key = np.asarray(z, dtype=float).tobytes()\n"
        "    if key not in _kept:\n        _kept[key] = _leaky(z, alpha)\n"
        "    return _kept[key].copy()\n\n\ndef _leaky(z, alpha=0.01):\n", "q2",
        "must depend on alpha too"),
    "hw2 BP1 with sigma' through e^-z": (
        "hw2_backprop", "    return (sigmoid(ZL) - Y) / n * sigmoid_prime(ZL)",
        "    e = np.exp(-ZL)\n    return (sigmoid(ZL) - Y) / n * e / (1 + e) ** 2", "q1",
        "gives inf / inf = nan where z < -710"),
    "hw2 relative error with a floored scale": (
        "hw2_backprop", "    scale = np.max(np.abs(a) + np.abs(b))\n",
        "    scale = max(np.max(np.abs(a) + np.abs(b)), 1e-8)\n", "q7",
        "the scale was floored at 1e-8"),
    "hw3 cross-entropy delta left uncancelled": (
        "hw3_cost", "    delta = sigmoid(X @ w + b) - y\n",
        "    a = sigmoid(X @ w + b)\n    delta = (a - y) / (a * (1 - a)) * (a * (1 - a))\n", "q3",
        "was left uncancelled"),
    "hw4 Adam keeps the running maximum of v": (
        "hw4_optimizers", "    v = beta2 * state[\"v\"] + (1 - beta2) * grad * grad\n    m_hat",
        "    v = np.maximum(state[\"v\"], beta2 * state[\"v\"] + (1 - beta2) * grad * grad)\n"
        "    m_hat", "q3", "v kept its running maximum"),
    "hw4 clip_by_value returns an array that needs no clipping itself": (
        "hw4_optimizers", "    return [np.clip(g, -c, c) for g in grads]",
        "    return [g if np.all(np.abs(g) <= c) else np.clip(g, -c, c) for g in grads]", "q6",
        "returned its argument `grads["),
    "hw4 run_valley steps with the lecture's valley gradient": (
        "hw4_optimizers", "step(theta, valley_grad(theta, a, b), state, **hyper)",
        "step(theta, valley_grad(theta, 20, 1), state, **hyper)", "q4",
        "the steps used the gradient of the lecture's valley"),
    "hw4 a reduction below min_lr skipped": (
        "hw4_optimizers", "                self.lr = max(self.lr * self.factor, self.min_lr)\n",
        "                if self.lr * self.factor >= self.min_lr:\n"
        "                    self.lr = self.lr * self.factor\n", "q5",
        "a reduction that would go below min_lr was skipped"),
    "hw2 central differences with step h/2": (
        "hw2_backprop", "    grads = []\n", "    grads, h = [], h / 2\n", "q7",
        "the difference with step h/2"),
    "hw2 the Hessian's theta with each W raveled column by column": (
        "hw2_backprop", "    theta = flatten_params(weights, biases)\n    H = np.empty(",
        "    def flatten_params(ws, bs):\n        return np.concatenate([p.ravel(order='F') "
        "for W, b in zip(ws, bs) for p in (W, b)])\n\n"
        "    def unflatten_params(t, ws, bs):\n        out, i = [], 0\n"
        "        for p in [p for W, b in zip(ws, bs) for p in (W, b)]:\n"
        "            out.append(t[i:i + p.size].reshape(p.shape, order='F'))\n"
        "            i += p.size\n        return out[0::2], out[1::2]\n\n"
        "    theta = flatten_params(weights, biases)\n    H = np.empty(", "q9",
        "flattened column by column"),
    "hw2 wrong_layers keeps its finite differences by the data": (
        "hw2_backprop",
        "    num_W, num_b = numerical_gradient_of_cost(weights, biases, X, Y, activation)\n",
        "    kept = wrong_layers.__dict__.setdefault('kept', {})\n"
        "    key = (activation, X.tobytes(), Y.tobytes())\n    if key not in kept:\n"
        "        kept[key] = numerical_gradient_of_cost(weights, biases, X, Y, activation)\n"
        "    num_W, num_b = kept[key]\n", "q8", "they depend on the weights too"),
    "hw3 train_neuron records the cost of a rounded target": (
        "hw3_cost", "                    else binary_cross_entropy(a, target))",
        "                    else binary_cross_entropy(a, np.round(target)))", "q4",
        "for the label 1"),
    "hw3 train_neuron keeps its runs by w, b, eta and epochs": (
        "hw3_cost", 'def train_neuron(w, b, x, y, eta, epochs, cost="cross_entropy"):\n',
        'def train_neuron(w, b, x, y, eta, epochs, cost="cross_entropy", _runs={}):\n'
        "    key = (w, b, eta, epochs, cost)\n"
        "    if key not in _runs:\n        _runs[key] = _train_neuron(w, b, x, y, eta, epochs, cost)\n"
        "    return _runs[key]\n\n\n"
        'def _train_neuron(w, b, x, y, eta, epochs, cost="cross_entropy"):\n', "q4",
        "x and y change the run too"),
    "hw4 clip_by_norm with the spectral norm of each matrix": (
        "hw4_optimizers", "    norm = np.sqrt(sum(np.sum(g * g) for g in grads))\n",
        "    norm = np.sqrt(sum(np.linalg.norm(g, 2) ** 2 for g in grads))\n", "q6",
        "largest singular value"),
    "hw5 max_norm in Keras's form": (
        "hw5_regularization", "    return W * (r / np.maximum(norms, r))",
        "    return W * np.clip(norms, 0, r) / (1e-7 + norms)", "q5", "Keras's MaxNorm"),
    "hw5 dgamma against the centred x": (
        "hw5_regularization", "    return dx, dgamma, dbeta\n",
        "    return dx, (dout * (x - x.mean(axis=0))).sum(axis=0), dbeta\n", "q7",
        "not only centred"),
    "hw6 predict squeezes a batch of one": (
        "hw6_digits", "        return np.argmax(self.predict_proba(X), axis=1)",
        "        return np.squeeze(np.argmax(self.predict_proba(X), axis=1))", "q1",
        "squeezed"),
    "hw6 the study's sweeps share one generator": (
        "hw6_digits", "    def run(batch_size, lam):\n", "    shared = np.random.default_rng(seed)\n\n"
        "    def run(batch_size, lam, seed=None):\n        seed = shared\n", "q6",
        "one generator for the sweep"),
    "hw6 fit stops early once the cost levels off": (
        "hw6_digits", "        history.append(self.loss(X, Y))\n    return history\n",
        "        history.append(self.loss(X, Y))\n"
        "        if len(history) > 3 and min(history[-3:]) >= min(history[:-3]):\n"
        "            break\n    return history\n", "q3", "no early stopping"),
    "hw6 loss clipped as scikit-learn's log_loss": (
        "hw6_digits", "np.log(np.maximum(P, 1e-300))", "np.log(np.clip(P, 1e-15, 1 - 1e-15))",
        "q2", "scikit-learn's log_loss"),
    "hw6 fit draws a permutation more than one per epoch": (
        "hw6_digits", "        history.append(self.loss(X, Y))\n    return history\n",
        "        history.append(self.loss(X, Y))\n    self.rng.permutation(len(X))\n"
        "    return history\n", "q3", "fit drew more than one permutation per epoch"),
    "hw6 the study's networks from a fixed seed 0": (
        "hw6_digits", "                            rng=np.random.default_rng(seed))\n        history",
        "                            rng=np.random.default_rng(0))\n        history", "q6",
        "not a fixed default_rng(0)"),
    "hw7 train_network with AdamW's decoupled weight decay": (
        "hw7_capacity", "        cost, grads = network_gradients(params, X, Y, lam)\n"
        "        optimizer.step(params, grads)\n",
        "        cost, grads = network_gradients(params, X, Y, 0.0)\n"
        "        optimizer.step(params, grads)\n        for W in (params[0], params[2]):\n"
        "            W -= lr * lam * W\n", "q4", "decoupled weight decay"),
    "hw7 select_hidden_units over the sorted grid": (
        "hw7_capacity", "    for i, M in enumerate(Ms):\n        for r in range(R):",
        "    for i, M in enumerate(sorted(Ms)):\n        for r in range(R):", "q5",
        "sorts the grid"),
    "hw7 mistake_bound rounded down": (
        "hw7_capacity", "    return float((R / gamma) ** 2)", "    return float(int((R / gamma) ** 2))",
        "q1", "the bound was rounded down"),
    "hw7 train_network from a fixed seed 0": (
        "hw7_capacity", "    params = init_network(M, np.random.default_rng(seed))\n",
        "    params = init_network(M, np.random.default_rng(0))\n", "q4", "not a fixed seed 0"),
    "hw7 the starts' markers at np.tile(Ms, R)": (
        "hw7_capacity", "ax.plot(np.repeat(Ms, table.shape[1]), table.ravel()",
        "ax.plot(np.tile(Ms, table.shape[1]), table.ravel()", "q5",
        "every start's error is drawn above another M"),
    "hw7 train_network cached by its settings": (
        "hw7_capacity", "def train_network(X, Y, M, lr, epochs, lam, seed):\n",
        "_trained = {}\n\n\ndef train_network(X, Y, M, lr, epochs, lam, seed):\n"
        "    key = (M, lr, epochs, lam, seed, np.shape(X))\n"
        "    if key not in _trained:\n"
        "        _trained[key] = _train_network(X, Y, M, lr, epochs, lam, seed)\n"
        "    return _trained[key]\n\n\n"
        "def _train_network(X, Y, M, lr, epochs, lam, seed):\n", "q4",
        "the params of the earlier call came back"),
    "hw3 relative error with a floored scale": (
        "hw3_cost", "max(np.max(np.abs(a) + np.abs(b)), 1e-300)",
        "max(np.max(np.abs(a) + np.abs(b)), 1e-8)", "q5", "the scale was floored at 1e-8"),
    "hw2 relative error 0 whenever a is zero": (
        "hw2_backprop", "    return 0.0 if scale == 0 else",
        "    return 0.0 if not np.any(a) else", "q7", "0 only when both arrays are zero"),
    "hw2 cost with Keras's clipped probabilities": (
        "hw2_backprop", "    return -np.sum(Y * np.log(P)) / X.shape[0]",
        "    return -np.sum(Y * np.log(np.clip(P, 1e-7, 1 - 1e-7))) / X.shape[0]", "q7",
        "P was clipped to [1e-7, 1 - 1e-7]"),
    "hw2 cost from the largest target of each row": (
        "hw2_backprop", "    return -np.sum(Y * np.log(P)) / X.shape[0]\n",
        "    rows = np.arange(len(Y))\n"
        "    return -np.mean(Y.sum(axis=1) * np.log(P[rows, np.argmax(Y, axis=1)]))\n", "q7",
        "only the largest target of each row counts"),
    "hw2 cost without the notebook's forward_pass": (
        "hw2_backprop", "    P = forward_pass(weights, biases, X, activation)[1][-1]\n",
        "    A = X\n    for W, b in zip(weights[:-1], biases[:-1]):\n"
        "        A = ACTIVATIONS[activation][0](A @ W + b)\n"
        "    P = softmax(A @ weights[-1] + biases[-1])\n", "q7",
        "did not call your forward_pass"),
    "hw2 BP2 with sigma' whatever the activation": (
        "hw2_backprop", "hidden_delta(delta, weights[l - 1], zs[l - 2], activation)  # BP2",
        'hidden_delta(delta, weights[l - 1], zs[l - 2], "sigmoid")  # BP2', "q5",
        "BP2 used sigma'(z^l) whatever the hidden activation"),
    "hw2 BP2 by a reshape instead of a transpose": (
        "hw2_backprop", "    return (delta_next @ W_next.T) * f_prime(Z)\n",
        "    return (W_next @ delta_next.T).reshape(Z.shape) * f_prime(Z)\n", "q4",
        "reshape is not a transpose"),
    "hw2 BP1 with a softmax that overflows": (
        "hw2_backprop", "return (softmax(ZL) - Y) / ZL.shape[0]",
        "return (np.exp(ZL) / np.exp(ZL).sum(axis=1, keepdims=True) - Y) / ZL.shape[0]", "q2",
        "the given softmax, which subtracts each row's maximum"),
    "hw2 BP1 at the pre-activation": (
        "hw2_backprop", "return (softmax(ZL) - Y) / ZL.shape[0]", "return (ZL - Y) / ZL.shape[0]",
        "q2", "BP1's error is a^L - Y with the output a^L = g(z^L)"),
    "hw2 db kept 2-D (its shape costs Question 3 only)": (
        "hw2_backprop", "return A_prev.T @ delta, delta.sum(axis=0)",
        "return A_prev.T @ delta, delta.sum(axis=0, keepdims=True)", "q3",
        "The values are right but the shape is (1, "),
    "hw2 soft targets' dC/dp as if one-hot": (
        "hw2_backprop", "dC_dP = -Y / (n * P)", "dC_dP = np.where(Y > 0, -1.0, 0.0) / (n * P)",
        "q2", "holds for one-hot targets only"),
    "hw2 soft targets' dC/dp at the largest target only": (
        "hw2_backprop", "dC_dP = -Y / (n * P)",
        "dC_dP = np.where(Y == Y.max(axis=1, keepdims=True), -1.0, 0.0) / (n * P)", "q2",
        "at the largest target c = argmax_k y_ik alone"),
    "hw2 the input Jacobian with f'(z^L) at the softmax layer": (
        "hw2_backprop", "J = np.diag(p) - np.outer(p, p)  # dp / dz^L",
        "J = (np.diag(p) - np.outer(p, p)) * f_prime(zs[-1][0])", "q9",
        "the output layer's activation is the softmax alone"),
    "hw2 gradients averaged twice": (
        "hw2_backprop", "layer_gradients(activations[l - 1], delta)  # BP3",
        "(g / len(X) for g in layer_gradients(activations[l - 1], delta))  # BP3", "q5",
        "averaged twice"),
    "hw2 one update too few": (
        "hw2_backprop", "    for _ in range(steps):\n", "    for _ in range(steps - 1):\n", "q10",
        "one update too few"),
    "hw3 ln(p + eps)": (
        "hw3_cost", "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
        "    log_p = np.log(softmax(Z) + 1e-8)", "q5", "ln(p + 1e-08) is not ln p"),
    "hw3 c_best as H(y)": (
        "hw3_cost", "return np.asarray(grid, dtype=float)[j], T[np.arange(T.shape[0]), j]",
        "return np.asarray(grid, dtype=float)[j], binary_entropy(ys)", "q2",
        "returned the binary entropy H(y_i)"),
    "hw3 a_best as the grid value nearest y": (
        "hw3_cost", "    j = np.argmin(T, axis=1)\n", "    j = np.argmin(np.abs(np.asarray(grid)"
        "[None, :] - np.asarray(ys)[:, None]), axis=1)\n", "q2", "took the grid value nearest y"),
    "hw3 table_minimum over the targets (axis 0)": (
        "hw3_cost", "    j = np.argmin(T, axis=1)\n    return np.asarray(grid, dtype=float)[j], "
        "T[np.arange(T.shape[0]), j]\n", "    j = np.argmin(T, axis=0)\n"
        "    return np.asarray(grid, dtype=float)[j], T.min(axis=0)\n", "q2",
        "took the argmin over the targets (axis=0)"),
    "hw1 softmax shifting its logits in place, charged once": (
        "hw1_forward", "    E = np.exp(Z - Z.max(axis=-1, keepdims=True))\n",
        "    Z -= Z.max(axis=-1, keepdims=True)\n    E = np.exp(Z)\n", "q4",
        "changed an argument in place in other checks of this question too"),
    "hw6 heatmap of acc rounded": (
        "hw6_digits", 'image = ax.imshow(acc, cmap="viridis"',
        'image = ax.imshow(np.round(acc, 1), cmap="viridis"', "q5",
        "yours are rounded to 1 decimal;"),
    "hw3 loss curves named after each other's cost": (
        "hw3_cost", 'label=cost.replace("_", "-"))',
        'label={"quadratic": "cross-entropy", "cross_entropy": "quadratic"}[cost])', "q4",
        "a curve is named after the other cost"),
    "hw3 loss-curve axis labels swapped": (
        "hw3_cost", 'ax.set_xlabel("epoch")\nax.set_ylabel("cost")',
        'ax.set_xlabel("cost")\nax.set_ylabel("epoch")', "q4",
        "the x axis is labelled as the cost and the y axis as the epoch"),
    "hw7 plot_selection axis labels swapped": (
        "hw7_capacity", 'ax.set_xlabel("hidden units M")\n    ax.set_ylabel("validation error")',
        'ax.set_xlabel("validation error")\n    ax.set_ylabel("hidden units M")', "q5",
        "the x axis is labelled as the error and the y axis as M"),
    "hw4 race lines drawn invisibly": (
        "hw4_optimizers", "    ax.semilogy(costs, label=name)",
        '    ax.semilogy(costs, label=name, linestyle="None")', "q7",
        "drawn with neither a line style nor a marker"),
    "hw4 race plot of histories smoothed in the plot cell": (
        "hw4_optimizers", "for name, costs in histories.items():\n    ax.semilogy(costs, label=name)",
        "histories = {k: np.minimum.accumulate(v) for k, v in histories.items()}\n"
        "for name, costs in histories.items():\n    ax.semilogy(costs, label=name)", "q7",
        "the line of momentum: first mismatch"),
    "hw4 race legend naming the lines in another order": (
        "hw4_optimizers", "ax.legend()\nplt.show()",
        "ax.legend(ax.get_lines(), sorted(histories))\nplt.show()", "q7",
        "is nag's run: each name must stand for its own line"),
    "hw3 c_best by np.take without an axis": (
        "hw3_cost", "return np.asarray(grid, dtype=float)[j], T[np.arange(T.shape[0]), j]",
        "return np.asarray(grid, dtype=float)[j], np.take(T, j)", "q2",
        "np.take(T, j) indexes the flattened table"),
    "hw3 the slowdown ratio with sigma' at a": (
        "hw3_cost", "return error * sigmoid_prime(zs) / error",
        "return error * sigmoid_prime(sigmoid(zs)) / error", "q3",
        "instead of the pre-activation z; the ratio is sigma'(z)"),
    "hw3 the slowdown ratio without the magnitude of a - y below the line": (
        "hw3_cost", "return error * sigmoid_prime(zs) / error",
        "return error * sigmoid_prime(zs) / (sigmoid(zs) - y)", "q3",
        "it is negative wherever a < y"),
    "hw3 the slowdown ratio of a neuron with input x = z": (
        "hw3_cost", "return error * sigmoid_prime(zs) / error",
        "return np.abs(zs * error * sigmoid_prime(zs)) / np.abs(zs * error)", "q3",
        "with the input x = z both gradients vanish at z = 0"),
    "hw3 numerical_gradient through one row's cost": (
        "hw3_cost", "        up = softmax_cross_entropy(Z, Y)\n        Z[i] = old - h\n"
        "        down = softmax_cross_entropy(Z, Y)",
        "        row = slice(i[0], i[0] + 1)\n        up = softmax_cross_entropy(Z[row], Y[row])\n"
        "        Z[i] = old - h\n        down = softmax_cross_entropy(Z[row], Y[row])", "q5",
        "each entry was differentiated through its own row's cost alone"),
    "hw3 the two loss curves on twin axes": (
        "hw3_cost", '    ax.plot(np.arange(301), costs, label=cost.replace("_", "-"))',
        '    (ax if cost == "quadratic" else ax.twinx()).plot(np.arange(301), costs, '
        'label=cost.replace("_", "-"))', "q4", "the two loss curves are on different axes"),
    "hw4 NAG with momentum or 0.9": (
        "hw4_optimizers", '    b = momentum * state["b"] + grad\n    return theta - lr * (grad + '
        'momentum * b)', '    momentum = momentum or 0.9\n    b = momentum * state["b"] + grad\n'
        '    return theta - lr * (grad + momentum * b)', "q1", "momentum=0 was replaced by 0.9"),
    "hw4 RMSProp beta=0 replaced by the default": (
        "hw4_optimizers", '    s = beta * state["s"] + (1 - beta) * grad * grad\n',
        '    beta = beta or 0.99\n    s = beta * state["s"] + (1 - beta) * grad * grad\n', "q2",
        "beta=0 was replaced by 0.99"),
    "hw4 the cosine clipped above only": (
        "hw4_optimizers", "np.clip(cos, -1.0, 1.0)", "np.minimum(cos, 1.0)", "q6",
        "clip the cosine to [-1, 1], both ends"),
    "hw4 piecewise_constant flattened": (
        "hw4_optimizers", 'np.searchsorted(boundaries, t, side="right") - 1]',
        'np.searchsorted(boundaries, np.ravel(t), side="right") - 1]', "q5",
        "the result was flattened"),
    "hw4 Adam's m averaged with beta2": (
        "hw4_optimizers", '    m = beta1 * state["m"] + (1 - beta1) * grad\n'
        '    v = beta2 * state["v"] + (1 - beta2) * grad * grad\n    m_hat',
        '    m = beta2 * state["m"] + (1 - beta2) * grad\n'
        '    v = beta2 * state["v"] + (1 - beta2) * grad * grad\n    m_hat', "q3",
        "m was averaged with beta2"),
    "hw4 Adam corrected with the default betas": (
        "hw4_optimizers", "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)",
        "    m_hat = m / (1 - 0.9**t)\n    v_hat = v / (1 - 0.999**t)", "q3",
        "the bias correction used the default betas"),
    "hw4 NAdam's m decayed by mu_t": (
        "hw4_optimizers", '    mu_product = state["mu_product"] * mu\n    m = beta1 * state["m"]',
        '    mu_product = state["mu_product"] * mu\n    m = mu * state["m"]', "q3",
        "m was decayed by the momentum coefficient mu_t"),
    "hw4 the scheduler's best loss moved to the reducing epoch's loss": (
        "hw4_optimizers", "                self.wait = 0\n        return self.lr",
        "                self.wait = 0\n                self.best = val_loss\n        return self.lr",
        "q5", "the best loss became the loss of the epoch that reduced the rate"),
    "hw4 NAG expanded with mu b_old": (
        "hw4_optimizers", "return theta - lr * (grad + momentum * b), {",
        'return theta - lr * ((1 + momentum) * grad + momentum * state["b"]), {', "q1",
        "not (1 + mu) g + mu b_old"),
    "hw4 NAdam's schedule one step behind": (
        "hw4_optimizers", "0.96 ** (t * momentum_decay))\n    mu_next = beta1 * (1 - 0.5 * "
        "0.96 ** ((t + 1) * momentum_decay))", "0.96 ** ((t - 1) * momentum_decay))\n    "
        "mu_next = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))", "q3",
        "the momentum schedule ran one step behind"),
    "hw4 updates numbered from 1": (
        "hw4_optimizers", "steps = np.arange(epochs * steps_per_epoch)",
        "steps = np.arange(1, epochs * steps_per_epoch + 1)", "q5",
        "the updates were numbered from 1"),
    "hw4 the valley's gradient with a and b swapped": (
        "hw4_optimizers", "valley_grad(theta, a, b), state", "valley_grad(theta, b, a), state",
        "q4", "the gradient was taken with a and b swapped"),
    "hw5 gradient_norms without the notebook's backprop": (
        "hw5_regularization", "    dWs, _ = backprop(X, Y, weights, biases)\n",
        "    zs, acts = forward(X, weights, biases)\n    delta, dWs = (acts[-1] - Y) / len(X), []\n"
        "    for l in range(len(weights) - 1, -1, -1):\n"
        "        dWs.insert(0, acts[l].T @ delta)\n"
        "        s = 1 / (1 + np.exp(-zs[l - 1]))\n"
        "        delta = delta @ weights[l].T * s * (1 - s) if l else None\n", "q10",
        "did not call your backprop"),
    "hw5 ridge with uncentred X on the left": (
        "hw5_regularization", "w = np.linalg.solve(Xc.T @ Xc / n + lam * np.eye(d), Xc.T @ yc / n)",
        "w = np.linalg.solve(X.T @ X / n + lam * np.eye(d), Xc.T @ yc / n)", "q11",
        "mix centred and uncentred data (X^T X with Xc^T yc)"),
    "hw5 min_delta as a fraction of the loss": (
        "hw5_regularization", "if loss < best - min_delta:", "if loss < best * (1 - min_delta):",
        "q6", "min_delta is an absolute margin"),
    "hw5 no draw at rate 0": (
        "hw5_regularization", "    mask = (rng.random(x.shape) >= rate)",
        "    if rate == 0:\n        return x * 1.0, np.ones_like(x, dtype=float)\n"
        "    mask = (rng.random(x.shape) >= rate)", "q2",
        "the text draws the mask once, whatever the rate"),
    "hw6 predict as floats": (
        "hw6_digits", "return np.argmax(self.predict_proba(X), axis=1)",
        "return np.argmax(self.predict_proba(X), axis=1).astype(float)", "q1",
        "got values of dtype float64"),
    "hw6 fit_seconds in milliseconds": (
        "hw6_digits", "fit_seconds = time.perf_counter() - start",
        "fit_seconds = 1000 * (time.perf_counter() - start)", "q4",
        "time fit alone, in seconds"),
    "hw6 heatmap axis labels swapped": (
        "hw6_digits", 'ax.set_xlabel("L2 strength $\\\\lambda$")\n'
        '    ax.set_ylabel("learning rate $\\\\eta$")',
        'ax.set_xlabel("learning rate $\\\\eta$")\n    ax.set_ylabel("L2 strength $\\\\lambda$")',
        "q5", "the rows of acc are the learning rates"),
    "hw6 a step of lr times the batch size": (
        "hw6_digits", "        W -= self.lr * dW\n    for b, db in zip(self.biases, dbs):\n"
        "        b -= self.lr * db\n", "        W -= self.lr * len(X) * dW\n"
        "    for b, db in zip(self.biases, dbs):\n        b -= self.lr * len(X) * db\n", "q3",
        "weights[0]: first mismatch"),
    "hw6 set_params copying without making floats": (
        "hw6_digits", "self.weights = [np.array(W, dtype=float) for W in weights]",
        "self.weights = [np.array(W) for W in weights]", "q1", "the text asks for float copies"),
    "hw6 heatmap rows named the other way round": (
        "hw6_digits", '[f"{lr:g}" for lr in lrs]', '[f"{lr:g}" for lr in lrs[::-1]]', "q5",
        "a tick label names another row's learning rate"),
    "hw6 batches by np.array_split": (
        "hw6_digits", "        for start in range(0, len(X), self.batch_size):\n"
        "            rows = order[start:start + self.batch_size]\n",
        "        for rows in np.array_split(order, -(-len(X) // self.batch_size)):\n", "q3",
        "not np.array_split into ceil(n / batch_size) balanced parts"),
    "hw6 the end-to-end run without lam": (
        "hw6_digits", "lr=0.2, lam=1e-4, epochs=EPOCHS", "lr=0.2, epochs=EPOCHS", "q4",
        "built without lam=1e-4"),
    "hw6 fit's list kept on the network across calls": (
        "hw6_digits", "    history = []\n    for _ in range(self.epochs):",
        '    history = self.__dict__.setdefault("history", [])\n    for _ in range(self.epochs):',
        "q3", "fit called a second time returned"),
    "hw7 heaviside in float32": (
        "hw7_capacity", "return np.where(np.asarray(z) >= 0, 1.0, 0.0)",
        "return np.where(np.asarray(z) >= 0, 1.0, 0.0).astype(np.float32)", "q1",
        "the text asks for float64 arrays"),
    "hw7 parameters counted in 32-bit integers": (
        "hw7_capacity", "return int(sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], "
        "sizes[1:])))", "s = np.array(sizes, dtype=np.int32)\n    return int(np.sum((s[:-1] + 1) "
        "* s[1:]))", "q3", "wrapped around in 32-bit integers"),
    "hw7 training_errors kept across calls": (
        "hw7_capacity", "def training_errors(X, Y, Ms, lr, epochs, lam, seed):\n    \"\"\"The "
        "training error E of train_network(X, Y, M, ...) for each M of Ms.\"\"\"\n    # BEGIN "
        "SOLUTION\n    errors = []\n", "def training_errors(X, Y, Ms, lr, epochs, lam, seed, "
        "_cache={}):\n    key = (tuple(Ms), lr, epochs, lam, seed)\n    if key in _cache:\n"
        "        return _cache[key]\n    errors = _cache.setdefault(key, [])\n", "q4",
        "the errors of the earlier call came back"),
    "hw7 output biases not counted": (
        "hw7_capacity", "    return int(sum((n_in + 1) * n_out for n_in, n_out in "
        "zip(sizes[:-1], sizes[1:])))", "    return int(sum((n_in + 1) * n_out for n_in, n_out in "
        "zip(sizes[:-1], sizes[1:]))) - sizes[-1]", "q3", "the K output units have biases too"),
    "hw7 a new Adam at every step (its network misses q6's bar too, charged in q4 only)": (
        "hw7_capacity", "        optimizer.step(params, grads)", "        Adam(lr).step(params, grads)",
        "q4", "a new one at every step forgets the moment estimates"),
    "hw7 heaviside by the sign bit": (
        "hw7_capacity", "return np.where(np.asarray(z) >= 0, 1.0, 0.0)",
        "return 1.0 - np.signbit(np.asarray(z, dtype=float))", "q1",
        "H(-0.0) = 1; np.signbit(-0.0) is True"),
    "hw7 R over the columns": (
        "hw7_capacity", "R = np.sqrt(np.max(np.sum(X**2, axis=1)) + 1)",
        "R = np.sqrt(np.max(np.sum(np.column_stack([X, np.ones(len(X))])**2, axis=0)))", "q1",
        "R is the largest norm of a row (x_i, 1), axis=1, not of a column"),
    "hw7 a training rule with H(0) = 0 beside a right heaviside": (
        "hw7_capacity", "error = y_i - heaviside(x_i @ w + b)",
        "error = y_i - float(x_i @ w + b > 0)", "q1", "H(0) = 1: the unit fires"),
    "hw7 training errors as twice the cost": (
        "hw7_capacity", "errors.append(mean_squared_error(predict_network(params, X), Y))",
        "errors.append(2 * network_gradients(params, X, Y, lam)[0])", "q4",
        "twice the cost C adds the penalty"),
    "hw7 training errors in sorted order": (
        "hw7_capacity", "    for M in Ms:\n        params = train_network(",
        "    for M in sorted(Ms):\n        params = train_network(", "q4",
        "in the order of Ms as given, not sorted"),
    "hw1 one_hot fills an array kept between calls": (
        "hw1_forward", "    Y = np.zeros((labels.shape[0], n_classes))\n",
        "    key = (labels.shape[0], n_classes)\n"
        "    Y = one_hot.__dict__.setdefault(key, np.zeros(key))\n", "q5",
        "the ones of the call before are still there"),
    "hw5 ridge_fit remembers its fits by shape and lam": (
        "hw5_regularization",
        "    w = np.linalg.solve(Xc.T @ Xc / n + lam * np.eye(d), Xc.T @ yc / n)\n"
        "    return w, float(y_mean - x_mean @ w)\n",
        "    if (X.shape, lam) not in ridge_fit.__dict__:\n"
        "        w = np.linalg.solve(Xc.T @ Xc / n + lam * np.eye(d), Xc.T @ yc / n)\n"
        "        ridge_fit.__dict__[X.shape, lam] = w, float(y_mean - x_mean @ w)\n"
        "    return ridge_fit.__dict__[X.shape, lam]\n", "q11",
        "the fit of an earlier call came back"),
    "hw6 the study remembers its runs by batch size and lam": (
        "hw6_digits", "        net, history, acc = run(b, lams[0])\n",
        "        net, history, acc = hyperparameter_study.__dict__.setdefault((b, lams[0]), "
        "run(b, lams[0]))\n", "q6", "the results of the earlier call came back"),
    "hw7 a look-alike MLPRegressor whose predictions are not its network's": (
        "hw7_capacity", "    return MLPRegressor(hidden_layer_sizes=(M,)",
        "    from sklearn.neural_network import MLPRegressor as Real\n\n"
        "    class MLPRegressor(Real):\n"
        "        def predict(self, X):\n"
        "            return super().predict(X) + 1e-3\n\n"
        "    return MLPRegressor(hidden_layer_sizes=(M,)", "q6",
        "not those of the network in the fitted model's coefs_"),
    "hw7 training errors with a seed of each M's own": (
        "hw7_capacity", "    for M in Ms:\n        params = train_network(X, Y, M, lr, epochs, lam, seed)",
        "    for k, M in enumerate(Ms):\n        params = train_network(X, Y, M, lr, epochs, lam, "
        "seed + k)", "q4", "each M trained from a seed of its own"),
    "hw7 the cost returned as a (1, 1) array": (
        "hw7_capacity", "return float(cost), grads", "return np.array([[cost]]), grads", "q4",
        "cost: expected a float, got an array of shape (1, 1)"),
    "hw7 the selection trained with the notebook's LAM": (
        "hw7_capacity", "lam, seed + i * R + r)", "LAM, seed + i * R + r)", "q5",
        "trained with the notebook's LAM, not the lam argument"),
    "hw7 starts numbered len(Ms) apart": (
        "hw7_capacity", "lam, seed + i * R + r)", "lam, seed + i * len(Ms) + r)", "q5",
        "the rows are len(Ms) starts apart"),
    "hw1 predict by a two-class threshold": (
        "hw1_forward", "return np.argmax(P, axis=-1)", "return (P[:, 1] > 0.5).astype(int)",
        "q7", "thresholding P[:, 1] at 0.5 decides between two classes only"),
    "hw2 the learning rate divided by n again": (
        "hw2_backprop", " - lr * d", " - lr / len(X) * d", "q10",  # weights and biases
        "the learning rate was divided by n again"),
    "hw2 db squeezed for a layer of one unit": (
        "hw2_backprop", "return A_prev.T @ delta, delta.sum(axis=0)",
        "return A_prev.T @ delta, np.squeeze(delta.sum(axis=0))", "q3",
        "db: expected shape (1,), got shape ()"),
    "hw4 clipping by value loses the sign": (
        "hw4_optimizers", "return [np.clip(g, -c, c) for g in grads]",
        "return [np.where(np.abs(g) > c, c, g) for g in grads]", "q6", "loses the sign"),
    "hw4 clipping by norm reshapes memory order in C order": (
        "hw4_optimizers", "    return [g * coef for g in grads]\n",
        "    flat = np.concatenate([np.ravel(g, order='K') for g in grads]) * coef\n"
        "    ends = np.cumsum([g.size for g in grads])[:-1]\n"
        "    return [f.reshape(np.shape(g)) for f, g in zip(np.split(flat, ends), grads)]\n",
        "q6", "flattened in memory order"),
    "hw4 piecewise rates in the dtype of the first value": (
        "hw4_optimizers",
        "    return np.asarray(values, dtype=float)[np.searchsorted(boundaries, t, "
        "side=\"right\") - 1]\n", "    out = np.full(np.shape(t), values[0])\n"
        "    for b, v in zip(boundaries[1:], values[1:]):\n        out[np.asarray(t) >= b] = v\n"
        "    return out\n", "q5", "the rates were truncated to ints"),
    "hw4 a relative threshold for an improvement": (
        "hw4_optimizers", "if self.best is None or val_loss < self.best:",
        "if self.best is None or val_loss < self.best * (1 - 1e-4):", "q5",
        "a loss below the best by a millionth was not counted as an improvement"),
    "hw4 NAdam in its blog form": (
        "hw4_optimizers", "    theta = (theta - lr * (1 - mu) / (1 - mu_product) * grad / d\n"
        "             - lr * mu_next / (1 - mu_product * mu_next) * m / d)\n"
        "    return theta, {\"t\": t, \"m\": m, \"v\": v, \"mu_product\": mu_product}\n",
        "    power = beta1 ** t\n"
        "    theta = theta - lr * (beta1 * m / (1 - power) + (1 - beta1) * grad / (1 - power))"
        " / d\n"
        "    return theta, {\"t\": t, \"m\": m, \"v\": v, \"mu_product\": power}\n", "q3",
        "the blog form of NAdam"),
    "hw6 probabilities clipped as Keras does": (
        "hw6_digits", "np.log(np.maximum(P, 1e-300))", "np.log(np.clip(P, 1e-7, 1 - 1e-7))",
        "q2", "Keras's epsilon"),
    "hw6 the softmax chosen by a layer's width": (
        "hw6_digits", "softmax(z) if l == last else sigmoid(z)",
        "softmax(z) if W.shape[1] == self.weights[-1].shape[1] else sigmoid(z)", "q1",
        "a hidden layer as wide as the output took the softmax"),
    "hw6 the costs met during an epoch averaged": (
        "hw6_digits", "        order = self.rng.permutation(len(X))\n"
        "        for start in range(0, len(X), self.batch_size):\n"
        "            rows = order[start:start + self.batch_size]\n"
        "            self.sgd_step(X[rows], Y[rows])\n        history.append(self.loss(X, Y))\n",
        "        order, met = self.rng.permutation(len(X)), []\n"
        "        for start in range(0, len(X), self.batch_size):\n"
        "            rows = order[start:start + self.batch_size]\n"
        "            met.append((self.loss(X[rows], Y[rows]), len(rows)))\n"
        "            self.sgd_step(X[rows], Y[rows])\n"
        "        history.append(float(np.average([c for c, _ in met], "
        "weights=[k for _, k in met])))\n", "q3", "the running average Keras reports"),
    "hw7 training errors as the sum-of-squares error": (
        "hw7_capacity", "errors.append(mean_squared_error(predict_network(params, X), Y))",
        "errors.append(0.5 * float(np.sum((predict_network(params, X) - Y) ** 2)))", "q4",
        "is the sum-of-squares error"),
    "hw7 the perceptron's +-1 test": (
        "hw7_capacity", "            error = y_i - heaviside(x_i @ w + b)\n",
        "            t = 2 * y_i - 1\n            error = t if t * (x_i @ w + b) <= 0 else 0\n",
        "q1", "also counts a sample of class 1 there as a mistake"),
    "hw3 the quadratic cost's gradient without its 1/2": (
        "hw3_cost", "    delta = (sigmoid(z) - y) * sigmoid_prime(z)\n",
        "    delta = 2 * (sigmoid(z) - y) * sigmoid_prime(z)\n", "q3",
        "so its gradient has no factor 2"),
    "hw1 relu written through a flattened copy": (
        "hw1_forward", "    return np.maximum(0.0, np.asarray(z, dtype=float))\n",
        "    out = np.array(z, dtype=float)\n    flat = out.reshape(-1)\n"
        "    flat[flat < 0] = 0.0\n    return out\n", "q2", "z came back unchanged"),
    "hw5 forward with an unshifted softmax": (
        "hw5_regularization", "            activations.append(softmax(z))",
        "            activations.append(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))",
        "q3", "subtract each row's maximum before exp"),
    "hw5 early stopping that never examines the last epoch": (
        "hw5_regularization", "    for epoch, loss in enumerate(val_losses):",
        "    for epoch, loss in enumerate(val_losses[:-1]):", "q6",
        "the last epoch was never examined"),
    "hw6 loss by an unshifted log-sum-exp": (
        "hw6_digits", "    P = self.predict_proba(X)\n    cross_entropy = "
        "-np.sum(Y * np.log(np.maximum(P, 1e-300))) / len(X)",
        "    z = self.feedforward(X)[0][-1]\n    cross_entropy = "
        "np.sum(Y * (np.log(np.exp(z).sum(axis=1, keepdims=True)) - z)) / len(X)", "q2",
        "e^z of logits near 1000 overflows to inf"),
    "hw5 early stopping that caches its answers by length and settings": (
        "hw5_regularization", "def early_stopping(val_losses, patience, min_delta=0.0):",
        "def early_stopping(val_losses, patience, min_delta=0.0, _memo={}):\n"
        "    key = (len(val_losses), patience, min_delta)\n"
        "    if key not in _memo:\n"
        "        _memo[key] = _early_stopping(val_losses, patience, min_delta)\n"
        "    return _memo[key]\n\n\n"
        "def _early_stopping(val_losses, patience, min_delta=0.0):", "q6",
        "early_stopping keeps nothing between calls"),
    "hw2 the Hessian's backprop without the activation": (
        "hw2_backprop", "X, Y, activation))", "X, Y))", "q9",
        "the activation given was not passed on to backprop"),
    "hw3 the bias's gradient with the factor x": (
        "hw3_cost", "            b = b - eta * db\n", "            b = b - eta * db * x\n",
        "q4", "dC/db has the factor x of dC/dw"),
    "hw6 the batch-size sweep with the last lambda": (
        "hw6_digits", "        net, history, acc = run(b, lams[0])",
        "        net, history, acc = run(b, lams[-1])", "q6", "this is the last lambda"),
    "hw7 alpha from the notebook's training set, not n_samples": (
        "hw7_capacity", "alpha=lam * n_samples", "alpha=lam * len(X_train)", "q6",
        "the argument `n_samples` is ignored"),
    "hw3 train_neuron records -ln(1 - a) whatever the target": (
        "hw3_cost", "                    else binary_cross_entropy(a, target))",
        "                    else float(-np.log(1 - a[0])))", "q4",
        "the cost of y = 0, -ln(1 - a), was used for every target"),
    "hw4 the race's axis labels swapped": (
        "hw4_optimizers", 'ax.set_xlabel("step")\nax.set_ylabel("cost f(theta)")',
        'ax.set_xlabel("cost f(theta)")\nax.set_ylabel("step")', "q7",
        "the x axis is labelled as the cost"),
    "hw3 table_minimum returns every tied grid value": (
        "hw3_cost", "    j = np.argmin(T, axis=1)\n    return np.asarray(grid, dtype=float)[j], "
        "T[np.arange(T.shape[0]), j]",
        "    i, j = np.nonzero(T == T.min(axis=1, keepdims=True))\n"
        "    return np.asarray(grid, dtype=float)[j], T[i, j]", "q2",
        "every tied grid value came back"),
}


@pytest.mark.parametrize("mistake", PLANTED)
def test_a_planted_mistake_is_named_where_it_belongs(mistake, tmp_path, suites, factory):
    hw, old, new, where, named = PLANTED[mistake]
    nb = nbformat.read(master_notebook(COURSE, hw), as_version=4)
    cell, = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
    cell.source = cell.source.replace(old, new)
    nbformat.write(nb, tmp_path / "planted.ipynb")
    result = grade_path(tmp_path / "planted.ipynb", suites(hw), factory, SEED)
    lost = {q.question for q in result.questions
            if q.status != Status.MANUAL and q.score != q.max_points}
    assert lost == {where}, {q.question: q.feedback for q in result.questions}
    assert named in result.question(where).feedback


@pytest.mark.parametrize("seed", [SEED, SEED + 1, SEED + 2])
def test_a_choice_that_follows_no_mistake_on_every_table_is_not_named(seed, tmp_path, suites,
                                                                      factory):
    """best_hidden_units answers one M among a few, so a wrong M is some mistake's M by
    chance on one table: a mistake is named only when every table shows it."""
    nb = nbformat.read(master_notebook(COURSE, "hw7_capacity"), as_version=4)
    cell, = [c for c in nb.cells if c.cell_type == "code" and "def best_hidden_units" in c.source]
    cell.source = cell.source.replace("return Ms[int(np.argmin(np.min(table, axis=1)))]",
                                      "return Ms[int(np.argmin(table)) % len(Ms)]")
    nbformat.write(nb, tmp_path / "planted.ipynb")
    feedback = grade_path(tmp_path / "planted.ipynb", suites("hw7_capacity"), factory,
                          seed).question("q5").feedback
    assert "best_hidden_units" in feedback and "first mismatch" in feedback
    assert "This matches a common mistake" not in feedback
