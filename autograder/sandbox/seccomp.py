"""Small seccomp filters, as classic BPF programs installed through ``prctl``.

:func:`deny_network`: the worker of the ``reduced`` tier may not create sockets of any
address family (its channel to the grader is an already-open UNIX socket, and
``socketpair`` still works) nor use io_uring, which could open sockets without the
``socket`` system call. Foreign system-call ABIs (32-bit, x32) are refused outright.
:func:`install` takes any program of (code, jump-if-true, jump-if-false, constant) rows.

A filter stays for the life of the process and is inherited by its children. Only the
standard library.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2

LD_ABS_W = 0x20                      # BPF_LD | BPF_W | BPF_ABS
JEQ, JGE, JSET = 0x15, 0x35, 0x45    # BPF_JMP | op | BPF_K
RET = 0x06                           # BPF_RET | BPF_K
ALLOW = 0x7FFF0000


def errno_action(code: int) -> int:
    """The filter's answer that makes a system call fail with ``code``."""
    return 0x00050000 | code        # SECCOMP_RET_ERRNO


# offsets in struct seccomp_data: int nr; u32 arch; u64 ip; u64 args[6]
NR, ARCH, ARG0_LOW = 0, 4, 16

ARCHES = {
    "x86_64": (0xC000003E, {"socket": 41, "clone": 56, "unshare": 272, "clone3": 435}),
    "aarch64": (0xC00000B7, {"socket": 198, "clone": 220, "unshare": 97, "clone3": 435}),
}
_IO_URING = (425, 426, 427)  # setup, enter, register: the same on every architecture
_X32_BIT = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)


class _Filter(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def arch() -> tuple[int, dict[str, int]]:
    """This machine's audit architecture and the system-call numbers used here."""
    machine = platform.machine()
    if machine not in ARCHES:
        raise OSError(errno.ENOSYS, f"no seccomp filter for the {machine} architecture")
    return ARCHES[machine]


def deny_network() -> None:
    """Refuse ``socket()`` (EACCES) and io_uring (EPERM) from now on."""
    audit_arch, nr = arch()
    deny = errno_action(errno.EPERM)
    program = [(LD_ABS_W, 0, 0, ARCH), (JEQ, 1, 0, audit_arch), (RET, 0, 0, deny),
               (LD_ABS_W, 0, 0, NR), (JGE, 0, 1, _X32_BIT), (RET, 0, 0, deny)]
    for number, action in [(nr["socket"], errno_action(errno.EACCES))] + [
            (n, deny) for n in _IO_URING]:
        program += [(JEQ, 0, 1, number), (RET, 0, 0, action)]
    program.append((RET, 0, 0, ALLOW))
    install(program)


def install(program: list[tuple[int, int, int, int]]) -> None:
    """Install a BPF program of (code, jump-if-true, jump-if-false, constant) rows."""
    code = b"".join(struct.pack("HBBI", *row) for row in program)
    buf = ctypes.create_string_buffer(code, len(code))
    prog = _Filter(len(program), ctypes.cast(buf, ctypes.c_void_p))
    for args, what in [((PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)"),
                       ((PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0),
                        "prctl(SECCOMP)")]:
        if _libc.prctl(*args) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")
