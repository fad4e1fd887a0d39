"""Declaring questions in a hidden suite: ``@question`` and ``manual``."""

from __future__ import annotations

from collections.abc import Callable

from autograder.engine.suite import Question, declare


def question(qid: str, points: float,
             timeout: float | None = None) -> Callable[[Callable[..., None]], Question]:
    """Declare an automatically graded question; ``timeout`` overrides the wall-clock
    budget of the whole question (default: the suite's ``BUDGETS.question_seconds``)."""
    def register(func: Callable[..., None]) -> Question:
        return declare(Question(qid, float(points), func, timeout))
    return register


def manual(qid: str, points: float, prompt: str = "") -> Question:
    """Declare a question a person grades; the engine records the student's answer
    (the Markdown answer cell Otter Assign generates for it). ``prompt`` is shown to
    the graders beside each answer."""
    return declare(Question(qid, float(points), None, manual=True, prompt=prompt))
