"""Figures are described by the worker and parsed on the trusted side."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.authoring.figures import all_axes, parse_figures
from autograder.engine.session import value_from
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


def test_lines_labels_images_and_colorbars_are_described(factory):
    session = factory.spawn(Limits())
    try:
        assert session.request({"op": "run", "source": CELL}).header["ok"]
        raw = value_from(session.request({"op": "figures"}), session.budget)
    finally:
        session.close()
    [fig] = parse_figures(raw)
    assert fig.has_colorbar
    plot, heat = all_axes(raw)
    assert plot.labelled and [ln.label for ln in plot.lines] == ["sgd", "adam"]
    assert np.array_equal(plot.lines[1].y, [0, 1, 4, 9, 16])
    assert plot.legend == ["sgd", "adam"]
    assert heat.grids() == [(3, 4)] and not heat.labelled


def test_malformed_descriptions_are_dropped_not_trusted():
    raw = [{"axes": [{"lines": [{"x": "no", "y": np.ones(2)}], "images": [["x", 3]],
                      "is_colorbar": "yes", "xlabel": 5}]}, "junk", {"axes": "no"}]
    [ax] = all_axes(raw)
    assert ax.lines == [] and ax.images == [(3,)] and not ax.is_colorbar and ax.xlabel == ""
    assert parse_figures(protocol.unpack({"t": "none"}, [])) == []


def test_of_many_open_figures_the_newest_are_kept():
    raw = [{"number": i, "axes": [], "suptitle": ""} for i in range(1, 151)]
    assert [f.number for f in parse_figures(raw)] == list(range(51, 151))
