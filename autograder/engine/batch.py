"""Grading many submissions in parallel, recording each as it finishes.

Each submission is graded in its own sandboxed worker; the trusted side runs one
grading thread per worker slot. A result is written to the gradebook as soon as it
is ready, so an interrupted batch resumes where it stopped: files already recorded
are skipped (unless ``regrade``). Nothing one submission does reaches another.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from autograder.engine.load import file_hash, student_id
from autograder.engine.pipeline import grade_path, refused
from autograder.engine.results import SubmissionResult
from autograder.engine.session import WorkerFactory
from autograder.engine.suite import Suite


class ResultStore(Protocol):
    """Where a batch records results (the gradebook, in :mod:`autograder.records`)."""

    def recorded(self, student: str, assignment: str, sha256: str) -> bool: ...

    def record(self, result: SubmissionResult, regrade: bool = False) -> int: ...


def discover(paths: Iterable[Path]) -> list[Path]:
    """Notebook files named by ``paths``: files as given, folders searched recursively."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in q.parts)
        else:
            found.append(p)
    return list(dict.fromkeys(found))


@dataclass
class BatchOutcome:
    results: list[SubmissionResult] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # already in the gradebook

    def sort(self, paths: list[Path]) -> None:
        """Results in the order the files were given."""
        order = {str(p): i for i, p in enumerate(paths)}
        self.results.sort(key=lambda r: order.get(str(r.path), len(order)))

    @property
    def failures(self) -> list[SubmissionResult]:
        """Submissions that could not be graded at all (or hit an engine fault)."""
        return [r for r in self.results if r.error]


def grade_batch(paths: list[Path], suite: Suite, gradebook: ResultStore | None, seed: int,
                workers: int, factory: WorkerFactory, regrade: bool = False,
                progress: Callable[[SubmissionResult], None] | None = None) -> BatchOutcome:
    """Grade ``paths`` with ``workers`` in parallel; record and report each result."""
    outcome = BatchOutcome()
    todo = []
    for path in paths:
        if gradebook and not regrade and already_recorded(gradebook, path, suite):
            outcome.skipped.append(path)
        else:
            todo.append(path)
    with ThreadPoolExecutor(max_workers=max(1, workers),
                            thread_name_prefix="grade") as pool:
        pending: dict[Future, Path] = {
            pool.submit(_grade_safely, p, suite, factory, seed): p for p in todo}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                pending.pop(future)
                finish(future.result(), gradebook, regrade, outcome, progress)
    outcome.sort(paths)
    return outcome


def finish(result: SubmissionResult, gradebook: ResultStore | None, regrade: bool,
           outcome: BatchOutcome, progress: Callable[[SubmissionResult], None] | None) -> None:
    """Record a result as soon as it is ready (an interrupted batch keeps it) and report it."""
    if gradebook is not None:
        result.attempt = gradebook.record(result, regrade=regrade)
    outcome.results.append(result)
    if progress:
        progress(result)


def already_recorded(gradebook: ResultStore, path: Path, suite: Suite) -> bool:
    """Whether this very file is in the gradebook already."""
    try:
        digest = file_hash(path) if path.is_file() and not path.is_symlink() else None
    except OSError:
        return False
    return digest is not None and gradebook.recorded(student_id(path, suite.assignment),
                                                     suite.assignment, digest)


def _grade_safely(path: Path, suite: Suite, factory: WorkerFactory,
                  seed: int) -> SubmissionResult:
    """Grade one file; an engine fault becomes that submission's recorded error."""
    try:
        return grade_path(path, suite, factory, seed)
    except Exception as exc:  # never let one submission stop the batch
        detail = traceback.format_exception_only(exc)[-1].strip()
        return refused(path, suite, seed, f"internal grading error ({detail})")
