"""Grading throughput of nngrade against ``otter run`` and nbgrader, in the same run.

Grades N copies (under distinct student names) of the Homework 1 samples that finish
normally (no infinite loop, no corrupt file: those measure limits rather than speed):

* the engine alone (``grade_batch`` from this process, nothing recorded), 1 and 2 workers;
  and two independent processes of one worker each, the most that 2 grading slots could
  reach: the ratio of the two is what coordinating the slots costs;
* the whole ``nngrade grade`` command, timed from outside with its start-up, gradebook
  and exports, 1 and 2 workers (the median of 3 runs), with the CPU time and the peak
  memory (PSS) of its whole process tree and of the largest single worker process;
* ``otter run`` and nbgrader's ``autograde`` on the first ``--peer-copies`` of the same
  notebooks (each grades one notebook after another; per minute is comparable);
* ``nngrade check`` of one notebook and ``nngrade --help``, wall clock;
* the engine's own overhead per submission: a notebook whose code cells are empty, so
  the time is spawning the sandboxed worker, the hidden suite's calls and scoring.

    python benchmarks/grading_throughput.py [--copies 300] [--peer-copies 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import nbformat
from benchlib.peers import time_nbgrader, time_otter
from benchlib.tree import Run, run_tree

from autograder.engine.batch import Job, grade_batch
from autograder.engine.course import hidden_suite
from autograder.engine.pipeline import grade_path
from autograder.engine.session import WorkerFactory

COURSE = Path(__file__).resolve().parent.parent
HW = "hw1_forward"
CHECKED = COURSE / "examples" / "submissions" / HW / "ada_lovelace.ipynb"


def samples(factory: WorkerFactory) -> list[Path]:
    """The samples that finish normally (graded once by the engine to find out)."""
    suite = hidden_suite(COURSE, HW)
    keep = []
    for path in sorted((COURSE / "examples" / "submissions" / HW).glob("*.ipynb")):
        result = grade_path(path, suite, factory, seed=1)
        if not result.error and not any("time limit" in c.error for c in result.cells):
            keep.append(path)
    return keep


def copies(pool: list[Path], n: int, dest: Path) -> list[Path]:
    """``n`` copies of the ``pool`` in ``dest``, each under its own student name."""
    paths = []
    for i in range(n):
        src = pool[i % len(pool)]
        target = dest / f"s{i:03d}_{src.stem}.ipynb"
        shutil.copy(src, target)
        paths.append(target)
    return paths


def nngrade(*args: str) -> list[str]:
    return [sys.executable, "-m", "autograder.cli", *args]


def time_cli(folder: Path, workers: int, work: Path, repeats: int = 3) -> Run:
    """The whole ``nngrade grade`` command on ``folder``, timed from outside: the run of
    median wall time of ``repeats``, each into a new gradebook (so each grades all),
    with the peak memory of one more run, sampled (sampling slows what it watches)."""
    def once(i: int, sample: bool) -> Run:
        out = work / f"cli{workers}-{i}"
        out.mkdir()
        return run_tree(nngrade("grade", str(folder), "-a", HW, "--workers", str(workers),
                                "--db", str(out / "gradebook.db"), "--out", str(out)),
                        sample=sample)
    runs = sorted((once(i, False) for i in range(repeats)), key=lambda run: run.seconds)
    sampled = once(repeats, True)
    return replace(runs[len(runs) // 2], peak_mb=sampled.peak_mb,
                   worker_peak_mb=sampled.worker_peak_mb)


def time_engine(paths: list[Path], workers: int) -> float:
    """Seconds for ``grade_batch`` to grade ``paths`` with ``workers`` (a warm fork
    server, nothing recorded)."""
    suite = hidden_suite(COURSE, HW)
    factory = WorkerFactory(suite.preload)
    try:
        factory.probe(suite.limits)
        jobs = [Job(p, p.stem) for p in paths]
        start = time.perf_counter()
        grade_batch(jobs, suite, None, 1, workers, factory)
        return time.perf_counter() - start
    finally:
        factory.close()


def _grade_share(paths: list[Path], barrier, seconds) -> None:
    """One process of :func:`time_engine_processes`: its own fork server and suite."""
    suite = hidden_suite(COURSE, HW)
    factory = WorkerFactory(suite.preload)
    try:
        factory.probe(suite.limits)
        barrier.wait()
        start = time.perf_counter()
        grade_batch([Job(p, p.stem) for p in paths], suite, None, 1, 1, factory)
        seconds.put(time.perf_counter() - start)
    finally:
        factory.close()


def time_engine_processes(paths: list[Path], processes: int = 2) -> float:
    """Seconds for ``processes`` separate processes, one worker each, started together,
    to grade ``paths`` between them (the slowest one's time)."""
    ctx = multiprocessing.get_context("spawn")
    barrier, seconds = ctx.Barrier(processes), ctx.Queue()
    procs = [ctx.Process(target=_grade_share, args=(paths[i::processes], barrier, seconds))
             for i in range(processes)]
    for proc in procs:
        proc.start()
    times = [seconds.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    return max(times)


def median_wall(argv: list[str], repeats: int = 3) -> float:
    return statistics.median(run_tree(argv, sample=False).seconds for _ in range(repeats))


def engine_overhead(work: Path, repeats: int = 20) -> tuple[float, float]:
    """Median seconds to grade an empty-cells notebook, and to run its (empty) cells."""
    nb = nbformat.read(COURSE / "assignments" / HW / f"{HW}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = "pass"
    path = work / "empty.ipynb"
    nbformat.write(nb, path)
    suite = hidden_suite(COURSE, HW)
    factory = WorkerFactory(suite.preload)
    try:
        grade_path(path, suite, factory, seed=1)  # warm up the fork server
        totals, cells = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            result = grade_path(path, suite, factory, seed=1)
            totals.append(time.perf_counter() - start)
            cells.append(sum(c.seconds for c in result.cells))
    finally:
        factory.close()
    return statistics.median(totals), statistics.median(cells)


def per_minute(n: int, seconds: float | None) -> float | None:
    return None if not seconds else 60 * n / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=300)
    parser.add_argument("--peer-copies", type=int, default=20,
                        help="notebooks graded by otter run and by nbgrader")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-") as tmp:
        work = Path(tmp)
        folder = work / "subs"
        folder.mkdir()
        factory = WorkerFactory()
        pool = samples(factory)
        factory.close()
        paths = copies(pool, args.copies, folder)
        peers = paths[:args.peer_copies]
        n, m = len(paths), len(peers)
        engine = {w: time_engine(paths, w) for w in (1, 2)}
        split = time_engine_processes(paths, 2)
        cli = {w: time_cli(folder, w, work) for w in (1, 2)}
        otter = time_otter(COURSE, HW, peers, work)
        nbgrader, nbgrader_why = time_nbgrader(COURSE / "assignments" / HW / f"{HW}.ipynb",
                                               HW, peers, work)
        check = median_wall(nngrade("check", str(CHECKED)))
        help_ = median_wall(nngrade("--help"))
        total, cells = engine_overhead(work)
    rates = {"nngrade engine, 1 worker": per_minute(n, engine[1]),
             "nngrade engine, 2 workers": per_minute(n, engine[2]),
             "2 independent engines of 1 worker": per_minute(n, split),
             "nngrade grade (whole CLI), 1 worker": per_minute(n, cli[1].seconds),
             "nngrade grade (whole CLI), 2 workers": per_minute(n, cli[2].seconds),
             "otter run (serial)": per_minute(m, otter),
             "nbgrader autograde (serial)": per_minute(m, nbgrader)}
    print(f"{n} submissions of {HW} (copies of {len(pool)} samples); peers on {m} of them")
    for name, rate in rates.items():
        shown = f"{rate:8.1f} per minute" if rate else f"not measured: {nbgrader_why}"
        print(f"  {name:38s} {shown}")
    print(f"  ratio 2 independent processes / grade_batch's 2 workers (what coordinating "
          f"the slots costs): {engine[2] / split:.2f}x")
    for w in (1, 2):
        run = cli[w]
        print(f"  whole CLI, {w} worker(s): {run.seconds:.1f} s, exit {run.returncode}, "
              f"CPU {1000 * run.cpu_seconds / n:.0f} ms per submission "
              f"({60_000 * n / (1000 * run.cpu_seconds):.0f} per minute per busy core), "
              f"peak memory {run.peak_mb:.0f} MB (PSS of the process tree; largest worker "
              f"process {run.worker_peak_mb:.0f} MB)")
    for ours in ("nngrade grade (whole CLI), 1 worker", "nngrade grade (whole CLI), 2 workers"):
        for peer in ("otter run (serial)", "nbgrader autograde (serial)"):
            if rates[peer]:
                print(f"  ratio {ours} / {peer}: {rates[ours] / rates[peer]:.1f}x")
    print(f"  nngrade check of one notebook: {check:.2f} s wall (target < 1 s); "
          f"nngrade --help: {help_:.2f} s (target < 0.3 s)")
    print(f"  engine overhead per submission (empty cells, whole hidden suite): "
          f"{1000 * total:.0f} ms, of which cells {1000 * cells:.0f} ms")


if __name__ == "__main__":
    main()
