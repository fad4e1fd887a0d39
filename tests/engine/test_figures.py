"""Figures are described by the worker and parsed on the trusted side."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring.figures import Axes, all_axes, parse_figures, tick_value
from autograder.engine.budgets import Budgets
from autograder.engine.runtime import NotebookRuntime
from autograder.engine.session import value_from
from autograder.engine.student import QuestionBudget, Student
from autograder.sandbox import protocol
from autograder.sandbox.limits import Limits

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

CELL = """
%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

fig, (ax1, ax2) = plt.subplots(1, 2)
for name in ["sgd", "adam"]:
    ax1.plot(np.arange(5), np.arange(5) ** 2, label=name)
ax1.set_xlabel("step"); ax1.set_ylabel("cost"); ax1.legend()
im = ax2.imshow(np.zeros((3, 4)))
fig.colorbar(im, ax=ax2)
plt.show()
"""

CLOSING = """
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.scatter([1, 2, 3], [4, 5, 6], label="points")
ax.plot([0, 1], [0, 1], label="line")
fig.legend()
plt.show()
plt.close(fig)
plt.figure()
plt.plot([1, 2])
plt.close("all")
"""


def figures_after(factory, source: str) -> list:
    """The worker's description of the figures after running one cell."""
    session = factory.spawn(Limits())
    try:
        assert session.request({"op": "run", "source": source}).header["ok"]
        return value_from(session.request({"op": "figures"}), session.budget)
    finally:
        session.close()


def test_lines_labels_images_and_colorbars_are_described(factory):
    raw = figures_after(factory, CELL)
    [fig] = parse_figures(raw)
    assert fig.has_colorbar
    plot, heat = all_axes(raw)
    assert plot.labelled and [ln.label for ln in plot.lines] == ["sgd", "adam"]
    assert np.array_equal(plot.lines[1].y, [0, 1, 4, 9, 16])
    assert plot.legend == ["sgd", "adam"]
    assert heat.grids() == [(3, 4)] and not heat.labelled


def test_names_given_to_the_legend_label_the_lines_they_are_paired_with(factory):
    """ax.legend(["gd", "adam"]) names the unlabelled lines in the order they were drawn,
    as Matplotlib pairs them; a line with a label of its own keeps it."""
    [own_names, partly] = all_axes(figures_after(factory, (
        "import matplotlib.pyplot as plt\nfig, (a, b) = plt.subplots(1, 2)\n"
        "a.plot([1, 2]); a.plot([2, 1]); a.legend(['gd', 'adam'])\n"
        "b.plot([1, 2], label='sgd'); b.plot([2, 1]); b.legend()\n")))
    assert [ln.label for ln in own_names.lines] == ["gd", "adam"]
    assert own_names.legend == ["gd", "adam"]
    assert [ln.label for ln in partly.lines] == ["sgd", "_child1"]


def test_a_legend_of_given_lines_and_names_names_each_line_as_a_reader_sees_it(factory):
    """ax.legend(lines, names) names each line drawn in its entry's style, whatever its own
    label; lines alike in style cannot be told apart and keep their own labels."""
    [reordered, alike] = all_axes(figures_after(factory, (
        "import matplotlib.pyplot as plt\nfig, (a, b) = plt.subplots(1, 2)\n"
        "g, = a.plot([1, 2], label='gd'); m, = a.plot([2, 1], label='adam')\n"
        "a.legend([m, g], ['gd', 'adam'])\n"
        "p, = b.plot([1, 2], 'k-', label='gd'); q, = b.plot([2, 1], 'k-', label='adam')\n"
        "b.legend([q, p], ['gd', 'adam'])\n")))
    assert [ln.label for ln in reordered.lines] == ["adam", "gd"]
    assert [ln.label for ln in alike.lines] == ["gd", "adam"]


def test_malformed_descriptions_are_dropped_not_trusted():
    raw = [{"axes": [{"lines": [{"x": "no", "y": np.ones(2)}], "images": [["x", 3]],
                      "is_colorbar": "yes", "xlabel": 5}]}, "junk", {"axes": "no"}]
    [ax] = all_axes(raw)
    assert ax.lines == [] and ax.images == [(3,)] and not ax.is_colorbar and ax.xlabel == ""
    assert parse_figures(protocol.unpack({"t": "none"}, [])) == []


def test_of_many_figures_the_newest_are_kept():
    raw = [{"number": i, "axes": [], "suptitle": ""} for i in range(1, 301)]
    assert [f.number for f in parse_figures(raw)] == list(range(51, 301))


CLOSED = """
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

def closed_heatmap():
    fig, ax = plt.subplots()
    ax.imshow(np.zeros((3, 4)))
    ax.set_xticks(range(4), ["1e-05", "$10^{-4}$", "0.001", "lam=0.01"])
    ax.set_yticks(range(3), ["0.01", "0.1", "1"])
    plt.close(fig)
    return fig

def unmanaged():
    fig = Figure()
    fig.subplots().plot([1, 2], [3, 4], label="line")
    return fig
"""


def test_closed_figures_and_a_returned_one_never_open_are_described(factory):
    runtime = NotebookRuntime(factory, Limits(), Budgets(), [CLOSED])
    try:
        runtime.run_notebook()
        student = Student(runtime, QuestionBudget(30))
        closed, unmanaged = student.call("closed_heatmap"), student.call("unmanaged")
        [heat] = all_axes(student.figures())  # described as it was closed
        assert all_axes(student.figures(also=closed)) == [heat]
        [_, plot] = all_axes(student.figures(also=unmanaged))
    finally:
        runtime.close()
    assert heat.grids() == [(3, 4)] and plot.lines[0].label == "line"
    assert heat.ticks_show("x", [1e-5, 1e-4, 1e-3, 1e-2]) and heat.ticks_show("y", [0.01, 0.1, 1])
    assert not heat.ticks_show("x", [0.1])


def test_a_figure_built_without_pyplot_counts_when_a_global_holds_it_or_its_axes(factory):
    """matplotlib.figure.Figure(...) never reaches pyplot; the notebook keeps it in ``fig``
    or its axes in ``ax`` (the texts ask for ``ax``), and displays it with display(fig)."""
    for kept in ("fig", "ax"):
        [ax] = all_axes(figures_after(factory, (
            "from matplotlib.figure import Figure\ndef draw():\n    fig = Figure()\n"
            "    ax = fig.subplots()\n    ax.semilogy([1, 2, 3], [1, 10, 100], label='gd')\n"
            "    return fig, ax\n"
            f"{kept} = draw()[{int(kept == 'ax')}]\nunrelated = draw()[0].axes[0].lines\n")))
        assert [ln.label for ln in ax.lines] == ["gd"] and ax.yscale == "log"


HEATMAPS = """
import matplotlib.pyplot as plt
import numpy as np
acc = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
lrs, lams = [0.01, 1.0], [1e-4, 1e-3, 1e-2]

def heat(values, rows, cols, **options):
    fig, ax = plt.subplots()
    ax.imshow(values, **options)
    ax.set_yticks(range(len(rows)), [f"{v:g}" for v in rows])
    ax.set_xticks(range(len(cols)), [f"{v:g}" for v in cols])

heat(acc, lrs, lams)                                  # right
heat(acc, lrs[::-1], lams)                            # rows named the other way round
heat(acc[::-1], lrs[::-1], lams)                      # rows flipped with their names: right
heat(acc, lrs, lams, origin="lower")                  # right
heat(acc, lrs, lams[::-1], origin="lower")            # columns named the other way round
heat(acc, np.log10(lrs), np.log10(lams))              # log10 of the values: right
heat(np.ones((2, 3)), lrs[::-1], lams)                # rows alike: cannot be told
fig, ax = plt.subplots()
ax.pcolormesh(acc)                                    # no image: cannot be told
ax.set_yticks([0.5, 1.5], ["1", "0.01"])
"""


def test_tick_labels_that_name_other_rows_or_columns_are_found(factory):
    acc = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    told = [ax.cells_mislabelled(acc, [0.01, 1.0], [1e-4, 1e-3, 1e-2])
            for ax in all_axes(figures_after(factory, HEATMAPS))]
    assert told == [False, True, False, False, True, False, False, False]


def test_the_values_an_image_or_mesh_shows_are_read(factory):
    """Rows and columns in any order, float32 copies and pcolor meshes show the values;
    rounded ones and other values do not; a picture of another shape cannot tell."""
    acc = np.array([[0.1234, 0.2345, 0.3456], [0.4567, 0.5678, 0.6789]])
    more = HEATMAPS.replace("[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]",
                            "[[0.1234, 0.2345, 0.3456], [0.4567, 0.5678, 0.6789]]") + (
        "heat(acc.astype(np.float32), lrs, lams)\nheat(np.round(acc, 2), lrs, lams)\n"
        "fig, ax = plt.subplots()\nax.pcolor(acc[:, ::-1])\n"
        "fig, ax = plt.subplots()\nax.pcolormesh(np.round(acc, 1))\n"
        "fig, ax = plt.subplots()\nax.imshow(acc.T)\n")
    told = [ax.shows(acc) for ax in all_axes(figures_after(factory, more))]
    assert told == [True, True, True, True, True, True, False, True,
                    True, False, True, False, None]


@pytest.mark.parametrize("text, value", [
    ("0.01", 0.01), ("1e-02", 0.01), ("$10^{-2}$", 0.01), ("$\\mathdefault{10^{-2}}$", 0.01),
    ("$2 \\times 10^{-3}$", 0.002), ("lr = 0.5", 0.5), ("\u22121", -1.0), ("adam", None),
    ("10^{99999}", None), ("10\u207b\u00b2", 0.01), ("2\u00d710\u207b\u00b3", 0.002),
    ("\u03bb = 10\u2074", 1e4),
])
def test_tick_labels_are_read_as_the_numbers_they_write(text, value):
    assert tick_value(text) == (None if value is None else pytest.approx(value))


def test_log10_ticks_count_only_on_an_axis_labelled_log():
    ticks = Axes(xticklabels=["-3", "-2", "-1"], xlabel="log10(lambda)")
    assert ticks.ticks_show("x", [1e-3, 1e-2, 0.1])
    assert not Axes(xticklabels=["-3", "-2", "-1"], xlabel="lambda").ticks_show(
        "x", [1e-3, 1e-2, 0.1])


def test_figures_closed_by_the_notebook_figure_legends_and_scatter_points_count(factory):
    first, second = all_axes(figures_after(factory, CLOSING))
    assert sorted(first.legend) == ["line", "points"] and len(second.lines) == 1
    points = next(ln for ln in first.lines if ln.label == "points")
    assert np.array_equal(points.x, [1, 2, 3]) and np.array_equal(points.y, [4, 5, 6])
    line = next(ln for ln in first.lines if ln.label == "line")
    assert points.has_markers and not points.has_segments
    assert line.has_segments and not line.has_markers


def described_after(factory, cells: list[str]) -> list:
    """The axes the suite sees after a notebook of ``cells``."""
    runtime = NotebookRuntime(factory, Limits(), Budgets(), cells)
    try:
        assert all(c.ok for c in runtime.run_notebook())
        return all_axes(Student(runtime, QuestionBudget(30)).figures())
    finally:
        runtime.close()


def test_a_later_cell_cannot_undo_a_plot_as_in_jupyters_inline_backend(factory):
    [plot, *_] = described_after(factory, [
        "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
        "plt.semilogy([1, 10, 100], label='cost'); plt.legend()",
        "plt.clf()", "plt.yscale('linear')", "plt.cla(); plt.plot([0, 1])"])
    assert plot.yscale == "log" and [ln.label for ln in plot.lines] == ["cost"]


def test_with_an_interactive_backend_figures_stay_open_across_cells(factory):
    [plot] = described_after(factory, [
        "%matplotlib widget\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])",
        "plt.plot([3, 4]); plt.yscale('log')"])
    assert len(plot.lines) == 2 and plot.yscale == "log"
