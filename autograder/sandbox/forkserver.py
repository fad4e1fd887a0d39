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
worker. Without namespaces the worker is the intermediate's child, in its own session
and process group, with rlimits only.

Control requests arrive on a UNIX socket as frames; ``spawn`` carries the worker's
end of a fresh socket pair as an SCM_RIGHTS file descriptor.
"""

from __future__ import annotations

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
from dataclasses import asdict

from autograder.sandbox import isolation as sandbox
from autograder.sandbox import protocol, worker
from autograder.sandbox.limits import Limits

HOSTNAME = b"sandbox"
# Temporary folders carry the pid of the process that made them, so that a later fork
# server can remove what a killed one left behind.
ROOT_PREFIX, WORK_PREFIX = "nngrade-root-", "nngrade-work-"


class ForkServer:
    def __init__(self, control: socket.socket, uid_base: int) -> None:
        self.control = control
        self.shell = worker.make_shell()
        self.as_root = os.geteuid() == 0
        self.mountpoint = tempfile.mkdtemp(prefix=f"{ROOT_PREFIX}{os.getpid()}-")
        self.statuses: dict[int, int] = {}
        self.children: set[int] = set()
        self.cgroups: set[str] = set()  # control groups of finished workers, to remove
        self.hidden = _installed_secret_paths()
        self.uid_base = uid_base
        self.next_slot = 0

    def serve(self) -> None:
        sandbox.release_stale()
        remove_stale_folders()
        try:
            self._loop()
        finally:
            self._drain()
            _remove_folder(self.mountpoint)

    def _loop(self) -> None:
        while True:
            ready, _, _ = select.select([self.control], [], [], 0.2)
            self._reap()
            if not ready:
                continue
            try:
                msg, fds, _, _ = socket.recv_fds(self.control, 1 << 16, 4)
            except OSError:
                return
            if not msg:
                return
            request = json.loads(msg)
            reply = self._handle(request, fds)
            self.control.sendall(json.dumps(reply).encode() + b"\n")

    def _drain(self, seconds: float = 3.0) -> None:
        """On shutdown (the grader is gone): kill the workers still running, reap them
        and remove their control groups."""
        for pid in self.children:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        deadline = time.monotonic() + seconds
        while (self.children or self.cgroups) and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)

    def _handle(self, request: dict, fds: list[int]) -> dict:
        op = request.get("op")
        if op == "spawn":
            pid = self._spawn(request, fds[0])
            for fd in fds:
                os.close(fd)
            return {"pid": pid}
        if op == "status":
            pid = request["pid"]
            self._reap()
            return {"status": self.statuses.pop(pid, None), "running": pid in self.children}
        return {"error": f"unknown request {op!r}"}

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            self.children.discard(pid)
            self.statuses[pid] = os.waitstatus_to_exitcode(status)
            self.cgroups.add(_cgroup_name(pid))
        self.cgroups = {name for name in self.cgroups if not sandbox.release(name)}

    def _spawn(self, request: dict, fd: int) -> int:
        limits = Limits(**request["limits"])
        self.next_slot = (self.next_slot + 1) % sandbox.UID_SLOTS
        uid = self.uid_base + self.next_slot
        pid = os.fork()
        if pid == 0:
            try:
                self.control.close()
                _intermediate(self, fd, limits, uid, request.get("isolate", True))
            finally:
                os._exit(sandbox.HARNESS_FAILED)
        self.children.add(pid)
        return pid


def _intermediate(z: ForkServer, fd: int, limits: Limits, uid: int, isolate: bool) -> None:
    """Unshares namespaces, starts init (or the worker) and reports its pid. Dies with
    the fork server, so a worker never outlives a grader killed with it."""
    server = os.getppid()
    sandbox.set_parent_death_signal()
    if os.getppid() != server:  # the fork server died before the signal was armed
        os._exit(sandbox.HARNESS_FAILED)
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    chan = socket.socket(fileno=fd)
    iso = sandbox.Isolation()
    if isolate:
        groups = sandbox.confine(_cgroup_name(os.getpid()), limits)
        if groups:
            iso.notes.append(f"cgroups ({', '.join(groups)}): {limits.memory_mb} MB and "
                             f"{limits.processes} processes for the whole worker")
        try:
            iso.namespaces = sandbox.enter_namespaces(z.as_root)
        except OSError as exc:
            iso.notes.append(f"namespaces unavailable ({exc.strerror}); rlimits only")
    else:
        iso.notes.append("isolation disabled by configuration")
    go_r, go_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(go_w)
        sandbox.set_parent_death_signal()
        if os.read(go_r, 1) != b"g":
            os._exit(71)
        os.close(go_r)
        _sandboxed(z, chan, limits, uid, iso)
        os._exit(0)
    os.close(go_r)
    protocol.send_frame(chan, {"op": "spawned", "pid": child})
    os.write(go_w, b"g")
    os.close(go_w)
    chan.close()
    _, status = os.waitpid(child, 0)
    os._exit(_exit_code(status))


def _cgroup_name(pid: int) -> str:
    return f"nngrade-{pid}"


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _sandboxed(z: ForkServer, chan: socket.socket, limits: Limits, uid: int,
               iso: sandbox.Isolation) -> None:
    """Runs in the worker's namespaces: builds the private root, drops privileges,
    applies rlimits, then serves the trusted side (through init when PID 1)."""
    workdir = None
    if iso.namespaces:
        try:
            sandbox.build_private_root(z.mountpoint, uid if z.as_root else None,
                                       limits.disk_mb, z.hidden)
            iso.filesystem = "private-root"
            sandbox.set_hostname(HOSTNAME)
        except OSError as exc:
            iso.notes.append(f"private root unavailable ({exc})")
    if iso.filesystem != "private-root":
        workdir = tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{os.getpid()}-")
        if z.as_root:
            os.chown(workdir, uid, uid)
    if z.as_root and (iso.filesystem == "private-root" or _readable_by_others(sys.base_prefix)):
        sandbox.drop_privileges(uid)
        iso.uid = uid
    elif z.as_root:
        iso.notes.append("ran as root: the Python installation is not readable by other users")
    elif iso.namespaces:
        sandbox.drop_namespace_capabilities()
    sandbox.set_parent_death_signal()
    os.chdir(workdir or "/work")
    _clean_environment(workdir or "/work")
    if "pid" in iso.namespaces and os.getpid() == 1:
        _init(z, chan, limits, iso, workdir)
    else:
        _worker_main(z, chan, limits, iso, workdir)


def _init(z: ForkServer, chan: socket.socket, limits: Limits, iso: sandbox.Isolation,
          workdir: str | None):
    """PID 1: reaps orphans, forwards SIGINT to the worker, exits with the worker."""
    child = os.fork()
    if child == 0:
        _worker_main(z, chan, limits, iso, workdir)
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


def _worker_main(z: ForkServer, chan: socket.socket, limits: Limits,
                 iso: sandbox.Isolation, workdir: str | None) -> None:
    """Applies rlimits, says ready (the last trusted word), then runs student code.

    ``workdir`` is a host directory to remove afterwards when there is no private root.
    """
    sandbox.apply_rlimits(limits)
    iso.rlimits = True
    _close_fds_except(chan.fileno())
    protocol.send_frame(chan, {"op": "ready", "isolation": asdict(iso), "workdir": workdir})
    worker.Worker(z.shell, chan, limits.output_kb * 1024).serve()
    os._exit(0)


def remove_stale_folders() -> None:
    """Remove the temporary folders of fork servers and workers that no longer run."""
    tmp = tempfile.gettempdir()
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


if __name__ == "__main__":
    main()
