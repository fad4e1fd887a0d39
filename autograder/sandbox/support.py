"""Whether this platform has what the sandbox needs, asked without importing it.

The sandbox (:mod:`autograder.sandbox.forkserver`, :mod:`autograder.sandbox.isolation`)
uses Linux only: ``os.fork``, the ``resource`` module, file descriptors passed over UNIX
sockets, namespaces, Landlock and seccomp. This module imports nothing that is missing
elsewhere, so ``nngrade`` can say in one line what is missing on macOS or Windows, and
still run trusted notebooks there with ``--isolation none``.
"""

from __future__ import annotations

import importlib.util
import os
import platform
import socket
import sys


def missing_features() -> list[str]:
    """What this platform lacks for sandboxed grading (empty on Linux)."""
    missing = []
    if not sys.platform.startswith("linux"):
        missing.append(f"a Linux kernel (namespaces, Landlock, seccomp; this is "
                       f"{platform.system() or sys.platform})")
    if not hasattr(os, "fork"):
        missing.append("os.fork")
    if importlib.util.find_spec("resource") is None:
        missing.append("the resource module (rlimits)")
    if not hasattr(socket, "send_fds"):
        missing.append("file descriptor passing (socket.send_fds)")
    return missing


def unsupported_message(missing: list[str]) -> str:
    """One line: what is missing, and how to proceed."""
    return (f"this platform lacks what the sandbox needs ({'; '.join(missing)}); grade "
            f"untrusted notebooks on Linux, or pass --isolation none for trusted notebooks "
            f"only (e.g. your own master notebook)")
