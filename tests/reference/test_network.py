import itertools

import numpy as np
import pytest

from reference.activations import sigmoid, softmax
from reference.data import (
    load_digits_split,
    make_blobs_classification,
    make_regression_1d,
    make_xor,
)
from reference.gradcheck import numerical_gradient, relative_error
from reference.losses import binary_cross_entropy, one_hot, quadratic, softmax_cross_entropy
from reference.network import COMBOS, MLP
from reference.optim import SGD, Adam

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "linear"]
PAIRS = sorted(COMBOS)


def random_targets(net: MLP, n: int, rng: np.random.Generator) -> np.ndarray:
    k = net.layer_sizes[-1]
    if net.output == "softmax":
        return one_hot(rng.integers(0, k, size=n), k)
    if net.loss_name == "binary_cross_entropy":
        return rng.uniform(size=(n, k))  # soft targets in [0, 1]
    return rng.normal(size=(n, k))


def assert_gradients_match(net: MLP, X, Y, l2=0.0, masks=None):
    dWs, dbs = net.gradients(X, Y, l2=l2, masks=masks)

    def cost(_):
        if masks is None:
            return net.loss(X, Y, l2=l2)
        # the cost with the dropout masks held fixed
        zs, acts = net.forward_pass(X, masks)
        return quadratic(acts[-1], Y) + 0.5 * l2 * sum(np.sum(W**2) for W in net.weights)

    for W, dW in zip(net.weights, dWs, strict=True):
        assert dW.shape == W.shape
        assert relative_error(dW, numerical_gradient(cost, W)) < 1e-7
    for b, db in zip(net.biases, dbs, strict=True):
        assert db.shape == b.shape
        assert relative_error(db, numerical_gradient(cost, b)) < 1e-7


@pytest.mark.parametrize(("hidden", "pair"), list(itertools.product(HIDDEN, PAIRS)))
def test_gradients_match_central_differences(hidden, pair, rng):
    output, loss = pair
    net = MLP([4, 5, 3, 3], hidden, output, loss, rng=rng)
    for b in net.biases:  # nonzero biases, so BP3 is exercised off the initial point
        b[:] = rng.normal(scale=0.5, size=b.shape)
    X = rng.normal(size=(6, 4))
    assert_gradients_match(net, X, random_targets(net, 6, rng))


@pytest.mark.parametrize("pair", PAIRS)
def test_gradients_with_l2_match_central_differences(pair, rng):
    net = MLP([3, 4, 2], "tanh", *pair, rng=rng)
    X = rng.normal(size=(5, 3))
    assert_gradients_match(net, X, random_targets(net, 5, rng), l2=0.3)


def test_gradients_with_dropout_masks_match_central_differences(rng):
    net = MLP([3, 6, 5, 2], "sigmoid", "linear", "quadratic", rng=rng)
    X = rng.normal(size=(7, 3))
    masks = net.dropout_masks(7, 0.4, rng)
    assert any(np.any(m == 0) for m in masks)
    assert_gradients_match(net, X, rng.normal(size=(7, 2)), l2=0.1, masks=masks)


def test_backprop_equations_by_hand(rng):
    # One hidden layer, softmax + cross-entropy: the four equations written out.
    net = MLP([3, 4, 2], "sigmoid", rng=rng)
    X, Y = rng.normal(size=(5, 3)), one_hot(rng.integers(0, 2, size=5), 2)
    W1, W2 = net.weights
    b1, b2 = net.biases
    z1 = X @ W1 + b1
    a1 = sigmoid(z1)
    p = softmax(a1 @ W2 + b2)
    delta2 = (p - Y) / 5  # BP1
    delta1 = (delta2 @ W2.T) * a1 * (1 - a1)  # BP2
    dWs, dbs = net.gradients(X, Y)
    np.testing.assert_allclose(dWs[1], a1.T @ delta2, rtol=1e-12)  # BP4
    np.testing.assert_allclose(dWs[0], X.T @ delta1, rtol=1e-12)
    np.testing.assert_allclose(dbs[1], delta2.sum(axis=0), rtol=1e-12)  # BP3
    np.testing.assert_allclose(dbs[0], delta1.sum(axis=0), rtol=1e-12)


def test_cost_is_a_mean_over_the_batch(rng):
    net = MLP([3, 4, 3], "relu", rng=rng)
    X, y = rng.normal(size=(4, 3)), rng.integers(0, 3, size=4)
    X2, y2 = np.vstack([X, X]), np.concatenate([y, y])
    assert net.loss(X2, y2) == pytest.approx(net.loss(X, y), rel=1e-14)
    for g, g2 in zip(net.gradients(X, y)[0], net.gradients(X2, y2)[0], strict=True):
        np.testing.assert_allclose(g2, g, rtol=1e-12)


def test_loss_matches_the_loss_module(rng):
    X = rng.normal(size=(6, 3))
    net = MLP([3, 4, 3], rng=rng)
    zs, acts = net.forward_pass(X)
    Y = one_hot(rng.integers(0, 3, size=6), 3)
    assert net.loss(X, Y) == softmax_cross_entropy(zs[-1], Y)
    net = MLP([3, 4, 2], output="sigmoid", loss="binary_cross_entropy", rng=rng)
    Y = rng.uniform(size=(6, 2))
    assert net.loss(X, Y) == binary_cross_entropy(net.forward(X), Y)
    net = MLP([3, 4, 1], "tanh", "linear", "quadratic", rng=rng)
    y = rng.normal(size=6)
    assert net.loss(X, y) == quadratic(net.forward(X), y[:, None])


def test_l2_penalty_covers_weights_not_biases(rng):
    net = MLP([3, 4, 2], rng=rng)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    for b in net.biases:
        b += 10.0
    penalty = 0.5 * 0.2 * sum(np.sum(W**2) for W in net.weights)
    assert net.loss(X, y, l2=0.2) - net.loss(X, y) == pytest.approx(penalty, rel=1e-12)
    dWs, dbs = net.gradients(X, y)
    dWs_l2, dbs_l2 = net.gradients(X, y, l2=0.2)
    for W, g, g_l2 in zip(net.weights, dWs, dWs_l2, strict=True):
        np.testing.assert_allclose(g_l2, g + 0.2 * W, rtol=1e-14)
    for g, g_l2 in zip(dbs, dbs_l2, strict=True):
        np.testing.assert_array_equal(g_l2, g)


def test_shapes_and_forward_pass(rng):
    net = MLP([5, 7, 4, 3], "relu", rng=rng)
    assert [W.shape for W in net.weights] == [(5, 7), (7, 4), (4, 3)]
    assert [b.shape for b in net.biases] == [(7,), (4,), (3,)]
    assert all(np.all(b == 0) for b in net.biases)
    X = rng.normal(size=(9, 5))
    zs, acts = net.forward_pass(X)
    assert [z.shape for z in zs] == [(9, 7), (9, 4), (9, 3)]
    assert [a.shape for a in acts] == [(9, 5), (9, 7), (9, 4), (9, 3)]
    np.testing.assert_array_equal(acts[0], X)
    np.testing.assert_array_equal(acts[1], np.maximum(zs[0], 0))
    np.testing.assert_allclose(net.forward(X).sum(axis=1), 1.0, rtol=1e-14)
    assert net.predict(X).shape == (9,)
    np.testing.assert_array_equal(net.predict(X), np.argmax(net.predict_proba(X), axis=1))


def test_initializer_is_a_keyword(rng):
    W = MLP([400, 300, 2], init="he_uniform", rng=rng).weights[0]
    r = np.sqrt(6 / 400)
    assert np.abs(W).max() <= r and np.abs(W).max() > 0.99 * r
    W = MLP([400, 300, 2], rng=rng).weights[0]  # default: Glorot normal
    assert W.var() == pytest.approx(2 / 700, rel=0.03)
    W = MLP([3, 2], init=lambda i, o, g: np.ones((i, o)), rng=rng).weights[0]
    np.testing.assert_array_equal(W, np.ones((3, 2)))


def test_same_seed_same_network():
    a = MLP([4, 6, 3], rng=np.random.default_rng(1))
    b = MLP([4, 6, 3], rng=np.random.default_rng(1))
    for Wa, Wb in zip(a.weights, b.weights, strict=True):
        np.testing.assert_array_equal(Wa, Wb)


def test_rejects_bad_configurations(rng):
    with pytest.raises(TypeError, match="rng"):
        MLP([2, 3, 2])
    with pytest.raises(ValueError, match="unsupported output='softmax' with loss='quadratic'"):
        MLP([2, 3, 2], output="softmax", loss="quadratic", rng=rng)
    with pytest.raises(ValueError, match="unsupported output='linear'"):
        MLP([2, 3, 2], output="linear", loss="cross_entropy", rng=rng)
    with pytest.raises(ValueError, match="unknown hidden_activation 'swish'"):
        MLP([2, 3, 2], "swish", rng=rng)
    with pytest.raises(ValueError, match="unknown init"):
        MLP([2, 3, 2], init="orthogonal", rng=rng)
    with pytest.raises(ValueError, match="at least"):
        MLP([2], rng=rng)
    net = MLP([2, 3, 2], rng=rng)
    with pytest.raises(ValueError, match="targets of shape"):
        net.loss(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="dropout"):
        net.fit(np.zeros((4, 2)), np.zeros(4, dtype=int), 1, 2, dropout=1.0)
    with pytest.raises(ValueError, match="early_stopping needs"):
        net.fit(np.zeros((4, 2)), np.zeros(4, dtype=int), 1, 2, early_stopping=3)
    with pytest.raises(ValueError, match="predict_proba"):
        MLP([2, 3, 1], "tanh", "linear", "quadratic", rng=rng).predict_proba(np.zeros((1, 2)))


def test_integer_labels_equal_one_hot_targets(rng):
    net = MLP([3, 4, 3], rng=rng)
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 3, size=5)
    assert net.loss(X, y) == net.loss(X, one_hot(y, 3))
    for g, h in zip(net.gradients(X, y)[0], net.gradients(X, one_hot(y, 3))[0], strict=True):
        np.testing.assert_array_equal(g, h)


def test_digits_mlp_reaches_95_percent():
    X_train, X_test, y_train, y_test = load_digits_split(0.2, np.random.default_rng(0))
    net = MLP([64, 50, 10], "sigmoid", "softmax", "cross_entropy", rng=np.random.default_rng(0))
    history = net.fit(X_train, y_train, epochs=60, batch_size=32, optimizer=SGD(lr=1.0))
    accuracy = np.mean(net.predict(X_test) == y_test)
    print(f"digits test accuracy {accuracy:.4f}")
    assert accuracy >= 0.95
    assert history["loss"][-1] < history["loss"][0]


def test_fit_decreases_the_loss(rng):
    X, y = make_blobs_classification(200, 4, 3, rng)
    net = MLP([4, 8, 3], "tanh", rng=rng)
    before = net.loss(X, y)
    history = net.fit(X, y, epochs=20, batch_size=16, optimizer=SGD(lr=0.1))
    assert len(history["loss"]) == 20 and history["val_loss"] == []
    assert history["loss"][-1] < 0.5 * before
    assert history["loss"][-1] == net.loss(X, y)
    assert np.mean(net.predict(X) == y) > 0.9


def test_fit_with_adam_and_default_optimizer(rng):
    X, y = make_blobs_classification(200, 4, 3, rng)
    for optimizer in (Adam(lr=0.01), None):
        net = MLP([4, 8, 3], "relu", rng=rng)
        before = net.loss(X, y)
        net.fit(X, y, epochs=10, batch_size=20, optimizer=optimizer)
        assert net.loss(X, y) < 0.5 * before


def test_fit_is_reproducible():
    X, y = make_blobs_classification(100, 3, 2, np.random.default_rng(0))
    results = []
    for _ in range(2):
        net = MLP([3, 5, 2], rng=np.random.default_rng(1))
        net.fit(X, y, 3, 10, dropout=0.3, rng=np.random.default_rng(2))
        results.append(net.weights[0].copy())
    np.testing.assert_array_equal(*results)


def test_xor_with_sigmoid_and_binary_cross_entropy(rng):
    X, y = make_xor(400, rng)
    net = MLP([2, 8, 1], "tanh", "sigmoid", "binary_cross_entropy", rng=rng)
    net.fit(X, y, epochs=200, batch_size=20, optimizer=Adam(lr=0.02))
    assert net.predict(X).shape == (400,)
    assert np.mean(net.predict(X) == y) > 0.95
    proba = net.predict_proba(X)
    assert proba.shape == (400, 1) and np.all((proba > 0) & (proba < 1))


def test_nndl_sigmoid_quadratic_learns(rng):
    X, y = make_blobs_classification(200, 2, 2, rng)
    net = MLP([2, 6, 1], "sigmoid", "sigmoid", "quadratic", rng=rng)
    before = net.loss(X, y)
    net.fit(X, y, epochs=50, batch_size=10, optimizer=SGD(lr=2.0))
    assert net.loss(X, y) < 0.5 * before
    assert np.mean(net.predict(X) == y) > 0.9


def test_tanh_regression_fits_a_sine(rng):
    X, Y = make_regression_1d(300, rng, noise=0.1)
    net = MLP([1, 20, 1], "tanh", "linear", "quadratic", rng=rng)
    before = net.loss(X, Y)
    net.fit(X, Y, epochs=300, batch_size=20, optimizer=Adam(lr=0.005))
    # noise floor 0.5 * 0.1^2 = 0.005; predicting 0 everywhere costs about 0.25
    assert net.loss(X, Y) < 0.01 < 0.1 * before
    grid = np.linspace(-3, 3, 61)[:, None]
    assert np.max(np.abs(net.forward(grid) - np.sin(grid))) < 0.25
    assert net.predict(X).shape == (300, 1)
    np.testing.assert_array_equal(net.predict(X), net.forward(X))


def test_l2_shrinks_the_weights(rng):
    X, y = make_blobs_classification(200, 4, 3, rng)
    norms = []
    for l2 in (0.0, 0.05):
        net = MLP([4, 16, 3], "relu", rng=np.random.default_rng(3))
        net.fit(X, y, 30, 20, SGD(lr=0.1), l2=l2, rng=np.random.default_rng(4))
        norms.append(sum(np.sum(W**2) for W in net.weights))
    assert norms[1] < 0.7 * norms[0]


def test_dropout_masks():
    net = MLP([3, 40, 30, 2], rng=np.random.default_rng(0))
    masks = net.dropout_masks(1000, 0.25, np.random.default_rng(1))
    assert [m.shape for m in masks] == [(1000, 40), (1000, 30)]  # hidden layers only
    for m in masks:
        assert set(np.unique(m)) == {0.0, 1 / 0.75}
        assert np.mean(m == 0) == pytest.approx(0.25, abs=0.01)
        assert m.mean() == pytest.approx(1.0, abs=0.02)  # inverted: expectation kept


def test_dropout_trains_but_predicts_deterministically(rng):
    X, y = make_blobs_classification(300, 4, 3, rng)
    plain = MLP([4, 32, 3], "relu", rng=np.random.default_rng(5))
    dropped = MLP([4, 32, 3], "relu", rng=np.random.default_rng(5))
    plain.fit(X, y, 20, 20, SGD(lr=0.1), rng=np.random.default_rng(6))
    history = dropped.fit(X, y, 20, 20, SGD(lr=0.1), dropout=0.5, rng=np.random.default_rng(6))
    assert not np.allclose(plain.weights[0], dropped.weights[0])
    np.testing.assert_array_equal(dropped.forward(X), dropped.forward(X))
    assert history["loss"][-1] < history["loss"][0]
    assert np.mean(dropped.predict(X) == y) > 0.9


def overfitting_problem():
    # 25% label noise and few training rows: the validation loss falls, then turns up
    rng = np.random.default_rng(2)
    X, X_val = rng.normal(size=(60, 10)), rng.normal(size=(200, 10))
    y = (X[:, 0] > 0) ^ (rng.random(60) < 0.25)
    y_val = (X_val[:, 0] > 0) ^ (rng.random(200) < 0.25)
    return X, y.astype(int), X_val, y_val.astype(int)


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y, X_val, y_val = overfitting_problem()
    snapshots = []
    net = MLP([10, 50, 2], "tanh", rng=np.random.default_rng(0))
    history = net.fit(
        X, y, epochs=2000, batch_size=10, optimizer=SGD(lr=0.02), early_stopping=10,
        X_val=X_val, Y_val=y_val,
        callback=lambda epoch, h: snapshots.append([W.copy() for W in net.weights]),
    )  # fmt: skip
    val = history["val_loss"]
    best = history["best_epoch"]
    assert best == int(np.argmin(val)) > 10
    assert len(val) == best + 1 + 10  # stopped 10 epochs after the best
    assert val[best] < val[0] and val[-1] > val[best]
    for W, saved in zip(net.weights, snapshots[best], strict=True):
        np.testing.assert_array_equal(W, saved)
    assert net.loss(X_val, y_val) == val[best]
    assert not np.array_equal(snapshots[-1][0], snapshots[best][0])


def test_early_stopping_restores_the_best_weights_when_patience_is_not_exhausted():
    X, y, X_val, y_val = overfitting_problem()
    net = MLP([10, 50, 2], "tanh", rng=np.random.default_rng(0))
    history = net.fit(X, y, 80, 10, SGD(lr=0.02), early_stopping=100, X_val=X_val, Y_val=y_val)
    val = history["val_loss"]
    assert len(val) == 80
    assert history["best_epoch"] == int(np.argmin(val)) < 79
    assert net.loss(X_val, y_val) == min(val) < val[-1]


def test_verbose_prints_one_line_per_epoch(rng, capsys):
    X, y = make_blobs_classification(50, 2, 2, rng)
    net = MLP([2, 3, 2], rng=rng)
    net.fit(X, y, 3, 10, verbose=True, X_val=X, Y_val=y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch 1/3: loss ") and "val_loss" in lines[0]


def test_from_params_builds_the_network_with_given_parameters(rng):
    ref = MLP([4, 5, 3], "tanh", "sigmoid", "quadratic", rng=rng)
    weights = [rng.normal(size=W.shape) for W in ref.weights]
    biases = [rng.normal(size=b.shape) for b in ref.biases]
    ref.weights, ref.biases = [W.copy() for W in weights], [b.copy() for b in biases]
    net = MLP.from_params(weights, biases, hidden_activation="tanh", output="sigmoid",
                          loss="quadratic")
    assert net.layer_sizes == [4, 5, 3]
    X, Y = rng.normal(size=(6, 4)), rng.uniform(size=(6, 3))
    assert net.loss(X, Y, l2=0.1) == ref.loss(X, Y, l2=0.1)
    for a, b in zip(sum(net.gradients(X, Y), []), sum(ref.gradients(X, Y), []), strict=True):
        assert np.array_equal(a, b)
    net.weights[0][0, 0] += 1.0  # copies: the caller's arrays are left alone
    assert weights[0][0, 0] == ref.weights[0][0, 0]
    integers = MLP.from_params([np.ones((2, 2), dtype=int)], [np.zeros(2, dtype=int)])
    assert integers.weights[0].dtype == np.float64


def test_from_params_needs_an_rng_only_to_train(rng):
    net = MLP.from_params([rng.normal(size=(2, 3))], [np.zeros(3)])
    X, Y = rng.normal(size=(4, 2)), one_hot(np.array([0, 1, 2, 1]), 3)
    with pytest.raises(TypeError, match="rng"):
        net.fit(X, Y, epochs=1, batch_size=2)
    before = net.loss(X, Y)
    net.fit(X, Y, epochs=5, batch_size=2, optimizer=SGD(0.5), rng=np.random.default_rng(0))
    assert net.loss(X, Y) < before
    seeded = MLP.from_params(net.weights, net.biases, rng=np.random.default_rng(1))
    seeded.fit(X, Y, epochs=1, batch_size=2)


@pytest.mark.parametrize("weights, biases, match", [
    ([], [], "one of each per layer"),
    ([np.zeros((2, 3))], [], "one of each per layer"),
    ([np.zeros((2, 3)), np.zeros((4, 2))], [np.zeros(3), np.zeros(2)], "layer 2"),
    ([np.zeros((2, 3))], [np.zeros(2)], "layer 1"),
])
def test_from_params_rejects_parameters_that_do_not_fit(weights, biases, match):
    with pytest.raises(ValueError, match=match):
        MLP.from_params(weights, biases)
