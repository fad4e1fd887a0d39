"""A worker without a sandbox, for ``--isolation none`` where the sandbox cannot run.

On macOS and Windows there are no namespaces, Landlock or seccomp (and on Windows no
``fork``), so a trusted notebook (an instructor's own master notebook on a laptop) is
run by this plain subprocess instead: it connects back to the grader's loopback port,
proves it knows the one-time token the grader put in its environment, and serves the
same protocol as a sandboxed worker. It has no limits but the grader's wall clock; its
isolation record says what the grader found missing.

Run as ``python -m autograder.sandbox.plain PORT [MODULE ...]``.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile

from autograder.sandbox import protocol, worker
from autograder.sandbox.tiers import Isolation, Policy

OUTPUT_KB = 64


def main() -> None:
    port, preload = int(sys.argv[1]), sys.argv[2:]
    token = os.environ.pop("NNGRADE_TOKEN", "")
    missing = os.environ.pop("NNGRADE_MISSING", "")
    for name in preload:
        __import__(name)
    shell = worker.make_shell()
    chan = socket.create_connection(("127.0.0.1", port))
    chan.sendall(token.encode())
    home = tempfile.mkdtemp(prefix=f"nngrade-work-{os.getpid()}-")
    os.chdir(home)
    os.environ.update(HOME=home, TMPDIR=home, MPLCONFIGDIR=home)
    iso = Isolation(requested=Policy.NONE.value,
                    notes=[f"a plain process with no limits but the wall clock (missing here: "
                           f"{missing})"])
    protocol.send_frame(chan, {"op": "spawned", "pid": os.getpid()})
    protocol.send_frame(chan, {"op": "ready", "isolation": iso.to_dict(), "workdir": home})
    worker.Worker(shell, chan, OUTPUT_KB * 1024).serve()


if __name__ == "__main__":
    main()
