"""Sample submissions of Homework 2 (the four backpropagation equations).

Answer cells, in order: q1 quadratic output error, q2 softmax output error (direct and
by the chain rule), q3 layer gradients, q4 hidden error, q5 forward pass and backprop,
q6 tanh regression network, q7 gradient checking, q8 finding a planted bug, q9 input
Jacobian and Hessian, q10 constant initialisation, q11 comments on NNDL (Markdown,
graded by hand). ``A`` is a correct answer written differently from the solution
(einsum, NNDL-style negative indices, a finite-difference Jacobian); the partly wrong
samples swap in classic mistakes. Expected scores: ``tests/fixtures/hw2_backprop_samples.json``.
"""

from __future__ import annotations

from build_samples import swap

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11")


A = {
    "q1": '''
def output_delta_quadratic(ZL, Y):
    A = sigmoid(ZL)
    dC_dA = (A - Y) / len(ZL)  # derivative of the mean quadratic cost
    return dC_dA * A * (1 - A)  # sigma'(z) = a (1 - a) with a = sigma(z)
''',
    "q2": '''
def output_delta_softmax(ZL, Y):
    n = ZL.shape[0]
    return (softmax(ZL) - Y) / n


def output_delta_softmax_chain(ZL, Y):
    n, K = ZL.shape
    P = softmax(ZL)
    # all the Jacobians at once: J[i] = diag(p_i) - p_i p_i^T, shape (n, K, K)
    J = P[:, :, None] * np.eye(K) - P[:, :, None] * P[:, None, :]
    dC_dP = -Y / (n * P)
    return np.einsum("ikj,ik->ij", J, dC_dP)


Zt = np.random.default_rng(0).normal(size=(4, 3))
Yt = one_hot(np.array([0, 2, 1, 1]), 3)
print(np.abs(output_delta_softmax_chain(Zt, Yt) - output_delta_softmax(Zt, Yt)).max())
''',
    "q3": '''
def layer_gradients(A_prev, delta):
    dW = np.einsum("ni,nj->ij", A_prev, delta)  # sum over the samples n
    db = np.sum(delta, axis=0)
    return dW, db
''',
    "q4": '''
def hidden_delta(delta_next, W_next, Z, activation):
    f, f_prime = ACTIVATIONS[activation]
    back = delta_next @ W_next.T  # (n, n_next) @ (n_next, n_l)
    return back * f_prime(Z)
''',
    "q5": '''
def forward_pass(weights, biases, X, activation):
    f = ACTIVATIONS[activation][0]
    a = X
    zs, activations = [], [X]
    for W, b in zip(weights[:-1], biases[:-1]):
        z = a @ W + b
        a = f(z)
        zs.append(z)
        activations.append(a)
    z = a @ weights[-1] + biases[-1]
    zs.append(z)
    activations.append(softmax(z))
    return zs, activations


def backprop(weights, biases, X, Y, activation="sigmoid"):
    # as in NNDL, with negative indices: layer -1 is the output layer
    f_prime = ACTIVATIONS[activation][1]
    zs, activations = forward_pass(weights, biases, X, activation)
    nabla_w = [np.zeros_like(W) for W in weights]
    nabla_b = [np.zeros_like(b) for b in biases]
    delta = (activations[-1] - Y) / X.shape[0]
    nabla_w[-1] = activations[-2].T @ delta
    nabla_b[-1] = delta.sum(axis=0)
    for l in range(2, len(weights) + 1):
        delta = (delta @ weights[-l + 1].T) * f_prime(zs[-l])
        nabla_w[-l] = activations[-l - 1].T @ delta
        nabla_b[-l] = delta.sum(axis=0)
    return nabla_w, nabla_b
''',
    "q6": '''
def tanh_regression(W1, b1, W2, b2, X, Y):
    n = len(X)
    Z1 = X @ W1 + b1
    H = np.tanh(Z1)
    E = H @ W2 + b2 - Y  # residuals, (n, K)
    C = np.sum(E * E) / (2 * n)
    d2 = E / n
    d1 = (d2 @ W2.T) * (1 - H * H)
    return float(C), X.T @ d1, d1.sum(0), H.T @ d2, d2.sum(0)
''',
    "q7": '''
def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denom = np.max(np.abs(a) + np.abs(b))
    if denom == 0:
        return 0.0
    return np.max(np.abs(a - b)) / denom


def cost(weights, biases, X, Y, activation):
    zs, _ = forward_pass(weights, biases, X, activation)
    Z = zs[-1]
    m = Z.max(axis=1, keepdims=True)  # log-softmax by log-sum-exp
    log_p = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return -np.mean(np.sum(Y * log_p, axis=1))


def numerical_gradient_of_cost(weights, biases, X, Y, activation, h=1e-5):
    L = len(weights)
    params = list(weights) + list(biases)
    grads = []
    for k in range(len(params)):
        g = np.zeros(params[k].size)
        for j in range(params[k].size):
            plus = [p.copy() for p in params]
            minus = [p.copy() for p in params]
            plus[k].reshape(-1)[j] += h
            minus[k].reshape(-1)[j] -= h
            g[j] = (cost(plus[:L], plus[L:], X, Y, activation)
                    - cost(minus[:L], minus[L:], X, Y, activation)) / (2 * h)
        grads.append(g.reshape(params[k].shape))
    return grads[:L], grads[L:]
''',
    "q8": '''
def wrong_layers(weights, biases, X, Y, activation, dWs, dbs):
    num_W, num_b = numerical_gradient_of_cost(weights, biases, X, Y, activation)
    wrong = []
    for l, (dW, db, nW, nb) in enumerate(zip(dWs, dbs, num_W, num_b), start=1):
        if max(relative_error(dW, nW), relative_error(db, nb)) > 1e-5:
            wrong.append(l)
    return wrong


print(wrong_layers(bug_weights, bug_biases, bug_X, bug_Y, "sigmoid",
                   *buggy_backprop(bug_weights, bug_biases, bug_X, bug_Y)))
# layers 1 and 2 fail; layer 1 only inherits the wrong delta^2 through BP2
BUGGY_LAYER = 2
''',
    "q9": '''
def input_jacobian(weights, biases, x, activation, h=1e-5):
    # central differences, one input feature at a time
    def probs(v):
        return forward_pass(weights, biases, v[None, :], activation)[1][-1][0]

    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        columns.append((probs(x + e) - probs(x - e)) / (2 * h))
    return np.stack(columns, axis=1)


def cost_hessian(weights, biases, X, Y, activation, h=1e-4):
    theta = flatten_params(weights, biases)

    def g(t):
        return flatten_params(*backprop(*unflatten_params(t, weights, biases), X, Y, activation))

    I = np.eye(theta.size)
    H = np.column_stack([(g(theta + h * I[j]) - g(theta - h * I[j])) / (2 * h)
                         for j in range(theta.size)])
    return (H + H.T) / 2
''',
    "q10": '''
def hidden_unit_spread(weights):
    spreads = []
    for W in weights[:-1]:
        spreads.append(float(np.abs(W - W[:, [0]]).max()))
    return spreads


def train_constant_init(X, Y, layer_sizes, activation, c, lr, steps):
    weights = [c * np.ones((n_in, n_out)) for n_in, n_out in zip(layer_sizes, layer_sizes[1:])]
    biases = [np.zeros(n_out) for n_out in layer_sizes[1:]]
    for step in range(steps):
        dWs, dbs = backprop(weights, biases, X, Y, activation)
        for W, dW in zip(weights, dWs):
            W -= lr * dW
        for b, db in zip(biases, dbs):
            b -= lr * db
    return weights, biases


rng = np.random.default_rng(0)
X, Y = rng.normal(size=(20, 3)), one_hot(rng.integers(0, 2, size=20), 2)
w_const, _ = train_constant_init(X, Y, [3, 5, 2], "sigmoid", 0.0, 1.0, 200)
print(hidden_unit_spread(w_const), hidden_unit_spread(random_network([3, 5, 2], rng)[0]))
''',
    "q11": '''
Line 1 is BP1 for one sample: `cost_derivative` gives a - y, shape (n_L, 1), and
`sigmoid_prime(zs[-1])` is sigma'(z^L), also (n_L, 1); `*` is the Hadamard product, so
delta^L has shape (n_L, 1).

Line 2 is BP3: the bias gradient of the output layer is delta itself, (n_L, 1), because
there is only one sample.

Line 3 is BP4: dC/dw_jk = a_k delta_j, an outer product. delta is (n_L, 1) and
activations[-2] is (n_{L-1}, 1), so the second one must be transposed to a row
(1, n_{L-1}); the product is (n_L, n_{L-1}), the shape of NNDL's weight matrix.

With rows as samples: `delta = (A[-1] - Y) / n * sigmoid_prime(Z[-1])` of shape (n, n_L),
`db = delta.sum(axis=0)` and `dW = A[-2].T @ delta`, of shape (n_{L-1}, n_L). Our W is the
transpose of NNDL's, so the transpose moves to the activations, and the matrix product
now sums over the batch. The 1/n of the mean is inside delta; NNDL divides by the
mini-batch size in its update step instead.
''',
}

# a third correct style: the solution's loops, backprop built from Questions 2 to 4,
# finite differences that perturb copies in place and restore each entry exactly
C = {
    "q1": '''
def output_delta_quadratic(ZL, Y):
    return (sigmoid(ZL) - Y) * sigmoid_prime(ZL) / ZL.shape[0]
''',
    "q2": '''
def output_delta_softmax(ZL, Y):
    return (softmax(ZL) - Y) / len(Y)


def output_delta_softmax_chain(ZL, Y):
    n = len(ZL)
    P = softmax(ZL)
    rows = []
    for p, y in zip(P, Y):
        J = np.diag(p) - np.outer(p, p)
        rows.append(J.T @ (-y / (n * p)))
    return np.array(rows)
''',
    "q3": '''
def layer_gradients(A_prev, delta):
    return np.dot(A_prev.T, delta), np.add.reduce(delta, axis=0)
''',
    "q4": '''
def hidden_delta(delta_next, W_next, Z, activation):
    return np.multiply(np.dot(delta_next, W_next.T), ACTIVATIONS[activation][1](Z))
''',
    "q5": '''
def forward_pass(weights, biases, X, activation):
    f = ACTIVATIONS[activation][0]
    zs, activations = [], [X]
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        zs.append(activations[-1] @ W + b)
        activations.append(softmax(zs[-1]) if l == len(weights) else f(zs[-1]))
    return zs, activations


def backprop(weights, biases, X, Y, activation="sigmoid"):
    zs, activations = forward_pass(weights, biases, X, activation)
    dWs, dbs = [], []
    delta = output_delta_softmax(zs[-1], Y)
    for l in range(len(weights), 0, -1):
        dW, db = layer_gradients(activations[l - 1], delta)
        dWs.insert(0, dW)
        dbs.insert(0, db)
        if l > 1:
            delta = hidden_delta(delta, weights[l - 1], zs[l - 2], activation)
    return dWs, dbs
''',
    "q6": '''
def tanh_regression(W1, b1, W2, b2, X, Y):
    n = X.shape[0]
    H = np.tanh(X @ W1 + b1)
    R = H @ W2 + b2 - Y
    d2 = R / n
    d1 = (d2 @ W2.T) * (1 - np.tanh(X @ W1 + b1) ** 2)
    return 0.5 * np.mean(np.sum(R ** 2, axis=1)), X.T @ d1, d1.sum(axis=0), H.T @ d2, d2.sum(axis=0)
''',
    "q7": '''
def relative_error(a, b):
    scale = np.max(np.abs(a) + np.abs(b)) if np.size(a) else 0.0
    return float(np.max(np.abs(np.subtract(a, b))) / scale) if scale > 0 else 0.0


def cost(weights, biases, X, Y, activation):
    P = forward_pass(weights, biases, X, activation)[1][-1]
    return -np.sum(Y * np.log(P)) / len(X)


def numerical_gradient_of_cost(weights, biases, X, Y, activation, h=1e-5):
    weights = [W.copy() for W in weights]
    biases = [b.copy() for b in biases]
    grads = []
    for p in weights + biases:
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            saved = p[i]
            p[i] = saved + h
            up = cost(weights, biases, X, Y, activation)
            p[i] = saved - h
            down = cost(weights, biases, X, Y, activation)
            p[i] = saved
            g[i] = (up - down) / (2 * h)
        grads.append(g)
    return grads[:len(weights)], grads[len(weights):]
''',
    "q8": '''
def wrong_layers(weights, biases, X, Y, activation, dWs, dbs):
    num_W, num_b = numerical_gradient_of_cost(weights, biases, X, Y, activation)
    return [l + 1 for l in range(len(weights))
            if max(relative_error(dWs[l], num_W[l]), relative_error(dbs[l], num_b[l])) > 1e-5]


print(wrong_layers(bug_weights, bug_biases, bug_X, bug_Y, "sigmoid",
                   *buggy_backprop(bug_weights, bug_biases, bug_X, bug_Y)))
BUGGY_LAYER = 2  # the highest layer that fails
''',
    "q9": '''
def input_jacobian(weights, biases, x, activation):
    zs, activations = forward_pass(weights, biases, x[None, :], activation)
    p = activations[-1][0]
    J = np.diag(p) - np.outer(p, p)
    for l in range(len(weights), 0, -1):
        J = J @ weights[l - 1].T
        if l > 1:
            J = J * ACTIVATIONS[activation][1](zs[l - 2][0])
    return J


def cost_hessian(weights, biases, X, Y, activation, h=1e-4):
    theta = flatten_params(weights, biases)
    H = np.zeros((theta.size, theta.size))
    for j in range(theta.size):
        e = np.zeros(theta.size)
        e[j] = h
        up = flatten_params(*backprop(*unflatten_params(theta + e, weights, biases), X, Y, activation))
        down = flatten_params(*backprop(*unflatten_params(theta - e, weights, biases), X, Y, activation))
        H[:, j] = (up - down) / (2 * h)
    return 0.5 * (H + H.T)
''',
    "q10": '''
def hidden_unit_spread(weights):
    return [float(np.abs(W - W[:, :1]).max()) for W in weights[:-1]]


def train_constant_init(X, Y, layer_sizes, activation, c, lr, steps):
    weights = [np.full((m, k), c, dtype=float) for m, k in zip(layer_sizes, layer_sizes[1:])]
    biases = [np.zeros(k) for k in layer_sizes[1:]]
    for _ in range(steps):
        dWs, dbs = backprop(weights, biases, X, Y, activation)
        weights = [W - lr * dW for W, dW in zip(weights, dWs)]
        biases = [b - lr * db for b, db in zip(biases, dbs)]
    return weights, biases
''',
    "q11": A["q11"],
}

# ---------------------------------------------------------------------------
# classic mistakes

# missing transpose in BP2: delta @ W instead of delta @ W.T
TRANSPOSE_Q4 = swap(A["q4"], ("delta_next @ W_next.T  # (n, n_next) @ (n_next, n_l)",
                              "delta_next @ W_next  # (n, n_next) @ (n_next, n_l)"))
TRANSPOSE_Q5 = swap(A["q5"], ("delta = (delta @ weights[-l + 1].T) * f_prime(zs[-l])",
                              "delta = (delta @ weights[-l + 1]) * f_prime(zs[-l])"))

# sigma instead of sigma'
SIGMA_Q1 = swap(A["q1"], ("return dC_dA * A * (1 - A)  # sigma'(z) = a (1 - a) with a = sigma(z)",
                          "return dC_dA * A  # times the output slope"))
TANH_Q6 = swap(A["q6"], ("d1 = (d2 @ W2.T) * (1 - H * H)", "d1 = (d2 @ W2.T) * H"))

# forgetting to sum db over the batch (as in NNDL, where nabla_b[-1] = delta)
DB_Q3 = swap(A["q3"], ("db = np.sum(delta, axis=0)", "db = delta"))
DB_Q5 = swap(A["q5"], ("nabla_b[-1] = delta.sum(axis=0)", "nabla_b[-1] = delta"),
             ("nabla_b[-l] = delta.sum(axis=0)", "nabla_b[-l] = delta"))

# summing instead of averaging over the batch
SUM_Q2 = swap(A["q2"], ("return (softmax(ZL) - Y) / n", "return softmax(ZL) - Y"),
              ("dC_dP = -Y / (n * P)", "dC_dP = -Y / P"))
SUM_Q5 = swap(A["q5"], ("delta = (activations[-1] - Y) / X.shape[0]",
                        "delta = activations[-1] - Y"))
SUM_Q7 = swap(A["q7"], ("return -np.mean(np.sum(Y * log_p, axis=1))",
                        "return -np.sum(Y * log_p)"))
BUG_VERDICT = ("# layers 1 and 2 fail; layer 1 only inherits the wrong delta^2 through BP2\n"
               "BUGGY_LAYER = 2")
SUM_Q8 = swap(A["q8"], (BUG_VERDICT, "BUGGY_LAYER = 3  # the highest wrong layer"))

# using a where z is needed
A_FOR_Z_Q1 = swap(A["q1"], ("return dC_dA * A * (1 - A)  # sigma'(z) = a (1 - a) with a = sigma(z)",
                            "return dC_dA * sigmoid_prime(A)"))
A_FOR_Z_Q4 = swap(A["q4"], ("return back * f_prime(Z)", "return back * f_prime(f(Z))"))
A_FOR_Z_Q5 = swap(A["q5"], ("* f_prime(zs[-l])", "* f_prime(activations[-l])"))

# using z where h is needed
Z_FOR_H_Q6 = swap(A["q6"], ("d1 = (d2 @ W2.T) * (1 - H * H)", "d1 = (d2 @ W2.T) * (1 - Z1 * Z1)"))

# off-by-one layer index in BP2: f'(z^{l+1}) instead of f'(z^l)
OFF_BY_ONE_Q5 = swap(A["q5"], ("* f_prime(zs[-l])", "* f_prime(zs[-l + 1])"))

# the hidden biases added twice in forward_pass; cost (Question 7) uses it correctly
DOUBLE_BIAS_Q5 = swap(A["q5"], ("        z = a @ W + b\n", "        z = a @ W + 2 * b\n"))

# gradient checking with the wrong definitions
ELEMENTWISE_Q7 = swap(
    A["q7"],
    ("    denom = np.max(np.abs(a) + np.abs(b))\n    if denom == 0:\n        return 0.0\n"
     "    return np.max(np.abs(a - b)) / denom",
     "    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))"),
    ("            plus[k].reshape(-1)[j] += h\n            minus[k].reshape(-1)[j] -= h\n"
     "            g[j] = (cost(plus[:L], plus[L:], X, Y, activation)\n"
     "                    - cost(minus[:L], minus[L:], X, Y, activation)) / (2 * h)",
     "            plus[k].reshape(-1)[j] += h\n"
     "            g[j] = (cost(plus[:L], plus[L:], X, Y, activation)\n"
     "                    - cost(minus[:L], minus[L:], X, Y, activation)) / h"))
ONE_SIDED_Q9 = swap(A["q9"], ("(g(theta + h * I[j]) - g(theta - h * I[j])) / (2 * h)",
                              "(g(theta + h * I[j]) - g(theta)) / h"))

# numbering from 0, a transposed Jacobian, rows for units
ZERO_BASED_Q8 = swap(A["q8"], ("enumerate(zip(dWs, dbs, num_W, num_b), start=1)",
                               "enumerate(zip(dWs, dbs, num_W, num_b))"),
                     (BUG_VERDICT, "BUGGY_LAYER = 1  # printed [0, 1]"))
TRANSPOSED_Q9 = swap(A["q9"], ("return np.stack(columns, axis=1)",
                               "return np.stack(columns, axis=0)"))
ROWS_Q10 = swap(A["q10"], ("np.abs(W - W[:, [0]]).max()", "np.abs(W - W[[0], :]).max()"))

# gradient ascent
ASCENT_Q10 = swap(A["q10"], ("W -= lr * dW", "W += lr * dW"), ("b -= lr * db", "b += lr * db"))

# a typo at the top of the cell: it stops with an AttributeError, nothing is defined
RAISES_Q7 = "TOL = np.finfo(float).epsilon ** 0.5  # square root of machine epsilon\n\n" + A["q7"]

# broken rules: the chain rule simplified away; finite differences that change the
# caller's arrays (restored inexactly, or not at all) or ignore the step h; a gradient
# check against backprop; an unsymmetrised Hessian
CHAIN_SHORTCUT_Q2 = swap(A["q2"], (
    "    dC_dP = -Y / (n * P)\n    return np.einsum(\"ikj,ik->ij\", J, dC_dP)",
    "    # the Jacobian product simplifies to (P - Y) / n, so skip it\n"
    "    return (P - Y) / n"))

NUMERICAL_IN_PLACE = '''
def numerical_gradient_of_cost(weights, biases, X, Y, activation, h=1e-5):
    grads = []
    for p in list(weights) + list(biases):  # perturb the parameters themselves
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            p[i] += h
            c_plus = cost(weights, biases, X, Y, activation)
            p[i] -= 2 * h
            c_minus = cost(weights, biases, X, Y, activation)
            p[i] += h  # back where it was
            g[i] = (c_plus - c_minus) / (2 * h)
        grads.append(g)
    return grads[:len(weights)], grads[len(weights):]
'''
PERTURB_INEXACT_Q7 = swap(A["q7"], (A["q7"][A["q7"].index("def numerical_gradient_of_cost"):],
                                    NUMERICAL_IN_PLACE.lstrip()))
NOT_RESTORED_Q7 = swap(PERTURB_INEXACT_Q7, ("            p[i] += h  # back where it was\n", ""))
H_IGNORED_Q7 = swap(A["q7"], ("            plus[k].reshape(-1)[j] += h\n"
                              "            minus[k].reshape(-1)[j] -= h\n",
                              "            plus[k].reshape(-1)[j] += 1e-5  # small enough\n"
                              "            minus[k].reshape(-1)[j] -= 1e-5\n"),
                    ("                    - cost(minus[:L], minus[L:], X, Y, activation)) "
                     "/ (2 * h)",
                     "                    - cost(minus[:L], minus[L:], X, Y, activation)) "
                     "/ 2e-5"))
BYPASS_Q8 = swap(A["q8"], ("    num_W, num_b = numerical_gradient_of_cost(weights, biases, X, "
                           "Y, activation)",
                           "    # backprop is exact and much faster than finite differences\n"
                           "    num_W, num_b = backprop(weights, biases, X, Y, activation)"))
ONE_HOT_COST_Q7 = swap(A["q7"], ("    return -np.mean(np.sum(Y * log_p, axis=1))",
                                 "    return -np.mean(log_p[Y == 1])  # the true classes"))
WEIGHTS_ONLY_Q8 = swap(A["q8"], ("        if max(relative_error(dW, nW), relative_error(db, nb)) > 1e-5:",
                                 "        if relative_error(dW, nW) > 1e-5:  # the weights are what we learn"))
UNSYMMETRISED_Q9 = swap(A["q9"], ("    return (H + H.T) / 2", "    return H"))

# more classic mistakes
SIGN_Q1 = swap(A["q1"], ("dC_dA = (A - Y) / len(ZL)", "dC_dA = (Y - A) / len(ZL)"))
DB_UNITS_Q3 = swap(A["q3"], ("db = np.sum(delta, axis=0)", "db = np.sum(delta, axis=1)"))
NO_SLOPE_Q4 = swap(A["q4"], ("return back * f_prime(Z)", "return back"))
DB_MEAN_Q5 = swap(A["q5"], ("nabla_b[-1] = delta.sum(axis=0)", "nabla_b[-1] = delta.mean(axis=0)"),
                  ("nabla_b[-l] = delta.sum(axis=0)", "nabla_b[-l] = delta.mean(axis=0)"))
NO_HALF_Q6 = swap(A["q6"], ("C = np.sum(E * E) / (2 * n)", "C = np.sum(E * E) / n"))
NORMS_Q7 = swap(A["q7"], (
    "    denom = np.max(np.abs(a) + np.abs(b))\n    if denom == 0:\n        return 0.0\n"
    "    return np.max(np.abs(a - b)) / denom",
    "    denom = np.linalg.norm(a) + np.linalg.norm(b)\n    if denom == 0:\n"
    "        return 0.0\n    return np.linalg.norm(a - b) / denom"))
REVERSED_Q8 = swap(A["q8"], ("    return wrong\n", "    return sorted(wrong, reverse=True)\n"))
LOGITS_Q9 = swap(A["q9"], ("        return forward_pass(weights, biases, v[None, :], activation)[1][-1][0]",
                           "        return forward_pass(weights, biases, v[None, :], activation)[0][-1][0]"))
BIAS_C_Q10 = swap(A["q10"], ("biases = [np.zeros(n_out) for n_out in layer_sizes[1:]]",
                             "biases = [c * np.ones(n_out) for n_out in layer_sizes[1:]]"))

SHORT_Q11 = '''
The first line is delta = (a - y) * sigma'(z) for the output layer. The second says
the bias gradient is delta. The third is the weight gradient delta times a transposed;
the transpose makes the shapes fit.
'''


# the Hessian's step fixed at 1e-5, whatever h is given; the relative error scaled by
# max|a_i + b_i|
HESSIAN_FIXED_STEP_Q9 = swap(A["q9"], ("""    I = np.eye(theta.size)
""", """    I = np.eye(theta.size)
    h = 1e-5
"""))
REL_SUM_Q7 = swap(A["q7"], ("denom = np.max(np.abs(a) + np.abs(b))",
                            "denom = np.max(np.abs(a + b))"))

# the spread without its absolute value
SPREAD_SIGNED_Q10 = swap(A["q10"], ("float(np.abs(W - W[:, [0]]).max())",
                                    "float((W - W[:, [0]]).max())"))


def answers(style: dict[str, str], **changes: str) -> list[str]:
    """The eleven answer cells in ``style``, with some questions replaced."""
    return [changes.get(q, style[q]) for q in QUESTIONS]


SAMPLES: dict[str, dict] = {
    # fully correct, written differently from the solution
    "carl_gauss": {"answers": answers(A)},
    "henri_lebesgue": {"answers": answers(C)},
    # the student notebook submitted unchanged
    "henri_poincare": {},
    # the planted mistakes of the issue
    "sophie_germain": {"answers": answers(A, q4=TRANSPOSE_Q4, q5=TRANSPOSE_Q5)},
    "pierre_laplace": {"answers": answers(A, q1=SIGMA_Q1, q6=TANH_Q6, q11=SHORT_Q11)},
    "leonhard_euler": {"answers": answers(A, q3=DB_Q3, q5=DB_Q5)},
    "joseph_fourier": {"answers": answers(A, q2=SUM_Q2, q5=SUM_Q5, q7=SUM_Q7, q8=SUM_Q8)},
    "augustin_cauchy": {"answers": answers(A, q1=A_FOR_Z_Q1, q4=A_FOR_Z_Q4, q5=A_FOR_Z_Q5)},
    "bernhard_riemann": {"answers": answers(A, q5=OFF_BY_ONE_Q5, q11=SHORT_Q11)},
    # more mistakes in the later questions
    "emilie_du_chatelet": {"answers": answers(A, q7=ELEMENTWISE_Q7, q9=ONE_SIDED_Q9)},
    "david_hilbert": {"answers": answers(A, q8=ZERO_BASED_Q8, q9=TRANSPOSED_Q9, q10=ROWS_Q10)},
    "george_boole": {"answers": answers(A, q6=Z_FOR_H_Q6, q10=ASCENT_Q10)},
    # a cell that raises
    "mary_somerville": {"answers": answers(A, q7=RAISES_Q7)},
    # rules of the text broken
    "niels_abel": {"answers": answers(A, q1=SIGN_Q1, q2=CHAIN_SHORTCUT_Q2)},
    "evariste_galois": {"answers": answers(A, q7=PERTURB_INEXACT_Q7)},
    "carl_jacobi": {"answers": answers(A, q7=NOT_RESTORED_Q7, q9=LOGITS_Q9)},
    "blaise_pascal": {"answers": answers(A, q3=DB_UNITS_Q3, q7=H_IGNORED_Q7)},
    "gottfried_leibniz": {"answers": answers(A, q6=NO_HALF_Q6, q8=BYPASS_Q8)},
    "isaac_newton": {"answers": answers(A, q9=UNSYMMETRISED_Q9, q10=BIAS_C_Q10)},
    "johann_bernoulli": {"answers": answers(A, q7=ONE_HOT_COST_Q7, q8=WEIGHTS_ONLY_Q8)},
    # more classic mistakes
    "pierre_fermat": {"answers": answers(A, q4=NO_SLOPE_Q4, q5=DB_MEAN_Q5)},
    "karl_weierstrass": {"answers": answers(A, q7=NORMS_Q7, q8=REVERSED_Q8)},
    # a wrong forward pass costs its points once: cost is judged with it
    "paul_dirac": {"answers": answers(A, q5=DOUBLE_BIAS_Q5)},
    "hypatia_of_alexandria": {"answers": answers(A, q7=REL_SUM_Q7, q9=HESSIAN_FIXED_STEP_Q9,
                                                 q10=SPREAD_SIGNED_Q10)},
}
