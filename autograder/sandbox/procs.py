"""The process tree, as Linux's /proc tells it.

Reads only files, and imports nothing that other platforms lack, so the trusted side can
use it wherever the sandbox can run (and fail soft where /proc is missing).
"""

from __future__ import annotations

import os


def children(pid: int) -> list[int]:
    """The pids of the children of process ``pid`` (every thread's)."""
    pids: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return pids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            continue
    return pids


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (a subreaper keeps orphans below it)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children(current)
    return found
