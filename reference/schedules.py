"""Learning-rate schedules, in the deep-networks notebook's parametrisation.

eta_0 = ``lr0``, t = ``step`` (the number of updates taken so far, from 0), and ``decay``
is a *rate* (per step), as in the notebook: the larger ``decay``, the faster the rate
falls. Géron's book writes the same schedules with a number of steps s instead: its power
schedule eta_0 / (1 + t / s)**c is this one with decay = 1 / s, and its exponential
schedule eta_0 * 0.1**(t / s) is this one with decay = ln(10) / s.

The closed forms accept a scalar step or an array of steps and return a float64
scalar or an array of the steps' shape.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def power_schedule(
    lr0: float, step: ArrayLike, decay: float, power: float = 1.0
) -> np.ndarray | float:
    """Power scheduling: eta(t) = eta_0 / (1 + decay * t)**power.

    With power = 1 the rate halves after 1 / decay steps, thirds after 2 / decay, and
    so on.
    """
    return lr0 / (1.0 + decay * np.asarray(step, dtype=np.float64)) ** power


def exponential_schedule(lr0: float, step: ArrayLike, decay: float) -> np.ndarray | float:
    """Exponential scheduling: eta(t) = eta_0 * exp(-decay * t).

    The rate drops by a factor of e every 1 / decay steps (of 10 every ln(10) / decay).
    """
    return lr0 * np.exp(-decay * np.asarray(step, dtype=np.float64))


def piecewise_constant(
    step: ArrayLike, boundaries: Sequence[float], values: Sequence[float]
) -> np.ndarray | float:
    """Piecewise constant scheduling: eta(t) = values[i] for boundaries[i] <= t < boundaries[i + 1].

    ``boundaries`` starts at 0 and increases, and ``values`` has one entry per boundary
    (the notebook's ``[0, 300, 600, 900]`` with four rates): values[i] applies from step
    boundaries[i] on, so at t == boundaries[i] the new value already applies, and the
    last value applies from the last boundary on.
    """
    boundaries = np.asarray(boundaries, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if boundaries.ndim != 1 or values.shape != boundaries.shape:
        raise ValueError(
            f"need one value per boundary, got {values.size} values and {boundaries.size} "
            "boundaries"
        )
    if boundaries.size == 0 or boundaries[0] != 0:
        raise ValueError("the boundaries must start at 0")
    if np.any(np.diff(boundaries) <= 0):
        raise ValueError("boundaries must be strictly increasing")
    t = np.asarray(step, dtype=np.float64)
    if np.any(t < 0):
        raise ValueError("steps are counted from 0")
    return values[np.searchsorted(boundaries, t, side="right") - 1]


class PerformanceScheduler:
    """Performance scheduling: reduce eta by ``factor`` when the validation loss plateaus.

    ``update(val_loss)`` is called once per evaluation and returns the rate to use
    next. A loss improves when it is strictly below the best loss seen so far
    (the first call always improves; a tie does not). After ``patience``
    consecutive non-improvements::

        eta <- max(eta * factor, min_lr)

    and the count of non-improvements restarts at 0; the best loss is kept.
    (torch's ReduceLROnPlateau differs: it reduces after patience + 1 bad epochs
    and by default requires a relative improvement of 1e-4.)
    """

    def __init__(self, lr0: float, patience: int, factor: float, min_lr: float = 0.0) -> None:
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        if not 0.0 < factor < 1.0:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        self.lr = lr0
        self.patience = patience
        self.factor = factor
        self.min_lr = min_lr
        self.best_loss: float | None = None
        self.wait = 0

    def update(self, val_loss: float) -> float:
        """Record one validation loss; return the (possibly reduced) learning rate."""
        if self.best_loss is None or val_loss < self.best_loss:
            self.best_loss = val_loss
            self.wait = 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.lr = max(self.lr * self.factor, self.min_lr)
                self.wait = 0
        return self.lr
