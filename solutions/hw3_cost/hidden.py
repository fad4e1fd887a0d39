"""Hidden suite of Homework 3: cross-entropy and the learning slowdown.

Every expected value comes from ``reference`` on fresh inputs drawn from ``rng``: other
targets, grids, batch shapes, starting points and learning rates than the notebook's
examples. The training curves are recomputed here by a plain NumPy loop of the same
gradient-descent update, with the reference sigmoid, costs and cost gradients.

Tolerances:

* closed-form values (costs, tables, entropies, gradients, ratios): rtol=1e-9, atol=1e-12.
  Correct formulas written another way (``a - y`` against the reference's
  ``(a - y) / (a (1 - a)) * sigma'(z)``, sums in another order) differ by a few ulps;
  outputs are kept away from 0 and 1 (|z| < 15, grids inside [0.01, 0.99]) so that the
  reference's clipping of a into [1e-12, 1 - 1e-12] never matters, and every mistake
  below is off by far more.
* training curves: rtol=1e-7, atol=1e-10. Up to 300 updates accumulate those ulps, and
  the iteration is contracting, so equivalent implementations stay within ~1e-12.
* central differences: rtol=1e-7, atol=1e-9. Two correct costs differ by a few ulps, which
  a difference quotient divides by 2h (h >= 1e-5): about 1e-10. A one-sided difference is
  off by O(h), and the analytic gradient differs from the central difference with
  h = 1e-2 by ~1e-6, both far outside.
"""

import numpy as np

from autograder.authoring import (
    Budgets,
    all_axes,
    check,
    expect,
    manual,
    probe,
    question,
    verify,
)
from reference import activations as act
from reference import gradcheck, losses

BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60)
RTOL, ATOL = 1e-9, 1e-12
CURVE_RTOL, CURVE_ATOL = 1e-7, 1e-10
FD_RTOL, FD_ATOL = 1e-7, 1e-9
LN2 = np.log(2.0)

SWAPPED_LOG = "the second logarithm is of 1 - y instead of 1 - a: the term is (1 - y) ln(1 - a)"
NO_MINUS = "the minus sign is missing: the cost -(y ln a + (1 - y) ln(1 - a)) is never negative"
SUM_NOT_MEAN = "summed over the batch instead of averaged: divide by the number of samples n"
MEAN_ALL = ("averaged over every entry instead of summing over the outputs of a sample and "
            "averaging over the n samples")
LOG2 = "log base 2 instead of the natural logarithm ln (np.log)"
SIGMA_KEPT = ("sigma'(z) kept in the cross-entropy gradient: it cancels against the "
              "denominator a (1 - a) of dC/da, leaving dC/dz = a - y")


def _xlny(x, y):
    """x ln y as a careless student computes it: 0 ln 0 gives nan."""
    with np.errstate(all="ignore"):
        return x * np.log(y)


# ---------------------------------------------------------------------------
# q1


@question("q1", points=2)
def binary_cross_entropy(student, rng):
    for shape in [(8,), (4, 3), (1, 5)]:
        a = rng.uniform(0.02, 0.98, size=shape)
        y = rng.uniform(0.01, 0.99, size=shape)
        n = shape[0]
        expected = losses.binary_cross_entropy(a, y)
        with check(f"binary_cross_entropy(a, y) for a, y of shape {shape}"):
            expect(student.call("binary_cross_entropy", a, y)).close_to(expected, RTOL, ATOL, {
                SWAPPED_LOG: -np.sum(_xlny(y, a) + _xlny(1 - y, 1 - y)) / n,
                NO_MINUS: -expected,
                SUM_NOT_MEAN: n * expected,
                MEAN_ALL: n * expected / a.size,
                LOG2: expected / LN2,
                "the roles of a and y are swapped": losses.binary_cross_entropy(y, a)})


# ---------------------------------------------------------------------------
# q2


def _table(ys, grid):
    """C(y_i, a_j) of one sample, from the reference cost."""
    return np.array([[losses.binary_cross_entropy(a, y) for a in grid] for y in ys])


def _table_mutants(ys, grid, expected):
    y, a = ys[:, None], grid[None, :]
    return {
        "the table is transposed: one row per target y, one column per grid value a":
            expected.T,
        SWAPPED_LOG: -(_xlny(y, a) + _xlny(1 - y, 1 - y)),
        NO_MINUS: -expected,
        LOG2: expected / LN2,
        "the roles of a and y are swapped": -(_xlny(a, y) + _xlny(1 - a, 1 - y))}


@question("q2", points=3)
def cross_entropy_minimum(student, rng):
    cases = [(rng.uniform(0.05, 0.95, size=3), np.linspace(0.05, 0.95, 19)),
             (rng.uniform(0.01, 0.99, size=1), np.linspace(0.01, 0.99, 99))]
    for ys, grid in cases:
        expected = _table(ys, grid)
        with check(f"cost_table(ys, grid) for ys of shape {ys.shape}, grid of shape "
                   f"{grid.shape}"):
            expect(student.call("cost_table", ys, grid)).close_to(
                expected, RTOL, ATOL, _table_mutants(ys, grid, expected))

    fine = np.linspace(0.01, 0.99, 99)
    coarse = np.linspace(0.05, 0.95, 10)  # step 0.1: targets fall between grid values
    cases = [(fine[rng.choice(fine.size, size=5, replace=False)], fine, "on the grid"),
             (rng.uniform(0.03, 0.97, size=4), coarse, "between grid values")]
    for ys, grid, where in cases:
        T = _table(ys, grid)
        best = np.argmin(T, axis=1)
        worst = np.argmax(T, axis=1)
        with check(f"table_minimum(ys, grid) for ys of shape {ys.shape} {where}, grid of "
                   f"shape {grid.shape}"):
            got = student.call("table_minimum", ys, grid)
            if expect(got).is_tuple(2, "(a_best, c_best) of two arrays"):
                expect(got[0], "a_best").close_to(grid[best], 0, ATOL, {
                    "took the grid value of the largest cost (argmax), not the smallest":
                        grid[worst],
                    "returned the index of the smallest cost instead of the grid value a":
                        best})
                expect(got[1], "c_best").close_to(T.min(axis=1), RTOL, ATOL, {
                    "returned the largest cost of each row instead of the smallest":
                        T.max(axis=1)})

    cases = [rng.uniform(0.01, 0.99, size=7),
             np.array([[0.0, 1.0, rng.uniform(0.05, 0.45)], [rng.uniform(0.55, 0.95), 1.0, 0.0]])]
    for y in cases:
        expected = losses.binary_entropy(y)
        label = " with entries exactly 0 and 1" if np.any(y == 0) else ""
        with check(f"binary_entropy(y) for y of shape {y.shape}{label}"):
            expect(student.call("binary_entropy", y)).close_to(expected, RTOL, ATOL, {
                "0 ln 0 gave nan: use the convention 0 ln 0 = 0 (the limit of t ln t)":
                    -(_xlny(y, y) + _xlny(1 - y, 1 - y)),
                LOG2: expected / LN2,
                NO_MINUS: -expected,
                "only the term -y ln y: the entropy also has -(1 - y) ln(1 - y)":
                    -_xlny(y, np.where(y > 0, y, 1.0))})


# ---------------------------------------------------------------------------
# q3


def _gradients(X, w, b, y, cost):
    """(dw, db) of the mean cost of one sigmoid neuron, from the reference cost gradients."""
    z = X @ w + b
    a = act.sigmoid(z)
    grad = losses.quadratic_grad if cost == "quadratic" else losses.binary_cross_entropy_grad
    delta = grad(a, y) * act.sigmoid_prime(z)  # dC/dz, already divided by n
    return X.T @ delta, float(np.sum(delta))


def _check_gradients(got, expected, n, other, sigma_instead, other_name):
    """Compare (dw, db) with the reference, naming the classic mistakes."""
    if not expect(got).is_tuple(2, "(dw, db)"):
        return
    for i, name in enumerate(("dw", "db")):
        expect(got[i], name).close_to(expected[i], RTOL, ATOL, {
            other_name: other[i],
            SUM_NOT_MEAN: n * expected[i],
            "the sign is flipped: the error is a - y, not y - a": -expected[i],
            **({"sigma(z) used instead of its derivative sigma'(z)": sigma_instead[i]}
               if sigma_instead is not None else {})})


def _slowdown(z, y):
    """|dC/dw| quadratic over cross-entropy for one input x = 1 and pre-activation z."""
    one, w, target = np.ones((1, 1)), np.array([z]), np.array([y])
    quadratic = _gradients(one, w, 0.0, target, "quadratic")[0][0]
    return abs(quadratic) / abs(_gradients(one, w, 0.0, target, "cross_entropy")[0][0])


@question("q3", points=3)
def neuron_gradients(student, rng):
    for n, d in [(1, 3), (6, 2), (9, 4)]:
        X = rng.normal(size=(n, d))
        w = rng.normal(scale=1.5, size=d)
        b = float(rng.normal())
        y = rng.integers(0, 2, size=n).astype(float)
        if n > 1:
            y[:2] = [0.0, 1.0]
        quad = _gradients(X, w, b, y, "quadratic")
        ce = _gradients(X, w, b, y, "cross_entropy")
        z = X @ w + b
        delta = (act.sigmoid(z) - y) * act.sigmoid(z) / n
        with check(f"quadratic_gradients(X {X.shape}, w {w.shape}, b, y {y.shape})"):
            _check_gradients(student.call("quadratic_gradients", X, w, b, y), quad, n, ce,
                             (X.T @ delta, float(np.sum(delta))),
                             "sigma'(z) is missing: that is the cross-entropy gradient")
        with check(f"cross_entropy_gradients(X {X.shape}, w {w.shape}, b, y {y.shape})"):
            _check_gradients(student.call("cross_entropy_gradients", X, w, b, y), ce, n, quad,
                             None, SIGMA_KEPT)

    for y, zs in [(0.0, np.sort(rng.uniform(-10, 10, size=11))),
                  (1.0, np.linspace(rng.uniform(-12, -8), rng.uniform(1, 4), 7))]:
        ratio = np.array([_slowdown(z, y) for z in zs])
        with check(f"slowdown_ratio(zs of shape {zs.shape}, y={y:g})"):
            expect(student.call("slowdown_ratio", zs, y)).close_to(ratio, RTOL, ATOL, {
                "the ratio is inverted: quadratic over cross-entropy is sigma'(z) <= 1/4":
                    1 / ratio,
                SIGMA_KEPT + " (so the ratio came out as 1)": np.ones_like(zs),
                "sigma(z) used instead of its derivative sigma'(z)": act.sigmoid(zs)})


# ---------------------------------------------------------------------------
# q4


def _train(w, b, x, y, eta, epochs, cost):
    """The reference curve: gradient descent on one sample, costs[t] after t updates,
    with the reference sigmoid, costs and cost gradients."""
    value = losses.quadratic if cost == "quadratic" else losses.binary_cross_entropy
    grad = losses.quadratic_grad if cost == "quadratic" else losses.binary_cross_entropy_grad
    costs = np.empty(epochs + 1)
    for t in range(epochs + 1):
        z = w * x + b
        a = act.sigmoid(z)
        costs[t] = value(a, y)
        if t < epochs:
            delta = float(grad(a, y) * act.sigmoid_prime(z))
            w, b = w - eta * delta * x, b - eta * delta
    return costs, w, b


def _train_mistake(w, b, x, y, eta, epochs, cost, mistake):
    """The same loop with one classic mistake, in the plain formulas a student writes
    (no clipping: a run pushed into saturation gives inf, as theirs does)."""
    costs = np.empty(epochs + 1)
    for t in range(epochs + 1):
        z = w * x + b
        a = act.sigmoid(z)
        if cost == "quadratic":
            costs[t] = 0.5 * (a - y) ** 2
        else:
            other = 1 - y if mistake == "wrong log" else 1 - a
            costs[t] = -(_xlny(y, a) + _xlny(1 - y, other))
        if t < epochs:
            keep_sigma = cost == "quadratic" or mistake == "sigma kept"
            delta = (a - y) * (a * (1 - a) if keep_sigma else 1.0)
            step = -eta if mistake == "uphill" else eta
            w -= step * delta * (1.0 if mistake == "no x" else x)
            b -= 0.0 if mistake == "no bias" else step * delta
    return costs, w, b


def _training_mutants(case, cost, expected):
    """For (costs, w, b): the answers the classic mistakes give."""
    costs = expected[0]
    runs = {
        "the update goes uphill: w <- w - eta dC/dw, with a minus sign": "uphill",
        "the input x is missing from dC/dw = x dC/dz": "no x",
        "the bias b is never updated": "no bias"}
    if cost == "cross_entropy":
        runs = {SIGMA_KEPT: "sigma kept", **runs, SWAPPED_LOG: "wrong log"}
    mutants = [{}, {}, {}]
    for name, mistake in runs.items():
        for i, value in enumerate(_train_mistake(*case, cost, mistake)):
            mutants[i][name] = value
    mutants[0].update({
        "costs[0] must be the cost at the start, before the first update": costs[1:],
        "the cost after the last update is missing: costs has epochs + 1 entries":
            costs[:-1]})
    if cost == "quadratic":
        mutants[0]["the quadratic cost is (a - y)^2 / 2: the factor 1/2 is missing"] = 2 * costs
    else:
        mutants[0].update({NO_MINUS: -costs, LOG2: costs / LN2})
    return mutants


EXAMPLE = (2.0, 2.0, 1.0, 0.0, 0.15, 300)  # the notebook's lecture example


def _plot_problem(axes) -> str | None:
    """Why no axes shows two labelled curves with a legend, or None if one does."""
    if not axes:
        return "no figure was found: plot the two loss curves in the notebook"
    if not any(len(ax.lines) >= 2 for ax in axes):
        return "no axes has two lines: plot both loss curves on the same axes"
    good = [ax for ax in axes if len(ax.lines) >= 2]
    if not any(ax.labelled for ax in good):
        return "the axes with the loss curves need a label on both axes (set_xlabel, set_ylabel)"
    if not any(ax.labelled and len(ax.legend) >= 2 for ax in good):
        return "the loss curves need a legend that names the two costs (ax.legend())"
    return None


def _shows(ax, curve) -> bool:
    return any(line.y.shape == curve.shape
               and np.allclose(line.y, curve, rtol=CURVE_RTOL, atol=CURVE_ATOL)
               for line in ax.lines)


@question("q4", points=4)
def training_comparison(student, rng):
    cases = []
    for y, sign in [(0.0, 1.0), (1.0, -1.0)]:
        x = float(sign * rng.uniform(0.5, 1.8))
        w = float(rng.uniform(1.0, 3.0))
        b = float(sign * rng.uniform(3.5, 5.5) - w * x)  # saturated on the wrong side
        cases.append((w, b, x, y, float(rng.uniform(0.1, 0.6)), int(rng.integers(40, 120))))
    for case in cases:
        for cost in ("quadratic", "cross_entropy"):
            w, b, x, y, eta, epochs = case
            expected = _train(*case, cost)
            mutants = _training_mutants(case, cost, expected)
            with check(f"train_neuron(w={w:.3g}, b={b:.3g}, x={x:.3g}, y={y:g}, "
                       f"eta={eta:.3g}, epochs={epochs}, cost={cost!r})"):
                got = student.call("train_neuron", w, b, x, y, eta, epochs, cost)
                if expect(got).is_tuple(3, "(costs, w, b)"):
                    for i, name in enumerate(("costs", "final w", "final b")):
                        expect(got[i], name).close_to(expected[i], CURVE_RTOL, CURVE_ATOL,
                                                      mutants[i])

    with check("figure: two loss curves on one axes, both axes labelled, with a legend"):
        problem = _plot_problem(all_axes(student.figures()))
        verify(problem is None, problem or "", "loss-curve figure")
    curves = [_train(*EXAMPLE, cost)[0] for cost in ("quadratic", "cross_entropy")]
    with check("figure: the curves are the example's (w = b = 2, x = 1, y = 0, eta = 0.15, "
               "300 epochs)"):
        expect(all_axes(student.figures()), "loss-curve figure").satisfies(
            lambda a: any(all(_shows(ax, c) for c in curves) for ax in a),
            "no axes shows both loss curves of the example (301 costs each, from costs[0] "
            "before any update): the quadratic cost starting at 0.482 and the cross-entropy "
            "starting at 4.018")


# ---------------------------------------------------------------------------
# q5


def _batch(rng, n, k, scale=2.0):
    Z = rng.normal(scale=scale, size=(n, k))
    return Z, losses.one_hot(rng.integers(0, k, size=n), k)


def _huge_logits(rng):
    """In each row two logits raised by 1000 and the target the third class: exp(z)
    overflows, and the target's probability underflows to 0 (its log to -inf)."""
    Z = rng.normal(scale=5.0, size=(4, 3))
    target = rng.integers(0, 3, size=4)
    Y = losses.one_hot(target, 3)
    return Z + 1000.0 * (1.0 - Y), Y


@question("q5", points=3)
def softmax_log_likelihood(student, rng):
    cases = [_batch(rng, 1, 4), _batch(rng, 6, 3), _batch(rng, 5, 10), _huge_logits(rng)]
    for i, (Z, Y) in enumerate(cases):
        n, k = Z.shape
        expected = losses.softmax_cross_entropy(Z, Y)
        label = " with logits above 1000" if i == 3 else ""
        with np.errstate(all="ignore"):
            naive = -np.sum(Y * np.log(np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))) / n
            underflow = -np.sum(Y * np.log(act.softmax(Z))) / n
        with check(f"softmax_cross_entropy(Z, Y) for Z, Y of shape {Z.shape}{label}"):
            expect(student.call("softmax_cross_entropy", Z, Y)).close_to(
                expected, RTOL, ATOL, {
                    SUM_NOT_MEAN: n * expected,
                    "the minus sign is missing: the cost -sum_k y_k ln p_k is never negative":
                        -expected,
                    LOG2: expected / LN2,
                    "averaged over every entry (n K) instead of summing over the classes and "
                    "averaging over the n samples": expected / k,
                    "exp of large logits overflows: subtract the row maximum (log-sum-exp)":
                        naive,
                    "ln of a softmax that underflowed to 0: compute ln p with log-sum-exp":
                        underflow})

    for i, (Z, Y) in enumerate([_batch(rng, 1, 4), _batch(rng, 6, 3), _huge_logits(rng)]):
        n, k = Z.shape
        expected = losses.softmax_cross_entropy_grad(Z, Y)
        label = " with logits above 1000" if i == 2 else ""
        with check(f"softmax_cross_entropy_grad(Z, Y) for Z, Y of shape {Z.shape}{label}"):
            expect(student.call("softmax_cross_entropy_grad", Z, Y)).close_to(
                expected, RTOL, ATOL, {
                    "not divided by n: that is the gradient of the summed cost, not the mean":
                        n * expected,
                    "the sign is flipped: the gradient is P - Y, not Y - P": -expected,
                    "divided by n K instead of n": expected / k})

    for (Z, Y), h in [(_batch(rng, 1, 3), 1e-5), (_batch(rng, 4, 3), 1e-2)]:
        def cost(V, Y=Y):
            return losses.softmax_cross_entropy(V, Y)
        expected = gradcheck.numerical_gradient(cost, Z.copy(), h)
        forward = np.zeros_like(Z)
        for i in np.ndindex(Z.shape):
            V = Z.copy()
            V[i] += h
            forward[i] = (cost(V) - cost(Z)) / h
        with check(f"numerical_gradient(Z, Y, h={h:g}) for Z, Y of shape {Z.shape}"):
            # the same call with the step 10 h tells whether h is used at all
            other_h = probe(student.call("numerical_gradient", Z, Y, h=10 * h),
                            gradcheck.numerical_gradient(cost, Z.copy(), 10 * h), changed="h")
            expect(student.call("numerical_gradient", Z, Y, h=h)).close_to(
                expected, FD_RTOL, FD_ATOL, probes=[other_h], mutants={
                    "one-sided difference (f(z + h) - f(z)) / h instead of the central "
                    "(f(z + h) - f(z - h)) / (2h)": forward,
                    "the central difference is divided by h instead of 2h": 2 * expected,
                    "returned the analytic gradient (P - Y) / n instead of a finite-difference "
                    "estimate": losses.softmax_cross_entropy_grad(Z, Y)})

    for shape in [(3, 4), (7,)]:
        a = rng.normal(size=shape)
        b = a + rng.normal(scale=1e-2, size=shape)
        expected = gradcheck.relative_error(a, b)
        with check(f"relative_error(a, b) for a, b of shape {shape}"):
            expect(student.call("relative_error", a, b)).close_to(expected, RTOL, ATOL, {
                "took the largest elementwise ratio |a - b| / (|a| + |b|) instead of "
                "max |a - b| / max(|a| + |b|)": np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))),
                "the denominator is max|a| + max|b| instead of max(|a| + |b|)":
                    np.max(np.abs(a - b)) / (np.max(np.abs(a)) + np.max(np.abs(b)))})


# bound to a name: load_suite collects the Question objects among the module's globals
explain_the_x_factor = manual(
    "q6", points=2,
    prompt="Why can no choice of cost function remove the factor x_j from dC/dw_j of a "
           "sigmoid neuron?")
