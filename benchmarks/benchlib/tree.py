"""Wall time, CPU time and peak memory of a command's whole process tree.

With ``sample``, the tree is sampled from ``/proc`` every 50 milliseconds: every
descendant of the command (fork server, workers, Dask processes) counts. Memory is the
sum of each process's proportional set size (PSS), so pages that forked workers share
with the fork server are counted once, not once per worker. Sampling takes CPU time of
its own, so time a command without it and measure its memory in another run.

CPU time is the machine's busy time while the command ran (``/proc/stat``): the rusage
of children misses every process whose parent was killed before it could wait for it,
which is how workers end. It assumes a machine with nothing else running.
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
    peak_mb: float         # the whole tree
    returncode: int
    cpu_seconds: float     # the machine's busy time while it ran (all cores)
    worker_peak_mb: float  # the largest single process two or more levels down (a worker)


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


def _descendants(root: int) -> list[tuple[int, int]]:
    """(pid, depth below ``root``) of ``root`` and every process below it."""
    tree, found, todo = _children(), [], [(root, 0)]
    while todo:
        pid, depth = todo.pop()
        found.append((pid, depth))
        todo.extend((child, depth + 1) for child in tree.get(pid, []))
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_mb(root: int) -> tuple[float, float]:
    """Current memory (PSS, MB) of ``root`` and all its descendants, and of the largest
    process two or more levels below it."""
    sizes = [(_pss_kb(pid), depth) for pid, depth in _descendants(root)]
    return (sum(kb for kb, _ in sizes) / 1024,
            max((kb for kb, depth in sizes if depth >= 2), default=0) / 1024)


def busy_seconds() -> float:
    """The machine's busy CPU time so far, all cores (not idle, not waiting for I/O)."""
    fields = [int(x) for x in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def run_tree(argv: list[str], interval: float = 0.05, sample: bool = True, **kwargs) -> Run:
    """Run ``argv`` to completion: its wall seconds, the machine's CPU time meanwhile and,
    with ``sample``, the peak PSS of its tree (0 without)."""
    busy = busy_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            **kwargs)
    peak = worker_peak = 0.0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak, worker_peak
        while not done.is_set():
            total, worker = tree_pss_mb(proc.pid)
            peak, worker_peak = max(peak, total), max(worker_peak, worker)
            done.wait(interval)

    sampler = threading.Thread(target=watch, daemon=True)
    if sample:
        sampler.start()
    code = proc.wait()
    seconds = time.perf_counter() - start
    done.set()
    if sample:
        sampler.join()
    return Run(seconds, peak, code, busy_seconds() - busy, worker_peak)
