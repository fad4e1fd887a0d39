import numpy as np
import pytest

from reference import init

# name, variance as a function of (fan_in, fan_out), uniform?
CASES = [
    (init.glorot_normal, lambda i, o: 2 / (i + o), False),
    (init.glorot_uniform, lambda i, o: 2 / (i + o), True),
    (init.he_normal, lambda i, o: 2 / i, False),
    (init.he_uniform, lambda i, o: 2 / i, True),
    (init.lecun_normal, lambda i, o: 1 / i, False),
    (init.lecun_uniform, lambda i, o: 1 / i, True),
]
IDS = [f.__name__ for f, _, _ in CASES]


@pytest.mark.parametrize(("f", "variance", "uniform"), CASES, ids=IDS)
@pytest.mark.parametrize(("fan_in", "fan_out"), [(500, 500), (800, 300)])
def test_variance_and_shape(f, variance, uniform, fan_in, fan_out, rng):
    W = f(fan_in, fan_out, rng)
    assert W.shape == (fan_in, fan_out)
    assert W.dtype == np.float64
    assert abs(W.mean()) < 0.01 * np.sqrt(variance(fan_in, fan_out))
    assert W.var() == pytest.approx(variance(fan_in, fan_out), rel=0.02)


@pytest.mark.parametrize(("f", "variance", "uniform"), [c for c in CASES if c[2]], ids=IDS[1::2])
def test_uniform_bounds_respected_and_attained(f, variance, uniform, rng):
    W = f(500, 500, rng)
    r = np.sqrt(3 * variance(500, 500))
    assert np.all(np.abs(W) <= r)
    assert W.max() > 0.999 * r
    assert W.min() < -0.999 * r


@pytest.mark.parametrize(("f", "variance", "uniform"), [c for c in CASES if not c[2]], ids=IDS[::2])
def test_normal_is_not_truncated(f, variance, uniform, rng):
    # A normal truncated at 2 sigma (as in Keras) has no |w| > 2 sigma; a plain one has 4.55%.
    W = f(500, 500, rng)
    beyond = np.mean(np.abs(W) > 2 * np.sqrt(variance(500, 500)))
    assert beyond == pytest.approx(0.0455, abs=0.003)


def test_reproducible_with_the_same_seed():
    a = init.he_normal(20, 10, np.random.default_rng(3))
    b = init.he_normal(20, 10, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, init.he_normal(20, 10, np.random.default_rng(4)))
