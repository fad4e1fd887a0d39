"""Hidden suite of Homework 1: activation functions and the forward pass.

Every expected value comes from ``reference`` on fresh inputs drawn from ``rng``; the
comparisons use the suite's ``TOLERANCE`` (its reason is stated there), except the exact
one-hot encoding.
"""

import numpy as np

from autograder.authoring import Budgets, Tolerance, check, expect, question
from autograder.authoring.mutants import naive_softmax
from reference import activations as act
from reference import losses

# Every hidden call takes milliseconds; generous limits still stop a runaway quickly.
BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60, call_seconds=3, question_seconds=20)
TOLERANCE = Tolerance(1e-9, 1e-12, (
    "a correct answer written another way (np.tanh-based sigmoid, expm1 vs exp - 1) differs "
    "from the reference by a few ulps in relative terms, or by ~1e-16 in absolute terms "
    "where it cancels; rtol=1e-9 and atol=1e-12 accept every correct formula and reject "
    "every wrong one by many orders of magnitude"))
SHAPES = [(1,), (6,), (4, 5), (1, 3)]
LARGE = np.array([-1e3, -700.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 700.0, 1e3])


def _inputs(rng, scale=3.0):
    """Random inputs of several shapes (one row, vectors, matrices), then large ones."""
    cases = [(f"z of shape {s}", rng.normal(scale=scale, size=s)) for s in SHAPES]
    return cases + [("large |z| up to 1e3", LARGE.copy())]


def _check_elementwise(student, rng, name, ref, mutants=None, **kwargs):
    for label, z in _inputs(rng):
        with check(f"{name}({label}{''.join(f', {k}={v}' for k, v in kwargs.items())})"):
            got = student.call(name, z, **kwargs)
            wrong = {m: f(z) for m, f in (mutants or {}).items()}
            expect(got).close_to(ref(z, **kwargs), mutants=wrong)


def _check_stable(student, name, ref, **kwargs):
    """The question text asks for a form that never overflows: on huge inputs, the
    call runs with floating-point overflow raising instead of warning."""
    z = LARGE.copy()
    with check(f"{name}(z) for |z| up to 1e3 computes without overflow"):
        got = student.call(name, z, strict_floats=True, **kwargs)
        expect(got).close_to(ref(z, **kwargs))


def _unstable_sigmoid(z):
    with np.errstate(all="ignore"):
        return np.exp(z) / (1.0 + np.exp(z))


@question("q1", points=2)
def sigmoid_and_derivative(student, rng):
    _check_elementwise(student, rng, "sigmoid", act.sigmoid, {
        "exp(z) / (1 + exp(z)) overflows to nan for large z; use a stable form":
            _unstable_sigmoid})
    _check_stable(student, "sigmoid", act.sigmoid)
    _check_elementwise(student, rng, "sigmoid_prime", act.sigmoid_prime, {
        "the derivative was computed from z as if it were a = sigmoid(z): z (1 - z)":
            lambda z: z * (1 - z),
        "returned sigmoid(z) instead of its derivative sigmoid(z) (1 - sigmoid(z))":
            act.sigmoid})


@question("q2", points=2)
def relu_family(student, rng):
    _check_elementwise(student, rng, "relu", act.relu)
    _check_elementwise(student, rng, "relu_prime", act.relu_prime, {
        "relu'(0) should be 0 by the course's convention": lambda z: (z >= 0).astype(float)})
    alpha = float(rng.uniform(0.05, 0.3))
    _check_elementwise(student, rng, "leaky_relu", act.leaky_relu, {
        "the slope alpha is applied on the positive side instead of the negative side":
            lambda z, alpha=alpha: np.where(z > 0, alpha * z, z)}, alpha=alpha)
    _check_elementwise(student, rng, "leaky_relu_prime", act.leaky_relu_prime, {
        "the slope alpha is applied on the positive side instead of the negative side":
            lambda z, alpha=alpha: np.where(z > 0, alpha, 1.0)}, alpha=alpha)


@question("q3", points=3)
def tanh_elu_selu(student, rng):
    _check_elementwise(student, rng, "tanh_prime", act.tanh_prime, {
        "the derivative was computed from z as if it were a = tanh(z): 1 - z**2":
            lambda z: 1 - z**2})
    alpha = float(rng.uniform(0.5, 2.0))
    _check_elementwise(student, rng, "elu", act.elu, alpha=alpha)
    _check_stable(student, "elu", act.elu, alpha=alpha)
    _check_elementwise(student, rng, "elu_prime", act.elu_prime, alpha=alpha)
    _check_elementwise(student, rng, "selu", act.selu, {
        "SELU's scale is 1.0507..., not 1.00507":
            lambda z: 1.00507 / act.SELU_SCALE * act.selu(z)})


def _column_softmax(Z):
    return act.softmax(Z, axis=0)


@question("q4", points=3)
def stable_softmax(student, rng):
    cases = [rng.normal(scale=2.0, size=s) for s in [(1, 4), (5, 3), (8, 10)]]
    cases += [rng.normal(scale=2.0, size=7), rng.choice([-1e3, 1e3], size=(4, 3))
              + rng.normal(size=(4, 3)), np.full((2, 5), 800.0)]
    for Z in cases:
        label = f"softmax(Z) for Z of shape {Z.shape}"
        if np.abs(Z).max() > 100:
            label += f" with logits up to {np.abs(Z).max():.0f}"
        with check(label):
            expect(student.call("softmax", Z)).close_to(act.softmax(Z), mutants={
                "softmax without subtracting the maximum overflows (nan) for large logits":
                    naive_softmax(Z),
                "normalised over columns (axis=0) instead of over each row (axis=-1)":
                    _column_softmax(Z),
                "normalised over the whole array instead of each row":
                    np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum()})


@question("q5", points=1)
def one_hot(student, rng):
    for n, k in [(1, 3), (7, 4), (20, 10)]:
        labels = rng.integers(0, k, size=n)
        with check(f"one_hot(labels of shape ({n},), n_classes={k})"):
            expect(student.call("one_hot", labels, k)).close_to(
                losses.one_hot(labels, k), 0, 0,
                mutants={"the result is transposed: expected shape (n, n_classes)":
                         losses.one_hot(labels, k).T})


def _network(rng, n, d, h, k):
    return (rng.normal(size=(n, d)), rng.normal(size=(d, h)) / np.sqrt(d), rng.normal(size=h),
            rng.normal(size=(h, k)) / np.sqrt(h), rng.normal(size=k))


@question("q6", points=4)
def forward_pass(student, rng):
    for n, d, h in [(1, 3, 2), (6, 4, 5)]:
        X, W, b, _, _ = _network(rng, n, d, h, 2)
        with check(f"dense_forward(X {X.shape}, W {W.shape}, b {b.shape})"):
            expect(student.call("dense_forward", X, W, b)).close_to(
                X @ W + b, mutants={"the bias b was not added": X @ W})
    for n, d, h, k in [(1, 4, 3, 2), (5, 3, 6, 4), (12, 8, 10, 3)]:
        X, W1, b1, W2, b2 = _network(rng, n, d, h, k)
        Z1 = X @ W1 + b1
        A1 = act.sigmoid(Z1)
        Z2 = A1 @ W2 + b2
        expected = (Z1, A1, Z2, act.softmax(Z2))
        with check(f"mlp_forward(X {X.shape}, W1 {W1.shape}, b1 {b1.shape}, "
                   f"W2 {W2.shape}, b2 {b2.shape})"):
            got = student.call("mlp_forward", X, W1, b1, W2, b2)
            expect(got).is_tuple(4, "(Z1, A1, Z2, P) of four arrays")
            if isinstance(got, tuple | list) and len(got) == 4:
                no_sigmoid = Z1 @ W2 + b2
                mutants = {
                    "Z1": {"the bias b1 was not added": X @ W1},
                    "A1": {"the hidden activation sigmoid was not applied: A1 = Z1": Z1},
                    "Z2": {"Z2 was computed from Z1 instead of A1 = sigmoid(Z1)": no_sigmoid,
                           "the bias b2 was not added": A1 @ W2},
                    "P": {"softmax over columns instead of rows": _column_softmax(Z2)}}
                for name, g, e in zip(("Z1", "A1", "Z2", "P"), got, expected, strict=True):
                    expect(g, name).close_to(e, mutants=mutants[name])


@question("q7", points=2)
def predictions_and_accuracy(student, rng):
    for n, k in [(1, 3), (9, 4), (30, 10)]:
        P = act.softmax(rng.normal(scale=3.0, size=(n, k)))
        with check(f"predict(P of shape {P.shape})"):
            expect(student.call("predict", P)).equals(
                np.argmax(P, axis=1),
                mutants={"argmax over columns (axis=0) instead of each row":
                         np.argmax(P, axis=0)})
    for n in (4, 10, 57):
        # a fraction strictly between 0 and 1, so a count or a percentage never passes
        y_true = rng.integers(0, 5, size=n)
        y_pred = (y_true + rng.integers(1, 5, size=n)) % 5
        right = rng.permutation(n)[: rng.integers(1, n)]
        y_pred[right] = y_true[right]
        acc = float(np.mean(y_true == y_pred))
        with check(f"accuracy(y_true, y_pred) for {n} samples"):
            expect(student.call("accuracy", y_true, y_pred)).close_to(acc, mutants={
                "returned the number of correct predictions, not the fraction":
                    float(np.sum(y_true == y_pred)),
                "returned a percentage, not a fraction in [0, 1]": 100 * acc})
