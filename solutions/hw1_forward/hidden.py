"""Hidden suite of Homework 1: activation functions and the forward pass.

Expected values come from ``reference`` on fresh inputs from ``rng``. Every random input
holds entries of both signs, and the elementwise functions also meet their kinks (z = 0)
and |z| up to 1e3, so no constant answer (zeros, ones, the argument) and no one-sided
formula passes. The rules the text states are checked and named: a stable form (sigmoid,
elu, selu and softmax on |z| up to 1e3 with overflow raising) and float arrays (the ReLU
derivatives, one_hot). Question 6 also accepts what the student's own sigmoid and softmax
give, so a mistake there is not counted twice.
"""

import functools

import numpy as np

from autograder.authoring import (
    Budgets,
    Tolerance,
    builders,
    check,
    degenerate,
    error_hint,
    expect,
    mutants,
    own_result,
    question,
    shaped_like,
    verify,
    verify_defaults,
    verify_whole_array,
)
from reference import activations as act
from reference import losses

BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60, call_seconds=3, question_seconds=20)
TOLERANCE = Tolerance(1e-9, 1e-12, (
    "a correct answer written another way (np.tanh-based sigmoid, expm1 vs exp - 1) differs "
    "from the reference by a few ulps in relative terms, or by ~1e-16 in absolute terms "
    "where it cancels; every mistake below changes entries by 1e-3 or more"))
# an accuracy is k/n: the nearest wrong answer is 1/n >= 1/57 away, so an accuracy computed
# in single precision (relative error 6e-8) is still the right fraction
ACCURACY = (1e-6, 0.0)
LARGE = np.array([-1e3, -700.0, -50.0, -1e-3, -1e-10, 0.0, 1e-10, 1e-3, 50.0, 700.0, 1e3])
OVERFLOW = ["FloatingPointError"]  # what a stable form never raises, with overflow raising
STABLE = ("The question asks for a form that is stable for every z: exp must never see a "
          "large positive argument (np.where evaluates both of its branches).",
          "sigmoid overflows for large |z|: not a stable form")
EXP_OF_MIN = ("The question asks to avoid overflow for large positive z: exponentiate only "
              "non-positive values, np.exp(np.minimum(z, 0)).",
              "exp(z) overflows for large positive z: exponentiate np.minimum(z, 0)")

NUMBERS = ("The question asks for a function that also takes plain Python numbers: "
           "np.asarray(z, dtype=float) turns one into an array.", "fails on a plain Python "
           "number, which the question asks it to take", ["AttributeError", "TypeError",
                                                          "IndexError"])
UNCHANGED_COPY = ("z came back unchanged: for an array stored in Fortran order (a transpose) "
                  "z.ravel() and z.reshape(-1) are copies, so writes through them never reach "
                  "the result; index the array itself, or use np.where or np.maximum")
INT_RESULT = ("an int input gave a result truncated to an int (an array built like the input, "
              "np.ones_like(z) say): build float arrays, np.asarray(z, dtype=float)")


def _signed(rng, shape, scale=3.0):
    """Normal entries with at least one positive and one negative entry."""
    z = rng.normal(scale=scale, size=shape)
    i, j = rng.choice(z.size, 2, replace=False)
    z.flat[i], z.flat[j] = abs(z.flat[i]) + 0.1, -abs(z.flat[j]) - 0.1
    return z


def _sizes(*shapes):
    """Small and large inputs of these shapes for verify_whole_array: which values
    they hold does not matter, so they come from a generator of their own, and the random
    inputs of the checks stay as they were."""
    rng = np.random.default_rng(0)
    return [_signed(rng, s) for s in shapes]


# Elementwise functions meet 50 times the rows and 20 times the columns; the others 50 times
# the rows (samples) only, since the text allows a loop over the classes or the layers.
SMALL, LARGE_BATCH = _sizes((4, 3), (200, 60))
ROWS = _sizes((4, 5), (200, 5))
SMALL_NET = (ROWS[0][:, :3], *_sizes((3, 2), (2,), (2, 4), (4,)))
LARGE_NET = (ROWS[1][:, :3], *SMALL_NET[1:])
LABELS = [np.random.default_rng(0).integers(0, 3, size=n) for n in (8, 400)]


def _activation(student, rng, name, ref, wrong, *, numbers=True, stable=None, floats=False,
                accept=None, **kw):
    """The checks of one elementwise function: a row, a vector and a matrix of both signs
    (stored column by column, as a transpose is), the kink and large |z|; with
    ``numbers``, two Python floats of opposite signs; with ``stable`` = (rule, mistake),
    |z| up to 1e3 with overflow raising (as an array and, with ``numbers``, as Python
    numbers); with ``floats``, a float array. ``wrong`` maps a
    mistake to the function (of z and ``kw``) making it, ``accept`` another right answer
    to a function of z giving it (None if it cannot)."""
    def call(z, label, given=kw, **options):
        with np.errstate(all="ignore"):
            bad = {m: f(z, **given) for m, f in wrong.items()}
        want = ref(z, **given)
        if isinstance(z, int) and np.trunc(want) != want:
            bad[INT_RESULT] = np.trunc(want)
        if isinstance(z, np.ndarray) and np.isfortran(z):
            bad[UNCHANGED_COPY] = np.array(z)
        if given is not kw:
            bad[STALE_ALPHA] = ref(z, **kw)
        got = student.call(name, z, **options, **given)
        expect(got, label).close_to(want, mutants=bad, accept={
            what: functools.partial(f, z) for what, f in (accept or {}).items()} or None)
        return got

    args = "".join(f", {k}={v:.3g}" for k, v in kw.items())
    defaults = TEMPLATE_DEFAULTS.get(name, {})
    row, vector, matrix = (_signed(rng, s) for s in builders.varied_shapes(rng))
    for i, z in enumerate([row, vector, builders.fortran(matrix), LARGE]):
        layout = " in Fortran order, as a transpose is" if z.ndim > 1 and z.shape[0] > 1 else ""
        again = "alpha" in kw and not i  # the same z again, with another alpha
        with check(f"{name}(z at the kink 0, within 1e-10 of it, and with |z| up to 1e3{args})"
                   if z is LARGE else
                   f"{name}(z of shape {z.shape}{layout}{args})"
                   + (f", then the same z with alpha={2 * kw['alpha']:.3g}" if again else "")):
            if defaults and not i:
                verify_defaults(student, name, **defaults)
            call(z, "")
            if not i:
                verify_whole_array(student, name, (SMALL,), (LARGE_BATCH,), **kw)
            if again:
                call(z, "", {**kw, "alpha": 2 * kw["alpha"]})
    pair = (abs(rng.normal()) + 0.1, -abs(rng.normal()) - 0.1)
    # ints of both signs and the kink: an int input must not give an int result
    wholes = (int(rng.choice([-2, -1])), 0, int(rng.choice([1, 2])))
    if numbers:
        with check(f"{name} of the Python numbers {pair[0]:.3g}, {pair[1]:.3g} and the ints "
                   f"{', '.join(map(str, wholes))}{args}"), error_hint(*NUMBERS):
            for x in (*pair, *wholes):
                got = call(x, f"{name}({x:.3g})" if isinstance(x, float) else f"{name}({x})")
                verify(np.ndim(got) == 0, f"a plain number gave shape {np.shape(got)}: an "
                       "elementwise function keeps the shape of its input, () for a number",
                       f"{name}({x:.3g})", mistake="a plain number gave an array")
    if stable:
        with check(f"{name}(z{args}) for |z| up to 1e3 computes without overflow"), \
                error_hint(*stable, OVERFLOW):
            call(LARGE, "", strict_floats=True)
        if numbers:  # "stable for every z", also for a plain number
            with check(f"{name} of the Python numbers -1000.0 and 1000.0{args}"), \
                    error_hint(*stable, [*OVERFLOW, "OverflowError"]):
                for x in (-1e3, 1e3):
                    call(x, f"{name}({x:g})", strict_floats=True)
    if floats:  # whole numbers: np.maximum(z, 0) or z > 0 keep an int or bool dtype
        with check(f"{name}(z of shape (3, 4), an int array{args}) returns a float array"):
            _verify_floats(call(np.rint(_signed(rng, (3, 4))).astype(int), ""), name)


STALE_ALPHA = ("the result of the call before, on the same z with another alpha, came back: "
               "a result kept between calls must depend on alpha too (or keep none)")
TEMPLATE_DEFAULTS = {"leaky_relu": {"alpha": 0.01}, "leaky_relu_prime": {"alpha": 0.01},
                     "elu": {"alpha": 1.0}, "elu_prime": {"alpha": 1.0}}


def _verify_floats(got, name):
    """The stated rule: a float array."""
    kind = getattr(got, "dtype", type(got).__name__)
    verify(isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.floating),
           f"got dtype {kind}; the question asks for float arrays"
           + (": booleans break arithmetic such as -x" if kind == np.bool_ else ""), name,
           mistake="booleans or integers returned where the question asks for float arrays")


@question("q1", points=2)
def sigmoid_and_derivative(student, rng):
    _activation(student, rng, "sigmoid", act.sigmoid, {
        "exp(z) / (1 + exp(z)) overflows to nan for large z; use a stable form":
            lambda z: np.exp(z) / (1.0 + np.exp(z)),
        "the exponent's sign is flipped: 1 / (1 + exp(z)) is sigma(-z) = 1 - sigma(z)":
            lambda z: act.sigmoid(-z),
        "1 / (1 + exp(-|z|)) is sigma(|z|), right for z >= 0 only: for z < 0 use exp(z) / "
        "(1 + exp(z)), that is 1 - sigma(|z|)": lambda z: act.sigmoid(np.abs(z)),
        **{f"z was clipped to [-{c}, {c}]: sigmoid then stops at sigma({c}) for larger |z|; a "
           "stable form needs no clipping": lambda z, c=c: act.sigmoid(np.clip(z, -c, c))
           for c in (5, 10, 15, 20, 25)}}, stable=STABLE)
    _activation(student, rng, "sigmoid_prime", act.sigmoid_prime, {
        "the derivative was computed from z as if it were a = sigmoid(z): z (1 - z)":
            lambda z: z * (1 - z),
        "returned sigmoid(z) instead of its derivative sigmoid(z) (1 - sigmoid(z))":
            act.sigmoid,
        "1 - sigmoid(z)**2 is the form of tanh's derivative; sigma' = sigma (1 - sigma)":
            lambda z: 1 - act.sigmoid(z) ** 2,
        "sigma' = sigma (1 - sigma), not sigma (1 + sigma)":
            lambda z: act.sigmoid(z) * (1 + act.sigmoid(z)),
        "sigma' = sigma(z) (1 - sigma(z)) = sigma(z) sigma(-z); sigma(z)**2 mixes the two "
        "forms": lambda z: act.sigmoid(z) ** 2,
        "exp(-z) / (1 + exp(-z))**2 overflows to nan for large |z|; use sigma (1 - sigma)":
            lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2})


TOLERANT_KINK = ("the kink was compared with a tolerance (z > 1e-8): the slope is 1 for every "
                 "z > 0, however small; only z = 0 itself takes the course's convention")


@question("q2", points=2)
def relu_family(student, rng):
    _activation(student, rng, "relu", act.relu, {
        "np.max(z, 0) is the maximum along axis 0; the elementwise one is np.maximum(z, 0)":
            lambda z: np.max(z, axis=0)}, numbers=False, floats=True)
    _activation(student, rng, "relu_prime", act.relu_prime, {
        "relu'(0) should be 0 by the course's convention": lambda z: (z >= 0).astype(float),
        "relu'(0) should be 0 by the course's convention, not 0.5 (np.heaviside(z, 0.5) or "
        "(1 + sign(z)) / 2)": lambda z: np.heaviside(z, 0.5),
        "returned relu(z) instead of its derivative": act.relu,
        TOLERANT_KINK: lambda z: (z > 1e-8) * 1.0,
        "relu(z) / z is 0/0 = nan at z = 0; relu' is 1 for z > 0 and 0 otherwise":
            lambda z: act.relu(z) / z}, numbers=False, floats=True)
    alpha = float(rng.uniform(0.05, 0.3))
    side = "the slope alpha is applied on the positive side instead of the negative side"
    ignored = "the argument alpha was ignored: the default 0.01 was used"
    _activation(student, rng, "leaky_relu", act.leaky_relu, {
        side: lambda z, alpha: np.where(z > 0, alpha * z, z),
        ignored: lambda z, alpha: act.leaky_relu(z)}, numbers=False, floats=True, alpha=alpha)
    _activation(student, rng, "leaky_relu_prime", act.leaky_relu_prime, {
        side: lambda z, alpha: np.where(z > 0, alpha, 1.0),
        ignored: lambda z, alpha: act.leaky_relu_prime(z),
        "leaky_relu'(0) should be alpha by the course's convention":
            lambda z, alpha: np.where(z >= 0, 1.0, alpha),
        TOLERANT_KINK: lambda z, alpha: np.where(z > 1e-8, 1.0, alpha),
        "leaky_relu'(z) is alpha for z < 0, not 0 (that is relu's derivative)":
            lambda z, alpha: act.relu_prime(z),
        "for z < 0, leaky_relu(z) = alpha z, whose derivative is the constant alpha, not "
        "alpha z": lambda z, alpha: np.where(z > 0, 1.0, alpha * z)},
        numbers=False, floats=True, alpha=alpha)


OWN_SIGMOID_PRIME = ("4 sigma'(2z) by your own sigmoid_prime (Question 1), as tanh(z) = "
                     "2 sigma(2z) - 1 gives it")


@question("q3", points=3)
def tanh_elu_selu(student, rng):
    @functools.cache
    def own_varies() -> bool:
        """The student's own sigmoid_prime gives more than one number on varied z (a
        stub's does not, and leads to no accepted tanh')."""
        z = np.linspace(-3.0, 3.0, 7)
        return not degenerate(own_result(student, "sigmoid_prime", z, like=z))

    def own_tanh_prime(z):
        """tanh'(z) = 4 sigma'(2z) with the student's own sigmoid_prime, or None."""
        s = own_result(student, "sigmoid_prime", 2 * z, like=np.asarray(z, dtype=float))
        return None if s is None or not own_varies() else 4 * s

    _activation(student, rng, "tanh_prime", act.tanh_prime, {
        "the derivative was computed from z as if it were a = tanh(z): 1 - z**2":
            lambda z: 1 - z**2,
        "returned tanh(z) instead of its derivative 1 - tanh(z)**2": act.tanh,
        "the square is missing: tanh'(z) = 1 - tanh(z)**2, not 1 - tanh(z)":
            lambda z: 1 - act.tanh(z),
        "the square belongs to tanh(z): 1 - tanh(z)**2, not 1 - tanh(z**2)":
            lambda z: 1 - act.tanh(z**2),
        "the square belongs to tanh(z): 1 - tanh(z)**2, not (1 - tanh(z))**2":
            lambda z: (1 - act.tanh(z)) ** 2,
        "tanh(z) = 2 sigma(2z) - 1, so tanh'(z) = 4 sigma'(2z): the inner derivative's 2 of "
        "the chain rule is missing": lambda z: 2 * act.sigmoid_prime(2 * z),
        "tanh'(z) = sech(z)**2 = 1 / cosh(z)**2: the square is missing":
            lambda z: 1 / np.cosh(z)}, accept={OWN_SIGMOID_PRIME: own_tanh_prime})
    alpha = float(rng.uniform(0.5, 2.0))
    ignored = "the argument alpha was ignored: the default 1.0 was used"
    both = "alpha multiplies the branch z > 0 too: it scales only z <= 0"
    _activation(student, rng, "elu", act.elu, {
        ignored: lambda z, alpha: act.elu(z),
        "the -1 is missing: elu(z) = alpha (exp(z) - 1) for z <= 0":
            lambda z, alpha: np.where(z > 0, z, alpha * np.exp(np.minimum(z, 0))),
        "alpha (exp(z) - 1) was applied to every z, also z > 0":
            lambda z, alpha: alpha * np.expm1(z),
        both: lambda z, alpha: alpha * act.elu(z)}, stable=EXP_OF_MIN, alpha=alpha)
    _activation(student, rng, "elu_prime", act.elu_prime, {
        ignored: lambda z, alpha: act.elu_prime(z),
        "returned elu(z) = alpha (exp(z) - 1) for z <= 0 instead of its derivative "
        "alpha exp(z)": lambda z, alpha: np.where(z > 0, 1.0, act.elu(z, alpha)),
        "elu'(0) is alpha exp(0) = alpha (the text's branch z <= 0), not 1":
            lambda z, alpha: np.where(z >= 0, 1.0, alpha * np.exp(np.minimum(z, 0))),
        "alpha exp(z) is the derivative for z <= 0 only; for z > 0 it is 1":
            lambda z, alpha: alpha * np.exp(np.minimum(z, 0)),
        both: lambda z, alpha: alpha * act.elu_prime(z)},
        alpha=alpha)
    scale, alpha01 = act.SELU_SCALE, act.SELU_ALPHA
    _activation(student, rng, "selu", act.selu, {
        "SELU's scale is 1.0507..., not 1.00507": lambda z: 1.00507 / scale * act.selu(z),
        "the two constants are swapped: the scale is 1.0507... and alpha 1.6733...":
            lambda z: alpha01 * act.elu(z, scale),
        "the scale lambda = 1.0507... is missing": lambda z: act.elu(z, alpha01),
        "SELU's alpha is 1.6733..., not elu's default 1.0": lambda z: scale * act.elu(z),
        "the scale lambda multiplies both branches, z > 0 too":
            lambda z: np.where(z > 0, z, act.selu(z)),
        "alpha belongs to the negative branch only: lambda z for z > 0, lambda alpha (exp(z) "
        "- 1) below": lambda z: alpha01 * scale * act.elu(z),
        "the constants were rounded (1.0507, 1.6733): write them in full, lambda = "
        "1.0507009873554805 and alpha = 1.6732632423543772":
            lambda z: 1.0507 * act.elu(z, 1.6733)},
        stable=EXP_OF_MIN)


KEEPDIMS = ("The shapes do not fit: keep the axis of each row's max and sum "
            "(keepdims=True) so that they broadcast along the rows.",
            "max and sum without keepdims=True: they broadcast along the wrong axis (and fail "
            "unless the batch is square)", ["ValueError"])

ONE_SAMPLE = ("The question asks softmax to take a single sample of shape (K,) too: "
              "normalise along axis=-1, the last axis, which is the row's for a batch.",
              "fails on a single sample of shape (K,): normalise along axis=-1",
              ["AxisError"])


@question("q4", points=3)
def stable_softmax(student, rng):
    k = int(rng.integers(3, 6))
    # the square batch first: it is where a forgotten keepdims runs and is named
    cases = [2 * rng.normal(size=s) for s in [(k, k), (1, 4), (5, 3), (8, 10), (7,)]]
    cases += [rng.choice([-1e3, 1e3], size=(4, 3)) + rng.normal(size=(4, 3)),
              800 + rng.normal(size=(2, 5))]
    # a row all near -1e3 and one entry near +1e3: a shift by the whole array's max
    # underflows that row to 0/0
    cases[-2][0], cases[-2][1, 0] = -np.abs(cases[-2][0]), abs(cases[-2][1, 0])
    # whole-number scores: a copy of Z worked on in place keeps its int dtype
    cases[2] = np.rint(cases[2]).astype(int)
    for Z in cases:
        big = f" with logits up to {np.abs(Z).max():.0f}" if np.abs(Z).max() > 100 else ""
        big += ", an int array" if Z.dtype.kind == "i" else ""
        E = np.exp(Z - Z.max(axis=-1)) if Z.ndim == 2 and Z.shape[0] == Z.shape[1] else None
        rows = Z.ndim == 2 and len(Z) > 1  # where axis 0 and axis -1 differ
        E_row = np.exp(Z - Z.max(axis=-1, keepdims=True))
        with np.errstate(all="ignore"):  # 0/0 in a row far below another row's max, inf
            E_col, E_all = np.exp(Z - Z.max(axis=0)), np.exp(Z - Z.max())
            col_max = E_col / E_col.sum(axis=-1, keepdims=True)
            global_max = E_all / E_all.sum(axis=-1, keepdims=True)
            unshifted_sum = E_row / np.exp(Z).sum(axis=-1, keepdims=True)
            E_min = np.exp(Z - Z.min(axis=-1, keepdims=True))
            min_shift = E_min / E_min.sum(axis=-1, keepdims=True)
            E_mean = np.exp(Z - Z.mean(axis=-1, keepdims=True))
            mean_shift = E_mean / E_mean.sum(axis=-1, keepdims=True)
        with check(f"softmax(Z) for Z of shape {Z.shape}{big}", context={"K": Z.shape[-1]}), \
                error_hint(*KEEPDIMS), error_hint(*ONE_SAMPLE):
            expect(student.call("softmax", Z)).close_to(act.softmax(Z), mutants={
                mutants.FORWARD["naive_softmax"]: mutants.naive_softmax(Z),
                "normalised over columns (axis=0) instead of over each row (axis=-1)":
                    mutants.column_softmax(Z),
                "normalised over the whole array instead of each row":
                    np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(),
                "divided by the sum of the whole array: each row is divided by its own sum "
                "(axis=-1, keepdims=True)": E_row / E_row.sum() if rows else None,
                "subtracted the maximum of the whole array: a row far below it underflows to "
                "0/0 = nan; subtract each row's own maximum (axis=-1, keepdims=True)":
                    global_max if rows else None,
                KEEPDIMS[1]: None if E is None else E / E.sum(axis=-1),
                "the sum ran over the columns (axis=0); each row is normalised by its own "
                "sum, axis=-1": E_row / E_row.sum(axis=0) if rows else None,
                "the max was taken over the columns (axis=0): subtract each row's own max "
                "(axis=-1), since a shift by other rows' values changes the row's proportions":
                    col_max if rows else None,
                "the denominator sums the unshifted exp(z) (or takes its log), which overflows "
                "for large logits: shift numerator and denominator alike, exp(z - m) / sum "
                "exp(z - m)":
                    unshifted_sum,
                "exp(z - max) was not divided by its row's sum: each row must sum to 1":
                    E_row,
                "subtracted each row's minimum: exp(z - min) overflows when a row spans more "
                "than about 709; subtract the maximum, so every exponent is <= 0": min_shift,
                "subtracted each row's mean: exp(z - mean) overflows when an entry is more "
                "than about 709 above its row's mean; subtract the maximum, so every exponent "
                "is <= 0": mean_shift})
            if Z is cases[0]:
                verify_whole_array(student, "softmax", ROWS[:1], ROWS[1:])
    with check("softmax(Z) for logits of +-1e3 computes without overflow"), \
            error_hint("The question asks to subtract each row's maximum first, so that "
                       "nothing overflows.", mutants.FORWARD["naive_softmax"], OVERFLOW):
        expect(student.call("softmax", cases[-2], strict_floats=True)).close_to(
            act.softmax(cases[-2]))


@question("q5", points=1)
def one_hot(student, rng):
    previous, before = None, None  # the call before's n_classes and result, which a stale
    # result keeps. (7, 4) after (20, 10): the labels' own width (3) is neither 4 nor the 10
    # before; the last call has the shape of the one before it, with other labels
    for n, k, dtype in [(1, 3, False), (20, 10, False), (7, 4, False), (6, 4, True),
                        (6, 4, False)]:
        labels = builders.labels(rng, n, k - 1 if n > k else k, every_class=True)
        want = losses.one_hot(labels, k)
        absent = " (the last class absent)" if labels.max() < k - 1 else ""
        with check(f"one_hot(labels of shape ({n},), n_classes={k}){absent}"
                   + (", a float array" if dtype else "")):
            got = student.call("one_hot", labels, k)
            if n == 1:
                verify_whole_array(student, "one_hot", (LABELS[0], 3), (LABELS[1], 3))
            expect(got).equals(want, mutants={
                "the result is transposed: expected shape (n, n_classes)": want.T,
                "the number of classes was taken from the labels (labels.max() + 1) "
                "instead of the argument n_classes": want[:, :labels.max() + 1],
                "the labels are class indices from 0: no - 1 (label 0 went to the last "
                "column)": losses.one_hot((labels - 1) % k, k),
                "Y[:, labels] = 1 sets whole columns: give each row its own label, "
                "Y[np.arange(n), labels] = 1":
                    np.tile(np.isin(np.arange(k), labels), (n, 1)) * 1.0,
                f"the result has the {previous} columns of the call before: each call "
                "builds n_classes columns of its own (is np.eye kept between calls?)":
                    losses.one_hot(labels, previous) if previous not in (None, k)
                    and labels.max() < previous else None,
                "the ones of the call before are still there: each call builds a new array "
                "of zeros (is an array kept between calls?)":
                    np.maximum(want, before) if before is not None
                    and before.shape == want.shape else None})
            previous, before = k, want
            if dtype:
                _verify_floats(got, "one_hot")


def _own_forward(student, X, weights, biases):
    """(Z1, A1, Z2, P) with the student's own sigmoid and softmax (None where they fail),
    Z1 and Z2 as those functions leave them: mlp_forward returns the very arrays it passed
    to them, so one that works in place is charged in its own question only. P keeps the
    shape the student's softmax gives it (one that squeezes a batch of one is charged in
    Question 4)."""
    Z1 = X @ weights[0] + biases[0]
    got = own_result(student, "sigmoid", Z1, like=Z1, with_args=True)
    if got is None:
        return Z1, None, None, None
    A1, (Z1,) = got
    Z2 = A1 @ weights[1] + biases[1]
    got = own_result(student, "softmax", Z2, with_args=True)
    P, left = (None, None) if got is None else (
        shaped_like(got[0], Z2, broadcast=True), shaped_like(got[1], [Z2]))
    return (Z1, A1, Z2, None) if P is None or left is None else (Z1, A1, left[0], P)


USE_YOURS = dict.fromkeys(("sigmoid", "softmax"), "the question asks mlp_forward to use your "
                          "sigmoid and softmax (Questions 1 and 4), so that a mistake in them "
                          "is not charged twice")


def _parts(zs, acts):
    """(Z1, A1, Z2, P) of a network with one hidden layer."""
    return zs[0], acts[1], zs[1], acts[2]


@question("q6", points=4)
def forward_pass(student, rng):
    for n, d, h in [(4, 4, 4), (1, 3, 2), (6, 4, 5)]:  # square first: a transpose runs
        X, (W,), (b,) = rng.normal(size=(n, d)), *builders.network(rng, [d, h])
        with check(f"dense_forward(X {X.shape}, W {W.shape}, b {b.shape})"):
            expect(student.call("dense_forward", X, W, b)).close_to(X @ W + b, mutants={
                mutants.FORWARD["no_bias"]: X @ W,
                "W was transposed, X @ W.T (weights of shape (n_out, n_in)); ours are "
                "(n_in, n_out)": X @ W.T + b if d == h else None})
            if n == 4:
                verify_whole_array(student, "dense_forward", SMALL_NET[:3], LARGE_NET[:3])
    for n, d, h, k in [(1, 4, 3, 2), (5, 3, 6, 4), (12, 8, 10, 3)]:
        weights, biases = builders.network(rng, [d, h, k], weight_scale=2.0)
        X = rng.normal(size=(n, d))
        right = _parts(*mutants.forward_pass(weights, biases, X))
        # z_from_z before no_hidden_activation: both give the same Z2, and A1 (checked
        # first) already tells the latter
        wrong = {mutants.FORWARD[m]: _parts(*mutants.forward_pass(weights, biases, X, m))
                 for m in ("no_bias", "z_from_z", "no_hidden_activation", "output_as_hidden",
                           "output_after_hidden", "hidden_as_output", "column_softmax")}
        Z1, A1, Z2, P = right
        Z2_plain = A1 @ weights[1]
        wrong["the output bias b2 was not added: Z2 = A1 W2 + b2"] = (
            Z1, A1, Z2_plain, act.softmax(Z2_plain))
        wrong["the question asks for (Z1, A1, Z2, P) in this order"] = (A1, Z1, P, Z2)
        wrong |= {f"the hidden layer applies the sigmoid, as the question says, not {f}":
                  _parts(*mutants.forward_pass(weights, biases, X, activation=f))
                  for f in ("tanh", "relu")}
        slip = act.sigmoid_prime(Z1)  # A1 = sigmoid_prime(Z1)
        Z2_slip = slip @ weights[1] + biases[1]
        wrong["the hidden activation is sigmoid(Z1), not its derivative sigmoid_prime(Z1)"] = (
            Z1, slip, Z2_slip, act.softmax(Z2_slip))
        own = functools.cache(functools.partial(_own_forward, student, X, weights, biases))
        with check(f"mlp_forward(X {X.shape}, W1 {weights[0].shape}, b1 {biases[0].shape}, "
                   f"W2 {weights[1].shape}, b2 {biases[1].shape})"), error_hint(
                "This uses your sigmoid or softmax (Questions 1 and 4), which fails on these "
                "inputs too: see those questions first.", "relies on sigmoid or softmax "
                "(Questions 1 and 4), which fails here", when=lambda own=own: own()[3] is None):
            args = (X, weights[0], biases[0], weights[1], biases[1])
            got = student.call("mlp_forward", *args)
            if expect(got, "(Z1, A1, Z2, P)").each_close_to(right, mutants=wrong, accept={
                    "what your own sigmoid and softmax (Questions 1 and 4) give": own}) and n == 1:
                # the rules, once, on a right answer (a wrong one is charged already)
                student.call("mlp_forward", *args, require=USE_YOURS)
                verify_whole_array(student, "mlp_forward", SMALL_NET, LARGE_NET,
                                   skip=("sigmoid", "softmax", "dense_forward"))


def _tied_predict(student, P):
    """predict on P with two rows whose two largest probabilities are tied exactly: either
    tied class is right (the text states no tie rule), one index per row either way."""
    Z = np.log(P)
    for r in (0, 4):
        Z[r, np.argsort(Z[r])[-2]] = Z[r].max()
    P = act.softmax(Z)  # equal logits give bit-identical probabilities
    last = P.shape[1] - 1 - np.argmax(P[:, ::-1], axis=1)
    with check(f"predict(P of shape {P.shape}, two rows with a tie for the largest probability)"):
        expect(student.call("predict", P)).equals(np.argmax(P, axis=1), mutants={
            "np.nonzero(P == P.max(...)) gives every tied index; predict returns one per row":
                np.nonzero(P == P.max(axis=1, keepdims=True))[1]},
            accept={"the last of the tied classes": last})


@question("q7", points=2)
def predictions_and_accuracy(student, rng):
    for n, k in [(1, 3), (9, 4), (30, 10)]:
        P = act.softmax(rng.normal(scale=3.0, size=(n, k)))
        with check(f"predict(P of shape {P.shape})"):
            got = student.call("predict", P)
            if n == 1:
                verify_whole_array(student, "predict", ROWS[:1], ROWS[1:])
            if n == 1 and not verify(np.ndim(got) != 0, "a bare number came back for a batch "
                                     "of one row (np.argmax without an axis, or a squeeze): "
                                     "predict returns one index per row, shape (n,)", "predict",
                                     mistake="a batch of one row gave a bare number"):
                continue
            if expect(got).equals(np.argmax(P, axis=1), mutants={
                    "argmax over columns (axis=0) instead of each row": np.argmax(P, axis=0),
                    "keepdims=True gives shape (n, 1); predict returns one index per row, "
                    "shape (n,)": np.argmax(P, axis=1)[:, None],
                    "returned the largest probability instead of its class index":
                        P.max(axis=1),
                    "class indices start at 0: np.argmax gives them, without + 1":
                        np.argmax(P, axis=1) + 1,
                    "np.argmax without an axis gives one index into the flattened array: "
                    "take the argmax of each row, axis=1": np.argmax(P) if n > 1 else None,
                    "thresholding P[:, 1] at 0.5 decides between two classes only; with K "
                    "classes take the largest of each row, np.argmax(P, axis=1)":
                        (P[:, 1] > 0.5).astype(int)}):
                kind = np.asarray(got).dtype
                verify(kind.kind in "iu", "the question asks for integer class indices (as "
                       f"np.argmax gives them), got values of dtype {kind}", "predict",
                       mistake="class indices returned as floats")
        if n == 9:
            _tied_predict(student, P)
    for n in (4, 10, 57):
        # a fraction strictly between 0 and 1 and not 1/2: no count, percentage or error
        # rate passes
        y_true = rng.integers(0, 5, size=n)
        y_pred = (y_true + rng.integers(1, 5, size=n)) % 5
        right = rng.permutation(n)[: rng.choice([m for m in range(2, n) if 2 * m != n])]
        y_pred[right] = y_true[right]
        acc = float(np.mean(y_true == y_pred))
        with check(f"accuracy(y_true, y_pred) for {n} samples"):
            got = student.call("accuracy", y_true, y_pred)
            if n == 4:  # the rules cost one check
                expect(got, "accuracy").is_number("float(np.mean(y_true == y_pred))")
                verify_whole_array(student, "accuracy", LABELS[:1] * 2, LABELS[1:] * 2)
            expect(got).close_to(acc, *ACCURACY, {
                "returned the number of correct predictions, not the fraction":
                    float(np.sum(y_true == y_pred)),
                "returned a percentage, not a fraction in [0, 1]": 100 * acc,
                "returned the error rate, the fraction of wrong predictions": 1 - acc,
                "integer division //: the count of correct predictions // n is 0 unless all "
                "are right; divide with /": float(np.sum(y_true == y_pred) // n),
                "the fraction was rounded: return it in full (round only when printing)":
                    round(acc, 2)})
