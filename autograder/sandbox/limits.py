"""Kernel limits of one worker: what the operating system enforces on it.

Grading budgets (wall-clock time per cell, call and question) are the trusted side's
business and live in :mod:`autograder.engine.budgets`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits the kernel enforces on one submission's worker."""

    cpu_seconds: int = 300            # CPU time of the whole worker (RLIMIT_CPU)
    memory_mb: int = 2048             # address space (RLIMIT_AS), and the memory cgroup
    processes: int = 32               # processes and threads of the worker's uid (RLIMIT_NPROC)
    file_size_mb: int = 32            # largest file the worker may write (RLIMIT_FSIZE)
    disk_mb: int = 128                # size of the worker's private tmpfs
    open_files: int = 256             # RLIMIT_NOFILE
    output_kb: int = 64               # captured stdout/stderr per cell
