"""Hidden suite of Homework 2: the four backpropagation equations.

Expected values come from ``reference`` (``MLP.from_params``, whose cost is the mean over
the batch as the notebook states), the answers of classic mistakes from the SDK's
``mutants``. The rules the text states are checked and named: the chain rule written out
(Question 2, also with targets whose rows do not sum to 1, where the shortcut (P - Y)/n is
wrong); central differences with the given step, on copies (Question 7); finite
differences, never backprop (Question 8, also with such targets, where backprop's
delta^L = (P - Y)/n is not the gradient of the cost); (H + H^T)/2 (Question 9). Questions
5 to 10 also accept what the student's own earlier functions give.

Tolerances besides ``TOLERANCE`` (analytic quantities):

* ``FD``: central differences with a large given step (h >= 1e-2) differ between correct
  implementations only through the rounding of the cost, ~eps C / h ~ 1e-13; the exact
  gradient differs from them by h^2 C''' / 6 ~ 1e-5, one-sided ones by h C'' / 2 ~ 1e-3.
* ``JAC``: an input Jacobian by finite differences (error ~1e-10 at h = 1e-5) is as good
  as the analytic chain.
* ``HESS``: central differences of the gradient at h ~ 1e-4: rounding gives eps |g| / h ~
  1e-13, an unsymmetrised answer half its O(h^2) asymmetry, ~1e-9 (that rule is checked
  apart); one-sided differences are off by h C''' / 2 ~ 1e-5.
* ``TINY_SCALE``: the relative error of arrays near 1e-9, where a floor of 1e-8 under the
  scale is off by a factor of 5, and a guard of up to 1e-12 added to it, which the text
  does not ask for but which costs nothing at a gradient's usual scale, by less than 1e-3.
* ``GRAD_TOL``, Question 8's threshold: a correct layer checked at h = 1e-5 gives at most
  ~1e-7, every planted mistake at least ~1e-2.
"""

import functools

import numpy as np

from autograder.authoring import (
    Budgets,
    Tolerance,
    builders,
    check,
    describe_value,
    error_hint,
    expect,
    manual,
    maybe_numbers,
    mutants,
    own_result,
    question,
    shaped_like,
    verify,
    verify_defaults,
)
from reference import activations as act
from reference.gradcheck import jacobian, numerical_gradient, relative_error
from reference.network import MLP

BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60, call_seconds=5, question_seconds=40)
TOLERANCE = Tolerance(1e-8, 1e-12, "deltas, gradients, costs and trained weights computed in "
                      "another order differ by a few ulps; every mistake by 1e-3 or more")
FD = Tolerance(1e-6, 1e-9, "central differences with a given step: see the docstring")
JAC = Tolerance(1e-6, 1e-9, "finite differences are as good as the chain: see the docstring")
HESS = Tolerance(1e-6, 1e-7, "central differences of the gradient: see the docstring")
TINY_SCALE = (1e-3, 0.0)
GRAD_TOL = 1e-5
BP = mutants.BACKPROP
PRIME_OF_A = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a**2}
SHAPES = ("The shapes of a matrix product do not fit: is a transpose missing, or a layer "
          "index off by one? A gradient has the shape of its parameter, and BP2 multiplies "
          "by (W^{l+1})^T.", "shapes that do not fit: a missing transpose or an off-by-one "
          "layer index", ["ValueError"])


def _net(ws, bs, activation, output="softmax", loss="cross_entropy"):
    return MLP.from_params(ws, bs, activation, output, loss)


def _case(rng, sizes, n):
    """A network of these layer sizes and a batch of n samples with one-hot targets."""
    return (*builders.network(rng, sizes), *builders.batch(rng, n, sizes[0], sizes[-1]))


def _grads(got, want, wrong=None, accept=None, tol=TOLERANCE, names=("dWs", "dbs")):
    """Two lists of arrays against ``want``; ``wrong`` maps mistakes to such pairs (or to
    functions computing them, called only for a wrong answer; None: not offered),
    ``accept`` descriptions to functions computing them (None if they cannot)."""
    def part(f, k):
        return functools.partial(lambda f, k: (f() or (None, None))[k], f, k)
    lazy = {m: functools.cache(g) if callable(g) else g for m, g in (wrong or {}).items()
            if g is not None}
    if expect(got).is_tuple(2, f"({', '.join(names)}) of two lists"):
        for k in (0, 1):
            expect(got[k], names[k]).each_close_to(
                want[k], tol.rtol, tol.atol,
                {m: part(g, k) if callable(g) else g[k] for m, g in lazy.items()},
                accept={d: part(f, k) for d, f in (accept or {}).items()})


def _reference(activation, X, Y, what="loss", scale=1.0):
    """The reference's cost (``what="loss"``) or gradients (times ``scale``) as a function
    of the parameters."""
    def of(ws, bs):
        value = getattr(_net(ws, bs, activation), what)(X, Y)
        return value if what == "loss" else tuple([scale * g for g in gs] for gs in value)
    return of


def _once(function, *args):
    """function(*args), computed at the first call only."""
    return functools.cache(functools.partial(function, *args))


USE_FORWARD = {"forward_pass": "the question asks cost to use your forward_pass (Question "
                               "5), so that a mistake in it is not charged twice"}
USE_SOFTMAX = {"softmax": "the text gives softmax in its first cell and asks you to use it: "
                          "P = softmax(ZL)"}
USE_BACKPROP = {"backprop": "the question asks for your backprop (Question 5), so that a "
                            "mistake in it is not charged twice"}


def _cost_of_own_forward(student, weights, biases, X, Y, activation):
    """-(1/n) sum Y ln p with p the output of the student's own forward_pass (a zero target
    adds 0, whatever its p: a p <= 0 there is no concern of the cost's), or None."""
    like = mutants.forward_pass(weights, biases, X, activation=activation)
    got = own_result(student, "forward_pass", weights, biases, X, activation, like=like)
    if got is None:
        return None
    with np.errstate(all="ignore"):
        return float(-np.sum(np.where(Y != 0, Y * np.log(got[1][-1]), 0.0)) / len(X))


def _one_hot_form(weights, biases, X, Y, activation):
    """-(1/n) sum_i ln(sum_k y_ik p_ik), the cross-entropy of one-hot targets (mutant)."""
    p = _net(weights, biases, activation).forward(X)
    return float(-np.mean(np.log(np.sum(Y * p, axis=1))))


def _largest_target_form(weights, biases, X, Y, activation):
    """-(1/n) sum_i (sum_k y_ik) ln p_i,argmax y_i: right for scaled one-hot rows only
    (mutant)."""
    p = _net(weights, biases, activation).forward(X)
    rows = np.arange(len(Y))
    return float(-np.mean(Y.sum(axis=1) * np.log(p[rows, np.argmax(Y, axis=1)])))


def _relies_on(function, where, own):
    """error_hint's arguments for a call that relies on the student's earlier ``function``:
    they apply when ``own()``, what that function leads to here, is None (it fails too)."""
    return (f"This uses your {function} ({where}), which fails on these inputs too, or "
            "returns other shapes: see that question first.",
            f"relies on {function} ({where}), which fails here", (),
            lambda: own() is None)


# ---------------------------------------------------------------------------
# Questions 1 to 4: the equations one by one


PER_OUTPUT = ("divided by K, the number of outputs, where the cost averages over the n "
              "samples (rows) and sums over the outputs")


@question("q1", points=2)
def output_delta_quadratic(student, rng):
    for n, k, saturated in [(1, 3, False), (6, 2, False), (9, 4, False), (5, 1, False),
                            (4, 3, True)]:
        Z, Y = rng.normal(scale=2.0, size=(n, k)), rng.uniform(size=(n, k))
        if saturated:  # saturated units, where e^-z or e^z overflows: sigma'(z) is ~0
            Z[::2, 0], Z[1::2, 1] = -rng.uniform(720, 800, size=2), rng.uniform(720, 800, size=2)
        A, slope = act.sigmoid(Z), act.sigmoid_prime(Z)
        with check(f"output_delta_quadratic(ZL {Z.shape}, Y {Y.shape})"
                   + (" with saturated units, |z| from 720 to 800" if saturated else ""),
                   context={"n": n}):
            expect(student.call("output_delta_quadratic", Z, Y)).close_to(
                (A - Y) / n * slope, mutants={  # BP1
                    BP["f_not_prime"]: (A - Y) / n * A,
                    BP["a_for_z"]: (A - Y) / n * act.sigmoid_prime(A),
                    BP["prime_formula_at_z"]: (A - Y) / n * Z * (1 - Z),
                    BP["sum_not_mean"]: (A - Y) * slope, BP["sign_flipped"]: (Y - A) / n * slope,
                    BP["bp1_at_z"]: (Z - Y) / n * slope,
                    PER_OUTPUT if n > 1 else f"{PER_OUTPUT} (or by n K: one sample here)":
                        (A - Y) / k * slope if k > 1 else None,
                    mutants.MEAN_OVER_ENTRIES: (A - Y) / (n * k) * slope if k > 1 else None,
                    "the factor sigma'(z^L) is missing: (a - y) / n is the output error of the "
                    "cross-entropy cost, not of the quadratic cost": (A - Y) / n,
                    **(_overflowing_slopes(Z, (A - Y) / n) if saturated else {})})


def _overflowing_slopes(Z, error):
    """BP1 with sigma' written through e^-z or e^z, which overflow to inf / inf = nan for
    saturated units; the given sigmoid_prime, sigma(z) (1 - sigma(z)), stays finite."""
    with np.errstate(all="ignore"):
        return {f"sigma'(z) written as {form} gives inf / inf = nan where {where}: "
                "use the given sigmoid_prime, sigma(z) (1 - sigma(z)), stable for any z":
                error * np.exp(sign * Z) / (1 + np.exp(sign * Z)) ** 2
                for form, where, sign in (("e^-z / (1 + e^-z)^2", "z < -710", -1),
                                          ("e^z / (1 + e^z)^2", "z > 710", 1))}


STABLE_P = ("The question asks for P = softmax(ZL), the given softmax, which subtracts each "
            "row's maximum so that large logits do not overflow.")
STABLE_FORWARD = ("The question's output layer is the given softmax, which subtracts each "
                  "row's maximum so that large logits do not overflow.")
CHAIN_RULE = ("the question asks for the chain rule written out, J_i^T dC/dp_i for each row: "
              "the simplified (P - Y) / n is right only when every row of Y sums to 1")


ONE_HOT_DC_DP = ("dC/dp_ik = -y_ik / (n p_ik) for every k keeps each target's value: {} "
                 "holds for one-hot targets only")


def _through_softmax(Z, dC_dP):
    """dC/dz per row by the chain rule through the softmax: J(z)^T dC/dp."""
    return np.stack([act.softmax_jacobian(z).T @ g for z, g in zip(Z, dC_dP, strict=True)])


@question("q2", points=2)
def output_delta_softmax(student, rng):
    for n, k in [(1, 4), (7, 3), (12, 5)]:
        Z, Y = rng.normal(scale=2.0, size=(n, k)), builders.batch(rng, n, 1, k)[1]
        large = n == 12
        if large:  # a shift leaves the row's softmax unchanged; exp(z) alone overflows
            Z[rng.integers(n)] += 800.0
        P = act.softmax(Z)
        with check(f"output_delta_softmax(ZL {Z.shape}{', one row of logits near 800' * large}"
                   f", Y {Y.shape})", context={"n": n}), \
                error_hint(STABLE_P, mutants.FORWARD["naive_softmax"], ["FloatingPointError"]):
            got = student.call("output_delta_softmax", Z, Y, strict_floats=large)
            if expect(got).close_to((P - Y) / n, mutants={
                    BP["sum_not_mean"]: P - Y, BP["sign_flipped"]: (Y - P) / n,
                    BP["output_prime"]: (P - Y) / n * P * (1 - P),
                    BP["bp1_at_z"]: (Z - Y) / n}) and large:
                # the rule, once, if right where a softmax of one's own that overflows is
                # charged already
                student.call("output_delta_softmax", Z, Y, require=USE_SOFTMAX)
    for n, k, soft in [(1, 3, False), (6, 4, False), (10, 5, True), (5, 3, True)]:
        Z = rng.normal(scale=2.0, size=(n, k))
        Y = rng.uniform(size=(n, k)) if soft else builders.batch(rng, n, 1, k)[1]
        P, dC_dP = act.softmax(Z), -Y / (n * act.softmax(Z))
        want = _through_softmax(Z, dC_dP)
        targets = "targets whose rows do not sum to 1" if soft else "one-hot Y"
        with check(f"output_delta_softmax_chain(ZL {Z.shape}, {targets} {Y.shape})",
                   context={"n": n}):
            expect(student.call("output_delta_softmax_chain", Z, Y)).close_to(want, mutants={
                "the softmax was treated as elementwise: only the diagonal p (1 - p) of its "
                "Jacobian was used": dC_dP * P * (1 - P), BP["sum_not_mean"]: n * want,
                CHAIN_RULE: (P - Y) / n if soft else None,
                ONE_HOT_DC_DP.format("-1 / (n p_ik) wherever y_ik > 0"):
                    _through_softmax(Z, np.where(Y > 0, -1.0, 0.0) / (n * P)) if soft else None,
                ONE_HOT_DC_DP.format("-1 / (n p_ic) at the largest target c = argmax_k y_ik "
                                     "alone"): _through_softmax(Z, np.where(
                                         Y == Y.max(axis=1, keepdims=True), -1.0, 0.0) / (n * P))
                    if soft else None,
                "p p^T is the outer product np.outer(p, p), a matrix; np.dot(p, p) is a "
                "number, which diag(p) - np.dot(p, p) subtracts from every entry":
                    np.stack([(np.diag(p) - p @ p).T @ g for p, g in zip(P, dC_dP, strict=True)]),
                "the softmax Jacobian is diag(p) - p p^T; p p^T - diag(p) flips the sign":
                    -want})


@question("q3", points=2)
def layer_gradients(student, rng):
    # the first case is square (n == n_prev), so a forgotten transpose runs and is named
    for n, n_prev, n_l in [(4, 4, 3), (1, 3, 2), (7, 5, 3), (10, 2, 6), (5, 3, 1)]:
        A, delta = rng.normal(size=(n, n_prev)), rng.normal(size=(n, n_l)) / n
        with check(f"layer_gradients(A_prev {A.shape}, delta {delta.shape})",
                   context={"n": n}), error_hint(*SHAPES):
            got = student.call("layer_gradients", A, delta)
            if expect(got).is_tuple(2, "(dW, db) of two arrays"):
                expect(got[0], "dW").close_to(A.T @ delta, mutants={  # BP4
                    BP["dW_transposed"]: delta.T @ A,
                    BP["dW_no_transpose"]: A @ delta if n == n_prev else None,
                    "dW was divided by n again: the 1/n of the mean cost is already inside "
                    "delta^l": A.T @ delta / n})
                expect(got[1], "db").close_to(delta.sum(axis=0), mutants={  # BP3
                    BP["db_not_summed"]: delta, BP["db_averaged"]: delta.mean(axis=0),
                    "db summed over the units (axis=1) instead of over the batch (axis=0)":
                        delta.sum(axis=1)})


@question("q4", points=2)
def hidden_delta(student, rng):
    # the first case is square (n_l == n_next), so a forgotten transpose runs and is
    # named; the ReLU cases meet the kink, relu'(0) = 0
    for n, n_l, n_next, name in [(5, 4, 4, "sigmoid"), (6, 5, 3, "tanh"), (1, 4, 2, "relu"),
                                 (8, 6, 2, "sigmoid"), (4, 3, 2, "relu")]:
        d_next, W = rng.normal(size=(n, n_next)) / n, rng.normal(size=(n_l, n_next))
        Z = rng.normal(scale=1.5, size=(n, n_l))
        if name == "relu":
            Z.flat[rng.choice(Z.size, 1 + Z.size // 4, replace=False)] = 0.0
        (f, fp), back, formula = act.ACTIVATIONS[name], d_next @ W.T, PRIME_OF_A.get(name)
        with check(f"hidden_delta(delta_next {d_next.shape}, W_next {W.shape}, Z {Z.shape}, "
                   f"{name!r})", context={"n": n}), error_hint(*SHAPES):
            expect(student.call("hidden_delta", d_next, W, Z, name)).close_to(
                back * fp(Z), mutants={  # BP2
                    BP["f_not_prime"]: back * f(Z), BP["a_for_z"]: back * fp(f(Z)),
                    BP["prime_formula_at_z"]: back * formula(Z) if formula else None,
                    BP["W_no_transpose"]: d_next @ W * fp(Z) if n_l == n_next else None,
                    "reshape is not a transpose: (W delta^T).reshape(n, n_l) reorders the "
                    "entries; delta^{l+1} W^T (or (W delta^T).T) keeps them":
                        (W @ d_next.T).reshape(Z.shape) * fp(Z) if n > 1 else None,
                    "the Hadamard product with f'(z^l) is missing": back})


# ---------------------------------------------------------------------------
# Questions 5 and 6: the whole backward pass


def _own_layer_gradients(student, a_prev, delta):
    """(dW, db) of the student's own layer_gradients (Question 3) as floats, or None if
    it fails or gives something else (a db of another shape stays: Question 3 charges
    it)."""
    got = own_result(student, "layer_gradients", a_prev, delta)
    pair = [maybe_numbers(g) for g in got] if isinstance(got, tuple | list) and \
        len(got) == 2 else [None]
    return None if any(g is None for g in pair) else pair


def _own_backprop(student, weights, biases, X, Y, activation):
    """The gradients that the student's own output_delta_softmax, layer_gradients and
    hidden_delta (Questions 2 to 4) give, or None if one fails."""
    zs, acts = mutants.forward_pass(weights, biases, X, activation=activation)
    delta = own_result(student, "output_delta_softmax", zs[-1], Y, like=zs[-1])
    dWs, dbs = [None] * len(weights), [None] * len(weights)
    for i in reversed(range(len(weights))):
        pair = None if delta is None else _own_layer_gradients(student, acts[i], delta)
        if pair is None:
            return None
        dWs[i], dbs[i] = pair
        if i:
            delta = own_result(student, "hidden_delta", delta, weights[i], zs[i - 1],
                               activation, like=zs[i - 1])
    return dWs, dbs


@question("q5", points=5)
def backprop(student, rng):
    weights, biases, X, _ = _case(rng, [4, 5, 3, 3], 6)
    zs, acts = mutants.forward_pass(weights, biases, X, activation="tanh")
    wrong = {mutants.FORWARD[m]: mutants.forward_pass(weights, biases, X, m, activation="tanh")
             for m in ("no_bias", "z_from_z", "no_hidden_activation", "output_as_hidden",
                       "output_after_hidden", "zs_hold_a")}
    wrong["the activation argument was ignored: the sigmoid was used for 'tanh'"] = \
        mutants.forward_pass(weights, biases, X)
    with check(f"forward_pass for layer sizes [4, 5, 3, 3], tanh, X {X.shape}"):
        got = student.call("forward_pass", weights, biases, X, "tanh")
        if expect(got).is_tuple(2, "(zs, activations), activations starting with a^0 = X"):
            expect(got[0], "zs").each_close_to(zs, mutants={m: w[0] for m, w in wrong.items()})
            expect(got[1], "activations").each_close_to(
                acts, mutants={m: w[1] for m, w in wrong.items()})
    weights, biases, X, _ = _case(rng, [3, 4, 3], 5)
    biases[-1] = biases[-1] + 800.0  # a shift the softmax ignores; e^z alone overflows
    acts = mutants.forward_pass(weights, biases, X, activation="sigmoid")[1]
    with check(f"forward_pass for layer sizes [3, 4, 3], sigmoid, X {X.shape}, output "
               "logits near 800"), error_hint(STABLE_FORWARD, mutants.FORWARD["naive_softmax"],
                                              ["FloatingPointError"]):
        got = student.call("forward_pass", weights, biases, X, "sigmoid", strict_floats=True)
        if expect(got).is_tuple(2, "(zs, activations), activations starting with a^0 = X"):
            expect(got[1], "activations").each_close_to(acts)
    # the first network is square (every width equals n), so the transposition and
    # off-by-one mistakes run and are named; then L = 1, a single row, and random shapes
    for i, (sizes, n, name) in enumerate([([3, 3, 3, 3], 3, "sigmoid"), ([5, 3], 4, "relu"),
                                          (builders.layer_sizes(rng, 3), 1, "tanh"),
                                          (builders.layer_sizes(rng, 4), 8, "relu"),
                                          (builders.layer_sizes(rng, 2), 5, "sigmoid")]):
        weights, biases, X, Y = _case(rng, sizes, n)
        with check(f"backprop for layer sizes {sizes}, {name}, X {X.shape}, Y {Y.shape}",
                   context={"n": n}), error_hint(*SHAPES):
            if not i:
                verify_defaults(student, "backprop", activation="sigmoid")
            _grads(student.call("backprop", weights, biases, X, Y, name),
                   _net(weights, biases, name).gradients(X, Y),
                   mutants.backprop_mutants(weights, biases, X, Y, activation=name),
                   {"what your own functions of Questions 2 to 4 give":
                    _once(_own_backprop, student, weights, biases, X, Y, name)})


def _tanh_output_delta(W1, b1, W2, b2, X, Y):
    """(dWs, dbs) of tanh_regression with the linear output's delta multiplied by
    1 - a^2, as if the output were a tanh unit (a mutant)."""
    A1 = np.tanh(X @ W1 + b1)
    A2 = A1 @ W2 + b2
    delta2 = (A2 - Y) / len(X) * (1 - A2**2)
    delta1 = delta2 @ W2.T * (1 - A1**2)
    return [X.T @ delta1, A1.T @ delta2], [delta1.sum(axis=0), delta2.sum(axis=0)]


@question("q6", points=3)
def tanh_regression(student, rng):
    # the first case is square (n = d = m = K), so transposition mistakes run and are named
    for n, d, m, k in [(3, 3, 3, 3), (1, 2, 3, 1), (8, 3, 5, 1), (6, 4, 3, 2)]:
        (W1, W2), (b1, b2) = weights, biases = builders.network(rng, [d, m, k])
        X, Y = rng.normal(size=(n, d)), rng.normal(size=(n, k))
        net = _net(weights, biases, "tanh", "linear", "quadratic")
        C = net.loss(X, Y)
        with check(f"tanh_regression(W1 {W1.shape}, b1 {b1.shape}, W2 {W2.shape}, "
                   f"b2 {b2.shape}, X {X.shape}, Y {Y.shape})", context={"n": n}):
            got = student.call("tanh_regression", W1, b1, W2, b2, X, Y)
            if expect(got).is_tuple(5, "(C, dW1, db1, dW2, db2)"):
                if n == 3:  # the first case; the rule costs one check
                    expect(got[0], "C").is_number("float(np.mean(r**2) / 2)")
                expect(got[0], "C").close_to(C, mutants={
                    "the cost lacks the factor 1/2 of the quadratic cost": 2 * C,
                    "the cost was summed over the batch instead of averaged": n * C,
                    mutants.MEAN_OVER_ENTRIES: C / k if k > 1 else None})
                _grads(([got[1], got[3]], [got[2], got[4]]), net.gradients(X, Y), {
                    **mutants.backprop_mutants(weights, biases, X, Y, activation="tanh",
                                               output="linear"),
                    "the output unit is linear, a = z: its delta has no tanh'(z) factor "
                    "(1 - a^2)": _tanh_output_delta(W1, b1, W2, b2, X, Y)}, names=("dW", "db"),
                    accept={"BP3 and BP4 by your own layer_gradients (Question 3)":
                            functools.partial(_own_tanh_gradients, student, W1, b1, W2, b2, X,
                                              Y)})


def _own_tanh_gradients(student, W1, b1, W2, b2, X, Y):
    """The tanh regression's gradients with the right deltas and the student's own
    layer_gradients (Question 3) for BP3 and BP4, "as before", or None if it fails."""
    H = np.tanh(X @ W1 + b1)
    delta2 = (H @ W2 + b2 - Y) / len(X)
    delta1 = delta2 @ W2.T * (1 - H * H)
    first, second = (_own_layer_gradients(student, a, d) for a, d in ((X, delta1), (H, delta2)))
    if first is None or second is None:
        return None
    return [first[0], second[0]], [first[1], second[1]]


# ---------------------------------------------------------------------------
# Questions 7 and 8: gradient checking


def _drifted(cost, weights, biases, h, interleaved=False):
    """Central differences that never put an entry back: each stays at its value - h, so
    the later entries are differentiated at a drifted point (in the order W^1, ..., b^1,
    ..., or with ``interleaved`` W^1, b^1, W^2, ...)."""
    ps, L = [np.array(p, dtype=float) for p in [*weights, *biases]], len(weights)
    gs = [np.zeros_like(p) for p in ps]
    for i in [j for l in range(L) for j in (l, L + l)] if interleaved else range(2 * L):
        for idx in np.ndindex(ps[i].shape):
            value = ps[i][idx]
            ps[i][idx] = value + h
            up = cost(ps[:L], ps[L:])
            ps[i][idx] = value - h
            gs[i][idx] = (up - cost(ps[:L], ps[L:])) / (2 * h)
    return gs[:L], gs[L:]


class _Failed(Exception):
    """The student's own function failed: what it leads to is unavailable."""


def _differences(cost, weights, biases, h, method=numerical_gradient):
    """(dWs, dbs) of cost(weights, biases) by ``method`` (central differences, or
    ``mutants.one_sided_gradient``) on copies; None where the cost fails (see
    :func:`_own_cost`). A cost that is nan gives nan, as the student's own would."""
    ps, L = [np.array(p, dtype=float) for p in [*weights, *biases]], len(weights)
    try:
        with np.errstate(invalid="ignore"):
            gs = [method(lambda _: cost(ps[:L], ps[L:]), p, h) for p in ps]
    except _Failed:
        return None
    return gs[:L], gs[L:]


ANY_TARGETS = "-(1/n) sum_i sum_k y_ik ln p_ik, for any targets"


def _own_cost(student, X, Y, activation):
    """The student's own cost (Question 7) of the parameters; _Failed where the call
    fails or gives no number."""
    def cost(ws, bs):
        value = own_result(student, "cost", ws, bs, X, Y, activation, like=0.0)
        if value is None:
            raise _Failed
        return float(value)
    return cost


@question("q7", points=4)
def gradient_checking(student, rng):
    a, c = rng.normal(size=(3, 4)), rng.normal(size=10) * 10.0 ** rng.uniform(-3, 1, size=10)
    # the largest |a_i| (at i) and the largest |b_i| at different entries, where
    # max|a| + max|b| exceeds max(|a_i| + |b_i|) by at least a tenth
    i, j = rng.choice(10, size=2, replace=False)
    top = np.abs(c).max()
    c[i], c[j] = 1.5 * top * np.sign(c[i]), rng.uniform(0.75, 1.2) * top * np.sign(c[j])
    d = c * (1 + 1e-2 * rng.normal(size=10))
    d[i] *= 0.25
    d[int(rng.integers(10))] *= -1
    e = rng.normal(size=(1, 5))
    f = e.copy()
    e[0, 2], f[0, 2] = 0.0, 1e-9  # an entry that is zero up to rounding
    cases = [(a, a + 1e-3 * rng.normal(size=(3, 4)), "close arrays of shape (3, 4)"),
             (c, d, "vectors of shape (10,) with entries from 1e-3 to 15, the largest of a and "
              "of b at different entries"),
             (a, -1.01 * a, "arrays of shape (3, 4) of opposite signs"),
             (np.zeros((2, 3)), np.zeros((2, 3)), "two zero arrays (2, 3)"),
             (np.zeros((2, 3)), a[:2, :3].copy(), "a zero array and a nonzero one (2, 3)"),
             (e, f, "arrays (1, 5) that differ only in an entry close to zero")]
    tiny = 2e-9 / np.max(np.abs(a) + np.abs(cases[0][1]))  # the scale of a vanishing gradient
    cases.append((tiny * a, tiny * cases[0][1], "close arrays (3, 4) with entries near 1e-9"))
    for i, (x, y, what) in enumerate(cases):
        with check(f"relative_error for {what}"):
            got = student.call("relative_error", x, y)
            if i == 0:  # the rule costs one check
                expect(got, "relative_error").is_number(
                    "one number for the whole array: float(np.max(np.abs(a - b)) / ...)")
            expect(got).close_to(relative_error(x, y), *(TINY_SCALE if i == 6 else ()),
                                 mutants=mutants.relative_error_mistakes(x, y))
    for sizes, n, name, targets in [([3, 4, 3], 5, "sigmoid", ""),
                                    ([4, 3, 3, 2], 7, "tanh", ""),
                                    ([3, 2, 4], 6, "tanh", "weighted per sample"),
                                    ([2, 5, 4], 4, "sigmoid", "soft, several nonzero per row"),
                                    ([3, 4, 3], 1, "sigmoid", "one-hot, confidently wrong")]:
        weights, biases, X, Y = _case(rng, sizes, n)
        weighted, soft = targets.startswith(("weighted", "soft")), targets.startswith("soft")
        Y = rng.dirichlet(np.ones(sizes[-1]), size=n) * rng.uniform(0.5, 1.5) if soft else \
            Y * rng.uniform(0.3, 2.0, size=(n, 1)) if weighted else Y
        if targets.endswith("confidently wrong"):  # logits about 30 apart, the target's
            logits = builders.spread_logits(weights, biases, X, 30.0, name)  # smallest:
            Y = np.eye(sizes[-1])[np.argmin(logits, axis=1)]  # p near e^-30
        net = _net(weights, biases, name)
        C, P = net.loss(X, Y), net.forward(X)
        with check(f"cost for layer sizes {sizes}, {name}, X {X.shape}"
                   + (f", targets {targets}" if targets else "")
                   + " (the cost of your own forward_pass's output also counts)",
                   context={"n": n}):
            right = expect(student.call("cost", weights, biases, X, Y, name)).close_to(C, accept={
                "the cost of your own forward_pass (Question 5)":
                    lambda w=weights, b=biases, X=X, Y=Y, f=name: _cost_of_own_forward(
                        student, w, b, X, Y, f)}, mutants={
                "the cost was summed over the batch instead of averaged": n * C,
                "the sign is flipped: the cross-entropy is -sum y ln p": -C,
                mutants.MEAN_OVER_ENTRIES: C / sizes[-1],
                "the weights of the targets were dropped, as if they were one-hot: the "
                f"question asks for {ANY_TARGETS}":
                    _net(weights, biases, name).loss(X, Y > 0) if weighted else None,
                "only the largest target of each row counts (times the row's sum): the "
                f"question asks for {ANY_TARGETS}, every y_ik > 0 of a row":
                    _largest_target_form(weights, biases, X, Y, name) if soft else None,
                "-ln sum_k y_k p_k is the cross-entropy of one-hot targets only: the question "
                f"asks for {ANY_TARGETS}":
                    _one_hot_form(weights, biases, X, Y, name) if weighted else None,
                "the cost picks the entries where y = 1, which weighted targets do not have "
                f"(the mean of nothing is nan): the question asks for {ANY_TARGETS}":
                    np.nan if weighted else None,
                **mutants.epsilon_cost_mistakes(P, Y)})
            if right and sizes == [3, 4, 3] and not targets:  # the rule, once, if right
                student.call("cost", weights, biases, X, Y, name, require=USE_FORWARD)
    for i, (sizes, n, name, h) in enumerate([([3, 4, 2], 4, "sigmoid", 1e-2),
                                             ([2, 3, 3, 2], 3, "tanh", 2e-2)]):
        weights, biases, X, Y = _case(rng, sizes, n)
        cost = _reference(name, X, Y)
        want = _differences(cost, weights, biases, h)
        own = _once(_differences, _own_cost(student, X, Y, name), weights, biases, h)
        with check(f"numerical_gradient_of_cost for layer sizes {sizes}, {name}, X {X.shape}, "
                   f"h={h}", context={"n": n}), error_hint(*_relies_on("cost", "Question 7", own)):
            if not i:
                verify_defaults(student, "numerical_gradient_of_cost", h=1e-5)
            _grads(student.call("numerical_gradient_of_cost", weights, biases, X, Y, name, h=h),
                   want, {"one-sided differences (C(w + h) - C(w)) / h; the question asks for "
                          "central differences": _differences(cost, weights, biases, h,
                                                              mutants.one_sided_gradient),
                          "divided by h instead of 2h": tuple([2 * g for g in gs] for gs in want),
                          "(C(w + h/2) - C(w - h/2)) / h is the difference with step h/2; the "
                          "question's central difference steps by h each way and divides by 2h":
                              _differences(cost, weights, biases, h / 2),
                          **{"each perturbed entry was left at w - h instead of being put back, "
                             "so the later entries were differentiated at a moved point" + how:
                             functools.partial(_drifted, cost, weights, biases, h, mixed)
                             for how, mixed in (("", False), (" (W^1, b^1, W^2, ...)", True))},
                          "the step h given was not used: this is the exact gradient, or "
                          "differences with a tiny step, where the question asks for central "
                          "differences with the step h it gives":
                              _net(weights, biases, name).gradients(X, Y)},
                   {"central differences of your own cost": own}, FD)


def _planted(weights, biases, X, Y, activation, mistake, layer):
    """Gradients with a classic ``mistake`` planted at ``layer`` (course numbering): in BP2
    (f_not_prime, a_for_z) it corrupts the layers up to ``layer``, in BP3 (db_averaged) that
    layer only, summing (sum_not_mean) every layer."""
    right = mutants.backprop(weights, biases, X, Y, activation=activation)
    if mistake is None:
        return right
    if isinstance(mistake, float):  # dW^layer off by a relative error of about mistake
        dWs = [dW * (1 + 2 * mistake) if i == layer - 1 else dW
               for i, dW in enumerate(right[0])]
        return dWs, right[1]
    wrong = mutants.backprop(weights, biases, X, Y, mistake, activation=activation)
    hit = {"db_averaged": lambda i: i == layer - 1, "sum_not_mean": lambda i: True}.get(
        mistake, lambda i: i < layer)
    return tuple([w if hit(i) else r for i, (w, r) in enumerate(zip(ws, rs, strict=True))]
                 for ws, rs in zip(wrong, right, strict=True))


def _verdict(dWs, dbs, numerical, rel=relative_error, tol=GRAD_TOL):
    """The layers (from 1) whose dW or db is farther than ``tol`` from ``numerical``."""
    return [l + 1 for l, (dW, db, nW, nb) in enumerate(zip(dWs, dbs, *numerical, strict=True))
            if max(rel(dW, nW), rel(db, nb)) > tol]


def _threshold_mutants(dWs, dbs, num, mistake, want) -> dict:
    """Verdicts with another threshold (the thresholds that agree under one name); for a
    planted small error also on the absolute difference (one name where the two agree)."""
    alike: dict[tuple, list[float]] = {}
    for tol in (1e-9, 1e-8, 1e-3):
        alike.setdefault(tuple(_verdict(dWs, dbs, num, tol=tol)), []).append(tol)
    found = {f"the question's threshold is {GRAD_TOL:g}, not "
             f"{' or '.join(f'{tol:g}' for tol in tols)}": list(verdict)
             for verdict, tols in alike.items() if list(verdict) != want}
    if not isinstance(mistake, float):
        return found
    absolute = _verdict(dWs, dbs, num, rel=_largest_difference)
    both = next((k for k, v in found.items() if v == absolute), None)
    if both:
        found[f"{both} (or it was applied to max|a - b| instead of rel(a, b))"] = \
            found.pop(both)
    elif absolute != want:
        found["the threshold applies to the relative error rel(a, b), not to the absolute "
              "difference max|a - b|"] = absolute
    return found


def _largest_difference(a, b) -> float:
    """max |a - b| (a mutant of the relative error)."""
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))))


def _own_verdict(student, weights, biases, X, Y, activation, dWs, dbs):
    """The verdict of the student's own numerical_gradient_of_cost and relative_error
    (Question 7), or None if the former fails."""
    num = own_result(student, "numerical_gradient_of_cost", weights, biases, X, Y, activation,
                     like=(weights, biases))

    def rel(a, b):
        value = own_result(student, "relative_error", a, b, like=0.0)
        return np.nan if value is None else float(value)
    return None if num is None else _verdict(dWs, dbs, num, rel)


BYPASS = ("this is what a comparison with backprop finds: these targets' rows do not sum to "
          "1, so backprop's delta^L = (P - Y) / n is not the gradient of this cost; the "
          "question asks to compare with finite differences (numerical_gradient_of_cost)")


@question("q8", points=3)
def catching_a_bug(student, rng):
    # with targets weighted per sample (0.3 to 2), backprop's gradients are wrong in every
    # layer: only finite differences tell, also when a mistake is planted in one layer
    for mistake, name, L, weighted in [
            ("f_not_prime", "tanh", 4, False), ("db_averaged", "sigmoid", 3, False),
            (None, "tanh", 3, False), ("a_for_z", "sigmoid", 4, False),
            ("sum_not_mean", "tanh", 2, False), (None, "sigmoid", 3, True),
            ("db_averaged", "tanh", 3, True), (1e-7, "sigmoid", 3, False),
            (1e-4, "tanh", 3, False)]:
        sizes = builders.layer_sizes(rng, L)
        weights, biases, X, Y = _case(rng, sizes, 5)
        Y = Y * rng.choice([0.3, 0.5, 1.5, 2.0], size=(5, 1)) if weighted else Y
        layer = int(rng.integers(1, L + 1 if mistake == "db_averaged" else L))
        if mistake == 1e-4:  # dW^1 of about 1e-4: its error is 1e-4 relative, 1e-8 absolute
            X, layer = X * 1e-3, 1
        dWs, dbs = _planted(weights, biases, X, Y, name, mistake, layer)
        num = _differences(_reference(name, X, Y), weights, biases, 1e-5)
        want, no_b = _verdict(dWs, dbs, num), [np.zeros_like(b) for b in dbs]
        own = _once(_own_verdict, student, weights, biases, X, Y, name, dWs, dbs)
        what = {None: "no mistake", "sum_not_mean": "gradients n times too large",
                1e-7: f"an error of 1e-7 in layer {layer}",
                1e-4: f"an error of 1e-4 in layer {layer}"}.get(
            mistake, f"a mistake in layer {layer}") + (", targets weighted per sample"
                                                       if weighted else "")
        # weights and biases (arguments 0 and 1) may change, as the text says: that rule is
        # numerical_gradient_of_cost's, checked in Question 7
        with check(f"wrong_layers for layer sizes {sizes}, {name}, X {X.shape}, given "
                   f"gradients with {what}"), error_hint(*_relies_on(
                       "numerical_gradient_of_cost", "Question 7", own)):
            expect(student.call("wrong_layers", weights, biases, X, Y, name, dWs, dbs,
                                may_change=(0, 1))).equals(want, mutants={
                "layer numbers start at 1 (course numbering), not 0": [l - 1 for l in want],
                "the bias gradients were not checked": _verdict(dWs, no_b, (num[0], no_b)),
                "every layer was flagged: is numerical_gradient_of_cost the gradient of the "
                "mean cost?": list(range(1, L + 1)) if len(want) < L else None,
                BYPASS: _verdict(dWs, dbs, mutants.backprop(weights, biases, X, Y,
                                                            activation=name))
                if weighted else None, **_threshold_mutants(dWs, dbs, num, mistake, want)},
                accept={
                "what your own numerical_gradient_of_cost and relative_error (Question 7) "
                "give": own})
    _other_network(student, rng, sizes, X, Y, name, want, num)
    with check("BUGGY_LAYER, the layer of the wrong line in buggy_backprop, found with "
               "wrong_layers"):
        bug = [student.get(n) for n in ("bug_weights", "bug_biases", "bug_X", "bug_Y")]
        expect(student.get("BUGGY_LAYER"), "BUGGY_LAYER").equals(2, secret=True, mutants={
            "the layers below the wrong line fail the check too, because a wrong delta "
            "travels down through BP2: the wrong line acts in the highest layer that fails": 1,
            "this layer passes the gradient check: the wrong line acts in a layer that "
            "fails it": 3}, accept={"the highest layer your own wrong_layers flags (it "
                                    "differs from the text's, see above)":
                                    lambda: _own_buggy_layer(student, bug)})
        found = student.call("wrong_layers", *bug, "sigmoid",
                             *student.call("buggy_backprop", *bug), may_change=(0, 1))
        verify(isinstance(found, list | tuple | np.ndarray) and all(
            isinstance(l, int | np.integer) for l in found), "the question asks to find "
            "BUGGY_LAYER by applying wrong_layers to buggy_backprop on bug_weights, bug_biases, "
            "bug_X, bug_Y; it returned " + describe_value(found), "wrong_layers")


def _other_network(student, rng, sizes, X, Y, name, earlier, earlier_num) -> None:
    """wrong_layers on the X and Y of the call before (its verdict ``earlier`` from the
    finite differences ``earlier_num``), with another network and its right gradients: a
    verdict or finite differences kept by the data alone show."""
    weights, biases = builders.network(rng, sizes)
    dWs, dbs = _planted(weights, biases, X, Y, name, None, 1)
    want = _verdict(dWs, dbs, _differences(_reference(name, X, Y), weights, biases, 1e-5))
    if want == earlier:
        return
    own = _once(_own_verdict, student, weights, biases, X, Y, name, dWs, dbs)
    with check(f"wrong_layers on the same X {X.shape} and Y with another network {sizes} and "
               "its right gradients"):
        expect(student.call("wrong_layers", weights, biases, X, Y, name, dWs, dbs,
                            may_change=(0, 1))).equals(want, mutants={
            "the verdict of the call before, on the same X and Y with another network, came "
            "back: it depends on the weights and gradients too (a result kept between calls "
            "must depend on every argument)": earlier,
            "the gradients were compared with the finite differences of the call before, on "
            "the same X and Y with another network: they depend on the weights too (a result "
            "kept between calls must depend on every argument)":
                _verdict(dWs, dbs, earlier_num)}, accept={
            "what your own numerical_gradient_of_cost and relative_error (Question 7) give":
                own})


def _own_buggy_layer(student, bug):
    """max(wrong_layers(...)) on buggy_backprop's gradients when the student's own
    wrong_layers flags other layers than a correct one does there (a mistake of Question 7 or
    of wrong_layers, charged where it is made), else None."""
    grads = own_result(student, "buggy_backprop", *bug)
    found = None if grads is None else own_result(student, "wrong_layers", *bug, "sigmoid",
                                                  *grads)
    ws, bs = (shaped_like(bug[i], bug[i]) for i in (0, 1))
    dWs, dbs = (shaped_like(grads[i], bug[i]) if grads is not None else None for i in (0, 1))
    if not (isinstance(found, list | tuple) and found and all(
            isinstance(l, int | np.integer) for l in found)) or any(
                v is None for v in (ws, bs, dWs, dbs)):
        return None
    X, Y = maybe_numbers(bug[2]), maybe_numbers(bug[3])
    right = _verdict(dWs, dbs, _differences(_reference("sigmoid", X, Y), ws, bs, 1e-5))
    return None if sorted(found) == right else int(max(found))


# ---------------------------------------------------------------------------
# Questions 9 and 10: sensitivity, curvature, initialisation


def _input_jacobian(weights, biases, x, activation, mistake=None, passes=None):
    """d softmax(z^L) / dx (K, n_0) by the chain rule, at the (zs, activations) of
    ``passes`` if given (else the reference forward pass); ``mistake`` "logits":
    d z^L / dx, "a_for_z": f' evaluated at a^l instead of z^l, "diagonal": softmax's
    Jacobian as diag(p (1 - p)), "no_slopes": the factors f'(z^l) left out, "output_slope":
    an extra f'(z^L) of the hidden activation at the softmax layer."""
    fp = act.ACTIVATIONS[activation][1]
    zs, acts = passes or mutants.forward_pass(weights, biases, x[None, :], activation=activation)
    p = act.softmax(zs[-1][0])
    J = {"logits": np.eye(len(p)), "diagonal": np.diag(p * (1 - p))}.get(
        mistake or "", act.softmax_jacobian(zs[-1][0]))
    if mistake == "output_slope":
        J = J * fp(zs[-1][0])
    for i in range(len(weights) - 1, -1, -1):
        J = J @ weights[i].T
        if i > 0 and mistake != "no_slopes":
            J = J * fp(acts[i][0] if mistake == "a_for_z" else zs[i - 1][0])
    return J


def _own_jacobian(student, weights, biases, x, activation, h=1e-5):
    """The Jacobian of the student's own forward_pass (Question 5) by central differences,
    or None if it fails."""
    def probabilities(v):
        like = mutants.forward_pass(weights, biases, v[None, :], activation=activation)
        got = own_result(student, "forward_pass", weights, biases, v[None, :], activation,
                         like=like)
        return np.full(len(biases[-1]), np.nan) if got is None else got[1][-1][0]
    J = jacobian(probabilities, x.copy(), h)
    return None if np.isnan(J).any() else J


def _own_chain(student, weights, biases, x, activation):
    """The chain rule at the z^l of the student's own forward_pass (Question 5), as an
    input_jacobian that reuses it computes, or None if it fails."""
    like = mutants.forward_pass(weights, biases, x[None, :], activation=activation)
    passes = own_result(student, "forward_pass", weights, biases, x[None, :], activation,
                        like=like)
    return None if passes is None else _input_jacobian(weights, biases, x, activation,
                                                       passes=passes)


def _flat(ws, bs):
    """theta in the order of the notebook's flatten_params: W^1, b^1, W^2, b^2, ..."""
    return np.concatenate([np.ravel(p) for W, b in zip(ws, bs, strict=True) for p in (W, b)])


def _hessian(grad, weights, biases, h, central=True):
    """(H + H^T) / 2 by differences of grad(ws, bs) -> (dWs, dbs) (None: it failed), in
    the order of flatten_params; None if grad fails."""
    params = [p for W, b in zip(weights, biases, strict=True) for p in (W, b)]
    ends = np.cumsum([np.size(p) for p in params])[:-1]

    def g(theta):
        ps = [t.reshape(np.shape(p)) for t, p in zip(np.split(theta, ends), params, strict=True)]
        got = grad(ps[0::2], ps[1::2])
        return np.full(theta.size, np.nan) if got is None else _flat(*got)

    theta = _flat(weights, biases)
    H = jacobian(g, theta, h) if central else np.stack(
        [(g(theta + h * e) - g(theta)) / h for e in np.eye(theta.size)], axis=1)
    return None if np.isnan(H).any() else (H + H.T) / 2


def _weights_first(H, weights, biases):
    """(A + A^T) / 2 for A = H with its rows (the gradient's entries) in the order W^1, ...,
    W^L, b^1, ..., b^L and its columns (theta's) in flatten_params' order (a mutant)."""
    ends = np.cumsum([0] + [np.size(p) for W, b in zip(weights, biases, strict=True)
                            for p in (W, b)])
    spans = [np.arange(a, b) for a, b in zip(ends[:-1], ends[1:], strict=True)]
    A = H[np.concatenate(spans[0::2] + spans[1::2])]
    return (A + A.T) / 2


def _column_major(H, weights, biases):
    """H with theta's entries in flatten_params' order but each W^l raveled column by
    column (order='F') for both the steps and the gradient (a mutant)."""
    params = [p for W, b in zip(weights, biases, strict=True) for p in (W, b)]
    starts = np.cumsum([0] + [np.size(p) for p in params])[:-1]
    order = np.concatenate([start + np.arange(np.size(p)).reshape(np.shape(p)).ravel(order="F")
                            for start, p in zip(starts, params, strict=True)])
    return H[np.ix_(order, order)]


def _own_backprop_of(student, X, Y, activation, broadcast=False):
    """The student's own backprop (Question 5) as a function of the parameters; with
    ``broadcast``, gradients that broadcast to the parameters' shapes count, as the
    student's own ``b - lr * db`` uses them (a db summed to one number: Question 3)."""
    return lambda ws, bs: shaped_like(own_result(student, "backprop", ws, bs, X, Y, activation),
                                      (ws, bs), broadcast)


NO_ACTIVATION = ("this is the Hessian of the sigmoid network: the activation given was not "
                 "passed on to backprop, whose default is 'sigmoid'")


@question("q9", points=3)
def sensitivity_and_curvature(student, rng):
    for sizes, name in [([3, 4, 2], "tanh"), ([5, 4, 3, 4], "sigmoid"), ([2, 3], "relu"),
                        ([4, 6, 3], "relu")]:
        weights, biases = builders.network(rng, sizes)
        x = rng.normal(size=sizes[0])
        J = _input_jacobian(weights, biases, x, name)
        own = _once(_own_jacobian, student, weights, biases, x, name)
        chain = _once(_own_chain, student, weights, biases, x, name)
        with check(f"input_jacobian for layer sizes {sizes}, {name}, x {x.shape}"), \
                error_hint(*_relies_on("forward_pass", "Question 5", own)):
            expect(student.call("input_jacobian", weights, biases, x, name)).close_to(
                J, JAC.rtol, JAC.atol, mutants={
                    "the Jacobian is transposed: expected shape (K, n_0), row k the gradient "
                    "of p_k": J.T,
                    "this is the Jacobian of the logits z^L: the softmax Jacobian "
                    "diag(p) - p p^T is missing": _input_jacobian(weights, biases, x, name,
                                                                  "logits"),
                    BP["a_for_z"]: _input_jacobian(weights, biases, x, name, "a_for_z"),
                    "softmax's Jacobian is diag(p) - p p^T: diag(p (1 - p)) treats it as an "
                    "elementwise function": _input_jacobian(weights, biases, x, name,
                                                            "diagonal"),
                    "the factors f'(z^l) of the hidden layers are missing: J = S W^L.T D^{L-1} "
                    "... W^1.T with D^l = diag(f'(z^l))": _input_jacobian(weights, biases, x,
                                                                          name, "no_slopes"),
                    "the output layer's activation is the softmax alone: J = S W^L.T D^{L-1} "
                    "... W^1.T has no D^L = diag(f'(z^L)) of the hidden activation":
                        _input_jacobian(weights, biases, x, name, "output_slope")},
                accept={"the Jacobian of your own forward_pass (Question 5)": own,
                        "the chain rule at the z^l of your own forward_pass (Question 5)":
                            chain})
    # the last step is large enough that ignoring it shows (the truncation error is O(h^2))
    for i, (sizes, n, name, h) in enumerate([([2, 3, 2], 4, "sigmoid", 1e-4),
                                             ([3, 2, 2], 3, "tanh", 2e-4),
                                             ([2, 2, 2], 3, "sigmoid", 0.1)]):
        weights, biases, X, Y = _case(rng, sizes, n)
        grad = _reference(name, X, Y, "gradients")
        H = _hessian(grad, weights, biases, h)
        own = _once(_hessian, _own_backprop_of(student, X, Y, name), weights, biases, h)
        with check(f"cost_hessian for layer sizes {sizes}, {name}, X {X.shape}, h={h}",
                   context={"n": n}), error_hint(*_relies_on("backprop", "Question 5", own)):
            if not i:
                verify_defaults(student, "cost_hessian", h=1e-4)
            got = student.call("cost_hessian", weights, biases, X, Y, name, h=h,
                               require=None if i else USE_BACKPROP)
            expect(got, "H").close_to(H, HESS.rtol, HESS.atol, mutants={
                "one-sided differences (g(theta + h e_j) - g(theta)) / h; the question asks "
                "for central differences": _hessian(grad, weights, biases, h, central=False),
                "twice the Hessian: divided by h instead of 2h, or symmetrised as H + H^T "
                "without the 1/2": 2 * H,
                "half the one-sided difference (g(theta + h e_j) - g(theta)) / (2h): the "
                "plus and minus steps changed one array (theta_plus = theta is no copy), so "
                "g was taken at theta + h e_j and at theta":
                    _hessian(grad, weights, biases, h, central=False) / 2,
                "the step h given was not used: these are differences with a tiny step, where "
                "the question asks for central differences with the step h it gives":
                    _hessian(grad, weights, biases, 1e-5),
                "the gradient was flattened all weights, then all biases, while theta follows "
                "flatten_params, W^1, b^1, W^2, b^2, ...: flatten both alike":
                    _weights_first(H, weights, biases),
                "the weights were flattened column by column (order='F'), while theta follows "
                "flatten_params, each W^l row by row as ravel() gives it":
                    _column_major(H, weights, biases),
                NO_ACTIVATION: None if name == "sigmoid" else
                    _hessian(_reference("sigmoid", X, Y, "gradients"), weights, biases, h)},
                accept={"central differences of your own backprop (Question 5)": own})
            H_got = shaped_like(got, H)
            verify(H_got is None or np.max(np.abs(H_got - H_got.T))
                   <= 1e-12 * np.max(np.abs(H_got)), "H is not symmetric: the question asks "
                   "to return (H + H^T) / 2", "H", mistake="the Hessian was not symmetrised")


def _train(grad, X, Y, sizes, c, lr, steps, sign=-1.0, bias_c=0.0, bias_lr=None):
    """Full-batch gradient descent from W = c, b = bias_c with grad(ws, bs) -> (dWs, dbs)
    (the biases with ``bias_lr`` if given); None if grad fails."""
    ws = [np.full(shape, float(c)) for shape in builders.fan_pairs(sizes)]
    bs = [np.full(k, float(bias_c)) for k in sizes[1:]]
    for _ in range(steps):
        if (grads := grad(ws, bs)) is None:
            return None
        ws = [W + sign * lr * g for W, g in zip(ws, grads[0], strict=True)]
        bs = [b + sign * (lr if bias_lr is None else bias_lr) * g
              for b, g in zip(bs, grads[1], strict=True)]
    return ws, bs


def _per_sample(activation, X, Y, sizes, c, lr, steps):
    """``steps`` passes of one update of W and b per sample, in order, from W = c, b = 0."""
    ws = [np.full(shape, float(c)) for shape in builders.fan_pairs(sizes)]
    bs = [np.zeros(k) for k in sizes[1:]]
    for _ in range(steps):
        for i in range(len(X)):
            dWs, dbs = _reference(activation, X[i:i + 1], Y[i:i + 1], "gradients")(ws, bs)
            ws = [W - lr * g for W, g in zip(ws, dWs, strict=True)]
            bs = [b - lr * g for b, g in zip(bs, dbs, strict=True)]
    return ws, bs


@question("q10", points=3)
def zero_initialisation(student, rng):
    weights, _ = builders.network(rng, [4, 5, 3, 2])
    same_units = [np.repeat(rng.normal(size=(3, 1)), 4, axis=1), rng.normal(size=(4, 3)),
                  rng.normal(size=(3, 2))]
    for ws, what in [(weights, "random weights, layer sizes [4, 5, 3, 2]"),
                     (same_units, "layer sizes [3, 4, 3, 2], identical units in layer 1"),
                     (weights[-1:], "a single layer (L = 1), which has no hidden layer")]:
        with check(f"hidden_unit_spread for {what}"):
            expect(student.call("hidden_unit_spread", ws)).close_to(
                [np.max(np.abs(W - W[:, :1])) for W in ws[:-1]], mutants={
                    "compared rows instead of columns: the incoming weights of unit j are "
                    "column j of W^l": [np.max(np.abs(W - W[:1, :])) for W in ws[:-1]],
                    "the output layer is not a hidden layer: return L - 1 values":
                        [np.max(np.abs(W - W[:, :1])) for W in ws],
                    "the hidden layers are W^1, ..., W^{L-1} (weights[:-1]), not weights[1:]":
                        [np.max(np.abs(W - W[:, :1])) for W in ws[1:]],
                    "the difference needs its absolute value: max |W_ij - W_i1|":
                        [np.max(W - W[:, :1]) for W in ws[:-1]],
                    "measured the range of all entries, max W - min W; the question compares "
                    "each column with the first, max |W_ij - W_i1|":
                        [np.ptp(W) for W in ws[:-1]],
                    "compared each column with the last, max |W_ij - W_in|; the question "
                    "compares each column with the first, max |W_ij - W_i1|":
                        [np.max(np.abs(W - W[:, -1:])) for W in ws[:-1]],
                    "measured the largest range of a row, max_i (max_j W_ij - min_j W_ij); the "
                    "question compares each column with the first, max |W_ij - W_i1|":
                        [np.max(np.ptp(W, axis=1)) for W in ws[:-1]],
                    "took the length of each column's difference, max_j ||W_:j - W_:1||; the "
                    "question takes the largest entry, max |W_ij - W_i1|":
                        [np.max(np.linalg.norm(W - W[:, :1], axis=0)) for W in ws[:-1]]})
    # c = 0 as a plain int, as zero initialisation is written: the weights are floats all the same
    for sizes, n, name, c, lr, steps in [([3, 4, 3], 6, "sigmoid", 0, 0.5, 5),
                                         ([3, 4, 2], 5, "tanh", 0.0, 0.5, 3),
                                         ([4, 3, 3, 2], 7, "sigmoid", 0.2, 1.0, 4)]:
        X, Y = builders.batch(rng, n, sizes[0], sizes[-1])
        grad = _reference(name, X, Y, "gradients")
        args = (X, Y, sizes, c, lr, steps)
        own = _once(_train, _own_backprop_of(student, X, Y, name, broadcast=True), *args)
        with check(f"train_constant_init(X {X.shape}, Y {Y.shape}, {sizes}, {name!r}, c={c}, "
                   f"lr={lr}, steps={steps})", context={"n": n}), \
                error_hint(*_relies_on("backprop", "Question 5", own)):
            _grads(student.call("train_constant_init", X, Y, sizes, name, c, lr, steps,
                                require=USE_BACKPROP if sizes == [3, 4, 3] else None),
                   _train(grad, *args), {
                       "moved along the gradient (W + lr dW) instead of against it":
                           _train(grad, *args, sign=1.0),
                       "the biases start at c like the weights, instead of 0":
                           _train(grad, *args, bias_c=c),
                       "the weights start at 0 whatever c is: W^l = c everywhere":
                           _train(grad, X, Y, sizes, 0.0, lr, steps) if c else None,
                       "the biases are trained too: b^l <- b^l - lr dC/db^l":
                           _train(grad, *args, bias_lr=0.0),
                       BP["sum_not_mean"]: _train(_reference(name, X, Y, "gradients", n),
                                                  *args),
                       "the learning rate was divided by n again (NNDL's eta / "
                       "len(mini_batch)): backprop's gradient of the mean cost already has "
                       "the 1/n": _train(_reference(name, X, Y, "gradients", 1 / n), *args),
                       "one update per sample (stochastic) in each step: a step is one update "
                       "with the gradient of the whole batch":
                           functools.partial(_per_sample, name, *args),
                       "one update too few (range(1, steps)?): run exactly `steps` updates":
                           _train(grad, X, Y, sizes, c, lr, steps - 1),
                       "one update too many (range(steps + 1)?): run exactly `steps` updates":
                           _train(grad, X, Y, sizes, c, lr, steps + 1)},
                   {"gradient descent with your own backprop (Question 5)": own},
                   names=("weights", "biases"))


manual("q11", points=3, prompt=(
    "Comment the three lines of NNDL's backward pass (BP1, BP3, BP4 for one column-vector "
    "sample): the shapes, why the transpose, and the same lines for a batch of rows."))
