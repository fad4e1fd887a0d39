"""Hidden suite of Homework 6: a NumPy network trained on the digits, and a study of its
hyper-parameters.

The student's class is built in the worker with ``student.call("NeuralNetwork", ...,
rng=student.rng(seed))`` and driven through its handle; ``set_params`` puts it in a known
state. Expected values come from ``reference`` on fresh inputs drawn from ``rng``:
``reference.network.MLP`` with the course's initialisation (``course_init`` draws exactly
what the notebook prescribes, so the reference generator is in the same state as the
student's when ``fit`` starts shuffling), ``MLP.from_params`` for given parameters,
``MLP.loss``/``MLP.gradients`` with ``l2=lam``, ``MLP.fit`` with ``reference.optim.SGD``
and ``reference.data.load_digits_split`` for a split the student never saw. The answers
of classic mistakes come from the SDK's ``mutants`` (backpropagation, softmax) and from
the training loops below.

Each question is judged on its own: ``sgd_step`` and ``fit`` (q3) are compared, when
they differ from the reference, with what the student's own ``gradients`` and ``loss``
give; the grid search (q5) and the study (q6) with the student's own network retrained
with each setting. The study's trend that the final weight norm decreases as lambda
grows is a property of weight decay (every step multiplies W by 1 - eta lambda); with
the sizes used here (lambda from 0 to 1, eta lambda up to 0.5 per step) it holds with a
wide margin: the norm drops by about 15% from lambda = 0 to 0.01 and by a factor of about
15 from 0 to 1.

Tolerances (the suite's default is ``TOLERANCE``):

* initial weights, forward pass, cost, and the accuracies, updates, costs and norms of
  q5 and q6 (recomputed from the student's own deterministic network in the same
  process): ``normal(0, s)`` and ``standard_normal / sqrt(n_in)`` differ by an ulp,
  another stable sigmoid or softmax by a few; rtol=1e-9, atol=1e-12. The cost's
  logarithm is of probabilities bounded away from 0 (|z| < 10).
* gradients and one SGD step (``GRAD``): products summed in another order, sigma'
  computed as a (1 - a) or from z; rtol=1e-7, atol=1e-12, a margin of 1e5 over
  rounding, while the smallest planted mistake (lam / n instead of lam) is off by a
  factor of at least 2.
* ``fit`` (``FIT``, at most 15 steps on small networks): differences stay near 1e-15;
  rtol=1e-7, atol=1e-10.
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
    Tolerance,
    as_float_array,
    builders,
    check,
    describe_value,
    expect,
    fail,
    manual,
    mutants,
    note,
    parse_figures,
    question,
    timeout_hint,
    verify,
)
from reference.data import load_digits_split
from reference.losses import one_hot
from reference.network import MLP
from reference.optim import SGD

# The notebook's own experiments take about a second when vectorised; 20 s per cell lets
# a slow but working class finish them, and the whole worker stays within two minutes.
BUDGETS = Budgets(cell_seconds=20, notebook_seconds=60, call_seconds=10, question_seconds=30)
LIMITS = Limits(cpu_seconds=120)
PRELOAD = ("sklearn.datasets",)
TOLERANCE = Tolerance(1e-9, 1e-12, "the forward pass, the cost and the recomputed accuracies "
                      "and norms agree to a few ulps when written another way; gradients and "
                      "training use GRAD and FIT (see the docstring)")
GRAD = {"rtol": 1e-7, "atol": 1e-12}
FIT = {"rtol": 1e-7, "atol": 1e-10}

# the end-to-end run (q4)
E2E_SIZES = [64, 40, 10]
E2E = {"lr": 0.2, "lam": 1e-4, "epochs": 30, "batch_size": 16}
E2E_TEST_SIZE = 0.3
FIT_SECONDS = 2.0
MIN_ACCURACY = 0.93

ZERO_INIT = ("the weights start at zero: every hidden unit then computes the same function "
             "and gets the same gradient, so they stay identical forever; draw them from "
             "rng.normal(0, 1 / sqrt(n_in))")
L2_OVER_N = mutants.BACKPROP["l2_over_n"]
MISALIGNED = ("the rows of X and Y were shuffled with different permutations, so the labels "
              "no longer belong to their inputs: draw one order per epoch and index both X "
              "and Y with it")
SHUFFLES = ("the shuffles differ: the constructor must draw the initial weights from rng "
            "(rng.normal(0, 1 / sqrt(n_in))) before fit draws its permutations")


def course_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """The notebook's initialisation: W ~ N(0, 1 / n_in), drawn with this exact call."""
    return rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(fan_in, fan_out))


def _reference(sizes, seed) -> MLP:
    """The reference network built from default_rng(seed) as the notebook prescribes; its
    generator is then where the student's fit starts shuffling."""
    return MLP(sizes, rng=np.random.default_rng(seed), init=course_init)


def _construct(student, sizes, seed, **hyper) -> Handle:
    """The student's NeuralNetwork(sizes, ..., rng=default_rng(seed)), in the worker."""
    net = student.call("NeuralNetwork", list(sizes), rng=student.rng(seed), **hyper)
    if not isinstance(net, Handle):
        fail(f"NeuralNetwork(...) gave {describe_value(net)}, expected an instance of the class")
    return net


def _known(student, rng, ws, bs, **hyper) -> Handle:
    """The student's network with the given parameters (set_params)."""
    sizes = [ws[0].shape[0]] + [W.shape[1] for W in ws]
    net = _construct(student, sizes, builders.seed(rng), **hyper)
    net.call("set_params", ws, bs)
    return net


def _problem(rng, sizes, n, weight_scale=1.0):
    """A batch (X, one-hot Y with several classes) and parameters without saturation."""
    X, Y = builders.batch(rng, n, sizes[0], sizes[-1], every_class=True)
    ws, bs = builders.network(rng, sizes, weight_scale)
    return X, Y, ws, bs


def _label(ws, X) -> str:
    return f"weights {builders.shapes_of(ws)}, X {X.shape}"


# ---------------------------------------------------------------------------
# q1 initialisation and forward pass


def _init_mutants(sizes, seed):
    def draws(scale_of, transpose=False):
        g = np.random.default_rng(seed)
        return [(g.normal(0.0, scale_of(m), size=(k, m)).T if transpose
                 else g.normal(0.0, scale_of(m), size=(m, k)))
                for m, k in builders.fan_pairs(sizes)]

    return {
        ZERO_INIT: [np.zeros(p) for p in builders.fan_pairs(sizes)],
        "the standard deviation is 1 / sqrt(n_in), not 1 (N(0, 1) saturates the sigmoids)":
            draws(lambda m: 1.0),
        "the standard deviation is 1 / sqrt(n_in), not 1 / n_in": draws(lambda m: 1.0 / m),
        "draw size=(n_in, n_out) directly: the weights were drawn as (n_out, n_in) and "
        "transposed": draws(lambda m: 1.0 / np.sqrt(m), True)}


HYPER = {"lr": 0.35, "lam": 0.015, "epochs": 7, "batch_size": 9}


def _constructor(student, rng) -> None:
    for sizes in ([6, 5, 3], [7, 6, 5, 4]):
        seed = builders.seed(rng)
        ref = _reference(sizes, seed)
        with check(f"NeuralNetwork({sizes}, lr=0.35, lam=0.015, epochs=7, batch_size=9, "
                   "rng=default_rng(seed)): the attributes, the initial weights and biases"):
            net = _construct(student, sizes, seed, **HYPER)
            for name, value in {"sizes": sizes, **HYPER}.items():
                expect(net.get(name), f"the attribute {name}").equals(value)
            expect(net.get("weights"), "weights").each_close_to(
                ref.weights, mutants=_init_mutants(sizes, seed))
            expect(net.get("biases"), "biases").each_close_to(ref.biases)


def _forward(student, rng) -> None:
    sizes = [7, 6, 5, 4]
    X, _, ws, bs = _problem(rng, sizes, 4)
    zs, acts = MLP.from_params(ws, bs).forward_pass(X)
    with check(f"set_params({_label(ws, X)}), then feedforward(X)"):
        got = _known(student, rng, ws, bs).call("feedforward", X)
        if expect(got).is_tuple(2, "(zs, activations)"):
            expect(got[0], "zs").each_close_to(zs)
            expect(got[1], "activations").each_close_to(acts, mutants={
                "activations starts with a^0 = X: [X, a1, ..., aL]": acts[1:] + [acts[-1]]})
    for sizes, n, large in [([6, 5, 3], 1, False), ([7, 6, 5, 4], 9, False),
                            ([5, 8, 4], 6, True)]:
        X, _, ws, bs = _problem(rng, sizes, n)
        if large:  # output logits up to 1000: exp overflows without the shift
            factor = 1000.0 / np.abs(MLP.from_params(ws, bs).forward_pass(X)[0][-1]).max()
            ws[-1], bs[-1] = ws[-1] * factor, bs[-1] * factor
        z_last = MLP.from_params(ws, bs).forward_pass(X)[0][-1]
        wrong = {mutants.FORWARD[k]: mutants.forward_pass(ws, bs, X, k)[1][-1]
                 for k in ("column_softmax", "output_as_hidden", "no_hidden_activation",
                           "naive_softmax")}
        with check(f"set_params({_label(ws, X)}), then predict_proba(X)"
                   f"{' with output logits up to 1000' if large else ''}"):
            expect(_known(student, rng, ws, bs).call("predict_proba", X),
                   "predict_proba").close_to(MLP.from_params(ws, bs).forward(X), mutants={
                       **wrong, mutants.FORWARD["naive_softmax"]: mutants.naive_softmax(z_last)})
    sizes = [5, 6, 4]
    X, _, ws, bs = _problem(rng, sizes, 12, weight_scale=3.0)
    P = MLP.from_params(ws, bs).forward(X)
    with check(f"predict(X {X.shape}) for layer sizes {sizes}"):
        expect(_known(student, rng, ws, bs).call("predict", X), "predict").equals(
            np.argmax(P, axis=1), mutants={
                "the class is the argmax of each row (axis=1), not of each column":
                    np.argmax(P, axis=0),
                "predict returns class indices of shape (n,), not the probabilities": P})


@question("q1", points=2)
def initialisation_and_forward(student, rng):
    _constructor(student, rng)
    _forward(student, rng)


# ---------------------------------------------------------------------------
# q2 cost and gradients


def _loss_mutants(ws, bs, X, Y, lam) -> dict[str, float]:
    n, ref = len(X), MLP.from_params(ws, bs)
    ce, sumsq = ref.loss(X, Y), sum(float(np.sum(W * W)) for W in ws)
    wrong = {"summed over the batch instead of averaged: divide the cross-entropy by n":
             n * ce + lam / 2 * sumsq,
             "the cross-entropy needs its minus sign: -sum Y ln a^L / n": -ce + lam / 2 * sumsq,
             "the course's penalty is lam / 2 * sum ||W||^2; lam * sum ||W||^2 lacks the 1/2":
             ce + lam * sumsq}
    if lam > 0:
        wrong.update({L2_OVER_N: ce + lam / (2 * n) * sumsq,
                      "the penalty lam / 2 * sum ||W||^2 is missing": ce,
                      "the penalty applies to the weights only, not to the biases":
                      ce + lam / 2 * (sumsq + sum(float(np.sum(b * b)) for b in bs))})
    return wrong


def _gradient_mutants(ws, bs, X, Y, lam) -> dict[str, tuple]:
    """The shared backprop mistakes, and the penalty's gradient without its lam."""
    wrong = mutants.backprop_mutants(ws, bs, X, Y, l2=lam)
    if lam > 0 and lam != 1:
        dWs, dbs = mutants.backprop(ws, bs, X, Y)
        wrong["the penalty's gradient is lam W: the factor lam is missing"] = (
            [dW + W for dW, W in zip(dWs, ws, strict=True)], dbs)
    return wrong


@question("q2", points=3)
def cost_and_gradients(student, rng):
    for sizes, n, lam in [([4, 5, 3], 6, 0.1), ([5, 4, 4, 3], 7, 0.0), ([3, 6, 2], 5, 0.35)]:
        X, Y, ws, bs = _problem(rng, sizes, n)
        with check(f"loss({_label(ws, X)}, Y) with lam={lam}: a float", context={"n": n}):
            got = _known(student, rng, ws, bs, lam=lam).call("loss", X, Y)
            expect(got, "loss").close_to(MLP.from_params(ws, bs).loss(X, Y, l2=lam),
                                         mutants=_loss_mutants(ws, bs, X, Y, lam))
            verify(isinstance(got, float), "loss returns the cost as a Python float (float(...)), "
                   f"got {describe_value(got)}", "loss")
    for sizes, n, lam in [([4, 5, 3], 6, 0.2), ([5, 4, 4, 3], 1, 0.0), ([3, 6, 2], 7, 0.3),
                          ([6, 3, 5, 4], 5, 0.05)]:
        X, Y, ws, bs = _problem(rng, sizes, n)
        dWs, dbs = MLP.from_params(ws, bs).gradients(X, Y, l2=lam)
        wrong = _gradient_mutants(ws, bs, X, Y, lam)
        with check(f"gradients({_label(ws, X)}, Y) with lam={lam}", context={"n": n}):
            got = _known(student, rng, ws, bs, lam=lam).call("gradients", X, Y)
            if expect(got).is_tuple(2, "(dWs, dbs)"):
                expect(got[0], "dWs").each_close_to(dWs, **GRAD, mutants={
                    k: v[0] for k, v in wrong.items()})
                expect(got[1], "dbs").each_close_to(dbs, **GRAD, mutants={
                    k: v[1] for k, v in wrong.items()})


# ---------------------------------------------------------------------------
# q3 one SGD step and the training loop


def _step(ws, bs, grads, lr, sign=-1.0):
    dWs, dbs = grads
    return ([W + sign * lr * g for W, g in zip(ws, dWs, strict=True)],
            [b + sign * lr * g for b, g in zip(bs, dbs, strict=True)])


def _same(got, want, tol=FIT) -> bool:
    """Lists of arrays (or one list of numbers) equal within ``tol``."""
    try:
        return len(got) == len(want) and all(
            np.shape(g) == np.shape(w) and np.allclose(as_float_array(g)[0], w, **tol)
            for g, w in zip(got, want, strict=True))
    except TypeError:
        return False


def _own_gradients(student, rng, ws, bs, lam):
    """The student's own gradients function, on a network of its own."""
    helper = _known(student, rng, ws, bs, lam=lam)

    def gradients(W, b, X, Y):
        helper.call("set_params", W, b)
        return helper.call("gradients", X, Y)

    return helper, gradients


def _sgd_case(student, rng, sizes, n, lr, lam) -> None:
    X, Y, ws, bs = _problem(rng, sizes, n)
    grads = MLP.from_params(ws, bs).gradients(X, Y, l2=lam)
    want = _step(ws, bs, grads, lr)
    wrong = {"the step goes uphill: W <- W - lr * dC/dW, with a minus sign":
             _step(ws, bs, grads, lr, sign=1.0),
             "the step is not scaled by the learning rate: W <- W - lr * dC/dW":
             _step(ws, bs, grads, 1.0)}
    for key in ("sign_flipped", "l2_missing", "l2_over_n", "sum_not_mean"):
        wrong[mutants.BACKPROP[key]] = _step(ws, bs, mutants.backprop(ws, bs, X, Y, key, l2=lam),
                                             lr)
    with check(f"sgd_step({_label(ws, X)}, Y) with lr={lr}, lam={lam}: it returns nothing and "
               "updates the weights and biases", context={"n": n}):
        net = _known(student, rng, ws, bs, lr=lr, lam=lam)
        returned = net.call("sgd_step", X, Y)
        got = (net.get("weights"), net.get("biases"))
        if not (_same(got[0], want[0], GRAD) and _same(got[1], want[1], GRAD)):
            _, own_grads = _own_gradients(student, rng, ws, bs, lam)
            own = _step(ws, bs, tuple(_arrays(g, "gradients") for g in own_grads(ws, bs, X, Y)),
                        lr)
            if _same(got[0], own[0], GRAD) and _same(got[1], own[1], GRAD):
                note("your gradients are off (Question 2); sgd_step was judged with them and "
                     "is itself right")
                want = own
        expect(got[0], "weights").each_close_to(want[0], **GRAD, mutants={
            k: v[0] for k, v in wrong.items()})
        expect(got[1], "biases").each_close_to(want[1], **GRAD, mutants={
            k: v[1] for k, v in wrong.items()})
        verify(returned is None, "sgd_step updates the network in place and returns nothing "
               f"(got {describe_value(returned)})", "sgd_step")


def _train(X, Y, ws, bs, lr, lam, epochs, batch_size, rng, *, shuffle=True, drop_last=False,
           once=False, before=False, penalty_in_history=True, misaligned=False,
           gradients=None, loss=None):
    """The training loop, with one classic mistake switched on, or with another
    ``gradients(ws, bs, X, Y)`` and ``loss(ws, bs)``: (history, weights, biases)."""
    ws, bs = [W.copy() for W in ws], [b.copy() for b in bs]
    gradients = gradients or (lambda W, b, Xb, Yb: MLP.from_params(W, b).gradients(
        Xb, Yb, l2=lam))
    loss = loss or (lambda W, b: MLP.from_params(W, b).loss(X, Y, l2=lam if penalty_in_history
                                                           else 0.0))
    n, history = len(X), []
    order = rng.permutation(n) if once else None
    stop = n - n % batch_size if drop_last else n
    for _ in range(epochs):
        if before:
            history.append(loss(ws, bs))
        if not once:
            order = rng.permutation(n) if shuffle else np.arange(n)
        labels = rng.permutation(n) if misaligned else order
        for start in range(0, stop, batch_size):
            ws, bs = _step(ws, bs, gradients(ws, bs, X[order[start:start + batch_size]],
                                             Y[labels[start:start + batch_size]]), lr)
        if not before:
            history.append(loss(ws, bs))
    return history, ws, bs


def _fit_mutants(setting, sizes, seed) -> dict[str, tuple]:
    def after_init():
        return _reference(sizes, seed).rng

    return {"each epoch draws a new order, self.rng.permutation(n), and takes the batches "
            "in that order": _train(*setting, after_init(), shuffle=False),
            "draw a new permutation in every epoch, not once before the loop":
                _train(*setting, after_init(), once=True),
            MISALIGNED: _train(*setting, after_init(), misaligned=True),
            "the last, smaller batch must not be dropped":
                _train(*setting, after_init(), drop_last=True),
            "append the cost after each epoch, not before it":
                _train(*setting, after_init(), before=True),
            "the cost fit records includes the penalty lam / 2 * sum ||W||^2":
                _train(*setting, after_init(), penalty_in_history=False),
            SHUFFLES: _train(*setting, np.random.default_rng(seed))}


def _draws_nothing(student, sizes, seed) -> bool:
    """The student's constructor leaves rng untouched (its weights are not drawn from it)."""
    weights = _construct(student, sizes, seed).get("weights")
    return not _same(weights, _reference(sizes, seed).weights, GRAD) and not any(
        _same([W], [w], GRAD) for W, w in zip(_arrays(weights, "weights"),
                                             _reference(sizes, seed).weights, strict=False))


def _fit_case(student, rng, sizes, n, batch, epochs, lr, lam) -> None:
    X, Y, ws, bs = _problem(rng, sizes, n)
    seed = builders.seed(rng)
    ref = MLP.from_params(ws, bs, rng=_reference(sizes, seed).rng)
    want = (ref.fit(X, Y, epochs, batch, SGD(lr), l2=lam)["loss"], ref.weights, ref.biases)
    setting = (X, Y, ws, bs, lr, lam, epochs, batch)
    wrong = _fit_mutants(setting, sizes, seed)
    with check(f"fit({_label(ws, X)}, Y) with batch_size={batch}, epochs={epochs}, lr={lr}, "
               f"lam={lam}: the costs it returns and the final parameters"):
        net = _construct(student, sizes, seed, lr=lr, lam=lam, epochs=epochs, batch_size=batch)
        net.call("set_params", ws, bs)
        got = (net.call("fit", X, Y), net.get("weights"), net.get("biases"))
        if not all(_same(g, w) for g, w in zip(got, want, strict=True)):
            helper, own_grads = _own_gradients(student, rng, ws, bs, lam)

            def own_loss(W, b):
                helper.call("set_params", W, b)
                return helper.call("loss", X, Y)

            own = _train(*setting, _reference(sizes, seed).rng, loss=own_loss,
                         gradients=lambda W, b, Xb, Yb: tuple(
                             _arrays(g, "gradients") for g in own_grads(W, b, Xb, Yb)))
            if all(_same(g, w) for g, w in zip(got, own, strict=True)):
                note("your gradients or loss are off (Question 2); fit was judged with them "
                     "and is itself right")
                want = own
            elif _draws_nothing(student, sizes, seed):
                unused = _train(*setting, np.random.default_rng(seed))
                if all(_same(g, w) for g, w in zip(got, unused, strict=True)):
                    note("your constructor draws nothing from rng (Question 1), so fit's "
                         "shuffles start from the fresh generator; fit was judged with them "
                         "and is itself right")
                    want = unused
        expect(got[0], "fit's returned costs").close_to(want[0], **FIT, mutants={
            k: v[0] for k, v in wrong.items()})
        for i, what in ((1, "weights"), (2, "biases")):
            expect(got[i], what).each_close_to(want[i], **FIT, mutants={
                k: v[i] for k, v in wrong.items()})


@question("q3", points=3)
def sgd_step_and_fit(student, rng):
    for sizes, n, lr, lam in [([4, 5, 3], 6, 0.7, 0.2), ([5, 4, 4, 3], 5, 0.3, 0.05)]:
        _sgd_case(student, rng, sizes, n, lr, lam)
    # n is not a multiple of the batch size, so the last batch is smaller
    for sizes, n, batch, epochs, lr, lam in [([5, 4, 3], 23, 5, 3, 0.5, 0.05),
                                             ([6, 7, 5, 4], 17, 4, 2, 0.8, 0.0)]:
        _fit_case(student, rng, sizes, n, batch, epochs, lr, lam)


# ---------------------------------------------------------------------------
# q4 end to end


def _training_diagnosis(student, rng) -> str:
    """Why a network that barely learns does so: the first of the earlier questions'
    classic mistakes that the student's class makes, on a small problem."""
    sizes, seed = [5, 4, 3], builders.seed(rng)
    weights = _arrays(_construct(student, sizes, seed).get("weights"), "weights")
    if all(not np.any(W) for W in weights):
        return ZERO_INIT
    X, Y, ws, bs = _problem(rng, sizes, 12)
    got = _known(student, rng, ws, bs, lam=0.01).call("gradients", X, Y)
    right = MLP.from_params(ws, bs).gradients(X, Y, l2=0.01)
    if isinstance(got, tuple | list) and len(got) == 2 and not _same(got[0], right[0], GRAD):
        for text, wrong in _gradient_mutants(ws, bs, X, Y, 0.01).items():
            if _same(got[0], wrong[0], GRAD):
                return text
    setting = (X, Y, ws, bs, 0.5, 0.01, 2, 5)
    net = _construct(student, sizes, seed, lr=0.5, lam=0.01, epochs=2, batch_size=5)
    net.call("set_params", ws, bs)
    history = net.call("fit", X, Y)
    for text, wrong in _fit_mutants(setting, sizes, seed).items():
        if _same(history, wrong[0]) and text != SHUFFLES:
            return text
    return ""


def _accuracy_hint(student, rng, acc: float) -> str:
    cause = _training_diagnosis(student, rng)
    if cause:
        return f"; this matches a common mistake: {cause}"
    if acc < 0.5:
        return ("; the network barely learns: check the initialisation, the sign of the "
                "gradient and the learning rate")
    return ""


@question("q4", points=3, timeout=20)
def digits_end_to_end(student, rng):
    X_train, X_test, y_train, y_test = load_digits_split(E2E_TEST_SIZE, rng)
    settings = ", ".join(f"{k}={v:g}" for k, v in E2E.items())
    pred = None
    with check(f"NeuralNetwork({E2E_SIZES}, {settings}, rng), fit(X_train {X_train.shape}, "
               f"Y_train) within {FIT_SECONDS:g} s, then predict(X_test {X_test.shape})"):
        net = _construct(student, E2E_SIZES, builders.seed(rng), **E2E)
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
        hint = _accuracy_hint(student, rng, acc) if acc < MIN_ACCURACY else ""
        verify(acc >= MIN_ACCURACY, f"test accuracy {acc:.3f} is below {MIN_ACCURACY}{hint}",
               "test accuracy")


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
        seed = builders.seed(rng)
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
            expect(got, "acc").close_to(val, mutants={
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
               "both sides, and returns the figure"):
        returned = student.call("plot_grid", acc, lrs, lams)
        verify(isinstance(returned, Handle) and returned.type_name == "Figure",
               f"plot_grid returns the figure it drew, got {describe_value(returned)}",
               "plot_grid")
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
    except (TypeError, KeyError, IndexError, ValueError, AttributeError):
        fail(f"study[{sweep!r}][{key!r}] is missing (see the first check)")


@question("q6", points=3)
def hyperparameter_study(student, rng):
    n_train = int(rng.choice([147, 151, 157]))
    X_tr, Y_tr, X_va, y_va, y_tr = _small_digits(rng, n_train, 100)
    sizes, lr, epochs, seed = [64, 16, 10], 0.5, 4, builders.seed(rng)
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
        expect(final, "final_loss").close_to([h[-1] for h in histories], mutants={
            "final_loss is the last cost fit returned, after the last epoch":
                [h[0] for h in histories]})
        expect(accs, "val_accuracy").close_to([r[0] for r in runs], mutants={
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
        expect(norms, "weight_norm").close_to(np.sqrt(squares), mutants={
            "weight_norm is the square root of the sum of squares, sqrt(sum_l ||W^l||^2)":
                squares,
            "weight_norm is one norm over all weights, not the sum of the per-layer norms":
                [sum(float(np.linalg.norm(W)) for W in ws) for ws in weights]})
        expect(accs, "val_accuracy").close_to([r[0] for r in runs], mutants={
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
