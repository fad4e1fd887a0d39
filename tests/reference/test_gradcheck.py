import numpy as np
import pytest

from reference.gradcheck import hessian, jacobian, numerical_gradient, relative_error


def test_numerical_gradient_of_a_cubic_any_shape(rng):
    x = rng.normal(size=(2, 3, 4))
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    assert grad.shape == x.shape
    assert relative_error(grad, 3 * x**2) < 1e-9


def test_numerical_gradient_leaves_x_unmodified(rng):
    x = rng.normal(size=(3, 4))
    before = x.copy()
    numerical_gradient(lambda v: np.sum(np.sin(v) * v), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_through_a_closure(rng):
    # f ignores its argument and reads W directly: the in-place perturbation must reach it.
    W = rng.normal(size=(3, 2))
    X = rng.normal(size=(5, 3))
    grad = numerical_gradient(lambda _: 0.5 * np.sum((X @ W) ** 2), W)
    assert relative_error(grad, X.T @ (X @ W)) < 1e-9


def test_numerical_gradient_scalar_and_integer_input():
    np.testing.assert_allclose(numerical_gradient(lambda v: v**2, np.float64(3.0)), 6.0, rtol=1e-9)
    np.testing.assert_allclose(
        numerical_gradient(lambda v: np.sum(v**2), [1, 2]), [2, 4], rtol=1e-9
    )


def test_central_not_forward_differences():
    # For f = x^3 at x = 1, central differences err by h^2 = 1e-4; forward ones by 3h = 3e-2.
    g = numerical_gradient(lambda v: np.sum(v**3), np.array([1.0]), h=1e-2)
    np.testing.assert_allclose(g, [3.0 + 1e-4], rtol=1e-10)


def test_jacobian_of_a_linear_map_is_the_matrix(rng):
    A = rng.normal(size=(4, 6))
    x = rng.normal(size=6)
    J = jacobian(lambda v: A @ v, x)
    assert J.shape == (4, 6)
    assert relative_error(J, A) < 1e-9


def test_jacobian_flattens_in_c_order(rng):
    A = rng.normal(size=(5, 6))
    X = rng.normal(size=(2, 3))
    J = jacobian(lambda v: A @ v.ravel(), X)  # f: (2, 3) -> (5,)
    assert J.shape == (5, 6)
    assert relative_error(J, A) < 1e-9
    J = jacobian(lambda v: v.T**2, X)  # f: (2, 3) -> (3, 2)
    expected = np.zeros((6, 6))
    for i, (r, c) in enumerate(np.ndindex(3, 2)):
        expected[i, c * 3 + r] = 2 * X[c, r]
    assert relative_error(J, expected) < 1e-9


def test_jacobian_leaves_x_unmodified(rng):
    x = rng.normal(size=(3, 2))
    before = x.copy()
    jacobian(np.exp, x)
    np.testing.assert_array_equal(x, before)


def test_hessian_of_a_quadratic_form_is_the_matrix(rng):
    M = rng.normal(size=(5, 5))
    A = M + M.T
    b = rng.normal(size=5)
    x = rng.normal(size=5)
    H = hessian(lambda v: 0.5 * v @ A @ v + b @ v, x)
    assert H.shape == (5, 5)
    np.testing.assert_array_equal(H, H.T)
    assert relative_error(H, A) < 1e-7


def test_hessian_symmetrizes_a_nonsymmetric_form(rng):
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    H = hessian(lambda v: v @ A @ v, x)  # d^2/dx^2 of x^T A x = A + A^T
    assert relative_error(H, A + A.T) < 1e-7


def test_hessian_of_a_smooth_function(rng):
    x = rng.normal(size=4)
    H = hessian(lambda v: np.sum(np.sin(v)) + v[0] * v[1] ** 2, x)
    expected = np.diag(-np.sin(x))
    expected[0, 1] = expected[1, 0] = 2 * x[1]
    expected[1, 1] += 2 * x[0]
    np.testing.assert_allclose(H, expected, rtol=0, atol=1e-6)


def test_relative_error_definition():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.1]) == pytest.approx(0.1 / 4.1, rel=1e-12)
    assert relative_error([1.0, -1.0], [-1.0, 1.0]) == 1.0
    # scale invariant, and a tiny entry does not dominate
    assert relative_error([1e-8, 1e-20], [1e-8, 2e-20]) == pytest.approx(1e-20 / 2e-8, rel=1e-9)
    a = np.array([3.0, 4.0])
    assert relative_error(1e6 * a, 1e6 * (a + 1e-3)) == pytest.approx(relative_error(a, a + 1e-3))


def test_relative_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros(3), np.zeros((3, 1)))
