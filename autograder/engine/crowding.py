"""How long a worker waited for a CPU that work outside it held.

On a busy host a worker is ready to run but waits in the kernel's run queue; its time
limits count its own time, so that wait moves them on (at most ``STARVED_FACTOR`` times
the limit in all). The kernel tells each thread's waits in ``/proc/<tid>/schedstat``
(second field, in ns). A wait the notebook causes itself, with processes or threads of
its own that take the CPU from the code under test, earns nothing: the CPU time those
used is taken off (:class:`Crowding`).
"""

from __future__ import annotations

import os

from autograder.sandbox.procs import children, descendants

# A time limit counts the worker's own time, up to this many times the limit in all.
STARVED_FACTOR = 4.0
# Run-queue wait credited before it is checked against the worker's own CPU use: at most
# this much a notebook can gain by crowding itself, and a quiet host costs two reads a look.
CHECK_SECONDS = 0.1
TICK = 1 / os.sysconf("SC_CLK_TCK")


def queue_seconds(pid: int) -> float | None:
    """Seconds the process's main thread has waited in the run queue (ready to run, no
    CPU free); None where the kernel does not tell."""
    return _schedstat(f"/proc/{pid}/schedstat", 1)


def thread_queue_seconds() -> float:
    """Seconds the calling thread has waited in the run queue (0 where not told)."""
    return _schedstat("/proc/thread-self/schedstat", 1) or 0.0


def _schedstat(path: str, field: int) -> float | None:
    """A schedstat field (0: time on a CPU, 1: time in the run queue), in seconds."""
    try:
        with open(path) as f:
            return int(f.read().split()[field]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def runner_pid(pid: int) -> int:
    """The process that runs the worker's code: the spawned one, or in a PID namespace
    its only child (the spawned one is the namespace's init)."""
    below = children(pid)
    return below[0] if len(below) == 1 else pid


def own_cpu_seconds(top: int, runner: int) -> float:
    """CPU seconds used by every process below ``top`` (all threads, and the children
    they reaped), less the runner's main thread: what the notebook ran beside its code."""
    total = sum(_process_ticks(pid) for pid in descendants(top)) * TICK
    return total - (_schedstat(f"/proc/{runner}/schedstat", 0) or 0.0)


def _process_ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of ``/proc/<pid>/stat``, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return sum(int(v) for v in fields[11:15])  # fields 14 to 17, counted from 1
    except (OSError, ValueError):
        return 0


class Crowding:
    """Seconds a worker waited for a CPU held by work outside it, since it started.

    The run-queue waits of the process that runs the notebook's code (``runner``) and of
    the grading thread that drives it (it must be the thread that calls), less the CPU
    time the worker's other processes and threads used meanwhile: a notebook that starts
    busy processes crowds itself, and that wait earns nothing. The waits are settled
    against that CPU time whenever ``CHECK_SECONDS`` of them have accrued (a walk of the
    worker's processes); between checks they count as they are.
    """

    def __init__(self, top: int, runner: int) -> None:
        self.top, self.runner = top, runner
        self.settled = 0.0
        self.waited = self._waits()
        self.used = own_cpu_seconds(top, runner) if self.waited is not None else 0.0

    def _waits(self) -> float | None:
        runner = queue_seconds(self.runner)
        return None if runner is None else runner + thread_queue_seconds()

    def seconds(self) -> float:
        """The credit so far (only grows; 0 where the kernel does not tell)."""
        waited = self._waits()
        if waited is None or self.waited is None:
            return self.settled
        pending = waited - self.waited
        if pending < CHECK_SECONDS:
            return self.settled + max(0.0, pending)
        used = own_cpu_seconds(self.top, self.runner)
        self.settled += max(0.0, pending - max(0.0, used - self.used))
        self.waited, self.used = waited, used
        return self.settled
