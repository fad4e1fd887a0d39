"""Every name the design's reference table promises exists, is documented with its
equation, and keeps its contract signature."""

from __future__ import annotations

import importlib
import inspect

import pytest

CONTRACT = {
    "activations": ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "softmax", "step",
                    "sigmoid_prime", "tanh_prime", "relu_prime", "leaky_relu_prime",
                    "elu_prime", "selu_prime", "softmax_jacobian"],
    "losses": ["quadratic", "binary_cross_entropy", "categorical_cross_entropy",
               "softmax_cross_entropy", "quadratic_grad", "binary_cross_entropy_grad",
               "categorical_cross_entropy_grad", "softmax_cross_entropy_grad", "one_hot"],
    "layers": ["dense_forward", "dense_backward", "activation_forward", "activation_backward"],
    "network": ["MLP"],
    "gradcheck": ["numerical_gradient", "relative_error", "jacobian", "hessian"],
    "init": ["glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "lecun_normal",
             "lecun_uniform"],
    "optim": ["SGD", "Adagrad", "RMSprop", "Adam", "NAdam", "clip_by_value", "clip_by_norm"],
    "schedules": ["power_schedule", "exponential_schedule", "piecewise_constant",
                  "PerformanceScheduler"],
    "regularization": ["l1_penalty", "l1_grad", "l2_penalty", "l2_grad",
                       "elastic_net_penalty", "elastic_net_grad", "dropout_forward",
                       "dropout_backward", "max_norm", "EarlyStopping", "batchnorm_forward",
                       "batchnorm_backward", "fuse_batchnorm"],
    "data": ["load_digits_split"],
}

SIGNATURES = {
    ("activations", "leaky_relu"): ["z", "alpha"], ("activations", "elu"): ["z", "alpha"],
    ("activations", "softmax"): ["z", "axis"], ("losses", "one_hot"): ["labels", "n_classes"],
    ("layers", "dense_forward"): ["x", "W", "b"],
    ("layers", "activation_forward"): ["z", "name"],
    ("gradcheck", "numerical_gradient"): ["f", "x", "h"],
    ("init", "glorot_normal"): ["fan_in", "fan_out", "rng"],
    ("optim", "SGD"): ["lr", "momentum", "nesterov", "weight_decay"],
    ("optim", "Adam"): ["lr", "betas", "eps", "weight_decay"],
    ("optim", "NAdam"): ["lr", "betas", "eps", "momentum_decay"],
    ("optim", "clip_by_norm"): ["grads", "max_norm"],
    ("schedules", "power_schedule"): ["lr0", "step", "decay", "power"],
    ("schedules", "PerformanceScheduler"): ["lr0", "patience", "factor", "min_lr"],
    ("regularization", "dropout_forward"): ["x", "rate", "rng", "training"],
    ("regularization", "max_norm"): ["W", "r", "axis"],
    ("regularization", "EarlyStopping"): ["patience", "min_delta"],
    ("regularization", "fuse_batchnorm"): ["W", "b", "gamma", "beta", "mean", "var", "eps"],
    ("network", "MLP"): ["layer_sizes", "hidden_activation", "output", "loss", "rng"],
}

NAMES = [(module, name) for module, names in CONTRACT.items() for name in names]


@pytest.mark.parametrize("module, name", NAMES)
def test_contract_name_exists_with_a_docstring(module, name):
    obj = getattr(importlib.import_module(f"reference.{module}"), name)
    doc = inspect.getdoc(obj) or ""
    assert len(doc) > 20, f"reference.{module}.{name} needs a docstring with its equation"


@pytest.mark.parametrize("module, name", sorted(SIGNATURES))
def test_contract_signatures_start_with_the_promised_parameters(module, name):
    obj = getattr(importlib.import_module(f"reference.{module}"), name)
    params = list(inspect.signature(obj).parameters)
    assert params[: len(SIGNATURES[module, name])] == SIGNATURES[module, name]


def test_mlp_has_the_promised_attributes_and_methods():
    import numpy as np

    from reference.network import MLP

    net = MLP([3, 4, 2], rng=np.random.default_rng(0))
    assert len(net.weights) == 2 and net.weights[0].shape == (3, 4)
    assert net.biases[0].shape == (4,)
    for method in ("forward", "loss", "gradients", "fit", "predict"):
        assert callable(getattr(net, method))
