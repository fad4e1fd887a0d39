"""Hidden suite of Homework 5: regularization and training deep networks.

Every expected value comes from ``reference`` on fresh inputs drawn from ``rng`` (the
ridge regression of q11, which ``reference`` lacks, is solved as an augmented
least-squares problem, not by the normal equations the question teaches). Functions that
draw get ``student.rng(seed)``; the expected values use a generator of the same seed, so
the draws the text prescribes give exactly the same numbers. Where a question builds on
an earlier function (backprop on the penalty gradient, Monte Carlo dropout on the forward
pass, the gradient norms on backprop, the experiment on the initializer and the norms,
the scaling study on the ridge fit), what the student's own earlier function leads to is
accepted too, and the check says so: a mistake costs points once.

Tolerances: the suite's ``TOLERANCE`` for closed forms, and

* ``GRAD`` and ``DX`` for backpropagation and the batch-norm backward pass: sums of
  products in another order and equivalent forms of sigma' or dx cancel differently;
  rtol=1e-7 leaves a margin of 1e5 over rounding (atol 1e-10 for dx, whose entries are
  differences of O(1) terms);
* ``NORM`` for the gradient norms of 10-layer networks: with N(0, 1) weights most sigmoids
  saturate, where sigma' as a (1 - a) and as sigma(z) sigma(-z) differ relatively by up
  to eps / (1 - a); those units carry almost none of the norm;
* ``SOLVE`` for ridge regression: well-conditioned solves (condition number below 1e3)
  by different methods agree to ~1e-13.
"""

from functools import cache

import numpy as np

from autograder.authoring import (
    Budgets,
    Tolerance,
    builders,
    changes_arguments,
    check,
    describe_value,
    expect,
    fail,
    maybe_numbers,
    mutants,
    note,
    numbers,
    own_result,
    question,
    rests_on,
    shaped_like,
    verify,
    verify_defaults,
)
from reference import init as ref_init
from reference import regularization as reg
from reference.network import MLP

BUDGETS = Budgets(cell_seconds=10, notebook_seconds=60)
TOLERANCE = Tolerance(
    1e-9, 1e-12, "a correct answer written another way differs from the reference by a few "
    "ulps; the smallest planted difference, a missing eps of 1e-5 on a unit variance, is a "
    "relative 5e-6")
GRAD, DX, NORM, SOLVE = (1e-7, 1e-12), (1e-7, 1e-10), (1e-6, 1e-12), (1e-7, 1e-9)
NO_RESCALE = "dropout without rescaling: the kept units must be divided by 1 - rate"
NOT_MEAN = "the gradients are n times too large: the cost is a mean over the batch"


# ---------------------------------------------------------------------------
# q1 penalties


NO_LAM = "the {} part is missing its factor lam: both parts are scaled by lam"


@question("q1", points=3)
def penalties(student, rng):
    for shapes in [[(1, 5)], [(4, 3), (3, 3), (3, 2)]]:
        first = len(shapes) == 1
        ws = [rng.normal(size=s) for s in shapes]
        for W in ws:  # exact zeros, where sign(0) = 0 matters
            W.flat[rng.choice(W.size, size=2, replace=False)] = 0.0
        lam, r = float(rng.uniform(0.05, 0.9)), float(rng.uniform(0.2, 0.8))
        sq, ab = (sum(float(np.sum(f(W))) for W in ws) for f in (np.square, np.abs))
        label = f"weights of shapes {builders.shapes_of(ws)}, lam={lam:.3f}"
        cases = [
            ("l2_penalty", (), reg.l2_penalty(ws, lam), {
                "the course's L2 penalty is lam/2 sum W^2; lam sum W^2 (without the 1/2) is "
                "the other convention": lam * sq,
                "summed the norms ||W|| instead of the squared norms ||W||^2":
                    lam / 2 * sum(float(np.linalg.norm(W)) for W in ws),
                "averaged the squares of each matrix (np.mean) instead of summing them":
                    lam / 2 * sum(float(np.mean(W * W)) for W in ws)}),
            ("l2_grad", (), reg.l2_grad(ws, lam), {
                "missing the factor 2 of d(w^2)/dw = 2w: the gradient of lam/2 sum W^2 is "
                "lam W, not lam/2 W": [lam / 2 * W for W in ws],
                "2 lam W is the gradient of lam sum W^2, not of the course's lam/2 sum W^2":
                    [2 * lam * W for W in ws]}),
            ("l1_penalty", (), reg.l1_penalty(ws, lam), {
                "summed the weights instead of their absolute values": lam * sum(map(np.sum, ws)),
                "the L1 penalty is lam sum |W|, without a 1/2": lam / 2 * ab,
                "np.linalg.norm(W, 1) of a matrix is its largest column sum of |w|; the L1 "
                "penalty sums every |w|": lam * sum(float(np.linalg.norm(W, 1)) for W in ws)}),
            ("l1_grad", (), reg.l1_grad(ws, lam), {
                "sign(0) must be 0 (the subgradient np.sign gives)":
                    [lam * np.where(W >= 0, 1.0, -1.0) for W in ws],
                "W / |W| is nan where W = 0; the subgradient there is 0, as np.sign gives":
                    [lam * np.divide(W, np.abs(W), out=np.full_like(W, np.nan), where=W != 0)
                     for W in ws]}),
            ("elastic_net_penalty", (r,), reg.elastic_net_penalty(ws, lam, r), {
                "l1_ratio weights the L2 part instead of the L1 part":
                    reg.elastic_net_penalty(ws, lam, 1 - r),
                "the L2 part lost its 1/2: lam sum W^2 is not the course's convention":
                    r * lam * ab + (1 - r) * lam * sq,
                NO_LAM.format("L2"): r * lam * ab + (1 - r) / 2 * sq,
                NO_LAM.format("L1"): r * ab + (1 - r) * lam / 2 * sq}),
            ("elastic_net_grad", (r,), reg.elastic_net_grad(ws, lam, r), {
                "l1_ratio weights the L2 part instead of the L1 part":
                    reg.elastic_net_grad(ws, lam, 1 - r),
                "the L2 part of the gradient lost its weight 1 - l1_ratio: lam (r sign(W) + "
                "(1 - r) W)": [lam * (r * np.sign(W) + W) for W in ws],
                "the L2 part of the gradient is lam W, not 2 lam W":
                    [lam * (r * np.sign(W) + 2 * (1 - r) * W) for W in ws],
                "the L2 part of the gradient is lam W, not lam/2 W (the factor 2 of "
                "d(w^2)/dw is missing)": [lam * (r * np.sign(W) + (1 - r) / 2 * W) for W in ws],
                "sign(0) must be 0 (the subgradient np.sign gives)":
                    [lam * (r * np.where(W >= 0, 1.0, -1.0) + (1 - r) * W) for W in ws],
                NO_LAM.format("L2"): [lam * r * np.sign(W) + (1 - r) * W for W in ws],
                NO_LAM.format("L1"): [r * np.sign(W) + lam * (1 - r) * W for W in ws]})]
        for name, extra, want, wrong in cases:
            with check(f"{name}({label}" + (f", l1_ratio={r:.3f})" if extra else ")")):
                got = student.call(name, ws, lam, *extra)
                if isinstance(want, list):
                    expect(got, name).each_close_to(want, mutants=wrong)
                else:
                    if first:  # the rule costs one check
                        expect(got, name).is_number("one float, summed over all matrices")
                    expect(got).close_to(want, mutants=wrong)
    # lam = 0, a setting every sweep starts from: still one array per weight matrix
    ws = [rng.normal(size=s) for s in [(3, 4), (4, 2)]]
    with check(f"l2_grad, l1_grad and elastic_net_grad(weights of shapes "
               f"{builders.shapes_of(ws)}, lam=0): zero arrays shaped like the weights"):
        for name, extra in (("l2_grad", ()), ("l1_grad", ()), ("elastic_net_grad", (0.5,))):
            expect(student.call(name, ws, 0.0, *extra), name).each_close_to(
                [np.zeros_like(W) for W in ws])


# ---------------------------------------------------------------------------
# q2 dropout


MASK_MISTAKES = {  # the masks classic mistakes make of the draws u, given the rate
    NO_RESCALE + " (inverted dropout)": lambda u, rate: (u >= rate) * 1.0,
    "the kept units are divided by 1 - rate, not by rate":  # none at rate 0
        lambda u, rate: (u >= rate) / rate if rate > 0 else None,
    "the text keeps the units where the draw is >= rate, not < 1 - rate":
        lambda u, rate: (u < 1 - rate) / (1 - rate),
    "kept the units where the draw is < rate: those are the dropped ones":
        lambda u, rate: (u < rate) / (1 - rate),
    "the kept units were multiplied by 1 - rate; inverted dropout divides by it":
        lambda u, rate: (u >= rate) * (1 - rate)}


KEEP_PATTERN = ("the mask holds 0 and 1 while out was rescaled: return the mask out was "
                "multiplied by, [u >= rate] / (1 - rate)")


def _keep(u, rate):
    """The inverted-dropout mask of the draws u: [u >= rate] / (1 - rate)."""
    return (u >= rate) / (1 - rate)


def _mask_rule(side, scale):
    """The mask [side(u, rate)] * num / den, (num, den) = scale(rate), as NumPy computes
    it (0/0 is NaN)."""
    def mask(u, rate):
        num, den = scale(rate)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.divide(side(u, rate) * num, np.float64(den))
    return mask


# The masks of the draws u a dropout_forward may make: [u >= rate] or [u < rate] (or with
# 1 - rate), divided by 1 - rate or rate, or times 1, 1 - rate or rate: the text's rule,
# _keep, first, the classic mistakes of MASK_MISTAKES among the others.
MASK_RULES = (_keep, *(_mask_rule(side, scale) for side in (
    lambda u, r: u >= r, lambda u, r: u < r, lambda u, r: u >= 1 - r, lambda u, r: u < 1 - r)
    for scale in (lambda r: (1.0, 1 - r), lambda r: (1.0, r), lambda r: (1.0, 1.0),
                  lambda r: (1 - r, 1.0), lambda r: (r, 1.0))))


def _own_mask_index(student, rate) -> int | None:
    """Which of MASK_RULES the student's own dropout_forward follows at this rate
    (found with one call on fresh draws), or None."""
    u = np.random.default_rng(0).random((8, 8))
    got = student.call("dropout_forward", np.ones((8, 8)), rate, student.rng(0))
    got = (shaped_like(got, (u, u)) or [None, None])[1]  # (out, mask) as floats, or None
    return next((i for i, rule in enumerate(MASK_RULES) if got is not None
                 and np.allclose(got, rule(u, rate), 1e-9, 1e-12, equal_nan=True)), None)


NAN_MASKS = ("your dropout_forward's masks are 0/0 = NaN at rate {rate:g} (Question 2 "
             "charges it), so NaN is what your Monte Carlo dropout gives here, and it was "
             "judged so")


def _nan_answer(nan_masks: bool, rate, value, what: str) -> bool:
    """Where the student's own masks are NaN at this rate (``nan_masks``, see
    :func:`_nan_masks`), judge ``value`` by that, all NaN, and return True; otherwise
    False."""
    if not nan_masks:
        return False
    note(NAN_MASKS.format(rate=rate))
    arr = maybe_numbers(value)
    verify(arr is not None and bool(np.isnan(arr).all()), "expected NaN everywhere, as the "
           f"masks of your own dropout_forward lead to, got {describe_value(value)}", what)
    return True


def _nan_masks(student, rate, i: int | None) -> bool:
    """The student's own dropout_forward follows the same rule (``i``, its index at this
    rate) at 0.3, where rate and 1 - rate differ, and its masks are NaN here (0/0: a rule
    that divides by the rate, at rate 0): a mistake of Question 2 that makes NaN what
    their Monte Carlo dropout gives."""
    return i is not None and bool(
        np.isnan(MASK_RULES[i](np.random.default_rng(0).random(4), rate)).all()) \
        and i == _own_mask_index(student, 0.3)


def _rate(rng):
    return float(rng.choice([rng.uniform(0.15, 0.45), rng.uniform(0.55, 0.7)]))


def _mask_seed(rng, shape, rate):
    """A seed whose mask keeps some units and drops others (no mistake hides behind an
    all-zero or all-one mask)."""
    while True:
        seed = builders.seed(rng)
        keep = np.random.default_rng(seed).random(shape) >= rate
        if keep.any() and not keep.all():
            return seed


PLACEHOLDER = ("out = x and a mask of ones are what a placeholder that returns its input "
               "gives")


@question("q2", points=2)
def dropout(student, rng):
    for shape in [(1, 6), (5, 4), (8, 3)]:
        x, rate = rng.normal(size=shape), _rate(rng)
        seed = _mask_seed(rng, shape, rate)
        out, mask = reg.dropout_forward(x, rate, np.random.default_rng(seed))
        u = np.random.default_rng(seed).random(shape)
        wrong = {k: rule(u, rate) for k, rule in MASK_MISTAKES.items()}
        first = shape == (1, 6)
        with check(f"dropout_forward(x of shape {shape}, rate={rate:.3f}, rng)",
                   context={"p": rate}):
            if first:
                verify_defaults(student, "dropout_forward", training=True)
            got = student.call("dropout_forward", x, rate, student.rng(seed))
            if expect(got).is_tuple(2, "(out, mask)"):
                pair = shaped_like(got, (out, mask))
                if (pair is None or not np.allclose(pair[1], mask)) and \
                        _ignores_rng(student, rate):
                    verify(False, "the same seed gives other masks, or two seeds the same one: "
                           "draw u with rng.random(x.shape) from the rng you are given",
                           "dropout_forward",
                           mistake="dropout draws from another generator than its rng")
                out_ok = expect(got[0], "out").close_to(out, mutants={
                    k: x * m for k, m in wrong.items()})
                expect(got[1], "mask").close_to(mask, mutants={
                    KEEP_PATTERN if out_ok and k.startswith(NO_RESCALE) else k: m
                    for k, m in wrong.items()})
    x, seed = rng.normal(size=(3, 4)), builders.seed(rng)
    with check(f"dropout_forward(x of shape {x.shape}, rate=0.0, rng): out = x and a mask of "
               "ones, still drawn with one call rng.random(x.shape)", supporting=PLACEHOLDER):
        g = student.generator(seed)
        got = student.call("dropout_forward", x, 0.0, g)
        if expect(got).is_tuple(2, "(out, mask)"):
            expect(got[0], "out").close_to(x)
            expect(got[1], "mask").close_to(np.ones_like(x))
        if not _ignores_rng(student, 0.5):  # Question 2's first checks charge that
            after = np.random.default_rng(seed)
            after.random(x.shape)
            verify(np.array_equal(numbers(g.call("random", 3), "the draws after"),
                                  after.random(3)),
                   "with rate=0 the generator must be where one call rng.random(x.shape) "
                   "leaves it: the text draws the mask once, whatever the rate",
                   "dropout_forward", mistake="no draw (or another draw) when the rate is 0")
    x, rate, seed = rng.normal(size=(4, 5)), _rate(rng), builders.seed(rng)
    with check(f"dropout_forward(x of shape {x.shape}, rate={rate:.3f}, rng, training=False): "
               "out = x, a mask of ones, and no draw from rng at inference",
               supporting=PLACEHOLDER):
        got = student.call("dropout_forward", x, rate, student.rng(seed), training=False,
                           no_draws=True)
        if expect(got).is_tuple(2, "(out, mask)"):
            expect(got[0], "out").close_to(x, mutants={
                "dropout must be off at inference: out = x":
                    reg.dropout_forward(x, rate, np.random.default_rng(seed))[0],
                "inverted dropout needs no scaling at inference: out = x, not (1 - rate) x":
                    (1 - rate) * x,
                "inverted dropout scales during training only: out = x at inference, not "
                "x / (1 - rate)": x / (1 - rate)})
            expect(got[1], "mask").close_to(np.ones_like(x))
    for shape in [(1, 3), (6, 4)]:
        dout, rate = rng.normal(size=shape), _rate(rng)
        mask = reg.dropout_forward(np.ones(shape), rate, np.random.default_rng(
            _mask_seed(rng, shape, rate)))[1]
        with check(f"dropout_backward(dout of shape {shape}, mask with rate={rate:.3f})"):
            expect(student.call("dropout_backward", dout, mask)).close_to(
                reg.dropout_backward(dout, mask), mutants={
                    "the backward pass must scale by 1 / (1 - rate) like the forward pass: "
                    "use the mask itself, not mask > 0": dout * (mask > 0),
                    "the mask already contains 1 / (1 - rate); it was divided again":
                        dout * mask / (1 - rate)})


# ---------------------------------------------------------------------------
# q3 forward and backprop


def _problem(rng, sizes, n, rate=None, zeros=False):
    """X, one-hot Y, weights ~ N(0, 1/fan_in), biases ~ N(0, 0.25) and dropout masks; with
    ``zeros``, two weights of each layer exactly 0 (where the L1 gradient's sign(0) shows)."""
    ws, bs = builders.network(rng, sizes)
    X, Y = builders.batch(rng, n, sizes[0], sizes[-1])
    for W in ws if zeros else []:
        W.flat[rng.choice(W.size, size=2, replace=False)] = 0.0
    masks = None if rate is None else MLP.from_params(ws, bs).dropout_masks(n, rate, rng)
    return X, Y, ws, bs, masks


def _backprop_mutants(X, Y, ws, bs, lam, r, masks):
    """{mistake: (dWs, dbs)} of the penalised cost: the shared backprop mistakes with the
    L2 part (1 - r) lam as ``l2`` and the L1 part added, and mistakes in the penalty."""
    l1 = [lam * r * np.sign(W) for W in ws]
    found = {k: ([g + p if g.shape == p.shape else g for g, p in zip(dW, l1, strict=True)], db)
             for k, (dW, db) in
             mutants.backprop_mutants(ws, bs, X, Y, l2=lam * (1 - r), masks=masks).items()
             if k != mutants.BACKPROP["l2_on_biases"]}
    dWs, dbs = MLP.from_params(ws, bs).gradients(X, Y, masks=masks)
    pen = reg.elastic_net_grad(ws, lam, r)
    if lam > 0 and r > 0:  # (with r = 0, the shared l2_missing)
        found["the penalty's gradient was not added to dC/dW"] = (dWs, dbs)
    if lam > 0:
        found[mutants.BACKPROP["l2_on_biases"]] = (
            [g + p for g, p in zip(dWs, pen, strict=True)],
            [g + p for g, p in zip(dbs, reg.elastic_net_grad(bs, lam, r), strict=True)])
        found["the penalty is added once, not once per sample: n times its gradient"] = (
            [g + len(X) * p for g, p in zip(dWs, pen, strict=True)], dbs)
    found["the gradients are listed last layer first: dWs[0] is dC/dW^1 (reverse the lists "
          "built from the output layer down)"] = (
        [g + p for g, p in zip(dWs, pen, strict=True)][::-1], dbs[::-1])
    if lam > 0 and r > 0:
        found["sign(0) must be 0 (the subgradient np.sign gives)"] = (
            [g + p + lam * r * (W == 0) for g, p, W in zip(dWs, pen, ws, strict=True)], dbs)
    return found


PENALTY_IN_PLACE = ("your penalty gradient changes the weights it is given in place (a "
                    "mistake Question 1 charges), so {} was not charged for that again")


def _penalty_in_place(student) -> bool:
    """The student's own l2_grad, l1_grad or elastic_net_grad changes the weights it is
    given in place: backprop and gradient_norms, which call it, then change them too."""
    ws = [np.random.default_rng(0).normal(size=(3, 2))]
    return any(changes_arguments(student, name, ws, 0.5, *extra) for name, extra in (
        ("l2_grad", ()), ("l1_grad", ()), ("elastic_net_grad", (0.5,))))


@question("q3", points=4)
def backpropagation(student, rng):
    for sizes, n, rate in [([4, 5, 3], 2, None), ([3, 6, 4, 2], 5, 0.4)]:
        X, _, ws, bs, masks = _problem(rng, sizes, n, rate)
        zs, acts = mutants.forward_pass(ws, bs, X, masks=masks)
        wrong = {mutants.FORWARD[k]: mutants.forward_pass(ws, bs, X, k, masks=masks)
                 for k in mutants.FORWARD if k != "naive_softmax"}  # no large logits here
        with check(f"forward(X {X.shape}, weights {builders.shapes_of(ws)}"
                   + (", dropout masks)" if masks else ")")):
            if not masks:
                verify_defaults(student, "forward", masks=None)
            got = student.call("forward", X, ws, bs, masks)
            if expect(got).is_tuple(2, "(zs, activations)"):
                expect(got[0], "zs").each_close_to(zs, mutants={k: v[0] for k, v in wrong.items()})
                expect(got[1], "activations").each_close_to(
                    acts, mutants={k: v[1] for k, v in wrong.items()})
    # n > 1 throughout: with one row a missing 1/n goes unnoticed; the last has one layer
    # (L = 1, no hidden layer), where the penalty still belongs to W^1
    in_place = _penalty_in_place(student)
    for sizes, n, lam, r, rate in [([3, 4, 2], 3, 0.0, 0.0, None), ([4, 5, 3], 6, 0.3, 0.0, None),
                                   ([5, 4, 4, 3], 7, 0.2, 0.4, 0.3), ([3, 6, 2], 4, 0.1, 1.0, 0.5),
                                   ([4, 3], 5, 0.25, 0.5, None)]:
        X, Y, ws, bs, masks = _problem(rng, sizes, n, rate, zeros=r > 0)
        dWs, dbs = MLP.from_params(ws, bs).gradients(X, Y, masks=masks)
        want = [g + p for g, p in zip(dWs, reg.elastic_net_grad(ws, lam, r), strict=True)]
        wrong = _backprop_mutants(X, Y, ws, bs, lam, r, masks)

        @cache
        def own(ws=ws, lam=lam, r=r, dWs=dWs):
            """The data gradients plus the student's own elastic_net_grad, or None."""
            pen = own_result(student, "elastic_net_grad", ws, lam, r, like=ws)
            return None if pen is None else [g + p for g, p in zip(dWs, pen, strict=True)]

        with check(f"backprop(X {X.shape}, weights {builders.shapes_of(ws)}, lam={lam:.2f}, "
                   f"l1_ratio={r:.2f}" + (", dropout masks)" if masks else ")")
                   + " (the penalty gradient of your own elastic_net_grad also counts)",
                   context={"n": n}):
            if sizes == [3, 4, 2]:
                verify_defaults(student, "backprop", lam=0.0, l1_ratio=0.0, masks=None)
            if in_place:
                note(PENALTY_IN_PLACE.format("backprop"))
            got = student.call("backprop", X, Y, ws, bs, lam=lam, l1_ratio=r, masks=masks,
                               may_change=2 if in_place else ())
            if expect(got).is_tuple(2, "(dWs, dbs)"):
                expect(got[0], "dWs").each_close_to(
                    want, *GRAD, {k: v[0] for k, v in wrong.items()},
                    accept={"the penalty gradient of your own elastic_net_grad": own})
                expect(got[1], "dbs").each_close_to(dbs, *GRAD, {k: v[1] for k, v in wrong.items()})
    # output logits near 1000, a shift the softmax ignores: the given softmax stays finite
    X, _, ws, bs, _ = _problem(rng, [4, 5, 3], 3)
    bs[-1] = bs[-1] + 1000.0
    zs, acts = mutants.forward_pass(ws, bs, X)
    with check(f"forward(X {X.shape}, weights {builders.shapes_of(ws)}) with output logits "
               "near 1000"):
        got = student.call("forward", X, ws, bs, None)
        if expect(got).is_tuple(2, "(zs, activations)"):
            expect(got[0], "zs").each_close_to(zs)
            expect(got[1], "activations").each_close_to(acts, mutants={
                mutants.FORWARD["naive_softmax"]:
                    mutants.forward_pass(ws, bs, X, "naive_softmax")[1]})


# ---------------------------------------------------------------------------
# q4 Monte Carlo dropout


def _passes(X, ws, bs, rate, passes, rng, order="text", rule=_keep, forward=None,
            rows=None, transposed=False):
    """The softmax outputs of every pass, shape (passes, n, K), with masks drawn in the
    ``order`` of the text (pass by pass, first hidden layer first), last layer first
    (``"reversed"``), layer by layer over all passes (``"layers"``), with a mask on the
    inputs drawn first in each pass (``"inputs"``) or on the softmax outputs drawn last
    (``"outputs"``), or for the first pass only and reused (``"once"``), made from draws
    of ``rows`` rows (default n; 1: one mask per unit for all samples) by ``rule`` (drawn
    as (n_l, rows) and transposed with ``transposed``); ``forward`` replaces the reference
    forward pass (the student's own)."""
    n, hidden = len(X), [W.shape[1] for W in ws[:-1]]
    if order == "inputs":
        hidden = [X.shape[1]] + hidden
        forward = forward or (lambda m: mutants.forward_pass(ws, bs, X * m[0], masks=m[1:])[1][-1])
    elif order == "outputs":
        hidden = hidden + [ws[-1].shape[1]]
        forward = forward or (lambda m: mutants.forward_pass(ws, bs, X, masks=m[:-1])[1][-1]
                              * m[-1])
    draws = [[None] * len(hidden) for _ in range(passes)]
    slots = [(t, l) for t in range(1 if order == "once" else passes) for l in range(len(hidden))]
    if order == "reversed":
        slots = [(t, l) for t in range(passes) for l in reversed(range(len(hidden)))]
    elif order == "layers":
        slots = [(t, l) for l in range(len(hidden)) for t in range(passes)]
    for t, l in slots:
        u = rng.random((hidden[l], rows or n)).T if transposed else \
            rng.random((rows or n, hidden[l]))
        draws[t][l] = rule(u, rate)
    if order == "once":
        draws = [draws[0]] * passes
    forward = forward or (lambda m: mutants.forward_pass(ws, bs, X, masks=m)[1][-1])
    return np.array([forward(masks) for masks in draws])


OWN_PASSES = {False: "passes through your own forward",
              True: "passes through your own forward with masks of your own dropout_forward"}
IGNORES_RNG = ("masks of your own dropout_forward, which does not follow the rng it is given "
               "(Question 2), so only their form was checked")


def _ignores_rng(student, rate) -> bool:
    """The student's own dropout_forward gives other masks for the same seed, or the same
    mask for two seeds: it draws from another generator (a mistake Question 2 charges)."""
    ones = np.ones((8, 8))
    masks = [own_result(student, "dropout_forward", ones, rate, student.rng(seed),
                        like=(ones, ones)) for seed in (0, 0, 1)]
    if any(m is None for m in masks):
        return False
    same = [np.array_equal(masks[0][1], m[1]) for m in masks[1:]]
    return not same[0] or same[1]


def _plausible(value, shape, what) -> np.ndarray | None:
    """A mean of softmax outputs (rows in [0, 1] summing to 1) or their standard deviation
    (entries in [0, 1/2]) of ``shape``, as floats, or None."""
    arr = maybe_numbers(value, shape, finite=True)
    if arr is None or arr.min() < 0:
        return None
    if what == "mean":
        return arr if arr.max() <= 1 and np.allclose(arr.sum(axis=1), 1.0) else None
    return arr if arr.max() <= 0.5 else None


@question("q4", points=2)
def mc_dropout(student, rng):
    # rate 0 last: every pass the same, so the spread is exactly 0 (as the public test has it)
    for sizes, n, rate, passes in [([4, 6, 3], 2, 0.3, 20), ([3, 8, 5, 2], 5, 0.5, 30),
                                   ([5, 10, 4], 7, 0.2, 12), ([4, 5, 3], 1, 0.4, 6),
                                   ([4, 6, 3], 3, 0.0, 8)]:
        X, _, ws, bs, _ = _problem(rng, sizes, n)
        seed = builders.seed(rng)

        def run(seed=seed, X=X, ws=ws, bs=bs, rate=rate, passes=passes, **how):
            return _passes(X, ws, bs, rate, passes, np.random.default_rng(seed), **how)

        def forward(masks, X=X, ws=ws, bs=bs):
            got = maybe_numbers(student.call("forward", X, ws, bs, masks)[1][-1])
            if got is None:
                raise ValueError("not numbers")
            return got

        rule_index = cache(lambda rate=rate: _own_mask_index(student, rate))
        nan_masks = cache(lambda rate=rate, rule_index=rule_index: _nan_masks(
            student, rate, rule_index()))

        @cache
        def own(mine, run=run, forward=forward, rule_index=rule_index):
            """The passes through the student's own forward, with the text's masks or (with
            ``mine``) those of their own dropout_forward, or None."""
            i = rule_index() if mine else 0
            rule = None if i is None else MASK_RULES[i]
            try:  # None too for the text's rule with mine: the same as without
                return None if rule is None or (mine and rule is _keep) else run(
                    forward=forward, rule=rule)
            except (ValueError, TypeError, IndexError, KeyError):
                return None

        outs = run()
        ignores = cache(lambda rate=rate: _ignores_rng(student, rate))
        wrong = {"dropout must stay on for Monte Carlo dropout: got the deterministic "
                 "prediction": MLP.from_params(ws, bs).forward(X)[None],
                 NO_RESCALE: run(rule=lambda u, rate: (u >= rate) * 1.0),
                 "the masks were drawn last hidden layer first; the text draws the first "
                 "hidden layer first": run(order="reversed"),
                 "the masks were drawn layer by layer over all passes; the text finishes one "
                 "pass before the next": run(order="layers"),
                 "every pass gave the first pass's outputs (its masks reused, or a return "
                 "after one pass): each of the n_passes passes draws new masks, and the "
                 "mean and spread are over all of them": run(order="once"),
                 "one mask per unit, shared by all the samples of a pass: each sample gets "
                 "its own, rng.random((n, n_l))": run(rows=1),
                 "the draws were made as rng.random((n_l, n)).T: other numbers in other "
                 "places than rng.random((n, n_l))": run(transposed=True),
                 "dropout was applied to the inputs X too; the text draws one mask per hidden "
                 "layer only": run(order="inputs"),
                 "dropout was applied to the softmax outputs too; the text draws one mask per "
                 "hidden layer only": run(order="outputs"),
                 "averaged the logits z^L; Monte Carlo dropout averages the softmax outputs":
                     run(forward=lambda m, X=X, ws=ws, bs=bs: mutants.forward_pass(
                         ws, bs, X, masks=m)[0][-1])}
        label = (f"mc_dropout_predict(X {X.shape}, weights {builders.shapes_of(ws)}, "
                 f"rate={rate}, n_passes={passes}, rng)")
        got = None
        with check(f"{label}: the mean (passes through your own forward, with masks of your "
                   "own dropout_forward, also count)"):
            got = student.call("mc_dropout_predict", X, ws, bs, rate, passes, student.rng(seed))
            if expect(got).is_tuple(2, "(mean, std)") and not _nan_answer(nan_masks(), rate,
                                                                            got[0], "mean"):
                alt = {OWN_PASSES[mine]: lambda mine=mine, own=own: None if own(mine) is None
                       else own(mine).mean(axis=0) for mine in (False, True)}
                alt[IGNORES_RNG] = lambda got=got, ignores=ignores, shape=outs.shape[1:]: \
                    _plausible(got[0], shape, "mean") if ignores() else None
                expect(got[0], "mean").close_to(outs.mean(axis=0), *GRAD, {
                    k: v.mean(axis=0) for k, v in wrong.items()}, accept=alt)
        with check(f"{label}: the standard deviation (of your own passes, too)"):
            if not (isinstance(got, tuple | list) and len(got) == 2):
                fail("no (mean, std) was returned (see the mean's check)")
            if not _nan_answer(nan_masks(), rate, got[1], "std"):
                alt = {OWN_PASSES[mine]: lambda mine=mine, own=own: None if own(mine) is None
                       else own(mine).std(axis=0) for mine in (False, True)}
                alt[IGNORES_RNG] = lambda got=got, ignores=ignores, shape=outs.shape[1:]: \
                    _plausible(got[1], shape, "std") if ignores() else None
                expect(got[1], "std").close_to(outs.std(axis=0), *GRAD, {
                    "the text asks for the population standard deviation (ddof=0)":
                        outs.std(axis=0, ddof=1),
                    "returned the variance instead of the standard deviation": outs.var(axis=0),
                    **{k: v.std(axis=0) for k, v in wrong.items()}}, accept=alt)


# ---------------------------------------------------------------------------
# q5 max-norm


@question("q5", points=1)
def max_norm(student, rng):
    for shape in [(6, 4), (1, 5), (3, 7)]:
        W = rng.normal(size=shape) * rng.uniform(0.3, 3.0, size=shape[1])
        norms = np.sort(np.linalg.norm(W, axis=0))
        r = float((norms[1] + norms[2]) / 2)  # some columns inside the ball, some outside
        inside = shape == (6, 4)  # also every column inside the ball: a copy of W
        with check(f"max_norm(W of shape {shape}, r={r:.3f}), a new array; W unchanged"
                   + (f"; with r={2 * norms[-1]:.3f} a copy of W" if inside else "")):
            got = student.call("max_norm", W, r, fresh=True)
            expect(got).close_to(reg.max_norm(W, r), mutants={
                "normalised the rows (axis=1) instead of the columns, the incoming weights of "
                "each unit": reg.max_norm(W, r, axis=1),
                "rescaled every column to norm r, also those already inside the ball":
                    W * r / np.linalg.norm(W, axis=0),
                "divided each column by its norm: the factor is r / max(||w||, r)":
                    W / np.linalg.norm(W, axis=0),
                "the factor is r / max(||w||, r): the r above the line is missing":
                    W / np.maximum(np.linalg.norm(W, axis=0), r),
                "the factor is r / max(||w||, r), not r / min(||w||, r), which stretches the "
                "short columns to norm r and leaves the long ones":
                    W * r / np.minimum(np.linalg.norm(W, axis=0), r),
                "clipped each entry to [-r, r] instead of rescaling the column": np.clip(W, -r, r),
                "rescaled by the norm of the whole matrix; max-norm bounds the norm of each "
                "column": W * min(1.0, r / np.linalg.norm(W)),
                "compared and divided by the squared norm ||w||^2; the factor is "
                "r / max(||w||, r)": W * r / np.maximum(np.sum(W * W, axis=0), r),
                "Keras's MaxNorm, W clip(||w||, 0, r) / (1e-7 + ||w||), shrinks every column "
                "a little: one inside the ball is left unchanged, r / max(||w||, r)":
                    W * np.clip(np.linalg.norm(W, axis=0), 0, r)
                    / (1e-7 + np.linalg.norm(W, axis=0))})
            if inside:
                expect(student.call("max_norm", W, 2 * float(norms[-1]), fresh=True),
                       "with every column inside").close_to(W)


# ---------------------------------------------------------------------------
# q6 early stopping


def _early(losses, patience, min_delta=0.0, ties=False, reset=True, running=False,
           relative=False, close=False):
    """(best_epoch, stop_epoch) under a classic variant of the rules (mutants only); with
    ``running`` the best loss follows every decrease, also those below min_delta; with
    ``relative`` an improvement beats best * (1 - min_delta); with ``close`` a loss that
    np.isclose calls equal to the best is none."""
    best, best_epoch, wait = np.inf, -1, 0
    for epoch, loss in enumerate(losses):
        bar = best * (1 - min_delta) if relative else best - min_delta
        if (loss < bar or (ties and loss <= bar)) and not (close and np.isclose(loss, best)):
            best, best_epoch, wait = loss, epoch, 0 if reset else wait
        else:
            best = min(best, loss) if running else best
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses) - 1


def _reference_early(losses, patience, min_delta=0.0, examined=None):
    """(best_epoch, stop_epoch) by the reference; with ``examined``, only that many
    epochs are looked at (a mutant: a loop that stops short)."""
    stopper = reg.EarlyStopping(patience, min_delta)
    for epoch, loss in enumerate(losses[:examined]):
        if stopper.update(float(loss)):
            return stopper.best_epoch, epoch
    return stopper.best_epoch, len(losses) - 1


def _curves(rng):
    """Validation curves, each built so that the listed mistakes change the answer."""
    p = int(rng.integers(3, 5))
    fall = 1.0 - np.cumsum(rng.uniform(0.05, 0.1, size=int(rng.integers(4, 7))))
    best = fall[-1]
    rise = best + np.cumsum(rng.uniform(0.01, 0.05, size=p + 4))
    yield "a clear minimum", 1, 0.0, np.concatenate([fall, rise[:5]])
    yield "a clear minimum", p, 0.0, np.concatenate([fall, rise])
    # patience - 1 bad epochs, a new best (the wait restarts), then only bad epochs
    new_best = best - rng.uniform(0.01, 0.03)
    yield "a late new best", p, 0.0, np.concatenate([
        fall, best + rng.uniform(0.01, 0.05, size=p - 1), [new_best],
        new_best + np.cumsum(rng.uniform(0.01, 0.05, size=p + 3))])
    yield "a later loss equal to the best", p, 0.0, np.concatenate([
        fall, [best + 0.02, best], best + rng.uniform(0.01, 0.05, size=p + 3)])
    # drops of 0.35 to 0.45 min_delta: two do not count, the third adds up to one that
    # does; then a rise that runs out the patience
    delta = float(rng.uniform(0.02, 0.04))
    slow = best - np.cumsum(rng.uniform(0.35, 0.45, size=p + 4) * delta)
    yield "improvements smaller than min_delta", p, delta, np.concatenate([
        fall, slow, slow[-1] + np.cumsum(rng.uniform(0.01, 0.05, size=p + 2))])
    yield "a curve that keeps falling", p, 0.0, 1.0 - np.cumsum(rng.uniform(0.05, 0.1, p + 5))
    # losses near 3 falling by 1.2 to 1.5 min_delta a step: each drop counts, where a bar
    # relative to the loss, best * (1 - min_delta), would ask for about 3 min_delta
    high = 3.0 - np.cumsum(rng.uniform(1.2, 1.5, size=p + 3) * delta)
    yield "losses near 3 falling by a little more than min_delta", p, delta, np.concatenate([
        high, high[-1] + np.cumsum(rng.uniform(0.01, 0.05, size=p + 2))])
    # with min_delta = 0 a drop of 1e-9 improves too, however little (a length no other
    # curve with these settings has, so an answer kept by length cannot pass for this one)
    tiny = best - 1e-9 * np.arange(1, p + 2)
    yield "drops of 1e-9 after the fall", p, 0.0, np.concatenate([
        fall, tiny, tiny[-1] + np.cumsum(rng.uniform(0.01, 0.05, size=p + 3))])


@question("q6", points=2)
def early_stopping(student, rng):
    curves = list(_curves(rng))
    for i, (what, patience, min_delta, losses) in enumerate(curves):
        best, stop = _reference_early(losses, patience, min_delta)
        wrong = {
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
            "the best loss changes only with an improvement (below best - min_delta): smaller "
            "drops add up until one counts": _early(losses, patience, min_delta, running=True),
            "min_delta is an absolute margin, loss < best - min_delta, not a fraction of the "
            "loss, best * (1 - min_delta)": _early(losses, patience, min_delta, relative=True),
            "when patience never runs out the stop epoch is the last one, len - 1":
                (best, len(losses)),
            "the last epoch was never examined (a loop over range(len(val_losses) - 1)): it "
            "can improve or run out the patience too":
                _reference_early(losses, patience, min_delta, examined=len(losses) - 1),
            "kept the last epoch instead of the best one: early stopping restores the weights "
            "of the best epoch": (stop, stop),
            "the best epoch is the last improvement (by more than min_delta) before the stop, "
            "not the minimum of the whole curve": (int(np.argmin(losses)), stop),
            "a tiny drop was taken for none (np.isclose(loss, best), or a rounding): any loss "
            "below best - min_delta improves, however little":
                _early(losses, patience, min_delta, close=True)}
        with check(f"early_stopping({len(losses)} losses with {what}, patience={patience}, "
                   f"min_delta={min_delta:.3f})"):
            if not i:
                verify_defaults(student, "early_stopping", min_delta=0.0)
            got = student.call("early_stopping", losses.tolist(), patience, min_delta=min_delta)
            expect(got).equals((best, stop), mutants={
                k: v for k, v in wrong.items() if tuple(v) != (best, stop)})
    # the second curve again, reversed: same length and settings, another answer
    _, patience, min_delta, losses = curves[1]
    earlier, want = (_reference_early(c, patience, min_delta) for c in (losses, losses[::-1]))
    if want != earlier:
        with check(f"early_stopping called again on {len(losses)} other losses with the same "
                   f"patience={patience}: nothing carries over from an earlier call"):
            got = student.call("early_stopping", losses[::-1].tolist(), patience,
                               min_delta=min_delta)
            expect(got).equals(want, mutants={
                "the answer of an earlier call with as many losses and the same settings: "
                "early_stopping keeps nothing between calls": earlier})


# ---------------------------------------------------------------------------
# q7 batch normalization


def _bn_inputs(rng, n, d, small=False):
    """x of shape (n, d), gamma, beta and running statistics; with ``small``, half of the
    features with a variance comparable to eps."""
    scale = rng.uniform(0.5, 3.0, size=d)
    if small:
        scale[: d // 2] = rng.uniform(0.02, 0.06, size=d // 2)
    x = rng.normal(size=d) + rng.normal(size=(n, d)) * scale
    return (x, rng.normal(1.0, 0.3, size=d), rng.normal(size=d), rng.normal(size=d),
            rng.uniform(0.5, 2.0, size=d))


def _bn(x, gamma, beta, mu, var, eps, outside=False):
    """gamma (x - mu) / sqrt(var + eps) + beta (with ``outside``: / (sqrt(var) + eps))."""
    return gamma * (x - mu) / (np.sqrt(var) + eps if outside else np.sqrt(var + eps)) + beta


def _bn_dx(dout, x, gamma, var, eps, outside=False):
    """The compact dx formula with a given variance and eps placement (mutants only)."""
    n, std = len(x), (np.sqrt(var) + eps if outside else np.sqrt(var + eps))
    x_hat = (x - x.mean(axis=0)) / std
    return gamma / (n * std) * (n * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(0))


BIASED = ("normalised the batch with its unbiased variance (ddof=1); batch norm divides by the "
          "batch's own, biased variance (ddof=0)")
NO_EPS = "eps is missing: divide by sqrt(var + eps)"
OUTSIDE = "eps belongs inside the square root, sqrt(var + eps), not sqrt(var) + eps"
FEATURES = "summed over the features (axis=1) instead of over the batch (axis=0)"
X_NOT_X_HAT = ("dgamma = sum over the batch of dout * x_hat (the normalised x), not dout * x "
               "(and dx uses that dgamma)")


STALE = ("the running statistics were not updated: training mode returns (1 - m) old + m "
         "batch statistic")


@question("q7", points=4)
def batch_norm(student, rng):
    for n, d, eps, small in [(10, 5, 1e-3, True), (4, 3, 1e-5, False), (2, 4, 1e-5, False)]:
        x, gamma, beta, rm, rv = _bn_inputs(rng, n, d, small)
        m = float(rng.uniform(0.05, 0.3))
        new_rm, new_rv = rm.copy(), rv.copy()
        out = reg.batchnorm_forward(x, gamma, beta, eps, new_rm, new_rv, m)[0]
        mu, var, unbiased = x.mean(axis=0), x.var(axis=0), x.var(axis=0, ddof=1)
        first = n == 10
        with check(f"batchnorm_forward(x {x.shape}, momentum={m:.3f}, eps={eps:g}, "
                   "training=True), returning new running statistics"):
            if first:
                verify_defaults(student, "batchnorm_forward", momentum=0.1, eps=1e-5,
                                training=True)
            got = student.call("batchnorm_forward", x, gamma, beta, rm, rv, momentum=m,
                               eps=eps, training=True)
            if expect(got).is_tuple(3, "(out, new_running_mean, new_running_var)"):
                expect(got[0], "out").close_to(out, mutants={
                    BIASED: _bn(x, gamma, beta, mu, unbiased, eps),
                    NO_EPS: _bn(x, gamma, beta, mu, var, 0.0),
                    OUTSIDE: _bn(x, gamma, beta, mu, var, eps, outside=True),
                    "normalised each row over its features (axis=1) instead of each feature "
                    "over the batch (axis=0)": _bn(x, gamma, beta, x.mean(1, keepdims=True),
                                                   x.var(1, keepdims=True), eps)})
                ignored = "the momentum argument was ignored: the default 0.1 was used"
                expect(got[1], "new_running_mean").close_to(new_rm, mutants={
                    "momentum weighted the old value (Keras's convention); here it is the "
                    "weight of the new batch: (1 - m) old + m mu": m * rm + (1 - m) * mu,
                    STALE: rm, ignored: 0.9 * rm + 0.1 * mu})
                expect(got[2], "new_running_var").close_to(new_rv, mutants={
                    "the running variance averaged the biased batch variance; it averages the "
                    "unbiased variance n/(n-1) var": (1 - m) * rv + m * var,
                    "momentum weighted the old value (Keras's convention); here it is the "
                    "weight of the new batch: (1 - m) old + m var_unbiased":
                        m * rv + (1 - m) * unbiased, STALE: rv,
                    "the unbiased variance is var n / (n - 1) with n the batch size (rows), "
                    "not the number of features": (1 - m) * rv + m * var * d / (d - 1),
                    "the correction is inverted: the unbiased variance is var n / (n - 1), "
                    "not var (n - 1) / n": (1 - m) * rv + m * var * (n - 1) / n,
                    ignored: 0.9 * rv + 0.1 * unbiased})
    for n, d, eps in [(1, 4, 1e-5), (5, 3, 1e-2)]:
        x, gamma, beta, rm, rv = _bn_inputs(rng, n, d)
        wrong = {"eps is missing: divide by sqrt(running_var + eps)":
                 _bn(x, gamma, beta, rm, rv, 0.0),
                 "inference must use the running statistics, not those of the batch":
                 _bn(x, gamma, beta, x.mean(axis=0), x.var(axis=0), eps)}
        with check(f"batchnorm_forward(x {x.shape}, eps={eps:g}, training=False)"):
            got = student.call("batchnorm_forward", x, gamma, beta, rm, rv, momentum=0.1,
                               eps=eps, training=False)
            if expect(got).is_tuple(3, "(out, new_running_mean, new_running_var)"):
                expect(got[0], "out").close_to(_bn(x, gamma, beta, rm, rv, eps), mutants=wrong)
                expect(got[1], "new_running_mean").close_to(rm, mutants={
                    "the running statistics must not change in inference mode":
                        0.9 * rm + 0.1 * x.mean(axis=0)})
                expect(got[2], "new_running_var").close_to(rv)
    for n, d, eps, small in [(4, 3, 1e-5, False), (12, 5, 1e-3, True), (3, 2, 1e-5, False)]:
        x, gamma = _bn_inputs(rng, n, d, small)[:2]
        dout = rng.normal(size=(n, d))
        dx, dgamma, dbeta = reg.batchnorm_backward(dout, reg.batchnorm_forward(
            x, gamma, np.zeros(d), eps)[1])
        var, x_hat = x.var(axis=0), (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
        with check(f"batchnorm_backward(dout {dout.shape}, x {x.shape}, eps={eps:g})"):
            if n == 4:
                verify_defaults(student, "batchnorm_backward", eps=1e-5)
            got = student.call("batchnorm_backward", dout, x, gamma, eps=eps)
            if expect(got).is_tuple(3, "(dx, dgamma, dbeta)"):
                expect(got[0], "dx").close_to(dx, *DX, {
                    "the batch statistics depend on x: dx = gamma dout / sqrt(var + eps) "
                    "misses the paths through the mean and the variance":
                        gamma * dout / np.sqrt(var + eps),
                    BIASED: _bn_dx(dout, x, gamma, x.var(axis=0, ddof=1), eps),
                    NO_EPS: _bn_dx(dout, x, gamma, var, 0.0),
                    OUTSIDE: _bn_dx(dout, x, gamma, var, eps, outside=True),
                    "the path through the mean is missing: dx = gamma / (n std) (n dout - "
                    "sum(dout) - x_hat sum(dout x_hat)) has the term - sum(dout)":
                        dx + gamma * dout.sum(axis=0) / (n * np.sqrt(var + eps)),
                    X_NOT_X_HAT: dx + gamma * x_hat * ((dout * x_hat).sum(0) - (dout * x).sum(0))
                    / (n * np.sqrt(var + eps)),
                    "the path through the variance is missing: dx = gamma / (n std) (n dout - "
                    "sum(dout) - x_hat sum(dout x_hat)) has the term - x_hat sum(dout x_hat)":
                        dx + gamma * x_hat * (dout * x_hat).sum(axis=0) / (n * np.sqrt(var + eps)),
                    "gamma is missing from dx: the gradient reaches x_hat as gamma dout":
                        dx / gamma,
                    "the sums over the batch in dx were means: dx = gamma / (n std) (n dout - "
                    "sum(dout) - x_hat sum(dout x_hat))": gamma / (n * np.sqrt(var + eps)) * (
                        n * dout - dout.mean(axis=0) - x_hat * (dout * x_hat).mean(axis=0))})
                expect(got[1], "dgamma").close_to(dgamma, *GRAD, {
                    X_NOT_X_HAT: (dout * x).sum(axis=0), FEATURES: (dout * x_hat).sum(axis=1),
                    "dgamma = sum over the batch of dout * x_hat, with x_hat = (x - mu) / "
                    "sqrt(var + eps) normalised, not only centred":
                        (dout * (x - x.mean(axis=0))).sum(axis=0)})
                expect(got[2], "dbeta").close_to(dbeta, *GRAD, {
                    FEATURES: dout.sum(axis=1),
                    "dbeta is the sum of dout over the batch, not its mean": dout.mean(axis=0)})


# ---------------------------------------------------------------------------
# q8 fusing batch norm into the dense layer


@question("q8", points=2)
def fuse_batch_norm(student, rng):
    for n_in, n_out, eps in [(4, 3, 1e-5), (1, 5, 1e-5), (5, 5, 1e-3)]:
        W, b = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
        gamma, beta = rng.normal(1.0, 0.3, size=n_out), rng.normal(size=n_out)
        rm, rv = rng.normal(size=n_out), rng.uniform(0.002, 2.0, size=n_out)
        Wf, bf = reg.fuse_batchnorm(W, b, gamma, beta, rm, rv, eps)
        s, s0 = gamma / np.sqrt(rv + eps), gamma / np.sqrt(rv)
        s1, s2 = gamma / (rv + eps), gamma / (np.sqrt(rv) + eps)
        fixed = "the eps argument was ignored: the default 1e-5 was used"
        w_wrong = {"eps is missing: s = gamma / sqrt(running_var + eps)": W * s0,
                   fixed: W * gamma / np.sqrt(rv + 1e-5) if eps != 1e-5 else None,
                   OUTSIDE: W * s2,
                   "the square root is missing: s = gamma / sqrt(running_var + eps)": W * s1}
        if n_in == n_out:
            w_wrong["scaled the rows of W instead of its columns (one scale per output "
                    "unit)"] = W * s[:, None]
        with check(f"fuse_batchnorm(W {W.shape}, b {b.shape}, eps={eps:g})"):
            got = student.call("fuse_batchnorm", W, b, gamma, beta, rm, rv, eps=eps)
            if expect(got).is_tuple(2, "(W_fused, b_fused)"):
                expect(got[0], "W_fused").close_to(Wf, mutants=w_wrong)
                expect(got[1], "b_fused").close_to(bf, mutants={
                    "the running mean was not subtracted: b' = (b - mean) s + beta": b * s + beta,
                    "b - mean must be scaled as a whole: b' = (b - mean) s + beta":
                        b - rm * s + beta,
                    "beta was not added: b' = (b - mean) s + beta": (b - rm) * s,
                    "the layer's bias b was dropped: b' = (b - mean) s + beta (batch norm "
                    "cancels b only with the batch's own mean, in training)": beta - rm * s,
                    "the running mean was subtracted after the scaling, b s - mean + beta; the "
                    "fused bias is (b - mean) s + beta": b * s - rm + beta,
                    "the square root is missing: s = gamma / sqrt(running_var + eps)":
                        (b - rm) * s1 + beta,
                    "eps is missing: s = gamma / sqrt(running_var + eps)": (b - rm) * s0 + beta,
                    OUTSIDE: (b - rm) * s2 + beta,
                    fixed: (b - rm) * gamma / np.sqrt(rv + 1e-5) + beta if eps != 1e-5 else None})
    X, W, b = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    gamma, beta, rm, rv = *rng.normal(size=(3, 3)), rng.uniform(0.1, 2.0, size=3)
    with check("X @ W_fused + b_fused equals batch norm (inference) of X @ W + b, X of shape "
               "(6, 4)"):
        got = student.call("fuse_batchnorm", W, b, gamma, beta, rm, rv)
        if expect(got).is_tuple(2, "(W_fused, b_fused)"):
            Wf, bf = maybe_numbers(got[0], W.shape), maybe_numbers(got[1], b.shape)
            verify(Wf is not None and bf is not None and np.allclose(
                X @ Wf + bf, _bn(X @ W + b, gamma, beta, rm, rv, 1e-5), 1e-9, 1e-12),
                "X @ W_fused + b_fused differs from batchnorm(X @ W + b) in inference mode",
                "fused layer")


# ---------------------------------------------------------------------------
# q9 initializers

VARIANCE = {"glorot": lambda i, o: 2 / (i + o), "he": lambda i, o: 2 / i,
            "lecun": lambda i, o: 1 / i}
OTHER_VARIANCE = {  # the variances a classic mistake uses instead, by family
    "glorot": {"Glorot's variance is 2 / (fan_in + fan_out); 1 / fan_in is LeCun's":
               VARIANCE["lecun"], "Glorot's variance is 2 / (fan_in + fan_out), with the 2":
               lambda i, o: 1 / (i + o)},
    "he": {"He's variance is 2 / fan_in; 1 / fan_in is LeCun's": VARIANCE["lecun"],
           "He's variance is 2 / fan_in; 2 / (fan_in + fan_out) is Glorot's": VARIANCE["glorot"],
           "He's variance uses fan_in, not fan_out: 2 / fan_in": lambda i, o: 2 / o,
           "the standard deviation is sqrt(2 / fan_in), not sqrt(2) / fan_in: the root "
           "covers the fraction": lambda i, o: 2 / i**2},
    "lecun": {"LeCun's variance is 1 / fan_in; 2 / fan_in is He's": VARIANCE["he"],
              "LeCun's variance uses fan_in, not fan_out: 1 / fan_in": lambda i, o: 1 / o}}


def _draw(seed, kind, spread, shape):
    """One call rng.normal(0, spread) or rng.uniform(-spread, spread) of ``shape``."""
    g = np.random.default_rng(seed)
    return g.normal(0.0, spread, size=shape) if kind == "normal" else \
        g.uniform(-spread, spread, size=shape)


@question("q9", points=2)
def initializers(student, rng):
    first = {}  # the first shape of each initializer
    for family, variance in VARIANCE.items():
        for kind in ("normal", "uniform"):
            # fan_in >= 3: with fan_in = 1 (LeCun) or 2 (He) the variance is 1 and passing
            # it as the standard deviation would go unnoticed; fan_out < fan_in, as
            # Glorot's and LeCun's variances coincide when they are equal
            for shape in [(int(rng.integers(8, 30)), int(rng.integers(3, 8))),
                          (int(rng.integers(3, 6)), int(rng.integers(1, 3)))]:
                seed, var = builders.seed(rng), variance(*shape)
                spread = np.sqrt(var) if kind == "normal" else np.sqrt(3 * var)
                other = "uniform" if kind == "normal" else "normal"
                wrong = {k: _draw(seed, kind, spread * np.sqrt(v(*shape) / var), shape)
                         for k, v in OTHER_VARIANCE[family].items()}
                wrong[f"drew from a {other} instead of a {kind} distribution"] = \
                    _draw(seed, other, np.sqrt(var) if other == "normal" else np.sqrt(3 * var),
                          shape)
                wrong["drew an array of shape (fan_out, fan_in); W has shape (fan_in, fan_out)"] \
                    = _draw(seed, kind, spread, shape[::-1])
                wrong["drew shape (fan_out, fan_in) and transposed it; draw (fan_in, fan_out) "
                      "as the text says"] = _draw(seed, kind, spread, shape[::-1]).T
                if kind == "normal":
                    wrong["rng.normal's scale is the standard deviation sqrt(variance), not the "
                          "variance"] = _draw(seed, kind, var, shape)
                    wrong["drew U(-sigma, sigma) where the normal N(0, sigma^2) is asked "
                          "(rng.normal(0.0, sigma, size))"] = _draw(seed, "uniform",
                                                                    np.sqrt(var), shape)
                    wrong["the standard deviation is sqrt(variance); sqrt(3 variance) is the "
                          "limit of the uniform"] = _draw(seed, kind, np.sqrt(3 * var), shape)
                else:
                    wrong["the limit of U(-r, r) is r = sqrt(3 variance), so that the variance "
                          "is r^2 / 3"] = _draw(seed, kind, np.sqrt(var), shape)
                    wrong["drew N(0, r^2) where the uniform U(-r, r) is asked (rng.uniform(-r, "
                          "r, size))"] = _draw(seed, "normal", np.sqrt(3 * var), shape)
                name = f"{family}_{kind}"
                first.setdefault(name, shape)
                with check(f"{name}({shape[0]}, {shape[1]}, rng)"):
                    expect(student.call(name, *shape, student.rng(seed))).close_to(
                        getattr(ref_init, name)(*shape, np.random.default_rng(seed)),
                        mutants=wrong)
    _glorot_again(student, rng, first)


def _glorot_again(student, rng, first) -> None:
    """Glorot's initializers called again with an earlier call's fan_in and another fan_out:
    the variance 2 / (fan_in + fan_out) depends on both, so a scale kept by fan_in shows."""
    with check("glorot_normal and glorot_uniform called again with the fan_in of their first "
               "call and another fan_out"):
        for kind in ("normal", "uniform"):
            fan_in, fan_out = first[f"glorot_{kind}"]
            shape, seed = (fan_in, fan_out - 1), builders.seed(rng)
            spread = {o: np.sqrt((1 if kind == "normal" else 3) * VARIANCE["glorot"](fan_in, o))
                      for o in (fan_out, fan_out - 1)}
            expect(student.call(f"glorot_{kind}", *shape, student.rng(seed)),
                   f"glorot_{kind}{shape}").close_to(
                _draw(seed, kind, spread[fan_out - 1], shape), mutants={
                    "the scale of the earlier call with the same fan_in came back: Glorot's "
                    "variance 2 / (fan_in + fan_out) depends on fan_out too (a cache must be "
                    "keyed on both, or none kept)": _draw(seed, kind, spread[fan_out], shape)})


# ---------------------------------------------------------------------------
# q10 vanishing gradients


def _norms(X, Y, ws):
    """||dC/dW^l|| of every layer of the network with zero biases."""
    bs = [np.zeros(W.shape[1]) for W in ws]
    return np.array([np.linalg.norm(g) for g in MLP.from_params(ws, bs).gradients(X, Y)[0]])


def _deep(rng, sizes, n):
    return builders.batch(rng, n, sizes[0], sizes[-1])


def _own_glorot(student, seed, shapes):
    """The weights the student's own glorot_normal draws in the text's experiment: from one
    generator of ``seed``, after the N(0, 1) weights (None if it fails)."""
    g = student.generator(seed)
    for shape in shapes:
        g.call("normal", size=shape)
    ws = [own_result(student, "glorot_normal", m, k, g, like=np.empty((m, k)))
          for m, k in shapes]
    return None if any(W is None for W in ws) else ws


def _glorot_right(student) -> bool:
    """Whether the student's own glorot_normal draws what the text's does."""
    W = own_result(student, "glorot_normal", 4, 3, student.rng(0), like=np.empty((4, 3)))
    return W is not None and bool(np.allclose(
        W, ref_init.glorot_normal(4, 3, np.random.default_rng(0)), 1e-12, 1e-15))


def _own_experiment(student, X, Y, sizes, seed):
    """(norms_normal, norms_glorot) by the student's own gradient_norms, on the weights of
    the text and on those of the student's own glorot_normal (None where unavailable)."""
    def norms(ws):
        if ws is None:
            return None
        got = student.call("gradient_norms", X, Y, ws, [np.zeros(W.shape[1]) for W in ws],
                           may_change=True)
        return maybe_numbers(got, (len(ws),))
    shapes, g = builders.fan_pairs(sizes), np.random.default_rng(seed)
    normal = norms([g.normal(size=s) for s in shapes])
    glorot = [ref_init.glorot_normal(m, k, g) for m, k in shapes]
    return {"your own gradient_norms": (normal, norms(glorot)),
            "your own glorot_normal and gradient_norms": (
                normal, norms(_own_glorot(student, seed, shapes)))}


USE_BACKPROP = {"backprop": "the question asks gradient_norms to use your backprop "
                            "(Question 3), so that a mistake in it is not charged twice"}
USE_GLOROT = {"glorot_normal": "the question asks init_experiment to draw the Glorot weights "
                               "with your glorot_normal (Question 9)"}


@question("q10", points=3)
def vanishing_gradients(student, rng):
    # n > 1 throughout: with one row a missing 1/n in backprop goes unnoticed
    in_place = _penalty_in_place(student)
    for sizes, n, scale in [([4, 5, 3], 2, "glorot"), ([6] + [24] * 9 + [3], 16, "normal")]:
        X, Y = _deep(rng, sizes, n)
        ws = [rng.normal(size=s) if scale == "normal" else ref_init.glorot_normal(*s, rng)
              for s in builders.fan_pairs(sizes)]
        bs = [rng.normal(scale=0.5, size=k) for k in sizes[1:]]
        dWs, dbs = MLP.from_params(ws, bs).gradients(X, Y)
        norms = np.array([np.linalg.norm(g) for g in dWs])

        @cache
        def own(X=X, Y=Y, ws=ws, bs=bs):
            """The norms of the student's own backprop's dC/dW, or None."""
            got = student.call("backprop", X, Y, ws, bs, may_change=True)
            grads = [maybe_numbers(a) for a in got[0]] if isinstance(got, tuple | list) and \
                len(got) == 2 and isinstance(got[0], list | tuple) else [None]
            return None if any(a is None for a in grads) else np.array(
                [np.linalg.norm(a) for a in grads])  # in the order of the student's own list

        with check(f"gradient_norms(X {X.shape}, {len(ws)} layers, {scale} weights) (the "
                   "norms of your own backprop's gradients also count)", context={"n": n}):
            if in_place:
                note(PENALTY_IN_PLACE.format("gradient_norms"))
            changes = 2 if in_place else ()
            got = student.call("gradient_norms", X, Y, ws, bs, may_change=changes)
            right = expect(got).close_to(norms, *NORM, {
                "the norms are listed last layer first; expected the first layer first":
                    norms[::-1],
                "returned the squared norms": norms**2,
                NOT_MEAN: n * norms,
                "the norms of the weight gradients dC/dW were expected, not of dC/db":
                    np.array([np.linalg.norm(g) for g in dbs]),
                "np.linalg.norm(dW, 2) is a matrix's spectral norm; the text's norm is the "
                "Frobenius norm, np.linalg.norm(dW)": np.array([np.linalg.norm(g, 2)
                                                               for g in dWs])},
                accept={"the norms of your own backprop's gradients": own})
            if right and scale == "glorot":
                student.call("gradient_norms", X, Y, ws, bs, may_change=changes,
                             require=USE_BACKPROP)  # the rule, once, on a right answer
    for sizes, n in [([5] + [24] * 9 + [4], 20), ([8] + [32] * 5 + [3], 3)]:  # 10, 6 layers
        X, Y = _deep(rng, sizes, n)
        seed, shapes = builders.seed(rng), builders.fan_pairs(sizes)
        g = np.random.default_rng(seed)
        normal = _norms(X, Y, [g.normal(size=s) for s in shapes])
        glorot = _norms(X, Y, [ref_init.glorot_normal(m, k, g) for m, k in shapes])
        g = np.random.default_rng(seed)
        glorot_first = _norms(X, Y, [ref_init.glorot_normal(m, k, g) for m, k in shapes])
        normal_second = _norms(X, Y, [g.normal(size=s) for s in shapes])
        g = np.random.default_rng(seed)
        pairs = [(g.normal(size=(m, k)), ref_init.glorot_normal(m, k, g)) for m, k in shapes]
        alternating = [_norms(X, Y, [p[i] for p in pairs]) for i in (0, 1)]
        own = cache(lambda X=X, Y=Y, sizes=sizes, seed=seed:
                    _own_experiment(student, X, Y, sizes, seed))
        with check(f"init_experiment(X {X.shape}, layer_sizes={sizes}, rng) (the experiment "
                   "with your own glorot_normal and gradient_norms also counts)",
                   context={"n": n}):
            # the rule, once, where it matters: a glorot_normal that Question 9 charges
            # may be sidestepped by a right Glorot of one's own
            rule = USE_GLOROT if n == 20 and _glorot_right(student) else None
            got = student.call("init_experiment", X, Y, sizes, student.rng(seed), require=rule)
            if expect(got).is_tuple(2, "(norms_normal, norms_glorot)"):
                for i, (want, other, what) in enumerate([
                        (normal, normal_second, "norms_normal"),
                        (glorot, glorot_first, "norms_glorot")]):
                    expect(got[i], what).close_to(want, *NORM, {
                        "returned (norms_glorot, norms_normal): the N(0, 1) norms come first":
                            (glorot, normal)[i],
                        NOT_MEAN: n * want,
                        "drew the Glorot weights before the N(0, 1) weights": other,
                        "drew the N(0, 1) and the Glorot weights layer by layer, alternating; "
                        "the text draws all the N(0, 1) weights first": alternating[i]},
                        accept={k: lambda i=i, k=k, own=own: own()[k][i]
                                for k in ("your own gradient_norms",
                                          "your own glorot_normal and gradient_norms")})
    sizes = [6] + [40] * 9 + [3]
    X, Y = _deep(rng, sizes, 32)
    seed = builders.seed(rng)
    with check(f"init_experiment(X {X.shape}, layer_sizes={sizes}, rng): the first/last "
               "gradient-norm ratio is below 1e-3 under Glorot and over 100 times larger "
               "under N(0, 1) (or your answer is what your own functions give)"):
        got = student.call("init_experiment", X, Y, sizes, student.rng(seed))
        if expect(got).is_tuple(2, "(norms_normal, norms_glorot)"):
            normal, glorot = (maybe_numbers(v, (10,)) for v in got)
            with np.errstate(divide="ignore", invalid="ignore"):  # 0/0 is a wrong ratio
                ratio = [None if v is None else v[0] / v[-1] for v in (normal, glorot)]
            contrast = None not in ratio and ratio[1] < 1e-3 and ratio[0] > 100 * ratio[1]
            verify(contrast or _consistent(got, _own_experiment(student, X, Y, sizes, seed)),
                   "expected norms_glorot[0] / norms_glorot[-1] < 1e-3 and the same ratio "
                   "for N(0, 1) weights over 100 times larger", "init_experiment",
                   of=[normal, glorot])


def _consistent(got, alternatives):
    """``got`` (a tuple of arrays) equals one of the alternatives item by item."""
    def close(a, b):
        a = maybe_numbers(a)
        return a is not None and b is not None and a.shape == b.shape and np.allclose(
            a, b, *NORM)
    return any(all(close(g, w) for g, w in zip(got, alt, strict=True))
               for alt in alternatives.values())


# ---------------------------------------------------------------------------
# q11 weight decay and input scaling


NO_INVERSE = dict.fromkeys(("numpy.linalg.inv", "numpy.linalg.pinv", "numpy.linalg.matrix_power",
                           "scipy.linalg.inv"),
                          "the question asks for np.linalg.solve, not an explicit inverse "
                          "(solving is faster and more accurate)")


def _ridge(X, y, lam):
    """Minimizer of (1/2n) ||X w + b - y||^2 + lam/2 ||w||^2 as one least-squares problem."""
    n, d = X.shape
    A = np.block([[X, np.ones((n, 1))], [np.sqrt(n * lam) * np.eye(d), np.zeros((d, 1))]])
    sol = np.linalg.lstsq(A, np.concatenate([y, np.zeros(d)]), rcond=None)[0]
    return sol[:d], float(sol[d])


def _scalar_centred_ridge(X, y, lam):
    """The normal equations with X centred by one number, X.mean(), and b = mean(y - X w)
    (a mutant)."""
    n, d = X.shape
    Xc, yc = X - X.mean(), y - y.mean()
    w = np.linalg.solve(Xc.T @ Xc / n + lam * np.eye(d), Xc.T @ yc / n)
    return w, float(np.mean(y - X @ w))


def _ridge_variant(X, y, diag, penalize_bias=False, data_scale=1.0):
    """Normal equations with a given diagonal term and Xc^T Xc / n scaled by
    ``data_scale`` (mutants only)."""
    n, d = X.shape
    if penalize_bias:
        A = np.hstack([X, np.ones((n, 1))])
        sol = np.linalg.solve(A.T @ A / n + diag * np.eye(d + 1), A.T @ y / n)
        return sol[:d], float(sol[d])
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    w = np.linalg.solve(data_scale * Xc.T @ Xc / n + diag * np.eye(d), Xc.T @ yc / n)
    return w, float(y.mean() - X.mean(axis=0) @ w)


def _uncentred_ridge(X, y, lam):
    """(X^T X / n + lam I) w = X^T y / n without centring, b = mean(y) - mean(X) w."""
    n, d = X.shape
    w = np.linalg.solve(X.T @ X / n + lam * np.eye(d), X.T @ y / n)
    return w, float(y.mean() - X.mean(axis=0) @ w)


def _mixed_ridges(X, y, lam):
    """{left side, right side: (w, b)} of the normal equations with centred data on one
    side and uncentred on the other (mutants; Xc^T y = X^T yc = Xc^T yc, since the
    columns of Xc and the entries of yc sum to 0)."""
    n, d = X.shape
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    out = {}
    for left, right, rhs in [("Xc^T Xc", "X^T y", X.T @ y), ("X^T X", "Xc^T yc", Xc.T @ yc)]:
        A = Xc if left.startswith("Xc") else X
        w = np.linalg.solve(A.T @ A / n + lam * np.eye(d), rhs / n)
        out[left, right] = w, float(y.mean() - X.mean(axis=0) @ w)
    return out


def _regression(rng, n, d):
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
    return X, X @ rng.normal(size=d) + rng.normal() + rng.normal(scale=0.3, size=n)


def _predictions(X, y, lam, c, factor=None, ridge=_ridge):
    """(pred_plain, pred_scaled, pred_matched), the matched penalty ``factor`` lam (by
    default c^2 lam); ``ridge`` fits (the student's own ridge_fit, or the reference)."""
    out = []
    for data, penalty in [(X, lam), (c * X, lam), (c * X, (c**2 if factor is None else factor)
                                                   * lam)]:
        w, b = ridge(data, y, penalty)
        out.append(data @ w + b)
    return out


def _own_ridge(student):
    def fit(X, y, lam):
        got = student.call("ridge_fit", X, y, lam)
        w, b = (maybe_numbers(v) for v in got) if isinstance(got, tuple | list) and \
            len(got) == 2 else (None, None)
        if w is None or b is None:
            raise ValueError("not numbers")
        return w, b
    return fit


@question("q11", points=3)
def weight_decay_scaling(student, rng):
    first = None  # the data of the first fit, which a fit remembered across calls gives back
    # d = 1, the one-feature fit: w is still an array of shape (1,)
    for n, d, lam in [(6, 3, 0.3), (40, 4, 0.05), (3, 5, 1.0), (8, 1, 0.2)]:
        X, y = _regression(rng, n, d)
        first = first or (X, y, lam)
        wrong = {"the penalty applies to w only, not to the bias b":
                 _ridge_variant(X, y, lam, penalize_bias=True),
                 "the data term is a mean: the system is (Xc^T Xc / n + lam I) w = Xc^T yc / n":
                 _ridge_variant(X, y, lam / n),
                 "the gradient of lam/2 ||w||^2 is lam w: lam, not lam/2, on the diagonal":
                 _ridge_variant(X, y, lam / 2),
                 "the normal equations need centred X and y (or an unpenalised bias column): "
                 "uncentred, the bias leaks into w": _uncentred_ridge(X, y, lam),
                 "b = mean(y) - mean(X) w: the bias must undo the centring of X too":
                 (_ridge(X, y, lam)[0], float(y.mean())),
                 "np.cov divides by n - 1 by default: the data term is Xc^T Xc / n (bias=True, "
                 "or Xc.T @ Xc / n)": _ridge_variant(X, y, lam, data_scale=n / (n - 1)),
                 "X was centred by the mean of all its entries; centre each column by its own "
                 "mean, X - X.mean(axis=0)": _scalar_centred_ridge(X, y, lam) if d > 1 else None,
                 **{f"the normal equations mix centred and uncentred data ({left} with "
                    f"{right}): centre both, (Xc^T Xc / n + lam I) w = Xc^T yc / n": fit
                    for (left, right), fit in _mixed_ridges(X, y, lam).items()}}
        with check(f"ridge_fit(X {X.shape}, y {y.shape}, lam={lam}), with np.linalg.solve",
                   context={"n": n}):
            got = student.call("ridge_fit", X, y, lam, forbid=NO_INVERSE)
            if expect(got).is_tuple(2, "(w, b)"):
                if n == 6:  # the first case; the rule costs one check
                    expect(got[1], "b").is_number("float(y.mean() - X.mean(axis=0) @ w)")
                for i, what in enumerate(("w", "b")):
                    expect(got[i], what).close_to(_ridge(X, y, lam)[i], *SOLVE,
                                                  {k: v[i] for k, v in wrong.items()
                                                   if v is not None})
    for n, d, lam, c in [(20, 3, 0.4, 10.0), (12, 2, 1.0, 0.2)]:
        X, y = _regression(rng, n, d)
        want = _predictions(X, y, lam, c)
        w_s, b_s = _ridge(c * X, y, lam)
        wrong = [{}, {"fitted on c X but predicted on X": X @ w_s + b_s}, {
            "the matched penalty is c^2 lam, not lam / c^2": _predictions(X, y, lam, c, c**-2)[2],
            "the matched penalty is c^2 lam, not c lam (the penalty is quadratic in the "
            "weights)": _predictions(X, y, lam, c, c)[2],
            "the matched penalty is c^2 lam: the slides' rescaling c^(1/2) lam is a slip (the "
            "penalty is quadratic in the weights, which scale as 1/c)":
                _predictions(X, y, lam, c, c**0.5)[2],
            "the matched penalty is c^2 lam (the same lam gives pred_scaled)": want[1]}]
        own = cache(lambda X=X, y=y, lam=lam, c=c: _unless_broken(lambda: _predictions(
            X, y, lam, c, ridge=_own_ridge(student))))
        with check(f"weight_decay_scaling(X {X.shape}, y, lam={lam}, c={c}) (the predictions "
                   "of your own ridge_fit also count)"):
            got = student.call("weight_decay_scaling", X, y, lam, c)
            if expect(got).is_tuple(3, "(pred_plain, pred_scaled, pred_matched)"):
                for i, what in enumerate(("pred_plain", "pred_scaled", "pred_matched")):
                    expect(got[i], what).close_to(want[i], *SOLVE, wrong[i], accept={
                        "the predictions of your own ridge_fit":
                            lambda i=i, own=own: None if own() is None else own()[i]})
    X, y = _regression(rng, 25, 3)
    lam, c = 0.5, 5.0
    with check(f"weight_decay_scaling(X {X.shape}, y, lam={lam}, c={c}): pred_matched equals "
               "pred_plain and pred_scaled does not (or, the predictions of your own "
               "ridge_fit)"):
        got = student.call("weight_decay_scaling", X, y, lam, c)
        if expect(got).is_tuple(3, "(pred_plain, pred_scaled, pred_matched)"):
            plain, scaled, matched = (maybe_numbers(v, (25,)) for v in got)
            rests_on("the predictions it returns", plain, scaled, matched)
            invariant = all(v is not None for v in (plain, scaled, matched)) and np.allclose(
                matched, plain, *SOLVE) and np.abs(scaled - plain).max() > 1e-2 * np.std(y)
            verify(invariant or _close_all(got, lambda: _predictions(
                X, y, lam, c, ridge=_own_ridge(student))),
                "expected pred_matched == pred_plain and pred_scaled clearly different from "
                "pred_plain", "weight_decay_scaling")
    X_first, y_first, lam = first
    X, y = _regression(rng, *X_first.shape)
    with check(f"ridge_fit called again with lam={lam} on other data of the shape of the first "
               f"call, X {X.shape}: the fit of that data"):
        got = student.call("ridge_fit", X, y, lam, forbid=NO_INVERSE)
        if expect(got).is_tuple(2, "(w, b)"):
            for i, what in enumerate(("w", "b")):
                expect(got[i], what).close_to(_ridge(X, y, lam)[i], *SOLVE, {
                    "the fit of an earlier call came back (kept across calls, whatever the "
                    "data): each call solves for its own X and y":
                        _ridge(X_first, y_first, lam)[i]})


def _close_all(got, alternative):
    """``got`` equals the alternative (a function; a failing one counts as no match)."""
    return bool(_unless_broken(lambda: _consistent(got, {"own": alternative()})))


def _unless_broken(alternative):
    """The alternative's value (a function of the student's code), or None where that
    code gives no numbers."""
    try:
        return alternative()
    except (ValueError, TypeError):
        return None
