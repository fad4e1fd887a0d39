"""A Dask cluster of worker processes on 127.0.0.1 for the tests, and closing it with
nothing left behind."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from autograder.engine.cluster import REMOTE_PREFIX, remove_stale_copies


def start(workers: int, threads: int = 1):
    """A local cluster of ``workers`` processes with ``threads`` each (skips the test
    without the dask extra)."""
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    return distributed.LocalCluster(n_workers=workers, threads_per_worker=threads,
                                    processes=True, host="127.0.0.1", dashboard_address=":0")


def close(cluster) -> None:
    """Close a local cluster; a Dask worker it had to kill may leave its notebook copy,
    which the next start on that machine removes (done here, once the process is gone)."""
    cluster.close()
    end = time.monotonic() + 15
    while time.monotonic() < end:
        remove_stale_copies()
        if not list(Path(tempfile.gettempdir()).glob(f"{REMOTE_PREFIX}*")):
            return
        time.sleep(0.2)
