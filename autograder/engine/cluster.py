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
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from autograder.engine.batch import BatchOutcome, Job, ResultStore, run_batch
from autograder.engine.course import hidden_suite
from autograder.engine.load import LoadError, load_submission
from autograder.engine.pipeline import grade_path, refused
from autograder.engine.results import SubmissionResult
from autograder.engine.session import WorkerFactory
from autograder.engine.suite import Suite
from autograder.sandbox.tiers import Policy

_factories: dict[tuple[tuple[str, ...], str], WorkerFactory] = {}
_suites: dict[tuple[str, str], Suite] = {}
_cache_lock = threading.Lock()  # Dask runs several tasks at once in one worker process
REMOTE_PREFIX = "nngrade-remote-"
IN_FLIGHT = 2  # tasks per Dask thread


def grade_remote(data: bytes, filename: str, student: str, assignment: str, seed: int,
                 course: str, isolation: str = Policy.REDUCED_OK.value) -> SubmissionResult:
    """Runs on a Dask worker: grade one notebook given as bytes, refusing (as a recorded
    error) to run it below the ``isolation`` policy."""
    suite, factory = _prepared(course, assignment, isolation)
    with tempfile.TemporaryDirectory(prefix=f"{REMOTE_PREFIX}{os.getpid()}-") as tmp:
        path = Path(tmp) / Path(filename).name
        path.write_bytes(data)
        result = grade_path(path, suite, factory, seed, student)
    result.path = filename
    return result


def _prepared(course: str, assignment: str, isolation: str) -> tuple[Suite, WorkerFactory]:
    """This worker process's suite and fork server (one per policy), made once."""
    with _cache_lock:
        key = (course, assignment)
        if key not in _suites:
            remove_stale_copies()
            _suites[key] = hidden_suite(Path(course), assignment)
        suite = _suites[key]
        if (suite.preload, isolation) not in _factories:
            factory = WorkerFactory(suite.preload, isolation=isolation, protect=(course,))
            _factories[(suite.preload, isolation)] = factory
            atexit.register(factory.close)
        return suite, _factories[(suite.preload, isolation)]


def remove_stale_copies() -> None:
    """Remove the notebook copies that a killed Dask worker process left behind."""
    for folder in Path(tempfile.gettempdir()).glob(f"{REMOTE_PREFIX}*"):
        pid = folder.name.removeprefix(REMOTE_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _end_gradings() -> None:
    """Runs on each Dask worker when the batch stops: kill every sandboxed worker."""
    with _cache_lock:
        factories = list(_factories.values())
    for factory in factories:
        factory.kill_all()


class ClusterError(Exception):
    """The cluster cannot be used (unreachable scheduler, no workers)."""


def grade_on_cluster(jobs: list[Job], suite: Suite, course: Path,
                     store: ResultStore | None, seed: int, scheduler: str,
                     regrade: bool = False,
                     progress: Callable[[SubmissionResult], None] | None = None,
                     stop: threading.Event | None = None,
                     isolation: str = Policy.REDUCED_OK.value) -> BatchOutcome:
    """Grade ``jobs`` on the Dask cluster at ``scheduler``; record each result here.
    Files that cannot even be loaded are refused here and never shipped; each Dask
    worker grades under the ``isolation`` policy."""
    from distributed import Client

    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
    with client:
        slots = sum(client.nthreads().values())
        if not slots:
            raise ClusterError(f"the Dask scheduler at {scheduler} has no workers")
        inflight: set = set()

        def grade(job: Job) -> SubmissionResult:
            try:
                load_submission(job.path, job.student, suite.assignment)
            except LoadError as exc:
                return refused(job.path, suite, seed, str(exc), job.student)
            future = client.submit(grade_remote, job.path.read_bytes(), str(job.path),
                                   job.student, suite.assignment, seed, str(course), isolation,
                                   pure=False)
            inflight.add(future)
            try:
                return future.result()
            except Exception as exc:  # the cluster, not the submission, failed
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                raise ClusterError(f"lost the Dask cluster at {scheduler} "
                                   f"({type(exc).__name__}: {first})") from None
            finally:
                inflight.discard(future)

        def cancel() -> None:
            client.cancel(list(inflight), force=True)
            try:  # a cancelled task keeps running in its Dask thread: end its worker
                client.run(_end_gradings, wait=True)
            except Exception:  # a lost cluster has nothing left to end
                pass

        # Two tasks per Dask thread: the next waits on the worker while one is graded, so
        # the round trip through the scheduler is not paid between submissions.
        return run_batch(jobs, suite, store, seed, IN_FLIGHT * slots, grade, cancel, regrade,
                         progress, stop)
