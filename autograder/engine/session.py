"""Trusted side of execution: starts sandboxed workers and talks to them.

:class:`WorkerFactory` owns one fork server (see :mod:`autograder.sandbox.forkserver`) and hands
out :class:`Session` objects, one per worker. A session sends requests and reads
replies with wall-clock limits: when a limit passes, the worker is interrupted
(SIGINT becomes ``KeyboardInterrupt`` in the student's code) and, if it does not
answer within a grace period, killed with its whole process group or namespace.
"""

from __future__ import annotations

import json
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from autograder.sandbox import protocol
from autograder.sandbox.isolation import HARNESS_FAILED, UID_SLOTS, Isolation
from autograder.sandbox.limits import Limits

GRACE_SECONDS = 2.0
UID_FIRST, UID_BLOCKS = 200_000, 20_000
PRELOAD = ("numpy", "matplotlib.pyplot", "IPython")


class WorkerDied(Exception):
    """The worker process is gone (crashed, exited, or was killed)."""


class WorkerTimeout(Exception):
    """A request took longer than its limit; ``killed`` says whether the worker survived."""

    def __init__(self, message: str, killed: bool) -> None:
        super().__init__(message)
        self.killed = killed


@dataclass
class Reply:
    header: dict
    blobs: list[bytes]


class WorkerFactory:
    """Starts the fork server once and spawns sandboxed workers from it."""

    def __init__(self, preload: tuple[str, ...] = (), isolate: bool = True) -> None:
        self.isolate = isolate
        self.preload = tuple(dict.fromkeys(PRELOAD + tuple(preload)))
        # Each worker runs as its own uid from this block, so that RLIMIT_NPROC counts only
        # its processes; a random block keeps concurrent graders apart.
        self.uid_base = UID_FIRST + random.randrange(UID_BLOCKS) * UID_SLOTS
        self._lock = threading.Lock()
        self._sessions: set[Session] = set()
        self._start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        # A minimal environment: a worker can read the fork server's original environment
        # (/proc/self/environ survives os.environ.clear()), so nothing else goes in.
        cache = os.path.join(os.path.expanduser("~"), ".cache", "nngrade")
        env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")
               if k in os.environ}
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
                   MPLCONFIGDIR=os.path.join(cache, "matplotlib"),
                   IPYTHONDIR=os.path.join(cache, "ipython"))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.forkserver", str(theirs.fileno()),
             str(self.uid_base), *self.preload],
            pass_fds=[theirs.fileno()], env=env, start_new_session=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        theirs.close()
        self._control = ours
        self._lines = ours.makefile("rb")

    def _request(self, request: dict, fds: list[int] = ()) -> dict:
        with self._lock:
            if self._proc.poll() is not None:
                self._start()
            socket.send_fds(self._control, [json.dumps(request).encode()], list(fds))
            line = self._lines.readline()
        if not line:
            raise RuntimeError("the fork server stopped unexpectedly")
        return json.loads(line)

    @property
    def uids(self) -> range:
        """The uids this factory's workers run as (when running as root)."""
        return range(self.uid_base, self.uid_base + UID_SLOTS)

    def spawn(self, limits: Limits, message_mb: int = 64) -> Session:
        """A new sandboxed worker, ready to run cells; replies over ``message_mb`` are
        refused."""
        ours, theirs = socket.socketpair()
        try:
            reply = self._request({"op": "spawn", "limits": asdict(limits),
                                   "isolate": self.isolate}, [theirs.fileno()])
        finally:
            theirs.close()
        session = Session(self, ours, reply["pid"], message_mb)
        with self._lock:
            self._sessions.add(session)
        return session

    def forget(self, session: Session) -> None:
        with self._lock:
            self._sessions.discard(session)

    def kill_all(self) -> None:
        """Kill every live worker (on Ctrl-C: nothing may outlive the grader)."""
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.kill("the grader was interrupted")

    def exit_status(self, pid: int, wait: float = 1.0) -> int | None:
        """Exit code of a worker's intermediate process (128+N: killed by signal N)."""
        deadline = time.monotonic() + wait
        while True:
            reply = self._request({"op": "status", "pid": pid})
            if reply.get("status") is not None or time.monotonic() > deadline:
                return reply.get("status")
            time.sleep(0.02)

    def close(self) -> None:
        try:
            self._lines.close()  # the file object holds the socket open too
            self._control.close()
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()


class Session:
    """One sandboxed worker. Not thread-safe: one grading thread drives it."""

    def __init__(self, factory: WorkerFactory, sock: socket.socket, pid: int,
                 message_mb: int) -> None:
        self.factory = factory
        self.sock = sock
        self.pid = pid
        self.budget = protocol.Budget(max_bytes=message_mb * 2**20)
        self.seq = 0
        self.dead_reason: str | None = None
        self.workdir: str | None = None
        try:
            self.worker_pid = self._expect("spawned", 10.0)["pid"]
            ready = self._expect("ready", 10.0)
        except (EOFError, OSError, protocol.ProtocolError, KeyError) as exc:
            self.kill()
            raise WorkerDied(f"the worker failed to start ({exc})") from None
        self.isolation = Isolation(**ready["isolation"])
        self.workdir = ready.get("workdir")

    def _expect(self, op: str, timeout: float) -> dict:
        if not self._wait_readable(timeout):
            raise EOFError(f"no {op!r} message within {timeout} s")
        header, _ = protocol.recv_frame(self.sock, self.budget)
        if header.get("op") != op:
            raise protocol.ProtocolError(f"expected {op!r}, got {header.get('op')!r}")
        return header

    def _wait_readable(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        return bool(ready)

    @property
    def alive(self) -> bool:
        return self.dead_reason is None

    def request(self, header: dict, blobs: list[bytes] = (), timeout: float = 10.0) -> Reply:
        """Send a request and wait for its reply, interrupting then killing on timeout."""
        if not self.alive:
            raise WorkerDied(self.dead_reason)
        self.seq += 1
        header = dict(header, seq=self.seq)
        try:
            protocol.send_frame(self.sock, header, list(blobs))
        except OSError:
            raise WorkerDied(self._died()) from None
        deadline = time.monotonic() + timeout
        reply = self._reply(deadline)
        if reply is not None:
            return reply
        self._interrupt()
        reply = self._reply(time.monotonic() + GRACE_SECONDS)
        if reply is not None:
            return reply
        self.kill("killed after exceeding its time limit")
        raise WorkerTimeout(f"no answer within {timeout:g} s; the worker was stopped",
                            killed=True)

    def _reply(self, deadline: float) -> Reply | None:
        while self._wait_readable(deadline - time.monotonic()):
            # a reply that has started must arrive whole and promptly
            self.sock.settimeout(max(GRACE_SECONDS, deadline - time.monotonic()))
            try:
                header, blobs = protocol.recv_frame(self.sock, self.budget)
                self.sock.settimeout(None)
            except (EOFError, ConnectionError):
                raise WorkerDied(self._died()) from None
            except (TimeoutError, protocol.ProtocolError) as exc:
                self.kill(f"the notebook's process broke the grading protocol ({exc})")
                raise WorkerDied(self.dead_reason) from None
            if header.get("seq") == self.seq:
                return Reply(header, blobs)
        return None

    def _interrupt(self) -> None:
        try:
            os.kill(self.worker_pid, signal.SIGINT)
        except ProcessLookupError:
            pass

    def _died(self) -> str:
        if self.dead_reason is None:
            status = self.factory.exit_status(self.pid)
            self.kill(describe_exit(status))
        return self.dead_reason

    def kill(self, reason: str = "stopped by the grader") -> None:
        """Kill the worker with everything it started; idempotent."""
        if self.dead_reason is None:
            self.dead_reason = reason
        for target in (lambda: os.killpg(self.pid, signal.SIGKILL),
                       lambda: os.kill(self.worker_pid, signal.SIGKILL)):
            try:
                target()
            except (ProcessLookupError, PermissionError, AttributeError):
                pass
        try:
            self.sock.close()
        except OSError:
            pass
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        self.factory.forget(self)

    def close(self) -> None:
        """Say goodbye, then make sure nothing the worker started survives."""
        if self.alive:
            try:
                protocol.send_frame(self.sock, {"op": "bye"})
            except OSError:
                pass
        self.kill("finished")


def describe_exit(status: int | None) -> str:
    """A student-readable reason for a worker's exit code (128+N: signal N)."""
    if status is None:
        return "the notebook's process ended unexpectedly"
    if status < 0 or status > 128:  # killed by signal -status, or reported as 128 + signal
        sig = -status if status < 0 else status - 128
        reasons = {signal.SIGKILL: "was killed (memory, time or process limit, or os.kill)",
                   signal.SIGXCPU: "exceeded its CPU time limit",
                   signal.SIGSEGV: "crashed (segmentation fault)",
                   signal.SIGXFSZ: "exceeded the file size limit"}
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        return f"the notebook's process {reasons.get(sig, 'was killed')} (signal {name})"
    if status == HARNESS_FAILED:
        return ("the grader's code inside the notebook's process failed: did the notebook "
                "replace builtins or modules the grader uses?")
    return f"the notebook's process exited by itself with code {status} (sys.exit or os._exit?)"


def value_from(reply: Reply, budget: protocol.Budget) -> Any:
    """Decode the ``value`` of a successful reply (handles stay references)."""
    return protocol.unpack(reply.header.get("value"), reply.blobs, budget)
