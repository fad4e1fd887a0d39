import warnings

import numpy as np
import pytest

from reference.capacity import (
    best_hidden_units,
    count_parameters,
    fit_full_batch,
    largest_hidden_layer,
    mean_squared_error,
    sklearn_alpha,
    start_seed,
    tanh_regressor,
    train_tanh_regressor,
    training_errors,
    validation_table,
)
from reference.network import MLP


def test_count_known_values():
    assert count_parameters([64, 40, 10]) == 65 * 40 + 41 * 10 == 3010
    assert count_parameters([2, 3, 1]) == 13
    assert count_parameters([5, 1]) == 6  # no hidden layer: (D + 1) K
    assert isinstance(count_parameters([3, 4, 2]), int)


def test_count_equals_the_arrays_of_a_network(rng):
    for _ in range(20):
        sizes = [int(s) for s in rng.integers(1, 30, size=rng.integers(2, 6))]
        net = MLP(sizes, rng=rng)
        arrays = net.weights + net.biases
        assert count_parameters(sizes) == sum(a.size for a in arrays)
        if len(sizes) == 3:
            D, M, K = sizes
            assert count_parameters(sizes) == (D + 1) * M + (M + 1) * K


def test_count_equals_scikit_learns_coefficients(rng):
    from sklearn.neural_network import MLPRegressor

    D, K, hidden = 4, 3, (7, 5)
    model = MLPRegressor(hidden_layer_sizes=hidden, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one iteration does not converge
        model.fit(rng.normal(size=(20, D)), rng.normal(size=(20, K)))
    fitted = sum(W.size for W in model.coefs_) + sum(b.size for b in model.intercepts_)
    assert count_parameters([D, *hidden, K]) == fitted


def test_largest_hidden_layer_by_brute_force(rng):
    for _ in range(200):
        D, K = int(rng.integers(1, 70)), int(rng.integers(1, 12))
        budget = int(rng.integers(0, 5000))
        fits = [M for M in range(budget + 1) if count_parameters([D, M, K]) <= budget]
        assert largest_hidden_layer(D, K, budget) == max(fits, default=0)
    assert largest_hidden_layer(64, 10, 3010) == 40  # the digits network exactly


def test_tanh_regressor_draws_and_forward(rng):
    net = tanh_regressor(5, np.random.default_rng(3))
    draws = np.random.default_rng(3)
    np.testing.assert_array_equal(net.weights[0], draws.normal(0, 2, size=(1, 5)))
    np.testing.assert_array_equal(net.biases[0], draws.normal(0, 1, size=5))
    np.testing.assert_array_equal(net.weights[1], draws.normal(0, 1 / np.sqrt(5), size=(5, 1)))
    np.testing.assert_array_equal(net.biases[1], [0.0])
    X = rng.uniform(-1, 1, size=(7, 1))
    W1, W2 = net.weights
    b1, b2 = net.biases
    np.testing.assert_allclose(net.forward(X), np.tanh(X @ W1 + b1) @ W2 + b2, rtol=1e-14)


def test_fit_matches_adam_written_out(rng):
    """Adam by Kingma and Ba's algorithm 1 on the cost written out by hand."""
    X, Y = rng.uniform(-1, 1, size=(15, 1)), rng.normal(size=(15, 1))
    lr, lam, steps = 0.03, 0.01, 20
    net = tanh_regressor(4, np.random.default_rng(1))
    p = [a.copy() for a in (net.weights[0], net.biases[0], net.weights[1], net.biases[1])]
    m = [np.zeros_like(a) for a in p]
    v = [np.zeros_like(a) for a in p]
    for t in range(1, steps + 1):
        W1, b1, W2, b2 = p
        A = np.tanh(X @ W1 + b1)
        d = (A @ W2 + b2 - Y) / len(X)
        dZ = (d @ W2.T) * (1 - A**2)
        g = [X.T @ dZ + lam * W1, dZ.sum(0), A.T @ d + lam * W2, d.sum(0)]
        for i in range(4):
            m[i] = 0.9 * m[i] + 0.1 * g[i]
            v[i] = 0.999 * v[i] + 0.001 * g[i] ** 2
            p[i] = p[i] - lr * (m[i] / (1 - 0.9**t)) / (np.sqrt(v[i] / (1 - 0.999**t)) + 1e-8)
    fit_full_batch(net, X, Y, lr, steps, lam)
    got = [net.weights[0], net.biases[0], net.weights[1], net.biases[1]]
    for a, b in zip(got, p, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_training_fits_a_smooth_function_better_with_more_units(rng):
    X = rng.uniform(-1, 1, size=(40, 1))
    Y = np.sin(3 * X + 0.5)
    errors = training_errors(X, Y, [1, 3, 10], lr=0.05, epochs=500, l2=0.0, seed=4)
    assert errors.shape == (3,)
    assert errors[2] < errors[0] / 10
    net = train_tanh_regressor(X, Y, 10, 0.05, 500, 0.0, 4)
    assert mean_squared_error(net.forward(X), Y) == pytest.approx(errors[2], rel=1e-12)
    fresh = np.linspace(-1, 1, 101)[:, None]
    assert mean_squared_error(net.forward(fresh), np.sin(3 * fresh + 0.5)) < 0.01


def test_mean_squared_error_known_value():
    assert mean_squared_error(np.array([[1.0], [2.0]]), np.array([[0.0], [4.0]])) == 2.5


def test_validation_table_entries_and_distinct_starts(rng):
    X, Y = rng.uniform(-1, 1, size=(12, 1)), rng.normal(size=(12, 1))
    Xv, Yv = rng.uniform(-1, 1, size=(9, 1)), rng.normal(size=(9, 1))
    Ms, R = [2, 5], 3
    table = validation_table(X, Y, Xv, Yv, Ms, R, 0.05, 30, 1e-3, seed=11)
    assert table.shape == (2, 3)
    seeds = {start_seed(11, i, r, R) for i in range(2) for r in range(R)}
    assert len(seeds) == 6
    net = train_tanh_regressor(X, Y, 5, 0.05, 30, 1e-3, start_seed(11, 1, 2, R))
    assert table[1, 2] == pytest.approx(mean_squared_error(net.forward(Xv), Yv), rel=1e-12)
    assert len(np.unique(table)) == 6


def test_best_hidden_units():
    table = np.array([[0.3, 0.2], [0.05, 0.9], [0.1, 0.1]])
    assert best_hidden_units([8, 2, 4], table) == 2  # the best start, not the best mean
    assert best_hidden_units([1, 2], np.array([[0.1, 0.5], [0.1, 0.2]])) == 1  # first on ties


def test_sklearn_alpha_gives_the_courses_cost(rng):
    """scikit-learn's final loss_ equals the course's cost with lambda = alpha / n at the
    weights it found, and those weights are a stationary point of the course's cost."""
    from sklearn.neural_network import MLPRegressor

    n, lam, M = 30, 0.003, 4
    X = rng.uniform(-1, 1, size=(n, 1))
    y = np.sin(2 * X[:, 0])
    model = MLPRegressor(hidden_layer_sizes=(M,), activation="tanh", solver="lbfgs",
                         alpha=sklearn_alpha(lam, n), max_iter=5000, tol=1e-12,
                         random_state=0).fit(X, y)
    net = tanh_regressor(M, rng)
    net.weights = [W.copy() for W in model.coefs_]
    net.biases = [b.copy() for b in model.intercepts_]
    assert net.loss(X, y[:, None], l2=lam) == pytest.approx(model.loss_, rel=1e-9)
    dWs, dbs = net.gradients(X, y[:, None], l2=lam)
    assert max(np.abs(g).max() for g in dWs + dbs) < 1e-5
    # alpha = lambda (without the factor n) is another cost: its minimum is not ours
    dWs, _ = net.gradients(X, y[:, None], l2=lam / n)
    assert max(np.abs(g).max() for g in dWs) > 1e-3


@pytest.mark.parametrize("module", ["reference.perceptron", "reference.capacity"])
def test_public_functions_state_their_equation_and_types(module):
    import importlib
    import inspect

    mod = importlib.import_module(module)
    public = [f for name, f in inspect.getmembers(mod, inspect.isfunction)
              if not name.startswith("_") and f.__module__ == module]
    assert len(public) >= 4
    for f in public:
        assert len(inspect.getdoc(f) or "") > 40, f"{f.__name__} needs its equation"
        sig = inspect.signature(f)
        assert sig.return_annotation is not inspect.Signature.empty, f.__name__
        assert all(p.annotation is not inspect.Parameter.empty
                   for p in sig.parameters.values()), f.__name__
