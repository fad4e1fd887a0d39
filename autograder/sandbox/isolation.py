"""Linux mechanisms that isolate the worker running a student's notebook.

The worker is forked from the fork server (see :mod:`autograder.sandbox.forkserver`),
which applies, before any student code runs, the strongest tier the machine allows
(see :mod:`autograder.sandbox.tiers`):

* ``full``, with Linux namespaces (as root, or through an unprivileged user namespace):
  no network (a fresh network namespace with only a down loopback), its own PID
  namespace (the worker is PID 1, so everything it starts dies with it, and ``/proc``
  shows only its own processes), private IPC and hostname, and a private mount
  namespace whose root is a small tmpfs holding read-only views of the system and
  Python directories, nothing else: no course files, no hidden suites, no other
  submissions, no gradebook.
* ``reduced``, where namespaces are refused: a Landlock view of the same directories
  (:mod:`autograder.sandbox.landlock`), a seccomp filter against sockets
  (:mod:`autograder.sandbox.seccomp`), and a working directory on the host whose size
  the fork server watches.
* In both, an unprivileged uid of its own (when running as root), so process limits
  bite and nothing outside its own directories is writable; rlimits everywhere:
  address space, CPU seconds, processes, file size, open files, core dumps.

Everything here runs in the fork server or the forked child; the module imports only
the standard library and is imported only on Linux.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
import stat
import sys
from collections.abc import Sequence

from autograder.sandbox import landlock, seccomp
from autograder.sandbox.limits import Limits
from autograder.sandbox.tiers import NET_LANDLOCK, NET_SECCOMP

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(platform.machine())
_libc = ctypes.CDLL(None, use_errno=True)

NAMESPACES = {"user": CLONE_NEWUSER, "mount": CLONE_NEWNS, "pid": CLONE_NEWPID,
              "network": CLONE_NEWNET, "ipc": CLONE_NEWIPC, "uts": CLONE_NEWUTS}
DEVICES = ("null", "zero", "random", "urandom")


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    _check(_libc.mount(_bytes(source), _bytes(target), _bytes(fstype), ctypes.c_ulong(flags),
                       _bytes(data)), f"mount {target}")


def _bytes(s: str | None) -> bytes | None:
    return s.encode() if s is not None else None


def pivot_root(new_root: str, put_old: str) -> None:
    if _SYS_PIVOT_ROOT is None:
        raise OSError("pivot_root: unknown syscall number on this architecture")
    _check(_libc.syscall(_SYS_PIVOT_ROOT, new_root.encode(), put_old.encode()), "pivot_root")


def set_hostname(name: bytes) -> None:
    _check(_libc.sethostname(name, len(name)), "sethostname")


def set_parent_death_signal(sig: int = signal.SIGKILL) -> None:
    _libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)


def become_subreaper() -> None:
    """Orphaned descendants become children of this process, not of init."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def enter_namespaces(as_root: bool) -> list[str]:
    """Unshare every namespace the worker needs; returns their names.

    Called in the intermediate process: the PID namespace applies to its next child.
    Without root, a user namespace maps the caller's uid to root inside it.
    """
    names = ["mount", "pid", "network", "ipc", "uts"]
    if not as_root:
        uid, gid = os.getuid(), os.getgid()
        unshare(CLONE_NEWUSER | _flags(names))
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {uid} 1")
        _write("/proc/self/gid_map", f"0 {gid} 1")
        return ["user"] + names
    unshare(_flags(names))
    return names


def _flags(names: list[str]) -> int:
    flags = 0
    for name in names:
        flags |= NAMESPACES[name]
    return flags


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


# ---------------------------------------------------------------------------
# filesystem


def visible_paths() -> list[str]:
    """Directories the worker sees, read-only: system dirs, the Python installation."""
    paths = ["/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc",
             sys.base_prefix, sys.prefix, sys.exec_prefix]
    paths += [p for p in sys.path if p and os.path.isdir(p) and "site-packages" in p]
    return sorted({os.path.realpath(p) if not os.path.islink(p) else p for p in paths
                   if os.path.lexists(p)})


def build_private_root(root: str, owner: int | None, disk_mb: int, hidden: list[str]) -> None:
    """Mount a tmpfs at ``root`` with read-only views of :func:`visible_paths`, then
    ``pivot_root`` into it. ``hidden`` paths inside visible ones are covered by empty
    read-only tmpfs mounts. The new root holds ``/work`` (the worker's home and working
    directory) and ``/tmp``, owned by ``owner`` (None: by the namespace's own root, in a
    user namespace).
    """
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, f"size={disk_mb}m,mode=0755")
    visible = visible_paths()
    for path in visible:
        _bind_readonly(path, root + path)
    for path in hidden:
        inside = any(_inside(path, v) and path != v for v in visible)
        if inside and not any(_inside(v, path) for v in visible) and os.path.isdir(root + path):
            mount("tmpfs", root + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k")
    for dev in DEVICES:
        _bind_file("/dev/" + dev, f"{root}/dev/{dev}")
    os.makedirs(root + "/proc", exist_ok=True)
    mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for d in ("/work", "/tmp"):
        os.makedirs(root + d, mode=0o700, exist_ok=True)
        if owner is not None:
            os.chown(root + d, owner, owner)
    os.makedirs(root + "/.old", exist_ok=True)
    pivot_root(root, root + "/.old")
    os.chdir("/")
    _check(_libc.umount2(b"/.old", MNT_DETACH), "umount old root")
    os.rmdir("/.old")


def _bind_readonly(source: str, target: str) -> None:
    if os.path.islink(source):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(source), target)
        return
    if os.path.lexists(target):  # already covered by a parent bind mount
        return
    os.makedirs(target, exist_ok=True)
    mount(source, target, None, MS_BIND | MS_REC)
    mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID)


def _bind_file(source: str, target: str) -> None:
    os.makedirs(os.path.dirname(target), exist_ok=True)
    open(target, "a").close()
    mount(source, target, None, MS_BIND)


# ---------------------------------------------------------------------------
# control groups: limits on the whole worker, not per process


def _cgroup_bases() -> dict[str, str]:
    """Writable cgroup v1 hierarchies (memory, pids) below this process's own groups."""
    bases: dict[str, str] = {}
    try:
        lines = open("/proc/self/cgroup").read().splitlines()
    except OSError:
        return bases
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in ("memory", "pids"):
            base = f"/sys/fs/cgroup/{controller}{path}"
            if controller in controllers.split(",") and os.access(base, os.W_OK):
                bases[controller] = base
    return bases


def confine(name: str, limits: Limits) -> list[str]:
    """Put the calling process (and so everything it starts) into new memory and pids
    control groups named ``name``: the worker's processes share one memory budget, so
    a fork bomb of memory hogs cannot exhaust the machine. Returns the controllers used."""
    used = []
    for controller, base in sorted(_cgroup_bases().items()):
        path = f"{base}/{name}"
        try:
            os.makedirs(path, exist_ok=True)
            if controller == "memory":
                _write(f"{path}/memory.limit_in_bytes", str(limits.memory_mb * 2**20))
            else:
                _write(f"{path}/pids.max", str(limits.processes + 4))  # + init and helpers
            _write(f"{path}/cgroup.procs", str(os.getpid()))
            used.append(controller)
        except OSError:
            continue
    return used


def release_stale() -> None:
    """Remove empty worker control groups left by a grader that was killed."""
    for base in _cgroup_bases().values():
        for entry in os.listdir(base):
            if entry.startswith("nngrade-"):
                try:
                    os.rmdir(f"{base}/{entry}")
                except OSError:
                    pass  # still in use


def release(name: str) -> bool:
    """Remove the control groups of a finished worker; False while some still hold
    processes (a killed namespace takes a moment to empty)."""
    done = True
    for base in _cgroup_bases().values():
        try:
            os.rmdir(f"{base}/{name}")
        except FileNotFoundError:
            pass
        except OSError:
            done = False
    return done


# ---------------------------------------------------------------------------
# credentials and limits


def drop_privileges(uid: int) -> None:
    """Become ``uid`` with no groups and no capabilities (root only)."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def drop_namespace_capabilities() -> None:
    """Without root: a nested user namespace leaves no capability over the mounts."""
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER)
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid + 1000} {uid} 1")
    _write("/proc/self/gid_map", f"{gid + 1000} {gid} 1")


def apply_rlimits(limits: Limits) -> None:
    """Lower soft and hard limits; they can never be raised again by the worker."""
    mb = 2**20
    settings = {
        resource.RLIMIT_AS: limits.memory_mb * mb,
        resource.RLIMIT_CPU: limits.cpu_seconds,
        resource.RLIMIT_NPROC: limits.processes,
        resource.RLIMIT_FSIZE: limits.file_size_mb * mb,
        resource.RLIMIT_NOFILE: limits.open_files,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in settings.items():
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        cap = value + 5 if which == resource.RLIMIT_CPU else value
        hard_value = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
        resource.setrlimit(which, (value, hard_value))
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


# ---------------------------------------------------------------------------
# the reduced tier, and checks that hold in every tier


def confine_reduced(workdir: str, hidden: list[str]) -> tuple[landlock.Applied, list[str]]:
    """Where namespaces were refused: a Landlock view (read-only system and Python
    directories, ``workdir`` writable, ``hidden`` carved out) and the seccomp filter
    against sockets. Returns what Landlock applied and what keeps the worker offline.
    Raises OSError when Landlock is unavailable; the seccomp filter is then not tried."""
    applied = landlock.restrict(visible_paths(), [workdir], [f"/dev/{d}" for d in DEVICES],
                                hidden)
    seccomp.deny_network()
    network = [NET_SECCOMP]
    if applied.tcp:
        network.append(NET_LANDLOCK)
    return applied, network


def exposed(paths: list[str], allowed: list[str]) -> list[str]:
    """Which of ``paths`` this process can read anything of (each should be none).

    Run inside the worker once its isolation is in force. A directory counts as
    exposed when a file in it (three levels deep at most) can be opened; directories
    that only lead to ``allowed`` paths (a virtual environment inside the course
    checkout, seen through the private root) and names alone do not count.
    """
    return [path for path in paths if _leaks(path, allowed, depth=3)]


def _leaks(path: str, allowed: list[str], depth: int) -> bool:
    if any(_inside(a, path) for a in allowed):
        if not any(_inside(path, a) for a in allowed):
            return any(_leaks(p, allowed, depth) for p in _entries(path))
        return False  # an allowed path itself
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return exc.errno not in (errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOTDIR)
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            return True
    finally:
        os.close(fd)
    return depth > 0 and any(_leaks(p, allowed, depth - 1) for p in _entries(path))


def _entries(path: str) -> list[str]:
    try:
        return [os.path.join(path, name) for name in sorted(os.listdir(path))]
    except OSError:
        return []


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def sweep_uid(uid: int) -> None:
    """Kill every process running as ``uid`` (root only): what a worker left behind
    after leaving its process group. ``kill(-1)`` from a process of that uid reaches
    exactly them, atomically with respect to new forks."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def disk_usage(path: str, limit: int, pids: Sequence[int] = ()) -> int:
    """Bytes of disk that the tree at ``path`` uses, counted until ``limit`` is passed
    (each entry counts at least one block, so a flood of empty files adds up too), plus
    the files under it that processes ``pids`` still hold open after deleting them."""
    total, stack = 0, [path]
    while stack and total <= limit:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += max(st.st_blocks * 512, 4096)
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    if total <= limit:
        total += _deleted_but_open(path, pids)
    return total


def _deleted_but_open(path: str, pids: Sequence[int]) -> int:
    total, seen = 0, set()
    prefix = path.rstrip("/") + "/"
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            link = f"/proc/{pid}/fd/{fd}"
            try:
                target = os.readlink(link)
                if target.startswith(prefix) and target.endswith(" (deleted)"):
                    st = os.stat(link)
                    if (st.st_dev, st.st_ino) not in seen:
                        seen.add((st.st_dev, st.st_ino))
                        total += st.st_blocks * 512
            except OSError:
                continue
    return total
