"""Hidden suite of Homework 6: a NumPy network trained on the digits, and a study of its
hyper-parameters.

The student's class is built in the worker (``rng=student.rng(seed)``) and driven through
its handle; ``set_params`` puts it in a known state. Expected values come from
``reference.network.MLP`` (with ``course_init``, the notebook's exact draws, so the
reference generator is where the student's ``fit`` starts shuffling; ``MLP.from_params``
for given parameters), ``reference.optim.SGD`` and ``reference.data.load_digits_split``;
the answers of classic mistakes from the SDK's ``mutants``. Each question is judged on its
own: ``sgd_step`` and ``fit`` with the student's own ``gradients`` and ``loss`` when these
are wrong, the grid search and the study with the student's own network retrained, and q4's
reported run (``history``, ``val_accuracy``) by that run rebuilt with the student's class
on the notebook's own data. A ``fit`` that does not repeat itself from the same seed (it
shuffles with ``np.random``) is charged in q3; later runs are then checked for their form.
The study's trend (the final weight norm decreases as lambda grows: each step multiplies
W by 1 - eta lambda) holds here with a wide margin: at least -11% from lambda = 0.002 to
0.01 and a factor 12 from 0.002 to 1 over 60 splits and seeds (lams[0] > 0, so that a
batch-size sweep run without the penalty shows).

Tolerances: ``TOLERANCE`` below; gradients and one step ``GRAD`` (rtol=1e-7: sums in
another order and sigma' as a (1 - a) or from z stay 1e5 below it, while the smallest
planted mistake, lam / n for lam, is off by a factor 2); ``fit`` ``FIT`` (at most 15
steps, differences near 1e-15). End to end (q4): 30 epochs (eta = 0.2, lambda = 1e-4,
batches of 16) on 1257 digits reach at least 0.941 test accuracy (mean 0.962) over 400
splits and seeds, so the bar of 0.93 fails a correct network essentially never; a
vectorised ``fit`` takes about 0.2 s, a loop over the rows of a batch about 6 s.
"""

import copy
import math
import re
import time
from collections.abc import Callable
from functools import cache, partial

import numpy as np

from autograder.authoring import (
    Budgets,
    Handle,
    Limits,
    Tolerance,
    arrays,
    as_float_array,
    builders,
    changes_arguments,
    check,
    degenerate,
    describe_value,
    error_hint,
    expect,
    fail,
    manual,
    maybe_numbers,
    mutants,
    note,
    numbers,
    own_attribute,
    own_global,
    own_result,
    parse_figures,
    question,
    rests_on,
    timeout_hint,
    verify,
    verify_defaults,
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
TOLERANCE = Tolerance(1e-9, 1e-12, "initial weights, the forward pass, the cost and the "
                      "accuracies and norms recomputed from the student's own network agree to "
                      "a few ulps when written another way (probabilities bounded away from 0)")
GRAD = {"rtol": 1e-7, "atol": 1e-12}
FIT = {"rtol": 1e-7, "atol": 1e-10}
E2E_SIZES, E2E = [64, 40, 10], {"lr": 0.2, "lam": 1e-4, "epochs": 30, "batch_size": 16}
FIT_SECONDS, MIN_ACCURACY = 2.0, 0.93
HYPER = {"lr": 0.35, "lam": 0.015, "epochs": 7, "batch_size": 9}
ZERO_INIT = ("the weights start at zero: every hidden unit then computes the same function "
             "and gets the same gradient, so they stay identical forever; draw them from "
             "rng.normal(0, 1 / sqrt(n_in))")
SHUFFLES = ("the shuffles differ: the constructor must draw the initial weights from rng "
            "(rng.normal(0, 1 / sqrt(n_in))) before fit draws its permutations")
OTHER_GENERATOR = ("two networks built from the same seed and fitted alike gave different "
                   "costs: fit must shuffle with the network's own generator, "
                   "self.rng.permutation(n), not np.random or a generator of its own")
UNREPEATABLE = ("your fit gives another result from the same seed (it draws from something "
                "other than its rng: see Question 3), so only the form of {} was checked")


def course_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """The notebook's initialisation: W ~ N(0, 1 / n_in), drawn with this exact call."""
    return rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(fan_in, fan_out))


def _course_network(sizes, seed) -> MLP:
    """The reference network built from default_rng(seed) as the notebook prescribes."""
    return MLP(sizes, rng=np.random.default_rng(seed), init=course_init)


def _construct(student, sizes, seed, **hyper) -> Handle:
    """The student's NeuralNetwork(sizes, ..., rng=default_rng(seed)), in the worker
    (``seed`` may be a generator kept in the worker, to share among networks)."""
    rng = seed if isinstance(seed, Handle) else student.rng(seed)
    net = student.call("NeuralNetwork", list(sizes), rng=rng, **hyper)
    if not isinstance(net, Handle):
        fail(f"NeuralNetwork(...) gave {describe_value(net)}, expected an instance of the class")
    return net


def _known(student, rng, ws, bs, **hyper) -> Handle:
    """The student's network with the given parameters (set_params)."""
    net = _construct(student, [ws[0].shape[0]] + [W.shape[1] for W in ws], builders.seed(rng),
                     **hyper)
    net.call("set_params", ws, bs)
    return net


LAYOUT = ("your network keeps W^l as (n_out, n_in), NNDL's layout (Question 1 names it): "
          "set_params hands it the text's weights of shape (n_in, n_out), which its forward "
          "pass cannot use; keep W^l as (n_{l-1}, n_l) and compute z = a W + b")


def _weights_of(net, sizes, transposed=False):
    """The network's weights as float arrays of the shapes (n_in, n_out) that ``sizes``
    gives ((n_out, n_in) with ``transposed``), or None when they are not; no check."""
    shapes = zip(sizes[:-1], sizes[1:], strict=True)
    return own_attribute(net, "weights", like=[
        np.empty(shape[::-1] if transposed else shape) for shape in shapes])


def _layout_hint(student):
    """Name the layout mistake of Question 1 on an error of a network given the text's
    weights: one that draws W^l as (n_out, n_in) cannot use them."""
    def transposed() -> bool:
        net = own_result(student, "NeuralNetwork", [3, 5, 2], rng=student.rng(0))
        return isinstance(net, Handle) and _weights_of(net, [3, 5, 2], True) is not None
    return error_hint(LAYOUT, "weights stored as (n_out, n_in)", ["ValueError"],
                      when=transposed)


FIT_IN_PLACE = ("your fit changes the X or Y it is given in place (a mistake Question 3 "
                "charges), so {} was not charged for that again")


def _fit_in_place(student) -> bool:
    """The student's fit changes the X or Y it is given (shuffling them in place, say)."""
    X, Y, _, _ = _problem(np.random.default_rng(0), [4, 5, 3], 10)
    net = own_result(student, "NeuralNetwork", [4, 5, 3], rng=student.rng(0), epochs=1,
                     batch_size=4)
    return isinstance(net, Handle) and changes_arguments(net, "fit", X, Y)


def _may_shuffle(in_place: bool, what: str) -> tuple[int, ...]:
    """The arguments (X and Y, first) that a call of ``what`` may change, with a note:
    those the student's fit changes in place (``in_place``: see :func:`_fit_in_place`),
    which Question 3 charges."""
    if not in_place:
        return ()
    note(FIT_IN_PLACE.format(what))
    return (0, 1)


def _problem(rng, sizes, n, weight_scale=1.0):
    """A batch (X, one-hot Y with several classes) and parameters without saturation."""
    X, Y = builders.batch(rng, n, sizes[0], sizes[-1], every_class=True)
    return (X, Y, *builders.network(rng, sizes, weight_scale))


def _label(ws, X) -> str:
    return f"weights {builders.shapes_of(ws)}, X {X.shape}"


def _same(got, want, tol=FIT) -> bool:
    """Lists of arrays (or a list of numbers) equal within ``tol``, NaN where NaN is (a
    diverged run repeats itself too)."""
    try:
        return len(got) == len(want) and all(
            np.shape(g) == np.shape(w) and np.allclose(as_float_array(g)[0], w, **tol,
                                                       equal_nan=True)
            for g, w in zip(got, want, strict=True))
    except TypeError:
        return False


# ---------------------------------------------------------------------------
# q1 initialisation and forward pass


def _init_mutants(sizes, seed):
    def draws(scale_of, flipped=False, transpose=False, biases=False):
        g, out = np.random.default_rng(seed), []
        for m, k in builders.fan_pairs(sizes):
            W = g.normal(0.0, scale_of(m), size=(k, m) if flipped else (m, k))
            out.append(W.T if transpose else W)
            if biases:
                g.normal(size=k)  # a bias vector drawn after its weights
        return out

    def course(m):
        return 1.0 / np.sqrt(m)

    return {ZERO_INIT: [np.zeros(p) for p in builders.fan_pairs(sizes)],
            "each layer's standard deviation is 1 / sqrt(n_in) of its own inputs, not of the "
            "network's input size": draws(lambda m: 1.0 / np.sqrt(sizes[0])),
            "the standard deviation is 1 / sqrt(n_in), not 1 (N(0, 1) saturates the sigmoids)":
                draws(lambda m: 1.0),
            "the standard deviation is 1 / sqrt(n_in), not 1 / n_in": draws(lambda m: 1.0 / m),
            "draw size=(n_in, n_out) directly: the weights were drawn as (n_out, n_in) and "
            "transposed": draws(course, flipped=True, transpose=True),
            "W^l has shape (n_in, n_out), z = a W + b: the weights were drawn as (n_out, n_in), "
            "NNDL's layout": draws(course, flipped=True),
            "the biases start at zero: drawing them from rng as well shifts the draws of the "
            "next layer's weights": draws(course, biases=True)}


def _fresh_without_rng(student) -> bool:
    """Two networks built without rng get different weights (np.random.default_rng(), not
    a fixed seed); True when that cannot be read or the weights are constant (the other
    checks charge those)."""
    nets = [own_result(student, "NeuralNetwork", [3, 4, 2]) for _ in range(2)]
    ws = [_weights_of(net, [3, 4, 2]) if isinstance(net, Handle) else None for net in nets]
    return None in ws or all(np.ptp(W) == 0 for W in ws[0]) or not _same(ws[0], ws[1])


def _softmax_by_width(ws, bs, X) -> np.ndarray:
    """The output when every layer as wide as the output takes the softmax (a mutant)."""
    a, k = X, ws[-1].shape[1]
    for W, b in zip(ws, bs, strict=True):
        z = a @ W + b
        a = softmax(z) if W.shape[1] == k else sigmoid(z)
    return a


def _use_given(name: str) -> dict[str, str]:
    """The rule "use the sigmoid and softmax of the first code cell", for one of them: the
    hidden layers' sigmoid is asked of feedforward, the softmax of predict_proba, so that
    a network with its own of either is charged once."""
    return {name: "the text asks the network to use the sigmoid and softmax of the first "
                  "code cell, which are stable for every z"}


@question("q1", points=2)
def initialisation_and_forward(student, rng):
    for sizes in ([6, 5, 3], [7, 6, 5, 4]):
        seed, settings = builders.seed(rng), ", ".join(f"{k}={v}" for k, v in HYPER.items())
        ref = _course_network(sizes, seed)
        first = len(sizes) == 3
        with check(f"NeuralNetwork({sizes}, {settings}, rng=default_rng(seed)): the "
                   "attributes, the initial weights and biases"
                   + ("; fresh draws without rng" if first else "")):
            if first:
                verify_defaults(student, "NeuralNetwork", lr=0.2, lam=0.0, epochs=30,
                                batch_size=16, rng=None)
                verify(_fresh_without_rng(student), "two networks built without rng have the "
                       "same weights: with rng=None use np.random.default_rng(), not a fixed "
                       "seed", "NeuralNetwork", mistake="rng=None gives a fixed seed")
            net = _construct(student, sizes, seed, **HYPER)
            for name, value in {"sizes": sizes, **HYPER}.items():
                expect(net.get(name), f"the attribute {name}").equals(value)
            expect(net.get("weights"), "weights").each_close_to(
                ref.weights, mutants=_init_mutants(sizes, seed))
            expect(net.get("biases"), "biases").each_close_to(ref.biases)
    X, _, ws, bs = _problem(rng, [7, 6, 5, 4], 4)
    zs, acts = MLP.from_params(ws, bs).forward_pass(X)
    wrong = {mutants.FORWARD[k]: mutants.forward_pass(ws, bs, X, k) for k in (
        "no_bias", "z_from_z", "zs_hold_a", "no_hidden_activation", "output_as_hidden",
        "output_after_hidden")}
    with check(f"set_params keeps float copies; then feedforward(X) with {_label(ws, X)}"):
        verify(_keeps_copies(student), "set_params stores the very arrays it is given, "
               "and sgd_step changes them in place: the caller's arrays change with the "
               "network; store copies, [np.array(W, dtype=float) for W in weights]",
               "set_params", mistake="set_params keeps the caller's arrays")
        verify(_floats_kept(student), "set_params keeps integer weights as integers: the "
               "text asks for float copies, [np.array(W, dtype=float) for W in weights]",
               "set_params", mistake="set_params does not make float copies")
        got = _known(student, rng, ws, bs).call("feedforward", X,
                                                require=_use_given("sigmoid"))
        if expect(got).is_tuple(2, "(zs, activations)"):
            expect(got[0], "zs").each_close_to(zs, mutants={k: v[0] for k, v in wrong.items()})
            expect(got[1], "activations").each_close_to(acts, mutants={
                "activations starts with a^0 = X: [X, a1, ..., aL]": acts[1:] + [acts[-1]],
                **{k: v[1] for k, v in wrong.items()}})
    # [7, 4, 5, 4]: a hidden layer as wide as the output still takes the sigmoid
    for sizes, n, large in [([6, 5, 3], 1, False), ([7, 4, 5, 4], 9, False), ([5, 8, 4], 6, True)]:
        X, _, ws, bs = _problem(rng, sizes, n)
        if large:  # the largest output logit 1000: exp overflows without the shift
            logits = MLP.from_params(ws, bs).forward_pass(X)[0][-1]
            factor = 1000.0 / logits.flat[np.argmax(np.abs(logits))]  # that logit: +1000
            ws[-1], bs[-1] = ws[-1] * factor, bs[-1] * factor
        with check(f"set_params({_label(ws, X)}), then predict_proba(X)"
                   f"{' with output logits up to 1000' if large else ''}"):
            given = _use_given("softmax") if n == 1 else None  # the rule costs one check
            expect(_known(student, rng, ws, bs).call("predict_proba", X, require=given),
                   "predict_proba").close_to(MLP.from_params(ws, bs).forward(X), mutants={
                       "predict_proba returns the probabilities softmax(z^L), not the logits "
                       "z^L": MLP.from_params(ws, bs).forward_pass(X)[0][-1],
                       "a hidden layer as wide as the output took the softmax: the softmax is "
                       "for the last layer l = L only, whatever the widths":
                           _softmax_by_width(ws, bs, X),
                       **{mutants.FORWARD[k]: mutants.forward_pass(ws, bs, X, k)[1][-1]
                          for k in ("column_softmax", "output_as_hidden", "no_hidden_activation",
                                    "hidden_as_output", "naive_softmax")}})
    X, _, ws, bs = _problem(rng, [5, 6, 4], 12, weight_scale=3.0)
    P = MLP.from_params(ws, bs).forward(X)
    with check(f"predict(X {X.shape}) for layer sizes [5, 6, 4]: integer class indices; with "
               "zero weights, where every class ties, still one index per row"):
        got = _known(student, rng, ws, bs).call("predict", X)
        if expect(got, "predict").equals(np.argmax(P, axis=1), mutants={
                "the class is the argmax of each row (axis=1), not of each column":
                    np.argmax(P, axis=0),
                "predict returns class indices of shape (n,), not the probabilities": P,
                "the least likely class: np.argsort sorts ascending, so its first column is the "
                "argmin; the class is the argmax of each row": np.argmin(P, axis=1)}):
            kind = np.asarray(got).dtype
            if verify(isinstance(got, np.ndarray), "the text asks for an integer array of "
                      f"shape (n,), as np.argmax(P, axis=1) gives it, got a {type(got).__name__}",
                      "predict", mistake="class indices not returned as an array"):
                verify(kind.kind in "iu", "the text asks for an integer array (as np.argmax "
                       f"gives it), got values of dtype {kind}", "predict",
                       mistake="class indices returned as floats")
        blank = _construct(student, [5, 6, 4], 0)  # no draw from rng: later inputs stay
        blank.call("set_params", [np.zeros_like(W) for W in ws], [np.zeros_like(b) for b in bs])
        raw = blank.call("predict", X)
        tied = maybe_numbers(raw, (len(X),))
        verify(tied is not None and bool(np.all((tied >= 0) & (tied < 4) & (tied % 1 == 0))),
               f"with every class tied, predict gave {describe_value(raw)}: one class index "
               f"per row, shape ({len(X)},), as np.argmax(P, axis=1) gives (the text states no "
               "tie rule, so any of the tied classes is right)", "predict",
               mistake="a tie gives several classes")
    with check("predict(X (1, 5)), the first row alone: one class index, shape (1,)"):
        got = _known(student, rng, ws, bs).call("predict", X[:1])
        if verify(np.ndim(got) != 0, "a batch of one row gives one index in an array of shape "
                  "(1,), as np.argmax(P, axis=1) gives it; this one was squeezed to shape ()",
                  "predict", mistake="a batch of one squeezed to shape ()"):
            # a column (1, 1) is charged once, by the check above
            expect(np.ravel(got) if np.ndim(got) == 2 else got, "predict").equals(
                np.argmax(P[:1], axis=1))


def _floats_kept(student) -> bool:
    """Integer weights and biases handed to set_params are stored as floats (True when
    that cannot be read: the other checks judge set_params)."""
    ws, bs = [np.arange(20).reshape(4, 5) - 9, np.arange(15).reshape(5, 3) - 7], \
        [np.arange(5) - 2, np.arange(3) - 1]
    net = own_result(student, "NeuralNetwork", [4, 5, 3], rng=student.rng(0))
    if not isinstance(net, Handle):
        return True
    own_result(net, "set_params", ws, bs)
    stored = [own_attribute(net, name) for name in ("weights", "biases")]
    return any(s is None or not isinstance(s, list | tuple) for s in stored) or all(
        np.asarray(a).dtype.kind == "f" for s in stored for a in s)


def _keeps_copies(student) -> bool:
    """A network handed another network's own weight and bias lists (by reference) leaves
    them unchanged through an sgd_step (True when that cannot be run: Question 3 judges
    sgd_step). Fixed inputs: a property, not an answer."""
    local = np.random.default_rng(0)
    X, Y, ws, bs = _problem(local, [4, 5, 3], 6)
    owner, other = (_known(student, local, ws, bs, lr=0.5) for _ in range(2))
    other.call("set_params", *[owner.get(name, by_reference=True)
                               for name in ("weights", "biases")])
    if own_result(other, "sgd_step", X, Y, with_args=True) is None:
        return True
    after = [own_attribute(owner, name) for name in ("weights", "biases")]
    return None in after or (_same(after[0], ws) and _same(after[1], bs))


# ---------------------------------------------------------------------------
# q2 cost and gradients


OUTPUT_ONLY = "the penalty covers the weights of every layer, not only the output layer's"


def _loss_mutants(ws, bs, X, Y, lam) -> dict[str, float]:
    n, ce = len(X), MLP.from_params(ws, bs).loss(X, Y)
    sq, sq_b = (sum(float(np.sum(a * a)) for a in arrays) for arrays in (ws, bs))
    P = MLP.from_params(ws, bs).forward(X)
    wrong = {"summed over the batch instead of averaged: divide the cross-entropy by n":
             n * ce + lam / 2 * sq,
             "the cross-entropy needs its minus sign: -sum Y ln a^L / n": -ce + lam / 2 * sq,
             mutants.MEAN_OVER_ENTRIES: ce / Y.shape[1] + lam / 2 * sq,
             "the course's penalty is lam / 2 * sum ||W||^2; lam * sum ||W||^2 lacks the 1/2":
             ce + lam * sq,
             "the cost of a softmax output is -sum Y ln P / n; the sigmoid's cross-entropy "
             "adds (1 - Y) ln(1 - P)":
             -float(np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P))) / n + lam / 2 * sq,
             **mutants.epsilon_cost_mistakes(P, Y, lam / 2 * sq)}
    if lam > 0:
        wrong.update({OUTPUT_ONLY: ce + lam / 2 * float(np.sum(ws[-1] ** 2)),
                      mutants.BACKPROP["l2_over_n"]: ce + lam / (2 * n) * sq,
                      "the penalty lam / 2 * sum ||W||^2 is missing": ce,
                      mutants.BACKPROP["l2_on_biases"]: ce + lam / 2 * (sq + sq_b)})
    return wrong


OWN_OUTPUT = "what your own predict_proba's output gives (Question 1)"


def _own_output(student, ws, bs, X, Y, lam):
    """A function giving (cost, (dWs, dbs)) of the output P of the student's own
    predict_proba (cross-entropy and delta^L = (P - Y) / n through the text's hidden
    layers), or (None, (None, None)) when P is not what the text's output would be: a
    forward-pass mistake is charged in Question 1 only. An output of the same
    probabilities everywhere, as a stub's, leads to nothing accepted."""
    @cache
    def own():
        net = _construct(student, [ws[0].shape[0]] + [W.shape[1] for W in ws], 0)
        if own_result(net, "set_params", ws, bs, with_args=True) is None:
            return None, (None, None)
        P = own_result(net, "predict_proba", X, like=Y)
        if P is None or np.allclose(P, MLP.from_params(ws, bs).forward(X)) \
                or degenerate(P):  # the same probabilities everywhere: a stub's output
            return None, (None, None)
        with np.errstate(divide="ignore", invalid="ignore"):  # NaN for entries <= 0, as theirs
            cost = -float(np.sum(Y * np.log(P))) / len(X) + lam / 2 * sum(
                float(np.sum(W * W)) for W in ws)
        return cost, _gradients_from_output(ws, bs, X, Y, P, lam)
    return own


def _gradients_from_output(ws, bs, X, Y, P, lam):
    """(dWs, dbs) by BP1 to BP4 with delta^L = (P - Y) / n for a given output P."""
    _, acts = MLP.from_params(ws, bs).forward_pass(X)
    delta, dWs, dbs = (P - Y) / len(X), [], []
    for i in range(len(ws) - 1, -1, -1):
        dWs.insert(0, acts[i].T @ delta + lam * ws[i])
        dbs.insert(0, delta.sum(axis=0))
        if i > 0:
            delta = (delta @ ws[i].T) * acts[i] * (1 - acts[i])
    return dWs, dbs


def _gradient_mutants(ws, bs, X, Y, lam) -> dict[str, tuple]:
    """The shared backprop mistakes, and the penalty's gradient without its lam."""
    wrong = mutants.backprop_mutants(ws, bs, X, Y, l2=lam)
    if lam > 0:
        dWs, dbs = mutants.backprop(ws, bs, X, Y)
        wrong["the penalty's gradient is lam W: the factor lam is missing"] = (
            [dW + W for dW, W in zip(dWs, ws, strict=True)], dbs)
        wrong[OUTPUT_ONLY] = ([*dWs[:-1], dWs[-1] + lam * ws[-1]], dbs)
    return wrong


@question("q2", points=3)
def cost_and_gradients(student, rng):
    for sizes, n, lam, scale in [([4, 5, 3], 6, 0.1, 1.0), ([5, 4, 4, 3], 7, 0.0, 1.0),
                                 ([3, 6, 2], 5, 0.35, 1.0), ([4, 5, 3], 8, 0.0, 30.0)]:
        X, Y, ws, bs = _problem(rng, sizes, n)
        if scale > 1:  # each row's logits about 30 apart: P within ~e^-30 of 0 and of 1
            builders.spread_logits(ws, bs, X, scale)
        own = _own_output(student, ws, bs, X, Y, lam)
        with check(f"loss({_label(ws, X)}, Y) with lam={lam}"
                   + (", confident outputs (P near 0 and near 1)" if scale > 1 else "")
                   + ": a float (the cost of your own predict_proba's output also counts)",
                   context={"n": n}), _layout_hint(student):
            got = _known(student, rng, ws, bs, lam=lam).call("loss", X, Y)
            expect(got, "loss").close_to(MLP.from_params(ws, bs).loss(X, Y, l2=lam),
                                         mutants=_loss_mutants(ws, bs, X, Y, lam), accept={
                                             OWN_OUTPUT: lambda own=own: own()[0]})
            verify(isinstance(got, float), "loss returns the cost as a Python float (float(...)), "
                   f"got {describe_value(got)}", "loss")
    for sizes, n, lam in [([4, 5, 3], 6, 0.2), ([5, 4, 4, 3], 1, 0.0), ([3, 6, 2], 7, 0.3),
                          ([6, 3, 5, 4], 5, 0.05)]:
        X, Y, ws, bs = _problem(rng, sizes, n)
        dWs, dbs = MLP.from_params(ws, bs).gradients(X, Y, l2=lam)
        wrong = _gradient_mutants(ws, bs, X, Y, lam)
        own = _own_output(student, ws, bs, X, Y, lam)
        with check(f"gradients({_label(ws, X)}, Y) with lam={lam} (the gradients with "
                   "delta^L = (P - Y) / n for your own predict_proba's P also count)",
                   context={"n": n}), _layout_hint(student):
            got = _known(student, rng, ws, bs, lam=lam).call("gradients", X, Y)
            if expect(got).is_tuple(2, "(dWs, dbs)"):
                for i, (what, want) in enumerate((("dWs", dWs), ("dbs", dbs))):
                    expect(got[i], what).each_close_to(want, **GRAD, mutants={
                        k: v[i] for k, v in wrong.items()}, accept={
                        OWN_OUTPUT: lambda i=i, own=own: own()[1][i]})
    # output logits near 1000, a shift the softmax and the cost ignore
    X, Y, ws, bs = _problem(rng, [4, 5, 3], 6)
    bs[-1] = bs[-1] + 1000.0
    own = _own_output(student, ws, bs, X, Y, 0.0)
    with check(f"loss({_label(ws, X)}, Y) with lam=0, output logits near 1000 (the cost of "
               "your own predict_proba's output also counts)", context={"n": len(X)}), \
            _layout_hint(student):
        got = _known(student, rng, ws, bs, lam=0.0).call("loss", X, Y)
        expect(got, "loss").close_to(MLP.from_params(ws, bs).loss(X, Y), mutants={
            f"e^z of logits near 1000 overflows to inf, {then}: subtract each row's maximum "
            "before exp (or take ln of the given softmax's P)": value
            for then, value in (("and so does ln sum_k e^z_k", np.inf),
                                ("and 0 * inf = nan where a target is 0", np.nan))}, accept={
            OWN_OUTPUT: lambda own=own: own()[0]})


# ---------------------------------------------------------------------------
# q3 one SGD step and the training loop


def _step(ws, bs, grads, lr):
    return ([W - lr * g for W, g in zip(ws, grads[0], strict=True)],
            [b - lr * g for b, g in zip(bs, grads[1], strict=True)])


def _own(student, rng, ws, bs, lam, X):
    """The student's own (gradients, loss on X) as functions of the parameters."""
    helper = _known(student, rng, ws, bs, lam=lam)

    def call(method, W, b, *args):
        helper.call("set_params", W, b)
        return helper.call(method, *args)

    def gradients(W, b, Xb, Yb):
        got = call("gradients", W, b, Xb, Yb)
        if not isinstance(got, list | tuple):
            fail(f"your gradients gave {describe_value(got)}, not the (dWs, dbs) of "
                 "Question 2")
        return [arrays(g, "gradients") for g in got]

    return gradients, lambda W, b, Y: call("loss", W, b, X, Y)


def _sgd_mutants(ws, bs, X, Y, lr, lam) -> dict[str, tuple | None]:
    """The parameters after one SGD step with each classic mistake (None: not shown)."""
    n, right = len(X), MLP.from_params(ws, bs).gradients(X, Y, l2=lam)
    want = _step(ws, bs, right, lr)
    return {"the step goes uphill: W <- W - lr * dC/dW, with a minus sign":
            _step(ws, bs, right, -lr),
            "the step is not scaled by the learning rate: W <- W - lr * dC/dW":
            _step(ws, bs, right, 1.0),
            "the step was divided by the batch size (Nielsen's eta / m): the gradients "
            "already average over the batch, so W <- W - lr * dC/dW":
            _step(ws, bs, right, lr / n) if n > 1 else None,
            "the weight decay was applied twice: dC/dW already holds lam W, so W <- W - lr "
            "dC/dW without a further (1 - lr lam)":
            _step([W * (1 - lr * lam) for W in ws], bs, right, lr) if lam > 0 else None,
            "the biases were not updated: b <- b - lr * dC/db too": (want[0], bs), **{
                mutants.BACKPROP[k]: _step(ws, bs, mutants.backprop(ws, bs, X, Y, k, l2=lam), lr)
                for k in ("sign_flipped", "l2_missing", "l2_over_n", "sum_not_mean")}}


def _sgd_case(student, rng, sizes, n, lr, lam) -> None:
    X, Y, ws, bs = _problem(rng, sizes, n)
    want = _step(ws, bs, MLP.from_params(ws, bs).gradients(X, Y, l2=lam), lr)
    wrong = _sgd_mutants(ws, bs, X, Y, lr, lam)
    with check(f"sgd_step({_label(ws, X)}, Y) with lr={lr}, lam={lam}: it returns nothing and "
               "updates the weights and biases", context={"n": n}), _layout_hint(student):
        net = _known(student, rng, ws, bs, lr=lr, lam=lam)
        returned, got = net.call("sgd_step", X, Y), (net.get("weights"), net.get("biases"))
        if not (_same(got[0], want[0], GRAD) and _same(got[1], want[1], GRAD)):
            grads = _own(student, rng, ws, bs, lam, X)[0](ws, bs, X, Y)
            own = _step(ws, bs, grads, lr)
            if _same(got[0], own[0], GRAD) and _same(got[1], own[1], GRAD):
                note("sgd_step was judged with your own gradients, which differ from the "
                     "text's (see Questions 1 and 2), and is itself right")
                rests_on("your own gradients", grads)
                want = own
        for i, what in enumerate(("weights", "biases")):
            expect(got[i], what).each_close_to(want[i], **GRAD, mutants={
                k: v[i] for k, v in wrong.items() if v is not None})
        verify(returned is None, "sgd_step updates the network in place and returns nothing "
               f"(got {describe_value(returned)})", "sgd_step")


def _fit_mutants(setting, sizes, seed) -> dict[str, tuple]:
    start = _course_network(sizes, seed)
    return {SHUFFLES: mutants.minibatch_sgd(*setting, np.random.default_rng(seed)),
            "fit started again from the constructor's initial weights, dropping those of "
            "set_params: fit trains the network's current parameters": mutants.minibatch_sgd(
                start.weights, start.biases, *setting[2:], start.rng), **{
        mutants.TRAINING[k]: mutants.minibatch_sgd(*setting, _course_network(sizes, seed).rng, k)
        for k in mutants.TRAINING}, **{
        f"fit shuffles with a generator of its own, np.random.default_rng({s}){fresh}; the "
        "shuffles come from the network's rng, self.rng.permutation(n)":
            mutants.minibatch_sgd(*setting, np.random.default_rng(s), mistake)
        for s in (0, 42) for fresh, mistake in (("", None), (
            " made anew in every epoch (the same order each time)", "shuffle_once"))}}


def _draws_nothing(student, sizes, seed) -> bool:
    """The student's constructor leaves rng untouched: none of its weights are drawn."""
    got = arrays(_construct(student, sizes, seed).get("weights"), "weights")
    return not any(_same([W], [w], GRAD) for W, w in zip(got, _course_network(sizes, seed).weights,
                                                        strict=False))


def _fit_repeats(student, sizes, seed, ws, bs, X, Y, **hyper) -> bool:
    """Two networks built and fitted alike return the same costs."""
    costs = []
    for _ in range(2):
        net = _construct(student, sizes, seed, **hyper)
        net.call("set_params", ws, bs)
        costs.append(net.call("fit", X, Y, may_change=True))
    return _same(*costs)


EXTRA_DRAW = ("fit drew more than one permutation per epoch, so the second fit shuffles "
              "differently: the text's rule is exactly one self.rng.permutation(n) per epoch "
              "and nothing else")


def _fit_again(net, X, Y, epochs, want=None, extra=None) -> None:
    """A second call of fit returns the costs of its own epochs, the last one the cost of
    the network it leaves; after a first fit that was right, they are ``want``, the
    reference's second fit from the generator as one permutation per epoch leaves it
    (``extra``: one permutation more, a function of no arguments)."""
    again, cost = maybe_numbers(net.call("fit", X, Y)), maybe_numbers(net.call("loss", X, Y))
    counted = again is not None and again.shape == (epochs,)
    if counted and not (cost is not None and np.isfinite(again[-1]) and np.isfinite(cost)):
        return  # a run that diverged: the first fit's costs already say what differs
    own = counted and np.allclose(again[-1], cost, **FIT)
    verify(own, f"fit called a second time returned {describe_value(again)}: each call "
           f"returns a new list of the costs after each of its own {epochs} epochs", "fit",
           mistake="fit's list of costs carried over from an earlier call")
    if own and want is not None:
        expect(again, "the second fit's costs").close_to(want, **FIT,
                                                         mutants={EXTRA_DRAW: extra})


def _second_fits(ref, setting) -> tuple[np.ndarray, Callable[[], np.ndarray]]:
    """The costs of a second fit of ``ref`` (fitted once), and, computed only if called, of
    the same second fit after one permutation more (mutant)."""
    _, _, X, Y, lr, lam, epochs, batch = setting
    extra = copy.deepcopy(ref)

    @cache  # it draws and fits: once
    def after_extra_draw() -> np.ndarray:
        extra.rng.permutation(len(X))
        return np.array(extra.fit(X, Y, epochs, batch, SGD(lr), l2=lam)["loss"])

    return np.array(ref.fit(X, Y, epochs, batch, SGD(lr), l2=lam)["loss"]), after_extra_draw


USE_SGD_STEP = {"NeuralNetwork.sgd_step": "the text asks fit to take one sgd_step on each "
                                          "batch: call your method"}


def _fit_case(student, rng, sizes, n, batch, epochs, lr, lam, again=False,
              rules=False) -> None:
    X, Y, ws, bs = _problem(rng, sizes, n)
    seed, setting = builders.seed(rng), (ws, bs, X, Y, lr, lam, epochs, batch)
    ref = MLP.from_params(ws, bs, rng=_course_network(sizes, seed).rng)
    want = (ref.fit(X, Y, epochs, batch, SGD(lr), l2=lam)["loss"], ref.weights, ref.biases)
    wrong = _fit_mutants(setting, sizes, seed)
    with check(f"fit({_label(ws, X)}, Y) with batch_size={batch}, epochs={epochs}, lr={lr}, "
               f"lam={lam}: the costs it returns and the final parameters"
               + ("; then a second fit, which returns its own costs" if again else "")), \
            _layout_hint(student):
        net = _construct(student, sizes, seed, lr=lr, lam=lam, epochs=epochs, batch_size=batch)
        net.call("set_params", ws, bs)
        got = (net.call("fit", X, Y, require=USE_SGD_STEP if rules else None),
               net.get("weights"), net.get("biases"))
        right = all(_same(g, w) for g, w in zip(got, want, strict=True))
        if not right:
            grads, loss = _own(student, rng, ws, bs, lam, X)
            own = mutants.minibatch_sgd(*setting, _course_network(sizes, seed).rng, gradients=grads,
                                        loss=lambda W, b: loss(W, b, Y))
            if all(_same(g, w) for g, w in zip(got, own, strict=True)):
                note("fit was judged with your own gradients and loss, which differ from the "
                     "text's (see Questions 1 and 2), and is itself right")
                rests_on("your own gradients", grads(ws, bs, X, Y))
                want = own
            elif _draws_nothing(student, sizes, seed) and all(
                    _same(g, w) for g, w in zip(got, wrong[SHUFFLES], strict=True)):
                note("your constructor draws nothing from rng (Question 1), so fit's shuffles "
                     "start from the fresh generator; fit was judged so and is itself right")
                want = wrong[SHUFFLES]
            else:
                verify(_fit_repeats(student, sizes, seed, ws, bs, X, Y, lr=lr, lam=lam,
                                    epochs=epochs, batch_size=batch), OTHER_GENERATOR, "fit",
                       mistake="fit shuffles with another generator than the network's rng")
        expect(got[0], "fit's returned costs").close_to(want[0], **FIT, mutants={
            **{k: v[0] for k, v in wrong.items()}, **{
                f"fit stopped after {k} of the {epochs} epochs: it trains for exactly "
                "self.epochs epochs, with no early stopping when the cost levels off":
                    want[0][:k] for k in range(1, epochs)}})
        for i, what in ((1, "weights"), (2, "biases")):
            expect(got[i], what).each_close_to(want[i], **FIT, mutants={
                k: v[i] for k, v in wrong.items()})
        if again:
            _fit_again(net, X, Y, epochs, *(_second_fits(ref, setting) if right else ()))


LIBRARIES = ("sklearn.neural_network", "sklearn.linear_model", "sklearn.svm",
             "sklearn.ensemble", "sklearn.neighbors", "sklearn.tree", "torch", "tensorflow",
             "keras", "jax")  # the data come from sklearn.datasets; a model may not


GRADED = ("NeuralNetwork", "grid_search", "hyperparameter_study")


def _numpy_only(student, what: str) -> None:
    """The text's "with NumPy only": where the network, grid_search or
    hyperparameter_study (or the notebook's code they use) use a library that trains or
    predicts, each question whose answer trains the network loses a check. The check is
    there only then, so a NumPy answer's scores are as without it, and a scratch cell
    that compares with a library is not looked at."""
    found = sorted(m for m in student.modules_used_by(*GRADED)
                   if any(m == lib or m.startswith(lib + ".") for lib in LIBRARIES))
    if found:
        with check(f"{what} with NumPy only, as the text asks"):
            verify(False, f"your code uses {', '.join(found)}: write the network, its "
                   "training and its predictions yourself with NumPy", "libraries",
                   mistake="a machine-learning library where the text asks for NumPy only")


@question("q3", points=3)
def sgd_step_and_fit(student, rng):
    _numpy_only(student, "sgd_step and fit")
    for sizes, n, lr, lam in [([4, 5, 3], 6, 0.7, 0.2), ([5, 4, 4, 3], 5, 0.3, 0.05)]:
        _sgd_case(student, rng, sizes, n, lr, lam)
    # n is not a multiple of the batch size in the first two, so the last batch is smaller
    # (in the third it is: no empty batch follows); the second also calls fit a second time
    # and the first asks fit to use sgd_step (each rule costs one check)
    # the last, strongly penalised, levels off within a few epochs and then fluctuates
    # (a contraction: rounding differences shrink, so the costs stay comparable)
    for sizes, n, batch, epochs, lr, lam, again in [([5, 4, 3], 23, 5, 3, 0.5, 0.05, False),
                                                    ([6, 7, 5, 4], 17, 4, 2, 0.8, 0.0, True),
                                                    ([4, 5, 3], 12, 4, 2, 0.6, 0.1, False),
                                                    ([4, 5, 3], 12, 3, 15, 0.5, 2.0, False)]:
        _fit_case(student, rng, sizes, n, batch, epochs, lr, lam, again, rules=batch == 5)


# ---------------------------------------------------------------------------
# q4 end to end


OTHER_FORWARD = "predict_proba differs from the text's forward pass (Question 1)"
FORWARD_AT_OUTPUT = ("column_softmax", "output_as_hidden", "no_hidden_activation", "no_bias",
                     "z_from_z")


def _training_diagnosis(student, rng) -> str:
    """Why a network barely learns: the first classic mistake of the earlier questions
    that the student's class makes on a small problem ("" if none is found)."""
    sizes, seed = [5, 4, 3], builders.seed(rng)
    if not any(np.any(W) for W in arrays(_construct(student, sizes, seed).get("weights"), "W")):
        return ZERO_INIT
    X, Y, ws, bs = _problem(rng, sizes, 12)
    P = own_result(_known(student, rng, ws, bs), "predict_proba", X, like=Y)
    if P is None or not np.allclose(P, MLP.from_params(ws, bs).forward(X), 1e-7, 1e-10):
        return next((f"{mutants.FORWARD[k]} (Question 1)" for k in FORWARD_AT_OUTPUT
                     if P is not None and np.allclose(
                         P, mutants.forward_pass(ws, bs, X, k)[1][-1], 1e-7, 1e-10)),
                    OTHER_FORWARD)
    got = _known(student, rng, ws, bs, lam=0.01).call("gradients", X, Y)
    for text, wrong in _gradient_mutants(ws, bs, X, Y, 0.01).items():
        if isinstance(got, tuple | list) and len(got) == 2 and all(
                _same(g, w, GRAD) for g, w in zip(got, wrong, strict=True)):
            return text
    net = _known(student, rng, ws, bs, lr=0.5, lam=0.01)
    net.call("sgd_step", X, Y)
    stepped = (net.get("weights"), net.get("biases"))
    for text, wrong in _sgd_mutants(ws, bs, X, Y, 0.5, 0.01).items():
        if wrong is not None and all(_same(g, w, GRAD) for g, w in zip(stepped, wrong,
                                                                          strict=True)):
            return f"{text} (Question 3)"
    net = _construct(student, sizes, seed, lr=0.5, lam=0.01, epochs=2, batch_size=5)
    net.call("set_params", ws, bs)
    history = net.call("fit", X, Y, may_change=True)
    wrong = _fit_mutants((ws, bs, X, Y, 0.5, 0.01, 2, 5), sizes, seed)
    return next((text for text, run in wrong.items()
                 if text != SHUFFLES and _same(history, run[0])), "")


def _notebook_run(student, epochs, column=False, **changed) -> tuple[np.ndarray, float, float,
                                                                    float]:
    """(history, validation accuracy, training accuracy, seconds fit took here) of the run
    q4's text describes (but for the ``changed`` settings), with the student's class on the
    notebook's own data (``column``: see :func:`_accuracy`)."""
    data = {name: student.get(name) for name in ("X_train", "Y_train", "X_val", "y_val")}
    net = _construct(student, E2E_SIZES, 0, **{**E2E, "epochs": epochs, **changed})
    with timeout_hint(f"the text's run of {epochs} epochs did not finish"):
        start = time.perf_counter()
        history = numbers(net.call("fit", data["X_train"], data["Y_train"], timeout=10,
                                   may_change=True),
                          "fit's list")
        seconds = time.perf_counter() - start
    labels = [np.argmax(numbers(data["Y_train"], "Y_train"), axis=1),
              numbers(data["y_val"], "y_val")]
    val, train = (_accuracy(net.call("predict", data[X]), y, column)
                  for X, y in (("X_val", labels[1]), ("X_train", labels[0])))
    return history, val, train, seconds


SECONDS_FACTOR = 30  # fit_seconds against the same run timed here: load differs, units do not


def _reported(student) -> None:
    """history, fit_seconds and val_accuracy are those of the text's run (only their form
    when the student's fit does not repeat itself, a mistake Question 3 charges)."""
    epochs = student.get("EPOCHS")
    if not isinstance(epochs, int) or epochs < 1:
        fail(f"EPOCHS should be a positive int, got {describe_value(epochs)}")
    history, val = student.get("history"), student.get("val_accuracy")
    run = _notebook_run(student, epochs)
    timed = run[3]
    if not (_same(history, run[0]) and _same([val], [run[1]])):
        again = _notebook_run(student, epochs)
        if not _same(again[0], run[0]):
            note(UNREPEATABLE.format("history and val_accuracy"))
            run = (maybe_numbers(history, (epochs,), finite=True), val, None)
            if run[0] is None or not isinstance(val, float | int) or not 0 <= val <= 1:
                fail(f"history should hold the {epochs} costs fit returns and val_accuracy "
                     f"a fraction, got {describe_value(history)} and {describe_value(val)}")
    _rests_on_network(student, "the costs of your own network's run", run[0])
    expect(history, "history").close_to(run[0], **FIT, mutants={
        "the network was built without epochs=EPOCHS: it trained for the default 30 epochs":
            (lambda: _notebook_run(student, 30)[0]) if epochs != 30 else None,
        "the network was built without lam=1e-4: it trained with the default lam=0.0":
            lambda: _notebook_run(student, epochs, lam=0.0)[0]})
    column = (lambda: _notebook_run(student, epochs, column=True)[1]) \
        if run[2] is not None and _predicts_column(student) else None
    expect(val, "val_accuracy").close_to(run[1], 1e-6, 0.0, accept={COLUMN: column},
                                         mutants=None if run[2] is None else {
        "val_accuracy is the accuracy on the validation set (X_val, y_val), not on the "
        "training set": run[2],
        "val_accuracy is a fraction in [0, 1], not a percentage": 100 * run[1]})
    seconds = student.get("fit_seconds")
    if verify(isinstance(seconds, float | int) and not isinstance(seconds, bool)
              and seconds > 0, "fit_seconds should be the seconds fit took, a positive "
              f"number (time.perf_counter() after minus before), got {describe_value(seconds)}",
              "fit_seconds"):
        verify(timed / SECONDS_FACTOR <= seconds <= SECONDS_FACTOR * timed + 0.5,
               f"fit_seconds is {seconds:.3g}, but the same run of fit takes {timed:.2g} s "
               "here: time fit alone, in seconds (time.perf_counter() after minus before)",
               "fit_seconds", mistake="fit_seconds in milliseconds, not seconds"
               if seconds > 100 * timed else "fit_seconds is not the time fit took")


@question("q4", points=3, timeout=20)
def digits_end_to_end(student, rng):
    _numpy_only(student, "the network trained on the digits")
    X_train, X_test, y_train, y_test = load_digits_split(0.3, rng)
    settings = ", ".join(f"{k}={v:g}" for k, v in E2E.items())
    pred = None
    with check(f"NeuralNetwork({E2E_SIZES}, {settings}, rng), fit(X_train {X_train.shape}, "
               f"Y_train) within {FIT_SECONDS:g} s, then predict(X_test {X_test.shape})"):
        net = _construct(student, E2E_SIZES, builders.seed(rng), **E2E)
        start = _weights_of(net, E2E_SIZES)
        with timeout_hint(f"fit must finish within {FIT_SECONDS:g} s; a vectorised "
                          "implementation takes about 0.2 s. Python loops over the rows of a "
                          "batch or over the units of a layer are far too slow: use one "
                          "matrix product per layer for the whole batch"):
            costs = net.call("fit", X_train, one_hot(y_train, 10), timeout=FIT_SECONDS,
                             may_change=_may_shuffle(_fit_in_place(student), "fit"))
        if start is not None:  # weights Question 1 can read: did fit move them?
            verify(not _same(_weights_of(net, E2E_SIZES), start, {"rtol": 0.0, "atol": 0.0}),
                   "fit left the weights where the constructor put them: it trained nothing",
                   "fit", mistake="fit does not train")
        got = net.call("predict", X_test)
        labels = _labels(got, y_test)  # a column: Question 1 charges the shape
        _rests_on_network(student, "the costs fit returned and the labels predict gave",
                          costs, labels)
        if expect(got, "predict(X_test)").satisfies(
                lambda g: labels is not None and np.all(labels == np.round(labels)),
                f"expected integer class labels of shape {y_test.shape}, got "
                f"{describe_value(got)}"):
            pred = labels
    with check(f"test accuracy on the {len(y_test)} held-out digits is at least "
               f"{MIN_ACCURACY}", weight=2.0):
        if pred is None:
            fail("no predictions to score: fit or predict failed above")
        acc, hint = float(np.mean(pred == y_test)), ""
        if acc < MIN_ACCURACY:
            cause = _training_diagnosis(student, rng)
            hint = (f"; the cause: {cause}" if cause == OTHER_FORWARD else
                    f"; this matches a common mistake: {cause}" if cause else
                    "; the network barely learns: check the initialisation, the sign of the "
                    "gradient and the learning rate" if acc < 0.5 else "")
        verify(acc >= MIN_ACCURACY, f"test accuracy {acc:.3f} is below {MIN_ACCURACY}{hint}",
               "test accuracy")
    with check("history, fit_seconds and val_accuracy are those of the notebook's run: "
               "NeuralNetwork([64, 40, 10], lr=0.2, lam=1e-4, epochs=EPOCHS, batch_size=16, "
               "rng=default_rng(0)) fitted on (X_train, Y_train), accuracy on (X_val, y_val)"):
        _reported(student)


# ---------------------------------------------------------------------------
# q5 grid search and heatmap, q6 hyper-parameter study


def _small_digits(rng, n_train, n_val):
    X_tr, X_va, y_tr, y_va = load_digits_split(0.3, rng)
    return X_tr[:n_train], one_hot(y_tr[:n_train], 10), X_va[:n_val], y_va[:n_val], \
        y_tr[:n_train]


def _labels(pred, y) -> np.ndarray | None:
    """The student's predictions as labels shaped like ``y``, a column (n, 1) taken as
    such (Question 1 charges the shape), or None."""
    labels, problem = as_float_array(pred)
    if problem is None and labels.shape == (len(y), 1):
        labels = labels[:, 0]
    return labels if problem is None and labels.shape == y.shape else None


def _accuracy(pred, y, column=False) -> float:
    """Accuracy of the student's predictions; a readable failure if they are not labels.
    With ``column``, a column (n, 1) is scored as the student's own code scores it,
    np.mean(pred == y), which broadcasts to (n, n). One number (np.argmax without axis=1,
    a shape Question 1 charges) is scored so too: the fraction of y equal to it."""
    labels = _labels(pred, y)
    if labels is None:
        single = maybe_numbers(pred)
        if single is not None and single.ndim == 0:
            return float(np.mean(single == y))
        fail(f"predict gave {describe_value(pred)}, expected class labels of shape {y.shape}")
    if column and np.shape(pred) == (len(y), 1):
        return float(np.mean(labels[:, None] == y))
    return float(np.mean(labels == y))


COLUMN = ("the accuracies your own predict's column (n, 1) gives: np.mean(pred == y) "
          "compares it with every label, (n, 1) against (n,) broadcasting to (n, n) "
          "(Question 1 charges the shape)")


def _own_network(student, sizes, ws, bs, **hyper) -> Handle | None:
    """The student's own NeuralNetwork(sizes, ..., rng=default_rng(0)) given the
    parameters (ws, bs) by its set_params, or None if that fails; it records no check."""
    net = own_result(student, "NeuralNetwork", sizes, rng=student.rng(0), **hyper)
    if not isinstance(net, Handle) or own_result(net, "set_params", ws, bs,
                                                 with_args=True) is None:
        return None
    return net


def _rests_on_network(student, what: str, *values) -> None:
    """The open check is judged with the student's own network: its passes rest on
    ``values`` (its results here) and on what its predict_proba gives for given random
    weights. A network that computes something gives varied probabilities there, however
    its training goes (a step that never moves the weights, a NaN cost); a stub's are the
    same everywhere, and then, with results that are degenerate too, the passes do not
    count (see ``rests_on``)."""
    X, _, ws, bs = _problem(np.random.default_rng(1), [6, 5, 4], 7)
    net = _own_network(student, [6, 5, 4], ws, bs)
    outputs = None if net is None else own_result(net, "predict_proba", X)
    rests_on(f"{what} and the probabilities your predict_proba gives for given weights",
             *values, outputs)


def _predicts_column(student) -> bool:
    """The student's predict returns a column (n, 1), a shape Question 1 charges; their
    own accuracies then come from :func:`_accuracy` with ``column``."""
    X, _, _, _ = _problem(np.random.default_rng(0), [4, 5, 3], 6)
    net = own_result(student, "NeuralNetwork", [4, 5, 3], rng=student.rng(0))
    return isinstance(net, Handle) and np.shape(own_result(net, "predict", X)) == (6, 1)


def _own_run(student, sizes, seed, X_tr, Y_tr, X_va, y_va, y_tr, weights=False, column=False,
             **hyper):
    """The student's own network trained with these settings: (val accuracy, train
    accuracy, the last cost fit returned, the first), and with ``weights`` the trained
    weights (read only then: a misnamed attribute costs points where it matters) and
    biases (if they can be read); ``column``: see :func:`_accuracy`."""
    net = _construct(student, sizes, seed, **hyper)
    history = arrays([net.call("fit", X_tr, Y_tr, may_change=True)], "the costs fit returned")[0]
    run = (_accuracy(net.call("predict", X_va), y_va, column),
           _accuracy(net.call("predict", X_tr), y_tr, column), history[-1], history[0])
    if not weights:
        return run
    return (*run, arrays(net.get("weights"), "weights"),
            own_attribute(net, "biases", like=[np.empty(k) for k in sizes[1:]]))


def _unrepeatable(student, sizes, seed, data, unless=None, **hyper) -> bool:
    """The student's fit gives another run from the same seed (a mistake Question 3
    charges: the run is then only checked for its form, with a note), unless the answer
    ``unless`` = (got, own run) already agrees."""
    if unless is not None and _same(*unless):
        return False
    first, again = (_own_run(student, sizes, seed, *data, **hyper) for _ in range(2))
    if _same(list(first), list(again)):
        return False
    note(UNREPEATABLE.format("the runs"))
    return True


LR_WORDS = re.compile(r"learning|\blr\b|\u03b7|\beta\b|step ?size", re.IGNORECASE)
LAMBDA_WORDS = re.compile(r"lambda|\u03bb|\blam\b|penalt|regulari|decay|\bl2\b", re.IGNORECASE)


def _heatmaps(figures, shape):
    """(figure, axes) pairs whose axes draw an image or mesh of the given shape."""
    return [(fig, ax) for fig in figures for ax in fig.axes
            if not ax.is_colorbar and shape in ax.grids()]


@question("q5", points=3)
def grid_search_and_heatmap(student, rng):
    _numpy_only(student, "grid_search")
    in_place, column = _fit_in_place(student), _predicts_column(student)
    # the second grids in no particular order: acc keeps the order given
    for sizes, lrs, lams, epochs, batch in [([64, 16, 10], [0.3, 2.0], [1e-4, 0.03, 0.3], 4, 16),
                                            ([64, 12, 10], [0.5, 0.1, 1.5], [0.1, 1e-3], 3, 20)]:
        data, seed, shape = _small_digits(rng, 200, 100), builders.seed(rng), (len(lrs), len(lams))
        with check(f"grid_search(X_train {data[0].shape}, Y_train, X_val {data[2].shape}, y_val, "
                   f"{sizes}, lrs={lrs}, lams={lams}, epochs={epochs}, batch_size={batch}, "
                   "seed) against your network trained with each pair"):
            if len(lams) == 3:
                verify_defaults(student, "grid_search", seed=0)
            got = student.call("grid_search", *data[:4], sizes, lrs, lams, epochs=epochs,
                               batch_size=batch, seed=seed,
                               may_change=_may_shuffle(in_place, "grid_search"))
            if not expect(got, "acc").satisfies(lambda g: as_float_array(g)[1] is None,
                                                f"expected an array of shape {shape}"):
                continue
            runs = np.array([[_own_run(student, sizes, seed, *data, lr=lr, lam=lam, epochs=epochs,
                                       batch_size=batch) for lam in lams] for lr in lrs])
            val, train = runs[..., 0], runs[..., 1]
            _rests_on_network(student, "your own network's accuracies and costs", val,
                              runs[..., 2:])

            def grid(shared=False, lrs=lrs, lams=lams, data=data, seed=seed, sizes=sizes,
                     per_row=False, **hyper):
                """The student's own grid of validation accuracies with other settings, or
                one generator for the whole grid (row by row) with ``shared``, or one per
                learning rate with ``per_row``."""
                start = student.generator(seed) if shared else seed
                return np.array([[_own_run(student, sizes, row, *data, lr=lr, lam=lam,
                                           **hyper)[0] for lam in lams]
                                 for lr in lrs for row in [student.generator(seed) if per_row
                                                           else start]])
            setting = {"epochs": epochs, "batch_size": batch}
            steps = own_global(student, "EPOCHS", int)
            if _unrepeatable(student, sizes, seed, data, unless=([got], [val]), lr=lrs[0],
                             lam=lams[0], epochs=epochs, batch_size=batch):
                val = np.clip(numbers(got, "acc", shape), 0.0, 1.0)
            expect(got, "acc").close_to(val, accept={
                COLUMN: partial(grid, column=True, **setting) if column else None}, mutants={
                "the rows of acc are the learning rates and its columns the lambdas: shape "
                "(len(lrs), len(lams))": val.T,
                "acc holds the accuracy on the validation set, not on the training set": train,
                "acc holds accuracies, not error rates": 1 - val,
                "acc holds fractions in [0, 1], not percentages": 100 * val,
                "each network of the grid starts from its own np.random.default_rng(seed); one "
                "generator for the whole grid gives each network other initial weights":
                    partial(grid, True, **setting),
                "each network starts from its own np.random.default_rng(seed); one generator "
                "per learning rate, shared by its lambdas, gives them other initial weights":
                    partial(grid, per_row=True, **setting),
                "the grids were sorted: acc keeps the order given, one row per learning rate "
                "of lrs and one column per lambda of lams (and the caller's lists stay as "
                "they are)": partial(grid, lrs=sorted(lrs), lams=sorted(lams), **setting)
                if lrs != sorted(lrs) else None,
                "fit was called twice for each network: train it once, for the given epochs":
                    partial(grid, epochs=2 * epochs, batch_size=batch),
                "the batch_size argument was not passed on: the networks trained with the "
                "default 16": partial(grid, epochs=epochs) if batch != 16 else None,
                "the networks trained for the notebook's EPOCHS, not the epochs argument":
                    partial(grid, epochs=steps, batch_size=batch)
                    if steps is not None and steps not in (epochs, 30) else None,
                "the learning rate and lambda were swapped in the constructor: lr=lrs[i], "
                "lam=lams[j]": lambda lrs=lrs, lams=lams, data=data, seed=seed, sizes=sizes,
                epochs=epochs, batch=batch: np.array([[_own_run(
                    student, sizes, seed, *data, lr=lam, lam=lr, epochs=epochs,
                    batch_size=batch)[0] for lam in lams] for lr in lrs])})
    lrs, lams = 10.0 ** np.arange(-2, 1), 10.0 ** np.arange(-5, 0)
    acc = rng.uniform(0.1, 1.0, size=(len(lrs), len(lams)))
    found = []
    with check(f"plot_grid(acc of shape {acc.shape}, ...) draws acc as an image or mesh of shape "
               f"{acc.shape} on axes labelled on both sides, the values of the learning rates "
               "and lambdas as tick labels, and returns the figure"):
        returned = student.call("plot_grid", acc, lrs, lams)
        verify(isinstance(returned, Handle) and returned.is_a("Figure"),
               f"plot_grid returns the figure it drew, got {describe_value(returned)}",
               "plot_grid")
        figures = parse_figures(student.figures(also=returned))
        found = _heatmaps(figures, acc.shape)
        if verify(bool(found), f"no axes shows an image or mesh of shape {acc.shape}" + (
                f"; one of shape {acc.shape[::-1]} was found: draw acc itself, one row per "
                "learning rate, not its transpose" if _heatmaps(figures, acc.shape[::-1])
                else ""), "heatmap"):
            verify(any(ax.labelled for _, ax in found), "label both axes of the heatmap (the "
                   "learning rate and lambda)", "heatmap")
            verify(not all(ax.labels_swapped(LAMBDA_WORDS, LR_WORDS) for _, ax in found),
                   "the x axis (the columns) is labelled as the learning rate and the y axis "
                   "(the rows) as lambda: the rows of acc are the learning rates", "heatmap",
                   mistake="the heatmap's axis labels are swapped")
            verify(any(ax.ticks_show("y", lrs) and ax.ticks_show("x", lams) for _, ax in found),
                   "the tick labels must be the values: the learning rates along the rows (y "
                   "axis) and the lambdas along the columns (x axis), e.g. ax.set_xticks("
                   "range(len(lams)), [f'{lam:g}' for lam in lams])", "heatmap",
                   mistake="tick labels are not the hyper-parameter values")
            verify(not all(ax.cells_mislabelled(acc, lrs, lams) for _, ax in found),
                   "a tick label names another row's learning rate (or another column's "
                   "lambda) than the cells it stands at: label row i with lrs[i] and column "
                   "j with lams[j]", "heatmap", mistake="the tick labels are in another "
                   "order than the rows and columns of the heatmap")
            _shows_acc(acc, [ax for _, ax in found])
    with check(f"plot_grid(acc of shape {acc.shape}, ...): the heatmap's figure has a colorbar"):
        verify(any(fig.has_colorbar for fig, _ in found), "no colorbar next to the heatmap: add "
               "fig.colorbar(image, ax=ax)" if found else "no heatmap of the right shape was "
               "found (see the previous check)", "heatmap")


def _shows_acc(acc, axes) -> None:
    """The heatmap's cells are acc's values (or 100 acc, in percent), its rows and columns
    in any order the tick labels follow; not judged where no axes gives its values."""
    told = [ax.shows(v) for ax in axes for v in (acc, 100 * acc)]
    if True in told or False not in told:
        return
    rounded = next((k for k in range(4) for ax in axes for v in (acc, 100 * acc)
                    if ax.shows(np.round(v, k))), None)
    verify(False, "the heatmap's cells must be the accuracies of acc themselves (or 100 acc, "
           "in percent)" + ("" if rounded is None else f": yours are rounded to {rounded} "
                            f"decimal{'' if rounded == 1 else 's'}; round only the numbers "
                            "you write in the cells"),
           "heatmap", mistake="" if rounded is None else "the heatmap shows acc rounded")


LAM_ZERO = ("the batch-size sweep runs with lam = lams[0], the base setting, not with lam = 0 "
            "(no penalty)")
LAST_BATCH = ("the lambda sweep runs with batch_size = batch_sizes[0]; this is the last batch "
              "size (a loop variable left over from the batch-size sweep?)")
LAST_LAM = ("the batch-size sweep runs with lam = lams[0]; this is the last lambda (a loop "
            "variable left over from the lambda sweep?)")
SWEEPS = {"batch_size": ("values", "updates", "final_loss", "val_accuracy"),
          "lam": ("values", "weight_norm", "val_accuracy")}


def _drops_last(student) -> bool:
    """The student's own fit drops the last, smaller batch of each epoch (seven rows in
    batches of three), as the classic mistake does: the same costs and parameters."""
    sizes, n, batch, epochs, lr = [4, 5, 3], 7, 3, 2, 0.5
    X, Y, ws, bs = _problem(np.random.default_rng(3), sizes, n)
    net = _own_network(student, sizes, ws, bs, lr=lr, lam=0.0, epochs=epochs,
                       batch_size=batch)
    if net is None:
        return False
    got = (own_result(net, "fit", X, Y), own_attribute(net, "weights"),
           own_attribute(net, "biases"))
    dropped = mutants.minibatch_sgd(ws, bs, X, Y, lr, 0.0, epochs, batch,
                                    _course_network(sizes, 0).rng, "drop_last")
    return None not in got and all(_same(g, w) for g, w in zip(got, dropped, strict=True))


def _norm(weights) -> float:
    """sqrt(sum_l ||W^l||^2) of a list of the student's weights."""
    return float(np.sqrt(sum(float(np.sum(W * W)) for W in arrays(weights, "weights"))))


def _column(study, sweep, key, n: int) -> list:
    """study[sweep][key] as a list of n numbers, or a readable failure."""
    try:
        value = list(study[sweep][key])
        arr, problem = as_float_array(value)
    except (TypeError, KeyError, IndexError, ValueError, AttributeError):
        fail(f"study[{sweep!r}][{key!r}] should be a list of {n} numbers, got "
             f"{describe_value(study)}: it is missing")
    if problem or arr.shape != (n,):
        fail(f"study[{sweep!r}][{key!r}] should be a list of {n} numbers, got "
             f"{describe_value(value)}")
    return value  # NaN where the student's own run diverges too is judged by the comparisons


@question("q6", points=3)
def hyperparameter_study(student, rng):
    _numpy_only(student, "hyperparameter_study")
    n_train = int(rng.choice([147, 151, 157]))
    data = _small_digits(rng, n_train, 100)
    sizes, lr, epochs, seed = [64, 16, 10], 0.5, 4, builders.seed(rng)
    # batch sizes unsorted on purpose; lams[0] > 0, so a sweep run with lam = 0 shows
    batch_sizes, lams = [20, 8, n_train], [0.002, 0.01, 0.1, 1.0]
    study, count = None, {"batch_size": len(batch_sizes), "lam": len(lams)}
    column = _predicts_column(student)
    with check(f"hyperparameter_study(X_train {data[0].shape}, X_val {data[2].shape}, {sizes}, "
               f"lr={lr}, epochs={epochs}, batch_sizes={batch_sizes}, lams={lams}, seed): two "
               "dicts of lists with the documented keys, one entry per value, values as "
               "given"):
        verify_defaults(student, "hyperparameter_study", seed=0)
        study = student.call("hyperparameter_study", *data[:4], sizes, lr=lr, epochs=epochs,
                             batch_sizes=batch_sizes, lams=lams, seed=seed,
                             may_change=_may_shuffle(_fit_in_place(student),
                                                     "hyperparameter_study"))
        _rests_on_network(student, "the sweeps' results", *(
            _column(study, sweep, key, count[sweep])
            for sweep, keys in SWEEPS.items() for key in keys if key not in ("values", "updates")))
        expect(study["batch_size"]["values"], "study['batch_size']['values']").close_to(
            batch_sizes, 0, 0, mutants={"keep the values in the order given": sorted(batch_sizes)})
        expect(study["lam"]["values"], "study['lam']['values']").close_to(lams, 0, 0)
    with check(f"study['batch_size']['updates'] for {n_train} training rows, {epochs} epochs "
               "(an epoch takes ceil(n / batch_size) steps)"):
        updates = _column(study, "batch_size", "updates", 3)
        verify(all(isinstance(u, int | np.integer) for u in updates), "each entry is an int, "
               f"the number of sgd_step calls, got {updates}", "updates",
               mistake="updates counted as floats where the text asks for ints")
        expect(updates, "updates").equals(
            [epochs * math.ceil(n_train / b) for b in batch_sizes], accept={
                "epochs * (n // b), the steps your own fit makes: it drops the last, smaller "
                "batch, which Question 3 charges": lambda: [epochs * (n_train // b)
                                                            for b in batch_sizes]
                if _drops_last(student) else None}, mutants={
                "the last, smaller batch of each epoch is a step too: ceil(n / b), not n // b":
                    [epochs * (n_train // b) for b in batch_sizes],
                f"count the steps of all {epochs} epochs, not of one":
                    [math.ceil(n_train / b) for b in batch_sizes],
                "the number of steps is a whole number, epochs * ceil(n / b), not epochs * n / b":
                    [epochs * n_train / b for b in batch_sizes],
                "n // b + 1 counts a step too many when b divides n: ceil(n / b)":
                    [epochs * (n_train // b + 1) for b in batch_sizes],
                "updates counts the steps, epochs * ceil(n / b), not the epochs (the length of "
                "the history)": [epochs] * len(batch_sizes)})
    with check("the batch-size sweep's final_loss and val_accuracy equal those of your network "
               "retrained with each batch size (lam = lams[0])"):
        final, accs = (_column(study, "batch_size", k, 3) for k in ("final_loss", "val_accuracy"))

        @cache
        def sweep(lam):
            """The student's network retrained with each batch size and this lambda."""
            return [_own_run(student, sizes, seed, *data, lr=lr, lam=lam, epochs=epochs,
                             batch_size=b) for b in batch_sizes]
        runs = sweep(lams[0])
        _rests_on_network(student, "your own network's runs", [r[2] for r in runs],
                          [r[0] for r in runs])
        if _unrepeatable(student, sizes, seed, data, lr=lr, lam=lams[0], epochs=epochs,
                         batch_size=batch_sizes[0], unless=(final, [r[2] for r in runs])):
            verify(min(final) > 0 and all(0 <= a <= 1 for a in accs), "final_loss should hold "
                   "costs (positive) and val_accuracy fractions in [0, 1]", "the sweep")
        else:
            expect(final, "final_loss").close_to([r[2] for r in runs], mutants={
                "final_loss is the last cost fit returned, after the last epoch":
                    [r[3] for r in runs], LAM_ZERO: lambda: [r[2] for r in sweep(0.0)],
                LAST_LAM: lambda: [r[2] for r in sweep(lams[-1])],
                "every network is built with default_rng(seed), the seed given, not a fixed "
                "default_rng(0)": lambda: [_own_run(student, sizes, 0, *data, lr=lr,
                                                    lam=lams[0], epochs=epochs,
                                                    batch_size=b)[2] for b in batch_sizes],
                "each network starts from its own np.random.default_rng(seed); one generator "
                "for the sweep, shared by its runs, gives the later ones other initial weights":
                    lambda: [_own_run(student, sizes, shared, *data, lr=lr, lam=lams[0],
                                      epochs=epochs, batch_size=b)[2]
                             for shared in [student.generator(seed)] for b in batch_sizes]})
            expect(accs, "val_accuracy").close_to([r[0] for r in runs], accept={
                COLUMN: lambda: [_own_run(student, sizes, seed, *data, lr=lr, lam=lams[0],
                                          epochs=epochs, batch_size=b, column=True)[0]
                                 for b in batch_sizes] if column else None}, mutants={
                "val_accuracy is measured on the validation set, not the training set":
                    [r[1] for r in runs], LAM_ZERO: lambda: [r[0] for r in sweep(0.0)],
                LAST_LAM: lambda: [r[0] for r in sweep(lams[-1])]})
    with check("the lambda sweep's weight_norm and val_accuracy equal those of your network "
               "retrained with each lambda (batch_size = batch_sizes[0]), and the weight norm "
               "decreases as lambda grows"):
        norms, accs = (_column(study, "lam", k, 4) for k in ("weight_norm", "val_accuracy"))
        runs = [_own_run(student, sizes, seed, *data, lr=lr, lam=lam, epochs=epochs,
                         batch_size=batch_sizes[0], weights=True) for lam in lams]
        _rests_on_network(student, "your own network's runs", [_norm(r[4]) for r in runs],
                          [r[0] for r in runs])
        own_norms = False  # the norms are those of the student's own network
        if not _unrepeatable(student, sizes, seed, data, lr=lr, lam=lams[0], epochs=epochs,
                             batch_size=batch_sizes[0], unless=(accs, [r[0] for r in runs])):
            squares = [sum(float(np.sum(W * W)) for W in r[4]) for r in runs]
            last = cache(lambda: [_own_run(student, sizes, seed, *data, lr=lr, lam=lam,
                                           epochs=epochs, batch_size=batch_sizes[-1],
                                           weights=True) for lam in lams])
            own_norms = expect(norms, "weight_norm").close_to(np.sqrt(squares), mutants={
                "weight_norm is the square root of the sum of squares, sqrt(sum_l ||W^l||^2)":
                    squares,
                "weight_norm is one norm over all weights, not the sum of the per-layer norms":
                    [sum(float(np.linalg.norm(W)) for W in r[4]) for r in runs],
                "weight_norm is the norm of the weights only, without the biases":
                    None if any(r[5] is None for r in runs) else np.sqrt(
                        [q + sum(float(np.sum(b * b)) for b in r[5])
                         for q, r in zip(squares, runs, strict=True)]),
                LAST_BATCH: lambda: [_norm(r[4]) for r in last()],
                "weight_norm was measured before fit: the norm of the trained weights":
                    lambda: [_norm(_construct(student, sizes, seed).get("weights"))] * len(lams)})
            expect(accs, "val_accuracy").close_to([r[0] for r in runs], accept={
                COLUMN: lambda: [_own_run(student, sizes, seed, *data, lr=lr, lam=lam,
                                          epochs=epochs, batch_size=batch_sizes[0],
                                          column=True)[0] for lam in lams] if column else None},
                mutants={
                "val_accuracy is measured on the validation set, not the training set":
                    [r[1] for r in runs], LAST_BATCH: lambda: [r[0] for r in last()]})
        falls = bool(np.all(np.diff(np.asarray(norms, dtype=float)) < 0))
        if own_norms and not falls:
            note("your own network's final weight norm does not decrease as lambda grows; "
                 "its training is charged in Questions 2 and 3, so not here")
        else:
            verify(falls, f"the final weight norm should decrease as lambda grows ({lams}): "
                   "each step multiplies the weights by 1 - lr * lam; check the penalty's "
                   "gradient and the step of Question 3", "weight_norm")
    other, b, lam = _small_digits(rng, n_train, 100), batch_sizes[0], lams[0]
    with check(f"hyperparameter_study called again with batch_sizes=[{b}], lams=[{lam}] on "
               "other data of the same shapes: the batch-size sweep's final_loss of that data"):
        again = student.call("hyperparameter_study", *other[:4], sizes, lr=lr, epochs=epochs,
                             batch_sizes=[b], lams=[lam], seed=seed,
                             may_change=_may_shuffle(_fit_in_place(student),
                                                     "hyperparameter_study"))
        final = _column(again, "batch_size", "final_loss", 1)
        want = [_own_run(student, sizes, seed, *other, lr=lr, lam=lam, epochs=epochs,
                         batch_size=b)[2]]
        earlier = _own_run(student, sizes, seed, *data, lr=lr, lam=lam, epochs=epochs,
                           batch_size=b)[2]
        _rests_on_network(student, "your own network's runs", [*want, earlier])
        if _unrepeatable(student, sizes, seed, other, lr=lr, lam=lam, epochs=epochs,
                         batch_size=b, unless=(final, want)):
            verify(final[0] > 0, "final_loss should hold a cost (positive)", "the sweep")
        else:
            expect(final, "final_loss").close_to(want, mutants={
                "the results of the earlier call came back (kept across calls, whatever the "
                "data): each call trains on its own data": [earlier]})


manual("q7", points=3, prompt=(
    "Discuss the grid search and the study: which region of the (learning rate, lambda) "
    "heatmap works and why both extremes fail, what a larger batch changes per epoch, what "
    "the L2 penalty does to the weight norm and the validation accuracy, and one change to "
    "try next."))
