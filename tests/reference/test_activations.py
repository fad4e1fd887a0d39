import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference import activations as act
from reference.gradcheck import jacobian, numerical_gradient, relative_error

PRIMES = [
    (act.sigmoid, act.sigmoid_prime, {}),
    (act.tanh, act.tanh_prime, {}),
    (act.relu, act.relu_prime, {}),
    (act.leaky_relu, act.leaky_relu_prime, {}),
    (act.leaky_relu, act.leaky_relu_prime, {"alpha": 0.2}),
    (act.elu, act.elu_prime, {}),
    (act.elu, act.elu_prime, {"alpha": 0.5}),
    (act.selu, act.selu_prime, {}),
    (act.identity, act.identity_prime, {}),
]


def away_from_kink(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    z = rng.normal(scale=3.0, size=shape)
    return np.where(np.abs(z) < 0.05, 0.5, z)


@pytest.mark.parametrize(
    ("f", "f_prime", "kwargs"), PRIMES, ids=lambda p: getattr(p, "__name__", "")
)
def test_prime_matches_central_differences(f, f_prime, kwargs, rng):
    z = away_from_kink(rng, (4, 5))
    numeric = numerical_gradient(lambda v: np.sum(f(v, **kwargs)), z)
    assert relative_error(f_prime(z, **kwargs), numeric) < 1e-7


def test_sigmoid_known_values():
    assert act.sigmoid(0.0) == 0.5
    np.testing.assert_allclose(
        act.sigmoid(np.array([1.0, -2.0])), [0.7310585786300049, 0.11920292202211755], rtol=1e-15
    )
    np.testing.assert_allclose(
        act.sigmoid(-40.0), math.exp(-40.0) / (1 + math.exp(-40.0)), rtol=1e-14
    )
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(act.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)


def no_float_warnings():
    """Overflow, invalid values and divisions by zero raise; so does any warning."""
    return np.errstate(over="raise", invalid="raise", divide="raise")


def test_sigmoid_stable_at_large_inputs():
    z = np.array([-1e4, -800.0, 800.0, 1e4])
    with no_float_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = act.sigmoid(z)
        ds = act.sigmoid_prime(z)
    np.testing.assert_array_equal(s, [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(ds, [0.0, 0.0, 0.0, 0.0])


def test_naive_sigmoid_would_overflow():
    # Guards the test above: the same inputs do trip the error state with the naive formula.
    with no_float_warnings(), pytest.raises(FloatingPointError):
        1 / (1 + np.exp(-np.array([-1e4])))


def test_softmax_stable_at_large_logits():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]])
    with no_float_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        p = act.softmax(z)
    np.testing.assert_array_equal(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]])


def test_softmax_values_and_axis(rng):
    z = rng.normal(size=(6, 4))
    p = act.softmax(z)
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(act.softmax(z + 123.0), p, rtol=1e-12)
    np.testing.assert_allclose(act.softmax(z.T, axis=0), p.T, rtol=1e-15)
    np.testing.assert_allclose(
        act.softmax(np.log([1.0, 2.0, 5.0])), [0.125, 0.25, 0.625], rtol=1e-15
    )


def test_softmax_jacobian_matches_numerical(rng):
    z = rng.normal(size=5)
    J = act.softmax_jacobian(z)
    assert J.shape == (5, 5)
    assert relative_error(J, jacobian(act.softmax, z)) < 1e-7
    p = act.softmax(z)
    np.testing.assert_allclose(J, np.diag(p) - np.outer(p, p), rtol=0, atol=0)
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-16)


def test_selu_constants_match_closed_form_of_the_paper():
    # Klambauer et al. 2017, eq. 14 (fixed point mean 0, variance 1).
    c = math.erfc(1 / math.sqrt(2))
    e = math.e
    alpha01 = -math.sqrt(2 / math.pi) / (c * math.exp(0.5) - 1)
    lambda01 = (
        (1 - c * math.sqrt(e))
        * math.sqrt(2 * math.pi)
        * (
            2 * math.erfc(math.sqrt(2)) * e**2
            + math.pi * c**2 * e
            - 2 * (2 + math.pi) * c * math.sqrt(e)
            + math.pi
            + 2
        )
        ** -0.5
    )
    assert abs(act.SELU_ALPHA - alpha01) < 1e-12
    assert abs(act.SELU_SCALE - lambda01) < 1e-12
    assert abs(act.SELU_SCALE - 1.0507009873554805) < 1e-15
    assert abs(act.SELU_ALPHA - 1.6732632423543772) < 1e-15
    assert abs(act.SELU_SCALE - 1.00507) > 0.04  # the notebook typo


def test_selu_self_normalizes(rng):
    # A standard normal input keeps mean ~0 and variance ~1 through selu (the paper's fixed point).
    a = act.selu(rng.normal(size=2_000_000))
    assert abs(a.mean()) < 3e-3
    assert abs(a.var() - 1.0) < 3e-3


def test_piecewise_known_values():
    z = np.array([-2.0, -1.0, 0.0, 3.0])
    np.testing.assert_array_equal(act.relu(z), [0, 0, 0, 3])
    np.testing.assert_array_equal(act.leaky_relu(z), [-0.02, -0.01, 0, 3])
    np.testing.assert_array_equal(act.leaky_relu(z, alpha=0.1), [-0.2, -0.1, 0, 3])
    np.testing.assert_allclose(act.elu(z), [math.exp(-2) - 1, math.exp(-1) - 1, 0, 3], rtol=1e-15)
    np.testing.assert_allclose(
        act.elu(z, alpha=2.0)[:2], [2 * (math.exp(-2) - 1), 2 * (math.exp(-1) - 1)], rtol=1e-15
    )
    np.testing.assert_allclose(
        act.selu(np.array([1.0, -1.0])),
        [act.SELU_SCALE, act.SELU_SCALE * act.SELU_ALPHA * (math.exp(-1) - 1)],
        rtol=1e-15,
    )
    np.testing.assert_allclose(act.tanh(np.array([0.5])), [math.tanh(0.5)], rtol=1e-15)
    np.testing.assert_array_equal(act.identity(z), z)


def test_conventions_at_the_kink():
    zero = np.array([0.0])
    assert act.relu_prime(zero)[0] == 0.0
    assert act.leaky_relu_prime(zero)[0] == 0.01
    assert act.leaky_relu_prime(zero, alpha=0.3)[0] == 0.3
    assert act.elu_prime(zero, alpha=0.7)[0] == 0.7
    assert act.selu_prime(zero)[0] == act.SELU_SCALE * act.SELU_ALPHA
    np.testing.assert_array_equal(act.step(np.array([-1e-300, 0.0, 2.0])), [0.0, 1.0, 1.0])


def test_exponential_units_do_not_overflow():
    z = np.array([-1e4, 1e4])
    with no_float_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(act.elu(z), [-1.0, 1e4])
        np.testing.assert_array_equal(act.elu_prime(z), [0.0, 1.0])
        np.testing.assert_allclose(
            act.selu(z), act.SELU_SCALE * np.array([-act.SELU_ALPHA, 1e4]), rtol=1e-15
        )
        np.testing.assert_array_equal(act.selu_prime(z), [0.0, act.SELU_SCALE])


def test_outputs_are_float64():
    z = np.array([-2, 0, 3])
    for name, (f, f_prime) in act.ACTIVATIONS.items():
        assert f(z).dtype == np.float64, name
        assert f_prime(z).dtype == np.float64, name
    assert act.step(z).dtype == np.float64
    assert act.softmax(z).dtype == np.float64


def test_registry():
    assert set(act.ACTIVATIONS) == {
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "selu",
        "identity",
        "linear",
    }
    assert act.ACTIVATIONS["linear"] == act.ACTIVATIONS["identity"]
    assert act.ACTIVATIONS["sigmoid"] == (act.sigmoid, act.sigmoid_prime)


def test_import_does_not_pull_scikit_learn():
    code = "import sys, reference.activations; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=20))
def test_sigmoid_properties(values):
    z = np.array(values)
    with no_float_warnings():
        s = act.sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s + act.sigmoid(-z), 1.0, rtol=0, atol=1e-15)


@given(st.lists(finite, min_size=1, max_size=20))
def test_softmax_properties(values):
    z = np.array(values)
    with no_float_warnings():
        p = act.softmax(z)
    assert np.all(p >= 0)
    assert p.sum() == pytest.approx(1.0, rel=1e-12)
    assert p[np.argmax(z)] == p.max()  # monotone in z (nearly equal logits may tie)
    order = np.argsort(z, kind="stable")
    assert np.all(np.diff(p[order]) >= 0)
