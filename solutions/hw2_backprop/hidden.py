"""Hidden suite of Homework 2: the four backpropagation equations.

Every expected value comes from ``reference`` on fresh inputs drawn from ``rng``: costs
and gradients from ``reference.network.MLP`` (whose cost is the mean over the batch, the
convention the notebook states), finite differences from ``reference.gradcheck``,
activations and the softmax Jacobian from ``reference.activations``. Mutants (the answers
of the classic mistakes) of the whole backward pass come from
``autograder.authoring.mutants.backprop`` (q5) and from ``_backprop`` below (q6), the
reference's backward pass with one mistake switched on.

Tolerances:

* Analytic quantities (deltas, gradients, costs, trained weights): a correct answer
  computed in another order differs from the reference by a few ulps, ~1e-16 relative;
  RTOL=1e-8, ATOL=1e-12 accept it, and every mistake changes entries by 1e-3 or more.
* Central differences with a given step h (``numerical_gradient_of_cost``, h >= 1e-2):
  two correct implementations differ only through the rounding of the cost, about
  eps * C / h ~ 1e-13; FD_RTOL=1e-6, FD_ATOL=1e-9. At these steps the exact gradient
  differs by h^2 C''' / 6 ~ 1e-5 and one-sided differences by h C'' / 2 ~ 1e-3, so
  neither passes.
* The input Jacobian: a finite-difference answer (error ~1e-10 with h = 1e-5) is as
  acceptable as the analytic chain; JAC_RTOL=1e-6, JAC_ATOL=1e-9.
* The Hessian by central differences of the backprop gradient (h ~ 1e-4): rounding of
  the gradients contributes eps * |g| / h ~ 1e-13, and an unsymmetrised answer differs
  by half its O(h^2) asymmetry, ~1e-9; H_RTOL=1e-6, H_ATOL=1e-7 accept both and reject
  one-sided differences, which are off by h * C''' / 2 ~ 1e-5.
* ``relative_error`` is one division: RTOL/ATOL as above.

With ReLU hidden units f'(a) equals f'(z) (both are [z > 0]), so the mistake "f' at a"
is harmless there; the checks that detect it use sigmoid or tanh.
"""

import numpy as np

from autograder.authoring import Budgets, builders, check, expect, manual, question
from autograder.authoring.mutants import backprop_mutants
from reference import activations as act
from reference import layers
from reference.gradcheck import jacobian, numerical_gradient, relative_error
from reference.losses import one_hot, quadratic_grad, softmax_cross_entropy_grad
from reference.network import MLP

# Every call takes milliseconds (the largest, a Hessian, runs ~40 small backprops).
BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60, call_seconds=5, question_seconds=30)
RTOL, ATOL = 1e-8, 1e-12
FD_RTOL, FD_ATOL = 1e-6, 1e-9
JAC_RTOL, JAC_ATOL = 1e-6, 1e-9
H_RTOL, H_ATOL = 1e-6, 1e-7
# The threshold of Question 8: a correct layer checked at h = 1e-5 gives at most ~1e-7
# (a layer with a tiny gradient), a planted bug at least ~1e-1.
GRAD_TOL = 1e-5

MISTAKES = {
    "dW_no_transpose": "missing transpose: a^{l-1} @ delta^l instead of a^{l-1}.T @ delta^l",
    "dW_transposed": "dC/dW^l transposed: delta^l.T @ a^{l-1} (NNDL's column convention) has "
                     "shape (n_l, n_{l-1}), but W^l has shape (n_{l-1}, n_l)",
    "W_no_transpose": "missing transpose in BP2: delta^{l+1} @ W^{l+1} instead of "
                      "delta^{l+1} @ W^{l+1}.T",
    "f_not_prime": "sigma instead of sigma': the activation f(z) was used instead of its "
                   "derivative f'(z)",
    "a_for_z": "using a where z is needed: f' was evaluated at the activation a = f(z) "
               "instead of the pre-activation z",
    "db_not_summed": "db was not summed over the batch: dC/db^l is the column sums of "
                     "delta^l, shape (n_l,)",
    "db_averaged": "db was averaged over the batch: the 1/n of the mean cost is already "
                   "inside delta^l, so sum its rows",
    "sum_not_mean": "summing instead of averaging: the gradients are n times too large; the "
                    "cost is the mean over the batch, so delta^L carries a factor 1/n",
    "off_by_one_fprime": "off-by-one layer index: BP2 for layer l used f'(z^{l+1}) instead "
                         "of f'(z^l)",
    "off_by_one_a": "off-by-one layer index: dC/dW^l used a^l instead of a^{l-1}",
    "one_minus_z2": "using z where h is needed: tanh' was computed as 1 - z**2; it is "
                    "1 - h**2 with h = tanh(z)",
}


# ---------------------------------------------------------------------------
# inputs and trusted computations


def _network(rng, sizes):
    """Weights N(0, 1/fan_in) and biases N(0, 0.25), like the notebook's random_network."""
    weights = [rng.normal(size=(m, k)) / np.sqrt(m)
               for m, k in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.normal(scale=0.5, size=k) for k in sizes[1:]]
    return weights, biases


def _batch(rng, n, d, k):
    return rng.normal(size=(n, d)), one_hot(rng.integers(0, k, size=n), k)


def _net(weights, biases, activation, output="softmax", loss="cross_entropy"):
    """The reference MLP with the given parameters (its arrays are copies)."""
    return MLP.from_params(weights, biases, activation, output, loss)


def _backprop(weights, biases, X, Y, activation, mistake=None, output="softmax"):
    """The gradients of the mean cost with one classic mistake (None: no mistake);
    None when the mistake makes the computation fail (shapes that do not fit)."""
    f, fp = act.ACTIVATIONS[activation]
    derivative = {
        "f_not_prime": lambda i: f(zs[i]),
        "a_for_z": lambda i: fp(acts[i + 1]),
        "off_by_one_fprime": lambda i: fp(zs[i + 1]),
        "one_minus_z2": lambda i: 1.0 - zs[i] ** 2,
    }.get(mistake, lambda i: fp(zs[i]))
    L = len(weights)
    zs, acts = [], [X]
    for i in range(L):
        zs.append(acts[-1] @ weights[i] + biases[i])
        last = i == L - 1
        acts.append((act.softmax(zs[-1]) if output == "softmax" else zs[-1]) if last
                    else f(zs[-1]))
    delta = (acts[-1] - Y) / (1 if mistake == "sum_not_mean" else len(X))
    dWs, dbs = [None] * L, [None] * L
    try:
        for i in range(L - 1, -1, -1):
            a_prev = acts[i + 1] if mistake == "off_by_one_a" else acts[i]
            dWs[i] = (a_prev @ delta if mistake == "dW_no_transpose"
                      else delta.T @ a_prev if mistake == "dW_transposed"
                      else a_prev.T @ delta)
            dbs[i] = (delta if mistake == "db_not_summed"
                      else delta.mean(axis=0) if mistake == "db_averaged"
                      else delta.sum(axis=0))
            if i > 0:
                W = weights[i] if mistake == "W_no_transpose" else weights[i].T
                delta = (delta @ W) * derivative(i - 1)
    except (ValueError, IndexError):
        return None
    return dWs, dbs


def _mutant_grads(weights, biases, X, Y, activation, mistakes, output="softmax"):
    """{mistake message: (dWs, dbs)} for the mistakes whose computation runs."""
    out = {}
    for m in mistakes:
        got = _backprop(weights, biases, X, Y, activation, m, output)
        if got is not None:
            out[MISTAKES[m]] = got
    return out


def _is_pair(value, lengths=None):
    """A tuple or list of two items; with ``lengths``, each item a sequence of that length."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        return False
    return lengths is None or all(isinstance(v, tuple | list) and len(v) == n
                                  for v, n in zip(value, lengths, strict=True))


def _list_label(k, i):
    return f"{('dWs', 'dbs')[k]}[{i}] (dC/d{'Wb'[k]}^{i + 1})"


def _expect_layers(got, expected, mutants, rtol=RTOL, atol=ATOL, order=None,
                   label=_list_label):
    """Compare (dWs, dbs) layer by layer (from the output layer down by default);
    ``label(k, i)`` names the array (k = 0 for weights, 1 for biases; i from 0)."""
    L = len(expected[0])
    for i in order or range(L - 1, -1, -1):
        for k in (0, 1):
            wrong = {m: g[k][i] for m, g in mutants.items()}
            expect(got[k][i], label(k, i)).close_to(expected[k][i], rtol, atol, mutants=wrong)


def _shape_label(arrays):
    return ", ".join(f"{name} {np.shape(a)}" for name, a in arrays)


# ---------------------------------------------------------------------------
# questions


@question("q1", points=2)
def output_delta_quadratic(student, rng):
    for shape in [(1, 3), (6, 2), (9, 4), (5, 1)]:
        Z = rng.normal(scale=2.0, size=shape)
        Y = rng.uniform(size=shape)
        n = shape[0]
        A, sp = act.sigmoid(Z), act.sigmoid_prime(Z)
        expected = quadratic_grad(A, Y) * sp  # BP1
        with check(f"output_delta_quadratic(ZL {shape}, Y {shape})"):
            expect(student.call("output_delta_quadratic", Z, Y)).close_to(
                expected, RTOL, ATOL, mutants={
                    MISTAKES["f_not_prime"]: (A - Y) / n * A,
                    MISTAKES["a_for_z"]: (A - Y) / n * act.sigmoid_prime(A),
                    "using z where a is needed: sigma'(z) was computed as z (1 - z), a "
                    "formula that takes a = sigma(z)": (A - Y) / n * Z * (1 - Z),
                    MISTAKES["sum_not_mean"]: (A - Y) * sp,
                    "the factor sigma'(z^L) is missing: (a - y) / n is the output error of "
                    "the cross-entropy cost, not of the quadratic cost": (A - Y) / n,
                    "sign flipped: dC/da^L = (a - y) / n, not (y - a) / n": -expected})


@question("q2", points=2)
def output_delta_softmax(student, rng):
    for n, k in [(1, 4), (7, 3), (12, 5)]:
        Z, Y = rng.normal(scale=2.0, size=(n, k)), one_hot(rng.integers(0, k, size=n), k)
        P = act.softmax(Z)
        with check(f"output_delta_softmax(ZL {Z.shape}, Y {Y.shape})"):
            expect(student.call("output_delta_softmax", Z, Y)).close_to(
                softmax_cross_entropy_grad(Z, Y), RTOL, ATOL, mutants={
                    MISTAKES["sum_not_mean"]: P - Y,
                    "sign flipped: delta^L = (p - y) / n, not (y - p) / n": (Y - P) / n,
                    "multiplied by p (1 - p): with softmax and cross-entropy the derivative "
                    "of the output function cancels": (P - Y) / n * P * (1 - P)})
    for n, k in [(1, 3), (6, 4), (10, 5)]:
        Z, Y = rng.normal(scale=2.0, size=(n, k)), one_hot(rng.integers(0, k, size=n), k)
        P = act.softmax(Z)
        expected = np.stack([act.softmax_jacobian(z).T @ (-y / (n * p))
                             for z, y, p in zip(Z, Y, P, strict=True)])
        with check(f"output_delta_softmax_chain(ZL {Z.shape}, Y {Y.shape})"):
            expect(student.call("output_delta_softmax_chain", Z, Y)).close_to(
                expected, RTOL, ATOL, mutants={
                    "the softmax was treated as elementwise: only the diagonal p (1 - p) of "
                    "its Jacobian was used": -Y / (n * P) * P * (1 - P),
                    MISTAKES["sum_not_mean"]: n * expected})


@question("q3", points=2)
def layer_gradients(student, rng):
    # the first case is square (n == n_prev), so a forgotten transpose runs and is named
    for n, n_prev, n_l in [(4, 4, 3), (1, 3, 2), (7, 5, 3), (10, 2, 6)]:
        A, delta = rng.normal(size=(n, n_prev)), rng.normal(size=(n, n_l)) / n
        _, dW, db = layers.dense_backward(delta, (A, np.zeros((n_prev, n_l))))  # BP4, BP3
        with check(f"layer_gradients(A_prev {A.shape}, delta {delta.shape})"):
            got = student.call("layer_gradients", A, delta)
            expect(got).satisfies(_is_pair, "expected a tuple (dW, db) of two arrays")
            if _is_pair(got):
                dW_mutants = {MISTAKES["dW_transposed"]: delta.T @ A,
                              "dW was divided by n again: the 1/n of the mean cost is "
                              "already inside delta^l": A.T @ delta / n}
                if n == n_prev:
                    dW_mutants[MISTAKES["dW_no_transpose"]] = A @ delta
                expect(got[0], "dW").close_to(dW, RTOL, ATOL, mutants=dW_mutants)
                expect(got[1], "db").close_to(db, RTOL, ATOL, mutants={
                    MISTAKES["db_not_summed"]: delta,
                    MISTAKES["db_averaged"]: delta.mean(axis=0),
                    "db summed over the units (axis=1) instead of over the batch (axis=0)":
                        delta.sum(axis=1)})


@question("q4", points=2)
def hidden_delta(student, rng):
    # the first case is square (n_l == n_next), so a forgotten transpose runs and is named
    for n, n_l, n_next, name in [(5, 4, 4, "sigmoid"), (6, 5, 3, "tanh"), (1, 4, 2, "relu"),
                                 (8, 6, 2, "sigmoid")]:
        d_next = rng.normal(size=(n, n_next)) / n
        W = rng.normal(size=(n_l, n_next))
        Z = rng.normal(scale=1.5, size=(n, n_l))
        f, fp = act.ACTIVATIONS[name]
        mutants = {MISTAKES["f_not_prime"]: (d_next @ W.T) * f(Z),
                   MISTAKES["a_for_z"]: (d_next @ W.T) * fp(f(Z)),
                   "the Hadamard product with f'(z^l) is missing": d_next @ W.T}
        if n_l == n_next:
            mutants[MISTAKES["W_no_transpose"]] = (d_next @ W) * fp(Z)
        da_prev, _, _ = layers.dense_backward(d_next, (np.zeros((n, n_l)), W))  # BP2
        expected = layers.activation_backward(da_prev, layers.activation_forward(Z, name)[1])
        with check(f"hidden_delta(delta_next {d_next.shape}, W_next {W.shape}, "
                   f"Z {Z.shape}, {name!r})"):
            expect(student.call("hidden_delta", d_next, W, Z, name)).close_to(
                expected, RTOL, ATOL, mutants=mutants)


BACKPROP_MISTAKES = ["dW_no_transpose", "dW_transposed", "W_no_transpose", "f_not_prime",
                     "a_for_z", "db_not_summed", "db_averaged", "sum_not_mean",
                     "off_by_one_fprime", "off_by_one_a"]


@question("q5", points=5)
def backprop(student, rng):
    sizes, n = [4, 5, 3, 3], 6
    weights, biases = _network(rng, sizes)
    X, _ = _batch(rng, n, sizes[0], sizes[-1])
    zs, acts = _net(weights, biases, "tanh").forward_pass(X)
    with check(f"forward_pass for layer sizes {sizes}, tanh, X {X.shape}"):
        got = student.call("forward_pass", weights, biases, X, "tanh")
        expect(got).satisfies(lambda g: _is_pair(g, (3, 4)),
                              "expected (zs, activations): lists of L and L + 1 arrays, "
                              "activations starting with a^0 = X")
        if _is_pair(got, (3, 4)):
            for i in range(3):
                expect(got[0][i], f"zs[{i}] (z^{i + 1})").close_to(zs[i], RTOL, ATOL, mutants={
                    "z^l was computed from z^{l-1} instead of a^{l-1}":
                        (zs[i - 1] if i else X) @ weights[i] + biases[i]})
            for i in range(4):
                wrong = {"the output layer must be a softmax, not the hidden activation":
                         np.tanh(zs[-1])} if i == 3 else None
                expect(got[1][i], f"activations[{i}] (a^{i})").close_to(
                    acts[i], RTOL, ATOL, mutants=wrong)
    # the first network is square (every width equals n), so the transposition and
    # off-by-one mistakes run and are named; then L = 1, a single row, and random shapes
    cases = [([3, 3, 3, 3], 3, "sigmoid"), ([5, 3], 4, "relu"),
             (builders.layer_sizes(rng, 3), 1, "tanh"),
             (builders.layer_sizes(rng, 4), 8, "relu"),
             (builders.layer_sizes(rng, 2), 5, "sigmoid")]
    for sizes, n, name in cases:
        weights, biases = _network(rng, sizes)
        X, Y = _batch(rng, n, sizes[0], sizes[-1])
        expected = _net(weights, biases, name).gradients(X, Y)
        L = len(weights)
        with check(f"backprop for layer sizes {sizes}, {name}, X {X.shape}, Y {Y.shape}"):
            got = student.call("backprop", weights, biases, X, Y, name)
            expect(got).satisfies(lambda g, L=L: _is_pair(g, (L, L)),
                                  f"expected (dWs, dbs): two lists of {L} arrays")
            if _is_pair(got, (L, L)):
                _expect_layers(got, expected, backprop_mutants(weights, biases, X, Y,
                                                               BACKPROP_MISTAKES,
                                                               activation=name))


@question("q6", points=3)
def tanh_regression(student, rng):
    # the first case is square (n = d = m = K), so transposition mistakes run and are named
    for n, d, m, k in [(3, 3, 3, 3), (1, 2, 3, 1), (8, 3, 5, 1), (6, 4, 3, 2)]:
        weights, biases = _network(rng, [d, m, k])
        X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, k))
        net = _net(weights, biases, "tanh", "linear", "quadratic")
        C = net.loss(X, Y)
        expected = net.gradients(X, Y)
        mutants = _mutant_grads(weights, biases, X, Y, "tanh",
                                ["one_minus_z2", "f_not_prime", "a_for_z", "sum_not_mean",
                                 "db_not_summed", "db_averaged", "dW_transposed",
                                 "dW_no_transpose", "W_no_transpose"], output="linear")
        (W1, W2), (b1, b2) = weights, biases
        with check(f"tanh_regression(W1 {W1.shape}, b1 {b1.shape}, W2 {W2.shape}, "
                   f"b2 {b2.shape}, X {X.shape}, Y {Y.shape})"):
            got = student.call("tanh_regression", W1, b1, W2, b2, X, Y)
            expect(got).is_tuple(5, "(C, dW1, db1, dW2, db2)")
            if isinstance(got, tuple | list) and len(got) == 5:
                expect(got[0], "C").close_to(C, RTOL, ATOL, mutants={
                    "the cost lacks the factor 1/2 of the quadratic cost": 2 * C,
                    "the cost was summed over the batch instead of averaged": n * C})
                _expect_layers(([got[1], got[3]], [got[2], got[4]]), expected, mutants,
                               label=lambda k, i: f"{'dW' if k == 0 else 'db'}{i + 1}")


def _relative_error_mutants(a, b):
    with np.errstate(all="ignore"):
        d, s = np.abs(a - b), np.abs(a) + np.abs(b)
        return {
            "the relative error was taken entry by entry, max |a_i - b_i| / (|a_i| + |b_i|); "
            "divide the largest difference by the largest |a_i| + |b_i|":
                np.max(d / np.maximum(s, 1e-8)),
            "norms were used, ||a - b|| / (||a|| + ||b||); use the maximum entries":
                np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)),
            "the scale was max|a| + max|b| instead of max(|a_i| + |b_i|)":
                np.max(d) / (np.max(np.abs(a)) + np.max(np.abs(b))),
            "two zero arrays give 0/0 = nan; return 0 when both are zero":
                np.max(d) / np.max(s) if np.max(s) > 0 else np.nan}


def _numerical(weights, biases, X, Y, activation, h, central=True):
    """(dWs, dbs) of the reference cost by central (or one-sided) differences."""
    net = _net(weights, biases, activation)

    def cost(_):
        return net.loss(X, Y)

    if central:
        return ([numerical_gradient(cost, W, h) for W in net.weights],
                [numerical_gradient(cost, b, h) for b in net.biases])
    base = cost(None)
    grads = []
    for p in net.weights + net.biases:
        g = np.empty_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            g[i] = (cost(None) - base) / h
            p[i] = old
        grads.append(g)
    return grads[:len(weights)], grads[len(weights):]


@question("q7", points=4)
def gradient_checking(student, rng):
    a = rng.normal(size=(3, 4))
    b = a + 1e-3 * rng.normal(size=(3, 4))
    c = rng.normal(size=10) * 10.0 ** rng.uniform(-3, 1, size=10)
    d = c * (1 + 1e-2 * rng.normal(size=10))
    d[int(rng.integers(10))] *= -1
    e = rng.normal(size=(1, 5))
    f = e.copy()
    e[0, 2], f[0, 2] = 0.0, 1e-9  # an entry that is zero up to rounding
    for x, y, what in [(a, b, "close arrays of shape (3, 4)"),
                       (c, d, "vectors of shape (10,) with entries from 1e-3 to 10"),
                       (np.zeros((2, 3)), np.zeros((2, 3)), "two zero arrays (2, 3)"),
                       (e, f, "arrays (1, 5) that differ only in an entry close to zero")]:
        with check(f"relative_error for {what}"):
            expect(student.call("relative_error", x, y)).close_to(
                relative_error(x, y), RTOL, ATOL, mutants=_relative_error_mutants(x, y))
    for sizes, n, name in [([3, 4, 3], 5, "sigmoid"), ([4, 3, 3, 2], 7, "tanh")]:
        weights, biases = _network(rng, sizes)
        X, Y = _batch(rng, n, sizes[0], sizes[-1])
        C = _net(weights, biases, name).loss(X, Y)
        with check(f"cost for layer sizes {sizes}, {name}, X {X.shape}"):
            expect(student.call("cost", weights, biases, X, Y, name)).close_to(
                C, RTOL, ATOL, mutants={
                    "the cost was summed over the batch instead of averaged": n * C,
                    "sign flipped: the cross-entropy is -sum y ln p": -C})
    for sizes, n, name, h in [([3, 4, 2], 4, "sigmoid", 1e-2), ([2, 3, 3, 2], 3, "tanh", 2e-2)]:
        weights, biases = _network(rng, sizes)
        X, Y = _batch(rng, n, sizes[0], sizes[-1])
        expected = _numerical(weights, biases, X, Y, name, h)
        exact = _net(weights, biases, name).gradients(X, Y)
        one_sided = _numerical(weights, biases, X, Y, name, h, central=False)
        mutants = {
            "one-sided differences (C(w + h) - C(w)) / h; use central differences":
                one_sided,
            "divided by h instead of 2h": ([2 * g for g in expected[0]],
                                           [2 * g for g in expected[1]]),
            f"returned the exact gradient, not central differences with the given step h={h}":
                exact,
            "the numerical gradient is n times too large: the cost is the mean over the batch":
                ([n * g for g in expected[0]], [n * g for g in expected[1]])}
        L = len(weights)
        with check(f"numerical_gradient_of_cost for layer sizes {sizes}, {name}, "
                   f"X {X.shape}, h={h}"):
            got = student.call("numerical_gradient_of_cost", weights, biases, X, Y, name, h=h)
            expect(got).satisfies(lambda g, L=L: _is_pair(g, (L, L)),
                                  f"expected (dWs, dbs): two lists of {L} arrays")
            if _is_pair(got, (L, L)):
                _expect_layers(got, expected, mutants, FD_RTOL, FD_ATOL, order=range(L))


def _planted(weights, biases, X, Y, activation, bug, layer):
    """Gradients with one bug planted in layer ``layer`` (course numbering):
    "f": BP2 uses f(z^layer) instead of f'(z^layer) (corrupts layers 1..layer);
    "db": db^layer averaged instead of summed; "z": dW^layer uses z^{layer-1} instead of
    a^{layer-1} (both corrupt that layer only); "sum": every gradient n times too large;
    None: the exact gradients."""
    net = _net(weights, biases, activation)
    dWs, dbs = net.gradients(X, Y)
    if bug == "sum":
        return [len(X) * g for g in dWs], [len(X) * g for g in dbs]
    zs, acts = net.forward_pass(X)
    i = layer - 1
    if bug == "db":
        dbs[i] = dbs[i] / len(X)
    elif bug == "z":
        dWs[i] = zs[i - 1].T @ _delta(weights, zs, acts, Y, activation)[i]
    elif bug == "f":
        deltas = _delta(weights, zs, acts, Y, activation, wrong_at=i)
        for j in range(i + 1):
            dWs[j], dbs[j] = acts[j].T @ deltas[j], deltas[j].sum(axis=0)
    return dWs, dbs


def _delta(weights, zs, acts, Y, activation, wrong_at=None):
    """[delta^1, ..., delta^L] of the mean cross-entropy; with ``wrong_at`` = i, BP2 uses
    f(z) instead of f'(z) at zs[i]."""
    f, fp = act.ACTIVATIONS[activation]
    deltas = [(acts[-1] - Y) / len(Y)]
    for i in range(len(weights) - 2, -1, -1):
        slope = f(zs[i]) if i == wrong_at else fp(zs[i])
        deltas.insert(0, (deltas[0] @ weights[i + 1].T) * slope)
    return deltas


@question("q8", points=3)
def catching_a_bug(student, rng):
    cases = [("f", "tanh", 4), ("db", "sigmoid", 3), (None, "tanh", 3), ("z", "sigmoid", 4),
             ("sum", "tanh", 2)]
    for bug, name, L in cases:
        sizes = builders.layer_sizes(rng, L)
        weights, biases = _network(rng, sizes)
        X, Y = _batch(rng, 5, sizes[0], sizes[-1])
        layer = {"f": int(rng.integers(1, L)), "db": int(rng.integers(1, L + 1)),
                 "z": int(rng.integers(2, L + 1))}.get(bug, 0)
        dWs, dbs = _planted(weights, biases, X, Y, name, bug, layer)
        exact = _net(weights, biases, name).gradients(X, Y)
        err_W = [relative_error(g, e) for g, e in zip(dWs, exact[0], strict=True)]
        err_b = [relative_error(g, e) for g, e in zip(dbs, exact[1], strict=True)]
        expected = [l + 1 for l in range(L) if max(err_W[l], err_b[l]) > GRAD_TOL]
        only_W = [l + 1 for l in range(L) if err_W[l] > GRAD_TOL]
        mutants = {"layer numbers start at 1 (course numbering), not 0":
                   [l - 1 for l in expected],
                   "the bias gradients were not checked": only_W}
        if len(expected) < L:
            mutants["every layer was flagged: is numerical_gradient_of_cost the gradient of "
                    "the mean cost?"] = list(range(1, L + 1))
        what = "no bug" if bug is None else f"a bug in layer {layer}" if bug != "sum" else \
            "gradients n times too large"
        with check(f"wrong_layers for layer sizes {sizes}, {name}, X {X.shape}, given "
                   f"gradients with {what}"):
            expect(student.call("wrong_layers", weights, biases, X, Y, name, dWs, dbs)).equals(
                expected, mutants=mutants)
    with check("BUGGY_LAYER, the layer of the wrong line in buggy_backprop"):
        expect(student.get("BUGGY_LAYER"), "BUGGY_LAYER").equals(2, secret=True, mutants={
            "layer 1 is wrong only because the error of layer 2 travels down through BP2; "
            "the bug is in the highest wrong layer": 1,
            "layer 3 passes the gradient check: the bug is in the highest layer that fails": 3})


def _input_jacobian(weights, biases, x, activation, logits=False, at_a=False):
    """d softmax(z^L) / dx (K, n_0) by the chain rule through reference.activations;
    ``logits``: d z^L / dx; ``at_a``: f' evaluated at a^l instead of z^l."""
    _, fp = act.ACTIVATIONS[activation]
    zs, acts = _net(weights, biases, activation).forward_pass(x[None, :])
    J = np.eye(len(zs[-1][0])) if logits else act.softmax_jacobian(zs[-1][0])
    for i in range(len(weights) - 1, -1, -1):
        J = J @ weights[i].T
        if i > 0:
            J = J * fp(acts[i][0] if at_a else zs[i - 1][0])
    return J


def _flat(weights, biases):
    return np.concatenate([p.ravel() for W, b in zip(weights, biases, strict=True)
                           for p in (W, b)])


def _hessian(weights, biases, X, Y, activation, h, central=True):
    """Symmetrised difference quotients of the reference gradient, flatten_params order."""
    net = _net(weights, biases, activation)
    shapes = [p.shape for W, b in zip(weights, biases, strict=True) for p in (W, b)]
    ends = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]

    def grad(theta):
        parts = [p.reshape(s) for p, s in zip(np.split(theta, ends), shapes, strict=True)]
        net.weights, net.biases = parts[0::2], parts[1::2]
        return _flat(*net.gradients(X, Y))

    theta = _flat(weights, biases)
    if central:
        H = jacobian(grad, theta, h)
    else:
        g0 = grad(theta)
        H = np.stack([(grad(theta + h * e) - g0) / h for e in np.eye(theta.size)], axis=1)
    return 0.5 * (H + H.T)


@question("q9", points=3)
def sensitivity_and_curvature(student, rng):
    for sizes, name in [([3, 4, 2], "tanh"), ([5, 4, 3, 4], "sigmoid"), ([2, 3], "relu"),
                        ([4, 6, 3], "relu")]:
        weights, biases = _network(rng, sizes)
        x = rng.normal(size=sizes[0])
        J = _input_jacobian(weights, biases, x, name)
        with check(f"input_jacobian for layer sizes {sizes}, {name}, x {x.shape}"):
            expect(student.call("input_jacobian", weights, biases, x, name)).close_to(
                J, JAC_RTOL, JAC_ATOL, mutants={
                    "the Jacobian is transposed: expected shape (K, n_0), row k the gradient "
                    "of p_k": J.T,
                    "this is the Jacobian of the logits z^L: the softmax Jacobian "
                    "diag(p) - p p^T is missing":
                        _input_jacobian(weights, biases, x, name, logits=True),
                    MISTAKES["a_for_z"]: _input_jacobian(weights, biases, x, name, at_a=True)})
    for sizes, n, name, h in [([2, 3, 2], 4, "sigmoid", 1e-4), ([3, 2, 2], 3, "tanh", 2e-4)]:
        weights, biases = _network(rng, sizes)
        X, Y = _batch(rng, n, sizes[0], sizes[-1])
        H = _hessian(weights, biases, X, Y, name, h)
        with check(f"cost_hessian for layer sizes {sizes}, {name}, X {X.shape}, h={h}"):
            expect(student.call("cost_hessian", weights, biases, X, Y, name, h=h)).close_to(
                H, H_RTOL, H_ATOL, mutants={
                    "one-sided differences (g(theta + h e_j) - g(theta)) / h; use central "
                    "differences": _hessian(weights, biases, X, Y, name, h, central=False),
                    "divided by h instead of 2h": 2 * H,
                    "the Hessian is n times too large: the cost is the mean over the batch":
                        n * H})


def _train(X, Y, sizes, activation, c, lr, steps, sign=-1.0, bias_c=0.0, scale=1.0):
    """Full-batch gradient descent of the reference MLP from W = c, b = bias_c."""
    net = MLP(sizes, activation, rng=np.random.default_rng(0))
    net.weights = [np.full(W.shape, float(c)) for W in net.weights]
    net.biases = [np.full(b.shape, float(bias_c)) for b in net.biases]
    for _ in range(steps):
        dWs, dbs = net.gradients(X, Y)
        net.weights = [W + sign * lr * scale * g for W, g in zip(net.weights, dWs, strict=True)]
        net.biases = [b + sign * lr * scale * g for b, g in zip(net.biases, dbs, strict=True)]
    return net.weights, net.biases


@question("q10", points=3)
def zero_initialisation(student, rng):
    weights, _ = _network(rng, [4, 5, 3, 2])
    column = rng.normal(size=(3, 1))
    same_units = [np.repeat(column, 4, axis=1), rng.normal(size=(4, 3)), rng.normal(size=(3, 2))]
    for ws, what in [(weights, "random weights, layer sizes [4, 5, 3, 2]"),
                     (same_units, "layer sizes [3, 4, 3, 2] whose first layer has identical "
                                  "units")]:
        expected = [float(np.max(np.abs(W - W[:, :1]))) for W in ws[:-1]]
        with check(f"hidden_unit_spread for {what}"):
            expect(student.call("hidden_unit_spread", ws)).close_to(
                expected, RTOL, ATOL, mutants={
                    "compared rows instead of columns: the incoming weights of unit j are "
                    "column j of W^l": [float(np.max(np.abs(W - W[:1, :]))) for W in ws[:-1]],
                    "the output layer is not a hidden layer: return L - 1 values":
                        [float(np.max(np.abs(W - W[:, :1]))) for W in ws]})
    for sizes, n, name, c, lr, steps in [([3, 4, 3], 6, "sigmoid", 0.0, 0.5, 5),
                                         ([3, 4, 2], 5, "tanh", 0.0, 0.5, 3),
                                         ([4, 3, 3, 2], 7, "sigmoid", 0.2, 1.0, 4)]:
        X, Y = _batch(rng, n, sizes[0], sizes[-1])
        expected = _train(X, Y, sizes, name, c, lr, steps)
        mutants = {
            "moved along the gradient (W + lr dW) instead of against it":
                _train(X, Y, sizes, name, c, lr, steps, sign=1.0),
            "the biases start at 0, only the weights at c":
                _train(X, Y, sizes, name, c, lr, steps, bias_c=c),
            MISTAKES["sum_not_mean"]: _train(X, Y, sizes, name, c, lr, steps, scale=n)}
        L = len(sizes) - 1
        with check(f"train_constant_init(X {X.shape}, Y {Y.shape}, {sizes}, {name!r}, c={c}, "
                   f"lr={lr}, steps={steps})"):
            got = student.call("train_constant_init", X, Y, sizes, name, c, lr, steps)
            expect(got).satisfies(lambda g, L=L: _is_pair(g, (L, L)),
                                  f"expected (weights, biases): two lists of {L} arrays")
            if _is_pair(got, (L, L)):
                for i in range(L):
                    for k, what in ((0, "weights"), (1, "biases")):
                        expect(got[k][i], f"{what}[{i}]").close_to(
                            expected[k][i], RTOL, ATOL,
                            mutants={m: v[k][i] for m, v in mutants.items()})


manual("q11", points=3, prompt=(
    "Comment the three lines of NNDL's backward pass (BP1, BP3, BP4 for one column-vector "
    "sample): the shapes, why the transpose, and the same lines for a batch of rows."))
