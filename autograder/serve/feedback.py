"""What a student may see of a grade: the feedback policy applied to a result.

The page templates only show what :func:`feedback_view` puts in a :class:`FeedbackView`,
so what is withheld before a deadline is decided here, once, from the gradebook's
structured result: the level (see :class:`autograder.records.config.Feedback`) decides
which fields are filled, and the feedback text is passed through
:func:`autograder.authoring.redact.redact_expected` below the full level.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograder.authoring.redact import redact_expected
from autograder.engine.results import SubmissionResult
from autograder.records.config import Feedback
from autograder.records.export import describe


@dataclass(frozen=True)
class QuestionView:
    question: str
    max_points: float
    score: float | None
    status: str
    pending: bool
    feedback: str = ""
    mistakes: tuple[str, ...] = ()
    answer: str = ""
    by_hand: bool = False  # a person gave the score (their comment is in the feedback)


@dataclass(frozen=True)
class FeedbackView:
    """A grade as one reader may see it; empty fields are withheld, not missing."""

    level: Feedback
    assignment: str
    student: str
    attempt: int
    sha256: str
    error: str  # why the file could not be graded: always shown, it is about the file
    late: bool
    days_late: int
    score: float | None = None
    max_score: float | None = None
    penalty: float = 0.0
    final: float | None = None
    pending: tuple[str, ...] = ()
    failed_cells: tuple[tuple[str, str], ...] = ()  # (where the cell is, error)
    questions: tuple[QuestionView, ...] = field(default_factory=tuple)

    @property
    def shows_scores(self) -> bool:
        return self.level >= Feedback.SCORES


def feedback_view(result: SubmissionResult, level: Feedback) -> FeedbackView:
    """``result`` as seen at ``level``; the late policy must already be applied."""
    base = FeedbackView(level, result.assignment, result.student, result.attempt,
                        result.sha256, result.error, result.late, result.days_late)
    if level < Feedback.SCORES:
        return base
    cells = tuple((c.where, c.error) for c in result.cells if not c.ok) \
        if level >= Feedback.MISTAKES else ()
    return FeedbackView(
        level, result.assignment, result.student, result.attempt, result.sha256,
        result.error, result.late, result.days_late, result.score, result.max_score,
        result.penalty, result.final_score, tuple(result.pending), cells,
        tuple(_question(q, level) for q in result.questions))


def _question(q, level: Feedback) -> QuestionView:
    shown = QuestionView(q.question, q.max_points, q.score, str(q.status), q.pending)
    if level < Feedback.MISTAKES:
        return shown
    text = describe(q).strip()
    return QuestionView(q.question, q.max_points, q.score, str(q.status), q.pending,
                        text if level >= Feedback.FULL else redact_expected(text),
                        tuple(q.mistakes), q.answer, bool(q.graded_by))
