"""The training-loop mutants: without a mistake the loop is MLP.fit with SGD; each
mistake changes the costs or the parameters; the given parameters stay unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring import builders, mutants
from reference.network import MLP
from reference.optim import SGD


def problem():
    rng = np.random.default_rng(11)
    ws, bs = builders.network(rng, [5, 4, 3])
    X, Y = builders.batch(rng, 23, 5, 3, every_class=True)
    return ws, bs, X, Y


def test_without_a_mistake_the_loop_is_mlp_fit_with_sgd():
    ws, bs, X, Y = problem()
    before = [W.copy() for W in ws]
    costs, got_ws, got_bs = mutants.minibatch_sgd(ws, bs, X, Y, 0.5, 0.05, 3, 5,
                                                  np.random.default_rng(4))
    ref = MLP.from_params(ws, bs, rng=np.random.default_rng(4))
    history = ref.fit(X, Y, 3, 5, SGD(0.5), l2=0.05)
    np.testing.assert_allclose(costs, history["loss"], rtol=1e-12)
    for a, b in zip(got_ws + got_bs, ref.weights + ref.biases, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert all(np.array_equal(W, W0) for W, W0 in zip(ws, before, strict=True))


@pytest.mark.parametrize("mistake", list(mutants.TRAINING))
def test_every_mistake_changes_the_result(mistake):
    ws, bs, X, Y = problem()
    right = mutants.minibatch_sgd(ws, bs, X, Y, 0.5, 0.05, 3, 5, np.random.default_rng(4))
    wrong = mutants.minibatch_sgd(ws, bs, X, Y, 0.5, 0.05, 3, 5, np.random.default_rng(4),
                                  mistake)
    costs_differ = np.shape(right[0]) != np.shape(wrong[0]) or not np.allclose(right[0],
                                                                                wrong[0])
    assert costs_differ or not all(
        np.allclose(a, b) for a, b in zip(right[1], wrong[1], strict=True))


def test_own_functions_replace_the_references_and_unknown_mistakes_are_refused():
    ws, bs, X, Y = problem()
    costs, _, _ = mutants.minibatch_sgd(
        ws, bs, X, Y, 0.5, 0.0, 2, 5, np.random.default_rng(1),
        gradients=lambda W, b, Xb, Yb: ([0 * w for w in W], [0 * c for c in b]),
        loss=lambda W, b: float(sum(np.sum(w) for w in W)))
    assert costs == [float(sum(np.sum(w) for w in ws))] * 2
    with pytest.raises(ValueError, match="unknown mistake"):
        mutants.minibatch_sgd(ws, bs, X, Y, 0.5, 0.0, 1, 5, np.random.default_rng(1), "late")
