"""Hidden suite of Homework 3: cross-entropy and the learning slowdown.

Every expected value comes from ``reference`` on fresh inputs drawn from ``rng``: other
targets, grids, batch shapes, starting points and learning rates than the notebook's
examples. Where a question builds on an earlier function (the table minimum on the cost
table, the slowdown ratio on the gradients, the training loop on the cost and the
gradients, the plot on the training loop, the numerical gradient on the softmax cost),
the answer the student's own earlier function leads to is accepted too, and the check
says so: a mistake costs points once, in the question where it is made.

Tolerances (the suite's ``TOLERANCE`` for closed forms, three others where stated):

* training curves (``CURVE``): up to 60 updates accumulate the closed forms' ulps, and
  the iteration is contracting, so equivalent implementations stay within ~1e-12.
* central differences (``FD``): two correct costs differ by a few ulps, which a
  difference quotient divides by 2h (h >= 1e-5): about 1e-10. A one-sided difference is
  off by O(h), and the analytic gradient differs from the central difference with
  h = 1e-2 by ~1e-6, both far outside.
* the relative error of arrays near 1e-9 (``TINY_SCALE``): a floor of 1e-8 under the
  scale is off by a factor of 5, a guard of up to 1e-12 added to it (which the text does
  not ask for, but which costs nothing at a gradient's usual scale) by less than 1e-3.
"""

import re
from functools import cache, partial

import numpy as np

from autograder.authoring import (
    Budgets,
    Tolerance,
    all_axes,
    check,
    expect,
    fail,
    manual,
    maybe_numbers,
    mutants,
    probe,
    question,
    rests_on,
    verify,
    verify_defaults,
    verify_whole_array,
)
from reference import activations as act
from reference import gradcheck, losses

BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60)
TOLERANCE = Tolerance(
    1e-9, 1e-12, "correct formulas written another way (a - y against the reference's "
    "(a - y) / (a (1 - a)) sigma'(z), sums in another order) differ by a few ulps; outputs "
    "stay away from 0 and 1 (|z| < 15, grids inside [0.01, 0.99]) so the reference's "
    "clipping never matters, and every mistake below is off by far more")
CURVE = (1e-7, 1e-10)  # rtol, atol of training curves (see the docstring)
FD = (1e-7, 1e-9)      # rtol, atol of central differences (see the docstring)
TINY_SCALE = (1e-3, 0.0)  # rtol, atol of a relative error near 1e-9 (see the docstring)
LN2, LN10 = np.log(2.0), np.log(10.0)

SWAPPED_LOG = "the second logarithm is of 1 - y instead of 1 - a: the term is (1 - y) ln(1 - a)"
NO_MINUS = "the minus sign is missing: the cost -(y ln a + (1 - y) ln(1 - a)) is never negative"
MINUS_FIRST = ("the minus sign covers only the first term: the cost is -[y ln a + "
               "(1 - y) ln(1 - a)], with brackets around both terms")
SUM_NOT_MEAN = "summed over the batch instead of averaged: divide by the number of samples n"
MEAN_ALL = ("averaged over every entry instead of summing over the outputs of a sample and "
            "averaging over the n samples")
LOG2 = "log base 2 instead of the natural logarithm ln (np.log)"
LOG10 = "log base 10 instead of the natural logarithm ln (np.log)"
SWAPPED = "the roles of a and y are swapped: the output a goes inside the logarithms"
SIGMA_KEPT = ("sigma'(z) kept in the cross-entropy gradient: it cancels against the "
              "denominator a (1 - a) of dC/da, leaving dC/dz = a - y")
SIGMA_NOT_PRIME = "sigma(z) used instead of its derivative sigma'(z)"
FLOAT = ("return a Python float, as the question asks (float(...) of the result; a 0-d "
         "NumPy array is not a float)")


_numbers = partial(maybe_numbers, finite=True)  # a value as finite floats, or None


def _xlny(x, y):
    """x ln y as a careless student computes it: 0 ln 0 gives nan."""
    with np.errstate(all="ignore"):
        return x * np.log(y)


def _bce_terms(a, y):
    """The per-entry cost -(y ln a + (1 - y) ln(1 - a)) and the mistakes in its formula."""
    right = -(_xlny(y, a) + _xlny(1 - y, 1 - a))
    return right, {
        SWAPPED_LOG: -(_xlny(y, a) + _xlny(1 - y, 1 - y)),
        NO_MINUS: -right,
        MINUS_FIRST: -_xlny(y, a) + _xlny(1 - y, 1 - a),
        LOG2: right / LN2,
        LOG10: right / LN10,
        SWAPPED: -(_xlny(a, y) + _xlny(1 - a, 1 - y)),
        "the term (1 - y) ln(1 - a) is missing: -y ln a alone is the categorical form, where "
        "the other outputs come in through the softmax; a sigmoid output needs both terms":
            -_xlny(y, a)}


def _item(value, i, n):
    """Item ``i`` of a student's tuple or list of ``n`` values, or None."""
    return value[i] if isinstance(value, tuple | list) and len(value) == n else None


# ---------------------------------------------------------------------------
# q1


CLIPPED = ("a was clipped into [{0:g}, 1 - {0:g}]: the question says 0 < a < 1 and asks for "
           "no clipping, which changes the cost of outputs close to 0 or 1")


@question("q1", points=2)
def binary_cross_entropy(student, rng):
    # the last shape holds outputs 1e-9 from 0 and from 1, where a clipped a shows
    for shape in [(8,), (4, 3), (1, 5), (6,)]:
        a = rng.uniform(0.02, 0.98, size=shape)
        if shape == (6,):
            a[:4] = [1e-9, 1 - 1e-9, 1e-6, 1 - 1e-6]
        y = rng.uniform(0.01, 0.99, size=shape)
        n = shape[0]
        wrong = _bce_terms(a, y)[1]
        expected = losses.binary_cross_entropy(a, y)
        with check(f"binary_cross_entropy(a, y) for a, y of shape {shape}", context={"n": n}):
            got = student.call("binary_cross_entropy", a, y)
            if expect(got).close_to(expected, mutants={
                    **{k: float(v.sum()) / n for k, v in wrong.items()},
                    SUM_NOT_MEAN: n * expected, MEAN_ALL: n * expected / a.size,
                    "averaged over the outputs and summed over the samples: the cost sums over "
                    "the k outputs of a sample and averages over the n samples":
                        n * expected / a.shape[1] if a.ndim == 2 and n > 1 else None,
                    **{CLIPPED.format(eps): losses.binary_cross_entropy(
                        np.clip(a, eps, 1 - eps), y) for eps in (1e-3, 1e-5, 1e-7, 1e-8)
                       if shape == (6,)}}):
                verify(isinstance(got, float), FLOAT, "type of the result",
                       mistake="returned an array where the text asks for a Python float",
                       of=got)


# ---------------------------------------------------------------------------
# q2


def _table(ys, grid):
    """T[i, j] = C(ys[i], grid[j]) of one sample (by the reference cost), and the tables of
    the classic mistakes."""
    T = np.array([[losses.binary_cross_entropy(a, y) for a in grid] for y in ys])
    wrong = _bce_terms(grid[None, :], ys[:, None])[1]
    return T, {"the table is transposed: one row per target y, one column per grid value a":
               T.T, **wrong}


# targets and grids of 3 and 4, then 150 and 200 values, for verify_whole_array (which
# values does not matter, so they come from a generator of their own)
LOOP_SIZES = [tuple(np.random.default_rng(0).uniform(0.05, 0.95, size=k) for k in sizes)
              for sizes in ((3, 4), (150, 200))]
TIE_GRID = np.array([0.125, 0.25, 0.375, 0.625, 0.75, 0.875])  # exact: 1 - a is on it


def _minimum(T, grid):
    """(a_best, c_best): per row of T, the grid value of its smallest entry and that entry."""
    j = np.argmin(T, axis=1)
    return grid[j], T[np.arange(len(T)), j]


def _off_nearest(rng, grid, k):
    """k targets, in k intervals of the grid, each between the interval's midpoint and
    the target y* whose costs at the two ends are equal: the grid value nearest y is not
    the one of smallest cost there (C is not symmetric about its minimum a = y)."""
    lo, hi = grid[:-1], grid[1:]
    # C(y, lo) = C(y, hi) is linear in y: y ln(hi / lo) = (1 - y) ln((1 - lo) / (1 - hi))
    tie = np.log((1 - lo) / (1 - hi)) / (np.log(hi / lo) + np.log((1 - lo) / (1 - hi)))
    mid = (lo + hi) / 2
    wide = np.flatnonzero(np.abs(tie - mid) > 1e-3)  # not the intervals near a = 1/2
    j = rng.choice(wide, size=k, replace=False)
    return mid[j] + rng.uniform(0.2, 0.8, size=k) * (tie[j] - mid[j])


@question("q2", points=3)
def cross_entropy_minimum(student, rng):
    cases = [(rng.uniform(0.05, 0.95, size=3), np.linspace(0.05, 0.95, 19)),
             (rng.uniform(0.01, 0.99, size=1), np.linspace(0.01, 0.99, 99))]
    for ys, grid in cases:
        T, wrong = _table(ys, grid)
        with check(f"cost_table(ys, grid) for ys of shape {ys.shape}, grid of shape "
                   f"{grid.shape}"):
            expect(student.call("cost_table", ys, grid)).close_to(T, mutants=wrong)
            if len(ys) == 3:  # the rule costs one check
                verify_whole_array(student, "cost_table", *LOOP_SIZES)

    fine = np.linspace(0.01, 0.99, 99)
    coarse = np.linspace(0.05, 0.95, 10)  # step 0.1: targets fall between grid values
    between = np.concatenate([rng.uniform(0.03, 0.97, size=4), _off_nearest(rng, coarse, 2)])
    cases = [(fine[rng.choice(fine.size, size=5, replace=False)], fine, "on the grid"),
             (between, coarse, "between grid values"),
             (rng.uniform(0.03, 0.97, size=4), rng.permutation(coarse),
              "and a grid in no particular order (the text does not sort it)"),
             (rng.permutation(np.append(rng.uniform(0.03, 0.97, size=3), 0.5)), TIE_GRID,
              "among them 0.5, on a grid symmetric about 0.5: two grid values tie, and "
              "either counts, as one value per target")]
    for ys, grid, where in cases:
        T = _table(ys, grid)[0]
        a_best, c_best = _minimum(T, grid)
        tied = {} if grid is not TIE_GRID else {  # the last of the smallest entries
            "the other of the two tied grid values": grid[len(grid) - 1 - np.argmin(
                T[:, ::-1], axis=1)]}

        @cache
        def own(ys=ys, grid=grid):
            """The minimum of the student's own cost table, if it is a table of numbers."""
            table = _numbers(student.call("cost_table", ys, grid), (len(ys), len(grid)))
            return (None, None) if table is None else _minimum(table, grid)

        with check(f"table_minimum(ys, grid) for ys of shape {ys.shape} {where}, grid of "
                   f"shape {grid.shape} (the minimum of your own cost_table also counts)"):
            got = student.call("table_minimum", ys, grid)
            if expect(got).is_tuple(2, "(a_best, c_best) of two arrays"):
                expect(got[0], "a_best").close_to(a_best, 0, 1e-12, mutants={
                    "took the grid value of the largest cost (argmax), not the smallest":
                        grid[np.argmax(T, axis=1)],
                    "returned the index of the smallest cost instead of the grid value a":
                        np.argmin(T, axis=1),
                    "every tied grid value came back (np.nonzero(T == T.min(...))): one value "
                    "per target, as np.argmin gives it": grid[np.nonzero(
                        T == T.min(axis=1, keepdims=True))[1]] if tied else None,
                    "took the argmin over the targets (axis=0): each row's minimum over the "
                    "grid is at np.argmin(T, axis=1)": grid[np.argmin(T, axis=0)],
                    "took the grid value nearest y: C is not symmetric about its minimum "
                    "a = y, so between two grid values the smaller cost can be at the farther "
                    "one; take the row's argmin": grid[np.argmin(np.abs(
                        grid[None, :] - ys[:, None]), axis=1)]
                    if where == "between grid values" else None},
                    accept={"the minimum of your own cost_table": lambda own=own: own()[0],
                            **tied})
                expect(got[1], "c_best").close_to(c_best, mutants={
                    "returned the largest cost of each row instead of the smallest":
                        T.max(axis=1),
                    "took the minimum of the whole table for every row: each target y has "
                    "its own row minimum, T.min(axis=1)": np.full(len(ys), T.min()),
                    "took the minimum over the targets (axis=0): each row's minimum over the "
                    "grid is T.min(axis=1)": T.min(axis=0),
                    "returned the binary entropy of a_best, H(a_best); the smallest cost of row "
                    "i is C(y_i, a_best), which is H(y_i) only when y_i is on the grid":
                        losses.binary_entropy(a_best),
                    "returned the binary entropy H(y_i), the smallest cost over every a in "
                    "(0, 1); over the grid the smallest cost is the table's own row minimum, "
                    "T[i].min(), which is H(y_i) only when y_i is on the grid":
                        losses.binary_entropy(ys),
                    "np.take(T, j) indexes the flattened table, so every target read its cost "
                    "from the first row: take row i's entry, T[np.arange(m), j] or "
                    "np.take_along_axis": T[0, np.argmin(T, axis=1)] if len(ys) > 1 else None},
                    accept={"the minimum of your own cost_table": lambda own=own: own()[1]})
                if where == "on the grid":  # the rule costs one check, after the values
                    for value, name in zip(got, ("a_best", "c_best"), strict=True):
                        expect(value, name).is_array(shape=(len(ys),))

    cases = [rng.uniform(0.01, 0.99, size=7),
             np.array([[0.0, 1.0, rng.uniform(0.05, 0.45)], [rng.uniform(0.55, 0.95), 1.0, 0.0]])]
    for y in cases:
        expected = losses.binary_entropy(y)
        label = " with entries exactly 0 and 1" if np.any(y == 0) else ""
        with check(f"binary_entropy(y) for y of shape {y.shape}{label}"):
            expect(student.call("binary_entropy", y)).close_to(expected, mutants={
                "0 ln 0 gave nan: use the convention 0 ln 0 = 0 (the limit of t ln t)":
                    -(_xlny(y, y) + _xlny(1 - y, 1 - y)),
                LOG2: expected / LN2,
                "the minus sign is missing: H(y) = -(y ln y + (1 - y) ln(1 - y)) is never "
                "negative": -expected,
                "only the term -y ln y: the entropy also has -(1 - y) ln(1 - y)":
                    -_xlny(y, np.where(y > 0, y, 1.0)),
                "0 ln 0 = 0 at y = 1 too, in the term (1 - y) ln(1 - y)":
                    -(_xlny(y, np.where(y > 0, y, 1.0)) + _xlny(1 - y, 1 - y)),
                **{f"y was clipped into [{eps:g}, 1 - {eps:g}]: H(0) = H(1) = 0 exactly, by "
                   "the convention 0 ln 0 = 0": losses.binary_entropy(np.clip(y, eps, 1 - eps))
                   for eps in (1e-3, 1e-6, 1e-8, 1e-10, 1e-12) if np.any(y == 0)}})


# ---------------------------------------------------------------------------
# q3


def _gradients(X, w, b, y, cost):
    """(dw, db) of the mean cost of one sigmoid neuron, from the reference cost gradients."""
    z = X @ w + b
    a = act.sigmoid(z)
    grad = losses.quadratic_grad if cost == "quadratic" else losses.binary_cross_entropy_grad
    delta = grad(a, y) * act.sigmoid_prime(z)  # dC/dz, already divided by n
    return X.T @ delta, float(np.sum(delta))


def _plain(X, w, b, y, slope):
    """(dw, db) with dC/dz = (a - y) slope(z) / n, in the plain formulas (mutants only)."""
    z = X @ w + b
    delta = (act.sigmoid(z) - y) * slope(z) / len(y)
    return X.T @ delta, float(np.sum(delta))


def _check_gradients(got, expected, n, d, wrong):
    """Compare (dw, db) with the reference, naming the classic mistakes."""
    if not expect(got).is_tuple(2, "(dw, db)"):
        return
    for i, name in enumerate(("dw", "db")):
        expect(got[i], name).close_to(expected[i], mutants={
            **{k: v[i] for k, v in wrong.items()},
            SUM_NOT_MEAN: n * expected[i],
            "divided by the number of features d = X.shape[1] instead of the number of "
            "samples n = X.shape[0]": n * expected[i] / d if d != n else None,
            "the sign is flipped: the error is a - y, not y - a": -expected[i]})


def _slowdown(z, y):
    """|dC/dw| quadratic over cross-entropy for one input x = 1 and pre-activation z."""
    one, w, target = np.ones((1, 1)), np.array([z]), np.array([y])
    quadratic = _gradients(one, w, 0.0, target, "quadratic")[0][0]
    return abs(quadratic) / abs(_gradients(one, w, 0.0, target, "cross_entropy")[0][0])


def _own_slowdown(student, zs, y):
    """The ratio of the student's own gradient functions at x = 1, or None."""
    ratios = []
    for z in zs:
        dw = [_numbers(_item(student.call(name, np.ones((1, 1)), np.array([z]), 0.0,
                                          np.array([y])), 0, 2), (1,))
              for name in ("quadratic_gradients", "cross_entropy_gradients")]
        if dw[0] is None or dw[1] is None or dw[1][0] == 0:
            return None
        ratios.append(abs(dw[0][0]) / abs(dw[1][0]))
    return np.array(ratios)


@question("q3", points=3)
def neuron_gradients(student, rng):
    for n, d in [(1, 3), (6, 2), (9, 4)]:
        X = rng.normal(size=(n, d))
        w = rng.normal(scale=1.5, size=d)
        b = float(rng.normal())
        y = rng.integers(0, 2, size=n).astype(float)
        y[:2] = [0.0, 1.0][:n]  # both targets, so both signs of a - y
        args = (X, w, b, y)
        label = f"(X {X.shape}, w {w.shape}, b, y {y.shape})"
        quad, ce = _gradients(*args, "quadratic"), _gradients(*args, "cross_entropy")
        no_bias = "z = X w + b: the bias b is missing from z"
        with check(f"quadratic_gradients{label}", context={"n": n}):
            _check_gradients(student.call("quadratic_gradients", *args), quad, n, d, {
                no_bias: _gradients(X, w, 0.0, y, "quadratic"),
                "sigma'(z) is missing: that is the cross-entropy gradient": ce,
                "the course's quadratic cost has the 1/2, (1/2n) sum (a - y)^2, so its "
                "gradient has no factor 2: (a - y) sigma'(z) / n":
                    (2 * quad[0], 2 * quad[1]),
                SIGMA_NOT_PRIME: _plain(*args, act.sigmoid),
                mutants.BACKPROP["a_for_z"]: _plain(
                    *args, lambda z: act.sigmoid_prime(act.sigmoid(z)))})
        with check(f"cross_entropy_gradients{label}", context={"n": n}):
            _check_gradients(student.call("cross_entropy_gradients", *args), ce, n, d,
                             {SIGMA_KEPT: quad, no_bias: _gradients(X, w, 0.0, y, "cross_entropy"),
                              "dC/da = (a - y) / (a (1 - a)) was used as dC/dz: the chain rule "
                              "multiplies it by sigma'(z) = a (1 - a), leaving a - y":
                                  _plain(*args, lambda z: 1 / act.sigmoid_prime(z))})
    with check("quadratic_gradients and cross_entropy_gradients return db as a float, the "
               f"gradient of the one bias b (X {X.shape})"):
        for name in ("quadratic_gradients", "cross_entropy_gradients"):
            got = student.call(name, *args)
            if expect(got).is_tuple(2, "(dw, db)"):
                expect(got[1], f"db from {name}").is_number(
                    "sum to a number, e.g. float(np.sum(delta))")

    # z = 0, where sigma' peaks at 1/4, is in the first case: a neuron built with input
    # x = z instead of x = 1 has both gradients 0 there
    for y, zs in [(0.0, np.sort(np.append(rng.uniform(-10, 10, size=10), 0.0))),
                  (1.0, np.linspace(rng.uniform(-12, -8), rng.uniform(1, 4), 7))]:
        ratio = np.array([_slowdown(z, y) for z in zs])
        with check(f"slowdown_ratio(zs of shape {zs.shape}, y={y:g}) (the ratio of your own "
                   "gradient functions also counts)"):
            expect(student.call("slowdown_ratio", zs, y)).close_to(ratio, mutants={
                "the ratio is inverted: quadratic over cross-entropy is sigma'(z) <= 1/4":
                    1 / ratio,
                SIGMA_KEPT + " (so the ratio came out as 1)": np.ones_like(zs),
                SIGMA_NOT_PRIME: act.sigmoid(zs),
                mutants.BACKPROP["a_for_z"] + "; the ratio is sigma'(z)":
                    act.sigmoid_prime(act.sigmoid(zs)),
                "returned the quadratic cost's gradient |(a - y) sigma'(z)|, not its ratio to "
                "the cross-entropy's": np.abs(act.sigmoid(zs) - y) * act.sigmoid_prime(zs),
                "the ratio is of magnitudes, |dC_q/dw| / |dC_ce/dw|: without |a - y| below the "
                "line it is negative wherever a < y": -ratio if y == 1.0 else None,
                "the neuron's input is x = 1 and its weight z: with the input x = z both "
                "gradients vanish at z = 0, where the ratio is sigma'(0) = 1/4":
                    np.where(zs == 0, np.nan, ratio) if 0 in zs else None},
                accept={"the ratio of your own gradient functions":
                        lambda zs=zs, y=y: _own_slowdown(student, zs, y)})
    _saturated_cross_entropy(student, rng)


UNCANCELLED = ("dC/da = (a - y) / (a (1 - a)) times sigma'(z) was left uncancelled: where the "
               "neuron saturates, a (1 - a) rounds to 0 and gives nan; the factors cancel to "
               "delta = a - y")


def _saturated_cross_entropy(student, rng):
    """cross_entropy_gradients of a saturated neuron (z = +-45, 60, -760, where a rounds
    to 0 or 1), the case the text makes for cross-entropy: delta = a - y stays finite."""
    z, y = np.array([45.0, -45.0, 60.0, -760.0]), np.array([0.0, 1.0, 1.0, 0.0])
    X, w, b = rng.normal(size=(4, 2)), rng.normal(scale=1.5, size=2), float(rng.normal())
    X *= ((z - b) / (X @ w))[:, None]  # each row scaled to give its z
    delta = (act.sigmoid(X @ w + b) - y) / 4
    with check(f"cross_entropy_gradients(X {X.shape}, w, b, y) of a saturated neuron, z from "
               "-760 to 60", context={"n": 4}):
        _check_gradients(student.call("cross_entropy_gradients", X, w, b, y),
                         (X.T @ delta, float(np.sum(delta))), 4, 2,
                         {UNCANCELLED: (np.full(2, np.nan), np.nan)})


# ---------------------------------------------------------------------------
# q4


def _gradients_at(x, y, cost):
    """The reference's (dw, db) of one sample at input ``x`` as a function of (w, b)."""
    grad = losses.quadratic_grad if cost == "quadratic" else losses.binary_cross_entropy_grad

    def gradients(w, b):
        z = w * x + b
        delta = float(grad(act.sigmoid(z), y) * act.sigmoid_prime(z))
        return delta * x, delta
    return gradients


def _train(w, b, x, y, eta, epochs, cost, cost_of=None, gradients=None):
    """Gradient descent on one sample: (costs, w, b), costs[t] after t updates. By default
    with the reference sigmoid, costs and cost gradients; ``cost_of(a)`` and
    ``gradients(w, b)`` replace the cost and the gradients (the student's own functions).
    """
    value = losses.quadratic if cost == "quadratic" else losses.binary_cross_entropy
    gradients = gradients or _gradients_at(x, y, cost)
    costs = np.empty(epochs + 1)
    for t in range(epochs + 1):
        a = act.sigmoid(w * x + b)
        costs[t] = cost_of(a) if cost_of else value(a, y)
        if t < epochs:
            dw, db = gradients(w, b)
            w, b = w - eta * dw, b - eta * db
    return costs, w, b


class _Own:
    """The student's own cost (q1) and gradients (q3) on one sample, for train_neuron."""

    def __init__(self, student, x, y, cost):
        self.student, self.x, self.y = student, x, y
        self.grad = "quadratic_gradients" if cost == "quadratic" else "cross_entropy_gradients"

    def cost_of(self, a):
        got = _numbers(self.student.call("binary_cross_entropy", np.array([a]),
                                         np.array([self.y])), (), finite=False)
        if got is None:
            raise ValueError("not a number")
        return float(got)

    def gradients(self, w, b):
        got = self.student.call(self.grad, np.array([[self.x]]), np.array([w]), b,
                                np.array([self.y]))
        # NaN stays: a run that the student's gradients drive into 0/0 is theirs too
        dw, db = (_numbers(_item(got, i, 2), shape, finite=False) for i, shape in ((0, (1,)),
                                                                                    (1, ())))
        if dw is None or db is None:
            raise ValueError("not numbers")
        return float(dw[0]), float(db)


def _own_runs(student, case, cost):
    """train_neuron's (costs, w, b) computed with the student's own gradient functions
    and, for cross-entropy, binary_cross_entropy (each alone, and both): the answers that
    are right given those functions. None for a run that fails or does not move."""
    w, b, x, y = case[:4]
    own = _Own(student, x, y, cost)
    plans = {OWN_GRADIENTS: {"gradients": own.gradients}}
    if cost == "cross_entropy":
        plans[OWN_COST] = {"cost_of": own.cost_of}
        plans[OWN_BOTH] = {"cost_of": own.cost_of, "gradients": own.gradients}
    runs = {}
    for name, plan in plans.items():
        try:
            run = _train(*case, cost, **plan)
        except (ValueError, TypeError, IndexError):
            run = None
        runs[name] = run if run is not None and (run[1], run[2]) != (w, b) else None
    return runs


def _train_mistake(w, b, x, y, eta, epochs, cost, mistake):
    """The training loop with one classic mistake, in the plain formulas a student writes
    (no clipping: a run pushed into saturation gives inf, as theirs does)."""
    costs = np.empty(epochs + 1)
    for t in range(epochs + 1):
        a = act.sigmoid(w * x + b)
        if cost == "quadratic":
            costs[t] = 0.5 * (a - y) ** 2
        elif mistake == "logs swapped":
            costs[t] = -(_xlny(y, 1 - a) + _xlny(1 - y, a))
        elif mistake == "no target":
            costs[t] = -_xlny(1.0, 1 - a)
        else:
            other = 1 - y if mistake == "wrong log" else 1 - a
            costs[t] = -(_xlny(y, a) + _xlny(1 - y, other))
        if t < epochs:
            keep_sigma = cost == "quadratic" or mistake == "sigma kept"
            delta = (a - y) * (a * (1 - a) if keep_sigma else 1.0)
            step = -eta if mistake == "uphill" else eta
            w -= step * delta * (1.0 if mistake == "no x" else x)
            if mistake == "sequential":  # dC/db taken at the updated w
                a = act.sigmoid(w * x + b)
                delta = (a - y) * (a * (1 - a) if keep_sigma else 1.0)
            b -= {"no bias": 0.0, "no eta on b": delta, "x on b": step * delta * x}.get(
                mistake, step * delta)
    return costs, w, b


def _training_mutants(case, cost, expected):
    """For (costs, w, b): the answers the classic mistakes give."""
    costs = expected[0]
    runs = {
        "the update goes uphill: w <- w - eta dC/dw, with a minus sign": "uphill",
        "the input x is missing from dC/dw = x dC/dz": "no x",
        "the bias b is never updated": "no bias",
        "the learning rate is missing from the bias's update: b <- b - eta dC/db":
            "no eta on b",
        "dC/db has the factor x of dC/dw: z = w x + b gives dz/db = 1, so dC/db = dC/dz":
            "x on b",
        "dC/db was computed after w was updated: take both gradients at the same (w, b), "
        "then update both": "sequential"}
    if cost == "cross_entropy":
        swapped = "the two logarithms are swapped: the cost is -[y ln a + (1 - y) ln(1 - a)]"
        y = case[3]
        if y == 1:  # where the two mistakes agree, both are named
            swapped += " (or the cost of y = 0, -ln(1 - a), was used for every target)"
        runs = {SIGMA_KEPT: "sigma kept", **runs, SWAPPED_LOG: "wrong log",
                swapped: "logs swapped"}
        if y not in (0, 1):
            runs[NO_TARGET] = "no target"
    found = [{}, {}, {}]
    for name, mistake in runs.items():
        for i, value in enumerate(_train_mistake(*case, cost, mistake)):
            found[i][name] = value
    w, b, x, y, eta, epochs = case
    extra = _train(w, b, x, y, eta, epochs + 1, cost)
    for i in (1, 2):
        found[i]["one update too many: epochs updates in all, the cost recorded before the "
                 "first and after each one"] = extra[i]
    lecture = _train(w, b, 1.0, y, eta, epochs, cost) if x != 1.0 else (None,) * 3
    for i in range(3):
        found[i]["trained with the lecture's input x = 1 instead of the argument x"] = lecture[i]
    if cost == "quadratic":
        other = _train(*case, "cross_entropy")
        for i in range(3):
            found[i]["the quadratic run trained with the cross-entropy: is cost compared with "
                     "the exact string 'quadratic'?"] = other[i]
    found[0].update({
        "costs[0] must be the cost at the start, before the first update": costs[1:],
        "the cost after the last update is missing: costs has epochs + 1 entries":
            costs[:-1],
        "the last entry repeats the cost before the last update; costs[epochs] is the cost "
        "after it": np.concatenate([costs[:-1], costs[-2:-1]])})
    if cost == "quadratic":
        found[0]["the quadratic cost is (a - y)^2 / 2: the factor 1/2 is missing"] = 2 * costs
    else:
        found[0].update({NO_MINUS: -costs, LOG2: costs / LN2})
    for i, start in ((1, w), (2, b)):
        found[i]["returned the starting w and b: return the trained ones"] = start
    copied = {"the gradients took the lecture's input x = 1, not the x given":
              _train(*case, cost, gradients=_gradients_at(1.0, y, cost)),
              "the step used the example's learning rate 0.15, not the eta given":
              _train(w, b, x, y, EXAMPLE[4], epochs, cost)}
    for name, run in copied.items():
        for i in range(3):
            found[i][name] = run[i]
    return found


NO_TARGET = ("the cost ignores the target: -ln(1 - a) is the cost of y = 0 only, -[y ln a "
             "+ (1 - y) ln(1 - a)] that of any y")
OWN_GRADIENTS = "the run with your own gradient function of q3"
OWN_COST = "the costs by your own binary_cross_entropy of q1"
OWN_BOTH = "the run with both of your own functions"
EXAMPLE = (2.0, 2.0, 1.0, 0.0, 0.15, 300)  # the notebook's lecture example


def _plot_problem(axes, curve_sets) -> str | None:
    """Why no axes shows two labelled curves with a legend, or None if one does;
    ``curve_sets`` are the pairs of loss curves the figure may show."""
    if not axes:
        return "no figure was found: plot the two loss curves in the notebook"
    if not any(_shows(axes, c) for c in curve_sets) and any(
            _each_shown(axes, c) for c in curve_sets):
        return ("the two loss curves are on different axes (ax.twinx() or two subplots): the "
                "text asks for both on one axes")
    if not any(len(ax.lines) >= 2 for ax in axes):
        return "no axes has two lines: plot both loss curves on the same axes"
    good = [ax for ax in axes if len(ax.lines) >= 2]
    if not any(ax.labelled for ax in good):
        return "the axes with the loss curves need a label on both axes (set_xlabel, set_ylabel)"
    if not any(ax.labelled and len(ax.legend) >= 2 for ax in good):
        return "the loss curves need a legend that names the two costs (ax.legend())"
    if not any(ax.labelled and _names_costs(ax.legend) for ax in good):
        return (f"the legend reads {[ax.legend for ax in good if ax.labelled][0]}: name the "
                "two costs in it, e.g. label='quadratic' and label='cross-entropy'")
    if all(ax.labels_swapped(EPOCH_WORDS, COST_WORDS) for ax in good if ax.labelled):
        return ("the x axis is labelled as the cost and the y axis as the epoch: the epochs "
                "run along x and the costs up y")
    if any(_misnamed(ax, pair) for ax in good for pair in curve_sets if pair):
        return ("a curve is named after the other cost: label the quadratic cost's curve "
                "'quadratic' and the cross-entropy's 'cross-entropy'")
    return None


EPOCH_WORDS = re.compile(r"epoch|iteration|step|update|\bt\b", re.IGNORECASE)
COST_WORDS = re.compile(r"cost|loss|error|\bc\b", re.IGNORECASE)


def _misnamed(ax, pair) -> bool:
    """A line of ``ax`` that shows one curve of ``pair`` (quadratic, cross-entropy) has a
    label that names the other cost and not its own."""
    own, other = (QUADRATIC_WORDS, ENTROPY_WORDS), (ENTROPY_WORDS, QUADRATIC_WORDS)
    return any(_on(line, curve) and _names(line.label, other[i]) and not _names(line.label, own[i])
               for i, curve in enumerate(pair) for line in ax.lines)


def _names(label: str, words) -> bool:
    text = label.lower()
    return any(w in text for w in words) or (words is ENTROPY_WORDS and "ce" in text.replace(
        "-", " ").split())


QUADRATIC_WORDS = ("quad", "mse", "squar", "l2", "(a - y)", "(a-y)")
ENTROPY_WORDS = ("cross", "entrop", "bce", "log", "likelihood", "nll", "xent")


def _names_costs(legend: list[str]) -> bool:
    """The legend's entries name both costs (in any of the usual words, or as "CE")."""
    return any(_names(t, QUADRATIC_WORDS) for t in legend) and any(
        _names(t, ENTROPY_WORDS) for t in legend)


def _shows(axes, curves, along="y") -> bool:
    """Some axes shows every curve of ``curves`` (as the values ``along`` that axis), whole
    or, along y, every k-th cost at its epoch."""
    return bool(curves) and any(all(any(_on(line, c, along) for line in ax.lines)
                                    for c in curves) for ax in axes)


def _on(line, curve, along="y") -> bool:
    """The line shows the curve (as its values ``along`` that axis), whole or, along y,
    every k-th cost at its epoch."""
    values = getattr(line, along)
    return values.shape == curve.shape and np.allclose(values, curve, *CURVE, equal_nan=True) \
        or along == "y" and _every_kth(line, curve)


def _each_shown(axes, curves) -> bool:
    """Every curve of ``curves`` is shown by some axes, together or apart."""
    return bool(curves) and all(_shows(axes, [c]) for c in curves)


def _every_kth(line, curve) -> bool:
    """The line draws costs at whole epochs, from epoch 0 to within one stride of the
    last, each at its own epoch: curve[x] at x (a thinned curve is still the curve)."""
    x, y, last = line.x, line.y, len(curve) - 1
    if x.shape != y.shape or len(x) < 2 or np.any(x != np.round(x)) or x[0] != 0:
        return False
    steps = np.diff(x)
    if np.any(steps <= 0) or x[-1] > last or last - x[-1] >= steps.max():
        return False
    return bool(np.allclose(y, curve[x.astype(int)], *CURVE, equal_nan=True))


def _part(run, i):
    """Item ``i`` of a run (costs, w, b), or None for a run that is not available."""
    return None if run is None else run[i]


def _plans(cost):
    """The names of the runs with the student's own functions (see ``_own_runs``)."""
    return [OWN_GRADIENTS] + ([OWN_COST, OWN_BOTH] if cost == "cross_entropy" else [])


def _own_example(student):
    """The two curves of the example by the student's own train_neuron (possibly nan), or
    None."""
    curves = []
    for cost in ("quadratic", "cross_entropy"):
        curve = _numbers(_item(student.call("train_neuron", *EXAMPLE, cost), 0, 3),
                         (EXAMPLE[-1] + 1,), finite=False)
        if curve is None:
            return None
        curves.append(curve)
    return curves


STALE_RUN = ("the run of an earlier call with the same w, b, eta and epochs came back: x and "
             "y change the run too (a result kept between calls must depend on every argument)")


def _training_case(student, case, cost, first=False, stale=None) -> None:
    """One check of train_neuron: (costs, w, b) against the reference, the classic mistakes'
    runs and (``stale``) an earlier call's run; the run with the student's own functions
    of q1 and q3 also counts."""
    w, b, x, y, eta, epochs = case
    expected = _train(*case, cost)
    wrong = _training_mutants(case, cost, expected)
    for i in range(3) if stale else ():
        wrong[i][STALE_RUN] = stale[i]
    for label in (0.0, 1.0) if 0 < y < 1 and cost == "cross_entropy" else ():
        wrong[0][f"the cost took the soft target y = {y:.3g} for the label {label:g}: "
                 "-[y ln a + (1 - y) ln(1 - a)] holds for any y in [0, 1]"] = _train(
            *case, cost, cost_of=lambda a, label=label: losses.binary_cross_entropy(a, label))[0]
    own = cache(lambda: _own_runs(student, case, cost))
    with check(f"train_neuron(w={w:.3g}, b={b:.3g}, x={x:.3g}, y={y:.3g}, eta={eta:.3g}, "
               f"epochs={epochs}, cost={cost!r})" + (", a soft target" if 0 < y < 1 else "")
               + " (the run with your own functions of q1 and q3 also counts)"):
        if first:
            verify_defaults(student, "train_neuron", cost="cross_entropy")
        got = student.call("train_neuron", w, b, x, y, eta, epochs, cost)
        if expect(got).is_tuple(3, "(costs, w, b)"):
            if np.ndim(got[0]) == 0 and np.ndim(got[2]) == 1:
                fail("returned (w, b, costs): the question asks for (costs, w, b)")
            if first:
                for i, name in ((1, "final w"), (2, "final b")):
                    expect(got[i], name).is_number("float(w[0]) of a one-entry array")
            for i, name in enumerate(("costs", "final w", "final b")):
                expect(got[i], name).close_to(expected[i], *CURVE, wrong[i], accept={
                    plan: lambda i=i, plan=plan: _part(own()[plan], i) for plan in _plans(cost)})


@question("q4", points=4)
def training_comparison(student, rng):
    cases = []
    for y, sign in [(0.0, 1.0), (1.0, -1.0)]:
        x = float(sign * rng.uniform(0.5, 1.8))
        w = float(rng.uniform(1.0, 3.0))
        b = float(sign * rng.uniform(3.5, 5.5) - w * x)  # saturated on the wrong side
        cases.append((w, b, x, y, float(rng.uniform(0.1, 0.6)), int(rng.integers(25, 60))))
    for case in cases:
        for cost in ("quadratic", "cross_entropy"):
            _training_case(student, case, cost, first=case is cases[0] and cost == "quadratic")
    # the first case's w, b, eta and epochs again, with another x and a soft target: an
    # answer kept by those settings alone, or a cost that takes y for a label, shows
    w, b, x, _, eta, epochs = cases[0]
    _training_case(student, (w, b, -x, float(rng.uniform(0.2, 0.8)), eta, epochs),
                   "cross_entropy", stale=_train(*cases[0], "cross_entropy"))

    curves = [_train(*EXAMPLE, cost)[0] for cost in ("quadratic", "cross_entropy")]
    own = _own_example(student) or []
    with check("figure: two loss curves on one axes, both axes labelled, with a legend"):
        axes = all_axes(student.figures())
        rests_on("the curves the figure shows", *(line.y for ax in axes for line in ax.lines))
        problem = _plot_problem(axes, [curves, own])
        verify(problem is None, problem or "", "loss-curve figure",
               mistake="the figure breaks a rule of the text (one axes, labels, legend)")
    with check("figure: the curves are the example's (w = b = 2, x = 1, y = 0, eta = 0.15, "
               "300 epochs), as the question's train_neuron or your own computes them"):
        axes = all_axes(student.figures())
        swapped = _shows(axes, curves, "x") or _shows(axes, own, "x")
        # curves apart on two axes are charged once, by the rule above
        verify(_each_shown(axes, curves) or _each_shown(axes, own),
               "the costs are on the horizontal axis: the text puts the epoch there, "
               "ax.plot(epochs, costs)" if swapped else
               "no axes shows both loss curves of the example: 301 costs each, from "
               "costs[0] before any update, for the quadratic cost and the cross-entropy",
               "loss-curve figure", mistake="epoch and cost swapped" if swapped else "")


# ---------------------------------------------------------------------------
# q5


def _batch(rng, n, k, scale=2.0):
    Z = rng.normal(scale=scale, size=(n, k))
    return Z, losses.one_hot(rng.integers(0, k, size=n), k)


HUGE = " with logits of 1000 above the others, rows tens of thousands apart"
USE_COST = {"softmax_cross_entropy": "the question asks for central differences of your "
                                     "softmax_cross_entropy"}


def _huge_logits(rng):
    """In each row two logits raised by 1000 and the target the third class: exp(z)
    overflows, and the target's probability underflows to 0 (its log to -inf); the rows
    tens of thousands apart, so only a shift by each row's own maximum keeps every row
    finite, in any precision (exp overflows long doubles too, above about 11356)."""
    Z = rng.normal(scale=5.0, size=(4, 3))
    Y = losses.one_hot(rng.integers(0, 3, size=4), 3)
    rows = rng.permutation([0.0, -30000.0, 15000.0, -15000.0])[:, None]
    return Z + 1000.0 * (1.0 - Y) + rows, Y


COLUMNS = "the softmax normalised each column (axis=0) instead of each row (axis=1)"


def _log_softmax(Z, axis):
    """ln softmax(Z) along ``axis`` by log-sum-exp (finite for any logits)."""
    shifted = Z - Z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


NOT_LN_P = ("ln({}) is not ln p: it changes the cost wherever p is small, and where p "
            "underflowed to 0; compute ln p by log-sum-exp, z - m - ln sum_j exp(z_j - m)")


def _cost_mutants(Z, Y, expected):
    n, k = Z.shape
    shifted = Z - Z.max(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        return {
            SUM_NOT_MEAN: n * expected,
            "the minus sign is missing: the cost -sum_k y_k ln p_k is never negative":
                -expected,
            LOG2: expected / LN2,
            "averaged over every entry (n K) instead of summing over the classes and "
            "averaging over the n samples": expected / k,
            "exp of large logits overflows: subtract the row maximum (log-sum-exp)":
                -np.sum(Y * np.log(mutants.naive_softmax(Z))) / n,
            "ln of a softmax that underflowed to 0: compute ln p with log-sum-exp":
                -np.sum(Y * np.log(act.softmax(Z))) / n,
            COLUMNS: -np.sum(Y * _log_softmax(Z, axis=0)) / n,
            "log-sum-exp half done: ln p = (z - m) - ln sum_j exp(z_j - m); the exponentials "
            "in the sum must be shifted by m too":
                -np.sum(Y * (shifted - np.log(np.exp(Z).sum(axis=1, keepdims=True)))) / n,
            "ln p = z - m - ln sum_j exp(z_j - m): the shift m was taken out of the sum but "
            "not subtracted from z": -np.sum(Y * (Z - np.log(np.exp(shifted).sum(
                axis=1, keepdims=True)))) / n,
            "the log-sum-exp summed over the whole batch (np.sum without axis): each row has "
            "its own sum over the K classes":
                -np.sum(Y * (shifted - np.log(np.exp(shifted).sum()))) / n,
            **{NOT_LN_P.format(form.format(eps)): -np.sum(Y * np.log(f(act.softmax(Z), eps)))
               / n for eps in (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15)
               # clipped first: both agree where the clip acts, the only place it shows
               for form, f in (("p clipped at {:g}", np.maximum), ("p + {:g}", np.add))}}


def _own_central(student, Z, Y, h):
    """Central differences of the student's own softmax_cross_entropy, or None."""
    def f(V):
        got = _numbers(student.call("softmax_cross_entropy", V, Y), ())
        if got is None:
            raise ValueError("not a number")
        return float(got)
    try:
        return gradcheck.numerical_gradient(f, Z.copy(), h)
    except ValueError:
        return None


def _relative_error_inputs(rng):
    """Two close arrays (a gradient check that passes; an entrywise ratio differs there),
    two unrelated ones whose largest entries sit at different places (so max|a| + max|b|
    differs from max(|a| + |b|)), two close negative ones, and two close ones near 1e-9."""
    a = rng.normal(size=(3, 4))
    yield a, a + rng.normal(scale=1e-2, size=a.shape)
    a, b = rng.normal(size=7), rng.normal(size=7)
    a[0], b[0], b[1] = 3.0 * np.sign(a[0]), -0.5 * np.sign(a[0]), 3.0
    yield a, b
    a = -np.abs(rng.normal(size=5))  # all negative: a scale without absolute values shows
    b = a * (1 + 1e-3 * rng.normal(size=5))
    yield a, b
    tiny = 2e-9 / np.max(np.abs(a) + np.abs(b))  # the scale of a vanishing gradient
    yield tiny * a, tiny * b


@question("q5", points=3)
def softmax_log_likelihood(student, rng):
    cases = [_batch(rng, 1, 4), _batch(rng, 6, 3), _batch(rng, 5, 10), _huge_logits(rng)]
    for i, (Z, Y) in enumerate(cases):
        expected = losses.softmax_cross_entropy(Z, Y)
        label = HUGE if i == 3 else ""
        with check(f"softmax_cross_entropy(Z, Y) for Z, Y of shape {Z.shape}{label}",
                   context={"n": Z.shape[0], "K": Z.shape[1]}):
            got = student.call("softmax_cross_entropy", Z, Y)
            if i == 0:  # the rule costs one check
                expect(got, "softmax_cross_entropy").is_number("the mean over the batch: "
                                                               "float(np.mean(...))")
            expect(got).close_to(expected, mutants=_cost_mutants(Z, Y, expected))

    for i, (Z, Y) in enumerate([_batch(rng, 1, 4), _batch(rng, 6, 3), _huge_logits(rng)]):
        n, k = Z.shape
        expected = losses.softmax_cross_entropy_grad(Z, Y)
        label = HUGE if i == 2 else ""
        with check(f"softmax_cross_entropy_grad(Z, Y) for Z, Y of shape {Z.shape}{label}",
                   context={"n": n, "K": k}):
            expect(student.call("softmax_cross_entropy_grad", Z, Y)).close_to(
                expected, mutants={
                    "not divided by n: that is the gradient of the summed cost, not the mean":
                        n * expected,
                    "the sign is flipped: the gradient is P - Y, not Y - P": -expected,
                    "divided by n K instead of n" if n > 1 else "divided by K (or n K), the "
                    "number of classes, instead of n": expected / k,
                    "divided by K, the number of classes, instead of n, the number of rows":
                        expected * n / k if n > 1 and n != k else None,
                    COLUMNS: (mutants.column_softmax(Z) - Y) / n})

    # with huge logits, only differences of the stable cost the text asks for are finite
    for i, ((Z, Y), h) in enumerate([(_batch(rng, 1, 3), 1e-5), (_batch(rng, 4, 3), 1e-2),
                                     (_huge_logits(rng), 1e-2)]):
        def cost(V, Y=Y):
            return losses.softmax_cross_entropy(V, Y)
        # whole-number logits: a copy of Z keeps the int dtype, and z +- h is truncated
        given = np.rint(Z).astype(int) if i == 1 else Z
        Z = given.astype(float)
        expected = gradcheck.numerical_gradient(cost, Z.copy(), h)
        with check(f"numerical_gradient(Z, Y, h={h:g}) for Z, Y of shape {Z.shape}"
                   f"{HUGE if i == 2 else ''}{', Z an int array' if i == 1 else ''}, leaving "
                   "Z unchanged (central differences of your own softmax_cross_entropy also "
                   "count)"):
            if not i:
                verify_defaults(student, "numerical_gradient", h=1e-5)
            # the same call with the step 10 h tells whether h is used at all
            other_h = probe(student.call("numerical_gradient", given, Y, h=10 * h),
                            gradcheck.numerical_gradient(cost, Z.copy(), 10 * h), changed="h")
            expect(student.call("numerical_gradient", given, Y, h=h,
                                require=None if i else USE_COST)).close_to(
                expected, *FD, probes=[other_h], mutants={
                    "one-sided difference (f(z + h) - f(z)) / h instead of the central "
                    "(f(z + h) - f(z - h)) / (2h)": mutants.one_sided_gradient(cost, Z, h),
                    "each entry was left at z - h: put it back before the next one":
                        mutants.drifted_gradient(cost, Z, h),
                    "the step was scaled by each entry (h |z_i|): the question asks for the "
                    "fixed step h": mutants.relative_step_gradient(cost, Z, h),
                    "the central difference is divided by h instead of 2h": 2 * expected,
                    "each entry was differentiated through its own row's cost alone; the "
                    "cost is the mean over the n rows, so each entry is n times smaller":
                        Z.shape[0] * expected if Z.shape[0] > 1 else None,
                    "every entry of Z was moved at once (Z + h): perturb one entry at a "
                    "time, Z + h e_i": np.zeros_like(Z),
                    "Z's int dtype was kept (a copy with np.array(Z) or Z.copy()), so z + h and "
                    "z - h were truncated back to z: work on a float copy, Z.astype(float)":
                        np.zeros_like(Z) if i == 1 else None,
                    "the step h given was not used: this is the analytic gradient (P - Y) / n, "
                    "or differences with a much smaller step, where the question asks for "
                    "central differences with the step h it gives":
                        losses.softmax_cross_entropy_grad(Z, Y)},
                accept={"central differences of your own softmax_cross_entropy":
                        lambda Z=Z, Y=Y, h=h: _own_central(student, Z, Y, h)})

    for i, (a, b) in enumerate(_relative_error_inputs(rng)):
        with check(f"relative_error(a, b) for a, b of shape {a.shape}"):
            got = student.call("relative_error", a, b)
            if i == 0:  # the rule costs one check
                expect(got, "relative_error").is_number("one number for the whole array")
            expect(got).close_to(gradcheck.relative_error(a, b), *(TINY_SCALE if i == 3 else ()),
                                 mutants=mutants.relative_error_mistakes(a, b))


# bound to a name: load_suite collects the Question objects among the module's globals
explain_the_x_factor = manual(
    "q6", points=2,
    prompt="Why can no choice of cost function remove the factor x_j from dC/dw_j of a "
           "sigmoid neuron?")
