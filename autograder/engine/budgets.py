"""Grading budgets: the wall-clock time the trusted side grants a submission.

The kernel's limits on the worker (CPU, memory, processes) are
:class:`autograder.sandbox.limits.Limits`; these are enforced by the grader itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budgets:
    """Per-submission time budgets, and the largest reply the grader accepts."""

    cell_seconds: float = 30.0        # one notebook cell
    notebook_seconds: float = 180.0   # all cells together
    call_seconds: float = 10.0        # one call from the hidden suite
    question_seconds: float = 60.0    # one question of the hidden suite
    message_mb: int = 64              # largest message read from the worker
