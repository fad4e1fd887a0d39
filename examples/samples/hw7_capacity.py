"""Sample submissions of Homework 7 (capacity: the perceptron, counting weights, universal
approximation, choosing M, scikit-learn).

Answer cells, in order: q1 ``heaviside``, ``train_perceptron``, ``mistake_bound`` and the
XOR run, q2 the written answer on XOR (Markdown), q3 ``count_parameters`` and
``largest_hidden_layer``, q4 the tanh network (``init_network`` to ``training_errors``),
q5 ``best_hidden_units``, ``select_hidden_units`` and ``plot_selection``, q6
``sklearn_regressor``, q7 the written comparison (Markdown). The correct style ``A``
differs from the solution throughout; the others swap in one classic mistake each, or a
failing import. Expected scores: ``tests/fixtures/hw7_capacity_samples.json``.
"""

from __future__ import annotations

from build_samples import swap

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")

A = {
    "q1": '''
def heaviside(z):
    z = np.asarray(z, dtype=float)
    return (z >= 0).astype(float)


def train_perceptron(X, y, w0, b0, eta=1.0, max_epochs=100):
    w = np.copy(w0).astype(float)
    b = float(b0)
    mistakes = []
    for _ in range(max_epochs):
        n_wrong = 0
        for i in range(len(X)):
            y_hat = heaviside(np.dot(w, X[i]) + b)
            if y_hat != y[i]:
                w += eta * (y[i] - y_hat) * X[i]
                b += eta * (y[i] - y_hat)
                n_wrong += 1
        mistakes.append(n_wrong)
        if n_wrong == 0:
            break
    return w, b, mistakes


def mistake_bound(X, y, w_star, b_star):
    X_aug = np.hstack([X, np.ones((len(X), 1))])  # the bias is the weight of a constant 1
    v = np.append(w_star, b_star)
    signs = np.where(y == 1, 1.0, -1.0)
    gamma = np.min(signs * (X_aug @ v)) / np.linalg.norm(v)
    R = np.max(np.linalg.norm(X_aug, axis=1))
    return (R / gamma) ** 2


w_xor, b_xor, xor_mistakes = train_perceptron(X_xor, y_xor, np.zeros(2), 0.0, eta=1.0,
                                              max_epochs=XOR_EPOCHS)
print("mistakes per epoch on XOR:", xor_mistakes)
''',
    "q2": '''
Suppose (w1, w2, b) classified XOR correctly. The point (0, 0) needs H(b) = 0, so b < 0.
(0, 1) and (1, 0) need w2 + b >= 0 and w1 + b >= 0. (1, 1) needs w1 + w2 + b < 0. Adding
the two middle ones: w1 + w2 + 2b >= 0, so w1 + w2 + b >= -b > 0, a contradiction. So
there is no separating line.

That is why xor_mistakes never reaches 0: every epoch has 3 or 4 mistakes and the
weights go round in a cycle. The convergence theorem needs a separating (w*, b*) with a
margin gamma > 0; for XOR there is none, so the bound (R / gamma)^2 does not exist.

With a hidden layer it works: h1 = H(x1 + x2 - 0.5) is OR, h2 = H(-x1 - x2 + 1.5) is
NAND and the output H(h1 + h2 - 1.5) is AND of the two, which is XOR. The universal
approximation theorem says a single hidden layer with enough units can approximate any
continuous function on a bounded interval, but not how many units are needed.
''',
    "q3": '''
def count_parameters(sizes):
    total = 0
    for l in range(1, len(sizes)):
        total += sizes[l - 1] * sizes[l] + sizes[l]  # the weights, then one bias per unit
    return total


def largest_hidden_layer(D, K, budget):
    M = 0
    while count_parameters([D, M + 1, K]) <= budget:
        M += 1
    return M
''',
    "q4": '''
def init_network(M, rng):
    W1 = 2.0 * rng.standard_normal((1, M))
    b1 = rng.standard_normal(M)
    W2 = rng.standard_normal((M, 1)) / np.sqrt(M)
    b2 = np.zeros(1)
    return [W1, b1, W2, b2]


def predict_network(params, X):
    W1, b1, W2, b2 = params
    hidden = np.tanh(np.dot(X, W1) + b1)
    return np.dot(hidden, W2) + b2


def network_gradients(params, X, Y, lam):
    W1, b1, W2, b2 = params
    n = X.shape[0]
    Z1 = X @ W1 + b1
    H = np.tanh(Z1)
    r = H @ W2 + b2 - Y
    cost = 0.5 * np.mean(r ** 2) + 0.5 * lam * (np.sum(W1 * W1) + np.sum(W2 * W2))
    d_out = r / n
    dW2 = H.T @ d_out + lam * W2
    db2 = np.sum(d_out, axis=0)
    dZ1 = d_out @ W2.T / np.cosh(Z1) ** 2  # tanh'(z) = 1 / cosh(z)^2
    dW1 = X.T @ dZ1 + lam * W1
    db1 = np.sum(dZ1, axis=0)
    return float(cost), [dW1, db1, dW2, db2]


def train_network(X, Y, M, lr, epochs, lam, seed):
    params = init_network(M, np.random.default_rng(seed))
    adam = Adam(lr)
    for epoch in range(epochs):
        _, grads = network_gradients(params, X, Y, lam)
        adam.step(params, grads)
    return params


def training_errors(X, Y, Ms, lr, epochs, lam, seed):
    return [mean_squared_error(predict_network(train_network(X, Y, M, lr, epochs, lam, seed),
                                               X), Y) for M in Ms]
''',
    "q5": '''
def best_hidden_units(Ms, table):
    best_per_M = np.asarray(table).min(axis=1)
    return Ms[np.argmin(best_per_M)]


def select_hidden_units(X_train, Y_train, X_val, Y_val, Ms, R, lr, epochs, lam, seed):
    table = np.empty((len(Ms), R))
    start = seed
    for i, M in enumerate(Ms):
        for r in range(R):
            params = train_network(X_train, Y_train, M, lr, epochs, lam, start)
            table[i, r] = mean_squared_error(predict_network(params, X_val), Y_val)
            start += 1  # seed + i * R + r: a new start for every network
    return table, best_hidden_units(Ms, table)


def plot_selection(Ms, table):
    table = np.asarray(table)
    fig, ax = plt.subplots()
    for r in range(table.shape[1]):
        ax.plot(Ms, table[:, r], "x", color="gray")
    ax.plot(Ms, np.min(table, axis=1), "o-", color="C3", label="best of the starts")
    ax.set_yscale("log")
    ax.set(xlabel="M", ylabel="validation MSE")
    ax.legend()
    return fig
''',
    "q6": '''
from sklearn.neural_network import MLPRegressor

MAX_ITER = 1000


def sklearn_regressor(M, lam, n_samples, seed):
    alpha = lam * n_samples  # scikit-learn divides its penalty by the number of samples
    return MLPRegressor(hidden_layer_sizes=[M], activation="tanh", solver="lbfgs",
                        alpha=alpha, max_iter=MAX_ITER, random_state=seed)
''',
    "q7": '''
The validation picked M = 2 (best start 0.080), then M = 4 (0.123), and M = 8 and 16 are
worse still (about 0.19); M = 1 is 0.157. On the training split the error keeps going
down with M, below the noise level, so the training error would always pick a big
network: it rewards fitting the noise. The starts of M = 4 spread from 0.12 to 0.20, so
with one start the comparison is partly luck; 30 starts would make it much more reliable.

The NumPy network had test error 0.044 and MLPRegressor 0.058, both in about 0.1 s, and
the curves are close except on the far left where there is only one training point.
L-BFGS runs to a real minimum of the cost, Adam takes 300 steps. alpha has to be
n * lambda (12 * 1e-4 here) because scikit-learn divides the penalty by n. The weights
are different anyway: other initialisation, other optimiser, many equivalent minima.
''',
}

# the perceptron's rule in its +-1 form applied to every sample, right or wrong
ALWAYS_UPDATES = swap(A["q1"], (
    '''            y_hat = heaviside(np.dot(w, X[i]) + b)
            if y_hat != y[i]:
                w += eta * (y[i] - y_hat) * X[i]
                b += eta * (y[i] - y_hat)
                n_wrong += 1''',
    '''            t = 1.0 if y[i] == 1 else -1.0
            if heaviside(np.dot(w, X[i]) + b) != y[i]:
                n_wrong += 1
            w += eta * t * X[i]  # push w towards the label
            b += eta * t'''))

# the bias is left where it started
BIAS_FIXED = swap(A["q1"], ("                b += eta * (y[i] - y_hat)\n", ""))

# only the weight matrices are counted
NO_BIASES = swap(A["q3"], (
    "        total += sizes[l - 1] * sizes[l] + sizes[l]  # the weights, then one bias per unit",
    "        total += sizes[l - 1] * sizes[l]  # the weight matrix of layer l"))

# the table measured on the training split
ON_TRAINING = swap(A["q5"], (
    "table[i, r] = mean_squared_error(predict_network(params, X_val), Y_val)",
    "table[i, r] = mean_squared_error(predict_network(params, X_train), Y_train)"))

# the same R seeds for every M
SAME_SEEDS = swap(A["q5"], (
    '''    start = seed
    for i, M in enumerate(Ms):
        for r in range(R):
            params = train_network(X_train, Y_train, M, lr, epochs, lam, start)
            table[i, r] = mean_squared_error(predict_network(params, X_val), Y_val)
            start += 1  # seed + i * R + r: a new start for every network''',
    '''    for i, M in enumerate(Ms):
        for r in range(R):
            params = train_network(X_train, Y_train, M, lr, epochs, lam, seed + r)
            table[i, r] = mean_squared_error(predict_network(params, X_val), Y_val)'''))

# scikit-learn's alpha taken as the course's lambda
ALPHA_IS_LAMBDA = swap(A["q6"], (
    "    alpha = lam * n_samples  # scikit-learn divides its penalty by the number of samples",
    "    alpha = lam  # the L2 strength"))

# a plotting package the grader does not have: the cell stops at its first line
SEABORN = "import seaborn as sns\n\n" + swap(A["q5"], (
    "    fig, ax = plt.subplots()", "    sns.set_style(\"whitegrid\")\n    fig, ax = plt.subplots()"))


def answers(**changes: str) -> list[str]:
    """The seven answer cells of style A, with some replaced."""
    return [changes.get(q, A[q]) for q in QUESTIONS]


# each start's errors drawn as a line across the Ms, not as markers
STARTS_AS_LINES = swap(A["q5"], ('ax.plot(Ms, table[:, r], "x", color="gray")',
                                 'ax.plot(Ms, table[:, r], color="gray")'))


# the perceptron's mistake counter set to 0 once, before the epochs
RUNNING_TOTAL = swap(A["q1"], ("""    mistakes = []
    for _ in range(max_epochs):
        n_wrong = 0
""", """    mistakes = []
    n_wrong = 0
    for _ in range(max_epochs):
"""))

# b1 drawn before W1
B1_FIRST = swap(A["q4"], ("""    W1 = 2.0 * rng.standard_normal((1, M))
    b1 = rng.standard_normal(M)
""", """    b1 = rng.standard_normal(M)
    W1 = 2.0 * rng.standard_normal((1, M))
"""))


SAMPLES: dict[str, dict] = {
    # fully correct, written differently from the solution
    "george_cybenko": {"answers": answers()},
    # the student notebook submitted unchanged
    "seymour_papert": {},
    # the perceptron updates on correctly classified samples too
    "marvin_minsky": {"answers": answers(q1=ALWAYS_UPDATES)},
    # the perceptron never updates its bias
    "bernard_widrow": {"answers": answers(q1=BIAS_FIXED)},
    # weights counted without the biases, and each start drawn as a line
    "kurt_hornik": {"answers": answers(q3=NO_BIASES, q5=STARTS_AS_LINES)},
    # M chosen on the training error
    "marcian_hoff": {"answers": answers(q5=ON_TRAINING)},
    # one set of random starts reused for every M
    "halbert_white": {"answers": answers(q5=SAME_SEEDS)},
    # scikit-learn's alpha set to lambda
    "paul_werbos": {"answers": answers(q6=ALPHA_IS_LAMBDA)},
    # a cell that raises: seaborn is not installed, so q5's functions are never defined
    "teuvo_kohonen": {"answers": answers(q5=SEABORN)},
    # a running total of the perceptron's mistakes, and b1 drawn before W1
    "norbert_wiener": {"answers": answers(q1=RUNNING_TOTAL, q4=B1_FIRST)},
}
