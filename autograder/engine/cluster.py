"""Grading past one machine: the same per-submission task, run by Dask distributed.

``nngrade grade ... --scheduler tcp://host:8786`` sends each submission (its bytes, not
its path) to the cluster's workers, which need this package and the course checkout
(``--course``, or the same path as here). Each Dask worker process starts its own fork
server on first use and keeps it, so submissions are graded there exactly as they are
locally; results come back to this process, which records them as they arrive.
Files that cannot even be loaded are refused here and never shipped.
"""

from __future__ import annotations

import atexit
import tempfile
from collections.abc import Callable
from pathlib import Path

from autograder.engine.batch import BatchOutcome, ResultStore, already_recorded, finish
from autograder.engine.course import hidden_suite
from autograder.engine.load import LoadError, load_submission
from autograder.engine.pipeline import grade_path, refused
from autograder.engine.results import SubmissionResult
from autograder.engine.session import WorkerFactory
from autograder.engine.suite import Suite
from autograder.sandbox.tiers import Policy

_factories: dict[tuple[tuple[str, ...], str], WorkerFactory] = {}
_suites: dict[tuple[str, str], Suite] = {}


def grade_remote(data: bytes, filename: str, student: str, assignment: str, seed: int,
                 course: str, isolation: str = Policy.REDUCED_OK.value) -> SubmissionResult:
    """Runs on a Dask worker: grade one notebook given as bytes, refusing (as a recorded
    error) to run it below the ``isolation`` policy."""
    key = (course, assignment)
    if key not in _suites:
        _suites[key] = hidden_suite(Path(course), assignment)
    suite = _suites[key]
    if (suite.preload, isolation) not in _factories:
        factory = WorkerFactory(suite.preload, isolation=isolation, protect=(course,))
        _factories[(suite.preload, isolation)] = factory
        atexit.register(factory.close)
    with tempfile.TemporaryDirectory(prefix="nngrade-remote-") as tmp:
        path = Path(tmp) / Path(filename).name
        path.write_bytes(data)
        result = grade_path(path, suite, _factories[(suite.preload, isolation)], seed, student)
    result.path = filename
    return result


def grade_on_cluster(paths: list[Path], suite: Suite, course: Path,
                     gradebook: ResultStore | None, seed: int, scheduler: str,
                     regrade: bool = False,
                     progress: Callable[[SubmissionResult], None] | None = None,
                     isolation: str = Policy.REDUCED_OK.value) -> BatchOutcome:
    """Grade ``paths`` on the Dask cluster at ``scheduler``; record each result here.
    Each Dask worker grades under the ``isolation`` policy."""
    from distributed import Client, as_completed

    outcome = BatchOutcome()
    with Client(scheduler) as client:
        futures = []
        for path in paths:
            if gradebook and not regrade and already_recorded(gradebook, path, suite):
                outcome.skipped.append(path)
                continue
            try:
                sub = load_submission(path, assignment=suite.assignment)
            except LoadError as exc:
                finish(refused(path, suite, seed, str(exc)), gradebook, regrade, outcome,
                       progress)
                continue
            futures.append(client.submit(grade_remote, path.read_bytes(), str(path),
                                         sub.student, suite.assignment, seed, str(course),
                                         isolation, pure=False))
        for future in as_completed(futures):
            finish(future.result(), gradebook, regrade, outcome, progress)
    outcome.sort(paths)
    return outcome
