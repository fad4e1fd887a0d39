"""Tests of reference.optim: hand-computed steps, torch.optim cross-check, convergence, clipping."""

import numpy as np
import pytest

from reference.optim import SGD, Adagrad, Adam, NAdam, RMSprop, clip_by_norm, clip_by_value

# Hand-computed steps share theta_0 = (1, -2) and the gradients g_1 = (1, 2), g_2 = (2, -1),
# fed as given (they are not gradients of a function), so every number below follows from
# the update equations alone.
THETA0 = (1.0, -2.0)
G1 = np.array([1.0, 2.0])
G2 = np.array([2.0, -1.0])


def two_steps(opt) -> tuple[np.ndarray, np.ndarray]:
    theta = np.array(THETA0)
    opt.step([theta], [G1])
    theta1 = theta.copy()
    opt.step([theta], [G2])
    return theta1, theta


def test_sgd_is_gradient_descent():
    # theta <- theta - eta g with eta = 0.1.
    theta1, theta2 = two_steps(SGD(lr=0.1))
    np.testing.assert_allclose(theta1, [0.9, -2.2], rtol=1e-15)
    np.testing.assert_allclose(theta2, [0.7, -2.1], rtol=1e-15)


def test_sgd_momentum_by_hand():
    # b_1 = g_1 = (1, 2);                     theta_1 = (1, -2) - 0.1 (1, 2) = (0.9, -2.2)
    # b_2 = 0.9 (1, 2) + (2, -1) = (2.9, 0.8); theta_2 = (0.9 - 0.29, -2.2 - 0.08)
    theta1, theta2 = two_steps(SGD(lr=0.1, momentum=0.9))
    np.testing.assert_allclose(theta1, [0.9, -2.2], rtol=1e-15)
    np.testing.assert_allclose(theta2, [0.61, -2.28], rtol=1e-15)


def test_sgd_nesterov_by_hand():
    # b_1 = (1, 2);   g <- g_1 + 0.9 b_1 = (1.9, 3.8);           theta_1 = (0.81, -2.38)
    # b_2 = (2.9, 0.8); g <- (2, -1) + 0.9 (2.9, 0.8) = (4.61, -0.28); theta_2 = (0.349, -2.352)
    theta1, theta2 = two_steps(SGD(lr=0.1, momentum=0.9, nesterov=True))
    np.testing.assert_allclose(theta1, [0.81, -2.38], rtol=1e-15)
    np.testing.assert_allclose(theta2, [0.349, -2.352], rtol=1e-14)


def test_sgd_dampening_and_weight_decay_by_hand():
    # weight decay 0.5: g_1 <- (1, 2) + 0.5 (1, -2) = (1.5, 1); b_1 = (1.5, 1) (no dampening
    # on the first step); theta_1 = (1, -2) - 0.1 (1.5, 1) = (0.85, -2.1).
    # g_2 <- (2, -1) + 0.5 (0.85, -2.1) = (2.425, -2.05);
    # b_2 = 0.9 (1.5, 1) + (1 - 0.5) (2.425, -2.05) = (2.5625, -0.125);
    # theta_2 = (0.85 - 0.25625, -2.1 + 0.0125) = (0.59375, -2.0875)
    opt = SGD(lr=0.1, momentum=0.9, weight_decay=0.5, dampening=0.5)
    theta1, theta2 = two_steps(opt)
    np.testing.assert_allclose(theta1, [0.85, -2.1], rtol=1e-15)
    np.testing.assert_allclose(theta2, [0.59375, -2.0875], rtol=1e-14)


def test_adagrad_by_hand():
    # s_1 = (1, 4);  theta_1 = (1, -2) - 0.1 (1/1, 2/2) = (0.9, -2.1)
    # s_2 = (5, 5);  theta_2 = (0.9 - 0.2/sqrt(5), -2.1 + 0.1/sqrt(5))
    theta1, theta2 = two_steps(Adagrad(lr=0.1, eps=0.0))
    np.testing.assert_allclose(theta1, [0.9, -2.1], rtol=1e-15)
    np.testing.assert_allclose(theta2, [0.81055728090000841, -2.0552786404500042], rtol=1e-14)


def test_adagrad_lr_decay_and_initial_accumulator_by_hand():
    # s_0 = 3: s_1 = (4, 7), theta_1 = (1 - 0.1/2, -2 - 0.2/sqrt(7)) = (0.95, -2.0755928946...)
    # lr_decay 1: eta_2 = 0.1 / (1 + 1) = 0.05; s_2 = (8, 8);
    # theta_2 = (0.95 - 0.05 * 2/sqrt(8), -2.0755928946 + 0.05/sqrt(8))
    opt = Adagrad(lr=0.1, eps=0.0, lr_decay=1.0, initial_accumulator_value=3.0)
    theta1, theta2 = two_steps(opt)
    np.testing.assert_allclose(theta1, [0.95, -2.0755928946018454], rtol=1e-14)
    np.testing.assert_allclose(theta2, [0.91464466094067264, -2.0579152250721817], rtol=1e-14)


def test_rmsprop_by_hand():
    # alpha = 0.9, eta = 0.01, no bias correction:
    # v_1 = 0.1 (1, 4) = (0.1, 0.4);  theta_1 = theta_0 - 0.01 (1/sqrt(0.1), 2/sqrt(0.4))
    #   = theta_0 - 0.01 sign(g_1) / sqrt(0.1) = (0.96837722339831621, -2.0316227766016838)
    # v_2 = 0.9 (0.1, 0.4) + 0.1 (4, 1) = (0.49, 0.46)
    # theta_2 = theta_1 - 0.01 (2/0.7, -1/sqrt(0.46)) = (0.93980579482688764, -2.0168785809861940)
    theta1, theta2 = two_steps(RMSprop(lr=0.01, alpha=0.9, eps=0.0))
    np.testing.assert_allclose(theta1, [0.96837722339831621, -2.0316227766016838], rtol=1e-14)
    np.testing.assert_allclose(theta2, [0.93980579482688764, -2.0168785809861940], rtol=1e-14)


def test_adam_first_step_is_lr_times_sign():
    # m_hat_1 = g, v_hat_1 = g**2, so the first step is eta g / (|g| + eps) = eta sign(g)
    # up to eta eps / |g|, whatever the size of g.
    for g in ([1e-3, -5.0], [1e4, 2.0]):
        theta = np.array(THETA0)
        Adam(lr=0.1).step([theta], [np.array(g)])
        np.testing.assert_allclose(theta - THETA0, -0.1 * np.sign(g), rtol=1e-5)


def test_adam_by_hand():
    # theta_1 = (1, -2) - 0.1 sign(1, 2) = (0.9, -2.1)
    # m_2 = 0.9 * 0.1 (1, 2) + 0.1 (2, -1) = (0.29, 0.08);  m_hat = m_2 / (1 - 0.81)
    # v_2 = 0.999 * 0.001 (1, 4) + 0.001 (4, 1) = (0.004999, 0.004996);
    # v_hat = v_2 / (1 - 0.999**2) = v_2 / 0.001999
    # theta_2 = theta_1 - 0.1 m_hat / sqrt(v_hat) = (0.80348179741782318, -2.1266337039660400)
    theta1, theta2 = two_steps(Adam(lr=0.1, eps=0.0))
    np.testing.assert_allclose(theta1, [0.9, -2.1], rtol=1e-15)
    np.testing.assert_allclose(theta2, [0.80348179741782318, -2.1266337039660400], rtol=1e-14)


def test_nadam_by_hand():
    # mu_t = 0.9 (1 - 0.5 * 0.96**(0.004 t)):
    #   mu_1 = 0.45007347359129607, mu_2 = 0.45014693518621750, mu_3 = 0.45022038478672294
    # Step 1: v_1 / (1 - 0.999) = g_1**2 and m_1 = 0.1 g_1, so
    #   theta_1 = theta_0 - 0.1 sign(g_1) (1 + 0.1 mu_2 / (1 - mu_1 mu_2))
    #           = theta_0 - 0.1 * 1.0564517783553882 sign(g_1)
    # Step 2 (m_2, v_2 as for Adam, P_2 = mu_1 mu_2, d = sqrt(v_2 / 0.001999)):
    #   theta_2 = theta_1 - 0.1 (1 - mu_2) / (1 - P_2) g_2 / d - 0.1 mu_3 / (1 - P_2 mu_3) m_2 / d
    theta1, theta2 = two_steps(NAdam(lr=0.1, eps=0.0))
    np.testing.assert_allclose(theta1, [0.89435482216446118, -2.1056451778355387], rtol=1e-14)
    np.testing.assert_allclose(theta2, [0.79806008713601020, -2.0645342049115762], rtol=1e-14)


def test_state_is_per_parameter_and_created_on_first_step():
    opt = Adam(lr=0.1)
    params = [np.zeros((3, 2)), np.zeros(4)]
    opt.step(params, [np.ones((3, 2)), -np.ones(4)])
    assert opt.t == 1
    assert [m.shape for m in opt.ms] == [(3, 2), (4,)]
    np.testing.assert_allclose(params[1], 0.1 * np.ones(4), rtol=1e-6)


def test_step_leaves_gradients_untouched():
    grads = [np.array([1.0, -2.0])]
    for opt in (SGD(0.1, momentum=0.9, weight_decay=0.1), Adam(0.1, weight_decay=0.1)):
        opt.step([np.array([3.0, 4.0])], grads)
        opt.step([np.array([3.0, 4.0])], grads)
        np.testing.assert_array_equal(grads[0], [1.0, -2.0])


def test_step_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match="gradients"):
        SGD(0.1).step([np.zeros(2)], [np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError, match="shape"):
        SGD(0.1).step([np.zeros(2)], [np.zeros(3)])
    opt = SGD(0.1)
    opt.step([np.zeros(2)], [np.zeros(2)])
    with pytest.raises(ValueError, match="expected 1 parameters"):
        opt.step([np.zeros(2), np.zeros(2)], [np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError, match="nesterov"):
        SGD(0.1, nesterov=True)


# --- cross-check against torch.optim -------------------------------------------------------

CASES = [
    (SGD, {"lr": 0.1}),
    (SGD, {"lr": 0.05, "momentum": 0.9}),
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    (SGD, {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    (Adagrad, {"lr": 0.1}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.01}),
    (Adagrad, {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}),
    (RMSprop, {"lr": 0.01}),
    (RMSprop, {"lr": 0.01, "centered": True}),
    (RMSprop, {"lr": 0.01, "momentum": 0.9}),
    (RMSprop, {"lr": 0.01, "alpha": 0.9, "eps": 1e-3, "centered": True, "momentum": 0.5,
               "weight_decay": 0.01}),
    (Adam, {"lr": 0.01}),
    (Adam, {"lr": 0.01, "weight_decay": 0.1}),
    (Adam, {"lr": 0.01, "amsgrad": True}),
    (Adam, {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3, "weight_decay": 0.01, "amsgrad": True}),
    (NAdam, {"lr": 0.01}),
    (NAdam, {"lr": 0.01, "momentum_decay": 0.1}),
    (NAdam, {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-3, "weight_decay": 0.05}),
]


@pytest.fixture
def torch_float64():
    torch = pytest.importorskip("torch", reason="torch is needed for the torch.optim cross-check")
    # NAdam keeps its product of mus in a tensor of the *default* dtype (float32 unless
    # changed), which alone would make it differ from float64 arithmetic at about 1e-8.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


@pytest.mark.parametrize(
    ("cls", "kwargs"), CASES, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(CASES)]
)
def test_matches_torch_optim(torch_float64, cls, kwargs):
    torch = torch_float64
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    tparams = [torch.tensor(p, dtype=torch.float64) for p in params]
    ours = cls(**kwargs)
    theirs = getattr(torch.optim, cls.__name__)(tparams, **kwargs)
    for _ in range(20):
        grads = [rng.normal(size=p.shape) for p in params]
        for tp, g in zip(tparams, grads, strict=True):
            tp.grad = torch.tensor(g, dtype=torch.float64)
        theirs.step()
        ours.step(params, grads)
        # Same float64 arithmetic in a different operation order (torch's addcdiv_, lerp_,
        # fused multiply-adds): the parameters agree to a few ulps, not bit for bit.
        for p, tp in zip(params, tparams, strict=True):
            np.testing.assert_allclose(p, tp.numpy(), rtol=1e-12, atol=0.0)


# --- convergence on the lecture's narrow valley f(theta) = 20 theta_1**2 + theta_2**2 -------


def valley(theta: np.ndarray) -> float:
    return 20.0 * theta[0] ** 2 + theta[1] ** 2


def valley_grad(theta: np.ndarray) -> np.ndarray:
    return np.array([40.0 * theta[0], 2.0 * theta[1]])


def run_valley(opt, n_steps: int) -> np.ndarray:
    theta = np.array([-3.0, -3.0])
    values = []
    for _ in range(n_steps):
        opt.step([theta], [valley_grad(theta)])
        values.append(valley(theta))
    return np.array(values)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SGD(lr=0.04),
        lambda: SGD(lr=0.01, momentum=0.9),
        lambda: SGD(lr=0.01, momentum=0.9, nesterov=True),
        lambda: Adagrad(lr=0.5),
        lambda: RMSprop(lr=0.05),
        lambda: Adam(lr=0.1),
        lambda: NAdam(lr=0.1),
    ],
    ids=["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam"],
)
def test_converges_on_narrow_valley(make):
    assert valley(np.array([-3.0, -3.0])) == 189.0
    assert run_valley(make(), 300)[-1] < 1e-6


def test_gradient_descent_diverges_above_two_over_curvature():
    # Along theta_1 the curvature is 40: theta_1 <- (1 - 40 eta) theta_1, stable iff eta < 2/40.
    values = run_valley(SGD(lr=0.051), 100)
    assert values[-1] > 1e3 * 189.0
    assert np.all(np.diff(values[10:]) > 0)
    assert run_valley(SGD(lr=0.049), 300)[-1] < 1e-6


# --- clipping -------------------------------------------------------------------------------


def test_clip_by_value_lecture_example_changes_direction():
    g = np.array([0.9, 100.0])
    clipped = clip_by_value(g, 1.0)
    np.testing.assert_array_equal(clipped, [0.9, 1.0])
    cosine = clipped @ g / (np.linalg.norm(clipped) * np.linalg.norm(g))
    assert cosine < 0.75
    np.testing.assert_array_equal(g, [0.9, 100.0])


def test_clip_by_norm_lecture_example_keeps_direction():
    g = np.array([0.9, 100.0])
    clipped = clip_by_norm(g, 1.0)
    cosine = clipped @ g / (np.linalg.norm(clipped) * np.linalg.norm(g))
    assert cosine == pytest.approx(1.0, abs=1e-15)
    assert np.linalg.norm(clipped) == pytest.approx(1.0, abs=1e-7)
    np.testing.assert_array_equal(g, [0.9, 100.0])


def test_clipping_lists_returns_new_lists():
    grads = [np.array([[3.0, -4.0]]), np.array([12.0])]  # global norm 13
    by_value = clip_by_value(grads, 5.0)
    np.testing.assert_array_equal(by_value[0], [[3.0, -4.0]])
    np.testing.assert_array_equal(by_value[1], [5.0])
    by_norm = clip_by_norm(grads, 6.5)
    np.testing.assert_allclose(by_norm[0], [[1.5, -2.0]], rtol=1e-6)
    np.testing.assert_allclose(by_norm[1], [6.0], rtol=1e-6)
    np.testing.assert_array_equal(grads[1], [12.0])
    assert by_norm[1] is not grads[1]
    small = clip_by_norm(grads, 100.0)
    np.testing.assert_array_equal(small[1], grads[1])


def test_clip_by_norm_matches_torch():
    torch = pytest.importorskip("torch", reason="torch is needed for the clip_grad_norm_ check")
    rng = np.random.default_rng(1)
    for max_norm in (0.5, 3.0, 100.0):
        grads = [rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(2, 2))]
        tparams = [torch.zeros(g.shape, dtype=torch.float64) for g in grads]
        for tp, g in zip(tparams, grads, strict=True):
            tp.grad = torch.tensor(g, dtype=torch.float64)
        total = torch.nn.utils.clip_grad_norm_(tparams, max_norm)
        ours = clip_by_norm(grads, max_norm)
        assert float(total) == pytest.approx(
            np.sqrt(sum(np.sum(g**2) for g in grads)), rel=1e-14
        )
        for c, tp in zip(ours, tparams, strict=True):
            np.testing.assert_allclose(c, tp.grad.numpy(), rtol=1e-14, atol=0.0)
