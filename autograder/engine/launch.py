"""Starting the fork server, early when a command is known to grade.

The fork server takes most of a second to import NumPy, matplotlib and IPython. A
command that will grade starts it first (:func:`start_early`, before the command
imports the engine, loads the suite and reads the notebooks), so both start-ups run
at once; the command's :class:`~autograder.engine.session.WorkerFactory` then adopts it
(:func:`adopt`). This module imports only the standard library and two small modules
of the sandbox, so that starting the server early costs the command nothing.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from dataclasses import dataclass

from autograder.sandbox import support
from autograder.sandbox.tiers import UID_SLOTS

PRELOAD = ("numpy", "matplotlib.pyplot", "IPython")
UID_FIRST, UID_BLOCKS = 200_000, 20_000


@dataclass
class Launched:
    """A running fork server and the trusted side's end of its control socket."""

    proc: subprocess.Popen
    control: socket.socket
    uid_base: int
    preload: tuple[str, ...]


_early: Launched | None = None


def new_uid_base() -> int:
    """The first uid of a random block: each worker runs as its own uid from the block,
    so that RLIMIT_NPROC counts only its processes; a random block keeps concurrent
    graders apart."""
    return UID_FIRST + random.randrange(UID_BLOCKS) * UID_SLOTS


def launch(preload: tuple[str, ...], uid_base: int) -> Launched:
    """Start a fork server that imports ``preload`` before it forks any worker."""
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen(
        [sys.executable, "-m", "autograder.sandbox.forkserver", str(theirs.fileno()),
         str(uid_base), *preload],
        pass_fds=[theirs.fileno()], env=worker_environment(), start_new_session=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    theirs.close()
    return Launched(proc, ours, uid_base, preload)


def start_early() -> None:
    """Start a fork server now for the next worker factory, where this platform can
    sandbox (elsewhere workers are plain subprocesses and need none)."""
    global _early
    if _early is None and not support.missing_features():
        _early = launch(PRELOAD, new_uid_base())


def discard_early() -> None:
    """Stop the fork server started early if no factory took it over (the command ended
    before it needed one); it removes its folders as it ends."""
    global _early
    early, _early = _early, None
    if early is not None:
        early.control.close()
        try:
            early.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            early.proc.kill()
            early.proc.wait()


def adopt() -> Launched | None:
    """The fork server started early, if any and still running; once."""
    global _early
    early, _early = _early, None
    if early is not None and early.proc.poll() is not None:
        early.control.close()
        return None
    return early


def worker_environment() -> dict[str, str]:
    """A minimal environment for the fork server: a worker can read the server's
    original environment (/proc/self/environ survives os.environ.clear()), so nothing
    else goes in."""
    cache = os.path.join(os.path.expanduser("~"), ".cache", "nngrade")
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SYSTEMROOT")
           if k in os.environ}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1",
               MPLCONFIGDIR=os.path.join(cache, "matplotlib"),
               IPYTHONDIR=os.path.join(cache, "ipython"))
    return env
