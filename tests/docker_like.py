"""Run a command as in a Docker container with the default seccomp profile.

    python tests/docker_like.py [--reachable PATH] -- COMMAND [ARG ...]

The command runs in its own mount namespace under a seccomp filter that does what
Docker's default profile does to a process without ``CAP_SYS_ADMIN``: ``unshare`` and
``clone`` with namespace flags fail with EPERM, ``clone3`` with ENOSYS. A grader run
this way has no namespaces to give its workers: they must find the refusal by
themselves and fall back to the ``reduced`` tier. Everything else (the course files,
the gradebook, the network) is the host's, as in a container that mounts them.

``--no-landlock`` also refuses Landlock's system calls (ENOSYS), as a kernel built
without it, or a Docker older than 23.0, does.

``--reachable PATH`` makes PATH reachable by other users inside the namespace when an
ancestor is not (a Python installed by pyenv under ``/root``): that ancestor is covered
by a tmpfs that holds only the way to PATH, as a container image would install Python
where its users can read it. Nothing changes outside the namespace. Root only.
"""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
import tempfile

from autograder.sandbox import isolation, seccomp

MS_MOVE = 8192
LANDLOCK_CREATE_RULESET = 444
NAMESPACE_FLAGS = 0x7E020000  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET


def docker_seccomp(landlock: bool = True) -> None:
    """Refuse new namespaces as Docker's default profile does (and Landlock, if not
    ``landlock``)."""
    audit_arch, nr = seccomp.arch()
    eperm = seccomp.errno_action(errno.EPERM)
    program = [(seccomp.LD_ABS_W, 0, 0, seccomp.ARCH), (seccomp.JEQ, 1, 0, audit_arch),
               (seccomp.RET, 0, 0, seccomp.ALLOW), (seccomp.LD_ABS_W, 0, 0, seccomp.NR)]
    if not landlock:
        program += [(seccomp.JEQ, 0, 1, LANDLOCK_CREATE_RULESET),
                    (seccomp.RET, 0, 0, seccomp.errno_action(errno.ENOSYS))]
    for name in ("unshare", "clone"):
        program += [(seccomp.JEQ, 0, 4, nr[name]), (seccomp.LD_ABS_W, 0, 0, seccomp.ARG0_LOW),
                    (seccomp.JSET, 0, 1, NAMESPACE_FLAGS), (seccomp.RET, 0, 0, eperm),
                    (seccomp.RET, 0, 0, seccomp.ALLOW)]
    program += [(seccomp.JEQ, 0, 1, nr["clone3"]),
                (seccomp.RET, 0, 0, seccomp.errno_action(errno.ENOSYS)),
                (seccomp.RET, 0, 0, seccomp.ALLOW)]
    seccomp.install(program)


def make_reachable(path: str) -> None:
    """Cover the topmost ancestor of ``path`` that others cannot search with a tmpfs
    holding only the way to ``path`` (in this mount namespace)."""
    path = os.path.realpath(path)
    parts = path.strip("/").split("/")
    for depth in range(1, len(parts)):
        top = "/" + "/".join(parts[:depth])
        if not os.stat(top).st_mode & stat.S_IXOTH:
            break
    else:
        return
    child = "/" + "/".join(parts[:depth + 1])
    stage = tempfile.mkdtemp(prefix="docker-like-")
    isolation.mount(child, stage, None, isolation.MS_BIND | isolation.MS_REC)
    isolation.mount("tmpfs", top, "tmpfs", isolation.MS_NOSUID | isolation.MS_NODEV, "mode=0755")
    os.makedirs(child)
    isolation.mount(stage, child, None, MS_MOVE)
    os.rmdir(stage)


def command(args: list[str], landlock: bool = True) -> list[str]:
    """``args`` (a command line) run as in a Docker container, with this interpreter's
    installation reachable by the workers' uids. Skips the calling test without root."""
    if os.geteuid() != 0:
        import pytest

        pytest.skip("simulating a container (a mount namespace) needs root; CI runs as root")
    options = [] if landlock else ["--no-landlock"]
    return [sys.executable, __file__, "--reachable", sys.base_prefix, *options, "--", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reachable", action="append", default=[])
    parser.add_argument("--no-landlock", action="store_true")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.command[1:] if args.command[:1] == ["--"] else args.command
    isolation.unshare(isolation.CLONE_NEWNS)
    isolation.mount(None, "/", None, isolation.MS_REC | isolation.MS_PRIVATE)
    for path in args.reachable:
        make_reachable(path)
    docker_seccomp(landlock=not args.no_landlock)
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()

