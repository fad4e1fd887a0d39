"""The optimizer mutants: without a mistake they are reference.optim (so torch.optim),
step by step with a learning rate that changes; each mistake changes the answer."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring import mutants
from reference import optim

HYPER = {"gd": {}, "momentum": {"momentum": 0.8}, "nag": {"momentum": 0.7},
         "adagrad": {"eps": 0.01}, "rmsprop": {"beta": 0.9, "eps": 0.01},
         "adam": {"beta1": 0.8, "beta2": 0.95, "eps": 0.01},
         "nadam": {"beta1": 0.85, "beta2": 0.97, "eps": 0.01, "momentum_decay": 0.01}}
STATE = {"momentum": {"b": "momentum_buffers"}, "nag": {"b": "momentum_buffers"},
         "adagrad": {"s": "sums"}, "rmsprop": {"s": "square_avgs"},
         "adam": {"m": "ms", "v": "vs"}, "nadam": {"m": "ms", "v": "vs",
                                                   "mu_product": "mu_products"}, "gd": {}}


def reference(name: str, h: dict) -> optim._Optimizer:
    betas = (h.get("beta1"), h.get("beta2"))
    return {"gd": lambda: optim.SGD(1.0),
            "momentum": lambda: optim.SGD(1.0, momentum=h["momentum"]),
            "nag": lambda: optim.SGD(1.0, momentum=h["momentum"], nesterov=True),
            "adagrad": lambda: optim.Adagrad(1.0, eps=h["eps"]),
            "rmsprop": lambda: optim.RMSprop(1.0, alpha=h["beta"], eps=h["eps"]),
            "adam": lambda: optim.Adam(1.0, betas=betas, eps=h["eps"]),
            "nadam": lambda: optim.NAdam(1.0, betas=betas, eps=h["eps"],
                                         momentum_decay=h["momentum_decay"])}[name]()


@pytest.mark.parametrize("name", list(HYPER))
def test_without_a_mistake_a_step_is_the_reference_optimizer(name):
    rng = np.random.default_rng(7)
    theta0 = rng.normal(size=(3, 2))
    opt, theta, state = reference(name, HYPER[name]), theta0.copy(), mutants.init_state(
        name, theta0)
    mine = theta0.copy()
    for _ in range(5):
        g, lr = rng.normal(size=(3, 2)) * 0.3, float(rng.uniform(0.05, 0.5))
        opt.lr = lr
        opt.step([theta], [g])
        mine, state = mutants.optimizer_step(name, mine, g, state, {"lr": lr, **HYPER[name]})
        np.testing.assert_allclose(mine, theta, rtol=1e-12, atol=1e-14)
        assert state["t"] == opt.t
        for key, attr in STATE[name].items():
            np.testing.assert_allclose(state[key], getattr(opt, attr)[0], rtol=1e-12)


@pytest.mark.parametrize("name", list(HYPER))
def test_every_mistake_changes_the_trajectory(name):
    rng = np.random.default_rng(3)
    theta0 = rng.normal(size=4)
    grads = [rng.normal(size=4) for _ in range(4)]
    hypers = [{"lr": float(rng.uniform(0.05, 0.5)), **HYPER[name]} for _ in range(4)]
    theta, state, right_run = theta0, mutants.init_state(name, theta0), []
    for g, h in zip(grads, hypers, strict=True):
        theta, state = mutants.optimizer_step(name, theta, g, state, h)
        right_run.append((theta, state))
    runs = mutants.optimizer_runs(name, theta0, grads, hypers)
    assert set(runs) == set(mutants.OPTIMIZER[name].values())
    for message, run in runs.items():
        differs = any(not np.allclose(a, b, equal_nan=True) or any(
            not np.allclose(sa[k], sb[k]) for k in sb) for (a, sa), (b, sb) in zip(
                run, right_run, strict=True))
        assert differs, message


def test_gradients_can_be_functions_of_theta_and_unknown_mistakes_are_refused():
    runs = mutants.optimizer_runs("gd", np.array([1.0, -2.0]), [lambda th: 2 * th] * 3,
                                  [{"lr": 0.1}] * 3, mistakes=["uphill"])
    [run] = runs.values()
    np.testing.assert_allclose(run[-1][0], np.array([1.0, -2.0]) * 1.2**3)
    with pytest.raises(ValueError, match="unknown mistake"):
        mutants.optimizer_step("adam", np.zeros(2), np.ones(2), mutants.init_state(
            "adam", np.zeros(2)), {"lr": 0.1}, "plain")
