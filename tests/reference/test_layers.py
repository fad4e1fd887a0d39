import numpy as np
import pytest

from reference.activations import ACTIVATIONS, softmax_jacobian
from reference.gradcheck import numerical_gradient, relative_error
from reference.layers import (
    activation_backward,
    activation_forward,
    dense_backward,
    dense_forward,
)


def test_dense_forward_values_and_shapes(rng):
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    out, _ = dense_forward(x, W, b)
    assert out.shape == (4, 2)
    expected = [
        [sum(x[i, k] * W[k, j] for k in range(3)) + b[j] for j in range(2)] for i in range(4)
    ]
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_dense_backward_matches_central_differences(rng):
    x, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    dout = rng.normal(size=(5, 3))
    _, cache = dense_forward(x, W, b)
    dx, dW, db = dense_backward(dout, cache)
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)

    def cost(_):  # C = sum(out * dout), so dC/dout = dout
        return np.sum(dense_forward(x, W, b)[0] * dout)

    assert relative_error(dx, numerical_gradient(cost, x)) < 1e-7
    assert relative_error(dW, numerical_gradient(cost, W)) < 1e-7
    assert relative_error(db, numerical_gradient(cost, b)) < 1e-7


CASES = [(name, {}) for name in ACTIVATIONS] + [
    ("leaky_relu", {"alpha": 0.2}),
    ("elu", {"alpha": 0.5}),
    ("softmax", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}{k}" for n, k in CASES])
def test_activation_backward_matches_central_differences(name, kwargs, rng):
    z = rng.normal(scale=2.0, size=(4, 5))
    z = np.where(np.abs(z) < 0.05, 0.5, z)  # away from the kink at 0
    da = rng.normal(size=(4, 5))
    _, cache = activation_forward(z, name, **kwargs)
    dz = activation_backward(da, cache)
    numeric = numerical_gradient(lambda v: np.sum(activation_forward(v, name, **kwargs)[0] * da), z)
    assert dz.shape == z.shape
    assert relative_error(dz, numeric) < 1e-7


def test_softmax_backward_is_the_jacobian_product(rng):
    z = rng.normal(size=(3, 4))
    da = rng.normal(size=(3, 4))
    _, cache = activation_forward(z, "softmax")
    dz = activation_backward(da, cache)
    for i in range(3):
        np.testing.assert_allclose(dz[i], softmax_jacobian(z[i]).T @ da[i], rtol=1e-12, atol=1e-15)


def test_activation_forward_values(rng):
    z = rng.normal(size=(2, 3))
    a, _ = activation_forward(z, "leaky_relu", alpha=0.3)
    np.testing.assert_array_equal(a, np.where(z > 0, z, 0.3 * z))
    a, _ = activation_forward(z, "linear")
    np.testing.assert_array_equal(a, z)


def test_unknown_activation_is_rejected():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        activation_forward(np.zeros(3), "swish")
