"""Hidden suite of Homework 5: regularization and training deep networks.

Every expected value comes from ``reference`` on fresh inputs drawn from ``rng``
(the ridge regression of q11, which ``reference`` lacks, is solved as an augmented
least-squares problem, a different computation from the normal equations the
question teaches). Functions that draw random numbers get ``student.rng(seed)``,
which becomes ``np.random.default_rng(seed)`` in the worker; the expected values use
a generator of the same seed here, so the draws the question prescribes give exactly
the same numbers.

Tolerances:

* elementwise maps, penalties, dropout, max-norm, initializers, batch-norm forward and
  fusing: a correct answer written another way differs from the reference by a few
  ulps; rtol=1e-9, atol=1e-12 accept every correct form and reject every wrong one by
  orders of magnitude (the smallest planted difference, a missing eps of 1e-5 on a
  unit variance, is a relative 5e-6).
* backpropagation (q3, q4) and the batch-norm backward pass (q7): sums of products in a
  different order and a different but equivalent form of sigma' or of dx cancel
  differently; rtol=1e-7 with atol=1e-12 (gradients) or 1e-10 (dx, whose entries are
  differences of O(1) terms) leaves a margin of 1e5 over rounding.
* gradient norms of 10-layer networks (q10): with N(0, 1) weights most sigmoids are
  saturated, where sigma' computed as a (1 - a) and as sigma(z) sigma(-z) differ in
  relative terms by up to eps / (1 - a); those units carry almost none of the norm,
  and rtol=1e-6 covers the rest.
* ridge regression (q11): linear solves of well-conditioned systems (condition number
  below 1e3 here) by different methods agree to ~1e-13; rtol=1e-7, atol=1e-9.
"""

import numpy as np

from autograder.authoring import Budgets, builders, check, expect, question
from reference import init as ref_init
from reference import regularization as reg
from reference.activations import sigmoid_prime
from reference.losses import one_hot
from reference.network import MLP

BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60)
RTOL, ATOL = 1e-9, 1e-12
GRAD_RTOL = 1e-7


def _expect_list(got, expected, what, rtol=RTOL, atol=ATOL, mutants=None) -> bool:
    """Arrays item by item at this suite's tolerances (see ``each_close_to``)."""
    return expect(got, what).each_close_to(expected, rtol, atol, mutants)


def _shapes(ws):
    return " ".join(str(W.shape) for W in ws)


# ---------------------------------------------------------------------------
# q1 penalties


def _weights(rng, shapes, zeros=2):
    ws = [rng.normal(size=s) for s in shapes]
    for W in ws:  # exact zeros, where sign(0) = 0 matters
        W.flat[rng.choice(W.size, size=min(zeros, W.size - 1), replace=False)] = 0.0
    return ws


@question("q1", points=3)
def penalties(student, rng):
    for shapes in [[(1, 5)], [(4, 3), (3, 3), (3, 2)]]:
        ws = _weights(rng, shapes)
        lam = float(rng.uniform(0.05, 0.9))
        r = float(rng.uniform(0.2, 0.8))
        label = f"weights of shapes {_shapes(ws)}, lam={lam:.3f}"
        sumsq = sum(float(np.sum(W * W)) for W in ws)
        sumabs = sum(float(np.sum(np.abs(W))) for W in ws)
        with check(f"l2_penalty({label})"):
            expect(student.call("l2_penalty", ws, lam)).close_to(
                reg.l2_penalty(ws, lam), RTOL, ATOL, mutants={
                    "the course's L2 penalty is lam/2 sum W^2; lam sum W^2 (without the 1/2) "
                    "is the other convention": lam * sumsq,
                    "summed the norms ||W|| instead of the squared norms ||W||^2":
                        0.5 * lam * sum(float(np.linalg.norm(W)) for W in ws)})
        with check(f"l2_grad({label})"):
            _expect_list(student.call("l2_grad", ws, lam), reg.l2_grad(ws, lam), "l2_grad",
                         mutants={
                             "missing the factor 2 of d(w^2)/dw = 2w: the gradient of "
                             "lam/2 sum W^2 is lam W, not lam/2 W": [lam / 2 * W for W in ws],
                             "2 lam W is the gradient of lam sum W^2, not of the course's "
                             "lam/2 sum W^2": [2 * lam * W for W in ws]})
        with check(f"l1_penalty({label})"):
            expect(student.call("l1_penalty", ws, lam)).close_to(
                reg.l1_penalty(ws, lam), RTOL, ATOL, mutants={
                    "summed the weights instead of their absolute values":
                        lam * sum(float(np.sum(W)) for W in ws),
                    "the L1 penalty is lam sum |W|, without a 1/2": 0.5 * lam * sumabs})
        with check(f"l1_grad({label}) with some weights exactly 0"):
            _expect_list(student.call("l1_grad", ws, lam), reg.l1_grad(ws, lam), "l1_grad",
                         mutants={"sign(0) must be 0 (the subgradient np.sign gives)":
                                  [lam * np.where(W >= 0, 1.0, -1.0) for W in ws]})
        swapped = (1 - r) * reg.l1_penalty(ws, lam) + r * reg.l2_penalty(ws, lam)
        with check(f"elastic_net_penalty({label}, l1_ratio={r:.3f})"):
            expect(student.call("elastic_net_penalty", ws, lam, r)).close_to(
                reg.elastic_net_penalty(ws, lam, r), RTOL, ATOL, mutants={
                    "l1_ratio weights the L2 part instead of the L1 part": swapped,
                    "the L2 part lost its 1/2: lam sum W^2 is not the course's convention":
                        r * lam * sumabs + (1 - r) * lam * sumsq})
        with check(f"elastic_net_grad({label}, l1_ratio={r:.3f})"):
            _expect_list(
                student.call("elastic_net_grad", ws, lam, r), reg.elastic_net_grad(ws, lam, r),
                "elastic_net_grad", mutants={
                    "l1_ratio weights the L2 part instead of the L1 part":
                        reg.elastic_net_grad(ws, lam, 1 - r),
                    "the L2 part of the gradient is lam W, not 2 lam W":
                        [lam * (r * np.sign(W) + 2 * (1 - r) * W) for W in ws],
                    "the L2 part of the gradient is lam W, not lam/2 W (the factor 2 of "
                    "d(w^2)/dw is missing)":
                        [lam * (r * np.sign(W) + (1 - r) / 2 * W) for W in ws]})


# ---------------------------------------------------------------------------
# q2 dropout


def _rate(rng):
    return float(rng.choice([rng.uniform(0.15, 0.45), rng.uniform(0.55, 0.7)]))


def _dropout_seed(rng, shape, rate):
    """A seed whose mask keeps some units and drops others, so that a scaling mistake
    cannot hide behind an all-zero mask."""
    while True:
        seed = builders.seed(rng)
        keep = np.random.default_rng(seed).random(shape) >= rate
        if keep.any() and not keep.all():
            return seed


@question("q2", points=2)
def dropout(student, rng):
    for shape in [(1, 6), (5, 4), (8, 3)]:
        x, rate = rng.normal(size=shape), _rate(rng)
        seed = _dropout_seed(rng, shape, rate)
        out, mask = reg.dropout_forward(x, rate, np.random.default_rng(seed))
        u = np.random.default_rng(seed).random(shape)
        mutants = {
            "dropout without rescaling: the kept units must be divided by 1 - rate "
            "(inverted dropout)": u >= rate,
            "the question keeps the units where the draw is >= rate, not < 1 - rate":
                (u < 1 - rate) / (1 - rate)}
        with check(f"dropout_forward(x of shape {shape}, rate={rate:.3f}, rng)"):
            got = student.call("dropout_forward", x, rate, student.rng(seed))
            if expect(got).is_tuple(2, "(out, mask)"):
                expect(got[0], "out").close_to(
                    out, RTOL, ATOL, mutants={k: x * m for k, m in mutants.items()})
                expect(got[1], "mask").close_to(mask, RTOL, ATOL, mutants=mutants)
    x, rate, seed = rng.normal(size=(4, 5)), _rate(rng), builders.seed(rng)
    with check(f"dropout_forward(x of shape {x.shape}, rate={rate:.3f}, rng, training=False)"):
        got = student.call("dropout_forward", x, rate, student.rng(seed), training=False)
        if expect(got).is_tuple(2, "(out, mask)"):
            expect(got[0], "out").close_to(x, RTOL, ATOL, mutants={
                "dropout must be off at inference: out = x":
                    reg.dropout_forward(x, rate, np.random.default_rng(seed))[0],
                "inverted dropout needs no scaling by 1 - rate at inference":
                    (1 - rate) * x})
            expect(got[1], "mask").close_to(np.ones_like(x), RTOL, ATOL)
    for shape in [(1, 3), (6, 4)]:
        dout, rate = rng.normal(size=shape), _rate(rng)
        seed = _dropout_seed(rng, shape, rate)
        mask = reg.dropout_forward(np.ones(shape), rate, np.random.default_rng(seed))[1]
        with check(f"dropout_backward(dout of shape {shape}, mask with rate={rate:.3f})"):
            expect(student.call("dropout_backward", dout, mask)).close_to(
                reg.dropout_backward(dout, mask), RTOL, ATOL, mutants={
                    "the backward pass must scale by 1 / (1 - rate) like the forward pass: "
                    "use the mask itself, not mask > 0": dout * (mask > 0),
                    "the mask already contains 1 / (1 - rate); it was divided again":
                        dout * mask / (1 - rate)})


# ---------------------------------------------------------------------------
# q3 forward and backprop


def _network(rng, sizes, n):
    """X, one-hot Y, weights ~ N(0, 1/fan_in) and biases ~ N(0, 0.25) (no saturation)."""
    X = rng.normal(size=(n, sizes[0]))
    Y = one_hot(rng.integers(0, sizes[-1], size=n), sizes[-1])
    ws = [rng.normal(size=(m, k)) / np.sqrt(m) for m, k in builders.fan_pairs(sizes)]
    bs = [rng.normal(scale=0.5, size=k) for k in sizes[1:]]
    return X, Y, ws, bs


def _mlp(ws, bs):
    return MLP.from_params(ws, bs)


def _masks(rng, n, ws, rate):
    return [(rng.random((n, W.shape[1])) >= rate) / (1 - rate) for W in ws[:-1]]


def _variant_gradients(X, Y, ws, bs, masks, mean=True, mask_backward=True, sigma_from_a=False):
    """Backpropagation as a classic mistake computes it (mutants only)."""
    zs, acts = _mlp(ws, bs).forward_pass(X, masks)
    delta = (acts[-1] - Y) / (len(X) if mean else 1)
    dWs, dbs = [None] * len(ws), [None] * len(ws)
    for l in range(len(ws) - 1, -1, -1):
        dWs[l], dbs[l] = acts[l].T @ delta, delta.sum(axis=0)
        if l > 0:
            slope = acts[l] * (1 - acts[l]) if sigma_from_a else sigmoid_prime(zs[l - 1])
            delta = (delta @ ws[l].T) * slope
            if masks is not None and mask_backward:
                delta = delta * masks[l - 1]
    return dWs, dbs


@question("q3", points=4)
def backpropagation(student, rng):
    for sizes, n, rate in [([4, 5, 3], 1, None), ([3, 6, 4, 2], 5, 0.4)]:
        X, _, ws, bs = _network(rng, sizes, n)
        masks = None if rate is None else _masks(rng, n, ws, rate)
        zs, acts = _mlp(ws, bs).forward_pass(X, masks)
        label = f"forward(X {X.shape}, weights {_shapes(ws)}" + (
            ", dropout masks)" if masks else ")")
        with check(label):
            got = student.call("forward", X, ws, bs, masks)
            if expect(got).is_tuple(2, "(zs, activations)"):
                _expect_list(got[0], zs, "zs")
                _expect_list(got[1], acts, "activations", mutants={} if masks is None else {
                    "the dropout mask multiplies the hidden activations a^l = sigma(z^l) * m^l":
                        _mlp(ws, bs).forward_pass(X)[1]})
    # n > 1 throughout: with one row a missing 1/n goes unnoticed
    cases = [([3, 4, 2], 3, 0.0, 0.0, None), ([4, 5, 3], 6, 0.3, 0.0, None),
             ([5, 4, 4, 3], 7, 0.2, 0.4, 0.3), ([3, 6, 2], 4, 0.1, 1.0, 0.5)]
    for sizes, n, lam, r, rate in cases:
        X, Y, ws, bs = _network(rng, sizes, n)
        masks = None if rate is None else _masks(rng, n, ws, rate)
        dWs, dbs = _mlp(ws, bs).gradients(X, Y, masks=masks)
        pen = reg.elastic_net_grad(ws, lam, r)
        want_w = [g + p for g, p in zip(dWs, pen, strict=True)]
        wrong = []  # (mistake, dWs without the penalty, dbs, penalty gradient added)
        if masks is not None:
            wrong += [
                ("the dropout mask was used in the forward pass but not reused in the "
                 "backward pass: delta^l must be multiplied by the same mask m^l",
                 *_variant_gradients(X, Y, ws, bs, masks, mask_backward=False), pen),
                ("sigma'(z^l) was computed from the masked activation a^l = sigma(z^l) * m^l; "
                 "use sigma(z^l)",
                 *_variant_gradients(X, Y, ws, bs, masks, sigma_from_a=True), pen)]
        wrong.append(("delta^L = (a^L - Y) / n: the cost is a mean over the batch",
                      *_variant_gradients(X, Y, ws, bs, masks, mean=False), pen))
        if lam > 0 and r < 1:
            wrong += [("the L2 part of the penalty gradient is lam W, not 2 lam W", dWs, dbs,
                       reg.elastic_net_grad([2 * W for W in ws], lam, r)),
                      ("the L2 part of the penalty gradient is lam W, not lam/2 W", dWs, dbs,
                       reg.elastic_net_grad([W / 2 for W in ws], lam, r))]
        if lam > 0:
            biased = [g + p for g, p in zip(dbs, reg.elastic_net_grad(bs, lam, r), strict=True)]
            wrong += [("the penalty applies to the weights only, not to the biases",
                       dWs, biased, pen),
                      ("the penalty gradient was not added to dC/dW", dWs, dbs,
                       [0 * W for W in ws])]
        mutants_w = {name: [g + p for g, p in zip(gw, gp, strict=True)]
                     for name, gw, _, gp in wrong}
        mutants_b = {name: gb for name, _, gb, _ in wrong}
        label = (f"backprop(X {X.shape}, weights {_shapes(ws)}, lam={lam:.2f}, l1_ratio={r:.2f}"
                 + (", dropout masks)" if masks else ")"))
        with check(label):
            got = student.call("backprop", X, Y, ws, bs, lam=lam, l1_ratio=r, masks=masks)
            if expect(got).is_tuple(2, "(dWs, dbs)"):
                _expect_list(got[0], want_w, "dWs", GRAD_RTOL, ATOL, mutants_w)
                _expect_list(got[1], dbs, "dbs", GRAD_RTOL, ATOL, mutants_b)


# ---------------------------------------------------------------------------
# q4 Monte Carlo dropout


def _mc(X, ws, bs, rate, passes, rng, scale=True):
    net = _mlp(ws, bs)
    outs = []
    for _ in range(passes):
        masks = net.dropout_masks(len(X), rate, rng)
        if not scale:
            masks = [m * (1 - rate) for m in masks]
        outs.append(net.forward_pass(X, masks)[1][-1])
    return np.array(outs)


@question("q4", points=2)
def mc_dropout(student, rng):
    for sizes, n, rate, passes in [([4, 6, 3], 1, 0.3, 20), ([3, 8, 5, 2], 5, 0.5, 30),
                                   ([5, 10, 4], 7, 0.2, 12)]:
        X, _, ws, bs = _network(rng, sizes, n)
        seed = builders.seed(rng)
        outs = _mc(X, ws, bs, rate, passes, np.random.default_rng(seed))
        plain = _mc(X, ws, bs, rate, passes, np.random.default_rng(seed), scale=False)
        det = _mlp(ws, bs).forward(X)
        mean_mutants = {
            "dropout must stay on for Monte Carlo dropout: got the deterministic prediction":
                det,
            "dropout without rescaling: the kept units must be divided by 1 - rate":
                plain.mean(axis=0)}
        std_mutants = {
            "the question asks for the population standard deviation (ddof=0)":
                outs.std(axis=0, ddof=1),
            "returned the variance instead of the standard deviation": outs.var(axis=0),
            "dropout without rescaling: the kept units must be divided by 1 - rate":
                plain.std(axis=0)}
        with check(f"mc_dropout_predict(X {X.shape}, weights {_shapes(ws)}, rate={rate}, "
                   f"n_passes={passes}, rng)"):
            got = student.call("mc_dropout_predict", X, ws, bs, rate, passes, student.rng(seed))
            if expect(got).is_tuple(2, "(mean, std)"):
                expect(got[0], "mean").close_to(outs.mean(axis=0), GRAD_RTOL, ATOL, mean_mutants)
                expect(got[1], "std").close_to(outs.std(axis=0), GRAD_RTOL, ATOL, std_mutants)


# ---------------------------------------------------------------------------
# q5 max-norm


@question("q5", points=1)
def max_norm(student, rng):
    for shape in [(6, 4), (1, 5), (3, 7)]:
        W = rng.normal(size=shape) * rng.uniform(0.3, 3.0, size=shape[1])
        norms = np.sort(np.linalg.norm(W, axis=0))
        r = float((norms[1] + norms[2]) / 2)  # some columns inside the ball, some outside
        with check(f"max_norm(W of shape {shape}, r={r:.3f})"):
            expect(student.call("max_norm", W, r)).close_to(
                reg.max_norm(W, r), RTOL, ATOL, mutants={
                    "normalised the rows (axis=1) instead of the columns, the incoming "
                    "weights of each unit": reg.max_norm(W, r, axis=1),
                    "rescaled every column to norm r, also those already inside the ball":
                        W * r / np.linalg.norm(W, axis=0),
                    "clipped each entry to [-r, r] instead of rescaling the column":
                        np.clip(W, -r, r)})


# ---------------------------------------------------------------------------
# q6 early stopping


def _early(losses, patience, min_delta=0.0, ties=False, reset=True):
    """(best_epoch, stop_epoch) under the rules of the question or a classic variant."""
    best, best_epoch, wait = np.inf, -1, 0
    for epoch, loss in enumerate(losses):
        if loss < best - min_delta or (ties and loss <= best - min_delta):
            best, best_epoch = loss, epoch
            wait = 0 if reset else wait
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses) - 1


def _reference_early(losses, patience, min_delta=0.0):
    stopper = reg.EarlyStopping(patience, min_delta)
    for epoch, loss in enumerate(losses):
        if stopper.update(float(loss)):
            return stopper.best_epoch, epoch
    return stopper.best_epoch, len(losses) - 1


def _falling(rng, k, start=1.0):
    """k losses, each lower than the last by more than the largest min_delta used."""
    return start - np.cumsum(rng.uniform(0.05, 0.1, size=k))


def _curves(rng):
    """Validation curves, each built so that the listed mistakes change the answer."""
    p = int(rng.integers(3, 5))
    fall = _falling(rng, int(rng.integers(4, 7)))
    best = fall[-1]
    rise = best + np.cumsum(rng.uniform(0.01, 0.05, size=p + 4))
    yield "a clear minimum", 1, 0.0, np.concatenate([fall, rise[:5]])
    yield "a clear minimum", p, 0.0, np.concatenate([fall, rise])
    # patience - 1 bad epochs, a new best (the wait restarts), then only bad epochs
    bumps = best + rng.uniform(0.01, 0.05, size=p - 1)
    new_best = best - rng.uniform(0.01, 0.03)
    rise2 = new_best + np.cumsum(rng.uniform(0.01, 0.05, size=p + 3))
    yield "a late new best", p, 0.0, np.concatenate([fall, bumps, [new_best], rise2])
    # a loss equal to the best, which is not an improvement
    tie = np.concatenate([fall, [best + 0.02, best], best + rng.uniform(0.01, 0.05, size=p + 3)])
    yield "a later loss equal to the best", p, 0.0, tie
    # small improvements below min_delta do not count
    delta = float(rng.uniform(0.02, 0.04))
    creep = best - np.cumsum(rng.uniform(0.05, 0.15, size=p + 3) * delta)
    yield "improvements smaller than min_delta", p, delta, np.concatenate([fall, creep])
    # never stops
    yield "a curve that keeps falling", p, 0.0, _falling(rng, p + 5)


@question("q6", points=2)
def early_stopping(student, rng):
    for what, patience, min_delta, losses in _curves(rng):
        n = len(losses)
        best, stop = _reference_early(losses, patience, min_delta)
        mutants = {
            "stops one epoch late: training stops as soon as wait == patience":
                _early(losses, patience + 1, min_delta),
            "stops one epoch early: count the non-improving epochs up to patience":
                _early(losses, max(patience - 1, 1), min_delta),
            "epochs are counted from 0": (best + 1, stop + 1),
            "a loss equal to the best is not an improvement (use <, not <=)":
                _early(losses, patience, min_delta, ties=True),
            "an improvement must beat the best by more than min_delta":
                _early(losses, patience, 0.0),
            "the count of epochs without improvement restarts at 0 after an improvement":
                _early(losses, patience, min_delta, reset=False),
            "when patience never runs out the stop epoch is the last one, len - 1":
                (best, n)}
        mutants = {k: v for k, v in mutants.items() if tuple(v) != (best, stop)}
        with check(f"early_stopping({n} losses with {what}, patience={patience}, "
                   f"min_delta={min_delta:.3f})"):
            got = student.call("early_stopping", losses.tolist(), patience, min_delta=min_delta)
            expect(got).equals((best, stop), mutants=mutants)


# ---------------------------------------------------------------------------
# q7 batch normalization


def _bn_inputs(rng, n, d, small=False):
    scale = rng.uniform(0.5, 3.0, size=d)
    if small:  # features whose variance is comparable to eps
        scale[: d // 2] = rng.uniform(0.02, 0.06, size=d // 2)
    x = rng.normal(size=d) + rng.normal(size=(n, d)) * scale
    return (x, rng.normal(1.0, 0.3, size=d), rng.normal(size=d),
            rng.normal(size=d), rng.uniform(0.5, 2.0, size=d))


def _bn(x, gamma, beta, mu, var, eps):
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def _bn_dx(dout, x, gamma, var, eps):
    """The compact dx formula with a given variance (mutants only)."""
    n = len(x)
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    return gamma * inv_std / n * (n * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(0))


@question("q7", points=4)
def batch_norm(student, rng):
    for n, d, eps, small in [(10, 5, 1e-3, True), (4, 3, 1e-5, False), (2, 4, 1e-5, False)]:
        x, gamma, beta, rm, rv = _bn_inputs(rng, n, d, small)
        m = float(rng.uniform(0.05, 0.3))
        new_rm, new_rv = rm.copy(), rv.copy()
        out, _ = reg.batchnorm_forward(x, gamma, beta, eps, new_rm, new_rv, m)
        mu, var = x.mean(axis=0), x.var(axis=0)
        layer = _bn(x, gamma, beta, x.mean(axis=1, keepdims=True),
                    x.var(axis=1, keepdims=True), eps)
        with check(f"batchnorm_forward(x {x.shape}, momentum={m:.3f}, eps={eps:g}, "
                   f"training=True)"):
            got = student.call("batchnorm_forward", x, gamma, beta, rm, rv, momentum=m,
                               eps=eps, training=True)
            if expect(got).is_tuple(3, "(out, new_running_mean, new_running_var)"):
                expect(got[0], "out").close_to(out, RTOL, ATOL, mutants={
                    "the batch is normalised with its biased variance (ddof=0), not the "
                    "unbiased one": _bn(x, gamma, beta, mu, x.var(axis=0, ddof=1), eps),
                    "eps is missing: divide by sqrt(var + eps)": _bn(x, gamma, beta, mu, var, 0),
                    "eps belongs inside the square root, sqrt(var + eps), not sqrt(var) + eps":
                        gamma * (x - mu) / (np.sqrt(var) + eps) + beta,
                    "normalised each row over its features (axis=1) instead of each feature "
                    "over the batch (axis=0)": layer})
                expect(got[1], "new_running_mean").close_to(new_rm, RTOL, ATOL, mutants={
                    "momentum is the weight of the new batch: (1 - m) old + m mu":
                        m * rm + (1 - m) * mu})
                expect(got[2], "new_running_var").close_to(new_rv, RTOL, ATOL, mutants={
                    "the running variance averages the unbiased variance n/(n-1) var":
                        (1 - m) * rv + m * var,
                    "momentum is the weight of the new batch: (1 - m) old + m var_unbiased":
                        m * rv + (1 - m) * x.var(axis=0, ddof=1)})
    for n, d, eps in [(1, 4, 1e-5), (5, 3, 1e-2)]:
        x, gamma, beta, rm, rv = _bn_inputs(rng, n, d)
        out = reg.batchnorm_forward(x, gamma, beta, eps, rm, rv, training=False)[0]
        mutants = {"eps is missing: divide by sqrt(running_var + eps)":
                   _bn(x, gamma, beta, rm, rv, 0.0)}
        if n > 1:
            mutants["inference must use the running statistics, not those of the batch"] = \
                _bn(x, gamma, beta, x.mean(axis=0), x.var(axis=0), eps)
        with check(f"batchnorm_forward(x {x.shape}, eps={eps:g}, training=False)"):
            got = student.call("batchnorm_forward", x, gamma, beta, rm, rv, momentum=0.1,
                               eps=eps, training=False)
            if expect(got).is_tuple(3, "(out, new_running_mean, new_running_var)"):
                expect(got[0], "out").close_to(out, RTOL, ATOL, mutants=mutants)
                expect(got[1], "new_running_mean").close_to(rm, RTOL, ATOL, mutants={
                    "the running statistics must not change in inference mode":
                        0.9 * rm + 0.1 * x.mean(axis=0)})
                expect(got[2], "new_running_var").close_to(rv, RTOL, ATOL)
    for n, d, eps, small in [(4, 3, 1e-5, False), (12, 5, 1e-3, True), (3, 2, 1e-5, False)]:
        x, gamma, beta, _, _ = _bn_inputs(rng, n, d, small)
        dout = rng.normal(size=(n, d))
        _, cache = reg.batchnorm_forward(x, gamma, beta, eps)
        dx, dgamma, dbeta = reg.batchnorm_backward(dout, cache)
        var = x.var(axis=0)
        with check(f"batchnorm_backward(dout {dout.shape}, x {x.shape}, eps={eps:g})"):
            got = student.call("batchnorm_backward", dout, x, gamma, eps=eps)
            if expect(got).is_tuple(3, "(dx, dgamma, dbeta)"):
                expect(got[0], "dx").close_to(dx, GRAD_RTOL, 1e-10, mutants={
                    "the batch statistics depend on x: dx = gamma dout / sqrt(var + eps) "
                    "misses the paths through the mean and the variance":
                        gamma * dout / np.sqrt(var + eps),
                    "the batch is normalised with its biased variance (ddof=0), not the "
                    "unbiased one": _bn_dx(dout, x, gamma, x.var(axis=0, ddof=1), eps),
                    "eps is missing: use 1 / sqrt(var + eps)": _bn_dx(dout, x, gamma, var, 0.0)})
                expect(got[1], "dgamma").close_to(dgamma, GRAD_RTOL, ATOL, mutants={
                    "dgamma = sum over the batch of dout * x_hat (the normalised x), not "
                    "dout * x": (dout * x).sum(axis=0)})
                expect(got[2], "dbeta").close_to(dbeta, GRAD_RTOL, ATOL)


# ---------------------------------------------------------------------------
# q8 fusing batch norm into the dense layer


@question("q8", points=2)
def fuse_batch_norm(student, rng):
    for n_in, n_out, eps in [(4, 3, 1e-5), (1, 5, 1e-5), (5, 5, 1e-3)]:
        W, b = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
        gamma, beta = rng.normal(1.0, 0.3, size=n_out), rng.normal(size=n_out)
        rm, rv = rng.normal(size=n_out), rng.uniform(0.002, 2.0, size=n_out)
        Wf, bf = reg.fuse_batchnorm(W, b, gamma, beta, rm, rv, eps)
        s = gamma / np.sqrt(rv + eps)
        s0 = gamma / np.sqrt(rv)
        w_mutants = {"eps is missing: s = gamma / sqrt(running_var + eps)": W * s0}
        if n_in == n_out:
            w_mutants["scaled the rows of W instead of its columns (one scale per output "
                      "unit)"] = W * s[:, None]
        with check(f"fuse_batchnorm(W {W.shape}, b {b.shape}, eps={eps:g})"):
            got = student.call("fuse_batchnorm", W, b, gamma, beta, rm, rv, eps=eps)
            if expect(got).is_tuple(2, "(W_fused, b_fused)"):
                expect(got[0], "W_fused").close_to(Wf, RTOL, ATOL, mutants=w_mutants)
                expect(got[1], "b_fused").close_to(bf, RTOL, ATOL, mutants={
                    "the running mean was not subtracted: b' = (b - mean) s + beta":
                        b * s + beta,
                    "b - mean must be scaled as a whole: b' = (b - mean) s + beta":
                        b - rm * s + beta,
                    "beta was not added: b' = (b - mean) s + beta": (b - rm) * s,
                    "eps is missing: s = gamma / sqrt(running_var + eps)":
                        (b - rm) * s0 + beta})
    X = rng.normal(size=(6, 4))
    W, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    gamma, beta, rm, rv = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3), \
        rng.uniform(0.1, 2.0, size=3)
    bn = reg.batchnorm_forward(X @ W + b, gamma, beta, 1e-5, rm, rv, training=False)[0]
    with check("X @ W_fused + b_fused equals batch norm (inference) of X @ W + b, X of shape "
               "(6, 4)"):
        got = student.call("fuse_batchnorm", W, b, gamma, beta, rm, rv)
        if expect(got).is_tuple(2, "(W_fused, b_fused)"):
            expect(got, "X @ W_fused + b_fused").satisfies(
                lambda g: np.allclose(X @ np.asarray(g[0], dtype=float)
                                      + np.asarray(g[1], dtype=float), bn, rtol=1e-9,
                                      atol=1e-12),
                "X @ W_fused + b_fused differs from batchnorm(X @ W + b) in inference mode")


# ---------------------------------------------------------------------------
# q9 initializers


def _normal(seed, std, shape):
    return np.random.default_rng(seed).normal(0.0, std, size=shape)


def _uniform(seed, r, shape):
    return np.random.default_rng(seed).uniform(-r, r, size=shape)


@question("q9", points=2)
def initializers(student, rng):
    variances = {"glorot": lambda i, o: 2 / (i + o), "he": lambda i, o: 2 / i,
                 "lecun": lambda i, o: 1 / i}
    wrong = {"glorot": {"Glorot's variance is 2 / (fan_in + fan_out); 1 / fan_in is LeCun's":
                        "lecun",
                        "Glorot's variance is 2 / (fan_in + fan_out), with the 2":
                        lambda i, o: 1 / (i + o)},
             "he": {"He's variance is 2 / fan_in; 1 / fan_in is LeCun's": "lecun",
                    "He's variance is 2 / fan_in; 2 / (fan_in + fan_out) is Glorot's": "glorot"},
             "lecun": {"LeCun's variance is 1 / fan_in; 2 / fan_in is He's": "he"}}
    for family, variance in variances.items():
        for kind in ("normal", "uniform"):
            # fan_in >= 3, as with fan_in = 1 (LeCun) or 2 (He) the variance is 1 and
            # passing it as the standard deviation would go unnoticed; fan_out < fan_in,
            # as Glorot's and LeCun's variances coincide when they are equal
            for fan_in, fan_out in [(int(rng.integers(8, 30)), int(rng.integers(3, 8))),
                                    (int(rng.integers(3, 6)), int(rng.integers(1, 3)))]:
                shape, seed = (fan_in, fan_out), builders.seed(rng)
                var = variance(fan_in, fan_out)
                draw = _normal if kind == "normal" else _uniform
                name = f"{family}_{kind}"
                expected = getattr(ref_init, name)(fan_in, fan_out, np.random.default_rng(seed))
                mutants = {}
                for text, other in wrong[family].items():
                    v = (variances[other] if isinstance(other, str) else other)(fan_in, fan_out)
                    mutants[text] = draw(seed, np.sqrt(v) if kind == "normal"
                                         else np.sqrt(3 * v), shape)
                if kind == "normal":
                    mutants["rng.normal's scale is the standard deviation sqrt(variance), "
                            "not the variance"] = _normal(seed, var, shape)
                    mutants["drew from a uniform instead of a normal distribution"] = \
                        _uniform(seed, np.sqrt(3 * var), shape)
                else:
                    mutants["the limit of U(-r, r) is r = sqrt(3 variance), so that the "
                            "variance is r^2 / 3"] = _uniform(seed, np.sqrt(var), shape)
                    mutants["drew from a normal instead of a uniform distribution"] = \
                        _normal(seed, np.sqrt(var), shape)
                with check(f"{name}({fan_in}, {fan_out}, rng)"):
                    expect(student.call(name, fan_in, fan_out, student.rng(seed))).close_to(
                        expected, RTOL, ATOL, mutants=mutants)


# ---------------------------------------------------------------------------
# q10 vanishing gradients

NORM_RTOL = 1e-6


def _norms(X, Y, ws):
    bs = [np.zeros(W.shape[1]) for W in ws]
    return np.array([np.linalg.norm(g) for g in _mlp(ws, bs).gradients(X, Y)[0]])


def _experiment(X, Y, sizes, rng):
    shapes = builders.fan_pairs(sizes)
    normal = [rng.normal(size=s) for s in shapes]
    glorot = [ref_init.glorot_normal(m, k, rng) for m, k in shapes]
    return _norms(X, Y, normal), _norms(X, Y, glorot)


def _deep_data(rng, sizes, n):
    return rng.normal(size=(n, sizes[0])), one_hot(rng.integers(0, sizes[-1], n), sizes[-1])


@question("q10", points=3)
def vanishing_gradients(student, rng):
    # n > 1 throughout: with one row a missing 1/n in backprop goes unnoticed
    for sizes, n, scale in [([4, 5, 3], 2, "glorot"), ([6] + [24] * 9 + [3], 16, "normal")]:
        X, Y = _deep_data(rng, sizes, n)
        shapes = builders.fan_pairs(sizes)
        ws = [rng.normal(size=s) if scale == "normal" else ref_init.glorot_normal(*s, rng)
              for s in shapes]
        bs = [rng.normal(scale=0.5, size=k) for k in sizes[1:]]
        net = _mlp(ws, bs)
        dWs, dbs = net.gradients(X, Y)
        norms = np.array([np.linalg.norm(g) for g in dWs])
        with check(f"gradient_norms(X {X.shape}, {len(ws)} layers, {scale} weights)"):
            expect(student.call("gradient_norms", X, Y, ws, bs)).close_to(
                norms, NORM_RTOL, ATOL, mutants={
                    "the norms are listed last layer first; expected the first layer first":
                        norms[::-1],
                    "returned the squared norms": norms**2,
                    "the gradients are n times too large: delta^L = (a^L - Y) / n, the cost "
                    "is a mean over the batch": n * norms,
                    "the norms of the weight gradients dC/dW were expected, not of dC/db":
                        np.array([np.linalg.norm(g) for g in dbs])})
    for sizes, n in [([5] + [24] * 9 + [4], 20), ([8] + [32] * 9 + [3], 3)]:
        X, Y = _deep_data(rng, sizes, n)
        seed = builders.seed(rng)
        normal, glorot = _experiment(X, Y, sizes, np.random.default_rng(seed))
        r2 = np.random.default_rng(seed)
        shapes = builders.fan_pairs(sizes)
        g_first = [ref_init.glorot_normal(m, k, r2) for m, k in shapes]
        n_second = [r2.normal(size=s) for s in shapes]
        with check(f"init_experiment(X {X.shape}, layer_sizes={sizes}, rng)"):
            got = student.call("init_experiment", X, Y, sizes, student.rng(seed))
            if expect(got).is_tuple(2, "(norms_normal, norms_glorot)"):
                expect(got[0], "norms_normal").close_to(normal, NORM_RTOL, ATOL, mutants={
                    "returned (norms_glorot, norms_normal): the N(0, 1) norms come first":
                        glorot,
                    "the gradients are n times too large: delta^L = (a^L - Y) / n, the cost "
                    "is a mean over the batch": n * normal,
                    "drew the Glorot weights before the N(0, 1) weights":
                        _norms(X, Y, n_second)})
                expect(got[1], "norms_glorot").close_to(glorot, NORM_RTOL, ATOL, mutants={
                    "drew the Glorot weights before the N(0, 1) weights":
                        _norms(X, Y, g_first)})
    sizes = [6] + [40] * 9 + [3]
    X, Y = _deep_data(rng, sizes, 32)

    def vanishing_contrast(got):
        normal, glorot = (np.asarray(v, dtype=float) for v in got)
        ratio_normal, ratio_glorot = normal[0] / normal[-1], glorot[0] / glorot[-1]
        return ratio_glorot < 1e-3 and ratio_normal > 100 * ratio_glorot

    with check(f"init_experiment(X {X.shape}, layer_sizes={sizes}, rng): the first/last "
               "gradient-norm ratio is below 1e-3 under Glorot and over 100 times larger "
               "under N(0, 1)"):
        got = student.call("init_experiment", X, Y, sizes, student.rng(builders.seed(rng)))
        if expect(got).is_tuple(2, "(norms_normal, norms_glorot)"):
            expect(got, "init_experiment").satisfies(
                vanishing_contrast,
                "expected norms_glorot[0] / norms_glorot[-1] < 1e-3 and the same ratio "
                "for N(0, 1) weights over 100 times larger")


# ---------------------------------------------------------------------------
# q11 weight decay and input scaling


def _ridge(X, y, lam):
    """Minimizer of (1/2n) ||X w + b - y||^2 + lam/2 ||w||^2 as one least-squares problem."""
    n, d = X.shape
    A = np.block([[X, np.ones((n, 1))], [np.sqrt(n * lam) * np.eye(d), np.zeros((d, 1))]])
    sol = np.linalg.lstsq(A, np.concatenate([y, np.zeros(d)]), rcond=None)[0]
    return sol[:d], float(sol[d])


def _ridge_variant(X, y, diag, penalize_bias=False):
    """Normal equations with a given diagonal term (mutants only)."""
    n, d = X.shape
    if penalize_bias:
        A = np.hstack([X, np.ones((n, 1))])
        sol = np.linalg.solve(A.T @ A / n + diag * np.eye(d + 1), A.T @ y / n)
        return sol[:d], float(sol[d])
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w = np.linalg.solve(Xc.T @ Xc / n + diag * np.eye(d), Xc.T @ yc / n)
    return w, float(y.mean() - X.mean(axis=0) @ w)


def _regression(rng, n, d):
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
    y = X @ rng.normal(size=d) + rng.normal() + rng.normal(scale=0.3, size=n)
    return X, y


def _predictions(X, y, lam, c, ridge=_ridge):
    out = []
    for data, penalty in [(X, lam), (c * X, lam), (c * X, c**2 * lam)]:
        w, b = ridge(data, y, penalty)
        out.append(data @ w + b)
    return out


@question("q11", points=3)
def weight_decay_scaling(student, rng):
    for n, d, lam in [(6, 3, 0.3), (40, 4, 0.05), (3, 5, 1.0)]:
        X, y = _regression(rng, n, d)
        w, b = _ridge(X, y, lam)
        mutants = {
            "the penalty applies to w only, not to the bias b":
                _ridge_variant(X, y, lam, penalize_bias=True),
            "the data term is a mean: the system is (Xc^T Xc / n + lam I) w = Xc^T yc / n":
                _ridge_variant(X, y, lam / n),
            "the gradient of lam/2 ||w||^2 is lam w: lam, not lam/2, on the diagonal":
                _ridge_variant(X, y, lam / 2)}
        with check(f"ridge_fit(X {X.shape}, y {y.shape}, lam={lam})"):
            got = student.call("ridge_fit", X, y, lam)
            if expect(got).is_tuple(2, "(w, b)"):
                expect(got[0], "w").close_to(w, GRAD_RTOL, 1e-9,
                                             mutants={k: v[0] for k, v in mutants.items()})
                expect(got[1], "b").close_to(b, GRAD_RTOL, 1e-9,
                                             mutants={k: v[1] for k, v in mutants.items()})
    for n, d, lam, c in [(20, 3, 0.4, 10.0), (12, 2, 1.0, 0.2)]:
        X, y = _regression(rng, n, d)
        plain, scaled, matched = _predictions(X, y, lam, c)
        _, _, divided = _predictions(X, y, lam / c**4, c)
        with check(f"weight_decay_scaling(X {X.shape}, y, lam={lam}, c={c})"):
            got = student.call("weight_decay_scaling", X, y, lam, c)
            if expect(got).is_tuple(3, "(pred_plain, pred_scaled, pred_matched)"):
                expect(got[0], "pred_plain").close_to(plain, GRAD_RTOL, 1e-9)
                expect(got[1], "pred_scaled").close_to(scaled, GRAD_RTOL, 1e-9, mutants={
                    "fitted on c X but predicted on X": X @ _ridge(c * X, y, lam)[0]
                    + _ridge(c * X, y, lam)[1]})
                expect(got[2], "pred_matched").close_to(matched, GRAD_RTOL, 1e-9, mutants={
                    "the matched penalty is c^2 lam, not lam / c^2": divided,
                    "the matched penalty is c^2 lam (the same lam gives pred_scaled)": scaled})
    X, y = _regression(rng, 25, 3)
    lam, c = 0.5, 5.0

    def invariance(got):
        plain, scaled, matched = (np.asarray(v, dtype=float) for v in got)
        return (np.allclose(matched, plain, rtol=1e-7, atol=1e-9)
                and np.abs(scaled - plain).max() > 1e-2 * np.std(y))

    with check(f"weight_decay_scaling(X {X.shape}, y, lam={lam}, c={c}): pred_matched equals "
               "pred_plain and pred_scaled does not"):
        got = student.call("weight_decay_scaling", X, y, lam, c)
        if expect(got).is_tuple(3, "(pred_plain, pred_scaled, pred_matched)"):
            expect(got, "weight_decay_scaling").satisfies(
                invariance, "expected pred_matched == pred_plain and pred_scaled clearly "
                "different from pred_plain")
