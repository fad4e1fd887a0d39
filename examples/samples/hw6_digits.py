"""Sample submissions of Homework 6 (the capstone: a network for the digits).

Answer cells, in order: q1 the class (constructor, ``set_params``, forward pass), q2
``loss`` and ``gradients``, q3 ``sgd_step`` and ``fit``, q4 the training run, q5
``grid_search`` and ``plot_grid``, q6 ``hyperparameter_study``, q7 the written answer
(Markdown). The correct style ``A`` differs from the solution throughout; the others swap
in a classic mistake, a slow implementation or a failing import. Expected scores:
``tests/fixtures/hw6_digits_samples.json``.
"""

from __future__ import annotations

from build_samples import swap

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7")

A = {
    "q1": '''
class NeuralNetwork:
    """Sigmoid hidden layers and a softmax output; layer l maps n_{l-1} inputs to n_l units."""

    def __init__(self, sizes, lr=0.2, lam=0.0, epochs=30, batch_size=16, rng=None):
        self.sizes = sizes
        self.lr = lr
        self.lam = lam
        self.epochs = epochs
        self.batch_size = batch_size
        self.rng = rng if rng is not None else np.random.default_rng()
        self.weights, self.biases = [], []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            # N(0, 1/n_in): z starts with unit variance whatever the fan-in
            self.weights.append(self.rng.standard_normal((n_in, n_out)) / np.sqrt(n_in))
            self.biases.append(np.zeros(n_out))

    def set_params(self, weights, biases):
        self.weights = [np.asarray(W, dtype=float).copy() for W in weights]
        self.biases = [np.asarray(b, dtype=float).copy() for b in biases]

    def feedforward(self, X):
        a = np.asarray(X, dtype=float)
        zs, activations = [], [a]
        n_layers = len(self.weights)
        for i in range(n_layers):
            z = np.dot(a, self.weights[i]) + self.biases[i]
            a = sigmoid(z) if i < n_layers - 1 else softmax(z)
            zs.append(z)
            activations.append(a)
        return zs, activations

    def predict_proba(self, X):
        _, activations = self.feedforward(X)
        return activations[-1]

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)
''',
    "q2": '''
def loss(self, X, Y):
    """Cross-entropy from z^L by log-sum-exp, plus the L2 penalty on the weights."""
    zs, _ = self.feedforward(X)
    z = zs[-1]
    m = z.max(axis=1, keepdims=True)
    log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    data_term = -(Y * log_p).sum(axis=1).mean()
    l2_term = self.lam / 2 * sum((W ** 2).sum() for W in self.weights)
    return float(data_term + l2_term)


def gradients(self, X, Y):
    """Backpropagation: BP1 at the output, then BP2 backwards, with BP3 and BP4 per layer."""
    zs, activations = self.feedforward(X)
    n = X.shape[0]
    dWs = [np.zeros_like(W) for W in self.weights]
    dbs = [np.zeros_like(b) for b in self.biases]
    delta = (activations[-1] - Y) / n  # BP1, softmax with cross-entropy
    for l in reversed(range(len(self.weights))):
        dWs[l] = activations[l].T @ delta + self.lam * self.weights[l]  # BP4
        dbs[l] = delta.sum(axis=0)  # BP3
        if l > 0:
            s = sigmoid(zs[l - 1])
            delta = (delta @ self.weights[l].T) * s * (1 - s)  # BP2
    return dWs, dbs


NeuralNetwork.loss = loss
NeuralNetwork.gradients = gradients
''',
    "q3": '''
def sgd_step(self, X, Y):
    dWs, dbs = self.gradients(X, Y)
    self.weights = [W - self.lr * dW for W, dW in zip(self.weights, dWs)]
    self.biases = [b - self.lr * db for b, db in zip(self.biases, dbs)]


def fit(self, X, Y):
    n = len(X)
    n_batches = int(np.ceil(n / self.batch_size))
    costs = []
    for epoch in range(self.epochs):
        order = self.rng.permutation(n)
        for k in range(n_batches):
            idx = order[k * self.batch_size:(k + 1) * self.batch_size]
            self.sgd_step(X[idx], Y[idx])
        costs.append(self.loss(X, Y))
    return costs


NeuralNetwork.sgd_step = sgd_step
NeuralNetwork.fit = fit
''',
    "q4": '''
EPOCHS = 10
net = NeuralNetwork([64, 40, 10], lr=0.2, lam=1e-4, epochs=EPOCHS, batch_size=16,
                    rng=np.random.default_rng(0))
t0 = time.perf_counter()
history = net.fit(X_train, Y_train)
fit_seconds = time.perf_counter() - t0
val_accuracy = accuracy(y_val, net.predict(X_val))
print(f"fit: {fit_seconds:.2f} s, validation accuracy {val_accuracy:.3f}")
''',
    "q5": '''
import itertools


def grid_search(X_train, Y_train, X_val, y_val, sizes, lrs, lams, epochs, batch_size, seed=0):
    acc = np.empty((len(lrs), len(lams)))
    for (i, lr), (j, lam) in itertools.product(enumerate(lrs), enumerate(lams)):
        model = NeuralNetwork(sizes, lr=lr, lam=lam, epochs=epochs, batch_size=batch_size,
                              rng=np.random.default_rng(seed))
        model.fit(X_train, Y_train)
        acc[i, j] = np.mean(model.predict(X_val) == y_val)
    return acc


def plot_grid(acc, lrs, lams):
    fig, ax = plt.subplots(figsize=(5, 4))
    mesh = ax.pcolormesh(np.arange(len(lams)), np.arange(len(lrs)), acc, cmap="magma",
                         shading="nearest")
    ax.set_xticks(range(len(lams)), labels=[f"{v:.0e}" for v in lams])
    ax.set_yticks(range(len(lrs)), labels=[f"{v:g}" for v in lrs])
    ax.set(xlabel="lambda", ylabel="learning rate", title="validation accuracy")
    fig.colorbar(mesh, ax=ax)
    return fig
''',
    "q6": '''
def hyperparameter_study(X_train, Y_train, X_val, y_val, sizes, lr, epochs, batch_sizes, lams,
                         seed=0):
    def train(batch_size, lam):
        model = NeuralNetwork(sizes, lr=lr, lam=lam, epochs=epochs, batch_size=batch_size,
                              rng=np.random.default_rng(seed))
        costs = model.fit(X_train, Y_train)
        return model, costs

    batch = {"values": [], "updates": [], "final_loss": [], "val_accuracy": []}
    for b in batch_sizes:
        model, costs = train(b, lams[0])
        batch["values"].append(b)
        batch["updates"].append(epochs * -(-len(X_train) // b))  # ceil(n / b) per epoch
        batch["final_loss"].append(costs[-1])
        batch["val_accuracy"].append(accuracy(y_val, model.predict(X_val)))
    decay = {"values": [], "weight_norm": [], "val_accuracy": []}
    for lam in lams:
        model, _ = train(batch_sizes[0], lam)
        decay["values"].append(lam)
        decay["weight_norm"].append(float(np.sqrt(sum(np.sum(W ** 2) for W in model.weights))))
        decay["val_accuracy"].append(accuracy(y_val, model.predict(X_val)))
    return {"batch_size": batch, "lam": decay}
''',
    "q7": '''
The heatmap is bright for learning rates 0.1 and 1 with small lambda (best 0.967 at
eta = 1, lambda = 1e-4). eta = 0.01 is too timid: after 30 epochs the network is still
far from trained (0.80). eta = 10 overshoots and saturates the sigmoids, down to chance.
A big lambda pulls every weight towards zero at each step, so the network underfits.

Bigger batches mean fewer updates per epoch (2550 steps for 16 against 180 for 256) that
are each less noisy and cheaper per example, but in 30 epochs the 256 batch did not get
far enough (0.83). L2 made the weights much smaller (24 to 0.4) but did not help accuracy
here; the network does not overfit much with 40 units. I would try 100 hidden units with
early stopping.
''',
}

# weights initialised to zero: the hidden units stay identical, the network cannot learn
ZERO_INIT = swap(A["q1"], (
    "            # N(0, 1/n_in): z starts with unit variance whatever the fan-in\n"
    "            self.weights.append(self.rng.standard_normal((n_in, n_out)) / np.sqrt(n_in))",
    "            # start from zero so that every run is reproducible\n"
    "            self.weights.append(np.zeros((n_in, n_out)))"))

# backpropagation one sample at a time, with a Python loop over the units
SLOW = swap(A["q2"], (
    '''    zs, activations = self.feedforward(X)
    n = X.shape[0]
    dWs = [np.zeros_like(W) for W in self.weights]
    dbs = [np.zeros_like(b) for b in self.biases]
    delta = (activations[-1] - Y) / n  # BP1, softmax with cross-entropy
    for l in reversed(range(len(self.weights))):
        dWs[l] = activations[l].T @ delta + self.lam * self.weights[l]  # BP4
        dbs[l] = delta.sum(axis=0)  # BP3
        if l > 0:
            s = sigmoid(zs[l - 1])
            delta = (delta @ self.weights[l].T) * s * (1 - s)  # BP2
    return dWs, dbs''',
    '''    n = X.shape[0]
    dWs = [self.lam * W for W in self.weights]
    dbs = [np.zeros_like(b) for b in self.biases]
    for x, y in zip(X, Y):  # one sample at a time, as in the lecture's derivation
        zs, activations = self.feedforward(x[None, :])
        delta = (activations[-1][0] - y) / n  # BP1
        for l in reversed(range(len(self.weights))):
            a_prev = activations[l][0]
            for j in range(len(delta)):  # BP4, one output unit at a time
                dWs[l][:, j] += a_prev * delta[j]
            dbs[l] += delta  # BP3
            if l > 0:  # BP2, one hidden unit at a time
                a = activations[l][0]
                delta = np.array([np.dot(self.weights[l][i], delta) * a[i] * (1 - a[i])
                                  for i in range(len(a))])
    return dWs, dbs'''))

# the error at the output taken as y - a: every step climbs the cost
WRONG_SIGN = swap(A["q2"], ("delta = (activations[-1] - Y) / n  # BP1, softmax with cross-entropy",
                            "delta = (Y - activations[-1]) / n  # BP1: the error y - a"))

# Nielsen's convention lam / 2n for the penalty, instead of the course's lam / 2
L2_OVER_N = swap(A["q2"], (
    "l2_term = self.lam / 2 * sum((W ** 2).sum() for W in self.weights)",
    "l2_term = self.lam / (2 * len(X)) * sum((W ** 2).sum() for W in self.weights)"), (
    "dWs[l] = activations[l].T @ delta + self.lam * self.weights[l]  # BP4",
    "dWs[l] = activations[l].T @ delta + self.lam / n * self.weights[l]  # BP4"))

# the heatmap drawn transposed (lambdas as rows), and no colorbar
PLOT_TRANSPOSED = swap(A["q5"], (
    '''    mesh = ax.pcolormesh(np.arange(len(lams)), np.arange(len(lrs)), acc, cmap="magma",
                         shading="nearest")
    ax.set_xticks(range(len(lams)), labels=[f"{v:.0e}" for v in lams])
    ax.set_yticks(range(len(lrs)), labels=[f"{v:g}" for v in lrs])
    ax.set(xlabel="lambda", ylabel="learning rate", title="validation accuracy")
    fig.colorbar(mesh, ax=ax)''',
    '''    ax.imshow(np.asarray(acc).T, cmap="magma")
    ax.set_xticks(range(len(lrs)), labels=[f"{v:g}" for v in lrs])
    ax.set_yticks(range(len(lams)), labels=[f"{v:.0e}" for v in lams])
    ax.set(xlabel="learning rate", ylabel="lambda", title="validation accuracy")'''))

# the grid scored on the training set
GRID_ON_TRAINING = swap(A["q5"], ("acc[i, j] = np.mean(model.predict(X_val) == y_val)",
                                  "acc[i, j] = np.mean(model.predict(X_train) == "
                                  "Y_train.argmax(axis=1))"))

# a package the grader does not have: the cell stops at its first line
SEABORN = "import seaborn as sns\n\n" + swap(A["q5"], (
    '''    mesh = ax.pcolormesh(np.arange(len(lams)), np.arange(len(lrs)), acc, cmap="magma",
                         shading="nearest")
    ax.set_xticks(range(len(lams)), labels=[f"{v:.0e}" for v in lams])
    ax.set_yticks(range(len(lrs)), labels=[f"{v:g}" for v in lrs])
    ax.set(xlabel="lambda", ylabel="learning rate", title="validation accuracy")
    fig.colorbar(mesh, ax=ax)''',
    '''    sns.heatmap(acc, annot=True, xticklabels=lams, yticklabels=lrs, ax=ax)
    ax.set(xlabel="lambda", ylabel="learning rate")'''))

# the last partial batch forgotten in the count, and the squared norm reported
STUDY_MISTAKES = swap(A["q6"], (
    "batch[\"updates\"].append(epochs * -(-len(X_train) // b))  # ceil(n / b) per epoch",
    "batch[\"updates\"].append(epochs * (len(X_train) // b))"), (
    "decay[\"weight_norm\"].append(float(np.sqrt(sum(np.sum(W ** 2) for W in model.weights))))",
    "decay[\"weight_norm\"].append(float(sum(np.sum(W ** 2) for W in model.weights)))"))

# the rows of X and Y shuffled with two different permutations
MISALIGNED_SHUFFLE = swap(A["q3"], (
    """            idx = order[k * self.batch_size:(k + 1) * self.batch_size]
            self.sgd_step(X[idx], Y[idx])""",
    """            idx = order[k * self.batch_size:(k + 1) * self.batch_size]
            self.sgd_step(X[idx], Y[labels[k * self.batch_size:(k + 1) * self.batch_size]])"""), (
    "        order = self.rng.permutation(n)\n",
    "        order = self.rng.permutation(n)\n        labels = self.rng.permutation(n)\n"))

# the penalty's gradient 2 lam W, the gradient of lam * sum W^2
L2_DOUBLE = swap(A["q2"], (
    "dWs[l] = activations[l].T @ delta + self.lam * self.weights[l]  # BP4",
    "dWs[l] = activations[l].T @ delta + 2 * self.lam * self.weights[l]  # BP4"))

# weight decay applied to the biases too
L2_ON_BIASES = swap(A["q2"], ("dbs[l] = delta.sum(axis=0)  # BP3",
                              "dbs[l] = delta.sum(axis=0) + self.lam * self.biases[l]  # BP3"))

# sgd_step returns the new parameters (the text asks for nothing)
SGD_RETURNS = swap(A["q3"], (
    "    self.biases = [b - self.lr * db for b, db in zip(self.biases, dbs)]\n",
    "    self.biases = [b - self.lr * db for b, db in zip(self.biases, dbs)]\n"
    "    return self.weights, self.biases\n"))

# plot_grid draws the heatmap but does not return the figure
PLOT_NO_RETURN = swap(A["q5"], ("    fig.colorbar(mesh, ax=ax)\n    return fig\n",
                                "    fig.colorbar(mesh, ax=ax)\n    plt.show()\n"))

# the heatmap's ticks left at the row and column numbers
PLOT_NO_TICK_LABELS = swap(A["q5"], (
    """    ax.set_xticks(range(len(lams)), labels=[f"{v:.0e}" for v in lams])
    ax.set_yticks(range(len(lrs)), labels=[f"{v:g}" for v in lrs])
""", ""))

# correct: the figure closed once drawn (nothing left open), then returned
PLOT_CLOSED = swap(A["q5"], ("    fig.colorbar(mesh, ax=ax)\n    return fig\n",
                             "    fig.colorbar(mesh, ax=ax)\n    plt.close(fig)\n    return fig\n"))

# the learning rate stored under another name than the text's lr
LR_ATTRIBUTE = swap(A["q1"], ("        self.lr = lr\n", "        self.learning_rate = lr\n"))
LR_ATTRIBUTE_Q3 = swap(A["q3"], ("self.lr * dW", "self.learning_rate * dW"),
                       ("self.lr * db", "self.learning_rate * db"))


# fit shuffles with NumPy's global generator, not the network's rng
GLOBAL_SHUFFLE = swap(A["q3"], ("        order = self.rng.permutation(n)\n",
                                "        order = np.random.permutation(n)\n"))

# the reported accuracy measured on the training set
VAL_ON_TRAINING = swap(A["q4"], ("val_accuracy = accuracy(y_val, net.predict(X_val))",
                                 "val_accuracy = accuracy(y_train, net.predict(X_train))"))


def answers(**changes: str) -> list[str]:
    """The seven answer cells of style A, with some replaced."""
    return [changes.get(q, A[q]) for q in QUESTIONS]


SAMPLES: dict[str, dict] = {
    # fully correct, written differently from the solution
    "frank_rosenblatt": {"answers": answers()},
    # the student notebook submitted unchanged
    "walter_pitts": {},
    # never converges: zero initial weights keep the hidden units identical
    "warren_mcculloch": {"answers": answers(q1=ZERO_INIT)},
    # correct but far too slow: fit runs out of time in the end-to-end test
    "donald_hebb": {"answers": answers(q2=SLOW)},
    # the gradient's sign is wrong: training climbs the cost
    "oliver_selfridge": {"answers": answers(q2=WRONG_SIGN)},
    # a cell that raises: seaborn is not installed, so q5's functions are never defined;
    # the reported validation accuracy measured on the training set
    "john_von_neumann": {"answers": answers(q4=VAL_ON_TRAINING, q5=SEABORN)},
    # Nielsen's penalty convention, and a transposed heatmap without a colorbar
    "david_rumelhart": {"answers": answers(q2=L2_OVER_N, q5=PLOT_TRANSPOSED)},
    # the grid scored on the training set, and two slips in the study
    "herbert_simon": {"answers": answers(q5=GRID_ON_TRAINING, q6=STUDY_MISTAKES)},
    # labels misaligned with their inputs: the network cannot learn the digits
    "geoffrey_hinton": {"answers": answers(q3=MISALIGNED_SHUFFLE)},
    # 2 lam W in the gradient, and sgd_step returning the parameters
    "yann_lecun": {"answers": answers(q2=L2_DOUBLE, q3=SGD_RETURNS)},
    # weight decay on the biases, and plot_grid returning nothing
    "yoshua_bengio": {"answers": answers(q2=L2_ON_BIASES, q5=PLOT_NO_RETURN)},
    # the learning rate stored as learning_rate, not lr, and the heatmap's ticks left at the row and column numbers
    "fei_fei_li": {"answers": answers(q1=LR_ATTRIBUTE, q3=LR_ATTRIBUTE_Q3,
                                      q5=PLOT_NO_TICK_LABELS)},
    # fit shuffles with np.random: charged in q3 only, the later runs checked for their form
    "david_marr": {"answers": answers(q3=GLOBAL_SHUFFLE)},
    # correct: plot_grid closes its figure before returning it
    "marvin_minsky": {"answers": answers(q5=PLOT_CLOSED)},
}
