"""Results of grading: per check, per question, per submission.

A question's score is its points times the weighted fraction of its checks that
passed. Its status summarises why: ``passed``, ``partial``, ``failed`` (answers
wrong), ``error`` (the student's code raised), ``timeout``, ``missing`` (a function
the question needs is not defined), or ``manual`` (waiting for a human grade).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    """Why a question got its score (stored as its text in the gradebook)."""

    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"      # answers wrong
    ERROR = "error"        # the student's code raised, or the notebook could not be run
    TIMEOUT = "timeout"
    MISSING = "missing"    # a name the question needs is not defined
    MANUAL = "manual"      # waiting for a human grade


class Failure(StrEnum):
    """Why one check failed."""

    MISMATCH = "mismatch"  # a wrong value
    ERROR = "error"
    TIMEOUT = "timeout"
    MISSING = "missing"
    INTERNAL = "internal"  # a bug in the hidden suite or the engine



@dataclass
class CheckResult:
    """One unit of partial credit."""

    label: str
    passed: bool
    weight: float = 1.0
    message: str = ""
    kind: Failure | str = ""  # for failures only
    mistake: str = ""         # the classic mistake a wrong value matches, if named
    note: str = ""            # how the check was judged, shown even when it passed
    informative: bool = False  # it compared with an expected value that has something to it
    shown: bool = False  # ... and such a comparison held
    trivial: str = ""  # a comparison held only with a trivial value: why that shows nothing
    hollow: str = ""  # it rests on the student's own degenerate values: why that shows nothing
    supporting: str = ""  # why its pass shows nothing of the answer unless another check passed


@dataclass
class QuestionResult:
    question: str
    max_points: float
    score: float | None
    status: Status
    feedback: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    answer: str = ""  # the student's text, for manually graded questions
    mistakes: list[str] = field(default_factory=list)  # named in failed checks, in order
    graded_by: str = ""       # a person's name when the score was given by hand
    comment: str = ""         # that person's comment
    auto_score: float | None = None  # the automatic score a person overrode, if any
    manual: bool = False      # the suite declares it graded by hand

    @property
    def pending(self) -> bool:
        """A manual question nobody has graded yet."""
        return self.status == Status.MANUAL and self.score is None

    @classmethod
    def from_checks(cls, question: str, max_points: float, checks: list[CheckResult],
                    abort: CheckResult | None = None, seconds: float = 0.0) -> QuestionResult:
        """Score by weighted fraction of passed checks; an abort outside any check
        (the question could not finish) scores zero."""
        if abort is not None:
            checks = checks + [abort]
            score = 0.0
        else:
            total = sum(c.weight for c in checks)
            passed = sum(c.weight for c in checks if c.passed)
            score = max_points * passed / total if total else 0.0
        status = _status(checks, score, max_points)
        feedback = _feedback(checks)
        mistakes = list(dict.fromkeys(c.mistake for c in checks if not c.passed and c.mistake))
        return cls(question, max_points, round(score, 6), status, feedback, checks,
                   round(seconds, 3), mistakes=mistakes)


def _status(checks: list[CheckResult], score: float, max_points: float) -> Status:
    if checks and score >= max_points:
        return Status.PASSED
    if score > 0:
        return Status.PARTIAL
    kinds = {c.kind for c in checks if not c.passed}
    if Failure.TIMEOUT in kinds:
        return Status.TIMEOUT
    if kinds == {Failure.MISSING}:
        return Status.MISSING
    if kinds & {Failure.ERROR, Failure.MISSING, Failure.INTERNAL}:
        return Status.ERROR
    return Status.FAILED


def _feedback(checks: list[CheckResult]) -> str:
    """The first failure in full, then a count: one clear message beats twenty; then the
    notes of the checks (how a check was judged, e.g. with the student's own earlier
    function), which also show when everything passed."""
    failed = [c for c in checks if not c.passed]
    if not checks:
        return "No check ran."
    notes = "".join(f"\nNote: {note}" for note in dict.fromkeys(c.note for c in checks
                                                               if c.note))
    if not failed:
        return f"All {len(checks)} checks passed.{notes}"
    first = failed[0]
    text = f"{first.label}: {first.message}" if first.label else first.message
    passed = len(checks) - len(failed)
    return f"{text}\n({passed} of {len(checks)} checks passed){notes}"


@dataclass
class CellLog:
    """What happened to one code cell of the notebook."""

    index: int  # position of the cell in the notebook, from 0
    ok: bool
    seconds: float
    error: str = ""
    start: str = ""  # the cell's first line of code, by which a student finds it

    @property
    def where(self) -> str:
        """The cell as a student finds it: its number counting every cell from 1 (text cells
        too) and its first line, e.g. ``cell 9 (def predict(X, W):)``."""
        return f"cell {self.index + 1}" + (f" ({self.start})" if self.start else "")


@dataclass(frozen=True)
class GradedWith:
    """What a recorded grading was made with: its seed and the digest of its suite
    ("" for gradings recorded before digests were kept)."""

    seed: int
    suite: str = ""


@dataclass
class SubmissionResult:
    student: str
    assignment: str
    path: str
    sha256: str
    seed: int
    questions: list[QuestionResult] = field(default_factory=list)
    cells: list[CellLog] = field(default_factory=list)
    suite: str = ""  # digest of the hidden suite that graded it (Suite.digest)
    isolation: str = ""
    seconds: float = 0.0
    error: str = ""  # why the submission could not be graded at all, if so
    attempt: int = 0  # set by the gradebook
    version: int = 0  # which grading of this attempt (a regrade adds one), set by the gradebook
    submitted_at: datetime | None = None  # when the student submitted, if known
    late: bool = False  # submitted after the deadline (from the LMS or the submission time)
    source: str = ""  # where the file came from: canvas, moodle, gradescope, file
    days_late: int = 0  # whole days after the deadline's grace period, set by the late policy
    penalty: float = 0.0  # points the late policy takes off the total
    graded_at: datetime | None = None  # set by the gradebook

    @property
    def score(self) -> float:
        return round(sum(q.score or 0.0 for q in self.questions), 6)

    @property
    def max_score(self) -> float:
        return sum(q.max_points for q in self.questions)

    @property
    def final_score(self) -> float:
        """The total after the late penalty, never below zero."""
        return round(max(0.0, self.score - self.penalty), 6)

    @property
    def pending(self) -> list[str]:
        """Manual questions nobody has graded yet."""
        return [q.question for q in self.questions if q.pending]

    def question(self, qid: str) -> QuestionResult:
        return next(q for q in self.questions if q.question == qid)


def question_ids(results: list[SubmissionResult]) -> list[str]:
    """Every question id in ``results``, in order of first appearance."""
    seen: dict[str, None] = {}
    for r in results:
        for q in r.questions:
            seen.setdefault(q.question, None)
    return list(seen)
