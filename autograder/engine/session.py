"""Trusted side of execution: starts sandboxed workers and talks to them.

:class:`WorkerFactory` owns one fork server (see :mod:`autograder.sandbox.forkserver`) and hands
out :class:`Session` objects, one per worker; a grading process of the same grader gets
a factory attached to that server (:meth:`WorkerFactory.attach`). Each worker reports the
isolation in force before any student code runs (:mod:`autograder.sandbox.tiers`); a
worker below the factory's :class:`Policy` is killed at once (:class:`IsolationRefused`).
A session sends requests and reads replies with wall-clock limits: when a limit passes,
the worker is interrupted (SIGINT becomes ``KeyboardInterrupt`` in the student's code)
and, if it does not answer within a grace period, killed with its whole process group or
namespace.

On a platform without the Linux features (macOS, Windows), only ``--isolation none``
works: each worker is then a plain subprocess (:mod:`autograder.sandbox.plain`) that
connects back over the loopback interface.
"""

from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from autograder.engine.crowding import STARVED_FACTOR, Crowding, runner_pid
from autograder.engine.launch import (
    PRELOAD,
    Launched,
    adopt,
    launch,
    new_uid_base,
    worker_environment,
)
from autograder.engine.launch import UID_FIRST as UID_FIRST  # re-exported: the workers' uids
from autograder.sandbox import protocol, support
from autograder.sandbox.limits import Limits
from autograder.sandbox.tiers import HARNESS_FAILED, UID_SLOTS, Isolation, Policy

GRACE_SECONDS = 2.0


class WorkerDied(Exception):
    """The worker process is gone (crashed, exited, or was killed)."""


class IsolationRefused(WorkerDied):
    """The worker's isolation is weaker than the factory's policy; it was killed before
    running anything."""

    def __init__(self, isolation: Isolation, policy: Policy) -> None:
        super().__init__(refusal(isolation, policy))
        self.isolation = isolation


class WorkersExhausted(Exception):
    """Every uid of the fork server's block runs a worker: no new one can start."""


class PlatformUnsupported(Exception):
    """This platform cannot sandbox workers; only ``--isolation none`` runs here."""


def refusal(isolation: Isolation, policy: Policy) -> str:
    """One line: why a worker's isolation is refused, and how to proceed."""
    if policy == Policy.REQUIRE_FULL and isolation.tier == "reduced":
        return (f"--isolation require-full, but workers here get only the reduced tier "
                f"({isolation.shortfall()}); pass --isolation reduced-ok to accept it")
    if isolation.as_root and isolation.uid is None and isolation.requested != Policy.NONE:
        fix = "install Python where other users can read it (not under /root)"
    else:
        fix = "run on a Linux host that allows namespaces or Landlock"
    return (f"refusing to grade untrusted notebooks: workers here get no isolation "
            f"({isolation.shortfall()}); {fix}, or pass --isolation none for trusted "
            f"notebooks only")


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
    """Starts the fork server once and spawns sandboxed workers from it.

    ``isolation`` is the weakest tier accepted (a :class:`Policy`); ``protect`` lists
    paths each worker must not read (the course, gradebook, output and submissions),
    which every worker checks from inside before it reports ready.

    Each spawn also asks the fork server for a spare worker with the same limits, which
    sets itself up (control groups, namespaces, private root, the protected-path check)
    while the current submission runs; the next spawn takes it, so setting up a worker is
    off the critical path. A spare is a fresh worker like any other: it has run nothing,
    and it reports its isolation, checked against the policy, only when taken.
    """

    def __init__(self, preload: tuple[str, ...] = (), isolation: Policy | str = Policy.REDUCED_OK,
                 protect: tuple[str | os.PathLike, ...] = ()) -> None:
        self.policy = Policy(isolation)
        self.protect = sorted({os.path.realpath(p) for p in protect})
        self.preload = tuple(dict.fromkeys(PRELOAD + tuple(preload)))
        self.missing = support.missing_features()
        if self.missing and self.policy != Policy.NONE:
            raise PlatformUnsupported(support.unsupported_message(self.missing))
        self.plain = bool(self.missing)
        self.uid_base = new_uid_base()
        self._no_workers_yet()
        if not self.plain:
            self._start(adopt())

    def _no_workers_yet(self) -> None:
        self._lock = threading.Lock()
        self._sessions: set[Session] = set()
        self._plain_workers: dict[int, subprocess.Popen] = {}
        self._spares: list[tuple[Limits, socket.socket, int]] = []
        self._proc: subprocess.Popen | None = None

    def attach(self) -> socket.socket:
        """A control socket of its own to this factory's fork server, for a grading
        process to build its factory on (:meth:`attached`)."""
        ours, theirs = socket.socketpair()
        try:
            reply = self._request({"op": "attach"}, [theirs.fileno()])
        finally:
            theirs.close()
        if "error" in reply:
            ours.close()
            raise RuntimeError(f"the fork server refused a client: {reply['error']}")
        return ours

    def close_inherited(self) -> None:
        """In a process forked from this one: close this factory's sockets there, leaving
        the fork server and the workers to the process that owns them."""
        self._lines.close()
        self._control.close()
        for _, sock, _ in self._spares:
            sock.close()
        for session in self._sessions:
            session.sock.close()

    @classmethod
    def attached(cls, parent: WorkerFactory, control: socket.socket) -> WorkerFactory:
        """In a grading process: a factory with ``parent``'s policy that spawns workers
        through ``parent``'s fork server over ``control`` (from :meth:`attach`). Its
        workers get uids from the same block, so no two share one."""
        factory = cls.__new__(cls)
        factory.policy, factory.protect, factory.preload = (parent.policy, parent.protect,
                                                            parent.preload)
        factory.missing, factory.plain, factory.uid_base = [], False, parent.uid_base
        factory._no_workers_yet()
        factory._control, factory._lines = control, control.makefile("rb")
        return factory

    def _start(self, early: Launched | None = None) -> None:
        """Start the fork server, or take over ``early``, one started before the suite
        was known, and have it import what the suite adds."""
        server = early or launch(self.preload, self.uid_base)
        self._proc, self._control, self.uid_base = server.proc, server.control, server.uid_base
        self._lines = server.control.makefile("rb")
        extra = [name for name in self.preload if name not in server.preload]
        if extra:
            reply = self._request({"op": "preload", "modules": extra})
            if "error" in reply:
                raise RuntimeError(f"the fork server could not import {reply['error']}")

    def _request(self, request: dict, fds: Sequence[int] = ()) -> dict:
        with self._lock:
            if self._proc is not None and self._proc.poll() is not None:
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
        refused. Raises :class:`IsolationRefused` if its isolation is below the policy."""
        if self.plain:
            sock, pid = self._spawn_plain()
        else:
            sock, pid = self._take_spare(limits) or self._spawn_forked(limits)
            try:
                spare = self._spawn_forked(limits, spare=True)
            except WorkersExhausted:  # a spare only saves time: go on without one
                pass
            else:
                with self._lock:
                    self._spares.append((limits, *spare))
        session = Session(self, sock, pid, message_mb)
        with self._lock:
            self._sessions.add(session)
        return session

    def _spawn_forked(self, limits: Limits, spare: bool = False) -> tuple[socket.socket, int]:
        """A new worker (a spare does not wait for a closing worker's uid)."""
        ours, theirs = socket.socketpair()
        try:
            reply = self._request({"op": "spawn", "limits": asdict(limits),
                                   "isolation": self.policy.value, "protect": self.protect,
                                   "spare": spare}, [theirs.fileno()])
        finally:
            theirs.close()
        if "error" in reply:
            ours.close()
            raise WorkersExhausted(reply["error"])
        return ours, reply["pid"]

    def _take_spare(self, limits: Limits) -> tuple[socket.socket, int] | None:
        """A spare worker started with ``limits``; spares with other limits are ended."""
        with self._lock:
            spares, self._spares = self._spares, []
        found = None
        for spare_limits, sock, pid in spares:
            if found is None and spare_limits == limits:
                found = sock, pid
            else:
                _end_spare(sock, pid)
        return found

    def _end_spares(self) -> None:
        with self._lock:
            spares, self._spares = self._spares, []
        for _, sock, pid in spares:
            _end_spare(sock, pid)

    def _spawn_plain(self) -> tuple[socket.socket, int]:
        """A plain subprocess that connects back to a loopback port and proves it knows
        a one-time token (``--isolation none`` on platforms without fork or Linux)."""
        token = secrets.token_hex(16)
        with socket.create_server(("127.0.0.1", 0)) as server:
            server.settimeout(60)
            proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.sandbox.plain", str(server.getsockname()[1]),
                 *self.preload], env=dict(worker_environment(), NNGRADE_TOKEN=token,
                                          NNGRADE_MISSING="; ".join(self.missing)),
                start_new_session=True,
                cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            while True:
                try:
                    sock, _ = server.accept()
                except TimeoutError:
                    proc.kill()
                    raise WorkerDied("the worker failed to start (no connection)") from None
                sock.settimeout(10)
                if sock.recv(len(token)) == token.encode():
                    sock.settimeout(None)
                    break
                sock.close()
        with self._lock:
            self._plain_workers[proc.pid] = proc
        return sock, proc.pid

    def probe(self, limits: Limits | None = None) -> Isolation:
        """The isolation a worker gets here, measured by starting one (with ``limits``:
        those of the workers to come, so that its spare serves the first of them)."""
        try:
            session = self.spawn(limits or Limits())
        except IsolationRefused as exc:
            return exc.isolation
        session.close()
        return session.isolation

    def forget(self, session: Session) -> None:
        with self._lock:
            self._sessions.discard(session)

    def kill_all(self) -> None:
        """Kill every live worker (on Ctrl-C: nothing may outlive the grader)."""
        self._end_spares()
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.kill("the grader was interrupted")

    def exit_status(self, pid: int, wait: float = 1.0) -> tuple[int | None, str | None]:
        """Exit code of a worker's intermediate process (128+N: killed by signal N), and
        why the fork server stopped it, if it did."""
        if pid in self._plain_workers:
            return self._plain_exit(pid, wait), None
        deadline = time.monotonic() + wait
        while True:
            reply = self._request({"op": "status", "pid": pid})
            if reply.get("status") is not None or time.monotonic() > deadline:
                return reply.get("status"), reply.get("reason")
            time.sleep(0.02)

    def _plain_exit(self, pid: int, wait: float) -> int | None:
        try:
            return self._plain_workers[pid].wait(wait)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, pid: int) -> None:
        """Kill a plain worker (fork-server workers are killed by process group)."""
        with self._lock:
            proc = self._plain_workers.pop(pid, None)
        if proc is not None:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        self._end_spares()
        for pid in list(self._plain_workers):
            self.stop(pid)
        if self.plain:
            return
        try:
            self._lines.close()  # the file object holds the socket open too
            self._control.close()
            if self._proc is not None:  # an attached factory leaves the server running
                self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            if self._proc is not None:
                self._proc.kill()


def _end_spare(sock: socket.socket, pid: int) -> None:
    """Kill a spare worker that was never used, with everything it started."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    sock.close()


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
        # found before any code of the notebook runs
        self.crowding = Crowding(pid, runner_pid(self.worker_pid))
        self.isolation = Isolation.from_dict(ready["isolation"])
        self.workdir = ready.get("workdir")
        if not self.isolation.meets(factory.policy):
            self.kill("isolation below the policy")
            raise IsolationRefused(self.isolation, factory.policy)

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

    def request(self, header: dict, blobs: Sequence[bytes] = (), timeout: float = 10.0) -> Reply:
        """Send a request and wait for its reply, interrupting then killing on timeout."""
        if not self.alive:
            raise WorkerDied(self.dead_reason)
        self.seq += 1
        header = dict(header, seq=self.seq)
        try:
            self._send(header, blobs, timeout)
        except TimeoutError:  # its buffer full: it stopped reading (and so answering)
            self.kill("the notebook's process stopped reading the grader's requests")
            raise WorkerDied(self.dead_reason) from None
        except OSError:
            raise WorkerDied(self._died()) from None
        reply = self._reply_within(timeout)
        if reply is not None:
            return reply
        self._interrupt()
        reply = self._reply(time.monotonic() + GRACE_SECONDS)
        if reply is not None:
            return reply
        self.kill("killed after exceeding its time limit")
        raise WorkerTimeout(f"no answer within {timeout:g} s; the worker was stopped",
                            killed=True)

    @property
    def starved(self) -> float:
        """Seconds its time limits moved on while it waited for a CPU that others held
        (only grows; frozen when the worker is gone, whose pids may be reused)."""
        return self.crowding.seconds() if self.alive else self.crowding.settled

    def _send(self, header: dict, blobs: Sequence[bytes], timeout: float) -> None:
        """Write a request within ``timeout`` (at least the grace period): a large one
        waits for the worker to read, and a worker that never reads again must not hold
        the grader."""
        self.sock.settimeout(max(GRACE_SECONDS, timeout))
        try:
            protocol.send_frame(self.sock, header, list(blobs))
        finally:
            self.sock.settimeout(None)

    def _reply_within(self, timeout: float) -> Reply | None:
        """The reply within ``timeout`` seconds of the worker's own time: the deadline
        moves on by the time the worker waited for a CPU that others held
        (``STARVED_FACTOR`` caps it)."""
        start, before = time.monotonic(), self.starved
        cap, deadline = start + STARVED_FACTOR * timeout, start + timeout
        while True:
            reply = self._reply(deadline)
            if reply is not None:
                return reply
            later = min(cap, start + timeout + self.starved - before)
            if later <= time.monotonic() + 0.01:
                return None
            deadline = later

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
            status, reason = self.factory.exit_status(self.pid)
            self.kill(reason or describe_exit(status))
        return self.dead_reason or "the worker died"

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
        self.factory.stop(self.pid)
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
        reasons = {getattr(signal, name, None): text for name, text in [
            ("SIGKILL", "was killed (memory, time or process limit, or os.kill)"),
            ("SIGXCPU", "exceeded its CPU time limit"),
            ("SIGSEGV", "crashed (segmentation fault)"),
            ("SIGXFSZ", "exceeded the file size limit")]}
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else sig
        return f"the notebook's process {reasons.get(sig, 'was killed')} (signal {name})"
    if status == HARNESS_FAILED:
        return ("the grader's code inside the notebook's process failed: did the notebook "
                "replace builtins or modules the grader uses?")
    return f"the notebook's process exited by itself with code {status} (sys.exit or os._exit?)"


def value_from(reply: Reply, budget: protocol.Budget) -> Any:
    """Decode the ``value`` of a successful reply (handles stay references)."""
    return protocol.unpack(reply.header.get("value"), reply.blobs, budget)
