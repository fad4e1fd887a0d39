"""Inspecting a student's matplotlib figures from the trusted side.

The worker describes the notebook's figures as plain data (titles, axis labels, tick
labels, line data, image and mesh shapes, colorbars); never a pickled figure. This module
turns that description into typed objects, dropping anything malformed, so a hidden suite
can ask for "a figure with one line per optimizer and labelled axes" safely::

    axes = all_axes(student.figures())
    expect(axes, "cost plot").satisfies(lambda a: any(len(ax.lines) >= 7 and ax.labelled
                                                      for ax in a), "no axes with 7 lines")
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Line:
    label: str
    x: np.ndarray
    y: np.ndarray
    marker: str = ""  # matplotlib's marker code ("o", "s", ...); "None" or "" for none
    linestyle: str = ""  # "-", "--", ...; "None" for markers alone (a scatter plot's)

    @property
    def has_markers(self) -> bool:
        """Its points are drawn as markers (a scatter plot's always are)."""
        return self.marker.strip() not in ("", "None", "none")

    @property
    def has_segments(self) -> bool:
        """Its points are joined by a line."""
        return self.linestyle.strip() not in ("", "None", "none")


@dataclass(eq=False)
class Picture:
    """An image's values and where its cells stand (imshow's extent and origin)."""

    values: np.ndarray
    extent: tuple[float, float, float, float]  # left, right, bottom, top
    origin: str = "upper"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Picture) and np.array_equal(self.values, other.values) and \
            (self.extent, self.origin) == (other.extent, other.origin)

    def centres(self, axis: str) -> np.ndarray:
        """The data coordinate of each row's centre (``"y"``) or column's (``"x"``)."""
        left, right, bottom, top = self.extent
        if axis == "x":
            start, end, n = left, right, self.values.shape[1]
        else:  # row 0 stands at the top with origin "upper", at the bottom with "lower"
            start, end = (top, bottom) if self.origin == "upper" else (bottom, top)
            n = self.values.shape[0]
        return start + (np.arange(n) + 0.5) * (end - start) / n


SHOWN = (1e-6, 1e-9)  # rtol, atol of a picture's values against the values it should show


@dataclass
class Axes:
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xscale: str = "linear"
    yscale: str = "linear"
    lines: list[Line] = field(default_factory=list)
    images: list[tuple[int, ...]] = field(default_factory=list)  # shapes of imshow arrays
    meshes: list[tuple[int, ...]] = field(default_factory=list)  # shapes of pcolormesh arrays
    legend: list[str] = field(default_factory=list)
    xticklabels: list[str] = field(default_factory=list)
    yticklabels: list[str] = field(default_factory=list)
    is_colorbar: bool = False
    xticks: list[float] = field(default_factory=list)  # where each tick label stands
    yticks: list[float] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)  # small images with their values
    mesh_values: list[np.ndarray] = field(default_factory=list)  # small meshes' cell values

    @property
    def labelled(self) -> bool:
        """Both axes carry a label."""
        return bool(self.xlabel.strip() and self.ylabel.strip())

    def labels_swapped(self, x_words: re.Pattern[str], y_words: re.Pattern[str]) -> bool:
        """The x label names what the y axis should show (``y_words``) and the y label
        what the x axis should (``x_words``), and neither names its own: only a label
        that names the other quantity counts, never a wording."""
        def names(label: str, words: re.Pattern[str], other: re.Pattern[str]) -> bool:
            return bool(words.search(label)) and not other.search(label)
        return names(self.xlabel, y_words, x_words) and names(self.ylabel, x_words, y_words)

    def cells_mislabelled(self, values: np.ndarray, rows: Sequence[float],
                          columns: Sequence[float]) -> bool:
        """Every image of these axes that shows ``values`` (its rows and columns in any
        order) has a tick at the centre of a row or column that names another row's (or
        column's) value, or its log10: the labels do not follow the cells. False whenever
        that cannot be told (no such image, rows alike, ticks between cells)."""
        told = [self._mislabelled(p, np.asarray(values, dtype=float), rows, columns)
                for p in self.pictures if p.values.shape == np.shape(values)]
        told = [t for t in told if t is not None]
        return bool(told) and all(told)

    def _mislabelled(self, picture: Picture, values: np.ndarray, rows: Sequence[float],
                     columns: Sequence[float]) -> bool | None:
        row_of = _matching(picture.values, values)
        col_of = _matching(picture.values.T, values.T)
        if row_of is None or col_of is None:
            return None
        return any(_names_another(locs, labels, picture.centres(axis), order, wanted)
                   for axis, locs, labels, order, wanted in (
                       ("y", self.yticks, self.yticklabels, row_of, rows),
                       ("x", self.xticks, self.xticklabels, col_of, columns)))

    def as_labelled(self, axis: str, values: np.ndarray) -> np.ndarray:
        """Coordinates along the ``"x"`` or ``"y"`` axis as its tick labels name them: where
        every one stands at a tick whose label writes a number (a categorical axis: points
        at 0, 1, 2, ... under the labels "1", "2", "4", ...), those numbers; else as they
        are."""
        locs, labels = (self.xticks, self.xticklabels) if axis == "x" else \
            (self.yticks, self.yticklabels)
        if len(locs) != len(labels) or not len(values):
            return values
        named = []
        for v in np.ravel(values):
            at = [tick_value(t) for loc, t in zip(locs, labels, strict=True)
                  if abs(loc - v) <= 1e-9 * max(1.0, abs(v))]
            if not at or at[0] is None:
                return values
            named.append(at[0])
        return np.asarray(named, dtype=float).reshape(np.shape(values))

    def shows(self, values: np.ndarray) -> bool | None:
        """An image or mesh of ``values``' shape shows exactly those values, its rows and
        columns in any order (the tick labels say which is which); None when no image or
        mesh of that shape was described with its values."""
        values = np.asarray(values, dtype=float)
        grids = [g for g in [p.values for p in self.pictures] + self.mesh_values
                 if g.shape == values.shape]
        if not grids:
            return None
        return any(_permuted(g, values) for g in grids)

    def grids(self) -> list[tuple[int, ...]]:
        """Shapes of every image or mesh drawn on these axes."""
        return self.images + self.meshes

    def ticks_show(self, axis: str, values: Sequence[float]) -> bool:
        """The tick labels of the ``"x"`` or ``"y"`` axis include every value, written any
        usual way ("0.001", "1e-03", "$10^{-3}$", "lam=0.001"; to 1 %), or every
        log10(value) on an axis whose label says "log"."""
        labels, name = (self.xticklabels, self.xlabel) if axis == "x" else \
            (self.yticklabels, self.ylabel)
        shown = [v for v in map(tick_value, labels) if v is not None]

        def all_shown(targets) -> bool:
            return all(any(np.isclose(v, t, rtol=1e-2, atol=1e-9) for v in shown)
                       for t in targets)
        wanted = np.asarray(values, dtype=float)
        return all_shown(wanted) or ("log" in name.lower() and bool(np.all(wanted > 0))
                                     and all_shown(np.log10(wanted)))


SUPERSCRIPTS = "\u207b\u207a\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
_FROM_SUPERSCRIPT = str.maketrans(SUPERSCRIPTS, "-+0123456789")


def _matching(shown: np.ndarray, values: np.ndarray, rtol: float = 1e-9,
              atol: float = 1e-12) -> list[int] | None:
    """For each row of ``shown``, the one row of ``values`` equal to it, or None."""
    found = [[k for k in range(len(values)) if np.allclose(row, values[k], rtol, atol)]
             for row in shown]
    order = [k[0] for k in found if len(k) == 1]
    return order if len(order) == len(shown) and len(set(order)) == len(order) else None


def _permuted(shown: np.ndarray, values: np.ndarray) -> bool:
    """``shown`` is ``values`` with its rows and columns in some order (each found by its
    sorted entries, so rows or columns alike are not told apart); to ``SHOWN``: float32
    copies of the values agree to 1e-7, rounded ones differ by far more."""
    rows = _matching(np.sort(shown, axis=1), np.sort(values, axis=1), *SHOWN)
    cols = _matching(np.sort(shown, axis=0).T, np.sort(values, axis=0).T, *SHOWN)
    return rows is not None and cols is not None and \
        np.allclose(shown, values[np.ix_(rows, cols)], *SHOWN)


def _names_another(locs: Sequence[float], labels: Sequence[str], centres: np.ndarray,
                   order: list[int], wanted: Sequence[float]) -> bool:
    """A tick at a cell's centre names the value of another cell and not its own."""
    if len(locs) != len(labels) or len(centres) < 2:
        return False
    half = abs(centres[1] - centres[0]) / 4
    want = np.asarray(wanted, dtype=float)
    logs = np.log10(np.where(want > 0, want, np.nan))
    for loc, label in zip(locs, labels, strict=True):
        value, cell = tick_value(label), int(np.argmin(np.abs(centres - loc)))
        if value is None or abs(centres[cell] - loc) > half:
            continue
        own = want[order[cell]]
        names = np.isclose(value, want, rtol=1e-2) | np.isclose(value, logs, rtol=1e-2)
        if names.any() and not (np.isclose(value, own, rtol=1e-2)
                                or np.isclose(value, logs[order[cell]], rtol=1e-2)):
            return True
    return False


def tick_value(text: str) -> float | None:
    """The number a tick label writes: "0.01", "1e-02", "$10^{-2}$", "10⁻²",
    "$2 \\times 10^{-3}$", "lr = 0.01" (what follows the last "="); None for anything else."""
    t = text.replace("\u2212", "-").replace("\\mathdefault", "").replace("\\times", "x")
    t = re.sub(f"[{SUPERSCRIPTS}]+", lambda m: "^" + m.group().translate(_FROM_SUPERSCRIPT), t)
    t = re.sub(r"[\s${}]", "", t).split("=")[-1]
    power = re.fullmatch(r"(?:([-+]?(?:\d+\.?\d*|\.\d+))[x×*·])?10\^([-+]?\d{1,4})", t)
    try:
        if power:
            return float(power.group(1) or 1) * 10.0 ** int(power.group(2))
        return float(t)
    except (ValueError, OverflowError):
        return None


@dataclass
class Figure:
    number: int
    axes: list[Axes]
    suptitle: str = ""

    @property
    def has_colorbar(self) -> bool:
        return any(ax.is_colorbar for ax in self.axes)


MAX_FIGURES = 250


def parse_figures(raw: Any) -> list[Figure]:
    """Typed figures from the worker's description; malformed parts are dropped. Of a
    notebook that drew more figures than the worker keeps (the 200 it closed last, and
    those still open), the newest MAX_FIGURES are kept: the figure a question just asked
    for is among them."""
    if not isinstance(raw, list):
        return []
    figures = []
    for item in raw[-MAX_FIGURES:]:
        if isinstance(item, dict) and isinstance(item.get("axes"), list):
            figures.append(Figure(_int(item.get("number")),
                                  [_axes(a) for a in item["axes"][:100] if isinstance(a, dict)],
                                  _str(item.get("suptitle"))))
    return figures


def all_axes(raw: Any, include_colorbars: bool = False) -> list[Axes]:
    """Every plotting area of every figure (colorbars left out unless asked)."""
    return [ax for fig in parse_figures(raw) for ax in fig.axes
            if include_colorbars or not ax.is_colorbar]


def _axes(d: dict) -> Axes:
    return Axes(title=_str(d.get("title")), xlabel=_str(d.get("xlabel")),
                ylabel=_str(d.get("ylabel")), xscale=_str(d.get("xscale")) or "linear",
                yscale=_str(d.get("yscale")) or "linear",
                lines=[ln for ln in map(_line, _list(d.get("lines"))) if ln is not None],
                images=[_shape(s) for s in _list(d.get("images"))],
                meshes=[_shape(s) for s in _list(d.get("meshes"))],
                legend=[_str(t) for t in _list(d.get("legend"))],
                xticklabels=[_str(t) for t in _list(d.get("xticklabels"))],
                yticklabels=[_str(t) for t in _list(d.get("yticklabels"))],
                is_colorbar=d.get("is_colorbar") is True,
                xticks=_floats(d.get("xticks")), yticks=_floats(d.get("yticks")),
                pictures=[p for p in map(_picture, _list(d.get("pictures"))) if p is not None],
                mesh_values=[v for v in _list(d.get("mesh_values"))
                             if isinstance(v, np.ndarray) and v.ndim == 2 and v.dtype.kind == "f"])


def _floats(v: Any) -> list[float]:
    return [float(x) for x in _list(v) if isinstance(x, float) and np.isfinite(x)]


def _picture(d: Any) -> Picture | None:
    if not isinstance(d, dict):
        return None
    values, extent = d.get("values"), _floats(d.get("extent"))
    if not (isinstance(values, np.ndarray) and values.ndim == 2 and values.dtype.kind == "f"
            and min(values.shape) >= 1 and len(extent) == 4):
        return None
    return Picture(values, (extent[0], extent[1], extent[2], extent[3]),
                   "lower" if d.get("origin") == "lower" else "upper")


def _line(d: Any) -> Line | None:
    if not isinstance(d, dict):
        return None
    x, y = d.get("x"), d.get("y")
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
        return None
    if x.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        return None
    return Line(_str(d.get("label")), x.astype(float).ravel(), y.astype(float).ravel(),
                _str(d.get("marker")), _str(d.get("linestyle")))


def _shape(s: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in s if isinstance(v, int)) if isinstance(s, list | tuple) else ()


def _list(v: Any) -> list:
    return v[:1000] if isinstance(v, list) else []


def _str(v: Any) -> str:
    return v[:500] if isinstance(v, str) else ""


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0
