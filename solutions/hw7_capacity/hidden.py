"""Hidden suite of Homework 7: the perceptron, counting weights, universal approximation,
choosing the number of hidden units M, and scikit-learn's MLPRegressor.

Every expected value comes from ``reference`` on fresh inputs drawn from ``rng``:
``reference.perceptron`` (Rosenblatt's online rule, the margin and Novikoff's bound) on
``reference.data.make_separable`` and ``make_xor``; ``reference.capacity`` for counting
parameters, the tanh regressor (``tanh_regressor`` draws exactly what the notebook
prescribes), its full-batch Adam training and the choice of M; ``reference.activations``
for the Heaviside step (H(0) = 1, as the notebook states). The mutants (answers that
classic mistakes give) are computed here by small loops written for them.

Where a question builds on an earlier one it is graded with the student's own earlier
functions, so that one mistake costs points once: the table of training errors (q4) and
the table of validation errors (q5) are compared with the student's own ``train_network``
and ``predict_network`` called again with the seeds each entry states. The perceptron's
tie convention H(0) = 1 is checked in ``heaviside`` and in the run from w = 0, whose first
net input is exactly 0; a student whose own ``heaviside`` has another H(0) (charged there)
is judged by the run with that H(0). ``xor_mistakes``, the notebook's fixed run, must be
a mistake in every epoch and equal the run of the rule, or of the student's own
``train_perceptron`` (charged in its own checks); its values are never printed.

Tolerances:

* the perceptron's weights: sums of +-eta x_i, the same floating-point operations in any
  correct form (``(y - yhat) * eta * x`` and ``eta * t * x`` round alike); a different
  rounding of x . w + b could only flip a sample whose net input is within 1e-15 of 0,
  which random inputs never give. rtol=1e-9, atol=1e-12; mistakes are compared exactly.
* the bound (R / gamma)^2: a few ulps; rtol=1e-9.
* initial weights: ``normal(0, s)`` and ``s * standard_normal`` differ by an ulp;
  rtol=1e-9, atol=1e-12. Forward pass, cost and gradients: sums in another order, tanh'
  as 1 - tanh^2 or 1 / cosh^2: rtol=1e-9 for values, 1e-7 for gradients, atol=1e-12.
* ``train_network`` against the reference (25 Adam steps): the notebook's Adam and the
  reference's torch-style Adam order their operations differently, and tanh' may be
  1 - tanh^2 or 1 / cosh^2; over 300 random cases the weights differed by at most 3e-13
  relative. rtol=1e-6, atol=1e-9, while the nearest planted mistake (plain gradient
  descent, or a new Adam at every step) is off by more than 1e-2.
* the training-error table (q4) and the validation table (q5) are recomputed from the
  student's own deterministic functions in the same process: rtol=1e-9, atol=1e-12.
* the trend (q4): 300 Adam steps (lr 0.08) on 40 spread points of sin(w x + phi) + c x,
  w in [3, 4.5], c in [-0.5, 0.5]: over 2100 random functions and seeds the training
  error fell from M = 1 to M = 10 by a factor of at least 20 (median about 950), so the
  bar of 10 fails a correct network essentially never, while a network without the tanh
  (a straight line for every M) stays at a factor of about 1.
* the fresh-point fits (q4, q6): with M = 10 and the same budget, the mean squared error
  on 200 fresh points was at most 0.010 over the same 2100 functions (median 3e-4). In
  q6 (noise 0.1, M in 6..12, lambda in [1e-4, 1e-3], 40 points) the NumPy fit's error
  was at most 0.020 and MLPRegressor's (lbfgs, 1000 iterations) at most 0.012 over 600
  draws. The bar of 0.05 leaves a margin of 2.5 to 5, while the best straight line
  leaves an error of at least 0.17 on these functions (5000 draws), so a network that
  does not learn the curve fails.

Time: a vectorised ``train_network`` of 300 steps takes about 0.03 s. The suite has the
worker train about 25 small networks (most of them of 30 to 100 steps) and fit one
MLPRegressor; the notebook's own experiments train about 25. On a loaded two-core machine
a correct submission took 1.5 to 3.6 s to grade (warm fork server), the capstone's
(Homework 6) 1.6 to 3.4 s under the same conditions.
"""

import re

import numpy as np

from autograder.authoring import (
    Budgets,
    Handle,
    Limits,
    Tolerance,
    all_axes,
    as_float_array,
    check,
    describe_value,
    expect,
    fail,
    manual,
    maybe_numbers,
    note,
    numbers,
    own_global,
    own_result,
    probe,
    question,
    rests_on,
    timeout_hint,
    verify,
    verify_defaults,
    verify_whole_array,
)
from reference.activations import sigmoid, step
from reference.capacity import (
    best_hidden_units,
    count_parameters,
    largest_hidden_layer,
    mean_squared_error,
    sklearn_alpha,
    tanh_regressor,
    train_tanh_regressor,
)
from reference.data import make_separable, make_xor
from reference.optim import Adam
from reference.perceptron import margin, mistake_bound, perceptron_output, train_perceptron

# The notebook's experiments train about 25 small networks (about a second when
# vectorised); 20 s per cell lets a slow but working notebook finish.
BUDGETS = Budgets(cell_seconds=20, notebook_seconds=60, call_seconds=10, question_seconds=30)
LIMITS = Limits(cpu_seconds=120)
PRELOAD = ("sklearn.neural_network",)

TOLERANCE = Tolerance(
    1e-9, 1e-12, "the same floating-point operations in another correct form round alike to "
    "a few ulps (the perceptron's sums of +-eta x_i, the bound, initial weights, forward "
    "pass and cost, and the tables recomputed from the student's own functions)")
GRAD, TRAIN = (1e-7, 1e-12), (1e-6, 1e-9)  # gradients; 25 Adam steps (see above)

XOR_EPOCHS = 20             # the notebook's run on the four XOR points
XOR = (np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1, 0]))
LR, EPOCHS = 0.08, 300      # the notebook's training budget
OTHER_LR = 0.05             # an lr argument the notebook's LR would not follow
NOTEBOOK_LR = "trained with the notebook's LR, not the lr argument"
TREND_MS, TREND_FACTOR = [1, 3, 10], 10.0
FIT_M, N_FIT, N_FRESH, FRESH_MSE = 10, 40, 200, 0.05
TRAIN_SECONDS = 5.0
MAX_ITER = 1000             # the notebook's max_iter for MLPRegressor

TIE = ("H(0) = 1: the unit fires when its net input is exactly zero (z >= 0, not z > 0; "
       "np.heaviside(z, 0) gives 0 there)")
TIE_TRAINING = (f"{TIE[:-1]}; the +-1 test t (x . w + b) <= 0 also counts a sample of class 1 "
                "there as a mistake)")
ALWAYS = ("the weights change only on a mistake: w <- w + eta (y - yhat) x is zero for a "
          "correctly classified sample, but the update was applied to every sample")
NO_BIAS = "the bias is never updated: b <- b + eta (y - yhat), like a weight of input 1"
BATCH = ("one sample at a time: update w and b right after each misclassified sample, not "
         "once per epoch with the sum of the epoch's corrections")
NO_BIASES = ("every unit has a bias too: a layer of n_in inputs and n_out units has "
             "(n_in + 1) n_out parameters, not n_in n_out")
TRAIN_ERROR = ("the table holds validation errors: measure each network on (X_val, Y_val), "
               "not on the training split it was fitted to")
SAME_STARTS = ("each of the len(Ms) R networks needs its own random start, seed + i * R + r: "
               "the same R seeds were reused for every M")
ONE_START = ("every start of every M used the same seed: start r of Ms[i] trains with "
             "seed + i * R + r")
ALPHA_LAMBDA = ("scikit-learn divides its penalty by the number of samples, "
                "alpha / (2n) sum ||W||^2: alpha = n_samples * lam, not lam")


def _seed(rng) -> int:
    """A seed with room for the offsets seed + i R + r below 2**31."""
    return int(rng.integers(2**31 - 10**6))


# ---------------------------------------------------------------------------
# q1 the perceptron


def _perceptron_variant(X, y, w, b, eta, max_epochs, *, always=False, bias=True,
                        batch=False, stop=True, bias_eta=None, predict_bias=True, tie=1.0):
    """The rule with one classic mistake switched on: (w, b, mistakes); ``bias_eta`` is
    the bias's own step where it differs from eta; without ``predict_bias`` the prediction
    H(x . w) leaves out the bias it still updates; ``tie`` is H(0), and the update is
    eta (y - yhat) (half a step where H(0) = 0.5)."""
    def heaviside(z):
        return np.where(z > 0, 1.0, np.where(z == 0, tie, 0.0))
    w, b = np.array(w, dtype=float), float(b)
    t = 2.0 * y - 1.0
    mistakes = []
    for _ in range(max_epochs):
        wrong = heaviside(X @ w + b) != y if batch else None
        count = 0
        dw, db = np.zeros_like(w), 0.0
        for i, x in enumerate(X):
            yhat = heaviside(x @ w + (b if predict_bias else 0.0))
            miss = bool(wrong[i]) if batch else bool(yhat != y[i])
            count += miss
            if always:
                w, b = w + eta * t[i] * x, b + (eta * t[i] if bias else 0.0)
            elif miss and batch:
                dw, db = dw + eta * t[i] * x, db + eta * t[i]
            elif miss:
                b_eta, e = eta if bias_eta is None else bias_eta, y[i] - yhat
                w, b = w + eta * e * x, b + (b_eta * e if bias else 0.0)
        if batch:
            w, b = w + dw, b + db
        mistakes.append(count)
        if stop and count == 0:
            break
    return w, b, mistakes


def _perceptron_mutants(X, y, w0, b0, eta, max_epochs):
    run = train_perceptron(X, y, w0, b0, eta, max_epochs)
    padded = run[2] + [0] * (max_epochs - len(run[2]))
    return {
        "the bias's step has the learning rate too: b <- b + eta (y - yhat)":
            _perceptron_variant(X, y, w0, b0, eta, max_epochs, bias_eta=1.0),
        ALWAYS: _perceptron_variant(X, y, w0, b0, eta, max_epochs, always=True),
        NO_BIAS: _perceptron_variant(X, y, w0, b0, eta, max_epochs, bias=False),
        BATCH: _perceptron_variant(X, y, w0, b0, eta, max_epochs, batch=True),
        "the update goes the wrong way: w <- w + eta (y - yhat) x, with y - yhat":
            train_perceptron(X, y, w0, b0, -eta, max_epochs),
        "the step is scaled by the learning rate: w <- w + eta (y - yhat) x":
            train_perceptron(X, y, w0, b0, 1.0, max_epochs),
        "the samples are taken in the order of the rows, first to last":
            train_perceptron(X[::-1], y[::-1], w0, b0, eta, max_epochs),
        "stop after the first epoch without a mistake (its 0 is the last entry)":
            (run[0], run[1], padded),
        "the mistake counter was not reset at the start of each epoch: mistakes holds each "
        "epoch's own count, and training stops after the first epoch without one":
            (run[0], run[1], np.cumsum(padded).tolist()),
        "mistakes holds the running total; record each epoch's own count":
            (run[0], run[1], np.cumsum(run[2]).tolist()),
        "the prediction H(x . w + b) needs the bias: H(x . w) leaves it out":
            _perceptron_variant(X, y, w0, b0, eta, max_epochs, predict_bias=False),
        "the epoch without a mistake is recorded too: mistakes ends with its 0":
            (run[0], run[1], run[2][:-1]) if run[2] and run[2][-1] == 0 else None,
        TIE_TRAINING: _perceptron_variant(X, y, w0, b0, eta, max_epochs, tie=0.0),
        "H(0) = 1 while training too: (sign(z) + 1) / 2 gives 0.5 at a net input of 0, and "
        "a half step": _perceptron_variant(X, y, w0, b0, eta, max_epochs, tie=0.5)}


def _expect_perceptron(got, X, y, w0, b0, eta, max_epochs, tie=None,
                       float_bias=False) -> None:
    """(w, b, mistakes) against the rule; with ``tie``, the H(0) of the student's own
    heaviside (not 1: charged there), the run with that H(0) is accepted too; with
    ``float_bias``, b must be the float the text asks for."""
    want = train_perceptron(X, y, w0, b0, eta, max_epochs)
    if not expect(got).is_tuple(3, "(w, b, mistakes)"):
        return
    if float_bias:
        expect(got[1], "b").is_number("the final bias, e.g. float(b)")
    wrong = {k: v for k, v in _perceptron_mutants(X, y, w0, b0, eta, max_epochs).items()
             if v is not None}
    own = None if tie is None else _perceptron_variant(X, y, w0, b0, eta, max_epochs, tie=tie)
    for i, what in ((2, "mistakes"), (0, "w"), (1, "b")):
        accept = {OWN_TIE: None if own is None else own[i]}
        if i == 2:
            expect(got[i], what).equals(want[i], {k: v[i] for k, v in wrong.items()},
                                        accept=accept)
        else:
            expect(got[i], what).close_to(want[i], mutants={k: v[i] for k, v in wrong.items()},
                                          accept=accept)


OWN_TIE = "the run with the H(0) of your own heaviside (charged above)"


def _own_tie(student) -> float | None:
    """H(0) of the student's own heaviside where it is not 1, else None."""
    got = own_result(student, "heaviside", np.zeros(1), like=np.zeros(1))
    return None if got is None or got[0] == 1.0 else float(got[0])


def _bound_mutants(X, y, w, b):
    t = 2.0 * y - 1.0
    z = X @ w + b
    R = np.sqrt(np.max(np.sum(X * X, axis=1)) + 1.0)
    gamma = margin(X, y, w, b)
    return {
        "R is the largest norm of the inputs with the constant 1 appended, "
        "sqrt(||x||^2 + 1)": (np.sqrt(np.max(np.sum(X * X, axis=1))) / gamma) ** 2,
        "gamma divides by the norm of (w*, b*): the given separator need not have norm 1":
            (R / np.min(t * z)) ** 2,
        "gamma divides by the norm of the whole (w*, b*), not of w* alone":
            (R / (np.min(t * z) / np.linalg.norm(w))) ** 2,
        "the bound is the square (R / gamma)^2": R / gamma,
        "the bound is (R / gamma)^2, not (gamma / R)^2": (gamma / R) ** 2,
        "the margin takes t = 2y - 1 in {-1, +1}: with the labels y in {0, 1} every point of "
        "class 0 has margin 0": _with_labels_as_signs(R, y, z, w),
        "gamma is the smallest margin, min_i t_i z_i / ||(w, b)||, not their mean":
            (R / (gamma * np.mean(t * z) / np.min(t * z))) ** 2,
        "gamma is the smallest margin, min_i t_i z_i / ||(w, b)||, not the largest":
            (R / (gamma * np.max(t * z) / np.min(t * z))) ** 2,
        "the bound is (R / gamma)^2: R^2 / gamma leaves gamma unsquared": R**2 / gamma,
        "R = sqrt(max ||x||^2 + 1): the 1 goes under the root, not after it":
            ((np.sqrt(np.max(np.sum(X * X, axis=1))) + 1.0) / gamma) ** 2,
        "R is the largest norm of one input, max_i ||(x_i, 1)||, not the norm of the whole "
        "matrix": (np.sqrt(np.sum(X * X) + len(X)) / gamma) ** 2,
        "R is the largest norm of a row (x_i, 1), axis=1, not of a column (axis=0)":
            (np.sqrt(max(np.max(np.sum(X * X, axis=0)), len(X))) / gamma) ** 2,
        "the bound was rounded down to a whole number: return (R / gamma)^2 itself, a float":
            float(np.floor((R / gamma) ** 2)),
        "the bound was rounded up to a whole number: return (R / gamma)^2 itself, a float":
            float(np.ceil((R / gamma) ** 2))}


def _with_labels_as_signs(R, y, z, w) -> float:
    """(R / gamma)^2 with gamma = min_i y_i z_i / ||w|| on the 0/1 labels (mutant only)."""
    with np.errstate(divide="ignore"):
        return float((R / (np.min(y * z) / np.linalg.norm(w))) ** 2)


def _converges_within_bound(got, X, y, bound, max_epochs) -> str | None:
    """Why the run from zero is not a converged run within the bound, or None."""
    w, b, mistakes = got
    counts = numbers(mistakes, "mistakes")
    weights = numbers(w, "w", (X.shape[1],))
    bias = numbers(b, "b")
    if counts.ndim != 1 or len(counts) == 0 or np.any(counts != np.round(counts)):
        return f"mistakes should be a list of counts, got {describe_value(mistakes)}"
    if counts[-1] != 0 or np.any(counts[:-1] == 0):
        return (f"training should stop after the first epoch without a mistake, within "
                f"{max_epochs} epochs; got mistakes of length {len(counts)} ending in "
                f"{int(counts[-1])}")
    if counts.sum() > bound:
        return (f"{int(counts.sum())} mistakes in all, more than the bound "
                f"(R / gamma)^2 = {bound:.1f}")
    wrong = int(np.sum(perceptron_output(X, weights, float(bias.reshape(-1)[0])) != y))
    if wrong:
        return f"the final (w, b) still misclassifies {wrong} of the {len(y)} samples"
    return None


def _with_zeros(rng, shape) -> np.ndarray:
    """Normal draws of ``shape`` with two entries set to 0.0 and -0.0."""
    z = rng.normal(size=shape)
    z.flat[rng.choice(z.size, size=2, replace=False)] = [0.0, -0.0]
    return z


@question("q1", points=4)
def the_perceptron(student, rng):
    with check("heaviside(z) for z of shapes (7,) and (3, 4), each with two entries exactly 0 "
               "(0.0 and -0.0), and for integers (a net input of integer data)"):
        integers = np.array([[-3, 0, 2], [1, -1, 0]])
        for z in [_with_zeros(rng, (7,)), _with_zeros(rng, (3, 4)), integers]:
            got = student.call("heaviside", z)
            if expect(got, f"heaviside(z of shape {z.shape}, dtype {z.dtype})").close_to(
                    step(z), 0, 0, {TIE: (z > 0).astype(float),
                                    "np.heaviside(z, 0.5) gives 0.5 at 0; here H(0) = 1":
                                        np.heaviside(z, 0.5),
                                    "H(z) is 0 or 1, not the sign -1 or +1":
                                        np.where(z >= 0, 1.0, -1.0),
                                    "-0.0 == 0, so H(-0.0) = 1; np.signbit(-0.0) is True":
                                        1.0 - np.signbit(z)}):
                verify(np.asarray(got).dtype == np.float64, "the text asks for float64 "
                       f"arrays of 0.0 and 1.0, got dtype {np.asarray(got).dtype}", "heaviside",
                       mistake="booleans, integers or float32 where the text asks for float64")

    n, D, eta = int(rng.integers(15, 25)), 3, float(rng.uniform(0.2, 1.5))
    X, y, _, _ = make_separable(n, D, 0.1, rng)
    w0, b0 = rng.normal(size=D), float(rng.normal())
    with check(f"train_perceptron(X {X.shape}, y, w0, b0, eta={eta:.3g}, max_epochs=200) on "
               "separable data from a random start: mistakes per epoch, final w and b"):
        verify_defaults(student, "train_perceptron", eta=1.0, max_epochs=100)
        _expect_perceptron(student.call("train_perceptron", X, y, w0, b0, eta, 200),
                           X, y, w0, b0, eta, 200, float_bias=True)  # the rule costs one check

    X, y = make_xor(int(rng.integers(12, 18)), rng)
    w0, b0, eta = rng.normal(size=2), float(rng.normal()), float(rng.uniform(0.2, 1.5))
    epochs = int(rng.integers(8, 13))
    with check(f"train_perceptron(X {X.shape}, y, w0, b0, eta={eta:.3g}, max_epochs={epochs}) "
               "on XOR-like data from a random start: mistakes per epoch, final w and b"):
        _expect_perceptron(student.call("train_perceptron", X, y, w0, b0, eta, epochs),
                           X, y, w0, b0, eta, epochs)

    X, y, w_star, b_star = make_separable(int(rng.integers(20, 30)), 2, 0.15, rng)
    scale = float(rng.uniform(2.0, 5.0))  # the separator need not have norm 1
    w_star, b_star = scale * w_star, scale * b_star
    with check(f"mistake_bound(X {X.shape}, y, w_star, b_star) for a separator of norm "
               f"{scale:.3g}"):
        got = student.call("mistake_bound", X, y, w_star, b_star)
        expect(got, "mistake_bound").is_number("float((R / gamma)**2)")
        expect(got, "mistake_bound").close_to(
            mistake_bound(X, y, w_star, b_star), mutants=_bound_mutants(X, y, w_star, b_star))

    X, y, w_star, b_star = make_separable(int(rng.integers(25, 35)), 2, 0.15, rng)
    first = int(np.flatnonzero(y == 1)[0])  # a sample of class 1 first: H(0) = 1 is right
    order = np.r_[first, np.delete(np.arange(len(y)), first)]
    X, y = X[order], y[order]
    bound = mistake_bound(X, y, w_star, b_star)
    epochs, eta = int(bound) + 2, float(rng.uniform(0.2, 2.0))
    tie = _own_tie(student)
    with check(f"train_perceptron(X {X.shape}, y, zeros, 0, eta={eta:.3g}, "
               f"max_epochs={epochs}) on separable data from w = 0, b = 0 (a net input of "
               "exactly 0 first, for a sample of class 1, which H(0) = 1 classifies "
               "correctly): mistakes per epoch, final w and b; it stops "
               "after an epoch without a mistake, within Novikoff's bound, and separates the "
               "data"):
        got = student.call("train_perceptron", X, y, np.zeros(2), 0.0, eta, epochs)
        if expect(got).is_tuple(3, "(w, b, mistakes)"):
            problem = _converges_within_bound(got, X, y, bound, epochs)
            expect(got, "the run from zero").satisfies(lambda g: problem is None, problem or "")
            _expect_perceptron(got, X, y, np.zeros(2), 0.0, eta, epochs, tie)

    with check(f"xor_mistakes: the perceptron on the four XOR points never converges (a "
               f"mistake in each of the XOR_EPOCHS = {XOR_EPOCHS} epochs)"):
        got = student.get("xor_mistakes")
        counts, problem = as_float_array(got)
        if expect(got, "xor_mistakes").satisfies(
                lambda g: problem is None and counts.shape == (XOR_EPOCHS,)
                and bool(np.all(counts >= 1)) and bool(np.all(counts == np.round(counts))),
                f"xor_mistakes should be the list of the mistakes of each of the {XOR_EPOCHS} "
                "epochs of train_perceptron(X_xor, y_xor, np.zeros(2), 0.0, eta=1.0, "
                "max_epochs=XOR_EPOCHS), every one at least 1 since no line separates XOR; got "
                + describe_value(got)):
            xor = (XOR[0], XOR[1], np.zeros(2), 0.0, 1.0, XOR_EPOCHS)
            own = own_result(student, "train_perceptron", *xor)
            expect(got, "xor_mistakes").equals(train_perceptron(*xor)[2], secret=True, accept={
                OWN_TIE: None if tie is None else _perceptron_variant(*xor, tie=tie)[2],
                "the mistakes of your own train_perceptron (charged above)":
                    own[2] if isinstance(own, tuple | list) and len(own) == 3 else None})


manual("q2", points=2, prompt=(
    "Why the perceptron never converges on XOR: the four inequalities and their "
    "contradiction, what xor_mistakes shows and which hypothesis of the convergence "
    "theorem fails, and a two-unit hidden layer that computes XOR."))


# ---------------------------------------------------------------------------
# q3 counting weights


def _count_mutants(sizes):
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    return {NO_BIASES: sum(m * k for m, k in pairs),
            "the inputs have no biases: only the units of layers 1 to L have one":
                count_parameters(sizes) + sizes[0],
            "every unit has its own bias: n_out biases per layer, not one":
                sum(m * k for m, k in pairs) + len(pairs),
            "a layer's biases belong to its outputs: (n_in + 1) n_out, not n_in (n_out + 1)":
                sum(m * (k + 1) for m, k in pairs),
            "the output layer was not counted: every layer of weights counts, the last "
            "one too": sum((m + 1) * k for m, k in pairs[:-1]) if len(pairs) > 1 else None,
            "the K output units have biases too: every layer past the input has one bias "
            "per unit": count_parameters(sizes) - sizes[-1],
            "only the first hidden layer and the output were counted, (D + 1) M + (M + 1) K "
            "with M = sizes[1]: sum (n_(l-1) + 1) n_l over every layer":
                count_parameters([sizes[0], sizes[1], sizes[-1]]) if len(sizes) > 3 else None,
            "the count wrapped around in 32-bit integers (np.int32, NumPy's default int on "
            "Windows): count with Python ints": sum(_int32((m + 1) * k) for m, k in pairs)}


def _int32(count: int) -> int:
    """What a count becomes in 32-bit two's complement arithmetic."""
    return (count + 2**31) % 2**32 - 2**31


@question("q3", points=2)
def counting_weights(student, rng):
    one_hidden = [[int(rng.integers(2, 80)), int(rng.integers(2, 200)), int(rng.integers(1, 12))]
                  for _ in range(3)]
    with check("count_parameters([D, M, K]) = (D + 1) M + (M + 1) K for "
               + ", ".join(map(str, one_hidden))):
        for sizes in one_hidden:
            expect(student.call("count_parameters", list(sizes)),
                   f"count_parameters({sizes})").equals(count_parameters(sizes),
                                                        _count_mutants(sizes))

    deeper = [[int(s) for s in rng.integers(1, 300, size=n)] for n in (4, 6)]
    deeper.append([int(rng.integers(2, 50)), int(rng.integers(1, 10))])  # no hidden layer
    deeper.append([int(s) for s in rng.integers(50_000, 100_000, size=3)])  # beyond 2^31
    with check("count_parameters for several hidden layers, for none and for counts beyond "
               "2^31: "
               + ", ".join(map(str, deeper))):
        for sizes in deeper:
            expect(student.call("count_parameters", list(sizes)),
                   f"count_parameters({sizes})").equals(count_parameters(sizes),
                                                        _count_mutants(sizes))

    cases = []
    for _ in range(3):
        D, K = int(rng.integers(2, 100)), int(rng.integers(1, 12))
        cases.append((D, K, count_parameters([D, int(rng.integers(5, 120)), K])
                      + int(rng.integers(0, D + K + 1))))
    D, K = int(rng.integers(2, 100)), int(rng.integers(1, 12))
    cases.append((D, K, count_parameters([D, 1, K]) - 1))  # not even one unit fits
    D, K = int(rng.integers(2, 100)), int(rng.integers(2, 12))
    cases.append((D, K, int(rng.integers(0, K))))  # not even the output biases fit
    D, K = int(rng.integers(2, 100)), int(rng.integers(1, 12))
    cases.append((D, K, count_parameters([D, int(rng.integers(5, 120)), K])))  # exactly
    cases.append((3, 2, 100_000))  # a layer of thousands of units: no search with a cap
    D, K = int(rng.integers(2, 100)), int(rng.integers(1, 12))
    cases.append((D, K, count_parameters([D, 1, K])))  # exactly one unit
    with check("largest_hidden_layer(D, K, budget) for (D, K, budget) in "
               + ", ".join(map(str, cases)) + ": the answers in this order (a mistake is "
               "named only when it gives every one of them)"):
        got = [student.call("largest_hidden_layer", D, K, budget) for D, K, budget in cases]
        # a number of units sizes a layer: np.zeros((D, 40.0)) fails
        verify(isinstance(got[0], int | np.integer) and not isinstance(got[0], bool),
               f"a number of hidden units is a whole number: return an int, got "
               f"{describe_value(got[0])}", "largest_hidden_layer",
               mistake="a number of hidden units returned as a float")
        expect(got, "largest_hidden_layer").equals(
            [largest_hidden_layer(*case) for case in cases],
            {mistake: [rule(*case) for case in cases] for mistake, rule in HIDDEN_LAYER_MISTAKES})


HIDDEN_LAYER_MISTAKES = [  # (mistake, M it gives for (D, K, budget))
    (NO_BIASES, lambda D, K, budget: budget // (D + K)),
    ("the largest M that fits: round down, not up",
     lambda D, K, budget: max(0, -(-(budget - K) // (D + K + 1)))),
    ("the largest M that fits: round down with //, not to the nearest whole number",
     lambda D, K, budget: max(0, round((budget - K) / (D + K + 1)))),
    ("a network of exactly budget parameters fits: (D + 1) M + (M + 1) K <= budget, not <",
     lambda D, K, budget: largest_hidden_layer(D, K, budget - 1)),
    ("the K output biases count too: M = (budget - K) // (D + K + 1)",
     lambda D, K, budget: budget // (D + K + 1)),
    ("M is at least 0: a budget below the K output biases gives 0, "
     "max(0, (budget - K) // (D + K + 1))", lambda D, K, budget: (budget - K) // (D + K + 1)),
    ("M is a whole number of units: round down with //, not /",
     lambda D, K, budget: max(0.0, (budget - K) / (D + K + 1)))]


# ---------------------------------------------------------------------------
# q4 one hidden layer of tanh units


def _params(net) -> list[np.ndarray]:
    """[W1, b1, W2, b2] of a reference network, the notebook's order."""
    return [net.weights[0], net.biases[0], net.weights[1], net.biases[1]]


def _with(params) -> object:
    """A reference network holding the given [W1, b1, W2, b2]."""
    net = tanh_regressor(params[0].shape[1], np.random.default_rng(0))
    net.weights = [params[0].copy(), params[2].copy()]
    net.biases = [params[1].copy(), params[3].copy()]
    return net


def _random_params(rng, M) -> list[np.ndarray]:
    return [rng.normal(0, 2, size=(1, M)), rng.normal(size=M),
            rng.normal(0, 1 / np.sqrt(M), size=(M, 1)), rng.normal(size=1)]


def _draws(M, seed, *, w1=2.0, w2=None, b1_zero=False, order="W1 b1 W2", b2_drawn=False,
           b1=1.0):
    """[W1, b1, W2, b2] drawn in ``order`` with the given scales, b2 drawn last from N(0, 1)
    with ``b2_drawn`` (mutants only)."""
    g, drawn = np.random.default_rng(seed), {}
    for name in order.split():
        if name == "W1":
            drawn[name] = g.normal(0.0, w1, size=(1, M))
        elif name == "b1":
            drawn[name] = np.zeros(M) if b1_zero else g.normal(0.0, b1, size=M)
        else:
            drawn[name] = g.normal(0.0, 1 / np.sqrt(M) if w2 is None else w2, size=(M, 1))
    return [drawn["W1"], drawn["b1"], drawn["W2"], g.normal(0.0, 1.0, size=1) if b2_drawn
            else np.zeros(1)]


def _init_mutants(M, seed):
    order = ("draw in the order W1, b1, W2: the generator's numbers then land where the text "
             "says")
    return {
        "b1 is drawn too: b1 = rng.normal(0.0, 1.0, size=M), between W1 and W2":
            _draws(M, seed, b1_zero=True),
        "W1 has standard deviation 2: rng.normal(0.0, 2.0, ...), not 4": _draws(M, seed, w1=4.0),
        "W1 has standard deviation 2 (variance 4): rng.normal's scale is the standard "
        "deviation, not sqrt(2)": _draws(M, seed, w1=np.sqrt(2.0)),
        "b2 starts at zero: it is not drawn": _draws(M, seed, b2_drawn=True),
        "W2 has standard deviation 1 / sqrt(M), not 1": _draws(M, seed, w2=1.0),
        "W2 has standard deviation 1 / sqrt(M), not 1 / M": _draws(M, seed, w2=1.0 / M),
        "the scales are swapped: W1 has standard deviation 2 and b1 standard deviation 1":
            _draws(M, seed, w1=1.0, b1=2.0),
        order + " (W2 was drawn before b1)": _draws(M, seed, order="W1 W2 b1"),
        order + " (b1 was drawn before W1)": _draws(M, seed, order="b1 W1 W2")}


def _forward(params, X, hidden=np.tanh, output=lambda z: z, b2=True):
    W1, b1, W2, bias2 = params
    return output(hidden(X @ W1 + b1) @ W2 + (bias2 if b2 else 0.0))


def _cost_and_grads(params, X, Y, lam, *, mean=True, slope=None, l2=1.0, l2_bias=False,
                    sign=1.0):
    """(cost, grads) with one classic mistake switched on (the cost stays right)."""
    W1, b1, W2, b2 = params
    Z = X @ W1 + b1
    A = np.tanh(Z)
    delta2 = sign * (A @ W2 + b2 - Y) / (len(X) if mean else 1)
    delta1 = (delta2 @ W2.T) * (1 - A**2 if slope is None else slope(A, Z))
    grads = [X.T @ delta1 + l2 * lam * W1, delta1.sum(axis=0) + (lam * b1 if l2_bias else 0),
             A.T @ delta2 + l2 * lam * W2, delta2.sum(axis=0) + (lam * b2 if l2_bias else 0)]
    return grads


def _gradient_mutants(params, X, Y, lam):
    n = len(X)
    return {
        "dC/da = (a - y) / n: the cost is the mean over the n rows":
            _cost_and_grads(params, X, Y, lam, mean=False),
        "tanh'(z) = 1 - tanh(z)^2, not 1 - tanh(z)":
            _cost_and_grads(params, X, Y, lam, slope=lambda A, Z: 1 - A),
        "tanh'(z) = 1 - tanh(z)^2 = 1 - a^2: 1 - z^2 took z for a = tanh(z)":
            _cost_and_grads(params, X, Y, lam, slope=lambda A, Z: 1 - Z**2),
        "backpropagation multiplies by tanh'(z) = 1 - tanh(z)^2, not by tanh(z)":
            _cost_and_grads(params, X, Y, lam, slope=lambda A, Z: A),
        "tanh'(z) = 1 - a^2 is missing: the hidden layer was treated as linear going back":
            _cost_and_grads(params, X, Y, lam, slope=lambda A, Z: np.ones_like(A)),
        "the penalty's gradient lam W was not added to dC/dW":
            _cost_and_grads(params, X, Y, lam, l2=0.0),
        "the course's penalty lam / 2 ||W||^2 is not divided by n: its gradient is lam W":
            _cost_and_grads(params, X, Y, lam, l2=1.0 / n),
        "the penalty's gradient was lam W / 2: the 1/2 of lam / 2 ||W||^2 cancels against "
        "the square's 2, so its gradient is lam W": _cost_and_grads(params, X, Y, lam, l2=0.5),
        "the penalty's gradient was 2 lam W: the gradient of lam / 2 ||W||^2 is lam W":
            _cost_and_grads(params, X, Y, lam, l2=2.0),
        "the penalty applies to the weights only, not to the biases":
            _cost_and_grads(params, X, Y, lam, l2_bias=True),
        "the gradient has the wrong sign: dC/da = (a - y) / n, not (y - a) / n":
            _cost_and_grads(params, X, Y, lam, sign=-1.0)}


def _cost_mutants(params, X, Y, lam, cost):
    W1, b1, W2, b2 = params
    sq = float(np.sum((_forward(params, X) - Y) ** 2))
    pen = float(np.sum(W1**2) + np.sum(W2**2))
    n = len(X)
    return {"the quadratic cost has a 1/2: sum (a - y)^2 / (2n)": sq / n + lam / 2 * pen,
            "the cost is the mean over the n rows, not the sum": sq / 2 + lam / 2 * pen,
            "the penalty lam / 2 (||W1||^2 + ||W2||^2) is missing": sq / (2 * n),
            "the penalty is lam / 2 (||W1||^2 + ||W2||^2): the 1/2 is missing": sq / (2 * n)
            + lam * pen,
            "the penalty applies to the weights only, not to the biases":
                cost + lam / 2 * float(np.sum(b1**2) + np.sum(b2**2))}


def _train_variant(X, Y, M, lr, epochs, lam, seed, *, adam=True, fresh_adam=False,
                   decoupled=False):
    """The training loop with one classic mistake switched on: the final params. With
    ``decoupled``, AdamW's weight decay: Adam steps on the unpenalised gradient, then each
    weight matrix shrinks by lr lam W."""
    net = tanh_regressor(M, np.random.default_rng(seed))
    optimizer = Adam(lr)
    for _ in range(epochs):
        dWs, dbs = net.gradients(X, Y, l2=0.0 if decoupled else lam)
        if not adam:
            for p, g in zip(net.weights + net.biases, dWs + dbs, strict=True):
                p -= lr * g
            continue
        if fresh_adam:
            optimizer = Adam(lr)
        optimizer.step(net.weights + net.biases, dWs + dbs)
        for W in net.weights if decoupled else []:
            W -= lr * lam * W
    return _params(net)


def _target(rng):
    """sin(w x + phi) + c x with w in [3, 4.5]: a smooth function one unit cannot fit."""
    w, phi, c = rng.uniform(3.0, 4.5), rng.uniform(0, 2 * np.pi), rng.uniform(-0.5, 0.5)
    return lambda x: np.sin(w * x + phi) + c * x


def _spread_points(rng, n):
    """n points of [-1, 1], one in each of n equal strata, as a column."""
    return (-1.0 + (np.arange(n) + rng.uniform(size=n)) * 2.0 / n)[:, None]


def _predictions(student, params, X, shape):
    """predict_network's output as floats of ``shape`` (n, 1); a flat (n,) is taken as that
    column, since Question 4 charges the shape."""
    got = student.call("predict_network", params, X)
    flat = maybe_numbers(got, shape[:1])
    return flat[:, None] if flat is not None else numbers(got, "predict_network", shape)


def _off_the_rule(student, params, setting, X_eval) -> bool:
    """The student's trained ``params`` or its predict_network's output on the rule's
    params differ from the rule's (a Question 4 mistake, not this question's); rtol 1e-5:
    300 Adam steps written another way drift far less, a mistake far more."""
    want = _train_variant(*setting)
    got = [maybe_numbers(p, w.shape) for p, w in zip(params, want, strict=False)] \
        if isinstance(params, list | tuple) and len(params) == len(want) else [None]
    if any(g is None or not np.allclose(g, w, rtol=1e-5, atol=1e-8) for g, w in zip(
            got, want, strict=False)):
        return True
    shown = maybe_numbers(own_result(student, "predict_network", want, X_eval))
    return shown is None or not np.allclose(np.ravel(shown), np.ravel(_forward(want, X_eval)),
                                            rtol=1e-5, atol=1e-8)


def _own_error(student, X, Y, M, lr, epochs, lam, seed, X_eval, Y_eval, timeout=None):
    """The error on (X_eval, Y_eval) of the student's own network trained with these
    settings, and its params."""
    params = student.call("train_network", X, Y, M, lr, epochs, lam, seed, timeout=timeout)
    return mean_squared_error(_predictions(student, params, X_eval, Y_eval.shape), Y_eval), params


def _network_gradients(student, params, X, Y, lam, first=False) -> None:
    """network_gradients' cost and gradients against the reference and the classic
    mistakes (``first``: also the rule that the cost is a float)."""
    net = _with(params)
    cost = net.loss(X, Y, l2=lam)
    dWs, dbs = net.gradients(X, Y, l2=lam)
    got = student.call("network_gradients", params, X, Y, lam)
    if expect(got).is_tuple(2, "(cost, grads)"):
        expect(got[0], "cost").close_to(cost, mutants=_cost_mutants(params, X, Y, lam, cost))
        if first:  # the rule costs one check
            expect(got[0], "cost").is_number("float(np.sum(r**2) / (2 * n) + penalty)")
        expect(got[1], "grads").each_close_to([dWs[0], dbs[0], dWs[1], dbs[1]], *GRAD,
                                              _gradient_mutants(params, X, Y, lam))


def _batches(params, lam=None):
    """Batches of 8 and 400 rows for verify_whole_array (the text asks to vectorise over
    the rows): which values they hold does not matter, so they come from a generator of
    their own, and the random inputs of the checks stay as they were."""
    rows = np.random.default_rng(0).uniform(-1, 1, size=(400, 2))
    small, large = rows[:8], rows
    if lam is None:
        return (params, small[:, :1]), (params, large[:, :1])
    return ((params, small[:, :1], small[:, 1:], lam),
            (params, large[:, :1], large[:, 1:], lam))


@question("q4", points=4)
def universal_approximation(student, rng):
    with check("init_network(M, rng=default_rng(seed)) for M = 1 and M = 7"):
        for M in (1, 7):
            seed = _seed(rng)
            expect(student.call("init_network", M, student.rng(seed)),
                   f"init_network({M}, rng)").each_close_to(
                _params(tanh_regressor(M, np.random.default_rng(seed))),
                mutants=_init_mutants(M, seed))

    M, n = 6, 9
    params = _random_params(rng, M)
    X = rng.uniform(-1, 1, size=(n, 1))
    with check(f"predict_network(params with M = {M}, X {X.shape})"):
        expect(student.call("predict_network", params, X), "predict_network").close_to(
            _with(params).forward(X), mutants={
                "the hidden units apply tanh: a = tanh(X W1 + b1) W2 + b2":
                    _forward(params, X, hidden=lambda z: z),
                "the hidden units use tanh, not the sigmoid": _forward(params, X, hidden=sigmoid),
                "the output is linear: no tanh on a": _forward(params, X, output=np.tanh),
                "the output adds its bias b2": _forward(params, X, b2=False)})
        verify_whole_array(student, "predict_network", *_batches(params))

    for M, n, lam in [(5, 8, 0.03), (3, 11, 0.2)]:
        params = _random_params(rng, M)
        X, Y = rng.uniform(-1, 1, size=(n, 1)), rng.normal(size=(n, 1))
        with check(f"network_gradients(params with M = {M}, X {X.shape}, Y, lam={lam}): the "
                   "cost and [dW1, db1, dW2, db2]" + (", then for its first row alone (a batch "
                                                      "of one)" if M == 3 else "")):
            for rows in (slice(None), slice(0, 1)) if M == 3 else (slice(None),):
                _network_gradients(student, params, X[rows], Y[rows], lam, first=M == 5)
            if M == 5:
                verify_whole_array(student, "network_gradients", *_batches(params, lam),
                                   skip=("predict_network",))


    M, n, epochs, lam, lr = 4, 12, 25, 0.01, 0.03
    X, Y = rng.uniform(-1, 1, size=(n, 1)), rng.normal(size=(n, 1))
    seed = _seed(rng)
    want = _params(train_tanh_regressor(X, Y, M, lr, epochs, lam, seed))
    with check(f"train_network(X {X.shape}, Y, M={M}, lr={lr}, epochs={epochs}, lam={lam}, "
               "seed): the trained params"):
        expect(student.call("train_network", X, Y, M, lr, epochs, lam, seed),
               "train_network").each_close_to(want, *TRAIN, {
                   "train with the given Adam(lr): optimizer.step(params, grads), not plain "
                   "gradient descent": _train_variant(X, Y, M, lr, epochs, lam, seed, adam=False),
                   "create one Adam(lr) before the loop: a new one at every step forgets the "
                   "moment estimates": _train_variant(X, Y, M, lr, epochs, lam, seed,
                                                      fresh_adam=True),
                   "train with the penalty lam": _train_variant(X, Y, M, lr, epochs, 0.0, seed),
                   "the penalty was applied as decoupled weight decay after each step (AdamW): "
                   "Adam steps on the gradient of the penalised cost, network_gradients(params, "
                   "X, Y, lam)": _train_variant(X, Y, M, lr, epochs, lam, seed, decoupled=True),
                   f"take exactly epochs = {epochs} Adam steps, not one fewer":
                       _train_variant(X, Y, M, lr, epochs - 1, lam, seed),
                   f"the step size is the lr argument, not the notebook's LR = {LR}":
                       _train_variant(X, Y, M, LR, epochs, lam, seed),
                   "the network starts from default_rng(seed) with the seed given, not a fixed "
                   "seed 0": _params(train_tanh_regressor(X, Y, M, lr, epochs, lam, 0))})
    X, Y = -X, Y[::-1].copy()  # other data of the same shape, nothing new drawn
    with check("train_network called again with the same settings on other data of the same "
               "shape: the params trained on that data"):
        expect(student.call("train_network", X, Y, M, lr, epochs, lam, seed),
               "train_network").each_close_to(
            _params(train_tanh_regressor(X, Y, M, lr, epochs, lam, seed)), *TRAIN, {
                "the params of the earlier call came back (kept across calls, whatever the "
                "data): each call trains on its own X and Y": want})

    Ms, n, epochs, lam = [5, 2], 15, 30, 0.02  # not sorted: "in the order given"
    f = _target(rng)
    X = _spread_points(rng, n)
    Y = f(X)
    seed = _seed(rng)
    with check(f"training_errors(X {X.shape}, Y, Ms={Ms}, lr={OTHER_LR}, epochs={epochs}, "
               f"lam={lam}, seed) against your own train_network and predict_network"):
        got = student.call("training_errors", X, Y, Ms, OTHER_LR, epochs, lam, seed)
        own = [_own_error(student, X, Y, M, OTHER_LR, epochs, lam, seed, X, Y) for M in Ms]
        errors = np.array([e for e, _ in own])
        penalties = np.array([sum(float(np.sum(numbers(p[k], "params") ** 2)) for k in (0, 2))
                              for _, p in own])
        expect(got, "training_errors").close_to(errors, mutants={
            "report the mean squared error E, not its square root": np.sqrt(errors),
            "report the error E = mean (a - y)^2, not the cost C (with its 1/2 and penalty)":
                errors / 2 + lam / 2 * penalties,
            "the error E = mean (a - y)^2 has no 1/2 (the cost C has one)": errors / 2,
            "the error E is the mean (1/n) sum (a - y)^2; (1/2) sum (a - y)^2 is the "
            "sum-of-squares error": len(Y) / 2 * errors,
            "report the error E = mean (a - y)^2 alone: twice the cost C adds the penalty "
            "lam (|W1|^2 + |W2|^2)": errors + lam * penalties,
            "one error per M in the order of Ms as given, not sorted": errors[np.argsort(Ms)],
            NOTEBOOK_LR: lambda: np.array([_own_error(student, X, Y, M, LR, epochs, lam, seed,
                                                      X, Y)[0] for M in Ms]),
            "each M trained from a seed of its own (seed + k): every M starts from the same "
            "seed": lambda: np.array([_own_error(student, X, Y, M, OTHER_LR, epochs, lam,
                                                 seed + k, X, Y)[0]
                                      for k, M in enumerate(Ms)])})
    Y_other = _target(rng)(X)
    with check("training_errors called again with the same settings and other targets Y: the "
               "errors of those targets"):
        got = student.call("training_errors", X, Y_other, Ms, OTHER_LR, epochs, lam, seed)
        expect(got, "training_errors").close_to(np.array(
            [_own_error(student, X, Y_other, M, OTHER_LR, epochs, lam, seed, X, Y_other)[0]
             for M in Ms]), mutants={
                "the errors of the earlier call came back (kept across calls, whatever the "
                "data): each call trains on its own X and Y": errors})

    f = _target(rng)
    X, X_fresh = _spread_points(rng, N_FIT), rng.uniform(-1, 1, size=(N_FRESH, 1))
    Y = f(X)
    seed = _seed(rng)
    own_error = None  # the training error of the student's own network with M = FIT_M
    with check(f"train_network(X {X.shape}, Y, M={FIT_M}, lr={LR}, epochs={EPOCHS}, lam=0, "
               f"seed) on a smooth function, then predict_network on {N_FRESH} fresh points: "
               f"mean squared error at most {FRESH_MSE}"):
        with timeout_hint(f"train_network must finish {EPOCHS} steps within {TRAIN_SECONDS:g} s; "
                          "a vectorised step takes a fraction of a millisecond"):
            error, params = _own_error(student, X, Y, FIT_M, LR, EPOCHS, 0.0, seed, X_fresh,
                                       f(X_fresh), TRAIN_SECONDS)
        expect(error, "fresh-point error").satisfies(
            lambda e: e <= FRESH_MSE,
            f"the mean squared error on fresh points is {error:.3g}, above {FRESH_MSE}")
        own_error = mean_squared_error(_predictions(student, params, X, Y.shape), Y)

    with check(f"training_errors(X {X.shape}, Y, Ms={TREND_MS}, lr={LR}, epochs={EPOCHS}, "
               f"lam=0, seed) on the same function: the error falls by a factor of at least "
               f"{TREND_FACTOR:g} from M = {TREND_MS[0]} to M = {TREND_MS[-1]}"):
        with timeout_hint(f"training_errors trains three networks of {EPOCHS} steps, about "
                          "0.1 s when each step is a few matrix products"):
            got = student.call("training_errors", X, Y, TREND_MS, LR, EPOCHS, 0.0, seed)
        errors = numbers(got, "training_errors", (len(TREND_MS),))
        if own_error is not None:
            expect(errors[-1], f"training_errors(...)[-1] (M = {FIT_M})").close_to(own_error)
        expect(got, "training_errors").satisfies(
            lambda g: bool(np.all(np.isfinite(errors)) and np.all(errors >= 0)
                           and errors[-1] * TREND_FACTOR <= errors[0]),
            f"the training errors {np.array2string(errors, precision=3)} for M = {TREND_MS} "
            f"do not fall by a factor of {TREND_FACTOR:g}: the network does not learn the "
            "function (check the tanh, the gradients and the training loop)")


# ---------------------------------------------------------------------------
# q5 choosing M


def _choice_table(rng, Ms, R, avoid=None):
    """Random validation errors whose best row differs by the minimum, by the mean and by
    the maximum, so that each way of choosing gives another M (and the best row is not
    ``avoid``)."""
    while True:
        table = 10.0 ** rng.uniform(-3, -1, size=(len(Ms), R))
        by_min, by_mean = np.argmin(table.min(axis=1)), np.argmin(table.mean(axis=1))
        if (by_min != by_mean and np.argmax(table.min(axis=1)) not in (by_min, by_mean)
                and by_min != avoid):
            return table


def _tied_table(rng, Ms, R):
    """Two rows, i before j, share the smallest entry exactly (i's M wins): (table, i, j)."""
    table = 10.0 ** rng.uniform(-2, -1, size=(len(Ms), R))
    first, second = sorted(rng.choice(len(Ms), size=2, replace=False))
    table[first, rng.integers(R)] = table[second, rng.integers(R)] = 10.0 ** rng.uniform(-4, -3)
    return table, int(first), int(second)


def _choice_mutants(Ms, table):
    i, start = int(np.argmin(table.min(axis=1))), int(np.argmin(table.min(axis=0)))
    return {"choose the M whose best start (the minimum of its row) is smallest, not the "
            "smallest mean over the starts": Ms[int(np.argmin(table.mean(axis=1)))],
            "return the number of hidden units Ms[i], not the index i": i,
            "the minimum of each row (over the starts of one M, axis=1) picks the M; the "
            "minimum over axis 0 compares the Ms within one start":
                Ms[start] if start < len(Ms) else None,
            "choose the smallest validation error, not the largest":
                Ms[int(np.argmax(table.min(axis=1)))]}


def _consistent(got: list, wrong: list[dict]) -> list[dict]:
    """Each table's mistakes, keeping only those the student's answers follow on every
    table: one M among a few matches some mistake's M by chance."""
    answers = [maybe_numbers(g, ()) for g in got]
    kept = {name for name in wrong[0] if all(
        a is not None and w[name] is not None and float(a) == w[name]
        for a, w in zip(answers, wrong, strict=True))}
    return [{name: w[name] for name in kept} for w in wrong]


def _selection_runs(student, data, Ms, R, epochs, lam, seeds, lr):
    """The student's own (validation, training) errors for the start seeds given."""
    X_tr, Y_tr, X_va, Y_va = data
    val, train = np.empty((len(Ms), R)), np.empty((len(Ms), R))
    for i, M in enumerate(Ms):
        for r in range(R):
            val[i, r], params = _own_error(student, X_tr, Y_tr, M, lr, epochs, lam,
                                           seeds(i, r), X_va, Y_va)
            train[i, r] = mean_squared_error(_predictions(student, params, X_tr, Y_tr.shape),
                                             Y_tr)
    return val, train


def _table_mutants(student, data, Ms, R, epochs, lam, seed, train, lr):
    """The tables of classic mistakes (functions: each retrains the student's network)."""
    def runs(seeds, penalty=lam, steps=epochs, rate=lr):
        return lambda: _selection_runs(student, data, Ms, R, steps, penalty, seeds, rate)[0]

    def numbered(i, r):
        return seed + i * R + r

    def with_global(name, kind, given, setting):
        value = own_global(student, name, kind)
        return None if value is None or value == given or value <= 0 else runs(
            numbered, **{setting: value})()

    return {TRAIN_ERROR: train, SAME_STARTS: runs(lambda i, r: seed + r),
            ONE_START: runs(lambda i, r: seed),
            "entry (i, r) starts from seed + i * R + r; seed + r * len(Ms) + i numbers the "
            "starts the other way": runs(lambda i, r: seed + r * len(Ms) + i),
            "the rows are len(Ms) starts apart in seed + i * len(Ms) + r: each M has R starts, "
            "so entry (i, r) starts from seed + i * R + r": runs(
                lambda i, r: seed + i * len(Ms) + r),
            "train with the penalty lam given, not lam = 0": runs(numbered, 0.0),
            "row i belongs to Ms[i] in the order given: np.unique(Ms) or sorted(Ms) sorts the "
            "grid": lambda: _selection_runs(student, data, sorted(Ms), R, epochs, lam,
                                            numbered, lr)[0],
            "trained on the validation split and scored on the training split: train on "
            "(X_train, Y_train), score on (X_val, Y_val)": lambda: _selection_runs(
                student, (data[2], data[3], data[0], data[1]), Ms, R, epochs, lam, numbered,
                lr)[0],
            "trained for the notebook's EPOCHS, not the epochs argument":
                lambda: with_global("EPOCHS", int, epochs, "steps"),
            "trained with the notebook's LAM, not the lam argument":
                lambda: with_global("LAM", float, lam, "penalty"),
            NOTEBOOK_LR: lambda: with_global("LR", float, lr, "rate")}


def _points(ax, markers: bool) -> np.ndarray:
    """Every (x, y) point drawn by the lines of an axes (only those drawn as markers, with
    ``markers``), shape (k, 2); x as the tick labels name it (a categorical axis)."""
    pairs = [np.column_stack([ax.as_labelled("x", ln.x), ln.y]) for ln in ax.lines
             if ln.x.shape == ln.y.shape and (ln.has_markers or not markers)]
    return np.vstack(pairs) if pairs else np.empty((0, 2))


def _shows_line(ax, x, y, joined: bool = True) -> bool:
    """A line of ``ax`` goes through the points (x, y) (drawn as a line, with ``joined``;
    x as the tick labels name it)."""
    return any(ln.x.shape == x.shape and ln.y.shape == y.shape
               and np.allclose(ax.as_labelled("x", ln.x), x)
               and np.allclose(ln.y, y, rtol=TOLERANCE.rtol, atol=TOLERANCE.atol)
               and (ln.has_segments or not joined) for ln in ax.lines)


def _shows_values(ax, y) -> bool:
    """A line of ``ax`` draws the values ``y``, whatever its x."""
    return any(ln.y.shape == y.shape and np.allclose(ln.y, y, TOLERANCE.rtol, TOLERANCE.atol)
               for ln in ax.lines)


def _shows_points(ax, Ms, table, markers: bool = True) -> bool:
    pts = _points(ax, markers)
    return all(np.any(np.isclose(pts[:, 0], M)
                      & np.isclose(pts[:, 1], v, TOLERANCE.rtol, TOLERANCE.atol))
               for M, row in zip(Ms, table, strict=True) for v in row)


M_WORDS = re.compile(r"\bM\b|(?i:hidden|units?|neurons?|width)")
ERROR_WORDS = re.compile(r"\bE\b|(?i:error|loss|mse|cost)")


def _selection_plot_problem(axes, Ms, table) -> str | None:
    x = np.asarray(Ms, dtype=float)
    best = [ax for ax in axes if _shows_line(ax, x, table.min(axis=1))]
    if not best:
        if any(_shows_line(ax, x, table.min(axis=1), joined=False) for ax in axes):
            return ("the best error of each M should be a line joining the Ms (e.g. 's-'), "
                    "not markers alone")
        if any(_shows_line(ax, x, table.mean(axis=1)) for ax in axes):
            return ("the line should go through the best start of each M (the minimum of its "
                    "row), not the mean over the starts")
        return ("no line goes through the best validation error of each M (x = Ms, y = the "
                "minimum of each row of table)")
    if not any(_shows_points(ax, Ms, table) for ax in best):
        if any(_shows_points(ax, Ms, table, markers=False) for ax in best):
            return ("every start's error should be a marker, not a point of a line joining "
                    "the starts: ax.plot(np.repeat(Ms, R), table.ravel(), 'o')")
        tiled = table.ravel().reshape(-1, len(Ms)).T  # the errors np.tile(Ms, R) puts at each M
        if any(_shows_points(ax, Ms, tiled) for ax in best):
            return ("every start's error is drawn above another M: table.ravel() runs through "
                    "the starts of one M before the next, so the xs are np.repeat(Ms, R), not "
                    "np.tile(Ms, R)")
        return ("the spread over the starts is missing: draw every start's error as a marker, "
                "ax.plot(np.repeat(Ms, R), table.ravel(), 'o')")
    return None


@question("q5", points=3)
def choosing_m(student, rng):
    for Ms, R in [([8, 2, 4, 1], 3), ([3, 12, 6], 5)]:
        tables = [_choice_table(rng, Ms, R)]
        for _ in range(3):  # four tables: a mistake is named when all four show it
            tables.append(_choice_table(rng, Ms, R, avoid=np.argmin(tables[-1].min(axis=1))))
        one = R == 3  # once: the first table's first start alone, a table of shape (k, 1)
        with check(f"best_hidden_units(Ms={Ms}, table of shape {tables[0].shape}) for four "
                   "tables, each with its best start in another row than the one before, one "
                   "with a tie, and the same with the first of the two 1e-9 (relative) worse"
                   + ("; then one start alone (R = 1)" if one else "")):
            got = [student.call("best_hidden_units", Ms, table) for table in tables]
            wrong = _consistent(got, [_choice_mutants(Ms, table) for table in tables])
            for answer, table, mistakes in zip(got, tables, wrong, strict=True):
                expect(answer, "best_hidden_units").equals(best_hidden_units(Ms, table),
                                                           mistakes)
            table, i, j = _tied_table(rng, Ms, R)
            expect(student.call("best_hidden_units", Ms, table),
                   "best_hidden_units (two rows tied)").equals(best_hidden_units(Ms, table), {
                       "on a tie, the first such M in the order of Ms": Ms[j]})
            table[i] *= 1 + 1e-9  # nothing drawn: the tie undone by a hair
            expect(student.call("best_hidden_units", Ms, table),
                   "best_hidden_units (the first 1e-9 worse)").equals(
                       best_hidden_units(Ms, table), {
                       "a difference of 1e-9 is no tie (np.isclose calls it one): the smallest "
                       "entry wins, and only an exact tie goes to the first M": Ms[i]})
            if one:
                table = tables[0][:, :1]
                expect(student.call("best_hidden_units", Ms, table),
                       "best_hidden_units (R = 1)").equals(best_hidden_units(Ms, table))

    f = _target(rng)
    data = []
    for n in (20, 20):
        X = rng.uniform(-1, 1, size=(n, 1))
        data += [X, f(X) + 0.15 * rng.normal(size=(n, 1))]
    # an lr and a lam other than the notebook's LR and LAM, so that the arguments are seen
    # to be used
    Ms, R, epochs, lam, seed = [3, 1, 6], 2, 100, float(rng.uniform(2e-4, 1e-3)), _seed(rng)
    table = None
    with check(f"select_hidden_units(X_train {data[0].shape}, Y_train, X_val {data[2].shape}, "
               f"Y_val, Ms={Ms}, R={R}, lr={OTHER_LR}, epochs={epochs}, lam={lam:.3g}, seed): "
               "every entry of the table against your own network retrained with "
               "seed + i * R + r"):
        got = student.call("select_hidden_units", *data, Ms, R, OTHER_LR, epochs, lam, seed)
        if expect(got).is_tuple(2, "(table, best_M)"):
            val, train = _selection_runs(student, data, Ms, R, epochs, lam,
                                         lambda i, r: seed + i * R + r, OTHER_LR)
            arr, problem = as_float_array(got[0])
            right = problem is None and arr.shape == val.shape and np.allclose(
                arr, val, TOLERANCE.rtol, TOLERANCE.atol)
            expect(got[0], "table").close_to(val, mutants=None if right else {
                **_table_mutants(student, data, Ms, R, epochs, lam, seed, train, OTHER_LR),
                "table has one row per M and one column per start: shape (len(Ms), R)":
                    val.T})
            table = got

    with check(f"select_hidden_units(...) with Ms={Ms}: best_M is the M of the smallest "
               "entry of the table it returns"):
        if table is None:
            fail("no (table, best_M) to check: see the previous check")
        arr = numbers(table[0], "table", (len(Ms), R))
        rests_on("the table select_hidden_units returns", arr)
        # no mistake named: on one table of three Ms, any wrong M is some mistake's M
        if expect(table[1], "best_M").equals(best_hidden_units(Ms, arr)):
            # the rule, once, on a right answer (a wrong one is charged already)
            student.call("select_hidden_units", *data, Ms, R, OTHER_LR, epochs, lam, seed,
                         require={"best_hidden_units": "the text asks for best_M = "
                                  "best_hidden_units(Ms, table): call your function"})

    Ms, R = [1, 2, 4, 8, 16], 3
    table = 10.0 ** rng.uniform(-3, -1, size=(len(Ms), R))
    axes, fig = [], None
    with check(f"plot_selection(Ms={Ms}, table of shape {table.shape}): the best error of "
               "each M as a line and every start's error as a marker"):
        fig = student.call("plot_selection", Ms, table)
        axes = all_axes(student.figures(also=fig))
        problem = _selection_plot_problem(axes, Ms, table)
        expect(problem, "plot_selection").satisfies(lambda p: p is None, problem or "")
    with check(f"plot_selection(Ms={Ms}, ...): a logarithmic scale for the errors, both axes "
               "labelled, and the figure returned"):
        # the axes that show the table, at the Ms or (the previous check charges that) along
        # another x axis
        found = [ax for ax in axes if any(_shows_values(ax, y)
                                          for y in (table.min(axis=1), table.mean(axis=1)))]
        if not found:
            fail("no axes of plot_selection shows the table (see the previous check)")
        expect(found, "plot_selection").satisfies(
            lambda a: any(ax.yscale == "log" for ax in a),
            "the errors span orders of magnitude: use a logarithmic y axis, "
            "ax.set_yscale('log')")
        expect(found, "plot_selection").satisfies(
            lambda a: any(ax.labelled for ax in a),
            "label both axes (the number of hidden units M and the validation error)")
        labelled = [ax for ax in found if ax.labelled]
        verify(not labelled or not all(ax.labels_swapped(M_WORDS, ERROR_WORDS)
                                       for ax in labelled),
               "the x axis is labelled as the error and the y axis as M: M runs along x and "
               "the errors up the log y axis", "plot_selection",
               mistake="the axis labels are swapped")
        expect(fig, "plot_selection(...)").satisfies(
            lambda f: isinstance(f, Handle) and f.is_a("Figure"),
            f"return the figure (fig), got {describe_value(fig)}")


# ---------------------------------------------------------------------------
# q6 scikit-learn


def _regressor(student, M, lam, n, seed) -> Handle:
    model = student.call("sklearn_regressor", M, lam, n, seed)
    if not (isinstance(model, Handle) and model.is_a("MLPRegressor")):
        fail(f"sklearn_regressor(...) gave {describe_value(model)}, expected an MLPRegressor")
    return model


def _layers(model, attr, shapes):
    """A fitted MLPRegressor's per-layer arrays ``attr`` (coefs_ or intercepts_), one of
    each shape, for a network with one hidden layer."""
    value = model.get(attr)
    if not isinstance(value, list | tuple) or len(value) != len(shapes):
        fail(f"{attr}: expected the two layers' arrays of a network with one hidden layer, "
             f"got {describe_value(value)}")
    return [numbers(v, attr, shape) for v, shape in zip(value, shapes, strict=True)]


def _sizes_problem(sizes, M, params) -> str:
    """What is wrong with hidden_layer_sizes (read as ``sizes``), for the feedback."""
    if not isinstance(params.get("loss"), str):
        return ("MLPRegressor takes its settings by keyword: a positional first argument "
                "sets loss, and hidden_layer_sizes stays at its default; write "
                f"MLPRegressor(hidden_layer_sizes=({M},), ...)")
    if sizes == [M, 1]:
        return (f"the output unit is not a hidden layer: hidden_layer_sizes=({M},), not "
                f"({M}, 1)")
    whole = sizes is not None and len(sizes) <= 8 and all(v.is_integer() for v in sizes)
    shown = str(tuple(int(v) for v in sizes)) if whole else \
        describe_value(params.get("hidden_layer_sizes"))
    return f"one hidden layer of M units: hidden_layer_sizes=({M},), got {shown}"


def _hidden_sizes(value) -> list[float] | None:
    """hidden_layer_sizes as a list: M, (M,) and [M] are the same network."""
    arr, problem = as_float_array(value)
    return None if problem else [float(v) for v in np.atleast_1d(arr)]


@question("q6", points=3)
def against_scikit_learn(student, rng):
    M, n = int(rng.integers(4, 15)), int(rng.integers(30, 200))
    lam, seed = float(10 ** rng.uniform(-4, -2)), _seed(rng)
    with check(f"sklearn_regressor(M={M}, lam={lam:.3g}, n_samples={n}, seed).get_params(): "
               "one hidden layer of M tanh units and the course's penalty (alpha = 0 for "
               "lam = 0)"):
        params = _regressor(student, M, lam, n, seed).call("get_params")
        if not isinstance(params, dict):
            fail(f"get_params() gave {describe_value(params)}")
        sizes = _hidden_sizes(params.get("hidden_layer_sizes"))
        expect(params.get("hidden_layer_sizes"), "hidden_layer_sizes").satisfies(
            lambda v: sizes == [M], _sizes_problem(sizes, M, params))
        expect(params.get("activation"), "activation").equals("tanh", mutants={
            "activation was left at MLPRegressor's default relu; the course's network uses "
            "tanh": "relu",
            "'logistic' is the sigmoid; the course's network uses tanh": "logistic"})
        other = 2 * n + 1  # a second training-set size: is n_samples used?
        again = _regressor(student, M, lam, other, seed).call("get_params")
        unpenalised = _regressor(student, M, 0.0, n, seed).call("get_params")
        expect(params.get("alpha"), "alpha").close_to(
            sklearn_alpha(lam, n), TOLERANCE.rtol, 0.0, {
                ALPHA_LAMBDA: lam,
                "scikit-learn's alpha multiplies lambda by n_samples, not divides": lam / n,
                "alpha / (2n) = lam / 2 gives alpha = n lam, without another factor 2":
                    2 * lam * n}, probes=[probe(
                    again.get("alpha") if isinstance(again, dict) else None,
                    sklearn_alpha(lam, other), "n_samples")])
        expect(unpenalised.get("alpha") if isinstance(unpenalised, dict) else unpenalised,
               "alpha for lam=0").close_to(0.0, mutants={
                   "lam = 0 means no penalty: alpha = 0 (MLPRegressor accepts it), not "
                   "MLPRegressor's default 1e-4": 1e-4})

    M, lam, seed = int(rng.integers(4, 15)), float(10 ** rng.uniform(-4, -2)), _seed(rng)
    with check(f"sklearn_regressor(M={M}, lam={lam:.3g}, n_samples={n}, seed={seed})"
               f".get_params(): solver='lbfgs', max_iter={MAX_ITER}, random_state=seed"):
        params = _regressor(student, M, lam, n, seed).call("get_params")
        if not isinstance(params, dict):
            fail(f"get_params() gave {describe_value(params)}")
        expect(params.get("solver"), "solver").equals("lbfgs", mutants={
            "solver was left at MLPRegressor's default adam; the text asks for lbfgs": "adam"})
        expect(params.get("max_iter"), "max_iter").equals(MAX_ITER, mutants={
            "max_iter was left at MLPRegressor's default 200": 200})
        if params.get("random_state") is None:
            verify(False, "random_state is None, MLPRegressor's default: pass "
                   "random_state=seed", "random_state", mistake="random_state not set")
        else:
            expect(params.get("random_state"), "random_state").equals(seed)

    f = _target(rng)
    X = _spread_points(rng, N_FIT)
    Y = f(X) + 0.1 * rng.normal(size=X.shape)
    X_fresh = rng.uniform(-1, 1, size=(N_FRESH, 1))
    M, lam, seed = int(rng.integers(6, 13)), float(10 ** rng.uniform(-4, -3)), _seed(rng)
    setting = f"M={M}, lam={lam:.3g}, on X {X.shape} with noise 0.1"
    with check(f"sklearn_regressor({setting}) fitted, then predict on {N_FRESH} fresh points: "
               f"mean squared error at most {FRESH_MSE}"):
        model = _regressor(student, M, lam, N_FIT, seed)
        model.call("fit", X, Y.ravel())
        pred = numbers(model.call("predict", X_fresh), "predict", (N_FRESH,))
        error = mean_squared_error(pred[:, None], f(X_fresh))
        expect(error, "MLPRegressor's error").satisfies(
            lambda e: e <= FRESH_MSE,
            f"the MLPRegressor's mean squared error on fresh points is {error:.3g}, above "
            f"{FRESH_MSE}")
        # the predictions must be those of the network it reports: M tanh units, linear
        # output (a look-alike that fits something else cannot show such weights)
        W1, W2 = _layers(model, "coefs_", [(1, M), (M, 1)])
        b1, b2 = _layers(model, "intercepts_", [(M,), (1,)])
        net = (np.tanh(X_fresh @ W1 + b1) @ W2 + b2).ravel()  # the same float64 formula:
        expect(pred, "predict").satisfies(  # rounding apart, equal
            lambda p: np.allclose(p, net, rtol=1e-7, atol=1e-9),
            "the predictions are not those of the network in the fitted model's coefs_ and "
            "intercepts_: return scikit-learn's MLPRegressor itself, not a class of your own")
    trained = (X, Y, M, LR, EPOCHS, lam, seed)
    params = own_result(student, "train_network", *trained, timeout=TRAIN_SECONDS)
    pred = None if params is None else maybe_numbers(
        own_result(student, "predict_network", params, X_fresh))
    error = mean_squared_error(pred.reshape(-1, 1), f(X_fresh)) \
        if pred is not None and pred.size == N_FRESH else None
    above = "" if error is None else (f"your network's mean squared error on fresh points is "
                                      f"{error:.3g}, above {FRESH_MSE}")
    # Question 4 charges a network that fails here or differs from the rule: then this
    # check does not count, so that the mistake is not charged twice
    charged = error is None or (not error <= FRESH_MSE
                                and _off_the_rule(student, params, trained, X_fresh))
    with check(f"train_network({setting}, lr={LR}, epochs={EPOCHS}), then predict_network on "
               f"the same fresh points: mean squared error at most {FRESH_MSE}",
               weight=0.0 if charged else 1.0, supporting="this check trains your network "
               "of Question 4, which shows nothing of sklearn_regressor"):
        if charged:
            note((f"{above}: your" if above else "your") + " train_network or "
                 "predict_network fails here or differs from the rule, which Question 4 "
                 "charges, so this check does not count")
        else:  # a fit must come from trained parameters
            rests_on("your network's trained parameters", params)
        verify(charged or error <= FRESH_MSE, above, "the NumPy network's error")


manual("q7", points=2, prompt=(
    "Compare the two fits and the choice of M: the chosen M against the training error's "
    "choice, the spread over starts and what 30 starts buy, the two fits' errors, times and "
    "optimisers, why alpha = n lambda, and why the two networks differ."))
