"""Sample submissions of Homework 5 (regularization and training deep networks).

Answer cells, in order: q1 penalties, q2 dropout, q3 forward/backprop, q4 Monte Carlo
dropout, q5 max-norm, q6 early stopping, q7 batch norm, q8 fusing batch norm, q9
initializers, q10 vanishing gradients, q11 weight decay and input scaling. Students
write in one of two correct styles (``A`` and, for a few cells, ``B``); the partly
wrong ones swap in a classic mistake for one or two cells. Expected scores:
``tests/fixtures/hw5_regularization_samples.json``.
"""

from __future__ import annotations

from build_samples import swap

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11")


# ---------------------------------------------------------------------------
# correct answers, written differently from the solution

A = {
    "q1": '''
def l2_penalty(weights, lam):
    total = 0.0
    for W in weights:
        total += np.sum(W * W)
    return lam / 2 * total


def l2_grad(weights, lam):
    return [lam * np.asarray(W, dtype=float) for W in weights]


def l1_penalty(weights, lam):
    return lam * np.sum([np.abs(W).sum() for W in weights])


def l1_grad(weights, lam):
    return [lam * np.sign(W) for W in weights]


def elastic_net_penalty(weights, lam, l1_ratio):
    return l1_ratio * l1_penalty(weights, lam) + (1 - l1_ratio) * l2_penalty(weights, lam)


def elastic_net_grad(weights, lam, l1_ratio):
    return [lam * (l1_ratio * np.sign(W) + (1 - l1_ratio) * W) for W in weights]
''',
    "q2": '''
def dropout_forward(x, rate, rng, training=True):
    if training:
        keep = rng.random(x.shape) >= rate
        mask = keep.astype(float) / (1 - rate)
    else:
        mask = np.ones(x.shape)
    return x * mask, mask


def dropout_backward(dout, mask):
    return mask * dout
''',
    "q3": '''
def forward(X, weights, biases, masks=None):
    zs = []
    activations = [X]
    L = len(weights)
    for l in range(L):
        z = np.dot(activations[l], weights[l]) + biases[l]
        zs.append(z)
        if l < L - 1:
            a = sigmoid(z)
            if masks is not None:
                a = a * masks[l]
        else:
            a = softmax(z)
        activations.append(a)
    return zs, activations


def backprop(X, Y, weights, biases, lam=0.0, l1_ratio=0.0, masks=None):
    n = X.shape[0]
    zs, activations = forward(X, weights, biases, masks)
    L = len(weights)
    deltas = [None] * L
    deltas[-1] = (activations[-1] - Y) / n
    for l in range(L - 2, -1, -1):
        s = sigmoid(zs[l])
        deltas[l] = deltas[l + 1] @ weights[l + 1].T * s * (1 - s)
        if masks is not None:
            deltas[l] = deltas[l] * masks[l]
    penalty = elastic_net_grad(weights, lam, l1_ratio)
    dWs = [activations[l].T @ deltas[l] + penalty[l] for l in range(L)]
    dbs = [d.sum(axis=0) for d in deltas]
    return dWs, dbs
''',
    "q4": '''
def mc_dropout_predict(X, weights, biases, rate, n_passes, rng):
    runs = np.zeros((n_passes, X.shape[0], weights[-1].shape[1]))
    for t in range(n_passes):
        a = X
        for l, (W, b) in enumerate(zip(weights, biases)):
            z = a @ W + b
            if l < len(weights) - 1:
                a, _ = dropout_forward(sigmoid(z), rate, rng)
            else:
                a = softmax(z)
        runs[t] = a
    return runs.mean(axis=0), runs.std(axis=0)
''',
    "q5": '''
def max_norm(W, r):
    W = W.copy()
    for k in range(W.shape[1]):
        norm = np.sqrt(np.sum(W[:, k] ** 2))
        if norm > r:
            W[:, k] *= r / norm
    return W
''',
    "q6": '''
def early_stopping(val_losses, patience, min_delta=0.0):
    best_epoch, best = 0, val_losses[0]
    wait = 0
    for epoch in range(1, len(val_losses)):
        if val_losses[epoch] < best - min_delta:
            best, best_epoch, wait = val_losses[epoch], epoch, 0
        else:
            wait += 1
        if wait == patience:
            return best_epoch, epoch
    return best_epoch, len(val_losses) - 1
''',
    "q7": '''
def batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5,
                      training=True):
    if training:
        n = len(x)
        mean = np.mean(x, axis=0)
        var = np.mean((x - mean) ** 2, axis=0)
        x_hat = (x - mean) / np.sqrt(var + eps)
        new_mean = momentum * mean + (1 - momentum) * running_mean
        new_var = momentum * var * n / (n - 1) + (1 - momentum) * running_var
    else:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        new_mean, new_var = running_mean, running_var
    return gamma * x_hat + beta, new_mean, new_var


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    # step by step through the computational graph
    n = x.shape[0]
    xmu = x - x.mean(axis=0)
    var = (xmu**2).mean(axis=0)
    std = np.sqrt(var + eps)
    x_hat = xmu / std
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * xmu, axis=0) * -0.5 * std**-3
    dmu = -np.sum(dx_hat, axis=0) / std + dvar * np.mean(-2 * xmu, axis=0)
    dx = dx_hat / std + dvar * 2 * xmu / n + dmu / n
    return dx, dgamma, dbeta
''',
    "q8": '''
def fuse_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    W_fused = W @ np.diag(scale)
    b_fused = scale * (b - running_mean) + beta
    return W_fused, b_fused
''',
    "q9": '''
def _normal_init(variance, fan_in, fan_out, rng):
    return np.sqrt(variance) * rng.standard_normal((fan_in, fan_out))


def _uniform_init(variance, fan_in, fan_out, rng):
    limit = np.sqrt(3 * variance)
    return limit * (2 * rng.random((fan_in, fan_out)) - 1)


def glorot_normal(fan_in, fan_out, rng):
    return _normal_init(2 / (fan_in + fan_out), fan_in, fan_out, rng)


def glorot_uniform(fan_in, fan_out, rng):
    return _uniform_init(2 / (fan_in + fan_out), fan_in, fan_out, rng)


def he_normal(fan_in, fan_out, rng):
    return _normal_init(2 / fan_in, fan_in, fan_out, rng)


def he_uniform(fan_in, fan_out, rng):
    return _uniform_init(2 / fan_in, fan_in, fan_out, rng)


def lecun_normal(fan_in, fan_out, rng):
    return _normal_init(1 / fan_in, fan_in, fan_out, rng)


def lecun_uniform(fan_in, fan_out, rng):
    return _uniform_init(1 / fan_in, fan_in, fan_out, rng)
''',
    "q10": '''
def gradient_norms(X, Y, weights, biases):
    dWs, _ = backprop(X, Y, weights, biases)
    return np.array([np.sqrt(np.sum(g**2)) for g in dWs])


def init_experiment(X, Y, layer_sizes, rng):
    L = len(layer_sizes) - 1
    biases = [np.zeros(layer_sizes[l + 1]) for l in range(L)]
    W_normal = []
    for l in range(L):
        W_normal.append(rng.normal(size=(layer_sizes[l], layer_sizes[l + 1])))
    W_glorot = [glorot_normal(layer_sizes[l], layer_sizes[l + 1], rng) for l in range(L)]
    return gradient_norms(X, Y, W_normal, biases), gradient_norms(X, Y, W_glorot, biases)
''',
    "q11": '''
def ridge_fit(X, y, lam):
    n, d = X.shape
    mx, my = X.mean(axis=0), y.mean()
    A = (X - mx).T @ (X - mx) / n + lam * np.eye(d)
    w = np.linalg.solve(A, (X - mx).T @ (y - my) / n)
    b = my - mx @ w
    return w, b


def weight_decay_scaling(X, y, lam, c):
    preds = []
    for inputs, penalty in [(X, lam), (c * X, lam), (c * X, c**2 * lam)]:
        w, b = ridge_fit(inputs, y, penalty)
        preds.append(inputs @ w + b)
    return tuple(preds)
''',
}

# a second style for a few cells
B = {
    "q1": '''
def l2_penalty(weights, lam):
    return 0.5 * lam * sum(np.linalg.norm(W) ** 2 for W in weights)


def l2_grad(weights, lam):
    return [lam * W for W in weights]


def l1_penalty(weights, lam):
    return lam * sum(np.abs(W).sum() for W in weights)


def l1_grad(weights, lam):
    return [lam * np.sign(W) for W in weights]


def elastic_net_penalty(weights, lam, l1_ratio):
    return l1_ratio * l1_penalty(weights, lam) + (1 - l1_ratio) * l2_penalty(weights, lam)


def elastic_net_grad(weights, lam, l1_ratio):
    g1, g2 = l1_grad(weights, lam), l2_grad(weights, lam)
    return [l1_ratio * a + (1 - l1_ratio) * b for a, b in zip(g1, g2)]
''',
    "q4": '''
def mc_dropout_predict(X, weights, biases, rate, n_passes, rng):
    n = X.shape[0]
    probs = []
    for _ in range(n_passes):
        masks = []
        for W in weights[:-1]:
            masks.append((rng.random((n, W.shape[1])) >= rate) / (1 - rate))
        probs.append(forward(X, weights, biases, masks)[1][-1])
    probs = np.stack(probs)
    return np.mean(probs, axis=0), np.std(probs, axis=0)


mean, std = mc_dropout_predict(np.ones((2, 3)), [np.ones((3, 4)), np.ones((4, 2))],
                               [np.zeros(4), np.zeros(2)], 0.5, 10, np.random.default_rng(0))
print(mean, std)
''',
}

# ---------------------------------------------------------------------------
# classic mistakes (each replaces a whole answer cell)

DROPOUT_NO_RESCALE = swap(A["q2"], ("mask = keep.astype(float) / (1 - rate)",
                                    "mask = keep.astype(float)"))

EARLY_STOP_LATE = swap(A["q6"], ("if wait == patience:", "if wait > patience:"))

EARLY_STOP_TIES = swap(A["q6"], ("if val_losses[epoch] < best - min_delta:",
                                 "if val_losses[epoch] <= best - min_delta:"))

MASK_NOT_REUSED = swap(A["q3"], (
    "        if masks is not None:\n            deltas[l] = deltas[l] * masks[l]\n", ""))

BACKPROP_NO_MEAN = swap(A["q3"], ("deltas[-1] = (activations[-1] - Y) / n",
                                  "deltas[-1] = activations[-1] - Y"))

L2_GRAD_HALF = swap(A["q1"], ("return [lam * np.asarray(W, dtype=float) for W in weights]",
                              "return [lam / 2 * np.asarray(W, dtype=float) for W in weights]"))

# the other convention, lam * sum W^2 with gradient 2 lam W, used consistently
L2_OTHER_CONVENTION = swap(B["q1"], (
    "return 0.5 * lam * sum(np.linalg.norm(W) ** 2 for W in weights)",
    "return lam * sum(np.linalg.norm(W) ** 2 for W in weights)"), (
    "return [lam * W for W in weights]", "return [2 * lam * W for W in weights]"))

MAX_NORM_ROWS = '''
def max_norm(W, r):
    norms = np.linalg.norm(W, axis=1, keepdims=True)
    return W * np.minimum(1.0, r / norms)
'''

BATCHNORM_UNBIASED = '''
def batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5,
                      training=True):
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0, ddof=1)  # unbiased
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var
    else:
        mean, var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var


def batchnorm_backward(dout, x, gamma, eps=1e-5):
    n = x.shape[0]
    inv_std = 1 / np.sqrt(x.var(axis=0, ddof=1) + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma * inv_std / n * (n * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
'''

# eps forgotten in training mode and in the backward pass (kept at inference)
BATCHNORM_NO_EPS = swap(A["q7"], (
    "x_hat = (x - mean) / np.sqrt(var + eps)", "x_hat = (x - mean) / np.sqrt(var)"), (
    "std = np.sqrt(var + eps)", "std = np.sqrt(var)"))

FUSE_NO_MEAN = swap(A["q8"], ("b_fused = scale * (b - running_mean) + beta",
                              "b_fused = scale * b + beta"))

MC_SAMPLE_STD = swap(B["q4"], ("np.std(probs, axis=0)", "np.std(probs, axis=0, ddof=1)"))

INIT_VARIANCE_AS_SCALE = swap(A["q9"], (
    "return np.sqrt(variance) * rng.standard_normal((fan_in, fan_out))",
    "return rng.normal(0, variance, size=(fan_in, fan_out))"))

# a name used before it is defined: the cell stops before any initializer exists
INIT_NAME_ERROR = "SQRT_3 = math.sqrt(3)  # uniform limit r = sqrt(3) sigma\n" + swap(
    A["q9"], ("limit = np.sqrt(3 * variance)", "limit = SQRT_3 * np.sqrt(variance)"))

WEIGHT_DECAY_DIVIDED = swap(A["q11"], ("(c * X, c**2 * lam)", "(c * X, lam / c**2)"))


# stated rules broken: drawing from rng at inference, changing the caller's arrays
DROPOUT_DRAWS_AT_INFERENCE = swap(A["q2"], (
    """    if training:
        keep = rng.random(x.shape) >= rate""", """    u = rng.random(x.shape)  # drawn in both modes
    if training:
        keep = u >= rate"""))

BATCHNORM_IN_PLACE = swap(A["q7"], (
    """        new_mean = momentum * mean + (1 - momentum) * running_mean
        new_var = momentum * var * n / (n - 1) + (1 - momentum) * running_var""",
    """        running_mean *= 1 - momentum  # updated in place, as PyTorch's buffers are
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * n / (n - 1)
        new_mean, new_var = running_mean, running_var"""))

MAX_NORM_IN_PLACE = swap(A["q5"], ("    W = W.copy()\n", ""))

# classic mistakes
L1_SIGN_AT_ZERO = swap(A["q1"], (
    "def l1_grad(weights, lam):\n    return [lam * np.sign(W) for W in weights]",
    "def l1_grad(weights, lam):\n    return [lam * np.where(W >= 0, 1.0, -1.0) for W in weights]"))

PENALTY_ON_BIASES = swap(A["q3"], (
    "    dbs = [d.sum(axis=0) for d in deltas]",
    "    dbs = [d.sum(axis=0) + p for d, p in\n"
    "           zip(deltas, elastic_net_grad(biases, lam, l1_ratio))]"))

INFERENCE_SCALED = swap(A["q2"], ("        mask = np.ones(x.shape)",
                                  "        mask = np.ones(x.shape) / (1 - rate)"))

MC_LAST_LAYER_FIRST = swap(B["q4"], (
    "        for W in weights[:-1]:\n            masks.append(",
    "        for W in weights[-2::-1]:\n            masks.insert(0, "))

EARLY_STOP_KEEPS_LAST = swap(A["q6"], (
    "        if wait == patience:\n            return best_epoch, epoch",
    "        if wait == patience:\n            return epoch, epoch"))

BATCHNORM_EPS_OUTSIDE = swap(A["q7"], ("x_hat = (x - mean) / np.sqrt(var + eps)",
                                       "x_hat = (x - mean) / (np.sqrt(var) + eps)"))

BATCHNORM_DBETA_FEATURES = swap(A["q7"], ("dbeta = dout.sum(axis=0)", "dbeta = dout.sum(axis=1)"))

HE_FAN_OUT = swap(A["q9"], ("return _normal_init(2 / fan_in, fan_in, fan_out, rng)",
                            "return _normal_init(2 / fan_out, fan_in, fan_out, rng)"))

UNIFORM_LIMIT_SQRT_VARIANCE = swap(A["q9"], ("limit = np.sqrt(3 * variance)",
                                             "limit = np.sqrt(variance)"))

WEIGHT_DECAY_SLIDES_EXPONENT = swap(A["q11"], ("(c * X, c**2 * lam)", "(c * X, c**0.5 * lam)"))

# the bias penalised too; weight_decay_scaling builds on this ridge_fit, consistently
RIDGE_PENALISES_BIAS = swap(A["q11"], (
    """    mx, my = X.mean(axis=0), y.mean()
    A = (X - mx).T @ (X - mx) / n + lam * np.eye(d)
    w = np.linalg.solve(A, (X - mx).T @ (y - my) / n)
    b = my - mx @ w
    return w, b""", """    A = np.hstack([X, np.ones((n, 1))])
    sol = np.linalg.solve(A.T @ A / n + lam * np.eye(d + 1), A.T @ y / n)
    return sol[:d], sol[d]"""))


# the draw compared the other way round, and Keras' momentum convention
DROPOUT_KEEP_BELOW = swap(A["q2"], ("keep = rng.random(x.shape) >= rate",
                                    "keep = rng.random(x.shape) < 1 - rate"))

MOMENTUM_OF_THE_OLD_VALUE = swap(A["q7"], (
    "new_mean = momentum * mean + (1 - momentum) * running_mean",
    "new_mean = (1 - momentum) * mean + momentum * running_mean"), (
    "new_var = momentum * var * n / (n - 1) + (1 - momentum) * running_var",
    "new_var = (1 - momentum) * var * n / (n - 1) + momentum * running_var"))


# the dropout mask applied to z, inside the sigmoid
MASK_ON_Z = swap(A["q3"], ("""            a = sigmoid(z)
            if masks is not None:
                a = a * masks[l]
""", """            if masks is not None:
                a = sigmoid(z * masks[l])
            else:
                a = sigmoid(z)
"""))

# Monte Carlo dropout that drops inputs too
MC_INPUT_DROPOUT = swap(A["q4"], ("        a = X\n",
                                  "        a, _ = dropout_forward(X, rate, rng)\n"))


def answers(style: dict[str, str], **changes: str) -> list[str]:
    """The answer cells in ``style`` (``A`` where it has no cell), some replaced."""
    return [changes.get(q, style.get(q, A[q])) for q in QUESTIONS]


SAMPLES: dict[str, dict] = {
    # fully correct, written differently from the solution
    "sophie_germain": {"answers": answers(A)},
    # the student notebook submitted unchanged
    "leonhard_euler": {},
    # one or two classic mistakes each
    "mary_somerville": {"answers": answers(A, q2=DROPOUT_NO_RESCALE, q6=EARLY_STOP_LATE)},
    "henri_poincare": {"answers": answers(A, q1=L2_GRAD_HALF, q3=MASK_NOT_REUSED)},
    "karl_weierstrass": {"answers": answers(B, q7=BATCHNORM_UNBIASED, q8=FUSE_NO_MEAN)},
    "pafnuty_chebyshev": {"answers": answers(A, q7=BATCHNORM_NO_EPS, q11=WEIGHT_DECAY_DIVIDED)},
    "bernhard_riemann": {"answers": answers(B, q1=L2_OTHER_CONVENTION, q5=MAX_NORM_ROWS)},
    "mary_cartwright": {"answers": answers(B, q4=MC_SAMPLE_STD, q9=INIT_VARIANCE_AS_SCALE)},
    "george_boole": {"answers": answers(A, q3=BACKPROP_NO_MEAN, q6=EARLY_STOP_TIES)},
    # a cell that raises
    "evariste_galois": {"answers": answers(A, q9=INIT_NAME_ERROR)},
    # stated rules broken
    "sofia_kovalevskaya": {"answers": answers(A, q2=DROPOUT_DRAWS_AT_INFERENCE,
                                              q7=BATCHNORM_IN_PLACE)},
    "carl_gauss": {"answers": answers(A, q5=MAX_NORM_IN_PLACE, q6=EARLY_STOP_KEEPS_LAST)},
    # classic mistakes
    "srinivasa_ramanujan": {"answers": answers(A, q1=L1_SIGN_AT_ZERO, q3=PENALTY_ON_BIASES)},
    "ada_lovelace": {"answers": answers(A, q4=MC_LAST_LAYER_FIRST, q9=HE_FAN_OUT)},
    "joseph_fourier": {"answers": answers(A, q2=INFERENCE_SCALED,
                                          q11=WEIGHT_DECAY_SLIDES_EXPONENT)},
    "pierre_laplace": {"answers": answers(A, q7=BATCHNORM_DBETA_FEATURES,
                                          q9=UNIFORM_LIMIT_SQRT_VARIANCE)},
    "maryam_mirzakhani": {"answers": answers(A, q2=DROPOUT_KEEP_BELOW,
                                             q7=MOMENTUM_OF_THE_OLD_VALUE)},
    "hypatia_of_alexandria": {"answers": answers(A, q3=MASK_ON_Z, q4=MC_INPUT_DROPOUT)},
    # a mistake that a later question builds on costs points once
    "john_von_neumann": {"answers": answers(A, q7=BATCHNORM_EPS_OUTSIDE,
                                            q11=RIDGE_PENALISES_BIAS)},
}
