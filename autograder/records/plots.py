"""The report's figures, drawn with matplotlib and returned as SVG data URIs."""

from __future__ import annotations

import base64
import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from autograder.engine.results import Status  # noqa: E402
from autograder.records.analysis import Item  # noqa: E402

# One colour per outcome: the usual traffic lights, and distinct ones for the rest.
COLOURS = {Status.PASSED: "#2e7d32", Status.PARTIAL: "#f2a900", Status.FAILED: "#c62828",
           Status.ERROR: "#6a1b9a", Status.TIMEOUT: "#00838f", Status.MISSING: "#757575",
           Status.MANUAL: "#90caf9"}
LABELS = {Status.MANUAL: "pending (manual)"}
plt.rcParams["svg.hashsalt"] = "nngrade"  # the same figure gives the same file


def score_histogram(values: list[float], top: float, xlabel: str) -> str:
    """Totals in bins one point wide (wider for long scales), integer axes."""
    fig, ax = plt.subplots(figsize=(6, 3.2), layout="constrained")
    width = max(1, math.ceil(top / 30))
    edges = np.arange(0, math.ceil(top) + width + 1e-9, width)
    ax.hist(values, bins=list(edges), color="#1f5f8b", edgecolor="white")
    ax.set_xlim(0, edges[-1])
    _integer_axes(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("students")
    return _svg(fig)


def outcomes(items: list[Item]) -> str:
    """Stacked bars of the outcome of each question; the legend sits beside the axes."""
    fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(items) + 3.5), 3.4),
                           layout="constrained")
    qids = [item.question for item in items]
    bottom = np.zeros(len(items))
    for status in Status:
        counts = np.array([item.outcomes.get(status, 0) for item in items], dtype=float)
        if counts.any():
            ax.bar(qids, counts, bottom=bottom, color=COLOURS[status], edgecolor="white",
                   label=LABELS.get(status, str(status)))
            bottom += counts
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("question")
    ax.set_ylabel("students")
    fig.legend(loc="outside right upper", frameon=False, fontsize=8)
    return _svg(fig)


def grading_times(seconds: list[float]) -> str:
    """How long each submission took to grade (notebook and hidden suite)."""
    fig, ax = plt.subplots(figsize=(6, 3.0), layout="constrained")
    ax.hist(seconds, bins=min(20, max(5, len(seconds))), color="#5b7b3a", edgecolor="white")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("seconds to grade one submission")
    ax.set_ylabel("submissions")
    return _svg(fig)


def _integer_axes(ax) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _svg(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
