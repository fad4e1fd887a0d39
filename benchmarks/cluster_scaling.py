"""Grading on a Dask cluster: throughput with 1, 2 and 4 workers, and what bounds it.

Starts a Dask scheduler and 1, 2 and 4 Dask workers on 127.0.0.1 (one process and one
thread each), and times ``nngrade grade --scheduler`` on the same N Homework 1
submissions for each count, after a warm-up that starts every worker's fork server.
Prints the throughput per worker count and the scaling efficiency (throughput over
workers times the one-worker throughput). On a machine with fewer cores than workers
the workers share the cores and cannot scale, so it also measures what bounds scaling
on a real cluster: the scheduler's cost per submission, from N empty tasks that carry
a notebook's bytes as the grading task does.

    python benchmarks/cluster_scaling.py [--copies 120] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib.tree import run_tree
from grading_throughput import COURSE, HW, copies, samples

from autograder.engine.session import WorkerFactory


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=COURSE,
                            env=dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False"))


def wait_for_workers(address: str, count: int, seconds: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout="20s") as client:
        client.wait_for_workers(count, timeout=seconds)


def grade(folder: Path, address: str, work: Path, name: str) -> float:
    out = work / name
    out.mkdir()
    run = run_tree([sys.executable, "-m", "autograder.cli", "grade", str(folder), "-a", HW,
                    "--scheduler", address, "--db", str(out / "gradebook.db"),
                    "--out", str(out)], cwd=COURSE)
    if run.returncode:
        raise RuntimeError(f"nngrade grade --scheduler exited with {run.returncode}")
    return run.seconds


def _empty(data: bytes) -> int:
    return len(data)


def scheduling_cost(address: str, data: bytes, n: int) -> tuple[float, float]:
    """Seconds per empty task carrying ``data``: one at a time (the round trip each
    submission pays on top of its grading, as the CLI keeps one task per worker thread in
    flight) and ``n`` at once (the rate the scheduler and workers can dispatch)."""
    from distributed import Client, wait

    with Client(address, timeout="20s") as client:
        start = time.perf_counter()
        for _ in range(n):
            client.submit(_empty, data, pure=False).result()
        one_at_a_time = (time.perf_counter() - start) / n
        start = time.perf_counter()
        wait([client.submit(_empty, data, pure=False) for _ in range(n)])
        return one_at_a_time, (time.perf_counter() - start) / n


def measure(count: int, folder: Path, warm: Path, work: Path,
            data: bytes) -> tuple[float, tuple[float, float]]:
    """Grading seconds of the batch and scheduling seconds per task (one at a time, all
    at once) with ``count`` workers."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [dask("distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                  str(port), "--no-dashboard")]
    try:
        for i in range(count):
            procs.append(dask("distributed.cli.dask_worker", address, "--nthreads", "1",
                              "--no-nanny", "--no-dashboard", "--name", f"w{i}",
                              "--memory-limit", "0"))
        wait_for_workers(address, count)
        grade(warm, address, work, f"warm{count}")
        seconds = grade(folder, address, work, f"run{count}")
        return seconds, scheduling_cost(address, data, len(list(folder.glob("*.ipynb"))))
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=120)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-cluster-") as tmp:
        work = Path(tmp)
        folder, warm = work / "subs", work / "warm"
        folder.mkdir()
        warm.mkdir()
        factory = WorkerFactory()
        pool = samples(factory)
        factory.close()
        paths = copies(pool, args.copies, folder)
        copies(pool, 2 * max(args.workers), warm)
        data = paths[0].read_bytes()
        results = {k: measure(k, folder, warm, work, data) for k in args.workers}
        shutil.rmtree(folder)
    n = len(paths)
    base = 60 * n / results[args.workers[0]][0] / args.workers[0]
    print(f"Dask on 127.0.0.1, {os.cpu_count()} cores: {n} submissions of {HW}")
    for k, (seconds, (latency, cost)) in results.items():
        rate = 60 * n / seconds
        print(f"  {k} worker(s): {seconds:6.1f} s  {rate:7.1f} per minute  scaling efficiency "
              f"{rate / (k * base):.0%}  scheduling: {1000 * latency:.1f} ms per submission "
              f"one at a time, {1000 * cost:.1f} ms all at once (bound: {60 / cost:.0f} "
              "per minute)")
    print("  (more workers than cores share the cores: on this machine, efficiency past the "
          "core count measures contention, not the cluster)")


if __name__ == "__main__":
    main()
