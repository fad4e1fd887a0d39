"""A fork server that starts sandboxed workers in a few milliseconds.

The fork server imports NumPy, matplotlib and IPython once, then forks one worker per
submission on request, so no worker pays the import cost. It never imports the
reference package, a hidden suite or anything else secret: a worker inherits its
memory.

Process tree of one worker (PID namespace available)::

    fork server ── intermediate (setsid, unshares namespaces, reports pids)
                 └── init  (PID 1 of the new namespace: private root, unprivileged uid)
                       └── worker (rlimits, runs the student's code)

Killing ``init`` (SIGKILL from the trusted side) destroys the namespace and every
process in it. ``init`` forwards SIGINT (the trusted side's "time is up") to the
worker. Without namespaces (the ``reduced`` tier) the worker is the intermediate's
child, in its own session and process group, confined by Landlock, a seccomp filter and
its own uid; when it ends, the fork server kills whatever still runs under that uid and
whatever it left in sessions of their own (the server and each intermediate process are
subreapers, so such orphans become theirs), and removes its working directory, whose
size it watches meanwhile.

Control requests arrive on a UNIX socket as frames; ``spawn`` carries the worker's
end of a fresh socket pair as an SCM_RIGHTS file descriptor. ``attach`` adds a client: a
grading process of the same grader, with a control socket of its own (its workers are
killed when that socket closes; the server ends when the grader's own socket closes).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
from dataclasses import dataclass

from autograder.sandbox import isolation as sandbox
from autograder.sandbox import procs, protocol, worker
from autograder.sandbox.limits import Limits
from autograder.sandbox.tiers import HARNESS_FAILED, NET_NAMESPACE, UID_SLOTS, Isolation, Policy

HOSTNAME = b"sandbox"
DISK_CHECK_SECONDS = 0.2
UID_WAIT_SECONDS = 2.0  # how long a spawn waits for a closing worker's uid
# Temporary folders carry the pid of the fork server that made them, so that a later fork
# server can remove what a killed one left behind.
ROOT_PREFIX, WORK_PREFIX = "nngrade-root-", "nngrade-work-"


@dataclass(frozen=True)
class Spec:
    """What one worker is started with."""

    limits: Limits
    policy: Policy
    uid: int
    workdir: str                # its working directory when there is no private root
    protect: tuple[str, ...]    # course files, gradebook, output, submissions


class ForkServer:
    def __init__(self, control: socket.socket, uid_base: int) -> None:
        self.control = control
        self.clients: list[socket.socket] = []  # attached grading processes
        self.shell = worker.make_shell()
        _freeze()
        self.as_root = os.geteuid() == 0
        self.mountpoint = tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{os.getpid()}-")
        self.statuses: dict[int, int] = {}
        self.reasons: dict[int, str] = {}  # why the fork server itself stopped a worker
        self.children: dict[int, Spec] = {}
        self.owners: dict[int, socket.socket] = {}  # the client that spawned a worker
        self.pid_namespaces: dict[int, int] = {}  # read end of each worker's namespace pipe
        self.cgroups: set[str] = set()  # control groups of finished workers, to remove
        self.hidden = _installed_secret_paths()
        self.uid_base = uid_base
        self.next_slot = 0
        self.disk_checked = 0.0
        self.work_parent = work_parent(self.as_root)

    def serve(self) -> None:
        sandbox.release_stale()
        remove_stale_folders(tempfile.gettempdir(), self.work_parent)
        sandbox.become_subreaper()
        try:
            self._loop()
        finally:
            self._drain()
            _remove_folder(self.mountpoint)

    def _loop(self) -> None:
        while True:
            ready, _, _ = select.select([self.control, *self.clients], [], [],
                                        DISK_CHECK_SECONDS)
            self._reap()
            self._watch_disks()
            for sock in ready:
                try:
                    msg, fds, _, _ = socket.recv_fds(sock, 1 << 20, 4)
                except OSError:
                    msg, fds = b"", []
                if not msg and sock is self.control:
                    return
                if not msg:
                    self._detach(sock)
                    continue
                reply = self._handle(json.loads(msg), fds, sock)
                try:
                    sock.sendall(json.dumps(reply).encode() + b"\n")
                except OSError:
                    if sock is self.control:
                        return
                    self._detach(sock)

    def _detach(self, client: socket.socket) -> None:
        """A client is gone: kill the workers it started and forget it."""
        for pid, owner in list(self.owners.items()):
            if owner is client:
                _kill_group(pid)
                del self.owners[pid]
        self.clients.remove(client)
        client.close()

    def _drain(self, seconds: float = 3.0) -> None:
        """On shutdown (the grader is gone): kill the workers still running and what
        they left, reap them all and remove their control groups. Orphans reach this
        server only once their own parents have died, so it waits for them too."""
        for pid in self.children:
            _kill_group(pid)
        deadline = time.monotonic() + seconds
        while self.children or self.cgroups or procs.children(os.getpid()):
            self._reap()
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)

    def _handle(self, request: dict, fds: list[int], client: socket.socket) -> dict:
        op = request.get("op")
        if op == "spawn":
            try:
                uid = self._free_uid(0.0 if request.get("spare") else UID_WAIT_SECONDS)
                if uid is None:
                    return {"error": f"all {UID_SLOTS} worker uids of this grader are in use; "
                                     "grade with fewer workers"}
                pid = self._spawn(request, fds[0], uid)
                if client is not self.control:
                    self.owners[pid] = client
                return {"pid": pid}
            finally:
                for fd in fds:
                    os.close(fd)
        if op == "attach":  # only the grader itself adds clients
            if client is self.control and len(fds) == 1:
                self.clients.append(socket.socket(fileno=fds[0]))
                return {"ok": True}
            for fd in fds:
                os.close(fd)
            return {"error": "attach takes one socket, from the grader's own control socket"}
        if op == "preload":  # modules a hidden suite asks for, before its first worker
            try:
                for name in request.get("modules", []):
                    importlib.import_module(name)
            except Exception as exc:
                return {"error": f"{name}: {type(exc).__name__}: {exc}"}
            _freeze()
            return {"ok": True}
        if op == "status":
            pid = request["pid"]
            self._reap()
            status = self.statuses.pop(pid, None)
            reason = self.reasons.pop(pid, None) if status is not None else None
            return {"status": status, "running": pid in self.children, "reason": reason}
        return {"error": f"unknown request {op!r}"}

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            spec = self.children.pop(pid, None)
            self.owners.pop(pid, None)
            if spec is None:
                continue  # a stray (below), reaped
            self.statuses[pid] = os.waitstatus_to_exitcode(status)
            self.cgroups.add(_cgroup_name(pid))
            self._clean_up(spec, _had_pid_namespace(self.pid_namespaces.pop(pid)))
        self._kill_strays()
        self.cgroups = {name for name in self.cgroups if not sandbox.release(name)}

    def _kill_strays(self) -> None:
        """Kill processes that a finished worker left in a session of their own: as
        this server is a subreaper, they become its children when their worker's
        intermediate process dies (while it lives, they are its children)."""
        for pid in procs.children(os.getpid()):
            if pid not in self.children:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def _clean_up(self, spec: Spec, pid_namespace: bool) -> None:
        """After a worker: kill what it left running under its uid, remove its files.
        A worker that had a PID namespace left nothing: its processes all ended with
        the namespace's init, before its intermediate process could be reaped."""
        if self.as_root and not pid_namespace:
            sandbox.sweep_uid(spec.uid)
        _remove_folder(spec.workdir)

    def _watch_disks(self) -> None:
        """Stop workers whose working directory outgrew their disk limit (on a private
        root, a tmpfs of that size does it; on the host's disk, this watch does)."""
        now = time.monotonic()
        if now - self.disk_checked < DISK_CHECK_SECONDS:
            return
        self.disk_checked = now
        for pid, spec in list(self.children.items()):
            limit = spec.limits.disk_mb * 2**20
            used = sandbox.disk_usage(spec.workdir, limit, procs.descendants(pid))
            if pid not in self.reasons and used > limit:
                self.reasons[pid] = (f"the notebook's process was stopped: it wrote more than "
                                     f"its {spec.limits.disk_mb} MB of disk")
                _kill_group(pid)

    def _spawn(self, request: dict, fd: int, uid: int) -> int:
        workdir = tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-", dir=self.work_parent)
        if self.as_root:
            os.chown(workdir, uid, uid)
        spec = Spec(Limits(**request["limits"]), Policy(request.get("isolation", "reduced-ok")),
                    uid, workdir, tuple(request.get("protect", ())))
        told, tell = os.pipe()  # the intermediate writes one byte once in a PID namespace
        pid = os.fork()
        if pid == 0:
            try:
                for sock in (self.control, *self.clients):
                    sock.close()
                os.close(told)
                _intermediate(self, fd, spec, tell)
            finally:
                os._exit(HARNESS_FAILED)
        os.close(tell)
        self.children[pid], self.pid_namespaces[pid] = spec, told
        return pid

    def _free_uid(self, wait: float = UID_WAIT_SECONDS) -> int | None:
        """The next uid of this server's block that no live worker runs as, waiting up to
        ``wait`` seconds for a closing worker to end; None when every one stays taken
        (two workers never share a uid)."""
        deadline = time.monotonic() + wait
        while True:
            self._reap()
            busy = {spec.uid for spec in self.children.values()}
            for _ in range(UID_SLOTS):
                self.next_slot = (self.next_slot + 1) % UID_SLOTS
                if self.uid_base + self.next_slot not in busy:
                    return self.uid_base + self.next_slot
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)


def _freeze() -> None:
    """Workers never collect what the server holds: a collection in a worker would walk
    (and so copy, page by page) every object it inherited."""
    gc.collect()
    gc.freeze()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _intermediate(z: ForkServer, fd: int, spec: Spec, tell: int) -> None:
    """Unshares namespaces, starts init (or the worker) and reports its pid; tells the
    fork server over ``tell`` when the worker has a PID namespace. Dies with the fork
    server, so a worker never outlives a grader killed with it."""
    server = os.getppid()
    sandbox.set_parent_death_signal()
    if os.getppid() != server:  # the fork server died before the signal was armed
        os._exit(HARNESS_FAILED)
    os.setsid()
    sandbox.become_subreaper()  # the worker's orphans stay below it while it lives
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    chan = socket.socket(fileno=fd)
    iso = Isolation(requested=spec.policy.value, as_root=z.as_root)
    if spec.policy != Policy.NONE:
        groups = sandbox.confine(_cgroup_name(os.getpid()), spec.limits)
        if groups:
            iso.cgroups = (f"cgroups ({', '.join(groups)}): {spec.limits.memory_mb} MB and "
                           f"{spec.limits.processes} processes for the whole worker")
        try:
            iso.namespaces = sandbox.enter_namespaces(z.as_root)
        except OSError as exc:
            iso.refused = exc.strerror or str(exc)
        if "network" in iso.namespaces:
            iso.network.append(NET_NAMESPACE)
        if "pid" in iso.namespaces:
            os.write(tell, b"p")
    os.close(tell)
    go_r, go_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(go_w)
        sandbox.set_parent_death_signal()
        if os.read(go_r, 1) != b"g":
            os._exit(71)
        os.close(go_r)
        _sandboxed(z, chan, spec, iso)
        os._exit(0)
    os.close(go_r)
    protocol.send_frame(chan, {"op": "spawned", "pid": child})
    os.write(go_w, b"g")
    os.close(go_w)
    chan.close()
    _, status = os.waitpid(child, 0)
    os._exit(_exit_code(status))


def _had_pid_namespace(told: int) -> bool:
    """Whether a reaped worker's intermediate said it entered a PID namespace."""
    try:
        return os.read(told, 1) == b"p"
    finally:
        os.close(told)


def _cgroup_name(pid: int) -> str:
    return f"nngrade-{pid}"


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _sandboxed(z: ForkServer, chan: socket.socket, spec: Spec, iso: Isolation) -> None:
    """Runs in the worker's namespaces (if any): builds the private root or the reduced
    tier's confinement, drops privileges, checks from inside that the protected paths
    are unreadable, then serves the trusted side (through init when PID 1)."""
    hidden = z.hidden + list(spec.protect)
    home = spec.workdir
    if iso.namespaces:
        home = _private_root(z, spec, iso, hidden) or home
    _drop_root(z, spec, iso)
    if spec.policy != Policy.NONE and iso.filesystem != "private-root":
        _confine_reduced(spec, iso, hidden)
    sandbox.set_parent_death_signal()
    os.chdir(home)
    _clean_environment(home)
    if spec.policy != Policy.NONE:
        iso.exposed = sandbox.exposed(hidden, sandbox.visible_paths())
        iso.checked = len(hidden)
    if "pid" in iso.namespaces and os.getpid() == 1:
        _init(z, chan, spec.limits, iso)
    else:
        _worker_main(z, chan, spec.limits, iso, None if home == "/work" else home)


def _private_root(z: ForkServer, spec: Spec, iso: Isolation, hidden: list[str]) -> str | None:
    """The full tier's filesystem: returns the worker's home, or None if it failed."""
    try:
        sandbox.build_private_root(z.mountpoint, spec.uid if z.as_root else None,
                                   spec.limits.disk_mb, hidden)
        sandbox.set_hostname(HOSTNAME)
    except OSError as exc:
        iso.notes.append(f"private root unavailable ({exc})")
        return None
    iso.filesystem = "private-root"
    iso.disk = f"disk: {spec.limits.disk_mb} MB tmpfs"
    return "/work"


def _drop_root(z: ForkServer, spec: Spec, iso: Isolation) -> None:
    """Become the worker's own unprivileged uid (as root), or give up the namespace's
    capabilities (without root). Not for ``--isolation none``."""
    if spec.policy == Policy.NONE:
        return
    if z.as_root and (iso.filesystem == "private-root" or _python_readable_by_others()):
        sandbox.drop_privileges(spec.uid)
        iso.uid = spec.uid
    elif z.as_root:
        iso.notes.append("ran as root: the Python installation is not readable by other users")
    elif iso.namespaces:
        sandbox.drop_namespace_capabilities()


def _confine_reduced(spec: Spec, iso: Isolation, hidden: list[str]) -> None:
    """The reduced tier: Landlock view, seccomp against sockets, disk watched."""
    try:
        applied, network = sandbox.confine_reduced(spec.workdir, hidden)
    except OSError as exc:
        iso.landlock_error = exc.strerror or str(exc)
        return
    iso.filesystem = "landlock"
    iso.landlock_abi, iso.scoped = applied.abi, applied.scoped
    iso.network += network
    iso.disk = f"disk: {spec.limits.disk_mb} MB, watched by the grader"


def _init(z: ForkServer, chan: socket.socket, limits: Limits, iso: Isolation):
    """PID 1: reaps orphans, forwards SIGINT to the worker, exits with the worker."""
    child = os.fork()
    if child == 0:
        _worker_main(z, chan, limits, iso, None)
        os._exit(0)
    chan.close()
    signal.signal(signal.SIGINT, lambda *_: os.kill(child, signal.SIGINT))
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == child:
            os._exit(_exit_code(status))


def _worker_main(z: ForkServer, chan: socket.socket, limits: Limits, iso: Isolation,
                 workdir: str | None) -> None:
    """Applies rlimits, says ready (the last trusted word), then runs student code.

    ``workdir`` is a host directory to remove afterwards when there is no private root.
    """
    sandbox.apply_rlimits(limits)
    iso.rlimits = True
    _close_fds_except(chan.fileno())
    protocol.send_frame(chan, {"op": "ready", "isolation": iso.to_dict(), "workdir": workdir})
    worker.Worker(z.shell, chan, limits.output_kb * 1024).serve()
    os._exit(0)


def _python_readable_by_others() -> bool:
    """Whether an unprivileged uid can use this Python (the installation and the
    virtual environment with its packages)."""
    return all(_readable_by_others(p) for p in {sys.base_prefix, sys.prefix}
               | {p for p in sys.path if "site-packages" in p and os.path.isdir(p)})


def work_parent(as_root: bool) -> str:
    """Where workers' own directories go (without a private root): the temporary folder,
    unless it is private (a TMPDIR other users cannot reach) while workers run as uids of
    their own, then ``/tmp``, where each gets a directory only its uid can enter."""
    tmp = tempfile.gettempdir()
    if not as_root or _readable_by_others(tmp) or not _readable_by_others("/tmp"):
        return tmp
    return "/tmp"


def remove_stale_folders(*folders: str) -> None:
    """Remove the temporary folders of fork servers and workers that no longer run."""
    for tmp in dict.fromkeys(folders):
        for name in os.listdir(tmp):
            for prefix in (ROOT_PREFIX, WORK_PREFIX):
                pid = name.removeprefix(prefix).split("-", 1)[0] if name.startswith(prefix) else ""
                if pid.isdigit() and not _running(int(pid)):
                    _remove_folder(os.path.join(tmp, name))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_folder(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _readable_by_others(path: str) -> bool:
    """Whether an unprivileged uid can reach ``path`` (every ancestor searchable)."""
    path = os.path.realpath(path)
    while True:
        if not os.stat(path).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _clean_environment(home: str) -> None:
    keep = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    os.environ.clear()
    os.environ.update(keep, HOME=home, TMPDIR="/tmp" if home == "/work" else home,
                      MPLCONFIGDIR=home, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                      MKL_NUM_THREADS="1", PYTHONHASHSEED="0")


def _close_fds_except(keep: int) -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, 65536)


def _installed_secret_paths() -> list[str]:
    """Where the reference package lives, when installed inside a visible directory.

    Located without importing it: the fork server must never hold its code.
    """
    import importlib.util

    spec = importlib.util.find_spec("reference")
    if spec is None or not spec.submodule_search_locations:
        return []
    return [os.path.realpath(p) for p in spec.submodule_search_locations]


def main() -> None:
    fd, uid_base = int(sys.argv[1]), int(sys.argv[2])
    for name in sys.argv[3:]:
        __import__(name)
    ForkServer(socket.socket(fileno=fd), uid_base).serve()
    # Its workers are gone and its folders removed; IPython's and the interpreter's
    # clean-up at exit would only keep the grader waiting.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
