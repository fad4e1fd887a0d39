"""Merging hand-given scores (manually graded questions) into the gradebook."""

from __future__ import annotations

import csv
from pathlib import Path

from autograder.records.gradebook import Gradebook


class ManualScoresError(Exception):
    pass


def merge_manual_scores(book: Gradebook, assignment: str, path: Path) -> int:
    """Apply every filled-in row of a ``student,question,score[,comment]`` CSV (the
    template ``nngrade export --format manual`` writes); returns how many were set.
    Rows with an empty score are skipped; any bad row stops the merge before writing."""
    rows = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = {"student", "question", "score"} - set(reader.fieldnames or [])
        if missing:
            raise ManualScoresError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            if not (row.get("score") or "").strip():
                continue
            try:
                score = float(row["score"])
            except ValueError:
                raise ManualScoresError(f"{path}:{line}: score {row['score']!r} is not a "
                                        "number") from None
            rows.append((line, row["student"].strip(), row["question"].strip(), score,
                         (row.get("comment") or "").strip()))
    for line, student, question, score, comment in rows:
        try:
            book.set_manual_score(assignment, student, question, score, comment)
        except (KeyError, ValueError) as exc:
            raise ManualScoresError(f"{path}:{line}: {exc.args[0]}") from None
    return len(rows)
