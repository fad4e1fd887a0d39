"""Sample submissions of Homework 3 (cross-entropy and the learning slowdown).

Answer cells, in order: q1 binary cross-entropy, q2 cost table / minimum / binary
entropy, q3 neuron gradients and slowdown ratio, q4 ``train_neuron``, q4 the loss-curve
plot, q5 softmax log-likelihood / numerical gradient / relative error, q6 the written
answer (Markdown). Students write in one of two correct styles (``A`` and ``B``); the
partly wrong ones swap in a classic mistake for one or two cells. Expected scores:
``tests/fixtures/hw3_cost_samples.json``.
"""

from __future__ import annotations

from build_samples import swap

QUESTIONS = ("q1", "q2", "q3", "q4", "q4_plot", "q5", "q6")

# ---------------------------------------------------------------------------
# correct answers, two styles

A = {
    "q1": '''
def binary_cross_entropy(a, y):
    """Mean over the batch (axis 0) of -sum_j [y ln a + (1 - y) ln(1 - a)]."""
    a = np.asarray(a, dtype=float)
    per_entry = y * np.log(a) + (1 - y) * np.log1p(-a)
    n_samples = len(a)
    return -float(per_entry.sum()) / n_samples


print(binary_cross_entropy(np.array([0.9, 0.2]), np.array([1.0, 0.0])))
''',
    "q2": '''
def cost_table(ys, grid):
    """T[i, j] = C(ys[i], grid[j]) for one sample; shape (len(ys), len(grid))."""
    Y, A = np.meshgrid(ys, grid, indexing="ij")
    return -(Y * np.log(A) + (1 - Y) * np.log(1 - A))


def table_minimum(ys, grid):
    """(a_best, c_best): per target, the grid value of the smallest cost and that cost."""
    T = cost_table(ys, grid)
    a_best = np.array([grid[np.argmin(row)] for row in T])
    return a_best, T.min(axis=1)


def binary_entropy(y):
    """H(y) = -[y ln y + (1 - y) ln(1 - y)] elementwise, with 0 ln 0 = 0."""
    y = np.asarray(y, dtype=float)
    y_safe = np.where(y > 0, y, 1.0)  # ln 1 = 0, so 0 ln 0 counts as 0
    q_safe = np.where(y < 1, 1 - y, 1.0)
    return -(y * np.log(y_safe) + (1 - y) * np.log(q_safe))
''',
    "q3": '''
def quadratic_gradients(X, w, b, y):
    """(dw, db) of the mean quadratic cost 0.5 (a - y)^2 of a sigmoid neuron."""
    z = X @ w + b
    delta = (sigmoid(z) - y) * sigmoid_prime(z)
    n = len(y)
    return delta @ X / n, delta.sum() / n


def cross_entropy_gradients(X, w, b, y):
    """(dw, db) of the mean binary cross-entropy of a sigmoid neuron."""
    z = X @ w + b
    delta = sigmoid(z) - y  # sigma'(z) cancels
    n = len(y)
    return delta @ X / n, delta.sum() / n


def slowdown_ratio(zs, y):
    """|dC_quadratic/dw| / |dC_cross-entropy/dw| for one input x = 1, at each z in zs."""
    ratios = []
    for z in zs:
        X, w, target = np.ones((1, 1)), np.array([z]), np.array([y])
        dw_quadratic, _ = quadratic_gradients(X, w, 0.0, target)
        dw_cross_entropy, _ = cross_entropy_gradients(X, w, 0.0, target)
        ratios.append(abs(dw_quadratic[0]) / abs(dw_cross_entropy[0]))
    return np.array(ratios)
''',
    "q4": '''
def train_neuron(w, b, x, y, eta, epochs, cost="cross_entropy"):
    """Gradient descent on one sample; returns (costs of shape (epochs + 1,), w, b)."""
    gradients = quadratic_gradients if cost == "quadratic" else cross_entropy_gradients
    history = []
    for epoch in range(epochs + 1):
        a = sigmoid(w * x + b)
        if cost == "quadratic":
            history.append(0.5 * (a - y) ** 2)
        else:
            history.append(binary_cross_entropy(np.array([a]), np.array([y])))
        if epoch == epochs:
            break
        dw, db = gradients(np.array([[x]]), np.array([w]), b, np.array([y]))
        w = w - eta * dw[0]
        b = b - eta * db
    return np.array(history, dtype=float), float(w), float(b)
''',
    "q4_plot": '''
fig, ax = plt.subplots(figsize=(7, 4))
epoch_axis = np.arange(301)
for name, style in [("quadratic", "-"), ("cross_entropy", "--")]:
    costs, w_end, b_end = train_neuron(2.0, 2.0, 1.0, 0.0, 0.15, 300, name)
    ax.plot(epoch_axis, costs, style, label=f"{name} (final a = {sigmoid(w_end + b_end):.3f})")
ax.set(xlabel="epoch", ylabel="training cost", title="Learning slowdown")
ax.legend()
plt.show()
''',
    "q5": '''
def softmax_cross_entropy(Z, Y):
    """Mean over the rows of -sum_k Y_k ln softmax(Z)_k, via log-sum-exp."""
    m = Z.max(axis=1, keepdims=True)
    log_sum = m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True))
    log_p = Z - log_sum
    return -np.mean(np.sum(Y * log_p, axis=1))


def softmax_cross_entropy_grad(Z, Y):
    """Gradient of the mean cost with respect to Z, shape (n, K)."""
    n = Z.shape[0]
    return (softmax(Z) - Y) / n


def numerical_gradient(Z, Y, h=1e-5):
    """Central differences of softmax_cross_entropy(., Y) at Z, entry by entry."""
    grad = np.zeros(Z.shape)
    for idx in np.ndindex(*Z.shape):
        E = np.zeros(Z.shape)
        E[idx] = h
        grad[idx] = (softmax_cross_entropy(Z + E, Y) - softmax_cross_entropy(Z - E, Y)) / (2 * h)
    return grad


def relative_error(a, b):
    """max |a - b| / max (|a| + |b|)."""
    num = np.abs(a - b).max()
    den = (np.abs(a) + np.abs(b)).max()
    return num / den if den > 0 else 0.0
''',
    "q6": '''
By the chain rule, dC/dw_j = (dC/dz)(dz/dw_j). The cost is a function of the output
a = sigma(z) only, so changing the cost changes dC/dz (for cross-entropy it becomes
a - y), but dz/dw_j = x_j comes from z = sum_j w_j x_j + b and is the same for every
cost. If x_j = 0 the weight w_j does not change the output at all, so no cost can give
it a gradient. To speed up such weights you have to rescale the inputs or use
per-weight learning rates.
''',
}

B = {
    "q1": '''
def binary_cross_entropy(a, y):
    """Mean over the batch (axis 0) of -sum_j [y ln a + (1 - y) ln(1 - a)]."""
    n = a.shape[0]
    total = np.sum(-y * np.log(a) - (1 - y) * np.log(1 - a))
    return float(total / n)
''',
    "q2": '''
def cost_table(ys, grid):
    """T[i, j] = C(ys[i], grid[j]) for one sample; shape (len(ys), len(grid))."""
    ys = np.asarray(ys).reshape(-1, 1)  # one row per target, broadcast over the grid
    return -ys * np.log(grid) - (1 - ys) * np.log(1 - grid)


def table_minimum(ys, grid):
    """(a_best, c_best): per target, the grid value of the smallest cost and that cost."""
    T = cost_table(ys, grid)
    idx = T.argmin(axis=1)
    return grid[idx], T.min(axis=1)


def binary_entropy(y):
    """H(y) = -[y ln y + (1 - y) ln(1 - y)] elementwise, with 0 ln 0 = 0."""
    y = np.asarray(y, dtype=float)
    H = np.zeros_like(y)
    inside = (y > 0) & (y < 1)  # H(0) = H(1) = 0
    p = y[inside]
    H[inside] = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    return H


print(cost_table(np.array([0.2, 0.7]), np.array([0.1, 0.2, 0.5])))
''',
    "q3": '''
def quadratic_gradients(X, w, b, y):
    """(dw, db) of the mean quadratic cost 0.5 (a - y)^2 of a sigmoid neuron."""
    a = sigmoid(X @ w + b)
    delta = (a - y) * a * (1 - a)
    return np.mean(X * delta[:, None], axis=0), np.mean(delta)


def cross_entropy_gradients(X, w, b, y):
    """(dw, db) of the mean binary cross-entropy of a sigmoid neuron."""
    delta = sigmoid(X @ w + b) - y
    return np.mean(X * delta[:, None], axis=0), np.mean(delta)


def slowdown_ratio(zs, y):
    """|dC_quadratic/dw| / |dC_cross-entropy/dw| for one input x = 1, at each z in zs."""
    # |x (a - y) sigma'(z)| / |x (a - y)| = sigma'(z), whatever x and y
    return sigmoid_prime(np.asarray(zs, dtype=float))
''',
    "q4": '''
def cost_value(a, t, cost):
    if cost == "quadratic":
        return float(0.5 * np.sum((a - t) ** 2))
    return binary_cross_entropy(a, t)


def train_neuron(w, b, x, y, eta, epochs, cost="cross_entropy"):
    """Gradient descent on one sample; returns (costs of shape (epochs + 1,), w, b)."""
    X, t = np.array([[x]]), np.array([y])
    weights = np.array([w], dtype=float)
    grad = quadratic_gradients if cost == "quadratic" else cross_entropy_gradients
    costs = []
    for _ in range(epochs):
        costs.append(cost_value(sigmoid(X @ weights + b), t, cost))
        dw, db = grad(X, weights, b, t)
        weights = weights - eta * dw
        b = b - eta * db
    costs.append(cost_value(sigmoid(X @ weights + b), t, cost))  # after the last update
    return np.array(costs), weights[0], b
''',
    "q4_plot": '''
fig, ax = plt.subplots(figsize=(7, 4))
runs = [("quadratic cost", "quadratic"), ("cross-entropy cost", "cross_entropy")]
for label, cost in runs:
    curve, _, _ = train_neuron(2.0, 2.0, 1.0, 0.0, 0.15, 300, cost)
    ax.plot(curve, label=label)
ax.set_xlabel("epoch")
ax.set_ylabel("C")
ax.legend()
plt.show()
''',
    "q5": '''
def softmax_cross_entropy(Z, Y):
    """Mean over the rows of -sum_k Y_k ln softmax(Z)_k, via log-sum-exp."""
    shifted = Z - np.max(Z, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1))[:, None]
    return -(Y * log_probs).sum() / len(Z)


def softmax_cross_entropy_grad(Z, Y):
    """Gradient of the mean cost with respect to Z, shape (n, K)."""
    return (softmax(Z) - Y) / len(Z)


def numerical_gradient(Z, Y, h=1e-5):
    """Central differences of softmax_cross_entropy(., Y) at Z, entry by entry."""
    Zc = Z.astype(float).copy()
    g = np.zeros_like(Zc)
    for i in range(Zc.shape[0]):
        for k in range(Zc.shape[1]):
            saved = Zc[i, k]
            Zc[i, k] = saved + h
            f_plus = softmax_cross_entropy(Zc, Y)
            Zc[i, k] = saved - h
            f_minus = softmax_cross_entropy(Zc, Y)
            Zc[i, k] = saved
            g[i, k] = (f_plus - f_minus) / (2 * h)
    return g


def relative_error(a, b):
    """max |a - b| / max (|a| + |b|)."""
    return np.max(np.abs(a - b)) / np.max(np.abs(a) + np.abs(b))
''',
    "q6": '''
A cost function only decides how C depends on the output a, so it can only change the
factor dC/dz (the delta). The factor x_j is dz/dw_j and comes from the weighted sum
itself, not from the cost. So it cannot be cancelled by any cost.
''',
}

# ---------------------------------------------------------------------------
# classic mistakes (each replaces a whole answer cell)

BCE_LOG_ONE_MINUS_Y = swap(B["q1"], ("(1 - y) * np.log(1 - a)", "(1 - y) * np.log(1 - y)"))

BCE_NO_MINUS = swap(A["q1"], ("return -float(per_entry.sum())", "return float(per_entry.sum())"))

BCE_SUM = swap(B["q1"], ("return float(total / n)", "return float(total)"))

BCE_LOG2 = swap(A["q1"], ("y * np.log(a) + (1 - y) * np.log1p(-a)",
                          "y * np.log2(a) + (1 - y) * np.log2(1 - a)"))

ENTROPY_LOG2 = swap(B["q2"], ("-(p * np.log(p) + (1 - p) * np.log(1 - p))",
                              "-(p * np.log2(p) + (1 - p) * np.log2(1 - p))  # in bits"))

GRADIENTS_SUMMED = swap(B["q3"], ("return np.mean(X * delta[:, None], axis=0), np.mean(delta)",
                                  "return np.sum(X * delta[:, None], axis=0), np.sum(delta)"))

SIGMA_KEPT = swap(A["q3"], ("    delta = sigmoid(z) - y  # sigma'(z) cancels",
                            "    delta = (sigmoid(z) - y) * sigmoid_prime(z)"))

QUADRATIC_WITHOUT_HALF = swap(B["q4"], ("float(0.5 * np.sum((a - t) ** 2))",
                                        "float(np.sum((a - t) ** 2))"))

PLOT_UNLABELLED = '''
fig, ax = plt.subplots(figsize=(7, 4))
for cost in ("quadratic", "cross_entropy"):
    ax.plot(train_neuron(2.0, 2.0, 1.0, 0.0, 0.15, 300, cost)[0])
ax.set_title("quadratic (blue) vs cross-entropy (orange)")
plt.show()
'''

SOFTMAX_GRAD_SUMMED = swap(A["q5"], ("    n = Z.shape[0]\n    return (softmax(Z) - Y) / n",
                                     "    return softmax(Z) - Y"))

FORWARD_DIFFERENCE = swap(B["q5"], (
    "            Zc[i, k] = saved - h\n            f_minus = softmax_cross_entropy(Zc, Y)\n"
    "            Zc[i, k] = saved\n            g[i, k] = (f_plus - f_minus) / (2 * h)",
    "            Zc[i, k] = saved\n            f_minus = softmax_cross_entropy(Zc, Y)\n"
    "            g[i, k] = (f_plus - f_minus) / h"))

RELATIVE_ERROR_ELEMENTWISE = swap(B["q5"], (
    "return np.max(np.abs(a - b)) / np.max(np.abs(a) + np.abs(b))",
    "return np.max(np.abs(a - b) / (np.abs(a) + np.abs(b)))"))

# a typo in the first line: the cell stops with an AttributeError, nothing is defined
TABLE_TYPO = "GRID = np.linspce(0.1, 0.9, 9)  # the grid of the lecture\n\n" + A["q2"]


BCE_MINUS_FIRST_ONLY = swap(B["q1"], ("np.sum(-y * np.log(a) - (1 - y) * np.log(1 - a))",
                                      "np.sum(-y * np.log(a) + (1 - y) * np.log(1 - a))"))

BCE_ARGUMENTS_SWAPPED = swap(A["q1"], ("per_entry = y * np.log(a) + (1 - y) * np.log1p(-a)",
                                       "per_entry = a * np.log(y) + (1 - a) * np.log1p(-y)"))

# the cost table with a and y swapped; table_minimum builds on it, consistently
TABLE_ARGUMENTS_SWAPPED = swap(B["q2"], ("return -ys * np.log(grid) - (1 - ys) * np.log(1 - grid)",
                                         "return -grid * np.log(ys) - (1 - grid) * np.log(1 - ys)"))

QUADRATIC_SIGMA_NOT_PRIME = swap(B["q3"], ("delta = (a - y) * a * (1 - a)",
                                           "delta = (a - y) * a"))

# the error y - a in both gradients; train_neuron uses them, so it climbs consistently
GRADIENTS_SIGN_FLIPPED = swap(A["q3"], ("delta = (sigmoid(z) - y) * sigmoid_prime(z)",
                                        "delta = (y - sigmoid(z)) * sigmoid_prime(z)"),
                              ("delta = sigmoid(z) - y  # sigma'(z) cancels",
                               "delta = y - sigmoid(z)  # sigma'(z) cancels"))

# perturbs the caller's Z and "restores" it by arithmetic: Z changes in its last digits
NUMERICAL_GRADIENT_IN_PLACE = swap(A["q5"], (
    """    grad = np.zeros(Z.shape)
    for idx in np.ndindex(*Z.shape):
        E = np.zeros(Z.shape)
        E[idx] = h
        grad[idx] = (softmax_cross_entropy(Z + E, Y) - softmax_cross_entropy(Z - E, Y)) / (2 * h)
""", """    grad = np.zeros(Z.shape)
    for idx in np.ndindex(*Z.shape):
        Z[idx] += h
        up = softmax_cross_entropy(Z, Y)
        Z[idx] -= 2 * h
        down = softmax_cross_entropy(Z, Y)
        Z[idx] += h  # back where it was
        grad[idx] = (up - down) / (2 * h)
"""))

NUMERICAL_GRADIENT_ALL_AT_ONCE = swap(A["q5"], (
    "        E = np.zeros(Z.shape)\n        E[idx] = h\n", "        E = np.full(Z.shape, h)\n"))

SOFTMAX_COLUMNS = swap(B["q5"], (
    "    shifted = Z - np.max(Z, axis=1, keepdims=True)\n"
    "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1))[:, None]",
    "    shifted = Z - np.max(Z, axis=0, keepdims=True)\n"
    "    log_probs = shifted - np.log(np.exp(shifted).sum(axis=0))[None, :]"), (
    "return (softmax(Z) - Y) / len(Z)", "return (softmax(Z.T).T - Y) / len(Z)"))

# the summed cost; numerical_gradient differentiates it, consistently
SOFTMAX_SUMMED_AND_SCALE_MAX_PLUS_MAX = swap(A["q5"], (
    "return -np.mean(np.sum(Y * log_p, axis=1))", "return -np.sum(Y * log_p)"), (
    "den = (np.abs(a) + np.abs(b)).max()", "den = np.abs(a).max() + np.abs(b).max()"))


# stated rules broken: a 0-d array where a Python float is asked for, and 0 ln 0 left as nan
BCE_ARRAY_RESULT = """
def binary_cross_entropy(a, y):
    \"\"\"Mean over the batch (axis 0) of -sum_j [y ln a + (1 - y) ln(1 - a)].\"\"\"
    per_entry = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    return np.array(per_entry.sum() / a.shape[0])
"""

ENTROPY_NAN_AT_0 = swap(A["q2"], (
    "    y_safe = np.where(y > 0, y, 1.0)  # ln 1 = 0, so 0 ln 0 counts as 0\n"
    "    q_safe = np.where(y < 1, 1 - y, 1.0)\n"
    "    return -(y * np.log(y_safe) + (1 - y) * np.log(q_safe))",
    "    return -(y * np.log(y) + (1 - y) * np.log(1 - y))"))


def answers(style: dict[str, str], **changes: str) -> list[str]:
    """The seven answer cells in ``style``, with some replaced."""
    return [changes.get(q, style[q]) for q in QUESTIONS]


SAMPLES: dict[str, dict] = {
    # fully correct, written differently from the solution
    "rosalind_franklin": {"answers": answers(A)},
    # the student notebook submitted unchanged
    "lise_meitner": {},
    # one or two classic mistakes each
    "paul_dirac": {"answers": answers(B, q1=BCE_LOG_ONE_MINUS_Y, q2=ENTROPY_LOG2)},
    "marie_curie": {"answers": answers(A, q1=BCE_NO_MINUS, q5=SOFTMAX_GRAD_SUMMED)},
    "niels_bohr": {"answers": answers(B, q1=BCE_SUM, q3=GRADIENTS_SUMMED)},
    "richard_feynman": {"answers": answers(A, q3=SIGMA_KEPT)},
    "chien_shiung_wu": {"answers": answers(B, q4=QUADRATIC_WITHOUT_HALF, q5=FORWARD_DIFFERENCE)},
    "werner_heisenberg": {"answers": answers(B, q4_plot=PLOT_UNLABELLED,
                                             q5=RELATIVE_ERROR_ELEMENTWISE)},
    # a cell that raises, and the natural log confused with log2
    "hedy_lamarr": {"answers": answers(A, q1=BCE_LOG2, q2=TABLE_TYPO)},
    # a stated rule broken: numerical_gradient changes the caller's Z
    "emmy_noether": {"answers": answers(B, q1=BCE_MINUS_FIRST_ONLY,
                                        q5=NUMERICAL_GRADIENT_IN_PLACE)},
    # mistakes that later questions build on: each costs points once
    "enrico_fermi": {"answers": answers(B, q2=TABLE_ARGUMENTS_SWAPPED, q5=SOFTMAX_COLUMNS)},
    "max_born": {"answers": answers(A, q3=GRADIENTS_SIGN_FLIPPED)},
    "ernest_rutherford": {"answers": answers(A, q1=BCE_ARGUMENTS_SWAPPED,
                                             q5=SOFTMAX_SUMMED_AND_SCALE_MAX_PLUS_MAX)},
    "alexander_fleming": {"answers": answers(A, q1=BCE_ARRAY_RESULT, q2=ENTROPY_NAN_AT_0)},
    "otto_hahn": {"answers": answers(B, q3=QUADRATIC_SIGMA_NOT_PRIME,
                                          q5=NUMERICAL_GRADIENT_ALL_AT_ONCE)},
}
