"""Landlock: an unprivileged, copy-free view of the filesystem for a worker.

Landlock (Linux 5.13+) lets a process give up access to everything but an allow-list of
file hierarchies; it needs no privilege and no namespace, so it works where Docker's
seccomp profile or Ubuntu's AppArmor policy refuse namespaces. Once restricted, the
process and every child keep the restriction; they also cannot mount, ptrace or (ABI 6)
signal processes outside their own domain, nor reach abstract UNIX sockets made
outside it; from ABI 4, TCP bind and connect can be refused too.

:func:`restrict` allows reading the given directories, writing one working directory
and a few devices, and carves hidden paths (the installed reference package, the
course files, gradebook, output and submissions) out of the readable directories that
contain them. Only the standard library; runs in the forked worker.
"""

from __future__ import annotations

import ctypes
import os
import stat
from dataclasses import dataclass

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # same on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_ABI1_FS = (1 << 13) - 1  # execute .. make_sym
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
READ = EXECUTE | READ_FILE | READ_DIR
_NET_TCP = 0b11           # bind and connect
_SCOPE = 0b11             # abstract UNIX sockets and signals

_libc = ctypes.CDLL(None, use_errno=True)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@dataclass
class Applied:
    """What :func:`restrict` put in force."""

    abi: int
    tcp: bool      # TCP bind and connect refused (ABI 4+)
    scoped: bool   # signals and abstract UNIX sockets scoped to the domain (ABI 6+)


def abi() -> int:
    """The kernel's Landlock ABI version; raises OSError when Landlock is unavailable."""
    version = _libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0),
                            ctypes.c_uint32(_CREATE_RULESET_VERSION))
    if version < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return version


def _fs_rights(version: int) -> int:
    rights = _ABI1_FS
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def restrict(read: list[str], write: list[str], devices: list[str],
             hidden: list[str]) -> Applied:
    """Restrict the calling process (and its future children) for good.

    ``read``: directories or files readable (and executable); ``write``: directories
    fully usable; ``devices``: files readable and writable; ``hidden``: paths inside
    ``read`` that must stay unreadable. Raises OSError if Landlock is unavailable.
    """
    version = abi()
    handled = _fs_rights(version)
    attr = _RulesetAttr(handled, _NET_TCP if version >= 4 else 0, _SCOPE if version >= 6 else 0)
    size = 8 if version < 4 else 16 if version < 6 else 24
    ruleset = _libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                            ctypes.c_uint32(0))
    _check(ruleset, "landlock_create_ruleset")
    try:
        secret = sorted({os.path.realpath(h) for h in hidden})
        for path in read:
            for target, access in _readable(os.path.realpath(path), secret):
                _add(ruleset, target, access & handled)
        for path in write:
            _add(ruleset, path, handled)
        for path in devices:
            _add(ruleset, path, (READ_FILE | WRITE_FILE) & handled)
        _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
        _check(_libc.syscall(_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)),
               "landlock_restrict_self")
    finally:
        os.close(ruleset)
    return Applied(version, version >= 4, version >= 6)


def _readable(path: str, secret: list[str]) -> list[tuple[str, int]]:
    """Rules that make ``path`` readable except the secret paths strictly inside it.

    ``path`` itself stays readable even inside a secret one (a virtual environment in
    the course checkout, or in Gradescope's ``/autograder``). A directory holding a
    secret is listable (names are not secret) and each of its other entries is allowed
    on its own, recursively; an entry that links outside ``path`` is allowed only if it
    is in no secret path at all.
    """
    inner = [s for s in secret if _within(s, path) and s != path]
    if not inner:
        return [(path, READ)]
    rules = [(path, READ_DIR)]
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        return rules
    for entry in entries:
        target = os.path.realpath(entry.path)
        if _within(target, path) and not any(_within(target, s) for s in inner):
            rules += _readable(target, inner)
        elif not _within(target, path) and not any(_within(target, s) for s in secret):
            rules += _readable(target, secret)
    return rules


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _add(ruleset: int, path: str, access: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that does not exist needs no rule
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FILE_RIGHTS
        rule = _PathBeneathAttr(access, fd)
        _check(_libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule),
                             ctypes.c_uint32(0)), f"landlock_add_rule {path}")
    finally:
        os.close(fd)


def _check(ret: int, what: str) -> None:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
