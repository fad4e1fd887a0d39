"""Hand grades in and out: the CSV teaching assistants fill in, and merging it back.

``manual.csv`` has one row per manually graded question of every student, with the
current score, comment and grader, so it can be exported, edited and merged again at
any time. Merging changes only the rows whose score or comment changed and says which.
A row for an automatically graded question is an override and must say so
(``override`` column ``yes``); ``score`` ``auto`` in such a row withdraws the override.
"""

from __future__ import annotations

import csv
import getpass
from dataclasses import dataclass
from pathlib import Path

from autograder.engine.results import QuestionResult, SubmissionResult
from autograder.records.gradebook import Gradebook, HandEntry

COLUMNS = ["student", "question", "max_points", "score", "comment", "grader", "override",
           "note"]
YES = {"yes", "y", "true", "1", "x"}


class ManualScoresError(Exception):
    """The CSV cannot be merged; nothing was written. One line, with the row."""


@dataclass
class Change:
    student: str
    question: str
    before: float | None
    after: float | None
    comment_changed: bool
    override: bool

    def describe(self) -> str:
        def show(x: float | None) -> str:
            return "pending" if x is None else f"{x:g}"
        what = "override" if self.override else "manual"
        text = f"{self.student} {self.question} ({what}): {show(self.before)} -> "
        text += "automatic" if self.override and self.after is None else show(self.after)
        return text + (" (comment changed)" if self.comment_changed else "")


def write_manual_csv(results: list[SubmissionResult], path: Path) -> Path:
    """Every manually graded question of every student, with its current hand grade."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in results:
            for q in r.questions:
                if q.manual or q.auto_score is not None:
                    graded = q.graded_by or not q.manual
                    w.writerow([r.student, q.question, f"{q.max_points:g}",
                                f"{q.score:g}" if graded and q.score is not None else "",
                                q.comment, q.graded_by, "" if q.manual else "yes",
                                _note(q)])
    return path


def _note(q: QuestionResult) -> str:
    if q.pending:
        return "pending"
    return "no answer (0 unless graded)" if q.manual and not q.graded_by else ""


def merge_manual_scores(book: Gradebook, assignment: str, path: Path,
                        grader: str | None = None) -> list[Change]:
    """Merge a filled-in ``manual.csv``; returns what changed (empty: nothing did).
    Every row is checked before anything is written; a bad row stops the merge."""
    current = {r.student: r for r in book.latest(assignment)}
    entries, changes = [], []
    for line, row in _rows(path):
        entry = _entry(path, line, row, grader or getpass.getuser())
        result = current.get(entry.student)
        if result is None:
            raise ManualScoresError(f"{path}:{line}: no graded submission of {assignment} "
                                    f"for {entry.student!r}")
        q = next((q for q in result.questions if q.question == entry.question), None)
        if q is None:
            raise ManualScoresError(f"{path}:{line}: {assignment} has no question "
                                    f"{entry.question!r}")
        problem = _problem(entry, q)
        if problem:
            raise ManualScoresError(f"{path}:{line}: {problem}")
        change = _change(entry, q)
        if change is not None:
            entries.append(entry)
            changes.append(change)
    try:
        book.enter_hand_grades(assignment, entries)
    except (KeyError, ValueError) as exc:
        raise ManualScoresError(f"{path}: {exc.args[0]}") from None
    return changes


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = {"student", "question", "score"} - set(reader.fieldnames or [])
            if missing:
                raise ManualScoresError(f"{path}: missing column(s) "
                                        f"{', '.join(sorted(missing))}")
            rows = [(line, {k: (v or "").strip() for k, v in row.items() if k})
                    for line, row in enumerate(reader, start=2)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ManualScoresError(f"{path}: cannot be read as CSV ({exc})") from None
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        key = (row["student"], row["question"])
        if key in seen:
            raise ManualScoresError(f"{path}:{line}: {key[0]} {key[1]} appears twice "
                                    f"(also on line {seen[key]})")
        seen[key] = line
    return [(line, row) for line, row in rows if row["score"]]


def _entry(path: Path, line: int, row: dict[str, str], grader: str) -> HandEntry:
    override = row.get("override", "").lower() in YES
    if override and row["score"].lower() == "auto":
        points = None
    else:
        try:
            points = float(row["score"])
        except ValueError:
            raise ManualScoresError(f"{path}:{line}: score {row['score']!r} is not a "
                                    "number") from None
    return HandEntry(row["student"], row["question"], points, row.get("comment", ""),
                     row.get("grader") or grader, override)


def _problem(entry: HandEntry, q: QuestionResult) -> str | None:
    """Why this row cannot be merged, if it cannot."""
    if not q.manual and not entry.override:
        return (f"{entry.student} {entry.question} is graded automatically; to change its "
                "score, set the row's override column to yes")
    if entry.points is not None and not 0 <= entry.points <= q.max_points:
        return f"{entry.student} {entry.question}: {entry.points:g} is outside 0..{q.max_points:g}"
    return None


def _change(entry: HandEntry, q: QuestionResult) -> Change | None:
    """What this row would change, None if it restates the current grade."""
    if entry.override and entry.points is None:
        return (Change(entry.student, entry.question, q.score, None, False, True)
                if q.auto_score is not None else None)
    same_score = q.graded_by and q.score == entry.points
    same_comment = q.comment == entry.comment
    if same_score and same_comment:
        return None
    before = q.score if q.graded_by or not q.pending else None
    return Change(entry.student, entry.question, before, entry.points, not same_comment,
                  not q.manual)
