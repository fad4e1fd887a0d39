"""Weight initializers, all `(fan_in, fan_out, rng) -> W` with W of shape (fan_in, fan_out).

Normal variants draw from a plain (not truncated) normal N(0, sigma^2); uniform variants
draw from U(-r, r) with r = sqrt(3 sigma^2), which has the same variance sigma^2.

    Glorot (Xavier):  sigma^2 = 2 / (fan_in + fan_out)
    He (Kaiming):     sigma^2 = 2 / fan_in
    LeCun:            sigma^2 = 1 / fan_in   (the lecture's N(0, 1) / sqrt(n_in))
"""

import numpy as np


def _normal(variance: float, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(variance), size=(fan_in, fan_out))


def _uniform(variance: float, fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    r = np.sqrt(3.0 * variance)
    return rng.uniform(-r, r, size=(fan_in, fan_out))


def glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ N(0, 2 / (fan_in + fan_out)), shape (fan_in, fan_out)."""
    return _normal(2.0 / (fan_in + fan_out), fan_in, fan_out, rng)


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ U(-r, r), r = sqrt(6 / (fan_in + fan_out)), shape (fan_in, fan_out)."""
    return _uniform(2.0 / (fan_in + fan_out), fan_in, fan_out, rng)


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ N(0, 2 / fan_in), shape (fan_in, fan_out)."""
    return _normal(2.0 / fan_in, fan_in, fan_out, rng)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ U(-r, r), r = sqrt(6 / fan_in), shape (fan_in, fan_out)."""
    return _uniform(2.0 / fan_in, fan_in, fan_out, rng)


def lecun_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ N(0, 1 / fan_in), i.e. N(0, 1) / sqrt(fan_in), shape (fan_in, fan_out)."""
    return _normal(1.0 / fan_in, fan_in, fan_out, rng)


def lecun_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """W ~ U(-r, r), r = sqrt(3 / fan_in), shape (fan_in, fan_out)."""
    return _uniform(1.0 / fan_in, fan_in, fan_out, rng)
