"""Grading slots as processes of their own.

With several workers, each grading slot is a process forked from the grader when the
batch starts, so that the slots' share of the hidden suite (building inputs, encoding
and decoding every call, checking every answer) does not wait on one interpreter lock:
two slots as threads of one process wait for each other (benchmarks/RESULTS.md). A slot
spawns its workers through the grader's fork server over a control socket of its own,
so that the server still gives every live worker its own uid. The batch's thread for a
slot sends it jobs and receives results over a socket pair; both ends are the grader's
own processes, so results travel pickled.

Stopping: SIGTERM makes a slot kill its workers and exit. A slot dies with the grader
(parent-death signal), and the fork server then kills the workers it had started. A slot
that dies otherwise stops the batch (:class:`SlotDied`): what finished is recorded.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import signal
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autograder.engine.results import SubmissionResult
from autograder.engine.session import WorkerFactory
from autograder.sandbox import isolation, protocol

_LENGTH = struct.Struct("<Q")
CLOSE_SECONDS = 5.0
log = logging.getLogger(__name__)


class SlotDied(Exception):
    """A grading process ended in the middle of a batch."""


class _Cancelled(BaseException):
    """Raised in a slot process by SIGTERM: the batch is stopping."""


@dataclass
class _Slot:
    pid: int
    conn: socket.socket  # the grader's end

    def grade(self, job: Any) -> SubmissionResult:
        try:
            _send(self.conn, job)
            return _recv(self.conn)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            raise SlotDied(f"a grading process ended unexpectedly ({self._status(exc)})") \
                from None

    def _status(self, exc: BaseException, wait: float = 1.0) -> str:
        """How the slot process ended (its connection may close a moment before)."""
        try:
            status = _wait(self.pid, time.monotonic() + wait)
        except ChildProcessError:
            status = None
        if status is None:
            return str(exc) or type(exc).__name__
        code = os.waitstatus_to_exitcode(status)
        return f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"


class SlotProcesses:
    """``n`` grading processes; :meth:`grade` runs one job in a free one.

    ``grade_with(factory, job)`` runs in the slot process with a factory of its own.
    """

    def __init__(self, n: int, factory: WorkerFactory,
                 grade_with: Callable[[WorkerFactory, Any], SubmissionResult]) -> None:
        self._slots: list[_Slot] = []
        self._free: queue.Queue[_Slot] = queue.Queue()
        try:
            for _ in range(n):
                slot = _fork_slot(factory, grade_with, [s.conn for s in self._slots])
                self._slots.append(slot)
                self._free.put(slot)
        except BaseException:
            self.close()
            raise

    def grade(self, job: Any) -> SubmissionResult:
        slot = self._free.get()
        try:
            return slot.grade(job)
        finally:
            self._free.put(slot)

    def cancel(self) -> None:
        """End the gradings under way: every slot kills its workers and exits."""
        for slot in self._slots:
            try:
                os.kill(slot.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        """Let every slot finish and exit; kill those that do not within moments."""
        for slot in self._slots:
            try:
                slot.conn.shutdown(socket.SHUT_WR)  # end of jobs
            except OSError:
                pass
        deadline = time.monotonic() + CLOSE_SECONDS
        for slot in self._slots:
            _reap(slot.pid, deadline)
            slot.conn.close()
        self._slots = []


def _fork_slot(factory: WorkerFactory,
               grade_with: Callable[[WorkerFactory, Any], SubmissionResult],
               others: list[socket.socket]) -> _Slot:
    control = factory.attach()
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the slot process
        try:
            for sock in (ours, *others):
                sock.close()
            factory.close_inherited()
            _serve(theirs, WorkerFactory.attached(factory, control), grade_with)
        finally:
            os._exit(0)
    theirs.close()
    control.close()
    return _Slot(pid, ours)


def _serve(conn: socket.socket, factory: WorkerFactory,
           grade_with: Callable[[WorkerFactory, Any], SubmissionResult]) -> None:
    """The slot process: grade each job received until the grader says no more."""
    parent = os.getppid()
    isolation.set_parent_death_signal()
    if os.getppid() != parent:  # the grader died before the signal was armed
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    signal.signal(signal.SIGTERM, _cancel)
    try:
        while True:
            try:
                job = _recv(conn)
            except EOFError:
                return
            _send(conn, grade_with(factory, job))
    except _Cancelled:
        factory.kill_all()
    except Exception:  # an engine fault: the batch stops (SlotDied), the log says why
        log.exception("a grading process failed")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        factory.close()


def _cancel(signum: int, frame: object) -> None:
    raise _Cancelled


def _send(conn: socket.socket, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    conn.sendall(_LENGTH.pack(len(data)) + data)


def _recv(conn: socket.socket):
    (size,) = _LENGTH.unpack(protocol.read_exact(conn, _LENGTH.size))
    return pickle.loads(protocol.read_exact(conn, size))


def _wait(pid: int, deadline: float) -> int | None:
    """The wait status of child ``pid`` once it ends, polled until ``deadline``; None if
    it still runs then (ChildProcessError if it was reaped already)."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def _reap(pid: int, deadline: float) -> None:
    """Wait for child ``pid`` until ``deadline``, then kill it."""
    try:
        if _wait(pid, deadline) is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    except ChildProcessError:
        pass
