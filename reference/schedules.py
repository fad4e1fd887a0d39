"""Learning-rate schedules (Géron's notation: eta_0 = ``lr0``, t = ``step``, s = ``decay``).

The closed forms accept a scalar step or an array of steps and return a float64
scalar or an array of the steps' shape.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


def power_schedule(
    lr0: float, step: ArrayLike, decay: float, power: float
) -> np.ndarray | float:
    """Power scheduling: eta(t) = eta_0 / (1 + t / s)**c, with s = ``decay``, c = ``power``.

    The rate halves (for c = 1) after s steps, thirds after 2 s, and so on.
    """
    return lr0 / (1.0 + np.asarray(step, dtype=np.float64) / decay) ** power


def exponential_schedule(lr0: float, step: ArrayLike, decay: float) -> np.ndarray | float:
    """Exponential scheduling: eta(t) = eta_0 * 0.1**(t / s), with s = ``decay``.

    The rate drops by a factor of 10 every s steps.
    """
    return lr0 * 0.1 ** (np.asarray(step, dtype=np.float64) / decay)


def piecewise_constant(
    step: ArrayLike, boundaries: Sequence[float], values: Sequence[float]
) -> np.ndarray | float:
    """Piecewise constant scheduling: eta(t) = values[i] for boundaries[i-1] <= t < boundaries[i].

    ``boundaries`` is increasing, ``values`` has len(boundaries) + 1 entries:
    values[0] applies while t < boundaries[0], and at t == boundaries[i] the next
    value, values[i + 1], already applies.
    """
    boundaries = np.asarray(boundaries, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (boundaries.size + 1,):
        raise ValueError(
            f"need len(values) == len(boundaries) + 1, got {values.size} and {boundaries.size}"
        )
    if np.any(np.diff(boundaries) <= 0):
        raise ValueError("boundaries must be strictly increasing")
    return values[np.searchsorted(boundaries, step, side="right")]


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
