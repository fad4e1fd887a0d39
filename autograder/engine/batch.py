"""Grading many submissions in parallel, recording each as it finishes.

Each submission is graded in its own sandboxed worker; the trusted side runs one
grading thread per worker slot (driving a grading process of its own when there are
several, see :mod:`autograder.engine.slots`), and only the calling thread writes to the
store.
Results are recorded as soon as they are ready (a student's several files together, in
submission order, so which one counts never depends on timing), so an interrupted batch
resumes where it stopped: files already recorded are skipped unless ``regrade``.

Stopping: setting ``stop`` (the CLI does on SIGINT/SIGTERM) ends the batch within
moments: no new submission starts, running workers are killed and their half-done
results discarded, what finished is recorded. A write that fails for good stops the
batch the same way. Nothing one submission does reaches another.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Protocol

from autograder.engine.load import file_hash
from autograder.engine.pipeline import grade_path, refused
from autograder.engine.results import GradedWith, SubmissionResult
from autograder.engine.session import WorkerFactory
from autograder.engine.slots import SlotProcesses
from autograder.engine.suite import Suite

FLUSH_SECONDS = 0.5  # results wait at most this long to be written together


@dataclass(frozen=True)
class Job:
    """One file to grade, with the student it belongs to and what the LMS said of it."""

    path: Path
    student: str
    submitted_at: datetime | None = None
    late: bool = False
    source: str = "file"

    def stamp(self, result: SubmissionResult) -> SubmissionResult:
        result.student, result.submitted_at = self.student, self.submitted_at
        result.late, result.source = self.late, self.source
        return result


class ResultStore(Protocol):
    """Where a batch records results (the gradebook, in :mod:`autograder.records`)."""

    def recorded(self, assignment: str) -> dict[tuple[str, str], GradedWith]: ...

    def record_many(self, results: list[SubmissionResult], regrade: bool = False) -> list: ...


@dataclass
class BatchOutcome:
    results: list[SubmissionResult] = field(default_factory=list)  # graded (and recorded)
    records: list = field(default_factory=list)  # what the store said of each result
    skipped: list[Job] = field(default_factory=list)  # already recorded with this seed
    other_seed: list[tuple[Job, int]] = field(default_factory=list)  # recorded, other seed
    other_suite: list[Job] = field(default_factory=list)  # recorded by an earlier suite
    not_started: list[Job] = field(default_factory=list)  # left when the batch stopped
    interrupted: bool = False
    error: str = ""  # why the batch stopped by itself (a failed write, a lost cluster)

    @property
    def failures(self) -> list[SubmissionResult]:
        """Submissions that could not be graded at all (or hit an engine fault)."""
        return [r for r in self.results if r.error]


def grade_batch(jobs: list[Job], suite: Suite, store: ResultStore | None, seed: int,
                workers: int, factory: WorkerFactory, regrade: bool = False,
                progress: Callable[[SubmissionResult], None] | None = None,
                stop: threading.Event | None = None) -> BatchOutcome:
    """Grade ``jobs`` on this machine with ``workers`` in parallel; record and report
    each result. Several workers grade in processes of their own (:mod:`.slots`)."""
    def grade_with(f: WorkerFactory, job: Job) -> SubmissionResult:
        return _grade_safely(job, suite, f, seed)

    if workers < 2 or len(jobs) < 2 or factory.plain:
        return run_batch(jobs, suite, store, seed, workers, partial(grade_with, factory),
                         factory.kill_all, regrade, progress, stop)
    slots = SlotProcesses(min(workers, len(jobs)), factory, grade_with)
    try:
        return run_batch(jobs, suite, store, seed, workers, slots.grade, slots.cancel,
                         regrade, progress, stop)
    finally:
        slots.close()


def run_batch(jobs: list[Job], suite: Suite, store: ResultStore | None, seed: int,
              workers: int, grade: Callable[[Job], SubmissionResult],
              cancel: Callable[[], None], regrade: bool = False,
              progress: Callable[[SubmissionResult], None] | None = None,
              stop: threading.Event | None = None) -> BatchOutcome:
    """Grade ``jobs`` with ``grade`` (``workers`` at a time) and record the results;
    ``cancel`` ends the gradings under way when the batch stops."""
    outcome = BatchOutcome()
    todo = _select(jobs, suite, store, seed, regrade, outcome)
    run = _Run(todo, grade, cancel, stop or threading.Event())
    run.start(max(1, min(workers, len(todo))))
    try:
        _collect(run, store, regrade, outcome, progress)
    finally:
        run.halt()
    outcome.error = outcome.error or run.failure
    outcome.interrupted = run.stop.is_set() and not outcome.error
    outcome.not_started = run.unstarted()
    order = {j.path: i for i, j in enumerate(jobs)}
    pairs = sorted(zip(outcome.results, outcome.records or [None] * len(outcome.results),
                       strict=True), key=lambda p: order.get(Path(p[0].path), len(order)))
    outcome.results = [r for r, _ in pairs]
    outcome.records = [rec for _, rec in pairs if rec is not None]
    return outcome


def _select(jobs: list[Job], suite: Suite, store: ResultStore | None, seed: int,
            regrade: bool, outcome: BatchOutcome) -> list[Job]:
    """The jobs to grade: not those recorded already unless regrading. A file recorded
    under another seed or by another version of the suite is not graded again either (a
    regrade is the instructor's decision) but listed, so the instructor is told."""
    if store is None or regrade:
        return list(jobs)
    todo = []
    graded = store.recorded(suite.assignment)
    for job in jobs:
        recorded = graded.get((job.student, _digest(job.path)))
        if recorded is None:
            todo.append(job)
        elif recorded.seed != seed:
            outcome.other_seed.append((job, recorded.seed))
        elif recorded.suite not in ("", suite.digest):
            outcome.other_suite.append(job)
        else:
            outcome.skipped.append(job)
    return todo


def _digest(path: Path) -> str:
    try:
        return file_hash(path) if path.is_file() and not path.is_symlink() else ""
    except OSError:
        return ""


def _collect(run: _Run, store: ResultStore | None, regrade: bool, outcome: BatchOutcome,
             progress: Callable[[SubmissionResult], None] | None) -> None:
    """Receive results until every job is done or the batch stops; record them in
    groups at least every ``FLUSH_SECONDS``, each student's files together and in order."""
    waiting: dict[str, list[SubmissionResult]] = defaultdict(list)
    remaining: dict[str, int] = defaultdict(int)
    for job in run.jobs:
        remaining[job.student] += 1
    ready: list[SubmissionResult] = []
    received, last_flush = 0, time.monotonic()
    while received < len(run.jobs) and not run.stop.is_set():
        result = run.next_result(timeout=FLUSH_SECONDS)
        if result is not None:
            received += 1
            waiting[result.student].append(result)
            remaining[result.student] -= 1
            if remaining[result.student] == 0:
                ready += sorted(waiting.pop(result.student), key=run.position)
        if ready and (time.monotonic() - last_flush >= FLUSH_SECONDS
                      or received == len(run.jobs)):
            if not _flush(ready, store, regrade, outcome, progress, run):
                return
            ready, last_flush = [], time.monotonic()
    _flush(ready, store, regrade, outcome, progress, run)


def _flush(ready: list[SubmissionResult], store: ResultStore | None, regrade: bool,
           outcome: BatchOutcome, progress: Callable[[SubmissionResult], None] | None,
           run: _Run) -> bool:
    """Write ``ready`` in one transaction; False (and the batch stops) if writing fails."""
    if not ready:
        return True
    if store is not None:
        try:
            outcome.records += store.record_many(ready, regrade)
        except Exception as exc:  # the store failed for good after its own retries
            detail = "".join(traceback.format_exception_only(exc)).strip()
            outcome.error = f"the gradebook could not be written ({detail})"
            run.stop.set()
            return False
    outcome.results += ready
    for result in ready:
        if progress:
            progress(result)
    return True


class _Run:
    """The grading threads of one batch and the queues between them and the caller."""

    def __init__(self, jobs: list[Job], grade: Callable[[Job], SubmissionResult],
                 cancel: Callable[[], None], stop: threading.Event) -> None:
        self.jobs = jobs
        self.grade, self.cancel, self.stop = grade, cancel, stop
        self.failure = ""  # why a grading thread stopped the batch
        self.todo: queue.Queue[Job] = queue.Queue()
        for job in jobs:
            self.todo.put(job)
        self.done: queue.Queue[SubmissionResult] = queue.Queue()
        self.started: set[Path] = set()
        self.threads: list[threading.Thread] = []
        self._positions = {j.path: i for i, j in enumerate(jobs)}

    def start(self, n: int) -> None:
        for i in range(n):
            thread = threading.Thread(target=self._work, name=f"grade-{i}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def _work(self) -> None:
        while not self.stop.is_set():
            try:
                job = self.todo.get_nowait()
            except queue.Empty:
                return
            self.started.add(job.path)
            try:
                result = job.stamp(self.grade(job))
            except Exception as exc:  # the grading backend itself failed (a lost cluster)
                if not self.stop.is_set():
                    self.failure = (str(exc).strip() or type(exc).__name__).splitlines()[0]
                    self.stop.set()
                return
            if not self.stop.is_set():  # a result cut short by the stop is not a grade
                self.done.put(result)

    def next_result(self, timeout: float) -> SubmissionResult | None:
        """The next finished result; None after ``timeout`` or once the batch is stopped."""
        end = time.monotonic() + timeout
        while not self.stop.is_set() and time.monotonic() < end:
            try:
                return self.done.get(timeout=0.05)
            except queue.Empty:
                continue
        return None

    def position(self, result: SubmissionResult) -> int:
        return self._positions.get(Path(result.path), len(self._positions))

    def halt(self) -> None:
        """Stop starting submissions, end the running workers, let the threads go."""
        if self.stop.is_set():
            self.cancel()
        for thread in self.threads:
            thread.join(timeout=5)

    def unstarted(self) -> list[Job]:
        return [j for j in self.jobs if j.path not in self.started]


def _grade_safely(job: Job, suite: Suite, factory: WorkerFactory,
                  seed: int) -> SubmissionResult:
    """Grade one file; an engine fault becomes that submission's recorded error."""
    try:
        return grade_path(job.path, suite, factory, seed, job.student)
    except Exception as exc:  # never let one submission stop the batch
        detail = traceback.format_exception_only(exc)[-1].strip()
        return refused(job.path, suite, seed, f"internal grading error ({detail})", job.student)
