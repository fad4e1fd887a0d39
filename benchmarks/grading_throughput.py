"""Grading throughput of ``nngrade grade`` against ``otter run``, in the same run.

Grades N copies of the Homework 1 samples (those that finish normally: no infinite
loop, no corrupt file, which measure limits rather than speed) serially with both
tools, and prints submissions per minute and the ratio. Then measures the engine's
own overhead per submission: grading a notebook whose code cells are empty, so the
time is spawning the sandboxed worker, running the hidden suite's calls and scoring.

    python benchmarks/grading_throughput.py [--copies 40]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.authoring.assign import otter_autograder_zip
from autograder.engine.course import hidden_suite
from autograder.engine.pipeline import grade_path
from autograder.engine.session import WorkerFactory

COURSE = Path(__file__).resolve().parent.parent
HW = "hw1_forward"


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
    paths = []
    for i in range(n):
        src = pool[i % len(pool)]
        target = dest / f"s{i:03d}_{src.stem}.ipynb"
        shutil.copy(src, target)
        paths.append(target)
    return paths


def time_nngrade(folder: Path, workers: int, work: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(folder), "-a", HW,
                    "--workers", str(workers), "--db", str(work / f"g{workers}.db"),
                    "--out", str(work / f"out{workers}")], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def time_otter(paths: list[Path], work: Path) -> float:
    zip_path = otter_autograder_zip(COURSE, HW, work / "otter.zip")
    start = time.perf_counter()
    for i, path in enumerate(paths):
        out = work / "otter_out" / str(i)
        out.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o",
                        str(out), str(path)], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nngrade-bench-") as tmp:
        work = Path(tmp)
        folder = work / "subs"
        folder.mkdir()
        factory = WorkerFactory()
        pool = samples(factory)
        factory.close()
        paths = copies(pool, args.copies, folder)
        n = len(paths)
        ours_serial = time_nngrade(folder, 1, work)
        ours_parallel = time_nngrade(folder, 2, work)
        theirs = time_otter(paths, work)
        total, cells = engine_overhead(work)
    print(f"{n} submissions of {HW} (copies of {len(pool)} samples)")
    for name, seconds in [("nngrade grade, 1 worker ", ours_serial),
                          ("nngrade grade, 2 workers", ours_parallel),
                          ("otter run, serial       ", theirs)]:
        print(f"{name}: {seconds:7.2f} s  {60 * n / seconds:8.1f} per minute")
    print(f"ratio nngrade (1 worker) / otter: {theirs / ours_serial:.1f}x  (target >= 5x)")
    print(f"engine overhead per submission (empty cells, whole hidden suite): "
          f"{1000 * total:.0f} ms, of which cells {1000 * cells:.0f} ms (target < 500 ms)")


if __name__ == "__main__":
    main()
