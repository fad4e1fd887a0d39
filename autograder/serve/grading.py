"""The service's graders: threads that claim queued submissions, grade them with the
engine and record the results in the gradebook.

Two backends grade one file: :class:`LocalBackend` in this machine's sandboxed
workers (a fork server per set of preloaded modules), :class:`DaskBackend` on a Dask
cluster through the engine's own remote task. Whatever a notebook does, its grader
thread records a result (an engine fault becomes that submission's recorded error) and
goes on with the next one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from autograder.engine.batch import Job
from autograder.engine.course import hidden_suite
from autograder.engine.pipeline import grade_path, refused
from autograder.engine.results import SubmissionResult
from autograder.engine.session import WorkerFactory
from autograder.engine.suite import Suite
from autograder.records.gradebook import Gradebook
from autograder.records.queue import Entry, SubmissionQueue
from autograder.sandbox.tiers import Policy

log = logging.getLogger("autograder.serve.grading")
IDLE_SECONDS = 0.2  # how often an idle grader looks for work
MAX_RUNS = 3  # a submission whose grading fails this often for other reasons is given up
RETRY_SECONDS = 2.0  # a grader's pause after its backend or the database failed


class Backend(Protocol):
    """Grades one notebook; never raises for anything the notebook does."""

    slots: int

    def grade(self, job: Job, suite: Suite, seed: int) -> SubmissionResult: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


class LocalBackend:
    """Grading on this machine, ``slots`` notebooks at a time, in workers that meet the
    ``isolation`` policy and cannot read ``protect``."""

    def __init__(self, slots: int, isolation: str = Policy.REDUCED_OK.value,
                 protect: tuple[str, ...] = ()) -> None:
        self.slots = max(1, slots)
        self.isolation, self.protect = isolation, protect
        self._factories: dict[tuple[str, ...], WorkerFactory] = {}
        self._lock = threading.Lock()

    def _factory(self, suite: Suite) -> WorkerFactory:
        with self._lock:
            if suite.preload not in self._factories:
                self._factories[suite.preload] = WorkerFactory(
                    suite.preload, isolation=self.isolation, protect=self.protect)
            return self._factories[suite.preload]

    def grade(self, job: Job, suite: Suite, seed: int) -> SubmissionResult:
        try:
            return grade_path(job.path, suite, self._factory(suite), seed, job.student)
        except Exception as exc:  # an engine fault: the submission's error, not the server's
            detail = traceback.format_exception_only(exc)[-1].strip()
            log.exception("internal grading error", extra={"student": job.student})
            return refused(job.path, suite, seed, f"internal grading error ({detail})",
                           job.student)

    def cancel(self) -> None:
        with self._lock:
            for factory in self._factories.values():
                factory.kill_all()

    def close(self) -> None:
        with self._lock:
            for factory in self._factories.values():
                factory.close()
            self._factories.clear()


class DaskBackend:
    """Grading on the Dask cluster at ``scheduler``; its workers need this package and
    the course at ``course``."""

    def __init__(self, scheduler: str, course: Path,
                 isolation: str = Policy.REDUCED_OK.value) -> None:
        from distributed import Client

        self.isolation = isolation
        self.course = course
        self.client = Client(scheduler, timeout="10s")
        self.slots = max(1, sum(self.client.nthreads().values()))

    def grade(self, job: Job, suite: Suite, seed: int) -> SubmissionResult:
        from autograder.engine.cluster import grade_remote

        future = self.client.submit(grade_remote, job.path.read_bytes(), str(job.path),
                                    job.student, suite.assignment, seed, str(self.course),
                                    self.isolation, pure=False)
        result = future.result()
        result.path = str(job.path)
        return result

    def cancel(self) -> None:
        from autograder.engine.cluster import _end_gradings

        try:
            self.client.run(_end_gradings, wait=True)
        except Exception:  # a lost cluster has nothing left to end
            log.warning("could not reach the Dask workers to end their gradings")

    def close(self) -> None:
        self.client.close()


class Graders:
    """``backend.slots`` threads that grade the queue until stopped."""

    def __init__(self, queue: SubmissionQueue, book: Gradebook, course: Path,
                 seed: Callable[[], int], backend: Backend,
                 on_recorded: Callable[[Entry, SubmissionResult], None] | None = None) -> None:
        self.queue, self.book, self.course = queue, book, course
        self.seed, self.backend = seed, backend
        self.on_recorded = on_recorded
        self.name = f"{os.uname().nodename}-{os.getpid()}-{id(self):x}"
        self.stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._suites: dict[str, Suite] = {}
        self._suite_lock = threading.Lock()

    def start(self) -> int:
        """Requeue what a stopped server left running, then start grading; returns how
        many submissions were requeued."""
        requeued = self.queue.requeue_running()
        if requeued:
            log.info("requeued submissions left running", extra={"count": requeued})
        for i in range(self.backend.slots):
            thread = threading.Thread(target=self._loop, name=f"grader-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return requeued

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop claiming, end the gradings under way and put them back in the queue."""
        self.stop.set()
        self.backend.cancel()
        for thread in self._threads:
            thread.join(timeout)
        self.queue.requeue_running(self.name)
        self.backend.close()

    def alive(self) -> int:
        return sum(t.is_alive() for t in self._threads)

    def suite(self, assignment: str) -> Suite:
        """The hidden suite of ``assignment``, loaded once."""
        with self._suite_lock:
            if assignment not in self._suites:
                self._suites[assignment] = hidden_suite(self.course, assignment)
            return self._suites[assignment]

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                entry = self.queue.claim(self.name)
            except Exception:  # the database is away for a moment: try again later
                log.exception("could not claim a submission")
                self.stop.wait(2.0)
                continue
            if entry is None:
                self.stop.wait(IDLE_SECONDS)
                continue
            self.grade(entry)

    def grade(self, entry: Entry) -> None:
        """Grade one claimed submission and record it; a failure is the entry's error."""
        start = time.monotonic()
        try:
            suite = self.suite(entry.assignment)
            job = Job(Path(entry.stored), entry.student, entry.submitted_at, entry.late, "web")
            result = job.stamp(self.backend.grade(job, suite, self.seed()))
            if self.stop.is_set():
                return  # cut short by the shutdown: requeued, graded again at the next start
            recorded = self.book.record_many([result], regrade=entry.regrade)[0]
        except Exception as exc:  # the suite, the cluster or the database failed, not the file
            if self.stop.is_set():
                return
            detail = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            log.exception("submission not recorded", extra={"submission": entry.public_id,
                                                            "runs": entry.runs})
            self._retry_or_give_up(entry, detail[:500])
            return
        self.queue.finish(entry.id, recorded.attempt)
        log.info("graded", extra={"submission": entry.public_id, "student": entry.student,
                                  "assignment": entry.assignment, "attempt": recorded.attempt,
                                  "score": result.score, "error": bool(result.error),
                                  "seconds": round(time.monotonic() - start, 3)})
        if self.on_recorded is not None:
            self.on_recorded(entry, result)

    def _retry_or_give_up(self, entry: Entry, detail: str) -> None:
        """Put a submission back for another try, or after ``MAX_RUNS`` mark it failed
        with ``detail`` (staff see it on the assignment's page)."""
        try:
            if entry.runs >= MAX_RUNS:
                self.queue.finish(entry.id, None, detail)
            else:
                self.queue.release(entry.id)
        except Exception:  # the database is away: the next start requeues it
            log.exception("could not put a submission back", extra={
                "submission": entry.public_id})
        self.stop.wait(RETRY_SECONDS)
