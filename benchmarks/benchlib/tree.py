"""Wall time and peak memory of a command's whole process tree.

The tree is sampled from ``/proc`` every few milliseconds: every descendant of the
command (fork server, workers, Dask processes) counts. Memory is the sum of each
process's proportional set size (PSS), so pages that forked workers share with the
fork server are counted once, not once per worker.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass
class Run:
    """What one timed command did."""

    seconds: float
    peak_mb: float
    returncode: int


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = (PROC / entry.name / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(root: int) -> list[int]:
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, []))
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_mb(root: int) -> float:
    """Current memory (PSS, MB) of ``root`` and all its descendants."""
    return sum(_pss_kb(pid) for pid in _descendants(root)) / 1024


def run_tree(argv: list[str], interval: float = 0.05, **kwargs) -> Run:
    """Run ``argv`` to completion; its wall seconds and the peak PSS of its tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            **kwargs)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_pss_mb(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return Run(seconds, peak, code)
