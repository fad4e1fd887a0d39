"""Sample submissions of Homework 4 (optimizers, schedules, gradient clipping).

Answer cells, in order: q1 gradient descent/momentum/Nesterov, q2 AdaGrad/RMSProp,
q3 Adam/Nadam, q4 the narrow valley, q5 learning-rate schedules, q6 gradient
clipping, q7 the plot. The first three cells keep the notebook's ``*_init`` functions.
Every student starts from one correct set of answers (``A``, written differently from
the solution: Géron's velocity form of momentum converted with the current lr, PyTorch's
folded bias correction, a loop for the piecewise schedule and for the rates per step,
pyplot's state machine for the plot); the partly wrong ones swap in a classic mistake,
or break a rule of the text, for one to three cells; one swaps in the lecture's Adam
sign convention, which is correct. Expected scores:
``tests/fixtures/hw4_optimizers_samples.json``.
"""

from __future__ import annotations

from build_samples import swap

A = {
    "q1": '''
def gd_init(theta):
    """State of gradient descent: the step counter only."""
    return {"t": 0}


def gd_step(theta, grad, state, lr):
    new_state = dict(state)
    new_state["t"] += 1
    return theta - lr * grad, new_state


def momentum_init(theta):
    """State of momentum: the counter and the buffer b (zeros, shape of theta)."""
    return {"t": 0, "b": np.zeros_like(theta, dtype=float)}


def momentum_step(theta, grad, state, lr, momentum):
    # Geron's velocity m = momentum * m - lr * g, stored as b = -m / lr
    m = momentum * (-lr * state["b"]) - lr * grad
    return theta + m, {"t": state["t"] + 1, "b": -m / lr}


def nag_init(theta):
    """State of Nesterov accelerated gradient: the same as momentum's."""
    return {"t": 0, "b": np.zeros_like(theta, dtype=float)}


def nag_step(theta, grad, state, lr, momentum):
    b = state["b"] * momentum + grad
    look_ahead = grad + momentum * b
    return theta - lr * look_ahead, {"t": state["t"] + 1, "b": b}
''',
    "q2": '''
def adagrad_init(theta):
    """State of AdaGrad: the counter and the sum s of squared gradients."""
    return {"t": 0, "s": np.zeros_like(theta, dtype=float)}


def adagrad_step(theta, grad, state, lr, eps=1e-10):
    s = state["s"] + np.square(grad)
    step = lr * grad / (np.sqrt(s) + eps)
    return theta - step, {"t": state["t"] + 1, "s": s}


def rmsprop_init(theta):
    """State of RMSProp: the counter and the running average s of squared gradients."""
    return {"t": 0, "s": np.zeros_like(theta, dtype=float)}


def rmsprop_step(theta, grad, state, lr, beta=0.99, eps=1e-8):
    s = state["s"] + (1 - beta) * (grad**2 - state["s"])  # moves s towards g**2
    return theta - lr * grad / (np.sqrt(s) + eps), {"t": state["t"] + 1, "s": s}


theta, g = np.array([1.0, -2.0]), np.array([3.0, 0.1])
print(adagrad_step(theta, g, adagrad_init(theta), lr=0.1))
''',
    "q3": '''
def adam_init(theta):
    """State of Adam: the counter and the running averages m and v (zeros)."""
    return {"t": 0, "m": np.zeros_like(theta, dtype=float),
            "v": np.zeros_like(theta, dtype=float)}


def adam_step(theta, grad, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad**2
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
    return theta - step_size * m / denom, {"t": t, "m": m, "v": v}


def nadam_init(theta):
    """State of Nadam: Adam's, plus the product of the momentum coefficients mu_t."""
    return {"t": 0, "m": np.zeros_like(theta, dtype=float),
            "v": np.zeros_like(theta, dtype=float), "mu_product": 1.0}


def mu_schedule(t, beta1, momentum_decay):
    return beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))


def nadam_step(theta, grad, state, lr, beta1=0.9, beta2=0.999, eps=1e-8,
               momentum_decay=4e-3):
    t = state["t"] + 1
    mu_t = mu_schedule(t, beta1, momentum_decay)
    mu_t1 = mu_schedule(t + 1, beta1, momentum_decay)
    prod = state["mu_product"] * mu_t
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad**2
    denom = np.sqrt(v / (1 - beta2**t)) + eps
    new_theta = theta - lr * ((1 - mu_t) / (1 - prod) * grad
                              + mu_t1 / (1 - prod * mu_t1) * m) / denom
    return new_theta, {"t": t, "m": m, "v": v, "mu_product": prod}
''',
    "q4": '''
OPTIMIZERS = {
    "gd": (gd_init, gd_step),
    "momentum": (momentum_init, momentum_step),
    "nag": (nag_init, nag_step),
    "adagrad": (adagrad_init, adagrad_step),
    "rmsprop": (rmsprop_init, rmsprop_step),
    "adam": (adam_init, adam_step),
    "nadam": (nadam_init, nadam_step),
}


def valley_cost(theta, a, b):
    return a * theta[0] ** 2 + b * theta[1] ** 2


def valley_grad(theta, a, b):
    return 2 * np.array([a, b]) * theta


def run_valley(optimizer, theta0, a, b, n_steps, **hyper):
    init, step = OPTIMIZERS[optimizer]
    theta = np.asarray(theta0, dtype=float).copy()
    state = init(theta)
    costs = np.empty(n_steps + 1)
    costs[0] = valley_cost(theta, a, b)
    for k in range(1, n_steps + 1):
        theta, state = step(theta, valley_grad(theta, a, b), state, **hyper)
        costs[k] = valley_cost(theta, a, b)
    return costs
''',
    "q5": '''
def power_schedule(lr0, t, decay, power=1.0):
    return lr0 * np.power(1.0 + np.multiply(decay, t), -power)


def exponential_schedule(lr0, t, decay):
    return lr0 * np.exp(-np.multiply(decay, t))


def piecewise_constant(t, boundaries, values):
    t = np.asarray(t)
    index = np.full(t.shape, -1)
    for boundary in boundaries:
        index += t >= boundary  # one more boundary passed
    return np.asarray(values)[index]


SCHEDULES = {"power": power_schedule, "exponential": exponential_schedule,
             "piecewise": piecewise_constant}


def lr_per_step(schedule, epochs, steps_per_epoch, **params):
    rates = []
    for epoch in range(epochs):
        for batch in range(steps_per_epoch):
            step = epoch * steps_per_epoch + batch
            rates.append(float(SCHEDULES[schedule](t=step, **params)))
    return np.array(rates)


class PerformanceScheduler:
    def __init__(self, lr0, patience, factor, min_lr=0.0):
        self.lr, self.patience, self.factor, self.min_lr = lr0, patience, factor, min_lr
        self.best_loss = np.inf
        self.bad_epochs = 0

    def update(self, val_loss):
        if val_loss < self.best_loss:
            self.best_loss, self.bad_epochs = val_loss, 0
            return self.lr
        self.bad_epochs += 1
        if self.bad_epochs == self.patience:
            self.lr = max(self.factor * self.lr, self.min_lr)
            self.bad_epochs = 0
        return self.lr


print(piecewise_constant(np.arange(12), [0, 5, 10], [0.1, 0.01, 0.001]))
''',
    "q6": '''
def clip_by_value(grads, c):
    return [np.minimum(np.maximum(g, -c), c) for g in grads]


def clip_by_norm(grads, max_norm):
    total = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
    scale = max_norm / (total + 1e-6)
    if scale >= 1.0:
        return [g.copy() for g in grads]
    return [scale * g for g in grads]


def angle_degrees(u, v):
    cos = np.dot(u / np.linalg.norm(u), v / np.linalg.norm(v))
    return np.arccos(min(1.0, max(-1.0, cos))) * 180 / np.pi
''',
    "q7": '''
plt.figure(figsize=(8, 4))
for name in histories:
    plt.plot(histories[name], label=name)
plt.yscale("log")
plt.xlabel("iteration")
plt.ylabel("f(theta)")
plt.legend(ncol=2)
ax = plt.gca()
plt.show()
''',
}

# ---------------------------------------------------------------------------
# classic mistakes (each replaces a whole answer cell)

ADAGRAD_NO_SUM = swap(A["q2"], ('s = state["s"] + np.square(grad)', "s = np.square(grad)"))

RMSPROP_EPS_INSIDE = swap(A["q2"], ("return theta - lr * grad / (np.sqrt(s) + eps)",
                                    "return theta - lr * grad / np.sqrt(s + eps)"))

ADAM_NO_BIAS_CORRECTION = swap(A["q3"], (
    "    step_size = lr / (1 - beta1**t)\n    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps\n"
    "    return theta - step_size * m / denom",
    "    return theta - lr * m / (np.sqrt(v) + eps)"))

ADAM_EPS_INSIDE = '''
def adam_init(theta):
    """State of Adam: the counter and the running averages m and v (zeros)."""
    return {"t": 0, "m": np.zeros_like(theta, dtype=float),
            "v": np.zeros_like(theta, dtype=float)}


def adam_step(theta, grad, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] + 1
    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    theta = theta - lr * m_hat / np.sqrt(v_hat + eps)  # as in the book
    return theta, {"t": t, "m": m, "v": v}
''' + A["q3"][A["q3"].index("\n\ndef nadam_init"):]

# the conventions mixed: m averages +grad (PyTorch) but the step is added (the lecture)
ADAM_UPHILL = swap(A["q3"], ("return theta - step_size * m / denom",
                             "return theta + step_size * m / denom"))

NADAM_CONSTANT_MU = swap(A["q3"], (
    "    mu_t = mu_schedule(t, beta1, momentum_decay)\n"
    "    mu_t1 = mu_schedule(t + 1, beta1, momentum_decay)",
    "    mu_t = mu_t1 = beta1  # Dozat's momentum"))

NAG_AS_MOMENTUM = swap(A["q1"], ("    look_ahead = grad + momentum * b\n"
                                 "    return theta - lr * look_ahead,",
                                 "    return theta - lr * b,"))

MOMENTUM_WRONG_SIGN = swap(A["q1"], ("    return theta + m, {", "    return theta - m, {"))

VALLEY_GRAD_NO_TWO = swap(A["q4"], ("return 2 * np.array([a, b]) * theta",
                                    "return np.array([a, b]) * theta"))

PIECEWISE_OLD_VALUE_AT_BOUNDARY = swap(A["q5"], ("index += t >= boundary", "index += t > boundary"))

PLATEAU_TIE_IMPROVES = swap(A["q5"], ("if val_loss < self.best_loss:",
                                      "if val_loss <= self.best_loss:"))

PLATEAU_TORCH_COUNT = swap(A["q5"], ("if self.bad_epochs == self.patience:",
                                     "if self.bad_epochs > self.patience:"))

# definitions after a quick test of one of them: the cell stops with a NameError
SCHEDULES_NAME_ERROR = '''
def power_schedule(lr0, t, decay, power=1.0):
    return lr0 / (1 + decay * t) ** power


def exponential_schedule(lr0, t, decay):
    return lr0 * np.exp(-decay * t)


t = np.arange(0, 50, 10)
print(power_schedule(0.1, t, 0.1), exponential_schedule(0.1, t, 0.1))
print(piecewise_constant(t, [0, 20, 40], [0.1, 0.01, 0.001]))


def piecewise_constant(t, boundaries, values):
    return np.asarray(values)[np.searchsorted(boundaries, t, side="right") - 1]


SCHEDULES = {"power": power_schedule, "exponential": exponential_schedule,
             "piecewise": piecewise_constant}


def lr_per_step(schedule, epochs, steps_per_epoch, **params):
    return SCHEDULES[schedule](t=np.arange(epochs * steps_per_epoch), **params)


class PerformanceScheduler:
    def __init__(self, lr0, patience, factor, min_lr=0.0):
        self.lr, self.patience, self.factor, self.min_lr = lr0, patience, factor, min_lr
        self.best, self.wait = None, 0

    def update(self, val_loss):
        if self.best is None or val_loss < self.best:
            self.best, self.wait = val_loss, 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.lr, self.wait = max(self.lr * self.factor, self.min_lr), 0
        return self.lr
'''

CLIP_PER_ARRAY_NORM = swap(A["q6"], (
    '''    total = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
    scale = max_norm / (total + 1e-6)
    if scale >= 1.0:
        return [g.copy() for g in grads]
    return [scale * g for g in grads]''',
    '''    return [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads]'''))

ANGLE_RADIANS = swap(A["q6"], ("return np.arccos(min(1.0, max(-1.0, cos))) * 180 / np.pi",
                               "return np.arccos(min(1.0, max(-1.0, cos)))"))

PLOT_WITHOUT_AXIS_LABELS = swap(A["q7"], ('plt.xlabel("iteration")\nplt.ylabel("f(theta)")\n',
                                          'plt.title("cost of each optimizer")\n'))

# ---------------------------------------------------------------------------
# rules of the text broken, and more classic mistakes

# the lecture's Adam convention: m averages -grad and the step is added (correct)
ADAM_LECTURE_SIGN = swap(A["q3"], (
    "    m = beta1 * state[\"m\"] + (1 - beta1) * grad\n"
    "    v = beta2 * state[\"v\"] + (1 - beta2) * grad**2\n"
    "    step_size = lr / (1 - beta1**t)\n    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps\n"
    "    return theta - step_size * m / denom",
    "    m = beta1 * state[\"m\"] - (1 - beta1) * grad  # the lecture: m averages -grad\n"
    "    v = beta2 * state[\"v\"] + (1 - beta2) * grad**2\n"
    "    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)\n"
    "    return theta + lr * m_hat / (np.sqrt(v_hat) + eps)"))

# the parameters updated in place: the caller's theta changes
GD_IN_PLACE = swap(A["q1"], ("""    new_state = dict(state)
    new_state["t"] += 1
    return theta - lr * grad, new_state""", """    theta -= lr * grad  # saves a copy
    return theta, {"t": state["t"] + 1}"""))

# Adam's averages kept in a global variable, reset by the first step of a run
ADAM_GLOBAL_STATE = swap(A["q3"], (
    """    m = beta1 * state["m"] + (1 - beta1) * grad
    v = beta2 * state["v"] + (1 - beta2) * grad**2
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
    return theta - step_size * m / denom, {"t": t, "m": m, "v": v}""",
    """    global _m, _v
    if state["t"] == 0:
        _m, _v = np.zeros_like(theta, dtype=float), np.zeros_like(theta, dtype=float)
    _m = beta1 * _m + (1 - beta1) * grad
    _v = beta2 * _v + (1 - beta2) * grad**2
    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(_v) / np.sqrt(1 - beta2**t) + eps
    return theta - step_size * _m / denom, {"t": t, "m": _m.copy(), "v": _v.copy()}"""))

# Géron's velocity stored where the text asks for PyTorch's buffer b
MOMENTUM_VELOCITY_STATE = swap(A["q1"], (
    """    m = momentum * (-lr * state["b"]) - lr * grad
    return theta + m, {"t": state["t"] + 1, "b": -m / lr}""",
    """    m = momentum * state["b"] - lr * grad  # state["b"] keeps the velocity
    return theta + m, {"t": state["t"] + 1, "b": m}"""))

# the buffer updated after the step: theta moves by the old buffer
MOMENTUM_BUFFER_AFTER = swap(A["q1"], (
    """    m = momentum * (-lr * state["b"]) - lr * grad
    return theta + m, {"t": state["t"] + 1, "b": -m / lr}""",
    """    new_theta = theta - lr * state["b"]
    return new_theta, {"t": state["t"] + 1, "b": momentum * state["b"] + grad}"""))

# the look-ahead with the buffer before its update
NAG_OLD_BUFFER = swap(A["q1"], ("    look_ahead = grad + momentum * b\n",
                                "    look_ahead = grad + momentum * state[\"b\"]\n"))

# the step counter never incremented: every step is corrected as the first
ADAM_T_STUCK = swap(A["q3"], ('{"t": t, "m": m, "v": v}\n\n\ndef nadam_init',
                              '{"t": state["t"], "m": m, "v": v}\n\n\ndef nadam_init'))

# Adam's state keeps the corrected averages
ADAM_HATS_STORED = swap(A["q3"], (
    """    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
    return theta - step_size * m / denom, {"t": t, "m": m, "v": v}""",
    """    m, v = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m / (np.sqrt(v) + eps), {"t": t, "m": m, "v": v}"""))

# AdaGrad accumulating the gradients instead of their squares
ADAGRAD_G_NOT_SQUARED = swap(A["q2"], ('s = state["s"] + np.square(grad)', 's = state["s"] + grad'))

# RMSProp with Adam's bias correction
RMSPROP_BIAS_CORRECTED = swap(A["q2"], (
    "    return theta - lr * grad / (np.sqrt(s) + eps), {\"t\": state[\"t\"] + 1, \"s\": s}",
    "    s_hat = s / (1 - beta ** (state[\"t\"] + 1))\n"
    "    return theta - lr * grad / (np.sqrt(s_hat) + eps), {\"t\": state[\"t\"] + 1, \"s\": s}"))

# Géron's number of steps s in place of the notebook's rate
POWER_BOOK_FORM = swap(A["q5"], ("return lr0 * np.power(1.0 + np.multiply(decay, t), -power)",
                                 "return lr0 * np.power(1.0 + np.divide(t, decay), -power)"))

# the schedule stepped once per epoch
SCHEDULE_PER_EPOCH = swap(A["q5"], (
    "            step = epoch * steps_per_epoch + batch\n",
    "            step = epoch  # as Keras's LearningRateScheduler\n"))

# the plot on a linear y axis
PLOT_LINEAR_AXIS = swap(A["q7"], ('plt.yscale("log")\n', ""))

# the logarithm of the costs on a linear axis
PLOT_LOG_OF_COSTS = swap(A["q7"], (
    "    plt.plot(histories[name], label=name)\nplt.yscale(\"log\")\n",
    "    plt.plot(np.log(histories[name]), label=name)\n"))

# the deep-networks notebook's step-size recursion eta_t = eta_(t-1) / root, eta in the state
ADAGRAD_STEP_RECURSION = swap(A["q2"], (
    """    step = lr * grad / (np.sqrt(s) + eps)
    return theta - step, {"t": state["t"] + 1, "s": s}""",
    """    eta = state.get("eta", lr) / (np.sqrt(s) + eps)
    return theta - eta * grad, {"t": state["t"] + 1, "s": s, "eta": eta}"""))
ADAM_STEP_RECURSION = swap(A["q3"], (
    """    step_size = lr / (1 - beta1**t)
    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps
    return theta - step_size * m / denom, {"t": t, "m": m, "v": v}""",
    """    eta = state.get("eta", lr) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta - eta * m / (1 - beta1**t), {"t": t, "m": m, "v": v, "eta": eta}"""))

# correct: each line labelled with the optimizer's usual name, not its key
PLOT_USUAL_NAMES = swap(A["q7"], ("    plt.plot(histories[name], label=name)\n", """    plt.plot(histories[name], label={"gd": "SGD", "momentum": "Momentum",
                                     "nag": "Nesterov (NAG)", "adagrad": "AdaGrad",
                                     "rmsprop": "RMSProp", "adam": "Adam",
                                     "nadam": "NAdam"}[name])\n"""))

# the base-10 logarithm of the costs on a linear axis
PLOT_LOG10_OF_COSTS = swap(A["q7"], (
    "    plt.plot(histories[name], label=name)\nplt.yscale(\"log\")\n",
    "    plt.plot(np.log10(histories[name]), label=name)\n"))


def answers(**changes: str) -> list[str]:
    """The seven answer cells of ``A``, with some questions replaced."""
    return [changes.get(q, A[q]) for q in ("q1", "q2", "q3", "q4", "q5", "q6", "q7")]


SAMPLES: dict[str, dict] = {
    # fully correct, written differently from the solution
    "hedy_lamarr": {"answers": answers()},
    # the student notebook submitted unchanged
    "norbert_wiener": {},
    # the planted mistakes, one to three per student
    "rosalind_franklin": {"answers": answers(q2=ADAGRAD_NO_SUM, q3=ADAM_NO_BIAS_CORRECTION)},
    "carl_gauss": {"answers": answers(q2=RMSPROP_EPS_INSIDE, q3=ADAM_EPS_INSIDE)},
    "henri_poincare": {"answers": answers(q1=NAG_AS_MOMENTUM,
                                          q5=PIECEWISE_OLD_VALUE_AT_BOUNDARY)},
    "lise_meitner": {"answers": answers(q1=MOMENTUM_WRONG_SIGN, q6=CLIP_PER_ARRAY_NORM)},
    "pierre_laplace": {"answers": answers(q3=ADAM_UPHILL, q5=PLATEAU_TIE_IMPROVES,
                                          q7=PLOT_WITHOUT_AXIS_LABELS)},
    "sophie_germain": {"answers": answers(q3=NADAM_CONSTANT_MU, q5=PLATEAU_TORCH_COUNT)},
    "emil_artin": {"answers": answers(q4=VALLEY_GRAD_NO_TWO, q6=ANGLE_RADIANS)},
    # a cell that raises
    "marie_curie": {"answers": answers(q5=SCHEDULES_NAME_ERROR)},
    # correct: the lecture's Adam convention (m averages -grad, the step is added)
    "ada_lovelace": {"answers": answers(q3=ADAM_LECTURE_SIGN)},
    # rules of the text broken: arguments changed in place, memory outside the state,
    # another quantity in the state, the schedule per epoch, the plot's axis and data
    "emmy_noether": {"answers": answers(q1=GD_IN_PLACE, q5=SCHEDULE_PER_EPOCH)},
    "alan_turing": {"answers": answers(q3=ADAM_GLOBAL_STATE, q7=PLOT_LINEAR_AXIS)},
    "john_nash": {"answers": answers(q1=MOMENTUM_VELOCITY_STATE, q7=PLOT_LOG_OF_COSTS)},
    # more classic mistakes
    "grace_hopper": {"answers": answers(q1=MOMENTUM_BUFFER_AFTER, q3=ADAM_T_STUCK)},
    "kurt_goedel": {"answers": answers(q1=NAG_OLD_BUFFER, q2=RMSPROP_BIAS_CORRECTED,
                                       q5=POWER_BOOK_FORM)},
    "srinivasa_ramanujan": {"answers": answers(q2=ADAGRAD_G_NOT_SQUARED,
                                               q3=ADAM_HATS_STORED)},
    # the lecture's step-size recursion; the plot's lines named as usual (correct)
    "hermann_weyl": {"answers": answers(q2=ADAGRAD_STEP_RECURSION, q7=PLOT_USUAL_NAMES)},
    "felix_klein": {"answers": answers(q3=ADAM_STEP_RECURSION, q7=PLOT_LOG10_OF_COSTS)},
}
