"""Tests of reference.regularization: penalties, dropout, max-norm, early stopping, batch norm."""

import numpy as np
import pytest

from reference.gradcheck import numerical_gradient, relative_error
from reference.regularization import (
    EarlyStopping,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    elastic_net_grad,
    elastic_net_penalty,
    fuse_batchnorm,
    l1_grad,
    l1_penalty,
    l2_grad,
    l2_penalty,
    max_norm,
)

# --- weight penalties -----------------------------------------------------------------------

W_HAND = np.array([[1.0, -2.0], [0.0, 3.0]])


def test_penalties_hand_values():
    # sum |W| = 6, sum W^2 = 14, lam = 0.1
    assert l1_penalty(W_HAND, 0.1) == pytest.approx(0.6, rel=1e-15)
    assert l2_penalty(W_HAND, 0.1) == pytest.approx(0.7, rel=1e-15)  # lam/2 * 14
    assert elastic_net_penalty(W_HAND, 0.1, l1_ratio=0.25) == pytest.approx(
        0.25 * 0.6 + 0.75 * 0.7, rel=1e-15
    )
    assert elastic_net_penalty(W_HAND, 0.1, l1_ratio=1.0) == pytest.approx(0.6, rel=1e-15)
    assert elastic_net_penalty(W_HAND, 0.1, l1_ratio=0.0) == pytest.approx(0.7, rel=1e-15)


def test_gradients_hand_values_and_sign_of_zero():
    np.testing.assert_array_equal(l1_grad(W_HAND, 0.5), [[0.5, -0.5], [0.0, 0.5]])
    np.testing.assert_array_equal(l2_grad(W_HAND, 0.5), [[0.5, -1.0], [0.0, 1.5]])
    np.testing.assert_allclose(
        elastic_net_grad(W_HAND, 0.5, l1_ratio=0.5),
        [[0.5, -0.75], [0.0, 1.0]],
        rtol=1e-15,
    )


def test_list_of_arrays_sums_penalties_and_maps_gradients():
    Ws = [W_HAND, np.array([[-4.0]])]
    assert l1_penalty(Ws, 1.0) == 10.0
    assert l2_penalty(Ws, 1.0) == 15.0
    grads = l2_grad(Ws, 2.0)
    assert isinstance(grads, list)
    np.testing.assert_array_equal(grads[1], [[-8.0]])
    assert isinstance(l1_grad(W_HAND, 1.0), np.ndarray)


def weights_away_from_zero(rng: np.random.Generator) -> list[np.ndarray]:
    # L1 is not differentiable at 0; keep every entry at least 0.1 >> h away from it.
    return [
        rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 2.0, size=shape)
        for shape in [(4, 3), (3, 2)]
    ]


@pytest.mark.parametrize(
    ("penalty", "grad"),
    [
        (lambda Ws: l1_penalty(Ws, 0.3), lambda Ws: l1_grad(Ws, 0.3)),
        (lambda Ws: l2_penalty(Ws, 0.3), lambda Ws: l2_grad(Ws, 0.3)),
        (lambda Ws: elastic_net_penalty(Ws, 0.3, 0.4), lambda Ws: elastic_net_grad(Ws, 0.3, 0.4)),
    ],
    ids=["l1", "l2", "elastic_net"],
)
def test_penalty_gradients_match_central_differences(penalty, grad):
    Ws = weights_away_from_zero(np.random.default_rng(0))
    analytic = grad(Ws)
    for k in range(len(Ws)):
        numeric = numerical_gradient(lambda _: penalty(Ws), Ws[k])
        assert relative_error(analytic[k], numeric) < 1e-7


# --- dropout --------------------------------------------------------------------------------


def test_dropout_keeps_the_expectation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5))
    rate, n = 0.3, 20_000
    out, mask = dropout_forward(np.broadcast_to(x, (n, 4, 5)), rate, rng)
    # Each out entry is x / (1 - rate) with probability 1 - rate, else 0: mean x, standard
    # deviation |x| sqrt(rate / (1 - rate)). Allow 5 standard errors of the mean of n draws.
    stderr = np.abs(x) * np.sqrt(rate / (1 - rate) / n)
    assert np.all(np.abs(out.mean(axis=0) - x) < 5 * stderr)
    dropped = np.mean(mask == 0.0)
    assert abs(dropped - rate) < 5 * np.sqrt(rate * (1 - rate) / mask.size)
    # Kept units are scaled by exactly 1 / (1 - rate).
    assert set(np.unique(mask)) == {0.0, 1.0 / (1.0 - rate)}


def test_dropout_backward_reuses_the_mask():
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(6, 7)), rng.normal(size=(6, 7))
    out, mask = dropout_forward(x, 0.5, rng)
    dx = dropout_backward(dout, mask)
    np.testing.assert_array_equal(dx, dout * mask)
    assert np.all(dx[out == 0.0] == 0.0)


def test_dropout_backward_matches_central_differences_for_a_fixed_mask():
    rng = np.random.default_rng(2)
    x, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    _, mask = dropout_forward(x, 0.4, np.random.default_rng(7))

    # The same seed draws the same mask on every evaluation.
    def f(v):
        return np.sum(dout * dropout_forward(v, 0.4, np.random.default_rng(7))[0])

    assert relative_error(dropout_backward(dout, mask), numerical_gradient(f, x)) < 1e-7


def test_dropout_rate_zero_and_inference_are_identity():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 8))
    out, mask = dropout_forward(x, 0.0, rng)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(mask, np.ones_like(x))
    out, mask = dropout_forward(x, 0.7, None, training=False)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(mask, np.ones_like(x))
    with pytest.raises(ValueError, match="rate"):
        dropout_forward(x, 1.0, rng)


# --- max-norm -------------------------------------------------------------------------------


def test_max_norm_caps_columns_and_leaves_small_ones_untouched():
    W = np.array([[3.0, 0.3, 0.0, 1.2], [4.0, 0.4, 0.0, 1.6]])  # column norms 5, 0.5, 0, 2
    capped = max_norm(W, 2.0)
    np.testing.assert_allclose(np.linalg.norm(capped, axis=0), [2.0, 0.5, 0.0, 2.0], rtol=1e-15)
    np.testing.assert_allclose(capped[:, 0], [1.2, 1.6], rtol=1e-15)  # direction kept
    np.testing.assert_array_equal(capped[:, 1:], W[:, 1:])
    np.testing.assert_array_equal(W[:, 0], [3.0, 4.0])  # input not modified


def test_max_norm_along_rows():
    W = np.array([[3.0, 4.0], [0.6, 0.8]])
    np.testing.assert_allclose(max_norm(W, 1.0, axis=1), [[0.6, 0.8], [0.6, 0.8]], rtol=1e-15)
    np.testing.assert_allclose(
        max_norm(W, 1.0, axis=0), W / np.linalg.norm(W, axis=0), rtol=1e-15
    )


# --- early stopping -------------------------------------------------------------------------


def run_early_stopping(losses, patience, min_delta=0.0):
    es = EarlyStopping(patience, min_delta)
    return es, [es.update(loss) for loss in losses]


def test_early_stopping_stops_after_patience_non_improvements():
    # best at index 1; indices 2, 3 and 4 (a tie with the best) do not improve
    es, stops = run_early_stopping([1.0, 0.8, 0.85, 0.9, 0.8], patience=3)
    assert stops == [False, False, False, False, True]
    assert es.should_stop
    assert (es.best_loss, es.best_epoch) == (0.8, 1)


def test_early_stopping_improvement_resets_the_wait():
    es, stops = run_early_stopping([1.0, 1.1, 0.9, 1.0, 1.0], patience=2)
    assert stops == [False, False, False, False, True]
    assert (es.best_loss, es.best_epoch) == (0.9, 2)


def test_early_stopping_min_delta():
    # An improvement must beat best - min_delta strictly: 0.75 = 1.0 - 0.25 does not.
    es, stops = run_early_stopping([1.0, 0.75, 0.8, 0.5], patience=3, min_delta=0.25)
    assert stops == [False, False, False, False]
    assert (es.best_loss, es.best_epoch) == (0.5, 3)
    es, stops = run_early_stopping([1.0, 0.75, 0.8], patience=2, min_delta=0.25)
    assert stops == [False, False, True]
    assert (es.best_loss, es.best_epoch) == (1.0, 0)
    es, stops = run_early_stopping([1.0, 0.75, 0.8], patience=2)
    assert stops == [False, False, False]
    assert es.best_epoch == 1


# --- batch normalization --------------------------------------------------------------------


def test_batchnorm_training_normalizes_each_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(loc=3.0, scale=[0.5, 1.0, 2.0, 4.0], size=(64, 4))
    out, _ = batchnorm_forward(x, np.ones(4), np.zeros(4))
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-14)
    # var(out) = var / (var + eps): 1 up to the eps in the denominator
    var = x.var(axis=0)
    np.testing.assert_allclose(out.var(axis=0), var / (var + 1e-5), rtol=1e-12)
    gamma, beta = np.array([2.0, 0.5, -1.0, 3.0]), np.array([0.1, -0.2, 0.3, 1.0])
    out2, _ = batchnorm_forward(x, gamma, beta)
    np.testing.assert_allclose(out2, gamma * out + beta, rtol=1e-14, atol=1e-14)


def test_batchnorm_running_statistics_and_inference():
    rng = np.random.default_rng(1)
    x = rng.normal(loc=1.0, scale=2.0, size=(10, 3))
    mean0, var0 = np.array([0.5, -0.5, 0.0]), np.array([1.0, 2.0, 3.0])
    running_mean, running_var = mean0.copy(), var0.copy()
    batchnorm_forward(x, np.ones(3), np.zeros(3), running_mean=running_mean,
                      running_var=running_var, momentum=0.2)
    unbiased = np.sum((x - x.mean(axis=0)) ** 2, axis=0) / 9
    np.testing.assert_allclose(running_mean, 0.8 * mean0 + 0.2 * x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(running_var, 0.8 * var0 + 0.2 * unbiased, rtol=1e-14)

    gamma, beta = np.array([2.0, 1.0, 0.5]), np.array([0.0, 1.0, -1.0])
    stats = running_mean.copy(), running_var.copy()
    out, _ = batchnorm_forward(x, gamma, beta, running_mean=running_mean,
                               running_var=running_var, training=False)
    expected = gamma * (x - stats[0]) / np.sqrt(stats[1] + 1e-5) + beta
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(running_mean, stats[0])  # inference does not update
    np.testing.assert_array_equal(running_var, stats[1])
    with pytest.raises(ValueError, match="running"):
        batchnorm_forward(x, gamma, beta, training=False)


@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
def test_batchnorm_backward_matches_central_differences(training):
    rng = np.random.default_rng(2)
    x = rng.normal(loc=1.0, scale=2.0, size=(8, 4))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    dout = rng.normal(size=(8, 4))
    stats = {"running_mean": rng.normal(size=4), "running_var": rng.uniform(0.5, 2.0, size=4)}
    kwargs = {"training": training} if training else {"training": False, **stats}

    def f(x, gamma, beta):
        return np.sum(dout * batchnorm_forward(x, gamma, beta, **kwargs)[0])

    _, cache = batchnorm_forward(x, gamma, beta, **kwargs)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert relative_error(dx, numerical_gradient(lambda v: f(v, gamma, beta), x)) < 1e-7
    assert relative_error(dgamma, numerical_gradient(lambda v: f(x, v, beta), gamma)) < 1e-7
    assert relative_error(dbeta, numerical_gradient(lambda v: f(x, gamma, v), beta)) < 1e-7


def test_batchnorm_matches_torch():
    torch = pytest.importorskip("torch", reason="torch is needed for the batch_norm cross-check")
    F = torch.nn.functional
    rng = np.random.default_rng(3)
    x = rng.normal(loc=2.0, scale=3.0, size=(16, 5))
    gamma, beta = rng.normal(size=5), rng.normal(size=5)
    mean, var = rng.normal(size=5), rng.uniform(0.5, 2.0, size=5)
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in
         {"x": x, "gamma": gamma, "beta": beta, "mean": mean, "var": var}.items()}
    # Same float64 arithmetic in a different operation order: agreement to a few ulps of the
    # O(1) outputs, hence the small absolute tolerance for entries that are near zero.
    for training in (True, False):
        running_mean, running_var = mean.copy(), var.copy()
        t_mean, t_var = t["mean"].clone(), t["var"].clone()
        out, _ = batchnorm_forward(x, gamma, beta, eps=1e-3, running_mean=running_mean,
                                   running_var=running_var, momentum=0.3, training=training)
        t_out = F.batch_norm(t["x"], t_mean, t_var, t["gamma"], t["beta"],
                             training=training, momentum=0.3, eps=1e-3)
        np.testing.assert_allclose(out, t_out.numpy(), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(running_mean, t_mean.numpy(), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(running_var, t_var.numpy(), rtol=1e-12, atol=0.0)


def test_fuse_batchnorm_equals_dense_then_inference_batchnorm():
    rng = np.random.default_rng(4)
    X, W, b = rng.normal(size=(10, 6)), rng.normal(size=(6, 4)), rng.normal(size=4)
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    mean, var = rng.normal(size=4), rng.uniform(0.1, 3.0, size=4)
    expected, _ = batchnorm_forward(X @ W + b, gamma, beta, eps=1e-3, running_mean=mean,
                                    running_var=var, training=False)
    W_fused, b_fused = fuse_batchnorm(W, b, gamma, beta, mean, var, eps=1e-3)
    assert W_fused.shape == W.shape and b_fused.shape == b.shape
    np.testing.assert_allclose(X @ W_fused + b_fused, expected, rtol=1e-12, atol=1e-12)
