"""Input builders: reproducible, in the reference's conventions, with the promised
shapes and distributions."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring import builders


def test_the_same_rng_state_gives_the_same_inputs():
    def draw(rng):
        sizes = builders.layer_sizes(rng, 3)
        return sizes, builders.network(rng, sizes), builders.batch(rng, 4, sizes[0], sizes[-1])

    a, b = draw(np.random.default_rng(3)), draw(np.random.default_rng(3))
    assert a[0] == b[0]
    for x, y in zip([*a[1][0], *a[1][1], *a[2]], [*b[1][0], *b[1][1], *b[2]], strict=True):
        assert np.array_equal(x, y)


def test_seeds_are_plain_ints_for_the_worker():
    seeds = {builders.seed(np.random.default_rng(i)) for i in range(20)}
    assert all(type(s) is int and 0 <= s < 2**31 for s in seeds) and len(seeds) == 20


def test_layer_sizes_and_their_fan_pairs():
    rng = np.random.default_rng(0)
    sizes = builders.layer_sizes(rng, 4, low=3, high=5)
    assert len(sizes) == 5 and all(3 <= s <= 5 and type(s) is int for s in sizes)
    assert builders.fan_pairs([4, 5, 3]) == [(4, 5), (5, 3)]


def test_network_parameters_follow_the_reference_shapes_and_scales():
    rng = np.random.default_rng(1)
    weights, biases = builders.network(rng, [400, 300, 2])
    assert [W.shape for W in weights] == [(400, 300), (300, 2)]
    assert [b.shape for b in biases] == [(300,), (2,)]
    assert weights[0].std() == pytest.approx(1 / np.sqrt(400), rel=0.02)  # N(0, 1 / n_in)
    assert biases[0].std() == pytest.approx(0.5, rel=0.1)
    scaled, _ = builders.network(np.random.default_rng(1), [400, 300, 2], weight_scale=3.0)
    assert np.allclose(scaled[0], 3 * weights[0])


def test_batches_with_one_hot_or_label_targets():
    rng = np.random.default_rng(2)
    X, Y = builders.batch(rng, 6, 4, 3)
    assert X.shape == (6, 4) and Y.shape == (6, 3)
    assert np.array_equal(Y.sum(axis=1), np.ones(6)) and set(np.unique(Y)) <= {0.0, 1.0}
    X, y = builders.batch(rng, 50, 2, 10, targets="labels", every_class=True)
    assert y.shape == (50,) and set(y.tolist()) == set(range(10))
    _, y = builders.batch(rng, 3, 2, 10, targets="labels", every_class=True)
    assert len(set(y.tolist())) == 3  # fewer rows than classes: all distinct
    with pytest.raises(ValueError, match="targets"):
        builders.batch(rng, 3, 2, 2, targets="soft")


def test_shapes_cover_a_row_a_vector_and_a_matrix():
    rng = np.random.default_rng(4)
    row, vector, matrix = builders.varied_shapes(rng, low=2, high=5)
    assert len(row) == 2 and row[0] == 1 and len(vector) == 1 and len(matrix) == 2
    assert all(2 <= s <= 5 for s in (*row[1:], *vector, *matrix))
    assert builders.random_shape(rng, 3, 4, 4) == (4, 4, 4)
    assert builders.shapes_of([np.zeros((2, 3)), np.zeros(3)]) == "(2, 3) (3,)"
    assert builders.shapes_of([np.zeros(2)] * 2, sep=", ") == "(2,), (2,)"


def test_spread_logits_makes_confident_softmax_outputs():
    rng = np.random.default_rng(3)
    ws, bs = builders.network(rng, [4, 5, 3])
    X = rng.normal(size=(6, 4))
    logits = builders.spread_logits(ws, bs, X, 30.0)
    z = X
    for W, b in zip(ws[:-1], bs[:-1], strict=True):
        z = 1 / (1 + np.exp(-(z @ W + b)))
    assert np.allclose(z @ ws[-1] + bs[-1], logits)  # the lists hold the scaled layer
    assert np.isclose(np.ptp(logits, axis=1).mean(), 30.0)
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    assert P.min() > 0 and (P.min(axis=1) < 1e-7).any()
