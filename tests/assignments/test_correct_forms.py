"""Correct forms that a suite or a public test once failed, each the master notebook with
one answer written another way that the text allows: every automatically graded question
keeps full marks, and every cell (the public tests too) runs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.authoring.assign import master_notebook
from autograder.engine.pipeline import grade_path
from autograder.engine.results import Status

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

COURSE = Path(__file__).resolve().parents[2]
SEED = 20261202

FORMS = {
    "hw7 sklearn_regressor returns a subclass of MLPRegressor": (
        "hw7_capacity", "    return MLPRegressor(hidden_layer_sizes=(M,)",
        "    class CourseMLP(MLPRegressor):\n        pass\n\n"
        "    return CourseMLP(hidden_layer_sizes=(M,)"),
    "hw7 plot_selection on a categorical axis: positions 0, 1, ... under the Ms": (
        "hw7_capacity", '    ax.plot(np.repeat(Ms, table.shape[1]), table.ravel(), "o", alpha=0.4, '
        'label="each start")\n    ax.plot(Ms, table.min(axis=1), "s-", label="best start")\n',
        "    pos = np.arange(len(Ms))\n"
        '    ax.plot(np.repeat(pos, table.shape[1]), table.ravel(), "o", label="each start")\n'
        '    ax.plot(pos, table.min(axis=1), "s-", label="best start")\n'
        "    ax.set_xticks(pos, [str(M) for M in Ms])\n"),
    "hw4 race legend given its lines and names": (
        "hw4_optimizers", "ax.legend()\nplt.show()",
        "ax.legend(ax.get_lines()[::-1], list(histories)[::-1])\nplt.show()"),
    "hw3 loss curves with a figure legend": (
        "hw3_cost", "ax.legend()\n# END SOLUTION", "fig.legend()\n# END SOLUTION"),
    "hw4 race with a figure legend": (
        "hw4_optimizers", "ax.legend()\nplt.show()", "fig.legend()\nplt.show()"),
    "hw6 heatmap of acc upside down, with the learning rates named upside down too": (
        "hw6_digits", 'image = ax.imshow(acc, cmap="viridis", vmin=0.0, vmax=1.0, origin="lower")'
        '\n    ax.set_xticks(np.arange(len(lams)), [f"{lam:g}" for lam in lams])\n'
        '    ax.set_yticks(np.arange(len(lrs)), [f"{lr:g}" for lr in lrs])',
        'image = ax.imshow(np.asarray(acc)[::-1], cmap="viridis", vmin=0.0, vmax=1.0)'
        '\n    ax.set_xticks(np.arange(len(lams)), [f"{lam:g}" for lam in lams])\n'
        '    ax.set_yticks(np.arange(len(lrs)), [f"{lr:g}" for lr in lrs[::-1]])'),
    "hw3 loss curves drawn at every 5th epoch": (
        "hw3_cost", 'ax.plot(np.arange(301), costs, label=',
        'ax.plot(np.arange(0, 301, 5), costs[::5], label='),
    "hw4 Adam in the lecture's sign convention (m averages -g, the step is added)": (
        "hw4_optimizers", '    m = beta1 * state["m"] + (1 - beta1) * grad\n'
        '    v = beta2 * state["v"] + (1 - beta2) * grad * grad\n    m_hat = m / (1 - beta1**t)\n'
        '    v_hat = v / (1 - beta2**t)\n    return theta - lr * m_hat',
        '    m = beta1 * state["m"] - (1 - beta1) * grad\n'
        '    v = beta2 * state["v"] + (1 - beta2) * grad * grad\n    m_hat = m / (1 - beta1**t)\n'
        '    v_hat = v / (1 - beta2**t)\n    return theta + lr * m_hat'),
    "hw1 predict breaks a tie to the last class": (
        "hw1_forward", "return np.argmax(P, axis=-1)",
        "return np.shape(P)[-1] - 1 - np.argmax(np.asarray(P)[..., ::-1], axis=-1)"),
    "hw2 relative error with a guard of 1e-12 added to the scale": (
        "hw2_backprop", "    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)",
        "    return float(np.max(np.abs(a - b)) / (scale + 1e-12))"),
    "hw4 momentum_step puts its new arrays into the state dict it is given": (
        "hw4_optimizers", '    return theta - lr * b, {"t": state["t"] + 1, "b": b}\n',
        '    state["b"], state["t"] = b, state["t"] + 1\n    return theta - lr * b, state\n'),
    "hw1 mlp_forward through the class its sigmoid hands the work to": (
        "hw1_forward", "    A1 = sigmoid(Z1)\n    Z2 = dense_forward(A1, W2, b2)\n"
        "    return Z1, A1, Z2, softmax(Z2)\n",
        "    A1 = Sigmoid().forward(Z1)\n    Z2 = dense_forward(A1, W2, b2)\n"
        "    return Z1, A1, Z2, softmax(Z2)\n\n\n"
        "class Sigmoid:\n    def forward(self, z):\n"
        "        return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))\n\n\n"
        "def sigmoid(z):\n    return Sigmoid().forward(z)\n"),
    "hw1 accuracy as a 0-d array": (
        "hw1_forward", "return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))",
        "return np.asarray(np.mean(np.asarray(y_true) == np.asarray(y_pred)))"),
    "hw2 tanh_regression's cost as a 0-d array": (
        "hw2_backprop", "    return C, X.T @ delta1", "    return np.array(C), X.T @ delta1"),
    "hw7 mistake_bound as a 0-d array": (
        "hw7_capacity", "return float((R / gamma) ** 2)", "return np.array((R / gamma) ** 2)"),
}


@pytest.mark.parametrize("form", FORMS)
def test_a_correct_form_keeps_full_marks(form, tmp_path, suites, factory):
    hw, old, new = FORMS[form]
    nb = nbformat.read(master_notebook(COURSE, hw), as_version=4)
    cell, = [c for c in nb.cells if old in c.source]
    cell.source = cell.source.replace(old, new)
    path = tmp_path / "form.ipynb"
    nbformat.write(nb, path)
    result = grade_path(path, suites(hw), factory, SEED)
    lost = {q.question: q.feedback for q in result.questions
            if q.status != Status.MANUAL and q.score != q.max_points}
    assert lost == {}
    assert [f"{c.where}: {c.error}" for c in result.cells if not c.ok] == []
