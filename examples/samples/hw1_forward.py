"""Sample submissions of Homework 1 (activations, softmax, the forward pass).

Answer cells, in order: q1 sigmoid, q2 ReLU family, q3 tanh/ELU/SELU, q4 softmax,
q5 one-hot, q6 dense layer and MLP forward pass, q7 predict/accuracy. Students write
in one of two correct styles (``A`` and ``B``); the partly wrong ones swap in a classic
mistake for one or two cells. Expected scores: ``tests/fixtures/hw1_forward_samples.json``.
"""

from __future__ import annotations

from build_samples import swap

SELU_CONSTANTS = """\
SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
"""

# ---------------------------------------------------------------------------
# correct answers, two styles

A = {
    "q1": '''
def sigmoid(z):
    """Logistic sigmoid, stable for any z."""
    # sigma(z) = (1 + tanh(z / 2)) / 2 and tanh never overflows
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def sigmoid_prime(z):
    """Derivative of the sigmoid with respect to z."""
    return sigmoid(z) * sigmoid(-z)  # 1 - sigma(z) = sigma(-z)


print(sigmoid(np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])))
''',
    "q2": '''
def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    return (z > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)
''',
    "q3": SELU_CONSTANTS + '''

def tanh_prime(z):
    return 1.0 / np.cosh(z) ** 2  # sech^2


def elu(z, alpha=1.0):
    return np.where(z > 0, z, alpha * (np.exp(np.minimum(z, 0)) - 1))


def elu_prime(z, alpha=1.0):
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)))


def selu(z):
    return SELU_LAMBDA * elu(z, alpha=SELU_ALPHA)
''',
    "q4": '''
def softmax(Z):
    # log-sum-exp trick: log softmax = Z - logsumexp(Z)
    Z = np.asarray(Z, dtype=float)
    m = Z.max(axis=-1, keepdims=True)
    lse = m + np.log(np.sum(np.exp(Z - m), axis=-1, keepdims=True))
    return np.exp(Z - lse)


print(softmax(np.array([[1000.0, 1000.0], [-1000.0, 0.0]])))
''',
    "q5": '''
def one_hot(labels, n_classes):
    return np.eye(n_classes)[labels]
''',
    "q6": '''
def dense_forward(X, W, b):
    return np.dot(X, W) + b


def mlp_forward(X, W1, b1, W2, b2):
    Z1 = dense_forward(X, W1, b1)
    A1 = sigmoid(Z1)
    Z2 = dense_forward(A1, W2, b2)
    P = softmax(Z2)
    return Z1, A1, Z2, P
''',
    "q7": '''
def predict(P):
    return np.argmax(P, axis=1)


def accuracy(y_true, y_pred):
    return np.mean(y_true == y_pred)


print(accuracy(np.array([1, 0, 1, 1]), np.array([1, 1, 1, 0])))
''',
}

B = {
    "q1": '''
def sigmoid(z):
    """Logistic sigmoid, stable for any z."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])  # z < 0 here, so exp(z) <= 1
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid_prime(z):
    """Derivative of the sigmoid with respect to z."""
    s = sigmoid(z)
    return s * (1 - s)
''',
    "q2": '''
def relu(z):
    z = np.asarray(z, dtype=float)
    return z * (z > 0)


def relu_prime(z):
    return np.heaviside(z, 0.0)  # second argument = value at z == 0


def leaky_relu(z, alpha=0.01):
    return np.maximum(z, alpha * z)  # fine because alpha < 1


def leaky_relu_prime(z, alpha=0.01):
    grad = np.ones_like(z, dtype=float)
    grad[z <= 0] = alpha
    return grad


z = np.linspace(-3, 3, 7)
print(relu(z), leaky_relu(z, alpha=0.1))
''',
    "q3": SELU_CONSTANTS + '''

def tanh_prime(z):
    t = np.tanh(z)
    return 1 - t * t


def elu(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_prime(z, alpha=1.0):
    # for z <= 0: d/dz alpha (e^z - 1) = alpha e^z = elu(z) + alpha
    return np.where(z > 0, 1.0, elu(z, alpha) + alpha)


def selu(z):
    z = np.asarray(z, dtype=float)
    return SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))


print("selu(1) =", selu(1.0), " selu(-1) =", selu(-1.0))
''',
    "q4": '''
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    shifted = Z - np.max(Z, axis=-1, keepdims=True)  # largest logit becomes 0
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=-1, keepdims=True)
''',
    "q5": '''
def one_hot(labels, n_classes):
    Y = np.zeros((len(labels), n_classes))
    for i, label in enumerate(labels):
        Y[i, label] = 1.0
    return Y


print(one_hot(np.array([2, 0, 1]), 3))
''',
    "q6": '''
def dense_forward(X, W, b):
    return X @ W + b


def mlp_forward(X, W1, b1, W2, b2):
    Z1 = X @ W1 + b1
    A1 = sigmoid(Z1)
    Z2 = A1 @ W2 + b2
    return Z1, A1, Z2, softmax(Z2)
''',
    "q7": '''
def predict(P):
    return P.argmax(axis=-1)


def accuracy(y_true, y_pred):
    n_correct = np.sum(y_pred == y_true)
    return n_correct / len(y_true)
''',
}

# a third correct style: scipy's expit and softmax, np.clip, einsum, booleans made floats
C = {
    "q1": '''
from scipy.special import expit


def sigmoid(z):
    return expit(z)  # stable: scipy evaluates it without overflow


def sigmoid_prime(z):
    e = np.exp(-np.abs(z))  # sigma'(z) = e^{-|z|} / (1 + e^{-|z|})^2, symmetric in z
    return e / (1.0 + e) ** 2
''',
    "q2": '''
def relu(z):
    return np.clip(z, 0.0, None)


def relu_prime(z):
    return np.greater(z, 0).astype(np.float64)


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return z * np.where(z > 0, 1.0, alpha)


def leaky_relu_prime(z, alpha=0.01):
    return 1.0 - (1.0 - alpha) * (np.asarray(z) <= 0)
''',
    "q3": SELU_CONSTANTS + '''

def tanh_prime(z):
    return (1.0 - np.tanh(z)) * (1.0 + np.tanh(z))


def elu(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + alpha * np.expm1(np.minimum(z, 0.0))


def elu_prime(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def selu(z):
    return SELU_LAMBDA * elu(z, SELU_ALPHA)
''',
    "q4": '''
import scipy.special


def softmax(Z):
    return scipy.special.softmax(Z, axis=-1)
''',
    "q5": '''
def one_hot(labels, n_classes):
    return (np.asarray(labels)[:, None] == np.arange(n_classes)).astype(float)
''',
    "q6": '''
def dense_forward(X, W, b):
    return np.einsum("ni,ij->nj", X, W) + b


def mlp_forward(X, W1, b1, W2, b2):
    Z1 = dense_forward(X, W1, b1)
    A1 = sigmoid(Z1)
    Z2 = dense_forward(A1, W2, b2)
    return [Z1, A1, Z2, softmax(Z2)]
''',
    "q7": '''
def predict(P):
    return np.asarray(P).argmax(axis=1)


def accuracy(y_true, y_pred):
    return np.count_nonzero(np.asarray(y_true) == np.asarray(y_pred)) / np.size(y_true)
''',
}

# ---------------------------------------------------------------------------
# classic mistakes (each replaces a whole answer cell)

SIGMOID_PRIME_FROM_A = swap(A["q1"], (
    "return sigmoid(z) * sigmoid(-z)  # 1 - sigma(z) = sigma(-z)",
    "return z * (1 - z)  # sigma' = a (1 - a)"))

SIGMOID_UNSTABLE = '''
def sigmoid(z):
    """Logistic sigmoid, stable for any z."""
    return np.exp(z) / (1 + np.exp(z))


def sigmoid_prime(z):
    """Derivative of the sigmoid with respect to z."""
    return sigmoid(z) * (1 - sigmoid(z))


print(sigmoid(0.0), sigmoid_prime(0.0))
'''

LEAKY_WRONG_SIDE = swap(A["q2"],
                        ("np.where(z > 0, z, alpha * z)", "np.where(z > 0, alpha * z, z)"),
                        ("np.where(z > 0, 1.0, alpha)", "np.where(z > 0, alpha, 1.0)"))

RELU_PRIME_AT_ZERO = swap(A["q2"], ("(z > 0).astype(float)", "(z >= 0).astype(float)"))

TANH_PRIME_FROM_A = swap(B["q3"], ("    t = np.tanh(z)\n    return 1 - t * t",
                                   "    return 1 - z**2  # tanh' = 1 - a^2"))

SELU_WRONG_SCALE = swap(A["q3"], ("SELU_LAMBDA = 1.0507009873554804934193349852946",
                                  "SELU_LAMBDA = 1.00507  # from the lecture notebook"))

SOFTMAX_NAIVE = '''
def softmax(Z):
    exps = np.exp(Z)
    return exps / exps.sum(axis=-1, keepdims=True)


P = softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
print(P, P.sum(axis=1))
'''

SOFTMAX_COLUMNS = '''
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    exps = np.exp(Z - Z.max(axis=0))
    return exps / exps.sum(axis=0)
'''

ONE_HOT_TRANSPOSED = '''
def one_hot(labels, n_classes):
    n = len(labels)
    Y = np.zeros((n_classes, n))
    Y[labels, np.arange(n)] = 1
    return Y
'''

NO_BIAS = swap(A["q6"], ("return np.dot(X, W) + b", "return np.dot(X, W)"))

Z2_FROM_Z1 = swap(B["q6"], ("Z2 = A1 @ W2 + b2", "Z2 = Z1 @ W2 + b2"))

ACCURACY_COUNT = swap(A["q7"], ("return np.mean(y_true == y_pred)",
                                "return np.sum(y_true == y_pred)"))

PREDICT_COLUMNS = swap(B["q7"], ("P.argmax(axis=-1)", "P.argmax(axis=0)"))

# broken rules: an overflowing sigmoid (right values, with warnings), an overflowing ELU,
# booleans from a derivative and from one_hot
SIGMOID_OVERFLOWS = swap(A["q1"], (
    "    # sigma(z) = (1 + tanh(z / 2)) / 2 and tanh never overflows\n"
    "    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))",
    "    return 1.0 / (1.0 + np.exp(-z))  # exp(1000) = inf, and 1 / inf = 0"))

ELU_OVERFLOWS = swap(A["q3"], ("alpha * (np.exp(np.minimum(z, 0)) - 1)",
                               "alpha * (np.exp(z) - 1)"))

RELU_PRIME_BOOLEANS = swap(A["q2"], ("return (z > 0).astype(float)", "return z > 0"))

ONE_HOT_BOOLEANS = '''
def one_hot(labels, n_classes):
    return np.asarray(labels)[:, None] == np.arange(n_classes)
'''

# fails on a plain Python number (a float has no .copy())
ELU_ARRAYS_ONLY = swap(A["q3"], (
    "def elu(z, alpha=1.0):\n    return np.where(z > 0, z, alpha * (np.exp(np.minimum(z, 0)) - 1))",
    "def elu(z, alpha=1.0):\n    out = z.copy()\n    neg = z <= 0\n"
    "    out[neg] = alpha * np.expm1(z[neg])\n    return out"))

# fails on a single sample of shape (K,)
SOFTMAX_AXIS_1 = swap(B["q4"], ("np.max(Z, axis=-1, keepdims=True)", "np.max(Z, axis=1, keepdims=True)"),
                      ("np.sum(exps, axis=-1, keepdims=True)", "np.sum(exps, axis=1, keepdims=True)"))

# more classic mistakes
SIGMOID_SIGN = swap(B["q1"], ("out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))",
                              "out[pos] = 1.0 / (1.0 + np.exp(z[pos]))"),
                    ("out[~pos] = ez / (1.0 + ez)", "out[~pos] = 1.0 / (1.0 + ez)"))

RELU_NP_MAX = swap(A["q2"], ("return np.maximum(z, 0.0)", "return np.max(z, 0)"))

LEAKY_ALPHA_IGNORED = swap(A["q2"], ("np.where(z > 0, z, alpha * z)",
                                     "np.where(z > 0, z, 0.01 * z)"))

TANH_PRIME_NO_SQUARE = swap(B["q3"], ("return 1 - t * t", "return 1 - t"))

SELU_SWAPPED = swap(B["q3"], (
    "SELU_LAMBDA * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0)))",
    "SELU_ALPHA * np.where(z > 0, z, SELU_LAMBDA * np.expm1(np.minimum(z, 0.0)))"))

ELU_PRIME_IS_ELU = swap(A["q3"], (
    "    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0)))",
    "    return np.where(z > 0, 1.0, elu(z, alpha))"))

SOFTMAX_NO_KEEPDIMS = swap(B["q4"], (
    "shifted = Z - np.max(Z, axis=-1, keepdims=True)", "shifted = Z - np.max(Z, axis=-1)"),
    ("exps / np.sum(exps, axis=-1, keepdims=True)", "exps / np.sum(exps, axis=-1)"))

ONE_HOT_CLASSES_FROM_LABELS = '''
def one_hot(labels, n_classes):
    return np.eye(labels.max() + 1)[labels]  # one column per class seen
'''

OUTPUT_SIGMOID = swap(B["q6"], ("return Z1, A1, Z2, softmax(Z2)",
                                "return Z1, A1, Z2, sigmoid(Z2)"))

W_TRANSPOSED = swap(B["q6"], ("    return X @ W + b", "    return X @ W.T + b"))

PREDICT_MAX_PROB = swap(A["q7"], ("return np.argmax(P, axis=1)", "return np.max(P, axis=1)"))

ACCURACY_ERROR_RATE = swap(B["q7"], ("n_correct = np.sum(y_pred == y_true)",
                                     "n_correct = np.sum(y_pred != y_true)"))

# a typo before the definitions: the cell stops with a NameError, so neither is defined
NAME_ERROR_Q1 = '''
EPS = np.finfo(flaot).eps  # keep sigmoid strictly inside (0, 1)


def sigmoid(z):
    """Logistic sigmoid, stable for any z."""
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return np.clip(s, EPS, 1 - EPS)


def sigmoid_prime(z):
    """Derivative of the sigmoid with respect to z."""
    s = sigmoid(z)
    return s * (1 - s)
'''

# a forgotten increment between the definitions: the cell never finishes
ENDLESS_LOOP_Q2 = '''
def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    return (z > 0).astype(float)


# how many of these units are active?
zs = [-2.0, -0.5, 0.0, 0.5, 2.0]
n_active = 0
i = 0
while i < len(zs):
    if relu(zs[i]) > 0:
        n_active += 1
print("active:", n_active)


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)
'''


# softmax in place: the caller's logits are overwritten (q4 charges it; mlp_forward, which
# returns the Z2 that softmax overwrote, is judged with that); argmax without an axis
SOFTMAX_IN_PLACE = """
def softmax(Z):
    Z -= np.max(Z, axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= np.sum(Z, axis=-1, keepdims=True)
    return Z
"""
PREDICT_NO_AXIS = swap(A["q7"], ("return np.argmax(P, axis=1)", "return np.argmax(P)"))


def answers(style: dict[str, str], **changes: str) -> list[str]:
    """The seven answer cells in ``style``, with some questions replaced."""
    return [changes.get(q, style[q]) for q in ("q1", "q2", "q3", "q4", "q5", "q6", "q7")]


# correct: the accuracy computed in single precision
ACCURACY_SINGLE = swap(C["q7"], (
    "    return np.count_nonzero(np.asarray(y_true) == np.asarray(y_pred)) / np.size(y_true)",
    "    return np.mean(np.asarray(y_true) == np.asarray(y_pred), dtype=np.float32)"))


SAMPLES: dict[str, dict] = {
    # fully correct, written differently from the solution
    "ada_lovelace": {"answers": answers(A)},
    "mary_jackson": {"answers": answers(C, q7=ACCURACY_SINGLE)},
    # the student notebook submitted unchanged
    "alan_turing": {},
    # one or two classic mistakes each
    "grace_hopper": {"answers": answers(B, q4=SOFTMAX_NAIVE, q7=ACCURACY_COUNT)},
    "claude_shannon": {"answers": answers(A, q1=SIGMOID_PRIME_FROM_A, q3=TANH_PRIME_FROM_A)},
    "emmy_noether": {"answers": answers(B, q2=LEAKY_WRONG_SIDE, q3=SELU_WRONG_SCALE)},
    "kurt_goedel": {"answers": answers(A, q4=SOFTMAX_COLUMNS)},
    "sofia_kovalevskaya": {"answers": answers(A, q5=ONE_HOT_TRANSPOSED, q6=Z2_FROM_Z1)},
    "john_nash": {"answers": answers(B, q2=RELU_PRIME_AT_ZERO, q6=NO_BIAS)},
    "katherine_johnson": {"answers": answers(A, q1=SIGMOID_UNSTABLE, q7=PREDICT_COLUMNS)},
    # rules of the text broken: a stable form, float arrays
    "donald_knuth": {"answers": answers(A, q1=SIGMOID_OVERFLOWS, q5=ONE_HOT_BOOLEANS)},
    "frances_allen": {"answers": answers(A, q2=RELU_PRIME_BOOLEANS, q3=ELU_OVERFLOWS)},
    "alonzo_church": {"answers": answers(A, q3=ELU_ARRAYS_ONLY, q4=SOFTMAX_AXIS_1)},
    # more classic mistakes; a wrong sigmoid or softmax is not counted again in q6
    "margaret_hamilton": {"answers": answers(B, q1=SIGMOID_SIGN, q7=PREDICT_MAX_PROB)},
    "dennis_ritchie": {"answers": answers(A, q2=RELU_NP_MAX, q3=TANH_PRIME_NO_SQUARE)},
    "tony_hoare": {"answers": answers(B, q3=SELU_SWAPPED, q7=ACCURACY_ERROR_RATE)},
    "radia_perlman": {"answers": answers(A, q2=LEAKY_ALPHA_IGNORED,
                                         q5=ONE_HOT_CLASSES_FROM_LABELS)},
    "leslie_lamport": {"answers": answers(A, q3=ELU_PRIME_IS_ELU, q6=OUTPUT_SIGMOID)},
    "ken_thompson": {"answers": answers(B, q4=SOFTMAX_NO_KEEPDIMS, q6=W_TRANSPOSED)},
    # a cell that raises, and a cell that never ends
    "srinivasa_ramanujan": {"answers": answers(B, q1=NAME_ERROR_Q1)},
    "barbara_liskov": {"answers": answers(B, q2=ENDLESS_LOOP_Q2)},
    # a truncated upload
    "edsger_dijkstra": {"answers": answers(A), "truncate": 300},
    "hypatia_of_alexandria": {"answers": answers(A, q4=SOFTMAX_IN_PLACE, q7=PREDICT_NO_AXIS)},
}
