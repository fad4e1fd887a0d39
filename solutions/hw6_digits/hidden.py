"""Hidden suite of Homework 6: a NumPy network trained on the digits, and a study of its
hyper-parameters.

The student's class is built in the worker with ``student.call("NeuralNetwork", ...,
rng=student.rng(seed))`` and driven through its handle; ``set_params`` puts it in a known
state. Every expected value comes from ``reference`` on fresh inputs drawn from ``rng``:
``reference.network.MLP`` with the course's initialisation (``course_init`` below draws
exactly what the notebook prescribes, so the reference generator is in the same state as
the student's when ``fit`` starts shuffling), ``MLP.loss``/``MLP.gradients`` with
``l2=lam`` for the cost and backpropagation, ``MLP.fit`` with ``reference.optim.SGD`` for
the step and the training loop, and ``reference.data.load_digits_split`` for a split the
student never saw. The mutants (answers that classic mistakes give) are computed here by
small loops written for them.

The grid search (q5) and the study (q6) are checked against the student's *own* network,
retrained here with the settings each entry states, so that a mistake in the network
costs points once, in q1 to q4, and not again in the functions that use it. The study's
trend that the final weight norm decreases as lambda grows is a property of weight decay
(every step multiplies W by 1 - eta lambda); with the sizes used here (lambda from 0 to
1, eta lambda up to 0.5 per step) it holds with a wide margin: the norm drops by about 15%
from lambda = 0 to 0.01 and by a factor of about 15 from 0 to 1.

Tolerances:

* initial weights: ``normal(0, s)`` and ``standard_normal / sqrt(n_in)`` differ by an ulp;
  rtol=1e-9, atol=1e-12.
* forward pass and cost: a few ulps (another stable sigmoid or softmax, sums in another
  order); rtol=1e-9, atol=1e-12. The cost's logarithm is of probabilities bounded away
  from 0 (|z| < 10), so clipping choices never matter.
* gradients and one SGD step: products summed in another order, and sigma' computed as
  a (1 - a) or from z; rtol=1e-7, atol=1e-12, a margin of 1e5 over rounding, while the
  smallest planted mistake (lam / n instead of lam) is off by a factor of at least 2.
* ``fit`` (at most 15 steps on small networks): the differences stay near 1e-15;
  rtol=1e-7, atol=1e-10.
* accuracies, updates, costs and norms in q5 and q6 are recomputed from the student's
  own deterministic network in the same process: rtol=1e-9, atol=1e-12.
* end to end (q4): 30 epochs of SGD with eta = 0.2, lambda = 1e-4, batches of 16 on
  1257 digits reach a test accuracy of at least 0.941 (mean 0.962) over 400 random splits
  and seeds, so the bar of 0.93 fails a correct network essentially never.
  A vectorised ``fit`` takes about 0.2 s; 2 s leaves room for a loaded or slower machine,
  while a loop over the samples of each batch (with the units of a layer in Python) takes
  about 6 s.
"""

import math

import numpy as np

from autograder.authoring import (
    Budgets,
    Handle,
    Limits,
    as_float_array,
    check,
    describe_value,
    expect,
    fail,
    manual,
    parse_figures,
    question,
    timeout_hint,
)
from reference.activations import sigmoid, softmax
from reference.data import load_digits_split
from reference.losses import one_hot
from reference.network import MLP
from reference.optim import SGD

# The notebook's own experiments take about a second when vectorised; 20 s per cell lets
# a slow but working class finish them, and the whole worker stays within two minutes.
BUDGETS = Budgets(cell_seconds=20, notebook_seconds=60, call_seconds=10, question_seconds=30)
LIMITS = Limits(cpu_seconds=120)
PRELOAD = ("sklearn.datasets",)

RTOL, ATOL = 1e-9, 1e-12
GRAD_RTOL = 1e-7
FIT_RTOL, FIT_ATOL = 1e-7, 1e-10

# the end-to-end run (q4)
E2E_SIZES = [64, 40, 10]
E2E = {"lr": 0.2, "lam": 1e-4, "epochs": 30, "batch_size": 16}
E2E_TEST_SIZE = 0.3
FIT_SECONDS = 2.0
MIN_ACCURACY = 0.93

ZERO_INIT = ("the weights start at zero: every hidden unit then computes the same function "
             "and gets the same gradient, so they stay identical forever; draw them from "
             "rng.normal(0, 1 / sqrt(n_in))")
SIGN = ("the gradient has the wrong sign: delta^L = (a^L - Y) / n, not (Y - a^L) / n, and the "
        "step goes against the gradient")
NO_MEAN = "delta^L = (a^L - Y) / n: the cost is the mean over the n rows of the batch"
L2_OVER_N = ("the course's penalty is lam / 2 * sum ||W||^2, not divided by the number of "
             "samples (Nielsen's lam / 2n)")


def course_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """The notebook's initialisation: W ~ N(0, 1 / n_in), drawn with this exact call."""
    return rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(fan_in, fan_out))


def _seed(rng) -> int:
    return int(rng.integers(2**31))


def _pairs(sizes):
    return list(zip(sizes[:-1], sizes[1:], strict=False))


def _reference(sizes, seed, ws=None, bs=None) -> MLP:
    """The reference network built from default_rng(seed) as the notebook prescribes,
    optionally with given parameters (its generator is then where fit starts)."""
    net = MLP(sizes, rng=np.random.default_rng(seed), init=course_init)
    if ws is not None:
        net.weights = [W.copy() for W in ws]
        net.biases = [b.copy() for b in bs]
    return net


def _construct(student, sizes, seed, **hyper) -> Handle:
    """The student's NeuralNetwork(sizes, ..., rng=default_rng(seed)), in the worker."""
    net = student.call("NeuralNetwork", list(sizes), rng=student.rng(seed), **hyper)
    if not isinstance(net, Handle):
        fail(f"NeuralNetwork(...) gave {describe_value(net)}, "
             "expected an instance of the class")
    return net


def _params(rng, sizes, weight_scale=1.0):
    """Weights ~ N(0, 1 / n_in) times weight_scale, biases ~ N(0, 0.25): no saturation."""
    ws = [weight_scale * rng.normal(size=(m, k)) / np.sqrt(m) for m, k in _pairs(sizes)]
    bs = [rng.normal(scale=0.5, size=k) for k in sizes[1:]]
    return ws, bs


def _batch(rng, sizes, n):
    """X of shape (n, n_0) and one-hot Y with several classes present when n > 1."""
    K = sizes[-1]
    labels = rng.integers(0, K, size=n)
    labels[: min(n, K)] = rng.permutation(K)[: min(n, K)]
    return rng.normal(size=(n, sizes[0])), one_hot(rng.permutation(labels), K)


def _shapes(arrays) -> str:
    return " ".join(str(a.shape) for a in arrays)


def _expect_list(got, expected, what, rtol=RTOL, atol=ATOL, mutants=None) -> bool:
    """Arrays item by item at this suite's tolerances (see ``each_close_to``)."""
    return expect(got, what).each_close_to(expected, rtol, atol, mutants)


# ---------------------------------------------------------------------------
# forward pass and backpropagation as classic mistakes compute them (mutants only)


def _forward(X, ws, bs, hidden=sigmoid, output=softmax):
    zs, acts = [], [X]
    for l, (W, b) in enumerate(zip(ws, bs, strict=True)):
        zs.append(acts[-1] @ W + b)
        acts.append(output(zs[-1]) if l == len(ws) - 1 else hidden(zs[-1]))
    return zs, acts


def _naive_softmax(Z):
    with np.errstate(all="ignore"):
        E = np.exp(Z)
        return E / E.sum(axis=1, keepdims=True)


def _backprop(X, Y, ws, bs, lam, *, sign=1.0, mean=True, l2_factor=1.0, l2_biases=False,
              sigma_not_prime=False, output_prime=False):
    """(dWs, dbs) with one classic mistake switched on."""
    zs, acts = _forward(X, ws, bs)
    n = len(X)
    delta = sign * (acts[-1] - Y) / (n if mean else 1)
    if output_prime:
        delta = delta * acts[-1] * (1 - acts[-1])
    L = len(ws)
    dWs, dbs = [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        dWs[l] = acts[l].T @ delta + l2_factor * lam * ws[l]
        dbs[l] = delta.sum(axis=0) + (lam * bs[l] if l2_biases else 0.0)
        if l > 0:
            a = acts[l]
            slope = a if sigma_not_prime else a * (1 - a)
            delta = (delta @ ws[l].T) * slope
    return dWs, dbs


def _gradient_mutants(X, Y, ws, bs, lam):
    n = len(X)
    mutants = {
        SIGN: _backprop(X, Y, ws, bs, lam, sign=-1.0),
        "the whole gradient has the wrong sign (the penalty's part too)":
            tuple([-g for g in part] for part in _backprop(X, Y, ws, bs, lam)),
        NO_MEAN: _backprop(X, Y, ws, bs, lam, mean=False),
        "sigma(z) was used instead of its derivative sigma'(z) = a (1 - a) in BP2":
            _backprop(X, Y, ws, bs, lam, sigma_not_prime=True),
        "for a softmax output with the cross-entropy, delta^L = (a^L - Y) / n: there is no "
        "a (1 - a) factor": _backprop(X, Y, ws, bs, lam, output_prime=True)}
    if lam > 0:
        mutants.update({
            "the penalty's gradient lam W was not added to dC/dW":
                _backprop(X, Y, ws, bs, 0.0),
            L2_OVER_N: _backprop(X, Y, ws, bs, lam, l2_factor=1 / n),
            "the derivative of lam / 2 * w^2 is lam w, not lam w / 2":
                _backprop(X, Y, ws, bs, lam, l2_factor=0.5),
            "the penalty applies to the weights only, not to the biases":
                _backprop(X, Y, ws, bs, lam, l2_biases=True)})
    return mutants


# ---------------------------------------------------------------------------
# q1 initialisation and forward pass


def _init_mutants(sizes, seed):
    def draws(shape_of, scale_of, transpose=False):
        g = np.random.default_rng(seed)
        out = []
        for m, k in _pairs(sizes):
            W = g.normal(0.0, scale_of(m, k), size=shape_of(m, k))
            out.append(W.T if transpose else W)
        return out

    return {
        ZERO_INIT: [np.zeros((m, k)) for m, k in _pairs(sizes)],
        "the standard deviation is 1 / sqrt(n_in), not 1 (N(0, 1) saturates the sigmoids)":
            draws(lambda m, k: (m, k), lambda m, k: 1.0),
        "the standard deviation is 1 / sqrt(n_in), not 1 / n_in":
            draws(lambda m, k: (m, k), lambda m, k: 1.0 / m),
        "draw size=(n_in, n_out) directly: the weights were drawn as (n_out, n_in) and "
        "transposed": draws(lambda m, k: (k, m), lambda m, k: 1.0 / np.sqrt(m), True)}


@question("q1", points=2)
def initialisation_and_forward(student, rng):
    for sizes in ([6, 5, 3], [7, 6, 5, 4]):
        seed = _seed(rng)
        ref = _reference(sizes, seed)
        with check(f"NeuralNetwork({sizes}, rng=default_rng(seed)): the initial weights and "
                   "biases"):
            net = _construct(student, sizes, seed)
            _expect_list(net.get("weights"), ref.weights, "weights",
                         mutants=_init_mutants(sizes, seed))
            _expect_list(net.get("biases"), ref.biases, "biases")

    sizes, n = [7, 6, 5, 4], 4
    X, _ = _batch(rng, sizes, n)
    ws, bs = _params(rng, sizes)
    zs, acts = _reference(sizes, 0, ws, bs).forward_pass(X)
    with check(f"set_params(weights {_shapes(ws)}, biases), then feedforward(X {X.shape})"):
        net = _construct(student, sizes, _seed(rng))
        net.call("set_params", ws, bs)
        got = net.call("feedforward", X)
        if expect(got).is_tuple(2, "(zs, activations)"):
            _expect_list(got[0], zs, "zs")
            _expect_list(got[1], acts, "activations", mutants={
                "activations starts with a^0 = X: [X, a1, ..., aL]": acts[1:] + [acts[-1]]})

    cases = [([6, 5, 3], 1, 1.0), ([7, 6, 5, 4], 9, 1.0), ([5, 8, 4], 6, None)]
    for sizes, n, scale in cases:
        X, _ = _batch(rng, sizes, n)
        ws, bs = _params(rng, sizes)
        label = ""
        if scale is None:  # output logits up to 1000: exp overflows without the shift
            z_last = _forward(X, ws, bs)[0][-1]
            factor = 1000.0 / np.abs(z_last).max()
            ws[-1], bs[-1] = ws[-1] * factor, bs[-1] * factor
            label = " with output logits up to 1000"
        P = _reference(sizes, 0, ws, bs).forward(X)
        zs, _ = _forward(X, ws, bs)
        with check(f"set_params(weights {_shapes(ws)}, biases), then predict_proba(X {X.shape})"
                   f"{label}"):
            net = _construct(student, sizes, _seed(rng))
            net.call("set_params", ws, bs)
            expect(net.call("predict_proba", X), "predict_proba").close_to(P, RTOL, ATOL, {
                "the softmax must normalise each row (axis=1), not each column":
                    softmax(zs[-1], axis=0),
                "the output layer uses the softmax, not the sigmoid":
                    _forward(X, ws, bs, output=sigmoid)[1][-1],
                "the hidden layers must apply the sigmoid: a^l = sigma(z^l)":
                    _forward(X, ws, bs, hidden=lambda z: z)[1][-1],
                "exp of large logits overflows: subtract each row's maximum before exp "
                "(use the stable softmax of the first cell)": _naive_softmax(zs[-1])})

    sizes = [5, 6, 4]
    X, _ = _batch(rng, sizes, 12)
    ws, bs = _params(rng, sizes, weight_scale=3.0)
    P = _reference(sizes, 0, ws, bs).forward(X)
    with check(f"predict(X {X.shape}) for layer sizes {sizes}"):
        net = _construct(student, sizes, _seed(rng))
        net.call("set_params", ws, bs)
        expect(net.call("predict", X), "predict").equals(np.argmax(P, axis=1), mutants={
            "the class is the argmax of each row (axis=1), not of each column":
                np.argmax(P, axis=0),
            "predict returns class indices of shape (n,), not the probabilities": P})


# ---------------------------------------------------------------------------
# q2 cost and gradients


@question("q2", points=3)
def cost_and_gradients(student, rng):
    cases = [([4, 5, 3], 6, 0.1), ([5, 4, 4, 3], 7, 0.0), ([3, 6, 2], 5, 0.35)]
    for sizes, n, lam in cases:
        X, Y = _batch(rng, sizes, n)
        ws, bs = _params(rng, sizes)
        ref = _reference(sizes, 0, ws, bs)
        expected = ref.loss(X, Y, l2=lam)
        ce = ref.loss(X, Y)
        sumsq = sum(float(np.sum(W * W)) for W in ws)
        mutants = {
            "summed over the batch instead of averaged: divide the cross-entropy by n":
                n * ce + lam / 2 * sumsq,
            "the cross-entropy needs its minus sign: -sum Y ln a^L / n": -ce + lam / 2 * sumsq,
            "the course's penalty is lam / 2 * sum ||W||^2; lam * sum ||W||^2 lacks the 1/2":
                ce + lam * sumsq}
        if lam > 0:
            mutants.update({
                L2_OVER_N: ce + lam / (2 * n) * sumsq,
                "the penalty lam / 2 * sum ||W||^2 is missing": ce,
                "the penalty applies to the weights only, not to the biases":
                    expected + lam / 2 * sum(float(np.sum(b * b)) for b in bs)})
        with check(f"loss(X {X.shape}, Y) with weights {_shapes(ws)}, lam={lam}"):
            net = _construct(student, sizes, _seed(rng), lam=lam)
            net.call("set_params", ws, bs)
            expect(net.call("loss", X, Y), "loss").close_to(expected, RTOL, ATOL, mutants)

    cases = [([4, 5, 3], 6, 0.2), ([5, 4, 4, 3], 1, 0.0), ([3, 6, 2], 7, 0.3),
             ([6, 3, 5, 4], 5, 0.05)]
    for sizes, n, lam in cases:
        X, Y = _batch(rng, sizes, n)
        ws, bs = _params(rng, sizes)
        dWs, dbs = _reference(sizes, 0, ws, bs).gradients(X, Y, l2=lam)
        mutants = _gradient_mutants(X, Y, ws, bs, lam)
        with check(f"gradients(X {X.shape}, Y) with weights {_shapes(ws)}, lam={lam}"):
            net = _construct(student, sizes, _seed(rng), lam=lam)
            net.call("set_params", ws, bs)
            got = net.call("gradients", X, Y)
            if expect(got).is_tuple(2, "(dWs, dbs)"):
                _expect_list(got[0], dWs, "dWs", GRAD_RTOL, ATOL,
                             {k: v[0] for k, v in mutants.items()})
                _expect_list(got[1], dbs, "dbs", GRAD_RTOL, ATOL,
                             {k: v[1] for k, v in mutants.items()})


# ---------------------------------------------------------------------------
# q3 one SGD step and the training loop


def _step(ws, bs, grads, lr, sign=-1.0):
    dWs, dbs = grads
    return ([W + sign * lr * g for W, g in zip(ws, dWs, strict=True)],
            [b + sign * lr * g for b, g in zip(bs, dbs, strict=True)])


def _train(X, Y, ws, bs, lr, lam, epochs, batch_size, rng, *, shuffle=True, drop_last=False,
           once=False, before=False, penalty_in_history=True):
    """The training loop with one classic mistake switched on: (history, weights, biases)."""
    ws, bs = [W.copy() for W in ws], [b.copy() for b in bs]
    n = len(X)
    ref = MLP([X.shape[1]] + [W.shape[1] for W in ws], rng=np.random.default_rng(0))
    ref.weights, ref.biases = ws, bs
    history = []
    order = rng.permutation(n) if once else None
    stop = n - n % batch_size if drop_last else n
    for _ in range(epochs):
        if before:
            history.append(ref.loss(X, Y, l2=lam if penalty_in_history else 0.0))
        if not once:
            order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, stop, batch_size):
            rows = order[start:start + batch_size]
            ref.weights, ref.biases = _step(ref.weights, ref.biases,
                                            ref.gradients(X[rows], Y[rows], l2=lam), lr)
        if not before:
            history.append(ref.loss(X, Y, l2=lam if penalty_in_history else 0.0))
    return history, ref.weights, ref.biases


def _initialised_rng(sizes, seed):
    """default_rng(seed) after the constructor's draws: where fit starts shuffling."""
    return _reference(sizes, seed).rng


@question("q3", points=3)
def sgd_step_and_fit(student, rng):
    for sizes, n, lr, lam in [([4, 5, 3], 6, 0.7, 0.2), ([5, 4, 4, 3], 5, 0.3, 0.05)]:
        X, Y = _batch(rng, sizes, n)
        ws, bs = _params(rng, sizes)
        grads = _reference(sizes, 0, ws, bs).gradients(X, Y, l2=lam)
        want = _step(ws, bs, grads, lr)
        wrong = {
            "the step goes uphill: W <- W - lr * dC/dW, with a minus sign":
                _step(ws, bs, grads, lr, sign=1.0),
            "the step is not scaled by the learning rate: W <- W - lr * dC/dW":
                _step(ws, bs, grads, 1.0),
            SIGN: _step(ws, bs, _backprop(X, Y, ws, bs, lam, sign=-1.0), lr),
            "the step must include the penalty's gradient lam W (weight decay)":
                _step(ws, bs, _backprop(X, Y, ws, bs, 0.0), lr),
            L2_OVER_N: _step(ws, bs, _backprop(X, Y, ws, bs, lam, l2_factor=1 / n), lr),
            NO_MEAN: _step(ws, bs, _backprop(X, Y, ws, bs, lam, mean=False), lr)}
        with check(f"sgd_step(X {X.shape}, Y) with weights {_shapes(ws)}, lr={lr}, lam={lam}: "
                   "the weights and biases after the step"):
            net = _construct(student, sizes, _seed(rng), lr=lr, lam=lam)
            net.call("set_params", ws, bs)
            net.call("sgd_step", X, Y)
            _expect_list(net.get("weights"), want[0], "weights", GRAD_RTOL, ATOL,
                         {k: v[0] for k, v in wrong.items()})
            _expect_list(net.get("biases"), want[1], "biases", GRAD_RTOL, ATOL,
                         {k: v[1] for k, v in wrong.items()})

    # n is not a multiple of the batch size, so the last batch is smaller
    for sizes, n, batch, epochs, lr, lam in [([5, 4, 3], 23, 5, 3, 0.5, 0.05),
                                             ([6, 7, 5, 4], 17, 4, 2, 0.8, 0.0)]:
        X, Y = _batch(rng, sizes, n)
        ws, bs = _params(rng, sizes)
        seed = _seed(rng)
        ref = _reference(sizes, seed, ws, bs)
        history = ref.fit(X, Y, epochs, batch, SGD(lr), l2=lam)["loss"]
        want = (history, ref.weights, ref.biases)

        setting = (X, Y, ws, bs, lr, lam, epochs, batch)
        wrong = {
            "each epoch draws a new order, self.rng.permutation(n), and takes the batches "
            "in that order": _train(*setting, _initialised_rng(sizes, seed), shuffle=False),
            "draw a new permutation in every epoch, not once before the loop":
                _train(*setting, _initialised_rng(sizes, seed), once=True),
            "the last, smaller batch must not be dropped":
                _train(*setting, _initialised_rng(sizes, seed), drop_last=True),
            "append the cost after each epoch, not before it":
                _train(*setting, _initialised_rng(sizes, seed), before=True),
            "the cost fit records includes the penalty lam / 2 * sum ||W||^2":
                _train(*setting, _initialised_rng(sizes, seed), penalty_in_history=False),
            "the shuffles differ: the constructor must draw the initial weights from rng "
            "(rng.normal(0, 1 / sqrt(n_in))) before fit draws its permutations":
                _train(*setting, np.random.default_rng(seed))}
        with check(f"fit(X {X.shape}, Y) with weights {_shapes(ws)}, batch_size={batch}, "
                   f"epochs={epochs}, lr={lr}, lam={lam}: the costs it returns and the final "
                   "parameters"):
            net = _construct(student, sizes, seed, lr=lr, lam=lam, epochs=epochs,
                             batch_size=batch)
            net.call("set_params", ws, bs)
            got = net.call("fit", X, Y)
            for i, (what, value) in enumerate([("fit's returned costs", got),
                                               ("weights", net.get("weights")),
                                               ("biases", net.get("biases"))]):
                mutants = {k: v[i] for k, v in wrong.items()}
                if i == 0:
                    expect(value, what).close_to(want[0], FIT_RTOL, FIT_ATOL, mutants)
                else:
                    _expect_list(value, want[i], what, FIT_RTOL, FIT_ATOL, mutants)


# ---------------------------------------------------------------------------
# q4 end to end


@question("q4", points=3, timeout=20)
def digits_end_to_end(student, rng):
    X_train, X_test, y_train, y_test = load_digits_split(E2E_TEST_SIZE, rng)
    seed = _seed(rng)
    settings = ", ".join(f"{k}={v:g}" for k, v in E2E.items())
    pred = None
    with check(f"NeuralNetwork({E2E_SIZES}, {settings}, rng), fit(X_train {X_train.shape}, "
               f"Y_train) within {FIT_SECONDS:g} s, then predict(X_test {X_test.shape})"):
        net = _construct(student, E2E_SIZES, seed, **E2E)
        with timeout_hint(f"fit must finish within {FIT_SECONDS:g} s; a vectorised "
                          "implementation takes about 0.2 s. Python loops over the rows of a "
                          "batch or over the units of a layer are far too slow: use one "
                          "matrix product per layer for the whole batch"):
            net.call("fit", X_train, one_hot(y_train, 10), timeout=FIT_SECONDS)
        got = net.call("predict", X_test)
        labels, problem = as_float_array(got)
        if expect(got, "predict(X_test)").satisfies(
                lambda g: problem is None and labels.shape == y_test.shape
                and np.all(labels == np.round(labels)),
                f"expected integer class labels of shape {y_test.shape}, got "
                f"{describe_value(got)}"):
            pred = labels
    with check(f"test accuracy on the {len(y_test)} held-out digits is at least "
               f"{MIN_ACCURACY}", weight=2.0):
        if pred is None:
            fail("no predictions to score: fit or predict failed above")
        acc = float(np.mean(pred == y_test))
        hint = ("; the network barely learns: check the initialisation, the sign of the "
                "gradient and the learning rate" if acc < 0.5 else "")
        expect(acc, "test accuracy").satisfies(
            lambda a: a >= MIN_ACCURACY,
            f"test accuracy {acc:.3f} is below {MIN_ACCURACY}{hint}")


# ---------------------------------------------------------------------------
# q5 grid search and heatmap


def _small_digits(rng, n_train, n_val):
    X_tr, X_va, y_tr, y_va = load_digits_split(0.3, rng)
    return X_tr[:n_train], one_hot(y_tr[:n_train], 10), X_va[:n_val], y_va[:n_val], \
        y_tr[:n_train]


def _accuracy(pred, y) -> float:
    """Accuracy of the student's predictions; a readable failure if they are not labels."""
    labels, problem = as_float_array(pred)
    if problem or labels.shape != y.shape:
        fail(f"predict gave {describe_value(pred)}, expected class labels "
             f"of shape {y.shape}")
    return float(np.mean(labels == y))


def _arrays(value, what) -> list[np.ndarray]:
    """A list of float arrays from the student's worker, or a readable failure."""
    if not isinstance(value, list | tuple):
        fail(f"{what} is {describe_value(value)}, expected a list")
    arrays = [as_float_array(v) for v in value]
    if any(problem for _, problem in arrays):
        fail(f"{what} should hold arrays of numbers")
    return [a for a, _ in arrays]


def _own_run(student, sizes, seed, X_tr, Y_tr, X_va, y_va, y_tr, **hyper):
    """The student's own network trained with these settings: (val accuracy, train
    accuracy, fit's returned costs, weights)."""
    net = _construct(student, sizes, seed, **hyper)
    history = net.call("fit", X_tr, Y_tr)
    val = _accuracy(net.call("predict", X_va), y_va)
    train = _accuracy(net.call("predict", X_tr), y_tr)
    return val, train, history, _arrays(net.get("weights"), "weights")


def _heatmaps(figures, shape):
    """(figure, axes) pairs whose axes draw an image or mesh of the given shape."""
    return [(fig, ax) for fig in figures for ax in fig.axes
            if not ax.is_colorbar and shape in ax.grids()]


@question("q5", points=3)
def grid_search_and_heatmap(student, rng):
    cases = [([64, 16, 10], [0.3, 2.0], [1e-4, 0.03, 0.3], 4, 16),
             ([64, 12, 10], [0.1, 0.5, 1.5], [1e-3, 0.1], 3, 20)]
    for sizes, lrs, lams, epochs, batch in cases:
        X_tr, Y_tr, X_va, y_va, y_tr = _small_digits(rng, 200, 100)
        seed = _seed(rng)
        with check(f"grid_search(X_train {X_tr.shape}, Y_train, X_val {X_va.shape}, y_val, "
                   f"{sizes}, lrs={lrs}, lams={lams}, epochs={epochs}, batch_size={batch}, "
                   "seed) against your network trained with each pair"):
            got = student.call("grid_search", X_tr, Y_tr, X_va, y_va, sizes, lrs, lams,
                               epochs=epochs, batch_size=batch, seed=seed)
            shape = (len(lrs), len(lams))
            arr, problem = as_float_array(got)
            if not expect(got, "acc").satisfies(
                    lambda g: problem is None and arr.shape in (shape, shape[::-1]),  # noqa: B023
                    f"expected an array of shape {shape}, got {describe_value(got)}"):
                continue
            val = np.zeros(shape)
            train = np.zeros_like(val)
            for i, lr in enumerate(lrs):
                for j, lam in enumerate(lams):
                    val[i, j], train[i, j], _, _ = _own_run(
                        student, sizes, seed, X_tr, Y_tr, X_va, y_va, y_tr, lr=lr, lam=lam,
                        epochs=epochs, batch_size=batch)
            expect(got, "acc").close_to(val, RTOL, ATOL, mutants={
                "the rows of acc are the learning rates and its columns the lambdas: "
                "shape (len(lrs), len(lams))": val.T,
                "acc holds the accuracy on the validation set, not on the training set":
                    train,
                "acc holds accuracies, not error rates": 1 - val,
                "acc holds fractions in [0, 1], not percentages": 100 * val})

    lrs, lams = 10.0 ** np.arange(-2, 1), 10.0 ** np.arange(-5, 0)
    acc = rng.uniform(0.1, 1.0, size=(len(lrs), len(lams)))
    shape = acc.shape
    found = []
    with check(f"plot_grid(acc of shape {shape}, {len(lrs)} learning rates, {len(lams)} "
               f"lambdas) draws acc as an image or mesh of shape {shape} on axes labelled on "
               "both sides"):
        student.call("plot_grid", acc, lrs, lams)
        figures = parse_figures(student.figures())
        found = _heatmaps(figures, shape)
        transposed = bool(_heatmaps(figures, shape[::-1]))
        if expect(found, "heatmap").satisfies(
                bool, f"no axes shows an image or mesh of shape {shape}" + (
                    f"; one of shape {shape[::-1]} was found: draw acc itself, one row per "
                    "learning rate, not its transpose" if transposed else "")):
            expect(found, "heatmap").satisfies(
                lambda f: any(ax.labelled for _, ax in f),
                "label both axes of the heatmap (the learning rate and lambda)")
    with check(f"plot_grid(acc of shape {shape}, ...): the heatmap's figure has a colorbar"):
        expect(found, "heatmap").satisfies(
            lambda f: any(fig.has_colorbar for fig, _ in f),
            "no colorbar next to the heatmap: add fig.colorbar(image, ax=ax)"
            if found else "no heatmap of the right shape was found (see the previous check)")


# ---------------------------------------------------------------------------
# q6 hyper-parameter study


SWEEPS = {"batch_size": ("values", "updates", "final_loss", "val_accuracy"),
          "lam": ("values", "weight_norm", "val_accuracy")}


def _study_problem(study, n_values) -> str | None:
    """Why the returned study does not have the documented structure, or None."""
    if not isinstance(study, dict):
        return f"expected a dict, got {describe_value(study)}"
    for sweep, keys in SWEEPS.items():
        inner = study.get(sweep)
        if not isinstance(inner, dict):
            return f"study[{sweep!r}] should be a dict, got {describe_value(inner)}"
        for key in keys:
            value = inner.get(key)
            if not isinstance(value, list | tuple) or len(value) != n_values[sweep]:
                return (f"study[{sweep!r}][{key!r}] should be a list of {n_values[sweep]} "
                        f"numbers, got {describe_value(value)}")
            arr, problem = as_float_array(list(value))
            if problem or arr.ndim != 1 or not np.all(np.isfinite(arr)):
                return f"study[{sweep!r}][{key!r}] should hold finite numbers"
            if key == "val_accuracy" and not np.all((arr >= 0) & (arr <= 1)):
                return f"study[{sweep!r}]['val_accuracy'] should hold fractions in [0, 1]"
            if key == "weight_norm" and not np.all(arr >= 0):
                return "study['lam']['weight_norm'] should hold norms, which are >= 0"
    return None


def _column(study, sweep, key):
    """study[sweep][key] when the structure is right; raises a readable failure if not."""
    try:
        return list(study[sweep][key])
    except (TypeError, KeyError):
        fail(f"study[{sweep!r}][{key!r}] is missing (see the first check)")


@question("q6", points=3)
def hyperparameter_study(student, rng):
    n_train = int(rng.choice([147, 151, 157]))
    X_tr, Y_tr, X_va, y_va, y_tr = _small_digits(rng, n_train, 100)
    sizes, lr, epochs, seed = [64, 16, 10], 0.5, 4, _seed(rng)
    batch_sizes = [20, 8, n_train]  # the base is the first; unsorted on purpose
    lams = [0.0, 0.01, 0.1, 1.0]
    data = f"X_train {X_tr.shape}, X_val {X_va.shape}"
    study = None
    with check(f"hyperparameter_study({data}, {sizes}, lr={lr}, epochs={epochs}, "
               f"batch_sizes={batch_sizes}, lams={lams}, seed): two dicts of lists with the "
               "documented keys, one entry per value, values as given"):
        study = student.call("hyperparameter_study", X_tr, Y_tr, X_va, y_va, sizes, lr=lr,
                             epochs=epochs, batch_sizes=batch_sizes, lams=lams, seed=seed)
        problem = _study_problem(study, {"batch_size": len(batch_sizes), "lam": len(lams)})
        if expect(study, "study").satisfies(lambda s: problem is None, problem or ""):
            expect(study["batch_size"]["values"], "study['batch_size']['values']").close_to(
                batch_sizes, 0, 0, mutants={"keep the values in the order given":
                                            sorted(batch_sizes)})
            expect(study["lam"]["values"], "study['lam']['values']").close_to(lams, 0, 0)

    updates = [epochs * math.ceil(n_train / b) for b in batch_sizes]
    with check(f"study['batch_size']['updates'] for {n_train} training rows, {epochs} epochs "
               "(an epoch takes ceil(n / batch_size) steps)"):
        expect(_column(study, "batch_size", "updates"), "updates").equals(updates, mutants={
            "the last, smaller batch of each epoch is a step too: ceil(n / b), not n // b":
                [epochs * (n_train // b) for b in batch_sizes],
            f"count the steps of all {epochs} epochs, not of one":
                [math.ceil(n_train / b) for b in batch_sizes]})

    with check("the batch-size sweep's final_loss and val_accuracy equal those of your network "
               "retrained with each batch size (lam = lams[0])"):
        final = _column(study, "batch_size", "final_loss")
        accs = _column(study, "batch_size", "val_accuracy")
        runs = [_own_run(student, sizes, seed, X_tr, Y_tr, X_va, y_va, y_tr, lr=lr,
                         lam=lams[0], epochs=epochs, batch_size=b) for b in batch_sizes]
        histories = [_arrays([r[2]], "the costs fit returned")[0] for r in runs]
        expect(final, "final_loss").close_to([h[-1] for h in histories], RTOL, ATOL, mutants={
            "final_loss is the last cost fit returned, after the last epoch":
                [h[0] for h in histories]})
        expect(accs, "val_accuracy").close_to([r[0] for r in runs], RTOL, ATOL, mutants={
            "val_accuracy is measured on the validation set, not the training set":
                [r[1] for r in runs]})

    with check("the lambda sweep's weight_norm and val_accuracy equal those of your network "
               "retrained with each lambda (batch_size = batch_sizes[0]), and the weight norm "
               "decreases as lambda grows"):
        norms = _column(study, "lam", "weight_norm")
        accs = _column(study, "lam", "val_accuracy")
        runs = [_own_run(student, sizes, seed, X_tr, Y_tr, X_va, y_va, y_tr, lr=lr, lam=lam,
                         epochs=epochs, batch_size=batch_sizes[0]) for lam in lams]
        weights = [r[3] for r in runs]
        squares = [sum(float(np.sum(W * W)) for W in ws) for ws in weights]
        expect(norms, "weight_norm").close_to(np.sqrt(squares), RTOL, ATOL, mutants={
            "weight_norm is the square root of the sum of squares, sqrt(sum_l ||W^l||^2)":
                squares,
            "weight_norm is one norm over all weights, not the sum of the per-layer norms":
                [sum(float(np.linalg.norm(W)) for W in ws) for ws in weights]})
        expect(accs, "val_accuracy").close_to([r[0] for r in runs], RTOL, ATOL, mutants={
            "val_accuracy is measured on the validation set, not the training set":
                [r[1] for r in runs]})
        expect(norms, "weight_norm").satisfies(
            lambda v: bool(np.all(np.diff(np.asarray(v, dtype=float)) < 0)),
            f"the final weight norm should decrease as lambda grows ({lams}): each step "
            "multiplies the weights by 1 - lr * lam; check the penalty's gradient")


manual("q7", points=3, prompt=(
    "Discuss the grid search and the study: which region of the (learning rate, lambda) "
    "heatmap works and why both extremes fail, what a larger batch changes per epoch, what "
    "the L2 penalty does to the weight norm and the validation accuracy, and one change to "
    "try next."))
