"""Shared mutants: each one, on typical inputs, differs from the reference by far more
than the default tolerance (so it can only match the mistake it names), and with no
mistake the functions compute exactly what the reference computes."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring import builders, mutants
from reference import activations as act
from reference.gradcheck import numerical_gradient, relative_error
from reference.losses import softmax_cross_entropy
from reference.network import MLP

FAR = 1e-4  # relative error of every mutant; the default tolerance is 1e-7


def far_apart(a, b) -> bool:
    """Different shapes, or a relative error (reference.gradcheck) above FAR."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return True
    with np.errstate(all="ignore"):
        return bool(np.any(np.isnan(a) != np.isnan(b))) or relative_error(
            np.nan_to_num(a), np.nan_to_num(b)) > FAR


def grads_far_apart(a, b) -> bool:
    return any(far_apart(x, y) for x, y in zip(a[0] + a[1], b[0] + b[1], strict=True))


def setting(seed, activation="tanh", sizes=(3, 3, 3, 3), n=3, l2=0.0, rate=None):
    """A square network (every width equals n, so transposition mistakes run)."""
    rng = np.random.default_rng(seed)
    ws, bs = builders.network(rng, list(sizes))
    X, Y = builders.batch(rng, n, sizes[0], sizes[-1])
    masks = None if rate is None else [(rng.random((n, k)) >= rate) / (1 - rate)
                                       for k in sizes[1:-1]]
    return ws, bs, X, Y, dict(activation=activation, l2=l2, masks=masks)


CONFIG = {"mask_not_reused": {"rate": 0.4}, "prime_from_masked_a": {"rate": 0.4},
          **{k: {"l2": 0.3} for k in mutants.BACKPROP if k.startswith("l2_")}}
NOT_SIGMOID = {"sigmoid_prime_always"}  # mistakes a sigmoid network cannot make


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("mistake", list(mutants.BACKPROP))
def test_every_backprop_mistake_is_far_from_the_reference(mistake, seed):
    for activation in ("relu", "tanh") if mistake in NOT_SIGMOID else ("sigmoid", "tanh"):
        ws, bs, X, Y, options = setting(seed, activation, **CONFIG.get(mistake, {}))
        right = MLP.from_params(ws, bs, activation).gradients(X, Y, l2=options["l2"],
                                                              masks=options["masks"])
        wrong = mutants.backprop(ws, bs, X, Y, mistake, **options)
        assert wrong is not None and grads_far_apart(wrong, right), (mistake, activation)


@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"),
                                          ("sigmoid", "binary_cross_entropy"),
                                          ("sigmoid", "quadratic"), ("linear", "quadratic")])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_without_a_mistake_backprop_is_the_reference(activation, output, loss):
    rng = np.random.default_rng(5)
    ws, bs = builders.network(rng, [4, 5, 3, 2])
    X = rng.normal(size=(6, 4))
    Y = rng.uniform(size=(6, 2)) if output != "softmax" else builders.batch(rng, 6, 1, 2)[1]
    masks = [(rng.random((6, k)) >= 0.3) / 0.7 for k in (5, 3)]
    for l2, m in [(0.0, None), (0.2, masks)]:
        want = MLP.from_params(ws, bs, activation, output, loss).gradients(X, Y, l2, m)
        got = mutants.backprop(ws, bs, X, Y, activation=activation, output=output, loss=loss,
                               l2=l2, masks=m)
        for a, b in zip(got[0] + got[1], want[0] + want[1], strict=True):
            assert np.allclose(a, b, rtol=1e-12, atol=1e-15)


def test_mistakes_that_do_not_apply_give_none():
    ws, bs, X, Y, options = setting(0, "relu", sizes=(3, 4, 2))
    assert mutants.backprop(ws, bs, X, Y, "mask_not_reused", **options) is None  # no masks
    assert mutants.backprop(ws, bs, X, Y, "l2_half", **options) is None          # l2 = 0
    assert mutants.backprop(ws, bs, X, Y, "prime_formula_at_z", **options) is None  # relu
    assert mutants.backprop(ws, bs, X, Y, "off_by_one_fprime", **options) is None   # shapes
    assert mutants.backprop(ws, bs, X, Y, "sigmoid_prime_always",
                            **{**options, "activation": "sigmoid"}) is None
    with pytest.raises(ValueError, match="unknown mistake"):
        mutants.backprop(ws, bs, X, Y, "typo", **options)


def test_backprop_mutants_keeps_only_mistakes_that_change_the_answer():
    ws, bs, X, Y, options = setting(1, "relu")
    found = mutants.backprop_mutants(ws, bs, X, Y, **options)
    assert mutants.BACKPROP["a_for_z"] not in found  # relu'(relu(z)) = relu'(z)
    assert mutants.BACKPROP["dW_no_transpose"] in found
    right = mutants.backprop(ws, bs, X, Y, **options)
    assert all(grads_far_apart(g, right) for g in found.values())


@pytest.mark.parametrize("mistake", list(mutants.FORWARD))
def test_every_forward_mistake_is_far_from_the_reference(mistake):
    rng = np.random.default_rng(2)
    ws, bs = builders.network(rng, [3, 3, 3, 4])
    X = rng.normal(size=(5, 3))
    masks = [(rng.random((5, 3)) >= 0.4) / 0.6 for _ in range(2)]
    if mistake == "naive_softmax":  # only large logits tell it apart
        ws[-1], bs[-1] = ws[-1] * 5000, bs[-1] * 5000
    net = MLP.from_params(ws, bs, "tanh")
    want = net.forward_pass(X, masks)
    got = mutants.forward_pass(ws, bs, X, mistake, activation="tanh", masks=masks)
    assert any(far_apart(g, w) for g, w in zip(got[0] + got[1], want[0] + want[1],
                                               strict=True))
    right = mutants.forward_pass(ws, bs, X, activation="tanh", masks=masks)
    for g, w in zip(right[0] + right[1], want[0] + want[1], strict=True):
        assert np.allclose(g, w, rtol=1e-13, atol=1e-15)


def test_naive_and_column_softmax():
    rng = np.random.default_rng(3)
    Z = rng.normal(scale=2.0, size=(4, 3))
    assert np.allclose(mutants.naive_softmax(Z), act.softmax(Z))  # harmless for small z
    assert np.all(np.isnan(mutants.naive_softmax(Z + 1000.0)))     # overflows for large z
    assert far_apart(mutants.column_softmax(Z), act.softmax(Z))
    assert np.allclose(mutants.column_softmax(Z).sum(axis=0), 1.0)


def test_one_sided_differences_are_off_by_order_h():
    rng = np.random.default_rng(4)
    Z, Y = builders.batch(rng, 3, 4, 4)

    def cost(V):
        return softmax_cross_entropy(V, Y)

    before = Z.copy()
    forward = mutants.one_sided_gradient(cost, Z, 1e-2)
    assert np.array_equal(Z, before)
    assert far_apart(forward, numerical_gradient(cost, Z.copy(), 1e-2))
    exact = numerical_gradient(cost, Z.copy(), 1e-5)
    assert np.allclose(forward, exact, atol=5e-3)  # the right quantity, to O(h)


def test_one_sided_differences_may_read_x_through_a_closure():
    params = [np.array([1.0, 2.0]), np.array([3.0])]
    before = [p.copy() for p in params]
    grads = [mutants.one_sided_gradient(lambda _: float(sum((p**2).sum() for p in params)),
                                        p, 1e-3) for p in params]
    assert np.allclose(grads[0], [2.001, 4.001]) and np.allclose(grads[1], [6.001])
    assert all(np.array_equal(p, b) for p, b in zip(params, before, strict=True))


def test_drifted_differences_are_taken_at_the_entries_left_behind():
    """f(x) = x0 * x1: with x0 left at x0 - h, x1's difference is taken at (x0 - h, x1)."""
    x, h = np.array([2.0, 5.0]), 1e-3
    got = mutants.drifted_gradient(lambda v: float(v[0] * v[1]), x, h)
    assert np.allclose(got, [5.0, 2.0 - h]) and np.array_equal(x, [2.0, 5.0])


def test_epsilon_cost_mistakes_offer_each_clip_where_it_shows():
    P = np.array([[1e-20, 1 - 1e-20], [0.3, 0.7]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    right = -float(np.sum(Y * np.log(P))) / 2
    assert all(far_apart(v, right) for v in mutants.epsilon_cost_mistakes(P, Y).values())
    # scikit-learn's 1e-15 is offered only where a target's P is beyond it
    calm = mutants.epsilon_cost_mistakes(np.array([[1e-9, 1 - 1e-9]]), np.array([[1.0, 0.0]]))
    assert list(calm.values())[2] is None


def test_relative_error_mistakes_differ_from_the_reference():
    rng = np.random.default_rng(6)
    a = rng.normal(size=10) * 10.0 ** rng.uniform(-3, 1, size=10)
    b = a * (1 + 1e-2 * rng.normal(size=10))
    # the largest |a_i| and |b_i| at different entries (so max|a| + max|b| is not
    # max(|a_i| + |b_i|)), and a small entry of the other sign (where the entrywise ratio is 1)
    b[np.argmax(np.abs(a))] *= 0.3
    b[np.argmin(np.abs(a))] *= -1
    zero_case = "two zero arrays give 0/0 = nan; return 0 when both are zero"
    wrong = list(mutants.relative_error_mistakes(a, b).values())
    assert len(wrong) == 11 and zero_case not in mutants.relative_error_mistakes(a, b)
    assert all(far_apart(v, relative_error(a, b)) for v in wrong[:3] + wrong[7:8])
    # the matrix inf-norm (a largest row sum) is the largest entry for a vector
    assert wrong[8] is None
    # "0 whenever one array is zero" is offered, and wrong, only with a zero array
    assert wrong[9] is None
    one_zero = list(mutants.relative_error_mistakes(np.zeros(10), b).values())[9]
    assert one_zero == 0.0 and relative_error(np.zeros(10), b) == 1.0
    # a floor under the scale is offered, and wrong, only on arrays below it
    assert wrong[10] is None
    floored = list(mutants.relative_error_mistakes(1e-10 * a, 1e-10 * b).values())[10]
    assert far_apart(floored, relative_error(1e-10 * a, 1e-10 * b))
    A, B = a.reshape(2, 5), b.reshape(2, 5)
    assert far_apart(list(mutants.relative_error_mistakes(A, B).values())[8],
                     relative_error(A, B))
    # a difference without its absolute value shows where every a_i - b_i is negative
    above = a + np.abs(b - a)
    below = list(mutants.relative_error_mistakes(a, above).values())
    assert far_apart(below[6], relative_error(a, above))
    # 0 for arrays that differ is offered only where np.allclose calls them equal
    assert wrong[5] is None
    near = a.copy()
    near[0] += 1e-12
    shortcut = list(mutants.relative_error_mistakes(a, near).values())[5]
    assert shortcut == 0.0 and relative_error(a, near) > 0
    # a scale without absolute values: max|a_i + b_i| shows on entries of opposite signs,
    # max(a_i + b_i) on negative ones
    opposite = list(mutants.relative_error_mistakes(a, -1.01 * a).values())
    assert far_apart(opposite[3], relative_error(a, -1.01 * a))
    negative = -np.abs(a)
    signed = list(mutants.relative_error_mistakes(negative, 1.001 * negative).values())
    assert far_apart(signed[4], relative_error(negative, 1.001 * negative))
    # on two zero arrays every unguarded form is nan: only the missing guard is named
    zeros = mutants.relative_error_mistakes(np.zeros(3), np.zeros(3))
    assert list(zeros) == [zero_case] and np.isnan(zeros[zero_case])
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
