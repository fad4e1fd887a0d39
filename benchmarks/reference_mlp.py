"""Time one training epoch of the reference MLP against scikit-learn's MLPClassifier.

Both train a 64-50-10 network (logistic hidden units, softmax output, cross-entropy) on the
digits training split (1437 x 64) with plain minibatch SGD: batch size 32, learning rate 0.1,
no momentum, no L2 penalty, rows shuffled every epoch. One epoch is one `fit(epochs=1)` of
the reference and one `partial_fit` of scikit-learn, each on a model that has already done
one epoch; the figures are medians over REPEATS epochs, interleaved.
"""

import statistics
import time
import warnings

import numpy as np
from sklearn.neural_network import MLPClassifier

from reference.data import load_digits_split
from reference.network import MLP
from reference.optim import SGD

REPEATS = 31
BATCH_SIZE = 32
LR = 0.1


def main() -> None:
    X, _, y, _ = load_digits_split(0.2, np.random.default_rng(0))
    net = MLP([64, 50, 10], "sigmoid", "softmax", "cross_entropy", rng=np.random.default_rng(0))
    optimizer = SGD(lr=LR)
    sk = MLPClassifier(
        hidden_layer_sizes=(50,), activation="logistic", solver="sgd", batch_size=BATCH_SIZE,
        learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False, alpha=0.0,
        random_state=0,
    )  # fmt: skip
    classes = np.arange(10)

    def reference_epoch() -> None:
        net.fit(X, y, epochs=1, batch_size=BATCH_SIZE, optimizer=optimizer)

    def sklearn_epoch() -> None:
        sk.partial_fit(X, y, classes=classes)

    times: dict[str, list[float]] = {"reference": [], "scikit-learn": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's convergence warnings
        reference_epoch()
        sklearn_epoch()
        for _ in range(REPEATS):
            for name, epoch in (("reference", reference_epoch), ("scikit-learn", sklearn_epoch)):
                start = time.perf_counter()
                epoch()
                times[name].append(time.perf_counter() - start)

    ref, skl = (statistics.median(times[k]) for k in ("reference", "scikit-learn"))
    print(f"one epoch, digits train split {X.shape}, 64-50-10, batch {BATCH_SIZE}, SGD lr {LR}")
    print(f"  reference MLP.fit(epochs=1)             {ref * 1e3:7.2f} ms (median of {REPEATS})")
    print(f"  scikit-learn MLPClassifier.partial_fit  {skl * 1e3:7.2f} ms (median of {REPEATS})")
    print(f"  ratio reference / scikit-learn          {ref / skl:7.2f}    (target <= 1.5)")
    print(f"  training accuracy: reference {np.mean(net.predict(X) == y):.3f}, "
          f"scikit-learn {sk.score(X, y):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
