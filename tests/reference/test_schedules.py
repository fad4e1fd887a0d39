"""Tests of reference.schedules against closed forms of the deep-networks notebook's
parametrisation (decay is a rate per step) and hand-computed values."""

import numpy as np
import pytest

from reference.schedules import (
    PerformanceScheduler,
    exponential_schedule,
    piecewise_constant,
    power_schedule,
)


def test_power_schedule_hand_values():
    # eta_0 / (1 + decay t)**power with eta_0 = 0.01, decay = 0.1 (a rate per step)
    assert power_schedule(0.01, 0, decay=0.1, power=1) == 0.01
    assert power_schedule(0.01, 10, decay=0.1, power=1) == pytest.approx(0.005, rel=1e-15)
    assert power_schedule(0.01, 30, decay=0.1, power=1) == pytest.approx(0.0025, rel=1e-15)
    assert power_schedule(0.01, 10, decay=0.1, power=2) == pytest.approx(0.0025, rel=1e-15)
    assert power_schedule(0.01, 30, decay=0.1, power=0.5) == pytest.approx(0.005, rel=1e-15)
    assert power_schedule(0.01, 5, decay=0.1, power=1) == pytest.approx(0.01 / 1.5, rel=1e-15)
    assert power_schedule(0.01, 5, decay=0.1) == power_schedule(0.01, 5, decay=0.1, power=1)


def test_power_schedule_is_the_books_with_s_the_inverse_rate():
    # Géron's eta_0 / (1 + t / s)**c is the same schedule with decay = 1 / s
    t = np.arange(0, 200, 7)
    np.testing.assert_allclose(power_schedule(0.3, t, decay=1 / 40, power=1.5),
                               0.3 / (1 + t / 40) ** 1.5, rtol=1e-15)


def test_exponential_schedule_hand_values():
    # eta_0 exp(-decay t) with eta_0 = 0.01, decay = 0.05: a factor e every 20 steps
    assert exponential_schedule(0.01, 0, decay=0.05) == 0.01
    assert exponential_schedule(0.01, 20, decay=0.05) == pytest.approx(0.01 / np.e, rel=1e-15)
    assert exponential_schedule(0.01, 40, decay=0.05) == pytest.approx(0.01 / np.e**2,
                                                                       rel=1e-15)
    assert exponential_schedule(0.01, 10, decay=0.05) == pytest.approx(
        0.006065306597126334, rel=1e-15
    )


def test_exponential_schedule_is_the_books_with_decay_ln10_over_s():
    # Géron's eta_0 * 0.1**(t / s): a factor 10 every s steps, decay = ln(10) / s
    t = np.arange(0, 100, 3)
    np.testing.assert_allclose(exponential_schedule(0.2, t, decay=np.log(10) / 20),
                               0.2 * 0.1 ** (t / 20), rtol=1e-13)


def test_closed_forms_vectorize_over_steps():
    steps = np.array([[0, 10], [30, 5]])
    np.testing.assert_allclose(
        power_schedule(0.01, steps, decay=0.1, power=1),
        [[0.01, 0.005], [0.0025, 0.01 / 1.5]],
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        exponential_schedule(0.01, steps, decay=0.05),
        [[0.01, 0.01 * np.exp(-0.5)], [0.01 * np.exp(-1.5), 0.01 * np.exp(-0.25)]],
        rtol=1e-15,
    )


def test_piecewise_constant_boundaries_start_at_zero():
    # the notebook's boundaries [0, 300, 600, 900], one value per boundary
    boundaries, values = [0, 300, 600, 900], [0.1, 0.05, 0.01, 0.001]
    expected = {0: 0.1, 299: 0.1, 299.5: 0.1, 300: 0.05, 599: 0.05, 600: 0.01, 899: 0.01,
                900: 0.001, 5000: 0.001}
    for step, value in expected.items():
        assert piecewise_constant(step, boundaries, values) == value, step
    np.testing.assert_array_equal(
        piecewise_constant(np.array(list(expected)), boundaries, values), list(expected.values())
    )


def test_piecewise_constant_rejects_bad_arguments():
    with pytest.raises(ValueError, match="one value per boundary"):
        piecewise_constant(0, [0, 5, 15], [0.1, 0.01])
    with pytest.raises(ValueError, match="start at 0"):
        piecewise_constant(0, [5, 15], [0.1, 0.01])
    with pytest.raises(ValueError, match="increasing"):
        piecewise_constant(0, [0, 15, 5], [0.1, 0.01, 0.001])
    with pytest.raises(ValueError, match="from 0"):
        piecewise_constant(-1, [0, 5], [0.1, 0.01])


def test_performance_scheduler_hand_sequence():
    sched = PerformanceScheduler(lr0=1.0, patience=2, factor=0.5, min_lr=0.2)
    losses = [1.0, 0.8, 0.8, 0.9, 0.85, 0.7, 0.75, 0.75, 0.71, 0.72, 0.9, 0.9, 0.9, 0.9]
    expected = [
        1.0,  # first call always improves
        1.0,  # improvement
        1.0,  # tie with the best: not an improvement (wait 1)
        0.5,  # wait 2 = patience: reduce, wait back to 0
        0.5,  # 0.85 is not below the kept best 0.8: wait 1 only, no reduction
        0.5,  # improvement, wait 0
        0.5,  # wait 1
        0.25,  # wait 2: reduce
        0.25,  # wait 1
        0.2,  # wait 2: 0.125 is floored at min_lr
        0.2,
        0.2,  # floor holds
        0.2,
        0.2,
    ]
    assert [sched.update(loss) for loss in losses] == expected
    assert sched.best_loss == 0.7


def test_performance_scheduler_first_call_improves_whatever_the_loss():
    sched = PerformanceScheduler(lr0=0.1, patience=1, factor=0.1, min_lr=0.0)
    assert sched.update(1e300) == 0.1
    assert sched.best_loss == 1e300
    assert sched.update(1e300) == pytest.approx(0.01)


def test_performance_scheduler_rejects_zero_patience():
    with pytest.raises(ValueError, match="patience"):
        PerformanceScheduler(lr0=0.1, patience=0, factor=0.5, min_lr=0.0)
