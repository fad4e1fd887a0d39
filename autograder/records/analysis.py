"""What a class's results say: misconceptions, item analysis, totals, grading facts.

Pending manual questions are left out of every mean (they are not zeros), and files
that could not be graded are left out of the per-question figures (they carry no
answer), though they stay in the totals and the student table.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from statistics import mean, median

import numpy as np

from autograder.engine.results import QuestionResult, Status, SubmissionResult, question_ids

LOW_DISCRIMINATION = 0.2   # below this, a question hardly separates strong from weak students
STRONG_FAIL_SHARE = 0.5    # the top third scoring under half the points fails strong students
MISTAKE_MARK = "This matches a common mistake: "


def graded(results: list[SubmissionResult]) -> list[SubmissionResult]:
    """The submissions that could be run (a refused file has no answers to analyse)."""
    return [r for r in results if not r.error]


Answer = tuple[SubmissionResult, QuestionResult]


def _by_question(results: list[SubmissionResult], qid: str) -> list[Answer]:
    """Each submission's answer to question ``qid``."""
    return [(r, q) for r in results for q in r.questions if q.question == qid]


# -- misconceptions ------------------------------------------------------------

@dataclass
class Misconception:
    """A classic mistake named for one question, with who made it."""

    question: str
    mistake: str
    students: list[str]
    answered: int        # students whose answer to the question was graded
    example: str         # the feedback one of them got

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def share(self) -> float:
        return self.count / self.answered if self.answered else 0.0


def misconceptions(results: list[SubmissionResult]) -> list[Misconception]:
    """Every (question, named mistake), most frequent first, then in question order."""
    found = []
    for position, qid in enumerate(question_ids(results)):
        pairs = _by_question(graded(results), qid)
        answered = sum(1 for _, q in pairs if q.score is not None)
        names: dict[str, list[Answer]] = {}
        for r, q in pairs:
            for mistake in q.mistakes:
                names.setdefault(mistake, []).append((r, q))
        for mistake, who in names.items():
            found.append((position, Misconception(qid, mistake, [r.student for r, _ in who],
                                                  answered, _example(mistake, who))))
    found.sort(key=lambda item: (-item[1].count, item[0], item[1].mistake))
    return [m for _, m in found]


def _example(mistake: str, who: list[Answer]) -> str:
    """Feedback that names ``mistake`` if one does, else the first student's."""
    for _, q in who:
        if f"{MISTAKE_MARK}{mistake}" in q.feedback:
            return q.feedback.strip()
    return who[0][1].feedback.strip()


# -- item analysis ---------------------------------------------------------------

@dataclass
class Item:
    """How one question behaved across the class."""

    question: str
    max_points: float
    answered: int                  # graded answers (pending manual ones excluded)
    pending: int                   # manual answers still waiting for a grade
    mean_score: float | None
    full_marks: float | None       # share of graded answers with full marks
    discrimination: float | None   # correlation with the rest of the total
    outcomes: Counter = field(default_factory=Counter)
    flags: list[str] = field(default_factory=list)

    @property
    def mean_share(self) -> float | None:
        return None if self.mean_score is None else self.mean_score / self.max_points


def item_analysis(results: list[SubmissionResult]) -> list[Item]:
    """Per question: mean, share with full marks, discrimination index and flags."""
    runs = graded(results)
    items = []
    for qid in question_ids(results):
        pairs = _by_question(runs, qid)
        scored = [(r, q) for r, q in pairs if q.score is not None]
        top = max((q.max_points for _, q in pairs), default=0.0)
        scores = [q.score or 0.0 for _, q in scored]
        rests = [_points(r) - (q.score or 0.0) for r, q in scored]
        item = Item(qid, top, len(scored), len(pairs) - len(scored),
                    mean(scores) if scores else None,
                    mean(s >= q.max_points - 1e-9 for s, (_, q) in zip(scores, scored, strict=True))
                    if scored else None,
                    _correlation(scores, rests), Counter(q.status for _, q in pairs))
        item.flags = _flags(item, scores, rests)
        items.append(item)
    return items


def _points(r: SubmissionResult) -> float:
    return sum(q.score for q in r.questions if q.score is not None)


def _correlation(x: list[float], y: list[float]) -> float | None:
    """Pearson's r, or None when it is undefined (fewer than 3 values, or no spread)."""
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _flags(item: Item, scores: list[float], rests: list[float]) -> list[str]:
    flags = []
    if scores and item.full_marks == 1.0:
        flags.append("passes everyone: it separates no one")
    if len(scores) >= 3 and item.max_points:
        strong = sorted(zip(rests, scores, strict=True), reverse=True)[:max(1, len(scores) // 3)]
        if mean(s for _, s in strong) < STRONG_FAIL_SHARE * item.max_points:
            flags.append("fails strong students: check its wording and its tests")
    if item.discrimination is not None and item.discrimination < LOW_DISCRIMINATION:
        flags.append(f"low discrimination (r < {LOW_DISCRIMINATION:g})")
    return flags


# -- totals ----------------------------------------------------------------------

@dataclass
class StudentRow:
    """One line of the per-student table."""

    result: SubmissionResult
    points: float            # graded points
    possible: float          # points of the graded questions
    pending: list[str]       # manual questions waiting for a grade

    @property
    def share(self) -> float:
        return self.points / self.possible if self.possible else 0.0


def student_rows(results: list[SubmissionResult]) -> list[StudentRow]:
    return [StudentRow(r, _points(r), sum(q.max_points for q in r.questions
                                          if q.score is not None),
                       [q.question for q in r.questions if q.status == Status.MANUAL])
            for r in results]


@dataclass
class Totals:
    """The class's totals over graded points (pending manual questions left out)."""

    submissions: int
    refused: int
    pending: int                 # manual answers waiting for a grade
    pending_questions: list[str]
    max_score: float
    possible: float | None       # graded points, when the same for every student
    mean_points: float | None
    median_points: float | None
    mean_share: float | None
    median_share: float | None


def totals(rows: list[StudentRow]) -> Totals:
    possibles = {row.possible for row in rows}
    uniform = possibles.pop() if len(possibles) == 1 else None
    points = [row.points for row in rows]
    shares = [row.share for row in rows]
    pending_qs = list(dict.fromkeys(q for row in rows for q in row.pending))
    return Totals(len(rows), sum(1 for row in rows if row.result.error),
                  sum(len(row.pending) for row in rows), pending_qs,
                  max((row.result.max_score for row in rows), default=0.0), uniform,
                  mean(points) if points and uniform is not None else None,
                  median(points) if points and uniform is not None else None,
                  mean(shares) if shares else None, median(shares) if shares else None)


# -- grading facts ---------------------------------------------------------------

def isolation_kind(text: str) -> str:
    """An isolation summary without what differs between workers (their uid)."""
    return re.sub(r"\buid \d+", "a uid of its own", text)


@dataclass
class Facts:
    """How the grading was done."""

    seeds: Counter
    first: datetime | None
    last: datetime | None
    isolation: Counter            # kind -> submissions
    seconds: list[float]          # grading time of each graded submission
    slowest: SubmissionResult | None
    refused: list[tuple[str, str, str]]  # student, file name, reason

    @property
    def median_seconds(self) -> float:
        return median(self.seconds) if self.seconds else 0.0


def facts(results: list[SubmissionResult]) -> Facts:
    dates = sorted(r.graded_at for r in results if r.graded_at is not None)
    runs = graded(results)
    return Facts(Counter(r.seed for r in results), dates[0] if dates else None,
                 dates[-1] if dates else None,
                 Counter(isolation_kind(r.isolation) for r in results if r.isolation),
                 [r.seconds for r in runs], max(runs, key=lambda r: r.seconds, default=None),
                 [(r.student, Path(r.path).name, r.error) for r in results if r.error])
