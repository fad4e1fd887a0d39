"""Each student's feedback as an HTML page, beside the Markdown file of the same name.

A page shows the total, the cells that failed when the notebook ran, and per question
the score, its status, the feedback (the first mismatch with its index and shape), the
classic mistakes the answers matched and, when the result carries them, every check.
Everything on it comes from the student's notebook or is about it, so all of it is
escaped and the page runs no script at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from autograder.engine.results import SubmissionResult
from autograder.records.export import safe_name
from autograder.records.pages import write_page


def page_path(folder: Path, student: str) -> Path:
    """Where the feedback page of ``student`` goes (next to their Markdown feedback)."""
    return folder / f"{safe_name(student)}.html"


def write_feedback_pages(results: list[SubmissionResult], folder: Path,
                         fresh: Sequence[SubmissionResult] = (), only_missing: bool = False
                         ) -> list[Path]:
    """Write one page per result into ``folder``. ``fresh`` results of the same files
    (just graded, so they still carry their checks, which the gradebook does not keep)
    lend their checks; with ``only_missing``, pages that exist are left alone."""
    checks = {(r.student, r.sha256): r for r in fresh}
    paths = []
    for result in results:
        path = page_path(folder, result.student)
        if only_missing and path.exists():
            continue
        paths.append(write_page(path, "feedback.html.j2",
                                r=_with_checks(result, checks.get((result.student,
                                                                   result.sha256)))))
    return paths


def _with_checks(result: SubmissionResult, fresh: SubmissionResult | None) -> SubmissionResult:
    """``result`` with the checks of ``fresh`` on the questions it graded the same way."""
    if fresh is None:
        return result
    graded = {q.question: q for q in fresh.questions}
    return replace(result, questions=[
        replace(q, checks=graded[q.question].checks)
        if q.question in graded and graded[q.question].score == q.score else q
        for q in result.questions])
