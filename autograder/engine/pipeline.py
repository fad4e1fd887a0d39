"""Grading one submission: load, execute in a sandbox, run the hidden suite, score."""

from __future__ import annotations

import time
from pathlib import Path

from autograder.engine.load import LoadError, Submission, file_hash, load_submission, student_id
from autograder.engine.results import CellLog, QuestionResult, Status, SubmissionResult
from autograder.engine.run_order import charge, out_of_order
from autograder.engine.runtime import NotebookRuntime
from autograder.engine.session import WorkerDied, WorkerFactory
from autograder.engine.suite import Question, Suite, question_rng, run_question


def grade_path(path: Path, suite: Suite, factory: WorkerFactory, seed: int,
               student: str | None = None) -> SubmissionResult:
    """Grade the notebook at ``path``; a file that cannot be read scores zero, with why."""
    try:
        submission = load_submission(path, student, suite.assignment)
    except LoadError as exc:
        return refused(path, suite, seed, str(exc), student)
    return grade_submission(submission, suite, factory, seed)


def refused(path: Path, suite: Suite, seed: int, reason: str,
            student: str | None = None) -> SubmissionResult:
    """The record of a submission that could not be graded at all."""
    try:
        digest = file_hash(path) if path.is_file() and not path.is_symlink() else ""
    except OSError:
        digest = ""
    result = SubmissionResult(student or student_id(path, suite.assignment), suite.assignment,
                              str(path), digest, seed, error=f"{path.name}: {reason}",
                              suite=suite.digest)
    result.questions = [QuestionResult(q.id, q.points, 0.0, Status.ERROR,
                                       f"Not graded: {reason}") for q in suite.questions]
    return result


def grade_submission(sub: Submission, suite: Suite, factory: WorkerFactory,
                     seed: int) -> SubmissionResult:
    """Run the notebook's cells in a sandboxed worker, then every question against it."""
    start = time.monotonic()
    result = SubmissionResult(sub.student, suite.assignment, str(sub.path), sub.sha256, seed,
                              suite=suite.digest)
    runtime = NotebookRuntime(factory, suite.limits, suite.budgets, sub.cells)
    try:
        result.cells = runtime.run_notebook()
        unordered = out_of_order(sub.cells, result.cells)
        for log in result.cells:  # report positions in the notebook, not among code cells
            log.start = _first_line(sub.cells[log.index])
            log.index = sub.positions[log.index] if sub.positions else log.index
        result.isolation = runtime.isolation
        result.questions = [_question(q, runtime, suite, seed, sub) for q in suite.questions]
        charge(result.questions, unordered, sub.blocks, lambda i: _where(sub, i))
    except WorkerDied as exc:  # the worker could not even start
        return refused(sub.path, suite, seed, f"could not be run ({exc})", sub.student)
    finally:
        runtime.close()
    result.seconds = round(time.monotonic() - start, 3)
    return result


def _where(sub: Submission, i: int) -> str:
    """Code cell ``i`` as a student finds it, e.g. ``cell 9 (def predict(X, W):)``."""
    position = sub.positions[i] if sub.positions else i
    return CellLog(position, True, 0.0, start=_first_line(sub.cells[i])).where


def _first_line(source: str, width: int = 60) -> str:
    """The first line of a cell that is not blank, cut to ``width`` characters."""
    line = next((x.strip() for x in source.splitlines() if x.strip()), "")
    return line if len(line) <= width else line[:width - 3] + "..."


def _question(q: Question, runtime: NotebookRuntime, suite: Suite, seed: int,
              sub: Submission) -> QuestionResult:
    if q.manual:
        return _manual_answer(q, suite, sub)
    return run_question(q, runtime, question_rng(suite.assignment, q.id, seed))


def _manual_answer(q: Question, suite: Suite, sub: Submission) -> QuestionResult:
    """A manual question waits for a person, unless there is no answer to grade."""
    block = [m.id for m in suite.questions if m.manual].index(q.id)
    answer = sub.answer_to(q.id, block)
    if not answer:
        return QuestionResult(q.id, q.points, 0.0, Status.MISSING,
                              "No answer: the answer cell still holds the placeholder text "
                              "or was removed.", manual=True)
    return QuestionResult(q.id, q.points, None, Status.MANUAL, "Needs a manual grade.",
                          answer=answer, manual=True)
